package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestPersonReportPage: the administrator opens the person's report from
// the profile: the page shows the person's data and who opened the record,
// the JSON has the same; a specialist gets neither.
func TestPersonReportPage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Петров", FirstName: "Иван", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := a.st.CreateNote(ctx, &opora.Note{ClientID: c.ID, Body: "Ищет работу грузчиком"}); err != nil {
			t.Fatal(err)
		}
		if err := a.st.SaveRetentionRule(ctx, &opora.RetentionRule{Name: "3 года после последнего обращения", Trigger: opora.TriggerLastActivity,
			Amount: 3, Unit: opora.UnitYears, Action: opora.ActionAnonymise, Active: true}); err != nil {
			t.Fatal(err)
		}
		admin := a.login(t, "admin", testPassword)
		cid := idString(c.ID)
		profile := admin.get("/clients/" + cid)
		mustContain(t, profile.Body, `href="/clients/`+cid+`/person-report"`, "Отчёт о данных для человека")
		res := admin.get("/clients/" + cid + "/person-report")
		if res.Status != http.StatusOK {
			t.Fatalf("report: %d %s", res.Status, res.Body)
		}
		mustContain(t, res.Body, "Сведения о персональных данных", "Петров Иван", "Ищет работу грузчиком", "Записи",
			"Кто открывал карточку", fx.Admin.FullName, "Просмотр", "Правило хранения: 3 года после последнего обращения")
		file := admin.get("/clients/" + cid + "/person-report.json")
		if file.Status != http.StatusOK || !strings.Contains(file.Header.Get("Content-Disposition"), "person-"+cid+".json") {
			t.Fatalf("json: %d %v", file.Status, file.Header)
		}
		var f personReportFile
		if err := json.Unmarshal([]byte(file.Body), &f); err != nil {
			t.Fatal(err)
		}
		notes := ""
		for _, s := range f.Sections {
			if s.Key == "notes" && len(s.Records) == 1 {
				notes = s.Records[0]["body"]
			}
		}
		if f.Person["surname"] != "Петров" || notes != "Ищет работу грузчиком" || len(f.Views) == 0 {
			t.Errorf("json: %+v", f)
		}
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sp := a.login(t, "spec", testPassword)
		if res := sp.get("/clients/" + cid + "/person-report"); res.Status != http.StatusForbidden {
			t.Errorf("specialist: %d", res.Status)
		}
		if strings.Contains(sp.get("/clients/"+cid).Body, "person-report") {
			t.Error("the specialist sees the report link")
		}
	})
}

// TestSubjectRequestRegister: a request is registered with its deadline,
// bad input comes back with the values and the errors, the answer closes it.
func TestSubjectRequestRegister(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		res := admin.post("/privacy/requests", url.Values{"requester": {""}, "kind": {"access"}, "received_on": {"31.02.2026"},
			"details": {"Прошу сообщить, какие сведения обо мне хранятся"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad request: %d", res.Status)
		}
		mustContain(t, res.Body, "Прошу сообщить, какие сведения обо мне хранятся", `id="e-received_on"`)
		res = admin.post("/privacy/requests", url.Values{"requester": {"Сидоров Пётр"}, "kind": {"access"}, "received_on": {"2026-12-04"},
			"details": {"Прошу сообщить, какие сведения обо мне хранятся"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		page := admin.get(res.Location)
		mustContain(t, page.Body, "Сидоров Пётр", "18.12.2026", "О предоставлении сведений")
		list := admin.get("/privacy/requests")
		mustContain(t, list.Body, "Сидоров Пётр", "Ждёт ответа")
		ans := admin.post(res.Location+"/answer", url.Values{"answered_on": {"2026-12-05"}, "answer": {"Выдан отчёт"}})
		if ans.Status != http.StatusSeeOther {
			t.Fatalf("answer: %d %s", ans.Status, ans.Body)
		}
		mustContain(t, admin.get(res.Location).Body, "Отвечено 05.12.2026", "Выдан отчёт")
	})
}

// TestPrivacyOverview: the administrator's privacy page shows the special
// categories with the roles that see them and the requests waiting; a
// specialist may not open it.
func TestPrivacyOverview(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		overdue, _ := opora.ParseDate("01.09.2026")
		if err := a.st.CreateSubjectRequest(ctx, &opora.SubjectRequest{Requester: "Иванов", Kind: "access", ReceivedOn: overdue}); err != nil {
			t.Fatal(err)
		}
		admin := a.login(t, "admin", testPassword)
		res := admin.get("/privacy")
		if res.Status != http.StatusOK {
			t.Fatalf("privacy: %d %s", res.Status, res.Body)
		}
		mustContain(t, res.Body, "Особые категории сведений", "Сведения о здоровье", "Сведения о зависимостях",
			"Администратор", "Просрочен 1 запрос", `href="/privacy/requests"`)
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		if res := a.login(t, "spec", testPassword).get("/privacy"); res.Status != http.StatusForbidden {
			t.Errorf("specialist: %d", res.Status)
		}
	})
}
