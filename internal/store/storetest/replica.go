package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Replica starts a streaming replica of the PostgreSQL server that primary
// (a DSN) points to and returns primary's DSN with the replica's port: the
// same database, read on the replica. It takes a base backup with
// pg_basebackup -R into a temporary folder and starts a second server on
// it on a free port of 127.0.0.1 (as the postgres user when the test runs
// as root: the server refuses root). When the test ends the replica is
// stopped and its folder removed, also after a failure.
//
// The replica needs the server binaries of the primary's major version
// (/usr/lib/postgresql/N/bin) and a replication connection from 127.0.0.1
// (pg_hba.conf: "host replication all 127.0.0.1/32 trust"; .ci/run adds
// it). When they are missing the test fails, never skips: the PostgreSQL
// tests are on.
func Replica(t testing.TB, primary string) string {
	t.Helper()
	pu, err := url.Parse(primary)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL", EnvPostgres)
	}
	admin := adminDB(t, primary)
	var version int
	err = admin.QueryRow(`SELECT current_setting('server_version_num')::int`).Scan(&version)
	// A standby needs these at least as high as its primary's.
	same := ""
	for _, name := range []string{"max_connections", "max_worker_processes", "max_wal_senders",
		"max_prepared_transactions", "max_locks_per_transaction"} {
		var v string
		if err == nil {
			err = admin.QueryRow(`SELECT current_setting($1)`, name).Scan(&v)
			same += name + " = " + v + "\n"
		}
	}
	admin.Close()
	if err != nil {
		t.Fatalf("storetest: replica: the primary's settings: %v", err)
	}
	bin := fmt.Sprintf("/usr/lib/postgresql/%d/bin", version/10000)
	for _, tool := range []string{"pg_basebackup", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
			t.Fatalf("storetest: replica: %s of PostgreSQL %d is not installed (%v); the replica test needs the server binaries", tool, version/10000, err)
		}
	}

	dir, err := os.MkdirTemp("", "opora-replica-*")
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	// as runs a PostgreSQL program, as the postgres user when we are root.
	var asUser []string
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			t.Fatalf("storetest: replica: the tests run as root and there is no postgres user to run the replica: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			t.Fatal(err)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	as := func(ctx context.Context, tool string, args ...string) error {
		argv := append(append(append([]string{}, asUser...), filepath.Join(bin, tool)), args...)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w: %s", tool, err, bytes.TrimSpace(out.Bytes()))
		}
		return nil
	}
	started := false
	t.Cleanup(func() {
		if started {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := as(ctx, "pg_ctl", "stop", "-D", data, "-m", "immediate", "-w"); err != nil {
				t.Errorf("storetest: stop the replica: %v", err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("storetest: remove the replica's folder: %v", err)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	host, port := pu.Hostname(), pu.Port()
	if port == "" {
		port = "5432"
	}
	login := "postgres"
	if pu.User != nil && pu.User.Username() != "" {
		login = pu.User.Username()
	}
	if err := as(ctx, "pg_basebackup", "-D", data, "-R", "-X", "stream", "--checkpoint=fast",
		"-h", host, "-p", port, "-U", login); err != nil {
		t.Fatalf("storetest: replica: base backup of %s:%s failed (a replication connection needs "+
			"\"host replication all 127.0.0.1/32 trust\" in pg_hba.conf; .ci/run adds it): %v", host, port, err)
	}
	// Debian keeps postgresql.conf and pg_hba.conf outside the data folder,
	// so the copy has none: the replica's own.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	replicaPort := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
	free.Close()
	conf := "listen_addresses = '127.0.0.1'\nport = " + replicaPort + "\nunix_socket_directories = '" + dir + "'\n" +
		"hot_standby = on\nshared_buffers = 32MB\nfsync = off\nlogging_collector = off\n" + same
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	for name, text := range map[string]string{"postgresql.conf": conf, "pg_hba.conf": hba, "pg_ident.conf": ""} {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil { // -1, -1: unchanged
			t.Fatal(err)
		}
	}
	started = true // from here on, stop it whatever happens
	if err := as(ctx, "pg_ctl", "start", "-D", data, "-w", "-t", "120", "-l", filepath.Join(dir, "replica.log")); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "replica.log"))
		t.Fatalf("storetest: replica: start: %v\n%s", err, log)
	}
	ru := *pu
	ru.Host = net.JoinHostPort("127.0.0.1", replicaPort)
	replica := ru.String()

	// Ready when it answers as a standby.
	db, err := sql.Open("pgx", replica)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var standby bool
	if err := db.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || !standby {
		t.Fatalf("storetest: replica: not a standby (%v, in recovery %v)", err, standby)
	}
	return replica
}

// CatchUp waits until the replica has replayed everything the primary had
// written when it was called.
func CatchUp(t testing.TB, primary, replica string) {
	t.Helper()
	p := adminDB(t, primary)
	defer p.Close()
	var lsn string
	if err := p.QueryRow(`SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	r := adminDB(t, replica)
	defer r.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		var done bool
		if err := r.QueryRow(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("storetest: the replica did not replay up to %s within a minute", lsn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
