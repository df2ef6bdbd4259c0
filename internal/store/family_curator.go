package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// AssignCurator makes a worker of the actor's organisation the family's
// curator (the head of the social-service centre assigns). The previous
// assignment, if any, is closed today; at most one is open. The family's
// case (subject "family", type family_support of the curator's
// organisation) opens on the first assignment with the curator as its
// curator; a later assignment changes the open case's curator. Needs
// family.assign on the family.
func (s *Store) AssignCurator(ctx context.Context, familyID, curatorID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyAssign); err != nil {
		return err
	}
	today := s.Today()
	now := s.Now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, err := s.loadFamily(ctx, tx, opora.PermFamilyAssign, familyID)
		if err != nil {
			return err
		}
		if curatorID == 0 {
			var v opora.Validation
			v.Add("curator_id", "error.required")
			return v.Err()
		}
		if err := s.checkOrgUser(ctx, tx, a, curatorID, "curator_id"); err != nil {
			return err
		}
		if f.CuratorID == curatorID && f.CuratorOrgID == a.OrganisationID {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE family_curators SET to_on = $1 WHERE family_id = $2 AND to_on IS NULL`,
			today, f.ID); err != nil {
			return fmt.Errorf("store: assign curator: %w", err)
		}
		if _, err := insertID(ctx, tx, `INSERT INTO family_curators (family_id, curator_id, organisation_id, assigned_by,
			assigned_at, from_on) VALUES ($1, $2, $3, $4, $5, $6)`, f.ID, curatorID, a.OrganisationID, nullID(a.UserID),
			now, today); err != nil {
			if isUniqueViolation(err) {
				var v opora.Validation
				v.Add("curator_id", errTwoCurators)
				return v.Err()
			}
			return fmt.Errorf("store: assign curator: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE families SET curator_id = $1, curator_org_id = $2, version = version + 1,
			updated_by = $3, updated_at = $4 WHERE id = $5`, curatorID, a.OrganisationID, nullID(a.UserID), now, f.ID); err != nil {
			return fmt.Errorf("store: assign curator: %w", err)
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT full_name FROM users WHERE id = $1`, curatorID).Scan(&name); err != nil {
			return fmt.Errorf("store: assign curator: %w", err)
		}
		ch := []opora.Change{{Field: "curator_id", Old: idText(f.CuratorID), New: idText(curatorID)}}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family", EntityID: f.ID,
			Section: "curator", Changes: ch}); err != nil {
			return err
		}
		if err := s.addFamilyEvent(ctx, tx, f, opora.FamilyEventCurator, name,
			[]opora.Change{{Field: "curator", Old: f.CuratorName, New: name}}); err != nil {
			return err
		}
		return s.familyCaseCurator(ctx, tx, a, f, curatorID, today)
	})
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// familyCaseCurator opens the family's case with the curator, or hands
// the open one to the curator.
func (s *Store) familyCaseCurator(ctx context.Context, tx *sql.Tx, a *opora.Actor, f *opora.Family, curatorID int64, today opora.Date) error {
	now := s.Now()
	var caseID, oldCurator int64
	err := tx.QueryRowContext(ctx, `SELECT id, curator_id FROM cases WHERE subject_type = 'family' AND subject_id = $1
		AND status = 'open'`, f.ID).Scan(&caseID, &oldCurator)
	if err == nil {
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET curator_id = $1, organisation_id = $2, version = version + 1,
			updated_by = $3, updated_at = $4 WHERE id = $5`, curatorID, a.OrganisationID, nullID(a.UserID), now, caseID); err != nil {
			return fmt.Errorf("store: family case: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: caseID,
			Changes: []opora.Change{{Field: "curator_id", Old: idText(oldCurator), New: idText(curatorID)}}})
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("store: family case: %w", err)
	}
	var typeID int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2 AND key = $3`,
		a.OrganisationID, opora.DictCaseType, opora.CaseTypeFamilySupport).Scan(&typeID)
	if err == sql.ErrNoRows {
		return &opora.Error{Code: opora.EINVALID, Message: "family.error.no_case_type"}
	}
	if err != nil {
		return fmt.Errorf("store: family case: %w", err)
	}
	id, err := insertID(ctx, tx, `INSERT INTO cases (organisation_id, subject_type, subject_id, client_id, type_id,
		curator_id, opened_on, status, version, created_by, created_at, updated_by, updated_at)
		VALUES ($1, 'family', $2, NULL, $3, $4, $5, 'open', 1, $6, $7, $6, $7)`,
		a.OrganisationID, f.ID, typeID, curatorID, today, nullID(a.UserID), now)
	if err != nil {
		return fmt.Errorf("store: family case: %w", err)
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "case", EntityID: id,
		Changes: []opora.Change{{Field: "family_id", New: idText(f.ID)}, {Field: "curator_id", New: idText(curatorID)},
			{Field: "opened_on", New: dateString(today)}}})
}

// FamilyCase returns the family's open case (or its latest closed one):
// id, curator, type, dates. ErrNotFound when the family has none or the
// actor may not read the family. Needs family.read.
func (s *Store) FamilyCase(ctx context.Context, familyID int64) (*opora.Case, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, err := s.loadFamily(ctx, s.r, opora.PermFamilyRead, familyID); err != nil {
		return nil, err
	}
	k := &opora.Case{}
	err := s.r.QueryRowContext(ctx, `SELECT k.id, k.organisation_id, k.subject_type, k.subject_id, k.type_id,
		COALESCE(d.label, ''), k.curator_id, COALESCE(u.full_name, ''), k.opened_on, k.closed_on, k.status, k.version
		FROM cases k LEFT JOIN dictionary_items d ON d.id = k.type_id LEFT JOIN users u ON u.id = k.curator_id
		WHERE k.subject_type = 'family' AND k.subject_id = $1
		ORDER BY CASE WHEN k.status = 'open' THEN 0 ELSE 1 END, k.opened_on DESC, k.id DESC LIMIT 1`, familyID).
		Scan(&k.ID, &k.OrganisationID, &k.SubjectType, &k.SubjectID, &k.TypeID, &k.TypeLabel, &k.CuratorID,
			&k.CuratorName, &k.OpenedOn, &k.ClosedOn, &k.Status, &k.Version)
	if err != nil {
		return nil, notFound(err)
	}
	return k, nil
}

// FamilyCurators lists a family's curator assignments, newest first.
// Needs family.read on the family.
func (s *Store) FamilyCurators(ctx context.Context, familyID int64) ([]*opora.FamilyCurator, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, err := s.loadFamily(ctx, s.r, opora.PermFamilyRead, familyID); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT h.id, h.family_id, h.curator_id, COALESCE(u.full_name, ''), h.organisation_id,
		o.name, o.short_name, COALESCE(h.assigned_by, 0), h.assigned_at, h.from_on, h.to_on
		FROM family_curators h LEFT JOIN users u ON u.id = h.curator_id JOIN organisations o ON o.id = h.organisation_id
		WHERE h.family_id = $1 ORDER BY h.id DESC`, familyID)
	if err != nil {
		return nil, fmt.Errorf("store: family curators: %w", err)
	}
	defer rows.Close()
	var out []*opora.FamilyCurator
	for rows.Next() {
		h := &opora.FamilyCurator{}
		var name, short string
		var at sql.NullTime
		if err := rows.Scan(&h.ID, &h.FamilyID, &h.CuratorID, &h.CuratorName, &h.OrganisationID, &name, &short,
			&h.AssignedBy, &at, &h.FromOn, &h.ToOn); err != nil {
			return nil, fmt.Errorf("store: family curators: %w", err)
		}
		h.OrgName, h.AssignedAt = displayName(name, short), timeOf(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// GrantFamily gives another organisation of the network access to the
// family (reason: opora.GrantCuratorOrg, GrantKDN, GrantTask, …). Granting
// an organisation that already has an open grant, or the holder, changes
// nothing. Needs family.write on the family.
func (s *Store) GrantFamily(ctx context.Context, familyID, orgID int64, reason string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	if reason == "" || len(reason) > 50 {
		var v opora.Validation
		v.Add("reason", "error.invalid_choice")
		return v.Err()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID)
		if err != nil {
			return err
		}
		return s.grantFamily(ctx, tx, a, f, orgID, reason)
	})
}

