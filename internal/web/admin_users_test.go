package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// newUserForm is the staff form as an administrator fills it in.
func newUserForm(fx *storetest.Fixture, t *testing.T, fullName, login string, roleIDs ...int64) url.Values {
	f := url.Values{"full_name": {fullName}, "login": {login}, "position": {"Социальный работник"},
		"email": {login + "@example.ru"}, "branches": {idString(fx.Branch.ID)},
		"password": {testPassword}, "password_confirm": {testPassword}}
	if len(roleIDs) == 0 {
		roleIDs = []int64{fx.Role(t, "specialist").ID}
	}
	for _, id := range roleIDs {
		f.Add("roles", idString(id))
	}
	return f
}

// loggedInUser adds a user with a role and logs them in.
func loggedInUser(t *testing.T, a *app, fx *storetest.Fixture, login, role string) (*opora.User, *client) {
	t.Helper()
	u, _ := fx.AddUser(t, login, role)
	setPassword(t, a.st, u.ID, fx.Org.ID)
	return u, a.login(t, login, testPassword)
}

func TestAdminCreatesUser(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		form := c.get("/admin/users/new")
		if form.Status != http.StatusOK {
			t.Fatalf("new user form: %d", form.Status)
		}
		mustContain(t, form.Body, `name="full_name"`, `name="password_confirm"`, "Специалист", fx.Branch.Name)

		res := c.post("/admin/users", newUserForm(fx, t, "Мария Ёлкина", "Maria"))
		if res.Status != http.StatusSeeOther || res.Location != "/admin/users" {
			t.Fatalf("create: status %d location %q body %s", res.Status, res.Location, res.Body)
		}
		list := c.get(res.Location)
		mustContain(t, list.Body, "Сотрудник добавлен", "Мария Ёлкина", "maria", "Социальный работник", "Специалист", fx.Branch.Name, "2 записи")
		// Search ignores case and ё.
		found := c.get("/admin/users?q=" + url.QueryEscape("ЕЛКИНА"))
		mustContain(t, found.Body, "Мария Ёлкина", "1 запись")
		if strings.Contains(found.Body, `href="/admin/users/`+idString(fx.Admin.ID)+`"`) {
			t.Error("search shows the administrator too")
		}

		// The new person logs in with the password the administrator gave.
		home := a.login(t, "maria", testPassword).get("/")
		mustContain(t, home.Body, "Мария Ёлкина", "Специалист")
	})
}

func TestAdminUserFormErrors(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		res := c.post("/admin/users", newUserForm(fx, t, "Пётр Смирнов", "admin"))
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("duplicate login: status %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-login">Этот логин уже занят.`, `value="Пётр Смирнов"`, `value="admin"`,
			`value="admin@example.ru"`)
		if strings.Contains(res.Body, testPassword) {
			t.Error("the form sent the password back")
		}

		form := newUserForm(fx, t, "", "petr")
		form.Del("roles")
		form.Set("password_confirm", "something else entirely")
		res = c.post("/admin/users", form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty fields: status %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-full_name">Заполните это поле.`, `id="e-roles">Выберите хотя бы одну роль.`,
			`id="e-password_confirm">Пароли не совпадают.`, `value="petr"`)

		// Editing keeps the typed values on error too.
		u, _ := fx.AddUser(t, "olga", "specialist")
		edit := userValues(u)
		edit.Set("full_name", "Ольга Иванова")
		edit.Set("email", "no-at-sign")
		res = c.post("/admin/users/"+idString(u.ID), edit)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad email: status %d", res.Status)
		}
		mustContain(t, res.Body, `value="Ольга Иванова"`, `id="e-email">`)
		edit.Set("email", "olga@example.ru")
		if res := c.post("/admin/users/"+idString(u.ID), edit); res.Status != http.StatusSeeOther {
			t.Fatalf("update: status %d body %s", res.Status, res.Body)
		}
		mustContain(t, c.get("/admin/users").Body, "Ольга Иванова")

		// The only administrator cannot take away their own administrator role.
		self := c.get("/admin/users/" + idString(fx.Admin.ID))
		mustContain(t, self.Body, `value="`+idString(fx.Role(t, "administrator").ID)+`" checked`)
		edit = url.Values{"full_name": {fx.Admin.FullName}, "login": {"admin"}, "branches": {idString(fx.Branch.ID)},
			"roles": {idString(fx.Role(t, "specialist").ID)}}
		res = c.post("/admin/users/"+idString(fx.Admin.ID), edit)
		if res.Status != http.StatusConflict {
			t.Fatalf("removing own administrator role: %d", res.Status)
		}
		mustContain(t, res.Body, "Нельзя лишить организацию последнего администратора.")
	})
}

