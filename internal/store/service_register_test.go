package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// registerFixture is an organisation with two branches and hand-countable
// services in the first quarter of 2026 (and around it):
//
//	2025-12-31  Альфа     plain            admin    (before the period)
//	2026-01-10  Альфа     plain            admin
//	2026-01-10  Альфа     fare 150,50      admin
//	2026-01-10  Бета      photos ×3        admin
//	2026-02-02  Альфа     plain            admin    (deleted)
//	2026-02-03  Дельта    plain            admin    (client soft-deleted)
//	2026-02-04  Ежов      plain            admin    (Ежов merged into Бета: the service moves)
//	2026-02-15  Гамма     plain            worker2  (branch 2)
//	2026-02-20  Жуков     fare 99,00       own      (Жуков created by the own-scope worker)
//	2026-03-31  Альфа     plain            admin    (last day of the period)
//	2026-04-01  Альфа     plain            admin    (after the period)
//
// and another organisation with a client and a service on 2026-02-05.
type registerFixture struct {
	fx                 *storetest.Fixture
	branch2            *opora.Branch
	plain, photos      *opora.ServiceType
	fare               *opora.ServiceType
	worker2, own       *opora.User
	ownCtx             context.Context
	alpha, beta, gamma *opora.Client
	delta, ezhov, zhuk *opora.Client
	deleted            int64 // the deleted service
	foreign            *opora.Client
}

