package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// screenNet is a region with two municipalities, the КДН of each with a
// secretary who can log in, and the early-crisis rules.
type screenNet struct {
	munA, munB int64
	kdnA, kdnB *storetest.Fixture
	secA, secB *opora.User
}

func newScreenNet(t *testing.T, a *app, fx *storetest.Fixture) *screenNet {
	t.Helper()
	admin := fx.Ctx()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := a.st.SaveTerritory(admin, region); err != nil {
		t.Fatal(err)
	}
	n := &screenNet{}
	for _, m := range []struct {
		id   *int64
		name string
	}{{&n.munA, "Северный район"}, {&n.munB, "Южный район"}} {
		tr := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: m.name}
		if err := a.st.SaveTerritory(admin, tr); err != nil {
			t.Fatal(err)
		}
		*m.id = tr.ID
	}
	n.kdnA = storetest.AddAgencyIn(t, a.st, admin, "КДН Северного района", opora.OrgKDN, n.munA)
	n.kdnB = storetest.AddAgencyIn(t, a.st, admin, "КДН Южного района", opora.OrgKDN, n.munB)
	for _, x := range []struct {
		u     **opora.User
		org   *storetest.Fixture
		login string
	}{{&n.secA, n.kdnA, "sec-north"}, {&n.secB, n.kdnB, "sec-south"}} {
		u := &opora.User{Login: x.login, FullName: "Секретарь " + x.login, BranchIDs: []int64{x.org.Branch.ID},
			RoleIDs: []int64{x.org.Role(t, "kdn_secretary").ID}}
		if err := a.st.CreateUser(x.org.Ctx(), u, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		setPassword(t, a.st, u.ID, x.org.Org.ID)
		*x.u = u
	}
	for _, r := range []*opora.HintRule{
		{Difficulty: "Потеря дохода семьёй", EarlyCrisis: true, Source: "Порядок, раздел 2.1",
			Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventJobLoss, Months: 6}},
			Measures:   []opora.HintMeasure{{TaskTypeKey: "job_search", AgencyType: opora.OrgEmployment}}},
		{Difficulty: "Распад семьи", EarlyCrisis: true,
			Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventDivorce}},
			Measures:   []opora.HintMeasure{{TaskTypeKey: "psychologist"}}},
	} {
		if err := a.st.CreateHintRule(admin, r); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// screenFamily makes a family of municipality territory held by org, with
// a mother and a child; it returns the family and the mother.
func screenFamily(t *testing.T, st *store.Store, org *storetest.Fixture, userID int64, surname string, territory int64) (*opora.Family, *opora.Client) {
	t.Helper()
	ctx := storetest.CtxOf(t, st, userID)
	mother := &opora.Client{Surname: surname, FirstName: "Мария", BranchID: org.Branch.ID}
	if err := st.CreateClient(ctx, mother); err != nil {
		t.Fatal(err)
	}
	f := &opora.Family{TerritoryID: territory, Address: "ул. Ленина, 5",
		Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother},
			{Client: &opora.Client{Surname: surname, FirstName: "Пётр"}, Role: opora.RoleChild}}}
	if err := st.CreateFamily(ctx, f); err != nil {
		t.Fatal(err)
	}
	return f, mother
}

