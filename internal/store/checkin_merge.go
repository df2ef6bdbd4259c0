package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// mergeCheckinClients moves the check-in rows of a merged-away client to
// the survivor. When both had a check-in person, the merged-away one is
// merged into the survivor's (a visit both had at one shift counts once);
// ticks still queued on phones for either land on the survivor.
func mergeCheckinClients(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error {
	live := func(client int64) (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM checkin_persons WHERE client_id = $1 AND merged_into IS NULL`, client).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, err
	}
	pf, err := live(from)
	if err != nil {
		return fmt.Errorf("store: merge check-in: %w", err)
	}
	pt, err := live(to)
	if err != nil {
		return fmt.Errorf("store: merge check-in: %w", err)
	}
	if pf != 0 && pt != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE checkin_persons SET merged_into = $1 WHERE id = $2`, pt, pf); err != nil {
			return fmt.Errorf("store: merge check-in: %w", err)
		}
		if err := deleteDuplicateVisits(ctx, tx, pf, pt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE checkin_visits SET person_id = $1 WHERE person_id = $2`, pt, pf); err != nil {
			return fmt.Errorf("store: merge check-in: %w", err)
		}
	}
	for _, q := range []string{`UPDATE checkin_persons SET client_id = $1 WHERE client_id = $2`,
		`UPDATE checkin_visits SET client_id = $1 WHERE client_id = $2`} {
		if _, err := tx.ExecContext(ctx, q, to, from); err != nil {
			return fmt.Errorf("store: merge check-in: %w", err)
		}
	}
	return nil
}
