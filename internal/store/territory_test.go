package store_test

import (
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestTerritories(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()
		save := func(tr *opora.Territory) *opora.Territory {
			t.Helper()
			if err := s.SaveTerritory(ctx, tr); err != nil {
				t.Fatalf("SaveTerritory(%s): %v", tr.Name, err)
			}
			return tr
		}
		perm := save(&opora.Territory{Kind: opora.TerritoryRegion, Name: "Пермский край"})
		sverd := save(&opora.Territory{Kind: opora.TerritoryRegion, Name: "Свердловская область"})
		kungur := save(&opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: perm.ID, Name: "Кунгурский округ"})
		ekb := save(&opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: sverd.ID, Name: "Екатеринбург"})
		save(&opora.Territory{Kind: opora.TerritoryDistrict, ParentID: ekb.ID, Name: "Ленинский район"})

		all, err := s.Territories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, tr := range all {
			paths = append(paths, tr.Path)
		}
		want := []string{
			"Пермский край",
			"Пермский край / Кунгурский округ",
			"Свердловская область",
			"Свердловская область / Екатеринбург",
			"Свердловская область / Екатеринбург / Ленинский район",
		}
		if len(paths) != len(want) {
			t.Fatalf("paths = %q, want %q", paths, want)
		}
		for i := range want {
			if paths[i] != want[i] {
				t.Errorf("path %d = %q, want %q", i, paths[i], want[i])
			}
		}
		got, err := s.Territory(ctx, kungur.ID)
		if err != nil || got.ParentID != perm.ID || got.Kind != opora.TerritoryMunicipality {
			t.Errorf("Territory(kungur) = %+v, %v", got, err)
		}
		if _, err := s.Territory(ctx, 424242); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("unknown territory: err = %v, want not found", err)
		}

		// The levels must fit: region → municipality → district.
		for _, bad := range []*opora.Territory{
			{Kind: opora.TerritoryMunicipality, Name: "Без региона"},
			{Kind: opora.TerritoryRegion, ParentID: perm.ID, Name: "Регион в регионе"},
			{Kind: opora.TerritoryDistrict, ParentID: perm.ID, Name: "Район в регионе"},
			{Kind: opora.TerritoryMunicipality, ParentID: 424242, Name: "Несуществующий родитель"},
		} {
			if err := s.SaveTerritory(ctx, bad); opora.FieldErrors(err)["parent_id"] == "" {
				t.Errorf("SaveTerritory(%s): err = %v, want invalid parent_id", bad.Name, err)
			}
		}
		if err := s.SaveTerritory(ctx, &opora.Territory{Kind: "village", Name: "Деревня"}); opora.FieldErrors(err)["kind"] == "" {
			t.Errorf("unknown kind: err = %v, want invalid kind", err)
		}

		// Renaming by id and name keeps the territory's level and parent.
		if err := s.SaveTerritory(ctx, &opora.Territory{ID: kungur.ID, Name: "Кунгур"}); err != nil {
			t.Fatalf("renaming a municipality: %v", err)
		}
		// A parent or kind sent with a rename does not move the territory.
		if err := s.SaveTerritory(ctx, &opora.Territory{ID: kungur.ID, ParentID: sverd.ID, Kind: opora.TerritoryRegion,
			Name: "Кунгурский муниципальный округ"}); err != nil {
			t.Fatalf("renaming with another parent sent: %v", err)
		}
		got, _ = s.Territory(ctx, kungur.ID)
		if got.Name != "Кунгурский муниципальный округ" || got.ParentID != perm.ID || got.Kind != opora.TerritoryMunicipality {
			t.Errorf("after renames = %+v, want the new name under Пермский край", got)
		}
		entries, _, _ := s.AuditEntries(ctx, opora.AuditFilter{Entity: "territory", EntityID: kungur.ID, Action: opora.ActionUpdate})
		if len(entries) != 2 {
			t.Errorf("%d rename audit entries, want 2", len(entries))
		}
	})
}
