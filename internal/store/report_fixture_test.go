package store_test

import (
	"context"
	"maps"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// reportFixture builds a small organisation with hand-countable data:
//
//	A: man, born 1970, homeless since 01.03.2024, created 10.01.2026
//	B: woman, born 1990, created 15.02.2026
//	C: man, birth unknown, created 20.03.2026
//	services: A 10.01 type0 + type1, A 01.02 type0, B 15.02 type0 + fare 150,50, C 20.03 type1
//	cases: A opened 10.01, task done 01.02, closed 01.03 "done"; B opened 15.02, still open
type reportFixture struct {
	fx       *storetest.Fixture
	types    []*opora.ServiceType
	fare     *opora.ServiceType
	a, b, cc *opora.Client
}

func buildReportFixture(t *testing.T, s *store.Store) *reportFixture {
	t.Helper()
	f := &reportFixture{fx: storetest.SetupOrg(t, s, "Ночлежка")}
	ctx := f.fx.Ctx()
	now := s.Now
	t.Cleanup(func() { s.Now = now })
	at := func(d time.Time) {
		s.Now = func() time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC) }
	}
	types, err := s.ServiceTypes(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range types {
		if ty.HasAmount && f.fare == nil {
			f.fare = ty
		} else if !ty.HasAmount && !ty.HasQuantity && !ty.CommentRequired && len(f.types) < 2 {
			f.types = append(f.types, ty)
		}
	}
	if len(f.types) < 2 || f.fare == nil {
		t.Fatalf("seeded service types: %d plain, fare %v", len(f.types), f.fare)
	}
	mk := func(d time.Time, c *opora.Client) *opora.Client {
		at(d)
		c.BranchID = f.fx.Branch.ID
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.a = mk(day(2026, 1, 10), &opora.Client{Surname: "Альфа", Gender: opora.GenderMale, BirthPrecision: opora.BirthYear,
		BirthYear: 1970, HomelessStatus: opora.Homeless, HomelessSince: opora.NewDate(2024, 3, 1)})
	f.b = mk(day(2026, 2, 15), &opora.Client{Surname: "Бета", Gender: opora.GenderFemale, BirthPrecision: opora.BirthYear, BirthYear: 1990})
	f.cc = mk(day(2026, 3, 20), &opora.Client{Surname: "Гамма", Gender: opora.GenderMale})
	record := func(d time.Time, c *opora.Client, items ...*opora.Service) {
		at(d)
		if err := s.RecordServices(ctx, c.ID, opora.DateOf(d), items); err != nil {
			t.Fatal(err)
		}
	}
	plain := func(ty *opora.ServiceType) *opora.Service { return &opora.Service{TypeID: ty.ID, Quantity: 1} }
	record(day(2026, 1, 10), f.a, plain(f.types[0]), plain(f.types[1]))
	record(day(2026, 2, 1), f.a, plain(f.types[0]))
	record(day(2026, 2, 15), f.b, plain(f.types[0]), &opora.Service{TypeID: f.fare.ID, Quantity: 1, Amount: 15050, HasAmount: true})
	record(day(2026, 3, 20), f.cc, plain(f.types[1]))
	caseTypes, err := s.CaseDictionary(ctx, "case_type", false)
	if err != nil || len(caseTypes) == 0 {
		t.Fatalf("case types: %v", err)
	}
	taskTypes, err := s.CaseDictionary(ctx, "task_type", false)
	if err != nil || len(taskTypes) == 0 {
		t.Fatalf("task types: %v", err)
	}
	at(day(2026, 1, 10))
	ka := &opora.Case{SubjectType: opora.SubjectClient, SubjectID: f.a.ID, ClientID: f.a.ID, TypeID: caseTypes[0].ID,
		CuratorID: f.fx.Admin.ID, OpenedOn: opora.NewDate(2026, 1, 10)}
	if err := s.CreateCase(ctx, ka, 0); err != nil {
		t.Fatal(err)
	}
	task := &opora.Task{CaseID: ka.ID, TypeID: taskTypes[0].ID, ResponsibleID: f.fx.Admin.ID, StartOn: opora.NewDate(2026, 1, 10), DueOn: opora.NewDate(2026, 2, 10)}
	if err := s.AddTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	at(day(2026, 2, 1))
	if err := s.SetTaskStatus(ctx, task.ID, opora.TaskDone, ""); err != nil {
		t.Fatal(err)
	}
	at(day(2026, 3, 1))
	if err := s.CloseCase(ctx, ka.ID, &opora.CaseClosing{Outcome: opora.OutcomeDone, ClosedOn: opora.NewDate(2026, 3, 1)}); err != nil {
		t.Fatal(err)
	}
	at(day(2026, 2, 15))
	kb := &opora.Case{SubjectType: opora.SubjectClient, SubjectID: f.b.ID, ClientID: f.b.ID, TypeID: caseTypes[0].ID,
		CuratorID: f.fx.Admin.ID, OpenedOn: opora.NewDate(2026, 2, 15)}
	if err := s.CreateCase(ctx, kb, 0); err != nil {
		t.Fatal(err)
	}
	s.Now = now
	return f
}

func runReport(t *testing.T, ctx context.Context, s *store.Store, q opora.ReportQuery) (map[string]float64, float64) {
	t.Helper()
	res, err := s.RunReport(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range res.Rows {
		key := ""
		for i, k := range r.Keys {
			if i > 0 {
				key += "|"
			}
			key += k
		}
		out[key] = r.Value
	}
	return out, res.Total
}

func TestStandardReportsHandCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		q1 := opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 20),
			GroupBy: []opora.Dimension{opora.DimServiceType}, Measure: opora.MeasureCount}
		times, total := runReport(t, ctx, s, q1)
		id := func(ty *opora.ServiceType) string { return idStr(ty.ID) }
		if times[id(f.types[0])] != 3 || times[id(f.types[1])] != 2 || times[id(f.fare)] != 1 || total != 6 {
			t.Fatalf("services by type: %v total %v", times, total)
		}
		q1.Measure = opora.MeasureDistinctClients
		clients, total := runReport(t, ctx, s, q1)
		if clients[id(f.types[0])] != 2 || clients[id(f.types[1])] != 2 || clients[id(f.fare)] != 1 || total != 3 {
			t.Fatalf("distinct clients by type: %v total %v", clients, total)
		}
		// The end date is inclusive: to 19.03 drops C's service on 20.03.
		q1.To, q1.Measure = opora.NewDate(2026, 3, 19), opora.MeasureCount
		if _, total = runReport(t, ctx, s, q1); total != 5 {
			t.Fatalf("to 19.03: %v", total)
		}
		// Money: 150,50 ₽ in kopecks.
		q1.GroupBy, q1.Measure = nil, opora.MeasureSumAmount
		if _, total = runReport(t, ctx, s, q1); total != 15050 {
			t.Fatalf("amount %v", total)
		}
		// Completed tasks by type.
		done, total := runReport(t, ctx, s, opora.ReportQuery{Subject: opora.SubjectTasks, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			GroupBy: []opora.Dimension{opora.DimTaskType}, Measure: opora.MeasureCount})
		if total != 1 || len(done) != 1 {
			t.Fatalf("tasks done %v %v", done, total)
		}
		// Results of closed programmes.
		closed, total := runReport(t, ctx, s, opora.ReportQuery{Subject: opora.SubjectClosed, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			GroupBy: []opora.Dimension{opora.DimOutcome}, Measure: opora.MeasureCount})
		if closed["done"] != 1 || total != 1 {
			t.Fatalf("closed %v", closed)
		}
		// Ongoing support on 30.06.2026: B's case, 4 months.
		bands, n, err := s.OngoingSupport(ctx, &opora.ReportQuery{To: opora.NewDate(2026, 6, 30)})
		if err != nil || n != 1 || bands[1].Count != 1 {
			t.Fatalf("ongoing %v %d %v", bands, n, err)
		}
		// On 01.02.2026 both A (3 weeks) and nobody else: B not opened yet.
		if bands, n, _ = s.OngoingSupport(ctx, &opora.ReportQuery{To: opora.NewDate(2026, 2, 1)}); n != 1 || bands[0].Count != 1 {
			t.Fatalf("ongoing on 01.02: %v %d", bands, n)
		}
		// Socio-demographic summary of new clients, first quarter.
		sd, err := s.SociodemographicSummary(ctx, &opora.ReportQuery{From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 31)}, "profession")
		if err != nil {
			t.Fatal(err)
		}
		if sd.Total != 3 || sd.Men != 2 || sd.Women != 1 || sd.AvgAge != 46 || sd.AvgYearsHomeless != 2 || sd.NoProfession != 3 {
			t.Fatalf("sociodemographics %+v", sd)
		}
		// "No matches" is zero, not everyone.
		if _, total = runReport(t, ctx, s, opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			Gender: opora.GenderFemale, AgeMin: 70, Measure: opora.MeasureCount}); total != 0 {
			t.Fatalf("no matches: %v", total)
		}
		// Women only: B's two services.
		if _, total = runReport(t, ctx, s, opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			Gender: opora.GenderFemale, Measure: opora.MeasureCount}); total != 2 {
			t.Fatalf("women: %v", total)
		}
		// Monthly trend of services: January 2, February 3, March 1.
		months, _ := runReport(t, ctx, s, opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			GroupBy: []opora.Dimension{opora.DimMonth}, Measure: opora.MeasureCount})
		if months["2026-01"] != 2 || months["2026-02"] != 3 || months["2026-03"] != 1 {
			t.Fatalf("months %v", months)
		}
		quarters, _ := runReport(t, ctx, s, opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			GroupBy: []opora.Dimension{opora.DimQuarter}, Measure: opora.MeasureCount})
		if quarters["2026-Q1"] != 6 {
			t.Fatalf("quarters %v", quarters)
		}
	})
}

func TestVisitsAndShelterLeaversReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		today := s.Today()
		// Check-in: A came and got food; a newcomer came.
		p := &opora.CheckinPoint{BranchID: f.fx.Branch.ID, Kind: opora.PointWarming, Name: "Пункт обогрева у вокзала"}
		if err := s.SaveCheckinPoint(ctx, p, []string{"Еда"}); err != nil {
			t.Fatal(err)
		}
		pt, err := s.CheckinPoint(ctx, p.ID)
		if err != nil || len(pt.Items) != 1 {
			t.Fatalf("point: %v", err)
		}
		sh := &opora.CheckinShift{PointID: p.ID, Date: today, Starts: "20:00", Ends: "08:00"}
		if err := s.OpenCheckinShift(ctx, sh); err != nil {
			t.Fatal(err)
		}
		newcomer := "u" + "5f0c2b1e-7a3d-4c8e-9b6a-1d2e3f4a5b6c"
		ticks := []opora.Tick{
			{ID: "11111111-1111-4111-8111-111111111111", Person: "c" + idStr(f.a.ID)},
			{ID: "22222222-2222-4222-8222-222222222222", Person: "c" + idStr(f.a.ID), Item: pt.Items[0].ID},
			{ID: "33333333-3333-4333-8333-333333333333", Person: newcomer,
				New: &opora.CheckinPerson{Surname: "Новенькая", Gender: opora.GenderFemale, BirthYear: 1985}},
		}
		res, _, err := s.RecordTicks(ctx, sh.ID, ticks)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != opora.TickAccepted {
				t.Fatalf("tick %+v", r)
			}
		}
		year := opora.ReportQuery{Subject: opora.SubjectVisits, From: today.AddDate(0, 0, -1), To: today, Measure: opora.MeasureCount}
		if _, total := runReport(t, ctx, s, year); total != 3 {
			t.Fatalf("visits: %v", total)
		}
		year.Measure = opora.MeasureDistinctClients
		if _, total := runReport(t, ctx, s, year); total != 2 {
			t.Fatalf("people: %v", total)
		}
		year.Measure, year.GroupBy = opora.MeasureCount, []opora.Dimension{opora.DimItem}
		items, _ := runReport(t, ctx, s, year)
		if items["0"] != 2 || items[idStr(pt.Items[0].ID)] != 1 {
			t.Fatalf("by item: %v", items)
		}
		year.GroupBy, year.Gender = nil, opora.GenderFemale
		if _, total := runReport(t, ctx, s, year); total != 1 {
			t.Fatalf("women visits: %v", total)
		}
		// Shelter: A left (case done), B left (case open), C evicted (no case).
		room := &opora.Room{BranchID: f.fx.Branch.ID, Name: "Комната 1", Capacity: 5}
		if err := s.SaveRoom(ctx, room); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*opora.Client{f.a, f.b, f.cc} {
			st := &opora.Stay{ClientID: c.ID, RoomID: room.ID, CheckIn: today}
			if err := s.CheckIn(ctx, st); err != nil {
				t.Fatal(err)
			}
			out := &opora.Stay{ID: st.ID, ClientID: c.ID, RoomID: room.ID, CheckOut: today, Status: opora.StayLeft}
			if c == f.cc {
				out.Status, out.Reason = opora.StayEvicted, "драка"
			}
			if err := s.CheckOut(ctx, out); err != nil {
				t.Fatal(err)
			}
		}
		counts, total, err := s.ShelterLeavers(ctx, &opora.ReportQuery{From: today, To: today})
		if err != nil || total != 3 {
			t.Fatalf("leavers %v %d", err, total)
		}
		got := map[string]int{}
		for _, c := range counts {
			got[c.Status+"|"+c.Result] = c.Count
		}
		if got["left|done"] != 1 || got["left|open"] != 1 || got["evicted|none"] != 1 {
			t.Fatalf("leavers %v", got)
		}
	})
}

