package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// totpClock pins the store's clock (the code step and the login check read
// it) and returns a function that moves it.
func totpClock(t *testing.T, a *app) func(d time.Duration) time.Time {
	t.Helper()
	realNow := a.st.Now
	t.Cleanup(func() { a.st.Now = realNow })
	now := time.Now().UTC().Truncate(30 * time.Second).Add(5 * time.Second)
	a.st.Now = func() time.Time { return now }
	return func(d time.Duration) time.Time { now = now.Add(d); return now }
}

var (
	secretRe   = regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`)
	qrRe       = regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`)
	recoveryRe = regexp.MustCompile(`<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>`)
)

// codeAt is the authenticator's code at time t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := auth.TOTPCode(secret, auth.TOTPStep(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// otherCode is a six-digit code that is not any of the given ones.
func otherCode(codes ...string) string {
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		bad := false
		for _, x := range codes {
			bad = bad || x == c
		}
		if !bad {
			return c
		}
	}
	return "444444"
}

// enrol sets up two-factor login for the logged-in browser c, as a user
// would: start, scan (the page's QR code must be a PNG), confirm a code.
// It returns the secret and the recovery codes the page showed.
func enrol(t *testing.T, a *app, c *client) (string, []string) {
	t.Helper()
	page := c.get("/account/2fa")
	if page.Status != http.StatusOK {
		t.Fatalf("2fa page: %d %s", page.Status, page.Body)
	}
	mustContain(t, page.Body, "Настроить двухфакторный вход")
	if res := c.post("/account/2fa/start", nil); res.Status != http.StatusSeeOther || res.Location != "/account/2fa" {
		t.Fatalf("start: %d %q", res.Status, res.Location)
	}
	page = c.get("/account/2fa")
	mustContain(t, page.Body, "отсканируйте QR-код", "Введите ключ вручную")
	m := secretRe.FindStringSubmatch(page.Body)
	q := qrRe.FindStringSubmatch(page.Body)
	if m == nil || q == nil {
		t.Fatalf("the page shows no secret or QR code: %s", page.Body)
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(q[1]))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width != 240 {
		t.Fatalf("QR code is not a 240-pixel PNG: %v %+v", err, cfg)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	now := a.st.Now()
	right := codeAt(t, secret, now)
	bad := c.post("/account/2fa/confirm", url.Values{"code": {otherCode(right, codeAt(t, secret, now.Add(-30*time.Second)),
		codeAt(t, secret, now.Add(30*time.Second)))}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong code confirmed: %d", bad.Status)
	}
	mustContain(t, bad.Body, "Код не подошёл", m[1])
	ok := c.post("/account/2fa/confirm", url.Values{"code": {right}})
	if ok.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", ok.Status, ok.Body)
	}
	mustContain(t, ok.Body, "Коды восстановления", "показываются только сейчас")
	var codes []string
	for _, m := range recoveryRe.FindAllStringSubmatch(ok.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), auth.RecoveryCodeCount)
	}
	return secret, codes
}

