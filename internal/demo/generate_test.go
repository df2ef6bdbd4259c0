package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func count(t *testing.T, db *sql.DB, q string, args ...any) float64 {
	t.Helper()
	var n float64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func indexNames(t *testing.T, st *store.Store, db *sql.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name`
	if st.Dialect() == store.Postgres {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func rowsInt(t *testing.T, db *sql.DB, q string, args ...any) []int64 {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// brokenReferences lists the foreign keys with rows that point nowhere.
func brokenReferences(t *testing.T, st *store.Store, db *sql.DB) []string {
	t.Helper()
	var broken []string
	if st.Dialect() == store.SQLite {
		rows, err := db.Query(`PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var table, parent string
			var rowid, fk sql.NullInt64
			if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
				t.Fatal(err)
			}
			broken = append(broken, table+" → "+parent)
		}
		return broken
	}
	rows, err := db.Query(`SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace AND cardinality(c.conkey) = 1`)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct{ table, col, parent, pcol string }
	var fks []fk
	for rows.Next() {
		var f fk
		if err := rows.Scan(&f.table, &f.col, &f.parent, &f.pcol); err != nil {
			t.Fatal(err)
		}
		fks = append(fks, f)
	}
	rows.Close()
	if len(fks) < 20 {
		t.Fatalf("only %d foreign keys found", len(fks))
	}
	for _, f := range fks {
		n := count(t, db, `SELECT COUNT(*) FROM `+f.table+` x WHERE x.`+f.col+` IS NOT NULL AND NOT EXISTS
			(SELECT 1 FROM `+f.parent+` p WHERE p.`+f.pcol+` = x.`+f.col+`)`)
		if n > 0 {
			broken = append(broken, fmt.Sprintf("%s.%s → %s: %v", f.table, f.col, f.parent, n))
		}
	}
	return broken
}

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.3f, want between %.3f and %.3f", what, got, lo, hi)
	}
}