// grantFamily opens a grant in the caller's transaction (GrantFamily, and
// a signal's triage sending the family to the social-service centre).
func (s *Store) grantFamily(ctx context.Context, tx *sql.Tx, a *opora.Actor, f *opora.Family, orgID int64, reason string) error {
	{
		if err := checkOrganisation(ctx, tx, orgID, "organisation_id"); err != nil {
			return err
		}
		if orgID == f.OrganisationID {
			return nil
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subject_grants WHERE subject_type = 'family' AND subject_id = $1
			AND organisation_id = $2 AND revoked_at IS NULL`, f.ID, orgID).Scan(&open); err != nil {
			return fmt.Errorf("store: grant family: %w", err)
		}
		if open > 0 {
			return nil
		}
		id, err := insertID(ctx, tx, `INSERT INTO subject_grants (subject_type, subject_id, organisation_id, reason, granted_by,
			granted_at) VALUES ('family', $1, $2, $3, $4, $5)`, f.ID, orgID, reason, nullID(a.UserID), s.Now())
		if err != nil {
			return fmt.Errorf("store: grant family: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "subject_grant", EntityID: id,
			Changes: []opora.Change{{Field: "family_id", New: idText(f.ID)}, {Field: "organisation_id", New: idText(orgID)},
				{Field: "reason", New: reason}}}); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, orgID).Scan(&name); err != nil {
			return fmt.Errorf("store: grant family: %w", err)
		}
		return s.addFamilyEvent(ctx, tx, f, opora.FamilyEventGrant, name, []opora.Change{{Field: "reason", New: reason}})
	}
}

// RevokeGrant ends an organisation's access to the family. Needs
// family.write on the family.
func (s *Store) RevokeGrant(ctx context.Context, familyID, orgID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE subject_grants SET revoked_at = $1, revoked_by = $2 WHERE subject_type = 'family'
			AND subject_id = $3 AND organisation_id = $4 AND revoked_at IS NULL`, s.Now(), nullID(a.UserID), f.ID, orgID)
		if err != nil {
			return fmt.Errorf("store: revoke grant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "subject_grant",
			Changes: []opora.Change{{Field: "family_id", Old: idText(f.ID)}, {Field: "organisation_id", Old: idText(orgID)}}}); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, orgID).Scan(&name); err != nil {
			return fmt.Errorf("store: revoke grant: %w", err)
		}
		return s.addFamilyEvent(ctx, tx, f, opora.FamilyEventRevoke, name, nil)
	})
}

