package auth

import (
	"context"
	"sync"
	"time"
)

// Limiter counts login attempts per client address in a sliding window. It
// complements the per-account lockout: it stops one address from guessing
// across many accounts. It lives in memory, so each instance counts its own.
//
// An attempt is counted before its password is checked (Reserve), in the
// same step as the check of the limit, so parallel requests cannot all pass
// a check made before any of them was counted; a successful login takes its
// own attempt back (Refund).
type Limiter struct {
	Max    int           // attempts allowed per window
	Window time.Duration // window length
	Now    func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time
}

// NewLimiter returns a limiter allowing max failures per window per address.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, hits: map[string][]time.Time{}}
}

// Blocked reports whether addr has used up its attempts in the window.
func (l *Limiter) Blocked(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(addr)) >= l.Max
}

// Reserve counts an attempt from addr and reports whether it is allowed: it
// is refused, and not counted, when addr has used up its attempts. The check
// and the count are one step.
func (l *Limiter) Reserve(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	hs := l.recent(addr)
	if len(hs) >= l.Max {
		return false
	}
	l.hits[addr] = append(hs, l.Now())
	if len(l.hits) > 10000 {
		l.sweep()
	}
	return true
}

// Refund takes back one reserved attempt of addr: the login succeeded, or
// its password was never checked.
func (l *Limiter) Refund(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hs := l.recent(addr)
	if len(hs) == 0 {
		return
	}
	if len(hs) == 1 {
		delete(l.hits, addr)
		return
	}
	l.hits[addr] = hs[:len(hs)-1]
}

func (l *Limiter) recent(addr string) []time.Time {
	cut := l.Now().Add(-l.Window)
	hs := l.hits[addr]
	i := 0
	for i < len(hs) && !hs[i].After(cut) {
		i++
	}
	hs = hs[i:]
	if len(hs) == 0 {
		delete(l.hits, addr)
		return nil
	}
	l.hits[addr] = hs
	return hs
}

func (l *Limiter) sweep() {
	for a := range l.hits {
		l.recent(a)
	}
}

// Gate bounds how many password hashes run at once. Each argon2id hash
// takes 19 MiB and a core for about 25 ms, so a burst of logins must queue
// instead of all hashing together: a few run (one per core), a few more
// wait for them, and the rest are turned away at once.
type Gate struct {
	run   chan struct{} // held while hashing
	admit chan struct{} // held while hashing or waiting to
}

// NewGate returns a gate letting running hashes run at once and up to
// waiting more queue for them.
func NewGate(running, waiting int) *Gate {
	running = max(1, running)
	return &Gate{run: make(chan struct{}, running), admit: make(chan struct{}, running+max(0, waiting))}
}

// Enter waits for a turn to hash. It returns false at once when the queue
// is full, and false when ctx ends while waiting; otherwise the caller must
// call release when done.
func (g *Gate) Enter(ctx context.Context) (release func(), ok bool) {
	select {
	case g.admit <- struct{}{}:
	default:
		return nil, false
	}
	select {
	case g.run <- struct{}{}:
	case <-ctx.Done():
		<-g.admit
		return nil, false
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-g.run
			<-g.admit
		})
	}, true
}

// Busy reports how many callers hold or wait for a turn.
func (g *Gate) Busy() int { return len(g.admit) }
