package opora

import "context"

type ctxKey int

const (
	actorKey ctxKey = iota
	clientIPKey
)

// WithActor returns a context carrying the acting user.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the acting user, or nil when nobody is logged in.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey).(*Actor)
	return a
}

// WithClientIP returns a context carrying the request's client address, for the audit log.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

// ClientIPFrom returns the request's client address, or "".
func ClientIPFrom(ctx context.Context) string {
	s, _ := ctx.Value(clientIPKey).(string)
	return s
}

type importKey struct{}

// WithImport returns a context that writes records brought in from another
// system (source, e.g. "mks"): the audit log records them as imported, and
// dates in the past are accepted where a worker's entry would be refused.
func WithImport(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, importKey{}, source)
}

// ImportFrom returns the system being imported from, or "".
func ImportFrom(ctx context.Context) string {
	s, _ := ctx.Value(importKey{}).(string)
	return s
}