// TestLifeEventForms records life events from the profile and from the
// family card: a date in the future is refused next to the field with the
// values kept, nothing saved; a good one shows in the list with who
// recorded it.
func TestLifeEventForms(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		n := newScreenNet(t, a, fx)
		fam, mother := screenFamily(t, a.st, n.kdnA, n.secA.ID, "Иванова", n.munA)
		b := a.login(t, "sec-north", testPassword)
		today := a.st.Today()
		profile := "/clients/" + idString(mother.ID)

		res := b.get(profile)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `id="life-events"`) || !strings.Contains(res.Body, "Потеря работы") {
			t.Fatalf("profile: %d", res.Status)
		}
		form := url.Values{"back": {profile}, "life_kind": {opora.LifeEventJobLoss}, "life_on": {today.AddDays(3).String()},
			"life_note": {"сократили на заводе"}}
		res = b.post(profile+"/life-events", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-life_on"`) ||
			!strings.Contains(res.Body, "Дата не может быть в будущем") || !strings.Contains(res.Body, "сократили на заводе") {
			t.Fatalf("future date: %d", res.Status)
		}
		form.Set("life_on", "32.13.2026")
		if res = b.post(profile+"/life-events", form); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-life_on"`) {
			t.Fatalf("bad date: %d", res.Status)
		}
		if got, _ := a.st.ClientLifeEvents(storetest.CtxOf(t, a.st, n.secA.ID), mother.ID); len(got) != 0 {
			t.Fatalf("saved after errors: %d", len(got))
		}
		form.Set("life_on", today.AddDays(-5).String())
		if res = b.post(profile+"/life-events", form); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, profile) {
			t.Fatalf("record: %d %s", res.Status, res.Location)
		}
		res = b.get(profile)
		if !strings.Contains(res.Body, "сократили на заводе") || !strings.Contains(res.Body, "Секретарь sec-north") ||
			!strings.Contains(res.Body, today.AddDays(-5).Format("02.01.2006")) {
			t.Fatalf("the profile lacks the event")
		}

		// From the family card, next to the member.
		card := "/families/" + idString(fam.ID)
		res = b.get(card)
		if !strings.Contains(res.Body, `name="life_kind_`+idString(mother.ID)+`"`) || !strings.Contains(res.Body, "сократили на заводе") {
			t.Fatalf("card: %d", res.Status)
		}
		sfx := "_" + idString(mother.ID)
		cf := url.Values{"client_id": {idString(mother.ID)}, "life_kind" + sfx: {opora.LifeEventDivorce},
			"life_on" + sfx: {today.AddDays(1).String()}, "life_note" + sfx: {"муж ушёл"}}
		res = b.post(card+"/life-events", cf)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-life_on`+sfx+`"`) || !strings.Contains(res.Body, "муж ушёл") {
			t.Fatalf("card, future date: %d", res.Status)
		}
		cf.Set("life_on"+sfx, today.String())
		if res = b.post(card+"/life-events", cf); res.Status != http.StatusSeeOther {
			t.Fatalf("card record: %d %s", res.Status, res.Body)
		}
		res = b.get(card)
		if !strings.Contains(res.Body, "муж ушёл") || !strings.Contains(res.Body, "Жизненное событие") {
			t.Fatalf("the card lacks the event or its timeline line")
		}

		// The timelines word the kind.
		if res := b.get(profile + "/timeline"); !strings.Contains(res.Body, "Жизненное событие") || !strings.Contains(res.Body, "Развод") {
			t.Fatalf("the client's timeline lacks the event")
		}
		if res := b.get(card); !strings.Contains(res.Body, "Жизненное событие; Иванова М., "+today.Format("02.01.2006")+"; Событие: Развод") {
			t.Fatalf("the family's timeline lacks the event line")
		}

		// Another КДН reaches neither.
		south := a.login(t, "sec-south", testPassword)
		if res := south.post(profile+"/life-events", form); res.Status != http.StatusNotFound {
			t.Fatalf("another organisation records: %d", res.Status)
		}
		if res := south.post(card+"/life-events", cf); res.Status != http.StatusNotFound {
			t.Fatalf("another organisation records on the card: %d", res.Status)
		}

		// Deleted from the card, back to the card; the other one stays.
		events, err := a.st.ClientLifeEvents(storetest.CtxOf(t, a.st, n.secA.ID), mother.ID)
		if err != nil || len(events) != 2 {
			t.Fatalf("events: %v %d", err, len(events))
		}
		del := profile + "/life-events/" + idString(events[0].ID) + "/delete"
		if res := south.post(del, url.Values{"back": {card}}); res.Status != http.StatusNotFound {
			t.Fatalf("another organisation deletes: %d", res.Status)
		}
		if res := b.post(del, url.Values{"back": {card}}); res.Status != http.StatusSeeOther || res.Location != card+"#life-events" {
			t.Fatalf("delete: %d %s", res.Status, res.Location)
		}
		if res := b.get(card); strings.Contains(res.Body, "муж ушёл") || !strings.Contains(res.Body, "сократили на заводе") {
			t.Fatalf("after delete")
		}
	})
}

