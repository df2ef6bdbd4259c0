package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Plan tasks. A task is reached through its case's client (clientScope), or
// by its responsible: the worker named on it, or any user of the
// organisation whose queue it is in. The latter see the task and the
// client's name only, and may change its status and comment on it.

const taskColumns = `t.id, t.organisation_id, t.case_id, COALESCE(t.client_id, 0), t.type_id, COALESCE(d.label, ''),
	t.description, COALESCE(t.responsible_id, 0), COALESCE(t.responsible_org_id, 0), COALESCE(ru.full_name, ro.name, ''),
	t.start_on, t.due_on, t.done_on, t.status, t.fail_reason, t.position, t.version, t.created_at, t.updated_at,
	COALESCE(c.surname, ''), COALESCE(c.first_name, ''), COALESCE(c.patronymic, ''), k.status,
	COALESCE(t.family_id, 0), COALESCE(t.assignee_id, 0), COALESCE(au.full_name, ''), t.report, COALESCE(t.report_file_id, 0),
	t.return_reason, t.return_comment, t.proposed_due_on, t.status_changed_at`

// taskFrom reaches a task's case, and its client or (a family's task) its
// family: TaskAccess's aliases.
const taskFrom = ` FROM case_tasks t JOIN cases k ON k.id = t.case_id LEFT JOIN clients c ON c.id = t.client_id
	LEFT JOIN families f ON f.id = t.family_id
	LEFT JOIN dictionary_items d ON d.id = t.type_id LEFT JOIN users ru ON ru.id = t.responsible_id
	LEFT JOIN organisations ro ON ro.id = t.responsible_org_id LEFT JOIN users au ON au.id = t.assignee_id`

func scanTask(row interface{ Scan(...any) error }, extra ...any) (*opora.Task, error) {
	t := &opora.Task{}
	var start, due, done, created, updated, proposed, changed sql.NullTime
	var sur, first, patr, caseStatus string
	dest := append([]any{&t.ID, &t.OrganisationID, &t.CaseID, &t.ClientID, &t.TypeID, &t.TypeLabel, &t.Description,
		&t.ResponsibleID, &t.ResponsibleOrg, &t.Responsible, &start, &due, &done, &t.Status, &t.FailReason, &t.Position,
		&t.Version, &created, &updated, &sur, &first, &patr, &caseStatus,
		&t.FamilyID, &t.AssigneeID, &t.AssigneeName, &t.Report, &t.ReportFileID, &t.ReturnReason, &t.ReturnComment,
		&proposed, &changed}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	t.StartOn, t.DueOn, t.DoneOn = opora.DateOf(dateOf(start)), opora.DateOf(dateOf(due)), opora.DateOf(dateOf(done))
	t.ProposedDueOn = opora.DateOf(dateOf(proposed))
	t.CreatedAt, t.UpdatedAt, t.StatusChangedAt = timeOf(created), timeOf(updated), timeOf(changed)
	t.ClientName = strings.Join(strings.Fields(sur+" "+first+" "+patr), " ")
	t.CaseOpen = caseStatus == string(opora.CaseOpen)
	return t, nil
}

// task loads one task the actor reaches with p.
func (s *Store) task(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Task, error) {
	cond, inScope, args, err := taskAccess(opora.ActorFrom(ctx), p, []any{id})
	if err != nil {
		return nil, err
	}
	var in int
	t, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskColumns+`, `+inScope+taskFrom+` WHERE t.id = $1 AND `+cond, args...), &in)
	if err != nil {
		return nil, notFound(err)
	}
	t.InScope = in == 1
	return t, nil
}

// Task returns a task the actor may see: through the client's record, or as
// its responsible worker or organisation (then InScope is false).
func (s *Store) Task(ctx context.Context, id int64) (*opora.Task, error) {
	return s.task(ctx, s.r, opora.PermClientRead, id)
}

// CaseTasks lists a case's tasks in plan order.
func (s *Store) CaseTasks(ctx context.Context, caseID int64) ([]*opora.Task, error) {
	k, err := s.loadCase(ctx, s.r, opora.PermClientRead, caseID)
	if err != nil {
		return nil, err
	}
	ts, err := s.caseTasks(ctx, s.r, k.ID, false)
	for _, t := range ts {
		t.InScope = true
	}
	return ts, err
}

