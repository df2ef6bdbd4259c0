package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestFamilyJoinPages: the КДН secretary finds the second card of the
// Кузнецовы from the first, compares them, is refused joining a card to
// itself (the error next to the field) and joins them; the joined card
// leads to the survivor, which has every member once. Two cards with
// different curators are refused with the message; another organisation
// gets 404.
func TestFamilyJoinPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН", opora.OrgKDN)
		kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН", opora.OrgSocialService)
		user := func(org *storetest.Fixture, login, role string) (*opora.User, *client) {
			u := &opora.User{Login: login, FullName: login, BranchIDs: []int64{org.Branch.ID}, RoleIDs: []int64{org.Role(t, role).ID}}
			if err := a.st.CreateUser(org.Ctx(), u, storetest.PasswordHash); err != nil {
				t.Fatal(err)
			}
			setPassword(t, a.st, u.ID, org.Org.ID)
			return u, a.login(t, login, testPassword)
		}
		sec, b := user(kdn, "secretary", "kdn_secretary")
		head, h := user(kcson, "kcson-head", "agency_head")
		other, _ := user(kcson, "curator-b", "curator")
		secCtx := storetest.CtxOf(t, a.st, sec.ID)
		mother := &opora.Client{Surname: "Кузнецова", FirstName: "Ольга", BranchID: kdn.Branch.ID}
		if err := a.st.CreateClient(secCtx, mother); err != nil {
			t.Fatal(err)
		}
		card := func(child, address string) *opora.Family {
			f := &opora.Family{Address: address, Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother},
				{Role: opora.RoleChild, Client: &opora.Client{Surname: "Кузнецов", FirstName: child}}}}
			if err := a.st.CreateFamily(secCtx, f); err != nil {
				t.Fatal(err)
			}
			return f
		}
		first, second := card("Миша", "ул. Садовая, 3"), card("Гриша", "")
		path := "/families/" + idString(first.ID)

		mustContain(t, b.get(path).Body, "Объединить с другой карточкой", `action="`+path+`/join"`)
		res := b.get(path + "/join?q=" + url.QueryEscape("Кузнецова"))
		mustContain(t, res.Body, path+"/join?with="+idString(second.ID))
		if strings.Contains(res.Body, "join?with="+idString(first.ID)+`"`) {
			t.Errorf("the search offers the card itself")
		}
		res = b.get(path + "/join?with=" + idString(second.ID))
		mustContain(t, res.Body, "Кузнецов Миша", "Кузнецов Гриша", "ул. Садовая, 3", "Сигналы", `name="into"`)

		// Joined to itself: refused next to the field.
		res = b.post(path+"/join", url.Values{"with": {idString(first.ID)}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("joined to itself: %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-with"`, "Нельзя объединить карточку саму с собой")

		res = b.post(path+"/join", url.Values{"with": {idString(second.ID)}, "into": {idString(first.ID)}})
		if res.Status != http.StatusSeeOther || res.Location != path {
			t.Fatalf("join: %d %q %s", res.Status, res.Location, res.Body)
		}
		res = b.get(path)
		mustContain(t, res.Body, "Карточки объединены", "Кузнецов Миша", "Кузнецов Гриша", "Присоединена карточка; № "+idString(second.ID))
		if n := strings.Count(res.Body, `href="/clients/`+idString(mother.ID)+`"`); n != 1 {
			t.Errorf("the mother is listed %d times", n)
		}
		// The joined card leads to the survivor.
		res = b.get("/families/" + idString(second.ID))
		if res.Status != http.StatusSeeOther || res.Location != path {
			t.Errorf("the joined card: %d %q", res.Status, res.Location)
		}

		// Two cards with different curators: refused, nothing joined.
		third, fourth := card("Саша", "ул. Лесная, 1"), card("Паша", "ул. Лесная, 1")
		headCtx := storetest.CtxOf(t, a.st, head.ID)
		for f, cur := range map[int64]int64{third.ID: head.ID, fourth.ID: other.ID} {
			if err := a.st.GrantFamily(secCtx, f, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
				t.Fatal(err)
			}
			if err := a.st.AssignCurator(headCtx, f, cur); err != nil {
				t.Fatal(err)
			}
		}
		res = b.post("/families/"+idString(third.ID)+"/join", url.Values{"with": {idString(fourth.ID)}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("two curators: %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-with"`, "сначала закройте сопровождение одной из них")
		if res = b.get("/families/" + idString(fourth.ID)); res.Status != http.StatusOK {
			t.Errorf("the refused card: %d", res.Status)
		}

		// The КЦСОН reaches the cards it was granted, not the survivor of the first join.
		if res = h.get(path + "/join"); res.Status != http.StatusNotFound {
			t.Errorf("another organisation opens the join: %d", res.Status)
		}
		if res = h.post(path+"/join", url.Values{"with": {idString(third.ID)}}); res.Status != http.StatusNotFound {
			t.Errorf("another organisation joins: %d", res.Status)
		}
	})
}
