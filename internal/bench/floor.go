package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The raw-SQL floor: for each scenario, the statements the server runs
// for it, with the same parameters, sent straight to the database through
// database/sql, one after another. The difference to the server's latency
// is what HTTP, sessions, permission checks, Go code and templates cost.
//
// None of it is a copy of the store's SQL. The search, the profile page,
// recording a service and the check-in tick replay the statements the
// store ran for the request itself, traced in this process
// (replay_floor.go); the reports and the register export run the store's
// own compiled statements (store.CompileReport,
// store.CompileServiceRegister), below.

// floorDB runs floors on the bench's own connection.
type floorDB struct {
	db      *sql.DB
	st      *store.Store // compiles reports exactly as the server does
	dialect store.Dialect
	actor   *opora.Actor
	d       *data
	// searches, pages, records and ticks are the traced requests the
	// search, profile, record-a-service and tick floors replay
	// (replay_floor.go), stmts the replayed reads' prepared statements.
	searches, pages, records, ticks []tracedRequest
	stmts                           replayStmts
	// replayed, when set (by tests), gets each statement a replay sends.
	replayed func(replayedStmt)
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// drain reads every row of a result, as the store's scanners do.
func drain(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// one reads a result that must hold a row, every row read.
func one(q queryer, ctx context.Context, query string, args ...any) error {
	n, err := drain(q.QueryContext(ctx, query, args...))
	if err == nil && n == 0 {
		return sql.ErrNoRows
	}
	return err
}

// inList gives "$n,$n+1,…" placeholders of vals appended to args, for
// the bench's own sampling queries (data.go).
func inList[T any](args []any, vals []T) (string, []any) {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, v)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	return b.String(), args
}

// nullDate is a date as the store writes it: midnight UTC, NULL for zero.
func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ---- reports ----

// reportSpec is one report the bench runs: a subject, a measure, up to two
// groupings and a period, with no filters.
type reportSpec struct {
	subject  opora.ReportSubject
	measure  opora.Measure
	dims     []opora.Dimension
	from, to time.Time
}

// query is the spec as the builder's query model.
func (r reportSpec) query() *opora.ReportQuery {
	return &opora.ReportQuery{Subject: r.subject, Measure: r.measure, GroupBy: r.dims, From: r.from, To: r.to}
}

// report runs the SQL store.RunReport sends for the spec (from
// store.CompileReport, so it is never out of step): the grouped query (or
// its parts), then the total when it does not add up from the groups. The
// labels of ids are left out.
func (f *floorDB) report(ctx context.Context, r reportSpec) error {
	st, err := f.st.CompileReport(opora.WithActor(ctx, f.actor), r.query())
	if err != nil {
		return err
	}
	if len(st.Parts) == 0 {
		if _, err := drain(f.db.QueryContext(ctx, st.Query, st.Args...)); err != nil {
			return err
		}
	}
	// A split report's parts, one after another as everything here.
	for i, part := range st.Parts {
		if _, err := drain(f.db.QueryContext(ctx, part, st.PartArgs[i]...)); err != nil {
			return err
		}
	}
	if st.Total == "" {
		return nil
	}
	return one(f.db, ctx, st.Total, st.TotalArgs...)
}

// ---- services register ----

// registerSpec is the services register the export scenario downloads: a
// period with no filters, and how many rows the daily counts promise.
type registerSpec struct {
	from, to time.Time
	expect   int64
}

func (r registerSpec) name() string {
	return fmt.Sprintf("services register %s–%s (%d days, about %s services by the daily counts)",
		r.from.Format("02.01.2006"), r.to.Format("02.01.2006"), int(r.to.Sub(r.from).Hours()/24)+1, fmtInt(r.expect))
}

// values are the register export's parameters.
func (r registerSpec) values() url.Values {
	return url.Values{"from": {r.from.Format("2006-01-02")}, "to": {r.to.Format("2006-01-02")}}
}

// query is the spec as the register's query model.
func (r registerSpec) query() *opora.RegisterQuery {
	return &opora.RegisterQuery{From: r.from, To: r.to}
}

// register runs the SQL the register export sends (from
// store.CompileServiceRegister, so it is never out of step): the count
// with the sum, then every row. Turning rows into a spreadsheet is left out.
func (f *floorDB) register(ctx context.Context, r registerSpec) error {
	st, err := f.st.CompileServiceRegister(opora.WithActor(ctx, f.actor), r.query())
	if err != nil {
		return err
	}
	if err := one(f.db, ctx, st.Count, st.CountArgs...); err != nil {
		return err
	}
	_, err = drain(f.db.QueryContext(ctx, st.Query, st.Args...))
	return err
}