func buildRegisterFixture(t *testing.T, s *store.Store) *registerFixture {
	t.Helper()
	f := &registerFixture{fx: storetest.SetupOrg(t, s, "Ночлежка")}
	ctx := f.fx.Ctx()
	now := s.Now
	t.Cleanup(func() { s.Now = now })
	at := func(d time.Time) {
		s.Now = func() time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC) }
	}
	at(day(2025, 12, 1))
	types, err := s.ServiceTypes(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range types {
		switch {
		case ty.HasAmount && !ty.CommentRequired && f.fare == nil:
			f.fare = ty
		case ty.HasQuantity && f.photos == nil:
			f.photos = ty
		case !ty.HasAmount && !ty.HasQuantity && !ty.CommentRequired && f.plain == nil:
			f.plain = ty
		}
	}
	if f.fare == nil || f.photos == nil || f.plain == nil {
		t.Fatalf("seeded service types: %+v", types)
	}
	f.branch2 = &opora.Branch{Name: "Второй филиал"}
	if err := s.SaveBranch(ctx, f.branch2); err != nil {
		t.Fatal(err)
	}
	f.worker2 = &opora.User{Login: "worker2", FullName: "Второва Вера", BranchIDs: []int64{f.branch2.ID},
		RoleIDs: []int64{f.fx.Role(t, "specialist").ID}}
	if err := s.CreateUser(ctx, f.worker2, storetest.PasswordHash); err != nil {
		t.Fatal(err)
	}
	ownRole := &opora.Role{Name: "Свои клиенты", Scope: opora.ScopeOwn,
		Permissions: []opora.Permission{opora.PermClientRead, opora.PermClientWrite, opora.PermReportRun}}
	if err := s.SaveRole(ctx, ownRole); err != nil {
		t.Fatal(err)
	}
	f.own = &opora.User{Login: "own", FullName: "Своя Ольга", BranchIDs: []int64{f.fx.Branch.ID}, RoleIDs: []int64{ownRole.ID}}
	if err := s.CreateUser(ctx, f.own, storetest.PasswordHash); err != nil {
		t.Fatal(err)
	}
	f.ownCtx = storetest.CtxOf(t, s, f.own.ID)
	w2ctx := storetest.CtxOf(t, s, f.worker2.ID)

	client := func(ctx context.Context, branch int64, c *opora.Client) *opora.Client {
		c.BranchID = branch
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.alpha = client(ctx, f.fx.Branch.ID, &opora.Client{Surname: "Альфа", FirstName: "Анна", Patronymic: "Петровна",
		BirthPrecision: opora.BirthYear, BirthYear: 1970})
	f.beta = client(ctx, f.fx.Branch.ID, &opora.Client{Surname: "Бета", FirstName: "Борис"})
	f.gamma = client(ctx, f.branch2.ID, &opora.Client{Surname: "Гамма", BirthPrecision: opora.BirthYear, BirthYear: 1985})
	f.delta = client(ctx, f.fx.Branch.ID, &opora.Client{Surname: "Дельта"})
	f.ezhov = client(ctx, f.fx.Branch.ID, &opora.Client{Surname: "Ежов"})
	f.zhuk = client(f.ownCtx, f.fx.Branch.ID, &opora.Client{Surname: "Жуков", FirstName: "Иван"})

	record := func(ctx context.Context, d time.Time, c *opora.Client, items ...*opora.Service) {
		t.Helper()
		at(d)
		if err := s.RecordServices(ctx, c.ID, opora.DateOf(d), items); err != nil {
			t.Fatal(err)
		}
	}
	plain := func() *opora.Service { return &opora.Service{TypeID: f.plain.ID, Quantity: 1} }
	fare := func(k int64) *opora.Service {
		return &opora.Service{TypeID: f.fare.ID, Quantity: 1, Amount: k, HasAmount: true}
	}
	record(ctx, day(2025, 12, 31), f.alpha, plain())
	record(ctx, day(2026, 1, 10), f.alpha, plain(), fare(15050))
	record(ctx, day(2026, 1, 10), f.beta, &opora.Service{TypeID: f.photos.ID, Quantity: 3})
	record(ctx, day(2026, 2, 2), f.alpha, plain())
	record(ctx, day(2026, 2, 3), f.delta, plain())
	record(ctx, day(2026, 2, 4), f.ezhov, plain())
	record(w2ctx, day(2026, 2, 15), f.gamma, plain())
	record(f.ownCtx, day(2026, 2, 20), f.zhuk, fare(9900))
	record(ctx, day(2026, 3, 31), f.alpha, plain())
	record(ctx, day(2026, 4, 1), f.alpha, plain())

	at(day(2026, 2, 2))
	svcs, _, err := s.ClientServices(ctx, f.alpha.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, sv := range svcs {
		if sv.RenderedOn.Equal(opora.NewDate(2026, 2, 2)) {
			f.deleted = sv.ID
		}
	}
	if err := s.DeleteService(ctx, f.deleted, "ошибка"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteClient(ctx, f.delta.ID, "дубль"); err != nil {
		t.Fatal(err)
	}
	if err := s.MergeClients(ctx, f.beta.ID, f.ezhov.ID); err != nil {
		t.Fatal(err)
	}

	other := storetest.AddOrg(t, s, ctx, "Другая организация")
	octx := other.Ctx()
	f.foreign = client(octx, other.Branch.ID, &opora.Client{Surname: "Чужой"})
	otypes, err := s.ServiceTypes(octx, true)
	if err != nil {
		t.Fatal(err)
	}
	record(octx, day(2026, 2, 5), f.foreign, &opora.Service{TypeID: otypes[0].ID, Quantity: 1})
	s.Now = now
	return f
}

// registerLines reads the whole register as "date name type qty amount worker branch" lines.
func registerLines(t *testing.T, s *store.Store, ctx context.Context, q *opora.RegisterQuery) []string {
	t.Helper()
	var out []string
	n, err := s.ServiceRegister(ctx, q, 0, func(r *store.RegisterRow) error {
		line := fmt.Sprintf("%s %s %s ×%d", r.RenderedOn.Format("2006-01-02"), r.ClientName(), r.TypeName, r.Quantity)
		if r.HasAmount {
			line += fmt.Sprintf(" %d", r.Amount)
		}
		out = append(out, line+" / "+r.WorkerName+" / "+r.BranchName)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(out) {
		t.Fatalf("ServiceRegister returned %d for %d rows", n, len(out))
	}
	tot, err := s.CountServiceRegister(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Rows != len(out) {
		t.Fatalf("count %d, rows %d:\n%s", tot.Rows, len(out), strings.Join(out, "\n"))
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n  %s\n want:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestServiceRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := buildRegisterFixture(t, s)
		ctx := f.fx.Ctx()
		admin, main := f.fx.Admin.FullName, f.fx.Branch.Name
		q1 := &opora.RegisterQuery{From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 3, 31)}
		plain, photos, fare := f.plain.Name, f.photos.Name, f.fare.Name

		// The administrator (organisation scope, may see deleted clients):
		// every live service of the period, by date then number; the deleted
		// service, the service before and after the period and the other
		// organisation's are not there; the merged client's service is under
		// the surviving client's name.
		want := []string{
			"2026-01-10 Альфа Анна Петровна " + plain + " ×1 / " + admin + " / " + main,
			"2026-01-10 Альфа Анна Петровна " + fare + " ×1 15050 / " + admin + " / " + main,
			"2026-01-10 Бета Борис " + photos + " ×3 / " + admin + " / " + main,
			"2026-02-03 Дельта " + plain + " ×1 / " + admin + " / " + main,
			"2026-02-04 Бета Борис " + plain + " ×1 / " + admin + " / " + main,
			"2026-02-15 Гамма " + plain + " ×1 / Второва Вера / Второй филиал",
			"2026-02-20 Жуков Иван " + fare + " ×1 9900 / Своя Ольга / " + main,
			"2026-03-31 Альфа Анна Петровна " + plain + " ×1 / " + admin + " / " + main,
		}
		sameLines(t, "administrator, first quarter", registerLines(t, s, ctx, q1), want)
		tot, err := s.CountServiceRegister(ctx, q1)
		if err != nil || tot.Rows != 8 || tot.Amount != 15050+9900 {
			t.Fatalf("totals %+v %v", tot, err)
		}

		// Every column of one row.
		var first *store.RegisterRow
		if _, err := s.ServiceRegister(ctx, q1, 1, func(r *store.RegisterRow) error {
			c := *r
			first = &c
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if first == nil || first.ClientID != f.alpha.ID || first.BirthYear != 1970 || first.Surname != "Альфа" ||
			first.FirstName != "Анна" || first.Patronymic != "Петровна" || first.HasAmount || first.Comment != "" ||
			!first.RenderedOn.Equal(opora.NewDate(2026, 1, 10)) {
			t.Fatalf("first row %+v", first)
		}

		// Filters: branch, worker, service type, and together.
		sameLines(t, "branch 2", registerLines(t, s, ctx, &opora.RegisterQuery{From: q1.From, To: q1.To,
			BranchIDs: []int64{f.branch2.ID}}), want[5:6])
		sameLines(t, "worker own and worker2", registerLines(t, s, ctx, &opora.RegisterQuery{From: q1.From, To: q1.To,
			WorkerIDs: []int64{f.own.ID, f.worker2.ID}}), want[5:7])
		sameLines(t, "fares", registerLines(t, s, ctx, &opora.RegisterQuery{From: q1.From, To: q1.To,
			ServiceTypeIDs: []int64{f.fare.ID}}), []string{want[1], want[6]})
		sameLines(t, "fares of the main branch by the administrator", registerLines(t, s, ctx, &opora.RegisterQuery{From: q1.From,
			To: q1.To, ServiceTypeIDs: []int64{f.fare.ID}, BranchIDs: []int64{f.fx.Branch.ID}, WorkerIDs: []int64{f.fx.Admin.ID}}),
			want[1:2])
		// Both ends of the period count.
		sameLines(t, "one day", registerLines(t, s, ctx, &opora.RegisterQuery{From: opora.NewDate(2026, 3, 31), To: opora.NewDate(2026, 3, 31)}), want[7:8])
		sameLines(t, "December", registerLines(t, s, ctx, &opora.RegisterQuery{From: opora.NewDate(2025, 12, 31), To: opora.NewDate(2025, 12, 31)}),
			[]string{"2025-12-31 Альфа Анна Петровна " + plain + " ×1 / " + admin + " / " + main})

		// A worker with own scope sees the services of their own clients
		// only; one without client.delete does not see deleted clients.
		sameLines(t, "own scope", registerLines(t, s, f.ownCtx, q1), want[6:7])
		// A supervisor-like role without client.delete: no Дельта.
		noDel := &opora.Role{Name: "Отчёты с именами", Scope: opora.ScopeOrganisation,
			Permissions: []opora.Permission{opora.PermClientRead, opora.PermReportRun}}
		if err := s.SaveRole(ctx, noDel); err != nil {
			t.Fatal(err)
		}
		u := &opora.User{Login: "reader", FullName: "Читатель", BranchIDs: []int64{f.fx.Branch.ID}, RoleIDs: []int64{noDel.ID}}
		if err := s.CreateUser(ctx, u, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		sameLines(t, "without client.delete", registerLines(t, s, storetest.CtxOf(t, s, u.ID), q1),
			append(append([]string{}, want[:3]...), want[4:]...))
		// Branch scope for client.read (specialist + analyst's report.run):
		// the clients of the user's branch only.
		both := &opora.User{Login: "w2analyst", FullName: "Второй аналитик", BranchIDs: []int64{f.branch2.ID},
			RoleIDs: []int64{f.fx.Role(t, "specialist").ID, f.fx.Role(t, "analyst").ID}}
		if err := s.CreateUser(ctx, both, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		sameLines(t, "branch scope", registerLines(t, s, storetest.CtxOf(t, s, both.ID), q1), want[5:6])

		// A service left on a merged-away client (as a merge never leaves
		// one) is not listed.
		storetest.Tampered(s)
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE services SET client_id = $1 WHERE client_id = $2 AND rendered_on = $3`,
			f.ezhov.ID, f.beta.ID, day(2026, 2, 4)); err != nil {
			t.Fatal(err)
		}
		sameLines(t, "merged-away client", registerLines(t, s, ctx, q1), append(append([]string{}, want[:4]...), want[5:]...))

		// An analyst has report.run but not client.read: no names.
		_, actx := f.fx.AddUser(t, "analyst", "analyst")
		if _, err := s.CountServiceRegister(actx, q1); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("analyst count: %v", err)
		}
		if _, err := s.ServiceRegister(actx, q1, 0, func(*store.RegisterRow) error { return nil }); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("analyst rows: %v", err)
		}
		if _, err := s.CompileServiceRegister(actx, q1); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("analyst SQL: %v", err)
		}
		// A specialist has client.read but not report.run.
		_, sctx := f.fx.AddUser(t, "spec", "specialist")
		if _, err := s.CountServiceRegister(sctx, q1); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist count: %v", err)
		}

		// The callback's error stops the stream and comes back.
		stop := errors.New("stop")
		n, err := s.ServiceRegister(ctx, q1, 0, func(*store.RegisterRow) error { return stop })
		if !errors.Is(err, stop) || n != 0 {
			t.Fatalf("stopped stream: %d %v", n, err)
		}
	})
}

func TestServiceRegisterPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		for _, c := range []struct {
			from, to time.Time
			field    string
			key      string
		}{
			{day(2026, 3, 1), day(2026, 2, 28), "to", "error.period_reversed"},
			{day(2024, 1, 1), day(2025, 1, 1), "to", "error.period_too_long"}, // 367 days
			{time.Time{}, day(2026, 1, 1), "from", "error.date"},
			{day(2026, 1, 1), time.Time{}, "to", "error.date"},
		} {
			_, err := s.CountServiceRegister(ctx, &opora.RegisterQuery{From: opora.DateOf(c.from), To: opora.DateOf(c.to)})
			if opora.FieldErrors(err)[c.field] != c.key {
				t.Errorf("%s–%s: %v %v", c.from.Format("2006-01-02"), c.to.Format("2006-01-02"), err, opora.FieldErrors(err))
			}
		}
		// A leap year is 366 days: allowed.
		if _, err := s.CountServiceRegister(ctx, &opora.RegisterQuery{From: opora.NewDate(2024, 1, 1), To: opora.NewDate(2024, 12, 31)}); err != nil {
			t.Fatalf("366 days: %v", err)
		}
	})
}