// plainCtx acts as the fixture's administrator with report.run narrowed to
// the fixture's branch, which holds every row of the fixture: the same
// numbers, but no table of counts may answer (they are organisation-wide),
// so reports take the plain SQL over the source rows.
func (f *reportFixture) plainCtx(t *testing.T) context.Context {
	t.Helper()
	a := *opora.ActorFrom(f.fx.Ctx())
	a.Perms = maps.Clone(a.Perms)
	a.Perms[opora.PermReportRun] = opora.ScopeBranch
	a.BranchIDs = []int64{f.fx.Branch.ID}
	return opora.WithActor(context.Background(), &a)
}

// bothPaths runs a report as the administrator (whatever path the store
// picks, tables of counts included) and on the plain SQL, fails unless the
// two give the same rows and total, and returns them.
func (f *reportFixture) bothPaths(t *testing.T, s *store.Store, q opora.ReportQuery) (map[string]float64, float64) {
	t.Helper()
	got, err := s.RunReport(f.fx.Ctx(), &q)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := s.RunReport(f.plainCtx(t), &q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rows, plain.Rows) || got.Total != plain.Total {
		t.Fatalf("%+v: chosen path %v total %v, plain SQL %v total %v", q, got.Rows, got.Total, plain.Rows, plain.Total)
	}
	return runReport(t, f.fx.Ctx(), s, q)
}

