// Package bulk is the bulk loader behind the scale generator
// (internal/demo.Generate): batches of generated rows written with
// multi-row INSERTs (SQLite) or COPY (PostgreSQL) onto reserved IDs, the
// deferred indexes, the generator's progress row, and the count-table
// deltas collected in memory and written once (bulk_counts.go, over
// reports.Deltas). Nothing but the generator may use it: it writes no
// per-row audit. It stands on the store's base (package sqldb), writes the
// derived tables through package reports and the name words through
// package search; package store exposes it through Store's methods.
package bulk

import (
	"context"
	"database/sql"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/search"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// Loader loads generated batches into one database.
type Loader struct {
	db      *sqldb.DB
	w       sqldb.Writer
	r       *sqldb.ReadPool
	dialect sqldb.Dialect
}

// New returns the bulk loader over db.
func New(db *sqldb.DB) *Loader {
	return &Loader{db: db, w: db.W, r: db.R, dialect: db.Dialect}
}

// The package's names for the base, as the code read inside package store.

type Dialect = sqldb.Dialect

const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
)

func (s *Loader) tx(ctx context.Context, fn func(tx *sql.Tx) error) error { return s.db.Tx(ctx, fn) }

// Now is the store's clock.
func (s *Loader) Now() time.Time { return s.db.Now() }

func runTx(ctx context.Context, b interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, fn func(tx *sql.Tx) error) error {
	return sqldb.RunTx(ctx, b, fn)
}

func nullID(id int64) any              { return sqldb.NullID(id) }
func nullInt(n int) any                { return sqldb.NullInt(n) }
func nullAmount(sv *opora.Service) any { return sqldb.NullAmount(sv) }
func timeOf(t sql.NullTime) time.Time  { return sqldb.TimeOf(t) }
func txExec(q sqldb.Queryer) func(context.Context, string, ...any) error {
	return sqldb.TxExec(q)
}

// tableOf is a derived table's rows from package reports as a bulk table.
func tableOf(t sqldb.Table) bulkTable { return bulkTable{name: t.Name, cols: t.Cols, rows: t.Rows} }

func insertValues(d Dialect, table string, cols []string, n int) string {
	return sqldb.InsertValues(d, table, cols, n)
}

// searchKey is the client's search key, as package store writes it.
func searchKey(c *opora.Client) string { return search.NameKey(c.FullName()) }
