// Package backup makes online, consistent backups of an Opora data folder
// and restores them.
//
// A backup is a gzip-compressed tar archive with these entries:
//
//	database/opora.db      SQLite snapshot taken with VACUUM INTO (SQLite mode)
//	database/opora.pgdump  pg_dump custom-format dump (PostgreSQL mode)
//	files/...              the uploaded files, same tree as DataDir/files
//	secret.key             the key sealing the secrets kept in the database
//	                       (internal/secret; the SMTP password), when there is one
//	manifest.json          format, creation time, app version, database kind,
//	                       size + SHA-256 of every other entry, and the rows
//	                       of every table in the snapshot (for the drill,
//	                       VerifyRestore; absent from older archives)
//
// manifest.json is written as the last entry, so that every checksum it holds
// was computed from exactly the bytes that went into the archive, even while
// the server keeps running. The database is snapshotted before the files are
// copied: a file uploaded during the backup may end up in the archive without
// a database row pointing to it (harmless), never the other way round unless
// a file is deleted while the backup runs.
//
// Restore reads the whole archive and checks it against the manifest before
// it changes anything. It then extracts into a staging folder next to the
// data folder and moves the result into place only when everything worked.
package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" database/sql driver
	_ "modernc.org/sqlite"             // "sqlite" database/sql driver

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/secret"
	"github.com/opora-project/opora/internal/store"
)

// FormatVersion is the archive format written by Create and the only one
// Restore accepts.
const FormatVersion = 1

// Database kinds recorded in Manifest.Database.
const (
	DatabaseSQLite   = "sqlite"
	DatabasePostgres = "postgres"
)

// Archive entry names and data folder layout.
const (
	manifestEntry = "manifest.json"
	sqliteEntry   = "database/opora.db"
	pgdumpEntry   = "database/opora.pgdump"
	filesPrefix   = "files/"
	secretEntry   = secret.KeyFileName

	dbFileName   = "opora.db"
	filesDirName = "files"

	maxManifestSize = 64 << 20
)

var (
	// ErrDamaged is matched (errors.Is) by every error Restore returns
	// because the archive is corrupt, truncated, incomplete or unsafe.
	ErrDamaged = errors.New("backup is damaged")
	// ErrNotEmpty is matched by the error Restore returns when the target
	// data folder or PostgreSQL database already holds data.
	ErrNotEmpty = errors.New("restore target is not empty")
)

// Options says where the data lives.
type Options struct {
	DataDir string // data folder (holds opora.db and files/)
	// DatabaseURL is read as `opora serve` reads it (store.Options): ""
	// for SQLite in DataDir/opora.db, "sqlite:PATH" for SQLite at PATH,
	// "postgres://…" or "postgresql://…" for PostgreSQL, where a
	// search_path parameter names the schema holding Opora's tables (its
	// first entry) and only that schema is backed up and restored.
	DatabaseURL string
	Version     string // app version, written to the manifest
	// FilesKeyFile is the key the files are encrypted with at rest, as
	// `opora serve` reads it (--files-key-file). Backups copy the files as
	// they lie on disk, encrypted ones encrypted, and never carry this key;
	// Restore of a backup holding encrypted files requires it and refuses
	// another key before it changes anything.
	FilesKeyFile string
	// SecretKeyFile is the key file sealing the database's secrets, as
	// `opora serve` reads it (store.Options.SecretKey): "" for secret.key
	// in DataDir. A backup carries it, so that a restored instance opens
	// the SMTP password; restore puts it back there.
	SecretKeyFile string
}

// secretKeyPath returns the key file of the options.
func (o Options) secretKeyPath(dataDir string) string {
	return store.Options{DataDir: dataDir, SecretKey: o.SecretKeyFile}.SecretKeyFile()
}

// Manifest describes a backup archive. It is stored as manifest.json.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Version   string    `json:"version"`
	Database  string    `json:"database"` // "sqlite" or "postgres"
	// Schema is the PostgreSQL schema the dump holds alone, from the
	// search_path of the database URL; empty for a dump of the whole
	// database (no search_path, or search_path=public).
	Schema string         `json:"schema,omitempty"`
	Files  []ManifestFile `json:"files"`
	// Tables are the rows of every table of the database snapshot, counted
	// in the snapshot itself (SQLite: the VACUUM INTO copy; PostgreSQL: the
	// snapshot pg_dump reads), by name. Empty in archives made before
	// Opora recorded them.
	Tables []TableRows `json:"tables,omitempty"`
	// FilesKeyIDs are the ids (internal/files Key.ID) of the keys the
	// archive's encrypted files were encrypted with, found by Verify and
	// Restore in the files' headers and the files folder's key marker;
	// empty when every file is plain. Not stored: the files say it.
	FilesKeyIDs []string `json:"-"`
}

// ManifestFile is one archive entry (other than manifest.json itself).
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ---------------------------------------------------------------------------
// Create

