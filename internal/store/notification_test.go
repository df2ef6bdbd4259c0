package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// unread returns a user's unread count and notifications of a kind.
func unread(t *testing.T, s *store.Store, ctx context.Context, kind opora.NotificationKind) (int, []*opora.Notification) {
	t.Helper()
	n, err := s.UnreadNotifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Notifications(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*opora.Notification
	for _, x := range list {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	return n, out
}

// kindergartenTask: the curator gives the family's task to a kindergarten.
func kindergartenTask(t *testing.T, s *store.Store, n *familyNet, f *opora.Family, cur context.Context, due opora.Date) (*opora.Task, context.Context) {
	t.Helper()
	kg := storetest.AddAgency(t, s, n.net.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
	_, kgHead := kg.AddUser(t, "kg-head", "agency_head")
	types, err := s.CaseDictionary(cur, opora.DictTaskType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("task types: %v %d", err, len(types))
	}
	task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду для Анны", ResponsibleOrg: kg.Org.ID, DueOn: due}
	if err := s.AddFamilyTask(cur, f.ID, task); err != nil {
		t.Fatal(err)
	}
	return task, kgHead
}

// A task given to a kindergarten: its head has one unread notification
// that opens the task; the curator, who gave it, has none. The head marks
// it done: the curator and the КДН secretary are told, the head is not.
// The kindergarten returns a second task: a "returned" line for both.
func TestNotifyTaskAssignedAndStatus(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		task, kgHead := kindergartenTask(t, s, n, f, cur, s.Today().AddDays(10))
		count, lines := unread(t, s, kgHead, opora.NotifyTaskAssigned)
		if count != 1 || len(lines) != 1 {
			t.Fatalf("kindergarten head: %d unread, %d assigned", count, len(lines))
		}
		if got := lines[0]; got.Link != fmt.Sprintf("/agency/tasks/%d", task.ID) || got.FamilyID != f.ID || got.TaskID != task.ID ||
			got.TaskType == "" || !got.Unread() {
			t.Errorf("the head's notification: %+v", got)
		}
		if c, _ := unread(t, s, cur, opora.NotifyTaskAssigned); c != 0 {
			t.Errorf("the curator is told of her own task: %d", c)
		}
		if c, _ := unread(t, s, n.head, opora.NotifyTaskAssigned); c != 0 {
			t.Errorf("another agency's head is told: %d", c)
		}

		if err := s.CompleteTask(kgHead, task.ID, 0, opora.TaskReport{Text: "Место найдено", DoneOn: s.Today()}, nil); err != nil {
			t.Fatal(err)
		}
		for who, ctx := range map[string]context.Context{"curator": cur, "secretary": n.secretary} {
			c, st := unread(t, s, ctx, opora.NotifyTaskStatus)
			if c != 1 || len(st) != 1 || st[0].Status != opora.TaskDone || st[0].Link != fmt.Sprintf("/agency/tasks/%d", task.ID) {
				t.Errorf("%s: %d unread, %+v", who, c, st)
			}
		}
		if c, _ := unread(t, s, kgHead, opora.NotifyTaskStatus); c != 1 {
			t.Errorf("the head is told of her own change: %d unread", c)
		}

		second := &opora.Task{TypeID: task.TypeID, ResponsibleOrg: task.ResponsibleOrg, DueOn: s.Today().AddDays(5)}
		if err := s.AddFamilyTask(cur, f.ID, second); err != nil {
			t.Fatal(err)
		}
		if err := s.ReturnTask(kgHead, second.ID, 0, opora.TaskReturn{Reason: opora.ReturnRefused}); err != nil {
			t.Fatal(err)
		}
		if c, ret := unread(t, s, cur, opora.NotifyTaskReturned); c != 2 || len(ret) != 1 || ret[0].TaskID != second.ID {
			t.Errorf("curator after the return: %d unread, %+v", c, ret)
		}

		// Read: mine only; another user's is not found.
		_, st := unread(t, s, cur, opora.NotifyTaskStatus)
		if _, err := s.MarkNotificationRead(n.secretary, st[0].ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the secretary marks the curator's notification: %v", err)
		}
		got, err := s.MarkNotificationRead(cur, st[0].ID)
		if err != nil || got.Link != st[0].Link {
			t.Fatalf("mark read: %v %+v", err, got)
		}
		if c, _ := unread(t, s, cur, opora.NotifyTaskStatus); c != 1 {
			t.Errorf("after one read: %d unread", c)
		}
		if k, err := s.MarkAllNotificationsRead(cur); err != nil || k != 1 {
			t.Errorf("mark all: %d %v", k, err)
		}
		if c, _ := unread(t, s, cur, opora.NotifyTaskStatus); c != 0 {
			t.Errorf("after all read: %d unread", c)
		}
		if c, _ := unread(t, s, n.secretary, opora.NotifyTaskStatus); c != 2 {
			t.Errorf("the secretary's lines moved with the curator's: %d unread", c)
		}
	})
}

// Overdue escalation with the clock moved day by day: on the deadline
// nothing; the day after, the kindergarten's head; on the third day, the
// КДН; run again, nothing twice.
func TestEscalationTiming(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		day0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		clock := day0.Add(-48 * time.Hour)
		s.Now = func() time.Time { return clock }
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		task, kgHead := kindergartenTask(t, s, n, f, cur, opora.DateOf(day0))
		overdue := func(ctx context.Context) int {
			_, l := unread(t, s, ctx, opora.NotifyTaskOverdue)
			return len(l)
		}
		steps := []struct {
			day             int
			escalated       int
			head, secretary int
		}{
			{0, 0, 0, 0},
			{1, 1, 1, 0},
			{2, 0, 1, 0},
			{3, 1, 1, 1},
			{3, 0, 1, 1}, // the same day again
			{9, 0, 1, 1},
		}
		for _, st := range steps {
			clock = day0.AddDate(0, 0, st.day)
			r, err := s.RunDueJobs(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Escalated != st.escalated || overdue(kgHead) != st.head || overdue(n.secretary) != st.secretary {
				t.Errorf("day %d: escalated %d, head %d, secretary %d; want %d, %d, %d", st.day, r.Escalated,
					overdue(kgHead), overdue(n.secretary), st.escalated, st.head, st.secretary)
			}
		}
		if c := overdue(cur); c != 0 {
			t.Errorf("the curator got %d escalations", c)
		}
		db := storetest.RawDB(t, s)
		var rows int
		if err := db.QueryRow(`SELECT COUNT(*) FROM task_escalations WHERE task_id = $1`, task.ID).Scan(&rows); err != nil || rows != 2 {
			t.Errorf("escalation rows: %d %v", rows, err)
		}
		// A done task does not escalate, whatever the clock says.
		if err := s.CompleteTask(kgHead, task.ID, 0, opora.TaskReport{Text: "Место найдено", DoneOn: s.Today()}, nil); err != nil {
			t.Fatal(err)
		}
		clock = day0.AddDate(0, 0, 30)
		if r, err := s.RunDueJobs(context.Background(), nil); err != nil || r.Escalated != 0 {
			t.Errorf("after done: %+v %v", r, err)
		}
	})
}

