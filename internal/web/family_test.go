package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// auditFamily gives the fixture's administrator a role with the family
// permissions and makes a family with the client as its mother.
func auditFamily(t *testing.T, a *app, fx *storetest.Fixture, clientID int64) int64 {
	t.Helper()
	ctx := fx.Ctx()
	r := &opora.Role{Name: "Семьи", Scope: opora.ScopeOrganisation,
		Permissions: []opora.Permission{opora.PermFamilyRead, opora.PermFamilyWrite, opora.PermFamilyAssign, opora.PermSignalRegister}}
	if err := a.st.SaveRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := storetest.RawDB(t, a.st).Exec(`INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)`, fx.Admin.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	fctx := storetest.CtxOf(t, a.st, fx.Admin.ID)
	f := &opora.Family{Address: "ул. Аудиторская, 1", Members: []*opora.FamilyMember{{ClientID: clientID, Role: opora.RoleMother}}}
	if err := a.st.CreateFamily(fctx, f); err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// TestFamilyPages creates a family through the form with a parent who is
// already a client and two children, opens the card and the list, shows
// field errors next to the fields, and answers 404 to another organisation.
func TestFamilyPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН", opora.OrgKDN)
		kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН", opora.OrgSocialService)
		sec := &opora.User{Login: "secretary", FullName: "Секретарь КДН", BranchIDs: []int64{kdn.Branch.ID},
			RoleIDs: []int64{kdn.Role(t, "kdn_secretary").ID}}
		if err := a.st.CreateUser(kdn.Ctx(), sec, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		head := &opora.User{Login: "kcson-head", FullName: "Директор КЦСОН", BranchIDs: []int64{kcson.Branch.ID},
			RoleIDs: []int64{kcson.Role(t, "agency_head").ID}}
		if err := a.st.CreateUser(kcson.Ctx(), head, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		setPassword(t, a.st, sec.ID, kdn.Org.ID)
		setPassword(t, a.st, head.ID, kcson.Org.ID)
		secCtx := storetest.CtxOf(t, a.st, sec.ID)
		mother := &opora.Client{Surname: "Кузнецова", FirstName: "Ольга", BranchID: kdn.Branch.ID}
		if err := a.st.CreateClient(secCtx, mother); err != nil {
			t.Fatal(err)
		}
		b := a.login(t, "secretary", testPassword)
		if res := b.get("/"); !strings.Contains(res.Body, `href="/families"`) {
			t.Errorf("no «Семьи» in the menu")
		}
		form := url.Values{"address": {"ул. Садовая, 3"}, "rows": {"4"},
			"members.0.client_id": {idString(mother.ID)}, "members.0.role": {"mother"},
			"members.1.surname": {"Кузнецов"}, "members.1.first_name": {"Миша"}, "members.1.birth_date": {"2099-01-01"}, "members.1.role": {"child"},
			"members.2.surname": {"Кузнецова"}, "members.2.first_name": {"Аня"}, "members.2.birth_date": {"2016-05-01"}, "members.2.role": {"child"}}
		res := b.post("/families", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-members.1.birth_date"`) ||
			!strings.Contains(res.Body, `value="Миша"`) {
			t.Fatalf("a birth date in the future: %d", res.Status)
		}
		form.Set("members.1.birth_date", "2014-02-03")
		res = b.post("/families", form)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		card := res.Location
		res = b.get(card)
		for _, want := range []string{"Кузнецова Ольга", "Кузнецов Миша", "Кузнецова Аня", "ул. Садовая, 3", "Ранние трудности", "Мать"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the card lacks %q", want)
			}
		}
		if res = b.get("/families?q=kuznetsova"); !strings.Contains(res.Body, card) {
			t.Errorf("the search in Latin does not find the family")
		}
		h := a.login(t, "kcson-head", testPassword)
		if res = h.get(card); res.Status != http.StatusNotFound {
			t.Errorf("another organisation: %d", res.Status)
		}
		if res = h.get("/clients/" + idString(mother.ID)); res.Status != http.StatusNotFound {
			t.Errorf("another organisation reads the mother: %d", res.Status)
		}
		if res = b.post(card+"/grants", url.Values{"organisation_id": {idString(kcson.Org.ID)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("grant: %d", res.Status)
		}
		if res = h.get(card); res.Status != http.StatusOK {
			t.Fatalf("after the grant: %d", res.Status)
		}
		if res = h.post(card+"/curator", url.Values{"curator_id": {idString(head.ID)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", res.Status, res.Body)
		}
		if res = h.get(card); !strings.Contains(res.Body, "Сопровождение семьи") {
			t.Errorf("no family case on the card")
		}
		// The card's edit form, opened by the КЦСОН, offers the statuses
		// of the КДН holding the card — the ones its save accepts — not
		// the КЦСОН's own dictionary.
		checkStatusChoices(t, a.st, res.Body, secCtx, storetest.CtxOf(t, a.st, head.ID))
	})
}

// checkStatusChoices: the page's status_id select offers the statuses of
// the organisation of holder (every one) and none of other's.
func checkStatusChoices(t *testing.T, st *store.Store, body string, holder, other context.Context) {
	t.Helper()
	want, err := st.FamilyStatuses(holder)
	if err != nil || len(want) == 0 {
		t.Fatalf("the card's statuses: %v %d", err, len(want))
	}
	not, err := st.FamilyStatuses(other)
	if err != nil || len(not) == 0 {
		t.Fatalf("the other organisation's statuses: %v %d", err, len(not))
	}
	_, sel, ok := strings.Cut(body, `name="status_id"`)
	if !ok {
		t.Fatalf("no status choice on the page")
	}
	sel, _, _ = strings.Cut(sel, "</select>")
	for _, it := range want {
		if !strings.Contains(sel, `value="`+idString(it.ID)+`"`) {
			t.Errorf("status %q (%d) of the card's organisation is not offered", it.Label, it.ID)
		}
	}
	for _, it := range not {
		if strings.Contains(sel, `value="`+idString(it.ID)+`"`) {
			t.Errorf("status %q (%d) of the user's own organisation is offered", it.Label, it.ID)
		}
	}
}
