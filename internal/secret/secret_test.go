package secret

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A value sealed with one key file opens with it, reads nothing like the
// password, and does not open with another key: a clear error, not garbage.
func TestSealOpenWrongKey(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreate(filepath.Join(dir, "a", KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "a", KeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}
	sealed, err := a.Seal("s3cr3t-пароль")
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(sealed) || strings.Contains(sealed, "s3cr3t") {
		t.Fatalf("sealed: %q", sealed)
	}
	again, _ := a.Seal("s3cr3t-пароль")
	if again == sealed {
		t.Error("two seals of one value are the same (nonce reused)")
	}
	if got, err := a.Open(sealed); err != nil || got != "s3cr3t-пароль" {
		t.Fatalf("open: %q %v", got, err)
	}
	reread, err := LoadOrCreate(filepath.Join(dir, "a", KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reread.Open(sealed); err != nil || got != "s3cr3t-пароль" {
		t.Fatalf("open with the key file read again: %q %v", got, err)
	}
	b, err := LoadOrCreate(filepath.Join(dir, "b", KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(sealed); !errors.Is(err, ErrWrongKey) || got != "" {
		t.Errorf("another key: %q %v", got, err)
	}
	if _, err := a.Open("plain"); err == nil {
		t.Error("a plain value opened")
	}
	if _, err := Load(filepath.Join(dir, "none")); err == nil {
		t.Error("a missing key file loaded")
	}
}