// The escalation job reads its list of overdue tasks first and escalates
// them one by one: a task the kindergarten marks done in between is read
// again and not escalated — its head gets no "overdue" line, no
// escalation row is left.
func TestEscalationStaleList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		day0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		clock := day0.Add(-48 * time.Hour)
		s.Now = func() time.Time { return clock }
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		task, kgHead := kindergartenTask(t, s, n, f, cur, opora.DateOf(day0))
		clock = day0.AddDate(0, 0, 5)
		hooked := 0
		s.OnEscalate(func(id int64) {
			if id != task.ID {
				return
			}
			hooked++
			if err := s.CompleteTask(kgHead, task.ID, 0, opora.TaskReport{Text: "Место найдено", DoneOn: s.Today()}, nil); err != nil {
				t.Errorf("done meanwhile: %v", err)
			}
		})
		r, err := s.RunDueJobs(context.Background(), nil)
		s.OnEscalate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if hooked != 1 {
			t.Fatalf("the job's list did not hold the overdue task (%d)", hooked)
		}
		if r.Escalated != 0 {
			t.Errorf("a task done meanwhile escalated: %+v", r)
		}
		for who, ctx := range map[string]context.Context{"head": kgHead, "secretary": n.secretary} {
			if _, l := unread(t, s, ctx, opora.NotifyTaskOverdue); len(l) != 0 {
				t.Errorf("%s told a done task is overdue: %d", who, len(l))
			}
		}
		var rows int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM task_escalations WHERE task_id = $1`, task.ID).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("escalation rows: %d %v", rows, err)
		}
	})
}

// One escalation per overdue episode: overdue on its deadline, the task
// escalates to the kindergarten's head and the КДН once; the council gives
// it a new deadline (ReassignTask), and once that has passed it escalates
// again, once more each.
func TestEscalationPerOverdueEpisode(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		day0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		clock := day0.Add(-48 * time.Hour)
		s.Now = func() time.Time { return clock }
		n := newCouncilNet(t, s)
		f := n.family(t, s, "Иванов", n.north)
		_, kgHead := n.kgNorth.AddUser(t, "kg-head", "agency_head")
		types, err := s.CaseDictionary(n.curator, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatalf("task types: %v %d", err, len(types))
		}
		task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду", ResponsibleOrg: n.kgNorth.Org.ID, DueOn: opora.DateOf(day0)}
		if err := s.AddFamilyTask(n.curator, f.ID, task); err != nil {
			t.Fatal(err)
		}
		c, m := n.council(t, s)
		overdue := func(ctx context.Context) int {
			_, l := unread(t, s, ctx, opora.NotifyTaskOverdue)
			return len(l)
		}
		run := func(day, escalated, head, secretary int) {
			t.Helper()
			clock = day0.AddDate(0, 0, day)
			r, err := s.RunDueJobs(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Escalated != escalated || overdue(kgHead) != head || overdue(n.secretary) != secretary {
				t.Errorf("day %d: escalated %d, head %d, secretary %d; want %d, %d, %d", day, r.Escalated,
					overdue(kgHead), overdue(n.secretary), escalated, head, secretary)
			}
		}
		run(4, 2, 1, 1)
		run(5, 0, 1, 1)
		// The council gives the kindergarten ten more days from day 5.
		if _, err := s.ReassignTask(n.secretary, c.ID, m.ID, f.ID, &opora.CouncilTask{TaskID: task.ID, OrgID: n.kgNorth.Org.ID,
			DueOn: opora.DateOf(day0.AddDate(0, 0, 15)), Reason: "Место будет после ремонта"}); err != nil {
			t.Fatal(err)
		}
		run(15, 0, 1, 1) // on the new deadline: not overdue
		run(16, 1, 2, 1) // the head again
		run(17, 0, 2, 1)
		run(18, 1, 2, 2) // the КДН again
		run(30, 0, 2, 2)
		var rows int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM task_escalations WHERE task_id = $1`, task.ID).Scan(&rows); err != nil || rows != 4 {
			t.Errorf("escalation rows: %d %v", rows, err)
		}
	})
}

