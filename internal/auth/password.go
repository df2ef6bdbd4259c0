// Package auth holds password hashing, session tokens and the per-address
// login limiter. It knows nothing about HTTP or SQL.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follow the OWASP recommendation for argon2id
// (19 MiB, 2 iterations, 1 thread): about 25 ms on one core here.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// params is what Hash uses; tests lower it with SetParamsForTests.
var params = DefaultParams

// SetParamsForTests makes hashing cheap. Only tests call it.
func SetParamsForTests() { params = Params{Memory: 1024, Time: 1, Threads: 1} }

const saltLen, keyLen = 16, 32

// Hash returns the password's argon2id hash in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$key), which carries its own parameters.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	p := params
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash is returned for a stored hash Opora cannot read.
var ErrBadHash = errors.New("auth: unreadable password hash")

// Verify reports whether password matches the stored hash, in constant time.
func Verify(password, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Threads == 0 {
		return false, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, ErrBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the login names no account, so that an
// unknown login takes as long as a wrong password (no user enumeration).
var dummyHash string

var dummyMu sync.Mutex

// DummyHash returns a hash no password is known for, made with the current
// parameters: verifying against it spends the time of a real check.
func DummyHash() string {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	if dummyHash == "" || !strings.Contains(dummyHash, fmt.Sprintf("m=%d,t=%d,", params.Memory, params.Time)) {
		dummyHash, _ = Hash("opora-dummy-password")
	}
	return dummyHash
}

// VerifyDummy spends the same time as Verify and always fails.
func VerifyDummy(password string) {
	_, _ = Verify(password, DummyHash())
}

// NewToken returns a random URL-safe token (256 bits) for sessions and setup links.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a token; only hashes are stored, so a
// leaked database does not hand out live sessions.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
