package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

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
		today := opora.ServiceToday(serviceNow)
		food, fare := ty["Продуктовый набор"].ID, ty["Оплата проезда"].ID
		record := func(ctx context.Context, d int, items ...*opora.Service) {
			t.Helper()
			if err := s.RecordServices(ctx, c.ID, today.AddDate(0, 0, d), items); err != nil {
				t.Fatal(err)
			}
		}
		record(ctx, -5, &opora.Service{TypeID: food, Quantity: 1})
		record(ctx, -2, &opora.Service{TypeID: fare, Amount: 10000, HasAmount: true})
		record(ctx, 0, &opora.Service{TypeID: fare, Amount: 5050, HasAmount: true}, &opora.Service{TypeID: food, Quantity: 3})
		record(ctx2, 0, &opora.Service{TypeID: food, Quantity: 1})
		list, _, err := s.MyServices(ctx, store.ServiceFilter{TypeID: fare, From: today, To: today})
		if err != nil || len(list) != 1 {
			t.Fatalf("%v %v", list, err)
		}
		sv := list[0]
		if err := s.UpdateService(ctx, &opora.Service{ID: sv.ID, Version: sv.Version, RenderedOn: today.AddDate(0, 0, -1),
			Amount: 7000, HasAmount: true}); err != nil {
			t.Fatal(err)
		}
		list, _, _ = s.MyServices(ctx, store.ServiceFilter{TypeID: food, From: today.AddDate(0, 0, -5), To: today.AddDate(0, 0, -5)})
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

		// The administrator's organisation-wide report reads the counts.
		q := &opora.ReportQuery{Subject: opora.SubjectServices, From: today.AddDate(0, 0, -30), To: today,
			GroupBy: []opora.Dimension{opora.DimServiceType}, Measure: opora.MeasureCount}
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
