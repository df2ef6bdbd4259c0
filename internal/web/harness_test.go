package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// testPassword is the password every test user gets from setPassword.
const testPassword = "correct horse battery staple"

func init() { auth.SetParamsForTests() }

// app is a running Opora server over a test database.
type app struct {
	st  *store.Store
	srv *httptest.Server
	web *Server
}

// newApp starts a server on the store.
func newApp(t testing.TB, st *store.Store) *app {
	t.Helper()
	s, err := New(st, i18n.MustLoad(), Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &app{st: st, srv: srv, web: s}
}

// eachApp runs fn on SQLite and PostgreSQL with an organisation set up
// (administrator login "admin", password testPassword).
func eachApp(t *testing.T, fn func(t *testing.T, a *app, fx *storetest.Fixture)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		setPassword(t, st, fx.Admin.ID, fx.Org.ID)
		fn(t, newApp(t, st), fx)
	})
}

// setPassword gives a user testPassword.
func setPassword(t testing.TB, st *store.Store, userID, orgID int64) {
	t.Helper()
	h, err := auth.Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ResetPassword(opora.WithActor(context.Background(), opora.SystemActor(orgID)), userID, h); err != nil {
		t.Fatal(err)
	}
}

// client is one browser: it keeps cookies and does not follow redirects.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func (a *app) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: a.srv.URL, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login logs a new browser in and fails the test if that does not work.
func (a *app) login(t testing.TB, login, password string) *client {
	t.Helper()
	c := a.client(t)
	res := c.post("/login", url.Values{"login": {login}, "password": {password}})
	if res.Status != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("login %s: status %d, location %q, body %s", login, res.Status, res.Location, res.Body)
	}
	return c
}

// response is what a test looks at.
type response struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(b), Header: res.Header}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// post submits a form the way a browser on the same site does.
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// mustContain fails unless body contains every want.
func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page does not show %q", w)
		}
	}
}
