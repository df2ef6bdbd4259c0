package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v <= 0 {
			t.Fatalf("schema version after migrating = %d, want > 0", v)
		}
		// A second start migrates again: nothing to do, nothing breaks.
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		v2, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v2 != v {
			t.Errorf("schema version after second Migrate = %d, want %d", v2, v)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if s.Dialect() != store.SQLite && s.Dialect() != store.Postgres {
			t.Errorf("Dialect = %q", s.Dialect())
		}
	})
}

func TestSetupToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		newOrg := func(login string) *store.NewOrganisation {
			return &store.NewOrganisation{
				Organisation: &opora.Organisation{Name: "Фонд «Опора»", Type: opora.OrgNGO},
				BranchName:   "Главный офис",
				Admin:        &opora.User{Login: login, FullName: "Иванова Мария Петровна", Position: "Директор"},
				PasswordHash: "x",
			}
		}
		needs := func(want bool) {
			t.Helper()
			got, err := s.NeedsSetup(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("NeedsSetup = %v, want %v", got, want)
			}
		}

		needs(true)
		// No token printed yet: nothing can complete setup.
		if err := s.CompleteSetup(ctx, "anything", newOrg("admin")); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("setup without a token: err = %v, want not found", err)
		}
		if err := s.SetSetupToken(ctx, "old"); err != nil {
			t.Fatal(err)
		}
		// A restart prints a new token; the old one stops working.
		if err := s.SetSetupToken(ctx, "token-hash"); err != nil {
			t.Fatal(err)
		}
		for _, wrong := range []string{"old", "", "token-has", "token-hash2"} {
			if err := s.CompleteSetup(ctx, wrong, newOrg("admin")); !errors.Is(err, opora.ErrNotFound) {
				t.Fatalf("setup with wrong token %q: err = %v, want not found", wrong, err)
			}
		}
		if ok, err := s.CheckSetupToken(ctx, "token-hash"); err != nil || !ok {
			t.Fatalf("CheckSetupToken(right) = %v, %v; want true", ok, err)
		}
		if ok, err := s.CheckSetupToken(ctx, "old"); err != nil || ok {
			t.Fatalf("CheckSetupToken(old) = %v, %v; want false", ok, err)
		}
		needs(true)

		// An invalid form changes nothing and keeps the token usable.
		bad := newOrg("")
		bad.Organisation.Name = ""
		err := s.CompleteSetup(ctx, "token-hash", bad)
		if opora.ErrorCode(err) != opora.EINVALID {
			t.Fatalf("setup with empty name and login: err = %v, want invalid", err)
		}
		if f := opora.FieldErrors(err); f["name"] == "" || f["login"] == "" {
			t.Errorf("field errors = %v, want name and login", f)
		}
		needs(true)

		n := newOrg("Admin ")
		if err := s.CompleteSetup(ctx, "token-hash", n); err != nil {
			t.Fatalf("setup with the right token: %v", err)
		}
		needs(false)
		if n.Organisation.ID == 0 || n.Admin.ID == 0 {
			t.Fatalf("setup did not fill ids: org %d, admin %d", n.Organisation.ID, n.Admin.ID)
		}
		if n.Admin.Login != "admin" {
			t.Errorf("admin login = %q, want it trimmed and lower-cased to %q", n.Admin.Login, "admin")
		}

		// The token is used up, and a new one cannot start a second setup.
		if err := s.CompleteSetup(ctx, "token-hash", newOrg("admin2")); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("second use of the token: err = %v, want not found", err)
		}
		if err := s.SetSetupToken(ctx, "again"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.CheckSetupToken(ctx, "again"); ok {
			t.Error("a setup token is accepted after setup is complete")
		}
		if err := s.CompleteSetup(ctx, "again", newOrg("admin3")); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("setup after setup: err = %v, want not found", err)
		}

		// The administrator is also the network administrator and can do everything.
		a, err := s.Actor(ctx, n.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range opora.AllPermissions {
			if strings.HasPrefix(string(p), "family.") || strings.HasPrefix(string(p), "signal.") || strings.HasPrefix(string(p), "council.") {
				continue // the family roles of network agencies (opora.FamilyRoles) carry these
			}
			if !a.Can(p) {
				t.Errorf("first administrator lacks %s", p)
			}
		}
		actx := opora.WithActor(ctx, a)
		orgs, err := s.Organisations(actx)
		if err != nil || len(orgs) != 1 || orgs[0].Name != "Фонд «Опора»" {
			t.Fatalf("Organisations = %v, %v; want the one organisation", orgs, err)
		}
		roles, err := s.Roles(actx)
		if err != nil {
			t.Fatal(err)
		}
		if len(roles) != len(opora.BuiltinRoles)+1 {
			t.Errorf("%d roles, want %d built-in roles plus network admin", len(roles), len(opora.BuiltinRoles)+1)
		}
		entries, _, err := s.AuditEntries(actx, opora.AuditFilter{Action: opora.ActionSetup})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].UserID != n.Admin.ID || entries[0].EntityID != n.Organisation.ID {
			t.Errorf("setup audit entries = %+v, want one by the administrator about the organisation", entries)
		}
	})
}

// The pen test found the SQLite database readable by every account on the
// machine (0644). The file and its -wal and -shm files are the owner's only,
// for a new database and for one an older version made.
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "opora.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s: %s has mode %o, want 600", when, filepath.Base(p), perm)
			}
		}
	}
	open := func() *store.Store {
		s, err := store.Open(context.Background(), store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	check("new database")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open()
	defer s.Close()
	check("database made readable by others")
}
