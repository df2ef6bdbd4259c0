// Package storetest opens migrated test stores on SQLite and PostgreSQL and
// builds the organisations, branches and users most tests start from.
//
// Every storage test runs on SQLite always and on PostgreSQL when the
// environment variable OPORA_TEST_POSTGRES holds a DSN, for example
//
//	OPORA_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go test ./...
//
// Each PostgreSQL test gets a schema of its own (dropped when the test ends),
// so tests and packages can run in parallel against one database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" database/sql driver
	_ "modernc.org/sqlite"             // "sqlite" database/sql driver

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// EnvPostgres names the environment variable holding the PostgreSQL DSN for tests.
const EnvPostgres = "OPORA_TEST_POSTGRES"

// SetupToken is the setup token hash SetupOrg uses.
const SetupToken = "storetest-setup-token-hash"

// PasswordHash is the password hash the fixtures store for their users.
// It is not a real argon2id hash: nothing can log in with it.
const PasswordHash = "x"

// Dialects lists the database engines every storage test runs on.
func Dialects() []store.Dialect { return []store.Dialect{store.SQLite, store.Postgres} }

// PostgresDSN returns the DSN from OPORA_TEST_POSTGRES, or "" when PostgreSQL
// tests are off.
func PostgresDSN() string { return os.Getenv(EnvPostgres) }

// SkipUnlessPostgres skips the test when OPORA_TEST_POSTGRES is unset and
// returns the DSN otherwise.
func SkipUnlessPostgres(t testing.TB) string {
	t.Helper()
	dsn := PostgresDSN()
	if dsn == "" {
		t.Skipf("PostgreSQL tests are off: set %s to a DSN such as "+
			"postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them", EnvPostgres)
	}
	return dsn
}

// Each runs fn once per database engine, as the subtests "sqlite" and
// "postgres", each with a fresh, migrated store. The postgres subtest is
// skipped when OPORA_TEST_POSTGRES is unset. After fn, every table derived
// from source rows (count tables, active months, service ranges) is
// rebuilt from its sources and compared (CheckDerived): a write path that
// forgets one fails the test that uses it.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			s := Open(t, d)
			fn(t, s)
			CheckDerived(t, s)
		})
	}
}

// tampered holds the stores whose source rows a test wrote past the store
// (RawDB), which the derived tables cannot follow.
var tampered sync.Map // *store.Store → bool

// Tampered says a test wrote source rows of derived tables (services,
// visits, clients, answers) or the audit log through RawDB, as no write
// path of the store does: CheckDerived leaves the store alone.
func Tampered(s *store.Store) { tampered.Store(s, true) }

// replayedAudit holds the stores whose audit log a test appended to past
// the store (the bench's raw-SQL floor replays recorded statements, hashes
// included), so that the chain cannot verify.
var replayedAudit sync.Map // *store.Store → bool

// ReplayedAudit says a test appended audit rows through RawDB by replaying
// the store's recorded statements: CheckDerived does not verify the audit
// chain of that store (its other checks still run).
func ReplayedAudit(s *store.Store) { replayedAudit.Store(s, true) }

// CheckDerived fails the test when a derived table differs from its
// recount from the source rows (store.DerivedDrift), or when the audit
// log's hash chain does not verify (store.VerifyAudit). A test that failed
// already, closed its store or wrote source rows through RawDB (Tampered)
// is not checked.
func CheckDerived(t testing.TB, s *store.Store) {
	t.Helper()
	if _, ok := tampered.Load(s); ok || t.Failed() {
		return
	}
	drift, err := s.DerivedDrift(context.Background())
	if err != nil {
		if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "closed") {
			return
		}
		t.Errorf("storetest: derived tables: %v", err)
		return
	}
	for _, d := range drift {
		t.Errorf("storetest: a derived table differs from its sources: %s", d)
	}
	// The audit log's hash chain holds after whatever the test wrote.
	if _, ok := replayedAudit.Load(s); ok {
		return
	}
	v, err := s.VerifyAudit(opora.WithActor(context.Background(), opora.SystemActor(0)), nil)
	if err != nil {
		t.Errorf("storetest: verify the audit log: %v", err)
	} else if !v.OK {
		t.Errorf("storetest: the audit log's hash chain is broken: %s", v.Detail)
	}
}

// opened remembers how each test store was opened, for RawDB and Options.
var opened sync.Map // *store.Store → store.Options

// Open returns a fresh, migrated store on one engine, closed (and on
// PostgreSQL its schema dropped) when the test ends. SQLite lives in a
// temporary folder; PostgreSQL in a new schema of the OPORA_TEST_POSTGRES
// database. Without OPORA_TEST_POSTGRES a postgres store skips the test.
func Open(t testing.TB, dialect store.Dialect) *store.Store {
	t.Helper()
	var o store.Options
	switch dialect {
	case store.SQLite:
		o = store.Options{DataDir: t.TempDir()}
	case store.Postgres:
		dsn := SkipUnlessPostgres(t)
		o = store.Options{DatabaseURL: withSchema(t, dsn), DataDir: t.TempDir(), MaxReaders: 4}
	default:
		t.Fatalf("storetest: unknown dialect %q", dialect)
	}
	return OpenOptions(t, o)
}

