package sqldb

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"sync"
)

// ReadPool is the store's reading side. On SQLite it keeps the most used
// statements prepared: the pure-Go SQLite otherwise parses and plans every
// statement on every call, which was a quarter of a client page's CPU.
// PostgreSQL's driver (pgx) keeps prepared statements per connection by
// itself, so there the cache is off (size 0).
//
// Replica, when set (PostgreSQL with store.Options.ReadDatabaseURL), is a
// pool on a streaming replica: the reads of a context marked OnReplica go
// there, every other read to DB.
type ReadPool struct {
	*sql.DB
	Replica *sql.DB
	size    int

	mu    sync.Mutex
	bySQL map[string]*list.Element // of *cachedStmt, most recently used first
	lru   *list.List
}

// cachedStmt is a prepared statement with the number of callers between
// taking it from the cache and starting their query; an evicted statement
// is closed when the last of them has started (database/sql keeps it open
// for rows still being read).
type cachedStmt struct {
	query   string
	stmt    *sql.Stmt
	users   int
	evicted bool
}

func NewReadPool(db *sql.DB, size int) *ReadPool {
	return &ReadPool{DB: db, size: size, bySQL: map[string]*list.Element{}, lru: list.New()}
}

// take returns the prepared statement of query, preparing it on first use,
// or nil when the cache is off or preparing failed (the caller then runs
// the query unprepared, which reports the error).
func (p *ReadPool) take(ctx context.Context, query string) *cachedStmt {
	if p.size == 0 {
		return nil
	}
	p.mu.Lock()
	if e, ok := p.bySQL[query]; ok {
		p.lru.MoveToFront(e)
		c := e.Value.(*cachedStmt)
		c.users++
		p.mu.Unlock()
		return c
	}
	p.mu.Unlock()
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.bySQL[query]; ok { // prepared meanwhile by another caller
		st.Close()
		p.lru.MoveToFront(e)
		c := e.Value.(*cachedStmt)
		c.users++
		return c
	}
	c := &cachedStmt{query: query, stmt: st, users: 1}
	p.bySQL[query] = p.lru.PushFront(c)
	for p.lru.Len() > p.size {
		old := p.lru.Remove(p.lru.Back()).(*cachedStmt)
		delete(p.bySQL, old.query)
		old.evicted = true
		if old.users == 0 {
			old.stmt.Close()
		}
	}
	return c
}

// release ends a caller's use of a taken statement.
func (p *ReadPool) release(c *cachedStmt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.users--
	if c.evicted && c.users == 0 {
		c.stmt.Close()
	}
}

// OnReplica marks ctx: the store's reads under it may be served by the
// read replica, and so lag behind the primary by the replica's replay
// delay. Writes and transactions always go to the primary. Without a
// replica the mark changes nothing.
func OnReplica(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, true)
}

type replicaKey struct{}

// replica returns the replica pool when ctx is marked for it and there is one.
func (p *ReadPool) replica(ctx context.Context) *sql.DB {
	if p.Replica == nil {
		return nil
	}
	if on, _ := ctx.Value(replicaKey{}).(bool); !on {
		return nil
	}
	return p.Replica
}

func (p *ReadPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if r := p.replica(ctx); r != nil {
		traceReplica(ctx, query, args)
		return r.QueryContext(ctx, query, args...)
	}
	trace(ctx, query, args, false, false)
	c := p.take(ctx, query)
	if c == nil {
		return p.DB.QueryContext(ctx, query, args...)
	}
	defer p.release(c)
	return c.stmt.QueryContext(ctx, args...)
}

func (p *ReadPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if r := p.replica(ctx); r != nil {
		traceReplica(ctx, query, args)
		return r.QueryRowContext(ctx, query, args...)
	}
	trace(ctx, query, args, false, false)
	c := p.take(ctx, query)
	if c == nil {
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	defer p.release(c)
	return c.stmt.QueryRowContext(ctx, args...)
}

// Close closes the cached statements and the pool.
func (p *ReadPool) Close() error {
	p.mu.Lock()
	for e := p.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	p.lru.Init()
	p.bySQL = map[string]*list.Element{}
	p.mu.Unlock()
	err := p.DB.Close()
	if p.Replica != nil {
		err = errors.Join(err, p.Replica.Close())
	}
	return err
}