// caseTasks reads a case's tasks; openOnly keeps planned and in-progress ones.
func (s *Store) caseTasks(ctx context.Context, q queryer, caseID int64, openOnly bool) ([]*opora.Task, error) {
	where := ` WHERE t.case_id = $1`
	if openOnly {
		where += ` AND t.status NOT IN ('done', 'cancelled', 'failed')`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+taskColumns+taskFrom+where+` ORDER BY t.position, t.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case tasks: %w", err)
	}
	defer rows.Close()
	var out []*opora.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("store: case tasks: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

var errCaseClosed = &opora.Error{Code: opora.EINVALID, Message: "tasks.error.case_closed"}

// checkResponsible makes sure a task's responsible is a worker of the
// case's organisation or an organisation of the network, and returns the name.
func (s *Store) checkResponsible(ctx context.Context, q queryer, orgID int64, t *opora.Task) (string, error) {
	var v opora.Validation
	var name string
	var err error
	switch {
	case t.ResponsibleID != 0:
		err = q.QueryRowContext(ctx, `SELECT full_name FROM users WHERE id = $1 AND organisation_id = $2 AND NOT disabled`,
			t.ResponsibleID, orgID).Scan(&name)
	case t.ResponsibleOrg != 0:
		err = q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, t.ResponsibleOrg).Scan(&name)
	default:
		return "", nil
	}
	if err == sql.ErrNoRows {
		v.Add("responsible", "error.invalid_choice")
		return "", v.Err()
	}
	if err != nil {
		return "", fmt.Errorf("store: task responsible: %w", err)
	}
	return name, nil
}

// AddTask adds a task to an open case. A start date left empty is today.
// Needs client.write on the case's client.
func (s *Store) AddTask(ctx context.Context, t *opora.Task) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	now := s.Now()
	if t.StartOn.IsZero() {
		t.StartOn = opora.Today(now, time.Local)
	}
	t.Normalize()
	if t.Status == opora.TaskDone && t.DoneOn.IsZero() {
		t.DoneOn = opora.Today(now, time.Local)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		k, err := s.loadCase(ctx, tx, opora.PermClientWrite, t.CaseID)
		if err != nil {
			return err
		}
		if !k.Open() {
			return errCaseClosed
		}
		return s.insertTask(ctx, tx, k, t)
	})
}

func (s *Store) insertTask(ctx context.Context, tx *sql.Tx, k *opora.Case, t *opora.Task) error {
	a := opora.ActorFrom(ctx)
	var err error
	if t.TypeLabel, err = checkDictItem(ctx, tx, k.OrganisationID, opora.DictTaskType, t.TypeID, "type_id"); err != nil {
		return err
	}
	if t.Responsible, err = s.checkResponsible(ctx, tx, k.OrganisationID, t); err != nil {
		return err
	}
	if t.StartOn.Before(k.OpenedOn) {
		var v opora.Validation
		v.Add("start_on", "tasks.error.start_before_case")
		return v.Err()
	}
	if t.Position, err = nextPosition(ctx, tx, "case_tasks", "case_id", k.ID, 1); err != nil {
		return fmt.Errorf("store: add task: %w", err)
	}
	now := s.Now()
	t.OrganisationID, t.CaseID, t.ClientID, t.Version, t.CreatedAt, t.UpdatedAt, t.CaseOpen = k.OrganisationID, k.ID, k.ClientID, 1, now, now, true
	t.ClientName = k.ClientName
	if t.Status != opora.TaskDone {
		t.DoneOn = opora.Date{}
	}
	if t.Status != opora.TaskFailed {
		t.FailReason = ""
	}
	t.ID, err = insertID(ctx, tx, `INSERT INTO case_tasks (organisation_id, case_id, client_id, type_id, description,
		responsible_id, responsible_org_id, start_on, due_on, done_on, status, fail_reason, position, version,
		created_by, created_at, updated_by, updated_at, status_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $14, $15, $15)`,
		t.OrganisationID, t.CaseID, t.ClientID, t.TypeID, t.Description, nullID(t.ResponsibleID), nullID(t.ResponsibleOrg),
		t.StartOn, t.DueOn, t.DoneOn, string(t.Status), t.FailReason, t.Position,
		nullID(a.UserID), now)
	if err != nil {
		return fmt.Errorf("store: add task: %w", err)
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "task", EntityID: t.ID,
		Changes: taskChanges(&opora.Task{}, t)}); err != nil {
		return err
	}
	summary := t.Title() + " · " + dateRange(t.StartOn, t.DueOn)
	if t.Responsible != "" {
		summary += " · " + t.Responsible
	}
	return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: t.OrganisationID, ClientID: t.ClientID, Kind: opora.EventTask,
		Entity: "task", EntityID: t.ID, Summary: summary})
}

func dateRange(a, b opora.Date) string {
	s := a.Format("02.01.2006") + " – "
	if !b.IsZero() {
		s += b.Format("02.01.2006")
	}
	return s
}

func taskChanges(old, t *opora.Task) []opora.Change {
	var ch []opora.Change
	ch = opora.Diff(ch, "case_id", intString(int(old.CaseID)), intString(int(t.CaseID)))
	ch = opora.Diff(ch, "type", old.TypeLabel, t.TypeLabel)
	ch = opora.Diff(ch, "description", old.Description, t.Description)
	ch = opora.Diff(ch, "responsible_id", intString(int(old.ResponsibleID)), intString(int(t.ResponsibleID)))
	ch = opora.Diff(ch, "responsible_org_id", intString(int(old.ResponsibleOrg)), intString(int(t.ResponsibleOrg)))
	ch = opora.Diff(ch, "start_on", dateString(old.StartOn), dateString(t.StartOn))
	ch = opora.Diff(ch, "due_on", dateString(old.DueOn), dateString(t.DueOn))
	ch = opora.Diff(ch, "done_on", dateString(old.DoneOn), dateString(t.DoneOn))
	ch = opora.Diff(ch, "status", string(old.Status), string(t.Status))
	ch = opora.Diff(ch, "fail_reason", old.FailReason, t.FailReason)
	return ch
}

// UpdateTask saves every field of a task of an open case. Needs
// client.write on the case's client (a responsible organisation may only
// change the status: SetTaskStatus). t.Version, when set, must match.
func (s *Store) UpdateTask(ctx context.Context, t *opora.Task) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	now := s.Now()
	t.Normalize()
	if t.Status == opora.TaskDone && t.DoneOn.IsZero() {
		t.DoneOn = opora.Today(now, time.Local)
	}
	if t.Status != opora.TaskDone {
		t.DoneOn = opora.Date{}
	}
	if t.Status != opora.TaskFailed {
		t.FailReason = ""
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.task(ctx, tx, opora.PermClientWrite, t.ID)
		if err != nil {
			return err
		}
		if !old.InScope {
			return opora.ErrForbidden
		}
		if !old.CaseOpen {
			return errCaseClosed
		}
		if t.Version != 0 && t.Version != old.Version {
			return &opora.Error{Code: opora.ECONFLICT, Message: "tasks.error.changed"}
		}
		if old.FamilyID != 0 {
			// A family's task is edited by the case's organisation only, and
			// its status moves on the agency's board (agency_task.go).
			if old.OrganisationID != a.OrganisationID {
				return opora.ErrForbidden
			}
			if t.Status != old.Status {
				return errTaskMove
			}
		}
		k, err := s.loadCase(ctx, tx, opora.PermClientWrite, old.CaseID)
		if err != nil {
			return err
		}
		if t.TypeLabel, err = checkDictItem(ctx, tx, k.OrganisationID, opora.DictTaskType, t.TypeID, "type_id"); err != nil {
			return err
		}
		if t.Responsible, err = s.checkResponsible(ctx, tx, k.OrganisationID, t); err != nil {
			return err
		}
		if t.StartOn.Before(k.OpenedOn) {
			var v opora.Validation
			v.Add("start_on", "tasks.error.start_before_case")
			return v.Err()
		}
		t.CaseID = old.CaseID
		ch := taskChanges(old, t)
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET type_id = $1, description = $2, responsible_id = $3,
			responsible_org_id = $4, start_on = $5, due_on = $6, done_on = $7, status = $8, fail_reason = $9,
			version = version + 1, updated_by = $10, updated_at = $11,
			status_changed_at = CASE WHEN status = $8 THEN status_changed_at ELSE $11 END WHERE id = $12`,
			t.TypeID, t.Description, nullID(t.ResponsibleID), nullID(t.ResponsibleOrg), t.StartOn, t.DueOn,
			t.DoneOn, string(t.Status), t.FailReason, nullID(a.UserID), now, t.ID); err != nil {
			return fmt.Errorf("store: update task: %w", err)
		}
		return s.taskChanged(ctx, tx, old, t, ch)
	})
}

