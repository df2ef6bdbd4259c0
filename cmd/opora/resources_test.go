package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// cliMap gives a store a region with two municipalities and, when fill,
// a kindergarten in each.
func cliMap(t *testing.T, st *store.Store, fill bool) (north int64) {
	t.Helper()
	fx := storetest.SetupOrg(t, st, "Сеть")
	ctx := fx.Ctx()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Новосибирская область"}
	if err := st.SaveTerritory(ctx, region); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, name := range []string{"Северный район", "Южный район"} {
		tr := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: name}
		if err := st.SaveTerritory(ctx, tr); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tr.ID)
		if !fill {
			continue
		}
		o := &opora.ResourceOrganization{Name: "Детский сад, " + name, Phone: "+7 383 000-00-00"}
		if err := st.SaveResourceOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		l := &opora.ResourceLocation{OrganizationID: o.ID, TerritoryID: tr.ID, Address1: "ул. Мира, 1"}
		if err := st.SaveResourceLocation(ctx, l); err != nil {
			t.Fatal(err)
		}
		free := 2
		sv := &opora.ResourceService{OrganizationID: o.ID, Name: "Группа полного дня", LocationID: l.ID, FreePlaces: &free,
			Hours: opora.ResourceHours{Days: []string{"MO", "TU"}, OpensAt: "07:00", ClosesAt: "19:00"}}
		if err := st.SaveResourceService(ctx, sv); err != nil {
			t.Fatal(err)
		}
	}
	return ids[0]
}

// "opora resources export" writes the map as HSDS JSON (all of it or one
// municipality), "opora resources import" previews with --dry-run and
// then loads it into another installation, in Russian; a broken file is
// refused with its place and exit status 1.
func TestResourcesCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		north := cliMap(t, st, true)
		ctx := context.Background()
		run1 := func(s *store.Store, args ...string) (string, error) {
			o := storetest.Options(t, s)
			var out bytes.Buffer
			err := run(ctx, append(append([]string{"resources"}, args...), "--data", o.DataDir, "--database-url", o.DatabaseURL),
				nil, &out, io.Discard)
			return out.String(), err
		}
		all, err := run1(st, "export")
		if err != nil {
			t.Fatal(err)
		}
		var orgs []map[string]any
		if err := json.Unmarshal([]byte(all), &orgs); err != nil || len(orgs) != 2 {
			t.Fatalf("export: %v %d organisations\n%s", err, len(orgs), all)
		}
		one, err := run1(st, "export", "--municipality", strconv.FormatInt(north, 10))
		if err != nil || !strings.Contains(one, "Северный район") || strings.Contains(one, "Детский сад, Южный район") {
			t.Fatalf("export of the north: %v\n%s", err, one)
		}
		if _, err := run1(st, "export", "--municipality", "999999"); err == nil || !strings.Contains(err.Error(), "no territory") {
			t.Errorf("an unknown municipality: %v", err)
		}

		file := filepath.Join(t.TempDir(), "map.json")
		if err := os.WriteFile(file, []byte(all), 0o600); err != nil {
			t.Fatal(err)
		}
		b := storetest.Open(t, st.Dialect())
		cliMap(t, b, false)
		out, err := run1(b, "import", file, "--dry-run")
		if err != nil || !strings.Contains(out, "Будет создано записей:") || !strings.Contains(out, "услуга «Группа полного дня»") {
			t.Fatalf("dry run: %v\n%s", err, out)
		}
		out, err = run1(b, "import", file)
		if err != nil || !strings.Contains(out, "Карта загружена: создано записей") {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if again, err := run1(b, "export"); err != nil || again != all {
			t.Errorf("exported again: %v\n%s\nwant\n%s", err, again, all)
		}
		out, err = run1(b, "import", file)
		if err != nil || !strings.Contains(out, "менять нечего") {
			t.Errorf("again: %v\n%s", err, out)
		}

		bad := strings.Replace(all, `"status": "active"`, `"status": "open"`, 1)
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err = run1(b, "import", file)
		if exitCode(err) != 1 || !strings.Contains(out, "[0].services[0].status (услуга «Группа полного дня»): Значение «open» не из допустимых") ||
			!strings.Contains(out, "Файл не принят") {
			t.Errorf("a broken file: %v\n%s", err, out)
		}
	})
}
