package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestKey(t testing.TB) (*Key, []byte) {
	t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	k, err := NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k, raw
}

func readAll(t *testing.T, s *Storage, key string) ([]byte, error) {
	t.Helper()
	o, err := s.Open(key)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	data, err := io.ReadAll(o)
	if err == nil && int64(len(data)) != o.Size() {
		t.Fatalf("Size() = %d, read %d bytes", o.Size(), len(data))
	}
	return data, err
}

func TestEncryptedRoundTrip(t *testing.T) {
	k, _ := newTestKey(t)
	dir := t.TempDir()
	s := NewWithKey(dir, k)
	marker := []byte("ПАСПОРТ 4510 123456")
	for _, n := range []int{1, 100, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2 * ChunkSize, 3*ChunkSize + 17} {
		data := bytes.Repeat([]byte{'a'}, n)
		copy(data, marker)
		st, err := s.Put(7, time.Now(), data)
		if err != nil {
			t.Fatalf("put %d: %v", n, err)
		}
		if st.Size != int64(n) {
			t.Fatalf("size %d: %d", n, st.Size)
		}
		raw, err := os.ReadFile(s.path(st.Key))
		if err != nil {
			t.Fatal(err)
		}
		if n >= len(marker) && bytes.Contains(raw, marker) || bytes.Contains(raw, bytes.Repeat([]byte{'a'}, 32)) {
			t.Fatalf("%d bytes: plaintext on disk", n)
		}
		got, err := readAll(t, s, st.Key)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: read back %d bytes, %v", n, len(got), err)
		}
	}
}

func TestEncryptedRefusesWrongKeyAndDamage(t *testing.T) {
	k, _ := newTestKey(t)
	other, _ := newTestKey(t)
	dir := t.TempDir()
	s := NewWithKey(dir, k)
	data := bytes.Repeat([]byte("содержимое "), 3*ChunkSize/10)
	st, err := s.Put(1, time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewWithKey(dir, other).Open(st.Key); !errors.Is(err, ErrWrongKey) {
		t.Errorf("other key: %v", err)
	}
	if _, err := New(dir).Open(st.Key); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
	p := s.path(st.Key)
	raw, _ := os.ReadFile(p)
	damage := map[string][]byte{
		// Cut after the first chunk: a whole chunk is missing, the rest authenticates.
		"truncated at a chunk":  raw[:headerLen+sealedChunk],
		"truncated mid-chunk":   raw[:len(raw)-5],
		"a flipped bit":         func() []byte { b := bytes.Clone(raw); b[headerLen+100] ^= 1; return b }(),
		"a damaged wrapped key": func() []byte { b := bytes.Clone(raw); b[len(magic)+1+keyIDLen+nonceLen+3] ^= 1; return b }(),
		"chunks swapped": func() []byte {
			b := bytes.Clone(raw)
			c1 := b[headerLen : headerLen+sealedChunk]
			c2 := bytes.Clone(b[headerLen+sealedChunk : headerLen+2*sealedChunk])
			copy(b[headerLen+sealedChunk:], c1)
			copy(b[headerLen:], c2)
			return b
		}(),
	}
	for name, b := range damage {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, s, st.Key)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: read %d bytes, err %v", name, len(got), err)
		}
	}
}

