package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// gardenFamily is a family of the network curated at the КЦСОН with a
// task given to the kindergarten, whose head, specialist and the curator
// can log in (testPassword).
type gardenFamily struct {
	family, task              int64
	title                     string // the task's title: its type and description
	curator, head, specialist *opora.User
	police                    *opora.User
	curatorCtx                context.Context
}

func newGardenFamily(t *testing.T, a *app, fx *storetest.Fixture) *gardenFamily {
	t.Helper()
	g := &gardenFamily{}
	kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН района", opora.OrgKDN)
	kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН района", opora.OrgSocialService)
	garden := storetest.AddAgency(t, a.st, fx.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
	police := storetest.AddAgency(t, a.st, fx.Ctx(), "ПДН ОМВД", opora.OrgPolice)
	sec, secCtx := kdn.AddUser(t, "secretary", "kdn_secretary")
	kcsonHead, kcsonHeadCtx := kcson.AddUser(t, "kcson-head", "agency_head")
	g.curator, g.curatorCtx = kcson.AddUser(t, "curator", "curator")
	g.head, _ = garden.AddUser(t, "garden-head", "agency_head")
	g.specialist, _ = garden.AddUser(t, "garden-spec", "agency_specialist")
	g.police, _ = police.AddUser(t, "pdn-head", "agency_head")
	for _, u := range []struct {
		u   *opora.User
		org int64
	}{{sec, kdn.Org.ID}, {kcsonHead, kcson.Org.ID}, {g.curator, kcson.Org.ID}, {g.head, garden.Org.ID},
		{g.specialist, garden.Org.ID}, {g.police, police.Org.ID}} {
		setPassword(t, a.st, u.u.ID, u.org)
	}
	f := &opora.Family{Address: "ул. Садовая, 3", Members: []*opora.FamilyMember{
		{Client: &opora.Client{Surname: "Кузнецова", FirstName: "Ольга"}, Role: opora.RoleMother},
		{Client: &opora.Client{Surname: "Кузнецова", FirstName: "Аня"}, Role: opora.RoleChild}}}
	if err := a.st.CreateFamily(secCtx, f); err != nil {
		t.Fatal(err)
	}
	g.family = f.ID
	if err := a.st.GrantFamily(secCtx, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
		t.Fatal(err)
	}
	_ = kcsonHead
	if err := a.st.AssignCurator(kcsonHeadCtx, f.ID, g.curator.ID); err != nil {
		t.Fatal(err)
	}
	types, err := a.st.CaseDictionary(g.curatorCtx, opora.DictTaskType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("task types: %v", err)
	}
	task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду для Ани", ResponsibleOrg: garden.Org.ID,
		DueOn: a.st.Today().AddDays(10)}
	if err := a.st.AddFamilyTask(g.curatorCtx, f.ID, task); err != nil {
		t.Fatal(err)
	}
	g.task, g.title = task.ID, task.Title()
	return g
}