// The generator's promise, checked by queries a regional analyst could run.
func TestGeneratorProducesThePromisedProportions(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		db := storetest.RawDB(t, st)
		fresh := indexNames(t, st, db)
		const n = 3000
		var seen []int
		logins, err := Generate(ctx, st, Options{Clients: n, Seed: 3}, func(done, _ int) { seen = append(seen, done) })
		if err != nil {
			t.Fatal(err)
		}
		if len(logins) != 12 || !slices.Equal(seen, []int{2000, 3000}) {
			t.Fatalf("logins %d, progress %v", len(logins), seen)
		}
		clients := count(t, db, `SELECT COUNT(*) FROM clients`)
		if clients != n {
			t.Fatalf("%v clients", clients)
		}
		within(t, "services per client", count(t, db, `SELECT COUNT(*) FROM services`)/n, 17, 23)
		within(t, "services older than five years", count(t, db, `SELECT COUNT(*) FROM services WHERE rendered_on < $1`,
			run(t, st).StartedAt.AddDate(-5, 0, -1)), 0, 0)
		within(t, "share of clients with a case", count(t, db, `SELECT COUNT(DISTINCT client_id) FROM cases`)/n, 0.16, 0.24)
		within(t, "tasks per case", count(t, db, `SELECT COUNT(*) FROM case_tasks`)/count(t, db, `SELECT COUNT(*) FROM cases`), 4.5, 5.5)
		within(t, "closed cases without an outcome", count(t, db, `SELECT COUNT(*) FROM cases WHERE status = 'closed' AND outcome = ''`), 0, 0)
		// Full questionnaires: every client answered the unconditional fields,
		// and a conditional field only where its condition holds.
		within(t, "clients with a homelessness reason", count(t, db, `SELECT COUNT(DISTINCT a.client_id) FROM answers a
			JOIN form_fields f ON f.id = a.field_id WHERE f.key = 'homeless_reason'`), n, n)
		within(t, "clients with an education answer", count(t, db, `SELECT COUNT(DISTINCT a.client_id) FROM answers a
			JOIN form_fields f ON f.id = a.field_id WHERE f.key = 'education'`), n, n)
		within(t, "answers per client", count(t, db, `SELECT COUNT(*) FROM answers`)/n, 15, 30)
		within(t, "awareness answered although there is no dependency", count(t, db, `SELECT COUNT(*) FROM answers aw
			JOIN form_fields fa ON fa.id = aw.field_id AND fa.key = 'dependency_awareness'
			JOIN answers d ON d.client_id = aw.client_id JOIN form_fields fd ON fd.id = d.field_id AND fd.key = 'dependency'
			JOIN field_options o ON o.id = d.option_id AND o.label = 'Нет'`), 0, 0)
		// Near-duplicates: the same person (name, patronymic, birth) under a misspelt surname.
		within(t, "share of near-duplicate persons", count(t, db, `SELECT COUNT(*) FROM clients a JOIN clients b
			ON a.first_name = b.first_name AND a.patronymic = b.patronymic AND a.birth_place = b.birth_place
			AND a.birth_precision = b.birth_precision AND COALESCE(a.birth_date, '1900-01-01') = COALESCE(b.birth_date, '1900-01-01')
			AND COALESCE(a.birth_year, 0) = COALESCE(b.birth_year, 0) AND a.surname <> b.surname AND a.id < b.id`)/n, 0.01, 0.035)
		within(t, "share of check-in regulars", count(t, db, `SELECT COUNT(*) FROM checkin_persons WHERE client_id IS NOT NULL`)/n, 0.12, 0.18)
		within(t, "visits per regular", count(t, db, `SELECT COUNT(*) FROM checkin_visits WHERE item_id = 0`)/
			count(t, db, `SELECT COUNT(*) FROM checkin_persons`), 3, 15)
		within(t, "services missing from the report counts", count(t, db, `SELECT COUNT(*) FROM services`)-
			count(t, db, `SELECT COALESCE(SUM(services), 0) FROM service_counts`), 0, 0)
		for _, by := range []string{"day, type_id", "branch_id, type_id"} {
			diff := `SELECT ` + by + `, SUM(services) FROM service_counts GROUP BY ` + by + ` EXCEPT SELECT ` + by +
				`, SUM(services) FROM service_type_counts GROUP BY ` + by
			within(t, "service counts by "+by+" the two tables disagree on", count(t, db, `SELECT COUNT(*) FROM (`+diff+`) d`), 0, 0)
		}
		// Every service, case and visit is on its client's timeline.
		within(t, "services missing from the timeline", count(t, db, `SELECT COUNT(*) FROM services s WHERE NOT EXISTS
			(SELECT 1 FROM client_events e WHERE e.entity = 'service' AND e.entity_id = s.id AND e.client_id = s.client_id)`), 0, 0)
		within(t, "visits missing from the timeline", count(t, db, `SELECT COUNT(*) FROM checkin_visits v WHERE NOT EXISTS
			(SELECT 1 FROM client_events e WHERE e.entity = 'checkin_visit' AND e.entity_id = v.id AND e.client_id = v.client_id)`), 0, 0)
		// The load skips the row-by-row foreign key checks: every reference
		// it wrote must point at a row.
		if broken := brokenReferences(t, st, db); len(broken) > 0 {
			t.Errorf("references to missing rows: %v", broken)
		}
		if got := indexNames(t, st, db); !slices.Equal(got, fresh) {
			t.Errorf("indexes after generating differ from a fresh database:\n%v\n%v", got, fresh)
		}
		if r := run(t, st); !r.Finished() || r.Done != n {
			t.Errorf("run %+v", r)
		}

		// "Clients who received services" (the dashboard, the builder) is
		// answered from active_client_months: it gives the distinct clients
		// counted from the services, for whole months and cut ones, within
		// a year and across years, for all branches, one, two and by branch.
		acand, err := st.UserForLogin(ctx, "volkov")
		if err != nil {
			t.Fatal(err)
		}
		actx := storetest.CtxOf(t, st, acand.User.ID)
		started := opora.Day(run(t, st).StartedAt)
		branches := rowsInt(t, db, `SELECT DISTINCT branch_id FROM services ORDER BY 1`)
		if len(branches) < 2 {
			t.Fatalf("services in %d branches", len(branches))
		}
		periods := [][2]time.Time{
			{started.AddDate(-1, 0, 1), started}, // the dashboard's default
			{time.Date(started.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(started.Year()-1, 12, 31, 0, 0, 0, 0, time.UTC)},
			{time.Date(started.Year()-2, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(started.Year()-2, 3, 15, 0, 0, 0, 0, time.UTC)},
			{time.Date(started.Year()-3, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(started.Year()-2, 2, 10, 0, 0, 0, 0, time.UTC)},
			{started.AddDate(-5, 0, 0), started}, // several windows
		}
		for _, p := range periods {
			for _, bs := range [][]int64{nil, branches[:1], branches[:2]} {
				q := &opora.ReportQuery{Subject: opora.SubjectServices, Measure: opora.MeasureDistinctClients,
					From: opora.DateOf(p[0]), To: opora.DateOf(p[1]), BranchIDs: bs}
				res, err := st.RunReport(actx, q)
				if err != nil {
					t.Fatal(err)
				}
				in := "0"
				for _, b := range branches {
					if len(bs) == 0 || slices.Contains(bs, b) {
						in += "," + strconv.FormatInt(b, 10)
					}
				}
				want := count(t, db, `SELECT COUNT(DISTINCT client_id) FROM services WHERE deleted_at IS NULL
					AND rendered_on >= $1 AND rendered_on <= $2 AND branch_id IN (`+in+`)`, p[0], p[1])
				if res.Total != want || want == 0 {
					t.Errorf("clients who received services %v–%v in branches %v: %v, counted %v", p[0], p[1], bs, res.Total, want)
				}
				q.GroupBy = []opora.Dimension{opora.DimBranch}
				if res, err = st.RunReport(actx, q); err != nil {
					t.Fatal(err)
				}
				for _, r := range res.Rows {
					want := count(t, db, `SELECT COUNT(DISTINCT client_id) FROM services WHERE deleted_at IS NULL
						AND rendered_on >= $1 AND rendered_on <= $2 AND branch_id = `+r.Keys[0], p[0], p[1])
					if r.Value != want {
						t.Errorf("clients who received services %v–%v in branch %s: %v, counted %v", p[0], p[1], r.Keys[0], r.Value, want)
					}
				}
			}
		}

		// New clients, as the dashboard and the builder count them, read the
		// counts the batches kept (whole months) and the clients (cut
		// months); counting the clients alone (branch scope over every
		// branch) gives the same. After the counts are emptied, Migrate
		// fills them again to the same numbers.
		var reason int64
		if err := db.QueryRow(`SELECT id FROM form_fields WHERE key = 'homeless_reason'`).Scan(&reason); err != nil {
			t.Fatal(err)
		}
		rawActor := *storetest.ActorOf(t, st, acand.User.ID)
		rawActor.Perms = maps.Clone(rawActor.Perms)
		rawActor.Perms[opora.PermReportRun], rawActor.BranchIDs = opora.ScopeBranch, branches
		rawCtx := opora.WithActor(ctx, &rawActor)
		// sameAsRaw runs a report both ways for every period and grouping.
		sameAsRaw := func(label string, subject opora.ReportSubject, measure opora.Measure, groupings ...[]opora.Dimension) {
			t.Helper()
			for _, p := range periods {
				for _, dims := range groupings {
					q := &opora.ReportQuery{Subject: subject, Measure: measure, From: opora.DateOf(p[0]), To: opora.DateOf(p[1]), GroupBy: dims}
					got, err := st.RunReport(actx, q)
					if err != nil {
						t.Fatal(err)
					}
					want, err := st.RunReport(rawCtx, q)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got.Rows, want.Rows) || got.Total != want.Total {
						t.Errorf("%s: %s %v–%v by %v: %v (total %v), counted from the rows %v (total %v)", label, subject,
							p[0], p[1], dims, got.Rows, got.Total, want.Rows, want.Total)
					}
				}
			}
		}
		newClients := func(label string) {
			t.Helper()
			sameAsRaw(label, opora.SubjectClients, opora.MeasureCount, []opora.Dimension{opora.DimMonth, opora.DimGender,
				opora.DimAgeBand}, []opora.Dimension{opora.FieldDimension(reason)},
				[]opora.Dimension{opora.DimBranch, opora.DimHomeless})
		}
		// Clients who received services by client attributes over long
		// periods come from client_service_ranges, which the batches wrote.
		sameAsRaw("kept by the batches", opora.SubjectServices, opora.MeasureDistinctClients,
			[]opora.Dimension{opora.DimBranch, opora.DimGender}, []opora.Dimension{opora.DimAgeBand})
		newClients("kept by the batches")
		for _, table := range []string{"client_counts", "client_day_counts", "client_answer_counts"} {
			if _, err := db.Exec(`DELETE FROM ` + table); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		newClients("filled at Migrate")

		// The load's count deltas, written at its end, equal a count of
		// the rows.
		if d := countsDiffer(t, db); len(d) > 0 {
			t.Errorf("the count tables %v differ from their sources", d)
		}

		// The generated people are found the way a worker looks for them.
		cand, err := st.UserForLogin(ctx, "ivanova")
		if err != nil {
			t.Fatal(err)
		}
		wctx := storetest.CtxOf(t, st, cand.User.ID)
		var sur, first string
		if err := db.QueryRow(`SELECT surname, first_name FROM clients ORDER BY id DESC LIMIT 1`).Scan(&sur, &first); err != nil {
			t.Fatal(err)
		}
		res, err := st.SearchClients(wctx, store.SearchFilter{Query: typo(rand.New(rand.NewPCG(1, 1)), sur) + " " + first})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Clients) == 0 {
			t.Errorf("search for %q with a typo found nobody", sur)
		}
	})
}

