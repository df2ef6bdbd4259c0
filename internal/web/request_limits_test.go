package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/store/storetest"
)

// The pen test stored invalid UTF-8 raw on SQLite and got 500 from
// PostgreSQL, and got 500 for an 11 MB form and for 100,000 repeated
// fields. Each is now refused before any handler, with a message.
func TestFormsRefusedWithAMessage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		bad := clientForm(fx)
		bad.Set("surname", "Иван\xffов")
		res := c.post("/clients", bad)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("a client with invalid UTF-8 in the surname: status %d", res.Status)
		}
		mustContain(t, res.Body, "Форма пришла не в кодировке UTF-8")
		if list := c.get("/clients?q=" + url.QueryEscape("Иван")); strings.Contains(list.Body, "Сергеевич") {
			t.Fatal("the client was saved")
		}
		// The same in a query string.
		res = c.get("/clients?q=%FF%FE")
		if res.Status != http.StatusBadRequest {
			t.Fatalf("search for invalid UTF-8: status %d", res.Status)
		}
		// And before login.
		res = a.client(t).post("/login", url.Values{"login": {"adm\xc3in"}, "password": {testPassword}})
		if res.Status != http.StatusBadRequest {
			t.Fatalf("login with invalid UTF-8: status %d", res.Status)
		}

		big := clientForm(fx)
		big.Set("birth_place", strings.Repeat("Вологда ", 11<<20/len("Вологда ")))
		res = c.post("/clients", big)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("an 11 MB form: status %d", res.Status)
		}
		mustContain(t, res.Body, "Форма слишком большая")

		many := clientForm(fx)
		many["tag"] = make([]string, 100000)
		res = c.post("/clients", many)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("100,000 repeated fields: status %d", res.Status)
		}
		mustContain(t, res.Body, "В форме слишком много полей")
		many["tag"] = make([]string, maxFormFields)
		if res := c.post("/clients", many); res.Status != http.StatusBadRequest {
			t.Fatalf("%d fields: status %d", maxFormFields, res.Status)
		}
		res = c.get("/clients?" + strings.Repeat("q=a&", 20000))
		if res.Status != http.StatusBadRequest {
			t.Fatalf("20,000 query fields: status %d", res.Status)
		}
		mustContain(t, res.Body, "В форме слишком много полей")

		// An ordinary form still goes through.
		if res := c.post("/clients", clientForm(fx)); res.Status != http.StatusSeeOther {
			t.Fatalf("an ordinary client form: status %d", res.Status)
		}
	})
}

// tlsApp serves the same application over TLS, as --tls-cert does.
func tlsApp(t *testing.T, a *app) (base string, hc *http.Client) {
	srv := httptest.NewTLSServer(a.web.Handler())
	t.Cleanup(srv.Close)
	hc = srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return srv.URL, hc
}

// HSTS is sent over TLS only: over plain http it would mean nothing, and
// behind a TLS proxy the proxy sends it.
func TestHSTSOverTLSOnly(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		base, hc := tlsApp(t, a)
		res, err := hc.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if h := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=31536000") {
			t.Errorf("over TLS: Strict-Transport-Security %q", h)
		}
		if h := a.client(t).get("/login").Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("over plain http: Strict-Transport-Security %q", h)
		}
	})
}

// Go's cross-origin check compares only the host of Origin when there is
// no Sec-Fetch-Site: a page on http://host could post to https://host.
func TestOriginOfTheOtherSchemeRefused(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		base, hc := tlsApp(t, a)
		host := strings.TrimPrefix(base, "https://")
		post := func(hc *http.Client, base, origin string) int {
			req, _ := http.NewRequest(http.MethodPost, base+"/lang", strings.NewReader("lang=en&back=/login"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", origin)
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if got := post(hc, base, "http://"+host); got != http.StatusForbidden {
			t.Errorf("https site, Origin http://%s: status %d, want 403", host, got)
		}
		if got := post(hc, base, "https://"+host); got != http.StatusSeeOther {
			t.Errorf("https site, its own Origin: status %d, want 303", got)
		}
		plain := a.client(t).hc
		host = strings.TrimPrefix(a.srv.URL, "http://")
		if got := post(plain, a.srv.URL, "https://"+host); got != http.StatusForbidden {
			t.Errorf("http site, Origin https://%s: status %d, want 403", host, got)
		}
		if got := post(plain, a.srv.URL, "http://"+host); got != http.StatusSeeOther {
			t.Errorf("http site, its own Origin: status %d, want 303", got)
		}
	})
}

// Logging out tells the browser to forget what pages kept on the device
// (the check-in page's regulars), and the login page it lands on does the
// same where the header is ignored.
func TestLogoutClearsSiteData(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		res := c.post("/logout", nil)
		if h := res.Header.Get("Clear-Site-Data"); !strings.Contains(h, `"storage"`) || !strings.Contains(h, `"cache"`) {
			t.Fatalf("logout: Clear-Site-Data %q", h)
		}
		if page := c.get(res.Location); !strings.Contains(page.Body, `src="/static/forget.js"`) {
			t.Error("the login page after logout does not clear the device")
		}
		if page := a.client(t).get("/login"); strings.Contains(page.Body, "forget.js") {
			t.Error("an ordinary login page clears the device")
		}
		if res := a.client(t).get("/static/forget.js"); res.Status != http.StatusOK || !strings.Contains(res.Body, "opora-checkin") {
			t.Errorf("forget.js: status %d", res.Status)
		}
	})
}
