package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

var serviceNow = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

// serviceSetup fixes the clock, makes a client and returns the seeded
// catalog by name.
func serviceSetup(t *testing.T, s *store.Store, fx *storetest.Fixture) (*opora.Client, map[string]*opora.ServiceType) {
	t.Helper()
	s.Now = func() time.Time { return serviceNow }
	ctx := fx.Ctx()
	c := &opora.Client{Surname: "Получатель", FirstName: "Иван", BranchID: fx.Branch.ID}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	types, err := s.ServiceTypes(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*opora.ServiceType{}
	for _, st := range types {
		byName[st.Name] = st
	}
	for _, n := range []string{"Продуктовый набор", "Гигиенический набор", "Оплата проезда", "Консультация юриста",
		"Направление в медицинское учреждение"} {
		if byName[n] == nil {
			t.Fatalf("catalog has no %q", n)
		}
	}
	return c, byName
}

func fieldErr(t *testing.T, err error, field, key string) {
	t.Helper()
	if got := opora.FieldErrors(err)[field]; got != key {
		t.Errorf("error for %s = %q, want %q (err %v)", field, got, key, err)
	}
}

func countServices(t *testing.T, s *store.Store, ctx context.Context, clientID int64) int {
	t.Helper()
	_, n, err := s.ClientServices(ctx, clientID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecordServices(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		_, ctx := fx.AddUser(t, "worker", "specialist")
		today := opora.ServiceToday(serviceNow).Time()

		// Several at once: food ×2, hygiene kit, fare 150,50.
		items := []*opora.Service{{TypeID: ty["Продуктовый набор"].ID, Quantity: 2},
			{TypeID: ty["Гигиенический набор"].ID, Quantity: 1},
			{TypeID: ty["Оплата проезда"].ID, Amount: 15050, HasAmount: true}}
		if err := s.RecordServices(ctx, c.ID, opora.DateOf(today), items); err != nil {
			t.Fatal(err)
		}
		list, n, err := s.ClientServices(ctx, c.ID, 0, 10)
		if err != nil || n != 3 || len(list) != 3 {
			t.Fatalf("client services: %d %v", n, err)
		}
		for _, sv := range list {
			if sv.BranchID != fx.Branch.ID || sv.WorkerID == 0 || !sv.RenderedOn.Equal(opora.DateOf(today)) {
				t.Errorf("service %+v", sv)
			}
			if sv.TypeName == "Оплата проезда" && (!sv.HasAmount || sv.Amount != 15050) {
				t.Errorf("fare amount %d %v", sv.Amount, sv.HasAmount)
			}
			if sv.TypeName == "Продуктовый набор" && sv.Quantity != 2 {
				t.Errorf("food quantity %d", sv.Quantity)
			}
			if sv.TypeName == "Гигиенический набор" && sv.HasAmount {
				t.Errorf("hygiene kit has an amount")
			}
		}
		events, err := s.Timeline(ctx, c.ID, []string{opora.EventService}, 0, 10)
		if err != nil || len(events) != 3 {
			t.Fatalf("timeline: %d %v", len(events), err)
		}
		audit, _, err := s.AuditEntries(fx.Ctx(), opora.AuditFilter{Entity: "service", Limit: 10})
		if err != nil || len(audit) != 3 {
			t.Fatalf("audit: %d %v", len(audit), err)
		}

		// Bad batches save nothing at all.
		before := countServices(t, s, ctx, c.ID)
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today.AddDate(0, 0, -8)), []*opora.Service{{TypeID: ty["Консультация юриста"].ID}})
		fieldErr(t, err, "rendered_on", "services.error.too_old")
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today.AddDate(0, 0, 1)), []*opora.Service{{TypeID: ty["Консультация юриста"].ID}})
		fieldErr(t, err, "rendered_on", "error.date_future")
		fare := ty["Оплата проезда"].ID
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today), []*opora.Service{{TypeID: ty["Консультация юриста"].ID},
			{TypeID: fare, Amount: -100, HasAmount: true}})
		fieldErr(t, err, "amount_"+itoa(fare), "services.error.amount_negative")
		food := ty["Продуктовый набор"].ID
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today), []*opora.Service{{TypeID: food, Quantity: 0}})
		fieldErr(t, err, "quantity_"+itoa(food), "services.error.quantity")
		ref := ty["Направление в медицинское учреждение"].ID
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today), []*opora.Service{{TypeID: ref, Comment: "  "}})
		fieldErr(t, err, "comment_"+itoa(ref), "services.error.comment_required")
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today), nil)
		fieldErr(t, err, "service_type", "services.error.none")
		if err := s.SetServiceTypeActive(fx.Ctx(), ty["Консультация юриста"].ID, false); err != nil {
			t.Fatal(err)
		}
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today), []*opora.Service{{TypeID: food, Quantity: 1},
			{TypeID: ty["Консультация юриста"].ID}})
		fieldErr(t, err, "service_type", "services.error.inactive")
		// A type of another organisation.
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		otherTypes, err := s.ServiceTypes(other.Ctx(), true)
		if err != nil || len(otherTypes) == 0 {
			t.Fatalf("other catalog: %v", err)
		}
		err = s.RecordServices(ctx, c.ID, opora.DateOf(today), []*opora.Service{{TypeID: otherTypes[0].ID}})
		fieldErr(t, err, "service_type", "error.invalid_choice")
		if after := countServices(t, s, ctx, c.ID); after != before {
			t.Errorf("bad batches saved something: %d → %d", before, after)
		}
		// The other organisation does not see the client nor record for it.
		if _, _, err := s.ClientServices(other.Ctx(), c.ID, 0, 10); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other org list: %v", err)
		}
		if err := s.RecordServices(other.Ctx(), c.ID, opora.DateOf(today), []*opora.Service{{TypeID: otherTypes[0].ID}}); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other org record: %v", err)
		}
		// The window is the organisation's setting.
		org, err := s.Organisation(fx.Ctx(), fx.Org.ID)
		if err != nil || org.BackdateDays != 7 {
			t.Fatalf("default window: %v %v", org, err)
		}
		org.BackdateDays = 30
		if err := s.UpdateOrganisation(fx.Ctx(), org); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordServices(ctx, c.ID, opora.DateOf(today.AddDate(0, 0, -30)), []*opora.Service{{TypeID: food, Quantity: 1}}); err != nil {
			t.Errorf("within a 30-day window: %v", err)
		}
	})
}

