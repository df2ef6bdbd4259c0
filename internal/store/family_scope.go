package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// familyScope limits families (alias f) to those the actor reaches with p;
// decided in sqldb/scope.go with every other access rule.
func familyScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	return sqldb.FamilyScope(a, p, args)
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