// The КДН's own delay: an organisation that set 5 days hears on the
// fifth day, not the third.
func TestEscalationDaysSetting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		day0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		clock := day0.Add(-24 * time.Hour)
		s.Now = func() time.Time { return clock }
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		task, _ := kindergartenTask(t, s, n, f, cur, opora.DateOf(day0))
		var caseOrg int64
		if err := storetest.RawDB(t, s).QueryRow(`SELECT organisation_id FROM case_tasks WHERE id = $1`, task.ID).Scan(&caseOrg); err != nil {
			t.Fatal(err)
		}
		admin := storetest.CtxOf(t, s, adminOf(t, s, caseOrg))
		set, err := s.NotificationSettings(admin)
		if err != nil {
			t.Fatal(err)
		}
		set.KDNAfterDays = 5
		if err := s.SaveNotificationSettings(admin, set); err != nil {
			t.Fatal(err)
		}
		clock = day0.AddDate(0, 0, 3)
		if _, err := s.RunDueJobs(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if _, l := unread(t, s, n.secretary, opora.NotifyTaskOverdue); len(l) != 0 {
			t.Errorf("day 3 with 5 days set: the КДН got %d", len(l))
		}
		clock = day0.AddDate(0, 0, 5)
		if _, err := s.RunDueJobs(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if _, l := unread(t, s, n.secretary, opora.NotifyTaskOverdue); len(l) != 1 {
			t.Errorf("day 5 with 5 days set: the КДН got %d", len(l))
		}
	})
}