// Create writes a .tar.gz backup of the data folder (and the database) to
// dest. The archive is written to dest+".tmp" and renamed to dest only when
// it is complete, so a failed backup leaves no partial file behind. An
// existing file at dest is replaced only on success.
func Create(ctx context.Context, opt Options, dest string) (*Manifest, error) {
	m, err := create(ctx, opt, dest)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

func create(ctx context.Context, opt Options, dest string) (*Manifest, error) {
	if opt.DataDir == "" {
		return nil, errors.New("no data folder given")
	}
	if dest == "" {
		return nil, errors.New("no destination file given")
	}
	dataDir, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return nil, err
	}
	db, err := databaseOf(opt.DatabaseURL, dataDir)
	if err != nil {
		return nil, err
	}
	kind := db.kind
	dest, err = filepath.Abs(dest)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("destination %s is a folder; give a file name such as opora-backup.tar.gz", dest)
	}

	// Scratch space for the database snapshot, on the destination's file
	// system (often bigger than /tmp).
	stage, err := os.MkdirTemp(filepath.Dir(dest), ".opora-backup-*")
	if err != nil {
		return nil, fmt.Errorf("create scratch folder next to destination: %w", err)
	}
	defer os.RemoveAll(stage)

	// 1. Database snapshot.
	var dbEntry, snapshot string
	var tables []TableRows
	switch kind {
	case DatabaseSQLite:
		dbEntry = sqliteEntry
		snapshot = filepath.Join(stage, dbFileName)
		if err := snapshotSQLite(ctx, db.sqlitePath, snapshot); err != nil {
			return nil, err
		}
		if tables, err = countSQLite(ctx, snapshot); err != nil {
			return nil, fmt.Errorf("count the snapshot's rows: %w", err)
		}
	case DatabasePostgres:
		dbEntry = pgdumpEntry
		snapshot = filepath.Join(stage, "opora.pgdump")
		if tables, err = pgDumpCounted(ctx, opt.DatabaseURL, db.schema, snapshot); err != nil {
			return nil, err
		}
	}

	// 2. Archive.
	tmp := dest + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create archive: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 1<<20)
	gz := gzip.NewWriter(bw)
	tw := tar.NewWriter(gz)
	now := time.Now().UTC()
	m := &Manifest{
		Format:    FormatVersion,
		CreatedAt: now,
		Version:   opt.Version,
		Database:  kind,
		Files:     []ManifestFile{},
		Tables:    tables,
	}
	if kind == DatabasePostgres && db.schema != "public" {
		m.Schema = db.schema
	}

	mf, err := addFile(ctx, tw, dbEntry, snapshot, 0o600)
	if err != nil {
		return nil, fmt.Errorf("add database snapshot: %w", err)
	}
	m.Files = append(m.Files, mf)

	skip := func(p string) bool {
		return p == dest || p == tmp || p == stage || strings.HasPrefix(p, stage+string(filepath.Separator))
	}
	files, err := addFilesTree(ctx, tw, filepath.Join(dataDir, filesDirName), skip)
	if err != nil {
		return nil, err
	}
	m.Files = append(m.Files, files...)
	if key := opt.secretKeyPath(dataDir); fileExists(key) {
		mf, err := addFile(ctx, tw, secretEntry, key, 0o600)
		if err != nil {
			return nil, fmt.Errorf("add secret key: %w", err)
		}
		m.Files = append(m.Files, mf)
	}

	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	raw = append(raw, '\n')
	if err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     manifestEntry,
		Size:     int64(len(raw)),
		Mode:     0o644,
		ModTime:  now.Truncate(time.Second),
	}); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	if _, err := tw.Write(raw); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}

	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return nil, fmt.Errorf("write archive: %w", err)
	}
	ok = true
	syncDir(filepath.Dir(dest))
	return m, nil
}

