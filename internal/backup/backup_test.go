package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opora-project/opora/internal/backup"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/secret"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// source is a data folder with a running store, some rows and some files.
type source struct {
	dir   string
	store *store.Store
	org   *storetest.Fixture
	files map[string][]byte // relative to dir/files, slash-separated
}

// newSource builds a data folder at a new path. With dsn "" the database is
// SQLite in the folder, otherwise the PostgreSQL database at dsn.
func newSource(t *testing.T, dsn string) *source {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	s := storetest.OpenOptions(t, store.Options{DataDir: dir, DatabaseURL: dsn, MaxReaders: 4})
	f := storetest.SetupOrg(t, s, "Фонд «Опора»")
	f.AddUser(t, "ivanova", "specialist")
	f.AddUser(t, "petrov", "supervisor")
	storetest.AddOrg(t, s, f.Ctx(), "КДН района")
	// An SMTP password, kept sealed under the data folder's key file.
	set, err := s.NotificationSettings(f.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	set.EmailEnabled, set.Host, set.Port, set.TLS, set.User, set.Password, set.From = true, "smtp.example.org", 587,
		opora.SMTPStartTLS, "opora", "smtp-password", "opora@example.org"
	if err := s.SaveNotificationSettings(f.Ctx(), set); err != nil {
		t.Fatal(err)
	}
	photo := make([]byte, 300<<10) // incompressible, so the archive's middle is file data
	if _, err := rand.Read(photo); err != nil {
		t.Fatal(err)
	}
	src := &source{dir: dir, store: s, org: f, files: map[string][]byte{
		"clients/1/photo.jpg":    photo,
		"clients/1/справка.txt":  []byte("Справка о составе семьи\n"),
		"clients/2/empty.pdf":    {},
		"reports/2025/отчёт.csv": []byte("район;клиентов\nЛенинский;12\n"),
	}}
	for name, data := range src.files {
		p := filepath.Join(dir, "files", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func (src *source) options(t *testing.T) backup.Options {
	o := storetest.Options(t, src.store)
	return backup.Options{DataDir: src.dir, DatabaseURL: o.DatabaseURL, Version: "test-1.0"}
}

// create writes a backup of src and returns its path.
func (src *source) create(t *testing.T) string {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "opora-backup.tar.gz")
	m, err := backup.Create(context.Background(), src.options(t), dest)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if m.Format != backup.FormatVersion || m.Version != "test-1.0" || m.CreatedAt.IsZero() {
		t.Errorf("manifest = %+v", m)
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Path)
	}
	if !slices.Contains(names, "secret.key") {
		t.Errorf("manifest lacks the secret key file (has %v)", names)
	}
	for name := range src.files {
		if !slices.Contains(names, "files/"+name) {
			t.Errorf("manifest lacks files/%s (has %v)", name, names)
		}
	}
	if _, err := os.Stat(dest + ".tmp"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary archive left behind: %v", err)
	}
	return dest
}

// readFiles returns every file under dir/files, by slash-separated relative name.
func readFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	root := filepath.Join(dir, "files")
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// snapshot describes a data folder: every path below it with its content,
// for checking that a refused restore left it as it was.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSame opens the restored data folder with the store and checks it
// holds what src holds: organisations, users, audit log and files.
func checkSame(t *testing.T, src *source, restored *store.Store, restoredDir string) {
	t.Helper()
	ctx := src.org.Ctx()
	rctx := opora.WithActor(context.Background(), storetest.ActorOf(t, restored, src.org.Admin.ID))
	wantUsers, wantTotal, err := src.store.Users(ctx, store.UserFilter{IncludeDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	gotUsers, gotTotal, err := restored.Users(rctx, store.UserFilter{IncludeDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if gotTotal != wantTotal || len(gotUsers) != len(wantUsers) {
		t.Fatalf("restored %d users, want %d", gotTotal, wantTotal)
	}
	for i := range wantUsers {
		w, g := wantUsers[i], gotUsers[i]
		if g.ID != w.ID || g.Login != w.Login || g.FullName != w.FullName ||
			!slices.Equal(g.RoleIDs, w.RoleIDs) || !slices.Equal(g.BranchIDs, w.BranchIDs) || !g.CreatedAt.Equal(w.CreatedAt) {
			t.Errorf("restored user %+v, want %+v", g, w)
		}
	}
	wantOrgs, _ := src.store.Organisations(ctx)
	gotOrgs, err := restored.Organisations(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotOrgs) != len(wantOrgs) || len(gotOrgs) != 2 {
		t.Fatalf("restored %d organisations, want %d", len(gotOrgs), len(wantOrgs))
	}
	for i := range wantOrgs {
		if *gotOrgs[i] != *wantOrgs[i] {
			t.Errorf("restored organisation %+v, want %+v", gotOrgs[i], wantOrgs[i])
		}
	}
	_, wantAudit, _ := src.store.AuditEntries(ctx, opora.AuditFilter{})
	_, gotAudit, err := restored.AuditEntries(rctx, opora.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if gotAudit != wantAudit || gotAudit == 0 {
		t.Errorf("restored %d audit entries, want %d", gotAudit, wantAudit)
	}
	if lc, err := restored.UserForLogin(context.Background(), "ivanova"); err != nil || lc.PasswordHash != storetest.PasswordHash {
		t.Errorf("restored login: %+v, %v", lc, err)
	}
	// The key file came back: the SMTP password opens.
	if err := restored.CheckSecrets(context.Background()); err != nil {
		t.Errorf("the restored secrets: %v", err)
	}
	// The restored database still refuses to change the audit log.
	if _, err := storetest.RawDB(t, restored).Exec(`DELETE FROM audit_log`); err == nil {
		t.Error("the restored audit log can be deleted")
	}
	// New rows get fresh ids (sequences restored on PostgreSQL).
	rf := &storetest.Fixture{Store: restored, Org: src.org.Org, Branch: src.org.Branch, Admin: src.org.Admin,
		Actor: storetest.ActorOf(t, restored, src.org.Admin.ID)}
	rf.AddUser(t, "after.restore", "duty")

	got := readFiles(t, restoredDir)
	if len(got) != len(src.files) {
		t.Errorf("restored %d files, want %d", len(got), len(src.files))
	}
	for name, want := range src.files {
		if !bytes.Equal(got[name], want) {
			t.Errorf("restored files/%s: %d bytes, want the same %d bytes", name, len(got[name]), len(want))
		}
	}
}

func TestRoundTripSQLite(t *testing.T) {
	t.Parallel()
	src := newSource(t, "")
	archive := src.create(t)

	// Into a folder that does not exist yet (nor does its parent).
	target := filepath.Join(t.TempDir(), "restored", "data")
	m, err := backup.Restore(context.Background(), backup.Options{DataDir: target}, archive)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if m.Database != backup.DatabaseSQLite || m.Version != "test-1.0" {
		t.Errorf("manifest = %+v", m)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".opora-restore-*")); len(leftovers) != 0 {
		t.Errorf("staging folders left behind: %v", leftovers)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: target}), target)

	// Into an existing folder that holds only empty folders (a fresh mount point).
	target2 := t.TempDir()
	if err := os.MkdirAll(filepath.Join(target2, "files", "clients"), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target2}, archive); err != nil {
		t.Fatalf("Restore into an empty folder: %v", err)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: target2}), target2)

	if _, err := backup.Verify(context.Background(), archive); err != nil {
		t.Errorf("Verify of a good archive: %v", err)
	}
}

// A SQLite database named by sqlite:PATH, as `opora serve` accepts it, is
// backed up from PATH and restored to the PATH of the target's URL, inside
// or outside the data folder, or into the data folder without a URL.
func TestRoundTripSQLiteURL(t *testing.T) {
	t.Parallel()
	srcDB := filepath.Join(t.TempDir(), "db", "opora-main.db")
	src := newSource(t, "sqlite:"+srcDB)
	if _, err := os.Stat(filepath.Join(src.dir, "opora.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the source database should live outside the data folder: %v", err)
	}
	archive := src.create(t)

	// To another path outside the target folder.
	target := filepath.Join(t.TempDir(), "data")
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "elsewhere", "restored.db")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: dbURL}, archive); err != nil {
		t.Fatalf("Restore to %s: %v", dbURL, err)
	}
	if _, err := os.Stat(filepath.Join(target, "opora.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database was also put into the data folder: %v", err)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: target, DatabaseURL: dbURL}), target)

	// The same database path again: refused, and the new folder is not made.
	again := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: again, DatabaseURL: dbURL}, archive); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("Restore over an existing database file: err = %v, want ErrNotEmpty", err)
	}
	if _, err := os.Lstat(again); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused restore created the data folder: %v", err)
	}

	// To a path inside the data folder, and to the plain data folder.
	inside := filepath.Join(t.TempDir(), "data")
	insideURL := "sqlite:" + filepath.Join(inside, "db", "opora.sqlite")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: inside, DatabaseURL: insideURL}, archive); err != nil {
		t.Fatalf("Restore to %s: %v", insideURL, err)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: inside, DatabaseURL: insideURL}), inside)
	plain := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: plain}, archive); err != nil {
		t.Fatalf("Restore into a plain data folder: %v", err)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: plain}), plain)
}

