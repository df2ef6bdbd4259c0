package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// kindergartenNet is a curated family with a task given to the
// kindergarten (head, two specialists) and another to the school.
type kindergartenNet struct {
	*familyNet
	fam                *opora.Family
	cur                context.Context
	garden             *storetest.Fixture
	gardenHead         context.Context
	nanny, other       *opora.User
	nannyCtx, otherCtx context.Context
	schoolHead         context.Context
	task, schoolTask   *opora.Task
	types              []store.DictItem
	police             context.Context
}

func newKindergartenNet(t *testing.T, s *store.Store) *kindergartenNet {
	t.Helper()
	n := &kindergartenNet{familyNet: newFamilyNet(t, s)}
	n.fam, n.cur = curatedFamily(t, s, n.familyNet)
	n.garden = storetest.AddAgency(t, s, n.net.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
	_, n.gardenHead = n.garden.AddUser(t, "garden-head", "agency_head")
	n.nanny, n.nannyCtx = n.garden.AddUser(t, "garden-spec", "agency_specialist")
	n.other, n.otherCtx = n.garden.AddUser(t, "garden-spec2", "agency_specialist")
	_, n.schoolHead = n.school.AddUser(t, "school-head", "agency_head")
	police := storetest.AddAgency(t, s, n.net.Ctx(), "ПДН ОМВД", opora.OrgPolice)
	_, n.police = police.AddUser(t, "pdn-head", "agency_head")
	var err error
	if n.types, err = s.CaseDictionary(n.cur, opora.DictTaskType, false); err != nil || len(n.types) == 0 {
		t.Fatalf("task types: %v", err)
	}
	n.task = &opora.Task{TypeID: n.types[0].ID, Description: "Место в детском саду для Анны", ResponsibleOrg: n.garden.Org.ID,
		DueOn: s.Today().AddDays(10)}
	if err := s.AddFamilyTask(n.cur, n.fam.ID, n.task); err != nil {
		t.Fatal(err)
	}
	n.schoolTask = &opora.Task{TypeID: n.types[0].ID, Description: "План посещаемости для Петра", ResponsibleOrg: n.school.Org.ID,
		DueOn: s.Today().AddDays(20)}
	if err := s.AddFamilyTask(n.cur, n.fam.ID, n.schoolTask); err != nil {
		t.Fatal(err)
	}
	return n
}

func taskEvents(t *testing.T, s *store.Store, familyID int64) int {
	t.Helper()
	var c int
	if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM family_events WHERE family_id = $1 AND kind = 'task'`,
		familyID).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func taskAudits(t *testing.T, s *store.Store, taskID int64) int {
	t.Helper()
	var c int
	if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'task' AND entity_id = $1
		AND action = 'update'`, taskID).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func agencyTask(t *testing.T, s *store.Store, ctx context.Context, id int64) *opora.Task {
	t.Helper()
	got, err := s.AgencyTask(ctx, id)
	if err != nil {
		t.Fatalf("agency task %d: %v", id, err)
	}
	return got
}

// The kindergarten's head sees the new task on the board, gives it to a
// specialist, who finds it among "my tasks", accepts it, starts it and
// marks it done with a report and a document; every move is one audit row
// and one line on the family's timeline, and the curator reads the report.
// The school, working on the same family, sees the status but not the report.
func TestAgencyTaskMoves(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newKindergartenNet(t, s)
		board, err := s.AgencyTasks(n.gardenHead, store.AgencyTaskFilter{})
		if err != nil || len(board) != 1 || board[0].ID != n.task.ID || board[0].Status != opora.TaskPlanned ||
			board[0].FamilyName != "Иванова, Иванов" {
			t.Fatalf("the kindergarten's board: %v %+v", err, board)
		}
		if mine, err := s.AgencyTasks(n.nannyCtx, store.AgencyTaskFilter{AssigneeID: n.nanny.ID}); err != nil || len(mine) != 0 {
			t.Fatalf("my tasks before assigning: %v %d", err, len(mine))
		}
		// Only the head assigns, and only to the agency's own workers.
		if err := s.AssignTask(n.nannyCtx, n.task.ID, 0, n.nanny.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a specialist assigns: %v", err)
		}
		if err := s.AssignTask(n.schoolHead, n.task.ID, 0, n.nanny.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the school's head assigns the kindergarten's task: %v", err)
		}
		if fe := opora.FieldErrors(s.AssignTask(n.gardenHead, n.task.ID, 0, n.curatorA.ID)); fe["assignee_id"] != "error.invalid_choice" {
			t.Errorf("assigned to another organisation's worker: %v", fe)
		}
		events := taskEvents(t, s, n.fam.ID)
		if err := s.AssignTask(n.gardenHead, n.task.ID, 1, n.nanny.ID); err != nil {
			t.Fatal(err)
		}
		mine, err := s.AgencyTasks(n.nannyCtx, store.AgencyTaskFilter{AssigneeID: n.nanny.ID})
		if err != nil || len(mine) != 1 || mine[0].AssigneeName != n.nanny.FullName {
			t.Fatalf("my tasks: %v %+v", err, mine)
		}
		// The other specialist sees the agency's task but may not move it.
		if got := agencyTask(t, s, n.otherCtx, n.task.ID); store.MayActOnTask(opora.ActorFrom(n.otherCtx), got) {
			t.Errorf("a specialist who is not the assignee may act")
		}
		if err := s.AcceptTask(n.otherCtx, n.task.ID, 0); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("another specialist accepts: %v", err)
		}
		v := agencyTask(t, s, n.nannyCtx, n.task.ID).Version
		if err := s.AcceptTask(n.nannyCtx, n.task.ID, v); err != nil {
			t.Fatal(err)
		}
		if err := s.AcceptTask(n.nannyCtx, n.task.ID, 0); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("accepted twice: %v", err)
		}
		if err := s.StartTask(n.nannyCtx, n.task.ID, v+1); err != nil {
			t.Fatal(err)
		}
		got := agencyTask(t, s, n.nannyCtx, n.task.ID)
		if got.Status != opora.TaskInProgress {
			t.Fatalf("status %s", got.Status)
		}
		today := s.Today()
		for _, c := range []struct {
			r     opora.TaskReport
			field string
			key   string
		}{
			{opora.TaskReport{Text: "  ", DoneOn: today}, "report", "error.required"},
			{opora.TaskReport{Text: "Место выделено", DoneOn: today.AddDays(1)}, "done_on", "error.date_future"},
			{opora.TaskReport{Text: "Место выделено"}, "done_on", "error.date"},
		} {
			if fe := opora.FieldErrors(s.CompleteTask(n.nannyCtx, n.task.ID, got.Version, c.r, nil)); fe[c.field] != c.key {
				t.Errorf("done %+v: %v", c.r, fe)
			}
		}
		file := &opora.File{Name: "направление.pdf", MIME: "application/pdf", Size: 10, SHA256: "x", StorageKey: "1/2026/task-report-test"}
		if err := s.CompleteTask(n.nannyCtx, n.task.ID, got.Version, opora.TaskReport{Text: "Место в группе «Солнышко» выделено",
			DoneOn: today}, file); err != nil {
			t.Fatal(err)
		}
		if got := taskEvents(t, s, n.fam.ID); got != events+4 {
			t.Errorf("timeline lines: %d, want %d (assign, accept, start, done)", got, events+4)
		}
		if got := taskAudits(t, s, n.task.ID); got != 4 {
			t.Errorf("audit rows: %d, want 4", got)
		}
		for who, ctx := range map[string]context.Context{"curator": n.cur, "КДН": n.secretary, "kindergarten": n.gardenHead} {
			got := agencyTask(t, s, ctx, n.task.ID)
			if got.Status != opora.TaskDone || got.Report != "Место в группе «Солнышко» выделено" || got.DoneOn != today ||
				got.ReportFileID != file.ID || !got.Insider {
				t.Errorf("%s reads %+v", who, got)
			}
			if f, err := s.TaskReportFile(ctx, n.task.ID); err != nil || f.Name != "направление.pdf" {
				t.Errorf("%s downloads the report's document: %v", who, err)
			}
		}
		// The school sees who, what, due and status, not the report.
		tasks, err := s.FamilyTasks(n.schoolHead, n.fam.ID)
		if err != nil || len(tasks) != 2 {
			t.Fatalf("the school's view of the family's tasks: %v %d", err, len(tasks))
		}
		for _, x := range tasks {
			if x.ID == n.task.ID && (x.Status != opora.TaskDone || x.Report != "" || x.ReportFileID != 0 || x.Insider ||
				x.Responsible != "Детский сад № 12") {
				t.Errorf("the school reads the kindergarten's task as %+v", x)
			}
		}
		if _, err := s.TaskReportFile(n.schoolHead, n.task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the school downloads the report's document: %v", err)
		}
		// A done task moves no more.
		if err := s.ReturnTask(n.nannyCtx, n.task.ID, 0, opora.TaskReturn{Reason: opora.ReturnRefused}); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("a done task returned: %v", err)
		}
	})
}

