package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/search"
)

// Families (Flow B): the family card, its members, curator and grants.
// Access is decided by familyScope (sqldb/scope.go): every query joins
// families f and applies it, so a family the actor's organisation neither
// holds nor was granted answers opora.ErrNotFound (and Family audit-logs
// the attempt).

const familyColumns = `f.id, f.organisation_id, o.name, o.short_name, COALESCE(f.territory_id, 0), COALESCE(t.name, ''),
	f.address, f.housing, f.income, COALESCE(f.status_id, 0), COALESCE(d.key, ''), COALESCE(d.label, ''), f.status_since,
	COALESCE(f.curator_id, 0), COALESCE(u.full_name, ''), COALESCE(f.curator_org_id, 0), COALESCE(co.name, ''),
	COALESCE(co.short_name, ''), f.version, COALESCE(f.created_by, 0), f.created_at, COALESCE(f.updated_by, 0), f.updated_at,
	COALESCE(f.merged_into, 0), f.offences, f.health`

const familyFrom = ` FROM families f JOIN organisations o ON o.id = f.organisation_id
	LEFT JOIN territories t ON t.id = f.territory_id LEFT JOIN dictionary_items d ON d.id = f.status_id
	LEFT JOIN users u ON u.id = f.curator_id LEFT JOIN organisations co ON co.id = f.curator_org_id`

func scanFamily(row interface{ Scan(...any) error }) (*opora.Family, error) {
	f := &opora.Family{}
	var orgName, orgShort, coName, coShort string
	var created, updated sql.NullTime
	if err := row.Scan(&f.ID, &f.OrganisationID, &orgName, &orgShort, &f.TerritoryID, &f.TerritoryName,
		&f.Address, &f.Housing, &f.Income, &f.StatusID, &f.StatusKey, &f.StatusLabel, &f.StatusSince,
		&f.CuratorID, &f.CuratorName, &f.CuratorOrgID, &coName, &coShort, &f.Version, &f.CreatedBy, &created,
		&f.UpdatedBy, &updated, &f.MergedInto, &f.Offences, &f.Health); err != nil {
		return nil, err
	}
	f.OrgName = displayName(orgName, orgShort)
	f.CuratorOrgName = displayName(coName, coShort)
	f.CreatedAt, f.UpdatedAt = timeOf(created), timeOf(updated)
	return f, nil
}

func displayName(name, short string) string {
	if short != "" {
		return short
	}
	return name
}

// loadFamily reads a family the actor reaches with permission p, without
// members (loadFamilyAccess).
func (s *Store) loadFamily(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Family, error) {
	f, _, err := s.loadFamilyAccess(ctx, q, p, id)
	return f, err
}

// loadFamilyAccess reads a family the actor reaches with permission p,
// without members, and what the actor may read of it (familyAccess). A
// council member of the family's municipality reads it without a grant
// (councilMemberOf). Writing (family.write, family.assign) needs the whole
// card: an agency that reads only some sections gets ErrForbidden.
func (s *Store) loadFamilyAccess(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Family, *opora.FamilyAccess, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := familyScope(a, p, []any{id})
	if err != nil {
		return nil, nil, err
	}
	f, err := scanFamily(q.QueryRowContext(ctx, `SELECT `+familyColumns+familyFrom+` WHERE f.id = $1 AND `+cond, args...))
	if err == sql.ErrNoRows && p == opora.PermFamilyRead {
		if member, merr := councilMemberOf(ctx, q, a.OrganisationID, id); merr != nil {
			return nil, nil, merr
		} else if member {
			f, err = scanFamily(q.QueryRowContext(ctx, `SELECT `+familyColumns+familyFrom+` WHERE f.id = $1`, id))
		}
	}
	if err != nil {
		return nil, nil, notFound(err)
	}
	acc, err := s.familyAccess(ctx, q, f)
	if err != nil {
		return nil, nil, err
	}
	if p != opora.PermFamilyRead && !acc.Full {
		return nil, nil, opora.ErrForbidden
	}
	if f.MergedInto != 0 && p != opora.PermFamilyRead { // a tombstone (family_join.go) is read only
		return nil, nil, &opora.Error{Code: opora.EINVALID, Message: errFamilyMerged}
	}
	hideSections(f, acc)
	return f, acc, nil
}

