package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// mergeCases moves cases and their tasks to the survivor of a merge
// (mergeSteps). A client has at most one open case, so a merge of two
// clients who both have one is refused: close one of them first.
func mergeCases(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE subject_type = 'client'
		AND subject_id IN ($1, $2) AND status = 'open'`, from, to).Scan(&open); err != nil {
		return fmt.Errorf("store: merge cases: %w", err)
	}
	if open > 1 {
		return &opora.Error{Code: opora.EINVALID, Message: "cases.error.merge_two_open"}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET subject_id = $1, client_id = $1
		WHERE subject_type = 'client' AND subject_id = $2`, to, from); err != nil {
		return fmt.Errorf("store: merge cases: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET client_id = $1 WHERE client_id = $2`, to, from); err != nil {
		return fmt.Errorf("store: merge case tasks: %w", err)
	}
	return nil
}
