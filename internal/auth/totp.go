package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP as every authenticator app reads it: SHA-1, 6 digits, 30 seconds.
const (
	TOTPPeriod = 30
	TOTPDigits = 6
	// RecoveryCodeCount recovery codes are issued at a time.
	RecoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random TOTP secret (160 bits, base32).
func NewTOTPSecret() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return b32.EncodeToString(b)
}

// TOTPKey returns the otpauth:// key an authenticator app scans for secret.
func TOTPKey(issuer, account, secret string) (*otp.Key, error) {
	raw, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil, fmt.Errorf("auth: totp secret: %w", err)
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: raw,
		Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("auth: totp key: %w", err)
	}
	return k, nil
}

// TOTPQR renders the key's QR code as a PNG of size×size pixels, on the
// server: the secret never leaves for a QR service.
func TOTPQR(k *otp.Key, size int) ([]byte, error) {
	img, err := k.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("auth: qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: qr: %w", err)
	}
	return buf.Bytes(), nil
}

// TOTPStep is the time step a moment falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// TOTPCode returns the code of secret for time step step (tests and the
// enrolment check use it).
func TOTPCode(secret string, step int64) (string, error) {
	return totp.GenerateCodeCustom(secret, time.Unix(step*TOTPPeriod, 0).UTC(), totpOpts)
}

// MatchTOTP checks a code typed at time now against secret, accepting the
// step before and after now's (clocks drift, typing takes time). It returns
// the step the code belongs to; a step not after usedStep (the last one
// accepted) is refused, so a code cannot be replayed.
func MatchTOTP(secret, code string, now time.Time, usedStep int64) (int64, bool) {
	code = NormalizeTOTPCode(code)
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		if step <= usedStep {
			continue
		}
		want, err := TOTPCode(secret, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// NormalizeTOTPCode drops the spaces and dashes people type into a code.
func NormalizeTOTPCode(code string) string {
	return strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(code))
}

// LooksLikeTOTP reports whether a typed code is a TOTP code (digits only)
// rather than a recovery code.
func LooksLikeTOTP(code string) bool {
	c := NormalizeTOTPCode(code)
	if len(c) != TOTPDigits {
		return false
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// recoveryAlphabet leaves out letters people confuse (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewRecoveryCodes returns n one-time recovery codes, "xxxxx-xxxxx" (about
// 50 bits each), to show once; only their hashes are kept.
func NewRecoveryCodes(n int) []string {
	out := make([]string, n)
	buf := make([]byte, 10)
	for i := range out {
		if _, err := rand.Read(buf); err != nil {
			panic("auth: no randomness: " + err.Error())
		}
		var sb strings.Builder
		for j, b := range buf {
			if j == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(b)%len(recoveryAlphabet)])
		}
		out[i] = sb.String()
	}
	return out
}

// HashRecoveryCode returns the stored form of a recovery code: the hash of
// its letters in lower case, whatever spaces or dashes were typed.
func HashRecoveryCode(code string) string {
	return HashToken(strings.ToLower(NormalizeTOTPCode(code)))
}