// TestScreeningPage: the list shows a family with a recent job loss and no
// open case with its reason, not a family with an open case nor another
// municipality's; «not relevant» takes it off the default list; another
// organisation gets 422/404, one without family.read 403.
func TestScreeningPage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		n := newScreenNet(t, a, fx)
		today := a.st.Today()
		event := func(userID int64, c *opora.Client, kind string, days int) {
			t.Helper()
			if err := a.st.CreateLifeEvent(storetest.CtxOf(t, a.st, userID), &opora.LifeEvent{ClientID: c.ID, Kind: kind,
				OccurredOn: today.AddDays(-days)}); err != nil {
				t.Fatal(err)
			}
		}
		jobless, m1 := screenFamily(t, a.st, n.kdnA, n.secA.ID, "Иванова", n.munA)
		event(n.secA.ID, m1, opora.LifeEventJobLoss, 20)
		withCase, m2 := screenFamily(t, a.st, n.kdnA, n.secA.ID, "Петрова", n.munA)
		event(n.secA.ID, m2, opora.LifeEventJobLoss, 10)
		if _, err := storetest.RawDB(t, a.st).Exec(`INSERT INTO cases (organisation_id, subject_type, subject_id, type_id, curator_id,
			opened_on, status, created_at, updated_at) VALUES ($1, 'family', $2, (SELECT MIN(id) FROM dictionary_items), $3, $4, 'open', $5, $5)`,
			n.kdnA.Org.ID, withCase.ID, n.secA.ID, today.Time(), a.st.Now()); err != nil {
			t.Fatal(err)
		}
		_, m3 := screenFamily(t, a.st, n.kdnB, n.secB.ID, "Сидорова", n.munB)
		event(n.secB.ID, m3, opora.LifeEventJobLoss, 5)

		b := a.login(t, "sec-north", testPassword)
		if res := b.get("/"); !strings.Contains(res.Body, `href="/screening"`) {
			t.Errorf("no «Раннее выявление» in the menu")
		}
		before := auditCount(t, a.st, "family", jobless.ID)
		res := b.get("/screening")
		if res.Status != http.StatusOK {
			t.Fatalf("screening: %d %s", res.Status, res.Body)
		}
		for _, want := range []string{"Иванова М.", "Потеря дохода семьёй", "потому что: Иванова М. — событие «Потеря работы» " + today.AddDays(-20).Format("02.01.2006"),
			"не санкция", "Северный район", "пока ничего"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the list lacks %q", want)
			}
		}
		for _, not := range []string{"Петрова", "Сидорова"} {
			if strings.Contains(res.Body, not) {
				t.Errorf("the list shows %q", not)
			}
		}
		if auditCount(t, a.st, "family", jobless.ID) <= before {
			t.Errorf("no view row of the listed family")
		}

		key := "f" + idString(jobless.ID)
		q := "?territory=" + idString(n.munA) + "&show="
		res = b.post("/screening/actions"+q, url.Values{"subject": {key}, "outcome_" + key: {"sanction"}, "comment_" + key: {"уже работает"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-outcome_`+key+`"`) || !strings.Contains(res.Body, "уже работает") {
			t.Fatalf("bad outcome: %d", res.Status)
		}
		south := a.login(t, "sec-south", testPassword)
		if res := south.post("/screening/actions"+q, url.Values{"subject": {key}, "outcome_" + key: {opora.ScreenContacted}}); res.Status != http.StatusNotFound {
			t.Fatalf("another КДН records: %d", res.Status)
		}
		if res := south.get("/screening" + q); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("another municipality's list: %d", res.Status)
		}
		if res := south.get("/screening"); res.Status != http.StatusOK || strings.Contains(res.Body, "Иванова") {
			t.Fatalf("the south's own list: %d", res.Status)
		}
		if res := a.login(t, "admin", testPassword).get("/screening"); res.Status != http.StatusForbidden {
			t.Fatalf("no family.read: %d", res.Status)
		}
		res = b.post("/screening/actions"+q, url.Values{"subject": {key}, "outcome_" + key: {opora.ScreenNotRelevant}, "comment_" + key: {"уже работает"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("record: %d %s", res.Status, res.Body)
		}
		if res := b.get(res.Location); strings.Contains(res.Body, "Иванова М.,") || strings.Contains(res.Body, `id="row-`+key+`"`) {
			t.Fatalf("still listed after «not relevant»")
		}
		res = b.get("/screening" + q[:len(q)-len("&show=")] + "&show=all")
		if !strings.Contains(res.Body, `id="row-`+key+`"`) || !strings.Contains(res.Body, "Не актуально") || !strings.Contains(res.Body, "уже работает") {
			t.Fatalf("all: the row or its action missing")
		}
	})
}