// Family returns a family card with its members (each with the client
// record), the status label and the curator, and writes the view audit
// row. A family the actor may not reach is ErrNotFound, and the attempt
// is audit-logged as denied. Another organisation than the card's holder
// reads only the sections open to it (FamilyAccess; the others' fields are
// blank, the members only with their section), and its view is logged
// with its reason. Needs family.read.
func (s *Store) Family(ctx context.Context, id int64) (*opora.Family, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	f, acc, err := s.loadFamilyAccess(ctx, s.r, opora.PermFamilyRead, id)
	if err != nil {
		if opora.ErrorCode(err) == opora.ENOTFOUND {
			if lerr := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "family", EntityID: id}); lerr != nil {
				return nil, lerr
			}
		}
		return nil, err
	}
	if acc.Can(opora.SectionMembers) {
		if f.Members, err = s.familyMembers(ctx, s.r, f.ID); err != nil {
			return nil, err
		}
		f.Name = familyName(f.Members)
	}
	if err := s.logFamilyView(ctx, f, acc, "card"); err != nil {
		return nil, err
	}
	return f, nil
}

const memberColumns = `, m.id, m.family_id, m.role, m.joined_on, m.left_on, m.leave_reason,
	COALESCE(m.school_org_id, 0), m.school_name, COALESCE(so.name, ''), COALESCE(so.short_name, ''), m.created_at`