func TestPlainFilesStillRead(t *testing.T) {
	dir := t.TempDir()
	plain := New(dir)
	data := []byte("%PDF-1.4 старая справка")
	st, err := plain.Put(3, time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := newTestKey(t)
	o, err := NewWithKey(dir, k).Open(st.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(o)
	o.Close()
	if !bytes.Equal(got, data) || o.Encrypted() {
		t.Fatalf("plain file read with a key: %q", got)
	}
}

func TestEncryptAllAndDecryptAll(t *testing.T) {
	dir := t.TempDir()
	plain := New(dir)
	contents := map[string][]byte{}
	for i, n := range []int{10, ChunkSize + 3, 5 * ChunkSize} {
		data := make([]byte, n)
		rand.Read(data)
		st, err := plain.Put(int64(i+1), time.Now(), data)
		if err != nil {
			t.Fatal(err)
		}
		contents[st.Key] = data
	}
	k, _ := newTestKey(t)
	s := NewWithKey(dir, k)
	// One written with the key already: skipped.
	st, err := s.Put(9, time.Now(), []byte("уже зашифрован"))
	if err != nil {
		t.Fatal(err)
	}
	contents[st.Key] = []byte("уже зашифрован")
	// Something left by an interrupted write: not a stored file, untouched.
	tmp := filepath.Join(s.root, "1", ".upload-123")
	os.WriteFile(tmp, []byte("half"), 0o600)

	n, err := s.EncryptAll(context.Background(), nil)
	if err != nil || n.Changed != 3 || n.Already != 1 || n.Failed != 0 || n.Bytes != int64(10+ChunkSize+3+5*ChunkSize) {
		t.Fatalf("encrypt: %+v %v", n, err)
	}
	for key, want := range contents {
		raw, _ := os.ReadFile(s.path(key))
		if id, ok := headerKeyID(raw); !ok || id != k.ID() {
			t.Fatalf("%s not encrypted", key)
		}
		if got, err := readAll(t, s, key); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s differs after encryption: %v", key, err)
		}
	}
	if b, _ := os.ReadFile(tmp); string(b) != "half" {
		t.Fatal("a temporary file was touched")
	}
	if m, _ := s.KeyMarker(); m != k.ID() {
		t.Fatalf("marker %q", m)
	}
	// Run again (resumed): nothing left to do.
	if n, err := s.EncryptAll(context.Background(), nil); err != nil || n.Changed != 0 || n.Already != 4 {
		t.Fatalf("second run: %+v %v", n, err)
	}
	// Another key does not touch them and says so.
	other, _ := newTestKey(t)
	var reported []string
	if n, _ := NewWithKey(dir, other).EncryptAll(context.Background(), func(key string, err error) {
		reported = append(reported, key)
	}); n.Failed != 4 || len(reported) != 4 {
		t.Fatalf("other key: %+v %v", n, reported)
	}
	os.WriteFile(filepath.Join(s.root, MarkerName), []byte(k.ID()+"\n"), 0o600)

	n, err = s.DecryptAll(context.Background(), nil)
	if err != nil || n.Changed != 4 || n.Failed != 0 {
		t.Fatalf("decrypt: %+v %v", n, err)
	}
	for key, want := range contents {
		raw, _ := os.ReadFile(s.path(key))
		if !bytes.Equal(raw, want) {
			t.Fatalf("%s not plain again", key)
		}
	}
	if m, _ := s.KeyMarker(); m != "" {
		t.Fatalf("marker left: %q", m)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	_, raw := newTestKey(t)
	want, _ := NewKey(raw)
	for name, content := range map[string][]byte{
		"raw":    raw,
		"hex":    []byte(hex.EncodeToString(raw) + "\n"),
		"base64": []byte(base64.StdEncoding.EncodeToString(raw) + "\n"),
	} {
		p := filepath.Join(dir, name+".key")
		os.WriteFile(p, content, 0o600)
		k, err := LoadKey(p, data)
		if err != nil || k.ID() != want.ID() {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := filepath.Join(dir, "short.key")
	os.WriteFile(bad, []byte("secret\n"), 0o600)
	if _, err := LoadKey(bad, data); err == nil || !strings.Contains(err.Error(), "not a 32-byte key") {
		t.Errorf("short key: %v", err)
	}
	os.MkdirAll(data, 0o700)
	in := filepath.Join(data, "files.key")
	os.WriteFile(in, raw, 0o600)
	if _, err := LoadKey(in, data); err == nil || !strings.Contains(err.Error(), "inside the data folder") {
		t.Errorf("key inside the data folder: %v", err)
	}
}

func TestCheckKey(t *testing.T) {
	k, _ := newTestKey(t)
	other, _ := newTestKey(t)
	for _, c := range []struct {
		stored, marker string
		key            *Key
		want           string // part of the error, "" for none
	}{
		{"", "", nil, ""},
		{"", "", k, ""},
		{k.ID(), "", k, ""},
		{"", k.ID(), k, ""},
		{k.ID(), "", nil, "no files key is configured: start with --files-key-file"},
		{"", k.ID(), nil, "no files key is configured"},
		{k.ID(), k.ID(), other, "is not the key the stored files were encrypted with"},
		{k.ID(), other.ID(), k, "differ"},
	} {
		err := CheckKey(c.stored, c.marker, c.key)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckKey(%q, %q): %v, want %q", c.stored, c.marker, err, c.want)
		}
	}
}

// BenchmarkPutOpen10MB measures storing and reading back a 10 MB file,
// plain and encrypted (docs/PERFORMANCE.md).
func BenchmarkPutOpen10MB(b *testing.B) {
	data := make([]byte, 10<<20)
	rand.Read(data)
	k, _ := newTestKey(b)
	for _, c := range []struct {
		name string
		key  *Key
	}{{"plain", nil}, {"encrypted", k}} {
		s := NewWithKey(b.TempDir(), c.key)
		b.Run("put/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				st, err := s.Put(1, time.Now(), data)
				if err != nil {
					b.Fatal(err)
				}
				s.Remove(st.Key)
			}
		})
		st, err := s.Put(1, time.Now(), data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("open/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				o, err := s.Open(st.Key)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, o); err != nil {
					b.Fatal(err)
				}
				o.Close()
			}
		})
	}
}
