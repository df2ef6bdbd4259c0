package sqldb

import (
	"context"
	"database/sql"
)

// Trace receives the statements the store runs under a context. The bench
// uses it to replay a request's own statements straight on the database as
// that request's raw-SQL floor (every scenario of cmd/opora-bench).
// Traced are the readers (ReadPool), the writer's statements outside
// transactions (Writer) and the statements of transactions that wrap their
// transaction with traced: RecordServices, RecordTicks.
type Trace struct {
	// Statement gets each statement as sent to the driver. It must not keep
	// or change the arguments' slice: copy it.
	Statement func(TracedStatement)
	// Returned gets the id an INSERT … RETURNING id just returned
	// (InsertID), so that a replay can put the id its own INSERT returned
	// into the later statements that use it.
	Returned func(id int64)
}

// TracedStatement is one statement the store ran.
type TracedStatement struct {
	SQL  string
	Args []any
	// Exec is true when the store ran it for no rows (ExecContext).
	Exec bool
	// InTx is true inside a write transaction; the statements of one
	// transaction come one after another.
	InTx bool
	// Replica is true when the read went to the read replica (OnReplica).
	Replica bool
}

type traceKey struct{}

// WithTrace returns a context whose store statements are reported to t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func traceOf(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

func trace(ctx context.Context, query string, args []any, exec, inTx bool) {
	if t := traceOf(ctx); t != nil && t.Statement != nil {
		t.Statement(TracedStatement{SQL: query, Args: args, Exec: exec, InTx: inTx})
	}
}

func traceReplica(ctx context.Context, query string, args []any) {
	if t := traceOf(ctx); t != nil && t.Statement != nil {
		t.Statement(TracedStatement{SQL: query, Args: args, Replica: true})
	}
}

func TraceReturned(ctx context.Context, id int64) {
	if t := traceOf(ctx); t != nil && t.Returned != nil {
		t.Returned(id)
	}
}

// Writer is the store's writing side: the database handle, whose
// statements outside transactions are traced.
type Writer struct {
	*sql.DB
}

func (w Writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	trace(ctx, query, args, true, false)
	return w.DB.ExecContext(ctx, query, args...)
}

func (w Writer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	trace(ctx, query, args, false, false)
	return w.DB.QueryContext(ctx, query, args...)
}

func (w Writer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	trace(ctx, query, args, false, false)
	return w.DB.QueryRowContext(ctx, query, args...)
}

// Traced returns the transaction itself, or when ctx is traced, the
// transaction with its statements reported.
func Traced(ctx context.Context, tx *sql.Tx) Queryer {
	if traceOf(ctx) == nil {
		return tx
	}
	return tracedTx{tx}
}

type tracedTx struct {
	tx *sql.Tx
}

func (t tracedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	trace(ctx, query, args, true, true)
	return t.tx.ExecContext(ctx, query, args...)
}

func (t tracedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	trace(ctx, query, args, false, true)
	return t.tx.QueryContext(ctx, query, args...)
}

func (t tracedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	trace(ctx, query, args, false, true)
	return t.tx.QueryRowContext(ctx, query, args...)
}
