package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/opora-project/opora/internal/hsds"
	"github.com/opora-project/opora/internal/opora"
)

// The resource map as Open Referral HSDS 3.0 JSON (issue 24 item 5;
// docs/RESOURCES.md "HSDS export and import"): ExportResourcesHSDS writes
// the map (the whole network's or one municipality's) as an array of
// organizations with their services, ImportResourcesHSDS reads such a file
// back — checked against the official schemas first (internal/hsds), then
// every object upserted by its HSDS id in one transaction, or only tried
// and rolled back for the preview. Both need resources.manage.

// hsdsTime is how times are written: UTC with milliseconds, as HSDS asks.
const hsdsTime = "2006-01-02T15:04:05.000Z07:00"

func hsdsTimeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Millisecond).Format(hsdsTime)
}

func floatPtr(n sql.NullInt64) *float64 {
	if !n.Valid {
		return nil
	}
	f := float64(n.Int64)
	return &f
}

func nullFloatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

// territoryTree is the territories by id with their paths and children.
type territoryTree struct {
	byID     map[int64]*opora.Territory
	children map[int64][]int64
}

func (s *Store) territoryTree(ctx context.Context, q queryer) (*territoryTree, error) {
	all, err := s.territories(ctx, q)
	if err != nil {
		return nil, err
	}
	t := &territoryTree{byID: map[int64]*opora.Territory{}, children: map[int64][]int64{}}
	for _, tr := range all {
		t.byID[tr.ID] = tr
		t.children[tr.ParentID] = append(t.children[tr.ParentID], tr.ID)
	}
	return t, nil
}

// within is the territory and everything under it.
func (t *territoryTree) within(id int64) map[int64]bool {
	out := map[int64]bool{}
	var add func(id int64, depth int)
	add = func(id int64, depth int) {
		if out[id] || depth > 5 {
			return
		}
		out[id] = true
		for _, c := range t.children[id] {
			add(c, depth+1)
		}
	}
	add(id, 0)
	return out
}

// root is the region a territory is in.
func (t *territoryTree) root(id int64) *opora.Territory {
	tr := t.byID[id]
	for i := 0; tr != nil && tr.ParentID != 0 && i < 5; i++ {
		p := t.byID[tr.ParentID]
		if p == nil {
			break
		}
		tr = p
	}
	return tr
}

// municipality is the municipality a territory is or is in.
func (t *territoryTree) municipality(id int64) *opora.Territory {
	tr := t.byID[id]
	if tr != nil && tr.Kind == opora.TerritoryDistrict {
		if p := t.byID[tr.ParentID]; p != nil {
			return p
		}
	}
	return tr
}

