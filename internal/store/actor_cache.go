package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/opora-project/opora/internal/opora"
)

// actorCache keeps what every request's actor is built from (the user, their
// branches and roles with permissions), which was three queries a request,
// by user id. Entries are tagged with the database's auth_version; every
// change to users, their branches and roles, roles and role permissions
// raises that counter (triggers, migration 00028), so the next request
// after a change reads the user again, whichever process made it.
type actorCache = versionedCache[cachedActor]

type cachedActor struct {
	user  *opora.User
	roles []*opora.Role
	// grants: the user's organisation holds an open family grant
	// (subject_grants raise auth_version too).
	grants bool
	// twoFactor: the organisation enforces its roles' two-factor rule.
	twoFactor bool
}

// Actor loads the acting user with their permissions, for a session. A
// disabled or missing user is ErrNotFound.
func (s *Store) Actor(ctx context.Context, userID int64) (*opora.Actor, error) {
	// The counter read with the session, or now.
	v, ok := ctx.Value(versionsKey{}).(Versions)
	version := v.Auth
	if !ok {
		if err := s.r.QueryRowContext(ctx, `SELECT version FROM auth_version WHERE id = 1`).Scan(&version); err != nil {
			return nil, fmt.Errorf("store: auth version: %w", err)
		}
	}
	e, ok := s.actorCache.get(userID, version)
	if !ok {
		u, err := s.user(ctx, s.r, `u.id = $1 AND NOT u.disabled`, userID)
		if err != nil {
			return nil, err
		}
		roles, err := s.roles(ctx, s.r, `r.id IN (SELECT role_id FROM user_roles WHERE user_id = $1)`, userID)
		if err != nil {
			return nil, err
		}
		grants, err := s.orgHasFamilyGrants(ctx, u.OrganisationID)
		if err != nil {
			return nil, err
		}
		var enforced bool
		if err := s.r.QueryRowContext(ctx, `SELECT two_factor_enforced FROM organisations WHERE id = $1`,
			u.OrganisationID).Scan(&enforced); err != nil {
			return nil, fmt.Errorf("store: actor organisation: %w", err)
		}
		e = cachedActor{user: u, roles: roles, grants: grants, twoFactor: enforced}
		s.actorCache.put(userID, version, e)
	}
	// Each request gets its own actor: nothing it changes reaches the cache.
	a := opora.NewActor(e.user, e.roles)
	a.BranchIDs = slices.Clone(a.BranchIDs)
	a.FamilyGrants = e.grants
	a.TwoFactorRequired = a.TwoFactorRequired && e.twoFactor
	return a, nil
}
