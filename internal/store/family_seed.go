package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// defaultFamilyStatuses are the family_status dictionary's first items
// (DOMAIN.md, Flow B); keys are stable, labels the organisation's to edit.
var defaultFamilyStatuses = [][2]string{
	{"early", "Ранние трудности"},
	{"tzs", "ТЖС (трудная жизненная ситуация)"},
	{"sop", "СОП (социально опасное положение)"},
}

// seedFamilies gives an organisation of the regional network (any type but
// NGO) the family roles (opora.FamilyRoles) it lacks and the family status
// dictionary when it has none. An NGO outside a network gets nothing, so
// its flow stays as it was. Idempotent.
func (s *Store) seedFamilies(ctx context.Context, q queryer, orgID int64) error {
	var typ string
	if err := q.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, orgID).Scan(&typ); err != nil {
		return fmt.Errorf("store: seed families: %w", err)
	}
	if typ == string(opora.OrgNGO) {
		return nil
	}
	for _, br := range opora.FamilyRoles {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM roles WHERE organisation_id = $1 AND key = $2`,
			orgID, br.Key).Scan(&n); err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
		if n > 0 {
			continue
		}
		id, err := insertID(ctx, q, `INSERT INTO roles (organisation_id, key, name, scope, builtin) VALUES ($1, $2, '', $3, $4)`,
			orgID, br.Key, br.Scope, true)
		if err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
		var args []any
		for _, p := range br.Permissions {
			args = append(args, id, p)
		}
		if _, err := q.ExecContext(ctx, rowsInsert("role_permissions", []string{"role_id", "permission"}, len(br.Permissions)),
			args...); err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2`,
		orgID, opora.DictFamilyStatus).Scan(&n); err != nil {
		return fmt.Errorf("store: seed families: %w", err)
	}
	if n > 0 {
		return nil
	}
	for i, it := range defaultFamilyStatuses {
		if _, err := q.ExecContext(ctx, `INSERT INTO dictionary_items (organisation_id, dictionary, key, label, position)
			VALUES ($1, $2, $3, $4, $5)`, orgID, opora.DictFamilyStatus, it[0], it[1], i+1); err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
	}
	return nil
}
