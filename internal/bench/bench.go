// Package bench is the benchmark suite of cmd/opora-bench: run against a running
// Opora server over a database filled by the scale generator (`opora demo
// --clients N`). Every scenario goes through HTTP with logged-in sessions,
// exactly as a browser or the check-in page sends it, at several
// concurrency levels; each is compared with its raw-SQL floor, the main
// queries the server runs for it executed directly on the database (see
// floor.go). The report names the machine, the database and its size.
//
// The bench writes: it records services for random clients (dated today, by
// the login user), opens a check-in shift for today at a generated point,
// ticks random people there and closes the shift at the end. The floor of
// recording a service commits its services; the tick floor's writes are
// rolled back.
package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Options configure a bench run.
type Options struct {
	// URL is the running server, e.g. http://127.0.0.1:8080.
	URL string
	// Store says where the server's database is (same syntax as serve).
	Store store.Options
	// Login and Password of the account the sessions log in with.
	Login, Password string
	// Concurrency levels: how many sessions send requests at once.
	Concurrency []int
	// Duration of each scenario at each level, and the floor's time budget.
	Duration time.Duration
	// Smoke is the short mode for CI: a few requests per scenario at
	// concurrency 1 and 2, a few floor runs.
	Smoke bool
	// ServerPID is the server's process, for its memory; 0 = look for a
	// process whose command line holds "opora" and "serve".
	ServerPID int
	// Scenarios are the short names of the scenarios to run (ScenarioKeys);
	// none = all.
	Scenarios []string
	// Seed makes the random choices repeatable; 0 = a new seed each run.
	Seed uint64
	// Progress receives a line per step (nil = none).
	Progress io.Writer
	// Workers, Think and MemoryEvery are the day's (day.go): how many
	// workers, their mean think time between actions, and how often the
	// server's memory is sampled. The day runs for Duration.
	Workers     int
	Think       time.Duration
	MemoryEvery time.Duration
}

// smokeRequests is how many requests each session sends per scenario and
// level in smoke mode, and smokeFloorRuns how often each floor runs.
const (
	smokeRequests  = 3
	smokeFloorRuns = 3
)

// NotGeneratedError is the refusal to run on a database the generator did
// not fill (or did not finish filling).
type NotGeneratedError struct{ msg string }

func (e *NotGeneratedError) Error() string { return e.msg }

// CheckGenerated refuses databases the scale generator did not fill
// completely: the numbers of a bench mean nothing on an arbitrary database.
func CheckGenerated(ctx context.Context, st *store.Store) (*store.GeneratorRun, error) {
	run, err := st.GeneratorRun(ctx)
	if err != nil && missingTable(err) {
		run, err = nil, nil // not an Opora database of this version: certainly not generated
	}
	if err != nil {
		return nil, fmt.Errorf("bench: cannot read the generator's progress (run `opora migrate` if the schema is old): %w", err)
	}
	if run == nil {
		return nil, &NotGeneratedError{"this database was not filled by the generator: run `opora demo --clients 1000000` first"}
	}
	if !run.Finished() {
		return nil, &NotGeneratedError{fmt.Sprintf("the generator run is unfinished (%d of %d clients): run the same demo command again to resume",
			run.Done, run.Target)}
	}
	return run, nil
}

// missingTable reports whether err says the generator's table does not
// exist (SQLite and PostgreSQL wordings).
func missingTable(err error) bool {
	m := err.Error()
	return strings.Contains(m, "generator_runs") && (strings.Contains(m, "no such table") || strings.Contains(m, "does not exist"))
}

