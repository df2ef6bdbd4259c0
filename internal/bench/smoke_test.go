package bench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/bench"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBenchSmoke generates a small database, serves it and runs the bench
// in smoke mode: every scenario answers without an error at each level and
// the report names them all. Timings are never asserted.
func TestBenchSmoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		storetest.ReplayedAudit(st) // the raw-SQL floor replays recorded audit appends, hashes and all
		ctx := context.Background()
		start := time.Now()
		if _, err := demo.Generate(ctx, st, demo.Options{Clients: 1500, Seed: 3}, nil); err != nil {
			t.Fatalf("generate: %v", err)
		}
		t.Logf("generated 1,500 clients in %s", time.Since(start).Round(time.Millisecond))
		url := serve(t, st)
		var progress bytes.Buffer
		rep, err := bench.Run(ctx, bench.Options{URL: url, Store: storetest.Options(t, st), Login: "admin",
			Password: demo.Password, Smoke: true, ServerPID: os.Getpid(), Seed: 42, Progress: &progress})
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, progress.String())
		}
		var text, md bytes.Buffer
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		t.Logf("smoke report:\n%s", text.String())
		seen := map[string]bool{}
		for _, r := range rep.Results {
			seen[r.Scenario] = true
			if r.Requests == 0 {
				t.Errorf("%s at concurrency %d sent no requests", r.Scenario, r.Concurrency)
			}
			if r.Errors != 0 {
				t.Errorf("%s at concurrency %d: %d errors, first: %s", r.Scenario, r.Concurrency, r.Errors, r.FirstError)
			}
			if r.RSS <= 0 {
				t.Errorf("%s at concurrency %d: no memory reading of the server process", r.Scenario, r.Concurrency)
			}
		}
		for _, f := range rep.Floors {
			if f.Err != "" || f.Runs == 0 {
				t.Errorf("floor of %s: %d runs, error %q", f.Scenario, f.Runs, f.Err)
			}
			// On PostgreSQL the page and the service record are also
			// replayed from several connections at once.
			atOnce := st.Dialect() == store.Postgres && (f.Scenario == bench.ScenarioProfile || f.Scenario == bench.ScenarioService)
			if atOnce != (f.Rate > 0 && f.RateConc == 2) {
				t.Errorf("floor of %s on %s: %.1f a second at concurrency %d", f.Scenario, st.Dialect(), f.Rate, f.RateConc)
			}
		}
		for _, name := range bench.ScenarioNames() {
			if !seen[name] {
				t.Errorf("scenario %q did not run", name)
			}
			if !strings.Contains(text.String(), name) || !strings.Contains(md.String(), name) {
				t.Errorf("the report does not name %q", name)
			}
		}
		if rep.ExportRows <= 0 {
			t.Errorf("the export's row count was not read: %d", rep.ExportRows)
		}
		if rep.Clients < 1500 || rep.Services == 0 {
			t.Errorf("report counts %d clients and %d services", rep.Clients, rep.Services)
		}
	})
}

// TestFamilyBenchSmoke generates a small region, serves it and runs the
// families' scenarios in smoke mode: each answers without an error and
// its floor replays.
func TestFamilyBenchSmoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		storetest.ReplayedAudit(st) // the raw-SQL floor replays recorded audit appends, hashes and all
		ctx := context.Background()
		if _, err := demo.GenerateFamilies(ctx, st, demo.FamilyOptions{Families: 400, Seed: 3}, nil); err != nil {
			t.Fatalf("generate: %v", err)
		}
		url := serve(t, st)
		var progress bytes.Buffer
		rep, err := bench.RunFamilies(ctx, bench.Options{URL: url, Store: storetest.Options(t, st), Password: demo.Password,
			Smoke: true, ServerPID: os.Getpid(), Seed: 42, Progress: &progress})
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, progress.String())
		}
		var text bytes.Buffer
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		t.Logf("smoke report:\n%s", text.String())
		seen := map[string]bool{}
		for _, r := range rep.Results {
			seen[r.Scenario] = true
			if r.Requests == 0 || r.Errors != 0 {
				t.Errorf("%s at concurrency %d: %d requests, %d errors, first: %s", r.Scenario, r.Concurrency, r.Requests,
					r.Errors, r.FirstError)
			}
		}
		for _, f := range rep.Floors {
			if f.Err != "" || f.Runs == 0 {
				t.Errorf("floor of %s: %d runs, error %q", f.Scenario, f.Runs, f.Err)
			}
		}
		for _, name := range []string{bench.ScenarioFamilySurname, bench.ScenarioFamilyAddress, bench.ScenarioFamilySchool,
			bench.ScenarioFamilyCard, bench.ScenarioSignal} {
			if !seen[name] || !strings.Contains(text.String(), name) {
				t.Errorf("scenario %q did not run or is not in the report", name)
			}
		}
		if rep.Families != 400 || rep.CommissionFamilies != 400 {
			t.Errorf("report counts %d families, %d of the commission", rep.Families, rep.CommissionFamilies)
		}
	})
}

