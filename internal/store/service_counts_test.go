package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// rowsOf reads a query's rows as text lines.
func rowsOf(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var line []string
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			line = append(line, fmt.Sprint(v))
		}
		out = append(out, strings.Join(line, "|"))
	}
	return out
}

// The service counts the reports read stay equal to the services
// themselves through recording, editing and deleting, and a services report
// answered from them gives the numbers counted from the services.
func TestServiceCountsFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		_, ctx := fx.AddUser(t, "worker", "specialist")
		_, ctx2 := fx.AddUser(t, "colleague", "specialist")
		today := opora.ServiceToday(serviceNow).Time()
		food, fare := ty["Продуктовый набор"].ID, ty["Оплата проезда"].ID
		record := func(ctx context.Context, d int, items ...*opora.Service) {
			t.Helper()
			if err := s.RecordServices(ctx, c.ID, opora.DateOf(today.AddDate(0, 0, d)), items); err != nil {
				t.Fatal(err)
			}
		}
		record(ctx, -5, &opora.Service{TypeID: food, Quantity: 1})
		record(ctx, -2, &opora.Service{TypeID: fare, Amount: 10000, HasAmount: true})
		record(ctx, 0, &opora.Service{TypeID: fare, Amount: 5050, HasAmount: true}, &opora.Service{TypeID: food, Quantity: 3})
		record(ctx2, 0, &opora.Service{TypeID: food, Quantity: 1})
		list, _, err := s.MyServices(ctx, store.ServiceFilter{TypeID: fare, From: opora.DateOf(today), To: opora.DateOf(today)})
		if err != nil || len(list) != 1 {
			t.Fatalf("%v %v", list, err)
		}
		sv := list[0]
		if err := s.UpdateService(ctx, &opora.Service{ID: sv.ID, Version: sv.Version, RenderedOn: opora.DateOf(today.AddDate(0, 0, -1)),
			Amount: 7000, HasAmount: true}); err != nil {
			t.Fatal(err)
		}
		list, _, _ = s.MyServices(ctx, store.ServiceFilter{TypeID: food, From: opora.DateOf(today.AddDate(0, 0, -5)), To: opora.DateOf(today.AddDate(0, 0, -5))})
		if err := s.DeleteService(ctx, list[0].ID, "ошибка"); err != nil {
			t.Fatal(err)
		}

		db := storetest.RawDB(t, s)
		kept := rowsOf(t, db, `SELECT organisation_id, day, branch_id, type_id, worker_id, services, amount_kopecks
			FROM service_counts WHERE services <> 0 ORDER BY 1, 2, 3, 4, 5`)
		fromServices := rowsOf(t, db, `SELECT organisation_id, rendered_on, branch_id, type_id, worker_id, COUNT(*),
			COALESCE(SUM(amount_kopecks), 0) FROM services WHERE deleted_at IS NULL
			GROUP BY organisation_id, rendered_on, branch_id, type_id, worker_id ORDER BY 1, 2, 3, 4, 5`)
		if !slices.Equal(kept, fromServices) || len(kept) != 4 {
			t.Fatalf("service_counts\n%v\nservices\n%v", kept, fromServices)
		}
		kept = rowsOf(t, db, `SELECT organisation_id, day, branch_id, type_id, services, amount_kopecks
			FROM service_type_counts WHERE services <> 0 ORDER BY 1, 2, 3, 4`)
		fromServices = rowsOf(t, db, `SELECT organisation_id, rendered_on, branch_id, type_id, COUNT(*),
			COALESCE(SUM(amount_kopecks), 0) FROM services WHERE deleted_at IS NULL
			GROUP BY organisation_id, rendered_on, branch_id, type_id ORDER BY 1, 2, 3, 4`)
		if !slices.Equal(kept, fromServices) || len(kept) != 3 {
			t.Fatalf("service_type_counts\n%v\nservices\n%v", kept, fromServices)
		}

		// The administrator's organisation-wide report reads the counts.
		q := &opora.ReportQuery{Subject: opora.SubjectServices, From: opora.DateOf(today.AddDate(0, 0, -30)), To: opora.DateOf(today),
			GroupBy: []opora.Dimension{opora.DimServiceType}, Measure: opora.MeasureCount}
		if c, err := s.CompileReport(fx.Ctx(), q); err != nil || !strings.Contains(c.Query, "service_type_counts") {
			t.Fatalf("services by type not read from service_type_counts: %v %v", c, err)
		}
		res, err := s.RunReport(fx.Ctx(), q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, r := range res.Rows {
			got[r.Keys[0]] = r.Value
		}
		// Left: two food parcels today, the fares of 100 ₽ and (edited) 70 ₽.
		if res.Total != 4 || got[fmt.Sprint(food)] != 2 || got[fmt.Sprint(fare)] != 2 {
			t.Errorf("services by type: %+v total %v", res.Rows, res.Total)
		}
		q.Measure, q.GroupBy = opora.MeasureSumAmount, nil
		if res, err = s.RunReport(fx.Ctx(), q); err != nil || res.Total != 17000 {
			t.Errorf("sum of amounts: %v %v", res, err)
		}
	})
}

