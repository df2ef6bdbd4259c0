package bench

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/demo"
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
		fl := &floorDB{db: raw, st: st, dialect: st.Dialect(), actor: d.actor, d: d}
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
