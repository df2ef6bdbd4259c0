package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A date saved and read back is the same calendar day whatever the
// server's zone, and it is stored as before (midnight UTC in the DATE
// column), so the rows written before opora.Date still compare equal.
// Not parallel: it sets the process's time zone.
func TestDatesRoundTripInAnyZone(t *testing.T) {
	for _, loc := range []*time.Location{time.FixedZone("UTC-5", -5*3600), time.FixedZone("UTC+14", 14*3600)} {
		t.Run(loc.String(), func(t *testing.T) {
			old := time.Local
			time.Local = loc
			defer func() { time.Local = old }()
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				fx := storetest.SetupOrg(t, s, "Ночлежка")
				ctx := fx.Ctx()
				now := s.Now
				defer func() { s.Now = now }()
				// Late evening here: in UTC it is another day on either side
				// (the clock reports the instant in UTC, as a moment read back
				// from the database is).
				s.Now = func() time.Time { return time.Date(2026, 3, 10, 23, 30, 0, 0, loc).UTC() }
				if got := s.Today(); !got.Equal(opora.NewDate(2026, time.March, 10)) {
					t.Fatalf("today %v", got)
				}
				birth, since, day := opora.NewDate(1990, time.March, 10), opora.NewDate(2026, time.February, 1), opora.NewDate(2026, time.March, 10)
				c := &opora.Client{BranchID: fx.Branch.ID, Surname: "Датов", BirthPrecision: opora.BirthExact, BirthDate: birth,
					HomelessStatus: opora.Homeless, HomelessSince: since}
				if err := s.CreateClient(ctx, c); err != nil {
					t.Fatal(err)
				}
				var ty int64
				types, err := s.ServiceTypes(ctx, true)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range types {
					if !x.HasAmount && !x.HasQuantity && !x.CommentRequired {
						ty = x.ID
						break
					}
				}
				if err := s.RecordServices(ctx, c.ID, day, []*opora.Service{{TypeID: ty, Quantity: 1}}); err != nil {
					t.Fatal(err)
				}
				got, err := s.Client(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.BirthDate != birth || got.HomelessSince != since || got.BirthYear != 1990 {
					t.Errorf("client read back: birth %v, since %v", got.BirthDate, got.HomelessSince)
				}
				svcs, _, err := s.ClientServices(ctx, c.ID, 0, 10)
				if err != nil || len(svcs) != 1 || svcs[0].RenderedOn != day {
					t.Fatalf("services read back: %v %+v", err, svcs)
				}
				// A task started and a case closed "today" get the day it is here.
				caseTypes, err := s.CaseDictionary(ctx, opora.DictCaseType, false)
				if err != nil || len(caseTypes) == 0 {
					t.Fatalf("case types: %v", err)
				}
				taskTypes, err := s.CaseDictionary(ctx, opora.DictTaskType, false)
				if err != nil || len(taskTypes) == 0 {
					t.Fatalf("task types: %v", err)
				}
				k := &opora.Case{ClientID: c.ID, TypeID: caseTypes[0].ID, CuratorID: fx.Admin.ID,
					OpenedOn: opora.DateOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))}
				if err := s.CreateCase(ctx, k, 0); err != nil {
					t.Fatal(err)
				}
				task := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Status: opora.TaskDone}
				if err := s.AddTask(ctx, task); err != nil {
					t.Fatal(err)
				}
				if err := s.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomePartlyNoShow, Comment: "—"}); err != nil {
					t.Fatal(err)
				}
				tasks, err := s.CaseTasks(ctx, k.ID)
				ten := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
				if err != nil || len(tasks) != 1 || !tasks[0].StartOn.Equal(opora.DateOf(ten)) || !tasks[0].DoneOn.Equal(opora.DateOf(ten)) {
					t.Errorf("task days: %v %+v", err, tasks)
				}
				if got, err := s.Case(ctx, k.ID); err != nil || !got.ClosedOn.Equal(opora.DateOf(ten)) {
					t.Errorf("case closed on %v, %v", got.ClosedOn, err)
				}

				// An identity document's issue date and the consent date read
				// back as the days they were given.
				passport := &opora.DictionaryItem{Dictionary: opora.DictDocumentType, Label: "Паспорт РФ"}
				if err := s.SaveDictionaryItem(ctx, passport); err != nil {
					t.Fatal(err)
				}
				issued := opora.NewDate(2010, time.May, 4)
				doc := &opora.IdentityDocument{ClientID: c.ID, TypeID: passport.ID, Number: "123456", IssuedOn: issued}
				if err := s.CreateIdentityDocument(ctx, doc); err != nil {
					t.Fatal(err)
				}
				if docs, err := s.IdentityDocuments(ctx, c.ID); err != nil || len(docs) != 1 || docs[0].IssuedOn != issued {
					t.Errorf("document read back: %v %+v", err, docs)
				}
				if err := s.RecordConsent(ctx, &opora.Consent{ClientID: c.ID, From: day, TakenBy: fx.Admin.ID,
					Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{opora.CategoryOrdinary}}); err != nil {
					t.Fatal(err)
				}
				if got, err := s.ClientConsents(ctx, c.ID); err != nil || len(got) != 1 || got[0].From != day {
					t.Errorf("consent read back: %v %+v", err, got)
				}
				// Today's consent is accepted and tomorrow's refused, by the day here.
				if err := s.RecordConsent(ctx, &opora.Consent{ClientID: c.ID, From: day.AddDays(1), TakenBy: fx.Admin.ID,
					Purposes: []opora.ConsentPurpose{opora.PurposeServices}, Categories: []opora.DataCategory{opora.CategoryOrdinary}}); opora.FieldErrors(err)["consent_date"] != "error.date_future" {
					t.Errorf("tomorrow's consent: %v", err)
				}
				// A follow-up filling dated today is accepted and read back as today.
				forms, err := s.Forms(ctx)
				if err != nil || len(forms) < 2 {
					t.Fatalf("forms: %v", err)
				}
				blank, err := s.BlankFilling(ctx, c.ID, forms[1].ID)
				if err != nil {
					t.Fatal(err)
				}
				period := mustField(t, blank, "follow_up_period")
				if _, err := s.CreateFilling(ctx, c.ID, forms[1].ID, day, map[int64][]string{period.ID: ids(optionID(t, period, "3 месяца"))}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.CreateFilling(ctx, c.ID, forms[1].ID, day.AddDays(1), map[int64][]string{period.ID: ids(optionID(t, period, "3 месяца"))}); opora.FieldErrors(err)["filled_on"] != "error.date_future" {
					t.Errorf("tomorrow's filling: %v", err)
				}
				if list, err := s.ClientFillings(ctx, c.ID); err != nil || len(list) != 1 || list[0].FilledOn != day {
					t.Errorf("fillings read back: %v %+v", err, list)
				}
				// A shelter stay checked in today and a medical check done
				// today keep their day, and the next due day follows from it.
				room := &opora.Room{BranchID: fx.Branch.ID, Name: "Комната 1", Capacity: 2}
				if err := s.SaveRoom(ctx, room); err != nil {
					t.Fatal(err)
				}
				if err := s.CheckIn(ctx, &opora.Stay{ClientID: c.ID, RoomID: room.ID, CheckIn: day}); err != nil {
					t.Fatal(err)
				}
				stays, err := s.ClientStays(ctx, c.ID)
				if err != nil || len(stays) != 1 || stays[0].CheckIn != day || !stays[0].CheckOut.IsZero() {
					t.Fatalf("stays read back: %v %+v", err, stays)
				}
				if err := s.AddMedicalCheck(ctx, &opora.MedicalCheck{ClientID: c.ID, Type: opora.CheckTyphus, DoneOn: day}); err != nil {
					t.Fatal(err)
				}
				checks, err := s.MedicalChecks(ctx, c.ID)
				if err != nil || len(checks) != 1 || checks[0].DoneOn != day || checks[0].NextDue != opora.NewDate(2029, time.March, 10) {
					t.Fatalf("medical checks read back: %v %+v", err, checks)
				}

				// The questionnaire's month answer follows the client's
				// homeless_since and is the month's first day; a month typed
				// into the questionnaire goes back to the client as that day.
				qa, err := s.Questionnaire(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				sinceField := mustField(t, qa, "homeless_since")
				if a := qa.Answer(sinceField.ID); a == nil || a.Date != since {
					t.Errorf("month answer from the client: %+v", a)
				}
				if err := s.SaveQuestionnaire(ctx, c.ID, map[int64][]string{sinceField.ID: {"03.2025"}}); err != nil {
					t.Fatal(err)
				}
				march := opora.NewDate(2025, time.March, 1)
				if qa, err = s.Questionnaire(ctx, c.ID); err != nil || qa.Answer(sinceField.ID).Date != march {
					t.Errorf("month answer read back: %v", err)
				}
				if got, err := s.Client(ctx, c.ID); err != nil || got.HomelessSince != march {
					t.Errorf("homeless since from the answer: %v %v", err, got.HomelessSince)
				}

				// A check-in shift of today: its day, its visits' day, the
				// list of shifts of that day and the reports of that day.
				p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Пункт дат"}
				if err := s.SaveCheckinPoint(ctx, p, nil); err != nil {
					t.Fatal(err)
				}
				sh := &opora.CheckinShift{PointID: p.ID, Date: day, Starts: "20:00", Ends: "08:00"}
				if err := s.OpenCheckinShift(ctx, sh); err != nil {
					t.Fatal(err)
				}
				if res, _, err := s.RecordTicks(ctx, sh.ID, []opora.Tick{{ID: "11111111-1111-4111-8111-111111111111",
					Person: "c" + idStr(c.ID)}}); err != nil || len(res) != 1 || res[0].Status != opora.TickAccepted {
					t.Fatalf("tick: %v %+v", err, res)
				}
				if got, err := s.CheckinShift(ctx, sh.ID); err != nil || got.Date != day {
					t.Errorf("shift read back: %v %+v", err, got)
				}
				if list, err := s.CheckinShifts(ctx, day, day, 10); err != nil || len(list) != 1 || list[0].Date != day {
					t.Errorf("shifts of the day: %v %+v", err, list)
				}
				if visits, err := s.ShiftVisits(ctx, sh.ID); err != nil || len(visits) != 1 || visits[0].VisitedOn != day {
					t.Errorf("visits read back: %v %+v", err, visits)
				}
				for _, subject := range []opora.ReportSubject{opora.SubjectVisits, opora.SubjectServices} {
					q := opora.ReportQuery{Subject: subject, From: day, To: day, Measure: opora.MeasureCount}
					if _, total := runReport(t, ctx, s, q); total != 1 {
						t.Errorf("%s on the day: %v", subject, total)
					}
					q.From, q.To = day.AddDays(1), day.AddDays(1)
					if _, total := runReport(t, ctx, s, q); total != 0 {
						t.Errorf("%s on the next day: %v", subject, total)
					}
				}

				// The columns hold what they held before: midnight UTC of the day.
				db := storetest.RawDB(t, s)
				var n int
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM clients WHERE id = $1 AND birth_date = $2
					AND homeless_since = $3`, c.ID, birth.Time(), march.Time()).Scan(&n); err != nil || n != 1 {
					t.Errorf("birth date as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM services WHERE client_id = $1
					AND rendered_on = $2`, c.ID, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)).Scan(&n); err != nil || n != 1 {
					t.Errorf("service date as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM identity_documents WHERE client_id = $1
					AND issued_on = $2`, c.ID, issued.Time()).Scan(&n); err != nil || n != 1 {
					t.Errorf("issue date as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM consents WHERE client_id = $1
					AND valid_from = $2`, c.ID, day.Time()).Scan(&n); err != nil || n != 1 {
					t.Errorf("consent date as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM shelter_stays WHERE client_id = $1
					AND check_in = $2`, c.ID, day.Time()).Scan(&n); err != nil || n != 1 {
					t.Errorf("check-in day as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM shelter_medical_checks WHERE client_id = $1
					AND done_on = $2 AND next_due = $3`, c.ID, day.Time(), time.Date(2029, 3, 10, 0, 0, 0, 0, time.UTC)).Scan(&n); err != nil || n != 1 {
					t.Errorf("medical check days as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM checkin_shifts s JOIN checkin_visits v
					ON v.shift_id = s.id WHERE s.id = $1 AND s.shift_date = $2 AND v.visited_on = $2`, sh.ID, day.Time()).Scan(&n); err != nil || n != 1 {
					t.Errorf("shift and visit days as stored: %v %d", err, n)
				}
				if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM answers WHERE client_id = $1
					AND field_id = $2 AND value_date = $3`, c.ID, sinceField.ID, march.Time()).Scan(&n); err != nil || n != 1 {
					t.Errorf("month answer as stored: %v %d", err, n)
				}
			})
		})
	}
}