// ExportResourcesHSDS writes the resource map as HSDS organizations with
// their services: all of it (territoryID 0) or what is in one
// municipality or district (the organisations with a location there,
// those locations, and the services given at them). Needs resources.manage.
func (s *Store) ExportResourcesHSDS(ctx context.Context, territoryID int64) ([]*hsds.Organization, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermResourcesManage); err != nil {
		return nil, err
	}
	q := s.r
	tree, err := s.territoryTree(ctx, q)
	if err != nil {
		return nil, err
	}
	var inside map[int64]bool
	if territoryID != 0 {
		if tree.byID[territoryID] == nil {
			return nil, opora.ErrNotFound
		}
		inside = tree.within(territoryID)
	}
	each := func(query string, scan func(rows *sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("store: hsds export: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("store: hsds export: %w", err)
			}
		}
		return rows.Err()
	}

	networkNames := map[int64]string{}
	if err := each(`SELECT id, name FROM organisations`, func(rows *sql.Rows) error {
		var id int64
		var name string
		err := rows.Scan(&id, &name)
		networkNames[id] = name
		return err
	}); err != nil {
		return nil, err
	}

	var orgs []*hsds.Organization
	orgByID := map[int64]*hsds.Organization{}
	if err := each(`SELECT id, uuid, name, alternate_name, description, email, website, tax_id, legal_status,
		COALESCE(network_organisation_id, 0) FROM resource_organizations ORDER BY name, id`, func(rows *sql.Rows) error {
		o := &hsds.Organization{}
		var id, network int64
		if err := rows.Scan(&id, &o.ID, &o.Name, &o.AlternateName, &o.Description, &o.Email, &o.Website, &o.TaxID,
			&o.LegalStatus, &network); err != nil {
			return err
		}
		if name, ok := networkNames[network]; ok {
			o.OrganizationIdentifiers = append(o.OrganizationIdentifiers, &hsds.OrganizationIdentifier{
				ID: hsds.DerivedID(o.ID, hsds.NetworkScheme), OrganizationID: o.ID, IdentifierScheme: hsds.NetworkScheme,
				IdentifierType: "organisation", Identifier: name})
		}
		orgs = append(orgs, o)
		orgByID[id] = o
		return nil
	}); err != nil {
		return nil, err
	}

	locByID := map[int64]*hsds.Location{}
	locTerritory := map[int64]int64{}
	if err := each(`SELECT id, uuid, organization_id, location_type, url, name, alternate_name, description,
		transportation, latitude, longitude, COALESCE(territory_id, 0) FROM resource_locations ORDER BY name, id`,
		func(rows *sql.Rows) error {
			l := &hsds.Location{}
			var id, orgID, territory int64
			var lat, lng sql.NullFloat64
			if err := rows.Scan(&id, &l.ID, &orgID, &l.LocationType, &l.URL, &l.Name, &l.AlternateName, &l.Description,
				&l.Transportation, &lat, &lng, &territory); err != nil {
				return err
			}
			if inside != nil && !inside[territory] {
				return nil
			}
			o := orgByID[orgID]
			if o == nil {
				return nil
			}
			l.OrganizationID, l.Latitude, l.Longitude = o.ID, nullFloatPtr(lat), nullFloatPtr(lng)
			if tr := tree.byID[territory]; tr != nil {
				l.Attributes = append(l.Attributes, &hsds.Attribute{ID: hsds.DerivedID(l.ID, hsds.TerritoryTaxonomy),
					LinkID: l.ID, LinkEntity: "location", TaxonomyTermID: hsds.TerritoryTermID, Value: tr.Path,
					TaxonomyTerm: hsds.OwnTerms[hsds.TerritoryTermID]})
			}
			o.Locations = append(o.Locations, l)
			locByID[id] = l
			locTerritory[id] = territory
			return nil
		}); err != nil {
		return nil, err
	}
	if err := each(`SELECT uuid, location_id, attention, address_1, address_2, city, region, state_province, postal_code,
		country, address_type FROM resource_addresses ORDER BY id`, func(rows *sql.Rows) error {
		a := &hsds.Address{}
		var locID int64
		if err := rows.Scan(&a.ID, &locID, &a.Attention, &a.Address1, &a.Address2, &a.City, &a.Region, &a.StateProvince,
			&a.PostalCode, &a.Country, &a.AddressType); err != nil {
			return err
		}
		l := locByID[locID]
		if l == nil {
			return nil
		}
		a.LocationID = l.ID
		// The municipality and the region, when the address does not say.
		if a.Region == "" {
			if m := tree.municipality(locTerritory[locID]); m != nil {
				a.Region = m.Name
			}
		}
		if a.StateProvince == "" {
			if r := tree.root(locTerritory[locID]); r != nil && r.Kind == opora.TerritoryRegion {
				a.StateProvince = r.Name
			}
		}
		l.Addresses = append(l.Addresses, a)
		return nil
	}); err != nil {
		return nil, err
	}

	svcByID := map[int64]*hsds.Service{}
	svcOrg := map[int64]int64{}
	var svcOrder []int64
	if err := each(`SELECT id, uuid, organization_id, name, alternate_name, description, url, email, status,
		application_process, fees_description, eligibility_description, minimum_age, maximum_age, alert, capacity,
		free_places, capacity_note, capacity_updated_at, last_modified FROM resource_services ORDER BY name, id`,
		func(rows *sql.Rows) error {
			sv := &hsds.Service{}
			var id, orgID int64
			var minAge, maxAge, capacity, free sql.NullInt64
			var note string
			var capUpdated, modified sql.NullTime
			if err := rows.Scan(&id, &sv.ID, &orgID, &sv.Name, &sv.AlternateName, &sv.Description, &sv.URL, &sv.Email,
				&sv.Status, &sv.ApplicationProcess, &sv.FeesDescription, &sv.EligibilityDescription, &minAge, &maxAge,
				&sv.Alert, &capacity, &free, &note, &capUpdated, &modified); err != nil {
				return err
			}
			o := orgByID[orgID]
			if o == nil {
				return nil
			}
			sv.OrganizationID = o.ID
			sv.MinimumAge, sv.MaximumAge = floatPtr(minAge), floatPtr(maxAge)
			sv.LastModified = hsdsTimeText(timeOf(modified))
			// The places: attributes of Opora's own terms, after the needs.
			for _, c := range []struct{ term, value string }{
				{hsds.CapacityTermID, intText(capacity)}, {hsds.FreePlacesTermID, intText(free)},
				{hsds.CapacityNoteTermID, note}, {hsds.CapacityUpdatedTermID, hsdsTimeText(timeOf(capUpdated))}} {
				if c.value != "" {
					sv.Attributes = append(sv.Attributes, &hsds.Attribute{ID: hsds.DerivedID(sv.ID, c.term), LinkID: sv.ID,
						LinkEntity: "service", TaxonomyTermID: c.term, Value: c.value, TaxonomyTerm: hsds.OwnTerms[c.term]})
				}
			}
			svcByID[id] = sv
			svcOrg[id] = orgID
			svcOrder = append(svcOrder, id)
			return nil
		}); err != nil {
		return nil, err
	}

	salByID := map[int64]*hsds.ServiceAtLocation{}
	keepService := map[int64]bool{}
	if err := each(`SELECT id, uuid, service_id, location_id, description FROM resource_service_at_location ORDER BY id`,
		func(rows *sql.Rows) error {
			sal := &hsds.ServiceAtLocation{}
			var id, svcID, locID int64
			if err := rows.Scan(&id, &sal.ID, &svcID, &locID, &sal.Description); err != nil {
				return err
			}
			sv, l := svcByID[svcID], locByID[locID]
			if sv == nil || l == nil {
				return nil
			}
			sal.ServiceID, sal.LocationID = sv.ID, l.ID
			sv.ServiceAtLocations = append(sv.ServiceAtLocations, sal)
			salByID[id] = sal
			keepService[svcID] = true
			return nil
		}); err != nil {
		return nil, err
	}

	// Needs: attributes before the places (prepended in term order).
	needs := map[int64][]*hsds.Attribute{}
	if err := each(`SELECT a.uuid, a.link_id, a.value, t.uuid, t.code, t.name, t.description, t.taxonomy,
		COALESCE(p.uuid, '') FROM resource_attributes a JOIN resource_taxonomy_terms t ON t.id = a.taxonomy_term_id
		LEFT JOIN resource_taxonomy_terms p ON p.id = t.parent_id
		WHERE a.link_entity = 'service' ORDER BY t.position, t.name, a.id`, func(rows *sql.Rows) error {
		a := &hsds.Attribute{LinkEntity: "service", TaxonomyTerm: &hsds.TaxonomyTerm{}}
		var svcID int64
		tt := a.TaxonomyTerm
		if err := rows.Scan(&a.ID, &svcID, &a.Value, &tt.ID, &tt.Code, &tt.Name, &tt.Description, &tt.Taxonomy,
			&tt.ParentID); err != nil {
			return err
		}
		sv := svcByID[svcID]
		if sv == nil {
			return nil
		}
		a.LinkID, a.TaxonomyTermID = sv.ID, tt.ID
		needs[svcID] = append(needs[svcID], a)
		return nil
	}); err != nil {
		return nil, err
	}
	for id, as := range needs {
		svcByID[id].Attributes = append(as, svcByID[id].Attributes...)
	}

	contactByID := map[int64]*hsds.Contact{}
	if err := each(`SELECT id, uuid, COALESCE(organization_id, 0), COALESCE(service_id, 0),
		COALESCE(service_at_location_id, 0), COALESCE(location_id, 0), name, title, department, email
		FROM resource_contacts ORDER BY id`, func(rows *sql.Rows) error {
		c := &hsds.Contact{}
		var id, orgID, svcID, salID, locID int64
		if err := rows.Scan(&id, &c.ID, &orgID, &svcID, &salID, &locID, &c.Name, &c.Title, &c.Department, &c.Email); err != nil {
			return err
		}
		switch {
		case salID != 0:
			if sal := salByID[salID]; sal != nil {
				c.ServiceAtLocationID = sal.ID
				sal.Contacts = append(sal.Contacts, c)
			}
		case svcID != 0:
			if sv := svcByID[svcID]; sv != nil {
				c.ServiceID = sv.ID
				sv.Contacts = append(sv.Contacts, c)
			}
		case locID != 0:
			if l := locByID[locID]; l != nil {
				c.LocationID = l.ID
				l.Contacts = append(l.Contacts, c)
			}
		case orgID != 0:
			if o := orgByID[orgID]; o != nil {
				c.OrganizationID = o.ID
				o.Contacts = append(o.Contacts, c)
			}
		}
		contactByID[id] = c
		return nil
	}); err != nil {
		return nil, err
	}

	if err := each(`SELECT uuid, COALESCE(organization_id, 0), COALESCE(service_id, 0), COALESCE(location_id, 0),
		COALESCE(contact_id, 0), COALESCE(service_at_location_id, 0), number, extension, type, description
		FROM resource_phones ORDER BY id`, func(rows *sql.Rows) error {
		p := &hsds.Phone{}
		var orgID, svcID, locID, contactID, salID int64
		var ext sql.NullInt64
		if err := rows.Scan(&p.ID, &orgID, &svcID, &locID, &contactID, &salID, &p.Number, &ext, &p.Type, &p.Description); err != nil {
			return err
		}
		p.Extension = floatPtr(ext)
		switch {
		case contactID != 0:
			if c := contactByID[contactID]; c != nil {
				p.ContactID = c.ID
				c.Phones = append(c.Phones, p)
			}
		case salID != 0:
			if sal := salByID[salID]; sal != nil {
				p.ServiceAtLocationID = sal.ID
				sal.Phones = append(sal.Phones, p)
			}
		case svcID != 0:
			if sv := svcByID[svcID]; sv != nil {
				p.ServiceID = sv.ID
				sv.Phones = append(sv.Phones, p)
			}
		case locID != 0:
			if l := locByID[locID]; l != nil {
				p.LocationID = l.ID
				l.Phones = append(l.Phones, p)
			}
		case orgID != 0:
			if o := orgByID[orgID]; o != nil {
				p.OrganizationID = o.ID
				o.Phones = append(o.Phones, p)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}

	if err := each(`SELECT uuid, COALESCE(service_id, 0), COALESCE(location_id, 0), COALESCE(service_at_location_id, 0),
		valid_from, valid_to, freq, wkst, byday, opens_at, closes_at, description, notes
		FROM resource_schedules ORDER BY position, id`, func(rows *sql.Rows) error {
		sc := &hsds.Schedule{}
		var svcID, locID, salID int64
		var from, to sql.NullTime
		if err := rows.Scan(&sc.ID, &svcID, &locID, &salID, &from, &to, &sc.Freq, &sc.Wkst, &sc.Byday, &sc.OpensAt,
			&sc.ClosesAt, &sc.Description, &sc.Notes); err != nil {
			return err
		}
		if from.Valid {
			sc.ValidFrom = dateOf(from).Format(time.DateOnly)
		}
		if to.Valid {
			sc.ValidTo = dateOf(to).Format(time.DateOnly)
		}
		switch {
		case salID != 0:
			if sal := salByID[salID]; sal != nil {
				sc.ServiceAtLocationID = sal.ID
				sal.Schedules = append(sal.Schedules, sc)
			}
		case svcID != 0:
			if sv := svcByID[svcID]; sv != nil {
				sc.ServiceID = sv.ID
				sv.Schedules = append(sv.Schedules, sc)
			}
		case locID != 0:
			if l := locByID[locID]; l != nil {
				sc.LocationID = l.ID
				l.Schedules = append(l.Schedules, sc)
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}

	for _, id := range svcOrder {
		if inside != nil && !keepService[id] {
			continue
		}
		o := orgByID[svcOrg[id]]
		o.Services = append(o.Services, svcByID[id])
	}
	out := orgs[:0:0]
	for _, o := range orgs {
		if inside != nil && len(o.Locations) == 0 {
			continue
		}
		out = append(out, o)
	}
	if out == nil {
		out = []*hsds.Organization{}
	}
	return out, nil
}

func intText(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}