// adminOf returns the first user of an organisation holding admin.org.
func adminOf(t *testing.T, s *store.Store, orgID int64) int64 {
	t.Helper()
	var id int64
	err := storetest.RawDB(t, s).QueryRow(`SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE u.organisation_id = $1 AND rp.permission = 'admin.org'
		ORDER BY u.id LIMIT 1`, orgID).Scan(&id)
	if err != nil {
		t.Fatalf("no administrator of organisation %d: %v", orgID, err)
	}
	return id
}

// A signal registered by a school lands in the КДН's inbox and on its
// secretary's notifications; routing its family to the КЦСОН tells the
// centre's head.
func TestNotifySignal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		sg := schoolSignal(s, n.north)
		if err := s.RegisterSignal(n.tchCtx, sg); err != nil {
			t.Fatal(err)
		}
		c, l := unread(t, s, n.secCtx, opora.NotifySignal)
		if c != 1 || len(l) != 1 || l[0].Link != fmt.Sprintf("/signals/%d", sg.ID) {
			t.Fatalf("secretary: %d unread, %+v", c, l)
		}
		if c, _ := unread(t, s, n.kdnSouth.Ctx(), opora.NotifySignal); c != 0 {
			t.Errorf("the other municipality's КДН: %d", c)
		}
		fam := &opora.Family{Address: sg.Address, Members: []*opora.FamilyMember{{Role: opora.RoleChild,
			Client: &opora.Client{Surname: "Сидоров", FirstName: "Петя", BirthPrecision: opora.BirthExact, BirthDate: sg.Children[0].BirthDate}}}}
		if err := s.AcceptSignal(n.secCtx, &store.SignalAccept{SignalID: sg.ID, Version: sg.Version, NewFamily: fam,
			RouteOrgID: n.kcson.Org.ID}); err != nil {
			t.Fatal(err)
		}
		if c, l := unread(t, s, n.headCtx, opora.NotifyFamilyRouted); c != 1 || len(l) != 1 || l[0].FamilyID == 0 {
			t.Errorf("centre head: %d unread, %+v", c, l)
		}
	})
}

