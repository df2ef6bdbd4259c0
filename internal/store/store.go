// Package store is Opora's storage: one Store serves both SQLite and
// PostgreSQL, with a file per entity (client.go, case.go, service.go, …).
// It stands on a small base, package sqldb (the database handle,
// transactions, the dialect's differences and, in sqldb/scope.go, every
// access decision), and exposes as its own methods three packages over
// that base: reports (the report planner, the derived tables behind it and
// the services register), search (client search and NameKey) and bulk (the
// scale generator's loader). base.go, reports_api.go, search_api.go and
// bulk_api.go hold the store's names for them. No package outside
// internal/store speaks SQL.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/opora-project/opora/internal/store/bulk"
	"github.com/opora-project/opora/internal/store/reports"
	"github.com/opora-project/opora/internal/store/search"
	"github.com/opora-project/opora/internal/store/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Store reads and writes Opora's data. On SQLite it keeps one writer
// connection and a pool of readers; on PostgreSQL both are the same pool.
type Store struct {
	// db is the base the store's packages share (sqldb); w, r and dialect
	// are its writer, readers and dialect, kept here for the entity files.
	db      *sqldb.DB
	search  *search.Search
	reports *reports.Planner
	bulk    *bulk.Loader
	w       writer
	r       *readPool
	dialect Dialect
	// Now returns the current time; tests may replace it. The base's Now
	// calls it, so every package reads the same clock.
	Now func() time.Time
	// formCache keeps the main questionnaire's definition (form_cache.go).
	formCache formCache
	// actorCache keeps what actors are built from (actor_cache.go).
	actorCache actorCache
	// dict keeps the small dictionaries pages read (versions.go).
	dict dictCaches
	// escalateHook, when set by a test, runs before EscalateOverdue
	// escalates each task of the list it read (export_test.go).
	escalateHook func(taskID int64)
	// claimHook, when set by a test, runs after a job read an item and
	// before it claims it: "email" with a user's id, "webhook" with a
	// delivery's (export_test.go).
	claimHook func(kind string, id int64)
	// importRowHook, when set by a test, runs after each row an import
	// writes, in the batch's transaction; an error fails the batch
	// (tabimport.go, export_test.go).
	importRowHook func(row int) error
	// secrets seals the secrets kept in the database (secret.go).
	secrets secrets
	// files removes stored bytes for the retention job (UseFiles).
	files FileRemover
	// webhooks sends the webhooks' messages for RunDueJobs (UseWebhooks).
	webhooks WebhookPoster
}

// readStatements is how many statements the SQLite readers keep prepared
// (readPool): the pages' fixed queries with room for the reports' variants.
const readStatements = 256

// Options says which database to open.
type Options struct {
	// DatabaseURL is "" for SQLite in DataDir, "postgres://…" for PostgreSQL,
	// or "sqlite:PATH" for SQLite at another path.
	DatabaseURL string
	DataDir     string
	// MaxReaders caps SQLite reader connections (default 8) or the PostgreSQL pool (default 20).
	MaxReaders int
	// SecretKey is the key file sealing the secrets kept in the database
	// (internal/secret); "" for secret.key in DataDir. Instances sharing a
	// database must share the key file.
	SecretKey string
	// ReadDatabaseURL, with PostgreSQL only, is a streaming replica of the
	// database (postgres://…): the reads of a context marked OnReplica —
	// the reports, the dashboard, the services register, the monitoring
	// and the exports — go there; everything else, and every write, to
	// DatabaseURL. "" reads everything from DatabaseURL.
	ReadDatabaseURL string
}

// SQLitePath returns the database file used when DatabaseURL selects SQLite.
func (o Options) SQLitePath() string {
	if p, ok := strings.CutPrefix(o.DatabaseURL, "sqlite:"); ok {
		return p
	}
	return filepath.Join(o.DataDir, "opora.db")
}

// IsPostgres reports whether the options select PostgreSQL.
func (o Options) IsPostgres() bool {
	return strings.HasPrefix(o.DatabaseURL, "postgres://") || strings.HasPrefix(o.DatabaseURL, "postgresql://")
}