// countsDiffer names the count tables whose rows differ from a count of
// their sources (services, visits, live clients and their answers).
func countsDiffer(t *testing.T, db *sql.DB) []string {
	t.Helper()
	live := `SELECT id, created_at, branch_id FROM clients WHERE deleted_at IS NULL AND merged_into IS NULL`
	pairs := []struct{ table, kept, counted string }{
		{"service_counts", `SELECT organisation_id, day, branch_id, type_id, worker_id, services, amount_kopecks
			FROM service_counts WHERE services <> 0`,
			`SELECT organisation_id, rendered_on, branch_id, type_id, worker_id, COUNT(*), COALESCE(SUM(amount_kopecks), 0)
			FROM services WHERE deleted_at IS NULL GROUP BY organisation_id, rendered_on, branch_id, type_id, worker_id`},
		{"service_type_counts", `SELECT organisation_id, day, branch_id, type_id, services, amount_kopecks
			FROM service_type_counts WHERE services <> 0`,
			`SELECT organisation_id, rendered_on, branch_id, type_id, COUNT(*), COALESCE(SUM(amount_kopecks), 0)
			FROM services WHERE deleted_at IS NULL GROUP BY organisation_id, rendered_on, branch_id, type_id`},
		{"visit_counts", `SELECT organisation_id, day, point_id, item_id, branch_id, created_by, visits FROM visit_counts WHERE visits <> 0`,
			`SELECT organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0), COUNT(*)
			FROM checkin_visits GROUP BY organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0)`},
		{"client_counts", `SELECT SUM(clients) FROM client_counts`, `SELECT COUNT(*) FROM (` + live + `) c`},
		{"client_day_counts", `SELECT SUM(clients) FROM client_day_counts`, `SELECT COUNT(*) FROM (` + live + `) c`},
		{"client_answer_counts", `SELECT field_id, option_id, SUM(clients) FROM client_answer_counts WHERE option_id <> 0
			GROUP BY field_id, option_id HAVING SUM(clients) <> 0`,
			`SELECT a.field_id, a.option_id, COUNT(DISTINCT a.client_id) FROM answers a JOIN (` + live + `) c ON c.id = a.client_id
			WHERE a.filling_id IS NULL AND a.option_id IS NOT NULL GROUP BY a.field_id, a.option_id`},
	}
	var differ []string
	for _, p := range pairs {
		if count(t, db, `SELECT COUNT(*) FROM (`+p.kept+` EXCEPT `+p.counted+`) d`)+
			count(t, db, `SELECT COUNT(*) FROM (`+p.counted+` EXCEPT `+p.kept+`) d`) != 0 {
			differ = append(differ, p.table)
		}
	}
	return differ
}

