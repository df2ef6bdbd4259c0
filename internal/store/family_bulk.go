package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/opora-project/opora/internal/opora"
)

// What the scale generator's families (internal/demo, opora demo
// --families) take from the store: organisations made by the store's own
// path, each organisation's seeded defaults, and a check that the family
// search keys it wrote are the ones the store would write.

// CreateOrganisations adds organisations to the network as
// CreateOrganisation does (built-in roles, first branch and administrator,
// every seeder), all in one transaction. Needs admin.network.
func (s *Store) CreateOrganisations(ctx context.Context, ns []*NewOrganisation) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			if err := s.createOrganisation(ctx, tx, n, false); err != nil {
				return fmt.Errorf("store: organisation %q: %w", n.Organisation.Name, err)
			}
		}
		return nil
	})
}

// OrgDefaults are an organisation's seeded defaults a generator fills
// families with.
type OrgDefaults struct {
	BranchID       int64
	Roles          map[string]int64    // role key → id
	FamilyStatuses map[string]DictItem // family_status by key
	FamilyCaseType int64               // case_type family_support, 0 when none
	TaskTypes      []DictItem
	// The default assessment form, its current definition and the snapshot
	// of that definition (made when missing, as completing one would).
	Assessment *opora.AssessmentDef
	SnapshotID int64
}

// OrganisationDefaults reads an organisation's defaults. Needs admin.network.
func (s *Store) OrganisationDefaults(ctx context.Context, orgID int64) (*OrgDefaults, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return nil, err
	}
	d := &OrgDefaults{Roles: map[string]int64{}, FamilyStatuses: map[string]DictItem{}}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM branches WHERE organisation_id = $1`, orgID).
			Scan(&d.BranchID); err != nil {
			return fmt.Errorf("store: organisation defaults: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT key, id FROM roles WHERE organisation_id = $1`, orgID)
		if err != nil {
			return fmt.Errorf("store: organisation defaults: %w", err)
		}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return fmt.Errorf("store: organisation defaults: %w", err)
			}
			d.Roles[k] = id
		}
		rows.Close()
		rows, err = tx.QueryContext(ctx, `SELECT dictionary, key, id, label FROM dictionary_items WHERE organisation_id = $1
			AND dictionary IN ($2, $3, $4) AND NOT disabled ORDER BY position, id`, orgID, opora.DictFamilyStatus,
			opora.DictCaseType, opora.DictTaskType)
		if err != nil {
			return fmt.Errorf("store: organisation defaults: %w", err)
		}
		for rows.Next() {
			var dict string
			var it DictItem
			if err := rows.Scan(&dict, &it.Key, &it.ID, &it.Label); err != nil {
				rows.Close()
				return fmt.Errorf("store: organisation defaults: %w", err)
			}
			switch {
			case dict == opora.DictFamilyStatus:
				d.FamilyStatuses[it.Key] = it
			case dict == opora.DictCaseType && it.Key == opora.CaseTypeFamilySupport:
				d.FamilyCaseType = it.ID
			case dict == opora.DictTaskType:
				d.TaskTypes = append(d.TaskTypes, it)
			}
		}
		rows.Close()
		var formID int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM forms WHERE organisation_id = $1 AND key = $2 AND kind = $3`,
			orgID, opora.DefaultAssessmentKey, opora.FormKindAssessment).Scan(&formID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: organisation defaults: %w", err)
		}
		if d.Assessment, _, err = s.currentDef(ctx, tx, orgID, formID); err != nil {
			return err
		}
		d.SnapshotID, err = s.snapshot(ctx, tx, orgID, d.Assessment)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// FamilyKeyDrift lists the families whose stored search key differs from
// the one the store's write paths would write now (refreshFamilyKey).
// Tests of bulk-written families call it.
func (s *Store) FamilyKeyDrift(ctx context.Context) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, address, search_key FROM families ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: family keys: %w", err)
	}
	type fam struct {
		id           int64
		address, key string
	}
	var all []fam
	for rows.Next() {
		var f fam
		if err := rows.Scan(&f.id, &f.address, &f.key); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: family keys: %w", err)
		}
		all = append(all, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: family keys: %w", err)
	}
	var drift []int64
	for chunk := range slices.Chunk(all, 500) {
		ids := make([]int64, len(chunk))
		for i, f := range chunk {
			ids[i] = f.id
		}
		members, err := s.familyMembers(ctx, s.r, ids...)
		if err != nil {
			return nil, err
		}
		by := map[int64][]*opora.FamilyMember{}
		for _, m := range members {
			by[m.FamilyID] = append(by[m.FamilyID], m)
		}
		for _, f := range chunk {
			if familyKey(by[f.id], f.address) != f.key {
				drift = append(drift, f.id)
			}
		}
	}
	return drift, nil
}