// The months in which clients received services (active_client_months)
// stay equal to the services through recording, editing across a new year,
// deleting and merging, and "clients who received services" counts from
// them what the services say.
func TestActiveClientMonthsFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		now := time.Date(2026, 1, 3, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		_, ctx := fx.AddUser(t, "worker", "specialist")
		food, fare := ty["Продуктовый набор"].ID, ty["Оплата проезда"].ID
		other := &opora.Client{Surname: "Дубликат", FirstName: "Иван", BranchID: fx.Branch.ID}
		third := &opora.Client{Surname: "Третий", FirstName: "Пётр", BranchID: fx.Branch.ID}
		for _, cl := range []*opora.Client{other, third} {
			if err := s.CreateClient(fx.Ctx(), cl); err != nil {
				t.Fatal(err)
			}
		}
		today := opora.ServiceToday(now).Time()
		record := func(cl *opora.Client, d int, items ...*opora.Service) {
			t.Helper()
			if err := s.RecordServices(ctx, cl.ID, opora.DateOf(today.AddDate(0, 0, d)), items); err != nil {
				t.Fatal(err)
			}
		}
		record(c, -5, &opora.Service{TypeID: food, Quantity: 1})                  // 29 December 2025
		record(c, 0, &opora.Service{TypeID: fare, Amount: 5000, HasAmount: true}) // 3 January 2026
		record(other, -6, &opora.Service{TypeID: food, Quantity: 1})              // 28 December 2025
		record(third, -4, &opora.Service{TypeID: food, Quantity: 2})              // 30 December 2025
		list, _, err := s.MyServices(ctx, store.ServiceFilter{From: opora.DateOf(today.AddDate(0, 0, -4)), To: opora.DateOf(today.AddDate(0, 0, -4))})
		if err != nil || len(list) != 1 {
			t.Fatalf("%v %v", list, err)
		}
		// The third client's only service moves into the new year.
		if err := s.UpdateService(ctx, &opora.Service{ID: list[0].ID, Version: list[0].Version, RenderedOn: opora.DateOf(today.AddDate(0, 0, -1)),
			Quantity: 2}); err != nil {
			t.Fatal(err)
		}
		list, _, _ = s.MyServices(ctx, store.ServiceFilter{From: opora.DateOf(today), To: opora.DateOf(today)})
		if err := s.DeleteService(ctx, list[0].ID, "ошибка"); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeClients(fx.Ctx(), c.ID, other.ID); err != nil {
			t.Fatal(err)
		}

		db := storetest.RawDB(t, s)
		kept := rowsOf(t, db, `SELECT organisation_id, branch_id, span, client_id, months FROM active_client_months ORDER BY 1, 2, 3, 4`)
		// The same rows worked out from the services left.
		masks := map[[4]int64]int64{}
		rows, err := db.Query(`SELECT organisation_id, branch_id, client_id, rendered_on FROM services WHERE deleted_at IS NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var org, branch, client int64
			var day time.Time
			if err := rows.Scan(&org, &branch, &client, &day); err != nil {
				t.Fatal(err)
			}
			for _, span := range []int{day.Year() - 1, day.Year()} {
				bit := int64(1) << ((day.Year()-span)*12 + int(day.Month()) - 1)
				masks[[4]int64{org, branch, int64(span), client}] |= bit
				masks[[4]int64{org, 0, int64(span), client}] |= bit
			}
		}
		rows.Close()
		var want []string
		for k, m := range masks {
			want = append(want, fmt.Sprintf("%d|%d|%d|%d|%d", k[0], k[1], k[2], k[3], m))
		}
		slices.SortFunc(want, func(a, b string) int {
			pa, pb := strings.Split(a, "|"), strings.Split(b, "|")
			for i := range pa {
				x, _ := strconv.ParseInt(pa[i], 10, 64)
				y, _ := strconv.ParseInt(pb[i], 10, 64)
				if x != y {
					return int(x - y)
				}
			}
			return 0
		})
		// Two clients left with services (the merged one's moved), each in
		// two windows, for the branch and for all branches.
		if !slices.Equal(kept, want) || len(kept) != 8 {
			t.Fatalf("active_client_months\n%v\nfrom the services\n%v", kept, want)
		}

		count := func(from, to time.Time) float64 {
			t.Helper()
			res, err := s.RunReport(fx.Ctx(), &opora.ReportQuery{Subject: opora.SubjectServices,
				Measure: opora.MeasureDistinctClients, From: opora.DateOf(from), To: opora.DateOf(to)})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		dec := func(d int) time.Time { return time.Date(2025, 12, d, 0, 0, 0, 0, time.UTC) }
		jan := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
		for _, tc := range []struct {
			from, to time.Time
			want     float64
		}{
			{dec(1), dec(31), 1},  // the survivor's two December services
			{dec(29), jan(3), 2},  // and the third client's, moved to 2 January
			{dec(30), jan(1), 0},  // nothing in between
			{jan(3), jan(31), 0},  // the 3 January fare was deleted
			{dec(28), dec(28), 1}, // the merged-away client's service, now the survivor's
		} {
			if got := count(tc.from, tc.to); got != tc.want {
				t.Errorf("clients who received services %v–%v: %v, want %v", tc.from, tc.to, got, tc.want)
			}
		}

		// A database whose services predate the table gets it filled by Migrate.
		if _, err := db.Exec(`DELETE FROM active_client_months`); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := rowsOf(t, db, `SELECT organisation_id, branch_id, span, client_id, months FROM active_client_months ORDER BY 1, 2, 3, 4`); !slices.Equal(got, want) {
			t.Errorf("after Migrate\n%v\nwant\n%v", got, want)
		}
	})
}

// Workers recording services for one client at the same moment, in
// different months, leave the client's months complete: each rewrite of the
// client's rows sees the services of the others.
func TestActiveClientMonthsUnderConcurrentRecording(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		now := time.Date(2026, 1, 3, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		today := opora.ServiceToday(now).Time()
		food := ty["Продуктовый набор"].ID
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			_, ctx := fx.AddUser(t, fmt.Sprintf("worker%d", i), "specialist")
			wg.Go(func() {
				// 3 January back to 27 December: both months, both years.
				errs[i] = s.RecordServices(ctx, c.ID, opora.DateOf(today.AddDate(0, 0, -i%7)), []*opora.Service{{TypeID: food, Quantity: 1}})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("worker %d: %v", i, err)
			}
		}
		db := storetest.RawDB(t, s)
		// Windows 2024 (bit 23 = December 2025), 2025 (bits 11 = December
		// 2025, 12 = January 2026) and 2026 (bit 0 = January 2026), each for
		// the branch and for all branches.
		got := rowsOf(t, db, `SELECT span, months FROM active_client_months WHERE client_id = `+strconv.FormatInt(c.ID, 10)+
			` ORDER BY span, branch_id`)
		want := []string{"2024|8388608", "2024|8388608", "2025|6144", "2025|6144", "2026|1", "2026|1"}
		if !slices.Equal(got, want) {
			t.Errorf("client's months %v, want %v", got, want)
		}
	})
}

// Each client's first and last day with services (client_service_ranges)
// stays equal to the services and the client through recording in two
// branches, editing, deleting, merging and a change of gender; and
// "clients who received services" over long periods and by client
// attributes, answered from the ranges, gives what counting the services
// gives.
func TestServiceRangesFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		_, ty := serviceSetup(t, s, fx)
		food := ty["Продуктовый набор"].ID
		at := func(day time.Time) {
			s.Now = func() time.Time { return time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, time.UTC) }
		}
		second := &opora.Branch{Name: "Пункт на Боровой"}
		if err := s.SaveBranch(fx.Ctx(), second); err != nil {
			t.Fatal(err)
		}
		// Services are rendered in the recording worker's branch when the
		// client is not of it.
		in := func(branch int64) context.Context {
			a := *fx.Actor
			a.BranchIDs = []int64{branch}
			return opora.WithActor(context.Background(), &a)
		}
		var cs []*opora.Client
		for i, g := range []opora.Gender{opora.GenderMale, opora.GenderFemale, opora.GenderMale, opora.GenderFemale, ""} {
			c := &opora.Client{Surname: fmt.Sprintf("Клиент%d", i), FirstName: "Иван", BranchID: fx.Branch.ID, Gender: g,
				BirthPrecision: opora.BirthYear, BirthYear: 1960 + 10*i}
			if err := s.CreateClient(fx.Ctx(), c); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		record := func(c *opora.Client, branch int64, day time.Time) {
			t.Helper()
			at(day)
			if err := s.RecordServices(in(branch), c.ID, opora.DateOf(day), []*opora.Service{{TypeID: food, Quantity: 1}}); err != nil {
				t.Fatal(err)
			}
		}
		d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
		record(cs[0], fx.Branch.ID, d(2021, 3, 1))
		record(cs[0], second.ID, d(2026, 5, 20))
		record(cs[1], fx.Branch.ID, d(2023, 7, 7))
		record(cs[1], fx.Branch.ID, d(2024, 1, 9))
		record(cs[2], second.ID, d(2019, 2, 2)) // before the five years
		record(cs[2], second.ID, d(2026, 6, 1))
		record(cs[3], fx.Branch.ID, d(2021, 3, 4))
		record(cs[4], second.ID, d(2025, 12, 31))
		// An edit moves the fourth client's service into the five years, a
		// delete takes the fifth's away, a merge gives the second's to the
		// first, and the third changes gender.
		at(d(2021, 7, 4))
		list, _, err := s.MyServices(fx.Ctx(), store.ServiceFilter{From: opora.DateOf(d(2021, 3, 4)), To: opora.DateOf(d(2021, 3, 4))})
		if err != nil || len(list) != 1 {
			t.Fatalf("%v %v", list, err)
		}
		if err := s.UpdateService(fx.Ctx(), &opora.Service{ID: list[0].ID, Version: list[0].Version, RenderedOn: opora.DateOf(d(2021, 7, 4)),
			Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		at(d(2026, 1, 5))
		list, _, _ = s.MyServices(fx.Ctx(), store.ServiceFilter{From: opora.DateOf(d(2025, 12, 31)), To: opora.DateOf(d(2025, 12, 31))})
		if len(list) != 1 {
			t.Fatalf("services of 31.12.2025: %v", list)
		}
		if err := s.DeleteService(fx.Ctx(), list[0].ID, "ошибка"); err != nil {
			t.Fatal(err)
		}
		at(d(2026, 6, 15))
		if err := s.MergeClients(fx.Ctx(), cs[0].ID, cs[1].ID); err != nil {
			t.Fatal(err)
		}
		c2, err := s.Client(fx.Ctx(), cs[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		c2.Gender = opora.GenderFemale
		if err := s.UpdateClient(fx.Ctx(), c2); err != nil {
			t.Fatal(err)
		}

		db := storetest.RawDB(t, s)
		kept := rangeRows(t, db)
		// The same worked out from the services and the clients.
		type rng struct{ first, last time.Time }
		ranges := map[[3]int64]*rng{}
		rows, err := db.Query(`SELECT organisation_id, branch_id, client_id, rendered_on FROM services WHERE deleted_at IS NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var org, branch, client int64
			var day time.Time
			if err := rows.Scan(&org, &branch, &client, &day); err != nil {
				t.Fatal(err)
			}
			for _, b := range []int64{branch, 0} {
				k := [3]int64{org, b, client}
				if r := ranges[k]; r == nil {
					ranges[k] = &rng{day, day}
				} else {
					if day.Before(r.first) {
						r.first = day
					}
					if day.After(r.last) {
						r.last = day
					}
				}
			}
		}
		rows.Close()
		var want []string
		for k, r := range ranges {
			var gender, status string
			var year int64
			if err := db.QueryRow(`SELECT gender, COALESCE(birth_year, 0), homeless_status FROM clients WHERE id = $1`, k[2]).
				Scan(&gender, &year, &status); err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprint(k[0], k[1], k[2], r.first.Format("2006-01-02"), r.last.Format("2006-01-02"), gender, year, status))
		}
		slices.Sort(want)
		if !slices.Equal(kept, want) || len(kept) != 7 {
			t.Fatalf("client_service_ranges\n%s\nfrom the services\n%s", strings.Join(kept, "\n"), strings.Join(want, "\n"))
		}

		raw := rawReportCtx(fx, fx.Branch.ID, second.ID)
		// On SQLite grouped reports are split by client number (splitRanges),
		// here from the first client on.
		defer store.SplitRangesFrom(1)()
		five := [2]time.Time{d(2021, 6, 16), d(2026, 6, 15)}
		for _, p := range [][2]time.Time{five, {d(2021, 1, 1), d(2026, 12, 31)}, {d(2022, 1, 1), d(2023, 12, 31)},
			{d(2024, 2, 1), d(2026, 5, 31)}, {d(2019, 1, 1), d(2026, 6, 15)}} {
			for _, sh := range []opora.ReportQuery{
				{GroupBy: []opora.Dimension{opora.DimBranch, opora.DimGender}},
				{GroupBy: []opora.Dimension{opora.DimGender}},
				{GroupBy: []opora.Dimension{opora.DimAgeBand}},
				{},
				{BranchIDs: []int64{second.ID}, GroupBy: []opora.Dimension{opora.DimGender}},
				{BranchIDs: []int64{fx.Branch.ID, second.ID}, Gender: opora.GenderMale},
				{AgeMin: 40, GroupBy: []opora.Dimension{opora.DimHomeless}},
			} {
				q := sh
				q.Subject, q.Measure, q.From, q.To = opora.SubjectServices, opora.MeasureDistinctClients, opora.DateOf(p[0]), opora.DateOf(p[1])
				name := fmt.Sprintf("%s…%s %v %v", p[0].Format("02.01.2006"), p[1].Format("02.01.2006"), q.GroupBy, q.BranchIDs)
				c, err := s.CompileReport(fx.Ctx(), &q)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(c.Query, "client_service_ranges") && (len(q.GroupBy) > 0 || q.Gender != "") {
					t.Errorf("%s: not read from the ranges: %s", name, c.Query)
				}
				if split := len(c.Parts) > 0; split != (s.Dialect() == store.SQLite && len(q.GroupBy) > 0) {
					t.Errorf("%s: split in %d parts on %s", name, len(c.Parts), s.Dialect())
				}
				got, err := s.RunReport(fx.Ctx(), &q)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				want, err := s.RunReport(raw, &q)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := reportLines(got), reportLines(want); !slices.Equal(g, w) {
					t.Errorf("%s\ngot  %v\nwant %v", name, g, w)
				}
			}
		}
		// What a person counts over the five years: the first client (with
		// the second's services), the third (now a woman, 01.06.2026), the
		// fourth (moved to 04.07.2021): three; by gender two women, one man.
		res, err := s.RunReport(fx.Ctx(), &opora.ReportQuery{Subject: opora.SubjectServices, Measure: opora.MeasureDistinctClients,
			From: opora.DateOf(five[0]), To: opora.DateOf(five[1]), GroupBy: []opora.Dimension{opora.DimGender}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(reportLines(res), ", ") != "female = 2, male = 1, total = 3" {
			t.Errorf("clients who received services in five years by gender: %v", reportLines(res))
		}

		// A database whose services predate the table gets it filled by Migrate.
		if _, err := db.Exec(`DELETE FROM client_service_ranges`); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		again := rangeRows(t, db)
		if !slices.Equal(again, kept) {
			t.Fatalf("filled at Migrate\n%s\nkept\n%s", strings.Join(again, "\n"), strings.Join(kept, "\n"))
		}
	})
}

// rangeRows reads client_service_ranges as sorted text lines.
func rangeRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT organisation_id, branch_id, client_id, first_day, last_day, gender, birth_year, homeless_status
		FROM client_service_ranges`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var org, branch, client, year int64
		var first, last time.Time
		var gender, status string
		if err := rows.Scan(&org, &branch, &client, &first, &last, &gender, &year, &status); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(org, branch, client, first.Format("2006-01-02"), last.Format("2006-01-02"), gender, year, status))
	}
	slices.Sort(out)
	return out
}