// scaleOf is the generator's state for run, as Generate makes it, and the
// organisation administrator's context.
func scaleOf(t *testing.T, st *store.Store, r *store.GeneratorRun) (context.Context, *scale) {
	t.Helper()
	actx, branches, workers, _, err := ensureStaff(context.Background(), st, r.OrganisationID, "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := newScale(actx, st, r, branches, workers)
	if err != nil {
		t.Fatal(err)
	}
	return actx, g
}

func run(t *testing.T, st *store.Store) *store.GeneratorRun {
	t.Helper()
	r, err := st.GeneratorRun(context.Background())
	if err != nil || r == nil {
		t.Fatalf("generator run: %v %v", r, err)
	}
	return r
}

// An interrupted run leaves whole batches only, and the same command goes
// on to exactly the data an uninterrupted run makes.
func TestGeneratorResumesAfterAnInterruption(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.RawDB(t, st)
		ctx, cancel := context.WithCancel(context.Background())
		_, err := Generate(ctx, st, Options{Clients: 5000, Seed: 9}, func(done, _ int) {
			if done == 2000 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		r := run(t, st)
		if r.Finished() || r.Done != 2000 || count(t, db, `SELECT COUNT(*) FROM clients`) != 2000 {
			t.Fatalf("after the interruption: run %+v, %v clients", r, count(t, db, `SELECT COUNT(*) FROM clients`))
		}
		// The run kept its count deltas in memory: the tables lack the
		// committed batch, and say so; Migrate (a server starting on this
		// database) recounts them.
		if d := countsDiffer(t, db); len(d) != 6 || count(t, db, `SELECT COUNT(*) FROM generator_runs WHERE counts_stale`) != 1 {
			t.Fatalf("after the interruption the count tables %v differ from their sources (want all six), stale flag %v", d,
				count(t, db, `SELECT COUNT(*) FROM generator_runs WHERE counts_stale`))
		}
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := countsDiffer(t, db); len(d) > 0 || count(t, db, `SELECT COUNT(*) FROM generator_runs WHERE counts_stale`) != 0 {
			t.Fatalf("after Migrate the count tables %v differ from their sources", d)
		}
		// Stopped again, and this time resumed without a Migrate between:
		// the next run recounts first.
		ctx, cancel = context.WithCancel(context.Background())
		if _, err := Generate(ctx, st, Options{Clients: 5000, Seed: 9}, func(done, _ int) {
			if done == 4000 {
				cancel()
			}
		}); !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		if d := countsDiffer(t, db); len(d) == 0 {
			t.Fatal("the second interruption left the count tables whole: the batches wrote them")
		}
		if _, err := Generate(context.Background(), st, Options{Clients: 5000, Seed: 9}, nil); err != nil {
			t.Fatal(err)
		}
		if r := run(t, st); !r.Finished() || r.Done != 5000 {
			t.Fatalf("resumed run %+v", r)
		}
		if d := countsDiffer(t, db); len(d) > 0 || count(t, db, `SELECT COUNT(*) FROM generator_runs WHERE counts_stale`) != 0 {
			t.Errorf("after the resumed run the count tables %v differ from their sources", d)
		}
		// The batches, made again in memory from the same seed, are exactly
		// what the database holds: nothing lost, nothing written twice.
		_, g := scaleOf(t, st, r)
		var services, visits int
		for from := 0; from < 5000; from += BatchClients {
			b := g.batch(from, min(BatchClients, 5000-from))
			services += len(b.Services)
			visits += len(b.Visits)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM services`); got != float64(services) {
			t.Errorf("%v services in the database, %d made", got, services)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM checkin_visits`); got != float64(visits) {
			t.Errorf("%v visits in the database, %d made", got, visits)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM (SELECT surname, first_name, patronymic, birth_date, birth_year, birth_place
			FROM clients GROUP BY surname, first_name, patronymic, birth_date, birth_year, birth_place HAVING COUNT(*) > 1) d`); got > 5 {
			t.Errorf("%v people written twice", got)
		}
		// Asking for more extends the same run.
		if _, err := Generate(context.Background(), st, Options{Clients: 6000, Seed: 1}, nil); err != nil {
			t.Fatal(err)
		}
		if r := run(t, st); r.Done != 6000 || r.Seed != 9 || count(t, db, `SELECT COUNT(*) FROM clients`) != 6000 {
			t.Errorf("extended run %+v", r)
		}
	})
}

func TestGeneratorRefusesADatabaseWithOtherData(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		storetest.SetupOrg(t, st, "Другая организация")
		if _, err := Generate(context.Background(), st, Options{Clients: 2000}, nil); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("got %v, want ErrNotEmpty", err)
		}
		var n int
		if err := storetest.RawDB(t, st).QueryRow(`SELECT COUNT(*) FROM clients`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d clients, %v", n, err)
		}
	})
}

// A batch that fails leaves nothing behind: neither its rows nor, in the
// load's collected counts, its deltas; the counts written at the end still
// equal the rows.
func TestFailedBatchLeavesTheCountsTrue(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.RawDB(t, st)
		if _, err := Generate(context.Background(), st, Options{Clients: 2000, Seed: 3}, nil); err != nil {
			t.Fatal(err)
		}
		r := run(t, st)
		actx, g := scaleOf(t, st, r)
		counts, err := st.BulkCounts(actx)
		if err != nil {
			t.Fatal(err)
		}
		services := count(t, db, `SELECT COUNT(*) FROM services`)
		b := g.batch(2000, BatchClients)
		b.Counts = counts
		b.Services[len(b.Services)-1].RenderedOn = opora.DateOf(time.Time{}) // a service without a day: refused by the database
		if err := st.BulkLoad(actx, b); err == nil {
			t.Fatal("a batch with a service without a day was written")
		}
		if err := st.FinishBulk(actx, counts, nil); err != nil {
			t.Fatal(err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM services`); got != services {
			t.Errorf("the failed batch left %v services", got-services)
		}
		if d := countsDiffer(t, db); len(d) > 0 || count(t, db, `SELECT COUNT(*) FROM generator_runs WHERE counts_stale`) != 0 {
			t.Errorf("after a failed batch the count tables %v differ from their sources", d)
		}
	})
}
