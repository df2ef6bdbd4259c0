package store_test

import (
	"fmt"
	"slices"
	"strings"
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
		checkVisitCounts(t, s, fx)
	})
}

// checkVisitCounts compares visit_counts with the visits themselves, and a
// visits report by point × month × worker (answered from the counts) with
// counting the visits.
func checkVisitCounts(t *testing.T, s *store.Store, fx *storetest.Fixture) {
	t.Helper()
	db := storetest.RawDB(t, s)
	kept := rowsOf(t, db, `SELECT organisation_id, day, point_id, item_id, branch_id, created_by, visits
		FROM visit_counts WHERE visits <> 0 ORDER BY 1, 2, 3, 4, 5, 6`)
	fromVisits := rowsOf(t, db, `SELECT organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0), COUNT(*)
		FROM checkin_visits GROUP BY organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0)
		ORDER BY 1, 2, 3, 4, 5, 6`)
	if !slices.Equal(kept, fromVisits) || len(kept) == 0 {
		t.Fatalf("visit_counts\n%v\nvisits\n%v", kept, fromVisits)
	}
	q := &opora.ReportQuery{Subject: opora.SubjectVisits, Measure: opora.MeasureCount, From: opora.NewDate(2025, 1, 1),
		To: opora.NewDate(2027, 12, 31), GroupBy: []opora.Dimension{opora.DimPoint, opora.DimMonth, opora.DimWorker}}
	if c, err := s.CompileReport(fx.Ctx(), q); err != nil || !strings.Contains(c.Query, "visit_counts") {
		t.Fatalf("visits report not read from the counts: %v %v", c, err)
	}
	res, err := s.RunReport(fx.Ctx(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, fmt.Sprintf("%s|%s|%s|%v", r.Keys[0], r.Keys[1], r.Keys[2], r.Value))
	}
	want := rowsOf(t, db, `SELECT point_id, `+map[store.Dialect]string{store.SQLite: "substr(visited_on, 1, 7)",
		store.Postgres: "to_char(visited_on, 'YYYY-MM')"}[s.Dialect()]+`, created_by, COUNT(*)
		FROM checkin_visits GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
	if !slices.Equal(got, want) {
		t.Fatalf("visits by point × month × worker\n%v\ncounted from the visits\n%v", got, want)
	}
}
