package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

var caseNow = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func date(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// caseSetup fixes the clock and returns a client and the ids of a case
// type and the "restore a passport" template.
func caseSetup(t *testing.T, s *store.Store, fx *storetest.Fixture) (client *opora.Client, caseType, passportTpl int64) {
	t.Helper()
	s.Now = func() time.Time { return caseNow }
	ctx := fx.Ctx()
	client = &opora.Client{Surname: "Клиентов", FirstName: "Пётр", BranchID: fx.Branch.ID}
	if err := s.CreateClient(ctx, client); err != nil {
		t.Fatal(err)
	}
	types, err := s.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("case types: %v %v", types, err)
	}
	tpls, err := s.PlanTemplates(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tpls {
		if p.Name == "Восстановление паспорта" {
			passportTpl = p.ID
		}
	}
	if passportTpl == 0 || len(tpls) < 3 {
		t.Fatalf("seeded templates: %d", len(tpls))
	}
	return client, types[0].ID, passportTpl
}

func TestCaseFromTemplate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		client, caseType, tpl := caseSetup(t, s, fx)
		ctx := fx.Ctx()
		k := &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-03-01"))}
		if err := s.CreateCase(ctx, k, tpl); err != nil {
			t.Fatal(err)
		}
		tasks, err := s.CaseTasks(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			desc string
			due  string
		}{{"Фотографии на паспорт", "2026-03-13"}, {"Оплатить госпошлину", "2026-03-17"},
			{"Подать заявление в МВД", "2026-03-20"}, {"Получить паспорт", "2026-04-09"}}
		if len(tasks) != len(want) {
			t.Fatalf("%d tasks, want %d", len(tasks), len(want))
		}
		for i, w := range want {
			tk := tasks[i]
			if tk.Description != w.desc || !tk.DueOn.Equal(opora.DateOf(date(w.due))) || !tk.StartOn.Equal(opora.DateOf(date("2026-03-10"))) {
				t.Errorf("task %d: %q start %s due %s, want %q due %s", i, tk.Description, tk.StartOn, tk.DueOn, w.desc, w.due)
			}
			if tk.ResponsibleID != fx.Admin.ID || tk.Status != opora.TaskPlanned || tk.TypeLabel == "" {
				t.Errorf("task %d: responsible %d status %s type %q", i, tk.ResponsibleID, tk.Status, tk.TypeLabel)
			}
		}
		// Applying the template again adds the same steps after the first ones.
		if _, err := s.ApplyPlanTemplate(ctx, k.ID, tpl); err != nil {
			t.Fatal(err)
		}
		if tasks, _ = s.CaseTasks(ctx, k.ID); len(tasks) != 8 || tasks[7].Position != 8 {
			t.Errorf("after a second apply: %d tasks", len(tasks))
		}
		// A second open case for the same client is refused.
		err = s.CreateCase(ctx, &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-03-02"))}, 0)
		if opora.ErrorMessage(err) != "cases.error.already_open" {
			t.Errorf("second open case: %v", err)
		}
		cases, err := s.ClientCases(ctx, client.ID)
		if err != nil || len(cases) != 1 || cases[0].TasksTotal != 8 {
			t.Fatalf("client cases: %v %+v", err, cases)
		}
		// The timeline has the case and every task.
		ev, err := s.Timeline(ctx, client.ID, []string{opora.EventCase, opora.EventTask}, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != 9 {
			t.Errorf("%d case and task events, want 9", len(ev))
		}
	})
}

