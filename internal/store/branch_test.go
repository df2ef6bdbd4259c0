package store_test

import (
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestBranches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Пермский край"}
		if err := s.SaveTerritory(ctx, region); err != nil {
			t.Fatal(err)
		}
		b := &opora.Branch{Name: "  Филиал в Кунгуре ", Address: "ул. Ленина, 1", TerritoryID: region.ID}
		if err := s.SaveBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, err := s.Branch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Филиал в Кунгуре" || got.Address != "ул. Ленина, 1" || got.TerritoryID != region.ID ||
			got.OrganisationID != f.Org.ID || got.Archived || got.CreatedAt.IsZero() {
			t.Errorf("created branch = %+v", got)
		}
		if err := s.SaveBranch(ctx, &opora.Branch{Name: ""}); opora.FieldErrors(err)["name"] == "" {
			t.Errorf("branch without a name: err = %v, want invalid name", err)
		}
		if err := s.SaveBranch(ctx, &opora.Branch{Name: "X", TerritoryID: 424242}); opora.FieldErrors(err)["territory_id"] == "" {
			t.Errorf("branch with an unknown territory: err = %v, want invalid territory_id", err)
		}
		if _, err := s.Branch(ctx, 424242); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("unknown branch: err = %v, want not found", err)
		}

		// Rename and archive; archived branches are listed last.
		got.Name, got.Archived = "Кунгурский филиал", true
		if err := s.SaveBranch(ctx, got); err != nil {
			t.Fatal(err)
		}
		list, err := s.Branches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != f.Branch.ID || list[1].Name != "Кунгурский филиал" || !list[1].Archived {
			t.Errorf("branches = %+v, want the main office then the archived one", list)
		}
		entries, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "branch", EntityID: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != opora.ActionUpdate || entries[1].Action != opora.ActionCreate {
			t.Errorf("branch audit = %+v, want update then create (newest first)", entries)
		}

		// The last active branch cannot be archived: users must belong somewhere.
		main := *f.Branch
		main.Archived = true
		err = s.SaveBranch(ctx, &main)
		if opora.ErrorCode(err) != opora.ECONFLICT || opora.ErrorMessage(err) != "error.last_branch" {
			t.Errorf("archiving the last active branch: err = %v, want conflict last_branch", err)
		}
		if br, _ := s.Branch(ctx, f.Branch.ID); br.Archived {
			t.Error("the last branch was archived anyway")
		}
		// With the other branch active again, archiving works.
		got.Archived = false
		if err := s.SaveBranch(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveBranch(ctx, &main); err != nil {
			t.Errorf("archiving one of two active branches: %v", err)
		}
	})
}