func itoa(id int64) string { return opora.ServiceField("", id)[1:] }

func TestServiceEditDeleteAndMine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		worker, ctx := fx.AddUser(t, "worker", "specialist")
		_, ctx2 := fx.AddUser(t, "colleague", "specialist")
		today := opora.ServiceToday(serviceNow).Time()
		food, fare := ty["Продуктовый набор"].ID, ty["Оплата проезда"].ID
		record := func(ctx context.Context, d time.Time, items ...*opora.Service) {
			t.Helper()
			if err := s.RecordServices(ctx, c.ID, opora.DateOf(d), items); err != nil {
				t.Fatal(err)
			}
		}
		record(ctx, today.AddDate(0, 0, -5), &opora.Service{TypeID: food, Quantity: 1})
		record(ctx, today.AddDate(0, 0, -2), &opora.Service{TypeID: fare, Amount: 10000, HasAmount: true})
		record(ctx, today, &opora.Service{TypeID: fare, Amount: 5050, HasAmount: true}, &opora.Service{TypeID: food, Quantity: 3})
		record(ctx2, today, &opora.Service{TypeID: food, Quantity: 1})

		// "My services": a period with an inclusive end.
		list, tot, err := s.MyServices(ctx, store.ServiceFilter{From: opora.DateOf(today.AddDate(0, 0, -5)), To: opora.DateOf(today.AddDate(0, 0, -2))})
		if err != nil || tot.Count != 2 || len(list) != 2 || tot.Amount != 10000 {
			t.Fatalf("period: %d %+v %v", len(list), tot, err)
		}
		_, tot, _ = s.MyServices(ctx, store.ServiceFilter{From: opora.DateOf(today), To: opora.DateOf(today), TypeID: fare})
		if tot.Count != 1 || tot.Amount != 5050 {
			t.Errorf("today's fares: %+v", tot)
		}
		_, tot, _ = s.MyServices(ctx, store.ServiceFilter{})
		if tot.Count != 4 || tot.Amount != 15050 || tot.Quantity != 1+1+1+3 {
			t.Errorf("all mine: %+v", tot)
		}

		// Edit my own record; a colleague may not; the version guards.
		list, _, _ = s.MyServices(ctx, store.ServiceFilter{TypeID: fare, From: opora.DateOf(today), To: opora.DateOf(today)})
		sv := list[0]
		if ok, _ := s.CanChangeService(ctx2, sv); ok {
			t.Error("a colleague may change my record")
		}
		upd := &opora.Service{ID: sv.ID, Version: sv.Version, RenderedOn: opora.DateOf(today.AddDate(0, 0, -1)), Amount: 7000, HasAmount: true}
		if err := s.UpdateService(ctx2, upd); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("colleague edit: %v", err)
		}
		if err := s.UpdateService(ctx, upd); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Service(ctx, sv.ID)
		if got.Amount != 7000 || !got.RenderedOn.Equal(opora.DateOf(today.AddDate(0, 0, -1))) || got.Version != 2 {
			t.Errorf("after edit: %+v", got)
		}
		stale := &opora.Service{ID: sv.ID, Version: 1, RenderedOn: opora.DateOf(today), Amount: 1, HasAmount: true}
		if err := s.UpdateService(ctx, stale); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("stale edit: %v", err)
		}
		bad := &opora.Service{ID: sv.ID, Version: 2, RenderedOn: opora.DateOf(today), Amount: -5, HasAmount: true}
		fieldErr(t, s.UpdateService(ctx, bad), "amount", "services.error.amount_negative")

		// Delete needs a reason; the record leaves the lists.
		fieldErr(t, s.DeleteService(ctx, sv.ID, " "), "reason", "error.required")
		if err := s.DeleteService(ctx, sv.ID, "ошибка"); err != nil {
			t.Fatal(err)
		}
		_, tot, _ = s.MyServices(ctx, store.ServiceFilter{})
		if tot.Count != 3 {
			t.Errorf("after delete: %+v", tot)
		}
		audit, _, _ := s.AuditEntries(fx.Ctx(), opora.AuditFilter{Entity: "service", EntityID: sv.ID, Limit: 10})
		if len(audit) != 3 {
			t.Errorf("history of the record: %d entries", len(audit))
		}

		// After the window my own records are closed to me, but not to a supervisor.
		s.Now = func() time.Time { return serviceNow.AddDate(0, 0, 8) }
		list, _, _ = s.MyServices(ctx, store.ServiceFilter{TypeID: food})
		old := list[len(list)-1]
		if err := s.DeleteService(ctx, old.ID, "поздно"); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("late delete: %v", err)
		}
		_, sup := fx.AddUser(t, "boss", "supervisor")
		if err := s.DeleteService(sup, old.ID, "дубль"); err != nil {
			t.Errorf("supervisor delete: %v", err)
		}
		_ = worker
	})
}

