package store

import (
	"context"
	"fmt"
)

// councilMemberOf reports whether organisation orgID is a (current) member
// of an inter-agency council of family familyID's municipality: such an
// agency reads the family (the sections its agency type is opened,
// family_section_rules) without a task of its own. It is called by
// familyAccess only for an organisation that is neither the card's holder,
// nor the curator's, nor holds a grant, and by loadFamily when FamilyScope
// misses the family (family.read only). Lists and search (FamilyScope) do
// not show council members' families: a member opens a card from the
// council's agenda.
func councilMemberOf(ctx context.Context, q queryer, orgID, familyID int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM families f JOIN councils co ON co.territory_id = f.territory_id
		JOIN council_members cm ON cm.council_id = co.id
		WHERE f.id = $1 AND cm.organisation_id = $2 AND cm.removed_at IS NULL`, familyID, orgID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: council member: %w", err)
	}
	return n > 0, nil
}
