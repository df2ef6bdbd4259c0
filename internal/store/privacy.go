package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// PrivacyOverview gathers the administrator's privacy page for the actor's
// organisation. Needs privacy.manage. Counts only: no person's data.
func (s *Store) PrivacyOverview(ctx context.Context) (*opora.PrivacyOverview, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermPrivacyManage); err != nil {
		return nil, err
	}
	org := a.OrganisationID
	p := &opora.PrivacyOverview{}
	byCat := map[opora.Sensitivity]*opora.PrivacyCategory{}
	for _, sens := range opora.Sensitivities {
		if sens == opora.Ordinary {
			continue
		}
		c := &opora.PrivacyCategory{Sensitivity: sens}
		byCat[sens] = c
		p.Categories = append(p.Categories, c)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT ff.sensitivity, fo.name, ff.label, ff.disabled OR fo.disabled,
		(SELECT COUNT(*) FROM answers a WHERE a.field_id = ff.id AND a.organisation_id = $1)
		FROM form_fields ff JOIN form_sections fs ON fs.id = ff.section_id JOIN forms fo ON fo.id = fs.form_id
		WHERE ff.organisation_id = $1 AND ff.sensitivity <> '' ORDER BY fo.position, fs.position, ff.position`, org)
	if err != nil {
		return nil, fmt.Errorf("store: privacy fields: %w", err)
	}
	for rows.Next() {
		var sens string
		f := &opora.PrivacyField{}
		if err := rows.Scan(&sens, &f.Form, &f.Label, &f.Disabled, &f.Answers); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: privacy fields: %w", err)
		}
		if c := byCat[opora.Sensitivity(sens)]; c != nil {
			c.Fields = append(c.Fields, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: privacy fields: %w", err)
	}
	roles, err := s.roles(ctx, s.r, `r.organisation_id = $1`, org)
	if err != nil {
		return nil, err
	}
	for _, c := range p.Categories {
		perm := c.Sensitivity.Permission()
		for _, r := range roles {
			if r.Has(perm) {
				c.Roles = append(c.Roles, r)
			}
		}
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT u.id) FROM users u JOIN user_roles ur ON ur.user_id = u.id
			JOIN role_permissions rp ON rp.role_id = ur.role_id
			WHERE u.organisation_id = $1 AND NOT u.disabled AND rp.permission = $2`, org, string(perm)).Scan(&c.Users); err != nil {
			return nil, fmt.Errorf("store: privacy users: %w", err)
		}
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT a.client_id) FROM answers a JOIN form_fields ff ON ff.id = a.field_id
			JOIN clients c ON c.id = a.client_id
			WHERE a.organisation_id = $1 AND ff.sensitivity = $2 AND c.merged_into IS NULL`, org, string(c.Sensitivity)).Scan(&c.Clients); err != nil {
			return nil, fmt.Errorf("store: privacy clients: %w", err)
		}
	}
	today := s.Today()
	soon := opora.AddWorkingDays(today, 3)
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_on < $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN due_on >= $2 AND due_on <= $3 THEN 1 ELSE 0 END), 0)
		FROM subject_requests WHERE organisation_id = $1 AND answered_on IS NULL`, org, today, soon).Scan(
		&p.OpenRequests, &p.OverdueRequests, &p.DueSoonRequests); err != nil {
		return nil, fmt.Errorf("store: privacy requests: %w", err)
	}
	// Clients holding special-category answers stored without consent or
	// basis (before bases were recorded, or while the organisation did not
	// require one), or on a consent since withdrawn or ended.
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT a.client_id) FROM answers a
		JOIN form_fields ff ON ff.id = a.field_id JOIN clients c ON c.id = a.client_id
		LEFT JOIN consents cs ON cs.id = a.basis_consent_id
		WHERE a.organisation_id = $1 AND ff.sensitivity <> '' AND c.merged_into IS NULL AND c.deleted_at IS NULL
		AND (a.basis IN ($2, $3) OR a.basis = $4 AND (cs.id IS NULL OR cs.withdrawn_on IS NOT NULL OR cs.valid_to < $5))`,
		org, opora.BasisLegacy, opora.BasisNotRequired, opora.BasisConsent, today).Scan(&p.Lacking); err != nil {
		return nil, fmt.Errorf("store: privacy lacking: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM retention_due WHERE organisation_id = $1`, org).Scan(&p.DueDestruction); err != nil {
		return nil, fmt.Errorf("store: privacy due: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT two_factor_enforced FROM organisations WHERE id = $1`, org).Scan(&p.TwoFactorEnforced); err != nil {
		return nil, fmt.Errorf("store: privacy two-factor: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT u.id) FROM users u JOIN user_roles ur ON ur.user_id = u.id
		JOIN roles r ON r.id = ur.role_id WHERE u.organisation_id = $1 AND NOT u.disabled AND r.two_factor AND u.totp_secret = ''`,
		org).Scan(&p.TwoFactorMissing); err != nil {
		return nil, fmt.Errorf("store: privacy two-factor: %w", err)
	}
	return p, nil
}