func TestCaseTaskChangesAndOverdue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		client, caseType, _ := caseSetup(t, s, fx)
		ctx := fx.Ctx()
		k := &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-01-05"))}
		if err := s.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		taskTypes, _ := s.CaseDictionary(ctx, opora.DictTaskType, false)
		// Bad input: due before start; start before the case opened; unknown type.
		bad := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, StartOn: opora.DateOf(date("2026-03-01")), DueOn: opora.DateOf(date("2026-02-01"))}
		if f := opora.FieldErrors(s.AddTask(ctx, bad)); f["due_on"] != "tasks.error.due_before_start" {
			t.Errorf("due before start: %v", f)
		}
		bad = &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, StartOn: opora.DateOf(date("2026-01-01"))}
		if f := opora.FieldErrors(s.AddTask(ctx, bad)); f["start_on"] == "" {
			t.Errorf("start before the case: %v", f)
		}
		bad = &opora.Task{CaseID: k.ID, TypeID: 999999, StartOn: opora.DateOf(date("2026-02-01"))}
		if f := opora.FieldErrors(s.AddTask(ctx, bad)); f["type_id"] == "" {
			t.Errorf("unknown type: %v", f)
		}
		late := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Справка", StartOn: opora.DateOf(date("2026-02-01")),
			DueOn: opora.DateOf(date("2026-03-09")), ResponsibleID: fx.Admin.ID}
		if err := s.AddTask(ctx, late); err != nil {
			t.Fatal(err)
		}
		onTime := &opora.Task{CaseID: k.ID, TypeID: taskTypes[1].ID, StartOn: opora.DateOf(date("2026-02-01")), DueOn: opora.DateOf(date("2026-03-10"))}
		if err := s.AddTask(ctx, onTime); err != nil {
			t.Fatal(err)
		}
		got, err := s.Case(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TasksOverdue != 1 || got.TasksTotal != 2 {
			t.Errorf("overdue %d of %d, want 1 of 2", got.TasksOverdue, got.TasksTotal)
		}
		if got.Light(opora.DateOf(caseNow)) != opora.LightGreen || got.Months(opora.DateOf(caseNow)) != 2 {
			t.Errorf("light %s, %d months", got.Light(opora.DateOf(caseNow)), got.Months(opora.DateOf(caseNow)))
		}
		if err := s.SetTaskStatus(ctx, late.ID, opora.TaskDone, ""); err != nil {
			t.Fatal(err)
		}
		tk, err := s.Task(ctx, late.ID)
		if err != nil || tk.Status != opora.TaskDone || !tk.DoneOn.Equal(opora.DateOf(date("2026-03-10"))) || tk.Overdue(opora.DateOf(caseNow)) {
			t.Fatalf("done task: %v %+v", err, tk)
		}
		if f := opora.FieldErrors(s.SetTaskStatus(ctx, onTime.ID, opora.TaskFailed, "")); f["fail_reason"] == "" {
			t.Errorf("failed without a reason: %v", f)
		}
		if err := s.AddTaskComment(ctx, onTime.ID, "Позвонил в МФЦ"); err != nil {
			t.Fatal(err)
		}
		ev, _ := s.Timeline(ctx, client.ID, []string{opora.EventTask}, 0, 10)
		// The status change keeps the codes, for the page to say in the
		// reader's language.
		if len(ev) != 4 || !strings.Contains(ev[1].Summary, "Справка") ||
			!slices.Contains(ev[1].Changes, opora.Change{Field: "status", Old: "planned", New: "done"}) {
			for _, e := range ev {
				t.Logf("event %s: %s %+v", e.Kind, e.Summary, e.Changes)
			}
			t.Errorf("task events on the timeline: %d", len(ev))
		}
		audit, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "task", EntityID: late.ID})
		if err != nil || len(audit) != 2 {
			t.Errorf("task audit rows: %v %d", err, len(audit))
		}
	})
}

func TestCloseCaseWithOpenTasks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		client, caseType, tpl := caseSetup(t, s, fx)
		ctx := fx.Ctx()
		k := &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-03-01"))}
		if err := s.CreateCase(ctx, k, tpl); err != nil {
			t.Fatal(err)
		}
		tasks, _ := s.CaseTasks(ctx, k.ID)
		if err := s.SetTaskStatus(ctx, tasks[0].ID, opora.TaskDone, ""); err != nil {
			t.Fatal(err)
		}
		// No outcome, an unknown outcome: refused.
		if f := opora.FieldErrors(s.CloseCase(ctx, k.ID, &opora.CaseClosing{OpenTasks: opora.OpenTasksCancel})); f["outcome"] == "" {
			t.Errorf("closing without an outcome: %v", f)
		}
		if f := opora.FieldErrors(s.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: "great", OpenTasks: opora.OpenTasksCancel})); f["outcome"] == "" {
			t.Errorf("unknown outcome: %v", f)
		}
		// Open tasks: the store asks what to do with them and changes nothing.
		err := s.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomePartlyNoShow})
		if f := opora.FieldErrors(err); f["open_tasks"] != "cases.error.open_tasks" {
			t.Fatalf("closing with open tasks: %v", err)
		}
		if got, _ := s.Case(ctx, k.ID); !got.Open() {
			t.Fatal("the case closed although tasks were open")
		}
		// Cancel them: the case closes and the open tasks become cancelled.
		if err := s.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomePartlyNoShow, OpenTasks: opora.OpenTasksCancel}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Case(ctx, k.ID)
		if got.Open() || got.Outcome != opora.OutcomePartlyNoShow || !got.ClosedOn.Equal(opora.DateOf(date("2026-03-10"))) {
			t.Errorf("closed case: %+v", got)
		}
		tasks, _ = s.CaseTasks(ctx, k.ID)
		if tasks[0].Status != opora.TaskDone {
			t.Errorf("the done task became %s", tasks[0].Status)
		}
		for _, tk := range tasks[1:] {
			if tk.Status != opora.TaskCancelled {
				t.Errorf("open task became %s, want cancelled", tk.Status)
			}
		}
		// A task on a closed case, a status change on it: refused.
		taskTypes, _ := s.CaseDictionary(ctx, opora.DictTaskType, false)
		err = s.AddTask(ctx, &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID})
		if opora.ErrorMessage(err) != "tasks.error.case_closed" {
			t.Errorf("task on a closed case: %v", err)
		}
		if err := s.SetTaskStatus(ctx, tasks[1].ID, opora.TaskDone, ""); opora.ErrorMessage(err) != "tasks.error.case_closed" {
			t.Errorf("status on a closed case: %v", err)
		}
		// A new case may be opened now; closing it with "fail" marks tasks failed.
		k2 := &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-03-10"))}
		if err := s.CreateCase(ctx, k2, tpl); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseCase(ctx, k2.ID, &opora.CaseClosing{Outcome: opora.OutcomeNotDoneRefused, OpenTasks: opora.OpenTasksFail,
			FailReason: "Отказался"}); err != nil {
			t.Fatal(err)
		}
		tasks, _ = s.CaseTasks(ctx, k2.ID)
		for _, tk := range tasks {
			if tk.Status != opora.TaskFailed || tk.FailReason != "Отказался" {
				t.Errorf("task %s %q, want failed", tk.Status, tk.FailReason)
			}
		}
	})
}

