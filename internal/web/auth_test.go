package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestSetupLinkWorksOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a := newApp(t, st)
		token := auth.NewToken()
		if err := st.SetSetupToken(context.Background(), auth.HashToken(token)); err != nil {
			t.Fatal(err)
		}
		c := a.client(t)
		if res := c.get("/setup/wrong-token"); res.Status != http.StatusNotFound {
			t.Fatalf("wrong token: status %d", res.Status)
		}
		res := c.get("/setup/" + token)
		if res.Status != http.StatusOK {
			t.Fatalf("setup page: status %d", res.Status)
		}
		mustContain(t, res.Body, "Первый запуск", `name="password"`)
		form := url.Values{"name": {"Ночлежка"}, "type": {"ngo"}, "branch_name": {"Главный офис"},
			"full_name": {"Иван Петров"}, "login": {"ivan"}, "password": {"short"}, "password_confirm": {"short"}}
		res = c.post("/setup/"+token, form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("short password: status %d", res.Status)
		}
		// The form comes back with what was typed and the error by the field.
		mustContain(t, res.Body, `value="Ночлежка"`, `value="ivan"`, "не короче 12 символов")
		form.Set("password", testPassword)
		form.Set("password_confirm", testPassword)
		res = c.post("/setup/"+token, form)
		if res.Status != http.StatusSeeOther || res.Location != "/login" {
			t.Fatalf("setup: status %d location %q body %s", res.Status, res.Location, res.Body)
		}
		if res := c.get("/setup/" + token); res.Status != http.StatusNotFound {
			t.Fatalf("second use of the setup link: status %d", res.Status)
		}
		if res := c.post("/setup/"+token, form); res.Status != http.StatusNotFound {
			t.Fatalf("second setup post: status %d", res.Status)
		}
		home := a.login(t, "ivan", testPassword).get("/")
		mustContain(t, home.Body, "Иван Петров", "Ночлежка", "Главный офис")
	})
}

// The pen test used the setup link in 8 parallel requests on PostgreSQL and
// got 7 organisations. The link is taken in one step: exactly one wins.
func TestSetupLinkInParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a := newApp(t, st)
		token := auth.NewToken()
		if err := st.SetSetupToken(context.Background(), auth.HashToken(token)); err != nil {
			t.Fatal(err)
		}
		const n = 8
		status := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				form := url.Values{"name": {"Ночлежка " + strconv.Itoa(i)}, "type": {"ngo"}, "branch_name": {"Главный офис"},
					"full_name": {"Иван Петров"}, "login": {"ivan" + strconv.Itoa(i)}, "password": {testPassword}, "password_confirm": {testPassword}}
				req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/setup/"+token, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				status[i] = res.StatusCode
			})
		}
		wg.Wait()
		winner := -1
		for i, s := range status {
			switch {
			case s == http.StatusSeeOther && winner < 0:
				winner = i
			case s != http.StatusNotFound:
				t.Errorf("request %d: status %d (winner %d)", i, s, winner)
			}
		}
		if winner < 0 {
			t.Fatalf("no request completed the setup: %v", status)
		}
		// The winner is the network administrator and sees every
		// organisation: their own only.
		page := a.login(t, "ivan"+strconv.Itoa(winner), testPassword).get("/admin/network")
		if page.Status != http.StatusOK {
			t.Fatalf("network page: status %d", page.Status)
		}
		for i := range n {
			if shown := strings.Contains(page.Body, "Ночлежка "+strconv.Itoa(i)); shown != (i == winner) {
				t.Errorf("organisation %d shown: %v (winner %d)", i, shown, winner)
			}
		}
	})
}

func TestLoginLogout(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		anon := a.client(t)
		if res := anon.get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("anonymous home: status %d location %q", res.Status, res.Location)
		}
		// A wrong password and an unknown login get the same answer.
		bad := anon.post("/login", url.Values{"login": {"admin"}, "password": {"wrong password here"}})
		unknown := anon.post("/login", url.Values{"login": {"nobody"}, "password": {"wrong password here"}})
		if bad.Status != http.StatusUnauthorized || unknown.Status != bad.Status {
			t.Fatalf("failed logins: %d and %d", bad.Status, unknown.Status)
		}
		if !strings.Contains(bad.Body, "Неверный логин или пароль") || !strings.Contains(unknown.Body, "Неверный логин или пароль") {
			t.Fatal("failed login message missing")
		}
		c := a.login(t, "admin", testPassword)
		home := c.get("/")
		if home.Status != http.StatusOK {
			t.Fatalf("home: %d", home.Status)
		}
		mustContain(t, home.Body, fx.Admin.FullName)
		if cc := home.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		if csp := home.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		if res := c.post("/logout", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.Status)
		}
		if res := c.get("/"); res.Status != http.StatusSeeOther {
			t.Fatalf("after logout home: %d", res.Status)
		}
	})
}

func TestLockoutOnSixthAttempt(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.client(t)
		for i := 1; i <= 5; i++ {
			res := c.post("/login", url.Values{"login": {"admin"}, "password": {"wrong password number"}})
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i, res.Status)
			}
		}
		// The sixth attempt with the right password is refused: the account is locked.
		res := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}})
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("sixth attempt with the right password: status %d", res.Status)
		}
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionLockout, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].EntityID != fx.Admin.ID {
			t.Fatalf("lockout audit rows: %+v", entries)
		}
		// Fifteen minutes later the right password works again.
		now := a.st.Now
		a.st.Now = func() time.Time { return now().Add(opora.LockoutDuration + time.Minute) }
		a.login(t, "admin", testPassword)
	})
}

