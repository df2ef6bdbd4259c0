package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

const setupTokenKey = "setup_token_hash"

// NeedsSetup reports whether the database holds no organisation yet.
func (s *Store) NeedsSetup(ctx context.Context) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n); err != nil {
		return false, fmt.Errorf("store: setup check: %w", err)
	}
	return n == 0, nil
}

// SetSetupToken stores the hash of the one-time setup token printed on the
// console; a new start replaces the previous one.
func (s *Store) SetSetupToken(ctx context.Context, tokenHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = $1`, setupTokenKey); err != nil {
			return fmt.Errorf("store: setup token: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)`, setupTokenKey, tokenHash); err != nil {
			return fmt.Errorf("store: setup token: %w", err)
		}
		return nil
	})
}

// CheckSetupToken reports whether tokenHash is the valid, unused setup token.
func (s *Store) CheckSetupToken(ctx context.Context, tokenHash string) (bool, error) {
	return s.checkSetupToken(ctx, s.r, tokenHash)
}

func (s *Store) checkSetupToken(ctx context.Context, q queryer, tokenHash string) (bool, error) {
	var stored string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, setupTokenKey).Scan(&stored)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: setup token: %w", err)
	}
	var orgs int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&orgs); err != nil {
		return false, fmt.Errorf("store: setup token: %w", err)
	}
	return orgs == 0 && subtle.ConstantTimeCompare([]byte(stored), []byte(tokenHash)) == 1, nil
}

// CompleteSetup creates the first organisation, its first branch and its
// administrator, who also becomes the network administrator, and uses up the
// setup token, all in one transaction. A used or wrong token answers not found.
// The token is taken first, by deleting its row: of parallel requests with
// the same link only one deletes it (PostgreSQL makes the others wait for
// that transaction and then find nothing), so only one organisation is made.
func (s *Store) CompleteSetup(ctx context.Context, tokenHash string, n *NewOrganisation) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		ok, err := s.checkSetupToken(ctx, tx, tokenHash)
		if err != nil {
			return err
		}
		if !ok {
			return opora.ErrNotFound
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = $1 AND value = $2`, setupTokenKey, tokenHash)
		if err != nil {
			return fmt.Errorf("store: setup token: %w", err)
		}
		if taken, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: setup token: %w", err)
		} else if taken != 1 {
			return opora.ErrNotFound
		}
		if err := s.createOrganisation(ctx, tx, n, true); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: n.Organisation.ID, UserID: n.Admin.ID,
			Action: opora.ActionSetup, Entity: "organisation", EntityID: n.Organisation.ID})
	})
}
