package backup

// The backup drill (`opora restore --verify-only`): restore an archive into
// a scratch place that has nothing to do with the live instance, and compare
// what came out with what the manifest recorded when the backup was made —
// the rows of every table and the SHA-256 of every file.

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/store"
)

// TableRows is the number of rows one table held when the backup was made,
// recorded in the manifest (absent from archives made before Opora
// recorded it; those still restore and verify, without the row counts).
type TableRows struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// VerifyReport is what VerifyRestore found.
type VerifyReport struct {
	Manifest *Manifest
	// Scratch says where the backup was restored: a temporary folder, and
	// for PostgreSQL the scratch database (both removed afterwards).
	Scratch string
	Tables  []TableCheck // every table of the manifest or the restored database, by name
	Files   int          // files (and the secret key) compared with their checksums
	// Problems names every table and file that does not match the
	// manifest; empty when the backup verified.
	Problems []string
}

// OK reports whether the restored backup matched its manifest.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// TableCheck compares one table's rows.
type TableCheck struct {
	Name     string
	Backup   int64 // rows recorded in the manifest; -1 when not recorded
	Restored int64 // rows in the restored database; -1 when the table is missing
}

// OK reports whether the table's rows match the manifest.
func (c TableCheck) OK() bool { return c.Backup == c.Restored }

// Counted reports whether the manifest recorded row counts (archives made
// before Opora recorded them did not: their tables are listed with the
// restored counts only).
func (r *VerifyReport) Counted() bool { return len(r.Manifest.Tables) > 0 }

// VerifyRestore restores the archive at src into a scratch place — a
// temporary folder, and for a PostgreSQL backup a scratch database
// opora_verify_<random> created on the server of opt.DatabaseURL — never
// touching opt.DataDir or the live database, and compares the restored rows
// of every table and the restored files with the manifest. The scratch
// folder and database are removed before it returns.
//
// A damaged archive (an entry whose checksum does not match, a missing or
// unlisted entry) is an error matching ErrDamaged that names the entry; a
// restore that worked but does not match the manifest is a report whose
// Problems name the tables and files.
//
// Encrypted files are compared as stored: no files key is needed.
func VerifyRestore(ctx context.Context, opt Options, src string) (*VerifyReport, error) {
	r, err := verifyRestore(ctx, opt, src)
	if err != nil {
		return nil, fmt.Errorf("verify restore: %w", err)
	}
	return r, nil
}