// passwordStep posts the password of a two-factor account and expects the
// code step, not a session.
func passwordStep(t *testing.T, a *app, login string) *client {
	t.Helper()
	c := a.client(t)
	res := c.post("/login", url.Values{"login": {login}, "password": {testPassword}, "next": {"/account"}})
	if res.Status != http.StatusSeeOther || res.Location != "/login/code" {
		t.Fatalf("password step: %d %q %s", res.Status, res.Location, res.Body)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther || !strings.HasPrefix(home.Location, "/login") {
		t.Fatalf("the password alone opened a session: %d %q", home.Status, home.Location)
	}
	step := c.get("/login/code")
	if step.Status != http.StatusOK {
		t.Fatalf("code step: %d", step.Status)
	}
	mustContain(t, step.Body, "Код подтверждения", "кодов восстановления")
	return c
}

func TestTwoFactorEnrolAndLogin(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		clock := totpClock(t, a)
		c := a.login(t, "admin", testPassword)
		secret, _ := enrol(t, a, c)
		mustContain(t, c.get("/account").Body, "Включён")

		// The code used to confirm cannot log in again (its step is spent).
		used := codeAt(t, secret, a.st.Now())
		b := passwordStep(t, a, "admin")
		res := b.post("/login/code", url.Values{"code": {used}})
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("a replayed code: %d", res.Status)
		}
		mustContain(t, res.Body, "Код неверный или уже использован")

		// Half a minute later the app shows the next code: it logs in and
		// goes where the login was headed.
		now := clock(30 * time.Second)
		next := codeAt(t, secret, now)
		res = b.post("/login/code", url.Values{"code": {next[:3] + " " + next[3:]}})
		if res.Status != http.StatusSeeOther || res.Location != "/account" {
			t.Fatalf("right code: %d %q %s", res.Status, res.Location, res.Body)
		}
		if home := b.get("/"); home.Status != http.StatusOK {
			t.Fatalf("after the code: %d", home.Status)
		}
		// The same code on another login is refused: it was used.
		b2 := passwordStep(t, a, "admin")
		if res := b2.post("/login/code", url.Values{"code": {next}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("the same code twice: %d", res.Status)
		}
		// A code one step old is still taken (a slow typist); two steps old is not.
		now = clock(2 * time.Minute)
		if res := b2.post("/login/code", url.Values{"code": {codeAt(t, secret, now.Add(-60*time.Second))}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("a code two steps old: %d", res.Status)
		}
		if res := b2.post("/login/code", url.Values{"code": {codeAt(t, secret, now.Add(-30*time.Second))}}); res.Status != http.StatusSeeOther {
			t.Fatalf("a code one step old: %d %s", res.Status, res.Body)
		}
		// The pending login is gone with its success: the step page sends to /login.
		if res := b2.get("/login/code"); res.Status != http.StatusSeeOther || res.Location != "/login" {
			t.Fatalf("code step after login: %d %q", res.Status, res.Location)
		}
		// The audit log tells the enrolment and the logins with a code.
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionTwoFactorOn, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].EntityID != fx.Admin.ID {
			t.Fatalf("enrolment audit: %v %+v", err, entries)
		}
	})
}

func TestTwoFactorWrongCodesLockTheAccount(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		totpClock(t, a)
		secret, _ := enrol(t, a, a.login(t, "admin", testPassword))
		now := a.st.Now()
		wrong := otherCode(codeAt(t, secret, now), codeAt(t, secret, now.Add(-30*time.Second)), codeAt(t, secret, now.Add(30*time.Second)))
		c := passwordStep(t, a, "admin")
		// The password step counted one attempt; four wrong codes make five.
		for i := 0; i < opora.MaxFailedLogins-1; i++ {
			res := c.post("/login/code", url.Values{"code": {wrong}})
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("wrong code %d: %d", i, res.Status)
			}
			mustContain(t, res.Body, "Код неверный", `aria-invalid="true"`)
		}
		u, err := a.st.User(fx.Ctx(), fx.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Locked(a.st.Now()) {
			t.Fatalf("wrong codes did not lock the account (failed %d)", u.FailedLogins)
		}
		// Locked: even the right code is refused, and the login starts over.
		res := c.post("/login/code", url.Values{"code": {codeAt(t, secret, a.st.Now().Add(30*time.Second))}})
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("right code on a locked account: %d", res.Status)
		}
		mustContain(t, res.Body, "Неверный логин или пароль")
		// And the password alone does not pass either.
		res = a.client(t).post("/login", url.Values{"login": {"admin"}, "password": {testPassword}})
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("password on a locked account: %d %q", res.Status, res.Location)
		}
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionLockout, Limit: 10})
		if err != nil || len(entries) != 1 {
			t.Fatalf("lockout audit: %v %d", err, len(entries))
		}
	})
}

