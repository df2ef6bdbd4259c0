package store

import (
	"context"
	"sync"

	"github.com/opora-project/opora/internal/opora"
)

// readMemo remembers, for one read-only request, what the store has already
// read on the actor's behalf: a client record's panels each check access to
// the client, so a profile page read the same row a dozen times. It holds
// only what the same actor was allowed to read in the same request, so it
// never widens access; it is never used inside a write transaction, and the
// web layer attaches it to GET requests only (a request that writes must
// see its own writes).
type readMemo struct {
	mu         sync.Mutex
	clients    map[memoClient]opora.Client
	colleagues []Colleague
	hasColl    bool
}

// memoClient keys a client by id and the permission its scope was
// checked with (a scope may differ between permissions).
type memoClient struct {
	id int64
	p  opora.Permission
}

type memoKey struct{}

// WithReadMemo returns a context whose store reads remember their results
// until the context ends. Use it only for requests that do not write.
func WithReadMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &readMemo{})
}

func memoFrom(ctx context.Context) *readMemo {
	m, _ := ctx.Value(memoKey{}).(*readMemo)
	return m
}

// client returns a copy of the remembered client, or nil.
func (m *readMemo) client(id int64, p opora.Permission) *opora.Client {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[memoClient{id, p}]
	if !ok {
		return nil
	}
	return &c
}

func (m *readMemo) keepClient(c *opora.Client, p opora.Permission) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clients == nil {
		m.clients = map[memoClient]opora.Client{}
	}
	m.clients[memoClient{c.ID, p}] = *c
}