// TestReportsLeaveOutDeletedClients deletes B (a woman with type0 and a
// fare of 150,50 on 15.02) and restores her: every services report, on
// every path, loses and regains her services, and no group of zero is left.
func TestReportsLeaveOutDeletedClients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		id := func(ty *opora.ServiceType) string { return idStr(ty.ID) }
		q1 := func(m opora.Measure, from time.Time, g ...opora.Dimension) opora.ReportQuery {
			return opora.ReportQuery{Subject: opora.SubjectServices, From: opora.DateOf(from), To: opora.NewDate(2026, 3, 31), GroupBy: g, Measure: m}
		}
		jan := day(2026, 1, 1)
		check := func(withB bool) {
			t.Helper()
			n := map[bool]float64{true: 1, false: 0}[withB]
			byType, total := f.bothPaths(t, s, q1(opora.MeasureCount, jan, opora.DimServiceType))
			want := map[string]float64{id(f.types[0]): 2 + n, id(f.types[1]): 2}
			if withB {
				want[id(f.fare)] = 1
			}
			if !reflect.DeepEqual(byType, want) || total != 4+2*n {
				t.Fatalf("services by type (B %v): %v total %v", withB, byType, total)
			}
			byWorker, total := f.bothPaths(t, s, q1(opora.MeasureCount, jan, opora.DimWorker))
			if byWorker[idStr(f.fx.Admin.ID)] != 4+2*n || total != 4+2*n {
				t.Fatalf("services by worker (B %v): %v", withB, byWorker)
			}
			if _, total = f.bothPaths(t, s, q1(opora.MeasureSumAmount, jan)); total != 15050*n {
				t.Fatalf("amount (B %v): %v", withB, total)
			}
			// Clients who received services: the months table (one
			// window), the ranges (two windows; by gender) and the plain
			// SQL without the client join (by type).
			if _, total = f.bothPaths(t, s, q1(opora.MeasureDistinctClients, jan)); total != 2+n {
				t.Fatalf("clients (B %v): %v", withB, total)
			}
			if _, total = f.bothPaths(t, s, q1(opora.MeasureDistinctClients, day(2024, 12, 1))); total != 2+n {
				t.Fatalf("clients since 2024 (B %v): %v", withB, total)
			}
			byGender, total := f.bothPaths(t, s, q1(opora.MeasureDistinctClients, jan, opora.DimGender))
			want = map[string]float64{"male": 2}
			if withB {
				want["female"] = 1
			}
			if !reflect.DeepEqual(byGender, want) || total != 2+n {
				t.Fatalf("clients by gender (B %v): %v total %v", withB, byGender, total)
			}
			clientsByType, total := f.bothPaths(t, s, q1(opora.MeasureDistinctClients, jan, opora.DimServiceType))
			if clientsByType[id(f.types[0])] != 1+n || clientsByType[id(f.types[1])] != 2 || total != 2+n {
				t.Fatalf("clients by type (B %v): %v total %v", withB, clientsByType, total)
			}
			women := q1(opora.MeasureCount, jan)
			women.Gender = opora.GenderFemale
			if _, total = f.bothPaths(t, s, women); total != 2*n {
				t.Fatalf("women's services (B %v): %v", withB, total)
			}
			// New clients leave her out as well.
			if _, total = f.bothPaths(t, s, opora.ReportQuery{Subject: opora.SubjectClients, From: opora.DateOf(jan), To: opora.NewDate(2026, 3, 31),
				Measure: opora.MeasureCount}); total != 2+n {
				t.Fatalf("new clients (B %v): %v", withB, total)
			}
			// Her open case too.
			if _, total = f.bothPaths(t, s, opora.ReportQuery{Subject: opora.SubjectCases, From: opora.DateOf(jan), To: opora.NewDate(2026, 3, 31),
				Measure: opora.MeasureCount}); total != 1+n {
				t.Fatalf("cases (B %v): %v", withB, total)
			}
			// Ongoing support on 31.03: her open case (A's closed on 01.03).
			if _, got, err := s.OngoingSupport(ctx, &opora.ReportQuery{To: opora.NewDate(2026, 3, 31)}); err != nil || got != int(n) {
				t.Fatalf("ongoing support (B %v): %v %v", withB, got, err)
			}
		}
		check(true)
		if err := s.DeleteClient(ctx, f.b.ID, "дубль"); err != nil {
			t.Fatal(err)
		}
		check(false)
		if err := s.RestoreClient(ctx, f.b.ID); err != nil {
			t.Fatal(err)
		}
		check(true)
	})
}