// TestRegionBenchSmoke generates a small region, serves it and runs the
// region's scenarios in smoke mode, logged in as its secretaries,
// curators, agency heads, specialists and administrator: every scenario
// answers at each level without an error, each page with its heading (a
// request whose page lacks it counts as an error), and the council the
// agenda needs is created when the region has none.
func TestRegionBenchSmoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		storetest.ReplayedAudit(st) // the raw-SQL floor replays recorded audit appends, hashes and all
		ctx := context.Background()
		if _, err := demo.GenerateFamilies(ctx, st, demo.FamilyOptions{Families: 200, Municipalities: 1, Seed: 3}, nil); err != nil {
			t.Fatalf("generate: %v", err)
		}
		db := storetest.RawDB(t, st)
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const accepted = `SELECT COUNT(*) FROM case_tasks WHERE status = 'accepted'`
		acceptedBefore := count(accepted)
		url := serve(t, st)
		var progress bytes.Buffer
		rep, err := bench.RunRegion(ctx, bench.Options{URL: url, Store: storetest.Options(t, st), Password: demo.Password,
			Smoke: true, ServerPID: os.Getpid(), Seed: 42, Progress: &progress})
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, progress.String())
		}
		var text, md bytes.Buffer
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		t.Logf("smoke report:\n%s", text.String())
		seen := map[string]int{}
		for _, r := range rep.Results {
			seen[r.Scenario]++
			if r.Requests == 0 || r.Errors != 0 {
				t.Errorf("%s at concurrency %d: %d requests, %d errors, first: %s", r.Scenario, r.Concurrency, r.Requests,
					r.Errors, r.FirstError)
			}
		}
		for _, name := range []string{bench.ScenarioBoard, bench.ScenarioCurator, bench.ScenarioAgenda, bench.ScenarioMonitoring,
			bench.ScenarioMix} {
			if seen[name] != 2 || !strings.Contains(text.String(), name) || !strings.Contains(md.String(), name) {
				t.Errorf("scenario %q ran at %d levels or is not in the report", name, seen[name])
			}
		}
		if !strings.Contains(text.String(), "КДН secretaries") || rep.Families != 200 {
			t.Errorf("the report does not say who logged in, or counts %d families:\n%s", rep.Families, text.String())
		}
		// The mix's writes reached the database: every virtual user of the
		// smoke run writes once.
		if n := count(`SELECT COUNT(*) FROM signals WHERE description = $1`, "Дети одни дома вечером (bench)."); n == 0 {
			t.Error("the mix's secretaries registered no signal")
		}
		if n := count(`SELECT COUNT(*) FROM task_comments WHERE body = $1`, "Созвонились с семьёй (bench)."); n == 0 {
			t.Error("the mix's curators added no note")
		}
		if n := count(`SELECT COUNT(*) FROM case_tasks WHERE status = 'done' AND report = $1`, "Выполнено (bench)."); n == 0 {
			t.Error("the mix's specialists marked no task done")
		}
		if n := count(accepted); n <= acceptedBefore {
			t.Errorf("the mix's heads accepted no task: %d accepted before, %d after", acceptedBefore, n)
		}
		admin, err := st.UserForLogin(ctx, "m01-kdn-1")
		if err != nil {
			t.Fatal(err)
		}
		a, err := st.Actor(ctx, admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		councils, err := st.Councils(opora.WithActor(ctx, a))
		if err != nil || len(councils) != 1 {
			t.Errorf("the commission has %d councils after the bench (%v), want the one it created", len(councils), err)
		}
	})
}

