package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/backup"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// newFilesKey writes a new key file (hex) outside any data folder.
func newFilesKey(t *testing.T) (string, *files.Key) {
	t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	p := filepath.Join(t.TempDir(), "files.key")
	if err := os.WriteFile(p, []byte(hex.EncodeToString(raw)), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := files.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p, k
}

// TestEncryptedFilesRoundTrip: encrypted files stay encrypted in the
// archive (the key is not in it); restore without the key, or with
// another, is refused before anything is written; with the key, every
// file reads back identical in the restored folder and the restored
// database keeps the key check. On SQLite and PostgreSQL.
func TestEncryptedFilesRoundTrip(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := ""
			if dialect == store.Postgres {
				storetest.SkipUnlessPostgres(t)
				pgTools(t)
				dsn = storetest.PostgresDatabase(t)
			}
			src := newSource(t, dsn)
			keyFile, key := newFilesKey(t)
			wrongFile, _ := newFilesKey(t)
			secretText := []byte("ВИЧ-статус клиента: сведения из справки")
			big := make([]byte, 3*files.ChunkSize+123)
			rand.Read(big)
			contents := map[string][]byte{}
			enc := files.NewWithKey(src.dir, key)
			for _, data := range [][]byte{append(bytes.Clone(secretText), bytes.Repeat([]byte(" справка"), 5000)...), big} {
				st, err := enc.Put(src.org.Org.ID, time.Now(), data)
				if err != nil {
					t.Fatal(err)
				}
				contents[st.Key] = data
			}
			if err := enc.WriteKeyMarker(); err != nil {
				t.Fatal(err)
			}
			if err := src.store.SetFilesKeyID(src.org.Ctx(), key.ID()); err != nil {
				t.Fatal(err)
			}

			// Backup needs no key: the files go in as they lie on disk.
			archive := filepath.Join(t.TempDir(), "b.tar.gz")
			if _, err := backup.Create(context.Background(), src.options(t), archive); err != nil {
				t.Fatalf("Create: %v", err)
			}
			keyText, _ := os.ReadFile(keyFile)
			for _, e := range readArchive(t, archive) {
				if bytes.Contains(e.data, secretText) || bytes.Contains(e.data, []byte(" справка справка")) {
					t.Fatalf("archive entry %s holds the plaintext of an encrypted file", e.hdr.Name)
				}
				if bytes.Contains(e.data, keyText) {
					t.Fatalf("the files key is in the archive (%s)", e.hdr.Name)
				}
			}
			if m, err := backup.Verify(context.Background(), archive); err != nil || len(m.FilesKeyIDs) != 1 || m.FilesKeyIDs[0] != key.ID() {
				t.Fatalf("Verify: %v %+v", err, m)
			}

			target := filepath.Join(t.TempDir(), "restored")
			dst := ""
			if dsn != "" {
				dst = storetest.PostgresDatabase(t)
			}
			opts := backup.Options{DataDir: target, DatabaseURL: dst}
			for _, c := range []struct {
				keyFile, want string
			}{
				{"", "the backup's files are encrypted"},
				{wrongFile, "is not the key the backup's files were encrypted with"},
			} {
				o := opts
				o.FilesKeyFile = c.keyFile
				_, err := backup.Restore(context.Background(), o, archive)
				if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--files-key-file") {
					t.Fatalf("restore with key %q: %v, want %q", c.keyFile, err, c.want)
				}
				if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("a refused restore created the data folder: %v", err)
				}
			}

			opts.FilesKeyFile = keyFile
			if _, err := backup.Restore(context.Background(), opts, archive); err != nil {
				t.Fatalf("Restore with the key: %v", err)
			}
			restored := storetest.OpenOptions(t, store.Options{DataDir: target, DatabaseURL: dst, MaxReaders: 4})
			if id, err := restored.FilesKeyID(context.Background()); err != nil || id != key.ID() {
				t.Fatalf("restored key check %q: %v", id, err)
			}
			rs := files.NewWithKey(target, key)
			marker, _ := rs.KeyMarker()
			if err := files.CheckKey(key.ID(), marker, key); err != nil {
				t.Fatalf("the restored instance would not start with its key: %v", err)
			}
			for k, want := range contents {
				raw, _ := os.ReadFile(filepath.Join(target, "files", filepath.FromSlash(k)))
				if bytes.Contains(raw, secretText) {
					t.Fatal("a restored file lies plain on disk")
				}
				o, err := rs.Open(k)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(o)
				o.Close()
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("restored %s: %d bytes, %v; want the same %d bytes", k, len(got), err, len(want))
				}
			}
			// The plain files of the source came back too.
			got := readFiles(t, target)
			for name, want := range src.files {
				if !bytes.Equal(got[name], want) {
					t.Errorf("restored files/%s differs", name)
				}
			}
		})
	}
}