// Returning needs a reason, and "cannot by the deadline" a new date not in
// the past; the curator and the КДН see the task but do not move it; two
// people moving the same task at once: the second gets 409 and nothing of
// the first is lost.
func TestAgencyTaskReturnAndConflicts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newKindergartenNet(t, s)
		today := s.Today()
		for _, c := range []struct {
			r          opora.TaskReturn
			field, key string
		}{
			{opora.TaskReturn{Comment: "нет мест"}, "return_reason", "tasks.error.return_reason"},
			{opora.TaskReturn{Reason: "whatever"}, "return_reason", "tasks.error.return_reason"},
			{opora.TaskReturn{Reason: opora.ReturnLate}, "proposed_due_on", "tasks.error.proposed_due_required"},
			{opora.TaskReturn{Reason: opora.ReturnLate, ProposedDueOn: today.AddDays(-1)}, "proposed_due_on", "tasks.error.due_in_past"},
		} {
			if fe := opora.FieldErrors(s.ReturnTask(n.gardenHead, n.task.ID, 1, c.r)); fe[c.field] != c.key {
				t.Errorf("return %+v: %v", c.r, fe)
			}
		}
		for who, ctx := range map[string]context.Context{"curator": n.cur, "КДН": n.secretary, "school": n.schoolHead} {
			if err := s.AcceptTask(ctx, n.task.ID, 0); !errors.Is(err, opora.ErrForbidden) {
				t.Errorf("%s accepts the kindergarten's task: %v", who, err)
			}
			if err := s.SetTaskStatus(ctx, n.task.ID, opora.TaskDone, ""); err == nil {
				t.Errorf("%s marks the kindergarten's task done through the case's task page", who)
			}
		}
		// The head and the assignee both open version 2 (after assigning).
		if err := s.AssignTask(n.gardenHead, n.task.ID, 1, n.nanny.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.AssignTask(n.gardenHead, n.task.ID, 1, n.other.ID); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("a stale assign: %v", err)
		}
		if err := s.StartTask(n.nannyCtx, n.task.ID, 2); err != nil {
			t.Fatal(err)
		}
		late := opora.TaskReturn{Reason: opora.ReturnLate, Comment: "Место освободится в сентябре", ProposedDueOn: today.AddDays(60)}
		if err := s.ReturnTask(n.gardenHead, n.task.ID, 2, late); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Fatalf("a stale return: %v", err)
		}
		got := agencyTask(t, s, n.cur, n.task.ID)
		if got.Status != opora.TaskInProgress || got.AssigneeID != n.nanny.ID || got.Version != 3 {
			t.Fatalf("after the conflict: %+v", got)
		}
		if err := s.ReturnTask(n.gardenHead, n.task.ID, 3, late); err != nil {
			t.Fatal(err)
		}
		got = agencyTask(t, s, n.cur, n.task.ID)
		if got.Status != opora.TaskReturned || got.ReturnReason != opora.ReturnLate || got.ProposedDueOn != late.ProposedDueOn ||
			got.ReturnComment != late.Comment {
			t.Errorf("returned: %+v", got)
		}
		if got := agencyTask(t, s, n.schoolHead, n.task.ID); got.ReturnReason != opora.ReturnLate || got.ReturnComment != "" {
			t.Errorf("the school reads the return as %q %q", got.ReturnReason, got.ReturnComment)
		}
		// The past deadline is refused when the task is given.
		if fe := opora.FieldErrors(s.AddFamilyTask(n.cur, n.fam.ID, &opora.Task{TypeID: n.types[0].ID, ResponsibleOrg: n.garden.Org.ID,
			DueOn: today.AddDays(-3)})); fe["due_on"] != "tasks.error.due_in_past" {
			t.Errorf("a deadline in the past: %v", fe)
		}
	})
}