// taskChanged writes the audit row and the timeline line of a task change,
// and for a family's task runs taskChangedHook (notifications).
func (s *Store) taskChanged(ctx context.Context, tx *sql.Tx, old, t *opora.Task, ch []opora.Change) error {
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "task", EntityID: old.ID,
		Changes: ch}); err != nil {
		return err
	}
	// The timeline keeps the changes as codes and dates; the page says
	// them in the reader's language.
	var shown []opora.Change
	for _, c := range ch {
		switch c.Field {
		case "status", "due_on", "start_on", "done_on", "fail_reason", "return_reason", "proposed_due_on", "assignee":
			shown = append(shown, c)
		case "responsible_id", "responsible_org_id":
			if !slices.ContainsFunc(shown, func(c opora.Change) bool { return c.Field == "responsible" }) {
				shown = append(shown, opora.Change{Field: "responsible", New: t.Responsible})
			}
		case "type", "description":
			shown = append(shown, opora.Change{Field: c.Field, Sensitive: true}) // "changed", without the text
		}
	}
	if err := s.taskEvent(ctx, tx, old, t.Title(), shown); err != nil {
		return err
	}
	if old.FamilyID == 0 {
		return nil
	}
	return s.taskChangedHook(ctx, tx, old, t)
}

// SetTaskStatus moves a task of an open case to another status: done
// records today as the done date, failed needs a reason. The case's own
// workers (client.write in scope) and the task's responsible worker or
// organisation may do it.
func (s *Store) SetTaskStatus(ctx context.Context, id int64, status opora.TaskStatus, reason string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.task(ctx, tx, opora.PermClientWrite, id)
		if err != nil {
			return err
		}
		if !old.CaseOpen {
			return errCaseClosed
		}
		if old.FamilyID != 0 { // an agency's task moves on its board (agency_task.go), by its agency
			return opora.ErrForbidden
		}
		if old.Status == status {
			return nil
		}
		return s.setTaskStatus(ctx, tx, old, status, reason, s.Today())
	})
}

