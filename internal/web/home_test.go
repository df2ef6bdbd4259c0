package web

import (
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The home page shows each role what to do next: a specialist their
// reminders due, overdue tasks and recent clients; a duty worker the open
// shift; an analyst the saved reports; with empty states in Russian.
func TestHomeShowsNextSteps(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		clock(a, time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC))
		st, ctx := a.st, fx.Ctx()
		anna, _ := fx.AddUser(t, "anna", "specialist")
		boris, _ := fx.AddUser(t, "boris", "specialist")
		duty, dutyCtx := fx.AddUser(t, "duty", "duty")
		analyst, analystCtx := fx.AddUser(t, "analyst", "analyst")
		for _, u := range []*opora.User{anna, boris, duty, analyst} {
			setPassword(t, st, u.ID, fx.Org.ID)
		}
		day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
		c := &opora.Client{Surname: "Сидоров", FirstName: "Олег", BranchID: fx.Branch.ID}
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		for _, m := range []*opora.Reminder{
			{ClientID: c.ID, DueOn: opora.DateOf(day("2026-04-09")), Body: "Позвонить в МФЦ", RecipientIDs: []int64{anna.ID}},
			{ClientID: c.ID, DueOn: opora.DateOf(day("2026-04-20")), Body: "Потом", RecipientIDs: []int64{anna.ID}},
		} {
			if err := st.CreateReminder(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		caseTypes, err := st.CaseDictionary(ctx, opora.DictCaseType, false)
		if err != nil || len(caseTypes) == 0 {
			t.Fatal(err)
		}
		taskTypes, err := st.CaseDictionary(ctx, opora.DictTaskType, false)
		if err != nil || len(taskTypes) == 0 {
			t.Fatal(err)
		}
		k := &opora.Case{ClientID: c.ID, TypeID: caseTypes[0].ID, CuratorID: anna.ID, OpenedOn: opora.DateOf(day("2026-03-01"))}
		if err := st.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		for _, task := range []*opora.Task{
			{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Восстановить паспорт", ResponsibleID: anna.ID,
				StartOn: opora.DateOf(day("2026-03-01")), DueOn: opora.DateOf(day("2026-04-01"))},
			{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Записать к врачу", ResponsibleID: anna.ID,
				StartOn: opora.DateOf(day("2026-03-01")), DueOn: opora.DateOf(day("2026-05-01"))},
		} {
			if err := st.AddTask(ctx, task); err != nil {
				t.Fatal(err)
			}
		}
		// Anna: her reminder due, her overdue task, the client she opened;
		// not the reminder and the task still ahead.
		ca := a.login(t, "anna", testPassword)
		if res := ca.get("/clients/" + idString(c.ID)); res.Status != 200 {
			t.Fatalf("profile: %d", res.Status)
		}
		home := ca.get("/").Body
		mustContain(t, home, "Напоминания на сегодня", "Позвонить в МФЦ", "Просроченные задачи", "Восстановить паспорт",
			`href="/clients/`+idString(c.ID)+`">Сидоров Олег</a>`, "Недавние клиенты", `href="/tasks/`)
		for _, no := range []string{"Потом", "Записать к врачу"} {
			if strings.Contains(home, no) {
				t.Errorf("anna's home shows %q", no)
			}
		}
		// Boris has nothing to do yet.
		mustContain(t, a.login(t, "boris", testPassword).get("/").Body, "На сегодня напоминаний нет.", "Просроченных задач нет.",
			"Вы ещё не открывали карточки клиентов.", "Открытых смен сейчас нет.")
		// The duty worker: no client lists, the open shift to join.
		cd := a.login(t, "duty", testPassword)
		home = cd.get("/").Body
		mustContain(t, home, "Открытых смен сейчас нет.", `href="/checkin"`)
		p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointNightBus, Name: "Ночной автобус"}
		if err := st.SaveCheckinPoint(ctx, p, []string{"Еда"}); err != nil {
			t.Fatal(err)
		}
		sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, sh); err != nil {
			t.Fatal(err)
		}
		home = cd.get("/").Body
		mustContain(t, home, "Открытые смены", `href="/checkin/`+idString(sh.ID)+`">Ночной автобус</a>`)
		for _, no := range []string{"Напоминания на сегодня", "Сидоров", "Просроченные задачи"} {
			if strings.Contains(home, no) {
				t.Errorf("duty's home shows %q", no)
			}
		}
		// The analyst: saved reports, nothing of clients.
		cn := a.login(t, "analyst", testPassword)
		mustContain(t, cn.get("/").Body, "Сохранённых отчётов пока нет.")
		rep := &opora.SavedReport{Name: "Клиенты по месяцам", Query: "subject=clients&measure=count"}
		if err := st.SaveReport(analystCtx, rep); err != nil {
			t.Fatal(err)
		}
		home = cn.get("/").Body
		mustContain(t, home, `href="/reports/saved/`+idString(rep.ID)+`">Клиенты по месяцам</a>`)
		if strings.Contains(home, "Напоминания на сегодня") || strings.Contains(home, "Сидоров") {
			t.Errorf("the analyst's home shows client data")
		}
	})
}