// TestReportsShowNoGroupOfZero deletes C's only service (20.03, type1) and
// moves B's fare from February to March: the tables of counts keep rows of
// zero for February's fare and C's day, and no report may show them.
func TestReportsShowNoGroupOfZero(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		s.Now = func() time.Time { return time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC) }
		t.Cleanup(func() { s.Now = time.Now })
		list, _, err := s.ClientServices(ctx, f.cc.ID, 0, 100)
		if err != nil || len(list) != 1 {
			t.Fatalf("C's services: %v %v", list, err)
		}
		if err := s.DeleteService(ctx, list[0].ID, "ошибка"); err != nil {
			t.Fatal(err)
		}
		if list, _, err = s.ClientServices(ctx, f.b.ID, 0, 100); err != nil {
			t.Fatal(err)
		}
		for _, sv := range list {
			if sv.TypeID == f.fare.ID {
				sv.RenderedOn = opora.NewDate(2026, 3, 2)
				if err := s.UpdateService(ctx, sv); err != nil {
					t.Fatal(err)
				}
			}
		}
		q := opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 31),
			GroupBy: []opora.Dimension{opora.DimMonth, opora.DimServiceType}, Measure: opora.MeasureCount}
		rows, total := f.bothPaths(t, s, q)
		want := map[string]float64{"2026-01|" + idStr(f.types[0].ID): 1, "2026-01|" + idStr(f.types[1].ID): 1,
			"2026-02|" + idStr(f.types[0].ID): 2, "2026-03|" + idStr(f.fare.ID): 1}
		if !reflect.DeepEqual(rows, want) || total != 5 {
			t.Fatalf("by month and type: %v total %v", rows, total)
		}
		q.GroupBy = []opora.Dimension{opora.DimServiceType}
		q.From, q.To = opora.NewDate(2026, 2, 1), opora.NewDate(2026, 2, 28)
		if rows, _ = f.bothPaths(t, s, q); !reflect.DeepEqual(rows, map[string]float64{idStr(f.types[0].ID): 2}) {
			t.Fatalf("February by type: %v", rows)
		}
		q.GroupBy, q.Measure = []opora.Dimension{opora.DimWorker}, opora.MeasureSumAmount
		q.From, q.To = opora.NewDate(2026, 2, 10), opora.NewDate(2026, 2, 20)
		if rows, _ = f.bothPaths(t, s, q); len(rows) != 1 || rows[idStr(f.fx.Admin.ID)] != 0 {
			t.Fatalf("amount by worker 10–20.02: %v", rows)
		}
	})
}

// TestReportsAgeOnThePeriodsLastDay adds D, born 20.12.1996, registered
// 10.03.2026 with three services that day. On 04.12.2026 D is 29, not 30;
// on 20.12.2026, 30. A (born 1970) is 56, B (1990) 36, C's age is unknown.
func TestReportsAgeOnThePeriodsLastDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		s.Now = func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) }
		t.Cleanup(func() { s.Now = time.Now })
		d := &opora.Client{Surname: "Дельта", Gender: opora.GenderMale, BirthPrecision: opora.BirthExact,
			BirthDate: opora.NewDate(1996, 12, 20), BranchID: f.fx.Branch.ID}
		if err := s.CreateClient(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordServices(ctx, d.ID, opora.NewDate(2026, 3, 10), []*opora.Service{{TypeID: f.types[0].ID, Quantity: 1},
			{TypeID: f.types[1].ID, Quantity: 1}, {TypeID: f.fare.ID, Quantity: 1, Amount: 5000, HasAmount: true}}); err != nil {
			t.Fatal(err)
		}
		s.Now = time.Now
		dec4, dec20 := day(2026, 12, 4), day(2026, 12, 20)
		newClients := opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2026, 1, 1), To: opora.DateOf(dec4),
			GroupBy: []opora.Dimension{opora.DimAgeBand}, Measure: opora.MeasureCount}
		bands, _ := f.bothPaths(t, s, newClients)
		if want := map[string]float64{"18-29": 1, "30-39": 1, "50-59": 1, "": 1}; !reflect.DeepEqual(bands, want) {
			t.Fatalf("new clients by age band on 04.12: %v", bands)
		}
		// Grouped by month, gender and age band, as the dashboard asks.
		newClients.GroupBy = []opora.Dimension{opora.DimMonth, opora.DimGender, opora.DimAgeBand}
		if rows, _ := f.bothPaths(t, s, newClients); rows["2026-03|male|18-29"] != 1 || rows["2026-03|male|30-39"] != 0 {
			t.Fatalf("new clients by month, gender and band: %v", rows)
		}
		newClients.To = opora.DateOf(dec20)
		newClients.GroupBy = []opora.Dimension{opora.DimAgeBand}
		if bands, _ = f.bothPaths(t, s, newClients); bands["30-39"] != 2 || bands["18-29"] != 0 {
			t.Fatalf("new clients by age band on 20.12: %v", bands)
		}
		newClients.To, newClients.GroupBy, newClients.AgeMax = opora.DateOf(dec4), nil, 29
		if _, total := f.bothPaths(t, s, newClients); total != 1 {
			t.Fatalf("new clients up to 29: %v", total)
		}
		newClients.AgeMin, newClients.AgeMax = 30, 0
		if _, total := f.bothPaths(t, s, newClients); total != 2 {
			t.Fatalf("new clients from 30: %v", total)
		}
		newClients.AgeMin, newClients.Measure = 0, opora.MeasureAvgAge
		if _, total := f.bothPaths(t, s, newClients); total != (56.0+36+29)/3 {
			t.Fatalf("new clients' average age: %v", total)
		}
		// Clients who received services, by age band (the ranges answered
		// this from the birth year).
		services := opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.DateOf(dec4),
			GroupBy: []opora.Dimension{opora.DimAgeBand}, Measure: opora.MeasureDistinctClients}
		if bands, _ = f.bothPaths(t, s, services); bands["18-29"] != 1 || bands["30-39"] != 1 {
			t.Fatalf("clients with services by age band: %v", bands)
		}
		// The average age of the clients who received services: each client
		// once (A has three services, D three, B two), not per service.
		services.GroupBy, services.Measure = nil, opora.MeasureAvgAge
		if _, total := f.bothPaths(t, s, services); total != (56.0+36+29)/3 {
			t.Fatalf("average age of clients with services: %v", total)
		}
		services.GroupBy = []opora.Dimension{opora.DimServiceType}
		byType, total := f.bothPaths(t, s, services)
		if byType[idStr(f.types[0].ID)] != (56.0+36+29)/3 || byType[idStr(f.fare.ID)] != (36.0+29)/2 || total != (56.0+36+29)/3 {
			t.Fatalf("average age by type: %v total %v", byType, total)
		}
		sd, err := s.SociodemographicSummary(ctx, &opora.ReportQuery{From: opora.NewDate(2026, 1, 1), To: opora.DateOf(dec4)}, "profession")
		if err != nil {
			t.Fatal(err)
		}
		if sd.AvgAge != (56.0+36+29)/3 {
			t.Fatalf("sociodemographic average age: %v", sd.AvgAge)
		}
	})
}

