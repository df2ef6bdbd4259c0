package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/store/storetest"
)

// The administration page lists exactly the screens the user may open.
func TestAdminHomeListsAllowedScreens(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		for _, login := range []string{"auditor", "supervisor"} {
			u, _ := fx.AddUser(t, login, login)
			setPassword(t, a.st, u.ID, fx.Org.ID)
		}
		check := func(login string, want, not []string) {
			t.Helper()
			res := a.login(t, login, testPassword).get("/admin")
			if res.Status != http.StatusOK {
				t.Fatalf("%s: /admin %d", login, res.Status)
			}
			mustContain(t, res.Body, append(want, "<h1>Администрирование</h1>")...)
			for _, n := range not {
				if strings.Contains(res.Body, `href="`+n+`"`) {
					t.Errorf("%s sees a link to %s", login, n)
				}
			}
		}
		check("admin", []string{`href="/admin/users"`, `href="/admin/roles"`, `href="/admin/forms"`, `href="/checkin/points"`,
			`href="/admin/audit"`, "Кто что смотрел и менял"}, nil)
		check("auditor", []string{`href="/admin/audit"`}, []string{"/admin/users", "/admin/forms", "/checkin/points"})
		check("supervisor", []string{`href="/admin/forms"`, `href="/admin/services"`, `href="/checkin/points"`},
			[]string{"/admin/users", "/admin/roles", "/admin/audit"})
	})
}
