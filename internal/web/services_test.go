package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

var servicesNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// servicesFixture fixes the clock, makes a specialist with a password and a
// client, and returns the seeded catalog ids by name.
func servicesFixture(t *testing.T, a *app, fx *storetest.Fixture) (*opora.Client, map[string]string) {
	t.Helper()
	a.st.Now = func() time.Time { return servicesNow }
	u, _ := fx.AddUser(t, "worker", "specialist")
	setPassword(t, a.st, u.ID, fx.Org.ID)
	c := &opora.Client{Surname: "Смирнов", FirstName: "Алексей", BranchID: fx.Branch.ID}
	if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
		t.Fatal(err)
	}
	types, err := a.st.ServiceTypes(fx.Ctx(), false)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, st := range types {
		ids[st.Name] = idString(st.ID)
	}
	return c, ids
}

func TestServicesRecordHTTP(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, ty := servicesFixture(t, a, fx)
		cl := a.login(t, "worker", testPassword)
		cid := idString(c.ID)
		food, kit, fare := ty["Продуктовый набор"], ty["Гигиенический набор"], ty["Оплата проезда"]

		// The profile offers the catalog as checkboxes with today's date.
		res := cl.get("/clients/" + cid)
		mustContain(t, res.Body, `name="service_type" value="`+food+`"`, "Гигиенический набор", "Оплата проезда",
			`name="amount_`+fare+`"`, `value="2026-03-10"`, `min="2026-03-03"`, "Записать")

		// Three services at once: tick, tick, tick (with the fare's amount), Record.
		res = cl.post("/clients/"+cid+"/services", url.Values{"service_type": {food, kit, fare},
			"quantity_" + food: {"1"}, "quantity_" + kit: {"1"}, "amount_" + fare: {"150,50"}, "rendered_on": {"2026-03-10"}})
		if res.Status != http.StatusSeeOther || res.Location != "/clients/"+cid+"#services" {
			t.Fatalf("record: %d %s %s", res.Status, res.Location, res.Body)
		}
		res = cl.get("/clients/" + cid + "/services")
		mustContain(t, res.Body, "Продуктовый набор", "Гигиенический набор", "Оплата проезда", "150,50", "10.03.2026",
			"User worker", "/services/")
		res = cl.get("/clients/" + cid + "/timeline?kind=service")
		mustContain(t, res.Body, "Услуга", "Оплата проезда — 150,50 ₽", "Гигиенический набор, 10.03.2026")

		// Back-dating beyond the window: refused next to the date, nothing
		// saved, the ticks and typed values kept.
		res = cl.post("/clients/"+cid+"/services", url.Values{"service_type": {food, fare},
			"quantity_" + food: {"2"}, "amount_" + fare: {"99"}, "rendered_on": {"2026-03-01"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("back-dated: %d", res.Status)
		}
		mustContain(t, res.Body, "Дата слишком ранняя", "Ничего не записано", `value="`+food+`" checked`,
			`value="2026-03-01"`, `name="quantity_`+food+`" type="number" min="1" step="1" inputmode="numeric" value="2"`,
			`value="99"`)
		// A negative amount: refused next to the amount.
		res = cl.post("/clients/"+cid+"/services", url.Values{"service_type": {food, fare},
			"quantity_" + food: {"1"}, "amount_" + fare: {"-150"}, "rendered_on": {"2026-03-10"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("negative: %d", res.Status)
		}
		mustContain(t, res.Body, "Сумма не может быть отрицательной", `value="-150"`)
		// Garbage, zero quantity and a missing required comment.
		ref := ty["Направление в медицинское учреждение"]
		res = cl.post("/clients/"+cid+"/services", url.Values{"service_type": {food, ref},
			"quantity_" + food: {"0"}, "rendered_on": {"2026-03-11"}})
		mustContain(t, res.Body, "Количество — целое число больше нуля", "Для этой услуги нужен комментарий",
			"Дата не может быть в будущем")
		res = cl.get("/clients/" + cid + "/services")
		if n := strings.Count(res.Body, "<td>10.03.2026</td>"); n != 3 {
			t.Errorf("services after refused batches: %d, want 3", n)
		}

		// Another organisation's specialist gets 404 on the client.
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая")
		ou, _ := other.AddUser(t, "stranger", "specialist")
		setPassword(t, a.st, ou.ID, other.Org.ID)
		oc := a.login(t, "stranger", testPassword)
		for _, p := range []string{"/clients/" + cid, "/clients/" + cid + "/services"} {
			if res := oc.get(p); res.Status != http.StatusNotFound {
				t.Errorf("other org GET %s: %d", p, res.Status)
			}
		}
		res = oc.post("/clients/"+cid+"/services", url.Values{"service_type": {food}, "rendered_on": {"2026-03-10"}})
		if res.Status != http.StatusNotFound {
			t.Errorf("other org records: %d", res.Status)
		}
	})
}

func TestServicesEditAndMineHTTP(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, ty := servicesFixture(t, a, fx)
		cl := a.login(t, "worker", testPassword)
		cid := idString(c.ID)
		food, fare := ty["Продуктовый набор"], ty["Оплата проезда"]
		for _, rec := range []url.Values{
			{"service_type": {food}, "quantity_" + food: {"1"}, "rendered_on": {"2026-03-04"}},
			{"service_type": {fare}, "amount_" + fare: {"100"}, "rendered_on": {"2026-03-08"}},
			{"service_type": {fare}, "amount_" + fare: {"50,25"}, "rendered_on": {"2026-03-09"}},
			{"service_type": {food}, "quantity_" + food: {"2"}, "rendered_on": {"10.03.2026"}},
		} {
			if res := cl.post("/clients/"+cid+"/services", rec); res.Status != http.StatusSeeOther {
				t.Fatalf("record %v: %d %s", rec, res.Status, res.Body)
			}
		}
		// The period's end is inclusive: 08.03–09.03 holds both fares.
		res := cl.get("/services/mine?from=2026-03-08&to=2026-03-09")
		mustContain(t, res.Body, "Всего услуг: 2", "Сумма: 150,25 ₽", "Смирнов Алексей")
		if strings.Contains(res.Body, "04.03.2026") || strings.Contains(res.Body, "10.03.2026</td>") {
			t.Error("services outside the period are listed")
		}
		res = cl.get("/services/mine?from=2026-03-01&to=2026-03-10&type=" + food)
		mustContain(t, res.Body, "Всего услуг: 2", "04.03.2026", "10.03.2026")
		res = cl.get("/services/mine?from=soon")
		mustContain(t, res.Body, "Укажите дату")

		// Edit my record: a negative amount is refused, a good one saved.
		list, _, err := a.st.ClientServices(fx.Ctx(), c.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var fareID string
		for _, sv := range list {
			if sv.TypeName == "Оплата проезда" && sv.Amount == 10000 {
				fareID = idString(sv.ID)
			}
		}
		res = cl.get("/services/" + fareID + "/edit")
		mustContain(t, res.Body, `value="100,00"`, "Удалить запись об услуге")
		res = cl.post("/services/"+fareID, url.Values{"rendered_on": {"2026-03-08"}, "amount": {"-1"}, "version": {"1"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("negative edit: %d", res.Status)
		}
		mustContain(t, res.Body, "Сумма не может быть отрицательной", `value="-1"`)
		res = cl.post("/services/"+fareID, url.Values{"rendered_on": {"2026-03-08"}, "amount": {"120"}, "version": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		res = cl.get("/services/mine?from=2026-03-08&to=2026-03-09")
		mustContain(t, res.Body, "Сумма: 170,25 ₽")
		// Delete with a reason.
		res = cl.post("/services/"+fareID+"/delete", url.Values{"reason": {""}})
		mustContain(t, res.Body, "Заполните это поле")
		res = cl.post("/services/"+fareID+"/delete", url.Values{"reason": {"записано по ошибке"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", res.Status)
		}
		res = cl.get("/services/mine?from=2026-03-08&to=2026-03-09")
		mustContain(t, res.Body, "Всего услуг: 1")
		// A colleague cannot edit my record.
		u2, _ := fx.AddUser(t, "colleague", "specialist")
		setPassword(t, a.st, u2.ID, fx.Org.ID)
		c2 := a.login(t, "colleague", testPassword)
		if res := c2.get("/services/" + idString(list[0].ID) + "/edit"); res.Status != http.StatusForbidden {
			t.Errorf("colleague edit page: %d", res.Status)
		}
	})
}

// TestServiceTypeChangeHTTP changes a recorded food parcel into a fare: the
// form asks for the fare's amount next to the field, then saves, and the
// report counts a fare and no parcel.
func TestServiceTypeChangeHTTP(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, ty := servicesFixture(t, a, fx)
		cl := a.login(t, "worker", testPassword)
		food, fare := ty["Продуктовый набор"], ty["Оплата проезда"]
		rec := url.Values{"service_type": {food}, "quantity_" + food: {"2"}, "rendered_on": {"2026-03-04"}}
		if res := cl.post("/clients/"+idString(c.ID)+"/services", rec); res.Status != http.StatusSeeOther {
			t.Fatalf("record: %d %s", res.Status, res.Body)
		}
		list, _, err := a.st.ClientServices(fx.Ctx(), c.ID, 0, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("services: %v %v", list, err)
		}
		id := idString(list[0].ID)
		res := cl.get("/services/" + id + "/edit")
		mustContain(t, res.Body, `name="type_id"`, `<option value="`+food+`" selected>Продуктовый набор</option>`)
		res = cl.post("/services/"+id, url.Values{"type_id": {fare}, "rendered_on": {"2026-03-04"}, "version": {"1"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("fare without an amount: %d", res.Status)
		}
		mustContain(t, res.Body, `<option value="`+fare+`" selected>Оплата проезда</option>`, `name="amount"`)
		res = cl.post("/services/"+id, url.Values{"type_id": {fare}, "rendered_on": {"2026-03-04"}, "amount": {"80"},
			"version": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("type change: %d %s", res.Status, res.Body)
		}
		got, err := a.st.Service(fx.Ctx(), list[0].ID)
		if err != nil || idString(got.TypeID) != fare || got.Amount != 8000 || got.Quantity != 1 {
			t.Fatalf("after the change: %+v %v", got, err)
		}
		q := &opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 3, 1),
			To: opora.NewDate(2026, 3, 31), GroupBy: []opora.Dimension{opora.DimServiceType},
			Measure: opora.MeasureCount}
		r, err := a.st.RunReport(fx.Ctx(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Rows) != 1 || r.Rows[0].Keys[0] != fare || r.Rows[0].Value != 1 {
			t.Fatalf("services by type: %v", r.Rows)
		}
	})
}

func TestServiceCatalogHTTP(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, ty := servicesFixture(t, a, fx)
		admin := a.login(t, "admin", testPassword)
		cid := idString(c.ID)
		food := ty["Продуктовый набор"]
		if res := admin.post("/clients/"+cid+"/services", url.Values{"service_type": {food}, "quantity_" + food: {"1"},
			"rendered_on": {"2026-03-10"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("record: %d", res.Status)
		}
		res := admin.get("/admin/services")
		mustContain(t, res.Body, "Каталог услуг", "Консультации", "Вещи и продукты", "Помощь", "Деньги", "Оплата госпошлины")

		// Rename: the recorded service shows the new name (it points to the type by id).
		res = admin.post("/admin/services/"+food, url.Values{"name": {"Продуктовый набор большой"}, "group": {"Вещи и продукты"},
			"flags": {"has_quantity"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d %s", res.Status, res.Body)
		}
		mustContain(t, admin.get("/clients/"+cid+"/services").Body, "Продуктовый набор большой")
		// A duplicate name is refused next to the field, the typed values kept.
		res = admin.post("/admin/services/new", url.Values{"name": {"Оплата проезда"}, "group": {"Деньги"}, "flags": {"has_amount"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("duplicate: %d", res.Status)
		}
		mustContain(t, res.Body, "Услуга с таким названием уже есть", `value="Деньги"`)
		res = admin.post("/admin/services/new", url.Values{"name": {"Стрижка"}, "group": {"Помощь"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d", res.Status)
		}
		// Deactivate: no longer offered on the profile; recording it is refused.
		res = admin.post("/admin/services/"+food+"/active", url.Values{"active": {"0"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", res.Status)
		}
		res = admin.get("/clients/" + cid)
		if strings.Contains(res.Body, `name="service_type" value="`+food+`"`) {
			t.Error("an inactive type is offered")
		}
		mustContain(t, res.Body, "Стрижка")
		res = admin.post("/clients/"+cid+"/services", url.Values{"service_type": {food}, "rendered_on": {"2026-03-10"}})
		mustContain(t, res.Body, "Эта услуга выключена")
		// Move up keeps the order within the group.
		if res := admin.post("/admin/services/"+ty["Отправка почты"]+"/move", url.Values{"dir": {"up"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("move: %d", res.Status)
		}
		body := admin.get("/admin/services").Body
		if strings.Index(body, "Отправка почты") > strings.Index(body, "Получение почты") {
			t.Error("moving up did not change the order")
		}
		// A specialist has no catalog screen.
		if res := a.login(t, "worker", testPassword).get("/admin/services"); res.Status != http.StatusForbidden {
			t.Errorf("specialist catalog: %d", res.Status)
		}

		// The back-dating window is an organisation setting.
		res = admin.get("/admin/organisation")
		mustContain(t, res.Body, `name="backdate_days"`, `value="7"`)
		form := url.Values{"name": {fx.Org.Name}, "type": {"ngo"}, "backdate_days": {"много"}}
		res = admin.post("/admin/organisation", form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad window: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите целое число дней", `value="много"`)
		form.Set("backdate_days", "30")
		if res := admin.post("/admin/organisation", form); res.Status != http.StatusSeeOther {
			t.Fatalf("window: %d %s", res.Status, res.Body)
		}
		mustContain(t, admin.get("/clients/"+cid).Body, `min="2026-02-08"`)
	})
}

// The quick-record form's checkboxes are rendered once per catalog and
// language and then served from memory: a profile page reads the same as
// one rendered afresh, and a change to the catalog (a rename, an amount
// field, a new type) is on the very next page, in either language.
func TestServicesFormFollowsTheCatalog(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, ty := servicesFixture(t, a, fx)
		cl := a.login(t, "worker", testPassword)
		path := "/clients/" + idString(c.ID)
		fresh := func() string {
			t.Helper()
			a.web.fragments = fragmentCache{}
			return cl.get(path).Body
		}
		first := fresh()
		if cached := cl.get(path).Body; cached != first {
			t.Fatalf("the cached form differs from a fresh one:\n%s", firstDiff(first, cached))
		}
		mustContain(t, first, `name="service_type" value="`+ty["Продуктовый набор"]+`"`, "Продуктовый набор")

		// One change at a time, each on the very next page.
		change := func(edit func(st *opora.ServiceType), want ...string) {
			t.Helper()
			types, err := a.st.ServiceTypes(fx.Ctx(), false)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range types {
				if idString(st.ID) == ty["Продуктовый набор"] {
					edit(st)
					if err := a.st.UpdateServiceType(fx.Ctx(), st); err != nil {
						t.Fatal(err)
					}
				}
			}
			next := cl.get(path).Body
			mustContain(t, next, want...)
			if next != fresh() {
				t.Errorf("the page after the change to %v differs from one rendered afresh", want)
			}
		}
		change(func(st *opora.ServiceType) { st.Name = "Продуктовый набор (большой)" }, "Продуктовый набор (большой)")
		change(func(st *opora.ServiceType) { st.HasAmount = true }, `name="amount_`+ty["Продуктовый набор"]+`"`)
		change(func(st *opora.ServiceType) { st.CommentRequired = true }, `name="comment_`+ty["Продуктовый набор"]+`"`)
		change(func(st *opora.ServiceType) { st.Group = "Еда" }, "<legend>Еда</legend>")
		if err := a.st.CreateServiceType(fx.Ctx(), &opora.ServiceType{Name: "Стрижка", Group: "Гигиена", Active: true}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, cl.get(path).Body, "Стрижка")

		if res := cl.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}); res.Status >= 400 {
			t.Fatalf("switch to English: %d", res.Status)
		}
		en := cl.get(path).Body
		mustContain(t, en, `lang="en"`, `<label for="f-amount_`+ty["Продуктовый набор"]+`">Amount`)
		if strings.Contains(en, `">Сумма, ₽`) {
			t.Error("the English page got the Russian form")
		}
		if en != fresh() {
			t.Error("the English page differs from one rendered afresh")
		}
	})
}