func verifyRestore(ctx context.Context, opt Options, src string) (*VerifyReport, error) {
	m, err := verifyArchive(ctx, src)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "opora-verify-*")
	if err != nil {
		return nil, fmt.Errorf("create scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	dataDir := filepath.Join(scratch, "data")
	r := &VerifyReport{Manifest: m, Scratch: scratch}
	target := Options{DataDir: dataDir}
	schema := cmp.Or(m.Schema, "public")
	if m.Database == DatabasePostgres {
		if !(store.Options{DatabaseURL: opt.DatabaseURL}).IsPostgres() {
			return nil, errors.New("the backup holds a PostgreSQL database: verifying it needs a PostgreSQL server to restore into; " +
				"give --database-url / OPORA_DATABASE_URL (a scratch database opora_verify_… is created there and dropped afterwards)")
		}
		dsn, drop, err := scratchDatabase(ctx, opt.DatabaseURL, m.Schema)
		if err != nil {
			return nil, err
		}
		defer drop()
		target.DatabaseURL = dsn
		u, _ := url.Parse(dsn)
		r.Scratch += ", database " + strings.TrimPrefix(u.Path, "/")
	}
	if _, err := restore(ctx, target, src, restoreMode{verified: m, anyFilesKey: true}); err != nil {
		return nil, err
	}

	// Rows.
	var got []TableRows
	switch m.Database {
	case DatabaseSQLite:
		got, err = countSQLite(ctx, filepath.Join(dataDir, dbFileName))
	case DatabasePostgres:
		got, err = countPostgres(ctx, target.DatabaseURL, schema)
	}
	if err != nil {
		return nil, fmt.Errorf("count the restored rows: %w", err)
	}
	r.Tables = compareTables(m.Tables, got)
	for _, c := range r.Tables {
		switch {
		case c.OK() || !r.Counted():
		case c.Restored == -1:
			r.Problems = append(r.Problems, fmt.Sprintf("table %s: the backup recorded %d rows, the restored database has no such table", c.Name, c.Backup))
		case c.Backup == -1:
			r.Problems = append(r.Problems, fmt.Sprintf("table %s: in the restored database (%d rows) but not in the backup's manifest", c.Name, c.Restored))
		default:
			r.Problems = append(r.Problems, fmt.Sprintf("table %s: the backup recorded %d rows, the restored database has %d", c.Name, c.Backup, c.Restored))
		}
	}

	// Files, as they lie in the restored data folder.
	files, problems, err := compareFiles(dataDir, m)
	if err != nil {
		return nil, err
	}
	r.Files = files
	r.Problems = append(r.Problems, problems...)
	return r, nil
}

// compareTables lines up the manifest's counts with the restored ones. A
// manifest without counts (an older archive) lists every restored table
// with Backup -1.
func compareTables(want, got []TableRows) []TableCheck {
	byName := map[string]*TableCheck{}
	for _, t := range want {
		byName[t.Name] = &TableCheck{Name: t.Name, Backup: t.Rows, Restored: -1}
	}
	for _, t := range got {
		if c, ok := byName[t.Name]; ok {
			c.Restored = t.Rows
		} else {
			byName[t.Name] = &TableCheck{Name: t.Name, Backup: -1, Restored: t.Rows}
		}
	}
	out := make([]TableCheck, 0, len(byName))
	for _, c := range byName {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b TableCheck) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// compareFiles hashes every file of the restored data folder that came from
// the archive (files/… and secret.key) and compares it with the manifest.
func compareFiles(dataDir string, m *Manifest) (int, []string, error) {
	want := map[string]string{}
	for _, f := range m.Files {
		if f.Path == secretEntry || strings.HasPrefix(f.Path, filesPrefix) {
			want[f.Path] = strings.ToLower(f.SHA256)
		}
	}
	var problems []string
	seen := map[string]bool{}
	n := 0
	check := func(name, p string) error {
		sum, err := fileSHA256(p)
		if err != nil {
			return err
		}
		seen[name] = true
		n++
		switch w, ok := want[name]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("file %s: restored but not in the backup's manifest", name))
		case w != sum:
			problems = append(problems, fmt.Sprintf("file %s: restored content does not match its SHA-256 in the manifest", name))
		}
		return nil
	}
	if fileExists(filepath.Join(dataDir, secretEntry)) {
		if err := check(secretEntry, filepath.Join(dataDir, secretEntry)); err != nil {
			return 0, nil, err
		}
	}
	root := filepath.Join(dataDir, filesDirName)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		return check(filesPrefix+filepath.ToSlash(rel), p)
	})
	if err != nil {
		return 0, nil, fmt.Errorf("read the restored files: %w", err)
	}
	var missing []string
	for name := range want {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	for _, name := range missing {
		problems = append(problems, fmt.Sprintf("file %s: in the backup's manifest but not restored", name))
	}
	return n, problems, nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// scratchDatabase creates an empty database opora_verify_<random> on the
// server of dsn and returns its URL (search_path set to the backup's
// schema, when it has one) and a function that drops it.
func scratchDatabase(ctx context.Context, dsn, schema string) (string, func(), error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	name := "opora_verify_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer admin.Close()
	// name is ours: safe to write into the statement.
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", nil, fmt.Errorf("create the scratch database %s (the database user needs the CREATEDB privilege): %w", name, err)
	}
	drop := func() {
		// Even when ctx is cancelled: do not leave the scratch database behind.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		drop()
		return "", nil, errors.New("the database URL is not a valid postgres:// URL")
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	if schema != "" {
		q.Set("search_path", schema)
	}
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// ---------------------------------------------------------------------------
// Row counts

// rowQuerier is a *sql.DB or *sql.Tx.
type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// countSQLite counts the rows of every ordinary table of the SQLite
// database at p (virtual tables such as the FTS5 indexes are skipped; the
// tables holding their data are counted).
func countSQLite(ctx context.Context, p string) ([]TableRows, error) {
	db, err := sql.Open("sqlite", sqliteDSN(p, "mode=ro"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return countTables(ctx, db, `
		SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
		ORDER BY name`, nil, "")
}

// countPostgres counts the rows of every table of schema in the database
// at dsn.
func countPostgres(ctx context.Context, dsn, schema string) ([]TableRows, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return countTables(ctx, db, pgTablesQuery, []any{schema}, schema)
}

const pgTablesQuery = `
	SELECT c.relname FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
	ORDER BY c.relname`

// countTables runs list (one column: table names) and counts each table's
// rows, qualified by schema when it is not "".
func countTables(ctx context.Context, q rowQuerier, list string, args []any, schema string) ([]TableRows, error) {
	rows, err := q.QueryContext(ctx, list, args...)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, name)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]TableRows, 0, len(names))
	for _, name := range names {
		table := quoteIdent(name)
		if schema != "" {
			table = quoteIdent(schema) + "." + table
		}
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		out = append(out, TableRows{Name: name, Rows: n})
	}
	return out, nil
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// pgDumpCounted dumps the database like pgDump and counts the rows of the
// schema's tables in the same snapshot: a repeatable-read transaction
// exports its snapshot, pg_dump --snapshot reads exactly what it sees, so
// the counts are those of the dump even while the server keeps writing.
func pgDumpCounted(ctx context.Context, dsn, schema, out string) ([]TableRows, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return nil, fmt.Errorf("export a snapshot for pg_dump: %w", err)
	}
	counts, err := countTables(ctx, tx, pgTablesQuery, []any{schema}, schema)
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	if err := pgDump(ctx, dsn, schema, out, snapshot); err != nil {
		return nil, err
	}
	return counts, tx.Commit()
}
