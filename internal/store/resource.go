package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// The resource map per municipality (issue 21, item 7; docs/RESOURCES.md):
// HSDS 3.0 organizations, locations, services, services at locations,
// schedules, phones, contacts and taxonomy terms linked through attributes,
// in the resource_* tables. The map belongs to the whole network: anyone
// with family.read (everyone who works on families) or resources.manage
// browses it; resources.manage (the КДН secretary, the network
// administrator) edits it. Resources are no one's personal data, so
// reading them writes no view rows; every change writes an audit row.

// canBrowseResources reports whether the actor may read the map.
func canBrowseResources(a *opora.Actor) error {
	if a.Can(opora.PermFamilyRead) || a.Can(opora.PermResourcesManage) {
		return nil
	}
	return opora.ErrForbidden
}

// newUUID is a random (version 4) UUID: the HSDS id of a new row.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var errResourceChanged = &opora.Error{Code: opora.ECONFLICT, Message: "resources.error.changed"}

func fieldError(field, key string) error {
	var v opora.Validation
	v.Add(field, key)
	return v.Err()
}

// ResourceTerms lists the needs a service may answer, in display order.
func (s *Store) ResourceTerms(ctx context.Context) ([]*opora.ResourceTerm, error) {
	if err := canBrowseResources(opora.ActorFrom(ctx)); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, uuid, code, name, description FROM resource_taxonomy_terms ORDER BY position, name`)
	if err != nil {
		return nil, fmt.Errorf("store: resource terms: %w", err)
	}
	defer rows.Close()
	var out []*opora.ResourceTerm
	for rows.Next() {
		t := &opora.ResourceTerm{}
		if err := rows.Scan(&t.ID, &t.UUID, &t.Code, &t.Name, &t.Description); err != nil {
			return nil, fmt.Errorf("store: resource terms: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// --- organisations ---------------------------------------------------------

const resourceOrgColumns = `o.id, o.uuid, o.name, o.alternate_name, o.description, o.email, o.website, o.tax_id,
	COALESCE(o.network_organisation_id, 0), COALESCE(n.name, ''), o.version, o.updated_at,
	COALESCE((SELECT MIN(p.number) FROM resource_phones p WHERE p.organization_id = o.id AND p.service_id IS NULL
		AND p.location_id IS NULL AND p.contact_id IS NULL), '')`

const resourceOrgFrom = ` FROM resource_organizations o LEFT JOIN organisations n ON n.id = o.network_organisation_id`

func scanResourceOrg(row interface{ Scan(...any) error }) (*opora.ResourceOrganization, error) {
	o := &opora.ResourceOrganization{}
	var updated sql.NullTime
	if err := row.Scan(&o.ID, &o.UUID, &o.Name, &o.AlternateName, &o.Description, &o.Email, &o.Website, &o.TaxID,
		&o.NetworkOrgID, &o.NetworkOrgName, &o.Version, &updated, &o.Phone); err != nil {
		return nil, err
	}
	o.UpdatedAt = timeOf(updated)
	return o, nil
}

// ResourceOrganizations lists the map's organisations by name, with their
// locations (for the editors' list).
func (s *Store) ResourceOrganizations(ctx context.Context) ([]*opora.ResourceOrganization, error) {
	if err := canBrowseResources(opora.ActorFrom(ctx)); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+resourceOrgColumns+resourceOrgFrom+` ORDER BY o.name, o.id`)
	if err != nil {
		return nil, fmt.Errorf("store: resource organisations: %w", err)
	}
	defer rows.Close()
	var out []*opora.ResourceOrganization
	byID := map[int64]*opora.ResourceOrganization{}
	for rows.Next() {
		o, err := scanResourceOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("store: resource organisations: %w", err)
		}
		out = append(out, o)
		byID[o.ID] = o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	locs, err := s.resourceLocations(ctx, s.r, "", nil)
	if err != nil {
		return nil, err
	}
	for _, l := range locs {
		if o := byID[l.OrganizationID]; o != nil {
			o.Locations = append(o.Locations, l)
		}
	}
	return out, nil
}

// ResourceOrganization returns one organisation of the map with its
// locations and services.
func (s *Store) ResourceOrganization(ctx context.Context, id int64) (*opora.ResourceOrganization, error) {
	if err := canBrowseResources(opora.ActorFrom(ctx)); err != nil {
		return nil, err
	}
	o, err := s.resourceOrg(ctx, s.r, id)
	if err != nil {
		return nil, err
	}
	if o.Locations, err = s.resourceLocations(ctx, s.r, "l.organization_id = $1", []any{id}); err != nil {
		return nil, err
	}
	if o.Services, err = s.resourceServices(ctx, s.r, "sv.organization_id = $1 ORDER BY sv.name, sv.id", []any{id}); err != nil {
		return nil, err
	}
	return o, nil
}

func (s *Store) resourceOrg(ctx context.Context, q queryer, id int64) (*opora.ResourceOrganization, error) {
	o, err := scanResourceOrg(q.QueryRowContext(ctx, `SELECT `+resourceOrgColumns+resourceOrgFrom+` WHERE o.id = $1`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return o, nil
}

// SaveResourceOrganization creates (o.ID 0) or updates an organisation of
// the map. o.Version, when set, must match. Needs resources.manage.
func (s *Store) SaveResourceOrganization(ctx context.Context, o *opora.ResourceOrganization) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermResourcesManage); err != nil {
		return err
	}
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if o.NetworkOrgID != 0 {
			if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, o.NetworkOrgID).Scan(&o.NetworkOrgName); err != nil {
				if err == sql.ErrNoRows {
					return fieldError("network_organisation_id", "error.invalid_choice")
				}
				return fmt.Errorf("store: resource organisation: %w", err)
			}
		}
		now := s.Now()
		key := NameKey(strings.Join([]string{o.Name, o.AlternateName, o.Description}, " "))
		old := &opora.ResourceOrganization{}
		if o.ID == 0 {
			o.UUID = newUUID()
			id, err := insertID(ctx, tx, `INSERT INTO resource_organizations (uuid, name, alternate_name, description, email,
				website, tax_id, network_organisation_id, search_key, version, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $10, $11)`,
				o.UUID, o.Name, o.AlternateName, o.Description, o.Email, o.Website, o.TaxID, nullID(o.NetworkOrgID), key,
				nullID(a.UserID), now)
			if err != nil {
				return fmt.Errorf("store: resource organisation: %w", err)
			}
			o.ID, o.Version = id, 1
		} else {
			var err error
			if old, err = s.resourceOrg(ctx, tx, o.ID); err != nil {
				return err
			}
			if o.Version != 0 && o.Version != old.Version {
				return errResourceChanged
			}
			if _, err := tx.ExecContext(ctx, `UPDATE resource_organizations SET name = $1, alternate_name = $2, description = $3,
				email = $4, website = $5, tax_id = $6, network_organisation_id = $7, search_key = $8, version = version + 1,
				updated_by = $9, updated_at = $10 WHERE id = $11`, o.Name, o.AlternateName, o.Description, o.Email, o.Website,
				o.TaxID, nullID(o.NetworkOrgID), key, nullID(a.UserID), now, o.ID); err != nil {
				return fmt.Errorf("store: resource organisation: %w", err)
			}
			o.UUID, o.Version = old.UUID, old.Version+1
		}
		o.UpdatedAt = now
		if old.Phone != o.Phone {
			if err := replacePhone(ctx, tx, "organization_id", o.ID, o.Phone); err != nil {
				return err
			}
		}
		ch := opora.Diff(nil, "name", old.Name, o.Name)
		ch = opora.Diff(ch, "alternate_name", old.AlternateName, o.AlternateName)
		ch = opora.Diff(ch, "description", old.Description, o.Description)
		ch = opora.Diff(ch, "email", old.Email, o.Email)
		ch = opora.Diff(ch, "website", old.Website, o.Website)
		ch = opora.Diff(ch, "tax_id", old.TaxID, o.TaxID)
		ch = opora.Diff(ch, "network_organisation_id", idText(old.NetworkOrgID), idText(o.NetworkOrgID))
		ch = opora.Diff(ch, "phone", old.Phone, o.Phone)
		if len(ch) == 0 && old.ID != 0 {
			return nil
		}
		action := opora.ActionUpdate
		if old.ID == 0 {
			action = opora.ActionCreate
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "resource_organization", EntityID: o.ID, Changes: ch})
	})
}

// replacePhone sets the one phone of a row (the organisation's, a
// location's or a service's own, never a contact's): deleted, then
// inserted when not blank.
func replacePhone(ctx context.Context, tx *sql.Tx, column string, id int64, number string) error {
	others := map[string]string{"organization_id": "service_id IS NULL AND location_id IS NULL",
		"location_id": "service_id IS NULL", "service_id": "location_id IS NULL"}[column]
	if _, err := tx.ExecContext(ctx, `DELETE FROM resource_phones WHERE `+column+` = $1 AND contact_id IS NULL
		AND service_at_location_id IS NULL AND `+others, id); err != nil {
		return fmt.Errorf("store: resource phone: %w", err)
	}
	if number == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO resource_phones (uuid, `+column+`, number) VALUES ($1, $2, $3)`,
		newUUID(), id, number); err != nil {
		return fmt.Errorf("store: resource phone: %w", err)
	}
	return nil
}