// TestOnlineBackup backs up while the store keeps writing: the snapshot must
// be a consistent database that restores and opens.
func TestOnlineBackup(t *testing.T) {
	t.Parallel()
	src := newSource(t, "")
	ctx, cancel := context.WithCancel(src.org.Ctx())
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			err := src.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: int64(i)})
			if err != nil && ctx.Err() == nil {
				writeErr = err
				return
			}
		}
	})
	var archives []string
	for range 3 {
		archives = append(archives, src.create(t))
	}
	cancel()
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("writing during the backup: %v", writeErr)
	}
	for _, a := range archives {
		target := filepath.Join(t.TempDir(), "data")
		if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target}, a); err != nil {
			t.Fatalf("Restore of an online backup: %v", err)
		}
		restored := storetest.OpenOptions(t, store.Options{DataDir: target})
		rctx := opora.WithActor(context.Background(), storetest.ActorOf(t, restored, src.org.Admin.ID))
		if _, n, err := restored.AuditEntries(rctx, opora.AuditFilter{Entity: "client"}); err != nil {
			t.Errorf("reading the restored audit log: %v", err)
		} else {
			t.Logf("online backup holds %d entries written during backups", n)
		}
	}
}

func TestRestoreRefusesNonEmptyFolder(t *testing.T) {
	t.Parallel()
	src := newSource(t, "")
	archive := src.create(t)
	cases := map[string]func(dir string){
		"a file at the top": func(dir string) {
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("важное"), 0o600)
		},
		"an old database": func(dir string) {
			os.WriteFile(filepath.Join(dir, "opora.db"), []byte("old database"), 0o600)
		},
		"a file deep in files/": func(dir string) {
			os.MkdirAll(filepath.Join(dir, "files", "clients", "9"), 0o750)
			os.WriteFile(filepath.Join(dir, "files", "clients", "9", "photo.jpg"), []byte("jpeg"), 0o600)
		},
	}
	for name, fill := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			fill(dir)
			before := snapshot(t, dir)
			_, err := backup.Restore(context.Background(), backup.Options{DataDir: dir}, archive)
			if !errors.Is(err, backup.ErrNotEmpty) {
				t.Fatalf("Restore into a folder with %s: err = %v, want ErrNotEmpty", name, err)
			}
			if after := snapshot(t, dir); !mapsEqual(before, after) {
				t.Errorf("the folder changed:\nbefore %v\nafter  %v", keys(before), keys(after))
			}
		})
	}
	t.Run("a file instead of a folder", func(t *testing.T) {
		t.Parallel()
		p := filepath.Join(t.TempDir(), "data")
		os.WriteFile(p, []byte("x"), 0o600)
		if _, err := backup.Restore(context.Background(), backup.Options{DataDir: p}, archive); !errors.Is(err, backup.ErrNotEmpty) {
			t.Fatalf("err = %v, want ErrNotEmpty", err)
		}
		if data, _ := os.ReadFile(p); string(data) != "x" {
			t.Error("the file changed")
		}
	})
}

