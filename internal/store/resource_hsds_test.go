package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/opora-project/opora/internal/hsds"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// hsdsMap fills a map: three kindergartens in two municipalities (one in
// a district of the north), a psychologist of an organisation of the
// network with its contact, phone, ages and hours note.
func hsdsMap(t *testing.T, s *store.Store, n *familyNet, m *resourceMap) {
	t.Helper()
	addResource(t, s, n.secretary, "Детский сад № 12 «Солнышко»", "Группа полного дня", m.north.ID, m.kindergarten.ID, intp(3))
	addResource(t, s, n.secretary, "Детский сад № 7", "Группа кратковременного пребывания", m.northDistrict.ID,
		m.kindergarten.ID, intp(0))
	addResource(t, s, n.secretary, "Детский сад № 40", "Группа полного дня", m.south.ID, m.kindergarten.ID, nil)
	psy := addResource(t, s, n.secretary, "КЦСОН района", "Консультации семейного психолога", m.north.ID, m.psychologist.ID, nil)
	o, err := s.ResourceOrganization(n.secretary, psy.OrganizationID)
	if err != nil {
		t.Fatal(err)
	}
	o.NetworkOrgID, o.Email, o.Website, o.TaxID = n.kcson.Org.ID, "kcson@example.ru", "https://kcson.example.ru", "5401234567"
	if err := s.SaveResourceOrganization(n.secretary, o); err != nil {
		t.Fatal(err)
	}
	sv, err := s.ResourceService(n.secretary, psy.ID)
	if err != nil {
		t.Fatal(err)
	}
	sv.TermIDs = append(sv.TermIDs, m.kindergarten.ID)
	sv.MinimumAge, sv.MaximumAge, sv.Phone, sv.ContactName, sv.ContactEmail = intp(3), intp(17), "+7 383 222-33-44",
		"Петрова Анна Сергеевна", "petrova@example.ru"
	sv.Hours.Notes, sv.CapacityNote, sv.EligibilityDescription = "сб 10:00–14:00", "запись за неделю", "Семьи с детьми"
	if err := s.SaveResourceService(n.secretary, sv); err != nil {
		t.Fatal(err)
	}
}

