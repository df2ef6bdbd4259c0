package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"testing"

	"github.com/opora-project/opora/internal/hsds"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// resourceMap is a region with two municipalities and the map's needs.
type resourceMap struct {
	region, north, south, northDistrict *opora.Territory
	kindergarten, psychologist          *opora.ResourceTerm
}

func newResourceMap(t *testing.T, s *store.Store, n *familyNet) *resourceMap {
	t.Helper()
	m := &resourceMap{region: &opora.Territory{Kind: opora.TerritoryRegion, Name: "Новосибирская область"}}
	if err := s.SaveTerritory(n.net.Ctx(), m.region); err != nil {
		t.Fatal(err)
	}
	m.north = &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: m.region.ID, Name: "Северный район"}
	m.south = &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: m.region.ID, Name: "Южный район"}
	for _, tr := range []*opora.Territory{m.north, m.south} {
		if err := s.SaveTerritory(n.net.Ctx(), tr); err != nil {
			t.Fatal(err)
		}
	}
	m.northDistrict = &opora.Territory{Kind: opora.TerritoryDistrict, ParentID: m.north.ID, Name: "посёлок Заречный"}
	if err := s.SaveTerritory(n.net.Ctx(), m.northDistrict); err != nil {
		t.Fatal(err)
	}
	terms, err := s.ResourceTerms(n.secretary)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range terms {
		switch tt.Code {
		case "kindergarten":
			m.kindergarten = tt
		case "psychologist":
			m.psychologist = tt
		}
	}
	if m.kindergarten == nil || m.psychologist == nil {
		t.Fatalf("the seeded needs lack kindergarten or psychologist: %+v", terms)
	}
	return m
}

func intp(n int) *int { return &n }

// addResource makes an organisation with one location and one service.
func addResource(t *testing.T, s *store.Store, ctx context.Context, org, service string, territory int64, term int64,
	free *int) *opora.ResourceService {
	t.Helper()
	o := &opora.ResourceOrganization{Name: org, Phone: "+7 383 000-00-00"}
	if err := s.SaveResourceOrganization(ctx, o); err != nil {
		t.Fatalf("organisation %s: %v", org, err)
	}
	l := &opora.ResourceLocation{OrganizationID: o.ID, TerritoryID: territory, Address1: "ул. Мира, 1", City: "Бердск"}
	if err := s.SaveResourceLocation(ctx, l); err != nil {
		t.Fatalf("location: %v", err)
	}
	sv := &opora.ResourceService{OrganizationID: o.ID, Name: service, LocationID: l.ID, TermIDs: []int64{term},
		Capacity: intp(120), FreePlaces: free,
		Hours: opora.ResourceHours{Days: []string{"FR", "MO", "TU", "WE", "TH"}, OpensAt: "07:00", ClosesAt: "19:00"}}
	if err := s.SaveResourceService(ctx, sv); err != nil {
		t.Fatalf("service %s: %v", service, err)
	}
	return sv
}