func TestTwoFactorRecoveryCodeWorksOnce(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		totpClock(t, a)
		c := a.login(t, "admin", testPassword)
		_, codes := enrol(t, a, c)
		b := passwordStep(t, a, "admin")
		res := b.post("/login/code", url.Values{"code": {strings.ToUpper(codes[3])}})
		if res.Status != http.StatusSeeOther || res.Location != "/account" {
			t.Fatalf("recovery code: %d %q %s", res.Status, res.Location, res.Body)
		}
		mustContain(t, b.get("/account").Body, "Вы вошли по коду восстановления")
		b = passwordStep(t, a, "admin")
		if res := b.post("/login/code", url.Values{"code": {codes[3]}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("a recovery code twice: %d", res.Status)
		}
		// The page counts what is left, and new codes replace the old ones.
		page := c.get("/account/2fa")
		mustContain(t, page.Body, "Неиспользованных кодов восстановления: 9.")
		now := a.st.Now().Add(30 * time.Second)
		acc, err := a.st.TwoFactorForLogin(context.Background(), fx.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		fresh := c.post("/account/2fa/recovery", url.Values{"code": {codeAt(t, acc.Secret, now)}})
		if fresh.Status != http.StatusOK {
			t.Fatalf("new codes: %d %s", fresh.Status, fresh.Body)
		}
		if n := len(recoveryRe.FindAllString(fresh.Body, -1)); n != auth.RecoveryCodeCount {
			t.Fatalf("%d new codes shown", n)
		}
		b = passwordStep(t, a, "admin")
		if res := b.post("/login/code", url.Values{"code": {codes[5]}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("an old recovery code after new ones: %d", res.Status)
		}
		// Guessing the code for new recovery codes counts toward the
		// lockout too: at most five wrong codes, then the account is locked
		// (the unfinished logins above counted some already).
		for i := 0; i < opora.MaxFailedLogins; i++ {
			res := c.post("/account/2fa/recovery", url.Values{"code": {"999999"}})
			if res.Status == http.StatusTooManyRequests {
				break
			}
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong code for new codes: %d", res.Status)
			}
		}
		if u, err := a.st.User(fx.Ctx(), fx.Admin.ID); err != nil || !u.Locked(a.st.Now()) {
			t.Fatalf("five wrong codes for new recovery codes did not lock the account: %v", err)
		}
		res = c.post("/account/2fa/recovery", url.Values{"code": {codeAt(t, acc.Secret, now.Add(30*time.Second))}})
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("new codes on a locked account: %d", res.Status)
		}
		mustContain(t, res.Body, "учётная запись заблокирована")
	})
}

// enforceTwoFactor switches the organisation's requirement on.
func enforceTwoFactor(t *testing.T, a *app, fx *storetest.Fixture) {
	t.Helper()
	o, err := a.st.Organisation(fx.Ctx(), fx.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	o.TwoFactorEnforced = true
	if err := a.st.UpdateOrganisation(fx.Ctx(), o); err != nil {
		t.Fatal(err)
	}
}

func TestRoleRequiringTwoFactorForcesEnrolment(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		totpClock(t, a)
		// Off by default: the administrator works without a code.
		c := a.login(t, "admin", testPassword)
		if res := c.get("/clients"); res.Status != http.StatusOK {
			t.Fatalf("clients before enforcement: %d", res.Status)
		}
		// Switched on in the organisation settings, by the form.
		form := c.get("/admin/organisation")
		mustContain(t, form.Body, "Требовать двухфакторный вход")
		vals := url.Values{"name": {fx.Org.Name}, "short_name": {fx.Org.ShortName}, "type": {string(fx.Org.Type)},
			"backdate_days": {"7"}, "two_factor_enforced": {"1"}}
		if res := c.post("/admin/organisation", vals); res.Status != http.StatusSeeOther {
			t.Fatalf("org settings: %d %s", res.Status, res.Body)
		}
		// The administrator role requires it by default: every page but the
		// set-up one now sends there, and posts are refused.
		for _, p := range []string{"/", "/clients", "/admin/users"} {
			if res := c.get(p); res.Status != http.StatusSeeOther || res.Location != "/account/2fa" {
				t.Errorf("GET %s while enrolment is due: %d %q", p, res.Status, res.Location)
			}
		}
		res := c.post("/account/password", url.Values{"current": {testPassword}, "password": {"a new long passphrase 1"},
			"password_confirm": {"a new long passphrase 1"}})
		if res.Status != http.StatusForbidden {
			t.Errorf("POST while enrolment is due: %d", res.Status)
		}
		mustContain(t, c.get("/account/2fa").Body, "Для вашей роли двухфакторный вход обязателен")
		// A specialist's role does not require it.
		_, spec := loggedInUser(t, a, fx, "spec", "specialist")
		if res := spec.get("/clients"); res.Status != http.StatusOK {
			t.Errorf("specialist under enforcement: %d %q", res.Status, res.Location)
		}
		// A fresh login lands on the set-up page too.
		d := a.client(t)
		if res := d.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}}); res.Status != http.StatusSeeOther {
			t.Fatalf("login: %d", res.Status)
		}
		if res := d.get("/"); res.Location != "/account/2fa" {
			t.Fatalf("after login with enrolment due: %d %q", res.Status, res.Location)
		}
		enrol(t, a, d)
		if res := d.get("/clients"); res.Status != http.StatusOK {
			t.Fatalf("after enrolment: %d %q", res.Status, res.Location)
		}
	})
}

