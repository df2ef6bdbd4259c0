package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// A family's tasks (issue 21). The council turns the approved draft tasks
// into tasks of the family's case, each in the queue of a responsible
// agency; where the regional procedure allows, the curator assigns one at
// once. They are case_tasks rows like every plan task, with client_id NULL
// and family_id set, so the task page, comments and status changes are
// the plan tasks' own. Giving a task to an agency opens the agency's
// access to the family (a subject grant, reason opora.GrantTask).
//
// Everyone who works on the family (FamilyScope) sees every task of the
// family: who, what, due, status. An agency's workers reach the tasks in
// their queue without the family (FamilyTaskAccess).

// FamilyEventTask is the family timeline's line for a task given to an agency.
const FamilyEventTask = "task"

var errDueInPast = func() error {
	var v opora.Validation
	v.Add("due_on", "tasks.error.due_in_past")
	return v.Err()
}

// AddFamilyTask gives a task of the family's plan to an agency at once
// (t.ResponsibleOrg; t.TypeID from the case organisation's task types).
// Needs family.write on the family and an open family case.
func (s *Store) AddFamilyTask(ctx context.Context, familyID int64, t *opora.Task) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID); err != nil {
			return err
		}
		return s.addFamilyTask(ctx, tx, familyID, t)
	})
}

// addFamilyTask inserts a task on the family's open case in the caller's
// transaction: the case's task type, an agency of the network as the
// responsible, a deadline not in the past; it grants the agency the family,
// and writes the audit row and the family's timeline line. The caller
// checks the actor's right to the family.
func (s *Store) addFamilyTask(ctx context.Context, tx *sql.Tx, familyID int64, t *opora.Task) error {
	a := opora.ActorFrom(ctx)
	caseID, caseOrg, err := familyOpenCase(ctx, tx, familyID)
	if err != nil {
		return err
	}
	var openedOn sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT opened_on FROM cases WHERE id = $1`, caseID).Scan(&openedOn); err != nil {
		return fmt.Errorf("store: family task: %w", err)
	}
	now := s.Now()
	today := opora.Today(now, time.Local)
	if t.StartOn.IsZero() {
		t.StartOn = today
	}
	if opened := opora.DateOf(dateOf(openedOn)); t.StartOn.Before(opened) {
		t.StartOn = opened
	}
	t.ResponsibleID, t.Status, t.DoneOn, t.FailReason = 0, opora.TaskPlanned, opora.Date{}, ""
	t.Normalize()
	if !t.DueOn.IsZero() && t.DueOn.Before(today) {
		return errDueInPast()
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.ResponsibleOrg == 0 {
		var v opora.Validation
		v.Add("responsible", "error.required")
		return v.Err()
	}
	if t.TypeLabel, err = checkDictItem(ctx, tx, caseOrg, opora.DictTaskType, t.TypeID, "type_id"); err != nil {
		return err
	}
	if t.Responsible, err = s.checkResponsible(ctx, tx, caseOrg, t); err != nil {
		return err
	}
	if t.Position, err = nextPosition(ctx, tx, "case_tasks", "case_id", caseID, 1); err != nil {
		return fmt.Errorf("store: family task: %w", err)
	}
	t.OrganisationID, t.CaseID, t.ClientID, t.FamilyID, t.Version, t.CreatedAt, t.UpdatedAt, t.StatusChangedAt, t.CaseOpen =
		caseOrg, caseID, 0, familyID, 1, now, now, now, true
	t.ID, err = insertID(ctx, tx, `INSERT INTO case_tasks (organisation_id, case_id, client_id, family_id, type_id, description,
		responsible_org_id, start_on, due_on, status, position, version, created_by, created_at, updated_by, updated_at,
		status_changed_at) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, 'planned', $9, 1, $10, $11, $10, $11, $11)`,
		caseOrg, caseID, familyID, t.TypeID, t.Description, t.ResponsibleOrg, t.StartOn, t.DueOn, t.Position,
		nullID(a.UserID), now)
	if err != nil {
		return fmt.Errorf("store: family task: %w", err)
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "task", EntityID: t.ID,
		Changes: append(taskChanges(&opora.Task{}, t), opora.Change{Field: "family_id", New: idText(familyID)})}); err != nil {
		return err
	}
	f, err := s.familyRow(ctx, tx, familyID)
	if err != nil {
		return err
	}
	if err := s.grantFamily(ctx, tx, a, f, t.ResponsibleOrg, opora.GrantTask); err != nil {
		return err
	}
	if err := s.addFamilyEvent(ctx, tx, f, FamilyEventTask, t.Title(), []opora.Change{
		{Field: "responsible", New: t.Responsible}, {Field: "due_on", New: dateString(t.DueOn)}}); err != nil {
		return err
	}
	return s.taskChangedHook(ctx, tx, nil, t)
}

// familyRow reads a family without an access check (the caller made it).
func (s *Store) familyRow(ctx context.Context, q queryer, id int64) (*opora.Family, error) {
	f := &opora.Family{ID: id}
	if err := q.QueryRowContext(ctx, `SELECT organisation_id FROM families WHERE id = $1`, id).Scan(&f.OrganisationID); err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// FamilyTasks lists every task of the family's cases in plan order, with
// the responsible agency and status: what everyone working on the family
// sees. Needs family.read on the family.
func (s *Store) FamilyTasks(ctx context.Context, familyID int64) ([]*opora.Task, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, _, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionPlan); err != nil {
		return nil, err
	}
	cols, args := insiderTaskColumns(a, []any{familyID})
	rows, err := s.r.QueryContext(ctx, `SELECT `+cols+taskFrom+` WHERE t.family_id = $1 ORDER BY k.id, t.position, t.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: family tasks: %w", err)
	}
	out, err := scanFamilyTasks(rows, false)
	if err != nil {
		return nil, fmt.Errorf("store: family tasks: %w", err)
	}
	for _, t := range out {
		t.InScope = true
	}
	return out, nil
}

// FamilyTask returns a task of a family's plan the actor reaches with
// family.read: through the family, or as the task's responsible
// organisation, responsible worker or assignee (then InScope is false: the
// task, not the family).
func (s *Store) FamilyTask(ctx context.Context, id int64) (*opora.Task, error) {
	return s.familyTask(ctx, s.r, opora.PermFamilyRead, id)
}

func (s *Store) familyTask(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Task, error) {
	a := opora.ActorFrom(ctx)
	cols, args := insiderTaskColumns(a, []any{id})
	cond, inFamily, args, err := familyTaskAccess(a, p, args)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+`, `+inFamily+taskFrom+` WHERE t.id = $1 AND `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("store: family task: %w", err)
	}
	list, err := scanFamilyTasks(rows, true)
	if err != nil {
		return nil, fmt.Errorf("store: family task: %w", err)
	}
	if len(list) == 0 {
		return nil, opora.ErrNotFound
	}
	return list[0], nil
}
