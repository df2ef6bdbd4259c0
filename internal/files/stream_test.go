package files

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestStreamEncrypted: a stream written with a key lies on disk as the
// stored files' encrypted format (0600, the key's id in its header, not
// the content), reads back whole and at any offset — across chunk
// boundaries, up to the end — and a changed byte fails authentication;
// without a key the file holds the content as sent.
func TestStreamEncrypted(t *testing.T) {
	raw := make([]byte, 32)
	rand.Read(raw)
	key, err := NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	content := make([]byte, 3*ChunkSize+1234)
	rand.Read(content)
	copy(content[ChunkSize-5:], "Фамилия;Ёлкин")
	dir := filepath.Join(t.TempDir(), "imports")
	n, sum, err := WriteStream(dir, "enc", key, bytes.NewReader(content))
	want := sha256.Sum256(content)
	if err != nil || n != int64(len(content)) || sum != hex.EncodeToString(want[:]) {
		t.Fatalf("write: %v %d %s", err, n, sum)
	}
	path := filepath.Join(dir, "enc")
	disk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := KeyIDOf(disk); !ok || id != key.ID() || bytes.Contains(disk, []byte("Ёлкин")) {
		t.Fatalf("on disk: encrypted %v, key %s", ok, id)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".upload-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	o, err := OpenStream(path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Size() != int64(len(content)) || !o.Encrypted() {
		t.Fatalf("size %d encrypted %v", o.Size(), o.Encrypted())
	}
	for _, c := range []struct{ off, n int }{{0, 10}, {ChunkSize - 5, 20}, {ChunkSize - 1, 2*ChunkSize + 2}, {len(content) - 7, 7},
		{5, ChunkSize * 3}, {0, len(content)}} {
		got := make([]byte, c.n)
		k, err := o.ReadAt(got, int64(c.off))
		if err != nil || k != c.n || !bytes.Equal(got, content[c.off:c.off+c.n]) {
			t.Fatalf("ReadAt(%d, %d): %d %v", c.off, c.n, k, err)
		}
	}
	got := make([]byte, 10)
	if k, err := o.ReadAt(got, int64(len(content)-3)); k != 3 || err != io.EOF || !bytes.Equal(got[:3], content[len(content)-3:]) {
		t.Fatalf("ReadAt past the end: %d %v", k, err)
	}
	if all, err := io.ReadAll(o); err != nil || !bytes.Equal(all, content) {
		t.Fatalf("read whole: %v", err)
	}
	// Without the key: refused; with a changed byte: damaged.
	if _, err := OpenStream(path, nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	disk[HeaderLen+ChunkSize+100] ^= 1
	if err := os.WriteFile(path, disk, 0o600); err != nil {
		t.Fatal(err)
	}
	bad, err := OpenStream(path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if _, err := bad.ReadAt(make([]byte, 10), ChunkSize+50); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("changed byte: %v", err)
	}

	// Without a key: the content as sent.
	if _, _, err := WriteStream(dir, "plain", nil, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if disk, err := os.ReadFile(filepath.Join(dir, "plain")); err != nil || !bytes.Equal(disk, content) {
		t.Fatalf("plain: %v", err)
	}
	// An existing name is not overwritten.
	if _, _, err := WriteStream(dir, "plain", nil, bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("overwrote an existing file")
	}
}
