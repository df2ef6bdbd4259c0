package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/opora-project/opora/internal/backup"
)

// FuzzVerifyArchive: a backup archive that arrives damaged, truncated or
// crafted (paths, sizes, manifest) is refused as damaged — errors.Is
// ErrDamaged — and never panics. The fuzzer edits the tar inside the gzip.
func FuzzVerifyArchive(f *testing.F) {
	mk := func(entries map[string]string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for name, body := range entries {
			_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
			_, _ = tw.Write([]byte(body))
		}
		_ = tw.Close()
		return b.Bytes()
	}
	f.Add(mk(map[string]string{"manifest.json": `{"version":1,"files":[]}`}))
	f.Add(mk(map[string]string{"manifest.json": `{"version":1,"database":"sqlite","files":[{"name":"database/opora.db","size":3,"sha256":"00"}]}`, "database/opora.db": "abc"}))
	f.Add(mk(map[string]string{"../../etc/passwd": "x", "files/ab/cd": "OPORA1"}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, tarBytes []byte) {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		_, _ = w.Write(tarBytes)
		_ = w.Close()
		p := filepath.Join(t.TempDir(), "backup.tar.gz")
		if err := os.WriteFile(p, gz.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := backup.Verify(t.Context(), p); err != nil && !errors.Is(err, backup.ErrDamaged) {
			t.Fatalf("refused, but not as damaged: %v", err)
		}
	})
}
