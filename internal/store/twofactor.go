package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Two-factor login (TOTP). The secret is sealed with the instance key
// (secret.go) like the SMTP password; recovery codes are kept as SHA-256
// hashes (they are random, so a fast hash is enough); a login between its
// password and its code is a login_challenges row, not a session.

// TwoFactorState is what the user's two-factor page shows.
type TwoFactorState struct {
	Enabled bool
	// Pending is the secret being enrolled (plain), "" when none.
	Pending string
	// RecoveryLeft counts the unused recovery codes.
	RecoveryLeft int
}

// OwnTwoFactor returns the actor's two-factor state.
func (s *Store) OwnTwoFactor(ctx context.Context) (*TwoFactorState, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, opora.ErrForbidden
	}
	var secret, pending string
	if err := s.r.QueryRowContext(ctx, `SELECT totp_secret, totp_pending FROM users WHERE id = $1`, a.UserID).
		Scan(&secret, &pending); err != nil {
		return nil, notFound(err)
	}
	st := &TwoFactorState{Enabled: secret != ""}
	if pending != "" {
		p, err := s.openSecret(pending)
		if err != nil {
			return nil, err
		}
		st.Pending = p
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
		a.UserID).Scan(&st.RecoveryLeft); err != nil {
		return nil, fmt.Errorf("store: recovery codes: %w", err)
	}
	return st, nil
}

// StartTwoFactor keeps a new secret (plain, sealed here) as the actor's
// enrolment in progress, replacing an unconfirmed one. A user who already
// has two-factor login cannot start again: an administrator resets it.
func (s *Store) StartTwoFactor(ctx context.Context, secret string) error {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return opora.ErrForbidden
	}
	sealed, err := s.sealSecret(secret)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE users SET totp_pending = $1 WHERE id = $2 AND totp_secret = ''`, sealed, a.UserID)
	if err != nil {
		return fmt.Errorf("store: start two-factor: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &opora.Error{Code: opora.ECONFLICT, Message: "twofactor.already_on"}
	}
	return nil
}

// ConfirmTwoFactor turns the actor's pending secret on, after the caller
// checked a code of it (step is that code's time step, so it cannot be
// used again), and replaces the recovery codes with recoveryHashes.
func (s *Store) ConfirmTwoFactor(ctx context.Context, step int64, recoveryHashes []string) error {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return opora.ErrForbidden
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = $1
			WHERE id = $2 AND totp_pending <> '' AND totp_secret = ''`, step, a.UserID)
		if err != nil {
			return fmt.Errorf("store: confirm two-factor: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &opora.Error{Code: opora.ECONFLICT, Message: "twofactor.already_on"}
		}
		if err := replaceRecoveryCodes(ctx, tx, a.UserID, recoveryHashes); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionTwoFactorOn, Entity: "user", EntityID: a.UserID})
	})
}

// ReplaceRecoveryCodes gives the actor new recovery codes; the old ones stop working.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, hashes []string) error {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return opora.ErrForbidden
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := replaceRecoveryCodes(ctx, tx, a.UserID, hashes); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionRecoveryNew, Entity: "user", EntityID: a.UserID})
	})
}

func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID int64, hashes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: recovery codes: %w", err)
	}
	if len(hashes) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(hashes))
	for _, h := range hashes {
		args = append(args, userID, h)
	}
	if _, err := tx.ExecContext(ctx, rowsInsert("user_recovery_codes", []string{"user_id", "code_hash"}, len(hashes)),
		args...); err != nil {
		return fmt.Errorf("store: recovery codes: %w", err)
	}
	return nil
}

// TwoFactorLogin is what the code step of a login needs about an account.
type TwoFactorLogin struct {
	User *opora.User
	// Secret is the confirmed TOTP secret (plain), "" when none.
	Secret string
	// LastStep is the time step of the last code accepted.
	LastStep int64
}

