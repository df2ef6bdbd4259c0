package web

import (
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// heldHashes replaces the server's password check with one that waits,
// for the passwords hold picks, until release is called: so a test can keep
// many logins in the middle of their check at once, as a real hash does.
type heldHashes struct {
	mu      sync.Mutex
	entered int // password checks begun
	real    int // of them against an account's hash, not the dummy
	open    chan struct{}
}

func holdHashes(a *app, hold func(password string, dummy bool) bool) *heldHashes {
	h := &heldHashes{open: make(chan struct{})}
	a.web.verifyPassword = func(password, hash string) (bool, error) {
		dummy := hash == auth.DummyHash()
		h.mu.Lock()
		h.entered++
		if !dummy {
			h.real++
		}
		h.mu.Unlock()
		if hold(password, dummy) {
			<-h.open
		}
		return auth.Verify(password, hash)
	}
	return h
}

func (h *heldHashes) release() { close(h.open) }

func (h *heldHashes) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.entered
}

func (h *heldHashes) checked() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.real
}

// waitUntil polls cond (a state the test waits for, not a time it asserts).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 100000 {
			t.Fatal("the awaited state never came")
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

// loginResult is one login posted from a goroutine.
type loginResult struct {
	status int
	body   string
	header http.Header
}

// postLogin posts a login form as a same-site browser does; safe to call
// from any goroutine.
func postLogin(base, login, password string) loginResult {
	form := url.Values{"login": {login}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		return loginResult{body: err.Error()}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return loginResult{status: res.StatusCode, body: string(b), header: res.Header}
}

// parallelLogins posts n logins at once and returns a function that waits
// for them and gives their results, and a count of those answered so far.
func parallelLogins(base string, n int, login func(i int) (string, string)) (wait func() []loginResult, finished func() int) {
	var mu sync.Mutex
	done := 0
	out := make([]loginResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			l, p := login(i)
			r := postLogin(base, l, p)
			mu.Lock()
			out[i] = r
			done++
			mu.Unlock()
		})
	}
	return func() []loginResult { wg.Wait(); return out },
		func() int { mu.Lock(); defer mu.Unlock(); return done }
}

// The pen test sent 28 wrong passwords and the right one at once and got
// in: each read the lock before any failure was counted, and the success
// cleared it. Now each attempt is counted before its hash: once five are
// being checked the account is locked, and the right password sent then is
// refused like any other.
func TestParallelGuessesCannotOutrunLockout(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.web.limiter.Max = 1000 // this test is about the account, not the address
		a.web.hashes = auth.NewGate(64, 0)
		h := holdHashes(a, func(p string, dummy bool) bool { return !dummy && p != testPassword })
		const wrong = 28
		wait, finished := parallelLogins(a.srv.URL, wrong, func(i int) (string, string) {
			return "admin", "wrong password number " + string(rune('a'+i))
		})
		// Every wrong guess is either being checked or already answered.
		waitUntil(t, func() bool { return h.checked()+finished() >= wrong })
		right := postLogin(a.srv.URL, "admin", testPassword)
		h.release()
		results := wait()
		if right.status != http.StatusUnauthorized {
			t.Fatalf("the right password among %d parallel guesses: status %d, want 401", wrong, right.status)
		}
		for i, r := range results {
			if r.status != http.StatusUnauthorized {
				t.Fatalf("guess %d: status %d", i, r.status)
			}
		}
		// Five passwords were checked against the account, no more (the
		// right one and the refused guesses spent a dummy hash).
		if h.checked() != opora.MaxFailedLogins {
			t.Errorf("%d passwords checked against the account, want %d", h.checked(), opora.MaxFailedLogins)
		}
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionLockout, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d lockout audit rows, want 1", len(entries))
		}
		// The account stays locked for its fifteen minutes.
		if r := postLogin(a.srv.URL, "admin", testPassword); r.status != http.StatusUnauthorized {
			t.Fatalf("right password after the lock: status %d", r.status)
		}
		now := a.st.Now
		a.st.Now = func() time.Time { return now().Add(opora.LockoutDuration + time.Minute) }
		a.login(t, "admin", testPassword)
	})
}

// 60 parallel failures from one address used to get 60 answers of 401: the
// limit was read before any failure was counted. Now the 31st and later are
// refused with 429 before any password is hashed.
func TestParallelFailuresFromOneAddress(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.web.hashes = auth.NewGate(64, 0)
		h := holdHashes(a, func(string, bool) bool { return true })
		const n = 60
		wait, finished := parallelLogins(a.srv.URL, n, func(i int) (string, string) {
			return "nobody" + string(rune('a'+i%26)) + string(rune('a'+i/26)), "whatever password"
		})
		waitUntil(t, func() bool { return h.count()+finished() >= n })
		h.release()
		var failed, limited int
		for _, r := range wait() {
			switch r.status {
			case http.StatusUnauthorized:
				failed++
			case http.StatusTooManyRequests:
				limited++
				if !strings.Contains(r.body, "Слишком много неудачных попыток с этого адреса") {
					t.Errorf("429 without the message: %s", r.body)
				}
			default:
				t.Errorf("status %d", r.status)
			}
		}
		if failed != a.web.limiter.Max || limited != n-a.web.limiter.Max {
			t.Fatalf("%d failed and %d limited of %d parallel attempts, want %d and %d",
				failed, limited, n, a.web.limiter.Max, n-a.web.limiter.Max)
		}
		// The refused attempts hashed nothing, and neither does the next one.
		if r := postLogin(a.srv.URL, "admin", testPassword); r.status != http.StatusTooManyRequests {
			t.Fatalf("a blocked address logging in: status %d", r.status)
		}
		if h.count() != a.web.limiter.Max {
			t.Errorf("%d passwords hashed, want %d: a blocked address must not cost a hash", h.count(), a.web.limiter.Max)
		}
	})
}

// A burst of logins waits for a few hashing turns; past the queue, a login
// is turned away at once with a message, instead of every attempt taking
// its 19 MiB at the same time.
func TestLoginHashesTakeTurns(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.web.hashes = auth.NewGate(1, 1)
		h := holdHashes(a, func(string, bool) bool { return true })
		wait, _ := parallelLogins(a.srv.URL, 2, func(int) (string, string) { return "admin", "wrong password here" })
		// One hashes, one waits for its turn.
		waitUntil(t, func() bool { return h.count() == 1 && a.web.hashes.Busy() == 2 })
		busy := postLogin(a.srv.URL, "admin", testPassword)
		if busy.status != http.StatusServiceUnavailable || busy.header.Get("Retry-After") == "" {
			t.Fatalf("login past a full queue: status %d, Retry-After %q", busy.status, busy.header.Get("Retry-After"))
		}
		if !strings.Contains(busy.body, "Сейчас входят слишком многие") || !strings.Contains(busy.body, `name="login" type="text" value="admin"`) {
			t.Errorf("busy page without its message or the typed login: %s", busy.body)
		}
		h.release()
		for i, r := range wait() {
			if r.status != http.StatusUnauthorized {
				t.Errorf("queued login %d: status %d", i, r.status)
			}
		}
		if a.web.hashes.Busy() != 0 {
			t.Errorf("%d hashing turns still held", a.web.hashes.Busy())
		}
		// The turned-away attempt was not counted against the address.
		if a.web.limiter.Blocked("127.0.0.1") {
			t.Error("address blocked")
		}
		a.login(t, "admin", testPassword)
	})
}
