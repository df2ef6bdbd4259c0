package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/opora-project/opora/internal/store/storetest"
)

func TestBranches(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		if res := c.post("/admin/branches/new", url.Values{"name": {" "}, "address": {"Москва"}}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("branch without a name: %d", res.Status)
		} else {
			mustContain(t, res.Body, `id="e-name">Заполните это поле.`, `value="Москва"`)
		}
		res := c.post("/admin/branches/new", url.Values{"name": {"Московский филиал"}, "address": {"Москва, ул. Садовая, 1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create branch: %d %s", res.Status, res.Body)
		}
		list := c.get("/admin/branches")
		mustContain(t, list.Body, "Московский филиал", "Москва, ул. Садовая, 1", fx.Branch.Name, "Филиал добавлен")
		// The new branch is offered on the staff form.
		mustContain(t, c.get("/admin/users/new").Body, "Московский филиал")

		// Archiving the only active branch is refused with a message.
		branches, err := a.st.Branches(fx.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		var moscow int64
		for _, b := range branches {
			if b.Name == "Московский филиал" {
				moscow = b.ID
			}
		}
		if res := c.post("/admin/branches/"+idString(moscow), url.Values{"name": {"Московский филиал"}, "archived": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("archive Moscow: %d %s", res.Status, res.Body)
		}
		mustContain(t, c.get("/admin/branches").Body, "В архиве")
		main := "/admin/branches/" + idString(fx.Branch.ID)
		res = c.post(main, url.Values{"name": {fx.Branch.Name}, "archived": {"1"}})
		if res.Status != http.StatusConflict {
			t.Fatalf("archive the last active branch: %d", res.Status)
		}
		mustContain(t, res.Body, "Нельзя закрыть последний действующий филиал.")

		// Another organisation cannot see or change this branch.
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		oc := a.login(t, other.Admin.Login, testPassword)
		if res := oc.get(main); res.Status != http.StatusNotFound {
			t.Fatalf("another organisation's branch: %d", res.Status)
		}
		if res := oc.post(main, url.Values{"name": {"Взлом"}}); res.Status != http.StatusNotFound {
			t.Fatalf("POST another organisation's branch: %d", res.Status)
		}
	})
}