func TestDisablingEndsSession(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		u, worker := loggedInUser(t, a, fx, "worker", "specialist")
		if res := worker.get("/"); res.Status != http.StatusOK {
			t.Fatalf("worker home: %d", res.Status)
		}
		c := a.login(t, "admin", testPassword)
		res := c.post("/admin/users/"+idString(u.ID)+"/disable", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", res.Status, res.Body)
		}
		if res := worker.get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("disabled worker's next request: status %d location %q", res.Status, res.Location)
		}
		// The list hides disabled accounts unless asked.
		if strings.Contains(c.get("/admin/users").Body, u.FullName) {
			t.Error("disabled user in the default list")
		}
		mustContain(t, c.get("/admin/users?disabled=1").Body, u.FullName, "Отключён")

		// Nobody can disable themselves: the page says so.
		res = c.post("/admin/users/"+idString(fx.Admin.ID)+"/disable", nil)
		if res.Status != http.StatusConflict {
			t.Fatalf("disable self: %d", res.Status)
		}
		mustContain(t, res.Body, "Нельзя отключить собственную учётную запись.")

		if res := c.post("/admin/users/"+idString(u.ID)+"/enable", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("enable: %d", res.Status)
		}
		a.login(t, "worker", testPassword)
	})
}

func TestAdminResetsPassword(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		u, worker := loggedInUser(t, a, fx, "worker", "specialist")
		c := a.login(t, "admin", testPassword)
		path := "/admin/users/" + idString(u.ID) + "/password"
		res := c.post(path, url.Values{"password": {"short"}, "password_confirm": {"short"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("short password: %d", res.Status)
		}
		mustContain(t, res.Body, "не короче 12 символов", `value="worker"`)

		const newPassword = "a brand new long password"
		res = c.post(path, url.Values{"password": {newPassword}, "password_confirm": {newPassword}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d %s", res.Status, res.Body)
		}
		if res := worker.get("/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
			t.Fatalf("old session after reset: status %d location %q", res.Status, res.Location)
		}
		if res := a.client(t).post("/login", url.Values{"login": {"worker"}, "password": {testPassword}}); res.Status != http.StatusUnauthorized {
			t.Fatalf("old password: %d", res.Status)
		}
		a.login(t, "worker", newPassword)
	})
}

func TestStaffScreensNeedPermission(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		_, spec := loggedInUser(t, a, fx, "spec", "specialist")
		for _, path := range []string{"/admin/users", "/admin/users/new", "/admin/users/" + idString(fx.Admin.ID),
			"/admin/roles", "/admin/roles/new", "/admin/branches", "/admin/branches/new"} {
			if res := spec.get(path); res.Status != http.StatusForbidden {
				t.Errorf("specialist GET %s: %d", path, res.Status)
			}
		}
		res := spec.post("/admin/users/"+idString(fx.Admin.ID)+"/disable", nil)
		if res.Status != http.StatusForbidden {
			t.Fatalf("specialist disables the admin: %d", res.Status)
		}
		denied, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionDenied, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(denied) != 8 {
			t.Fatalf("denials in the audit log: %d", len(denied))
		}
		a.login(t, "admin", testPassword)
	})
}

func TestOtherOrganisationsUserIsNotFound(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		c := a.login(t, other.Admin.Login, testPassword)
		path := "/admin/users/" + idString(fx.Admin.ID)
		if res := c.get(path); res.Status != http.StatusNotFound {
			t.Fatalf("GET another organisation's user: %d", res.Status)
		}
		for _, p := range []string{path, path + "/disable", path + "/password"} {
			res := c.post(p, url.Values{"full_name": {"Взлом"}, "login": {"hacked"}, "password": {"a long enough password"},
				"password_confirm": {"a long enough password"}})
			if res.Status != http.StatusNotFound {
				t.Errorf("POST %s: %d", p, res.Status)
			}
		}
		if strings.Contains(c.get("/admin/users").Body, `href="/admin/users/`+idString(fx.Admin.ID)+`"`) {
			t.Error("another organisation's administrator is listed")
		}
		// Nothing happened to the first organisation's administrator.
		a.login(t, "admin", testPassword)
	})
}