// snapshotSQLite writes a consistent copy of the live database at dbPath to
// out. VACUUM INTO runs inside one read transaction, so it is consistent even
// while other connections (or processes) keep writing to the WAL database.
func snapshotSQLite(ctx context.Context, dbPath, out string) error {
	fi, err := os.Stat(dbPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no SQLite database at %s: %w", dbPath, err)
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", dbPath)
	}
	// mode=rw: never create an empty database by accident.
	db, err := sql.Open("sqlite", sqliteDSN(dbPath, "mode=rw&_busy_timeout=10000"))
	if err != nil {
		return fmt.Errorf("open SQLite database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO "+sqlString(out)); err != nil {
		return fmt.Errorf("snapshot SQLite database (VACUUM INTO): %w", err)
	}
	return nil
}

// sqliteDSN builds a file: URI for path (escaping ?, #, % and friends)
// with the given query.
func sqliteDSN(p, query string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	u := url.URL{Path: filepath.ToSlash(p)}
	dsn := "file:" + u.EscapedPath()
	if query != "" {
		dsn += "?" + query
	}
	return dsn
}

func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// addFile copies the whole file at src into the archive as name.
func addFile(ctx context.Context, tw *tar.Writer, name, src string, mode int64) (ManifestFile, error) {
	f, err := os.Open(src)
	if err != nil {
		return ManifestFile{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ManifestFile{}, err
	}
	return copyEntry(ctx, tw, name, f, fi, mode)
}

// copyEntry writes one regular file into the archive, hashing exactly the
// bytes that are written.
func copyEntry(ctx context.Context, tw *tar.Writer, name string, f *os.File, fi fs.FileInfo, mode int64) (ManifestFile, error) {
	size := fi.Size()
	if err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     mode,
		ModTime:  fi.ModTime().UTC().Truncate(time.Second),
	}); err != nil {
		return ManifestFile{}, err
	}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(tw, h), ctxReader{ctx, f}, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return ManifestFile{}, fmt.Errorf("%s became shorter while it was being copied (%d of %d bytes); run the backup again", name, n, size)
		}
		return ManifestFile{}, err
	}
	return ManifestFile{Path: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// addFilesTree archives every regular file below root as files/<rel>.
// A missing root means "no uploaded files". Files that disappear while the
// backup runs are skipped; symbolic links and special files are refused.
func addFilesTree(ctx context.Context, tw *tar.Writer, root string, skip func(string) bool) ([]ManifestFile, error) {
	out := []ManifestFile{}
	if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != root && errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while we were walking
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if skip(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filesPrefix + filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file (%s); only regular files can be backed up", name, d.Type())
		}
		f, err := os.Open(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while we were walking
			}
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file; only regular files can be backed up", name)
		}
		mf, err := copyEntry(ctx, tw, name, f, fi, int64(fi.Mode().Perm()))
		if err != nil {
			return fmt.Errorf("add %s: %w", name, err)
		}
		out = append(out, mf)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archive files: %w", err)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Restore

// Restore rebuilds the data folder (and, in PostgreSQL mode, the database)
// from the archive at src.
//
// The whole archive is verified against its manifest before anything is
// changed. The data folder must not exist or hold no files (empty
// sub-folders are fine); in PostgreSQL mode the target database must have no
// tables in the public schema. On any error the data folder is left as it
// was, and the PostgreSQL restore runs in a single transaction.
func Restore(ctx context.Context, opt Options, src string) (*Manifest, error) {
	m, err := restore(ctx, opt, src, restoreMode{})
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return m, nil
}

// Verify reads the whole archive at src and checks it against its manifest
// without changing anything. The error matches ErrDamaged when the archive is
// corrupt, truncated, incomplete or unsafe.
func Verify(ctx context.Context, src string) (*Manifest, error) {
	m, err := verifyArchive(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return m, nil
}

// restoreMode changes restore for VerifyRestore.
type restoreMode struct {
	verified    *Manifest // the archive was verified already: skip that pass
	anyFilesKey bool      // restore encrypted files as they are, without their key
}

func restore(ctx context.Context, opt Options, src string, mode restoreMode) (*Manifest, error) {
	if opt.DataDir == "" {
		return nil, errors.New("no data folder given")
	}
	dataDir, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return nil, err
	}
	// Work on the real folder if the data folder is a symbolic link.
	if real, err := filepath.EvalSymlinks(dataDir); err == nil {
		dataDir = real
	}
	db, err := databaseOf(opt.DatabaseURL, dataDir)
	if err != nil {
		return nil, err
	}
	kind := db.kind
	// A SQLite database named by sqlite:PATH inside the data folder travels
	// with it; one outside is placed at PATH after the folder.
	dbRel, dbOutside := dbFileName, false
	if kind == DatabaseSQLite {
		if rel, err := filepath.Rel(dataDir, db.sqlitePath); err == nil && filepath.IsLocal(rel) {
			dbRel = rel
		} else {
			dbOutside = true
		}
	}

	// Read-only checks first.
	if err := checkDataDirEmpty(dataDir); err != nil {
		return nil, err
	}
	if dbOutside {
		if err := checkNoFile(db.sqlitePath); err != nil {
			return nil, err
		}
	}
	m := mode.verified
	if m == nil {
		if m, err = verifyArchive(ctx, src); err != nil {
			return nil, err
		}
	}
	if !mode.anyFilesKey {
		if err := checkFilesKey(opt, dataDir, m); err != nil {
			return nil, err
		}
	}
	if m.Database != kind {
		return nil, fmt.Errorf("the backup holds a %s database but the target is %s; restore it with the same database type", m.Database, kind)
	}
	if kind == DatabasePostgres {
		// The dump names its schema in every statement: it can only go back
		// into a schema of the same name.
		if from := cmp.Or(m.Schema, "public"); from != db.schema {
			return nil, fmt.Errorf("the backup holds PostgreSQL schema %q but the database URL's search_path selects %q; "+
				"restore it with search_path=%s", from, db.schema, from)
		}
		if err := checkPostgresEmpty(ctx, opt.DatabaseURL, db.schema); err != nil {
			return nil, err
		}
	}

	// Staging folder next to the data folder, so the final move is a rename
	// within one file system.
	parent := filepath.Dir(dataDir)
	created, err := mkdirAllTracked(parent)
	if err != nil {
		return nil, fmt.Errorf("create parent folder: %w", err)
	}
	done := false
	defer func() {
		if !done {
			removeCreated(created)
		}
	}()
	stage, err := os.MkdirTemp(parent, ".opora-restore-*")
	if err != nil {
		return nil, fmt.Errorf("create staging folder: %w", err)
	}
	defer os.RemoveAll(stage)
	newData := filepath.Join(stage, "data")
	if err := os.MkdirAll(filepath.Join(newData, filesDirName), 0o750); err != nil {
		return nil, err
	}
	dumpPath := filepath.Join(stage, "opora.pgdump")

	if err := extractArchive(ctx, src, m, newData, dumpPath); err != nil {
		return nil, err
	}
	// The key file, when the instance keeps it outside the data folder:
	// placed there if missing; another key there is refused, since it
	// would not open the restored secrets.
	var placeKey func() error
	if key := opt.secretKeyPath(dataDir); fileExists(filepath.Join(newData, secretEntry)) &&
		key != filepath.Join(dataDir, secretEntry) {
		restored, err := os.ReadFile(filepath.Join(newData, secretEntry))
		if err != nil {
			return nil, err
		}
		if have, err := os.ReadFile(key); err == nil {
			if !bytes.Equal(bytes.TrimSpace(have), bytes.TrimSpace(restored)) {
				return nil, fmt.Errorf("the secret key file %s holds another key than the backup's; move it away to restore the backup's key", key)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		} else {
			placeKey = func() error {
				if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
					return err
				}
				return os.WriteFile(key, restored, 0o600)
			}
		}
		if err := os.Remove(filepath.Join(newData, secretEntry)); err != nil {
			return nil, err
		}
	}

	var placeDB func() error // puts a SQLite database outside the data folder at its path
	switch kind {
	case DatabaseSQLite:
		if err := checkSQLite(ctx, filepath.Join(newData, dbFileName)); err != nil {
			return nil, err
		}
		if dbOutside {
			var cleanup func()
			if placeDB, cleanup, err = stageOutside(filepath.Join(newData, dbFileName), db.sqlitePath); err != nil {
				return nil, err
			}
			defer cleanup()
			if err := os.Remove(filepath.Join(newData, dbFileName)); err != nil {
				return nil, err
			}
		} else if dbRel != dbFileName {
			to := filepath.Join(newData, dbRel)
			if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
				return nil, err
			}
			if err := os.Rename(filepath.Join(newData, dbFileName), to); err != nil {
				return nil, err
			}
		}
	case DatabasePostgres:
		// Check again right before writing: time has passed.
		if err := checkDataDirEmpty(dataDir); err != nil {
			return nil, err
		}
		if err := checkPostgresEmpty(ctx, opt.DatabaseURL, db.schema); err != nil {
			return nil, err
		}
		if err := pgRestore(ctx, opt.DatabaseURL, db.schema, dumpPath, stage); err != nil {
			return nil, err
		}
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkDataDirEmpty(dataDir); err != nil {
		return nil, err
	}
	if err := moveIntoPlace(newData, dataDir); err != nil {
		if kind == DatabasePostgres {
			return nil, fmt.Errorf("the database was restored but the files could not be moved into %s: %w", dataDir, err)
		}
		return nil, err
	}
	if placeDB != nil {
		if err := placeDB(); err != nil {
			return nil, fmt.Errorf("the files were restored into %s but the database could not be placed at %s: %w", dataDir, db.sqlitePath, err)
		}
	}
	if placeKey != nil {
		if err := placeKey(); err != nil {
			return nil, fmt.Errorf("the data was restored into %s but the secret key file could not be written: %w", dataDir, err)
		}
	}
	done = true
	syncDir(parent)
	return m, nil
}

// checkDataDirEmpty accepts a missing folder or one that holds nothing but
// (nested) empty folders.
func checkDataDirEmpty(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("data folder %s exists and is not a folder: %w", dir, ErrNotEmpty)
	}
	found := ""
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			found = p
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("inspect data folder: %w", err)
	}
	if found != "" {
		rel, _ := filepath.Rel(dir, found)
		return fmt.Errorf("data folder %s is not empty (it contains %s); restore only into a new or empty folder so nothing gets overwritten: %w", dir, filepath.ToSlash(rel), ErrNotEmpty)
	}
	return nil
}