// TestHomelessSinceUnknownStaysUnknown: E, homeless, registered 10.01.2026
// with no date since when, is not counted as homeless for 0 years; once the
// questionnaire says 05.2023 the client record says so too, and the
// average counts E from May 2023. A changed on the record shows in the
// questionnaire.
func TestHomelessSinceUnknownStaysUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		s.Now = func() time.Time { return time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC) }
		t.Cleanup(func() { s.Now = time.Now })
		e := &opora.Client{Surname: "Эпсилон", Gender: opora.GenderFemale, HomelessStatus: opora.Homeless, BranchID: f.fx.Branch.ID}
		if err := s.CreateClient(ctx, e); err != nil {
			t.Fatal(err)
		}
		s.Now = time.Now
		got, err := s.Client(ctx, e.ID)
		if err != nil || !got.HomelessSince.IsZero() {
			t.Fatalf("homeless since, not given: %v %v", got.HomelessSince, err)
		}
		// On 31.03.2026 A has been homeless since 01.03.2024: 2 years; E is unknown.
		q := &opora.ReportQuery{From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 31)}
		sd, err := s.SociodemographicSummary(ctx, q, "profession")
		if err != nil || sd.AvgYearsHomeless != 2 {
			t.Fatalf("years homeless with E unknown: %v %v", sd.AvgYearsHomeless, err)
		}
		qa, err := s.Questionnaire(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		since := mustField(t, qa, "homeless_since")
		if err := s.SaveQuestionnaire(ctx, e.ID, map[int64][]string{since.ID: {"05.2023"}}); err != nil {
			t.Fatal(err)
		}
		if got, err = s.Client(ctx, e.ID); err != nil || !got.HomelessSince.Equal(opora.NewDate(2023, 5, 1)) {
			t.Fatalf("homeless since after the questionnaire: %v %v", got.HomelessSince, err)
		}
		// E: 01.05.2023 → 31.03.2026 is 34 months.
		if sd, err = s.SociodemographicSummary(ctx, q, "profession"); err != nil || math.Abs(sd.AvgYearsHomeless-(2+34.0/12)/2) > 1e-9 {
			t.Fatalf("years homeless with E since 05.2023: %v %v", sd.AvgYearsHomeless, err)
		}
		// The record's date goes to the questionnaire.
		got.HomelessSince = opora.NewDate(2022, 11, 15)
		if err := s.UpdateClient(ctx, got); err != nil {
			t.Fatal(err)
		}
		if qa, err = s.Questionnaire(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		ans := qa.Answers[mustField(t, qa, "homeless_since").ID]
		if ans == nil || !ans.Date.Equal(opora.NewDate(2022, 11, 1)) {
			t.Fatalf("questionnaire after the record: %+v", ans)
		}
		// A status change alone invents no date.
		got.HomelessStatus, got.HomelessSince = opora.Housed, opora.DateOf(time.Time{})
		if err := s.UpdateClient(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got, err = s.Client(ctx, e.ID); err != nil || !got.HomelessSince.IsZero() {
			t.Fatalf("homeless since after housing: %v %v", got.HomelessSince, err)
		}
	})
}

