package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/hsds"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// HSDSImport is what an import did, or would do (the preview): the
// problems that refuse the file, the fields Opora does not keep, and each
// object created or updated.
type HSDSImport struct {
	Problems  []hsds.Problem // the file is refused: nothing was (or would be) changed
	Skipped   []hsds.Skipped
	Changes   []HSDSChange   // created and updated objects, in the file's order
	Created   map[string]int // by HSDS object ("organization", "service", …)
	Updated   map[string]int
	Unchanged map[string]int
	Applied   bool // written (not a preview, no problems)
}

// HSDSChange is one object an import creates or updates.
type HSDSChange struct {
	Entity  string // HSDS object
	ID      string // HSDS id
	Name    string
	Path    string
	Created bool
	Fields  []string // the changed fields of an update
}

// Total counts the objects created and updated.
func (r *HSDSImport) Total() (created, updated int) {
	for _, n := range r.Created {
		created += n
	}
	for _, n := range r.Updated {
		updated += n
	}
	return created, updated
}

var errHSDSRollback = errors.New("store: hsds import rolled back")

// ImportResourcesHSDS reads an HSDS document (hsds.Read: the official
// schemas first) and upserts every object by its HSDS id, in one
// transaction: re-importing the same file changes nothing. apply false is
// the preview: the same work, rolled back. A file with problems (a
// schema's, or one Opora finds: a service at a location the file and the
// map lack, an age that is not a whole number, more free places than
// places) changes nothing. Needs resources.manage; every created or
// changed organisation, location and service writes its audit row.
func (s *Store) ImportResourcesHSDS(ctx context.Context, data []byte, apply bool) (*HSDSImport, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermResourcesManage); err != nil {
		return nil, err
	}
	doc, err := hsds.Read(data)
	if err != nil {
		return nil, err
	}
	rep := &HSDSImport{Problems: doc.Problems, Skipped: doc.Skipped}
	if len(doc.Problems) > 0 {
		return rep, nil
	}
	var final *HSDSImport
	err = s.tx(ctx, func(tx *sql.Tx) error {
		im := &hsdsImporter{s: s, ctx: ctx, tx: tx, rep: &HSDSImport{Skipped: doc.Skipped, Created: map[string]int{},
			Updated: map[string]int{}, Unchanged: map[string]int{}}, now: s.Now(), user: opora.ActorFrom(ctx).UserID,
			locs: map[string]int64{}, seen: map[string]string{}}
		final = im.rep
		if err := im.run(doc.Organizations); err != nil {
			return err
		}
		if len(im.rep.Problems) > 0 || !apply {
			return errHSDSRollback
		}
		im.rep.Applied = true
		return nil
	})
	if err != nil && !errors.Is(err, errHSDSRollback) {
		return nil, err
	}
	return final, nil
}

type hsdsImporter struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	rep  *HSDSImport
	now  time.Time
	user int64
	tree *territoryTree
	// territoryID is the current location's municipality or district
	territoryID int64
	locs        map[string]int64  // location uuid → id
	seen        map[string]string // uuid → HSDS object, to refuse an id used twice
	// the audit of the current organisation, location or service
	audit *opora.AuditEntry
}

func (im *hsdsImporter) problem(path, entity, name, key string, args map[string]string) {
	im.rep.Problems = append(im.rep.Problems, hsds.Problem{Path: path, Entity: entity, EntityName: name, Key: key, Args: args})
}

func (im *hsdsImporter) skip(entity, field, path, reason string) {
	for i := range im.rep.Skipped {
		if sk := &im.rep.Skipped[i]; sk.Entity == entity && sk.Field == field && sk.Reason == reason {
			sk.Count++
			return
		}
	}
	im.rep.Skipped = append(im.rep.Skipped, hsds.Skipped{Entity: entity, Field: field, Count: 1, First: path, Reason: reason})
}

// id checks an HSDS id: used once in the file; lower case.
func (im *hsdsImporter) id(entity, id, name, path string) (string, bool) {
	id = strings.ToLower(id)
	if other, ok := im.seen[id]; ok {
		im.problem(path, entity, name, "hsds.error.duplicate_id", map[string]string{"ID": id, "Other": other})
		return id, false
	}
	im.seen[id] = path
	return id, true
}

