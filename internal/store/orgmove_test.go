package store_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestOrgMoveCoversEveryTable: every table is moved with the organisation
// or excluded with its reason, and every column that names another row
// without a foreign key is declared, so a new table or reference cannot be
// left out of the export by forgetting it.
func TestOrgMoveCoversEveryTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		bad, err := s.MoveCoverage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Error(b)
		}
	})
}

// memFiles stands for the files storage: bytes by storage key.
type memFiles struct {
	mu sync.Mutex
	m  map[string][]byte
	n  int
}

func newMemFiles() *memFiles { return &memFiles{m: map[string][]byte{}} }

func (f *memFiles) put(orgID int64, data []byte) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	k := fmt.Sprintf("%d/2026/k%d", orgID, f.n)
	f.m[k] = slices.Clone(data)
	return k, nil
}

func (f *memFiles) open(k string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.m[k]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *memFiles) remove(k string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, k)
	return nil
}

func (f *memFiles) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// moveSource fills a source instance: the demo organisation with a photo
// and a scan on its first client, and a second organisation with a client
// that must not move.
func moveSource(t *testing.T, s *store.Store, fs *memFiles) (orgID int64, adminCtx context.Context) {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Run(ctx, s, demo.Options{Clients: 30, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	adminCtx = loginCtx(t, s, "admin")
	orgID = opora.ActorFrom(adminCtx).OrganisationID
	db := storetest.RawDB(t, s)
	var clientID int64
	if err := db.QueryRow(`SELECT MIN(id) FROM clients WHERE organisation_id = $1`, orgID).Scan(&clientID); err != nil {
		t.Fatal(err)
	}
	file := func(name string, data []byte) *opora.File {
		k, _ := fs.put(orgID, data)
		return &opora.File{Name: name, MIME: "image/jpeg", Size: int64(len(data)), SHA256: sha(data), StorageKey: k}
	}
	if err := s.SetClientPhoto(adminCtx, clientID, file("photo.jpg", []byte("photo bytes \x00\xff")), file("thumb.jpg", []byte("thumb"))); err != nil {
		t.Fatal(err)
	}
	scan := file("паспорт.pdf", []byte("%PDF-1.4 скан паспорта"))
	scan.ClientID, scan.MIME = clientID, "application/pdf"
	if err := s.AddClientFile(adminCtx, scan); err != nil {
		t.Fatal(err)
	}
	other := storetest.AddOrg(t, s, adminCtx, "Чужая организация")
	c := &opora.Client{BranchID: other.Branch.ID, Surname: "Посторонний", FirstName: "Остап", BirthPrecision: opora.BirthYear,
		BirthYear: 1970, Gender: opora.GenderMale, HomelessStatus: opora.Homeless}
	if err := s.CreateClient(other.Ctx(), c); err != nil {
		t.Fatal(err)
	}
	return orgID, adminCtx
}

func loginCtx(t *testing.T, s *store.Store, login string) context.Context {
	t.Helper()
	cand, err := s.UserForLogin(context.Background(), login)
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	return opora.WithActor(context.Background(), storetest.ActorOf(t, s, cand.User.ID))
}

// clientDigest lists an organisation's clients with what hangs off them,
// in a form both instances can compare.
func clientDigest(t *testing.T, s *store.Store, orgID int64) []string {
	t.Helper()
	rows, err := storetest.RawDB(t, s).Query(`SELECT c.surname, c.first_name, c.patronymic, c.birth_year,
		(SELECT COUNT(*) FROM notes n WHERE n.client_id = c.id), (SELECT COUNT(*) FROM services v WHERE v.client_id = c.id),
		(SELECT COALESCE(SUM(v.quantity), 0) FROM services v WHERE v.client_id = c.id),
		(SELECT COUNT(*) FROM cases k WHERE k.client_id = c.id), (SELECT COUNT(*) FROM answers a WHERE a.client_id = c.id),
		(SELECT COUNT(*) FROM files f WHERE f.client_id = c.id)
		FROM clients c WHERE c.organisation_id = $1 ORDER BY c.id`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sur, first, patr string
		var year sql.NullInt64
		var notes, services, quantity, cases, answers, files int64
		if err := rows.Scan(&sur, &first, &patr, &year, &notes, &services, &quantity, &cases, &answers, &files); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s %d: notes %d services %d×%d cases %d answers %d files %d",
			sur, first, patr, year.Int64, notes, services, quantity, cases, answers, files))
	}
	return out
}