// Open connects to the database and checks it answers. It does not migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	s := &Store{Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	s.secrets.path = o.SecretKeyFile()
	if o.ReadDatabaseURL != "" {
		if !o.IsPostgres() {
			return nil, errors.New("store: a read replica (--database-read-url, OPORA_DATABASE_READ_URL) needs PostgreSQL: " +
				"the database URL selects SQLite, which has no replicas (its readers already run beside the writer); remove the read URL")
		}
		if !(Options{DatabaseURL: o.ReadDatabaseURL}).IsPostgres() {
			return nil, errors.New("store: the read replica's URL (--database-read-url, OPORA_DATABASE_READ_URL) must be postgres://…")
		}
	}
	if o.IsPostgres() {
		n := o.MaxReaders
		if n <= 0 {
			n = 20
		}
		if n < 2 {
			n = 2 // Migrate holds one connection for its lock while it works on another
		}
		db, err := openPostgres(o.DatabaseURL, n)
		if err != nil {
			return nil, err
		}
		s.w, s.r, s.dialect = writer{DB: db}, sqldb.NewReadPool(db, 0), Postgres
		if o.ReadDatabaseURL != "" {
			if s.r.Replica, err = openPostgres(o.ReadDatabaseURL, n); err != nil {
				db.Close()
				return nil, fmt.Errorf("store: read replica: %w", err)
			}
		}
	} else {
		if o.DatabaseURL != "" && !strings.HasPrefix(o.DatabaseURL, "sqlite:") {
			return nil, fmt.Errorf("store: the database URL must be postgres://… or sqlite:PATH")
		}
		path := o.SQLitePath()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: create data folder: %w", err)
		}
		if err := privateFiles(path); err != nil {
			return nil, err
		}
		// One writer with immediate transactions, so concurrent writers queue
		// on busy_timeout instead of failing on lock upgrades; readers in WAL
		// never block the writer.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=synchronous(NORMAL)&_pragma=secure_delete(FAST)&_time_format=sqlite"
		w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		n := o.MaxReaders
		if n <= 0 {
			n = 8
		}
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		s.w, s.r, s.dialect = writer{DB: w}, sqldb.NewReadPool(r, readStatements), SQLite
	}
	s.db = &sqldb.DB{W: s.w, R: s.r, Dialect: s.dialect, Now: func() time.Time { return s.Now() }}
	s.search = search.New(s.db)
	s.reports = reports.New(s.db)
	s.bulk = bulk.New(s.db)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.w.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: cannot reach the %s database: %w", s.dialect, err)
	}
	if s.r.Replica != nil {
		if err := s.r.Replica.PingContext(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: cannot reach the read replica (--database-read-url): %w", err)
		}
	}
	return s, nil
}

// openPostgres opens a pool of at most n connections.
func openPostgres(url string, n int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	// No JIT compilation: it is meant for long analytical queries, and
	// PostgreSQL's cost estimate switches it on for the reports' big
	// scans, where compiling took 150 ms of a query that needs less.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// OnReplica marks ctx: the store's reads under it may be served by the read
// replica (Options.ReadDatabaseURL) and lag behind the primary by the
// replica's replay delay; writes and transactions still go to the primary.
// The store marks its reports, dashboard, services register and monitoring
// itself; the web layer marks the exports. Without a replica it changes
// nothing.
func OnReplica(ctx context.Context) context.Context { return sqldb.OnReplica(ctx) }

// ReplicaStatus is what the read replica says of itself.
type ReplicaStatus struct {
	// Lag is how far the replica's data is behind: the time since the
	// last transaction it replayed was committed on the primary, 0 when
	// it has replayed everything it received.
	Lag time.Duration
	// Paused is true while replay is paused (pg_wal_replay_pause).
	Paused bool
}

// Replica reports the read replica's lag, or nil without a read replica.
func (s *Store) Replica(ctx context.Context) (*ReplicaStatus, error) {
	if s.r.Replica == nil {
		return nil, nil
	}
	var st ReplicaStatus
	var secs float64
	err := s.r.Replica.QueryRowContext(ctx, `SELECT
		CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
		     ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END,
		CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END`).Scan(&secs, &st.Paused)
	if err != nil {
		return nil, fmt.Errorf("store: read replica: %w", err)
	}
	st.Lag = time.Duration(max(secs, 0) * float64(time.Second))
	return &st, nil
}

// privateFiles makes the SQLite database readable by its owner only. The
// file is created 0600 before SQLite opens it (SQLite would make it 0644),
// and SQLite gives its -wal and -shm files the database file's mode; files
// an older version made are narrowed (best effort: the owner may be
// another account, as for a backup run by root).
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(p, fi.Mode().Perm()&0o700)
		}
	}
	return nil
}