func exportJSON(t *testing.T, s *store.Store, ctx context.Context, territory int64) []byte {
	t.Helper()
	orgs, err := s.ExportResourcesHSDS(ctx, territory)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(orgs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkEveryEntity validates the document and each object in it on its
// own against its official schema, and counts them by kind.
func checkEveryEntity(t *testing.T, doc []byte) map[string]int {
	t.Helper()
	whole, err := hsds.Schema()
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := whole.Validate(inst); err != nil {
		t.Fatalf("the export is not a valid document: %v", err)
	}
	schemas := map[string]*jsonschema.Schema{}
	counts := map[string]int{}
	kinds := map[string]string{"services": "service", "locations": "location", "phones": "phone", "contacts": "contact",
		"addresses": "address", "schedules": "schedule", "service_at_locations": "service_at_location",
		"attributes": "attribute", "taxonomy_term": "taxonomy_term", "organization_identifiers": "organization_identifier"}
	var walk func(v any, kind, path string)
	walk = func(v any, kind, path string) {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, want an object", path, v)
			return
		}
		sch := schemas[kind]
		if sch == nil {
			if sch, err = hsds.EntitySchema(kind); err != nil {
				t.Fatal(err)
			}
			schemas[kind] = sch
		}
		if err := sch.Validate(obj); err != nil {
			t.Errorf("%s (%s) fails its schema: %v", path, kind, err)
		}
		counts[kind]++
		for k, child := range obj {
			ck, ok := kinds[k]
			if !ok {
				continue
			}
			switch c := child.(type) {
			case []any:
				for i, e := range c {
					walk(e, ck, fmt.Sprintf("%s.%s[%d]", path, k, i))
				}
			default:
				walk(c, ck, path+"."+k)
			}
		}
	}
	for i, o := range inst.([]any) {
		walk(o, "organization", fmt.Sprintf("[%d]", i))
	}
	return counts
}

func resourceRows(t *testing.T, s *store.Store) string {
	t.Helper()
	db := storetest.RawDB(t, s)
	var parts []string
	for _, table := range []string{"resource_organizations", "resource_locations", "resource_addresses", "resource_services",
		"resource_service_at_location", "resource_schedules", "resource_phones", "resource_contacts", "resource_attributes",
		"resource_taxonomy_terms"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(parts, " ")
}

// The map goes out as HSDS 3.0 JSON that the official schemas accept
// (every object on its own too), comes into an empty installation
// (preview first, then for real) and goes out again the same; importing
// it again creates and changes nothing.
func TestResourcesHSDSRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		m := newResourceMap(t, s, n)
		hsdsMap(t, s, n, m)
		doc := exportJSON(t, s, n.secretary, 0)
		counts := checkEveryEntity(t, doc)
		for _, kind := range []string{"organization", "location", "address", "service", "service_at_location", "schedule",
			"phone", "contact", "attribute", "taxonomy_term", "organization_identifier"} {
			if counts[kind] == 0 {
				t.Errorf("the export has no %s: %v", kind, counts)
			}
		}
		if counts["organization"] != 4 || counts["service"] != 4 {
			t.Errorf("organisations and services: %v", counts)
		}
		for _, want := range []string{`"value": "Новосибирская область / Северный район / посёлок Заречный"`,
			`"identifier": "КЦСОН района"`, `"name": "Свободных мест"`, `"region": "Северный район"`,
			`"state_province": "Новосибирская область"`, `"byday": "MO,TU,WE,TH,FR"`, `"name": "Петрова Анна Сергеевна"`} {
			if !bytes.Contains(doc, []byte(want)) {
				t.Errorf("the export lacks %s", want)
			}
		}

		// One municipality: the north and its district, not the south.
		north := exportJSON(t, s, n.secretary, m.north.ID)
		checkEveryEntity(t, north)
		if !bytes.Contains(north, []byte("Детский сад № 7")) || bytes.Contains(north, []byte("Детский сад № 40")) {
			t.Errorf("the north's export:\n%s", north)
		}

		// An empty installation with the same territories and network.
		b := storetest.Open(t, s.Dialect())
		nb := newFamilyNet(t, b)
		newResourceMap(t, b, nb)
		empty := resourceRows(t, b)
		preview, err := b.ImportResourcesHSDS(nb.secretary, doc, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(preview.Problems) > 0 || preview.Applied || preview.Created["organization"] != 4 || preview.Created["service"] != 4 ||
			preview.Created["phone"] == 0 || len(preview.Changes) == 0 {
			t.Fatalf("preview: %+v", preview)
		}
		if got := resourceRows(t, b); got != empty {
			t.Fatalf("the preview wrote rows: %s, was %s", got, empty)
		}
		done, err := b.ImportResourcesHSDS(nb.secretary, doc, true)
		if err != nil {
			t.Fatal(err)
		}
		if !done.Applied || fmt.Sprint(done.Created) != fmt.Sprint(preview.Created) || len(done.Skipped) != 0 {
			t.Fatalf("import: %+v; the preview said %+v", done, preview)
		}
		again := exportJSON(t, b, nb.secretary, 0)
		if !bytes.Equal(again, doc) {
			t.Fatalf("exported again differs:\n%s\nfirst:\n%s", again, doc)
		}
		// The imported map works: the search finds the north's kindergartens.
		found, err := b.SearchResources(nb.curatorACtx, store.ResourceSearch{Query: "солнышко"})
		if err != nil || len(found) != 1 || found[0].FreePlaces == nil || *found[0].FreePlaces != 3 {
			t.Errorf("search after the import: %v %+v", err, found)
		}

		// Again: nothing created, nothing changed, in both installations.
		for name, st := range map[string]*store.Store{"the same": s, "the new": b} {
			ctx := n.secretary
			if st == b {
				ctx = nb.secretary
			}
			rows := resourceRows(t, st)
			re, err := st.ImportResourcesHSDS(ctx, doc, true)
			if err != nil {
				t.Fatal(err)
			}
			if c, u := re.Total(); c != 0 || u != 0 || len(re.Problems) != 0 {
				t.Errorf("%s installation: re-import created %d, updated %d: %+v", name, c, u, re.Changes)
			}
			if got := resourceRows(t, st); got != rows {
				t.Errorf("%s installation: rows %s, were %s", name, got, rows)
			}
		}

		// Every organisation, location and service has its audit row.
		db := storetest.RawDB(t, b)
		var audits int
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity IN
			('resource_organization', 'resource_location', 'resource_service') AND changes LIKE '%hsds%'`).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 12 {
			t.Errorf("audit rows of the import: %d, want 12", audits)
		}

		// A change in the file updates the row with that id.
		changed := bytes.Replace(doc, []byte(`"value": "3"`), []byte(`"value": "2"`), 1)
		up, err := b.ImportResourcesHSDS(nb.secretary, changed, true)
		if err != nil {
			t.Fatal(err)
		}
		if c, u := up.Total(); c != 0 || u != 1 || up.Updated["service"] != 1 || up.Changes[0].Fields[0] != "free_places" {
			t.Errorf("an update: %+v", up)
		}
	})
}

// A file that breaks a schema, or that Opora cannot hold, is refused
// with the path and entity of each problem, and nothing changes.
func TestResourcesHSDSRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		m := newResourceMap(t, s, n)
		hsdsMap(t, s, n, m)
		var orgs []map[string]any
		if err := json.Unmarshal(exportJSON(t, s, n.secretary, 0), &orgs); err != nil {
			t.Fatal(err)
		}
		newOrg := map[string]any{"id": "0b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b11", "name": "Новая НКО", "description": ""}
		rows := resourceRows(t, s)
		try := func(mutate func(doc []map[string]any) []map[string]any) *store.HSDSImport {
			t.Helper()
			var doc []map[string]any
			raw, _ := json.Marshal(orgs)
			_ = json.Unmarshal(raw, &doc)
			raw, _ = json.Marshal(mutate(doc))
			rep, err := s.ImportResourcesHSDS(n.secretary, raw, true)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Applied || len(rep.Problems) == 0 {
				t.Errorf("a bad file was taken: %+v", rep)
			}
			if got := resourceRows(t, s); got != rows {
				t.Errorf("a refused file changed rows: %s, were %s", got, rows)
			}
			return rep
		}
		// A schema violation, beside a new organisation that must not come in.
		rep := try(func(doc []map[string]any) []map[string]any {
			doc[0]["services"].([]any)[0].(map[string]any)["status"] = "open"
			return append(doc, newOrg)
		})
		if p := rep.Problems[0]; len(rep.Problems) != 1 || p.Path != "[0].services[0].status" || p.Entity != "service" ||
			p.EntityName == "" || p.Key != "hsds.error.enum" {
			t.Errorf("problems: %+v", rep.Problems)
		}
		// A service at a location neither the file nor the map has.
		rep = try(func(doc []map[string]any) []map[string]any {
			sal := doc[1]["services"].([]any)[0].(map[string]any)["service_at_locations"].([]any)[0].(map[string]any)
			sal["location_id"] = "0b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b12"
			return append(doc, newOrg)
		})
		if p := rep.Problems[0]; p.Path != "[1].services[0].service_at_locations[0].location_id" || p.Key != "hsds.error.no_location" {
			t.Errorf("problems: %+v", rep.Problems)
		}
		// An age that is not a whole number; an id used twice.
		rep = try(func(doc []map[string]any) []map[string]any {
			doc[0]["services"].([]any)[0].(map[string]any)["minimum_age"] = 2.5
			doc[2]["id"] = doc[1]["id"]
			return doc
		})
		keys := map[string]bool{}
		for _, p := range rep.Problems {
			keys[p.Key] = true
		}
		if !keys["hsds.error.whole_number"] || !keys["hsds.error.duplicate_id"] {
			t.Errorf("problems: %+v", rep.Problems)
		}
		// The same service at the same location twice, under two ids.
		rep = try(func(doc []map[string]any) []map[string]any {
			sv := doc[1]["services"].([]any)[0].(map[string]any)
			sals := sv["service_at_locations"].([]any)
			twin := map[string]any{"id": "0b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b13", "location_id": sals[0].(map[string]any)["location_id"]}
			sv["service_at_locations"] = append(sals, twin)
			return doc
		})
		if p := rep.Problems[0]; p.Path != "[1].services[0].service_at_locations[1]" || p.Key != "hsds.error.same_twice" {
			t.Errorf("problems: %+v", rep.Problems)
		}
		// Not JSON at all.
		rep, err := s.ImportResourcesHSDS(n.secretary, []byte("[{\"id\":\n"), true)
		if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Key != "hsds.error.json" || rep.Problems[0].Args["Line"] != "2" {
			t.Errorf("not JSON: %v %+v", err, rep)
		}
	})
}

// Fields Opora does not keep are reported, not lost silently; a location
// without a known municipality comes in without one and says so.
func TestResourcesHSDSSkipped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		doc := `[{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b11", "name": "Food Bank", "description": "", "year_incorporated": 2001,
			"organization_identifiers": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b19", "identifier_scheme": "opora-network",
				"identifier_type": "organisation", "identifier": "Нет такой организации"}],
			"locations": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b12", "location_type": "physical",
				"addresses": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b13", "address_1": "1 Main St", "city": "Springfield",
					"state_province": "IL", "postal_code": "62701", "country": "US", "address_type": "physical"}]}],
			"services": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b14", "name": "Food parcels", "status": "active",
				"languages": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b15", "name": "English"}],
				"service_at_locations": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b16", "location_id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b12"}],
				"attributes": [{"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b17", "taxonomy_term_id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b18",
					"taxonomy_term": {"id": "1b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b18", "code": "food-pantry", "name": "Food Pantry",
						"description": "", "taxonomy": "open-eligibility"}}]}]}]`
		rep, err := s.ImportResourcesHSDS(n.secretary, []byte(doc), true)
		if err != nil || !rep.Applied {
			t.Fatalf("%v %+v", err, rep)
		}
		skipped := map[string]string{}
		for _, sk := range rep.Skipped {
			skipped[sk.Entity+"."+sk.Field] = sk.First + " " + sk.Reason
		}
		if skipped["organization.year_incorporated"] != "[0].year_incorporated " ||
			skipped["service.languages"] != "[0].services[0].languages " ||
			skipped["location.territory"] != "[0].locations[0] hsds.skip.territory_unknown" ||
			skipped["organization_identifier.identifier"] != "[0].organization_identifiers[0] hsds.skip.network_unknown" {
			t.Errorf("skipped: %v", skipped)
		}
		if rep.Created["taxonomy_term"] != 1 || rep.Created["attribute"] != 1 {
			t.Errorf("the file's term: %+v", rep.Created)
		}
		// Again (the file has no last_modified): nothing changes.
		if again, err := s.ImportResourcesHSDS(n.secretary, []byte(doc), true); err != nil {
			t.Fatal(err)
		} else if c, u := again.Total(); c != 0 || u != 0 {
			t.Errorf("the foreign file again: %+v", again.Changes)
		}
		// The municipality chosen in the form stays when the file comes again.
		m := newResourceMapTerritories(t, s, n)
		org, err := s.ResourceOrganizations(n.secretary)
		if err != nil || len(org) != 1 || len(org[0].Locations) != 1 {
			t.Fatalf("%v %+v", err, org)
		}
		loc := org[0].Locations[0]
		loc.TerritoryID = m
		if err := s.SaveResourceLocation(n.secretary, loc); err != nil {
			t.Fatal(err)
		}
		again, err := s.ImportResourcesHSDS(n.secretary, []byte(doc), true)
		if err != nil {
			t.Fatal(err)
		}
		if c, u := again.Total(); c != 0 || u != 0 {
			t.Errorf("after choosing the municipality: %+v", again.Changes)
		}
		if got, err := s.ResourceLocation(n.secretary, loc.ID); err != nil || got.TerritoryID != m {
			t.Errorf("the municipality after the import: %v %+v", err, got)
		}
		found, err := s.SearchResources(n.curatorACtx, store.ResourceSearch{Query: "food"})
		if err != nil || len(found) != 1 || len(found[0].Terms) != 1 || found[0].Terms[0].Name != "Food Pantry" {
			t.Errorf("the imported service: %v %+v", err, found)
		}
	})
}

// Only resources.manage exports and imports.
func TestResourcesHSDSAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		if _, err := s.ExportResourcesHSDS(n.curatorACtx, 0); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a curator exports: %v", err)
		}
		if _, err := s.ImportResourcesHSDS(n.curatorACtx, []byte("[]"), true); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a curator imports: %v", err)
		}
		if _, err := s.ExportResourcesHSDS(n.net.Ctx(), 0); err != nil {
			t.Errorf("the network administrator exports: %v", err)
		}
	})
}

// newResourceMapTerritories is newResourceMap's northern municipality.
func newResourceMapTerritories(t *testing.T, s *store.Store, n *familyNet) int64 {
	t.Helper()
	return newResourceMap(t, s, n).north.ID
}