// entry is one archive entry, for building altered archives.
type entry struct {
	hdr  *tar.Header
	data []byte
}

func readArchive(t *testing.T, p string) []entry {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []entry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{hdr, data})
	}
}

// entryData returns the data of one archive entry.
func entryData(t *testing.T, archive, name string) []byte {
	t.Helper()
	for _, e := range readArchive(t, archive) {
		if e.hdr.Name == name {
			return e.data
		}
	}
	t.Fatalf("%s has no entry %s", archive, name)
	return nil
}

func writeArchive(t *testing.T, p string, entries []entry) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := *e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// edit returns the archive's entries with fn applied to each; fn may
// change an entry in place and returns false to drop it.
func edit(entries []entry, fn func(e *entry) bool) []entry {
	var out []entry
	for _, e := range entries {
		e.hdr = new(*e.hdr)
		e.data = slices.Clone(e.data)
		if fn(&e) {
			out = append(out, e)
		}
	}
	return out
}

func TestRestoreRefusesDamagedArchive(t *testing.T) {
	t.Parallel()
	src := newSource(t, "")
	good := src.create(t)
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	entries := readArchive(t, good)
	const photo = "files/clients/1/photo.jpg"

	flip := func(at float64) func(string) {
		return func(p string) {
			b := slices.Clone(raw)
			i := int(float64(len(b)) * at)
			b[i] ^= 0xff
			b[i+1] ^= 0x55
			os.WriteFile(p, b, 0o600)
		}
	}
	truncate := func(n int) func(string) {
		return func(p string) { os.WriteFile(p, raw[:n], 0o600) }
	}
	rewrite := func(fn func(e *entry) bool, extra ...entry) func(string) {
		return func(p string) { writeArchive(t, p, append(edit(entries, fn), extra...)) }
	}
	cases := map[string]func(p string){
		"bytes flipped at 25%": flip(0.25),
		"bytes flipped at 50%": flip(0.5),
		"bytes flipped at 75%": flip(0.75),
		"bytes flipped near the end": func(p string) {
			b := slices.Clone(raw)
			b[len(b)-12] ^= 0x01
			os.WriteFile(p, b, 0o600)
		},
		"truncated to half":    truncate(len(raw) / 2),
		"last byte missing":    truncate(len(raw) - 1),
		"gzip trailer missing": truncate(len(raw) - 8),
		"only the first bytes": truncate(10),
		"empty file":           truncate(0),
		"not an archive":       func(p string) { os.WriteFile(p, []byte("это не архив\n"), 0o600) },
		"garbage appended":     func(p string) { os.WriteFile(p, append(slices.Clone(raw), []byte("garbage")...), 0o600) },
		"another gzip member appended": func(p string) {
			var buf bytes.Buffer
			gz := gzip.NewWriter(&buf)
			gz.Write(bytes.Repeat([]byte("evil"), 1000))
			gz.Close()
			os.WriteFile(p, append(slices.Clone(raw), buf.Bytes()...), 0o600)
		},
		"file changed, same size": rewrite(func(e *entry) bool {
			if e.hdr.Name == photo {
				e.data[1000] ^= 1
			}
			return true
		}),
		"file grew": rewrite(func(e *entry) bool {
			if e.hdr.Name == "files/clients/1/справка.txt" {
				e.data = append(e.data, "дописано\n"...)
			}
			return true
		}),
		"database swapped": rewrite(func(e *entry) bool {
			if e.hdr.Name == "database/opora.db" {
				copy(e.data[4096:], bytes.Repeat([]byte{0}, 4096))
			}
			return true
		}),
		"manifest missing": rewrite(func(e *entry) bool { return e.hdr.Name != "manifest.json" }),
		"manifest not JSON": rewrite(func(e *entry) bool {
			if e.hdr.Name == "manifest.json" {
				e.data = e.data[:len(e.data)/2]
			}
			return true
		}),
		"listed file missing": rewrite(func(e *entry) bool { return e.hdr.Name != photo }),
		"database missing":    rewrite(func(e *entry) bool { return e.hdr.Name != "database/opora.db" }),
		"file not in the manifest": rewrite(func(e *entry) bool { return true },
			entry{&tar.Header{Typeflag: tar.TypeReg, Name: "files/extra.txt", Mode: 0o600}, []byte("extra")}),
		"path escaping the folder": rewrite(func(e *entry) bool { return true },
			entry{&tar.Header{Typeflag: tar.TypeReg, Name: "files/../../evil.txt", Mode: 0o600}, []byte("evil")}),
		"absolute path": rewrite(func(e *entry) bool { return true },
			entry{&tar.Header{Typeflag: tar.TypeReg, Name: "/tmp/evil.txt", Mode: 0o600}, []byte("evil")}),
		"symbolic link": rewrite(func(e *entry) bool { return true },
			entry{&tar.Header{Typeflag: tar.TypeSymlink, Name: "files/link", Linkname: "/etc/passwd", Mode: 0o777}, nil}),
		"entry twice": rewrite(func(e *entry) bool { return true },
			entry{&tar.Header{Typeflag: tar.TypeReg, Name: photo, Mode: 0o600}, []byte("second")}),
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			archive := filepath.Join(t.TempDir(), "damaged.tar.gz")
			damage(archive)
			if _, err := backup.Verify(context.Background(), archive); !errors.Is(err, backup.ErrDamaged) {
				t.Errorf("Verify: err = %v, want ErrDamaged", err)
			}

			// Into a folder that does not exist: it must still not exist.
			parent := t.TempDir()
			absent := filepath.Join(parent, "data")
			_, err := backup.Restore(context.Background(), backup.Options{DataDir: absent}, archive)
			if !errors.Is(err, backup.ErrDamaged) {
				t.Errorf("Restore: err = %v, want ErrDamaged", err)
			}
			if _, err := os.Lstat(absent); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the data folder was created: %v", err)
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Errorf("left behind in the parent folder: %v", left)
			}
			if _, err := os.Lstat(filepath.Join(parent, "..", "evil.txt")); err == nil {
				t.Error("a file was written outside the data folder")
			}

			// Into an empty folder with an empty sub-folder: it stays so.
			empty := t.TempDir()
			os.MkdirAll(filepath.Join(empty, "files"), 0o750)
			before := snapshot(t, empty)
			if _, err := backup.Restore(context.Background(), backup.Options{DataDir: empty}, archive); !errors.Is(err, backup.ErrDamaged) {
				t.Errorf("Restore into an empty folder: err = %v, want ErrDamaged", err)
			}
			if after := snapshot(t, empty); !mapsEqual(before, after) {
				t.Errorf("the empty folder changed: now %v", keys(after))
			}
		})
	}
}