// familyMembers lists families' members with their client records: those
// in the family first (adults, then children from the eldest), then those
// who left.
func (s *Store) familyMembers(ctx context.Context, q queryer, familyIDs ...int64) ([]*opora.FamilyMember, error) {
	in, args := inList(nil, familyIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+clientColumns+memberColumns+` FROM family_members m
		JOIN clients c ON c.id = m.client_id LEFT JOIN organisations so ON so.id = m.school_org_id
		WHERE m.family_id IN (`+in+`) ORDER BY m.family_id, CASE WHEN m.left_on IS NULL THEN 0 ELSE 1 END,
		CASE WHEN m.role = 'child' THEN 1 ELSE 0 END, c.birth_year, c.birth_date, m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: family members: %w", err)
	}
	defer rows.Close()
	var out []*opora.FamilyMember
	for rows.Next() {
		m := &opora.FamilyMember{}
		var soName, soShort string
		var created sql.NullTime
		c, err := scanClient(rows, &m.ID, &m.FamilyID, &m.Role, &m.JoinedOn, &m.LeftOn, &m.LeaveReason,
			&m.SchoolOrgID, &m.SchoolName, &soName, &soShort, &created)
		if err != nil {
			return nil, fmt.Errorf("store: family members: %w", err)
		}
		m.Client, m.ClientID, m.CreatedAt = c, c.ID, timeOf(created)
		if m.SchoolOrgID != 0 {
			m.SchoolName = displayName(soName, soShort)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// familyName is what lists call a family: the surnames of its current
// members, adults first, each once.
func familyName(members []*opora.FamilyMember) string {
	var names []string
	for _, m := range members {
		if m.LeftOn.IsZero() && m.Client != nil && m.Client.Surname != "" && !slices.Contains(names, m.Client.Surname) {
			names = append(names, m.Client.Surname)
		}
	}
	return strings.Join(names, ", ")
}

var (
	errNoMembers   = "family.error.no_members"
	errSamePerson  = "family.error.same_person"
	errTwoCurators = "family.error.two_curators"
)

// validateMembers checks members before saving: each member's fields and
// new person, and no person twice. prefix(i) names the member's fields.
func validateMembers(v *opora.Validation, now time.Time, members []*opora.FamilyMember, prefix func(int) string) {
	seen := map[int64]bool{}
	for i, m := range members {
		m.Normalize()
		if m.ClientID == 0 && m.Client != nil {
			m.Client.Normalize()
		}
		if err := m.Validate(now, prefix(i)); err != nil {
			for f, k := range opora.FieldErrors(err) {
				v.Add(f, k)
			}
		}
		if m.ClientID != 0 {
			if seen[m.ClientID] {
				v.Add(prefix(i)+"client_id", errSamePerson)
			}
			seen[m.ClientID] = true
		}
	}
}

func memberPrefix(i int) string { return "members." + strconv.Itoa(i) + "." }

// CreateFamily saves a new family card held by the actor's organisation,
// with its first members, in one transaction: each member is an existing
// client the actor may read (linked, never copied) or a new person, saved
// as a client of the organisation (in m.Client.BranchID, or the actor's
// first branch). The status defaults to the dictionary's "early" item.
// Field errors name members' fields "members.<i>.<field>". Needs family.write.
func (s *Store) CreateFamily(ctx context.Context, f *opora.Family) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	today := s.Today()
	f.Normalize()
	var v opora.Validation
	if err := f.Validate(today); err != nil {
		v.Fields = opora.FieldErrors(err)
	}
	if len(f.Members) == 0 {
		v.Add("members", errNoMembers)
	}
	validateMembers(&v, s.Now(), f.Members, memberPrefix)
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.createFamily(ctx, tx, a, f) })
}

// createFamily saves a validated new family in the caller's transaction
// (CreateFamily, and a signal's triage).
func (s *Store) createFamily(ctx context.Context, tx *sql.Tx, a *opora.Actor, f *opora.Family) error {
	today := s.Today()
	now := s.Now()
	{
		if err := s.checkFamilyRefs(ctx, tx, a, f); err != nil {
			return err
		}
		if f.StatusID != 0 && f.StatusSince.IsZero() {
			f.StatusSince = today
		}
		f.OrganisationID, f.CreatedBy, f.UpdatedBy, f.CreatedAt, f.UpdatedAt, f.Version = a.OrganisationID, a.UserID, a.UserID, now, now, 1
		id, err := insertID(ctx, tx, `INSERT INTO families (organisation_id, territory_id, address, housing, income, status_id,
			status_since, version, created_by, created_at, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $8, $9)`,
			f.OrganisationID, nullID(f.TerritoryID), f.Address, f.Housing, f.Income, nullID(f.StatusID), f.StatusSince,
			nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create family: %w", err)
		}
		f.ID = id
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "family", EntityID: id}); err != nil {
			return err
		}
		if err := s.addFamilyEvent(ctx, tx, f, opora.FamilyEventCreated, f.StatusLabel, nil); err != nil {
			return err
		}
		for i, m := range f.Members {
			if err := s.insertMember(ctx, tx, a, f, m, memberPrefix(i)); err != nil {
				return err
			}
		}
		return s.refreshFamilyKey(ctx, tx, f.ID)
	}
}

// checkFamilyRefs checks the family's territory and status, filling the
// default status and its label.
func (s *Store) checkFamilyRefs(ctx context.Context, q queryer, a *opora.Actor, f *opora.Family) error {
	var v opora.Validation
	if f.TerritoryID != 0 {
		if t, err := s.territory(ctx, q, f.TerritoryID); err != nil {
			if opora.ErrorCode(err) != opora.ENOTFOUND {
				return err
			}
			v.Add("territory_id", "error.invalid_choice")
		} else {
			f.TerritoryName = t.Name
		}
	}
	orgID := f.OrganisationID
	if orgID == 0 {
		orgID = a.OrganisationID
	}
	if f.StatusID == 0 && f.ID == 0 {
		err := q.QueryRowContext(ctx, `SELECT id, key, label FROM dictionary_items WHERE organisation_id = $1
			AND dictionary = $2 AND key = $3 AND NOT disabled`, orgID, opora.DictFamilyStatus, opora.DefaultFamilyStatus).
			Scan(&f.StatusID, &f.StatusKey, &f.StatusLabel)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("store: family status: %w", err)
		}
	} else if f.StatusID != 0 {
		err := q.QueryRowContext(ctx, `SELECT key, label FROM dictionary_items WHERE id = $1 AND organisation_id = $2
			AND dictionary = $3`, f.StatusID, orgID, opora.DictFamilyStatus).Scan(&f.StatusKey, &f.StatusLabel)
		if err == sql.ErrNoRows {
			v.Add("status_id", "error.invalid_choice")
		} else if err != nil {
			return fmt.Errorf("store: family status: %w", err)
		}
	}
	return v.Err()
}

// insertMember links an existing client or creates the new person, then
// adds the member row, in the caller's transaction.
func (s *Store) insertMember(ctx context.Context, tx *sql.Tx, a *opora.Actor, f *opora.Family, m *opora.FamilyMember, prefix string) error {
	invalid := func(field, key string) error {
		var v opora.Validation
		v.Add(prefix+field, key)
		return v.Err()
	}
	if m.ClientID != 0 {
		c, err := s.client(ctx, tx, opora.PermClientRead, m.ClientID)
		if err != nil {
			if opora.ErrorCode(err) == opora.ENOTFOUND || opora.ErrorCode(err) == opora.EFORBIDDEN {
				return invalid("client_id", "error.invalid_choice")
			}
			return err
		}
		if c.Deleted() || c.MergedInto != 0 {
			return invalid("client_id", "error.invalid_choice")
		}
		m.Client = c
	} else {
		c := m.Client
		if c.BranchID == 0 && len(a.BranchIDs) > 0 {
			c.BranchID = a.BranchIDs[0]
		}
		if err := c.Validate(s.Now()); err != nil {
			return prefixed(err, prefix)
		}
		if err := s.createClient(ctx, tx, a, c); err != nil {
			return prefixed(err, prefix)
		}
		m.ClientID = c.ID
	}
	if m.SchoolOrgID != 0 {
		var typ string
		err := tx.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, m.SchoolOrgID).Scan(&typ)
		if err == sql.ErrNoRows || (err == nil && typ != string(opora.OrgSchool) && typ != string(opora.OrgKindergarten)) {
			return invalid("school_org_id", "error.invalid_choice")
		} else if err != nil {
			return fmt.Errorf("store: family member school: %w", err)
		}
	}
	m.FamilyID = f.ID
	m.CreatedAt = s.Now()
	id, err := insertID(ctx, tx, `INSERT INTO family_members (family_id, client_id, role, joined_on, left_on, leave_reason,
		school_org_id, school_name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, m.ClientID, m.Role, m.JoinedOn, m.LeftOn, m.LeaveReason, nullID(m.SchoolOrgID), m.SchoolName,
		nullID(a.UserID), m.CreatedAt)
	if err != nil {
		if isUniqueViolation(err) {
			return invalid("client_id", errSamePerson)
		}
		return fmt.Errorf("store: family member: %w", err)
	}
	m.ID = id
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "family_member", EntityID: id,
		Changes: []opora.Change{{Field: "family_id", New: strconv.FormatInt(f.ID, 10)},
			{Field: "client_id", New: strconv.FormatInt(m.ClientID, 10)}, {Field: "role", New: string(m.Role)}}}); err != nil {
		return err
	}
	return s.addFamilyEvent(ctx, tx, f, opora.FamilyEventMemberJoined, m.Client.FullName(),
		[]opora.Change{{Field: "role", New: string(m.Role)}, {Field: "joined_on", New: dateString(m.JoinedOn)}})
}

