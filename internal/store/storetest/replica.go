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
	"slices"
	"strconv"
	"testing"
	"time"
)

// PGServers runs scratch PostgreSQL servers of the test server's major
// version for one test (a replica, a server recovered to a point in time):
// Dir is a temporary folder for their data folders, WAL archives and base
// backups, owned by the postgres user when the test runs as root (the server
// refuses root). Every server started is stopped, and Dir removed, when the
// test ends, also after a failure. It needs the server binaries
// (/usr/lib/postgresql/N/bin); without them the test fails, never skips:
// the PostgreSQL tests are on.
type PGServers struct {
	t        testing.TB
	Bin, Dir string
	asUser   []string
	uid, gid int
	running  []string
}

// NewPGServers prepares scratch servers like the OPORA_TEST_POSTGRES server.
func NewPGServers(t testing.TB) *PGServers {
	t.Helper()
	admin := adminDB(t, SkipUnlessPostgres(t))
	var version int
	err := admin.QueryRow(`SELECT current_setting('server_version_num')::int`).Scan(&version)
	admin.Close()
	if err != nil {
		t.Fatalf("storetest: server version: %v", err)
	}
	p := &PGServers{t: t, Bin: fmt.Sprintf("/usr/lib/postgresql/%d/bin", version/10000), uid: -1, gid: -1}
	for _, tool := range []string{"pg_basebackup", "pg_ctl", "postgres", "initdb"} {
		if _, err := os.Stat(filepath.Join(p.Bin, tool)); err != nil {
			t.Fatalf("storetest: %s of PostgreSQL %d is not installed (%v); this test needs the server binaries", tool, version/10000, err)
		}
	}
	if p.Dir, err = os.MkdirTemp("", "opora-pg-*"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, data := range p.running {
			if err := p.Run(ctx, "pg_ctl", "stop", "-D", data, "-m", "immediate", "-w"); err != nil {
				t.Errorf("storetest: stop the server in %s: %v", data, err)
			}
		}
		if err := os.RemoveAll(p.Dir); err != nil {
			t.Errorf("storetest: remove %s: %v", p.Dir, err)
		}
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("storetest: the tests run as root and there is no postgres user to run a server: %v", err)
		}
		p.uid, _ = strconv.Atoi(u.Uid)
		p.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(p.Dir, p.uid, p.gid); err != nil {
			t.Fatal(err)
		}
		p.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	return p
}

// Run runs a PostgreSQL program (as the postgres user when we are root).
func (p *PGServers) Run(ctx context.Context, tool string, args ...string) error {
	argv := append(append(append([]string{}, p.asUser...), filepath.Join(p.Bin, tool)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = p.Dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", tool, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// WriteFile writes a file the servers can read and write.
func (p *PGServers) WriteFile(path, text string) {
	p.t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Chown(path, p.uid, p.gid); err != nil { // -1, -1: unchanged
		p.t.Fatal(err)
	}
}

// Mkdir makes a folder in Dir the servers can write to.
func (p *PGServers) Mkdir(path string) {
	p.t.Helper()
	if err := os.Mkdir(path, 0o700); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Chown(path, p.uid, p.gid); err != nil {
		p.t.Fatal(err)
	}
}

// Start starts a server on the data folder at a free port of 127.0.0.1,
// with conf appended to its postgresql.conf (later lines win), and returns
// the port. A data folder without pg_hba.conf (a copy of Debian's, which
// keeps it in /etc) gets one that trusts local connections.
func (p *PGServers) Start(data, conf string) string {
	p.t.Helper()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.t.Fatal(err)
	}
	port := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
	free.Close()
	old, _ := os.ReadFile(filepath.Join(data, "postgresql.conf"))
	p.WriteFile(filepath.Join(data, "postgresql.conf"), string(old)+"\nlisten_addresses = '127.0.0.1'\nport = "+port+
		"\nunix_socket_directories = '"+p.Dir+"'\nshared_buffers = 32MB\nfsync = off\nlogging_collector = off\n"+conf)
	for name, text := range map[string]string{"pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n",
		"pg_ident.conf": ""} {
		if _, err := os.Stat(filepath.Join(data, name)); err != nil {
			p.WriteFile(filepath.Join(data, name), text)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p.running = append(p.running, data) // from here on, stop it whatever happens
	logFile := data + ".log"
	if err := p.Run(ctx, "pg_ctl", "start", "-D", data, "-w", "-t", "150", "-l", logFile); err != nil {
		log, _ := os.ReadFile(logFile)
		p.t.Fatalf("storetest: start the server in %s: %v\n%s", data, err, log)
	}
	return port
}

// Stop stops the server on the data folder ("fast": a clean shutdown).
func (p *PGServers) Stop(data string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Run(ctx, "pg_ctl", "stop", "-D", data, "-m", "fast", "-w"); err != nil {
		p.t.Fatal(err)
	}
	p.running = slices.DeleteFunc(p.running, func(d string) bool { return d == data })
}

// Replica starts a streaming replica of the PostgreSQL server that primary
// (a DSN) points to and returns primary's DSN with the replica's port: the
// same database, read on the replica. It takes a base backup with
// pg_basebackup -R into a scratch folder and starts a second server on it
// (PGServers: stopped and removed when the test ends). The base backup
// needs a replication connection from 127.0.0.1 (pg_hba.conf: "host
// replication all 127.0.0.1/32 trust"; .ci/run adds it); without it the
// test fails.
func Replica(t testing.TB, primary string) string {
	t.Helper()
	pu, err := url.Parse(primary)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL", EnvPostgres)
	}
	// A standby needs these at least as high as its primary's.
	admin := adminDB(t, primary)
	same := "hot_standby = on\n"
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
	p := NewPGServers(t)
	data := filepath.Join(p.Dir, "replica")
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
	if err := p.Run(ctx, "pg_basebackup", "-D", data, "-R", "-X", "stream", "--checkpoint=fast",
		"-h", host, "-p", port, "-U", login); err != nil {
		t.Fatalf("storetest: replica: base backup of %s:%s failed (a replication connection needs "+
			"\"host replication all 127.0.0.1/32 trust\" in pg_hba.conf; .ci/run adds it): %v", host, port, err)
	}
	ru := *pu
	ru.Host = net.JoinHostPort("127.0.0.1", p.Start(data, same))
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