// TestCreateFailsCleanly checks that a backup that cannot be made leaves no
// archive behind.
func TestCreateFailsCleanly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("no database", func(t *testing.T) {
		t.Parallel()
		dest := filepath.Join(t.TempDir(), "b.tar.gz")
		if _, err := backup.Create(ctx, backup.Options{DataDir: t.TempDir()}, dest); err == nil {
			t.Fatal("backup of a folder without a database succeeded")
		}
		if left, _ := os.ReadDir(filepath.Dir(dest)); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
	})
	t.Run("symbolic link in files", func(t *testing.T) {
		t.Parallel()
		src := newSource(t, "")
		if err := os.Symlink("/etc/passwd", filepath.Join(src.dir, "files", "link")); err != nil {
			t.Fatal("cannot make the symbolic link the test needs:", err)
		}
		dest := filepath.Join(t.TempDir(), "b.tar.gz")
		if _, err := backup.Create(ctx, src.options(t), dest); err == nil {
			t.Fatal("backup with a symbolic link succeeded")
		}
		if left, _ := os.ReadDir(filepath.Dir(dest)); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
	})
	t.Run("destination is a folder", func(t *testing.T) {
		t.Parallel()
		src := newSource(t, "")
		if _, err := backup.Create(ctx, src.options(t), t.TempDir()); err == nil {
			t.Fatal("backup onto a folder succeeded")
		}
	})
	t.Run("existing archive replaced only on success", func(t *testing.T) {
		t.Parallel()
		dest := filepath.Join(t.TempDir(), "b.tar.gz")
		os.WriteFile(dest, []byte("previous backup"), 0o600)
		if _, err := backup.Create(ctx, backup.Options{DataDir: t.TempDir()}, dest); err == nil {
			t.Fatal("backup of a folder without a database succeeded")
		}
		if data, _ := os.ReadFile(dest); string(data) != "previous backup" {
			t.Error("a failed backup replaced the previous archive")
		}
	})
}