// The kindergarten with the task sees it and writes notes on it; the
// police, with no task of the family, get not found; the school, working
// on the same family, sees the task but not the kindergarten's notes —
// neither through the agency's page nor through the case's task page.
func TestAgencyTaskAccessAndComments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newKindergartenNet(t, s)
		if err := s.AddFamilyTaskComment(n.gardenHead, n.task.ID, "Заведующая обещала место к понедельнику"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTaskComment(n.cur, n.task.ID, "Мама согласна"); err != nil {
			t.Fatal(err)
		}
		for who, ctx := range map[string]context.Context{"kindergarten": n.gardenHead, "its specialist": n.nannyCtx,
			"curator": n.cur, "КДН": n.secretary} {
			cs, err := s.FamilyTaskComments(ctx, n.task.ID)
			if err != nil || len(cs) != 2 || cs[0].Body != "Заведующая обещала место к понедельнику" {
				t.Errorf("%s reads comments: %v %d", who, err, len(cs))
			}
		}
		// The police: nothing at all.
		if _, err := s.AgencyTask(n.police, n.task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the police read the task: %v", err)
		}
		if b, err := s.AgencyTasks(n.police, store.AgencyTaskFilter{}); err != nil || len(b) != 0 {
			t.Errorf("the police's board: %v %d", err, len(b))
		}
		if err := s.AcceptTask(n.police, n.task.ID, 0); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the police accept: %v", err)
		}
		// The school: the task, not its notes.
		if got := agencyTask(t, s, n.schoolHead, n.task.ID); got.Insider || got.Status != opora.TaskPlanned {
			t.Errorf("the school reads %+v", got)
		}
		if cs, err := s.FamilyTaskComments(n.schoolHead, n.task.ID); err != nil || len(cs) != 0 {
			t.Errorf("the school reads the kindergarten's notes: %v %d", err, len(cs))
		}
		if cs, err := s.TaskComments(n.schoolHead, n.task.ID); err != nil || len(cs) != 0 {
			t.Errorf("the school reads the notes on the case's task page: %v %d", err, len(cs))
		}
		if err := s.AddFamilyTaskComment(n.schoolHead, n.task.ID, "Мы тоже"); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the school comments: %v", err)
		}
		if err := s.AddTaskComment(n.schoolHead, n.task.ID, "Мы тоже"); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the school comments on the case's task page: %v", err)
		}
		// The school's board holds its own task only.
		if b, err := s.AgencyTasks(n.schoolHead, store.AgencyTaskFilter{}); err != nil || len(b) != 1 || b[0].ID != n.schoolTask.ID {
			t.Errorf("the school's board: %v %+v", err, b)
		}
		// The notes stay off the family's timeline, which every agency reads.
		events, err := s.FamilyTimeline(n.cur, n.fam.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Summary != "" && (strings.Contains(e.Summary, "Заведующая") || strings.Contains(e.Summary, "Мама согласна")) {
				t.Errorf("a note on the timeline: %q", e.Summary)
			}
		}
	})
}