// moveIntoPlace moves the staged data folder to dataDir, which is missing
// or holds only empty folders.
func moveIntoPlace(newData, dataDir string) error {
	if _, err := os.Lstat(dataDir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(newData, dataDir); err != nil {
			return fmt.Errorf("move restored data into place: %w", err)
		}
		return nil
	}
	// dataDir exists (maybe a mount point): keep it and move the entries in.
	entries, err := os.ReadDir(newData)
	if err != nil {
		return err
	}
	var moved []string
	rollback := func() {
		for i := len(moved) - 1; i >= 0; i-- {
			os.Rename(filepath.Join(dataDir, moved[i]), filepath.Join(newData, moved[i]))
		}
	}
	for _, e := range entries {
		target := filepath.Join(dataDir, e.Name())
		if fi, err := os.Lstat(target); err == nil {
			if !fi.IsDir() {
				rollback()
				return fmt.Errorf("%s appeared during restore: %w", target, ErrNotEmpty)
			}
			// An empty folder (possibly with empty sub-folders) is in the way.
			if err := removeEmptyTree(target); err != nil {
				rollback()
				return fmt.Errorf("replace empty folder %s: %w", target, err)
			}
		}
		if err := os.Rename(filepath.Join(newData, e.Name()), target); err != nil {
			rollback()
			return fmt.Errorf("move restored data into place: %w", err)
		}
		moved = append(moved, e.Name())
	}
	return nil
}

// removeEmptyTree removes dir and its sub-folders, and fails (leaving files
// untouched) if any of them holds a file.
func removeEmptyTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			return fmt.Errorf("%s is not empty: %w", dir, ErrNotEmpty)
		}
		if err := removeEmptyTree(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return os.Remove(dir) // fails if something appeared meanwhile
}

// mkdirAllTracked is os.MkdirAll that reports the folders it created
// (outermost first).
func mkdirAllTracked(dir string) ([]string, error) {
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			removeCreated(created)
			return nil, err
		}
		created = append(created, missing[i])
	}
	return created, nil
}

func removeCreated(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		os.Remove(created[i]) // only succeeds while still empty
	}
}