// pgTools makes sure pg_dump and pg_restore are on PATH, adding the Debian
// PostgreSQL 15 folder when needed, or fails the test: it runs only when the
// PostgreSQL tests are on.
func pgTools(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err == nil {
		return
	}
	dir := "/usr/lib/postgresql/15/bin"
	if _, err := os.Stat(filepath.Join(dir, "pg_dump")); err != nil {
		// The PostgreSQL tests are on (CI sets the DSN): the backup of a
		// PostgreSQL database must be tested, not skipped.
		t.Fatal("pg_dump is not installed, but OPORA_TEST_POSTGRES asks for the PostgreSQL tests")
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestRoundTripPostgres(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	pgTools(t)
	src := newSource(t, storetest.PostgresDatabase(t))
	archive := src.create(t)

	// A database that already holds data is refused, and so is a SQLite target.
	target := filepath.Join(t.TempDir(), "data")
	_, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: src.options(t).DatabaseURL}, archive)
	if !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("Restore into the source database: err = %v, want ErrNotEmpty", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused restore created the data folder: %v", err)
	}
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target}, archive); err == nil ||
		!strings.Contains(err.Error(), "postgres") {
		t.Errorf("Restore of a PostgreSQL backup into SQLite: err = %v, want a refusal", err)
	}

	dst := storetest.PostgresDatabase(t)
	m, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: dst}, archive)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if m.Database != backup.DatabasePostgres {
		t.Errorf("manifest database = %q", m.Database)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: target, DatabaseURL: dst, MaxReaders: 4}), target)
}