// The kindergarten's head finds the new task on the agency's board and
// gives it to a specialist; the specialist finds it under «Мои задачи»;
// a report without text, a return "cannot by the deadline" without a date
// and a stale form are refused with the values kept; the police get 404.
func TestAgencyBoardPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		g := newGardenFamily(t, a, fx)
		task := "/agency/tasks/" + idString(g.task)
		head := a.login(t, "garden-head", testPassword)
		res := head.get("/agency/tasks")
		if res.Status != http.StatusOK {
			t.Fatalf("board: %d", res.Status)
		}
		mustContain(t, res.Body, "Задачи ведомства", "Новые", "Место в детском саду для Ани", "Кузнецова")
		if res := head.post(task+"/assign", url.Values{"assignee_id": {idString(g.specialist.ID)}, "version": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", res.Status, res.Body)
		}

		spec := a.login(t, "garden-spec", testPassword)
		res = spec.get("/")
		mustContain(t, res.Body, `href="/agency/tasks"`, "Задачи ведомства")
		res = spec.get("/agency/tasks") // a specialist starts on their own tasks
		mustContain(t, res.Body, "<h1>Мои задачи</h1>", "Место в детском саду для Ани", "User garden-spec")
		if res := spec.get("/agency/tasks?who=all"); !strings.Contains(res.Body, "<h1>Задачи ведомства</h1>") {
			t.Errorf("the specialist's «Все задачи ведомства»")
		}
		res = spec.get(task)
		mustContain(t, res.Body, "Принять", "Отметить выполненной", "Вернуть задачу", "Внутренние заметки")
		if strings.Contains(res.Body, "Назначить исполнителя") {
			t.Errorf("the specialist is offered to assign")
		}
		if res := spec.post(task+"/accept", url.Values{"version": {"2"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		res = spec.postMultipart(task+"/done", url.Values{"report": {"  "}, "done_on": {a.st.Today().String()}, "version": {"3"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-report"`) {
			t.Fatalf("done without a report: %d", res.Status)
		}
		res = spec.post(task+"/return", url.Values{"return_reason": {opora.ReturnLate}, "return_comment": {"Мест нет до осени"}, "version": {"3"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-proposed_due_on"`) ||
			!strings.Contains(res.Body, "Мест нет до осени") {
			t.Fatalf("return without a date: %d", res.Status)
		}
		res = spec.post(task+"/return", url.Values{"return_reason": {""}, "version": {"3"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-return_reason"`) {
			t.Fatalf("return without a reason: %d", res.Status)
		}
		// The head started it meanwhile: the specialist's form is stale.
		if res := head.post(task+"/start", url.Values{"version": {"3"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("start: %d %s", res.Status, res.Body)
		}
		res = spec.postMultipart(task+"/done", url.Values{"report": {"Место в группе выделено"}, "done_on": {a.st.Today().String()}, "version": {"3"}})
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "Место в группе выделено") ||
			!strings.Contains(res.Body, "изменил кто-то другой") {
			t.Fatalf("a stale done: %d", res.Status)
		}
		res = spec.postMultipart(task+"/done", url.Values{"report": {"Место в группе выделено"}, "done_on": {a.st.Today().String()}, "version": {"4"}},
			upload{"report_file", "направление.pdf", []byte("%PDF-1.4 направление")})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("done: %d %s", res.Status, res.Body)
		}
		res = head.get("/agency/tasks")
		mustContain(t, res.Body, "Выполненные", "Выполнена")
		if res := head.get(task + "/report"); res.Status != http.StatusOK || !strings.Contains(res.Body, "направление") {
			t.Errorf("the report's document: %d", res.Status)
		}

		police := a.login(t, "pdn-head", testPassword)
		for _, p := range []string{task, task + "/report"} {
			if res := police.get(p); res.Status != http.StatusNotFound {
				t.Errorf("the police open %s: %d", p, res.Status)
			}
		}
		if res := police.post(task+"/return", url.Values{"return_reason": {opora.ReturnRefused}}); res.Status != http.StatusNotFound {
			t.Errorf("the police return the task: %d", res.Status)
		}
		if res := police.get("/agency/tasks"); strings.Contains(res.Body, "Место в детском саду") {
			t.Errorf("the police's board shows the kindergarten's task")
		}
	})
}

// The curator's view: the first look, then the kindergarten marks its task
// done, and the next look shows it as changed with the report; the next
// step is prefilled with the kindergarten and goes to the council's draft
// plan; a next step without what to do is refused next to the field.
func TestCuratorFamilyTasksPage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		g := newGardenFamily(t, a, fx)
		page := "/families/" + idString(g.family) + "/tasks"
		cur := a.login(t, "curator", testPassword)
		res := cur.get(page)
		if res.Status != http.StatusOK {
			t.Fatalf("curator's view: %d", res.Status)
		}
		mustContain(t, res.Body, "Задачи ведомств по семье", "Вы открываете задачи семьи впервые", "Место в детском саду для Ани",
			"Детский сад № 12", "Запланирована")
		res = cur.get("/families/" + idString(g.family))
		mustContain(t, res.Body, "Задачи ведомств", "Место в детском саду для Ани", "Открыть задачи ведомств")

		head := a.login(t, "garden-head", testPassword)
		if res := head.postMultipart("/agency/tasks/"+idString(g.task)+"/done",
			url.Values{"report": {"Место в группе «Солнышко» выделено"}, "done_on": {a.st.Today().String()}, "version": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("done: %d %s", res.Status, res.Body)
		}
		// The curator does not move the kindergarten's task.
		if res := cur.post("/agency/tasks/"+idString(g.task)+"/return", url.Values{"return_reason": {opora.ReturnRefused}}); res.Status != http.StatusForbidden {
			t.Errorf("the curator returns the kindergarten's task: %d", res.Status)
		}
		res = cur.get(page)
		mustContain(t, res.Body, "Изменилось с вашего прошлого просмотра: 1", "Изменилось", "Выполнена",
			"Место в группе «Солнышко» выделено", "Следующий шаг")
		res = cur.get(page)
		mustContain(t, res.Body, "Ничего не изменилось с вашего прошлого просмотра")

		res = cur.get(page + "?next=" + idString(g.task))
		mustContain(t, res.Body, "Предложить на консилиум")
		// Not the kindergarten place again: the curator's own accompaniment.
		if !strings.Contains(res.Body, `selected>КЦСОН района</option>`) || !strings.Contains(res.Body, `selected>Сопровождение куратором</option>`) {
			t.Errorf("the next step is not prefilled with the curator's accompaniment")
		}
		if strings.Contains(res.Body, "Поручить сразу") {
			t.Errorf("«Поручить сразу» offered while the procedure says nothing")
		}
		form := url.Values{"after_id": {idString(g.task)}, "what": {""}, "type_id": {formValue(res.Body, "type_id")},
			"org_id": {formValue(res.Body, "org_id")}, "due_on": {a.st.Today().AddDays(14).String()}, "action": {"council"}}
		res = cur.post(page+"/next", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-what"`) {
			t.Fatalf("a next step without what: %d", res.Status)
		}
		form.Set("what", "Подготовить Аню к детскому саду")
		if res := cur.post(page+"/next", form); res.Status != http.StatusSeeOther {
			t.Fatalf("next step: %d %s", res.Status, res.Body)
		}
		res = cur.get("/families/" + idString(g.family) + "/plan")
		mustContain(t, res.Body, "Подготовить Аню к детскому саду")
		res = cur.get(page)
		if i := strings.Index(res.Body, "Ждут консилиума"); i < 0 || !strings.Contains(res.Body[i:], "Подготовить Аню к детскому саду") {
			t.Errorf("the curator's view does not show the next step awaiting the council")
		}

		// Another agency working on the family sees the status, not the report.
		spec := a.login(t, "pdn-head", testPassword)
		if res := spec.get(page); res.Status != http.StatusNotFound {
			t.Errorf("the police open the curator's view: %d", res.Status)
		}
	})
}

// formValue returns the selected option's value of a select named name.
func formValue(body, name string) string {
	i := strings.Index(body, `name="`+name+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	end := strings.Index(rest, "</select>")
	if end < 0 {
		return ""
	}
	sel := rest[:end]
	j := strings.Index(sel, " selected>")
	if j < 0 {
		return ""
	}
	k := strings.LastIndex(sel[:j], `value="`)
	v := sel[k+len(`value="`):]
	return v[:strings.Index(v, `"`)]
}
