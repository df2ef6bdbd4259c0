package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// DB is the database a store talks to. On SQLite W is the one writer
// connection and R a pool of query-only readers; on PostgreSQL both are the
// same pool.
type DB struct {
	W       Writer
	R       *ReadPool
	Dialect Dialect
	// Now returns the current time (store.Store.Now; tests replace that).
	Now func() time.Time
}

// Tx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return RunTx(ctx, db.W, fn)
}

// RunTx runs fn in a transaction of a pool or of one connection taken
// from it, committing when fn succeeds.
func RunTx(ctx context.Context, b interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, fn func(tx *sql.Tx) error) error {
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Queryer is what both *sql.DB and *sql.Tx offer.
type Queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// InsertID runs an INSERT … RETURNING id and returns the id.
func InsertID(ctx context.Context, q Queryer, query string, args ...any) (int64, error) {
	var id int64
	if err := q.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, err
	}
	TraceReturned(ctx, id)
	return id, nil
}

// NotFound turns sql.ErrNoRows into the domain's not-found error.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return opora.ErrNotFound
	}
	return err
}

// NullID maps 0 to NULL for optional references.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// NullInt maps 0 to NULL.
func NullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// NullAmount is a service's amount, NULL when it has none.
func NullAmount(sv *opora.Service) any {
	if !sv.HasAmount {
		return nil
	}
	return sv.Amount
}

// TimeOf reads a nullable moment as UTC (the zero time for NULL).
func TimeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// InList returns "$n,$n+1,…" placeholders for len(vals) values, appending them to args.
func InList[T any](args []any, vals []T) (string, []any) {
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

// TxExec returns the ExecContext of q as a function that reports only the error.
func TxExec(q Queryer) func(ctx context.Context, query string, args ...any) error {
	return func(ctx context.Context, query string, args ...any) error {
		_, err := q.ExecContext(ctx, query, args...)
		return err
	}
}