func TestRestoreSQLiteBackupIntoPostgresRefused(t *testing.T) {
	dst := storetest.PostgresDatabase(t)
	pgTools(t)
	src := newSource(t, "")
	archive := src.create(t)
	target := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: dst}, archive); err == nil {
		t.Fatal("a SQLite backup was restored into PostgreSQL")
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused restore created the data folder: %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// forge rewrites an archive with the database entry replaced by data and a
// manifest that matches, as a buggy or foreign tool might write it: the
// checksums are right but the database is not.
func forge(t *testing.T, good, dbEntry string, data []byte) string {
	t.Helper()
	entries := readArchive(t, good)
	var m backup.Manifest
	for _, e := range entries {
		if e.hdr.Name == "manifest.json" {
			if err := json.Unmarshal(e.data, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	sum := sha256.Sum256(data)
	for i := range m.Files {
		if m.Files[i].Path == dbEntry {
			m.Files[i].Size, m.Files[i].SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "forged.tar.gz")
	writeArchive(t, out, edit(entries, func(e *entry) bool {
		switch e.hdr.Name {
		case dbEntry:
			e.data = data
		case "manifest.json":
			e.data = raw
		}
		return true
	}))
	if _, err := backup.Verify(context.Background(), out); err != nil {
		t.Fatalf("the forged archive does not pass Verify: %v", err)
	}
	return out
}

func TestRestoreRefusesBrokenSQLiteDatabase(t *testing.T) {
	t.Parallel()
	src := newSource(t, "")
	good := src.create(t)
	db := entryData(t, good, "database/opora.db")
	broken := slices.Clone(db)
	// Keep the header (so it looks like SQLite) and wipe the pages after it.
	for i := 100; i < len(broken); i++ {
		broken[i] = 0xA5
	}
	for name, data := range map[string][]byte{
		"not a database":  bytes.Repeat([]byte("not a database "), 1000),
		"corrupted pages": broken,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			archive := forge(t, good, "database/opora.db", data)
			target := filepath.Join(t.TempDir(), "data")
			_, err := backup.Restore(context.Background(), backup.Options{DataDir: target}, archive)
			if !errors.Is(err, backup.ErrDamaged) {
				t.Errorf("Restore: err = %v, want ErrDamaged", err)
			}
			if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the data folder was created: %v", err)
			}
		})
	}
}

func TestRestoreBrokenPostgresDumpLeavesDatabaseEmpty(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	pgTools(t)
	src := newSource(t, storetest.PostgresDatabase(t))
	good := src.create(t)
	dump := entryData(t, good, "database/opora.pgdump")
	// Cut the dump short: pg_restore fails part way through.
	archive := forge(t, good, "database/opora.pgdump", dump[:len(dump)*2/3])
	dst := storetest.PostgresDatabase(t)
	target := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: dst}, archive); err == nil {
		t.Fatal("a broken dump was restored")
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the data folder was created: %v", err)
	}
	conn, err := sql.Open("pgx", dst)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the target database holds %d tables after a failed restore, want 0", n)
	}
	// And a good archive restores into it afterwards.
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: dst}, good); err != nil {
		t.Fatalf("Restore of the good archive after a failed one: %v", err)
	}
}

