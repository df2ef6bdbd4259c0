package store_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// joinCounts counts the rows that name two families, and the audit log,
// to show that a refused join changed nothing.
func joinCounts(t *testing.T, s *store.Store, ids ...int64) map[string]int {
	t.Helper()
	db := storetest.RawDB(t, s)
	out := map[string]int{}
	for _, table := range []string{"family_members", "signals", "family_events", "family_curators", "family_assessments",
		"family_visits", "draft_plan_tasks"} {
		for _, id := range ids {
			var c int
			if err := db.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE family_id = $1`, id).Scan(&c); err != nil {
				t.Fatal(err)
			}
			out[table+" "+idStr(id)] = c
		}
	}
	for _, id := range ids {
		var c int
		if err := db.QueryRow(`SELECT COUNT(*) FROM cases WHERE subject_type = 'family' AND subject_id = $1 AND status = 'open'`, id).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out["open cases "+idStr(id)] = c
		if err := db.QueryRow(`SELECT COUNT(*) FROM families WHERE id = $1 AND merged_into IS NOT NULL`, id).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out["merged "+idStr(id)] = c
	}
	var c int
	if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action NOT IN ('view', 'denied')`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	out["audit"] = c
	return out
}

// Two signals about the Сидоровы made two cards that share the mother and
// name different children; the КДН joins the second into the first: one
// card with every member once (the mother's earlier joined_on kept), both
// signals on its timeline, the second card's assessment, visit and case
// moved; the second card leads to the first.
func TestMergeFamilies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		mother := addClient(t, s, n.secCtx, n.kdn.Branch.ID, "Сидорова", "Елена", "", "03.04.1987")
		child := func(first, birth string) *opora.FamilyMember {
			return &opora.FamilyMember{Role: opora.RoleChild, Client: familyPerson("Сидоров", first, birth)}
		}
		day := func(s string) opora.Date {
			d, _ := opora.ParseDate(s)
			return d
		}
		cards := []*opora.Family{
			{Address: "ул. Ленина, 7", Members: []*opora.FamilyMember{
				{ClientID: mother.ID, Role: opora.RoleMother, JoinedOn: day("01.05.2024")}, child("Петя", "01.03.2015")}},
			{Members: []*opora.FamilyMember{
				{ClientID: mother.ID, Role: opora.RoleMother, JoinedOn: day("10.01.2023")}, child("Коля", "12.12.2018")}},
		}
		var signals []int64
		for _, fam := range cards {
			sg := schoolSignal(s, n.north)
			if err := s.RegisterSignal(n.tchCtx, sg); err != nil {
				t.Fatal(err)
			}
			if err := s.AcceptSignal(n.secCtx, &store.SignalAccept{SignalID: sg.ID, NewFamily: fam, RouteOrgID: n.kcson.Org.ID}); err != nil {
				t.Fatal(err)
			}
			signals = append(signals, sg.ID)
		}
		into, from := cards[0], cards[1]
		// The second card has the curator (and so the case), an assessment and a visit.
		if err := s.AssignCurator(n.headCtx, from.ID, n.head.ID); err != nil {
			t.Fatal(err)
		}
		x := blankDefault(t, s, n.headCtx, from.ID)
		if err := s.SaveAssessment(n.headCtx, x, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordVisits(n.headCtx, []*opora.FamilyVisit{{ClientUUID: visitUUID(t), FamilyID: from.ID,
			VisitedAt: s.Now().Add(-time.Hour), Kind: opora.VisitHome, Observations: "Дома"}}); err != nil {
			t.Fatal(err)
		}
		fromCase, err := s.FamilyCase(n.secCtx, from.ID)
		if err != nil {
			t.Fatal(err)
		}

		// Joined to itself: refused, nothing changed.
		before := joinCounts(t, s, into.ID, from.ID)
		if err := s.MergeFamilies(n.secCtx, into.ID, into.ID); opora.FieldErrors(err)["with"] != "family.join.error_same" {
			t.Errorf("a card joined to itself: %v", err)
		}
		if err := s.MergeFamilies(n.secCtx, from.ID, into.ID); err != nil {
			t.Fatal(err)
		}
		if after := joinCounts(t, s, into.ID, from.ID); after["audit"] <= before["audit"] {
			t.Errorf("no audit row of the join")
		}

		got, err := s.Family(n.secCtx, into.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range got.Members {
			names = append(names, m.Client.FirstName)
			if m.ClientID == mother.ID && m.JoinedOn != day("10.01.2023") {
				t.Errorf("the mother joined on %v, want the earlier 10.01.2023", m.JoinedOn)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"Елена", "Коля", "Петя"}) {
			t.Errorf("members %v, want the mother once and both children", names)
		}
		if got.CuratorID != n.head.ID || got.Address != "ул. Ленина, 7" {
			t.Errorf("survivor: curator %d, address %q", got.CuratorID, got.Address)
		}
		sigs, err := s.FamilySignals(n.secCtx, into.ID)
		if err != nil || len(sigs) != 2 {
			t.Fatalf("signals: %v %d", err, len(sigs))
		}
		for _, sg := range sigs {
			if !slices.Contains(signals, sg.ID) {
				t.Errorf("signal %d is not one of %v", sg.ID, signals)
			}
		}
		events, err := s.FamilyTimeline(n.secCtx, into.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range events {
			kinds[e.Kind]++
			if e.Kind == opora.FamilyEventJoined && e.Summary != "№ "+idStr(from.ID) {
				t.Errorf("the join line says %q", e.Summary)
			}
		}
		if kinds[opora.FamilyEventSignal] != 2 || kinds[opora.FamilyEventJoined] != 1 || kinds[opora.FamilyEventVisit] != 1 {
			t.Errorf("timeline: %v", kinds)
		}
		if xs, err := s.FamilyAssessments(n.headCtx, into.ID); err != nil || len(xs) != 1 {
			t.Errorf("assessments: %v %d", err, len(xs))
		}
		if visits, _ := countVisits(t, s, into.ID); visits != 1 {
			t.Errorf("%d visits on the survivor", visits)
		}
		k, err := s.FamilyCase(n.headCtx, into.ID)
		if err != nil || k.ID != fromCase.ID || k.Status != "open" {
			t.Errorf("the open case did not move: %v %+v", err, k)
		}
		// The tombstone: readable, leads to the survivor, listed nowhere, written never.
		tomb, err := s.Family(n.secCtx, from.ID)
		if err != nil || tomb.MergedInto != into.ID || len(tomb.Members) != 0 {
			t.Fatalf("tombstone: %v %+v", err, tomb)
		}
		found, err := s.SearchFamilies(n.secCtx, store.FamilySearch{Query: "Сидоров"})
		if err != nil || len(found) != 1 || found[0].ID != into.ID {
			t.Errorf("search after the join: %v %d", err, len(found))
		}
		if err := s.AddMember(n.secCtx, from.ID, child("Ваня", "01.01.2020")); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("a member added to the tombstone: %v", err)
		}
		if err := s.MergeFamilies(n.secCtx, from.ID, into.ID); opora.FieldErrors(err)["with"] != "family.join.error_merged" {
			t.Errorf("joined twice: %v", err)
		}
		// A visit recorded offline on the old card lands on the survivor.
		res, err := s.RecordVisits(n.headCtx, []*opora.FamilyVisit{{ClientUUID: visitUUID(t), FamilyID: from.ID,
			VisitedAt: s.Now().Add(-time.Minute), Kind: opora.VisitPhone, Observations: "Звонок"}})
		if err != nil || res[0].FamilyID != into.ID {
			t.Errorf("a late visit to the old card: %v %+v", err, res)
		}
	})
}

// Two cards each with an open case of a different curator are refused, and
// nothing is saved; a card of another КДН is not found.
func TestMergeFamiliesRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		other, _ := n.kcson.AddUser(t, "curator", "curator")
		cards := make([]*opora.Family, 2)
		for i, cur := range []int64{n.head.ID, other.ID} {
			f := &opora.Family{Members: []*opora.FamilyMember{{Role: opora.RoleMother, Client: familyPerson("Орлова", "Анна", "01.01.1990")}}}
			if err := s.CreateFamily(n.secCtx, f); err != nil {
				t.Fatal(err)
			}
			if err := s.GrantFamily(n.secCtx, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
				t.Fatal(err)
			}
			if err := s.AssignCurator(n.headCtx, f.ID, cur); err != nil {
				t.Fatal(err)
			}
			cards[i] = f
		}
		_, south := n.kdnSouth.AddUser(t, "south-sec", "kdn_secretary")
		theirs := &opora.Family{Members: []*opora.FamilyMember{{Role: opora.RoleMother, Client: familyPerson("Орлова", "Анна", "01.01.1990")}}}
		if err := s.CreateFamily(south, theirs); err != nil {
			t.Fatal(err)
		}
		before := joinCounts(t, s, cards[0].ID, cards[1].ID)
		err := s.MergeFamilies(n.secCtx, cards[1].ID, cards[0].ID)
		if opora.FieldErrors(err)["with"] != "family.join.error_two_curators" {
			t.Fatalf("two curators: %v", err)
		}
		if after := joinCounts(t, s, cards[0].ID, cards[1].ID); !maps.Equal(before, after) {
			t.Errorf("a refused join changed rows:\n before %v\n after  %v", before, after)
		}
		// Another КДН reaches neither card; the КДН does not reach the other's card.
		if err := s.MergeFamilies(south, cards[1].ID, cards[0].ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("another КДН joins: %v", err)
		}
		if err := s.MergeFamilies(n.secCtx, theirs.ID, cards[0].ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("a card of another КДН joined: %v", err)
		}
		if err := s.MergeFamilies(n.tchCtx, cards[1].ID, cards[0].ID); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Errorf("a school specialist joins: %v", err)
		}
		if after := joinCounts(t, s, cards[0].ID, cards[1].ID); !maps.Equal(before, after) {
			t.Errorf("refused joins changed rows:\n before %v\n after  %v", before, after)
		}
		// With the same curator on both, the joined card's case closes and the survivor keeps one open case.
		if err := s.AssignCurator(n.headCtx, cards[1].ID, n.head.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeFamilies(n.secCtx, cards[1].ID, cards[0].ID); err != nil {
			t.Fatal(err)
		}
		if c := joinCounts(t, s, cards[0].ID, cards[1].ID); c["open cases "+idStr(cards[0].ID)] != 1 || c["family_curators "+idStr(cards[0].ID)] != 3 {
			t.Errorf("same curator: %v", c)
		}
	})
}
