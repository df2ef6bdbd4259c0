package web

import (
	"bytes"
	"crypto/rand"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// appWithKey starts a server on the store over the data folder dir that
// encrypts the files it stores with key (nil: plain).
func appWithKey(t testing.TB, st *store.Store, dir string, key *files.Key) *app {
	t.Helper()
	s, err := New(st, i18n.MustLoad(), Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DataDir: dir, FilesKey: key})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &app{st: st, srv: srv, web: s}
}

func testFilesKey(t testing.TB) *files.Key {
	t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	k, err := files.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEncryptedFilesUploadAndDownload: with a files key, an uploaded scan
// lies encrypted on disk and downloads as it was sent; a file stored plain
// before the key was configured still downloads; `files encrypt` (EncryptAll)
// turns it encrypted and its download stays identical.
func TestEncryptedFilesUploadAndDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		setPassword(t, st, fx.Admin.ID, fx.Org.ID)
		dir := t.TempDir()
		key := testFilesKey(t)

		// Before encryption: a plain file.
		plainApp := appWithKey(t, st, dir, nil)
		c := plainApp.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		id := clientIDOf(t, loc)
		old := append([]byte("%PDF-1.4\n% справка, загруженная до шифрования\n"), bytes.Repeat([]byte("старое "), 30000)...)
		if res := c.postMultipart(loc+"/files", nil, upload{"file", "old.pdf", old}); res.Status != http.StatusSeeOther {
			t.Fatalf("plain upload: %d", res.Status)
		}

		// With the key: a new file (several chunks) is encrypted on disk.
		a := appWithKey(t, st, dir, key)
		c = a.login(t, "admin", testPassword)
		secretText := []byte("Диагноз: секретные сведения клиента")
		scan := append(append([]byte("%PDF-1.4\n"), secretText...), bytes.Repeat([]byte("0123456789"), 20000)...)
		if res := c.postMultipart(loc+"/files", nil, upload{"file", "new.pdf", scan}); res.Status != http.StatusSeeOther {
			t.Fatalf("encrypted upload: %d %s", res.Status, res.Body)
		}
		list, err := st.ClientFiles(fx.Ctx(), id)
		if err != nil || len(list) != 2 {
			t.Fatalf("files: %v %d", err, len(list))
		}
		byName := map[string]string{}
		onDisk := map[string]string{}
		for _, f := range list {
			byName[f.Name] = loc + "/files/" + idString(f.ID)
			onDisk[f.Name] = filepath.Join(dir, "files", filepath.FromSlash(f.StorageKey))
		}
		raw, err := os.ReadFile(onDisk["new.pdf"])
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, secretText) || bytes.Contains(raw, []byte("0123456789")) || bytes.Contains(raw, []byte("%PDF")) {
			t.Fatal("the encrypted file on disk holds its plaintext")
		}
		download := func(name string) response {
			t.Helper()
			res := c.get(byName[name])
			if res.Status != http.StatusOK {
				t.Fatalf("download %s: %d", name, res.Status)
			}
			return res
		}
		if res := download("new.pdf"); res.Body != string(scan) || res.Header.Get("Content-Length") != itoa(len(scan)) {
			t.Fatalf("encrypted download differs: %d bytes, Content-Length %s", len(res.Body), res.Header.Get("Content-Length"))
		}
		if raw, _ := os.ReadFile(onDisk["old.pdf"]); !bytes.Equal(raw, old) {
			t.Fatal("the old file changed on disk before the migration")
		}
		if res := download("old.pdf"); res.Body != string(old) {
			t.Fatal("the plain file does not download as it was")
		}

		// Migration: the old file gets encrypted, downloads stay identical.
		n, err := files.NewWithKey(dir, key).EncryptAll(fx.Ctx(), nil)
		if err != nil || n.Changed != 1 || n.Already != 1 || n.Failed != 0 {
			t.Fatalf("encrypt: %+v %v", n, err)
		}
		if raw, _ := os.ReadFile(onDisk["old.pdf"]); bytes.Contains(raw, []byte("старое")) {
			t.Fatal("the migrated file still holds its plaintext")
		}
		if res := download("old.pdf"); res.Body != string(old) {
			t.Fatal("the migrated file does not download as it was")
		}
		if res := download("new.pdf"); res.Body != string(scan) {
			t.Fatal("the encrypted file changed in the migration")
		}

		// A photo and its thumbnail: both stored encrypted, both served as JPEG.
		if res := c.postMultipart(loc+"/photo", nil, upload{"photo", "IMG_0001.jpg", exifPhoto(t, 320, 240)}); res.Status != http.StatusSeeOther {
			t.Fatalf("photo upload: %d", res.Status)
		}
		for _, thumb := range []bool{false, true} {
			pf, err := st.ClientPhoto(fx.Ctx(), id, thumb)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, "files", filepath.FromSlash(pf.StorageKey)))
			if bytes.HasPrefix(raw, []byte{0xff, 0xd8}) || bytes.Contains(raw, []byte("JFIF")) {
				t.Fatalf("photo (thumb %v) lies plain on disk", thumb)
			}
			path := loc + "/photo"
			if thumb {
				path += "/thumb"
			}
			res := c.get(path)
			if _, err := jpeg.Decode(strings.NewReader(res.Body)); res.Status != http.StatusOK || err != nil {
				t.Fatalf("photo (thumb %v): %d %v", thumb, res.Status, err)
			}
		}

		// A server without the key cannot serve them (and `serve` refuses to
		// start that way, cmd/opora): the download fails, nothing is shown.
		noKey := appWithKey(t, st, dir, nil)
		nc := noKey.login(t, "admin", testPassword)
		if res := nc.get(byName["new.pdf"]); res.Status == http.StatusOK || bytes.Contains([]byte(res.Body), secretText) {
			t.Fatalf("download without the key: %d", res.Status)
		}
	})
}

