package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// The store's own names for the base (package sqldb), so the entity files
// read as before the split: transactions, helpers, the dialect, tracing and
// access (sqldb/scope.go decides who reaches which rows).

// Dialect names a database engine. Its value is also the migrations folder.
type Dialect = sqldb.Dialect

const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
)

// Trace receives the statements the store runs under a context (sqldb.Trace).
type Trace = sqldb.Trace

// TracedStatement is one statement the store ran.
type TracedStatement = sqldb.TracedStatement

// WithTrace returns a context whose store statements are reported to t.
func WithTrace(ctx context.Context, t *Trace) context.Context { return sqldb.WithTrace(ctx, t) }

type (
	queryer  = sqldb.Queryer
	writer   = sqldb.Writer
	readPool = sqldb.ReadPool
)

func insertID(ctx context.Context, q queryer, query string, args ...any) (int64, error) {
	return sqldb.InsertID(ctx, q, query, args...)
}

func inList[T any](args []any, vals []T) (string, []any) { return sqldb.InList(args, vals) }

func traced(ctx context.Context, tx *sql.Tx) queryer { return sqldb.Traced(ctx, tx) }
func traceReturned(ctx context.Context, id int64)    { sqldb.TraceReturned(ctx, id) }
func isUniqueViolation(err error) bool               { return sqldb.IsUniqueViolation(err) }
func notFound(err error) error                       { return sqldb.NotFound(err) }
func nullID(id int64) any                            { return sqldb.NullID(id) }
func nullInt(n int) any                              { return sqldb.NullInt(n) }
func nullAmount(sv *opora.Service) any               { return sqldb.NullAmount(sv) }
func timeOf(t sql.NullTime) time.Time                { return sqldb.TimeOf(t) }
func dateOf(t sql.NullTime) time.Time                { return sqldb.DateOf(t) }

// The client row.
const clientColumns = sqldb.ClientColumns

func scanClient(row interface{ Scan(...any) error }, extra ...any) (*opora.Client, error) {
	return sqldb.ScanClient(row, extra...)
}

// Access (sqldb/scope.go).
func clientScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	return sqldb.ClientScope(a, p, args)
}

func taskAccess(a *opora.Actor, p opora.Permission, args []any) (cond, inScope string, _ []any, _ error) {
	return sqldb.TaskAccess(a, p, args)
}

func familyTaskAccess(a *opora.Actor, p opora.Permission, args []any) (cond, inFamily string, _ []any, _ error) {
	return sqldb.FamilyTaskAccess(a, p, args)
}

func canManageCheckin(a *opora.Actor) bool { return sqldb.CanManageCheckin(a) }

func checkinScope(a *opora.Actor, alias string, args []any) (string, []any, error) {
	return sqldb.CheckinScope(a, alias, args)
}

// rowsInsert is an INSERT of n rows with $n placeholders, which both
// dialects take: one round trip for rows a seeder writes together.
func rowsInsert(table string, cols []string, n int) string {
	return sqldb.InsertValues(sqldb.Postgres, table, cols, n)
}
