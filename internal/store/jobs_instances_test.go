package store_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
	"github.com/opora-project/opora/internal/webhook"
)

// sharedMailer records, across instances, every e-mail handed over, and
// takes a while to send so that the instances' runs overlap.
type sharedMailer struct {
	mu  sync.Mutex
	got []*opora.EmailBatch
}

func (m *sharedMailer) Send(_ context.Context, _ *opora.NotificationSettings, b *opora.EmailBatch) error {
	time.Sleep(15 * time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, b)
	return nil
}

// meeting holds each instance at a step (a task about to escalate, a
// user's e-mail about to be claimed) until all of them reached it with
// the same id or a while passed, so that their runs race on every item
// instead of one instance finishing before the next starts.
type meeting struct {
	mu      sync.Mutex
	parties int
	arrived map[string]int
	all     map[string]chan struct{}
}

func (m *meeting) wait(step string, id int64) {
	key := fmt.Sprint(step, id)
	m.mu.Lock()
	ch, ok := m.all[key]
	if !ok {
		ch = make(chan struct{})
		m.all[key] = ch
	}
	m.arrived[key]++
	if m.arrived[key] == m.parties {
		close(ch)
	}
	m.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(300 * time.Millisecond):
	}
}

// Three instances on one database (three stores, each with its own
// connection pool, as three `opora serve` processes have) run the due jobs
// at the same moment, three rounds each: every overdue task escalates once
// per level (four heads of the kindergarten who want e-mail at once, two
// КДН secretaries with the daily digest), every notification goes out in
// exactly one e-mail, each secretary's digest goes once, and the night's
// learning of hints runs once.
func TestJobsExactlyOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		day0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		clock := day0.Add(-48 * time.Hour)
		now := func() time.Time { return clock }
		s.Now = now
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		kg := storetest.AddAgency(t, s, n.net.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
		_, kgHead := kg.AddUser(t, "kg-head", "agency_head")
		heads := []context.Context{kgHead}
		for _, login := range []string{"kg-head-2", "kg-head-3", "kg-head-4"} {
			_, ctx := kg.AddUser(t, login, "agency_head")
			heads = append(heads, ctx)
		}
		_, sec2 := n.kdn.AddUser(t, "kdn-sec-2", "kdn_secretary")
		types, err := s.CaseDictionary(cur, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatalf("task types: %v %d", err, len(types))
		}
		const tasks = 8
		for i := 0; i < tasks; i++ {
			task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду", ResponsibleOrg: kg.Org.ID, DueOn: opora.DateOf(day0)}
			if err := s.AddFamilyTask(cur, f.ID, task); err != nil {
				t.Fatal(err)
			}
		}
		// The kindergarten's head wants every line at once; the КДН's
		// secretary keeps the default, the daily digest.
		for _, h := range heads {
			if err := s.SaveNotificationPrefs(h, &opora.NotificationPrefs{EmailMode: opora.EmailImmediate}); err != nil {
				t.Fatal(err)
			}
		}
		for _, org := range []*storetest.Fixture{kg, n.kdn} {
			set, err := s.NotificationSettings(org.Ctx())
			if err != nil {
				t.Fatal(err)
			}
			set.EmailEnabled, set.Host, set.Port, set.TLS, set.From = true, "127.0.0.1", 25, opora.SMTPPlain, "opora@example.org"
			if err := s.SaveNotificationSettings(org.Ctx(), set); err != nil {
				t.Fatal(err)
			}
		}
		db := storetest.RawDB(t, s)
		if _, err := db.Exec(`UPDATE users SET email = login || '@example.org' WHERE login LIKE 'kg-head%' OR login LIKE 'kdn-sec%'`); err != nil {
			t.Fatal(err)
		}

		// Five days past the deadline: each task is due at both levels.
		clock = day0.AddDate(0, 0, 5)
		instances := []*store.Store{s}
		for i := 0; i < 2; i++ {
			other := storetest.OpenOptions(t, storetest.Options(t, s))
			other.Now = now
			instances = append(instances, other)
		}
		meet := &meeting{parties: len(instances), arrived: map[string]int{}, all: map[string]chan struct{}{}}
		for _, inst := range instances {
			inst.OnEscalate(func(id int64) { meet.wait("task", id) })
			inst.OnClaim(func(kind string, id int64) { meet.wait(kind, id) })
		}
		m := &sharedMailer{}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			reports []store.JobReport
		)
		start := make(chan struct{})
		for _, inst := range instances {
			wg.Add(1)
			go func(inst *store.Store) {
				defer wg.Done()
				<-start
				for round := 0; round < 3; round++ {
					r, err := inst.RunDueJobs(context.Background(), m)
					if err != nil {
						t.Errorf("run: %v", err)
					}
					mu.Lock()
					reports = append(reports, r)
					mu.Unlock()
				}
			}(inst)
		}
		close(start)
		wg.Wait()
		for _, inst := range instances {
			inst.OnEscalate(nil)
			inst.OnClaim(nil)
		}
		met := 0
		for key, n := range meet.arrived {
			if n > 1 && strings.HasPrefix(key, "email") {
				met++
			}
		}
		if met == 0 {
			t.Errorf("no two instances went for one user's e-mail at once: the test raced nothing")
		}

		escalated, learned := 0, 0
		for _, r := range reports {
			escalated += r.Escalated
			if r.Hints != nil {
				learned++
			}
		}
		if escalated != 2*tasks {
			t.Errorf("escalations reported by the instances: %d, want %d", escalated, 2*tasks)
		}
		if learned != 1 {
			t.Errorf("the night's learning of hints ran %d times", learned)
		}
		var rows int
		if err := db.QueryRow(`SELECT COUNT(*) FROM task_escalations`).Scan(&rows); err != nil || rows != 2*tasks {
			t.Errorf("escalation rows: %d %v, want %d", rows, err, 2*tasks)
		}
		for i, ctx := range append(heads, n.secretary, sec2) {
			if _, l := unread(t, s, ctx, opora.NotifyTaskOverdue); len(l) != tasks {
				t.Errorf("user %d of the kindergarten's heads and the secretaries has %d overdue lines, want %d", i, len(l), tasks)
			}
		}

		// Every notification of the two users in exactly one e-mail.
		mailed := map[int64]int{}
		digests := 0
		for _, b := range m.got {
			if b.Digest {
				digests++
			}
			for _, line := range b.Lines {
				mailed[line.ID]++
			}
		}
		var ids []int64
		r, err := db.Query(`SELECT n.id FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE u.login LIKE 'kg-head%' OR u.login LIKE 'kdn-sec%' ORDER BY n.id`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id int64
			if err := r.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		r.Close()
		if len(ids) < 6*tasks {
			t.Fatalf("only %d notifications for the heads and the secretaries", len(ids))
		}
		for _, id := range ids {
			if mailed[id] != 1 {
				t.Errorf("notification %d was e-mailed %d times", id, mailed[id])
			}
		}
		if digests != 2 {
			t.Errorf("the two secretaries' daily digests went %d times, want 2", digests)
		}
		var pending int
		if err := db.QueryRow(`SELECT COUNT(*) FROM notifications WHERE email_state = 'pending'`).Scan(&pending); err != nil || pending != 0 {
			t.Errorf("pending e-mail left: %d %v", pending, err)
		}
		t.Logf("%d e-mails for %d notifications, %d escalations, from %d runs on 3 instances", len(m.got), len(ids), escalated, len(reports))
	})
}

