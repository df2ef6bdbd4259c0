package demo

import (
	"context"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The families' region: the promised proportions, every family in reach of
// its commission, the search keys and derived tables as the store keeps
// them, and no reference pointing nowhere.
func TestFamiliesGeneratorMakesTheRegion(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		db := storetest.RawDB(t, st)
		const n = 1000 // two municipalities
		var seen []int
		logins, err := GenerateFamilies(ctx, st, FamilyOptions{Families: n, Seed: 5}, func(done, _ int) { seen = append(seen, done) })
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || seen[1] != n || len(logins) != 5 {
			t.Fatalf("progress %v, logins %v", seen, logins)
		}
		const towns = 2
		if got := count(t, db, `SELECT COUNT(*) FROM organisations`); got != towns*OrgsPerMunicipality+1 {
			t.Errorf("%v organisations", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM users`); got != towns*(StaffPerMunicipality+OrgsPerMunicipality)+1 {
			t.Errorf("%v users", got)
		}
		for role, want := range map[string]float64{"kdn_secretary": kdnStaff, "curator": centreCurator} {
			got := count(t, db, `SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.key = $1`, role)
			if got != towns*want {
				t.Errorf("%v users are %s, want %v", got, role, towns*want)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM families`); got != n {
			t.Fatalf("%v families", got)
		}
		within(t, "members per family", count(t, db, `SELECT COUNT(*) FROM family_members`)/n, 2.8, 3.3)
		if got, want := count(t, db, `SELECT COUNT(*) FROM clients`), count(t, db, `SELECT COUNT(*) FROM family_members`); got != want {
			t.Errorf("%v clients for %v members", got, want)
		}
		within(t, "children at a school or kindergarten", count(t, db, `SELECT COUNT(*) FROM family_members
			WHERE school_org_id IS NOT NULL`)/count(t, db, `SELECT COUNT(*) FROM family_members WHERE role = 'child'`), 0.6, 0.95)
		// About 1.8 a family, and two school absence signals for a share of
		// the families with a child at school (planted.go).
		within(t, "signals per family", count(t, db, `SELECT COUNT(*) FROM signals`)/n, 1.95, 2.3)
		within(t, "families with a life event", count(t, db, `SELECT COUNT(DISTINCT family_id) FROM life_events`)/n, 0.3, 0.45)
		within(t, "signals linked to a family", count(t, db, `SELECT COUNT(*) FROM signals WHERE family_id IS NOT NULL`)/
			count(t, db, `SELECT COUNT(*) FROM signals`), 0.75, 0.9)
		within(t, "closed signals per family", count(t, db, `SELECT COUNT(*) FROM signals WHERE status = 'closed'`)/n,
			ClosedSignalShare-0.01, ClosedSignalShare+0.01)
		within(t, "signals over three years", count(t, db, `SELECT COUNT(*) FROM signals WHERE received_at >= $1`,
			st.Now().AddDate(-1, 0, -1))/count(t, db, `SELECT COUNT(*) FROM signals`), 0.28, 0.48)
		within(t, "families with a curator", count(t, db, `SELECT COUNT(*) FROM families WHERE curator_id IS NOT NULL`)/n,
			CuratorShare-0.04, CuratorShare+0.04)
		curated := count(t, db, `SELECT COUNT(*) FROM families WHERE curator_id IS NOT NULL`)
		for what, q := range map[string]string{
			"family cases":     `SELECT COUNT(*) FROM cases WHERE subject_type = 'family' AND status = 'open'`,
			"grants":           `SELECT COUNT(*) FROM subject_grants WHERE reason = 'curator_org'`,
			"open assignments": `SELECT COUNT(*) FROM family_curators WHERE to_on IS NULL`,
		} {
			if got := count(t, db, q); got != curated {
				t.Errorf("%v %s for %v families with a curator", got, what, curated)
			}
		}
		within(t, "assessed families", count(t, db, `SELECT COUNT(DISTINCT family_id) FROM family_assessments
			WHERE status = 'completed'`)/curated, AssessedShare-0.06, AssessedShare+0.04)
		within(t, "drafts", count(t, db, `SELECT COUNT(*) FROM family_assessments WHERE status = 'draft'`)/curated,
			DraftShare-0.04, DraftShare+0.04)
		if got := count(t, db, `SELECT COUNT(*) FROM draft_plan_tasks`); got < 0.3*curated {
			t.Errorf("%v draft plan tasks for %v families with a curator", got, curated)
		}
		// Approved plans: tasks in agencies' queues, each agency granted the
		// family, at every status, some overdue; an agency head sees its queue.
		tasked := count(t, db, `SELECT COUNT(DISTINCT family_id) FROM case_tasks WHERE family_id IS NOT NULL`)
		within(t, "families with approved plans", tasked/curated, 0.1, 0.3)
		if got := count(t, db, `SELECT COUNT(*) FROM case_tasks t WHERE t.family_id IS NOT NULL AND NOT EXISTS (SELECT 1
			FROM subject_grants g WHERE g.subject_type = 'family' AND g.subject_id = t.family_id
			AND g.organisation_id = t.responsible_org_id)`); got != 0 {
			t.Errorf("%v family tasks in the queue of an agency without the family's grant", got)
		}
		for _, status := range []string{"planned", "accepted", "in_progress", "done", "returned"} {
			if got := count(t, db, `SELECT COUNT(*) FROM case_tasks WHERE family_id IS NOT NULL AND status = $1`, status); got == 0 {
				t.Errorf("no family task is %s", status)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM case_tasks WHERE family_id IS NOT NULL AND due_on < $1
			AND status IN ('planned', 'accepted', 'in_progress')`, st.Today()); got == 0 {
			t.Error("no family task is overdue")
		}
		// The resource map: every municipality's providers, kindergartens with their places.
		if got := count(t, db, `SELECT COUNT(*) FROM resource_services`); got != towns*ResourcesPerMunicipality {
			t.Errorf("%v services on the resource map, want %v", got, towns*ResourcesPerMunicipality)
		}
		if got := count(t, db, `SELECT COUNT(DISTINCT l.territory_id) FROM resource_services s
			JOIN resource_service_at_location sal ON sal.service_id = s.id JOIN resource_locations l ON l.id = sal.location_id
			JOIN resource_attributes a ON a.link_entity = 'service' AND a.link_id = s.id
			JOIN resource_taxonomy_terms tt ON tt.id = a.taxonomy_term_id
			WHERE tt.code = 'kindergarten' AND s.free_places IS NOT NULL`); got != towns {
			t.Errorf("kindergartens with free places in %v municipalities, want %v", got, towns)
		}
		if b := brokenReferences(t, st, db); len(b) > 0 {
			t.Errorf("references to nothing: %v", b)
		}
		if drift, err := st.DerivedDrift(ctx); err != nil || len(drift) > 0 {
			t.Errorf("derived drift %v: %v", err, drift)
		}
		if drift, err := st.FamilyKeyDrift(ctx); err != nil || len(drift) > 0 {
			t.Errorf("family keys differ from the store's: %v (%v)", drift, err)
		}

		// Every family is reached by a secretary of its commission, and its
		// completed assessments score as the store scores them.
		kdn := rowsInt(t, db, `SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
			WHERE r.key = 'kdn_secretary' AND u.id IN (SELECT MIN(u2.id) FROM users u2 GROUP BY u2.organisation_id)
			ORDER BY u.id`)
		if len(kdn) != 0 {
			t.Fatalf("a secretary is the first user of an organisation: %v", kdn)
		}
		reached := 0
		for _, org := range rowsInt(t, db, `SELECT id FROM organisations WHERE type = 'kdn' ORDER BY id`) {
			sec := rowsInt(t, db, `SELECT MIN(u.id) FROM users u JOIN user_roles ur ON ur.user_id = u.id
				JOIN roles r ON r.id = ur.role_id WHERE r.key = 'kdn_secretary' AND u.organisation_id = $1`, org)
			a, err := st.Actor(ctx, sec[0])
			if err != nil {
				t.Fatal(err)
			}
			actx := opora.WithActor(ctx, a)
			for _, id := range rowsInt(t, db, `SELECT id FROM families WHERE organisation_id = $1 ORDER BY id`, org) {
				f, err := st.Family(actx, id)
				if err != nil {
					t.Fatalf("family %d: %v", id, err)
				}
				if len(f.Members) == 0 || f.Name == "" {
					t.Fatalf("family %d has no members", id)
				}
				reached++
			}
			found, err := st.SearchFamilies(actx, store.FamilySearch{Query: "ул"})
			if err != nil || len(found) == 0 {
				t.Fatalf("search by address: %d, %v", len(found), err)
			}
		}
		if reached != n {
			t.Errorf("secretaries reached %d of %d families", reached, n)
		}
		curator := rowsInt(t, db, `SELECT curator_id FROM families WHERE id IN (SELECT MIN(family_id) FROM family_assessments
			WHERE status = 'completed')`)
		a, err := st.Actor(ctx, curator[0])
		if err != nil {
			t.Fatal(err)
		}
		fid := rowsInt(t, db, `SELECT MIN(family_id) FROM family_assessments WHERE status = 'completed'`)[0]
		xs, err := st.FamilyAssessments(opora.WithActor(ctx, a), fid)
		if err != nil || len(xs) == 0 {
			t.Fatalf("curator's assessments: %d, %v", len(xs), err)
		}
		for _, x := range xs {
			if !x.Completed() {
				continue
			}
			if x, err = st.FamilyAssessment(opora.WithActor(ctx, a), fid, x.ID); err != nil {
				t.Fatal(err)
			}
			scores, total := x.Def.Score(x.Answers)
			if total != x.Total || x.Def.Level(total) != x.Level || len(scores) != len(x.Scores) {
				t.Errorf("assessment %d: stored %d %q, scored %d %q", x.ID, x.Total, x.Level, total, x.Def.Level(total))
			}
		}
	})
}