// FamilyGrants lists the organisations with open grants to the family.
// Needs family.read on the family.
func (s *Store) FamilyGrants(ctx context.Context, familyID int64) ([]*opora.SubjectGrant, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, acc, err := s.loadFamilyAccess(ctx, s.r, opora.PermFamilyRead, familyID); err != nil {
		return nil, err
	} else if !acc.Full { // which organisations read the family is the whole card's
		return nil, opora.ErrNotFound
	}
	rows, err := s.r.QueryContext(ctx, `SELECT g.id, g.subject_type, g.subject_id, g.organisation_id, o.name, o.short_name,
		g.reason, COALESCE(g.granted_by, 0), g.granted_at FROM subject_grants g JOIN organisations o ON o.id = g.organisation_id
		WHERE g.subject_type = 'family' AND g.subject_id = $1 AND g.revoked_at IS NULL ORDER BY g.id`, familyID)
	if err != nil {
		return nil, fmt.Errorf("store: family grants: %w", err)
	}
	defer rows.Close()
	var out []*opora.SubjectGrant
	for rows.Next() {
		g := &opora.SubjectGrant{}
		var name, short string
		var at sql.NullTime
		if err := rows.Scan(&g.ID, &g.SubjectType, &g.SubjectID, &g.OrganisationID, &name, &short, &g.Reason,
			&g.GrantedBy, &at); err != nil {
			return nil, fmt.Errorf("store: family grants: %w", err)
		}
		g.OrgName, g.GrantedAt = displayName(name, short), timeOf(at)
		out = append(out, g)
	}
	return out, rows.Err()
}
