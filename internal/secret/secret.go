// Package secret seals the few secrets Opora keeps in its database (an
// organisation's SMTP password) with AES-256-GCM under a key kept in a
// file beside the data, not in the database: a copy of the database alone
// does not give the secret away. A sealed value reads "v1:" and the
// base64 of nonce and ciphertext; the prefix names the scheme so that a
// later one can be told apart, and a legacy plain value from one.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Prefix starts every sealed value.
const Prefix = "v1:"

// KeyFileName is the key file's name in the data folder.
const KeyFileName = "secret.key"

// ErrWrongKey: a sealed value does not open with this key (another
// instance's key file, or a damaged value).
var ErrWrongKey = errors.New("secret: the value does not open with this key file (is it the key file of the instance that sealed it?)")

// Box seals and opens values with one key.
type Box struct {
	aead cipher.AEAD
}

// New returns a box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: the key must be 32 bytes, not %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: g}, nil
}

// IsSealed reports whether v is a sealed value (else plain, or empty).
func IsSealed(v string) bool { return strings.HasPrefix(v, Prefix) }

// Seal returns the sealed form of a plain value; "" stays "".
func (b *Box) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: nonce: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(Prefix))
	return Prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open returns the plain value of a sealed one; "" stays "". A value
// without the prefix is refused: callers seal legacy values first.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, Prefix)
	if !ok {
		return "", errors.New("secret: the value is not sealed")
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrWrongKey
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(Prefix))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}

// Load reads the key file: 32 random bytes, base64 on one line.
func Load(path string) (*Box, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secret: key file %s: not a base64 32-byte key", path)
	}
	return New(key)
}

// LoadOrCreate reads the key file, creating it (mode 0600, with its
// folder) with a new random key when it does not exist. Creation does not
// replace a file another process made meanwhile.
func LoadOrCreate(path string) (*Box, error) {
	b, err := Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: new key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret: key folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	return New(key)
}