// Run checks the database, runs every scenario at every level against the
// server and the floors against the database, and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Smoke {
		o.Concurrency = []int{1, 2}
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 10, 50}
	}
	for _, c := range o.Concurrency {
		if c <= 0 {
			return nil, errors.New("bench: concurrency levels must be positive")
		}
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	chosen, err := selectScenarios(o.Scenarios)
	if err != nil {
		return nil, err
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	if !o.Store.IsPostgres() {
		if _, err := os.Stat(o.Store.SQLitePath()); err != nil {
			return nil, fmt.Errorf("bench: no SQLite database at %s (give --data or --database-url of the server's database)", o.Store.SQLitePath())
		}
	}
	st, err := store.Open(ctx, o.Store)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	run, err := CheckGenerated(ctx, st)
	if err != nil {
		return nil, err
	}
	raw, err := openRaw(o.Store)
	if err != nil {
		return nil, err
	}
	defer raw.Close()

	rep := &Report{Date: time.Now(), Machine: machineInfo(), URL: o.URL, Smoke: o.Smoke, Duration: o.Duration,
		Concurrency: o.Concurrency, Seed: o.Seed, GeneratorTarget: run.Target}
	rep.Database, err = databaseKind(ctx, raw, st.Dialect(), o.Store)
	if err != nil {
		return nil, err
	}
	rep.ServerPID, rep.PIDSource = o.ServerPID, "--server-pid"
	if rep.ServerPID == 0 {
		rep.ServerPID, rep.PIDSource = findServerPID()
	}

	rnd := rand.New(rand.NewPCG(o.Seed, 7))
	fmt.Fprintf(o.Progress, "bench: reading the database…\n")
	d, err := discover(ctx, st, raw, run.OrganisationID, o.Login, o.Smoke, rnd)
	if err != nil {
		return nil, err
	}
	rep.Clients, rep.Services = d.clientCount, d.serviceCount

	maxSessions := 0
	for _, c := range o.Concurrency {
		maxSessions = max(maxSessions, c)
	}
	fmt.Fprintf(o.Progress, "bench: logging in %d session(s) at %s…\n", maxSessions, o.URL)
	hc := newHTTP(o.URL)
	sessions := make([]*session, maxSessions)
	for i := range sessions {
		if sessions[i], err = hc.login(ctx, o.Login, o.Password); err != nil {
			return nil, err
		}
	}
	if chosen[ScenarioTick] {
		if d.shiftID, err = sessions[0].openShift(ctx, d.point.ID, d.today); err != nil {
			return nil, err
		}
		defer func() {
			if err := sessions[0].closeShift(context.WithoutCancel(ctx), d.shiftID); err != nil {
				fmt.Fprintf(o.Progress, "bench: closing the check-in shift %d: %v\n", d.shiftID, err)
			}
		}()
	}

	fl := &floorDB{db: raw, dialect: st.Dialect(), gets: map[string]*tracedRequest{}}
	if fl.replica, err = openReplica(o.Store); err != nil {
		return nil, err
	}
	if fl.replica != nil {
		defer fl.replica.Close()
	}
	fmt.Fprintf(o.Progress, "bench: tracing the requests the floors replay…\n")
	p, err := newInProcess(ctx, st, o)
	if err != nil {
		return nil, err
	}
	for _, sc := range scenarios(d) {
		if chosen[sc.name] && sc.get != "" {
			if fl.gets[sc.name], err = traceFixed(ctx, p, sc.get, sc.form); err != nil {
				return nil, err
			}
		}
	}
	// The profile floor replays the pages of every sampled client, so
	// that it reads as many different clients' rows as the scenario
	// does (with only a tenth of them its rows stayed in SQLite's page
	// cache and read faster than the server's). Recording a service
	// leaves rows behind: a hundred will do.
	pages, records, searches := len(d.clients), 100, 100
	if o.Smoke {
		pages, records, searches = 5, 2, 3
	}
	if chosen[ScenarioSearch] {
		if fl.searches, err = traceSearches(ctx, p, d, rnd, searches); err != nil {
			return nil, err
		}
	}
	if chosen[ScenarioProfile] {
		if fl.pages, err = traceProfiles(ctx, p, d, pages); err != nil {
			return nil, err
		}
	}
	if chosen[ScenarioService] {
		if fl.records, err = traceRecords(ctx, p, d, records); err != nil {
			return nil, err
		}
	}
	for _, sc := range scenarios(d) {
		if !chosen[sc.name] {
			continue
		}
		for _, level := range o.Concurrency {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			res := runLoad(ctx, sc, sessions[:level], o, rep.ServerPID, rnd.Uint64())
			rep.Results = append(rep.Results, res)
			fmt.Fprintf(o.Progress, "bench: %-50s c=%-3d %6d requests, %d errors, p95 %s\n", sc.name, level,
				res.Requests, res.Errors, fmtDur(res.P95))
		}
		if sc.name == ScenarioTick {
			// Traced after the scenario's own ticks, so that none of them
			// takes the traced tick's person and item meanwhile.
			n := 20
			if o.Smoke {
				n = 2
			}
			if fl.ticks, err = traceTicks(ctx, p, d, rnd, n); err != nil {
				return nil, err
			}
		}
		f := runFloor(ctx, sc, fl, o, rnd.Uint64())
		if f.Err == "" && fl.dialect == store.Postgres && (sc.name == ScenarioProfile || sc.name == ScenarioService) {
			f.RateConc = slices.Max(o.Concurrency)
			if f.Rate, err = floorRate(ctx, sc, fl, o, f.RateConc, rnd.Uint64()); err != nil {
				f.Err = snippet([]byte(err.Error()))
			}
		}
		rep.Floors = append(rep.Floors, f)
		if f.Err != "" {
			fmt.Fprintf(o.Progress, "bench: floor of %s failed: %s\n", sc.name, f.Err)
		}
	}
	rep.Searches, rep.SearchesFound = d.searches.Load(), d.searchesFound.Load()
	if rep.ExportRows, err = d.exportRowCount(); err != nil {
		fmt.Fprintf(o.Progress, "bench: the exported file: %v\n", err)
	}
	rep.ExportGrouping = d.exportGrouping
	return rep, nil
}

// openRaw opens the bench's own database/sql connection to the server's
// database, with the store's settings (the same time format on SQLite, so
// parameters compare as the store's do; immediate write transactions).
func openRaw(o store.Options) (*sql.DB, error) {
	if o.IsPostgres() {
		cfg, err := pgx.ParseConfig(o.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("bench: open postgres: %w", err)
		}
		// As the server's connections (store.Open): no JIT compilation.
		if _, ok := cfg.RuntimeParams["jit"]; !ok {
			cfg.RuntimeParams["jit"] = "off"
		}
		db := stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(2)
		return db, nil
	}
	db, err := sql.Open("sqlite", "file:"+o.SQLitePath()+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"+
		"&_pragma=synchronous(NORMAL)&_time_format=sqlite&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("bench: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// openReplica opens the bench's connection to the read replica
// (store.Options.ReadDatabaseURL), nil without one: the floors replay the
// reads the server sent there on it.
func openReplica(o store.Options) (*sql.DB, error) {
	if o.ReadDatabaseURL == "" {
		return nil, nil
	}
	if !o.IsPostgres() {
		return nil, errors.New("bench: --database-read-url needs PostgreSQL (a streaming replica of --database-url)")
	}
	return openRaw(store.Options{DatabaseURL: o.ReadDatabaseURL})
}

// databaseKind names the engine and its version.
func databaseKind(ctx context.Context, db *sql.DB, d store.Dialect, o store.Options) (string, error) {
	var v string
	if d == store.Postgres {
		if err := db.QueryRowContext(ctx, `SHOW server_version`).Scan(&v); err != nil {
			return "", fmt.Errorf("bench: database version: %w", err)
		}
		if o.ReadDatabaseURL != "" {
			return "PostgreSQL " + v + "; reports, register, monitoring and exports read on a streaming replica (--database-read-url)", nil
		}
		return "PostgreSQL " + v, nil
	}
	if err := db.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&v); err != nil {
		return "", fmt.Errorf("bench: database version: %w", err)
	}
	size := ""
	if fi, err := os.Stat(o.SQLitePath()); err == nil {
		size = ", " + fmtBytes(fi.Size()) + " file"
	}
	return "SQLite " + v + size, nil
}

// actorContext is a context carrying the bench login's actor, for the
// store's read methods used to discover data.
func actorContext(ctx context.Context, a *opora.Actor) context.Context {
	return opora.WithActor(ctx, a)
}
