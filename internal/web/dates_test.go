package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// inZone runs fn with the server's time zone set to loc, as if the
// process had been started with that TZ, and puts the old one back.
func inZone(t *testing.T, loc *time.Location, fn func()) {
	t.Helper()
	old := time.Local
	time.Local = loc
	defer func() { time.Local = old }()
	fn()
}

// A date is a calendar day: 10.03.2026 prints as 10.03.2026 whatever the
// server's time zone, on the profile, the services tab, the edit forms and
// the register export, while the moments beside it still follow the zone.
func TestDatesDoNotShiftWithTheServersZone(t *testing.T) {
	for _, loc := range []*time.Location{time.FixedZone("UTC-5", -5*3600), time.FixedZone("UTC+14", 14*3600)} {
		t.Run(loc.String(), func(t *testing.T) {
			inZone(t, loc, func() {
				eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
					ctx := fx.Ctx()
					now := a.st.Now
					defer func() { a.st.Now = now }()
					a.st.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, loc) }
					cl := &opora.Client{BranchID: fx.Branch.ID, Surname: "Датов", FirstName: "Иван",
						BirthPrecision: opora.BirthExact, BirthDate: opora.NewDate(1990, time.March, 10)}
					if err := a.st.CreateClient(ctx, cl); err != nil {
						t.Fatal(err)
					}
					types, err := a.st.ServiceTypes(ctx, true)
					if err != nil {
						t.Fatal(err)
					}
					var ty *opora.ServiceType
					for _, x := range types {
						if !x.HasAmount && !x.HasQuantity && !x.CommentRequired {
							ty = x
							break
						}
					}
					if err := a.st.RecordServices(ctx, cl.ID, opora.NewDate(2026, time.March, 10),
						[]*opora.Service{{TypeID: ty.ID, Quantity: 1}}); err != nil {
						t.Fatal(err)
					}
					c := a.login(t, "admin", testPassword)
					id := fmt.Sprint(cl.ID)

					res := c.get("/clients/" + id)
					if res.Status != http.StatusOK {
						t.Fatalf("profile: %d", res.Status)
					}
					mustContain(t, res.Body, "10.03.1990")
					if strings.Contains(res.Body, "09.03.1990") || strings.Contains(res.Body, "11.03.1990") {
						t.Error("the profile shifts the birth date")
					}

					res = c.get("/clients/" + id + "/services")
					if res.Status != http.StatusOK {
						t.Fatalf("services: %d", res.Status)
					}
					mustContain(t, res.Body, "10.03.2026", ty.Name)
					if strings.Contains(res.Body, "09.03.2026") || strings.Contains(res.Body, "11.03.2026") {
						t.Error("the services tab shifts the service date")
					}

					res = c.get("/clients/" + id + "/edit")
					mustContain(t, res.Body, `value="10.03.1990"`)

					svcs, _, err := a.st.ClientServices(ctx, cl.ID, 0, 10)
					if err != nil || len(svcs) != 1 {
						t.Fatalf("services %v %d", err, len(svcs))
					}
					res = c.get(fmt.Sprintf("/services/%d/edit", svcs[0].ID))
					mustContain(t, res.Body, `value="2026-03-10"`)

					// A case opened on 01.03.2026 with a task due on 20.03.2026.
					caseTypes, err := a.st.CaseDictionary(ctx, opora.DictCaseType, false)
					if err != nil || len(caseTypes) == 0 {
						t.Fatalf("case types: %v", err)
					}
					taskTypes, err := a.st.CaseDictionary(ctx, opora.DictTaskType, false)
					if err != nil || len(taskTypes) == 0 {
						t.Fatalf("task types: %v", err)
					}
					k := &opora.Case{ClientID: cl.ID, TypeID: caseTypes[0].ID, CuratorID: fx.Admin.ID, OpenedOn: opora.NewDate(2026, time.March, 1)}
					if err := a.st.CreateCase(ctx, k, 0); err != nil {
						t.Fatal(err)
					}
					if err := a.st.AddTask(ctx, &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, DueOn: opora.NewDate(2026, time.March, 20)}); err != nil {
						t.Fatal(err)
					}
					res = c.get(fmt.Sprintf("/cases/%d", k.ID))
					if res.Status != http.StatusOK {
						t.Fatalf("case: %d", res.Status)
					}
					mustContain(t, res.Body, "01.03.2026", "20.03.2026", "10.03.2026")
					if strings.Contains(res.Body, "28.02.2026") || strings.Contains(res.Body, "19.03.2026") {
						t.Error("the case page shifts its dates")
					}

					// A restriction from 05.03.2026 to 10.03.2026 is in force today;
					// a reminder due on 10.03.2026 is due.
					if err := a.st.CreateRestriction(ctx, &opora.Restriction{ClientID: cl.ID, Kind: opora.RestrictionBan,
						Description: "запрет", StartsOn: opora.NewDate(2026, time.March, 5), EndsOn: opora.NewDate(2026, time.March, 10)}); err != nil {
						t.Fatal(err)
					}
					if err := a.st.CreateReminder(ctx, &opora.Reminder{ClientID: cl.ID, DueOn: opora.NewDate(2026, time.March, 10),
						Body: "позвонить", ForAll: true}); err != nil {
						t.Fatal(err)
					}
					res = c.get("/clients/" + id + "/notes")
					if res.Status != http.StatusOK {
						t.Fatalf("notes: %d %s", res.Status, res.Body)
					}
					mustContain(t, res.Body, "05.03.2026", "10.03.2026", "позвонить", "tag-warn", "tag-danger")
					if strings.Contains(res.Body, "04.03.2026") || strings.Contains(res.Body, "09.03.2026") {
						t.Error("the notes page shifts its dates")
					}
					if res = c.get("/reminders"); res.Status != http.StatusOK || !strings.Contains(res.Body, "10.03.2026") {
						t.Errorf("reminders: %d", res.Status)
					}

					// Checked in to the shelter on 10.03.2026, with a typhus
					// vaccination the same day (next due 10.03.2029).
					room := &opora.Room{BranchID: fx.Branch.ID, Name: "Комната 1", Capacity: 2}
					if err := a.st.SaveRoom(ctx, room); err != nil {
						t.Fatal(err)
					}
					if res = c.post("/clients/"+id+"/shelter/checkin", url.Values{"room_id": {fmt.Sprint(room.ID)},
						"check_in": {"10.03.2026"}}); res.Status != http.StatusSeeOther {
						t.Fatalf("check in: %d %s", res.Status, res.Body)
					}
					if res = c.post("/clients/"+id+"/shelter/medical", url.Values{"med_type": {string(opora.CheckTyphus)},
						"done_on": {"10.03.2026"}}); res.Status != http.StatusSeeOther {
						t.Fatalf("medical check: %d %s", res.Status, res.Body)
					}
					res = c.get("/clients/" + id + "/shelter")
					if res.Status != http.StatusOK {
						t.Fatalf("shelter tab: %d", res.Status)
					}
					mustContain(t, res.Body, "10.03.2026", "10.03.2029")
					if strings.Contains(res.Body, "09.03.2026") || strings.Contains(res.Body, "11.03.2026") || strings.Contains(res.Body, "09.03.2029") {
						t.Error("the shelter tab shifts the check-in or medical days")
					}
					res = c.get("/shelter")
					if res.Status != http.StatusOK {
						t.Fatalf("shelter: %d", res.Status)
					}
					mustContain(t, res.Body, "10.03.2026")
					if strings.Contains(res.Body, "09.03.2026") || strings.Contains(res.Body, "11.03.2026") {
						t.Error("the shelter page shifts the check-in day")
					}

					q := url.Values{"format": {"csv"}, "from": {"2026-03-10"}, "to": {"2026-03-10"}}
					res = c.download("/reports/register/export?"+q.Encode(), "проверка")
					if res.Status != http.StatusOK {
						t.Fatalf("export: %d %s", res.Status, res.Body)
					}
					mustContain(t, res.Body, "10.03.2026;", "Датов Иван;1990;")

					// An identity document issued on 04.05.2010 and consent given
					// today, 10.03.2026, both entered through the forms.
					passport := &opora.DictionaryItem{Dictionary: opora.DictDocumentType, Label: "Паспорт (тест дат)"}
					if err := a.st.SaveDictionaryItem(ctx, passport); err != nil {
						t.Fatal(err)
					}
					loc := "/clients/" + id
					if res := c.post(loc+"/documents", url.Values{"type_id": {idString(passport.ID)}, "number": {"123456"},
						"issued_on": {"04.05.2010"}}); res.Status != http.StatusSeeOther {
						t.Fatalf("add document: %d %s", res.Status, res.Body)
					}
					docs, err := a.st.IdentityDocuments(ctx, cl.ID)
					if err != nil || len(docs) != 1 || docs[0].IssuedOn != opora.NewDate(2010, time.May, 4) {
						t.Fatalf("documents %v %+v", err, docs)
					}
					res = c.get(loc + "/documents")
					mustContain(t, res.Body, `value="10.03.2026"`) // the consent form proposes today
					if res = c.postMultipart(loc+"/consent", url.Values{"consent_date": {"10.03.2026"},
						"consent_by": {idString(fx.Admin.ID)}}); res.Status != http.StatusSeeOther {
						t.Fatalf("consent: %d %s", res.Status, res.Body)
					}
					if got, err := a.st.Client(ctx, cl.ID); err != nil || got.ConsentDate != opora.NewDate(2026, time.March, 10) {
						t.Fatalf("consent date %v %v", err, got.ConsentDate)
					}
					res = c.get(loc + "/documents")
					mustContain(t, res.Body, "04.05.2010", "10.03.2026")
					for _, wrong := range []string{"03.05.2010", "05.05.2010", "09.03.2026", "11.03.2026"} {
						if strings.Contains(res.Body, wrong) {
							t.Errorf("the documents tab shifts a date: %s", wrong)
						}
					}
					mustContain(t, c.get(loc).Body, "10.03.2026")
					mustContain(t, c.get(fmt.Sprintf("%s/documents/%d/edit", loc, docs[0].ID)).Body, `value="04.05.2010"`)

					// The questionnaire's month, typed as 02.2026, prints as
					// 02.2026 and goes to the record as 01.02.2026.
					qa, err := a.st.Questionnaire(ctx, cl.ID)
					if err != nil {
						t.Fatal(err)
					}
					var since *opora.FormField
					for _, x := range qa.Form.Fields() {
						if x.Key == "homeless_since" {
							since = x
						}
					}
					if since == nil {
						t.Fatal("no homeless_since field")
					}
					if err := a.st.SaveQuestionnaire(ctx, cl.ID, map[int64][]string{since.ID: {"02.2026"}}); err != nil {
						t.Fatal(err)
					}
					res = c.get(loc + "/questionnaire")
					mustContain(t, res.Body, "02.2026")
					if strings.Contains(res.Body, "01.2026") {
						t.Error("the questionnaire shifts its month")
					}
					mustContain(t, c.get(loc+"/questionnaire/edit").Body, `value="02.2026"`)
					mustContain(t, c.get(loc).Body, "01.02.2026")

					// A check-in shift opened through the form for 10.03.2026,
					// with one visit; the shift lists, its export and the
					// report of that day keep the day.
					p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Пункт дат"}
					if err := a.st.SaveCheckinPoint(ctx, p, nil); err != nil {
						t.Fatal(err)
					}
					if res = c.post("/checkin/shifts", url.Values{"point_id": {idString(p.ID)}, "date": {"10.03.2026"},
						"starts": {"20:00"}, "ends": {"08:00"}}); res.Status != http.StatusSeeOther {
						t.Fatalf("open shift: %d %s", res.Status, res.Body)
					}
					shifts, err := a.st.CheckinShifts(ctx, opora.NewDate(2026, time.March, 10), opora.NewDate(2026, time.March, 10), 10)
					if err != nil || len(shifts) != 1 {
						t.Fatalf("shifts %v %+v", err, shifts)
					}
					sh := shifts[0]
					if _, _, err := a.st.RecordTicks(ctx, sh.ID, []opora.Tick{{ID: "11111111-1111-4111-8111-111111111111",
						Person: "c" + id}}); err != nil {
						t.Fatal(err)
					}
					for _, path := range []string{"/checkin", fmt.Sprintf("/checkin/%d", sh.ID), fmt.Sprintf("/checkin/shifts/%d/list", sh.ID), "/"} {
						res = c.get(path)
						if res.Status != http.StatusOK {
							t.Fatalf("%s: %d", path, res.Status)
						}
						mustContain(t, res.Body, "10.03.2026")
						if strings.Contains(res.Body, "09.03.2026") || strings.Contains(res.Body, "11.03.2026") {
							t.Errorf("%s shifts the shift's day", path)
						}
					}
					res = c.download(fmt.Sprintf("/checkin/shifts/%d/export?format=csv", sh.ID), "проверка")
					mustContain(t, res.Body, "10.03.2026;")
					q = url.Values{"format": {"csv"}, "title": {"1"}, "subject": {string(opora.SubjectVisits)},
						"measure": {string(opora.MeasureCount)}, "from": {"2026-03-10"}, "to": {"2026-03-10"}}
					res = c.get("/reports/builder/export?" + q.Encode())
					if res.Status != http.StatusOK {
						t.Fatalf("report export: %d %s", res.Status, res.Body)
					}
					mustContain(t, res.Body, "10.03.2026–10.03.2026")
					mustContain(t, res.Header.Get("Content-Disposition"), "10.03.2026-10.03.2026")
					res = c.get("/reports/builder?" + q.Encode())
					mustContain(t, res.Body, `value="2026-03-10"`)
				})
			})
		})
	}
}