// --- locations -------------------------------------------------------------

const resourceLocationColumns = `l.id, l.uuid, l.organization_id, l.name, l.description, l.transportation,
	COALESCE(l.territory_id, 0), COALESCE(tr.name, ''), COALESCE(ad.address_1, ''), COALESCE(ad.city, ''),
	COALESCE(ad.postal_code, ''), l.version,
	COALESCE((SELECT MIN(p.number) FROM resource_phones p WHERE p.location_id = l.id AND p.service_id IS NULL
		AND p.contact_id IS NULL), '')`

const resourceLocationFrom = ` FROM resource_locations l LEFT JOIN territories tr ON tr.id = l.territory_id
	LEFT JOIN resource_addresses ad ON ad.location_id = l.id`

func (s *Store) resourceLocations(ctx context.Context, q queryer, where string, args []any) ([]*opora.ResourceLocation, error) {
	if where == "" {
		where = "1 = 1"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+resourceLocationColumns+resourceLocationFrom+` WHERE `+where+
		` ORDER BY l.name, l.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: resource locations: %w", err)
	}
	defer rows.Close()
	var out []*opora.ResourceLocation
	for rows.Next() {
		l := &opora.ResourceLocation{}
		if err := rows.Scan(&l.ID, &l.UUID, &l.OrganizationID, &l.Name, &l.Description, &l.Transportation, &l.TerritoryID,
			&l.TerritoryName, &l.Address1, &l.City, &l.PostalCode, &l.Version, &l.Phone); err != nil {
			return nil, fmt.Errorf("store: resource locations: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ResourceLocation returns one location of the map.
func (s *Store) ResourceLocation(ctx context.Context, id int64) (*opora.ResourceLocation, error) {
	if err := canBrowseResources(opora.ActorFrom(ctx)); err != nil {
		return nil, err
	}
	return s.resourceLocation(ctx, s.r, id)
}

func (s *Store) resourceLocation(ctx context.Context, q queryer, id int64) (*opora.ResourceLocation, error) {
	ls, err := s.resourceLocations(ctx, q, "l.id = $1", []any{id})
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, opora.ErrNotFound
	}
	return ls[0], nil
}

// SaveResourceLocation creates (l.ID 0) or updates a location of an
// organisation of the map, with its address and phone. The territory must
// be a municipality or a district. Needs resources.manage.
func (s *Store) SaveResourceLocation(ctx context.Context, l *opora.ResourceLocation) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermResourcesManage); err != nil {
		return err
	}
	l.Normalize()
	if err := l.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.resourceOrg(ctx, tx, l.OrganizationID); err != nil {
			return err
		}
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind, name FROM territories WHERE id = $1`, l.TerritoryID).Scan(&kind, &l.TerritoryName); err != nil ||
			kind == string(opora.TerritoryRegion) {
			if err != nil && err != sql.ErrNoRows {
				return fmt.Errorf("store: resource location: %w", err)
			}
			return fieldError("territory_id", "error.invalid_choice")
		}
		now := s.Now()
		old := &opora.ResourceLocation{}
		if l.ID == 0 {
			l.UUID = newUUID()
			id, err := insertID(ctx, tx, `INSERT INTO resource_locations (uuid, organization_id, location_type, name, description,
				transportation, territory_id, version, created_at, updated_at) VALUES ($1, $2, 'physical', $3, $4, $5, $6, 1, $7, $7)`,
				l.UUID, l.OrganizationID, l.Name, l.Description, l.Transportation, l.TerritoryID, now)
			if err != nil {
				return fmt.Errorf("store: resource location: %w", err)
			}
			l.ID, l.Version = id, 1
			if _, err := tx.ExecContext(ctx, `INSERT INTO resource_addresses (uuid, location_id, address_1, city, postal_code)
				VALUES ($1, $2, $3, $4, $5)`, newUUID(), l.ID, l.Address1, l.City, l.PostalCode); err != nil {
				return fmt.Errorf("store: resource location: %w", err)
			}
		} else {
			var err error
			if old, err = s.resourceLocation(ctx, tx, l.ID); err != nil {
				return err
			}
			if old.OrganizationID != l.OrganizationID {
				return opora.ErrNotFound
			}
			if l.Version != 0 && l.Version != old.Version {
				return errResourceChanged
			}
			if _, err := tx.ExecContext(ctx, `UPDATE resource_locations SET name = $1, description = $2, transportation = $3,
				territory_id = $4, version = version + 1, updated_at = $5 WHERE id = $6`,
				l.Name, l.Description, l.Transportation, l.TerritoryID, now, l.ID); err != nil {
				return fmt.Errorf("store: resource location: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE resource_addresses SET address_1 = $1, city = $2, postal_code = $3
				WHERE location_id = $4`, l.Address1, l.City, l.PostalCode, l.ID); err != nil {
				return fmt.Errorf("store: resource location: %w", err)
			}
			l.UUID, l.Version = old.UUID, old.Version+1
		}
		if old.Phone != l.Phone {
			if err := replacePhone(ctx, tx, "location_id", l.ID, l.Phone); err != nil {
				return err
			}
		}
		ch := opora.Diff(nil, "name", old.Name, l.Name)
		ch = opora.Diff(ch, "description", old.Description, l.Description)
		ch = opora.Diff(ch, "transportation", old.Transportation, l.Transportation)
		ch = opora.Diff(ch, "territory_id", idText(old.TerritoryID), idText(l.TerritoryID))
		ch = opora.Diff(ch, "address_1", old.Address1, l.Address1)
		ch = opora.Diff(ch, "city", old.City, l.City)
		ch = opora.Diff(ch, "postal_code", old.PostalCode, l.PostalCode)
		ch = opora.Diff(ch, "phone", old.Phone, l.Phone)
		if len(ch) == 0 && old.ID != 0 {
			return nil
		}
		action := opora.ActionUpdate
		if old.ID == 0 {
			action = opora.ActionCreate
			ch = append(ch, opora.Change{Field: "organization_id", New: idText(l.OrganizationID)})
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "resource_location", EntityID: l.ID, Changes: ch})
	})
}

// --- services --------------------------------------------------------------

// A service's row with its organisation and its first location (the one
// the form edits; HSDS allows more, and the search looks at all).
const resourceServiceColumns = `sv.id, sv.uuid, sv.organization_id, o.name, sv.name, sv.alternate_name, sv.description,
	sv.url, sv.email, sv.status, sv.application_process, sv.fees_description, sv.eligibility_description,
	sv.minimum_age, sv.maximum_age, sv.capacity, sv.free_places, sv.capacity_note, sv.capacity_updated_at,
	sv.version, sv.last_modified, COALESCE(sal.location_id, 0)`

const resourceServiceFrom = ` FROM resource_services sv JOIN resource_organizations o ON o.id = sv.organization_id
	LEFT JOIN resource_service_at_location sal ON sal.id =
		(SELECT MIN(x.id) FROM resource_service_at_location x WHERE x.service_id = sv.id)`

func scanResourceService(row interface{ Scan(...any) error }) (*opora.ResourceService, error) {
	sv := &opora.ResourceService{}
	var minAge, maxAge, capacity, free sql.NullInt64
	var capUpdated, modified sql.NullTime
	if err := row.Scan(&sv.ID, &sv.UUID, &sv.OrganizationID, &sv.OrganizationName, &sv.Name, &sv.AlternateName,
		&sv.Description, &sv.URL, &sv.Email, &sv.Status, &sv.ApplicationProcess, &sv.FeesDescription,
		&sv.EligibilityDescription, &minAge, &maxAge, &capacity, &free, &sv.CapacityNote, &capUpdated,
		&sv.Version, &modified, &sv.LocationID); err != nil {
		return nil, err
	}
	sv.MinimumAge, sv.MaximumAge, sv.Capacity, sv.FreePlaces = intPtr(minAge), intPtr(maxAge), intPtr(capacity), intPtr(free)
	sv.CapacityUpdatedAt, sv.UpdatedAt = timeOf(capUpdated), timeOf(modified)
	return sv, nil
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullIntPtr(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

func intPtrText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// resourceServices reads services (where: a condition on sv and o, with
// its ORDER BY) and fills their location, needs, hours, phone and contact.
func (s *Store) resourceServices(ctx context.Context, q queryer, where string, args []any) ([]*opora.ResourceService, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+resourceServiceColumns+resourceServiceFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: resource services: %w", err)
	}
	var out []*opora.ResourceService
	for rows.Next() {
		sv, err := scanResourceService(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: resource services: %w", err)
		}
		out = append(out, sv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.fillResourceServices(ctx, q, out)
}

func (s *Store) fillResourceServices(ctx context.Context, q queryer, svs []*opora.ResourceService) error {
	if len(svs) == 0 {
		return nil
	}
	byID := map[int64]*opora.ResourceService{}
	ids := make([]int64, 0, len(svs))
	var locIDs []int64
	for _, sv := range svs {
		byID[sv.ID] = sv
		ids = append(ids, sv.ID)
		if sv.LocationID != 0 {
			locIDs = append(locIDs, sv.LocationID)
		}
	}
	in, args := inList(nil, ids)
	each := func(query string, scan func(rows *sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: resource services: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("store: resource services: %w", err)
			}
		}
		return rows.Err()
	}
	if err := each(`SELECT a.link_id, t.id, t.uuid, t.code, t.name, t.description FROM resource_attributes a
		JOIN resource_taxonomy_terms t ON t.id = a.taxonomy_term_id WHERE a.link_entity = 'service' AND a.link_id IN (`+in+`)
		ORDER BY t.position, t.name`, func(rows *sql.Rows) error {
		var sid int64
		t := &opora.ResourceTerm{}
		if err := rows.Scan(&sid, &t.ID, &t.UUID, &t.Code, &t.Name, &t.Description); err != nil {
			return err
		}
		byID[sid].Terms = append(byID[sid].Terms, t)
		byID[sid].TermIDs = append(byID[sid].TermIDs, t.ID)
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT sal.service_id, sc.byday, sc.opens_at, sc.closes_at, sc.description FROM resource_schedules sc
		JOIN resource_service_at_location sal ON sal.id = sc.service_at_location_id WHERE sal.service_id IN (`+in+`)
		ORDER BY sc.position DESC, sc.id DESC`, func(rows *sql.Rows) error {
		var sid int64
		var days string
		h := opora.ResourceHours{}
		if err := rows.Scan(&sid, &days, &h.OpensAt, &h.ClosesAt, &h.Notes); err != nil {
			return err
		}
		if days != "" {
			h.Days = strings.Split(days, ",")
		}
		byID[sid].Hours = h // the first row (position 0) wins
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT service_id, number FROM resource_phones WHERE service_id IN (`+in+`) AND contact_id IS NULL
		AND location_id IS NULL ORDER BY id DESC`, func(rows *sql.Rows) error {
		var sid int64
		var number string
		if err := rows.Scan(&sid, &number); err != nil {
			return err
		}
		byID[sid].Phone = number
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT service_id, name, email FROM resource_contacts WHERE service_id IN (`+in+`) ORDER BY id DESC`,
		func(rows *sql.Rows) error {
			var sid int64
			var name, email string
			if err := rows.Scan(&sid, &name, &email); err != nil {
				return err
			}
			byID[sid].ContactName, byID[sid].ContactEmail = name, email
			return nil
		}); err != nil {
		return err
	}
	if len(locIDs) == 0 {
		return nil
	}
	lin, largs := inList(nil, locIDs)
	locs, err := s.resourceLocations(ctx, q, "l.id IN ("+lin+")", largs)
	if err != nil {
		return err
	}
	byLoc := map[int64]*opora.ResourceLocation{}
	for _, l := range locs {
		byLoc[l.ID] = l
	}
	for _, sv := range svs {
		sv.Location = byLoc[sv.LocationID]
	}
	return nil
}

// ResourceService returns one service of the map with its organisation,
// location, needs, hours and contacts.
func (s *Store) ResourceService(ctx context.Context, id int64) (*opora.ResourceService, error) {
	if err := canBrowseResources(opora.ActorFrom(ctx)); err != nil {
		return nil, err
	}
	return s.resourceService(ctx, s.r, id)
}

func (s *Store) resourceService(ctx context.Context, q queryer, id int64) (*opora.ResourceService, error) {
	svs, err := s.resourceServices(ctx, q, "sv.id = $1", []any{id})
	if err != nil {
		return nil, err
	}
	if len(svs) == 0 {
		return nil, opora.ErrNotFound
	}
	return svs[0], nil
}

// SaveResourceService creates (sv.ID 0) or updates a service of an
// organisation of the map: the service row, its place at one of the
// organisation's locations, its hours there, its phone and contact, and
// the needs it answers, in one transaction. sv.Version, when set, must
// match. A change of the places records when they were said. Needs
// resources.manage.
func (s *Store) SaveResourceService(ctx context.Context, sv *opora.ResourceService) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermResourcesManage); err != nil {
		return err
	}
	sv.Normalize()
	if err := sv.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		org, err := s.resourceOrg(ctx, tx, sv.OrganizationID)
		if err != nil {
			return err
		}
		sv.OrganizationName = org.Name
		loc, err := s.resourceLocation(ctx, tx, sv.LocationID)
		if err != nil || loc.OrganizationID != sv.OrganizationID {
			return fieldError("location_id", "error.invalid_choice")
		}
		var termNames []string
		if len(sv.TermIDs) > 0 {
			in, args := inList(nil, sv.TermIDs)
			rows, err := tx.QueryContext(ctx, `SELECT name FROM resource_taxonomy_terms WHERE id IN (`+in+`)`, args...)
			if err != nil {
				return fmt.Errorf("store: resource service: %w", err)
			}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					rows.Close()
					return fmt.Errorf("store: resource service: %w", err)
				}
				termNames = append(termNames, n)
			}
			rows.Close()
			if len(termNames) != len(sv.TermIDs) {
				return fieldError("terms", "error.invalid_choice")
			}
		}
		now := s.Now()
		key := NameKey(strings.Join(append([]string{sv.Name, sv.AlternateName, sv.Description, sv.EligibilityDescription},
			termNames...), " "))
		old := &opora.ResourceService{}
		if sv.ID != 0 {
			if old, err = s.resourceService(ctx, tx, sv.ID); err != nil {
				return err
			}
			if old.OrganizationID != sv.OrganizationID {
				return opora.ErrNotFound
			}
			if sv.Version != 0 && sv.Version != old.Version {
				return errResourceChanged
			}
		}
		placesChanged := intPtrText(old.Capacity) != intPtrText(sv.Capacity) ||
			intPtrText(old.FreePlaces) != intPtrText(sv.FreePlaces) || old.CapacityNote != sv.CapacityNote
		capUpdated := any(nil)
		if !old.CapacityUpdatedAt.IsZero() {
			capUpdated = old.CapacityUpdatedAt
		}
		if placesChanged {
			capUpdated, sv.CapacityUpdatedAt = now, now
		}
		if sv.ID == 0 {
			sv.UUID = newUUID()
			sv.ID, err = insertID(ctx, tx, `INSERT INTO resource_services (uuid, organization_id, name, alternate_name,
				description, url, email, status, application_process, fees_description, eligibility_description,
				minimum_age, maximum_age, capacity, free_places, capacity_note, capacity_updated_at, last_modified,
				search_key, version, created_by, created_at, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $20, $18, $20)`,
				sv.UUID, sv.OrganizationID, sv.Name, sv.AlternateName, sv.Description, sv.URL, sv.Email, string(sv.Status),
				sv.ApplicationProcess, sv.FeesDescription, sv.EligibilityDescription, nullIntPtr(sv.MinimumAge),
				nullIntPtr(sv.MaximumAge), nullIntPtr(sv.Capacity), nullIntPtr(sv.FreePlaces), sv.CapacityNote, capUpdated,
				now, key, nullID(a.UserID))
			if err != nil {
				return fmt.Errorf("store: resource service: %w", err)
			}
			sv.Version = 1
		} else {
			if _, err := tx.ExecContext(ctx, `UPDATE resource_services SET name = $1, alternate_name = $2, description = $3,
				url = $4, email = $5, status = $6, application_process = $7, fees_description = $8,
				eligibility_description = $9, minimum_age = $10, maximum_age = $11, capacity = $12, free_places = $13,
				capacity_note = $14, capacity_updated_at = $15, last_modified = $16, search_key = $17,
				version = version + 1, updated_by = $18 WHERE id = $19`,
				sv.Name, sv.AlternateName, sv.Description, sv.URL, sv.Email, string(sv.Status), sv.ApplicationProcess,
				sv.FeesDescription, sv.EligibilityDescription, nullIntPtr(sv.MinimumAge), nullIntPtr(sv.MaximumAge),
				nullIntPtr(sv.Capacity), nullIntPtr(sv.FreePlaces), sv.CapacityNote, capUpdated, now, key,
				nullID(a.UserID), sv.ID); err != nil {
				return fmt.Errorf("store: resource service: %w", err)
			}
			sv.UUID, sv.Version = old.UUID, old.Version+1
		}
		sv.UpdatedAt = now
		if err := s.saveServiceParts(ctx, tx, sv, old); err != nil {
			return err
		}
		ch := resourceServiceChanges(old, sv)
		if len(ch) == 0 && old.ID != 0 {
			return nil
		}
		action := opora.ActionUpdate
		if old.ID == 0 {
			action = opora.ActionCreate
			ch = append(ch, opora.Change{Field: "organization_id", New: idText(sv.OrganizationID)})
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "resource_service", EntityID: sv.ID, Changes: ch})
	})
}

