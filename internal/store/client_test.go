package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func newClient(branchID int64) *opora.Client {
	return &opora.Client{BranchID: branchID, Surname: "Иванов", FirstName: "Пётр", Patronymic: "Сергеевич",
		BirthPrecision: opora.BirthExact, BirthDate: opora.DateOf(time.Date(1975, 2, 1, 0, 0, 0, 0, time.UTC)),
		Gender: opora.GenderMale, HomelessStatus: opora.Homeless, BirthPlace: "Вологда"}
}

func TestClientCreateReadUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := s.ViewClient(ctx, c.ID, "profile")
		if err != nil {
			t.Fatal(err)
		}
		if got.FullName() != "Иванов Пётр Сергеевич" || !got.BirthDate.Equal(c.BirthDate) || got.BirthYear != 1975 ||
			!got.HomelessSince.IsZero() || got.Version != 1 { // since when homeless: not given, so unknown
			t.Fatalf("read back %+v", got)
		}
		views, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "client", EntityID: c.ID, Action: opora.ActionView, Limit: 10})
		if err != nil || len(views) != 1 {
			t.Fatalf("view audit rows: %v %d", err, len(views))
		}
		// Two workers open the same profile; the first saves, the second is told.
		first, second := *got, *got
		first.BirthPlace = "Череповец"
		if err := s.UpdateClient(ctx, &first); err != nil {
			t.Fatal(err)
		}
		second.Surname = "Иваноff"
		err = s.UpdateClient(ctx, &second)
		var oe *opora.Error
		if !errors.As(err, &oe) || oe.Code != opora.ECONFLICT || oe.Args["Fields"] != "birth_place" || oe.Args["User"] != fx.Admin.FullName {
			t.Fatalf("second save: %v %+v", err, oe)
		}
		now, _ := s.Client(ctx, c.ID)
		if now.Surname != "Иванов" || now.BirthPlace != "Череповец" || now.Version != 2 {
			t.Fatalf("after conflict %+v", now)
		}
		events, err := s.Timeline(ctx, c.ID, nil, 0, 10)
		if err != nil || len(events) != 2 || events[0].Changes[0].Field != "birth_place" || events[0].Changes[0].New != "Череповец" {
			t.Fatalf("timeline %v %+v", err, events)
		}
	})
}

func TestClientValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		c := newClient(fx.Branch.ID)
		c.Surname = ""
		c.BirthDate = opora.DateOf(time.Now().AddDate(1, 0, 0))
		err := s.CreateClient(fx.Ctx(), c)
		fe := opora.FieldErrors(err)
		if fe["surname"] != "error.required" || fe["birth_date"] != "error.date_future" {
			t.Fatalf("errors %v", err)
		}
		if _, ok := opora.ParseDate("31.02.1990"); ok {
			t.Fatal("31.02 accepted")
		}
	})
}

func TestClientScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		other := &opora.Branch{OrganisationID: fx.Org.ID, Name: "Москва"}
		if err := s.SaveBranch(fx.Ctx(), other); err != nil {
			t.Fatal(err)
		}
		inMain, inOther := newClient(fx.Branch.ID), newClient(other.ID)
		for _, c := range []*opora.Client{inMain, inOther} {
			if err := s.CreateClient(fx.Ctx(), c); err != nil {
				t.Fatal(err)
			}
		}
		// A specialist of the main branch sees only its clients.
		_, spec := fx.AddUser(t, "spec", "specialist")
		if _, err := s.Client(spec, inMain.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client(spec, inOther.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other branch client: %v", err)
		}
		list, total, err := s.Clients(spec, store.ClientFilter{})
		if err != nil || total != 1 || list[0].ID != inMain.ID {
			t.Fatalf("specialist list: %v %d", err, total)
		}
		// Another organisation sees nothing.
		fb := storetest.AddOrg(t, s, fx.Ctx(), "Другая НКО")
		if _, err := s.Client(fb.Ctx(), inMain.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other organisation: %v", err)
		}
		// Duty workers have no client.read at all.
		_, duty := fx.AddUser(t, "duty", "duty")
		if _, err := s.Client(duty, inMain.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("duty: %v", err)
		}
		// Soft delete hides the client from the specialist; the administrator restores.
		if err := s.DeleteClient(spec, inMain.ID, "дубль"); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist delete: %v", err)
		}
		if err := s.DeleteClient(fx.Ctx(), inMain.ID, ""); opora.FieldErrors(err)["reason"] == "" {
			t.Fatalf("delete without reason: %v", err)
		}
		if err := s.DeleteClient(fx.Ctx(), inMain.ID, "дубль"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client(spec, inMain.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("deleted client visible: %v", err)
		}
		if err := s.RestoreClient(fx.Ctx(), inMain.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client(spec, inMain.ID); err != nil {
			t.Fatalf("restored client: %v", err)
		}
	})
}
