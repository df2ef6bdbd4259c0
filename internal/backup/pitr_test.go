package backup_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestPointInTimeRecovery follows docs/OPERATIONS.md, "PostgreSQL:
// point-in-time recovery", on a scratch server: WAL archived with
// archive_command, a base backup with pg_basebackup, a client recorded,
// then the moment noted, then a wrong write; the base backup recovered with
// restore_command and recovery_target_time to that moment holds the first
// client and not the wrong one, and Opora runs on it.
func TestPointInTimeRecovery(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	p := storetest.NewPGServers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	primary, wal, base := filepath.Join(p.Dir, "primary"), filepath.Join(p.Dir, "wal-archive"), filepath.Join(p.Dir, "base")
	p.Mkdir(wal)
	if err := p.Run(ctx, "initdb", "-D", primary, "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	port := p.Start(primary, "wal_level = replica\narchive_mode = on\n"+
		"archive_command = 'test ! -f "+wal+"/%f && cp %p "+wal+"/%f'\n")
	dsn := "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable"
	s := storetest.OpenOptions(t, store.Options{DatabaseURL: dsn, DataDir: t.TempDir(), MaxReaders: 2})
	fx := storetest.SetupOrg(t, s, "Ночлежка")
	if err := p.Run(ctx, "pg_basebackup", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-D", base, "-X", "stream", "--checkpoint=fast"); err != nil {
		t.Fatal(err)
	}

	before := &opora.Client{Surname: "Доошибкина", FirstName: "Анна", BranchID: fx.Branch.ID}
	if err := s.CreateClient(fx.Ctx(), before); err != nil {
		t.Fatal(err)
	}
	raw := storetest.RawDB(t, s)
	var target string
	if err := raw.QueryRow(`SELECT clock_timestamp()::text`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	wrong := &opora.Client{Surname: "Ошибочный", FirstName: "Импорт", BranchID: fx.Branch.ID}
	if err := s.CreateClient(fx.Ctx(), wrong); err != nil {
		t.Fatal(err)
	}
	// Close the segment holding both and wait for it in the archive.
	var segment string
	if err := raw.QueryRow(`SELECT pg_walfile_name(pg_switch_wal())`).Scan(&segment); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(wal, segment)); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			t.Fatalf("WAL segment %s not archived: %v", segment, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.Stop(primary)

	// Recover the base backup to the noted moment.
	p.WriteFile(filepath.Join(base, "recovery.signal"), "")
	port2 := p.Start(base, "restore_command = 'cp "+wal+"/%f %p'\n"+
		"recovery_target_time = '"+target+"'\nrecovery_target_action = 'promote'\n")
	dsn2 := "postgres://postgres@127.0.0.1:" + port2 + "/postgres?sslmode=disable"
	db, err := sql.Open("pgx", dsn2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline = time.Now().Add(2 * time.Minute)
	for {
		var recovering bool
		if err := db.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&recovering); err == nil && !recovering {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recovered server is still in recovery after two minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	recovered := storetest.OpenOptions(t, store.Options{DatabaseURL: dsn2, DataDir: t.TempDir(), MaxReaders: 2})
	rctx := storetest.CtxOf(t, recovered, fx.Admin.ID)
	if c, err := recovered.Client(rctx, before.ID); err != nil || c.Surname != before.Surname {
		t.Errorf("the client recorded before the moment: %+v, %v", c, err)
	}
	if _, err := recovered.Client(rctx, wrong.ID); !errors.Is(err, opora.ErrNotFound) {
		t.Errorf("the client recorded after the moment: err = %v, want not found", err)
	}
	// And it takes writes: a new timeline.
	again := &opora.Client{Surname: "Послевосстановления", BranchID: fx.Branch.ID}
	if err := recovered.CreateClient(rctx, again); err != nil {
		t.Errorf("a write after the recovery: %v", err)
	}
}
