package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// orgForm is a complete organisation details form.
func orgForm(o *opora.Organisation) url.Values {
	return orgValues(o)
}

func TestOrganisationDetails(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Санкт-Петербург"}
		if err := a.st.SaveTerritory(fx.Ctx(), region); err != nil {
			t.Fatal(err)
		}
		c := a.login(t, "admin", testPassword)
		res := c.get("/admin/organisation")
		if res.Status != http.StatusOK {
			t.Fatalf("organisation page: %d", res.Status)
		}
		mustContain(t, res.Body, `value="Ночлежка"`, "Санкт-Петербург", "ИНН")

		form := orgForm(fx.Org)
		form.Set("name", "Ночлежка СПб")
		form.Set("short_name", "Ночлежка")
		form.Set("inn", "7801234567")
		form.Set("address", "Боровая ул., 112Б")
		form.Set("phone", "+7 812 000-00-00")
		form.Set("email", "info@example.ru")
		form.Set("head", "Директор Г. Свердлин")
		form.Set("territory_id", idString(region.ID))
		res = c.post("/admin/organisation", form)
		if res.Status != http.StatusSeeOther || res.Location != "/admin/organisation" {
			t.Fatalf("save: status %d location %q body %s", res.Status, res.Location, res.Body)
		}
		res = c.get("/admin/organisation")
		mustContain(t, res.Body, "Изменения сохранены", `value="Ночлежка СПб"`, `value="7801234567"`,
			`value="Боровая ул., 112Б"`, `value="Директор Г. Свердлин"`,
			`<option value="`+idString(region.ID)+`" selected>Санкт-Петербург</option>`)
		o, err := a.st.Organisation(fx.Ctx(), fx.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Name != "Ночлежка СПб" || o.INN != "7801234567" || o.TerritoryID != region.ID || o.Head != "Директор Г. Свердлин" {
			t.Fatalf("saved organisation: %+v", o)
		}

		// The change is in the audit log with old → new values.
		res = c.get("/admin/audit?entity=organisation&entity_id=" + idString(fx.Org.ID))
		if res.Status != http.StatusOK {
			t.Fatalf("audit: %d", res.Status)
		}
		mustContain(t, res.Body, "name: Ночлежка → Ночлежка СПб", "inn: — → 7801234567",
			"Изменение", fx.Admin.FullName)

		// An invalid INN comes back with the error by the field and the typed values.
		form.Set("inn", "12ab")
		form.Set("address", "Новый адрес, 1")
		res = c.post("/admin/organisation", form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid INN: status %d", res.Status)
		}
		mustContain(t, res.Body, "ИНН состоит из 10 или 12 цифр", `value="12ab"`, `value="Новый адрес, 1"`,
			`aria-invalid="true" aria-describedby="e-inn"`)
		if o, _ := a.st.Organisation(fx.Ctx(), fx.Org.ID); o.INN != "7801234567" || o.Address != "Боровая ул., 112Б" {
			t.Errorf("a refused form changed the organisation: %+v", o)
		}
	})
}

func TestOrganisationDetailsPermissions(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		if res := sc.get("/admin/organisation"); res.Status != http.StatusForbidden {
			t.Errorf("specialist GET: %d", res.Status)
		}
		if res := sc.post("/admin/organisation", url.Values{"name": {"Взлом"}, "type": {"ngo"}}); res.Status != http.StatusForbidden {
			t.Errorf("specialist POST: %d", res.Status)
		}

		// Organisation B's administrator edits only B, whatever the form says.
		b := storetest.AddOrg(t, a.st, fx.Ctx(), "Организация Б")
		setPassword(t, a.st, b.Admin.ID, b.Org.ID)
		bc := a.login(t, b.Admin.Login, testPassword)
		res := bc.get("/admin/organisation")
		mustContain(t, res.Body, `value="Организация Б"`)
		if strings.Contains(res.Body, "Ночлежка") {
			t.Error("B's administrator sees A's details")
		}
		form := orgForm(b.Org)
		form.Set("id", idString(fx.Org.ID))
		form.Set("name", "Организация Б (новое)")
		if res := bc.post("/admin/organisation", form); res.Status != http.StatusSeeOther {
			t.Fatalf("B saves: %d", res.Status)
		}
		if o, _ := a.st.Organisation(fx.Ctx(), fx.Org.ID); o.Name != "Ночлежка" {
			t.Errorf("A changed by B's administrator: %q", o.Name)
		}
		if o, _ := a.st.Organisation(b.Ctx(), b.Org.ID); o.Name != "Организация Б (новое)" {
			t.Errorf("B not saved: %q", o.Name)
		}
		// The network screens, where other organisations are edited, are closed to B.
		for _, p := range []string{"/admin/network", "/admin/network/" + idString(fx.Org.ID), "/admin/territories"} {
			if res := bc.get(p); res.Status != http.StatusForbidden {
				t.Errorf("B's administrator GET %s: %d", p, res.Status)
			}
		}
		if res := bc.post("/admin/network/"+idString(fx.Org.ID), orgForm(fx.Org)); res.Status != http.StatusForbidden {
			t.Errorf("B's administrator POST to A: %d", res.Status)
		}
	})
}