// Three instances of a new version start at once on a database that has
// none of its tables yet (as after an upgrade, every instance migrates at
// start): each waits for the one migrating, and all three come up on the
// same schema. PostgreSQL only: SQLite serves one instance.
func TestMigrateFromSeveralInstancesAtOnce(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, store.Postgres)
	db := storetest.RawDB(t, s)
	schema := fmt.Sprintf("opora_test_migrate_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(storetest.Options(t, s).DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	stores := make([]*store.Store, 3)
	for i := range stores {
		st, err := store.Open(context.Background(), store.Options{DatabaseURL: u.String(), DataDir: t.TempDir(), MaxReaders: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Migrate(context.Background())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: migrate: %v", i+1, err)
		}
	}
	want, err := s.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range stores {
		if v, err := st.SchemaVersion(context.Background()); err != nil || v != want {
			t.Errorf("instance %d: schema version %d %v, want %d", i+1, v, err, want)
		}
	}
}

// Three instances deliver a КДН's webhook messages at the same moment,
// each held at every delivery until all three read it: the receiver gets
// each delivery exactly once.
func TestWebhooksOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		var mu sync.Mutex
		got := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got[r.Header.Get(opora.WebhookDeliveryHeader)]++
			mu.Unlock()
		}))
		defer srv.Close()
		if _, err := s.CreateWebhook(n.kdn.Ctx(), &opora.Webhook{URL: srv.URL + "/opora", Events: []opora.WebhookEvent{opora.EventSignalCreated}}); err != nil {
			t.Fatal(err)
		}
		const signals = 5
		for i := 0; i < signals; i++ {
			if err := s.RegisterSignal(n.tchCtx, schoolSignal(s, n.north)); err != nil {
				t.Fatal(err)
			}
		}
		instances := []*store.Store{s}
		for i := 0; i < 2; i++ {
			instances = append(instances, storetest.OpenOptions(t, storetest.Options(t, s)))
		}
		meet := &meeting{parties: len(instances), arrived: map[string]int{}, all: map[string]chan struct{}{}}
		var wg sync.WaitGroup
		sent := make([]int, len(instances))
		for i, inst := range instances {
			inst.UseWebhooks(webhook.New(5 * time.Second))
			inst.OnClaim(func(kind string, id int64) { meet.wait(kind, id) })
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := inst.RunDueJobs(context.Background(), nil)
				if err != nil {
					t.Errorf("instance %d: %v", i+1, err)
				}
				sent[i] = r.WebhooksSent
			}()
		}
		wg.Wait()
		for _, inst := range instances {
			inst.OnClaim(nil)
		}
		raced := 0
		for key, k := range meet.arrived {
			if k > 1 && strings.HasPrefix(key, "webhook") {
				raced++
			}
		}
		if raced == 0 {
			t.Errorf("no two instances went for one delivery at once: the test raced nothing")
		}
		if len(got) != signals {
			t.Errorf("the receiver got %d deliveries, want %d: %v", len(got), signals, got)
		}
		for id, k := range got {
			if k != 1 {
				t.Errorf("delivery %s arrived %d times", id, k)
			}
		}
		if total := sent[0] + sent[1] + sent[2]; total != signals {
			t.Errorf("the instances report %v sent, want %d in all", sent, signals)
		}
		t.Logf("sent per instance %v; %d deliveries raced by more than one instance", sent, raced)
	})
}
