package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// mergeShelter moves stays and medical checks to the survivor of a merge
// (mergeSteps). A client has at most one open stay, so merging two clients
// who both live in the shelter is refused: check one of them out first.
func mergeShelter(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error {
	var living int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM shelter_stays WHERE client_id IN ($1, $2) AND status = 'living'`,
		from, to).Scan(&living); err != nil {
		return fmt.Errorf("store: merge stays: %w", err)
	}
	if living > 1 {
		return &opora.Error{Code: opora.EINVALID, Message: "shelter.error.merge_two_living"}
	}
	for _, t := range []string{"shelter_stays", "shelter_medical_checks"} {
		if _, err := tx.ExecContext(ctx, `UPDATE `+t+` SET client_id = $1 WHERE client_id = $2`, to, from); err != nil {
			return fmt.Errorf("store: merge %s: %w", t, err)
		}
	}
	return nil
}
