package store_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func visitUUID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// curatedFamily makes the Ивановы, sends them to the КЦСОН and gives them
// curator A; it returns the family (with members) and A's context.
func curatedFamily(t *testing.T, s *store.Store, n *familyNet) (*opora.Family, context.Context) {
	t.Helper()
	f, _ := createFamily(t, s, n)
	if err := s.GrantFamily(n.secretary, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
		t.Fatal(err)
	}
	head := storetest.CtxOf(t, s, n.headUser.ID)
	if err := s.AssignCurator(head, f.ID, n.curatorA.ID); err != nil {
		t.Fatal(err)
	}
	cur := storetest.CtxOf(t, s, n.curatorA.ID)
	got, err := s.Family(cur, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got, cur
}

func countVisits(t *testing.T, s *store.Store, familyID int64) (visits, events int) {
	t.Helper()
	db := storetest.RawDB(t, s)
	if err := db.QueryRow(`SELECT COUNT(*) FROM family_visits WHERE family_id = $1`, familyID).Scan(&visits); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM family_events WHERE family_id = $1 AND kind = 'visit'`, familyID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	return visits, events
}

// A batch of visits recorded offline and sent three times (the network
// dropped before the answer came) makes one visit each.
func TestFamilyVisitsReplayedOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		now := s.Now()
		batch := func() []*opora.FamilyVisit {
			return []*opora.FamilyVisit{
				{ClientUUID: "0b6f3c1e-8a52-4d4e-9b1a-3f0c2d5e6a71", FamilyID: f.ID, VisitedAt: now.Add(-2 * time.Hour),
					Kind: opora.VisitHome, Present: []int64{f.Members[0].ID, f.Members[2].ID}, PresentOther: "соседка",
					Observations: "В квартире чисто, дети дома", Agreements: "Мать запишет сына к врачу",
					NextVisitOn: opora.DateOf(now.AddDate(0, 0, 7))},
				{ClientUUID: "0B6F3C1E-8A52-4D4E-9B1A-3F0C2D5E6A72", FamilyID: f.ID, VisitedAt: now.Add(-time.Hour),
					Kind: opora.VisitPhone, Observations: "Мать не берёт трубку"},
			}
		}
		for round := range 3 {
			res, err := s.RecordVisits(cur, batch())
			if err != nil {
				t.Fatal(err)
			}
			want := store.VisitAccepted
			if round > 0 {
				want = store.VisitDuplicate
			}
			if len(res) != 2 || res[0].Status != want || res[1].Status != want || res[0].VisitID == 0 || len(res[0].Conflicts) != 0 {
				t.Fatalf("round %d: %+v", round, res)
			}
		}
		if v, e := countVisits(t, s, f.ID); v != 2 || e != 2 {
			t.Fatalf("after three sends: %d visits, %d timeline lines; want 2 and 2", v, e)
		}
		vs, err := s.FamilyVisits(cur, f.ID)
		if err != nil || len(vs) != 2 {
			t.Fatalf("visits: %v %d", err, len(vs))
		}
		home := vs[1]
		if home.Kind != opora.VisitHome || home.AuthorID != n.curatorA.ID || len(home.PresentNames) != 2 ||
			home.PresentOther != "соседка" || home.Conflict || home.NextVisitOn.IsZero() || home.RecordedAt.IsZero() {
			t.Fatalf("the home visit: %+v", home)
		}
		// The curator's colleague sending the same UUID makes a visit of their own.
		other := storetest.CtxOf(t, s, n.headUser.ID)
		res, err := s.RecordVisits(other, batch()[:1])
		if err != nil || res[0].Status != store.VisitAccepted {
			t.Fatalf("the same UUID from another author: %v %+v", err, res)
		}
	})
}

// What happened while the tablet was offline is kept, flagged for the
// curator: the family changed curator, a member named present had left,
// the tablet's clock runs ahead.
func TestFamilyVisitConflicts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		now := s.Now()
		var father *opora.FamilyMember
		for _, m := range f.Members {
			if m.Role == opora.RoleFather {
				father = m
			}
		}
		if err := s.MemberLeaves(n.secretary, f.ID, father.ID, s.Today().AddDays(-3), "уехал"); err != nil {
			t.Fatal(err)
		}
		res, err := s.RecordVisits(cur, []*opora.FamilyVisit{
			{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: now.Add(-time.Hour), Kind: opora.VisitHome,
				Present: []int64{father.ID}, Observations: "Отец дома"},
			{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: now.Add(3 * time.Hour), Kind: opora.VisitOffice,
				Observations: "Мать пришла в центр"},
			{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: now.Add(5 * time.Minute), Kind: opora.VisitOffice,
				Observations: "Часы планшета спешат на пять минут"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res[0].Conflicts, []string{opora.VisitConflictMemberLeft}) ||
			!slices.Equal(res[1].Conflicts, []string{opora.VisitConflictFuture}) || len(res[2].Conflicts) != 0 {
			t.Fatalf("conflicts: %+v", res)
		}
		// The family goes to curator B while A's tablet is offline.
		head := storetest.CtxOf(t, s, n.headUser.ID)
		if err := s.AssignCurator(head, f.ID, n.curatorB.ID); err != nil {
			t.Fatal(err)
		}
		cur = storetest.CtxOf(t, s, n.curatorA.ID)
		late := &opora.FamilyVisit{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: now.Add(-30 * time.Minute),
			Kind: opora.VisitHome, Observations: "Посещение до смены куратора"}
		res, err = s.RecordVisits(cur, []*opora.FamilyVisit{late})
		if err != nil || res[0].Status != store.VisitAccepted || !slices.Equal(res[0].Conflicts, []string{opora.VisitConflictCurator}) {
			t.Fatalf("after the curator changed: %v %+v", err, res)
		}
		// Sent again, acknowledged, though A no longer reaches the family.
		res, err = s.RecordVisits(cur, []*opora.FamilyVisit{late})
		if err != nil || res[0].Status != store.VisitDuplicate {
			t.Fatalf("replay after the curator changed: %v %+v", err, res)
		}
		if v, e := countVisits(t, s, f.ID); v != 4 || e != 4 {
			t.Fatalf("%d visits, %d timeline lines; want 4 and 4", v, e)
		}
		curB := storetest.CtxOf(t, s, n.curatorB.ID)
		vs, err := s.FamilyVisits(curB, f.ID)
		if err != nil || len(vs) != 4 {
			t.Fatalf("curator B's visits: %v %d", err, len(vs))
		}
		flagged := 0
		for _, v := range vs {
			if v.Conflict {
				flagged++
			}
		}
		if flagged != 3 {
			t.Fatalf("curator B sees %d flagged visits, want 3", flagged)
		}
		if _, err := s.FamilyVisits(cur, f.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("curator A reads the visits after handing over: %v", err)
		}
	})
}

// A worker of an organisation that never reached the family gets nothing
// inserted: the item answers «нет доступа» and the attempt is audit-logged.
func TestFamilyVisitNoAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		stranger, strangerCtx := n.school.AddUser(t, "school-head", "agency_head")
		res, err := s.RecordVisits(strangerCtx, []*opora.FamilyVisit{
			{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: s.Now(), Kind: opora.VisitHome, Observations: "Чужая семья"},
			{ClientUUID: visitUUID(t), FamilyID: f.ID + 1000, VisitedAt: s.Now(), Kind: opora.VisitHome, Observations: "Нет такой"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != store.VisitRefused || r.Message != "visit.error.no_access" || r.VisitID != 0 {
				t.Fatalf("a family out of reach: %+v", res)
			}
		}
		if v, _ := countVisits(t, s, f.ID); v != 0 {
			t.Fatalf("%d visits inserted", v)
		}
		var denied int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND entity = 'family'
			AND entity_id = $1 AND user_id = $2`, f.ID, stranger.ID).Scan(&denied); err != nil || denied != 1 {
			t.Fatalf("denied audit rows: %d %v", denied, err)
		}
		// Bad items are refused one by one; the good one of the batch is saved.
		res, err = s.RecordVisits(cur, []*opora.FamilyVisit{
			{ClientUUID: "not-a-uuid", FamilyID: f.ID, VisitedAt: s.Now(), Kind: opora.VisitHome, Observations: "x"},
			{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: s.Now(), Kind: "visit", Observations: "x"},
			{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: s.Now(), Kind: opora.VisitHome, Observations: "Всё в порядке"},
		})
		if err != nil || res[0].Status != store.VisitRefused || res[1].Status != store.VisitRefused || res[2].Status != store.VisitAccepted {
			t.Fatalf("mixed batch: %v %+v", err, res)
		}
		if _, err := s.RecordVisit(cur, &opora.FamilyVisit{ClientUUID: visitUUID(t), FamilyID: f.ID, VisitedAt: s.Now()}); opora.FieldErrors(err)["kind"] == "" || opora.FieldErrors(err)["observations"] == "" {
			t.Fatalf("the form's errors: %v", err)
		}
	})
}
