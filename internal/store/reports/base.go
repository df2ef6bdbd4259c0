// Package reports is the report planner: it compiles the report builder's
// whitelisted queries (opora.ReportQuery) and the standard reports to SQL
// and runs them, choosing between the plain SQL over services, clients,
// visits and tasks and the derived tables kept for speed (service and visit
// counts, client counts, active client months, client service ranges:
// report_features.go says which path answers which query). It owns those
// tables: their write side (CountService, RefreshActive, RecountClients,
// CountVisit, … which package store calls in its write transactions; Deltas
// for the bulk loader), their fills at Migrate and their recount
// (DerivedDrift, RecountCounts). It also streams the services register.
//
// It stands on the store's base (package sqldb) and takes every access
// condition from sqldb/scope.go; package store exposes it through Store's
// methods.
package reports

import (
	"context"
	"database/sql"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// Planner plans and runs reports over one database.
type Planner struct {
	db      *sqldb.DB
	w       sqldb.Writer
	r       *sqldb.ReadPool
	dialect sqldb.Dialect
}

// New returns the report planner over db.
func New(db *sqldb.DB) *Planner {
	return &Planner{db: db, w: db.W, r: db.R, dialect: db.Dialect}
}

// The package's names for the base, as the code read inside package store.

type (
	Dialect = sqldb.Dialect
	queryer = sqldb.Queryer
)

const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
)

func (s *Planner) tx(ctx context.Context, fn func(tx *sql.Tx) error) error { return s.db.Tx(ctx, fn) }

func inList[T any](args []any, vals []T) (string, []any) { return sqldb.InList(args, vals) }
func nullDate(t time.Time) any                           { return sqldb.NullDate(t) }
func dateOf(t sql.NullTime) time.Time                    { return sqldb.DateOf(t) }
func txExec(q queryer) func(context.Context, string, ...any) error {
	return sqldb.TxExec(q)
}

func insertChunks(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error,
	table string, cols []string, upsert string, rows [][]any) error {
	return sqldb.InsertChunks(ctx, dialect, exec, table, cols, upsert, rows)
}

// Access (sqldb/scope.go).
func clientScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	return sqldb.ClientScope(a, p, args)
}

func visitScope(a *opora.Actor, args []any) (string, []any, error) { return sqldb.VisitScope(a, args) }

func registerScope(a *opora.Actor, args []any) (string, []any, error) {
	return sqldb.RegisterScope(a, args)
}
