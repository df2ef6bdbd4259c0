package store_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// statements records where a context's store statements went.
type statements struct {
	mu               sync.Mutex
	primary, replica []string
}

func (st *statements) ctx(ctx context.Context) context.Context {
	return store.WithTrace(ctx, &store.Trace{Statement: func(s store.TracedStatement) {
		st.mu.Lock()
		defer st.mu.Unlock()
		if s.Replica {
			st.replica = append(st.replica, s.SQL)
		} else {
			st.primary = append(st.primary, s.SQL)
		}
	}})
}

// TestReportsReadOnReplica runs a real streaming replica of the test
// server (pg_basebackup into a temporary folder, a second server on
// another port) and a store with ReadDatabaseURL on it: the services
// register, the report builder and the monitoring read on the replica,
// while the writes and the client's own pages go to the primary. With the
// replica's replay paused, a service just recorded is on the client's
// page at once but not yet in the register; when replay resumes, it is.
func TestReportsReadOnReplica(t *testing.T) {
	primary := storetest.PostgresDatabase(t)
	seed := storetest.OpenOptions(t, store.Options{DatabaseURL: primary, DataDir: t.TempDir(), MaxReaders: 4})
	mon := storetest.NewMonitorFixture(t, seed) // the region, for the monitoring
	fx := mon.Net
	replica := storetest.Replica(t, primary)

	s := storetest.OpenOptions(t, store.Options{DatabaseURL: primary, ReadDatabaseURL: replica, DataDir: t.TempDir(), MaxReaders: 4})
	ctx := storetest.CtxOf(t, s, fx.Admin.ID)
	types, err := s.ServiceTypes(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var plain *opora.ServiceType
	for _, ty := range types {
		if !ty.HasAmount && !ty.HasQuantity && !ty.CommentRequired {
			plain = ty
			break
		}
	}
	c := &opora.Client{Surname: "Репликова", FirstName: "Вера", BranchID: fx.Branch.ID}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	today := opora.DateOf(s.Now())
	record := func() {
		t.Helper()
		if err := s.RecordServices(ctx, c.ID, today, []*opora.Service{{TypeID: plain.ID, Quantity: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	record()
	q := &opora.RegisterQuery{From: today.AddDays(-7), To: today}
	registerRows := func(ctx context.Context) int {
		t.Helper()
		tot, err := s.CountServiceRegister(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return tot.Rows
	}
	clientServices := func(ctx context.Context) int {
		t.Helper()
		_, n, err := s.ClientServices(ctx, c.ID, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	storetest.CatchUp(t, primary, replica)

	// Where each read goes.
	var tr statements
	tctx := tr.ctx(ctx)
	if n := registerRows(tctx); n != 1 {
		t.Fatalf("register rows on the caught-up replica: %d, want 1", n)
	}
	if _, err := s.RunReport(tctx, &opora.ReportQuery{Subject: opora.SubjectServices, Measure: opora.MeasureCount,
		From: today.AddDays(-30), To: today, GroupBy: []opora.Dimension{opora.DimServiceType}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Monitoring(tr.ctx(storetest.CtxOf(t, s, mon.Analyst.ID)), mon.Filter()); err != nil {
		t.Fatal(err)
	}
	if len(tr.replica) < 3 || len(tr.primary) != 0 {
		t.Errorf("the register, a report and the monitoring read %d statements on the replica and %d on the primary (%q), want all on the replica",
			len(tr.replica), len(tr.primary), tr.primary)
	}
	tr = statements{}
	if n := clientServices(tctx); n != 1 {
		t.Fatalf("client's services: %d, want 1", n)
	}
	if len(tr.primary) == 0 || len(tr.replica) != 0 {
		t.Errorf("the client's services read %d statements on the primary and %d on the replica, want all on the primary",
			len(tr.primary), len(tr.replica))
	}

	// Replay paused: the replica stops at what it has.
	rdb := replicaDB(t, replica)
	if _, err := rdb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			rdb.Exec(`SELECT pg_wal_replay_resume()`)
		}
	})
	waitFor(t, "replay paused", func() bool {
		var state string
		if err := rdb.QueryRow(`SELECT pg_get_wal_replay_pause_state()`).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state == "paused"
	})
	record() // a write: goes to the primary while the replica is paused
	if n := clientServices(ctx); n != 2 {
		t.Errorf("the client's services right after recording one: %d, want 2 (read on the primary)", n)
	}
	var onPrimary int
	if err := storetest.RawDB(t, s).QueryRow(`SELECT count(*) FROM services WHERE client_id = $1 AND deleted_at IS NULL`, c.ID).Scan(&onPrimary); err != nil {
		t.Fatal(err)
	}
	if onPrimary != 2 {
		t.Errorf("services on the primary: %d, want 2", onPrimary)
	}
	if n := registerRows(ctx); n != 1 {
		t.Errorf("register rows while the replica's replay is paused: %d, want 1 (the replica has not seen the new service)", n)
	}
	if st, err := s.Replica(ctx); err != nil || st == nil || !st.Paused {
		t.Errorf("replica status while paused: %+v, %v", st, err)
	}

	// Replay resumed: the register catches up.
	if _, err := rdb.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	resumed = true
	waitFor(t, "the register to show the new service", func() bool { return registerRows(ctx) == 2 })
	storetest.CatchUp(t, primary, replica)
	// The primary is the shared test cluster: other packages' tests keep
	// writing to it, so the replica may be a moment behind again by now;
	// caught up means not paused and seconds behind at most, not zero.
	if st, err := s.Replica(ctx); err != nil || st == nil || st.Paused || st.Lag > 10*time.Second {
		t.Errorf("replica status after catching up: %+v, %v", st, err)
	}
	if st, err := seed.Replica(ctx); err != nil || st != nil {
		t.Errorf("a store without a read replica reports %+v, %v", st, err)
	}
}

// Only PostgreSQL has replicas: SQLite refuses the read URL, saying why.
func TestReadReplicaNeedsPostgres(t *testing.T) {
	for _, read := range []string{"postgres://postgres@127.0.0.1:5432/test", "sqlite:/tmp/other.db"} {
		_, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir(), ReadDatabaseURL: read})
		if err == nil || !strings.Contains(err.Error(), "needs PostgreSQL") || !strings.Contains(err.Error(), "--database-read-url") {
			t.Errorf("SQLite with read URL %q: err = %v, want a refusal naming --database-read-url", read, err)
		}
	}
	if dsn := storetest.PostgresDSN(); dsn != "" {
		_, err := store.Open(context.Background(), store.Options{DatabaseURL: dsn, ReadDatabaseURL: "sqlite:/tmp/other.db"})
		if err == nil || !strings.Contains(err.Error(), "must be postgres://") {
			t.Errorf("PostgreSQL with a SQLite read URL: err = %v", err)
		}
	}
}

// replicaDB connects to the replica itself, for pausing its replay.
func replicaDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