// setTaskStatus changes one task's status in the caller's transaction.
func (s *Store) setTaskStatus(ctx context.Context, tx *sql.Tx, old *opora.Task, status opora.TaskStatus, reason string,
	today opora.Date) error {
	a := opora.ActorFrom(ctx)
	t := *old
	t.Status, t.FailReason, t.DoneOn = status, strings.TrimSpace(reason), opora.Date{}
	if status == opora.TaskDone {
		if today.IsZero() {
			today = s.Today()
		}
		t.DoneOn = today
	}
	if status != opora.TaskFailed {
		t.FailReason = ""
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET status = $1, fail_reason = $2, done_on = $3, version = version + 1,
		updated_by = $4, updated_at = $5, status_changed_at = $5 WHERE id = $6`, string(t.Status), t.FailReason, t.DoneOn,
		nullID(a.UserID), s.Now(), t.ID); err != nil {
		return fmt.Errorf("store: task status: %w", err)
	}
	return s.taskChanged(ctx, tx, old, &t, taskChanges(old, &t))
}

// taskEvent writes a task's line on its subject's timeline: the client's,
// or for a family's task the family's.
func (s *Store) taskEvent(ctx context.Context, tx *sql.Tx, t *opora.Task, summary string, changes []opora.Change) error {
	if t.FamilyID != 0 {
		f, err := s.familyRow(ctx, tx, t.FamilyID)
		if err != nil {
			return err
		}
		return s.addFamilyEvent(ctx, tx, f, FamilyEventTask, summary, changes)
	}
	return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: t.OrganisationID, ClientID: t.ClientID, Kind: opora.EventTask,
		Entity: "task", EntityID: t.ID, Summary: summary, Changes: changes})
}

// TaskComments lists a task's comments, oldest first.
func (s *Store) TaskComments(ctx context.Context, taskID int64) ([]*opora.TaskComment, error) {
	t, err := s.Task(ctx, taskID)
	if err != nil {
		return nil, err
	}
	return s.taskComments(ctx, t.ID) // a family's task's: its insiders only
}

// AddTaskComment comments on a task; the case's workers and the task's
// responsible may. It shows on the client's timeline.
func (s *Store) AddTaskComment(ctx context.Context, taskID int64, body string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	var v opora.Validation
	if body == "" {
		v.Add("body", "error.required")
	} else if len([]rune(body)) > 4000 {
		v.Add("body", "error.too_long")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		t, err := s.task(ctx, tx, opora.PermClientWrite, taskID)
		if err != nil {
			return err
		}
		if t.FamilyID != 0 { // an agency's internal note: its insiders only
			if ft, err := s.agencyTask(ctx, tx, t.ID); err != nil || !ft.Insider {
				return opora.ErrForbidden
			}
		}
		return s.insertTaskComment(ctx, tx, t, body)
	})
}

// Task board queues.
const (
	QueueMine = "mine" // tasks where I am the responsible worker
	QueueOrg  = "org"  // tasks in my organisation's queue (responsible is the organisation)
)

// TaskFilter selects tasks for the My tasks board.
type TaskFilter struct {
	Queue    string             // "", QueueMine or QueueOrg
	Statuses []opora.TaskStatus // empty: open ones (planned, in progress)
	Limit    int
}

// MyTasks returns the tasks of the acting user (responsible worker) and of
// their organisation's queue, on open cases of clients not deleted, by due
// date (no due date last). Tasks of other organisations' cases come with the
// client's name only (InScope false). Needs client.read.
func (s *Store) MyTasks(ctx context.Context, f TaskFilter) ([]*opora.Task, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, err
	}
	scope, args, err := clientScope(a, opora.PermClientRead, nil)
	if err != nil {
		return nil, err
	}
	// A family's tasks are on the agency's board (AgencyTasks), where
	// their moves need a report or a reason; here, clients' tasks only.
	where := "t.client_id IS NOT NULL AND c.deleted_at IS NULL AND c.merged_into IS NULL AND k.status = 'open'"
	switch f.Queue {
	case QueueMine:
		args = append(args, a.UserID)
		where += fmt.Sprintf(" AND t.responsible_id = $%d", len(args))
	case QueueOrg:
		args = append(args, a.OrganisationID)
		where += fmt.Sprintf(" AND t.responsible_org_id = $%d", len(args))
	default:
		args = append(args, a.UserID, a.OrganisationID)
		where += fmt.Sprintf(" AND (t.responsible_id = $%d OR t.responsible_org_id = $%d)", len(args)-1, len(args))
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []opora.TaskStatus{opora.TaskPlanned, opora.TaskAccepted, opora.TaskInProgress}
	}
	var in string
	in, args = inList(args, statuses)
	where += " AND t.status IN (" + in + ")"
	if f.Limit <= 0 {
		f.Limit = 500
	}
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT `+taskColumns+`, CASE WHEN `+scope+` THEN 1 ELSE 0 END`+taskFrom+
		` WHERE `+where+` ORDER BY CASE WHEN t.due_on IS NULL THEN 1 ELSE 0 END, t.due_on, t.id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: my tasks: %w", err)
	}
	defer rows.Close()
	var out []*opora.Task
	for rows.Next() {
		var inScope int
		t, err := scanTask(rows, &inScope)
		if err != nil {
			return nil, fmt.Errorf("store: my tasks: %w", err)
		}
		t.InScope = inScope == 1
		out = append(out, t)
	}
	return out, rows.Err()
}