// The curator's view: at the first look nothing is "changed"; the
// kindergarten marks its task done; at the next look that task is changed
// and the school's is not; a look after that shows no change. Overdue
// tasks come first. The next step goes to the council's draft plan with
// the agency's type, or is refused at once where the procedure does not
// let the curator assign.
func TestCuratorViewChangesAndNextStep(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		clock := time.Now().UTC().Truncate(time.Second)
		s.Now = func() time.Time { return clock }
		tick := func() { clock = clock.Add(time.Minute) }
		n := newKindergartenNet(t, s)
		tick()
		v, err := s.ViewFamilyTasks(n.cur, n.fam.ID)
		if err != nil || len(v.Tasks) != 2 || v.Changed != 0 || !v.LastSeen.IsZero() {
			t.Fatalf("first look: %v %+v", err, v)
		}
		tick()
		if err := s.CompleteTask(n.gardenHead, n.task.ID, 0, opora.TaskReport{Text: "Место выделено", DoneOn: s.Today()}, nil); err != nil {
			t.Fatal(err)
		}
		tick()
		v, err = s.ViewFamilyTasks(n.cur, n.fam.ID)
		if err != nil || v.Changed != 1 || v.LastSeen.IsZero() {
			t.Fatalf("second look: %v %+v", err, v)
		}
		for _, x := range v.Tasks {
			if x.Changed != (x.ID == n.task.ID) {
				t.Errorf("task %q changed=%v", x.Description, x.Changed)
			}
		}
		// The КДН's own last look is its own.
		if v, err := s.ViewFamilyTasks(n.secretary, n.fam.ID); err != nil || v.Changed != 0 || !v.LastSeen.IsZero() {
			t.Errorf("the КДН's first look: %v %+v", err, v)
		}
		tick()
		if v, err = s.ViewFamilyTasks(n.cur, n.fam.ID); err != nil || v.Changed != 0 {
			t.Errorf("third look: %v %+v", err, v)
		}
		// Overdue first: the school's task, ten days later.
		clock = clock.AddDate(0, 0, 25)
		if v, err = s.ViewFamilyTasks(n.cur, n.fam.ID); err != nil || v.Tasks[0].ID != n.schoolTask.ID || !v.Tasks[0].Overdue(s.Today()) {
			t.Errorf("overdue first: %v %+v", err, v.Tasks[0])
		}
		// Another agency without a task of the family: not found.
		if _, err := s.ViewFamilyTasks(n.police, n.fam.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the police's view: %v", err)
		}

		done := agencyTask(t, s, n.cur, n.task.ID)
		step, may, err := s.ProposeNextStep(n.cur, done)
		// Not the kindergarten place again: the curator's accompaniment, by
		// the curator's own organisation.
		var support int64
		types, _ := s.CaseDictionary(n.cur, opora.DictTaskType, false)
		for _, it := range types {
			if it.Key == store.NextStepType {
				support = it.ID
			}
		}
		curOrg := opora.ActorFrom(n.cur).OrganisationID
		if err != nil || support == 0 || step.TypeID != support || step.TypeID == done.TypeID || step.OrgID != curOrg ||
			step.DueOn != s.Today().AddDays(14) {
			t.Fatalf("proposed next step: %v %+v", err, step)
		}
		if may {
			t.Fatalf("the procedure (a stub here) lets the curator assign")
		}
		step.What = "Подготовить Анну к детскому саду"
		step.AssignNow = true
		if _, err := s.AddNextStep(n.cur, step); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("assigned at once without the procedure's leave: %v", err)
		}
		step.AssignNow, step.DueOn = false, s.Today().AddDays(-1)
		if fe := opora.FieldErrors(func() error { _, err := s.AddNextStep(n.cur, step); return err }()); fe["due_on"] == "" {
			t.Errorf("a next step due in the past: %v", fe)
		}
		step.DueOn = s.Today().AddDays(14)
		if assigned, err := s.AddNextStep(n.cur, step); err != nil || assigned {
			t.Fatalf("next step to the council: %v %v", err, assigned)
		}
		plan, err := s.FamilyDraftPlan(n.cur, n.fam.ID)
		if err != nil || len(plan.Tasks) != 1 || plan.Tasks[0].What != "Подготовить Анну к детскому саду" ||
			plan.Tasks[0].ProposedAgencyType != opora.OrgSocialService {
			t.Errorf("the draft plan: %v %+v", err, plan)
		}
		if _, err := s.AddNextStep(n.nannyCtx, step); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the kindergarten's specialist adds the curator's next step: %v", err)
		}
	})
}
