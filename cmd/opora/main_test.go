package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func init() { auth.SetParamsForTests() }

// syncBuffer is a bytes.Buffer safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestUnreachableDatabaseIsOneClearLine(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0",
		"--database-url", "postgres://postgres@127.0.0.1:1/none?connect_timeout=2"}, strings.NewReader(""), &out, &errb)
	if err == nil {
		t.Fatal("serve started without a database")
	}
	msg := oneLine(err.Error())
	if !strings.Contains(msg, "cannot reach the postgres database") || strings.Contains(msg, "\n") {
		t.Fatalf("message %q", msg)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "opora ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestServePrintsSetupLinkAndShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, nil, &out, io.Discard)
	}()
	re := regexp.MustCompile(`http://localhost:\d+/setup/\S+`)
	var link string
	for i := 0; i < 100 && link == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		link = re.FindString(out.String())
	}
	if link == "" {
		cancel()
		t.Fatalf("no setup link printed: %q", out.String())
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setup link answered %d", res.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(dir, "opora.db")); err != nil {
		t.Fatalf("no database in the data folder: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("server did not stop")
	}
}

// setupDataDir makes a SQLite data folder with one organisation.
func setupDataDir(t *testing.T) (string, *storetest.Fixture) {
	dir := t.TempDir()
	st := storetest.OpenOptions(t, store.Options{DataDir: dir})
	fx := storetest.SetupOrg(t, st, "Ночлежка")
	return dir, fx
}

func TestUserCommands(t *testing.T) {
	dir, _ := setupDataDir(t)
	ctx := context.Background()
	var out bytes.Buffer
	err := run(ctx, []string{"user", "create", "--data", dir, "--login", "Worker", "--name", "Анна Смирнова", "--role", "specialist"},
		strings.NewReader("short\n"), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	err = run(ctx, []string{"user", "create", "--data", dir, "--login", "Worker", "--name", "Анна Смирнова", "--role", "specialist"},
		strings.NewReader("Qwerty123456\n"), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "most common leaked passwords") {
		t.Fatalf("common password: %v", err)
	}
	err = run(ctx, []string{"user", "create", "--data", dir, "--login", "Worker", "--name", "Анна Смирнова", "--role", "specialist"},
		strings.NewReader("a long enough password\n"), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "disable", "--data", dir, "--login", "worker"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cand, err := st.UserForLogin(ctx, "worker")
	if err != nil {
		t.Fatal(err)
	}
	if !cand.User.Disabled || cand.User.FullName != "Анна Смирнова" {
		t.Fatalf("user after create+disable: %+v", cand.User)
	}
	if ok, _ := auth.Verify("a long enough password", cand.PasswordHash); !ok {
		t.Fatal("password from standard input not set")
	}
	out.Reset()
	if err := run(ctx, []string{"user", "reset-2fa", "--data", dir, "--login", "worker"}, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "two-factor login of worker removed") {
		t.Fatalf("reset-2fa: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"user", "set-password", "--data", dir, "--login", "nobody"}, strings.NewReader("x\n"), &out, io.Discard); err == nil {
		t.Fatal("set-password for an unknown login succeeded")
	}
}

func TestBackupRestoreCommands(t *testing.T) {
	dir, fx := setupDataDir(t)
	ctx := context.Background()
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", dir, archive}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if err := run(ctx, []string{"restore", "--data", target, archive}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Restoring over existing data is refused.
	if err := run(ctx, []string{"restore", "--data", dir, archive}, nil, &out, io.Discard); err == nil {
		t.Fatal("restore into a folder with data succeeded")
	}
	st, err := store.Open(ctx, store.Options{DataDir: target})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org, err := st.Organisation(opora.WithActor(ctx, opora.SystemActor(fx.Org.ID)), fx.Org.ID)
	if err != nil || org.Name != "Ночлежка" {
		t.Fatalf("restored organisation: %v %+v", err, org)
	}

	// The drill on the folder of nightly backups verifies the newest one.
	folder := t.TempDir()
	older, newest := filepath.Join(folder, "opora-2026-12-05.tar.gz"), filepath.Join(folder, "opora-2026-12-06.tar.gz")
	raw, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(older, raw[:len(raw)/2], 0o600); err != nil { // cut short: damaged
		t.Fatal(err)
	}
	if err := os.WriteFile(newest, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	yesterday := time.Now().Add(-24 * time.Hour)
	if err := os.Chtimes(older, yesterday, yesterday); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"restore", "--verify-only", "--data", dir, folder}, nil, &out, io.Discard); err != nil {
		t.Fatalf("restore --verify-only of the folder: %v\n%s", err, out.String())
	}
	if s := out.String(); !strings.Contains(s, "verifying "+newest) || !regexp.MustCompile(`(?m)^organisations +1 +1  ok$`).MatchString(s) ||
		!strings.Contains(s, "verdict: OK") {
		t.Errorf("restore --verify-only printed:\n%s", s)
	}
	out.Reset()
	err = run(ctx, []string{"restore", "--verify-only", "--data", dir, older}, nil, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "verdict: FAILED") {
		t.Errorf("restore --verify-only of a damaged backup: %v\n%s", err, out.String())
	}
}

// What a person typing "opora --help" and friends sees, and the exit
// status a script gets.
func TestHelpListsCommandsAndExitCodes(t *testing.T) {
	for _, c := range []struct {
		args           []string
		code           int
		stdout, stderr []string // lines expected
	}{
		{[]string{"--help"}, 0, []string{"Commands:", "  serve ", "  backup ", "  restore ", "  version "}, nil},
		{[]string{"-h"}, 0, []string{"Commands:", "  migrate "}, nil},
		{[]string{"help"}, 0, []string{"Commands:", "  user "}, nil},
		{[]string{"backup", "--help"}, 0, []string{"Usage: opora backup [flags] [FILE]", "-database-url"}, nil},
		{[]string{"help", "restore"}, 0, []string{"Usage: opora restore [flags] FILE", "-data"}, nil},
		{[]string{"serve", "-h"}, 0, []string{"Usage: opora serve", "-addr", "-max-upload-mb"}, nil},
		{[]string{"user", "--help"}, 0, []string{"opora user set-password --login LOGIN"}, nil},
		{[]string{"user", "create", "--help"}, 0, []string{"Usage: opora user create", "-login"}, nil},
		{[]string{"frobnicate"}, 2, nil, []string{"Commands:", "  serve "}},
		{[]string{"help", "frobnicate"}, 2, nil, []string{"Commands:"}},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), c.args, strings.NewReader(""), &out, &errb)
		if got := exitCode(err); got != c.code {
			t.Errorf("opora %s: exit %d (%v), want %d", strings.Join(c.args, " "), got, err, c.code)
		}
		for _, want := range c.stdout {
			if !strings.Contains(out.String(), want) {
				t.Errorf("opora %s: standard output lacks %q:\n%s", strings.Join(c.args, " "), want, out.String())
			}
		}
		for _, want := range c.stderr {
			if !strings.Contains(errb.String(), want) {
				t.Errorf("opora %s: standard error lacks %q:\n%s", strings.Join(c.args, " "), want, errb.String())
			}
		}
		if c.code == 0 && errb.Len() > 0 {
			t.Errorf("opora %s: help went to standard error: %s", strings.Join(c.args, " "), errb.String())
		}
	}
	// The list has one line per command, and "--help" does not start a server.
	var out bytes.Buffer
	_ = run(context.Background(), []string{"--help"}, nil, &out, io.Discard)
	for _, c := range commands {
		if n := strings.Count(out.String(), "\n  "+c.name+" "); n != 1 {
			t.Errorf("command %s listed %d times", c.name, n)
		}
	}
}

