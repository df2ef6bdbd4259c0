package store_test

import (
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A page's read memo saves the panels re-reading the client, but it must
// not let a worker see more than they may, and must not reach past the
// request: the next page shows what was saved meanwhile, and a save made
// with the memo's context still checks the row as it is.
func TestReadMemoKeepsAccessAndFreshness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		other := &opora.Branch{Name: "Пункт на Обводном"}
		if err := s.SaveBranch(fx.Ctx(), other); err != nil {
			t.Fatal(err)
		}
		mine, theirs := newClient(fx.Branch.ID), newClient(other.ID)
		theirs.Surname = "Сидоров"
		for _, c := range []*opora.Client{mine, theirs} {
			if err := s.CreateClient(fx.Ctx(), c); err != nil {
				t.Fatal(err)
			}
		}
		// A specialist sees only their branch's clients.
		_, wctx := fx.AddUser(t, "worker", "specialist")
		page := store.WithReadMemo(wctx)
		if _, err := s.Client(page, mine.ID); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if _, err := s.Client(page, theirs.ID); !errors.Is(err, opora.ErrNotFound) {
				t.Fatalf("other branch's client read %d: %v, want not found", i, err)
			}
			if _, _, err := s.ClientServices(page, theirs.ID, 0, 5); !errors.Is(err, opora.ErrNotFound) {
				t.Fatalf("other branch's services read %d: %v, want not found", i, err)
			}
		}

		// The administrator renames the client; the worker's open page
		// then saves an older version: the save is refused, not applied
		// over the rename, because the write reads the row itself.
		seen, err := s.Client(page, mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		renamed := *seen
		renamed.Surname = "Иваненко"
		if err := s.UpdateClient(fx.Ctx(), &renamed); err != nil {
			t.Fatal(err)
		}
		stale := *seen
		stale.BirthPlace = "Тотьма"
		var oe *opora.Error
		if err := s.UpdateClient(page, &stale); !errors.As(err, &oe) || oe.Code != opora.ECONFLICT {
			t.Fatalf("save over a newer version: %v, want a conflict", err)
		}
		// The next page (a new memo) shows the rename.
		next, err := s.Client(store.WithReadMemo(wctx), mine.ID)
		if err != nil || next.Surname != "Иваненко" || next.BirthPlace != "Вологда" {
			t.Fatalf("next page reads %v %+v", err, next)
		}

		// Colleagues are listed once per page, and a new page lists a new colleague.
		before, err := s.Colleagues(page)
		if err != nil {
			t.Fatal(err)
		}
		fx.AddUser(t, "newcomer", "specialist")
		after, err := s.Colleagues(store.WithReadMemo(wctx))
		if err != nil || len(after) != len(before)+1 {
			t.Fatalf("colleagues on the next page: %v %d, before %d", err, len(after), len(before))
		}
	})
}
