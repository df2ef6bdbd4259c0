package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A browser that leaves before its answer (a closed tab, a report left
// waiting) is no server error: the request is logged with 499, nothing is
// logged as an error, and the user stays logged in.
func TestAbandonedRequestIsNotAnError(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		var logs bytes.Buffer
		srv, err := New(a.st, i18n.MustLoad(), Config{Version: "test", Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		a.srv.Config.Handler = srv.Handler()
		c := a.login(t, "admin", testPassword)
		base, _ := url.Parse(a.srv.URL)
		gone, cancel := context.WithCancel(context.Background())
		cancel()

		// Gone before the session was read.
		req := httptest.NewRequestWithContext(gone, http.MethodGet, "/reports/builder?subject=services&measure=count&run=1", nil)
		for _, ck := range c.hc.Jar.Cookies(base) {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != statusClientClosed || rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("request abandoned before the session: status %d, cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
		}
		// Gone while the page was made: the handler's error is the
		// cancellation of its queries.
		rec = httptest.NewRecorder()
		srv.fail(rec, httptest.NewRequestWithContext(gone, http.MethodGet, "/reports/builder", nil),
			fmt.Errorf("store: report: %w", context.Canceled))
		if rec.Code != statusClientClosed || rec.Body.Len() != 0 {
			t.Errorf("request abandoned in its handler: status %d, %d bytes of page", rec.Code, rec.Body.Len())
		}

		if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "status=499") {
			t.Errorf("log of abandoned requests:\n%s", logs.String())
		}
		if res := c.get("/reports"); res.Status != http.StatusOK {
			t.Errorf("after an abandoned request the user's next page: %d", res.Status)
		}
	})
}