// E-mail preferences and settings: defaults, a saved choice, the
// password kept but never returned, a stale version refused.
func TestNotificationPrefsAndSettings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Центр")
		_, worker := fx.AddUser(t, "worker", "specialist")
		p, err := s.NotificationPrefs(worker)
		if err != nil || p.EmailMode != opora.EmailDaily || len(p.Muted) != 0 {
			t.Fatalf("default prefs: %v %+v", err, p)
		}
		p = &opora.NotificationPrefs{EmailMode: opora.EmailImmediate, Muted: []opora.NotificationKind{opora.NotifySignal}}
		if err := s.SaveNotificationPrefs(worker, p); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.NotificationPrefs(worker); got.EmailMode != opora.EmailImmediate || !got.Mutes(opora.NotifySignal) {
			t.Errorf("saved prefs: %+v", got)
		}
		if err := s.SaveNotificationPrefs(worker, &opora.NotificationPrefs{EmailMode: "hourly"}); opora.FieldErrors(err)["email_mode"] == "" {
			t.Errorf("a bad mode: %v", err)
		}
		if _, err := s.NotificationSettings(worker); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a worker reads the SMTP settings: %v", err)
		}
		admin := fx.Ctx()
		set, err := s.NotificationSettings(admin)
		if err != nil || set.KDNAfterDays != 3 || set.EmailEnabled || set.Version != 0 {
			t.Fatalf("default settings: %v %+v", err, set)
		}
		set.EmailEnabled, set.Host, set.Port, set.TLS, set.User, set.Password, set.From = true, "smtp.example.org", 587,
			opora.SMTPStartTLS, "opora", "s3cret-pass", "Опора <opora@example.org>"
		if err := s.SaveNotificationSettings(admin, set); err != nil {
			t.Fatal(err)
		}
		got, err := s.NotificationSettings(admin)
		if err != nil || got.Password != "" || !got.HasPassword || got.Host != "smtp.example.org" || got.Version != 1 {
			t.Fatalf("saved settings: %v %+v", err, got)
		}
		// Kept sealed under the data folder's key file, not as typed.
		stored := func() string {
			t.Helper()
			var v string
			if err := storetest.RawDB(t, s).QueryRow(`SELECT smtp_password FROM notification_settings WHERE organisation_id = $1`,
				fx.Org.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		sealed := stored()
		if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "s3cret") {
			t.Errorf("stored password %q", sealed)
		}
		got.Port = 2525 // the password left empty keeps the stored one
		if err := s.SaveNotificationSettings(admin, got); err != nil {
			t.Fatal(err)
		}
		if v := stored(); v != sealed {
			t.Errorf("the kept password changed: %q, was %q", v, sealed)
		}
		stale := *set
		stale.Version = 1
		if err := s.SaveNotificationSettings(admin, &stale); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("a stale save: %v", err)
		}
		bad := &opora.NotificationSettings{Version: 2, EmailEnabled: true, Port: 0, TLS: "ssl", KDNAfterDays: 0, From: "nobody"}
		fe := opora.FieldErrors(s.SaveNotificationSettings(admin, bad))
		for _, f := range []string{"smtp_port", "smtp_tls", "kdn_after_days", "smtp_host", "mail_from"} {
			if fe[f] == "" {
				t.Errorf("no error on %s: %v", f, fe)
			}
		}
	})
}

// mailRecorder keeps what the e-mail job hands over (the SMTP exchange
// itself is tested in internal/mail against a real server).
type mailRecorder struct{ got []*opora.EmailBatch }

func (m *mailRecorder) Send(_ context.Context, _ *opora.NotificationSettings, b *opora.EmailBatch) error {
	m.got = append(m.got, b)
	return nil
}

