package store

import (
	"context"
	"database/sql"
	"fmt"
)

// mergeFamilyMembers moves the merged-away client's family memberships to
// the survivor. Where the survivor is a member of the same family already,
// the duplicate's row goes (one person, one membership); the families'
// search keys are rewritten.
func mergeFamilyMembers(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error {
	families, err := queryIDs(ctx, tx, `SELECT family_id FROM family_members WHERE client_id = $1`, from)
	if err != nil {
		return fmt.Errorf("store: merge families: %w", err)
	}
	if len(families) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM family_members WHERE client_id = $1 AND family_id IN
		(SELECT family_id FROM family_members WHERE client_id = $2)`, from, to); err != nil {
		return fmt.Errorf("store: merge families: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE family_members SET client_id = $1 WHERE client_id = $2`, to, from); err != nil {
		return fmt.Errorf("store: merge families: %w", err)
	}
	for _, id := range families {
		if err := s.refreshFamilyKey(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// queryIDs runs a query returning one id column.
func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
