package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestReplayFloorWritesWhatTheServerWrites traces recording a service and a
// profile page in process, replays them as the floors do, and checks that
// each replay did what the server does: one more service, its counts, and
// its own audit row and event; one more view in the audit log.
func TestReplayFloorWritesWhatTheServerWrites(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		storetest.ReplayedAudit(st) // the raw-SQL floor replays recorded audit appends, hashes and all
		ctx := context.Background()
		if _, err := demo.Generate(ctx, st, demo.Options{Clients: 300, Seed: 5}, nil); err != nil {
			t.Fatalf("generate: %v", err)
		}
		run, err := CheckGenerated(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := openRaw(storetest.Options(t, st))
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		d, err := discover(ctx, st, raw, run.OrganisationID, "admin", true, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := newInProcess(ctx, st, Options{Login: "admin", Password: demo.Password})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := traceRecords(ctx, p, d, 1)
		if err != nil {
			t.Fatal(err)
		}
		pages, err := traceProfiles(ctx, p, d, 1)
		if err != nil {
			t.Fatal(err)
		}
		client := recs[0].clientID
		count := func(q string, args ...any) int64 {
			t.Helper()
			var n sql.NullInt64
			if err := raw.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n.Int64
		}
		services := func() int64 {
			return count(`SELECT COUNT(*) FROM services WHERE client_id = $1 AND rendered_on = $2 AND deleted_at IS NULL`,
				client, nullDate(d.today))
		}
		views := func() int64 {
			return count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'client' AND entity_id = $1 AND action = 'view'`,
				pages[0].clientID)
		}
		fl := &floorDB{db: raw, dialect: st.Dialect(), gets: map[string]*tracedRequest{}}
		servicesBefore, viewsBefore := services(), views()
		for range 2 {
			if err := fl.replay(ctx, &recs[0]); err != nil {
				t.Fatalf("replay the recorded service: %v", err)
			}
			if err := fl.replay(ctx, &pages[0]); err != nil {
				t.Fatalf("replay the profile page: %v", err)
			}
		}
		if got := services() - servicesBefore; got != 2 {
			t.Errorf("two replays of recording a service added %d services, want 2", got)
		}
		if got := views() - viewsBefore; got != 2 {
			t.Errorf("two replays of the profile page added %d view audit rows, want 2", got)
		}
		// Each service recorded today has its own audit row and timeline
		// event: the replays' rows name the replayed services.
		today := nullDate(d.today)
		if n, audited := services(), count(`SELECT COUNT(DISTINCT a.entity_id) FROM audit_log a JOIN services s ON s.id = a.entity_id
			WHERE a.entity = 'service' AND a.action = 'create' AND s.client_id = $1 AND s.rendered_on = $2`, client, today); audited != n {
			t.Errorf("%d services of the client today, %d of them with an audit row", n, audited)
		}
		if n, events := services(), count(`SELECT COUNT(DISTINCT e.entity_id) FROM client_events e JOIN services s ON s.id = e.entity_id
			WHERE e.entity = 'service' AND s.client_id = $1 AND s.rendered_on = $2`, client, today); events != n {
			t.Errorf("%d services of the client today, %d of them with a timeline event", n, events)
		}
		// The day's counts still equal the day's rows.
		if rows, counted := count(`SELECT COUNT(*) FROM services WHERE organisation_id = $1 AND rendered_on = $2 AND deleted_at IS NULL`,
			run.OrganisationID, today), count(`SELECT SUM(services) FROM service_counts WHERE organisation_id = $1 AND day = $2`,
			run.OrganisationID, today); rows != counted {
			t.Errorf("today: %d services, the counts say %d", rows, counted)
		}
	})
}

// TestEveryTracedFloorReplaysTheRequestsStatements runs every scenario's
// floor as the bench does, and checks that each sends the database exactly the
// statements the store runs when the web handler serves the same request
// (traced here on its own): a floor that went back to hand-written SQL, or
// left statements out, fails.
//
// Once more on PostgreSQL with a read replica (--database-read-url; the
// primary stands in for it): the floors replay on the replica exactly the
// reads the server sent there, and the report scenarios send some.
func TestEveryTracedFloorReplaysTheRequestsStatements(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) { everyTracedFloor(t, st) })
	t.Run("postgres with read replica", func(t *testing.T) {
		o := storetest.Options(t, storetest.Open(t, store.Postgres))
		o.ReadDatabaseURL = o.DatabaseURL
		everyTracedFloor(t, storetest.OpenOptions(t, o))
	})
}

func everyTracedFloor(t *testing.T, st *store.Store) {
	storetest.ReplayedAudit(st) // the raw-SQL floor replays recorded audit appends, hashes and all
	ctx := context.Background()
	if _, err := demo.Generate(ctx, st, demo.Options{Clients: 300, Seed: 5}, nil); err != nil {
		t.Fatalf("generate: %v", err)
	}
	run, err := CheckGenerated(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := openRaw(storetest.Options(t, st))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rnd := rand.New(rand.NewPCG(1, 2))
	d, err := discover(ctx, st, raw, run.OrganisationID, "admin", true, rnd)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newInProcess(ctx, st, Options{Login: "admin", Password: demo.Password})
	if err != nil {
		t.Fatal(err)
	}
	sh := &opora.CheckinShift{PointID: d.point.ID, Date: opora.DateOf(d.today), Starts: "00:00", Ends: "23:59"}
	if err := st.OpenCheckinShift(opora.WithActor(ctx, d.actor), sh); err != nil {
		t.Fatal(err)
	}
	d.shiftID = sh.ID
	fl := &floorDB{db: raw, dialect: st.Dialect(), gets: map[string]*tracedRequest{}}
	if fl.replica, err = openReplica(storetest.Options(t, st)); err != nil {
		t.Fatal(err)
	}
	if fl.replica != nil {
		defer fl.replica.Close()
	}
	onReplica := 0
	if fl.searches, err = traceSearches(ctx, p, d, rnd, 1); err != nil {
		t.Fatal(err)
	}
	if fl.pages, err = traceProfiles(ctx, p, d, 1); err != nil {
		t.Fatal(err)
	}
	if fl.records, err = traceRecords(ctx, p, d, 1); err != nil {
		t.Fatal(err)
	}
	if fl.ticks, err = traceTicks(ctx, p, d, rnd, 1); err != nil {
		t.Fatal(err)
	}
	traced := map[string]*tracedRequest{ScenarioSearch: &fl.searches[0], ScenarioProfile: &fl.pages[0],
		ScenarioService: &fl.records[0], ScenarioTick: &fl.ticks[0]}
	for _, sc := range scenarios(d) {
		if sc.get != "" {
			if fl.gets[sc.name], err = traceFixed(ctx, p, sc.get, sc.form); err != nil {
				t.Fatal(err)
			}
			traced[sc.name] = fl.gets[sc.name]
		}
	}
	for _, sc := range scenarios(d) {
		r := traced[sc.name]
		if r == nil {
			t.Errorf("%s: no traced request for its floor to replay", sc.name)
			continue
		}
		// What the store runs for the request, served again now.
		var want []replayedStmt
		var mu sync.Mutex
		tctx := store.WithTrace(ctx, &store.Trace{Statement: func(s store.TracedStatement) {
			mu.Lock()
			want = append(want, replayedStmt{SQL: s.SQL, Args: len(s.Args), Exec: s.Exec, InTx: s.InTx, Replica: s.Replica})
			mu.Unlock()
		}})
		rec := p.send(tctx, r.method, r.path, r.contentType, r.body)
		if rec.Code >= 400 {
			t.Fatalf("%s: serving %s %s again: status %d", sc.name, r.method, r.path, rec.Code)
		}
		if sc.name == ScenarioTick {
			if status, err := tickStatus(rec.Body.Bytes()); err != nil || status != string(opora.TickAccepted) {
				t.Fatalf("the traced tick served again: %q %v", status, err)
			}
			var tick struct {
				Ticks []struct{ ID string } `json:"ticks"`
			}
			if err := json.Unmarshal(r.body, &tick); err != nil || len(tick.Ticks) != 1 {
				t.Fatalf("the traced tick's body: %v", err)
			}
			if err := p.untick(ctx, r.path, tick.Ticks[0].ID, rnd); err != nil {
				t.Fatal(err)
			}
		}
		// What the scenario's floor sends.
		var got []replayedStmt
		fl.replayed = func(s replayedStmt) {
			got = append(got, s)
			if s.Replica {
				onReplica++
			}
		}
		err := sc.floor(ctx, fl, rnd)
		fl.replayed = nil
		if err != nil {
			t.Fatalf("%s: floor: %v", sc.name, err)
		}
		// The dashboard runs its reports, and a report its parts, at
		// once: their order varies from one serving to the next.
		order := func(a, b replayedStmt) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
		if sc.get != "" {
			slices.SortFunc(got, order)
			slices.SortFunc(want, order)
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: the floor sent %d statements, the request runs %d:\nfloor:   %v\nrequest: %v",
				sc.name, len(got), len(want), got, want)
		}
		if sc.name == ScenarioTick && !slices.ContainsFunc(got, func(s replayedStmt) bool {
			return s.InTx && strings.HasPrefix(strings.TrimSpace(s.SQL), "INSERT INTO checkin_visits")
		}) {
			t.Errorf("the tick floor inserts no visit in a transaction: %v", got)
		}
	}
	// The tick floor's writes are rolled back: the shift holds no visit
	// (the traced ticks were taken back).
	var visits int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkin_visits WHERE shift_id = $1`, d.shiftID).Scan(&visits); err != nil {
		t.Fatal(err)
	}
	if visits != 0 {
		t.Errorf("after the tick floor the shift holds %d visits, want 0", visits)
	}
	if (fl.replica != nil) != (onReplica > 0) {
		t.Errorf("with read replica %v, the floors replayed %d statements on it", fl.replica != nil, onReplica)
	}
}