// Who gets what by e-mail: immediate at once (muted kinds left out),
// daily in the day's digest, off never, no address never; the
// organisation without e-mail sends nothing. Each line once.
func TestEmailModes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock := time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return clock }
		n := newSignalNet(t, s)
		users := map[string]int64{}
		for _, login := range []string{"sec-now", "sec-muted", "sec-off", "sec-nomail"} {
			u, ctx := n.kdn.AddUser(t, login, "kdn_secretary")
			users[login] = u.ID
			mode := opora.EmailImmediate
			var muted []opora.NotificationKind
			switch login {
			case "sec-muted":
				muted = []opora.NotificationKind{opora.NotifySignal}
			case "sec-off":
				mode = opora.EmailOff
			}
			if err := s.SaveNotificationPrefs(ctx, &opora.NotificationPrefs{EmailMode: mode, Muted: muted}); err != nil {
				t.Fatal(err)
			}
		}
		db := storetest.RawDB(t, s)
		if _, err := db.Exec(`UPDATE users SET email = login || '@kdn.example' WHERE organisation_id = $1 AND login <> 'sec-nomail'`,
			n.kdn.Org.ID); err != nil {
			t.Fatal(err)
		}
		secID := int64(0) // the net's own secretary: daily by default
		if err := db.QueryRow(`SELECT id FROM users WHERE login = 'sec'`).Scan(&secID); err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterSignal(n.tchCtx, schoolSignal(s, n.north)); err != nil {
			t.Fatal(err)
		}
		m := &mailRecorder{}
		// E-mail not enabled for the КДН: nothing goes, the lines are skipped.
		if r, err := s.RunDueJobs(context.Background(), m); err != nil || len(m.got) != 0 || r.Skipped != 5 {
			t.Fatalf("without a server: %+v %v, %d sent", r, err, len(m.got))
		}
		set, err := s.NotificationSettings(n.kdn.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		set.EmailEnabled, set.Host, set.Port, set.TLS, set.From = true, "127.0.0.1", 25, opora.SMTPPlain, "opora@kdn.example"
		if err := s.SaveNotificationSettings(n.kdn.Ctx(), set); err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterSignal(n.tchCtx, schoolSignal(s, n.north)); err != nil {
			t.Fatal(err)
		}
		to := func() map[int64]bool {
			out := map[int64]bool{}
			for _, b := range m.got {
				out[b.UserID] = true
			}
			return out
		}
		if _, err := s.RunDueJobs(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if got := to(); len(got) != 1 || !got[users["sec-now"]] || m.got[0].Digest || len(m.got[0].Lines) != 1 {
			t.Fatalf("06:00: sent to %v", got)
		}
		clock = clock.Add(2 * time.Hour) // 08:00: the daily digest too
		if _, err := s.RunDueJobs(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if got := to(); len(got) != 2 || !got[secID] || !m.got[1].Digest {
			t.Fatalf("08:00: sent to %v", got)
		}
		if _, err := s.RunDueJobs(context.Background(), m); err != nil || len(m.got) != 2 {
			t.Errorf("again: %d messages, %v", len(m.got), err)
		}
		var pending int
		if err := db.QueryRow(`SELECT COUNT(*) FROM notifications WHERE email_state = 'pending'`).Scan(&pending); err != nil || pending != 0 {
			t.Errorf("pending left: %d %v", pending, err)
		}
	})
}

// The kindergarten's head gives the task to a specialist: the specialist
// is told the task is hers, the curator that an assignee is set. Opening
// the task's page reads the specialist's line there, not the curator's;
// a page no line opens reads nothing.
func TestNotifyAssigneeAndReadOnPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newKindergartenNet(t, s)
		if err := s.AssignTask(n.gardenHead, n.task.ID, 0, n.nanny.ID); err != nil {
			t.Fatal(err)
		}
		link := fmt.Sprintf("/agency/tasks/%d", n.task.ID)
		if c, as := unread(t, s, n.nannyCtx, opora.NotifyTaskAssigned); c != 1 || len(as) != 1 || as[0].Link != link {
			t.Fatalf("the specialist: %d unread, %+v", c, as)
		}
		if _, as := unread(t, s, n.cur, opora.NotifyTaskAssignee); len(as) != 1 || as[0].TaskID != n.task.ID || as[0].Link != link {
			t.Fatalf("the curator: %+v", as)
		}
		if _, as := unread(t, s, n.gardenHead, opora.NotifyTaskAssignee); len(as) != 0 {
			t.Errorf("the head is told of her own assignment: %+v", as)
		}
		if k, err := s.ReadNotificationsOn(n.nannyCtx, "/agency/tasks/0", "/families/0"); err != nil || k != 0 {
			t.Errorf("pages no line opens: %d %v", k, err)
		}
		if k, err := s.ReadNotificationsOn(n.nannyCtx, link); err != nil || k != 1 {
			t.Errorf("the specialist opens the task: %d %v", k, err)
		}
		if c, _ := unread(t, s, n.nannyCtx, opora.NotifyTaskAssigned); c != 0 {
			t.Errorf("after the task's page: %d unread", c)
		}
		if _, as := unread(t, s, n.cur, opora.NotifyTaskAssignee); len(as) != 1 || !as[0].Unread() {
			t.Errorf("the curator's line was read by the specialist's look: %+v", as)
		}
	})
}