func (im *hsdsImporter) run(orgs []*hsds.Organization) error {
	var err error
	if im.tree, err = im.s.territoryTree(im.ctx, im.tx); err != nil {
		return err
	}
	orgIDs := make([]int64, len(orgs))
	// The organisations and their locations first: a service may be given
	// at any organisation's location.
	for i, o := range orgs {
		path := fmt.Sprintf("[%d]", i)
		if orgIDs[i], err = im.organization(o, path); err != nil {
			return err
		}
	}
	for i, o := range orgs {
		if orgIDs[i] == 0 {
			continue
		}
		for j, sv := range o.Services {
			if err := im.service(sv, orgIDs[i], fmt.Sprintf("[%d].services[%d]", i, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

// --- the generic upsert -----------------------------------------------------

// hsdsRow is one row to upsert by uuid.
type hsdsRow struct {
	table, entity string
	uuid          string
	cols          []string
	vals          []any
	onInsert      map[string]any // more columns of a new row
	onUpdate      string         // more SET of a changed row
	onUpdateArgs  []any
}

// put inserts the row or updates it when a column differs; it counts the
// outcome and returns the row's id and the changed columns.
func (im *hsdsImporter) put(r hsdsRow, name, path string) (int64, []string, error) {
	cur := make([]any, len(r.cols)+1)
	ptrs := make([]any, len(cur))
	for i := range cur {
		ptrs[i] = &cur[i]
	}
	err := im.tx.QueryRowContext(im.ctx, `SELECT id, `+strings.Join(r.cols, ", ")+` FROM `+r.table+` WHERE uuid = $1`,
		r.uuid).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		cols := append([]string{"uuid"}, r.cols...)
		vals := append([]any{r.uuid}, r.vals...)
		for c, v := range r.onInsert {
			cols, vals = append(cols, c), append(vals, v)
		}
		marks := make([]string, len(cols))
		for i := range marks {
			marks[i] = "$" + strconv.Itoa(i+1)
		}
		id, err := insertID(im.ctx, im.tx, `INSERT INTO `+r.table+` (`+strings.Join(cols, ", ")+`) VALUES (`+
			strings.Join(marks, ", ")+`)`, vals...)
		if err != nil {
			return 0, nil, fmt.Errorf("store: hsds import %s: %w", r.table, err)
		}
		im.rep.Created[r.entity]++
		im.rep.Changes = append(im.rep.Changes, HSDSChange{Entity: r.entity, ID: r.uuid, Name: name, Path: path, Created: true})
		return id, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: hsds import %s: %w", r.table, err)
	}
	id := cur[0].(int64)
	var changed, sets []string
	var args []any
	for i, c := range r.cols {
		if sqlText(cur[i+1]) != sqlText(r.vals[i]) {
			changed = append(changed, c)
			args = append(args, r.vals[i])
			sets = append(sets, c+" = $"+strconv.Itoa(len(args)))
		}
	}
	if len(changed) == 0 {
		im.rep.Unchanged[r.entity]++
		return id, nil, nil
	}
	set := strings.Join(sets, ", ")
	if r.onUpdate != "" {
		args = append(args, r.onUpdateArgs...)
		set += ", " + r.onUpdate
		for i := len(r.onUpdateArgs); i > 0; i-- {
			set = strings.Replace(set, "$U"+strconv.Itoa(i), "$"+strconv.Itoa(len(args)-len(r.onUpdateArgs)+i), 1)
		}
	}
	args = append(args, id)
	if _, err := im.tx.ExecContext(im.ctx, `UPDATE `+r.table+` SET `+set+` WHERE id = $`+strconv.Itoa(len(args)), args...); err != nil {
		return 0, nil, fmt.Errorf("store: hsds import %s: %w", r.table, err)
	}
	im.rep.Updated[r.entity]++
	var fields []string // HSDS's names: not Opora's search key
	for _, c := range changed {
		if c != "search_key" {
			fields = append(fields, c)
		}
	}
	im.rep.Changes = append(im.rep.Changes, HSDSChange{Entity: r.entity, ID: r.uuid, Name: name, Path: path, Fields: fields})
	return id, changed, nil
}

// sqlText compares a column's value with the value to write.
func sqlText(v any) string {
	switch x := v.(type) {
	case nil:
		return "\x00null"
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano) // as precise as the file
	}
	return fmt.Sprint(v)
}

// note adds a row's changes to the audit of its organisation, location or service.
func (im *hsdsImporter) note(prefix string, created bool, changed []string) {
	if im.audit == nil {
		return
	}
	if created {
		im.audit.Changes = append(im.audit.Changes, opora.Change{Field: prefix, New: "+"})
		return
	}
	for _, c := range changed {
		im.audit.Changes = append(im.audit.Changes, opora.Change{Field: prefix + "." + c})
	}
}

// flush writes the audit row of an organisation, location or service
// that the import created or changed (its parts included).
func (im *hsdsImporter) flush(e *opora.AuditEntry) error {
	if len(e.Changes) == 0 {
		return nil
	}
	e.Changes = append(e.Changes, opora.Change{Field: "import", New: "hsds"})
	return im.s.insertAudit(im.ctx, im.tx, e)
}

// wholeNumber checks an HSDS number Opora keeps as an integer.
func (im *hsdsImporter) wholeNumber(f *float64, min, max float64, path, entity, name string) (any, bool) {
	if f == nil {
		return nil, true
	}
	if *f != math.Trunc(*f) || *f < min || *f > max {
		im.problem(path, entity, name, "hsds.error.whole_number", map[string]string{"Min": strconv.FormatFloat(min, 'f', -1, 64),
			"Max": strconv.FormatFloat(max, 'f', -1, 64)})
		return nil, false
	}
	return int64(*f), true
}

// --- organisations and locations ---------------------------------------------

func (im *hsdsImporter) organization(o *hsds.Organization, path string) (int64, error) {
	uuid, ok := im.id("organization", o.ID, o.Name, path+".id")
	if strings.TrimSpace(o.Name) == "" {
		im.problem(path+".name", "organization", o.ID, "hsds.error.empty", map[string]string{"Field": "name"})
		ok = false
	}
	if !ok {
		return 0, nil
	}
	var network any
	linked := false
	for i, oi := range o.OrganizationIdentifiers {
		p := fmt.Sprintf("%s.organization_identifiers[%d]", path, i)
		if oi.IdentifierScheme != hsds.NetworkScheme {
			im.skip("organization_identifier", "identifier", p, "hsds.skip.identifier")
			continue
		}
		// The organisation it is linked to already, when the name is its
		// name (the network's names need not be unique); else the one of
		// that name.
		var kept, n, count sql.NullInt64
		if err := im.tx.QueryRowContext(im.ctx, `SELECT MIN(n.id) FROM resource_organizations r JOIN organisations n
			ON n.id = r.network_organisation_id WHERE r.uuid = $1 AND n.name = $2`, uuid, oi.Identifier).Scan(&kept); err != nil {
			return 0, fmt.Errorf("store: hsds import organization: %w", err)
		}
		if err := im.tx.QueryRowContext(im.ctx, `SELECT MIN(id), COUNT(*) FROM organisations WHERE name = $1`,
			oi.Identifier).Scan(&n, &count); err != nil {
			return 0, fmt.Errorf("store: hsds import organization: %w", err)
		}
		id := n.Int64
		switch {
		case kept.Valid:
			id = kept.Int64
		case count.Int64 > 1:
			im.skip("organization_identifier", "identifier", p, "hsds.skip.network_ambiguous")
			continue
		case id == 0:
			im.skip("organization_identifier", "identifier", p, "hsds.skip.network_unknown")
			continue
		}
		network, linked = id, true
	}
	if !linked {
		// Never unlinked by an import: an organisation the map has keeps its link.
		var kept sql.NullInt64
		if err := im.tx.QueryRowContext(im.ctx, `SELECT network_organisation_id FROM resource_organizations WHERE uuid = $1`,
			uuid).Scan(&kept); err == nil && kept.Valid {
			network = kept.Int64
		}
	}
	key := NameKey(strings.Join([]string{o.Name, o.AlternateName, o.Description}, " "))
	im.audit = &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "resource_organization"}
	before := len(im.rep.Changes)
	id, changed, err := im.put(hsdsRow{table: "resource_organizations", entity: "organization", uuid: uuid,
		cols: []string{"name", "alternate_name", "description", "email", "website", "tax_id", "legal_status",
			"network_organisation_id", "search_key"},
		vals: []any{o.Name, o.AlternateName, o.Description, o.Email, o.Website, o.TaxID, o.LegalStatus, network, key},
		onInsert: map[string]any{"version": 1, "created_by": nullID(im.user), "created_at": im.now,
			"updated_by": nullID(im.user), "updated_at": im.now},
		onUpdate: "version = version + 1, updated_by = $U1, updated_at = $U2", onUpdateArgs: []any{nullID(im.user), im.now},
	}, o.Name, path)
	if err != nil {
		return 0, err
	}
	created := len(im.rep.Changes) > before && im.rep.Changes[before].Created
	audit := im.audit
	audit.EntityID = id
	if created {
		audit.Action = opora.ActionCreate
		audit.Changes = append(audit.Changes, opora.Change{Field: "name", New: o.Name})
	}
	for _, c := range changed {
		if c != "search_key" {
			audit.Changes = append(audit.Changes, opora.Change{Field: c})
		}
	}
	for i, p := range o.Phones {
		if err := im.phone(p, phoneParent{"organization_id", id}, fmt.Sprintf("%s.phones[%d]", path, i)); err != nil {
			return 0, err
		}
	}
	for i, c := range o.Contacts {
		if err := im.contact(c, "organization_id", id, fmt.Sprintf("%s.contacts[%d]", path, i)); err != nil {
			return 0, err
		}
	}
	if err := im.flush(audit); err != nil {
		return 0, err
	}
	locs := o.Locations
	// A location nested in a service's place, not under the organisation.
	for _, sv := range o.Services {
		for _, sal := range sv.ServiceAtLocations {
			if sal.Location != nil && !hasLocation(locs, sal.Location.ID) {
				locs = append(locs, sal.Location)
			}
		}
	}
	for i, l := range locs {
		p := fmt.Sprintf("%s.locations[%d]", path, i)
		if i >= len(o.Locations) {
			p = path + ".services[].service_at_locations[].location"
		}
		if err := im.location(l, id, p); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func hasLocation(ls []*hsds.Location, id string) bool {
	for _, l := range ls {
		if strings.EqualFold(l.ID, id) {
			return true
		}
	}
	return false
}

// territory finds the municipality (or district) of a location: its
// Opora attribute (the territory's path), else the address's region or city.
func (im *hsdsImporter) territory(l *hsds.Location, uuid, path string) any {
	byPath := func(p string) int64 {
		for id, t := range im.tree.byID {
			if t.Path == p && t.Kind != opora.TerritoryRegion {
				return id
			}
		}
		return 0
	}
	byName := func(name string) int64 {
		var found int64
		for id, t := range im.tree.byID {
			if name != "" && strings.EqualFold(t.Name, name) && t.Kind != opora.TerritoryRegion {
				if found != 0 {
					return 0 // two of that name: not sure
				}
				found = id
			}
		}
		return found
	}
	for _, a := range l.Attributes {
		if a.TermID() == hsds.TerritoryTermID {
			if id := byPath(a.Value); id != 0 {
				return id
			}
		}
	}
	if len(l.Addresses) > 0 {
		a := l.Addresses[0]
		for _, n := range []string{a.Region, a.City} {
			if id := byName(n); id != 0 {
				return id
			}
		}
	}
	// A location the map has keeps the municipality chosen in its form.
	var kept sql.NullInt64
	if err := im.tx.QueryRowContext(im.ctx, `SELECT territory_id FROM resource_locations WHERE uuid = $1`, uuid).Scan(&kept); err == nil &&
		kept.Valid {
		return kept.Int64
	}
	im.skip("location", "territory", path, "hsds.skip.territory_unknown")
	return nil
}

func (im *hsdsImporter) location(l *hsds.Location, orgID int64, path string) error {
	name := l.Name
	if name == "" && len(l.Addresses) > 0 {
		name = l.Addresses[0].Address1
	}
	uuid, ok := im.id("location", l.ID, name, path+".id")
	if !ok {
		return nil
	}
	territory := im.territory(l, uuid, path)
	im.territoryID = 0
	if id, ok := territory.(int64); ok {
		im.territoryID = id
	}
	for i, a := range l.Attributes {
		if a.TermID() != hsds.TerritoryTermID {
			im.skip("location", "attributes", fmt.Sprintf("%s.attributes[%d]", path, i), "hsds.skip.attribute_entity")
		}
	}
	var lat, lng any
	if l.Latitude != nil {
		lat = *l.Latitude
	}
	if l.Longitude != nil {
		lng = *l.Longitude
	}
	before := len(im.rep.Changes)
	id, changed, err := im.put(hsdsRow{table: "resource_locations", entity: "location", uuid: uuid,
		cols: []string{"organization_id", "location_type", "url", "name", "alternate_name", "description", "transportation",
			"latitude", "longitude", "territory_id"},
		vals:     []any{orgID, l.LocationType, l.URL, l.Name, l.AlternateName, l.Description, l.Transportation, lat, lng, territory},
		onInsert: map[string]any{"version": 1, "created_at": im.now, "updated_at": im.now},
		onUpdate: "version = version + 1, updated_at = $U1", onUpdateArgs: []any{im.now},
	}, name, path)
	if err != nil {
		return err
	}
	im.locs[uuid] = id
	im.audit = &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "resource_location", EntityID: id}
	audit := im.audit
	if len(im.rep.Changes) > before && im.rep.Changes[before].Created {
		audit.Action = opora.ActionCreate
		audit.Changes = append(audit.Changes, opora.Change{Field: "organization_id", New: idText(orgID)})
	}
	for _, c := range changed {
		audit.Changes = append(audit.Changes, opora.Change{Field: c})
	}
	for i, a := range l.Addresses {
		p := fmt.Sprintf("%s.addresses[%d]", path, i)
		if i > 0 {
			im.skip("location", "addresses", p, "hsds.skip.more_addresses")
			continue
		}
		if err := im.address(a, id, p); err != nil {
			return err
		}
	}
	for i, p := range l.Phones {
		if err := im.phone(p, phoneParent{"location_id", id}, fmt.Sprintf("%s.phones[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, c := range l.Contacts {
		if err := im.contact(c, "location_id", id, fmt.Sprintf("%s.contacts[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, sc := range l.Schedules {
		if err := im.schedule(sc, "location_id", id, fmt.Sprintf("%s.schedules[%d]", path, i)); err != nil {
			return err
		}
	}
	return im.flush(audit)
}

func (im *hsdsImporter) address(a *hsds.Address, locID int64, path string) error {
	uuid, ok := im.id("address", a.ID, a.Address1, path+".id")
	if !ok {
		return nil
	}
	// One address per location: the location's row takes the file's id.
	var existing sql.NullString
	if err := im.tx.QueryRowContext(im.ctx, `SELECT MIN(uuid) FROM resource_addresses WHERE location_id = $1`, locID).Scan(&existing); err != nil {
		return fmt.Errorf("store: hsds import address: %w", err)
	}
	if existing.Valid && existing.String != uuid {
		if _, err := im.tx.ExecContext(im.ctx, `UPDATE resource_addresses SET uuid = $1 WHERE location_id = $2`, uuid, locID); err != nil {
			return fmt.Errorf("store: hsds import address: %w", err)
		}
	}
	// The municipality and region the export writes when the address
	// does not say them are not kept again.
	region, state := a.Region, a.StateProvince
	if m := im.tree.municipality(im.territoryID); m != nil && region == m.Name {
		region = ""
	}
	if r := im.tree.root(im.territoryID); r != nil && r.Kind == opora.TerritoryRegion && state == r.Name {
		state = ""
	}
	_, changed, err := im.put(hsdsRow{table: "resource_addresses", entity: "address", uuid: uuid,
		cols: []string{"location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code",
			"country", "address_type"},
		vals: []any{locID, a.Attention, a.Address1, a.Address2, a.City, region, state, a.PostalCode, a.Country,
			a.AddressType},
	}, a.Address1, path)
	if err != nil {
		return err
	}
	im.note("address", false, changed)
	return nil
}

type phoneParent struct {
	column string
	id     int64
}

func (im *hsdsImporter) phone(p *hsds.Phone, parent phoneParent, path string) error {
	uuid, ok := im.id("phone", p.ID, p.Number, path+".id")
	ext, okExt := im.wholeNumber(p.Extension, 0, 1e9, path+".extension", "phone", p.Number)
	if !ok || !okExt {
		return nil
	}
	cols := []string{"organization_id", "service_id", "location_id", "contact_id", "service_at_location_id"}
	vals := make([]any, len(cols))
	for i, c := range cols {
		if c == parent.column {
			vals[i] = parent.id
		}
	}
	before := len(im.rep.Changes)
	_, changed, err := im.put(hsdsRow{table: "resource_phones", entity: "phone", uuid: uuid,
		cols: append(cols, "number", "extension", "type", "description"),
		vals: append(vals, p.Number, ext, p.Type, p.Description)}, p.Number, path)
	if err != nil {
		return err
	}
	im.note("phone", len(im.rep.Changes) > before && im.rep.Changes[before].Created, changed)
	return nil
}

func (im *hsdsImporter) contact(c *hsds.Contact, column string, parentID int64, path string) error {
	uuid, ok := im.id("contact", c.ID, c.Name, path+".id")
	if !ok {
		return nil
	}
	cols := []string{"organization_id", "service_id", "service_at_location_id", "location_id"}
	vals := make([]any, len(cols))
	for i, col := range cols {
		if col == column {
			vals[i] = parentID
		}
	}
	before := len(im.rep.Changes)
	id, changed, err := im.put(hsdsRow{table: "resource_contacts", entity: "contact", uuid: uuid,
		cols: append(cols, "name", "title", "department", "email"),
		vals: append(vals, c.Name, c.Title, c.Department, c.Email)}, c.Name, path)
	if err != nil {
		return err
	}
	im.note("contact", len(im.rep.Changes) > before && im.rep.Changes[before].Created, changed)
	for i, p := range c.Phones {
		if err := im.phone(p, phoneParent{"contact_id", id}, fmt.Sprintf("%s.phones[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func (im *hsdsImporter) schedule(sc *hsds.Schedule, column string, parentID int64, path string) error {
	uuid, ok := im.id("schedule", sc.ID, sc.Description, path+".id")
	if !ok {
		return nil
	}
	dates := make([]any, 2)
	for i, d := range []string{sc.ValidFrom, sc.ValidTo} {
		if d == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			im.problem(path+"."+[]string{"valid_from", "valid_to"}[i], "schedule", sc.Description, "hsds.error.date", map[string]string{"Got": d})
			return nil
		}
		dates[i] = sqldb.NullDate(t)
	}
	freq, wkst := sc.Freq, sc.Wkst
	if freq == "" {
		freq = "WEEKLY"
	}
	if wkst == "" {
		wkst = "MO"
	}
	cols := []string{"service_id", "location_id", "service_at_location_id"}
	vals := make([]any, len(cols))
	for i, col := range cols {
		if col == column {
			vals[i] = parentID
		}
	}
	before := len(im.rep.Changes)
	_, changed, err := im.put(hsdsRow{table: "resource_schedules", entity: "schedule", uuid: uuid,
		cols: append(cols, "valid_from", "valid_to", "freq", "wkst", "byday", "opens_at", "closes_at", "description", "notes"),
		vals: append(vals, dates[0], dates[1], freq, wkst, sc.Byday, sc.OpensAt, sc.ClosesAt, sc.Description, sc.Notes)},
		sc.Description, path)
	if err != nil {
		return err
	}
	im.note("schedule", len(im.rep.Changes) > before && im.rep.Changes[before].Created, changed)
	return nil
}

// --- services ------------------------------------------------------------------

func (im *hsdsImporter) service(sv *hsds.Service, orgID int64, path string) error {
	uuid, ok := im.id("service", sv.ID, sv.Name, path+".id")
	if strings.TrimSpace(sv.Name) == "" {
		im.problem(path+".name", "service", sv.ID, "hsds.error.empty", map[string]string{"Field": "name"})
		ok = false
	}
	minAge, ok1 := im.wholeNumber(sv.MinimumAge, 0, 150, path+".minimum_age", "service", sv.Name)
	maxAge, ok2 := im.wholeNumber(sv.MaximumAge, 0, 150, path+".maximum_age", "service", sv.Name)
	if !ok || !ok1 || !ok2 {
		return nil
	}
	// The places, from Opora's own attributes.
	var capacity, free, capUpdated any
	note := ""
	var needs []*hsds.Attribute
	var needPaths []string
	for i, a := range sv.Attributes {
		p := fmt.Sprintf("%s.attributes[%d]", path, i)
		switch a.TermID() {
		case hsds.CapacityTermID, hsds.FreePlacesTermID:
			n, err := strconv.Atoi(strings.TrimSpace(a.Value))
			if err != nil || n < 0 || n > 1000000 {
				im.problem(p+".value", "service", sv.Name, "hsds.error.places", map[string]string{"Got": a.Value})
				return nil
			}
			if a.TermID() == hsds.CapacityTermID {
				capacity = int64(n)
			} else {
				free = int64(n)
			}
		case hsds.CapacityNoteTermID:
			note = a.Value
		case hsds.CapacityUpdatedTermID:
			t, err := time.Parse(time.RFC3339, a.Value)
			if err != nil {
				im.problem(p+".value", "service", sv.Name, "hsds.error.datetime", map[string]string{"Got": a.Value})
				return nil
			}
			capUpdated = t.UTC().Truncate(time.Millisecond)
		case hsds.TerritoryTermID:
			im.skip("service", "attributes", p, "hsds.skip.attribute_entity")
		default:
			needs, needPaths = append(needs, a), append(needPaths, p)
		}
	}
	if c, f := capacity, free; c != nil && f != nil && f.(int64) > c.(int64) {
		im.problem(path+".attributes", "service", sv.Name, "hsds.error.free_over_capacity", nil)
		return nil
	}
	// last_modified: the file's, or (a file without it) now when the
	// service is new or changed.
	var modified any
	if sv.LastModified != "" {
		t, err := time.Parse(time.RFC3339, sv.LastModified)
		if err != nil {
			im.problem(path+".last_modified", "service", sv.Name, "hsds.error.datetime", map[string]string{"Got": sv.LastModified})
			return nil
		}
		modified = t.UTC().Truncate(time.Millisecond)
	}
	// The search key counts the needs' names; the terms are resolved first.
	type need struct {
		termID int64
		a      *hsds.Attribute
		path   string
	}
	var resolved []need
	var termNames []string
	for i, a := range needs {
		tid, name, err := im.term(a, needPaths[i])
		if err != nil {
			return err
		}
		if tid != 0 {
			resolved = append(resolved, need{tid, a, needPaths[i]})
			termNames = append(termNames, name)
		}
	}
	key := NameKey(strings.Join(append([]string{sv.Name, sv.AlternateName, sv.Description, sv.EligibilityDescription},
		termNames...), " "))
	row := hsdsRow{table: "resource_services", entity: "service", uuid: uuid,
		cols: []string{"organization_id", "name", "alternate_name", "description", "url", "email", "status",
			"application_process", "fees_description", "eligibility_description", "minimum_age", "maximum_age", "alert",
			"capacity", "free_places", "capacity_note", "capacity_updated_at", "search_key"},
		vals: []any{orgID, sv.Name, sv.AlternateName, sv.Description, sv.URL, sv.Email, sv.Status, sv.ApplicationProcess,
			sv.FeesDescription, sv.EligibilityDescription, minAge, maxAge, sv.Alert, capacity, free, note, capUpdated, key},
		onInsert: map[string]any{"version": 1, "created_by": nullID(im.user), "created_at": im.now,
			"updated_by": nullID(im.user)},
		onUpdate: "version = version + 1, updated_by = $U1", onUpdateArgs: []any{nullID(im.user)},
	}
	if modified != nil {
		row.cols, row.vals = append(row.cols, "last_modified"), append(row.vals, modified)
	} else {
		row.onInsert["last_modified"] = im.now
		row.onUpdate += ", last_modified = $U2"
		row.onUpdateArgs = append(row.onUpdateArgs, im.now)
	}
	before := len(im.rep.Changes)
	id, changed, err := im.put(row, sv.Name, path)
	if err != nil {
		return err
	}
	im.audit = &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "resource_service", EntityID: id}
	audit := im.audit
	if len(im.rep.Changes) > before && im.rep.Changes[before].Created {
		audit.Action = opora.ActionCreate
		audit.Changes = append(audit.Changes, opora.Change{Field: "organization_id", New: idText(orgID)})
	}
	for _, c := range changed {
		if c != "search_key" {
			audit.Changes = append(audit.Changes, opora.Change{Field: c})
		}
	}
	for _, n := range resolved {
		if err := im.attribute(n.a, id, n.termID, n.path); err != nil {
			return err
		}
	}
	for i, sal := range sv.ServiceAtLocations {
		if err := im.serviceAtLocation(sal, id, sv.Name, fmt.Sprintf("%s.service_at_locations[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, p := range sv.Phones {
		if err := im.phone(p, phoneParent{"service_id", id}, fmt.Sprintf("%s.phones[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, c := range sv.Contacts {
		if err := im.contact(c, "service_id", id, fmt.Sprintf("%s.contacts[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, sc := range sv.Schedules {
		if err := im.schedule(sc, "service_id", id, fmt.Sprintf("%s.schedules[%d]", path, i)); err != nil {
			return err
		}
	}
	return im.flush(audit)
}

// term finds an attribute's taxonomy term by its id, or adds the term
// the attribute nests; 0 (and a skipped field) for a term neither the map
// nor the file has.
func (im *hsdsImporter) term(a *hsds.Attribute, path string) (int64, string, error) {
	tid := strings.ToLower(a.TermID())
	var id int64
	var name string
	err := im.tx.QueryRowContext(im.ctx, `SELECT id, name FROM resource_taxonomy_terms WHERE uuid = $1`, tid).Scan(&id, &name)
	if err == nil {
		return id, name, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("store: hsds import term: %w", err)
	}
	t := a.TaxonomyTerm
	if t == nil || tid == "" || !strings.EqualFold(t.ID, tid) {
		im.skip("attribute", "taxonomy_term_id", path, "hsds.skip.term_unknown")
		return 0, "", nil
	}
	code := t.Code
	if code == "" {
		code = tid
	}
	var clash int64
	if err := im.tx.QueryRowContext(im.ctx, `SELECT COUNT(*) FROM resource_taxonomy_terms WHERE code = $1`, code).Scan(&clash); err != nil {
		return 0, "", fmt.Errorf("store: hsds import term: %w", err)
	}
	if clash > 0 {
		im.problem(path+".taxonomy_term.code", "taxonomy_term", t.Name, "hsds.error.term_code", map[string]string{"Code": code})
		return 0, "", nil
	}
	var parent any
	if t.ParentID != "" {
		var pid int64
		if err := im.tx.QueryRowContext(im.ctx, `SELECT id FROM resource_taxonomy_terms WHERE uuid = $1`,
			strings.ToLower(t.ParentID)).Scan(&pid); err == nil {
			parent = pid
		} else {
			im.skip("taxonomy_term", "parent_id", path+".taxonomy_term.parent_id", "hsds.skip.term_unknown")
		}
	}
	taxonomy := t.Taxonomy
	if taxonomy == "" {
		taxonomy = hsds.NeedsTaxonomy
	}
	var pos int
	if err := im.tx.QueryRowContext(im.ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM resource_taxonomy_terms`).Scan(&pos); err != nil {
		return 0, "", fmt.Errorf("store: hsds import term: %w", err)
	}
	id, _, err = im.put(hsdsRow{table: "resource_taxonomy_terms", entity: "taxonomy_term", uuid: tid,
		cols: []string{"code", "name", "description", "parent_id", "taxonomy"},
		vals: []any{code, t.Name, t.Description, parent, taxonomy}, onInsert: map[string]any{"position": pos}}, t.Name, path+".taxonomy_term")
	return id, t.Name, err
}

func (im *hsdsImporter) attribute(a *hsds.Attribute, serviceID, termID int64, path string) error {
	uuid, ok := im.id("attribute", a.ID, a.Value, path+".id")
	if !ok {
		return nil
	}
	// The service may have the need already under another id (set in the form).
	var existing sql.NullString
	if err := im.tx.QueryRowContext(im.ctx, `SELECT MIN(uuid) FROM resource_attributes WHERE link_entity = 'service'
		AND link_id = $1 AND taxonomy_term_id = $2`, serviceID, termID).Scan(&existing); err != nil {
		return fmt.Errorf("store: hsds import attribute: %w", err)
	}
	if existing.Valid && existing.String != uuid {
		if other, ok := im.seen[existing.String]; ok {
			im.problem(path, "attribute", a.Value, "hsds.error.same_twice", map[string]string{"Other": other})
			return nil
		}
		if _, err := im.tx.ExecContext(im.ctx, `UPDATE resource_attributes SET uuid = $1 WHERE uuid = $2`, uuid, existing.String); err != nil {
			return fmt.Errorf("store: hsds import attribute: %w", err)
		}
	}
	before := len(im.rep.Changes)
	_, changed, err := im.put(hsdsRow{table: "resource_attributes", entity: "attribute", uuid: uuid,
		cols: []string{"link_entity", "link_id", "taxonomy_term_id", "value"},
		vals: []any{"service", serviceID, termID, a.Value}}, a.Value, path)
	if err != nil {
		return err
	}
	im.note("taxonomy_terms", len(im.rep.Changes) > before && im.rep.Changes[before].Created, changed)
	return nil
}

func (im *hsdsImporter) serviceAtLocation(sal *hsds.ServiceAtLocation, serviceID int64, name, path string) error {
	uuid, ok := im.id("service_at_location", sal.ID, name, path+".id")
	if !ok {
		return nil
	}
	locUUID := strings.ToLower(sal.LocationID)
	if locUUID == "" && sal.Location != nil {
		locUUID = strings.ToLower(sal.Location.ID)
	}
	locID, found := im.locs[locUUID]
	if !found && locUUID != "" {
		if err := im.tx.QueryRowContext(im.ctx, `SELECT id FROM resource_locations WHERE uuid = $1`, locUUID).Scan(&locID); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: hsds import service_at_location: %w", err)
		}
	}
	if locID == 0 {
		im.problem(path+".location_id", "service_at_location", name, "hsds.error.no_location", map[string]string{"ID": locUUID})
		return nil
	}
	// One row per service and location: a place the map has under another id takes the file's.
	var existing sql.NullString
	if err := im.tx.QueryRowContext(im.ctx, `SELECT MIN(uuid) FROM resource_service_at_location WHERE service_id = $1
		AND location_id = $2`, serviceID, locID).Scan(&existing); err != nil {
		return fmt.Errorf("store: hsds import service_at_location: %w", err)
	}
	if existing.Valid && existing.String != uuid {
		if other, ok := im.seen[existing.String]; ok {
			im.problem(path, "service_at_location", name, "hsds.error.same_twice", map[string]string{"Other": other})
			return nil
		}
		if _, err := im.tx.ExecContext(im.ctx, `UPDATE resource_service_at_location SET uuid = $1 WHERE uuid = $2`, uuid, existing.String); err != nil {
			return fmt.Errorf("store: hsds import service_at_location: %w", err)
		}
	}
	before := len(im.rep.Changes)
	id, changed, err := im.put(hsdsRow{table: "resource_service_at_location", entity: "service_at_location", uuid: uuid,
		cols: []string{"service_id", "location_id", "description"}, vals: []any{serviceID, locID, sal.Description}}, name, path)
	if err != nil {
		return err
	}
	im.note("service_at_location", len(im.rep.Changes) > before && im.rep.Changes[before].Created, changed)
	for i, sc := range sal.Schedules {
		if err := im.schedule(sc, "service_at_location_id", id, fmt.Sprintf("%s.schedules[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, p := range sal.Phones {
		if err := im.phone(p, phoneParent{"service_at_location_id", id}, fmt.Sprintf("%s.phones[%d]", path, i)); err != nil {
			return err
		}
	}
	for i, c := range sal.Contacts {
		if err := im.contact(c, "service_at_location_id", id, fmt.Sprintf("%s.contacts[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}