func itoa(n int) string { return idString(int64(n)) }

// BenchmarkFileUpload10MB measures uploading a 10 MB scan through
// POST /clients/{id}/files and downloading it through the authorised
// handler, with the files stored plain and encrypted (SQLite;
// docs/PERFORMANCE.md).
func BenchmarkFileUpload10MB(b *testing.B) {
	data := append([]byte("%PDF-1.4\n"), make([]byte, 10<<20)...)
	rand.Read(data[9:])
	for _, name := range []string{"plain", "encrypted"} {
		b.Run(name, func(b *testing.B) {
			st := storetest.Open(b, store.SQLite)
			fx := storetest.SetupOrg(b, st, "Ночлежка")
			setPassword(b, st, fx.Admin.ID, fx.Org.ID)
			var key *files.Key
			if name == "encrypted" {
				key = testFilesKey(b)
			}
			a := appWithKey(b, st, b.TempDir(), key)
			a.web.cfg.MaxUploadBytes = 20 << 20
			c := a.login(b, "admin", testPassword)
			res := c.post("/clients", clientForm(fx))
			loc := res.Location
			if res.Status != http.StatusSeeOther {
				b.Fatalf("client: %d", res.Status)
			}
			var fileLoc string
			b.Run("upload", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if res := c.postMultipart(loc+"/files", nil, upload{"file", "scan.pdf", data}); res.Status != http.StatusSeeOther {
						b.Fatalf("upload: %d", res.Status)
					}
				}
			})
			list, err := st.ClientFiles(fx.Ctx(), fileClientID(b, loc))
			if err != nil || len(list) == 0 {
				b.Fatalf("files: %v", err)
			}
			fileLoc = loc + "/files/" + idString(list[0].ID)
			b.Run("download", func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if res := c.get(fileLoc); res.Status != http.StatusOK || len(res.Body) != len(data) {
						b.Fatalf("download: %d, %d bytes", res.Status, len(res.Body))
					}
				}
			})
		})
	}
}

func fileClientID(t testing.TB, loc string) int64 {
	ids := formIDs([]string{loc[len("/clients/"):]})
	if len(ids) != 1 {
		t.Fatalf("client location %q", loc)
	}
	return ids[0]
}