// checkSQLite makes sure the restored file is a healthy SQLite database.
func checkSQLite(ctx context.Context, p string) error {
	db, err := sql.Open("sqlite", sqliteDSN(p, "mode=rw"))
	if err != nil {
		return fmt.Errorf("open restored database: %w", err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		// The file passed its checksum, so it is what the backup holds: a
		// file SQLite cannot read ("file is not a database", "disk image is
		// malformed") is a damaged backup, not a local problem.
		return fmt.Errorf("check restored database: %w: %w", err, ErrDamaged)
	}
	if res != "ok" {
		return fmt.Errorf("restored database failed its integrity check: %s: %w", res, ErrDamaged)
	}
	return db.Close()
}

// ---------------------------------------------------------------------------
// Archive reading and verification

// damagedError reports a corrupt, incomplete or unsafe archive.
type damagedError struct {
	entry  string // archive entry, may be ""
	reason string
	err    error // underlying error, may be nil
}

func (e *damagedError) Error() string {
	if e.entry == "" {
		return "backup is damaged: " + e.reason
	}
	return fmt.Sprintf("backup is damaged: entry %q: %s", e.entry, e.reason)
}

func (e *damagedError) Unwrap() error        { return e.err }
func (e *damagedError) Is(target error) bool { return target == ErrDamaged }

func damaged(entry, reason string) error {
	return &damagedError{entry: entry, reason: reason}
}

// sourceReader reads the archive file, honours ctx and remembers I/O
// errors so they are not mistaken for damage.
type sourceReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// classify turns an error seen while decoding the archive into an I/O
// error, a cancellation, or a damage report about entry.
func (s *sourceReader) classify(err error, entry, where string) error {
	if cerr := s.ctx.Err(); cerr != nil {
		return cerr
	}
	if s.err != nil {
		return fmt.Errorf("read backup: %w", s.err)
	}
	reason := describeDecodeError(err)
	if where != "" {
		reason = where + ": " + reason
	}
	return &damagedError{entry: entry, reason: reason, err: err}
}

func describeDecodeError(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the archive ends too early (truncated file)"
	case errors.Is(err, gzip.ErrChecksum):
		return "gzip checksum mismatch (the data was changed)"
	case errors.Is(err, gzip.ErrHeader):
		return "not a valid gzip stream"
	default:
		return err.Error()
	}
}

// readTracker records the first read error of an entry's data, so that an
// extraction error can be told apart from a decoding error.
type readTracker struct {
	r   io.Reader
	n   int64
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.n += int64(n)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

type scanResult struct {
	manifest []byte         // raw manifest.json, nil if absent
	entries  []ManifestFile // every other entry, in archive order
}

// entryFunc receives the data of one archive entry (manifest.json excluded).
type entryFunc func(name string, hdr *tar.Header, r io.Reader) error

// scanArchive reads the whole archive, checks every header for safety,
// hashes every entry and passes its data to fn (if not nil).
func scanArchive(ctx context.Context, src string, fn entryFunc) (*scanResult, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("open backup: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("open backup: %s is not a regular file", src)
	}

	sr := &sourceReader{ctx: ctx, r: bufio.NewReaderSize(f, 1<<20)}
	gz, err := gzip.NewReader(sr)
	if err != nil {
		return nil, sr.classify(err, "", "not a .tar.gz archive")
	}
	defer gz.Close()
	tr := tar.NewReader(gz)

	res := &scanResult{}
	seen := map[string]bool{}
	last := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			where := "reading the archive"
			if last != "" {
				where = fmt.Sprintf("after entry %q", last)
			}
			return nil, sr.classify(err, "", where)
		}
		name := hdr.Name
		if err := checkHeader(hdr); err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, damaged(name, "appears twice in the archive")
		}
		seen[name] = true
		last = name

		h := sha256.New()
		rt := &readTracker{r: tr}
		data := io.TeeReader(rt, h)
		if name == manifestEntry {
			raw, err := io.ReadAll(io.LimitReader(data, maxManifestSize+1))
			if err != nil {
				return nil, sr.classify(err, name, "")
			}
			if len(raw) > maxManifestSize {
				return nil, damaged(name, "is implausibly large")
			}
			res.manifest = raw
			continue
		}
		if fn != nil {
			if err := fn(name, hdr, data); err != nil {
				if rt.err != nil {
					return nil, sr.classify(rt.err, name, "")
				}
				if cerr := ctx.Err(); cerr != nil {
					return nil, cerr
				}
				return nil, err
			}
		}
		if _, err := io.Copy(io.Discard, data); err != nil {
			return nil, sr.classify(err, name, "")
		}
		res.entries = append(res.entries, ManifestFile{
			Path:   name,
			Size:   rt.n,
			SHA256: hex.EncodeToString(h.Sum(nil)),
		})
	}

	// Read to the very end: this makes gzip verify its CRC-32 and length,
	// and finds anything appended after the last entry.
	buf := make([]byte, 32<<10)
	for {
		n, err := gz.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return nil, damaged("", "unexpected data after the last archive entry")
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, sr.classify(err, "", "at the end of the archive")
		}
	}
	return res, nil
}

// checkHeader refuses anything but plain files with safe relative names in
// the places Opora uses.
func checkHeader(hdr *tar.Header) error {
	name := hdr.Name
	if !safeEntryName(name) {
		return damaged(name, "unsafe path (absolute, contains \"..\" or otherwise invalid); refusing to restore")
	}
	switch hdr.Typeflag {
	case tar.TypeReg, '\x00':
	case tar.TypeSymlink, tar.TypeLink:
		return damaged(name, "is a link; backups contain only regular files; refusing to restore")
	default:
		return damaged(name, fmt.Sprintf("has unexpected type %q; backups contain only regular files", hdr.Typeflag))
	}
	if hdr.Size < 0 {
		return damaged(name, "has a negative size")
	}
	if name != manifestEntry && name != sqliteEntry && name != pgdumpEntry && name != secretEntry && !strings.HasPrefix(name, filesPrefix) {
		return damaged(name, "is not part of an Opora backup")
	}
	return nil
}