// saveServiceParts writes a service's place at its location, its hours
// there, its phone, contact and needs.
func (s *Store) saveServiceParts(ctx context.Context, tx *sql.Tx, sv, old *opora.ResourceService) error {
	var sal sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM resource_service_at_location WHERE service_id = $1`, sv.ID).Scan(&sal); err != nil {
		return fmt.Errorf("store: resource service: %w", err)
	}
	salID := sal.Int64
	var err error
	if salID == 0 {
		if salID, err = insertID(ctx, tx, `INSERT INTO resource_service_at_location (uuid, service_id, location_id) VALUES ($1, $2, $3)`,
			newUUID(), sv.ID, sv.LocationID); err != nil {
			return fmt.Errorf("store: resource service: %w", err)
		}
	} else if old.LocationID != sv.LocationID {
		if _, err := tx.ExecContext(ctx, `UPDATE resource_service_at_location SET location_id = $1 WHERE id = $2`,
			sv.LocationID, salID); err != nil {
			return fmt.Errorf("store: resource service: %w", err)
		}
	}
	if !hoursEqual(old.Hours, sv.Hours) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM resource_schedules WHERE service_at_location_id = $1`, salID); err != nil {
			return fmt.Errorf("store: resource service: %w", err)
		}
		if !sv.Hours.Empty() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO resource_schedules (uuid, service_at_location_id, freq, wkst, byday,
				opens_at, closes_at, description) VALUES ($1, $2, 'WEEKLY', 'MO', $3, $4, $5, $6)`, newUUID(), salID,
				strings.Join(sv.Hours.Days, ","), sv.Hours.OpensAt, sv.Hours.ClosesAt, sv.Hours.Notes); err != nil {
				return fmt.Errorf("store: resource service: %w", err)
			}
		}
	}
	if old.Phone != sv.Phone {
		if err := replacePhone(ctx, tx, "service_id", sv.ID, sv.Phone); err != nil {
			return err
		}
	}
	if old.ContactName != sv.ContactName || old.ContactEmail != sv.ContactEmail {
		if _, err := tx.ExecContext(ctx, `DELETE FROM resource_contacts WHERE service_id = $1`, sv.ID); err != nil {
			return fmt.Errorf("store: resource service: %w", err)
		}
		if sv.ContactName != "" || sv.ContactEmail != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO resource_contacts (uuid, service_id, name, email) VALUES ($1, $2, $3, $4)`,
				newUUID(), sv.ID, sv.ContactName, sv.ContactEmail); err != nil {
				return fmt.Errorf("store: resource service: %w", err)
			}
		}
	}
	if idsText(old.TermIDs) != idsText(sv.TermIDs) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM resource_attributes WHERE link_entity = 'service' AND link_id = $1`, sv.ID); err != nil {
			return fmt.Errorf("store: resource service: %w", err)
		}
		for _, t := range sv.TermIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO resource_attributes (uuid, link_entity, link_id, taxonomy_term_id)
				VALUES ($1, 'service', $2, $3)`, newUUID(), sv.ID, t); err != nil {
				return fmt.Errorf("store: resource service: %w", err)
			}
		}
	}
	return nil
}

