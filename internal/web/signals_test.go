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

// auditSignal registers a signal of the fixture's administrator (whose
// role auditFamily gave signal.register) to a КДН of a new municipality.
func auditSignal(t *testing.T, a *app, fx *storetest.Fixture) int64 {
	t.Helper()
	ctx := fx.Ctx()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Аудитская область"}
	if err := a.st.SaveTerritory(ctx, region); err != nil {
		t.Fatal(err)
	}
	mun := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Аудитский район"}
	if err := a.st.SaveTerritory(ctx, mun); err != nil {
		t.Fatal(err)
	}
	storetest.AddAgencyIn(t, a.st, ctx, "КДН Аудитского района", opora.OrgKDN, mun.ID)
	sg := &opora.Signal{TerritoryID: mun.ID, ReceivedAt: a.st.Now().Add(-time.Hour), Channel: opora.ChannelSystem,
		Urgency: opora.UrgencyOrdinary, Surname: "Аудитов"}
	if err := a.st.RegisterSignal(storetest.CtxOf(t, a.st, fx.Admin.ID), sg); err != nil {
		t.Fatal(err)
	}
	return sg.ID
}

// TestSignalPages: a school specialist registers a signal through the form
// (bad input first), the КДН secretary triages it into a new family sent
// to the КЦСОН, whose head sees it among new families without a curator;
// the school sees «Принят» and gets 404 on the family; another КДН gets
// 404 on the signal, audit-logged.
func TestSignalPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := a.st.SaveTerritory(ctx, region); err != nil {
			t.Fatal(err)
		}
		mun := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Северный район"}
		other := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Южный район"}
		for _, tr := range []*opora.Territory{mun, other} {
			if err := a.st.SaveTerritory(ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
		kdn := storetest.AddAgencyIn(t, a.st, ctx, "КДН Северного", opora.OrgKDN, mun.ID)
		kdn2 := storetest.AddAgencyIn(t, a.st, ctx, "КДН Южного", opora.OrgKDN, other.ID)
		kcson := storetest.AddAgencyIn(t, a.st, ctx, "КЦСОН Северного", opora.OrgSocialService, mun.ID)
		school := storetest.AddAgencyIn(t, a.st, ctx, "Школа №5", opora.OrgSchool, mun.ID)
		users := map[string]*opora.User{}
		for _, u := range []struct {
			login string
			org   *storetest.Fixture
			role  string
		}{{"sec", kdn, "kdn_secretary"}, {"sec2", kdn2, "kdn_secretary"}, {"head", kcson, "agency_head"}, {"teacher", school, "agency_specialist"}} {
			usr, _ := u.org.AddUser(t, u.login, u.role)
			setPassword(t, a.st, usr.ID, u.org.Org.ID)
			users[u.login] = usr
		}
		tch := a.login(t, "teacher", testPassword)
		if res := tch.get("/"); !strings.Contains(res.Body, `href="/signals"`) {
			t.Errorf("no «Сигналы» in the menu")
		}
		if res := tch.get("/signals/new"); res.Status != http.StatusOK || strings.Contains(res.Body, "hx-get") {
			t.Errorf("the school's form: %d, match shown: %v", res.Status, strings.Contains(res.Body, "hx-get"))
		}
		form := url.Values{"territory_id": {idString(mun.ID)}, "received_at": {a.st.Now().Add(-time.Hour).Local().Format(receivedLayout)},
			"channel": {"system"}, "urgency": {"ordinary"}, "description": {"Пропускает уроки"}, "rows": {"2"}}
		res := tch.post("/signals", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "иначе семью не найти") ||
			!strings.Contains(res.Body, "Пропускает уроки") {
			t.Fatalf("no identity: %d", res.Status)
		}
		form.Set("children.1.name", "Петя")
		form.Set("children.1.birth_date", "2099-01-01")
		if res = tch.post("/signals", form); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-children.1.birth_date"`) {
			t.Fatalf("future birth date: %d", res.Status)
		}
		form.Set("children.1.birth_date", "2015-03-01")
		form.Set("surname", "Сидоров")
		form.Set("address", "ул. Ленина, 7")
		if res = tch.post("/signals", form); res.Status != http.StatusSeeOther {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		sig := res.Location
		sec := a.login(t, "sec", testPassword)
		if res = sec.get("/signals"); !strings.Contains(res.Body, sig) {
			t.Errorf("the КДН's inbox lacks the signal")
		}
		if res = sec.get("/"); !strings.Contains(res.Body, "Новых сигналов: 1") {
			t.Errorf("the secretary's home page does not count the new signal")
		}
		if res = sec.get("/signals/matches?surname=" + url.QueryEscape("Сидоров")); res.Status != http.StatusOK || !strings.Contains(res.Body, sig) {
			t.Errorf("match: %d", res.Status)
		}
		if res = tch.get("/signals/matches?surname=x"); res.Status != http.StatusForbidden {
			t.Errorf("the school asks for the match: %d", res.Status)
		}
		s2 := a.login(t, "sec2", testPassword)
		id := strings.TrimPrefix(sig, "/signals/")
		before := auditCountAction(t, a, "signal", id)
		if res = s2.get(sig); res.Status != http.StatusNotFound {
			t.Errorf("another КДН: %d", res.Status)
		}
		if auditCountAction(t, a, "signal", id) <= before {
			t.Errorf("the denied read is not audit-logged")
		}
		res = sec.get(sig)
		if !strings.Contains(res.Body, `value="Петя"`) || !strings.Contains(res.Body, "КЦСОН Северного") {
			t.Fatalf("the triage form is not pre-filled")
		}
		accept := url.Values{"new": {"1"}, "version": {"1"}, "address": {"ул. Ленина, 7"}, "members.0.surname": {"Сидоров"},
			"members.0.first_name": {"Петя"}, "members.0.birth_date": {"2015-03-01"}, "route_org_id": {idString(kcson.Org.ID)}}
		if res = sec.post(sig+"/accept", accept); res.Status != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		res = sec.get(sig)
		i := strings.Index(res.Body, `href="/families/`)
		if i < 0 {
			t.Fatalf("no family link on the signal")
		}
		fam := res.Body[i+6 : i+6+strings.Index(res.Body[i+6:], `"`)]
		if res = sec.get(fam); !strings.Contains(res.Body, "Сидоров Петя") || !strings.Contains(res.Body, "Пропускает уроки") {
			t.Errorf("the family card lacks the child or the signal")
		}
		head := a.login(t, "head", testPassword)
		if res = head.get("/families"); !strings.Contains(res.Body, "Новые семьи без куратора") || !strings.Contains(res.Body, fam) {
			t.Errorf("the КЦСОН head's list lacks the family")
		}
		if res = head.get("/"); !strings.Contains(res.Body, "Семьи без куратора") || !strings.Contains(res.Body, fam+"#curator") {
			t.Errorf("the КЦСОН head's home page lacks the family without a curator")
		}
		if res = tch.get(sig); !strings.Contains(res.Body, "Принят") || strings.Contains(res.Body, fam) {
			t.Errorf("the school's view: %d", res.Status)
		}
		if res = tch.get(fam); res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
			t.Errorf("the school opens the family: %d", res.Status)
		}
	})
}

func auditCountAction(t *testing.T, a *app, entity, id string) int {
	t.Helper()
	var n int
	if err := storetest.RawDB(t, a.st).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3`,
		entity, mustInt(t, id), opora.ActionDenied).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