// TestOngoingSupportAgreesWithTheCasePage: C's case opened 30.11.2025 has
// run 3 whole months on 28.02.2026 (a month from the 30th ends on the last
// day of February), as the case page's traffic light says; the report
// counted 2.
func TestOngoingSupportAgreesWithTheCasePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		caseTypes, err := s.CaseDictionary(ctx, "case_type", false)
		if err != nil {
			t.Fatal(err)
		}
		kc := &opora.Case{SubjectType: opora.SubjectClient, SubjectID: f.cc.ID, ClientID: f.cc.ID, TypeID: caseTypes[0].ID,
			CuratorID: f.fx.Admin.ID, OpenedOn: opora.NewDate(2025, 11, 30)}
		if err := s.CreateCase(ctx, kc, 0); err != nil {
			t.Fatal(err)
		}
		feb28 := day(2026, 2, 28)
		if m := kc.Months(opora.DateOf(feb28)); m != 3 || kc.Light(opora.DateOf(feb28)) != opora.LightYellow {
			t.Fatalf("case page on 28.02: %d months, %s", m, kc.Light(opora.DateOf(feb28)))
		}
		bands, n, err := s.OngoingSupport(ctx, &opora.ReportQuery{To: opora.DateOf(feb28)})
		if err != nil {
			t.Fatal(err)
		}
		// A (opened 10.01) and B (15.02) under 3 months, C 3 to 6.
		if n != 3 || bands[0].Count != 2 || bands[1].Count != 1 || bands[2].Count != 0 {
			t.Fatalf("ongoing support on 28.02: %v of %d", bands, n)
		}
	})
}

// TestReportsSumQuantities: a service with a quantity (photos ×5 for A on
// 20.03) counts once as a service and five times as units.
func TestReportsSumQuantities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		types, err := s.ServiceTypes(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		var photos *opora.ServiceType
		for _, ty := range types {
			if ty.HasQuantity && !ty.HasAmount && !ty.CommentRequired && photos == nil {
				photos = ty
			}
		}
		s.Now = func() time.Time { return time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC) }
		t.Cleanup(func() { s.Now = time.Now })
		if err := s.RecordServices(ctx, f.a.ID, opora.NewDate(2026, 3, 20), []*opora.Service{{TypeID: photos.ID, Quantity: 5}}); err != nil {
			t.Fatal(err)
		}
		q := opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 31),
			GroupBy: []opora.Dimension{opora.DimServiceType}, Measure: opora.MeasureCount}
		if rows, total := f.bothPaths(t, s, q); rows[idStr(photos.ID)] != 1 || total != 7 {
			t.Fatalf("services by type: %v total %v", rows, total)
		}
		q.Measure = opora.MeasureSumQuantity
		if rows, total := f.bothPaths(t, s, q); rows[idStr(photos.ID)] != 5 || rows[idStr(f.types[0].ID)] != 3 || total != 11 {
			t.Fatalf("units by type: %v total %v", rows, total)
		}
		q.Subject, q.GroupBy = opora.SubjectClients, nil
		if _, err := s.RunReport(ctx, &q); err == nil {
			t.Fatal("units of new clients: no error")
		}
	})
}

// TestReportRowsInCatalogOrder: services by type come in the catalog's
// order on every path, not in the text order of the ids ("1", "16", "2"),
// and follow the catalog when a type moves; the dashboard's marginal too.
func TestReportRowsInCatalogOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		types, err := s.ServiceTypes(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		catalog := func() []string {
			types, err := s.ServiceTypes(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, ty := range types {
				if ty.ID == f.types[0].ID || ty.ID == f.types[1].ID || ty.ID == f.fare.ID {
					out = append(out, idStr(ty.ID))
				}
			}
			return out
		}
		q := opora.ReportQuery{Subject: opora.SubjectServices, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 31),
			GroupBy: []opora.Dimension{opora.DimServiceType}, Measure: opora.MeasureCount}
		order := func(ctx context.Context, q opora.ReportQuery, col int) []string {
			res, err := s.RunReport(ctx, &q)
			if err != nil {
				t.Fatal(err)
			}
			if col > 0 {
				res = res.Marginal(col)
			}
			var out []string
			for _, r := range res.Rows {
				out = append(out, r.Keys[0])
			}
			return out
		}
		// The second type moves up within its group, above the first.
		for range types {
			if err := s.MoveServiceType(ctx, f.types[1].ID, true); err != nil {
				t.Fatal(err)
			}
		}
		want := catalog()
		if want[0] != idStr(f.types[1].ID) || f.types[0].ID > f.types[1].ID || f.fare.ID < 10 {
			t.Fatalf("catalog after the move: %v (fare %d)", want, f.fare.ID)
		}
		for _, m := range []opora.Measure{opora.MeasureCount, opora.MeasureDistinctClients} {
			q.Measure = m
			if got := order(ctx, q, 0); !slices.Equal(got, want) {
				t.Fatalf("%s by type: %v, catalog %v", m, got, want)
			}
			if got := order(f.plainCtx(t), q, 0); !slices.Equal(got, want) {
				t.Fatalf("%s by type on the plain SQL: %v, catalog %v", m, got, want)
			}
		}
		q.Measure, q.GroupBy = opora.MeasureCount, []opora.Dimension{opora.DimMonth, opora.DimServiceType}
		if got := order(ctx, q, 1); !slices.Equal(got, want) {
			t.Fatalf("marginal by type: %v, catalog %v", got, want)
		}
	})
}

