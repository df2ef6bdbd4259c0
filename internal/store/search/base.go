// Package search finds clients by name, birth date, year or number (the
// search screen, likely duplicates, the check-in search's client half), and
// keeps what it matches on: the clients' search keys (NameKey) and the
// name-word dictionary behind typo search (search_words.go). It stands on
// the store's base (package sqldb) and takes every access condition from
// sqldb/scope.go; package store exposes it through Store's methods.
package search

import (
	"context"
	"database/sql"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// Search is the client search over one database.
type Search struct {
	db      *sqldb.DB
	w       sqldb.Writer
	r       *sqldb.ReadPool
	dialect sqldb.Dialect
}

// New returns the search over db.
func New(db *sqldb.DB) *Search {
	return &Search{db: db, w: db.W, r: db.R, dialect: db.Dialect}
}

// TypedAlternatives returns, for each typed word, the words it may stand
// for (typedVariants), and whether some are more than one error away.
func (s *Search) TypedAlternatives(ctx context.Context, words []string) ([][]string, bool, error) {
	v, far, err := s.typedVariants(ctx, words)
	return v.alts, far, err
}

// The package's names for the base, as the code read inside package store.

const (
	Postgres      = sqldb.Postgres
	clientColumns = sqldb.ClientColumns
)

type queryer = sqldb.Queryer

func (s *Search) tx(ctx context.Context, fn func(tx *sql.Tx) error) error { return s.db.Tx(ctx, fn) }

// Today is the current date (midnight UTC) by the store's clock.
func (s *Search) Today() opora.Date { return s.db.Today() }

func inList[T any](args []any, vals []T) (string, []any) { return sqldb.InList(args, vals) }

func scanClient(row interface{ Scan(...any) error }, extra ...any) (*opora.Client, error) {
	return sqldb.ScanClient(row, extra...)
}

func clientScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	return sqldb.ClientScope(a, p, args)
}
