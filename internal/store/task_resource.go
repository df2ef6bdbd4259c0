package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// A family's task may point to a resource of the map (issue 21, item 7):
// "find a kindergarten place" → "Детский сад № 12, группа полного дня".
// case_tasks.resource_service_id holds it; these functions set, clear and
// read it apart from the task's other columns (taskColumns stays as it is).

// mayPointTask reports whether the actor may choose a task's resource: a
// worker with family.write on the family (its curator, the КДН), or the
// task's responsible worker, assignee or agency — the agency that finds
// the place says which. t was read through familyTaskAccess.
func mayPointTask(a *opora.Actor, t *opora.Task) bool {
	if t.InScope && a.Can(opora.PermFamilyWrite) {
		return true
	}
	return t.ResponsibleID == a.UserID && a.UserID != 0 || t.AssigneeID == a.UserID && a.UserID != 0 ||
		t.ResponsibleOrg == a.OrganisationID
}

// SetTaskResource points a family's task of an open case to a service of
// the map (serviceID 0 clears it). version, when set, must match the
// task's. One transaction: the task row (its version moves), the audit
// row, the family's timeline line.
func (s *Store) SetTaskResource(ctx context.Context, taskID, serviceID int64, version int) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		p := opora.PermFamilyRead
		if a.Can(opora.PermFamilyWrite) {
			p = opora.PermFamilyWrite
		}
		t, err := s.familyTask(ctx, tx, p, taskID)
		if err != nil {
			return err
		}
		if !mayPointTask(a, t) {
			return opora.ErrForbidden
		}
		if !t.CaseOpen {
			return errCaseClosed
		}
		if version != 0 && version != t.Version {
			return &opora.Error{Code: opora.ECONFLICT, Message: "tasks.error.changed"}
		}
		var oldID sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT resource_service_id FROM case_tasks WHERE id = $1`, taskID).Scan(&oldID); err != nil {
			return fmt.Errorf("store: task resource: %w", err)
		}
		if oldID.Int64 == serviceID {
			return nil
		}
		var oldName, newName string
		if oldID.Valid {
			if old, err := s.resourceService(ctx, tx, oldID.Int64); err == nil {
				oldName = old.Title()
			}
		}
		if serviceID != 0 {
			sv, err := s.resourceService(ctx, tx, serviceID)
			if err != nil || sv.Status == opora.ResourceDefunct {
				return fieldError("resource_service_id", "error.invalid_choice")
			}
			newName = sv.Title()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET resource_service_id = $1, version = version + 1,
			updated_by = $2, updated_at = $3 WHERE id = $4`, nullID(serviceID), nullID(a.UserID), s.Now(), taskID); err != nil {
			return fmt.Errorf("store: task resource: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "task", EntityID: taskID,
			Changes: []opora.Change{{Field: "resource_service_id", Old: idText(oldID.Int64), New: idText(serviceID)}}}); err != nil {
			return err
		}
		f, err := s.familyRow(ctx, tx, t.FamilyID)
		if err != nil {
			return err
		}
		return s.addFamilyEvent(ctx, tx, f, FamilyEventTask, t.Title(), []opora.Change{{Field: "resource", Old: oldName, New: newName}})
	})
}

// ClearTaskResource removes the resource a family's task points to.
func (s *Store) ClearTaskResource(ctx context.Context, taskID int64, version int) error {
	return s.SetTaskResource(ctx, taskID, 0, version)
}

// TaskResource returns the resource a family's task points to, or
// opora.ErrNotFound when it points to none (or the actor does not reach
// the task). may says whether the actor may change it.
func (s *Store) TaskResource(ctx context.Context, taskID int64) (sv *opora.ResourceService, may bool, err error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermFamilyRead) {
		return nil, false, opora.ErrNotFound
	}
	p := opora.PermFamilyRead
	if a.Can(opora.PermFamilyWrite) {
		p = opora.PermFamilyWrite
	}
	t, err := s.familyTask(ctx, s.r, p, taskID)
	if err != nil && p == opora.PermFamilyWrite {
		t, err = s.familyTask(ctx, s.r, opora.PermFamilyRead, taskID)
		if err == nil {
			t.InScope = false // reached for reading only
		}
	}
	if err != nil {
		return nil, false, err
	}
	may = mayPointTask(a, t) && t.CaseOpen
	var id sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT resource_service_id FROM case_tasks WHERE id = $1`, taskID).Scan(&id); err != nil {
		return nil, may, fmt.Errorf("store: task resource: %w", err)
	}
	if !id.Valid {
		return nil, may, opora.ErrNotFound
	}
	sv, err = s.resourceService(ctx, s.r, id.Int64)
	return sv, may, err
}

// TaskTerritory returns the municipality of the family a family's task
// belongs to (0 when the card has none), so that the resource search for
// the task starts there. Needs family.read and the task in reach.
func (s *Store) TaskTerritory(ctx context.Context, taskID int64) (int64, error) {
	t, err := s.familyTask(ctx, s.r, opora.PermFamilyRead, taskID)
	if err != nil {
		return 0, err
	}
	var id sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT territory_id FROM families WHERE id = $1`, t.FamilyID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: task territory: %w", err)
	}
	return id.Int64, nil
}
