package store

import "context"

// councilMemberOf reports whether organisation orgID is a member of the
// inter-agency council of family familyID's municipality: such an agency
// reads the family (the sections its agency type is opened,
// family_section_rules) without a task of its own.
//
// HOOK for the council (issue 21, items 1–2): the council tables are built
// elsewhere; until they are, no organisation is a council member. Fill
// this function in from them (one indexed query: the family's territory
// → the council of that municipality → its member organisations). It is
// called by familyAccess only for an organisation that is neither the
// card's holder, nor the curator's, nor holds a grant, and by loadFamily
// when FamilyScope misses the family (family.read only). Lists and search
// (FamilyScope) do not show council members' families until a matching
// condition is added to sqldb.FamilyScope.
func councilMemberOf(ctx context.Context, q queryer, orgID, familyID int64) (bool, error) {
	_, _, _, _ = ctx, q, orgID, familyID
	return false, nil
}
