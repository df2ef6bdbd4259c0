package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// learnRegion generates a region with planted relationships and learns.
func learnRegion(t *testing.T, st *store.Store, families int) (context.Context, *store.HintLearnReport) {
	t.Helper()
	auth.SetParamsForTests()
	ctx := context.Background()
	if _, err := demo.GenerateFamilies(ctx, st, demo.FamilyOptions{Families: families, Seed: 23}, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := st.LearnHints(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, rep
}

func findLearned(hs []*opora.LearnedHint, features []string, measure string) *opora.LearnedHint {
	for _, h := range hs {
		if slices.Equal(h.Features, features) && h.Measure == measure {
			return h
		}
	}
	return nil
}

// Learned hints on the generator's planted data find the planted
// relationships within their intervals; no group under the threshold is
// stored; the incremental run equals a full recount; a switched-off hint
// stays off after recounting.
func TestLearnedHintsFindPlanted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx, rep := learnRegion(t, st, 4000)
		db := storetest.RawDB(t, st)
		t.Logf("learned: %+v", *rep)
		if rep.Cases < 1500 || rep.Recomputed != rep.Cases || rep.Hints == 0 {
			t.Fatalf("report %+v", *rep)
		}
		hs, err := st.LearnedHintRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range demo.PlantedRelationships {
			h := findLearned(hs, p.Features, p.Measure)
			if h == nil {
				t.Errorf("%s: no learned group", p.Name)
				continue
			}
			lo, hi := h.CI()
			t.Logf("%s: %d/%d = %.2f [%.2f, %.2f], without %d/%d", p.Name, h.K, h.N, h.Rate(), lo, hi, h.KWithout, h.NWithout)
			if p.With < lo || p.With > hi {
				t.Errorf("%s: planted %.2f outside the learned [%.2f, %.2f] (%d/%d)", p.Name, p.With, lo, hi, h.K, h.N)
			}
			if p.Measure != "" {
				lo, hi := opora.Wilson(h.KWithout, h.NWithout)
				if p.Without < lo || p.Without > hi {
					t.Errorf("%s: planted %.2f without outside [%.2f, %.2f]", p.Name, p.Without, lo, hi)
				}
			}
		}
		// The baseline: families with neither planted profile worsen at
		// about CrisisBaseline — the learned rate of a profile without them
		// (the early status alone) is far below the planted ones.
		if h := findLearned(hs, []string{"status:early"}, ""); h == nil || h.Rate() > 0.3 {
			t.Errorf("early families' crisis rate: %+v", h)
		}
		// Small groups never stored.
		var small int
		if err := db.QueryRow(`SELECT COUNT(*) FROM learned_hints WHERE n < 10 OR (measure <> '' AND n_without < 10)`).
			Scan(&small); err != nil || small != 0 {
			t.Errorf("%v learned hints under the threshold (%v)", small, err)
		}
		for _, h := range hs {
			if h.N < opora.DefaultHintMinGroup {
				t.Fatalf("group of %d stored: %v", h.N, h.Features)
			}
		}

		// A methodologist switches the divorce hint off.
		var adminID int64
		if err := db.QueryRow(`SELECT id FROM users WHERE login = 'admin'`).Scan(&adminID); err != nil {
			t.Fatal(err)
		}
		admin, err := st.Actor(ctx, adminID)
		if err != nil {
			t.Fatal(err)
		}
		divorce := findLearned(hs, []string{"event:divorce"}, "")
		if err := st.SwitchLearnedHint(opora.WithActor(ctx, admin), divorce.Key(), true); err != nil {
			t.Fatal(err)
		}

		// Changes: a job lost in a learned family, a status worsened in
		// another; the next run recomputes those two families' cases only.
		var fam1, client1, fam2 int64
		var profile1, profile2 opora.Date
		if err := db.QueryRow(`SELECT h.family_id, h.profile_on, MIN(m.client_id) FROM hint_cases h
			JOIN family_members m ON m.family_id = h.family_id AND m.role <> 'child'
			WHERE h.features NOT LIKE '%event:job_loss%' GROUP BY h.family_id, h.profile_on ORDER BY h.family_id LIMIT 1`).
			Scan(&fam1, &profile1, &client1); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT family_id, profile_on FROM hint_cases WHERE crisis = 0 ORDER BY family_id DESC LIMIT 1`).
			Scan(&fam2, &profile2); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at)
			SELECT organisation_id, $1, id, 'job_loss', $2, $3 FROM families WHERE id = $4`,
			client1, profile1.AddDays(-10), st.Now(), fam1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO family_events (family_id, organisation_id, at, kind, summary, changes, status_key)
			SELECT id, organisation_id, $1, 'status', 'СОП', '', 'sop' FROM families WHERE id = $2`,
			profile2.AddDays(30).Time().Add(st.Now().Sub(st.Now().Truncate(24*3600e9))), fam2); err != nil {
			t.Fatal(err)
		}
		rep, err = st.LearnHints(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Recomputed < 2 || rep.Recomputed > 4 {
			t.Errorf("incremental run recomputed %d cases", rep.Recomputed)
		}
		var features string
		var crisis int
		if err := db.QueryRow(`SELECT features FROM hint_cases WHERE family_id = $1`, fam1).Scan(&features); err != nil ||
			!slices.Contains(opora.SplitHintGroup(features), "event:job_loss") {
			t.Errorf("family %d's profile after its job loss: %q %v", fam1, features, err)
		}
		if err := db.QueryRow(`SELECT crisis FROM hint_cases WHERE family_id = $1`, fam2).Scan(&crisis); err != nil || crisis != 1 {
			t.Errorf("family %d's crisis after СОП: %d %v", fam2, crisis, err)
		}
		incCases, incHints := dumpLearning(t, st)
		if _, err := st.LearnHints(ctx, true); err != nil {
			t.Fatal(err)
		}
		fullCases, fullHints := dumpLearning(t, st)
		if !slices.Equal(incCases, fullCases) || !slices.Equal(incHints, fullHints) {
			t.Errorf("incremental (%d cases, %d hints) differs from the recount (%d, %d)", len(incCases), len(incHints),
				len(fullCases), len(fullHints))
		}
		hs, err = st.LearnedHintRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h := findLearned(hs, []string{"event:divorce"}, ""); h == nil || !h.Disabled {
			t.Errorf("the divorce hint after recounting: %+v", h)
		}
	})
}

// dumpLearning is the derived tables as text, without ids and times.
func dumpLearning(t *testing.T, st *store.Store) (cases, hints []string) {
	t.Helper()
	db := storetest.RawDB(t, st)
	rows, err := db.Query(`SELECT case_id, family_id, profile_on, features, measures, crisis, improved FROM hint_cases ORDER BY case_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, fam int64
		var on opora.Date
		var fs, ms string
		var c, i int
		if err := rows.Scan(&id, &fam, &on, &fs, &ms, &c, &i); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, fmt.Sprint(id, fam, on, fs, ms, c, i))
	}
	rows.Close()
	rows, err = db.Query(`SELECT features, measure, n, k, n_without, k_without, period_from, period_to FROM learned_hints
		ORDER BY features, measure`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var fs, m string
		var n, k, nw, kw int
		var from, to opora.Date
		if err := rows.Scan(&fs, &m, &n, &k, &nw, &kw, &from, &to); err != nil {
			t.Fatal(err)
		}
		hints = append(hints, fmt.Sprint(fs, m, n, k, nw, kw, from, to))
	}
	return cases, hints
}
