package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// webUser creates a user of an agency with one role and testPassword.
func webUser(t *testing.T, a *app, org *storetest.Fixture, login, name, role string) *opora.User {
	t.Helper()
	u := &opora.User{Login: login, FullName: name, BranchIDs: []int64{org.Branch.ID}, RoleIDs: []int64{org.Role(t, role).ID}}
	if err := a.st.CreateUser(org.Ctx(), u, storetest.PasswordHash); err != nil {
		t.Fatal(err)
	}
	setPassword(t, a.st, u.ID, org.Org.ID)
	return u
}

// lastID is the number at the end of a redirect's location.
func lastID(t *testing.T, loc string) string {
	t.Helper()
	i := strings.LastIndex(loc, "/")
	if i < 0 || i == len(loc)-1 {
		t.Fatalf("no id in %q", loc)
	}
	return loc[i+1:]
}

// The КДН secretary puts a kindergarten on the map through the forms; the
// curator finds it by need and municipality, points the family's
// kindergarten task to it and sees it on the task; the curator cannot
// edit the map, and another agency cannot touch the task.
func TestResourcePages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := a.st.SaveTerritory(fx.Ctx(), region); err != nil {
			t.Fatal(err)
		}
		north := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Северный район"}
		south := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Южный район"}
		for _, tr := range []*opora.Territory{north, south} {
			if err := a.st.SaveTerritory(fx.Ctx(), tr); err != nil {
				t.Fatal(err)
			}
		}
		kdn := storetest.AddAgencyIn(t, a.st, fx.Ctx(), "КДН Северного района", opora.OrgKDN, north.ID)
		kcson := storetest.AddAgencyIn(t, a.st, fx.Ctx(), "КЦСОН Северного района", opora.OrgSocialService, north.ID)
		edu := storetest.AddAgencyIn(t, a.st, fx.Ctx(), "Управление образования", opora.OrgEducationAuthority, north.ID)
		police := storetest.AddAgencyIn(t, a.st, fx.Ctx(), "ОМВД", opora.OrgPolice, north.ID)
		sec := webUser(t, a, kdn, "secretary", "Секретарь КДН", "kdn_secretary")
		head := webUser(t, a, kcson, "kcson-head", "Директор КЦСОН", "agency_head")
		cur := webUser(t, a, kcson, "curator", "Куратор Орлова", "curator")
		webUser(t, a, police, "inspector", "Инспектор ПДН", "agency_head")
		terms, err := a.st.ResourceTerms(storetest.CtxOf(t, a.st, sec.ID))
		if err != nil {
			t.Fatal(err)
		}
		var kgTerm string
		for _, tt := range terms {
			if tt.Code == "kindergarten" {
				kgTerm = idString(tt.ID)
			}
		}

		// The secretary adds the organisation, its address and the service.
		b := a.login(t, "secretary", testPassword)
		if res := b.get("/resources"); res.Status != http.StatusOK || !strings.Contains(res.Body, `href="/resources"`) ||
			!strings.Contains(res.Body, "Добавить организацию") {
			t.Fatalf("the secretary's map: %d", res.Status)
		}
		res := b.post("/resources/organizations", url.Values{"name": {""}, "tax_id": {"12"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-name"`) ||
			!strings.Contains(res.Body, `value="12"`) {
			t.Fatalf("an organisation without a name: %d", res.Status)
		}
		res = b.post("/resources/organizations", url.Values{"name": {"Детский сад № 12 «Солнышко»"}, "phone": {"+7 383 222-12-12"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create the organisation: %d %s", res.Status, res.Body)
		}
		orgID := lastID(t, res.Location)
		res = b.post("/resources/organizations/"+orgID+"/locations", url.Values{"territory_id": {idString(north.ID)},
			"address_1": {"ул. Школьная, 12"}, "city": {"Бердск"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("add the address: %d %s", res.Status, res.Body)
		}
		o, err := a.st.ResourceOrganization(storetest.CtxOf(t, a.st, sec.ID), mustInt(t, orgID))
		if err != nil || len(o.Locations) != 1 {
			t.Fatalf("the organisation: %v %+v", err, o)
		}
		svc := url.Values{"name": {"Группа полного дня"}, "terms": {kgTerm}, "location_id": {idString(o.Locations[0].ID)},
			"status": {"active"}, "free_places": {"3"}, "capacity": {"120"}, "days": {"MO", "TU", "WE", "TH", "FR"},
			"opens_at": {"19:00"}, "closes_at": {"07:00"}, "eligibility_description": {"Дети от 1,5 до 7 лет, прописка в районе"}}
		res = b.post("/resources/organizations/"+orgID+"/services", svc)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Время закрытия раньше открытия") ||
			!strings.Contains(res.Body, `value="Группа полного дня"`) {
			t.Fatalf("hours closing before opening: %d", res.Status)
		}
		svc.Set("opens_at", "07:00")
		svc.Set("closes_at", "19:00")
		res = b.post("/resources/organizations/"+orgID+"/services", svc)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("add the service: %d %s", res.Status, res.Body)
		}
		serviceID := lastID(t, res.Location)
		res = b.get("/resources/services/" + serviceID)
		mustContain(t, res.Body, "Группа полного дня", "Детский сад № 12 «Солнышко»", "Свободных мест: 3", "пн–пт 07:00–19:00",
			"ул. Школьная, 12", "Северный район", "Детский сад", "Дети от 1,5 до 7 лет")

		// Two editors at once: the second form, sent after the first
		// saved, is refused with 409 and keeps what was typed.
		res = b.get("/resources/services/" + serviceID + "/edit")
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `name="version" value="1"`) {
			t.Fatalf("the edit form: %d", res.Status)
		}
		first := url.Values{}
		for k, v := range svc {
			first[k] = v
		}
		first.Set("version", "1")
		first.Set("free_places", "2")
		if res = b.post("/resources/services/"+serviceID, first); res.Status != http.StatusSeeOther {
			t.Fatalf("the first edit: %d %s", res.Status, res.Body)
		}
		first.Set("free_places", "7")
		first.Set("capacity_note", "мест нет до весны")
		res = b.post("/resources/services/"+serviceID, first)
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "уже изменил кто-то другой") ||
			!strings.Contains(res.Body, `value="мест нет до весны"`) {
			t.Fatalf("the second edit: %d", res.Status)
		}
		first.Set("free_places", "3")
		first.Set("capacity_note", "")
		first.Set("version", "2")
		if res = b.post("/resources/services/"+serviceID, first); res.Status != http.StatusSeeOther {
			t.Fatalf("the edit again: %d %s", res.Status, res.Body)
		}

		// The curator finds it by need and municipality, not in the south.
		c := a.login(t, "curator", testPassword)
		res = c.get("/resources?need=" + kgTerm + "&territory=" + idString(north.ID))
		mustContain(t, res.Body, "Детский сад № 12 «Солнышко»", "Свободных мест: 3")
		if res = c.get("/resources?need=" + kgTerm + "&territory=" + idString(south.ID)); strings.Contains(res.Body, "Солнышко") ||
			!strings.Contains(res.Body, "Ничего не найдено") {
			t.Errorf("the northern kindergarten is found in the south")
		}
		if res = c.get("/resources?q=" + url.QueryEscape("солнышко")); !strings.Contains(res.Body, "Группа полного дня") {
			t.Errorf("not found by words")
		}
		// The curator may not edit the map.
		if res = c.get("/resources/organizations/new"); res.Status != http.StatusForbidden {
			t.Errorf("the curator opens the new organisation form: %d", res.Status)
		}
		if res = c.post("/resources/services/"+serviceID, svc); res.Status != http.StatusForbidden {
			t.Errorf("the curator saves a service: %d", res.Status)
		}
		if res = c.get("/resources/services/" + serviceID); strings.Contains(res.Body, "/edit") {
			t.Errorf("the curator is offered to edit the service")
		}

		// The family's kindergarten task points to the kindergarten.
		secCtx := storetest.CtxOf(t, a.st, sec.ID)
		mother := &opora.Client{Surname: "Кузнецова", FirstName: "Ольга", BranchID: kdn.Branch.ID}
		if err := a.st.CreateClient(secCtx, mother); err != nil {
			t.Fatal(err)
		}
		f := &opora.Family{Address: "ул. Садовая, 3", TerritoryID: north.ID,
			Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother}}}
		if err := a.st.CreateFamily(secCtx, f); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(secCtx, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		if err := a.st.AssignCurator(storetest.CtxOf(t, a.st, head.ID), f.ID, cur.ID); err != nil {
			t.Fatal(err)
		}
		curCtx := storetest.CtxOf(t, a.st, cur.ID)
		types, err := a.st.CaseDictionary(curCtx, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatal(err)
		}
		task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду", ResponsibleOrg: edu.Org.ID,
			DueOn: a.st.Today().AddDays(30)}
		if err := a.st.AddFamilyTask(curCtx, f.ID, task); err != nil {
			t.Fatal(err)
		}
		taskPath := "/agency/tasks/" + idString(task.ID)
		res = c.get(taskPath)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Ресурс не указан") || !strings.Contains(res.Body, "Подобрать ресурс") {
			t.Fatalf("the task before: %d %s", res.Status, res.Body)
		}
		res = c.get("/resources?task=" + idString(task.ID) + "&need=" + kgTerm)
		mustContain(t, res.Body, "Подбор ресурса для задачи", "Указать в задаче", "Детский сад № 12 «Солнышко»",
			`<option value="`+idString(north.ID)+`" selected>`) // the family's municipality
		res = c.post(taskPath+"/resource", url.Values{"service_id": {serviceID}, "version": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("point the task: %d %s", res.Status, res.Body)
		}
		res = c.get(taskPath)
		mustContain(t, res.Body, "Детский сад № 12 «Солнышко»", "Свободных мест: 3", "ул. Школьная, 12", "Убрать ресурс")
		// The police see the map, but are offered nothing for a task they do not work on.
		p := a.login(t, "inspector", testPassword)
		if res = p.get("/resources?task=" + idString(task.ID)); res.Status != http.StatusNotFound {
			t.Errorf("the police pick a resource for another agency's task: %d", res.Status)
		}
		// Another agency reaches neither the task nor its resource.
		if res = p.post(taskPath+"/resource", url.Values{"service_id": {""}}); res.Status != http.StatusNotFound {
			t.Errorf("the police clear the task's resource: %d", res.Status)
		}
		// The family's timeline names the resource.
		res = c.get("/families/" + idString(f.ID))
		mustContain(t, res.Body, "Ресурс: Группа полного дня — Детский сад № 12 «Солнышко»")
	})
}
