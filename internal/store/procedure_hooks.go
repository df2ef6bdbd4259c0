package store

import (
	"context"
)

// The regional procedure's answers the family screens ask (issue 21 item
// 1). The regional procedure (store/procedure.go, the council's work)
// decides them from its table; until a region fills the table, nothing is
// proposed and the curator proposes every task to the council.

// ProposeAgency returns the agency the regional procedure makes
// responsible for a task of this type in the family's municipality, with
// the default deadline in days (0, 0: the procedure says nothing).
func (s *Store) ProposeAgency(ctx context.Context, familyID, typeID int64) (orgID int64, dueDays int, err error) {
	return 0, 0, nil
}

// CuratorMayAssign reports whether the regional procedure lets the
// family's curator give a task of this type to an agency at once, without
// the council.
func (s *Store) CuratorMayAssign(ctx context.Context, familyID, typeID int64) (bool, error) {
	return false, nil
}
