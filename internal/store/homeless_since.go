package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// The date since when a client is homeless has two homes: the client's
// homeless_since and the main questionnaire's month field of that key
// (seeded as "Бездомный с"). They are kept equal: a save of either writes
// the other in its transaction (the column takes the month's first day, the
// answer the column's month). A date nobody gave stays unknown (NULL, no
// answer): reports leave it out of their averages rather than take the day
// of registration for it.

// homelessSinceKey is the key of the questionnaire's field.
const homelessSinceKey = "homeless_since"

// homelessSinceField returns the organisation's main questionnaire field
// for the date, or nil when it has none.
func homelessSinceField(ctx context.Context, q queryer, orgID int64) (*opora.FormField, error) {
	x := &opora.FormField{Key: homelessSinceKey, Type: opora.FieldMonth}
	err := q.QueryRowContext(ctx, `SELECT f.id, f.sensitivity FROM form_fields f JOIN form_sections sec ON sec.id = f.section_id
		JOIN forms fm ON fm.id = sec.form_id
		WHERE f.organisation_id = $1 AND fm.key = $2 AND f.key = $3 AND f.type = $4 ORDER BY f.id LIMIT 1`,
		orgID, opora.ProfileFormKey, homelessSinceKey, string(opora.FieldMonth)).Scan(&x.ID, &x.Sensitivity)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: homeless since: %w", err)
	}
	return x, nil
}

// homelessSinceToAnswer writes the client's date into the questionnaire's
// answer (none when the date is unknown), after a write of the client.
func (s *Store) homelessSinceToAnswer(ctx context.Context, q queryer, c *opora.Client) error {
	x, err := homelessSinceField(ctx, q, c.OrganisationID)
	if err != nil || x == nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM answers WHERE client_id = $1 AND field_id = $2 AND filling_id IS NULL`,
		c.ID, x.ID); err != nil {
		return fmt.Errorf("store: homeless since: %w", err)
	}
	if c.HomelessSince.IsZero() {
		return nil
	}
	month := opora.NewDate(c.HomelessSince.Year(), c.HomelessSince.Month(), 1)
	var b opora.Basis
	if x.Sensitivity != opora.Ordinary { // an administrator marked the field sensitive: it needs a basis too
		in, err := loadBasisInputs(ctx, q, c.OrganisationID, c.ID)
		if err != nil {
			return err
		}
		var reason string
		if b, reason = in.storeBasis(opora.CategoryOf(x.Sensitivity), s.Today()); b.Kind == "" {
			var v opora.Validation
			v.Add("homeless_since", reason)
			return v.Err()
		}
	}
	return insertAnswer(ctx, q, c, 0, x, &opora.Answer{Date: month}, b, opora.ActorFrom(ctx).UserID, s.Now())
}

// homelessSinceFromAnswer writes the questionnaire's answer into the
// client's date after a save of the questionnaire that changed it.
func homelessSinceFromAnswer(ctx context.Context, q queryer, c *opora.Client) error {
	x, err := homelessSinceField(ctx, q, c.OrganisationID)
	if err != nil || x == nil {
		return err
	}
	var since opora.Date
	err = q.QueryRowContext(ctx, `SELECT value_date FROM answers WHERE client_id = $1 AND field_id = $2 AND filling_id IS NULL`,
		c.ID, x.ID).Scan(&since)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: homeless since: %w", err)
	}
	if old := c.HomelessSince; !since.IsZero() && !old.IsZero() && old.Year() == since.Year() && old.Month() == since.Month() {
		return nil // the same month: the client's day stays
	}
	if _, err := q.ExecContext(ctx, `UPDATE clients SET homeless_since = $1, version = version + 1 WHERE id = $2`,
		since, c.ID); err != nil {
		return fmt.Errorf("store: homeless since: %w", err)
	}
	return nil
}
