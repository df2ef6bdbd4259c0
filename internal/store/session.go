package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

func insertSession(ctx context.Context, tx *sql.Tx, sess *opora.Session) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6)`, sess.TokenHash, sess.UserID, sess.CreatedAt, sess.LastSeenAt, sess.IP, sess.UserAgent)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// Session returns a session by its token hash, or not found. Sessions of
// disabled users are gone: disabling deletes them.
func (s *Store) Session(ctx context.Context, tokenHash string) (*opora.Session, error) {
	sess, _, err := s.SessionVersions(ctx, tokenHash)
	return sess, err
}

// TouchSession moves a session's last-seen time, for the idle timeout.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, at.UTC(), tokenHash); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// SetFlash stores a one-time message shown on the session's next page.
func (s *Store) SetFlash(ctx context.Context, tokenHash, flash string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE sessions SET flash = $1 WHERE token_hash = $2`, flash, tokenHash); err != nil {
		return fmt.Errorf("store: flash: %w", err)
	}
	return nil
}

// DeleteSession ends one session (logout, or an expired one).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// Logout ends a session and audit-logs it for the session's user. It needs
// no actor: a browser with a stale cookie may still post the logout form.
// An unknown session is already ended: nothing to do, nothing to log.
func (s *Store) Logout(ctx context.Context, tokenHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var userID, orgID int64
		err := tx.QueryRowContext(ctx, `SELECT s.user_id, u.organisation_id FROM sessions s
			JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, tokenHash).Scan(&userID, &orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: logout: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
			return fmt.Errorf("store: logout: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: orgID, UserID: userID,
			Action: opora.ActionLogout, Entity: "user", EntityID: userID})
	})
}

// DeleteExpiredSessions removes sessions past either timeout; it returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idle, absolute time.Duration) (int64, error) {
	now := s.Now()
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2`,
		now.Add(-idle), now.Add(-absolute))
	if err != nil {
		return 0, fmt.Errorf("store: expire sessions: %w", err)
	}
	return res.RowsAffected()
}
