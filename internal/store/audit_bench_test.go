package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// BenchmarkAuditAppend measures what one audit row costs the request that
// writes it (every view of a client's card writes one): LogAudit on its
// own, one writer after another and eight at once, on a fresh database
// of each engine (PostgreSQL when OPORA_TEST_POSTGRES is set).
//
//	go test ./internal/store -run '^$' -bench BenchmarkAuditAppend -benchtime 2000x
func BenchmarkAuditAppend(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.Open(b, d)
			f := storetest.SetupOrg(b, s, "Фонд")
			_, ctx := f.AddUser(b, "worker", "specialist")
			e := func(i int) *opora.AuditEntry {
				return &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: int64(i%5000 + 1), Section: "card"}
			}
			b.Run("serial", func(b *testing.B) {
				for i := range b.N {
					if err := s.LogAudit(ctx, e(i)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel8", func(b *testing.B) {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						i++
						if err := s.LogAudit(ctx, e(i)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

// auditBenchRows is the size of the audit log BenchmarkAudit10M queries.
const auditBenchRows = 10_000_000

// BenchmarkAudit10M answers the audit screen's two questions over an
// audit log of ten million rows: who viewed this person's card between two
// dates, and what this worker viewed this month, through AuditEntries
// (the screen's count and first page of 50). It needs a database of its
// own, given as OPORA_BENCH_AUDIT_DATA (an SQLite data folder) or
// OPORA_BENCH_AUDIT_URL (postgres://…), and skips without one. The first
// run fills it: ten million rows of a region (10 organisations, a year;
// 200 workers and 20,000 clients with rows), written past the application as the
// migration finds an existing log, then chained by Migrate (sealAudit,
// timed) and verified (VerifyAudit, timed). That takes minutes: once per
// database, never in tests.
//
//	OPORA_BENCH_AUDIT_DATA=/tmp/audit10m go test ./internal/store -run '^$' -bench BenchmarkAudit10M -benchtime 40x -timeout 2h
func BenchmarkAudit10M(b *testing.B) {
	o := store.Options{DataDir: os.Getenv("OPORA_BENCH_AUDIT_DATA"), DatabaseURL: os.Getenv("OPORA_BENCH_AUDIT_URL")}
	if o.DataDir == "" && o.DatabaseURL == "" {
		b.Skip("OPORA_BENCH_AUDIT_DATA or OPORA_BENCH_AUDIT_URL names no database for ten million audit rows")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := fillAuditBench(b, ctx, s, o, end); err != nil {
		b.Fatal(err)
	}
	sys := opora.WithActor(ctx, opora.SystemActor(0))
	if os.Getenv("OPORA_BENCH_AUDIT_VERIFY") != "" {
		start := time.Now()
		v, err := s.VerifyAudit(sys, nil)
		if err != nil {
			b.Fatal(err)
		}
		progress("verify: %d rows in %s, ok %v %s", v.Rows, time.Since(start).Round(time.Millisecond), v.OK, v.Detail)
	}
	start := time.Now()
	for i := range 1000 {
		if err := s.LogAudit(sys, &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: int64(i + 1)}); err != nil {
			b.Fatal(err)
		}
	}
	progress("1,000 appends at this size: %.3f ms each", float64(time.Since(start).Microseconds())/1000/1000)

	const org = 3
	actx := opora.WithActor(ctx, opora.SystemActor(org))
	// Clients and workers of organisation 3 that have rows. The fill's
	// hashes of i share a factor with i's organisation (i mod 10), so each
	// organisation's rows fall on 2,000 of its clients (entity ids
	// k·10+org, k ≡ 6 mod 10: about 450 rows a year each) and 20 of its
	// workers (k ≡ 2 mod 10: about 50,000 rows a year, 4,200 a month
	// each): heavier per worker and per card than a real region, so the
	// timings are an upper bound.
	client := func(i int) int64 { return int64(((i*7919)%2000)*10+6)*10 + org }
	worker := func(i int) int64 { return int64(((i*37)%20)*10+2)*10 + org }
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		flt  func(i int) opora.AuditFilter
	}{
		{"card_viewers_90days", func(i int) opora.AuditFilter {
			return opora.AuditFilter{Entity: "client", EntityID: client(i), Action: opora.ActionView, From: end.AddDate(0, -3, 0), To: end}
		}},
		{"card_all_year", func(i int) opora.AuditFilter {
			return opora.AuditFilter{Entity: "client", EntityID: client(i)}
		}},
		{"worker_views_month", func(i int) opora.AuditFilter {
			return opora.AuditFilter{UserID: worker(i), Action: opora.ActionView, From: month, To: month.AddDate(0, 1, 0)}
		}},
		{"worker_all_month", func(i int) opora.AuditFilter {
			return opora.AuditFilter{UserID: worker(i), From: month, To: month.AddDate(0, 1, 0)}
		}},
		{"worker_year", func(i int) opora.AuditFilter {
			return opora.AuditFilter{UserID: worker(i)}
		}},
		{"organisation_first_page", func(int) opora.AuditFilter { return opora.AuditFilter{} }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			es, total, err := s.AuditEntries(actx, withPage(c.flt(0))) // warm
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d entries, %d on the first page", c.name, total, len(es))
			var took []time.Duration
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if _, _, err := s.AuditEntries(actx, withPage(c.flt(i+1))); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "ms-max")
		})
	}
}

func withPage(f opora.AuditFilter) opora.AuditFilter {
	f.Limit = 50
	return f
}

// fillAuditBench writes the bench's rows once: in batches of a million
// straight into audit_log (generate_series on PostgreSQL, a recursive CTE
// on SQLite), then lets Migrate chain them as it chains a log that
// predates the chain.
func fillAuditBench(b *testing.B, ctx context.Context, s *store.Store, o store.Options, end time.Time) error {
	var db *sql.DB
	var err error
	if o.IsPostgres() {
		db, err = sql.Open("pgx", o.DatabaseURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+o.SQLitePath()+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_time_format=sqlite")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	var have int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit_log`).Scan(&have); err != nil {
		return err
	}
	if have >= auditBenchRows {
		return nil
	}
	if have > 0 {
		return fmt.Errorf("the bench database holds %d audit rows: give it an empty database", have)
	}
	// Row i: organisation 1+i%10; a worker and a client of that
	// organisation (see BenchmarkAudit10M for which ones); one row every
	// 3.15 s over the year before end; nine in ten about a client, mostly
	// views.
	startAt := end.AddDate(-1, 0, 0)
	step := float64(end.Sub(startAt).Microseconds()) / auditBenchRows / 1e6 // seconds
	var ins string
	if s.Dialect() == store.Postgres {
		ins = fmt.Sprintf(`INSERT INTO audit_log (id, at, organisation_id, user_id, action, entity, entity_id, section, changes, ip)
			SELECT i, TIMESTAMPTZ '%s' + i * INTERVAL '%f seconds', 1 + i %% 10,
				((i * 2654435761) %% 200) * 10 + 1 + i %% 10,
				CASE WHEN i %% 20 = 0 THEN 'update' WHEN i %% 50 = 1 THEN 'print' ELSE 'view' END,
				CASE WHEN i %% 10 = 9 THEN 'family' ELSE 'client' END,
				((i * 40503) %% 20000) * 10 + 1 + i %% 10,
				CASE i %% 4 WHEN 0 THEN '' WHEN 1 THEN 'card' WHEN 2 THEN 'health' ELSE 'notes' END,
				CASE WHEN i %% 20 = 0 THEN '[{"f":"phone","o":"+7 900 000-00-00","n":"+7 900 000-00-01"}]' ELSE '' END,
				'10.0.' || (i %% 256) || '.' || (i / 256 %% 256)
			FROM generate_series($1::bigint, $2::bigint) i`, startAt.Format("2006-01-02 15:04:05Z"), step)
	} else {
		// SQLite keeps times as text (_time_format=sqlite): the same form here.
		ins = fmt.Sprintf(`WITH RECURSIVE g(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM g WHERE i < $2)
			INSERT INTO audit_log (id, at, organisation_id, user_id, action, entity, entity_id, section, changes, ip)
			SELECT i, strftime('%%Y-%%m-%%d %%H:%%M:%%f', %d + i * %f, 'unixepoch') || '+00:00', 1 + i %% 10,
				((i * 2654435761) %% 200) * 10 + 1 + i %% 10,
				CASE WHEN i %% 20 = 0 THEN 'update' WHEN i %% 50 = 1 THEN 'print' ELSE 'view' END,
				CASE WHEN i %% 10 = 9 THEN 'family' ELSE 'client' END,
				((i * 40503) %% 20000) * 10 + 1 + i %% 10,
				CASE i %% 4 WHEN 0 THEN '' WHEN 1 THEN 'card' WHEN 2 THEN 'health' ELSE 'notes' END,
				CASE WHEN i %% 20 = 0 THEN '[{"f":"phone","o":"+7 900 000-00-00","n":"+7 900 000-00-01"}]' ELSE '' END,
				'10.0.' || (i %% 256) || '.' || (i / 256 %% 256)
			FROM g`, startAt.Unix(), step)
	}
	start := time.Now()
	const batch = 1_000_000
	for lo := int64(1); lo <= auditBenchRows; lo += batch {
		if _, err := db.ExecContext(ctx, ins, lo, lo+batch-1); err != nil {
			return fmt.Errorf("fill audit rows from %d: %w", lo, err)
		}
		progress("filled %d rows in %s", lo+batch-1, time.Since(start).Round(time.Second))
	}
	if s.Dialect() == store.Postgres {
		if _, err := db.ExecContext(ctx, `ANALYZE audit_log`); err != nil {
			return err
		}
	}
	// As the chain's migration finds an existing log: everything to seal.
	if _, err := db.ExecContext(ctx, `UPDATE audit_head SET seal_to = (SELECT MAX(id) FROM audit_log) WHERE id = 1`); err != nil {
		return err
	}
	progress("filled %d rows in %s", auditBenchRows, time.Since(start).Round(time.Second))
	start = time.Now()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	progress("Migrate chained %d rows in %s", auditBenchRows, time.Since(start).Round(time.Second))
	return nil
}

// progress prints a line of the bench's long setup at once (b.Logf shows
// only when the benchmark ends).
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "audit bench: "+format+"\n", args...)
}