// OpenOptions opens and migrates a store with the given options and closes
// it when the test ends. The database must exist (Open makes one).
func OpenOptions(t testing.TB, o store.Options) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, o)
	if err != nil {
		t.Fatalf("storetest: open store: %v", err)
	}
	opened.Store(s, o)
	t.Cleanup(func() {
		opened.Delete(s)
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}

// Options returns the options a store from Open was opened with: the data
// folder, and on PostgreSQL the DSN with its schema.
func Options(t testing.TB, s *store.Store) store.Options {
	t.Helper()
	o, ok := opened.Load(s)
	if !ok {
		t.Fatalf("storetest: the store was not opened by storetest")
	}
	return o.(store.Options)
}

// RawDB returns a separate database/sql connection to a store's database,
// for checks the store's API does not allow (such as tampering with the
// audit log). It is closed when the test ends.
func RawDB(t testing.TB, s *store.Store) *sql.DB {
	t.Helper()
	o := Options(t, s)
	var db *sql.DB
	var err error
	if o.IsPostgres() {
		db, err = sql.Open("pgx", o.DatabaseURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+o.SQLitePath()+
			"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite")
	}
	if err != nil {
		t.Fatalf("storetest: raw connection: %v", err)
	}
	// No idle connection is kept: a test that asks for a raw connection
	// per check (one per route, say) would otherwise hold one PostgreSQL
	// connection per call until it ends and run out of them.
	db.SetMaxIdleConns(0)
	t.Cleanup(func() { db.Close() })
	return db
}

// withSchema creates a new schema in the database at dsn, drops it when the
// test ends, and returns dsn with search_path set to it (pgx passes unknown
// URL parameters to the server as run-time parameters).
func withSchema(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL", EnvPostgres)
	}
	schema := "opora_test_" + randomHex(t, 8)
	admin := adminDB(t, dsn)
	defer admin.Close()
	createExtensions(admin)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		db := adminDB(t, dsn)
		defer db.Close()
		// Dropping a schema locks each of its objects; while the other
		// packages' tests hold theirs, PostgreSQL's shared lock table can
		// run out (53200, "out of shared memory"): wait and try again.
		var err error
		for try := 1; try <= 6; try++ {
			if _, err = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err == nil ||
				!strings.Contains(err.Error(), "53200") {
				break
			}
			time.Sleep(time.Duration(try) * 300 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	// public holds the extensions (pg_trgm), shared by every test schema.
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

var extensionsOnce sync.Once

// createExtensions creates the extensions the migrations use in schema
// public, once per test binary, before any test schema migrates: the
// migrations' own CREATE EXTENSION IF NOT EXISTS could race between tests
// running in parallel. A race with another test binary ("already exists")
// is harmless and ignored.
func createExtensions(admin *sql.DB) {
	extensionsOnce.Do(func() {
		_, _ = admin.Exec(`CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`)
	})
}

// PostgresDatabase creates a new, empty PostgreSQL database next to the
// OPORA_TEST_POSTGRES one, drops it when the test ends, and returns its DSN.
// It skips the test when OPORA_TEST_POSTGRES is unset. Use it where a schema
// is not enough, such as pg_dump round trips.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	dsn := SkipUnlessPostgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL", EnvPostgres)
	}
	name := "opora_test_" + randomHex(t, 8)
	admin := adminDB(t, dsn)
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		db := adminDB(t, dsn)
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func adminDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("storetest: connect to PostgreSQL: %v", err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Fatalf("storetest: cannot reach PostgreSQL at %s: %v", EnvPostgres, err)
	}
	return db
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// Fixture is an organisation with its first branch and administrator.
type Fixture struct {
	Store  *store.Store
	Org    *opora.Organisation
	Branch *opora.Branch
	Admin  *opora.User
	// Actor is the administrator acting; at first setup it is also the
	// network administrator.
	Actor *opora.Actor
}

// Ctx returns a context with the fixture's administrator as the actor.
func (f *Fixture) Ctx() context.Context {
	return opora.WithActor(context.Background(), f.Actor)
}

// SetupOrg creates the first organisation through first setup (setup token
// and CompleteSetup), as the console setup screen does. Its administrator is
// also the network administrator, with login "admin".
func SetupOrg(t testing.TB, s *store.Store, name string) *Fixture {
	t.Helper()
	ctx := context.Background()
	if err := s.SetSetupToken(ctx, SetupToken); err != nil {
		t.Fatalf("storetest: set setup token: %v", err)
	}
	n := newOrganisation(name, "admin")
	if err := s.CompleteSetup(ctx, SetupToken, n); err != nil {
		t.Fatalf("storetest: complete setup: %v", err)
	}
	return fixture(t, s, n)
}

var adminCount atomic.Int64

// AddOrg adds another organisation to the network with CreateOrganisation,
// acting as the network administrator in networkAdminCtx (the Ctx of the
// SetupOrg fixture). Its administrator gets a unique login "admin-N".
func AddOrg(t testing.TB, s *store.Store, networkAdminCtx context.Context, name string) *Fixture {
	t.Helper()
	n := newOrganisation(name, fmt.Sprintf("admin-%d", adminCount.Add(1)))
	if err := s.CreateOrganisation(networkAdminCtx, n); err != nil {
		t.Fatalf("storetest: create organisation %q: %v", name, err)
	}
	return fixture(t, s, n)
}

func newOrganisation(name, login string) *store.NewOrganisation {
	return &store.NewOrganisation{
		Organisation: &opora.Organisation{Name: name, Type: opora.OrgNGO},
		BranchName:   name + ": main office",
		Admin:        &opora.User{Login: login, FullName: "Administrator of " + name, Position: "Director"},
		PasswordHash: PasswordHash,
	}
}

func fixture(t testing.TB, s *store.Store, n *store.NewOrganisation) *Fixture {
	t.Helper()
	f := &Fixture{Store: s, Org: n.Organisation, Admin: n.Admin, Actor: ActorOf(t, s, n.Admin.ID)}
	bs, err := s.Branches(f.Ctx())
	if err != nil || len(bs) != 1 {
		t.Fatalf("storetest: branches of a new organisation: %v (%d branches)", err, len(bs))
	}
	f.Branch = bs[0]
	return f
}

// ActorOf loads a user as an actor.
func ActorOf(t testing.TB, s *store.Store, userID int64) *opora.Actor {
	t.Helper()
	a, err := s.Actor(context.Background(), userID)
	if err != nil {
		t.Fatalf("storetest: actor %d: %v", userID, err)
	}
	return a
}

// CtxOf returns a context with the user as the actor.
func CtxOf(t testing.TB, s *store.Store, userID int64) context.Context {
	t.Helper()
	return opora.WithActor(context.Background(), ActorOf(t, s, userID))
}

// Role returns the fixture organisation's built-in role with the given key
// ("administrator", "specialist", …).
func (f *Fixture) Role(t testing.TB, key string) *opora.Role {
	t.Helper()
	roles, err := f.Store.Roles(f.Ctx())
	if err != nil {
		t.Fatalf("storetest: roles: %v", err)
	}
	for _, r := range roles {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("storetest: organisation %q has no role %q", f.Org.Name, key)
	return nil
}

// AddUser creates a user in the fixture's organisation and first branch with
// the given built-in roles, and returns the user and a context acting as them.
func (f *Fixture) AddUser(t testing.TB, login string, roleKeys ...string) (*opora.User, context.Context) {
	t.Helper()
	if len(roleKeys) == 0 {
		t.Fatalf("storetest: AddUser %q needs at least one role", login)
	}
	u := &opora.User{Login: login, FullName: "User " + login, BranchIDs: []int64{f.Branch.ID}}
	for _, k := range roleKeys {
		u.RoleIDs = append(u.RoleIDs, f.Role(t, k).ID)
	}
	if err := f.Store.CreateUser(f.Ctx(), u, PasswordHash); err != nil {
		t.Fatalf("storetest: create user %q: %v", login, err)
	}
	return u, CtxOf(t, f.Store, u.ID)
}

// AddAgency adds an organisation of the regional network of the given
// type (КДН, КЦСОН, school…), as AddOrg does; it gets the family roles.
func AddAgency(t testing.TB, s *store.Store, networkAdminCtx context.Context, name string, typ opora.OrgType) *Fixture {
	t.Helper()
	n := newOrganisation(name, fmt.Sprintf("admin-%d", adminCount.Add(1)))
	n.Organisation.Type = typ
	if err := s.CreateOrganisation(networkAdminCtx, n); err != nil {
		t.Fatalf("storetest: create organisation %q: %v", name, err)
	}
	return fixture(t, s, n)
}

// AddAgencyIn adds an agency of the network, as AddAgency does, in a
// territory (its municipality).
func AddAgencyIn(t testing.TB, s *store.Store, networkAdminCtx context.Context, name string, typ opora.OrgType, territoryID int64) *Fixture {
	t.Helper()
	n := newOrganisation(name, fmt.Sprintf("admin-%d", adminCount.Add(1)))
	n.Organisation.Type, n.Organisation.TerritoryID = typ, territoryID
	if err := s.CreateOrganisation(networkAdminCtx, n); err != nil {
		t.Fatalf("storetest: create organisation %q: %v", name, err)
	}
	return fixture(t, s, n)
}