// TestReportPathsAgreeOnEveryQueryField sets each field of
// opora.ReportQuery in turn (found by reflection, so a field added later
// is set too) on queries the tables of counts answer, and compares the
// answer with the plain SQL's: a table that ignored a filter or grouping
// would give other numbers.
func TestReportPathsAgreeOnEveryQueryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildReportFixture(t, s)
		ctx := f.fx.Ctx()
		opts, err := s.ReportOptions(ctx)
		if err != nil || len(opts.Fields) == 0 || len(opts.CaseTypes) == 0 || len(opts.TaskTypes) == 0 {
			t.Fatalf("report options: %v", err)
		}
		field := opts.Fields[0]
		if err := s.SaveQuestionnaire(ctx, f.a.ID, map[int64][]string{field.ID: {idStr(field.Options[0].ID)}}); err != nil {
			t.Fatal(err)
		}
		// A sample value per field; a field not named here gets a value of
		// its kind.
		samples := map[string][]any{
			"Subject":        {opora.SubjectCases, opora.SubjectClients, opora.SubjectServices},
			"From":           {opora.NewDate(2026, 2, 10)},
			"To":             {opora.NewDate(2026, 2, 20)},
			"BranchIDs":      {[]int64{f.fx.Branch.ID}},
			"WorkerIDs":      {[]int64{f.fx.Admin.ID}},
			"Gender":         {opora.GenderFemale},
			"AgeMin":         {30},
			"AgeMax":         {40},
			"HomelessStatus": {opora.Homeless},
			"ServiceTypeIDs": {[]int64{f.types[0].ID}},
			"CaseTypeIDs":    {[]int64{opts.CaseTypes[0].ID}},
			"CaseStatus":     {"open"},
			"TaskTypeIDs":    {[]int64{opts.TaskTypes[0].ID}},
			"Fields":         {[]opora.FieldFilter{{FieldID: field.ID, OptionIDs: []int64{field.Options[0].ID}}}},
		}
		for _, m := range opora.Measures {
			samples["Measure"] = append(samples["Measure"], m)
		}
		for _, d := range []opora.Dimension{opora.DimMonth, opora.DimYear, opora.DimBranch, opora.DimWorker,
			opora.DimGender, opora.DimAgeBand, opora.DimServiceType, opora.DimHomeless, opora.DimCaseType,
			opora.FieldDimension(field.ID)} {
			samples["GroupBy"] = append(samples["GroupBy"], []opora.Dimension{d})
		}
		bases := []opora.ReportQuery{
			{Subject: opora.SubjectServices, GroupBy: []opora.Dimension{opora.DimServiceType}, Measure: opora.MeasureCount},
			{Subject: opora.SubjectServices, GroupBy: []opora.Dimension{opora.DimWorker}, Measure: opora.MeasureSumAmount},
			{Subject: opora.SubjectServices, Measure: opora.MeasureDistinctClients},
			{Subject: opora.SubjectServices, From: opora.NewDate(2024, 12, 1), GroupBy: []opora.Dimension{opora.DimGender},
				Measure: opora.MeasureDistinctClients},
			{Subject: opora.SubjectClients, GroupBy: []opora.Dimension{opora.DimMonth}, Measure: opora.MeasureCount},
		}
		typ := reflect.TypeFor[opora.ReportQuery]()
		for _, base := range bases {
			if base.From.IsZero() {
				base.From = opora.NewDate(2026, 1, 1)
			}
			base.To = opora.NewDate(2026, 3, 31)
			for i := range typ.NumField() {
				name := typ.Field(i).Name
				values := samples[name]
				if values == nil {
					// A new field: a value of its kind.
					v := reflect.New(typ.Field(i).Type).Elem()
					switch v.Kind() {
					case reflect.Slice:
						v = reflect.MakeSlice(v.Type(), 1, 1)
						if e := v.Index(0); e.Kind() == reflect.Int64 {
							e.SetInt(1)
						}
					case reflect.String:
						v.SetString("x")
					case reflect.Int, reflect.Int64:
						v.SetInt(1)
					case reflect.Bool:
						v.SetBool(true)
					}
					values = []any{v.Interface()}
				}
				for _, val := range values {
					q := base
					reflect.ValueOf(&q).Elem().Field(i).Set(reflect.ValueOf(val))
					got, errGot := s.RunReport(ctx, &q)
					plain, errPlain := s.RunReport(f.plainCtx(t), &q)
					if (errGot == nil) != (errPlain == nil) || errGot != nil && errGot.Error() != errPlain.Error() {
						t.Errorf("%s = %v on %+v: chosen path %v, plain SQL %v", name, val, base, errGot, errPlain)
						continue
					}
					if errGot != nil {
						continue
					}
					if !reflect.DeepEqual(got.Rows, plain.Rows) || got.Total != plain.Total {
						t.Errorf("%s = %v on %v %v %v: chosen path %v total %v, plain SQL %v total %v", name, val, base.Subject,
							base.GroupBy, base.Measure, got.Rows, got.Total, plain.Rows, plain.Total)
					}
				}
			}
		}
	})
}