// prefixed renames the fields of a validation error with prefix.
func prefixed(err error, prefix string) error {
	fields := opora.FieldErrors(err)
	if fields == nil {
		return err
	}
	var v opora.Validation
	for f, k := range fields {
		v.Add(prefix+f, k)
	}
	return v.Err()
}

// refreshFamilyKey rewrites the family's search key: its members' names,
// its address and its children's schools, folded by NameKey.
func (s *Store) refreshFamilyKey(ctx context.Context, tx *sql.Tx, familyID int64) error {
	var address string
	if err := tx.QueryRowContext(ctx, `SELECT address FROM families WHERE id = $1`, familyID).Scan(&address); err != nil {
		return fmt.Errorf("store: family key: %w", err)
	}
	members, err := s.familyMembers(ctx, tx, familyID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE families SET search_key = $1 WHERE id = $2`,
		familyKey(members, address), familyID); err != nil {
		return fmt.Errorf("store: family key: %w", err)
	}
	return nil
}

// familyKey is the search key of a family with these members (in the
// card's order, familyMembers) and address (search.FamilyKey).
func familyKey(members []*opora.FamilyMember, address string) string {
	var names, schools []string
	for _, m := range members {
		names = append(names, m.Client.FullName())
		if m.SchoolName != "" {
			schools = append(schools, m.SchoolName)
		}
	}
	return search.FamilyKey(names, address, schools)
}

// addFamilyEvent writes a line of the family's timeline in the caller's transaction.
func (s *Store) addFamilyEvent(ctx context.Context, q queryer, f *opora.Family, kind, summary string, changes []opora.Change) error {
	a := opora.ActorFrom(ctx)
	ch := ""
	if len(changes) > 0 {
		b, err := json.Marshal(changes)
		if err != nil {
			return fmt.Errorf("store: family event: %w", err)
		}
		ch = string(b)
	}
	var userID int64
	if a != nil {
		userID = a.UserID
	}
	orgID := f.OrganisationID
	if a != nil {
		orgID = a.OrganisationID
	}
	// A creation or a status change keeps the status's key as the family
	// row holds it now (the caller has written it): the hints learn from
	// the status history by key, whatever the labels are renamed to.
	if _, err := q.ExecContext(ctx, `INSERT INTO family_events (family_id, organisation_id, at, user_id, kind, summary, changes, status_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $5 IN ('created', 'status') THEN COALESCE((SELECT d.key FROM families x
			JOIN dictionary_items d ON d.id = x.status_id WHERE x.id = $1), '') ELSE '' END)`,
		f.ID, orgID, s.Now(), nullID(userID), kind, summary, ch); err != nil {
		return fmt.Errorf("store: family event: %w", err)
	}
	return nil
}

// touchFamily marks a family changed by the actor (members, curator).
func (s *Store) touchFamily(ctx context.Context, tx *sql.Tx, a *opora.Actor, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE families SET updated_by = $1, updated_at = $2 WHERE id = $3`,
		nullID(a.UserID), s.Now(), id); err != nil {
		return fmt.Errorf("store: family: %w", err)
	}
	return nil
}

