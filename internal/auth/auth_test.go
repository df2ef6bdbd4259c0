package auth

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	SetParamsForTests()
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Verify("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := Verify("correct horse batterY", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := Hash("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if _, err := Verify("x", "$2a$10$bcrypt"); err != ErrBadHash {
		t.Fatalf("foreign hash: got %v", err)
	}
}

func TestDefaultParamsAreArgon2id(t *testing.T) {
	if DefaultParams.Memory < 19*1024 || DefaultParams.Time < 2 {
		t.Fatalf("argon2id parameters below OWASP minimum: %+v", DefaultParams)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, time.Minute)
	l.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if l.Blocked("1.2.3.4") || !l.Reserve("1.2.3.4") {
			t.Fatalf("blocked after %d failures", i)
		}
	}
	if l.Reserve("1.2.3.4") {
		t.Fatal("a fourth attempt reserved")
	}
	if !l.Blocked("1.2.3.4") {
		t.Fatal("not blocked after 3 failures")
	}
	if l.Blocked("5.6.7.8") {
		t.Fatal("another address blocked")
	}
	// A success takes its own attempt back, not the others'.
	l.Refund("1.2.3.4")
	if !l.Reserve("1.2.3.4") || l.Reserve("1.2.3.4") {
		t.Fatal("a refund did not free exactly one attempt")
	}
	now = now.Add(61 * time.Second)
	if l.Blocked("1.2.3.4") {
		t.Fatal("still blocked after the window")
	}
}

// Parallel attempts from one address cannot all pass the check before any
// of them is counted.
func TestLimiterParallel(t *testing.T) {
	l := NewLimiter(30, time.Minute)
	var wg sync.WaitGroup
	var allowed atomic.Int32
	for range 60 {
		wg.Go(func() {
			if l.Reserve("1.2.3.4") {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 30 {
		t.Fatalf("%d of 60 parallel attempts allowed, want 30", n)
	}
}

func TestGate(t *testing.T) {
	g := NewGate(1, 1)
	ctx := context.Background()
	first, ok := g.Enter(ctx)
	if !ok {
		t.Fatal("first caller turned away")
	}
	// The second waits for the first; the third finds the queue full.
	entered := make(chan func())
	go func() {
		rel, ok := g.Enter(ctx)
		if !ok {
			rel = nil
		}
		entered <- rel
	}()
	for g.Busy() < 2 {
		runtime.Gosched()
	}
	if _, ok := g.Enter(ctx); ok {
		t.Fatal("a third caller got in past a full queue")
	}
	first()
	second := <-entered
	if second == nil {
		t.Fatal("the waiting caller was turned away")
	}
	second()
	second() // releasing twice is harmless
	if g.Busy() != 0 {
		t.Fatalf("%d turns held after release", g.Busy())
	}
	// A caller whose request ends while waiting leaves the queue.
	hold, _ := g.Enter(ctx)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok := g.Enter(cctx); ok {
		t.Fatal("a cancelled caller got a turn")
	}
	hold()
	if g.Busy() != 0 {
		t.Fatalf("%d turns held after a cancelled wait", g.Busy())
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("weak tokens %q %q", a, b)
	}
	if HashToken(a) == a || len(HashToken(a)) != 64 {
		t.Fatal("token hash wrong")
	}
}