// The КДН secretary maps a kindergarten with free places and a
// psychologist; the curator finds them by need, municipality and words,
// the municipality's districts included; the map keeps HSDS's shape.
func TestResourceMapCreateEditSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		m := newResourceMap(t, s, n)
		kg := addResource(t, s, n.secretary, "Детский сад № 12 «Солнышко»", "Группа полного дня", m.north.ID, m.kindergarten.ID, intp(3))
		addResource(t, s, n.secretary, "Детский сад № 7", "Группа кратковременного пребывания", m.northDistrict.ID,
			m.kindergarten.ID, intp(0))
		addResource(t, s, n.secretary, "Детский сад № 40", "Группа полного дня", m.south.ID, m.kindergarten.ID, intp(5))
		psy := addResource(t, s, n.secretary, "АНО «Семейный центр»", "Консультации семейного психолога", m.north.ID,
			m.psychologist.ID, nil)

		got, err := s.ResourceService(n.curatorACtx, kg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.OrganizationName != "Детский сад № 12 «Солнышко»" || got.FreePlaces == nil || *got.FreePlaces != 3 ||
			got.Location == nil || got.Location.TerritoryName != "Северный район" || got.Hours.OpensAt != "07:00" ||
			len(got.Hours.Days) != 5 || got.Hours.Days[0] != "MO" || len(got.Terms) != 1 || got.Terms[0].Code != "kindergarten" ||
			got.CapacityUpdatedAt.IsZero() || len(got.UUID) != 36 {
			t.Fatalf("kindergarten as read: %+v (location %+v)", got, got.Location)
		}

		search := func(rs store.ResourceSearch) []string {
			t.Helper()
			found, err := s.SearchResources(n.curatorACtx, rs)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, sv := range found {
				names = append(names, sv.OrganizationName)
			}
			return names
		}
		// By need and municipality: the district's kindergarten counts for
		// the northern municipality; more free places first.
		if names := search(store.ResourceSearch{TermID: m.kindergarten.ID, TerritoryID: m.north.ID}); len(names) != 2 ||
			names[0] != "Детский сад № 12 «Солнышко»" || names[1] != "Детский сад № 7" {
			t.Errorf("kindergartens of the north: %v", names)
		}
		if names := search(store.ResourceSearch{TermID: m.kindergarten.ID, TerritoryID: m.south.ID}); len(names) != 1 ||
			names[0] != "Детский сад № 40" {
			t.Errorf("kindergartens of the south: %v", names)
		}
		if names := search(store.ResourceSearch{TerritoryID: m.north.ID, Query: "психолог"}); len(names) != 1 ||
			names[0] != "АНО «Семейный центр»" {
			t.Errorf("a psychologist in the north by words: %v", names)
		}
		if names := search(store.ResourceSearch{Query: "солнышко"}); len(names) != 1 || names[0] != "Детский сад № 12 «Солнышко»" {
			t.Errorf("by the organisation's name: %v", names)
		}

		// Editing: the places change, and an edit from a stale form is a conflict.
		got.FreePlaces = intp(2)
		got.CapacityNote = "очередь с сентября"
		if err := s.SaveResourceService(n.secretary, got); err != nil {
			t.Fatal(err)
		}
		stale := *got
		stale.Version = 1
		stale.FreePlaces = intp(9)
		if err := s.SaveResourceService(n.secretary, &stale); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("a stale edit: %v, want a conflict", err)
		}
		again, err := s.ResourceService(n.secretary, kg.ID)
		if err != nil || *again.FreePlaces != 2 || again.CapacityNote != "очередь с сентября" || again.Version != 2 {
			t.Fatalf("after the edit: %v %+v", err, again)
		}
		// Bad input: more free places than places, hours closing before opening.
		bad := *again
		bad.FreePlaces, bad.Hours.ClosesAt = intp(500), "06:00"
		fe := opora.FieldErrors(s.SaveResourceService(n.secretary, &bad))
		if fe["free_places"] != "resources.error.free_over_capacity" || fe["closes_at"] != "resources.error.closes_before_opens" {
			t.Errorf("bad input: %v", fe)
		}
		// A location needs a municipality, not the region.
		loc := &opora.ResourceLocation{OrganizationID: psy.OrganizationID, TerritoryID: m.region.ID, Address1: "ул. Ленина, 2"}
		if fe := opora.FieldErrors(s.SaveResourceLocation(n.secretary, loc)); fe["territory_id"] != "error.invalid_choice" {
			t.Errorf("a location in the region: %v", fe)
		}
		// A defunct service is not listed.
		psy2, _ := s.ResourceService(n.secretary, psy.ID)
		psy2.Status = opora.ResourceDefunct
		if err := s.SaveResourceService(n.secretary, psy2); err != nil {
			t.Fatal(err)
		}
		if names := search(store.ResourceSearch{Query: "психолог"}); len(names) != 0 {
			t.Errorf("a defunct service is listed: %v", names)
		}

		// Each change wrote its audit row.
		db := storetest.RawDB(t, s)
		var audits int
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'resource_service' AND entity_id = $1`,
			kg.ID).Scan(&audits); err != nil || audits != 2 {
			t.Errorf("audit of the kindergarten's service: %v %d rows, want create and update", err, audits)
		}

		// HSDS shape: the tables hold the rows an export reads.
		var sal, sched, attrs, phones int
		if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM resource_service_at_location),
			(SELECT COUNT(*) FROM resource_schedules WHERE freq = 'WEEKLY' AND byday = 'MO,TU,WE,TH,FR'),
			(SELECT COUNT(*) FROM resource_attributes WHERE link_entity = 'service'),
			(SELECT COUNT(*) FROM resource_phones WHERE organization_id IS NOT NULL)`).Scan(&sal, &sched, &attrs, &phones); err != nil {
			t.Fatal(err)
		}
		if sal != 4 || sched != 4 || attrs != 4 || phones != 4 {
			t.Errorf("HSDS rows: service_at_location %d, schedules %d, attributes %d, organisation phones %d; want 4 each",
				sal, sched, attrs, phones)
		}
	})
}

// Only resources.manage edits the map; family.read browses it; a worker
// with neither does not see it.
func TestResourceMapAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		m := newResourceMap(t, s, n)
		kg := addResource(t, s, n.secretary, "Детский сад № 12", "Группа полного дня", m.north.ID, m.kindergarten.ID, intp(3))
		// The network administrator edits too.
		addResource(t, s, n.net.Ctx(), "Центр занятости", "Вакансии для родителей", m.north.ID, m.psychologist.ID, nil)

		sv, err := s.ResourceService(n.curatorACtx, kg.ID)
		if err != nil {
			t.Fatalf("the curator browses: %v", err)
		}
		sv.FreePlaces = intp(0)
		if err := s.SaveResourceService(n.curatorACtx, sv); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the curator edits a service: %v", err)
		}
		if err := s.SaveResourceOrganization(n.head, &opora.ResourceOrganization{Name: "НКО"}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("an agency head adds an organisation: %v", err)
		}
		_, worker := n.kcson.AddUser(t, "plain", "specialist")
		if _, err := s.SearchResources(worker, store.ResourceSearch{}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a worker without family.read searches: %v", err)
		}
	})
}