func TestPerAddressLimit(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.web.limiter.Max = 3
		c := a.client(t)
		for i, login := range []string{"a1", "a2", "a3"} {
			if res := c.post("/login", url.Values{"login": {login}, "password": {"whatever password"}}); res.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i, res.Status)
			}
		}
		res := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}})
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("after 3 failures from one address: %d", res.Status)
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		res := c.post("/account/password", url.Values{"current": {testPassword}, "password": {"another long password"},
			"password_confirm": {"another long password"}}, "Sec-Fetch-Site", "cross-site")
		if res.Status != http.StatusForbidden {
			t.Fatalf("cross-site POST: %d", res.Status)
		}
		res = c.post("/logout", nil, "Sec-Fetch-Site", "", "Origin", "https://evil.example")
		if res.Status != http.StatusForbidden {
			t.Fatalf("foreign Origin POST: %d", res.Status)
		}
		// The password did not change and the session is alive.
		if res := c.get("/account"); res.Status != http.StatusOK {
			t.Fatalf("session lost: %d", res.Status)
		}
		a.login(t, "admin", testPassword)
	})
}

func TestPasswordChange(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		other := a.login(t, "admin", testPassword)
		res := c.post("/account/password", url.Values{"current": {"not my password"}, "password": {"a brand new password"},
			"password_confirm": {"a brand new password"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Текущий пароль указан неверно") {
			t.Fatalf("wrong current password: %d", res.Status)
		}
		res = c.post("/account/password", url.Values{"current": {testPassword}, "password": {"a brand new password"},
			"password_confirm": {"a brand new password"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("change: %d %s", res.Status, res.Body)
		}
		if res := c.get("/account"); res.Status != http.StatusOK {
			t.Fatalf("own session ended: %d", res.Status)
		}
		if res := other.get("/account"); res.Status != http.StatusSeeOther {
			t.Fatalf("other session survived a password change: %d", res.Status)
		}
		a.login(t, "admin", "a brand new password")
	})
}

func TestSessionTimeouts(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		now := a.st.Now
		a.st.Now = func() time.Time { return now().Add(31 * time.Minute) }
		if res := c.get("/"); res.Status != http.StatusSeeOther {
			t.Fatalf("idle 31 min: %d", res.Status)
		}
	})
}

func TestLanguageSwitch(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		mustContain(t, c.get("/account").Body, "Смена пароля")
		if res := c.post("/lang", url.Values{"lang": {"en"}, "back": {"/account"}}); res.Location != "/account" {
			t.Fatalf("lang switch: %d %q", res.Status, res.Location)
		}
		mustContain(t, c.get("/account").Body, "Change password", `lang="en"`)
		// The choice is the user's: a new login keeps English.
		mustContain(t, a.login(t, "admin", testPassword).get("/").Body, "Hello, ")
	})
}

func TestErrorPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		res := c.get("/no/such/page")
		if res.Status != http.StatusNotFound || !strings.Contains(res.Body, "Страница не найдена") {
			t.Fatalf("404 page: %d", res.Status)
		}
		if res := c.get("/healthz"); res.Status != http.StatusOK || res.Body != "ok\n" {
			t.Fatalf("healthz: %d %q", res.Status, res.Body)
		}
	})
}

// hostileNext are places an attacker might put in ?next= or back= to send
// the browser off the site after login or a language switch.
var hostileNext = []string{
	"//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
	"/\t\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
	"/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example", "/%09/evil.example", "https://evil.example",
	"http:evil.example", "javascript:alert(1)", "evil.example", "/\u3000/evil.example", "/\x00/evil.example",
	"/\xff/evil.example", "",
}

func TestSafeNext(t *testing.T) {
	for _, next := range hostileNext {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
	for _, next := range []string{"/", "/clients/5", "/clients?q=%D0%98%D0%B2&page=2", "/reports/register#top", "/a/b/../c"} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
}

// The pen test found /login?next=/%09/host/x and the language switch's back
// sending the browser to another site.
func TestRedirectsStayOnSite(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		for _, next := range hostileNext {
			if !utf8.ValidString(next) {
				continue // refused as a form (TestFormsRefusedWithAMessage)
			}
			c := a.client(t)
			res := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "next": {next}})
			if res.Status != http.StatusSeeOther || res.Location != "/" {
				t.Errorf("login with next=%q: status %d, location %q", next, res.Status, res.Location)
			}
			res = c.post("/lang", url.Values{"lang": {"ru"}, "back": {next}})
			if res.Status != http.StatusSeeOther || res.Location != "/" {
				t.Errorf("language switch with back=%q: status %d, location %q", next, res.Status, res.Location)
			}
		}
		// The login page keeps the way back to a page of the site.
		res := a.client(t).post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "next": {"/account?x=1"}})
		if res.Location != "/account?x=1" {
			t.Errorf("login with a local next: location %q", res.Location)
		}
	})
}
