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
// None of it is a copy of the store's SQL: every floor replays the
// statements the store ran for the scenario's own request, traced by
// serving it in this process (replay_floor.go).

// floorDB runs floors on the bench's own connection.
type floorDB struct {
	db *sql.DB
	// replica is the read replica (--database-read-url), nil without one:
	// the reads the server sent there (store.TracedStatement.Replica) are
	// replayed there.
	replica *sql.DB
	dialect store.Dialect
	// searches, pages, records and ticks are the traced requests the
	// search, profile, record-a-service and tick floors replay, gets the
	// traced request of each scenario of one fixed GET (the dashboard, the
	// reports, the export), by scenario name; stmts are the replayed
	// reads' prepared statements.
	searches, pages, records, ticks []tracedRequest
	gets                            map[string]*tracedRequest
	// byName are the traced requests of the families' scenarios (families.go).
	byName map[string][]tracedRequest
	stmts  replayStmts
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

// reportSpec is a report the bench asks the builder for: a subject, a
// measure, up to two groupings and a period, with no filters.
type reportSpec struct {
	subject  opora.ReportSubject
	measure  opora.Measure
	dims     []opora.Dimension
	from, to time.Time
}

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