func hoursEqual(a, b opora.ResourceHours) bool {
	return strings.Join(a.Days, ",") == strings.Join(b.Days, ",") && a.OpensAt == b.OpensAt && a.ClosesAt == b.ClosesAt &&
		a.Notes == b.Notes
}

func idsText(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func resourceServiceChanges(old, sv *opora.ResourceService) []opora.Change {
	ch := opora.Diff(nil, "name", old.Name, sv.Name)
	ch = opora.Diff(ch, "alternate_name", old.AlternateName, sv.AlternateName)
	ch = opora.Diff(ch, "description", old.Description, sv.Description)
	ch = opora.Diff(ch, "url", old.URL, sv.URL)
	ch = opora.Diff(ch, "email", old.Email, sv.Email)
	ch = opora.Diff(ch, "status", string(old.Status), string(sv.Status))
	ch = opora.Diff(ch, "application_process", old.ApplicationProcess, sv.ApplicationProcess)
	ch = opora.Diff(ch, "fees_description", old.FeesDescription, sv.FeesDescription)
	ch = opora.Diff(ch, "eligibility_description", old.EligibilityDescription, sv.EligibilityDescription)
	ch = opora.Diff(ch, "minimum_age", intPtrText(old.MinimumAge), intPtrText(sv.MinimumAge))
	ch = opora.Diff(ch, "maximum_age", intPtrText(old.MaximumAge), intPtrText(sv.MaximumAge))
	ch = opora.Diff(ch, "capacity", intPtrText(old.Capacity), intPtrText(sv.Capacity))
	ch = opora.Diff(ch, "free_places", intPtrText(old.FreePlaces), intPtrText(sv.FreePlaces))
	ch = opora.Diff(ch, "capacity_note", old.CapacityNote, sv.CapacityNote)
	ch = opora.Diff(ch, "location_id", idText(old.LocationID), idText(sv.LocationID))
	ch = opora.Diff(ch, "schedule", hoursText(old.Hours), hoursText(sv.Hours))
	ch = opora.Diff(ch, "phone", old.Phone, sv.Phone)
	ch = opora.Diff(ch, "contact", old.ContactName+" "+old.ContactEmail, sv.ContactName+" "+sv.ContactEmail)
	ch = opora.Diff(ch, "taxonomy_terms", idsText(old.TermIDs), idsText(sv.TermIDs))
	return ch
}

func hoursText(h opora.ResourceHours) string {
	if h.Empty() {
		return ""
	}
	return strings.TrimSpace(strings.Join(h.Days, ",") + " " + h.OpensAt + "-" + h.ClosesAt + " " + h.Notes)
}

// --- search ----------------------------------------------------------------

// ResourceSearch is what the resource map's search sends; all optional.
type ResourceSearch struct {
	Query       string // words of the service's or organisation's names and texts (NameKey: ё/е, Latin spelling)
	TermID      int64  // a need (taxonomy term)
	TerritoryID int64  // a municipality (its districts included) or a district
	Limit       int    // 0: 100
}

// resourceCandidates caps the services a word search ranks.
const resourceCandidates = 500

// SearchResources finds the services of the map by need, municipality and
// words: services that are given now first, then by free places. A
// defunct service is never listed. Needs family.read or resources.manage.
func (s *Store) SearchResources(ctx context.Context, rs ResourceSearch) ([]*opora.ResourceService, error) {
	if err := canBrowseResources(opora.ActorFrom(ctx)); err != nil {
		return nil, err
	}
	cond := "sv.status <> 'defunct'"
	var args []any
	if rs.TermID != 0 {
		args = append(args, rs.TermID)
		cond += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM resource_attributes a WHERE a.link_entity = 'service'
			AND a.link_id = sv.id AND a.taxonomy_term_id = $%d)`, len(args))
	}
	if rs.TerritoryID != 0 {
		args = append(args, rs.TerritoryID)
		cond += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM resource_service_at_location x JOIN resource_locations xl
			ON xl.id = x.location_id WHERE x.service_id = sv.id AND (xl.territory_id = $%[1]d
			OR xl.territory_id IN (SELECT id FROM territories WHERE parent_id = $%[1]d)))`, len(args))
	}
	limit := rs.Limit
	if limit <= 0 {
		limit = 100
	}
	words := strings.Fields(NameKey(rs.Query))
	for _, w := range words {
		args = append(args, "%"+w+"%")
		cond += fmt.Sprintf(" AND (sv.search_key || ' ' || o.search_key) LIKE $%d", len(args))
	}
	order := ` ORDER BY CASE WHEN sv.status = 'active' THEN 0 ELSE 1 END, COALESCE(sv.free_places, -1) DESC, o.name, sv.name, sv.id`
	if len(words) == 0 {
		return s.resourceServices(ctx, s.r, cond+order+` LIMIT `+strconv.Itoa(limit), args)
	}
	// Rank the candidates as the family search does: closer words first.
	rows, err := s.r.QueryContext(ctx, `SELECT sv.id, sv.search_key || ' ' || o.search_key`+resourceServiceFrom+
		` WHERE `+cond+order+` LIMIT `+strconv.Itoa(resourceCandidates), args...)
	if err != nil {
		return nil, fmt.Errorf("store: resource search: %w", err)
	}
	var ids []int64
	var keys []string
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: resource search: %w", err)
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ranked []int64
	for _, i := range rankKeys(keys, ids, words) {
		ranked = append(ranked, ids[i])
		if len(ranked) == limit {
			break
		}
	}
	if len(ranked) == 0 {
		return nil, nil
	}
	in, inArgs := inList(nil, ranked)
	found, err := s.resourceServices(ctx, s.r, "sv.id IN ("+in+")", inArgs)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*opora.ResourceService{}
	for _, sv := range found {
		byID[sv.ID] = sv
	}
	out := make([]*opora.ResourceService, 0, len(ranked))
	for _, id := range ranked {
		if sv := byID[id]; sv != nil {
			out = append(out, sv)
		}
	}
	return out, nil
}

// ResourceNetworkOrganisations lists the network's organisations by name,
// for linking an organisation of the map to one of them. Needs
// resources.manage.
func (s *Store) ResourceNetworkOrganisations(ctx context.Context) ([]OrgRef, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermResourcesManage); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, name FROM organisations ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: network organisations: %w", err)
	}
	defer rows.Close()
	var out []OrgRef
	for rows.Next() {
		var o OrgRef
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("store: network organisations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
