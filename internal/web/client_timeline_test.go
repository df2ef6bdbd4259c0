package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// eventTexts cuts a timeline page into its event lines, as text.
func eventTexts(t *testing.T, page string) []string {
	t.Helper()
	tags := regexp.MustCompile(`<[^>]*>`)
	var out []string
	for _, li := range strings.Split(page, `<li class="event">`)[1:] {
		li, _, _ = strings.Cut(li, "\n</li>")
		out = append(out, strings.Join(strings.Fields(tags.ReplaceAllString(li, " ")), " "))
	}
	return out
}

// The Russian timeline of a client who was edited, given a case with a
// plan, a task moved to "done" and another re-dated, notes, a service and
// a closed case reads in Russian only: every status, outcome and field
// is a word of the catalog, not a code.
func TestTimelineSpeaksRussian(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c, caseType, tpl, _ := caseFixture(t, a, fx)
		ctx := fx.Ctx()
		fx.Admin.FullName = "Иванова Анна"
		if err := a.st.UpdateUser(ctx, fx.Admin); err != nil {
			t.Fatal(err)
		}
		cur, err := a.st.Client(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Gender, cur.HomelessStatus, cur.BirthPrecision, cur.BirthYear = opora.GenderMale, opora.HomelessStatus("homeless"),
			opora.BirthYear, 1970
		if err := a.st.UpdateClient(ctx, cur); err != nil {
			t.Fatal(err)
		}
		k := &opora.Case{SubjectType: opora.SubjectClient, SubjectID: c.ID, ClientID: c.ID, TypeID: caseType,
			CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(casesNow.AddDate(0, 0, -10))}
		if err := a.st.CreateCase(ctx, k, tpl); err != nil {
			t.Fatal(err)
		}
		tasks, err := a.st.CaseTasks(ctx, k.ID)
		if err != nil || len(tasks) < 2 {
			t.Fatalf("tasks: %v %d", err, len(tasks))
		}
		if err := a.st.SetTaskStatus(ctx, tasks[0].ID, opora.TaskDone, ""); err != nil {
			t.Fatal(err)
		}
		moved := *tasks[1]
		moved.DueOn = moved.DueOn.AddDate(0, 0, 7)
		if err := a.st.UpdateTask(ctx, &moved); err != nil {
			t.Fatal(err)
		}
		k, err = a.st.Case(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		k.OpenedOn = k.OpenedOn.AddDate(0, 0, -1)
		if err := a.st.UpdateCase(ctx, k); err != nil {
			t.Fatal(err)
		}
		if err := a.st.CreateNote(ctx, &opora.Note{ClientID: c.ID, Body: "Не давать наличные", Important: true}); err != nil {
			t.Fatal(err)
		}
		types, err := a.st.ServiceTypes(ctx, true)
		if err != nil || len(types) == 0 {
			t.Fatalf("service types: %v", err)
		}
		if err := a.st.RecordServices(ctx, c.ID, opora.DateOf(opora.ServiceToday(a.st.Now()).Time()),
			[]*opora.Service{{TypeID: types[0].ID, Quantity: 2}}); err != nil {
			t.Fatal(err)
		}
		if err := a.st.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomePartlyRefused, Comment: "Уехал к сестре",
			ClosedOn: opora.DateOf(casesNow.Truncate(24 * time.Hour)), OpenTasks: opora.OpenTasksCancel}); err != nil {
			t.Fatal(err)
		}
		cl := a.login(t, "admin", testPassword)
		res := cl.get("/clients/" + idString(c.ID) + "/timeline")
		if res.Status != http.StatusOK {
			t.Fatalf("timeline: %d", res.Status)
		}
		mustContain(t, res.Body, "создана", "Запланирована → Выполнена", "Выполнено частично — отказ клиента", "17.03.2026 → 24.03.2026")
		lines := eventTexts(t, res.Body)
		latin := regexp.MustCompile(`[A-Za-z]+`)
		for _, l := range lines {
			if w := latin.FindAllString(l, -1); w != nil {
				t.Errorf("Latin %q in the timeline line %q", w, l)
			}
		}
		if len(lines) < 8 {
			t.Errorf("%d lines in the timeline", len(lines))
		}
	})
}
