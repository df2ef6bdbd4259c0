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
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
		// Ids inside text (visits' members present, assessments, timeline
		// changes, council entries) name the imported organisation's rows.
		counts, bad, err := dst.MoveTextRefsCheck(ctx, r.OrganisationID)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Error(b)
		}
		t.Logf("ids inside text in the target: %v", counts)
		storetest.CheckDerived(t, dst)
	})
}

// movedTarget is an instance that already holds a demo organisation of its
// own (other logins, name and INN), so that every table has rows and an
// imported row's id differs from its id in the source.
func movedTarget(t *testing.T, d store.Dialect) *store.Store {
	t.Helper()
	dst := storetest.Open(t, d)
	if _, err := demo.Run(context.Background(), dst, demo.Options{Clients: 12, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	db := storetest.RawDB(t, dst)
	// (The demo's offline check-in ticks have the same ids on every
	// instance; a device's are random.)
	for _, q := range []string{`UPDATE users SET login = 'here-' || login`, `UPDATE organisations SET name = 'Здешняя ' || name, inn = ''`,
		`UPDATE checkin_visits SET tick_id = 'here-' || tick_id WHERE tick_id IS NOT NULL`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// savedReportQuery reads the saved report parameters used below (the
// builder's, internal/web/reports.go) into a query over the period.
func savedReportQuery(t *testing.T, query string, from, to opora.Date) *opora.ReportQuery {
	t.Helper()
	vals, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(name string) []int64 {
		var out []int64
		for _, s := range vals[name] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("%s=%s", name, s)
			}
			out = append(out, id)
		}
		return out
	}
	q := &opora.ReportQuery{Subject: opora.ReportSubject(vals.Get("subject")), Measure: opora.Measure(vals.Get("measure")), From: from, To: to,
		BranchIDs: ids("branch"), ServiceTypeIDs: ids("service_type")}
	for _, g := range []string{vals.Get("group"), vals.Get("group2")} {
		if g != "" {
			q.GroupBy = append(q.GroupBy, opora.Dimension(g))
		}
	}
	for k := range vals {
		if fid, ok := strings.CutPrefix(k, "field_"); ok {
			id, _ := strconv.ParseInt(fid, 10, 64)
			q.Fields = append(q.Fields, opora.FieldFilter{FieldID: id, OptionIDs: ids(k)})
		}
	}
	return q
}

// movedReportLines is a report's rows as people read them: the groups' labels
// and the value.
func movedReportLines(res *opora.ReportResult) []string {
	var out []string
	for _, row := range res.Rows {
		var parts []string
		for i, k := range row.Keys {
			if i < len(res.Labels) {
				if l, ok := res.Labels[i][k]; ok {
					k = l
				}
			}
			parts = append(parts, k)
		}
		out = append(out, fmt.Sprintf("%s = %g", strings.Join(parts, " · "), row.Value))
	}
	slices.Sort(out)
	return append(out, fmt.Sprintf("total %g", res.Total))
}

// shownFields lists, per client of the organisation (by surname and first
// name), the questionnaire's fields shown to a person reading it, by label.
func shownFields(t *testing.T, s *store.Store, ctx context.Context, orgID int64) []string {
	t.Helper()
	rows, err := storetest.RawDB(t, s).Query(`SELECT id, surname, first_name FROM clients WHERE organisation_id = $1 ORDER BY surname, first_name, id`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	type cl struct {
		id         int64
		name, rest string
	}
	var cs []cl
	for rows.Next() {
		var c cl
		if err := rows.Scan(&c.id, &c.name, &c.rest); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	var out []string
	for _, c := range cs {
		ca, err := s.Questionnaire(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		var shown []string
		for _, x := range ca.Form.Fields() {
			if ca.Form.FieldShown(x, ca.Answers) {
				shown = append(shown, x.Label)
			}
		}
		out = append(out, c.name+" "+c.rest+": "+strings.Join(shown, ", "))
	}
	return out
}

// TestOrgMoveIdsInText: ids held inside text columns follow their rows.
// After a move into an instance that already holds another organisation
// (so every id differs), a saved report runs and gives the source's
// numbers, a questionnaire condition shows and hides the same field for
// the same clients, and every id inside the organisation's text columns
// (timeline changes, visits, assessments, council entries, import
// mappings) names a row of the imported organisation.
func TestOrgMoveIdsInText(t *testing.T) {
	auth.SetParamsForTests()
	type pair struct{ from, to store.Dialect }
	pairs := []pair{{store.SQLite, store.SQLite}}
	if storetest.PostgresDSN() != "" {
		pairs = append(pairs, pair{store.Postgres, store.Postgres}, pair{store.SQLite, store.Postgres}, pair{store.Postgres, store.SQLite})
	}
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%s→%s", p.from, p.to), func(t *testing.T) {
			src, srcFiles := storetest.Open(t, p.from), newMemFiles()
			orgID, srcCtx := moveSource(t, src, srcFiles)
			db := storetest.RawDB(t, src)
			// A choice field the clients answered differently: the
			// condition and the report group by it.
			var fieldID, optionID int64
			if err := db.QueryRow(`SELECT a.field_id, MIN(a.option_id) FROM answers a JOIN form_fields x ON x.id = a.field_id
				WHERE a.organisation_id = $1 AND a.option_id IS NOT NULL AND x.type = 'choice'
				GROUP BY a.field_id HAVING COUNT(DISTINCT a.option_id) > 1 ORDER BY COUNT(*) DESC, a.field_id LIMIT 1`, orgID).Scan(&fieldID, &optionID); err != nil {
				t.Fatalf("a choice field answered differently: %v", err)
			}
			// The condition: another field shown only when that option is chosen.
			var firstClient int64
			if err := db.QueryRow(`SELECT MIN(id) FROM clients WHERE organisation_id = $1`, orgID).Scan(&firstClient); err != nil {
				t.Fatal(err)
			}
			ca, err := src.Questionnaire(srcCtx, firstClient)
			if err != nil {
				t.Fatal(err)
			}
			var dependent *opora.FormField
			for _, x := range ca.Form.Fields() {
				if x.ID != fieldID && x.ShowIfOptionID == 0 && dependent == nil {
					c := *x
					dependent = &c
				}
			}
			dependent.ShowIfOptionID = optionID
			if err := src.UpdateField(srcCtx, dependent); err != nil {
				t.Fatal(err)
			}
			// A timeline line naming ids: the first client moves to another
			// branch with another responsible worker.
			var otherBranch, worker int64
			if err := db.QueryRow(`SELECT MAX(id) FROM branches WHERE organisation_id = $1`, orgID).Scan(&otherBranch); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(`SELECT MAX(u.id) FROM users u JOIN user_branches b ON b.user_id = u.id
				WHERE u.organisation_id = $1 AND b.branch_id = $2`, orgID, otherBranch).Scan(&worker); err != nil {
				t.Fatal(err)
			}
			cl, err := src.Client(srcCtx, firstClient)
			if err != nil {
				t.Fatal(err)
			}
			if cl.BranchID == otherBranch {
				t.Fatalf("the first client is in the last branch already")
			}
			cl.BranchID, cl.ResponsibleID = otherBranch, worker
			if err := src.UpdateClient(srcCtx, cl); err != nil {
				t.Fatal(err)
			}
			srcShown := shownFields(t, src, srcCtx, orgID)
			hidden := 0
			for _, l := range srcShown {
				if !strings.Contains(l, dependent.Label) {
					hidden++
				}
			}
			if hidden == 0 || hidden == len(srcShown) {
				t.Fatalf("the condition hides %q for %d of %d clients: want some shown, some hidden", dependent.Label, hidden, len(srcShown))
			}
			// The saved report: services of one branch and two service
			// types, of clients who answered the field, by the
			// field and by service type.
			var branchID int64
			if err := db.QueryRow(`SELECT branch_id FROM services WHERE organisation_id = $1 GROUP BY branch_id ORDER BY COUNT(*) DESC, branch_id LIMIT 1`, orgID).Scan(&branchID); err != nil {
				t.Fatal(err)
			}
			var types []string
			trows, err := db.Query(`SELECT type_id FROM services WHERE organisation_id = $1 GROUP BY type_id ORDER BY COUNT(*) DESC, type_id LIMIT 2`, orgID)
			if err != nil {
				t.Fatal(err)
			}
			for trows.Next() {
				var id int64
				trows.Scan(&id)
				types = append(types, strconv.FormatInt(id, 10))
			}
			trows.Close()
			var options []string
			orows, err := db.Query(`SELECT id FROM field_options WHERE field_id = $1 ORDER BY id`, fieldID)
			if err != nil {
				t.Fatal(err)
			}
			for orows.Next() {
				var id int64
				orows.Scan(&id)
				options = append(options, strconv.FormatInt(id, 10))
			}
			orows.Close()
			fid := strconv.FormatInt(fieldID, 10)
			query := url.Values{"subject": {"services"}, "measure": {"count"}, "branch": {strconv.FormatInt(branchID, 10)},
				"service_type": types, "group": {"field:" + fid}, "group2": {"service_type"}, "field_" + fid: options}.Encode()
			sr := &opora.SavedReport{Name: "Услуги по ответу", Query: query, Shared: true}
			if err := src.SaveReport(srcCtx, sr); err != nil {
				t.Fatal(err)
			}
			from, to := opora.NewDate(2000, time.January, 1), opora.DateOf(time.Now().AddDate(1, 0, 0))
			res, err := src.RunReport(srcCtx, savedReportQuery(t, query, from, to))
			if err != nil {
				t.Fatal(err)
			}
			want := movedReportLines(res)
			if len(res.Rows) < 2 {
				t.Fatalf("the saved report has too little to compare: %v", want)
			}

			var buf bytes.Buffer
			if _, err := src.ExportOrganisation(srcCtx, orgID, &buf, store.OrgExportOptions{Version: "test", OpenFile: srcFiles.open}); err != nil {
				t.Fatal(err)
			}
			dst := movedTarget(t, p.to)
			r, err := importBytes(t, dst, newMemFiles(), buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if r.OrganisationID == orgID {
				t.Fatalf("the imported organisation kept its id %d: the test needs ids that differ", orgID)
			}
			dstCtx := loginCtx(t, dst, "admin")
			if opora.ActorFrom(dstCtx).OrganisationID != r.OrganisationID {
				t.Fatal("admin is not the imported organisation's")
			}
			all, err := dst.SavedReports(dstCtx)
			if err != nil {
				t.Fatal(err)
			}
			var saved *opora.SavedReport
			for _, x := range all {
				if x.Name == sr.Name {
					saved = x
				}
			}
			if saved == nil {
				t.Fatalf("the saved report is not in the target (%d others)", len(all))
			}
			if saved.Query == query {
				t.Errorf("the saved report's ids were not rewritten: %s", saved.Query)
			}
			res, err = dst.RunReport(dstCtx, savedReportQuery(t, saved.Query, from, to))
			if err != nil {
				t.Fatal(err)
			}
			if got := movedReportLines(res); !slices.Equal(got, want) {
				t.Errorf("the saved report in the target:\n%s\nin the source:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if got := shownFields(t, dst, dstCtx, r.OrganisationID); !slices.Equal(got, srcShown) {
				t.Errorf("the questionnaire's condition in the target shows other fields:\n%s\nin the source:\n%s",
					strings.Join(got, "\n"), strings.Join(srcShown, "\n"))
			}
			counts, bad, err := dst.MoveTextRefsCheck(context.Background(), r.OrganisationID)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bad {
				t.Error(b)
			}
			t.Logf("ids inside text in the target: %v", counts)
			if counts["saved_reports.query"] == 0 || counts["client_events.changes"] == 0 {
				t.Errorf("ids inside text checked: %v; want the saved report's and the timeline's", counts)
			}
		})
	}
}
