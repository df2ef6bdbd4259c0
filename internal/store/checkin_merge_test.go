package store_test

import (
	"fmt"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestCheckinClientMerge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, food, _ := checkinSetup(t, s, fx)
		a := &opora.Client{Surname: "Дублев", FirstName: "Пётр", BranchID: fx.Branch.ID}
		b := &opora.Client{Surname: "Дублёв", FirstName: "Пётр", BranchID: fx.Branch.ID}
		for _, c := range []*opora.Client{a, b} {
			if err := s.CreateClient(fx.Ctx(), c); err != nil {
				t.Fatal(err)
			}
		}
		ka, kb := fmt.Sprintf("c%d", a.ID), fmt.Sprintf("c%d", b.ID)
		if _, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: ka}, {ID: uuid(t), Person: kb},
			{ID: uuid(t), Person: kb, Item: food}}); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeClients(fx.Ctx(), a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		// A phone still holding a tick for the merged-away client.
		res, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: kb, Item: food}, {ID: uuid(t), Person: kb}})
		if err != nil || res[0].Status != opora.TickDuplicate || res[1].Status != opora.TickDuplicate {
			t.Fatalf("ticks after merge: %v %+v", err, res)
		}
		vs, err := s.ShiftVisits(duty, sh.ID)
		if err != nil || len(vs) != 2 {
			t.Fatalf("visits %v %d, want came and food once", err, len(vs))
		}
		for _, v := range vs {
			if v.ClientID != a.ID {
				t.Fatalf("visit %+v not on the survivor %d", v, a.ID)
			}
		}
		counts, _ := s.CheckinCounters(duty, sh.ID)
		if counts.People != 1 {
			t.Fatalf("people %d", counts.People)
		}
	})
}
