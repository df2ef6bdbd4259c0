package store

import (
	"context"
	"database/sql"

	"github.com/opora-project/opora/internal/opora"
)

// Hooks every change of a family's task goes through (issue 21). Each
// store path that creates a family's task, changes its status, its
// assignee, its deadline or its responsible agency calls taskChangedHook
// in its own transaction, after the row is written, with the task before
// (nil on create) and after. The notifications (in-app and e-mail), the
// escalations and the webhooks hang off this one call, so a new path that
// forgets it is caught by the notification tests rather than by a reader.
func (s *Store) taskChangedHook(ctx context.Context, tx *sql.Tx, old, t *opora.Task) error {
	if err := s.webhookTaskStatus(ctx, tx, old, t); err != nil {
		return err
	}
	return s.notifyTaskChange(ctx, tx, old, t)
}

// notifyTaskChange writes the notifications a family task's change causes
// (old is nil on create): to the agency given the task (its heads) and
// the assignee; on a new assignee, to the family's curator; on a status change (a return too) to the family's curator
// and КДН secretaries. store/notification.go has the recipients' queries.
func (s *Store) notifyTaskChange(ctx context.Context, tx *sql.Tx, old, t *opora.Task) error {
	if t.FamilyID == 0 && old != nil {
		t2 := *t
		t2.FamilyID = old.FamilyID
		t = &t2
	}
	if t.FamilyID == 0 {
		return nil
	}
	var assigned []int64
	if (old == nil || old.ResponsibleOrg != t.ResponsibleOrg) && t.ResponsibleOrg != 0 {
		heads, err := usersWith(ctx, tx, t.ResponsibleOrg, opora.PermFamilyAssign)
		if err != nil {
			return err
		}
		assigned = append(assigned, heads...)
	}
	if t.AssigneeID != 0 && (old == nil || old.AssigneeID != t.AssigneeID) {
		assigned = append(assigned, t.AssigneeID)
	}
	if err := s.notify(ctx, tx, assigned, taskNotification(opora.NotifyTaskAssigned, t)); err != nil {
		return err
	}
	if old != nil && t.AssigneeID != 0 && old.AssigneeID != t.AssigneeID && old.Status == t.Status {
		// The agency gave the task to one of its people: the curator
		// knows who works on it now.
		curator, err := familyCurator(ctx, tx, t.FamilyID)
		if err != nil {
			return err
		}
		if err := s.notify(ctx, tx, []int64{curator}, taskNotification(opora.NotifyTaskAssignee, t)); err != nil {
			return err
		}
	}
	if old == nil || old.Status == t.Status {
		return nil
	}
	kind := opora.NotifyTaskStatus
	if t.Status == opora.TaskReturned {
		kind = opora.NotifyTaskReturned
	}
	curator, err := familyCurator(ctx, tx, t.FamilyID)
	if err != nil {
		return err
	}
	kdn, err := s.kdnSecretaries(ctx, tx, t.FamilyID)
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, append([]int64{curator}, kdn...), taskNotification(kind, t))
}