func TestAdminResetsTwoFactor(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		totpClock(t, a)
		enforceTwoFactor(t, a, fx)
		// A supervisor (special categories: required by default) enrols.
		sup, _ := fx.AddUser(t, "super", "supervisor")
		setPassword(t, a.st, sup.ID, fx.Org.ID)
		sc := a.client(t)
		sc.post("/login", url.Values{"login": {"super"}, "password": {testPassword}})
		enrol(t, a, sc)
		// The administrator enrols too (the requirement is theirs as well).
		ac := a.client(t)
		ac.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}})
		enrol(t, a, ac)
		page := ac.get("/admin/users/" + idString(sup.ID))
		mustContain(t, page.Body, "Сбросить двухфакторный вход", "Включён")
		res := ac.post("/admin/users/"+idString(sup.ID)+"/2fa/reset", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d %s", res.Status, res.Body)
		}
		mustContain(t, ac.get(res.Location).Body, "Двухфакторный вход сброшен", "Не настроен")
		// The supervisor's session ended.
		if res := sc.get("/account/2fa"); res.Status == http.StatusOK {
			t.Error("the reset left the user's session alive")
		}
		// The audit row names who was reset.
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionTwoFactorOff, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].EntityID != sup.ID || entries[0].UserID != fx.Admin.ID {
			t.Fatalf("reset audit: %v %+v", err, entries)
		}
		// The password alone logs in now, straight to enrolment again.
		nc := a.client(t)
		if res := nc.post("/login", url.Values{"login": {"super"}, "password": {testPassword}}); res.Status != http.StatusSeeOther || res.Location != "/" {
			t.Fatalf("login after reset: %d %q", res.Status, res.Location)
		}
		if res := nc.get("/"); res.Location != "/account/2fa" {
			t.Fatalf("after reset the user must enrol again: %d %q", res.Status, res.Location)
		}
		// A user cannot reset their own from another organisation's admin: 404.
		if res := nc.post("/admin/users/"+idString(fx.Admin.ID)+"/2fa/reset", nil); res.Status == http.StatusSeeOther {
			t.Error("a user without admin.users reset someone's two-factor login")
		}
	})
}

func TestCommonPasswordRefused(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		// Changing one's own password.
		res := c.post("/account/password", url.Values{"current": {testPassword}, "password": {"Qwerty123456"},
			"password_confirm": {"Qwerty123456"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("common password accepted: %d", res.Status)
		}
		mustContain(t, res.Body, html.EscapeString("самых распространённых утёкших паролей"))
		// A new user's first password.
		f := newUserForm(fx, t, "Пётр Простой", "petr")
		f.Set("password", "1q2w3e4r5t6y")
		f.Set("password_confirm", "1q2w3e4r5t6y")
		res = c.post("/admin/users", f)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("common password for a new user: %d", res.Status)
		}
		mustContain(t, res.Body, "самых распространённых", `value="Пётр Простой"`)
		// A long uncommon one passes.
		res = c.post("/account/password", url.Values{"current": {testPassword}, "password": {"pale ferry lantern moss"},
			"password_confirm": {"pale ferry lantern moss"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("good password refused: %d %s", res.Status, res.Body)
		}
	})
}
