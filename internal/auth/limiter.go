package auth

import (
	"sync"
	"time"
)

// Limiter counts failed logins per client address in a sliding window. It
// complements the per-account lockout: it stops one address from guessing
// across many accounts. It lives in memory, so each instance counts its own.
type Limiter struct {
	Max    int           // failures allowed per window
	Window time.Duration // window length
	Now    func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time
}

// NewLimiter returns a limiter allowing max failures per window per address.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, hits: map[string][]time.Time{}}
}

// Blocked reports whether addr has used up its failures in the window.
func (l *Limiter) Blocked(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(addr)) >= l.Max
}

// Fail records a failed attempt from addr.
func (l *Limiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits[addr] = append(l.recent(addr), l.Now())
	if len(l.hits) > 10000 {
		l.sweep()
	}
}

// Reset forgets addr's failures after a successful login.
func (l *Limiter) Reset(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, addr)
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