func safeEntryName(name string) bool {
	return name != "" &&
		utf8.ValidString(name) &&
		fs.ValidPath(name) &&
		name != "." &&
		path.Clean(name) == name &&
		!strings.ContainsAny(name, "\\\x00") &&
		filepath.IsLocal(filepath.FromSlash(name))
}

// verifyArchive is the read-only first pass of Restore.
func verifyArchive(ctx context.Context, src string) (*Manifest, error) {
	ids := map[string]bool{}
	res, err := scanArchive(ctx, src, func(name string, hdr *tar.Header, r io.Reader) error {
		if !strings.HasPrefix(name, filesPrefix) {
			return nil
		}
		head := make([]byte, max(files.HeaderLen, 64))
		n, err := io.ReadFull(r, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return err
		}
		if name == filesPrefix+files.MarkerName {
			if id := strings.TrimSpace(string(head[:n])); id != "" {
				ids[id] = true
			}
		} else if id, ok := files.KeyIDOf(head[:n]); ok {
			ids[id] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m, err := checkManifest(res)
	if err != nil {
		return nil, err
	}
	for id := range ids {
		m.FilesKeyIDs = append(m.FilesKeyIDs, id)
	}
	slices.Sort(m.FilesKeyIDs)
	return m, nil
}

// checkFilesKey refuses to restore encrypted files without the key they
// were encrypted with (Options.FilesKeyFile).
func checkFilesKey(opt Options, dataDir string, m *Manifest) error {
	if len(m.FilesKeyIDs) == 0 {
		return nil
	}
	ids := strings.Join(m.FilesKeyIDs, ", ")
	if opt.FilesKeyFile == "" {
		return fmt.Errorf("the backup's files are encrypted (key id %s): give the key file they were encrypted with, "+
			"opora restore --files-key-file FILE (or OPORA_FILES_KEY_FILE); nothing was restored", ids)
	}
	k, err := files.LoadKey(opt.FilesKeyFile, dataDir)
	if err != nil {
		return fmt.Errorf("%w; nothing was restored", err)
	}
	for _, id := range m.FilesKeyIDs {
		if id != k.ID() {
			return fmt.Errorf("the key in --files-key-file / OPORA_FILES_KEY_FILE (key id %s) is not the key the backup's files were encrypted with (key id %s); nothing was restored",
				k.ID(), ids)
		}
	}
	return nil
}

// checkManifest parses manifest.json and compares it with what the archive
// actually holds.
func checkManifest(res *scanResult) (*Manifest, error) {
	if res.manifest == nil {
		return nil, damaged(manifestEntry, "is missing from the archive (not an Opora backup, or the archive is incomplete)")
	}
	var m Manifest
	if err := json.Unmarshal(res.manifest, &m); err != nil {
		return nil, &damagedError{entry: manifestEntry, reason: "is not valid JSON: " + err.Error(), err: err}
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("backup format %d is not supported (this version of Opora reads format %d)", m.Format, FormatVersion)
	}
	var dbEntry string
	switch m.Database {
	case DatabaseSQLite:
		dbEntry = sqliteEntry
	case DatabasePostgres:
		dbEntry = pgdumpEntry
	default:
		return nil, damaged(manifestEntry, fmt.Sprintf("names an unknown database type %q", m.Database))
	}

	listed := make(map[string]ManifestFile, len(m.Files))
	for _, f := range m.Files {
		if !safeEntryName(f.Path) || (f.Path != dbEntry && f.Path != secretEntry && !strings.HasPrefix(f.Path, filesPrefix)) {
			return nil, damaged(manifestEntry, fmt.Sprintf("lists an invalid path %q", f.Path))
		}
		if _, dup := listed[f.Path]; dup {
			return nil, damaged(manifestEntry, fmt.Sprintf("lists %q twice", f.Path))
		}
		if f.Size < 0 || len(f.SHA256) != sha256.Size*2 {
			return nil, damaged(manifestEntry, fmt.Sprintf("has an invalid size or checksum for %q", f.Path))
		}
		listed[f.Path] = f
	}
	if _, ok := listed[dbEntry]; !ok {
		return nil, damaged(manifestEntry, "does not list the database "+dbEntry)
	}

	inArchive := make(map[string]bool, len(res.entries))
	for _, e := range res.entries {
		inArchive[e.Path] = true
		want, ok := listed[e.Path]
		if !ok {
			return nil, damaged(e.Path, "is not listed in manifest.json")
		}
		if e.Size != want.Size {
			return nil, damaged(e.Path, fmt.Sprintf("has %d bytes but manifest.json says %d", e.Size, want.Size))
		}
		if !strings.EqualFold(e.SHA256, want.SHA256) {
			return nil, damaged(e.Path, "content does not match its SHA-256 checksum in manifest.json")
		}
	}
	for _, f := range m.Files {
		if !inArchive[f.Path] {
			return nil, damaged(f.Path, "is listed in manifest.json but missing from the archive")
		}
	}
	return &m, nil
}

// extractArchive is the second pass of Restore: it writes the database and
// the files into the staging folder and checks every entry again, in case
// the archive changed since it was verified.
func extractArchive(ctx context.Context, src string, m *Manifest, newData, dumpPath string) error {
	res, err := scanArchive(ctx, src, func(name string, hdr *tar.Header, r io.Reader) error {
		var target string
		mode := fs.FileMode(hdr.Mode&0o777) | 0o600
		switch {
		case name == sqliteEntry:
			target = filepath.Join(newData, dbFileName)
			mode = 0o600
		case name == pgdumpEntry:
			target = dumpPath
			mode = 0o600
		case name == secretEntry:
			target = filepath.Join(newData, secretEntry)
			mode = 0o600
		default: // files/..., checked by checkHeader
			target = filepath.Join(newData, filepath.FromSlash(name))
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if !hdr.ModTime.IsZero() {
			os.Chtimes(target, hdr.ModTime, hdr.ModTime)
		}
		return nil
	})
	if err != nil {
		return err
	}
	again, err := checkManifest(res)
	if err != nil {
		return err
	}
	if again.CreatedAt != m.CreatedAt || len(again.Files) != len(m.Files) {
		return damaged(manifestEntry, "changed while the backup was being restored")
	}
	for i := range m.Files {
		if again.Files[i] != m.Files[i] {
			return damaged(m.Files[i].Path, "changed while the backup was being restored")
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// PostgreSQL

// database is where a database URL points, read the way `opora serve`
// reads it (store.Options).
type database struct {
	kind       string // DatabaseSQLite or DatabasePostgres
	sqlitePath string // the SQLite file, absolute
	schema     string // PostgreSQL: the schema of Opora's tables, "public" by default
}

func databaseOf(databaseURL, dataDir string) (database, error) {
	o := store.Options{DatabaseURL: databaseURL, DataDir: dataDir}
	switch {
	case o.IsPostgres():
		schema, err := searchPathSchema(databaseURL)
		if err != nil {
			return database{}, err
		}
		return database{kind: DatabasePostgres, schema: schema}, nil
	case databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:"):
		p := o.SQLitePath()
		if p == "" {
			return database{}, errors.New("the database URL sqlite: names no file")
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return database{}, err
		}
		return database{kind: DatabaseSQLite, sqlitePath: abs}, nil
	default:
		// Do not echo the URL: it may hold a password.
		return database{}, errors.New(`unsupported database URL: use "" or sqlite:PATH for SQLite, or a postgres:// URL`)
	}
}

// schemaName is a schema name we pass to pg_dump, pg_restore and SQL as is.
var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// searchPathSchema returns the schema Opora's tables live in: the first
// schema of the URL's search_path parameter (pgx sends it to the server as
// a run-time parameter, so the tables are created there), "public" without
// one. An unquoted name is folded to lower case, as the server does.
func searchPathSchema(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", errors.New("the database URL is not a valid postgres:// URL")
	}
	for part := range strings.SplitSeq(u.Query().Get("search_path"), ",") {
		name := strings.TrimSpace(part)
		if name == "" || name == `"$user"` || name == "$user" {
			continue
		}
		if unq, ok := strings.CutPrefix(name, `"`); ok {
			name = strings.TrimSuffix(unq, `"`)
		} else {
			name = strings.ToLower(name)
		}
		if !schemaName.MatchString(name) {
			return "", fmt.Errorf("backup supports a search_path schema of lower-case letters, digits and _ only, not %q", name)
		}
		return name, nil
	}
	return "public", nil
}

// checkNoFile refuses to restore over an existing database file.
func checkNoFile(p string) error {
	for _, f := range []string{p, p + "-wal", p + "-shm"} {
		if _, err := os.Lstat(f); err == nil {
			return fmt.Errorf("the database file %s already exists; restore only into a new location: %w", f, ErrNotEmpty)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// stageOutside copies the restored SQLite database src next to dst, on
// dst's file system, so that place only has to rename it; cleanup removes
// what is left when place was not called or failed.
func stageOutside(src, dst string) (place func() error, cleanup func(), err error) {
	created, err := mkdirAllTracked(filepath.Dir(dst))
	if err != nil {
		return nil, nil, fmt.Errorf("create the database's folder: %w", err)
	}
	placed := false
	var tmpName string
	cleanup = func() {
		if placed {
			return
		}
		if tmpName != "" {
			os.Remove(tmpName)
		}
		removeCreated(created)
	}
	fail := func(err error) (func() error, func(), error) {
		cleanup()
		return nil, nil, err
	}
	in, err := os.Open(src)
	if err != nil {
		return fail(err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".opora-restore-*.db")
	if err != nil {
		return fail(fmt.Errorf("stage the database next to %s: %w", dst, err))
	}
	tmpName = tmp.Name()
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(fmt.Errorf("stage the database next to %s: %w", dst, err))
	}
	place = func() error {
		if err := checkNoFile(dst); err != nil {
			return err
		}
		if err := os.Rename(tmpName, dst); err != nil {
			return err
		}
		placed = true
		syncDir(filepath.Dir(dst))
		return nil
	}
	return place, cleanup, nil
}

// libpqParams are the URL query parameters pg_dump/pg_restore (libpq 15)
// understand. Anything else (search_path, pool_max_conns, ... which pgx
// accepts) makes libpq refuse the URL, so it is dropped.
var libpqParams = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true,
	"passfile": true, "channel_binding": true, "connect_timeout": true,
	"client_encoding": true, "options": true, "application_name": true,
	"fallback_application_name": true, "keepalives": true, "keepalives_idle": true,
	"keepalives_interval": true, "keepalives_count": true, "tcp_user_timeout": true,
	"sslmode": true, "requiressl": true, "sslcompression": true, "sslcert": true,
	"sslkey": true, "sslpassword": true, "sslrootcert": true, "sslcrl": true,
	"sslcrldir": true, "sslsni": true, "requirepeer": true,
	"ssl_min_protocol_version": true, "ssl_max_protocol_version": true,
	"gssencmode": true, "krbsrvname": true, "gsslib": true, "service": true,
	"target_session_attrs": true,
}

// libpqConn turns the DSN into a URL for pg_dump/pg_restore: unknown query
// parameters are removed and the password is moved into the environment
// (PGPASSWORD) so it does not show up in the process list.
func libpqConn(dsn string) (connURL string, env []string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the whole URL, password included.
		return "", nil, errors.New("DatabaseURL is not a valid postgres:// URL")
	}
	password := ""
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			password = pw
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	kept := url.Values{}
	for k, v := range q {
		switch {
		case k == "password":
			if len(v) > 0 {
				password = v[0]
			}
		case libpqParams[k]:
			kept[k] = v
		}
	}
	u.RawQuery = kept.Encode()
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return u.String(), env, nil
}

func lookPath(tool string) (string, error) {
	p, err := exec.LookPath(tool)
	if err != nil {
		verb := "back up"
		if tool == "pg_restore" {
			verb = "restore"
		}
		return "", fmt.Errorf("%s not found in PATH: install the PostgreSQL client tools (e.g. apt-get install postgresql-client) to %s a PostgreSQL database", tool, verb)
	}
	return p, nil
}

// pgDump dumps the database, or only schema when it is not public
// (pg_dump sets its own empty search_path, so the URL's is no help: the
// schema is chosen with --schema), together with the extensions the schema's
// tables may use (pg_trgm lives in public and is restored IF NOT EXISTS).
// With a snapshot (pg_export_snapshot) it dumps what that snapshot sees.
func pgDump(ctx context.Context, dsn, schema, out, snapshot string) error {
	bin, err := lookPath("pg_dump")
	if err != nil {
		return err
	}
	conn, env, err := libpqConn(dsn)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--no-owner", "--no-privileges"}
	if schema != "public" {
		args = append(args, "--schema="+schema, "--extension=*")
	}
	if snapshot != "" {
		args = append(args, "--snapshot="+snapshot)
	}
	return runPG(ctx, bin, env, append(args, "--dbname="+conn, "--file="+out)...)
}

// pgRestore restores the dump. A dump of one schema creates that schema;
// the schema may already exist (empty, made by the administrator with the
// right owner), so it is created here if missing and its CREATE SCHEMA
// left out of the restore, as are comments on extensions (only their
// owner may set them, and they exist already when another schema of the
// database uses them).
func pgRestore(ctx context.Context, dsn, schema, dump, scratch string) error {
	bin, err := lookPath("pg_restore")
	if err != nil {
		return err
	}
	conn, env, err := libpqConn(dsn)
	if err != nil {
		return err
	}
	// --single-transaction: all or nothing, the database stays empty on error.
	args := []string{"--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"}
	if schema != "public" {
		list, err := restoreList(ctx, bin, env, dump, schema)
		if err != nil {
			return err
		}
		listPath := filepath.Join(scratch, "restore.list")
		if err := os.WriteFile(listPath, list, 0o600); err != nil {
			return err
		}
		if err := createSchema(ctx, dsn, schema); err != nil {
			return err
		}
		args = append(args, "--use-list="+listPath)
	}
	return runPG(ctx, bin, env, append(args, "--dbname="+conn, dump)...)
}

// restoreList is the dump's table of contents without the schema's own
// CREATE SCHEMA and without comments on extensions.
func restoreList(ctx context.Context, bin string, env []string, dump, schema string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, "--list", dump)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 8 << 10}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pg_restore --list failed: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var list bytes.Buffer
	for line := range strings.SplitSeq(string(out), "\n") {
		// "7; 2615 538630 SCHEMA - opora postgres", "3395; 0 0 COMMENT - EXTENSION pg_trgm "
		f := strings.Fields(line)
		if len(f) >= 6 && f[3] == "SCHEMA" && f[4] == "-" && f[5] == schema ||
			len(f) >= 6 && f[3] == "COMMENT" && f[4] == "-" && f[5] == "EXTENSION" {
			continue
		}
		list.WriteString(line + "\n")
	}
	return list.Bytes(), nil
}

func createSchema(ctx context.Context, dsn, schema string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer db.Close()
	// schema matched schemaName: safe to write into the statement.
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	return nil
}

func runPG(ctx context.Context, bin string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 8 << 10}
	if err := cmd.Run(); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = "(no output)"
		}
		return fmt.Errorf("%s failed: %w: %s", filepath.Base(bin), err, msg)
	}
	return nil
}

type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}

// checkPostgresEmpty refuses a target database that already has tables,
// views or sequences in the schema the restore writes to.
func checkPostgresEmpty(ctx context.Context, dsn, schema string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `
		SELECT count(*)
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`, schema).Scan(&n)
	if err != nil {
		return fmt.Errorf("inspect target PostgreSQL database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("target PostgreSQL database already has %d tables/views/sequences in schema %s; restore only into a new, empty database or schema: %w", n, schema, ErrNotEmpty)
	}
	return nil
}

// ---------------------------------------------------------------------------
// helpers

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// syncDir flushes a folder's entries (renames) to disk; best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// fileExists reports whether path is a regular file.
func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