// Close closes the connections.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r.DB != s.w.DB {
		err = errors.Join(err, s.r.Close())
	} else if s.r.Replica != nil {
		err = errors.Join(err, s.r.Replica.Close())
	}
	return err
}

// Dialect returns which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks the database answers, for /healthz.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Migrate brings the schema to the newest version. On PostgreSQL, where
// several instances may start at once after an upgrade, it holds an
// advisory lock for the schema while it works: the others wait for it and
// then find nothing left to do (TestMigrateFromSeveralInstancesAtOnce).
func (s *Store) Migrate(ctx context.Context) error {
	if s.dialect == Postgres {
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Close()
		// Keyed by the schema, so that databases and test schemas do not
		// wait for each other.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('opora.migrate'), hashtext(current_schema()))`); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('opora.migrate'), hashtext(current_schema()))`)
	}
	return s.migrate(ctx)
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	gd := goose.DialectSQLite3
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	// Features add migrations independently; a later release may bring a
	// lower-numbered migration than one already applied, so apply the
	// missing ones instead of refusing to start.
	p, err := goose.NewProvider(gd, s.w.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := s.sealAudit(ctx); err != nil {
		return err
	}
	if err := s.rekeyClients(ctx); err != nil {
		return err
	}
	if err := s.BulkIndexes(ctx); err != nil {
		return err
	}
	if err := s.recountStale(ctx); err != nil {
		return err
	}
	if err := s.fillActive(ctx); err != nil {
		return err
	}
	if err := s.fillClientCounts(ctx); err != nil {
		return err
	}
	if err := s.fillRanges(ctx); err != nil {
		return err
	}
	if err := s.seedAllOrganisations(ctx); err != nil {
		return err
	}
	if err := s.sealLegacySecrets(ctx); err != nil {
		return err
	}
	return s.Optimize(ctx)
}

// Optimize refreshes the query planner's statistics where they are
// missing or stale. SQLite keeps none by itself: without them it assumes an
// organisation has a handful of clients and, at a region's size, walks all
// of them where one index lookup would do (measured: a 25-client search
// result's flags took 150 ms instead of 1 ms at 1M clients). PRAGMA optimize
// analyzes only tables that changed much since their last analysis, with a
// sampling limit, so it is cheap to run at start and every few minutes.
// PostgreSQL's autovacuum does this on its own.
func (s *Store) Optimize(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002"); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}

// SchemaVersion returns the applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.r.QueryRowContext(ctx, "SELECT MAX(version_id) FROM goose_db_version WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v.Int64, nil
}

// tx runs fn in a write transaction, committing when fn returns nil.
// Inside ImportTx it joins the batch's transaction instead.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if tx, ok := ctx.Value(importTxKey{}).(*sql.Tx); ok {
		return fn(tx)
	}
	return s.db.Tx(ctx, fn)
}

// nextPosition returns the position after the last row of a list: the
// largest position among rows whose parent column holds parentID, plus step.
// table and parent are constants of the calling code, never user input.
func nextPosition(ctx context.Context, q queryer, table, parent string, parentID int64, step int) (int, error) {
	var pos int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + $2 FROM `+table+` WHERE `+parent+` = $1`,
		parentID, step).Scan(&pos)
	return pos, err
}