// The curator points the kindergarten task to the kindergarten with free
// places: the task shows it, the family's timeline and the audit say so,
// a stale version is a conflict, and the school (not responsible) cannot.
func TestTaskPointsToResource(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		m := newResourceMap(t, s, n)
		kg := addResource(t, s, n.secretary, "Детский сад № 12", "Группа полного дня", m.north.ID, m.kindergarten.ID, intp(3))
		f, cur := curatedFamily(t, s, n)
		types, err := s.CaseDictionary(cur, opora.DictTaskType, false)
		if err != nil {
			t.Fatal(err)
		}
		edu := storetest.AddAgency(t, s, n.net.Ctx(), "Управление образования", opora.OrgEducationAuthority)
		task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду для Анны", ResponsibleOrg: edu.Org.ID,
			DueOn: s.Today().AddDays(30)}
		if err := s.AddFamilyTask(cur, f.ID, task); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TaskResource(cur, task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("a task with no resource: %v", err)
		}
		if err := s.SetTaskResource(cur, task.ID, kg.ID, 1); err != nil {
			t.Fatal(err)
		}
		// The education authority's specialist sees it on the task.
		_, spec := edu.AddUser(t, "edu-spec", "agency_specialist")
		got, may, err := s.TaskResource(spec, task.ID)
		if err != nil || got.OrganizationName != "Детский сад № 12" || *got.FreePlaces != 3 || !may {
			t.Fatalf("the task's resource for the agency: %v %+v may=%v", err, got, may)
		}
		// A stale version is refused.
		if err := s.SetTaskResource(cur, task.ID, 0, 1); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("clearing with a stale version: %v", err)
		}
		// The school works on the family but is not this task's agency.
		_, teacher := n.school.AddUser(t, "teacher", "agency_specialist")
		if err := s.SetTaskResource(teacher, task.ID, 0, 0); !errors.Is(err, opora.ErrNotFound) && !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the school clears another agency's task: %v", err)
		}
		db := storetest.RawDB(t, s)
		var events, audits int
		if err := db.QueryRow(`SELECT COUNT(*) FROM family_events WHERE family_id = $1 AND changes LIKE '%Детский сад № 12%'`,
			f.ID).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'task' AND entity_id = $1
			AND changes LIKE '%resource_service_id%'`, task.ID).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if events != 1 || audits != 1 {
			t.Errorf("timeline lines %d, audit rows %d; want 1 each", events, audits)
		}
		if err := s.ClearTaskResource(spec, task.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.TaskResource(cur, task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("after clearing: %v", err)
		}
	})
}

// The resource_* tables keep HSDS 3.0's field names (so that an export
// writes HSDS JSON from the columns as they are): every column is a
// property of its HSDS object, or one of Opora's own columns named here
// (docs/RESOURCES.md says what each is). The schemas are copies in
// testdata/hsds-3 (licence and source there).
func TestResourceTablesFollowHSDS(t *testing.T) {
	t.Parallel()
	objects := map[string]string{
		"resource_organizations":       "organization",
		"resource_services":            "service",
		"resource_locations":           "location",
		"resource_addresses":           "address",
		"resource_service_at_location": "service_at_location",
		"resource_schedules":           "schedule",
		"resource_phones":              "phone",
		"resource_contacts":            "contact",
		"resource_taxonomy_terms":      "taxonomy_term",
		"resource_attributes":          "attribute",
	}
	// Opora's columns: the internal key, the HSDS id, and the additions.
	own := map[string]bool{"id": true, "uuid": true, "search_key": true, "version": true, "position": true,
		"created_by": true, "created_at": true, "updated_by": true, "updated_at": true}
	ownIn := map[string]map[string]bool{
		"resource_organizations": {"network_organisation_id": true},
		"resource_locations":     {"territory_id": true},
		"resource_services":      {"capacity": true, "free_places": true, "capacity_note": true, "capacity_updated_at": true},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		sc := readSchema(t, s)
		for table, object := range objects {
			raw, err := fs.ReadFile(hsds.Schemas(), object+".json")
			if err != nil {
				t.Fatal(err)
			}
			var def struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(raw, &def); err != nil {
				t.Fatal(err)
			}
			cols := sc.tables[table]
			if len(cols) == 0 {
				t.Errorf("no table %s", table)
			}
			for col := range cols {
				if _, ok := def.Properties[col]; !ok && !own[col] && !ownIn[table][col] {
					t.Errorf("%s.%s is neither a field of HSDS %s nor one of Opora's named columns", table, col, object)
				}
			}
		}
	})
}
