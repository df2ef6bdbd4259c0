package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

func territoryByName(t *testing.T, a *app, fx *storetest.Fixture, name string) *opora.Territory {
	t.Helper()
	ts, err := a.st.Territories(fx.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range ts {
		if tr.Name == name {
			return tr
		}
	}
	t.Fatalf("no territory %q", name)
	return nil
}

func TestTerritoriesTree(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		if res := c.get("/admin/territories"); res.Status != http.StatusOK {
			t.Fatalf("territories: %d", res.Status)
		}
		res := c.post("/admin/territories/new", url.Values{"kind": {"region"}, "name": {"Новосибирская область"}})
		if res.Status != http.StatusSeeOther || res.Location != "/admin/territories" {
			t.Fatalf("region: %d %s", res.Status, res.Body)
		}
		region := territoryByName(t, a, fx, "Новосибирская область")

		// A municipality without a region is refused, with the reason by the field.
		res = c.post("/admin/territories/new", url.Values{"kind": {"municipality"}, "parent_id": {""}, "name": {"Бердск"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("municipality without region: %d", res.Status)
		}
		mustContain(t, res.Body, "Муниципальное образование должно входить в регион", `value="Бердск"`, `aria-describedby="e-parent_id"`)
		// A district directly under a region is refused too.
		res = c.post("/admin/territories/new", url.Values{"kind": {"district"}, "parent_id": {idString(region.ID)}, "name": {"Центральный"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("district under a region: %d", res.Status)
		}
		mustContain(t, res.Body, "Район должен входить в муниципальное образование")
		res = c.post("/admin/territories/new", url.Values{"kind": {"municipality"}, "parent_id": {"abc"}, "name": {"Бердск"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("garbage parent: %d", res.Status)
		}

		// The "add" link under a region preselects the level and the parent.
		res = c.get("/admin/territories/new?kind=municipality&parent=" + idString(region.ID))
		mustContain(t, res.Body, `<option value="municipality" selected>`, `<option value="`+idString(region.ID)+`" selected>`)
		res = c.post("/admin/territories/new", url.Values{"kind": {"municipality"}, "parent_id": {idString(region.ID)}, "name": {"Бердск"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("municipality: %d %s", res.Status, res.Body)
		}
		if n := len(mustTerritories(t, a, fx)); n != 2 {
			t.Fatalf("%d territories saved, want 2", n)
		}
		mun := territoryByName(t, a, fx, "Бердск")
		if mun.ParentID != region.ID || mun.Path != "Новосибирская область / Бердск" {
			t.Fatalf("municipality: %+v", mun)
		}

		// The list shows the municipality nested under its region.
		res = c.get("/admin/territories")
		body := res.Body
		ri, mi := strings.Index(body, "Новосибирская область</a>"), strings.Index(body, "Бердск</a>")
		if ri < 0 || mi < 0 || ri > mi || !strings.Contains(body[ri:mi], "<ul>") {
			t.Fatalf("not a tree: %s", body)
		}
		mustContain(t, body, "Регион", "Муниципальное образование", "+ район")

		// Rename keeps the level and the parent.
		res = c.get("/admin/territories/" + idString(mun.ID))
		mustContain(t, res.Body, `value="Бердск"`, "Новосибирская область")
		if res := c.post("/admin/territories/"+idString(mun.ID), url.Values{"name": {""}}); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty name: %d", res.Status)
		}
		res = c.post("/admin/territories/"+idString(mun.ID), url.Values{"name": {"г. Бердск"}, "kind": {"region"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d", res.Status)
		}
		mun = territoryByName(t, a, fx, "г. Бердск")
		if mun.Kind != opora.TerritoryMunicipality || mun.ParentID != region.ID {
			t.Fatalf("rename changed the level: %+v", mun)
		}
		if res := c.get("/admin/territories/99999"); res.Status != http.StatusNotFound {
			t.Errorf("missing territory: %d", res.Status)
		}

		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		if res := sc.get("/admin/territories"); res.Status != http.StatusForbidden {
			t.Errorf("specialist: %d", res.Status)
		}
		if res := sc.post("/admin/territories/new", url.Values{"kind": {"region"}, "name": {"Взлом"}}); res.Status != http.StatusForbidden {
			t.Errorf("specialist create: %d", res.Status)
		}
	})
}

func mustTerritories(t *testing.T, a *app, fx *storetest.Fixture) []*opora.Territory {
	t.Helper()
	ts, err := a.st.Territories(fx.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestNetworkCreateOrganisation(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Новосибирская область"}
		if err := a.st.SaveTerritory(fx.Ctx(), region); err != nil {
			t.Fatal(err)
		}
		c := a.login(t, "admin", testPassword)
		res := c.get("/admin/network")
		if res.Status != http.StatusOK {
			t.Fatalf("network: %d", res.Status)
		}
		mustContain(t, res.Body, "Ночлежка", "НКО")
		if res := c.get("/admin/network/new"); res.Status != http.StatusOK {
			t.Fatalf("new form: %d", res.Status)
		}

		// Every mistake shows at once; typed values stay, passwords do not.
		bad := url.Values{"name": {""}, "type": {"school"}, "inn": {"123"}, "address": {"ул. Ленина, 1"},
			"branch_name": {""}, "full_name": {""}, "login": {"admin"}, "password": {"shortpass1"}, "password_confirm": {"shortpass1"}}
		res = c.post("/admin/network/new", bad)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", res.Status)
		}
		mustContain(t, res.Body, "Заполните это поле", "ИНН состоит из 10 или 12 цифр", "Этот логин уже занят",
			"Пароль должен быть не короче 12 символов", `value="123"`, `value="ул. Ленина, 1"`, `value="admin"`,
			`<option value="school" selected>`, `aria-describedby="e-branch_name"`, `aria-describedby="e-full_name"`, `aria-describedby="e-name"`)
		if strings.Contains(res.Body, "shortpass1") {
			t.Error("the password came back in the page")
		}
		// A good form with mismatched passwords is refused on the password alone.
		good := url.Values{"name": {"Школа № 5"}, "short_name": {"Школа 5"}, "type": {"school"}, "territory_id": {idString(region.ID)},
			"inn": {"5401234567"}, "branch_name": {"Главное здание"}, "full_name": {"Мария Иванова"}, "position": {"Директор"},
			"login": {"school5"}, "password": {testPassword}, "password_confirm": {testPassword + "x"}}
		res = c.post("/admin/network/new", good)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("mismatched passwords: %d", res.Status)
		}
		mustContain(t, res.Body, "Пароли не совпадают", `value="Школа № 5"`)
		good.Set("password_confirm", testPassword)
		res = c.post("/admin/network/new", good)
		if res.Status != http.StatusSeeOther || res.Location != "/admin/network" {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		res = c.get("/admin/network")
		mustContain(t, res.Body, "Организация создана", "Школа № 5", "Школа", "Новосибирская область", "5401234567")
		orgs, err := a.st.Organisations(fx.Ctx())
		if err != nil || len(orgs) != 2 {
			t.Fatalf("organisations: %v %d", err, len(orgs))
		}
		var school *opora.Organisation
		for _, o := range orgs {
			if o.Name == "Школа № 5" {
				school = o
			}
		}
		if school == nil || school.Type != opora.OrgSchool || school.TerritoryID != region.ID {
			t.Fatalf("school: %+v", school)
		}

		// Its administrator logs in with the password set in the form and
		// sees only their own organisation.
		sc := a.login(t, "school5", testPassword)
		home := sc.get("/")
		mustContain(t, home.Body, "Мария Иванова", "Школа 5", "Главное здание")
		res = sc.get("/admin/organisation")
		mustContain(t, res.Body, `value="Школа № 5"`)
		if strings.Contains(res.Body, "Ночлежка") || strings.Contains(home.Body, "Ночлежка") {
			t.Error("the new administrator sees the first organisation")
		}
		if res := sc.get("/admin/network"); res.Status != http.StatusForbidden {
			t.Errorf("new administrator on the network list: %d", res.Status)
		}
		if res := sc.get("/admin/network/new"); res.Status != http.StatusForbidden {
			t.Errorf("new administrator on the new-organisation form: %d", res.Status)
		}

		// The network administrator edits the other organisation's details.
		res = c.get("/admin/network/" + idString(school.ID))
		mustContain(t, res.Body, `value="Школа № 5"`, `value="5401234567"`)
		form := orgValues(school)
		form.Set("phone", "+7 383 000-00-00")
		form.Set("inn", "54")
		if res := c.post("/admin/network/"+idString(school.ID), form); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad INN on another organisation: %d", res.Status)
		}
		form.Set("inn", "5401234567")
		res = c.post("/admin/network/"+idString(school.ID), form)
		if res.Status != http.StatusSeeOther || res.Location != "/admin/network" {
			t.Fatalf("edit other organisation: %d %s", res.Status, res.Body)
		}
		if o, _ := a.st.Organisation(fx.Ctx(), school.ID); o.Phone != "+7 383 000-00-00" {
			t.Errorf("phone not saved: %+v", o)
		}
		if res := c.get("/admin/network/99999"); res.Status != http.StatusNotFound {
			t.Errorf("missing organisation: %d", res.Status)
		}
		if res := c.get("/admin/network/abc"); res.Status != http.StatusNotFound {
			t.Errorf("garbage id: %d", res.Status)
		}
	})
}
