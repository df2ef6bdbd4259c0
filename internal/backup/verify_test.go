package backup_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/backup"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// verifySource is a source for the drill on one dialect: with an encrypted
// file among the plain ones (the drill compares files as stored, without
// the key), and the scratch folder made under a TMPDIR of the test's own,
// so that the test sees that nothing is left behind.
func verifySource(t *testing.T, dialect store.Dialect) (*source, string) {
	t.Helper()
	dsn := ""
	if dialect == store.Postgres {
		storetest.SkipUnlessPostgres(t)
		pgTools(t)
		dsn = storetest.PostgresDatabase(t)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src := newSource(t, dsn)
	_, key := newFilesKey(t)
	enc := files.NewWithKey(src.dir, key)
	st, err := enc.Put(src.org.Org.ID, time.Now(), []byte("Акт обследования жилищно-бытовых условий"))
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.WriteKeyMarker(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(src.dir, "files", filepath.FromSlash(st.Key)))
	if err != nil {
		t.Fatal(err)
	}
	src.files[st.Key] = raw
	src.files[files.MarkerName] = []byte(key.ID())
	return src, tmp
}

// liveRows counts a table of the source database.
func liveRows(t *testing.T, src *source, table string) int64 {
	t.Helper()
	var n int64
	if err := storetest.RawDB(t, src.store).QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// scratchDatabases lists the drill's scratch databases on the server.
func scratchDatabases(t *testing.T) []string {
	t.Helper()
	db, err := sql.Open("pgx", storetest.SkipUnlessPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT datname FROM pg_database WHERE datname LIKE 'opora\_verify\_%' ORDER BY datname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	return out
}

// rewriteManifest writes a copy of the archive whose manifest fn changed.
func rewriteManifest(t *testing.T, good string, fn func(m map[string]any)) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "edited.tar.gz")
	writeArchive(t, out, edit(readArchive(t, good), func(e *entry) bool {
		if e.hdr.Name == "manifest.json" {
			var m map[string]any
			if err := json.Unmarshal(e.data, &m); err != nil {
				t.Fatal(err)
			}
			fn(m)
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			e.data = raw
		}
		return true
	}))
	return out
}

// TestVerifyRestore is the backup drill on SQLite and PostgreSQL: a good
// backup restores into a scratch place and matches its manifest row for
// row and file for file, the live data folder and database untouched and
// no scratch folder or database left; a backup with a changed file, a
// missing file or a different row count fails, naming the file or table.
func TestVerifyRestore(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			src, tmp := verifySource(t, dialect)
			ctx := context.Background()
			good := src.create(t)
			opt := src.options(t) // the live instance's data folder and database
			before := snapshot(t, src.dir)
			users := liveRows(t, src, "users")
			var scratchBefore []string
			if dialect == store.Postgres {
				scratchBefore = scratchDatabases(t)
			}

			r, err := backup.VerifyRestore(ctx, opt, good)
			if err != nil {
				t.Fatalf("VerifyRestore of a good backup: %v", err)
			}
			if !r.OK() || !r.Counted() {
				t.Fatalf("a good backup did not verify: %v", r.Problems)
			}
			// The manifest's counts are the live database's, and so are the restored ones.
			i := slices.IndexFunc(r.Tables, func(c backup.TableCheck) bool { return c.Name == "users" })
			if i < 0 || r.Tables[i].Backup != users || r.Tables[i].Restored != users || users < 3 {
				t.Errorf("users: %+v, live database has %d", r.Tables, users)
			}
			if len(r.Tables) < 50 {
				t.Errorf("only %d tables compared", len(r.Tables))
			}
			if want := len(src.files) + 1; r.Files != want { // + secret.key
				t.Errorf("compared %d files, want %d", r.Files, want)
			}
			if after := snapshot(t, src.dir); !mapsEqual(before, after) {
				t.Error("the drill changed the live data folder")
			}
			if liveRows(t, src, "users") != users {
				t.Error("the drill changed the live database")
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("scratch left in TMPDIR: %v", left)
			}
			if dialect == store.Postgres {
				if after := scratchDatabases(t); !slices.Equal(after, scratchBefore) {
					t.Errorf("scratch databases before %v, after %v", scratchBefore, after)
				}
			}

			// A file changed inside the archive.
			const note = "files/clients/1/справка.txt"
			changed := filepath.Join(t.TempDir(), "changed.tar.gz")
			writeArchive(t, changed, edit(readArchive(t, good), func(e *entry) bool {
				if e.hdr.Name == note {
					e.data = []byte("Справка о составе семьи (исправлена)\n")
				}
				return true
			}))
			// A file missing from it.
			missing := filepath.Join(t.TempDir(), "missing.tar.gz")
			writeArchive(t, missing, edit(readArchive(t, good), func(e *entry) bool { return e.hdr.Name != note }))
			for name, archive := range map[string]string{"changed": changed, "missing": missing} {
				_, err := backup.VerifyRestore(ctx, opt, archive)
				if !errors.Is(err, backup.ErrDamaged) || !strings.Contains(err.Error(), note) {
					t.Errorf("%s file: err = %v, want a damaged backup naming %s", name, err, note)
				}
			}

			// The manifest recorded another number of users than the dump holds.
			miscounted := rewriteManifest(t, good, func(m map[string]any) {
				for _, tr := range m["tables"].([]any) {
					if tr := tr.(map[string]any); tr["name"] == "users" {
						tr["rows"] = float64(users + 1)
					}
				}
			})
			r, err = backup.VerifyRestore(ctx, opt, miscounted)
			if err != nil {
				t.Fatalf("VerifyRestore of a miscounted backup: %v", err)
			}
			want := fmt.Sprintf("table users: the backup recorded %d rows, the restored database has %d", users+1, users)
			if r.OK() || !slices.Equal(r.Problems, []string{want}) {
				t.Errorf("miscounted backup: problems %q, want [%q]", r.Problems, want)
			}

			// An archive from before the row counts still verifies its files.
			old := rewriteManifest(t, good, func(m map[string]any) { delete(m, "tables") })
			r, err = backup.VerifyRestore(ctx, opt, old)
			if err != nil || !r.OK() || r.Counted() || len(r.Tables) < 50 || r.Files != len(src.files)+1 {
				t.Errorf("archive without row counts: %v, %+v", err, r)
			}

			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("scratch left in TMPDIR: %v", left)
			}
			if dialect == store.Postgres {
				if after := scratchDatabases(t); !slices.Equal(after, scratchBefore) {
					t.Errorf("scratch databases before %v, after %v", scratchBefore, after)
				}
				// Without a PostgreSQL server to restore into: a clear refusal.
				_, err := backup.VerifyRestore(ctx, backup.Options{DataDir: src.dir}, good)
				if err == nil || !strings.Contains(err.Error(), "--database-url") {
					t.Errorf("PostgreSQL backup verified without a server: %v", err)
				}
			}
		})
	}
}

// A SQLite backup whose database lost rows but whose checksums were made to
// match (as a buggy tool might write it): every checksum passes, the row
// counts catch it.
func TestVerifyRestoreCatchesLostRows(t *testing.T) {
	src, _ := verifySource(t, store.SQLite)
	good := src.create(t)
	db := filepath.Join(t.TempDir(), "opora.db")
	if err := os.WriteFile(db, entryData(t, good, "database/opora.db"), 0o600); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`DELETE FROM organisations WHERE id = (SELECT max(id) FROM organisations)`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	forged := forge(t, good, "database/opora.db", data)
	r, err := backup.VerifyRestore(context.Background(), src.options(t), forged)
	if err != nil {
		t.Fatalf("VerifyRestore: %v", err)
	}
	want := "table organisations: the backup recorded 2 rows, the restored database has 1"
	if r.OK() || !slices.Equal(r.Problems, []string{want}) {
		t.Errorf("problems %q, want [%q]", r.Problems, want)
	}
}
