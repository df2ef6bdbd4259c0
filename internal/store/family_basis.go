package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// The basis of sharing a family's card (issue 22 item 2). An agency that
// reads a family through a task or the council reads its sensitive
// sections only on a basis: the holder organisation's legal basis for the
// category and the agency's type (org_legal_bases, or 120-ФЗ ст. 9 for the
// prevention system by default), or a consent in force of a member of the
// family for sharing that category with that agency type. A section with
// no basis — in particular when the only consent was withdrawn — is closed
// to the agency like a section its type is not opened; the card says which
// basis each open sensitive section is shared on, and why one is closed.

// sensitiveSections are the sections of a family's card that hold special
// categories of data, with the categories each holds.
var sensitiveSections = map[opora.FamilySection][]opora.DataCategory{
	opora.SectionHealth:   {opora.DataCategory(opora.SensitiveHealth), opora.DataCategory(opora.SensitiveAddiction)},
	opora.SectionOffences: {opora.DataCategory(opora.SensitiveCriminal)},
	opora.SectionMembers:  {opora.DataCategory(opora.SensitiveChild)},
}

// applySharingBases decides the basis of each sensitive section acc opens
// and closes those without one (the families' holder shares them).
func (s *Store) applySharingBases(ctx context.Context, q queryer, f *opora.Family, acc *opora.FamilyAccess) error {
	return s.applySharingBasesCached(ctx, q, f, acc, &basisCache{})
}

// basisCache keeps the holders' tables and the bases' titles over a list.
type basisCache struct {
	cells  map[int64][]opora.OrgLegalBasis
	titles map[string]string
}

func (s *Store) applySharingBasesCached(ctx context.Context, q queryer, f *opora.Family, acc *opora.FamilyAccess, c *basisCache) error {
	var open []opora.FamilySection
	need := false
	for _, sec := range acc.Sections {
		if sensitiveSections[sec] != nil {
			need = true
		}
	}
	if !need {
		return nil
	}
	if c.cells == nil {
		c.cells = map[int64][]opora.OrgLegalBasis{}
	}
	cells, ok := c.cells[f.OrganisationID]
	if !ok {
		var err error
		if cells, err = orgLegalBases(ctx, q, f.OrganisationID); err != nil {
			return err
		}
		c.cells[f.OrganisationID] = cells
	}
	var consents []*opora.Consent
	consentsRead := false
	today := s.Today()
	acc.Bases = map[opora.FamilySection]opora.Basis{}
	for _, sec := range acc.Sections {
		cats := sensitiveSections[sec]
		if cats == nil {
			open = append(open, sec)
			continue
		}
		var used opora.Basis
		refused := ""
		for _, cat := range cats {
			code := opora.LegalBasisFor(cells, cat, acc.OrgType, true)
			if code == "" && !consentsRead {
				ids, err := familyClientIDs(ctx, q, f.ID)
				if err != nil {
					return err
				}
				if consents, err = clientConsents(ctx, q, ids...); err != nil {
					return err
				}
				consentsRead = true
			}
			b, reason := opora.DecideBasis(consents, code, cat, opora.PurposeSharing, acc.OrgType, today)
			if b.Kind == "" {
				refused = reason
				break
			}
			if used.Kind == "" {
				used = b
			}
		}
		if refused != "" {
			acc.Refused = append(acc.Refused, opora.RefusedSection{Section: sec, Reason: refused})
			continue
		}
		if used.Kind == opora.BasisLegal {
			if c.titles == nil {
				var err error
				if c.titles, err = s.legalBasisTitles(ctx, q); err != nil {
					return err
				}
			}
			used.Title = c.titles[used.Code]
		}
		acc.Bases[sec] = used
		open = append(open, sec)
	}
	acc.Sections = open
	return nil
}

// legalBasisTitles maps the legal bases' codes to "reference — title".
func (s *Store) legalBasisTitles(ctx context.Context, q queryer) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, reference, title FROM legal_bases`)
	if err != nil {
		return nil, fmt.Errorf("store: legal bases: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, ref, title string
		if err := rows.Scan(&code, &ref, &title); err != nil {
			return nil, fmt.Errorf("store: legal bases: %w", err)
		}
		out[code] = ref + " — " + title
	}
	return out, rows.Err()
}

// familyClientIDs are the clients of a family's current members.
func familyClientIDs(ctx context.Context, q queryer, familyID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT client_id FROM family_members WHERE family_id = $1 AND left_on IS NULL`, familyID)
	if err != nil {
		return nil, fmt.Errorf("store: family members: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: family members: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