// AddMember adds a member to a family: an existing client the actor may
// read, or a new person. The same person twice in one family is refused.
// Needs family.write on the family.
func (s *Store) AddMember(ctx context.Context, familyID int64, m *opora.FamilyMember) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	var v opora.Validation
	validateMembers(&v, s.Now(), []*opora.FamilyMember{m}, func(int) string { return "" })
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID)
		if err != nil {
			return err
		}
		if err := s.insertMember(ctx, tx, a, f, m, ""); err != nil {
			return err
		}
		if err := s.touchFamily(ctx, tx, a, f.ID); err != nil {
			return err
		}
		return s.refreshFamilyKey(ctx, tx, f.ID)
	})
}

// ClientFamilies lists the families a client is (or was) a member of that
// the actor may read, for the client's record. Needs client.read on the
// client; without family.read the list is empty.
func (s *Store) ClientFamilies(ctx context.Context, clientID int64) ([]*opora.Family, error) {
	a := opora.ActorFrom(ctx)
	if _, err := s.Client(ctx, clientID); err != nil {
		return nil, err
	}
	if !a.Can(opora.PermFamilyRead) {
		return nil, nil
	}
	cond, args, err := familyScope(a, opora.PermFamilyRead, []any{clientID})
	if err != nil {
		return nil, err
	}
	return s.familyList(ctx, `f.id IN (SELECT family_id FROM family_members WHERE client_id = $1) AND `+cond+
		` ORDER BY f.id`, args)
}