func TestServiceCatalog(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		ctx := fx.Ctx()
		food := ty["Продуктовый набор"]
		if err := s.RecordServices(ctx, c.ID, opora.DateOf(opora.ServiceToday(serviceNow).Time()), []*opora.Service{{TypeID: food.ID, Quantity: 1}}); err != nil {
			t.Fatal(err)
		}
		// Rename: the recorded service follows the type by id.
		food.Name = "Продуктовый набор (большой)"
		if err := s.UpdateServiceType(ctx, food); err != nil {
			t.Fatal(err)
		}
		list, _, _ := s.ClientServices(ctx, c.ID, 0, 10)
		if len(list) != 1 || list[0].TypeName != "Продуктовый набор (большой)" {
			t.Errorf("after rename: %+v", list)
		}
		// Names are unique in the organisation, ignoring case.
		fieldErr(t, s.CreateServiceType(ctx, &opora.ServiceType{Name: "гигиенический НАБОР", Group: "Вещи"}), "name",
			"services.error.name_taken")
		nt := &opora.ServiceType{Name: "Стрижка", Group: "Помощь", HasQuantity: true}
		if err := s.CreateServiceType(ctx, nt); err != nil || nt.ID == 0 || !nt.Active {
			t.Fatalf("create: %v %+v", err, nt)
		}
		// Move within the group: the new type goes up one place among "Помощь".
		before, _ := s.ServiceTypes(ctx, false)
		if err := s.MoveServiceType(ctx, nt.ID, true); err != nil {
			t.Fatal(err)
		}
		after, _ := s.ServiceTypes(ctx, false)
		pos := func(list []*opora.ServiceType, id int64) int { // place within the group "Помощь"
			i := 0
			for _, x := range list {
				if x.ID == id {
					return i
				}
				if x.Group == "Помощь" {
					i++
				}
			}
			return -1
		}
		if pos(after, nt.ID) != pos(before, nt.ID)-1 {
			t.Errorf("moved from %d to %d", pos(before, nt.ID), pos(after, nt.ID))
		}
		// Only dictionary.manage edits the catalog; other organisations do not see it.
		_, wctx := fx.AddUser(t, "worker", "specialist")
		if err := s.CreateServiceType(wctx, &opora.ServiceType{Name: "X"}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("specialist creates a type: %v", err)
		}
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if _, err := s.ServiceType(other.Ctx(), nt.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other org reads the type: %v", err)
		}
		if err := s.SetServiceTypeActive(other.Ctx(), nt.ID, false); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other org deactivates the type: %v", err)
		}
		// A merge moves the services to the survivor.
		dup := &opora.Client{Surname: "Получатель", FirstName: "Ваня", BranchID: fx.Branch.ID}
		if err := s.CreateClient(ctx, dup); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordServices(ctx, dup.ID, opora.DateOf(opora.ServiceToday(serviceNow).Time()), []*opora.Service{{TypeID: nt.ID, Quantity: 2}}); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeClients(ctx, c.ID, dup.ID); err != nil {
			t.Fatal(err)
		}
		if n := countServices(t, s, ctx, c.ID); n != 2 {
			t.Errorf("services after merge: %d, want 2", n)
		}
		// Seeding is idempotent.
		n := len(after)
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		again, _ := s.ServiceTypes(ctx, false)
		if len(again) != n {
			t.Errorf("seeded twice: %d → %d", n, len(again))
		}
	})
}