// fileDigest is an organisation's files with the SHA-256 of the bytes the
// storage gives back.
func fileDigest(t *testing.T, s *store.Store, fs *memFiles, orgID int64) []string {
	t.Helper()
	rows, err := storetest.RawDB(t, s).Query(`SELECT kind, name, sha256, storage_key FROM files WHERE organisation_id = $1 ORDER BY id`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, name, sum, key string
		if err := rows.Scan(&kind, &name, &sum, &key); err != nil {
			t.Fatal(err)
		}
		r, err := fs.open(key)
		if err != nil {
			t.Fatalf("file %s: %v", name, err)
		}
		b, _ := io.ReadAll(r)
		out = append(out, fmt.Sprintf("%s %s %s bytes %s", kind, name, sum, sha(b)))
	}
	return out
}

// reportNumbers are the standard numbers an organisation reports: the
// services register's totals over the demo's years, and the counts the
// report screens read.
func reportNumbers(t *testing.T, s *store.Store, ctx context.Context) string {
	t.Helper()
	orgID := opora.ActorFrom(ctx).OrganisationID
	q := &opora.RegisterQuery{From: opora.DateOf(time.Now().AddDate(-1, 0, 1)), To: opora.DateOf(time.Now())}
	tot, err := s.CountServiceRegister(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var services, clients, active, visits int64
	db := storetest.RawDB(t, s)
	for q, v := range map[string]*int64{
		`SELECT COALESCE(SUM(services), 0) FROM service_counts WHERE organisation_id = $1`: &services,
		`SELECT COALESCE(SUM(clients), 0) FROM client_counts WHERE organisation_id = $1`:   &clients,
		`SELECT COUNT(*) FROM active_client_months WHERE organisation_id = $1`:             &active,
		`SELECT COALESCE(SUM(visits), 0) FROM visit_counts WHERE organisation_id = $1`:     &visits,
	} {
		if err := db.QueryRow(q, orgID).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("register %d rows, %d kopecks; service_counts %d; client_counts %d; active months %d; visits %d",
		tot.Rows, tot.Amount, services, clients, active, visits)
}

func countRows(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rewriteArchive repacks an export, passing each entry through fn.
func rewriteArchive(t *testing.T, in []byte, fn func(name string, data []byte) []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		b = fn(h.Name, b)
		h.Size = int64(len(b))
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	gw.Close()
	return out.Bytes()
}

func importBytes(t *testing.T, s *store.Store, fs *memFiles, archive []byte) (*store.OrgImport, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.tar.gz")
	if err := os.WriteFile(p, archive, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := store.OpenOrgExport(p, 0)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { r.Close() })
	return r, s.ImportOrganisation(context.Background(), r, store.OrgImportOptions{PutFile: fs.put, RemoveFile: fs.remove,
		PasswordHash: func() (string, error) { return auth.Hash(auth.NewToken()) }, AuditArchive: "imports/audit.jsonl"})
}

// TestOrgMove moves the demo organisation, with files and a photo, from one
// instance to another on each pair of databases (SQLite and PostgreSQL,
// and across): into a fresh instance and into one that already holds an
// organisation, refusing a login conflict, another schema version and a
// tampered file with nothing written.
func TestOrgMove(t *testing.T) {
	auth.SetParamsForTests()
	type pair struct {
		from, to store.Dialect
		fresh    bool
	}
	pairs := []pair{{store.SQLite, store.SQLite, true}, {store.SQLite, store.SQLite, false}}
	if storetest.PostgresDSN() != "" {
		pairs = append(pairs, pair{store.Postgres, store.Postgres, true}, pair{store.SQLite, store.Postgres, false},
			pair{store.Postgres, store.SQLite, false})
	}
	for _, p := range pairs {
		name := fmt.Sprintf("%s→%s", p.from, p.to)
		if p.fresh {
			name += " fresh"
		} else {
			name += " beside another organisation"
		}
		t.Run(name, func(t *testing.T) {
			src, srcFiles := storetest.Open(t, p.from), newMemFiles()
			orgID, srcCtx := moveSource(t, src, srcFiles)
			var buf bytes.Buffer
			m, err := src.ExportOrganisation(srcCtx, orgID, &buf, store.OrgExportOptions{Version: "test", OpenFile: srcFiles.open})
			if err != nil {
				t.Fatal(err)
			}
			archive := buf.Bytes()
			// The other organisation's client is nowhere in the archive.
			if bytes.Contains(gunzip(t, archive), []byte("Посторонний")) {
				t.Fatal("the other organisation's client is in the export")
			}
			if len(m.Files) != 3 {
				t.Fatalf("files in the export: %d, want the photo, its thumbnail and the scan", len(m.Files))
			}
			entries, _, err := src.AuditEntries(srcCtx, opora.AuditFilter{OrganisationID: orgID, Action: opora.ActionExport, Entity: "organisation"})
			if err != nil || len(entries) != 1 {
				t.Fatalf("the export's audit row: %v, %d rows", err, len(entries))
			}

			dst, dstFiles := storetest.Open(t, p.to), newMemFiles()
			if !p.fresh {
				// Another organisation whose administrator is "admin", as the
				// demo's: refused with nothing written, then moved aside.
				storetest.SetupOrg(t, dst, "Уже здесь")
				before := countRows(t, dst, "organisations")
				_, err := importBytes(t, dst, dstFiles, archive)
				if !errors.Is(err, store.ErrOrgImport) || !strings.Contains(err.Error(), "login admin already exists") {
					t.Fatalf("login conflict: %v", err)
				}
				if countRows(t, dst, "organisations") != before || countRows(t, dst, "clients") != 0 || dstFiles.count() != 0 {
					t.Fatal("a refused import wrote something")
				}
				if _, err := storetest.RawDB(t, dst).Exec(`UPDATE users SET login = 'here-admin' WHERE login = 'admin'`); err != nil {
					t.Fatal(err)
				}
			}
			// Another schema version and a tampered file are refused.
			wrongVersion := rewriteArchive(t, archive, func(name string, b []byte) []byte {
				if name == "manifest.json" {
					return bytes.Replace(b, []byte(fmt.Sprintf(`"schema_version": %d`, m.SchemaVersion)), []byte(`"schema_version": 59`), 1)
				}
				return b
			})
			_, err = importBytes(t, dst, dstFiles, wrongVersion)
			if !errors.Is(err, store.ErrOrgImport) || !strings.Contains(err.Error(), "schema version 59") ||
				!strings.Contains(err.Error(), fmt.Sprintf("version %d", m.SchemaVersion)) {
				t.Fatalf("wrong schema version: %v", err)
			}
			if _, err := importBytes(t, dst, dstFiles, []byte("PK\x03\x04 not a tar.gz")); !errors.Is(err, store.ErrOrgImport) ||
				!strings.Contains(err.Error(), "not an Opora organisation export") {
				t.Fatalf("not an export: %v", err)
			}
			tampered := rewriteArchive(t, archive, func(name string, b []byte) []byte {
				if name == m.Files[0].Path {
					return append(b, '!')
				}
				return b
			})
			if _, err := importBytes(t, dst, dstFiles, tampered); !errors.Is(err, store.ErrOrgImport) ||
				!strings.Contains(err.Error(), m.Files[0].Path+" (checksum differs)") {
				t.Fatalf("tampered file: %v", err)
			}
			// A row the database refuses half-way (checksums in order): the
			// transaction rolls back and the stored bytes are removed.
			var oldNotes, newNotes []byte
			broken := rewriteArchive(t, archive, func(name string, b []byte) []byte {
				if name == "tables/notes.jsonl" {
					oldNotes = b
					newNotes = append(slices.Clone(b), []byte(`{"id":999999,"organisation_id":1,"client_id":1,"body":null}`+"\n")...)
					return newNotes
				}
				return b
			})
			broken = rewriteArchive(t, broken, func(name string, b []byte) []byte {
				if name == "manifest.json" {
					b = bytes.Replace(b, []byte(sha(oldNotes)), []byte(sha(newNotes)), 1)
					return bytes.Replace(b, []byte(fmt.Sprintf(`"size": %d,`, len(oldNotes))), []byte(fmt.Sprintf(`"size": %d,`, len(newNotes))), 1)
				}
				return b
			})
			if _, err := importBytes(t, dst, dstFiles, broken); !errors.Is(err, store.ErrOrgImport) || !strings.Contains(err.Error(), "tables/notes.jsonl line") ||
				strings.Contains(err.Error(), "checksum") {
				t.Fatalf("a refused row: %v", err)
			}
			if countRows(t, dst, "clients") != 0 || dstFiles.count() != 0 {
				t.Fatal("a refused import wrote something")
			}

			r, err := importBytes(t, dst, dstFiles, archive)
			if err != nil {
				t.Fatal(err)
			}
			for _, mt := range m.Tables {
				if r.Rows[mt.Name] != mt.Rows {
					t.Errorf("table %s: %d rows imported, the manifest says %d", mt.Name, r.Rows[mt.Name], mt.Rows)
				}
			}
			if len(r.Dropped) != 0 || len(r.Unresolved) != 0 {
				t.Errorf("dropped %v, unresolved %v", r.Dropped, r.Unresolved)
			}
			if got, want := clientDigest(t, dst, r.OrganisationID), clientDigest(t, src, orgID); !slices.Equal(got, want) {
				t.Errorf("clients differ:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if got, want := fileDigest(t, dst, dstFiles, r.OrganisationID), fileDigest(t, src, srcFiles, orgID); !slices.Equal(got, want) {
				t.Errorf("files differ:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			var others int
			if err := storetest.RawDB(t, dst).QueryRow(`SELECT COUNT(*) FROM clients WHERE surname = 'Посторонний'`).Scan(&others); err != nil || others != 0 {
				t.Errorf("the other organisation's client in the target: %d %v", others, err)
			}
			dstCtx := loginCtx(t, dst, "admin")
			srcSpec := loginCtx(t, src, "admin")
			got, want := reportNumbers(t, dst, dstCtx), reportNumbers(t, src, srcSpec)
			t.Logf("report numbers: %s", got)
			if !strings.Contains(want, "service_counts ") || strings.Contains(want, "register 0 rows") {
				t.Fatalf("the source reports nothing to compare: %s", want)
			}
			if got != want {
				t.Errorf("report numbers: %s, the source's: %s", got, want)
			}
			// The imported client is found by name search, the derived
			// tables agree with their sources, and the import is audited.
			res, err := dst.SearchClients(loginCtx(t, dst, "admin"), store.SearchFilter{Query: strings.Fields(clientDigest(t, src, orgID)[0])[0]})
			if err != nil || len(res.Clients) == 0 {
				t.Errorf("search for an imported client: %v", err)
			}
			storetest.CheckDerived(t, dst)
			var audits int
			if err := storetest.RawDB(t, dst).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'organisation'
				AND organisation_id = $1`, r.OrganisationID).Scan(&audits); err != nil || audits != 1 {
				t.Errorf("the import's audit row: %d %v", audits, err)
			}
			// Credentials did not move.
			if bytes.Contains(gunzip(t, archive), []byte("argon2id")) {
				t.Error("a password hash is in the export")
			}
		})
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOrgMoveAcrossANetwork moves one agency out of the regional demo
// network: its work on family cards another organisation keeps (the
// КЦСОН's cases on the КДН's families) is left out on import and counted,
// every exported row is either imported or counted as left out, references
// to other organisations are written as external (name, no ids), and no
// family of another organisation comes along.
func TestOrgMoveAcrossANetwork(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, src *store.Store) {
		ctx := context.Background()
		if _, err := demo.GenerateNetwork(ctx, src, 5); err != nil {
			t.Fatal(err)
		}
		db := storetest.RawDB(t, src)
		var orgID int64
		var families int
		if err := db.QueryRow(`SELECT MIN(id) FROM organisations WHERE name LIKE 'Комплексный центр%'`).Scan(&orgID); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM families WHERE organisation_id = $1`, orgID).Scan(&families); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		m, err := src.ExportOrganisation(opora.WithActor(ctx, opora.SystemActor(orgID)), orgID, &buf,
			store.OrgExportOptions{Version: "test", OpenFile: newMemFiles().open})
		if err != nil {
			t.Fatal(err)
		}
		raw := gunzip(t, buf.Bytes())
		if !bytes.Contains(raw, []byte(`{"external":{"inn":"","name":"`)) {
			t.Error("no reference to another organisation written as external")
		}
		dst := storetest.Open(t, src.Dialect())
		r, err := importBytes(t, dst, newMemFiles(), buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, mt := range m.Tables {
			if r.Rows[mt.Name]+r.Dropped[mt.Name] != mt.Rows {
				t.Errorf("table %s: %d imported + %d left out ≠ %d exported", mt.Name, r.Rows[mt.Name], r.Dropped[mt.Name], mt.Rows)
			}
		}
		if r.Dropped["cases"] == 0 || r.Unresolved["cases.subject_id → families"] == 0 {
			t.Errorf("the cases on other organisations' families: dropped %v, unresolved %v", r.Dropped, r.Unresolved)
		}
		var got int
		if err := storetest.RawDB(t, dst).QueryRow(`SELECT COUNT(*) FROM families`).Scan(&got); err != nil || got != families {
			t.Errorf("families in the target: %d (%v), the agency's own: %d", got, err, families)
		}
		storetest.CheckDerived(t, dst)
	})
}