// TestDayBenchSmoke generates a small organisation, serves it and runs a
// day in smoke mode with six workers (four specialists, a duty volunteer
// and a supervisor): every action of
// the day answers without an error, the writes reach the database, the
// day's users are made once and found again by the next run, and the
// server's memory is sampled.
func TestDayBenchSmoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := demo.Generate(ctx, st, demo.Options{Clients: 1500, Seed: 3}, nil); err != nil {
			t.Fatalf("generate: %v", err)
		}
		db := storetest.RawDB(t, st)
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		url := serve(t, st)
		o := bench.Options{URL: url, Store: storetest.Options(t, st), Password: demo.Password, Smoke: true, Workers: 6,
			ServerPID: os.Getpid(), MemoryEvery: 10 * time.Millisecond, Seed: 42}
		for run := 1; run <= 2; run++ {
			var progress bytes.Buffer
			o.Progress = &progress
			rep, err := bench.RunDay(ctx, o)
			if err != nil {
				t.Fatalf("day, run %d: %v\n%s", run, err, progress.String())
			}
			var text, md, csv bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteMemoryCSV(&csv); err != nil {
				t.Fatal(err)
			}
			t.Logf("run %d:\n%s", run, text.String())
			seen := map[string]bool{}
			for _, a := range rep.Actions {
				seen[a.Action] = true
				if a.Count == 0 || a.Errors != 0 {
					t.Errorf("run %d, %s: %d done, %d errors", run, a.Action, a.Count, a.Errors)
				}
			}
			for _, f := range rep.Failures {
				t.Errorf("run %d: %s failed with %d (%s) %d times", run, f.Action, f.Status, f.Reason, f.Count)
			}
			for _, name := range bench.DayActions() {
				if !seen[name] || !strings.Contains(text.String(), name) || !strings.Contains(md.String(), name) {
					t.Errorf("run %d: action %q did not run or is not in the report", run, name)
				}
			}
			if rep.Errors() != 0 || len(rep.Memory) < 2 || !strings.HasPrefix(csv.String(), "seconds,rss_mib,threads,open_files\n") ||
				strings.Count(csv.String(), "\n") != len(rep.Memory)+1 {
				t.Errorf("run %d: %d errors, %d memory samples, csv:\n%s", run, rep.Errors(), len(rep.Memory), csv.String())
			}
			if !strings.Contains(text.String(), "6, each a user of their own (4 specialists, 1 duty volunteer, 1 supervisor)") {
				t.Errorf("run %d: the report does not say who worked:\n%s", run, text.String())
			}
		}
		// Six users made by the first run, found by the second.
		if n := count(`SELECT COUNT(*) FROM users WHERE login LIKE 'day-%'`); n != 6 {
			t.Errorf("%d day users, want 6", n)
		}
		// The writes reached the database: per run each of the four
		// specialists and the supervisor added a note, and moved a task.
		if n := count(`SELECT COUNT(*) FROM notes WHERE body LIKE '%(bench).'`); n != 10 {
			t.Errorf("%d notes of the day, want 10", n)
		}
		// Each worker's first task went on a step in each run (planned to
		// in progress to done, or in progress to done and the next one on),
		// so each of the five marked one done: the tasks handed to them have
		// started (a task cannot be done before its start date).
		if n := count(`SELECT COUNT(*) FROM case_tasks t JOIN users u ON u.id = t.updated_by
			WHERE u.login LIKE 'day-%' AND t.status = 'done'`); n < 5 {
			t.Errorf("%d tasks done by the day's workers, want at least 5", n)
		}
		if n := count(`SELECT COUNT(*) FROM case_tasks t JOIN users u ON u.id = t.responsible_id
			WHERE u.login LIKE 'day-%' AND t.start_on > $1`, st.Today()); n != 0 {
			t.Errorf("%d tasks handed to the day's workers start after today", n)
		}
		if n := count(`SELECT COUNT(*) FROM checkin_visits v JOIN checkin_shifts s ON s.id = v.shift_id
			JOIN users u ON u.id = s.opened_by WHERE u.login LIKE 'day-%'`); n == 0 {
			t.Error("no check-in visit at the day's shifts")
		}
		if n := count(`SELECT COUNT(*) FROM checkin_shifts s JOIN users u ON u.id = s.opened_by
			WHERE u.login LIKE 'day-%' AND s.status <> 'closed'`); n != 0 {
			t.Errorf("%d of the day's shifts left open", n)
		}
	})
}