// The template's date prints a day as it is and a moment as its day in the
// server's zone.
func TestFormatDayDatesAndMoments(t *testing.T) {
	inZone(t, time.FixedZone("UTC-5", -5*3600), func() {
		for _, c := range []struct {
			v    any
			want string
		}{
			{opora.NewDate(2026, time.March, 10), "10.03.2026"},
			{opora.Date{}, ""},
			{time.Time{}, ""},
			{nil, ""},
			{time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC), "09.03.2026"},                         // a moment: 21:00 on the 9th here
			{time.Date(2026, 3, 10, 23, 0, 0, 0, time.FixedZone("UTC+3", 3*3600)), "10.03.2026"}, // 15:00 on the 10th here
			{time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), "09.03.2026"},                         // midnight UTC is a moment too: 19:00 on the 9th here
		} {
			got, err := formatDay(c.v, "02.01.2006")
			if err != nil || got != c.want {
				t.Errorf("date %v = %q, %v; want %q", c.v, got, err, c.want)
			}
		}
		if _, err := formatDay("10.03.2026", "02.01.2006"); err == nil {
			t.Error("a string is printed as a date")
		}
		if got := formatDateTime(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)); got != "09.03.2026 21:00" {
			t.Errorf("datetime %q", got)
		}
	})
}
