package store

import (
	"context"
	"database/sql"
	"fmt"
)

// orgSeeders fill an organisation's default data (dictionaries, templates,
// catalogs), in this order. A feature with defaults of its own adds its
// seeder here. Each must be idempotent: it does nothing when the
// organisation already has rows of its kind.
var orgSeeders = []func(s *Store, ctx context.Context, q queryer, orgID int64) error{
	(*Store).seedCases,        // plantemplate.go: case and task types, plan templates
	(*Store).seedOrganisation, // seed.go: the questionnaire, the follow-up form, document types
	(*Store).seedServices,     // service.go: the service catalog
	(*Store).seedFamilies,     // family_seed.go: family roles and statuses (network agencies, not NGOs)
	(*Store).seedAssessment,   // assessment_seed.go: the default family assessment (network agencies, not NGOs)
	(*Store).seedDocTemplates, // doctemplate.go: certificates and letters
}

// runOrgSeeders runs every seeder for one organisation in the caller's transaction.
func (s *Store) runOrgSeeders(ctx context.Context, q queryer, orgID int64) error {
	for _, seed := range orgSeeders {
		if err := seed(s, ctx, q, orgID); err != nil {
			return err
		}
	}
	return nil
}

// seedAllOrganisations runs the seeders for every existing organisation, so
// organisations created before a feature existed get its defaults. Migrate
// calls it after the schema is up to date.
func (s *Store) seedAllOrganisations(ctx context.Context) error {
	if len(orgSeeders) == 0 {
		return nil
	}
	rows, err := s.w.QueryContext(ctx, `SELECT id FROM organisations ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: seed organisations: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: seed organisations: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: seed organisations: %w", err)
	}
	for _, id := range ids {
		if err := s.tx(ctx, func(tx *sql.Tx) error { return s.runOrgSeeders(ctx, tx, id) }); err != nil {
			return err
		}
	}
	return nil
}