// TwoFactorForLogin reads an account for the code step; it needs no actor.
func (s *Store) TwoFactorForLogin(ctx context.Context, userID int64) (*TwoFactorLogin, error) {
	var sealed string
	var last int64
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+`, u.totp_secret, u.totp_last_step FROM users u
		WHERE u.id = $1`, userID), &sealed, &last)
	if err != nil {
		return nil, notFound(err)
	}
	plain, err := s.openSecret(sealed)
	if err != nil {
		return nil, err
	}
	return &TwoFactorLogin{User: u, Secret: plain, LastStep: last}, nil
}

// OwnTOTP returns the actor's confirmed secret and last used step, to check
// a code before their recovery codes are replaced.
func (s *Store) OwnTOTP(ctx context.Context) (*TwoFactorLogin, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, opora.ErrForbidden
	}
	return s.TwoFactorForLogin(ctx, a.UserID)
}

// UseTOTPStep records that a code of time step step was accepted for the
// user. It reports false when that step (or a later one) was used already:
// two requests racing with the same code cannot both win.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, userID)
	if err != nil {
		return false, fmt.Errorf("store: use code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseRecoveryCode spends one of the user's recovery codes by its hash; it
// reports false for a code that is unknown or spent.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = $1
		WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`, s.Now(), userID, hash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResetTwoFactor removes another user's two-factor login (a lost phone):
// their secret, enrolment and recovery codes go, their sessions and
// pending logins end, and the audit log keeps who did it. They log in with
// the password alone and, where their role requires it, enrol again. Needs
// admin.users.
func (s *Store) ResetTwoFactor(ctx context.Context, userID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.user(ctx, tx, `u.id = $1 AND u.organisation_id = $2`, userID, a.OrganisationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0
			WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("store: reset two-factor: %w", err)
		}
		for _, q := range []string{`DELETE FROM user_recovery_codes WHERE user_id = $1`,
			`DELETE FROM login_challenges WHERE user_id = $1`, `DELETE FROM sessions WHERE user_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return fmt.Errorf("store: reset two-factor: %w", err)
			}
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionTwoFactorOff, Entity: "user", EntityID: userID})
	})
}

// CreateLoginChallenge keeps a login whose password was right and whose
// code is still to come; next is where to go after it.
func (s *Store) CreateLoginChallenge(ctx context.Context, tokenHash string, userID int64, next string) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO login_challenges (token_hash, user_id, created_at, next) VALUES ($1, $2, $3, $4)`,
		tokenHash, userID, s.Now(), next); err != nil {
		return fmt.Errorf("store: login challenge: %w", err)
	}
	return nil
}

// LoginChallenge returns the user and next page of a pending login younger
// than maxAge; an older one is deleted and answers not found.
func (s *Store) LoginChallenge(ctx context.Context, tokenHash string, maxAge time.Duration) (int64, string, error) {
	var userID int64
	var next string
	var created sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT user_id, next, created_at FROM login_challenges WHERE token_hash = $1`, tokenHash).
		Scan(&userID, &next, &created)
	if err != nil {
		return 0, "", notFound(err)
	}
	if s.Now().Sub(timeOf(created)) > maxAge {
		if err := s.DeleteLoginChallenge(ctx, tokenHash); err != nil {
			return 0, "", err
		}
		return 0, "", opora.ErrNotFound
	}
	return userID, next, nil
}

// DeleteLoginChallenge ends a pending login.
func (s *Store) DeleteLoginChallenge(ctx context.Context, tokenHash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM login_challenges WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: login challenge: %w", err)
	}
	return nil
}

// DeleteExpiredLoginChallenges removes pending logins older than maxAge.
func (s *Store) DeleteExpiredLoginChallenges(ctx context.Context, maxAge time.Duration) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM login_challenges WHERE created_at < $1`, s.Now().Add(-maxAge)); err != nil {
		return fmt.Errorf("store: login challenges: %w", err)
	}
	return nil
}

// CompleteTwoFactorLogin ends a pending login as a session: the code was
// right. method ("totp" or "recovery") is kept in the audit row.
func (s *Store) CompleteTwoFactorLogin(ctx context.Context, challengeHash string, u *opora.User, sess *opora.Session, method string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE token_hash = $1`, challengeHash)
		if err != nil {
			return fmt.Errorf("store: login challenge: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.recordLoginSuccess(ctx, tx, u, sess, method)
	})
}
