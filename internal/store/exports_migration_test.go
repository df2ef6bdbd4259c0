package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// Migration 00048 splits report.export into export.aggregate and
// export.identifiable: a role that could export before keeps every export
// (both permissions), a role that could not gets neither, and
// report.export is gone. Rolling back gives report.export back.
func TestExportPermissionsMigration(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		db := storetest.RawDB(t, s)
		perms := func(roleKey string) []string {
			t.Helper()
			rows, err := db.Query(`SELECT permission FROM role_permissions WHERE role_id = $1 ORDER BY permission`, fx.Role(t, roleKey).ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var p string
				if err := rows.Scan(&p); err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
			return out
		}
		bg := context.Background()
		if err := s.MigrateDownTo(bg, 47); err != nil {
			t.Fatal(err)
		}
		// Before: the analyst (new organisations: export.aggregate only)
		// and the administrator export reports, the specialist does not.
		for _, k := range []string{"analyst", "administrator"} {
			if p := perms(k); !slices.Contains(p, "report.export") || slices.Contains(p, "export.aggregate") {
				t.Fatalf("%s before: %v", k, p)
			}
		}
		if err := s.Migrate(bg); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"analyst", "administrator"} {
			p := perms(k)
			if slices.Contains(p, "report.export") || !slices.Contains(p, "export.aggregate") || !slices.Contains(p, "export.identifiable") {
				t.Errorf("%s after: %v", k, p)
			}
		}
		if p := perms("specialist"); slices.Contains(p, "export.aggregate") || slices.Contains(p, "export.identifiable") || slices.Contains(p, "report.export") {
			t.Errorf("specialist after: %v", p)
		}
	})
}
