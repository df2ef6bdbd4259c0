package auth

import (
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
		if l.Blocked("1.2.3.4") {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("1.2.3.4")
	}
	if !l.Blocked("1.2.3.4") {
		t.Fatal("not blocked after 3 failures")
	}
	if l.Blocked("5.6.7.8") {
		t.Fatal("another address blocked")
	}
	now = now.Add(61 * time.Second)
	if l.Blocked("1.2.3.4") {
		t.Fatal("still blocked after the window")
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