// The client's services panel shows the newest first, a page at a time,
// with how many there are in all (deleted ones neither listed nor counted),
// also on a page past the end.
func TestClientServicesPagesAndTotal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c, ty := serviceSetup(t, s, fx)
		w, ctx := fx.AddUser(t, "worker", "specialist")
		today := opora.ServiceToday(serviceNow).Time()
		for d := 7; d >= 0; d-- { // eight days, the oldest first
			item := []*opora.Service{{TypeID: ty["Продуктовый набор"].ID, Quantity: 8 - d}}
			if err := s.RecordServices(ctx, c.ID, opora.DateOf(today.AddDate(0, 0, -d)), item); err != nil {
				t.Fatal(err)
			}
		}
		all, _, err := s.ClientServices(ctx, c.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteService(fx.Ctx(), all[1].ID, "ошибка"); err != nil { // yesterday's
			t.Fatal(err)
		}
		// The history names who recorded each, a page at a time.
		events, err := s.Timeline(ctx, c.ID, []string{opora.EventService}, 1, 3)
		if err != nil || len(events) != 3 {
			t.Fatalf("timeline: %d events, %v", len(events), err)
		}
		for _, e := range events {
			if e.UserName != w.FullName {
				t.Errorf("a service event by %q, want %q", e.UserName, w.FullName)
			}
		}
		quantities := func(list []*opora.Service) []int {
			var q []int
			for _, sv := range list {
				q = append(q, sv.Quantity)
			}
			return q
		}
		for _, tc := range []struct {
			offset int
			want   []int
		}{{0, []int{8, 6, 5, 4, 3}}, {5, []int{2, 1}}, {10, nil}} {
			list, n, err := s.ClientServices(ctx, c.ID, tc.offset, 5)
			if err != nil {
				t.Fatal(err)
			}
			if n != 7 || !slices.Equal(quantities(list), tc.want) {
				t.Errorf("offset %d: %v of %d, want %v of 7", tc.offset, quantities(list), n, tc.want)
			}
			for _, sv := range list { // the panel names what it shows
				if sv.TypeName != "Продуктовый набор" || sv.WorkerName != w.FullName || sv.BranchName != fx.Branch.Name ||
					sv.ClientName != c.FullName() {
					t.Errorf("a service shows %q by %q at %q for %q", sv.TypeName, sv.WorkerName, sv.BranchName, sv.ClientName)
				}
			}
		}
	})
}
