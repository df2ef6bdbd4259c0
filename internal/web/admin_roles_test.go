package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/store/storetest"
)

func TestCustomRoleCreatedAndAssigned(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		list := c.get("/admin/roles")
		if list.Status != http.StatusOK {
			t.Fatalf("roles: %d", list.Status)
		}
		// Built-in roles show their names from the catalog.
		mustContain(t, list.Body, "Администратор", "Специалист", "Записи своих филиалов")
		form := c.get("/admin/roles/new")
		mustContain(t, form.Body, "Карточки клиентов", "Просмотр карточек клиентов", "Сведения о здоровье")

		res := c.post("/admin/roles/new", url.Values{"name": {""}, "scope": {"branch"}, "permissions": {"client.read"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("role without a name: %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-name">Заполните это поле.`, `value="client.read" checked`)

		res = c.post("/admin/roles/new", url.Values{"name": {"Юрист"}, "scope": {"own"},
			"permissions": {"client.read", "report.run"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create role: %d %s", res.Status, res.Body)
		}
		list = c.get("/admin/roles")
		mustContain(t, list.Body, "Юрист", "Свои записи", "Роль создана")

		var lawyer int64
		roles, err := a.st.Roles(fx.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			if r.Name == "Юрист" {
				lawyer = r.ID
				if len(r.Permissions) != 2 {
					t.Fatalf("lawyer permissions: %v", r.Permissions)
				}
			}
		}
		if res := c.post("/admin/users", newUserForm(fx, t, "Анна Юристова", "anna", lawyer)); res.Status != http.StatusSeeOther {
			t.Fatalf("create user with the role: %d %s", res.Status, res.Body)
		}
		mustContain(t, c.get("/admin/users?q=anna").Body, "Анна Юристова", "Юрист")
		anna := a.login(t, "anna", testPassword)
		mustContain(t, anna.get("/").Body, "Юрист")
		if res := anna.get("/admin/roles"); res.Status != http.StatusForbidden {
			t.Fatalf("lawyer on the roles page: %d", res.Status)
		}
	})
}

func TestRoleRulesShown(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		admin := fx.Role(t, "administrator")
		path := "/admin/roles/" + idString(admin.ID)
		form := c.get(path)
		if form.Status != http.StatusOK {
			t.Fatalf("administrator role: %d", form.Status)
		}
		mustContain(t, form.Body, "Стандартное название: «Администратор»")
		// Taking admin.roles from the only role that has it would leave nobody to mend roles.
		res := c.post(path, url.Values{"name": {"Главный"}, "scope": {"organisation"}, "permissions": {"admin.users"}})
		if res.Status != http.StatusConflict {
			t.Fatalf("last role administrator: %d", res.Status)
		}
		mustContain(t, res.Body, "Нельзя лишить организацию последнего администратора.", `value="Главный"`)
		vals := roleValues(admin)
		vals.Set("name", "Главный администратор")
		if res := c.post(path, vals); res.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d %s", res.Status, res.Body)
		}
		mustContain(t, c.get("/admin/roles").Body, "Главный администратор")
		// The network administrator role keeps admin.network, which the form does not offer.
		network := "/admin/roles/" + idString(fx.Role(t, "network_admin").ID)
		mustContain(t, c.get(network).Body, "Управление сетью организаций")
		if res := c.post(network, url.Values{"scope": {"organisation"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("save the network role: %d %s", res.Status, res.Body)
		}
		if !fx.Role(t, "network_admin").Has("admin.network") {
			t.Fatal("the network role lost admin.network")
		}
		if res := c.get("/admin/roles/999999"); res.Status != http.StatusNotFound {
			t.Fatalf("missing role: %d", res.Status)
		}
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		oc := a.login(t, other.Admin.Login, testPassword)
		if res := oc.get(path); res.Status != http.StatusNotFound {
			t.Fatalf("another organisation's role: %d", res.Status)
		}
		if res := oc.post(path, vals); res.Status != http.StatusNotFound {
			t.Fatalf("POST another organisation's role: %d", res.Status)
		}
		if strings.Contains(oc.get("/admin/roles").Body, "Главный администратор") {
			t.Error("another organisation's role is listed")
		}
	})
}
