package store

import "context"

// QueryTrace receives each statement the store's readers run under a
// context: the SQL exactly as sent to the driver, and its arguments. The
// bench uses it to replay a page's own reads straight on the database (the
// profile page's raw-SQL floor); it must not keep or change args' contents.
type QueryTrace func(query string, args []any)

type traceKey struct{}

// WithQueryTrace returns a context whose store reads are reported to fn.
func WithQueryTrace(ctx context.Context, fn QueryTrace) context.Context {
	return context.WithValue(ctx, traceKey{}, fn)
}

func trace(ctx context.Context, query string, args []any) {
	if fn, ok := ctx.Value(traceKey{}).(QueryTrace); ok {
		fn(query, args)
	}
}
