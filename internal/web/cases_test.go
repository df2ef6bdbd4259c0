package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

var casesNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// caseFixture fixes the clock and makes a client; it returns the client, a
// case type and the "restore a passport" template and a task type.
func caseFixture(t *testing.T, a *app, fx *storetest.Fixture) (c *opora.Client, caseType, tpl, taskType int64) {
	t.Helper()
	a.st.Now = func() time.Time { return casesNow }
	ctx := fx.Ctx()
	c = &opora.Client{Surname: "Смирнов", FirstName: "Алексей", BranchID: fx.Branch.ID}
	if err := a.st.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	ct, err := a.st.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := a.st.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		t.Fatal(err)
	}
	tpls, err := a.st.PlanTemplates(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tpls {
		if p.Name == "Восстановление паспорта" {
			tpl = p.ID
		}
	}
	return c, ct[0].ID, tpl, tt[0].ID
}

func TestCasePlanHTTP(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, caseType, tpl, taskType := caseFixture(t, a, fx)
		cl := a.login(t, "admin", testPassword)
		cid := idString(c.ID)

		res := cl.get("/clients/" + cid)
		mustContain(t, res.Body, "Открытого сопровождения нет", "/clients/"+cid+"/cases")

		// Open a case from the passport template.
		res = cl.post("/clients/"+cid+"/cases", url.Values{"type_id": {idString(caseType)}, "curator_id": {idString(fx.Admin.ID)},
			"opened_on": {"2026-01-05"}, "template_id": {idString(tpl)}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/cases/") {
			t.Fatalf("open case: %d %s", res.Status, res.Body)
		}
		casePath := res.Location
		res = cl.get(casePath)
		mustContain(t, res.Body, "Фотографии на паспорт", "13.03.2026", "Получить паспорт", "09.04.2026", "2 месяца")

		// A second open case is refused with a message.
		res = cl.post("/clients/"+cid+"/cases", url.Values{"type_id": {idString(caseType)}, "curator_id": {idString(fx.Admin.ID)},
			"opened_on": {"2026-03-01"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("second case: %d", res.Status)
		}

		// Bad input: due before the start; the typed values stay.
		res = cl.post(casePath+"/tasks", url.Values{"type_id": {idString(taskType)}, "description": {"Справка об освобождении"},
			"start_on": {"2026-02-10"}, "due_on": {"2026-02-01"}, "responsible": {"u:" + idString(fx.Admin.ID)}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("due before start: %d", res.Status)
		}
		mustContain(t, res.Body, "Срок раньше даты начала.", `value="Справка об освобождении"`)

		// An overdue task is highlighted.
		res = cl.post(casePath+"/tasks", url.Values{"type_id": {idString(taskType)}, "description": {"Справка об освобождении"},
			"start_on": {"2026-01-10"}, "due_on": {"2026-02-01"}, "responsible": {"u:" + idString(fx.Admin.ID)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("add task: %d %s", res.Status, res.Body)
		}
		res = cl.get(casePath)
		mustContain(t, res.Body, `task-row overdue`, "Просрочена")
		if strings.Count(res.Body, "task-row overdue") != 1 {
			t.Errorf("%d overdue rows, want 1", strings.Count(res.Body, "task-row overdue"))
		}
		res = cl.get("/clients/" + cid)
		mustContain(t, res.Body, "Ресоциализация", "0 / 5", "Просрочено")

		// Mark it done: the timeline shows the change.
		k, err := a.st.ClientCases(fx.Ctx(), c.ID)
		if err != nil || len(k) != 1 {
			t.Fatal(err)
		}
		tasks, _ := a.st.CaseTasks(fx.Ctx(), k[0].ID)
		late := tasks[len(tasks)-1]
		res = cl.post("/tasks/"+idString(late.ID)+"/status", url.Values{"status": {"done"}, "back": {casePath}})
		if res.Status != http.StatusSeeOther || res.Location != casePath {
			t.Fatalf("mark done: %d %s", res.Status, res.Location)
		}
		res = cl.get("/clients/" + cid + "/timeline?kind=task")
		mustContain(t, res.Body, "Справка об освобождении", "Задача плана", "Статус: Запланирована → Выполнена",
			"Дата выполнения: — → 10.03.2026")

		// Closing with open tasks asks what to do with them; nothing changes.
		res = cl.post(casePath+"/close", url.Values{"outcome": {"partly_no_show"}, "closed_on": {"2026-03-10"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("close with open tasks: %d", res.Status)
		}
		mustContain(t, res.Body, "В плане есть незавершённые задачи", "Отменить незавершённые задачи", "Фотографии на паспорт")
		// Without an outcome: refused.
		res = cl.post(casePath+"/close", url.Values{"closed_on": {"2026-03-10"}, "open_tasks": {"cancel"}})
		mustContain(t, res.Body, "Укажите результат сопровождения.")
		res = cl.post(casePath+"/close", url.Values{"outcome": {"partly_no_show"}, "closed_on": {"2026-03-10"}, "open_tasks": {"cancel"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("close: %d %s", res.Status, res.Body)
		}
		res = cl.get(casePath)
		mustContain(t, res.Body, "Закрыто", "Выполнено частично — клиент не явился", "Отменена")
		// A task on a closed case is refused.
		res = cl.post(casePath+"/tasks", url.Values{"type_id": {idString(taskType)}, "start_on": {"2026-03-10"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("task on a closed case: %d", res.Status)
		}

		// The printable plan carries the organisation's details and is audit-logged.
		org := fx.Org
		org.INN, org.Address, org.Head = "7801234567", "Санкт-Петербург, Боровая ул., 112Б", "Директор Иванова"
		if err := a.st.UpdateOrganisation(fx.Ctx(), org); err != nil {
			t.Fatal(err)
		}
		res = cl.get(casePath + "/print")
		mustContain(t, res.Body, "Ночлежка", "7801234567", "Боровая", "Директор Иванова", "Смирнов Алексей", "Подпись куратора",
			"Фотографии на паспорт", "/static/print.js")
		audit, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionPrint, Entity: "client", EntityID: c.ID})
		if err != nil || len(audit) != 1 || audit[0].Section != "plan" {
			t.Errorf("print audit: %v %+v", err, audit)
		}
	})
}

func TestTaskBoardAndOtherOrganisation(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, caseType, _, taskType := caseFixture(t, a, fx)
		ctx := fx.Ctx()
		k := &opora.Case{ClientID: c.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(casesNow.AddDate(0, -1, 0))}
		if err := a.st.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		other := storetest.AddOrg(t, a.st, ctx, "Центр занятости")
		worker, _ := other.AddUser(t, "employment", "specialist")
		setPassword(t, a.st, worker.ID, other.Org.ID)
		mine := &opora.Task{CaseID: k.ID, TypeID: taskType, Description: "Позвонить в МФЦ", ResponsibleID: fx.Admin.ID,
			StartOn: opora.DateOf(casesNow.AddDate(0, 0, -20)), DueOn: opora.DateOf(casesNow.AddDate(0, 0, -1))}
		queued := &opora.Task{CaseID: k.ID, TypeID: taskType, Description: "Подобрать вакансию", ResponsibleOrg: other.Org.ID,
			DueOn: opora.DateOf(casesNow.AddDate(0, 1, 0))}
		for _, tk := range []*opora.Task{mine, queued} {
			if err := a.st.AddTask(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		cl := a.login(t, "admin", testPassword)
		res := cl.get("/tasks")
		mustContain(t, res.Body, "Просроченные", "Позвонить в МФЦ", "/clients/"+idString(c.ID))
		if strings.Contains(res.Body, "Подобрать вакансию") {
			t.Error("another organisation's queue shows on my board")
		}

		w := a.login(t, "employment", testPassword)
		res = w.get("/tasks")
		mustContain(t, res.Body, "Подобрать вакансию", "Смирнов Алексей")
		if strings.Contains(res.Body, "/clients/"+idString(c.ID)) || strings.Contains(res.Body, "Позвонить в МФЦ") {
			t.Error("the other organisation sees more than its task and the client's name")
		}
		// The case and the client stay closed to it.
		if res := w.get("/cases/" + idString(k.ID)); res.Status != http.StatusNotFound {
			t.Errorf("other organisation opens the case: %d", res.Status)
		}
		if res := w.get("/clients/" + idString(c.ID)); res.Status != http.StatusNotFound {
			t.Errorf("other organisation opens the client: %d", res.Status)
		}
		if res := w.get("/tasks/" + idString(mine.ID)); res.Status != http.StatusNotFound {
			t.Errorf("other organisation opens a task not its own: %d", res.Status)
		}
		// Its task page works, and it can report progress.
		res = w.get("/tasks/" + idString(queued.ID))
		mustContain(t, res.Body, "Подобрать вакансию", "Смирнов Алексей")
		res = w.post("/tasks/"+idString(queued.ID)+"/comments", url.Values{"body": {"Есть вакансия помощника повара"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("comment: %d", res.Status)
		}
		res = w.post("/tasks/"+idString(queued.ID)+"/status", url.Values{"status": {"done"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("status: %d %s", res.Status, res.Body)
		}
		// The curator sees it on the client's timeline.
		res = cl.get("/clients/" + idString(c.ID) + "/timeline")
		mustContain(t, res.Body, "Есть вакансия помощника повара", "Подобрать вакансию</div>", "Статус: Запланирована → Выполнена")
	})
}

func TestPlanTemplatesAdmin(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		_, _, _, taskType := caseFixture(t, a, fx)
		cl := a.login(t, "admin", testPassword)
		res := cl.get("/admin/plan-templates")
		mustContain(t, res.Body, "Восстановление паспорта", "Паспорт РФ из паспорта СССР", "Обучение на помощника повара", "400 дней")
		// No tasks: refused, the name stays.
		res = cl.post("/admin/plan-templates/new", url.Values{"name": {"Пенсия"}, "item_type": {""}, "item_description": {""}, "item_days": {""}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("template without tasks: %d", res.Status)
		}
		mustContain(t, res.Body, "Добавьте хотя бы одну задачу.", `value="Пенсия"`)
		res = cl.post("/admin/plan-templates/new", url.Values{"name": {"Пенсия"},
			"item_type": {idString(taskType), ""}, "item_description": {"Запрос стажа", ""}, "item_days": {"45", ""}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create template: %d %s", res.Status, res.Body)
		}
		res = cl.get("/admin/plan-templates")
		mustContain(t, res.Body, "Пенсия", "Запрос стажа", "45 дней")
		// A specialist may not manage templates.
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		if res := a.login(t, "worker", testPassword).get("/admin/plan-templates"); res.Status != http.StatusForbidden {
			t.Errorf("specialist: %d", res.Status)
		}
	})
}

// TestBrowserCaseFromTemplate opens a case for a client from the "restore a
// passport" template, marks a task done and finds it on the timeline.
// (Recording services belongs to the services feature's browser test.)
func TestBrowserCaseFromTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		bctx := browser(t)
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		setPassword(t, st, fx.Admin.ID, fx.Org.ID)
		a := newApp(t, st)
		c, caseType, tpl, _ := caseFixture(t, a, fx)
		base := a.srv.URL
		err := chromedp.Do(bctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(base+"/clients/"+idString(c.ID)),
			chromedp.WaitVisible(`.case-panel`),
			chromedp.Click(`.case-panel a.btn`),
			chromedp.WaitVisible(`#f-type_id`),
			chromedp.SetValue(`#f-type_id`, idString(caseType)),
			chromedp.SetValue(`#f-template_id`, idString(tpl)),
			chromedp.Submit(`#f-type_id`),
			chromedp.WaitVisible(`#plan table`),
		)
		if err != nil {
			t.Fatalf("open a case: %v", err)
		}
		plan := text(t, bctx, `#plan table`)
		for _, w := range []string{"Фотографии на паспорт", "Оплатить госпошлину", "Подать заявление в МВД", "Получить паспорт"} {
			if !strings.Contains(plan, w) {
				t.Errorf("the plan does not show %q: %s", w, plan)
			}
		}
		err = chromedp.Do(bctx,
			chromedp.Submit(`#plan button.mark-done`),
			chromedp.WaitVisible(`.flash-ok`),
			chromedp.Navigate(base+"/clients/"+idString(c.ID)+"/timeline"),
			chromedp.WaitVisible(`ul.events`),
		)
		if err != nil {
			t.Fatalf("mark done: %v", err)
		}
		timeline := text(t, bctx, `ul.events`)
		if !strings.Contains(timeline, "Фотографии на паспорт\n") ||
			!strings.Contains(timeline, "Planned → Done") && !strings.Contains(timeline, "Запланирована → Выполнена") {
			t.Errorf("the timeline does not show the done task: %s", timeline)
		}
		done, err := a.st.MyTasks(opora.WithActor(context.Background(), fx.Actor), store.TaskFilter{Statuses: []opora.TaskStatus{opora.TaskDone}})
		if err != nil || len(done) != 1 {
			t.Errorf("done tasks: %v %d", err, len(done))
		}
		// Three services at once from the profile: two goods and a fare with its amount.
		types, err := a.st.ServiceTypes(fx.Ctx(), true)
		if err != nil {
			t.Fatal(err)
		}
		var picked []*opora.ServiceType
		var fare *opora.ServiceType
		for _, ty := range types {
			switch {
			case ty.HasAmount && fare == nil:
				fare = ty
			case !ty.HasAmount && !ty.HasQuantity && !ty.CommentRequired && len(picked) < 2:
				picked = append(picked, ty)
			}
		}
		if len(picked) < 2 || fare == nil {
			t.Fatalf("seeded service types: %d, fare %v", len(picked), fare)
		}
		err = chromedp.Do(bctx,
			chromedp.Navigate(base+"/clients/"+idString(c.ID)),
			chromedp.WaitVisible(`form.services-form`),
			chromedp.Click(`#svc-`+idString(picked[0].ID)),
			chromedp.Click(`#svc-`+idString(picked[1].ID)),
			chromedp.Click(`#svc-`+idString(fare.ID)),
			chromedp.WaitVisible(`#f-amount_`+idString(fare.ID)),
			chromedp.SendKeys(`#f-amount_`+idString(fare.ID), "150,50"),
			removeFlash(),
			chromedp.Click(`button.svc-record`),
			chromedp.WaitVisible(`.flash-ok`),
			chromedp.Navigate(base+"/clients/"+idString(c.ID)+"/timeline"),
			chromedp.WaitVisible(`ul.events`),
		)
		if err != nil {
			t.Fatalf("record three services: %v", err)
		}
		timeline = text(t, bctx, `ul.events`)
		for _, ty := range append(picked, fare) {
			if !strings.Contains(timeline, ty.Name) {
				t.Errorf("the timeline does not show the service %q: %s", ty.Name, timeline)
			}
		}
	})
}