// withSearchPath returns dsn with its search_path parameter set.
func withSearchPath(t *testing.T, dsn, searchPath string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", searchPath)
	u.RawQuery = q.Encode()
	return u.String()
}

// pgExec runs statements on the database at dsn.
func pgExec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// pgSchemaExists reports whether the database at dsn has the schema.
func pgSchemaExists(t *testing.T, dsn, schema string) bool {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// Opora in schema "opora" of a database that holds other things too
// (search_path=opora,public, as several instances share one database): the
// backup holds that schema alone, and goes back only into a schema of the
// same name that holds nothing yet.
func TestRoundTripPostgresSearchPath(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	pgTools(t)
	srcDB := storetest.PostgresDatabase(t)
	pgExec(t, srcDB, `CREATE SCHEMA opora`, `CREATE SCHEMA other`,
		`CREATE TABLE other.secrets (note text)`, `INSERT INTO other.secrets VALUES ('not Opora''s')`)
	src := newSource(t, withSearchPath(t, srcDB, "opora,public"))
	archive := src.create(t)
	m, err := backup.Verify(context.Background(), archive)
	if err != nil || m.Schema != "opora" {
		t.Fatalf("manifest schema %q, %v; want opora", m.Schema, err)
	}

	// Back into the source database: the schema is not empty.
	target := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: src.options(t).DatabaseURL}, archive); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("Restore into the source schema: err = %v, want ErrNotEmpty", err)
	}
	// Into another schema name: refused, naming the one to use.
	dst := storetest.PostgresDatabase(t)
	_, err = backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: withSearchPath(t, dst, "elsewhere")}, archive)
	if err == nil || !strings.Contains(err.Error(), "search_path=opora") {
		t.Errorf("Restore into schema elsewhere: err = %v, want a refusal naming search_path=opora", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused restore created the data folder: %v", err)
	}

	// Into a new database without the schema, and into one where an
	// administrator made the (empty) schema beforehand.
	dstURL := withSearchPath(t, dst, "opora,public")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, DatabaseURL: dstURL}, archive); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: target, DatabaseURL: dstURL, MaxReaders: 4}), target)
	if pgSchemaExists(t, dst, "other") {
		t.Error("the backup carried the database's other schema along")
	}
	dst2 := storetest.PostgresDatabase(t)
	pgExec(t, dst2, `CREATE SCHEMA opora`)
	target2 := filepath.Join(t.TempDir(), "data")
	dst2URL := withSearchPath(t, dst2, "opora,public")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target2, DatabaseURL: dst2URL}, archive); err != nil {
		t.Fatalf("Restore into an existing empty schema: %v", err)
	}
	checkSame(t, src, storetest.OpenOptions(t, store.Options{DataDir: target2, DatabaseURL: dst2URL, MaxReaders: 4}), target2)
}

// An instance keeping its key file outside the data folder
// (--secret-key-file): restore puts the backup's key there, and refuses
// to when another key is there. Without the key, the secrets do not open.
func TestRestoreSecretKeyFile(t *testing.T) {
	t.Parallel()
	src := newSource(t, "")
	archive := src.create(t)

	other := filepath.Join(t.TempDir(), "keys", "other.key")
	if _, err := secret.LoadOrCreate(other); err != nil {
		t.Fatal(err)
	}
	refused := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: refused, SecretKeyFile: other}, archive); err == nil ||
		!strings.Contains(err.Error(), "another key") {
		t.Errorf("restore over another key file: %v", err)
	}
	if _, err := os.Lstat(refused); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused restore created the data folder: %v", err)
	}
	// The data folder with the other key: the password does not open.
	withOther := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: withOther}, archive); err != nil {
		t.Fatal(err)
	}
	if err := storetest.OpenOptions(t, store.Options{DataDir: withOther, SecretKey: other}).CheckSecrets(context.Background()); !errors.Is(err, secret.ErrWrongKey) {
		t.Errorf("secrets under another key: %v", err)
	}

	key := filepath.Join(t.TempDir(), "keys", "opora.key")
	target := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(context.Background(), backup.Options{DataDir: target, SecretKeyFile: key}, archive); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(target, "secret.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the key also left in the data folder: %v", err)
	}
	if err := storetest.OpenOptions(t, store.Options{DataDir: target, SecretKey: key}).CheckSecrets(context.Background()); err != nil {
		t.Errorf("the restored secrets: %v", err)
	}
}
