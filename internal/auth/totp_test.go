package auth

import (
	"strings"
	"testing"
	"time"
)

// The RFC 6238 test vector for SHA-1 (secret "12345678901234567890"),
// cut to the 6 digits authenticator apps show.
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := b32.EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		at := time.Unix(tc.unix, 0)
		got, err := TOTPCode(secret, TOTPStep(at))
		if err != nil || got != tc.code {
			t.Errorf("code at %d: %q %v, want %q", tc.unix, got, err, tc.code)
		}
		step, ok := MatchTOTP(secret, tc.code[:3]+" "+tc.code[3:], at, 0)
		if !ok || step != TOTPStep(at) {
			t.Errorf("match at %d: %v %d", tc.unix, ok, step)
		}
	}
}

func TestMatchTOTPWindowAndReplay(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Date(2026, 12, 6, 10, 0, 10, 0, time.UTC)
	cur := TOTPStep(now)
	code := func(step int64) string { c, _ := TOTPCode(secret, step); return c }
	for d, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		if _, ok := MatchTOTP(secret, code(cur+d), now, 0); ok != want {
			t.Errorf("step %+d: accepted %v, want %v", d, ok, want)
		}
	}
	if _, ok := MatchTOTP(secret, code(cur), now, cur); ok {
		t.Error("a used step was accepted again")
	}
	if step, ok := MatchTOTP(secret, code(cur+1), now, cur); !ok || step != cur+1 {
		t.Error("the step after the used one was refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := MatchTOTP(secret, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes(RecoveryCodeCount)
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Errorf("bad or repeated code %q", c)
		}
		seen[c] = true
		if LooksLikeTOTP(c) {
			t.Errorf("%q would be read as a TOTP code", c)
		}
		if HashRecoveryCode(strings.ToUpper(strings.ReplaceAll(c, "-", " "))) != HashRecoveryCode(c) {
			t.Errorf("%q typed differently hashes differently", c)
		}
	}
}