func TestCaseAccessAndOrganisationQueue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		client, caseType, _ := caseSetup(t, s, fx)
		ctx := fx.Ctx()
		other := storetest.AddOrg(t, s, ctx, "Центр занятости")
		worker, wctx := other.AddUser(t, "employment", "specialist")
		k := &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-03-01"))}
		if err := s.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		taskTypes, _ := s.CaseDictionary(ctx, opora.DictTaskType, false)
		queued := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Подобрать вакансию",
			ResponsibleOrg: other.Org.ID, DueOn: opora.DateOf(date("2026-03-20"))}
		if err := s.AddTask(ctx, queued); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTask(ctx, &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Своя",
			ResponsibleID: fx.Admin.ID}); err != nil {
			t.Fatal(err)
		}
		// The other organisation does not see the case or the client.
		if _, err := s.Case(wctx, k.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other organisation reads the case: %v", err)
		}
		if _, err := s.CaseTasks(wctx, k.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other organisation lists the plan: %v", err)
		}
		// …but sees the task in its queue, with the client's name only.
		board, err := s.MyTasks(wctx, store.TaskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(board) != 1 || board[0].ID != queued.ID || board[0].InScope || board[0].ClientName != "Клиентов Пётр" {
			t.Fatalf("the queue of the other organisation: %+v", board)
		}
		if err := s.SetTaskStatus(wctx, queued.ID, opora.TaskInProgress, ""); err != nil {
			t.Fatalf("responsible organisation changes the status: %v", err)
		}
		if err := s.AddTaskComment(wctx, queued.ID, "Есть вакансия повара"); err != nil {
			t.Fatal(err)
		}
		// It may not edit the task itself.
		tk, _ := s.Task(wctx, queued.ID)
		tk.DueOn = opora.DateOf(date("2026-12-01"))
		if err := s.UpdateTask(wctx, tk); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("responsible organisation edits the task: %v", err)
		}
		// My own board: the administrator's own task.
		mine, err := s.MyTasks(ctx, store.TaskFilter{Queue: store.QueueMine})
		if err != nil || len(mine) != 1 || !mine[0].InScope {
			t.Errorf("my tasks: %v %d", err, len(mine))
		}
		// A third organisation reaches nothing.
		third := storetest.AddOrg(t, s, ctx, "Школа")
		_, tctx := third.AddUser(t, "teacher", "specialist")
		if _, err := s.Task(tctx, queued.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("third organisation reads the task: %v", err)
		}
		if err := s.SetTaskStatus(tctx, queued.ID, opora.TaskDone, ""); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("third organisation changes the task: %v", err)
		}
		ev, _ := s.Timeline(ctx, client.ID, []string{opora.EventTask}, 0, 10)
		if len(ev) != 4 || ev[0].OrganisationID != fx.Org.ID {
			t.Errorf("task events: %d", len(ev))
		}
		// The history names the partner agency's worker who commented.
		if len(ev) > 0 && (ev[0].UserID != worker.ID || ev[0].UserName != worker.FullName) {
			t.Errorf("the newest task event is by %d %q, want the partner's worker %q", ev[0].UserID, ev[0].UserName, worker.FullName)
		}
		_ = context.Background
	})
}
