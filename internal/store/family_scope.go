package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// Access to families, decided here (the lead merges this file with the
// other scope helpers, clientScope among them, into one scope file).
//
// A family is reachable when the actor's organisation holds the card
// (families.organisation_id) or has an open grant for it (subject_grants:
// the КЦСОН the КДН sent it to, later an agency with a task). The
// permission's scope then narrows it: own = the family's curator or the
// worker who created the card; branch and organisation = every family the
// organisation reaches (a family has no branch).
//
// The members' client records follow: for client.read and client.write
// (never report.run: an organisation's reports count only its own
// clients) clientScope also lets an actor reach the clients who are
// members of a family they reach through a grant with family.read
// (family.write for client.write), in the same own/organisation scope.
// The clause is added only when the organisation holds any grant
// (Actor.FamilyGrants, filled when the actor is built), so the queries of
// an organisation outside a network are unchanged.

// familyScope returns the SQL condition (on alias f, families) limiting
// families to those the actor reaches with permission p.
func familyScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(p)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	n := len(args)
	cond := fmt.Sprintf(`(f.organisation_id = $%d OR EXISTS (SELECT 1 FROM subject_grants g WHERE g.subject_type = 'family'
		AND g.subject_id = f.id AND g.organisation_id = $%d AND g.revoked_at IS NULL))`, n, n)
	if scope == opora.ScopeOwn {
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND (f.curator_id = $%d OR f.created_by = $%d)", len(args), len(args))
	}
	return cond, args, nil
}

// familyPermFor is the family permission that carries a client permission
// to the members of granted families; "" for any other permission.
func familyPermFor(p opora.Permission) opora.Permission {
	switch p {
	case opora.PermClientRead:
		return opora.PermFamilyRead
	case opora.PermClientWrite:
		return opora.PermFamilyWrite
	}
	return ""
}

// orFamilyMembers widens a client condition (on alias c) built by
// clientScope with the members of the families granted to the actor's
// organisation, for client.read and client.write only.
func orFamilyMembers(a *opora.Actor, p opora.Permission, cond string, args []any) (string, []any, error) {
	fp := familyPermFor(p)
	if !a.FamilyGrants || fp == "" || !a.Can(fp) {
		return cond, args, nil
	}
	fcond, args, err := familyScope(a, fp, args)
	if err != nil {
		return "", nil, err
	}
	n := len(args)
	if scope, _ := a.ScopeOf(fp); scope == opora.ScopeOwn {
		n-- // the organisation comes before the user
	}
	return fmt.Sprintf(`((%s) OR c.id IN (SELECT m.client_id FROM family_members m JOIN families f ON f.id = m.family_id
		JOIN subject_grants g ON g.subject_type = 'family' AND g.subject_id = f.id AND g.organisation_id = $%d
		AND g.revoked_at IS NULL WHERE %s))`, cond, n, fcond), args, nil
}

// orgHasFamilyGrants reports whether an organisation holds any open grant
// (Actor.FamilyGrants).
func (s *Store) orgHasFamilyGrants(ctx context.Context, orgID int64) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM subject_grants WHERE organisation_id = $1
		AND revoked_at IS NULL LIMIT 1) x`, orgID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: family grants: %w", err)
	}
	return n > 0, nil
}
