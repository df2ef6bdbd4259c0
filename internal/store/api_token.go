package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
)

// API tokens (issue 24 item 4). The organisation administrator (admin.users)
// issues a token that acts as one of the organisation's active users; the
// plain token is returned once and only its hash is kept. Issuing and
// revoking are audit-logged; what the token reads is logged by the store's
// read methods as for any request of that user.

const apiTokenColumns = `t.id, t.organisation_id, t.user_id, u.full_name, t.name, t.prefix, t.scopes,
	t.expires_at, t.created_at, t.created_by, t.revoked_at, t.last_used_at`

func scanAPIToken(row interface{ Scan(...any) error }) (*opora.APIToken, error) {
	t := &opora.APIToken{}
	var scopes string
	var revoked, used sql.NullTime
	if err := row.Scan(&t.ID, &t.OrganisationID, &t.UserID, &t.UserName, &t.Name, &t.Prefix, &scopes,
		&t.ExpiresAt, &t.CreatedAt, &t.CreatedBy, &revoked, &used); err != nil {
		return nil, err
	}
	for _, s := range strings.Fields(scopes) {
		t.Scopes = append(t.Scopes, opora.APIScope(s))
	}
	t.RevokedAt, t.LastUsedAt = timeOf(revoked), timeOf(used)
	return t, nil
}

func scopesText(ss []opora.APIScope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

// APITokens lists the organisation's tokens, newest first. Needs admin.users.
func (s *Store) APITokens(ctx context.Context) ([]*opora.APIToken, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.organisation_id = $1 ORDER BY t.created_at DESC, t.id DESC`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: api tokens: %w", err)
	}
	defer rows.Close()
	var out []*opora.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan api token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateAPIToken issues a token and returns it in plain text: the only time
// anyone sees it. The user must be an active user of the actor's
// organisation. Needs admin.users.
func (s *Store) CreateAPIToken(ctx context.Context, t *opora.APIToken) (string, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return "", err
	}
	now := s.Now()
	if err := t.Validate(now); err != nil {
		return "", err
	}
	plain := opora.APITokenPrefix + auth.NewToken()
	t.OrganisationID, t.CreatedBy, t.CreatedAt = a.OrganisationID, a.UserID, now
	t.Prefix = plain[:len(opora.APITokenPrefix)+6]
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkOrgUser(ctx, tx, a, t.UserID, "user"); err != nil {
			return err
		}
		id, err := insertID(ctx, tx, `INSERT INTO api_tokens (organisation_id, user_id, name, token_hash, prefix, scopes,
			expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			t.OrganisationID, t.UserID, t.Name, auth.HashToken(plain), t.Prefix, scopesText(t.Scopes),
			t.ExpiresAt.UTC(), now.UTC(), a.UserID)
		if err != nil {
			return fmt.Errorf("store: create api token: %w", err)
		}
		t.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "api_token", EntityID: id,
			Changes: []opora.Change{{Field: "name", New: t.Name}, {Field: "user", New: fmt.Sprint(t.UserID)},
				{Field: "scopes", New: scopesText(t.Scopes)}, {Field: "expires", New: t.ExpiresAt.UTC().Format(time.DateOnly)}}})
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// RevokeAPIToken ends a token of the actor's organisation at once. Revoking
// a revoked token changes nothing. Needs admin.users.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1, revoked_by = $2
			WHERE id = $3 AND organisation_id = $4 AND revoked_at IS NULL`, s.Now().UTC(), a.UserID, id, a.OrganisationID)
		if err != nil {
			return fmt.Errorf("store: revoke api token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE id = $1 AND organisation_id = $2`,
				id, a.OrganisationID).Scan(&exists); err != nil {
				return fmt.Errorf("store: revoke api token: %w", err)
			}
			if exists == 0 {
				return opora.ErrNotFound
			}
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDisable, Entity: "api_token", EntityID: id})
	})
}

// APITokenByHash finds a token by the hash of what a caller presented, with
// no actor: it is how a call is authenticated. An unknown token is not
// found; the caller checks Active. The token's last use is recorded at most
// once a minute.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*opora.APIToken, error) {
	t, err := scanAPIToken(s.r.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens t
		JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash))
	if err != nil {
		return nil, notFound(err)
	}
	if now := s.Now(); t.Active(now) && now.Sub(t.LastUsedAt) > time.Minute {
		if _, err := s.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now.UTC(), t.ID); err != nil {
			return nil, fmt.Errorf("store: touch api token: %w", err)
		}
	}
	return t, nil
}