// The secret key file by flag and by OPORA_SECRET_KEY_FILE: backup takes
// the key from --secret-key-file, restore puts it where the environment
// names, and a store opened with it opens the SMTP password.
func TestSecretKeyFileFlagAndEnv(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyA := filepath.Join(t.TempDir(), "a.key")
	st := storetest.OpenOptions(t, store.Options{DataDir: dir, SecretKey: keyA})
	fx := storetest.SetupOrg(t, st, "КДН")
	set, err := st.NotificationSettings(fx.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	set.EmailEnabled, set.Host, set.Port, set.TLS, set.User, set.Password, set.From = true, "smtp.example.org", 587,
		opora.SMTPStartTLS, "opora", "smtp-password", "opora@example.org"
	if err := st.SaveNotificationSettings(fx.Ctx(), set); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); err == nil {
		t.Errorf("a key file made in the data folder besides --secret-key-file")
	}
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	if err := run(ctx, []string{"backup", "--data", dir, "--secret-key-file", keyA, archive}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	keyB := filepath.Join(t.TempDir(), "keys", "b.key")
	t.Setenv("OPORA_SECRET_KEY_FILE", keyB)
	target := filepath.Join(t.TempDir(), "restored")
	if err := run(ctx, []string{"restore", "--data", target, archive}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, errA := os.ReadFile(keyA)
	b, errB := os.ReadFile(keyB)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("the restored key file: %v %v, same %v", errA, errB, bytes.Equal(a, b))
	}
	restored := storetest.OpenOptions(t, store.Options{DataDir: target, SecretKey: keyB})
	if err := restored.CheckSecrets(ctx); err != nil {
		t.Errorf("the restored SMTP password: %v", err)
	}
}

// serve on SQLite refuses a read replica, saying why, before it listens.
func TestServeRefusesReadReplicaOnSQLite(t *testing.T) {
	t.Setenv("OPORA_DATABASE_READ_URL", "postgres://postgres@127.0.0.1:5432/test")
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "needs PostgreSQL") || !strings.Contains(err.Error(), "OPORA_DATABASE_READ_URL") {
		t.Fatalf("serve on SQLite with OPORA_DATABASE_READ_URL: %v", err)
	}
}
