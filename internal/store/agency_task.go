package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// An agency's work on a family's tasks (issue 21 item 3): the board of the
// tasks in the agency's queue, the head giving one to a specialist, and
// the moves of a task — accept, start, done with a report, return with a
// reason. Each move is one transaction: the task row (version + 1, the
// expected version in the WHERE, so two people editing at once get a
// 409), the audit row, the family's timeline line and the notifications
// hook, all through taskChanged.
//
// Who may move a task: its assignee, and the head of its agency
// (family.assign in the responsible organisation). The family's curator
// and the КДН see every task of the family but do not act on another
// agency's task. The report, the return comment and the comments are the
// insiders' (sqldb.TaskInsider): the task's agency, the case's
// organisation, the family's curator and holder; everyone else working on
// the family sees who, what, due and status.

// FileKindTaskReport is the kind of a document attached to a family
// task's report: a files row without a client, held by the agency that
// uploaded it, reached through the task (case_tasks.report_file_id).
const FileKindTaskReport = "task_report"

var errTaskChanged = &opora.Error{Code: opora.ECONFLICT, Message: "tasks.error.changed"}

// errTaskMove is the refusal of a move the task's status does not allow
// (a done task accepted again, a returned task done).
var errTaskMove = &opora.Error{Code: opora.EINVALID, Message: "tasks.error.move"}

// insiderTaskColumns selects a family task's internal part only for its
// insiders: the report, its file and the return comment are blanked in
// SQL for anyone else, and the last column says which the reader is.
func insiderTaskColumns(a *opora.Actor, args []any) (string, []any) {
	cond, args := sqldb.TaskInsider(a, args)
	cols := strings.NewReplacer(
		"t.report, COALESCE(t.report_file_id, 0),", "CASE WHEN "+cond+" THEN t.report ELSE '' END, CASE WHEN "+cond+
			" THEN COALESCE(t.report_file_id, 0) ELSE 0 END,",
		"t.return_comment,", "CASE WHEN "+cond+" THEN t.return_comment ELSE '' END,").Replace(taskColumns)
	return cols + ", CASE WHEN " + cond + " THEN 1 ELSE 0 END", args
}

// scanFamilyTasks reads rows of insiderTaskColumns (and an in-family flag when inFamily).
func scanFamilyTasks(rows *sql.Rows, inFamily bool) ([]*opora.Task, error) {
	defer rows.Close()
	var out []*opora.Task
	for rows.Next() {
		var insider, in int
		extra := []any{&insider}
		if inFamily {
			extra = append(extra, &in)
		}
		t, err := scanTask(rows, extra...)
		if err != nil {
			return nil, err
		}
		t.Insider, t.InScope = insider == 1, in == 1
		out = append(out, t)
	}
	return out, rows.Err()
}

// AgencyTaskFilter selects the tasks of an agency's board.
type AgencyTaskFilter struct {
	AssigneeID int64 // only this specialist's tasks; 0 every task of the agency
}

// AgencyTasks lists the family tasks in the acting user's organisation's
// queue (the agency's board) on open cases, by deadline (none last), each
// with its family's name. Needs family.read.
func (s *Store) AgencyTasks(ctx context.Context, f AgencyTaskFilter) ([]*opora.Task, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	cols, args := insiderTaskColumns(a, nil)
	args = append(args, a.OrganisationID)
	where := fmt.Sprintf(` WHERE t.family_id IS NOT NULL AND t.responsible_org_id = $%d AND k.status = 'open'
		AND t.status IN ('planned', 'accepted', 'in_progress', 'done', 'returned')`, len(args))
	if f.AssigneeID != 0 {
		args = append(args, f.AssigneeID)
		where += fmt.Sprintf(" AND t.assignee_id = $%d", len(args))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+cols+taskFrom+where+
		` ORDER BY CASE WHEN t.due_on IS NULL THEN 1 ELSE 0 END, t.due_on, t.id LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agency tasks: %w", err)
	}
	out, err := scanFamilyTasks(rows, false)
	if err != nil {
		return nil, fmt.Errorf("store: agency tasks: %w", err)
	}
	return out, s.nameFamilies(ctx, out)
}

// nameFamilies fills each task's FamilyName with its family's current
// members' surnames: what the agency needs to know whose task it is.
func (s *Store) nameFamilies(ctx context.Context, tasks []*opora.Task) error {
	var ids []int64
	for _, t := range tasks {
		if t.FamilyID != 0 {
			ids = append(ids, t.FamilyID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(nil, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT m.family_id, c.surname FROM family_members m JOIN clients c ON c.id = m.client_id
		WHERE m.family_id IN (`+in+`) AND m.left_on IS NULL ORDER BY m.family_id, m.id`, args...)
	if err != nil {
		return fmt.Errorf("store: family names: %w", err)
	}
	defer rows.Close()
	names := map[int64][]string{}
	for rows.Next() {
		var id int64
		var surname string
		if err := rows.Scan(&id, &surname); err != nil {
			return fmt.Errorf("store: family names: %w", err)
		}
		if surname != "" && !containsString(names[id], surname) {
			names[id] = append(names[id], surname)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: family names: %w", err)
	}
	for _, t := range tasks {
		t.FamilyName = strings.Join(names[t.FamilyID], ", ")
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AgencySpecialists lists the active workers of the actor's organisation
// a task may be given to (id, name), for the head's assign form.
func (s *Store) AgencySpecialists(ctx context.Context) ([]*opora.User, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, full_name FROM users WHERE organisation_id = $1 AND NOT disabled
		ORDER BY full_name, id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: specialists: %w", err)
	}
	defer rows.Close()
	var out []*opora.User
	for rows.Next() {
		u := &opora.User{}
		if err := rows.Scan(&u.ID, &u.FullName); err != nil {
			return nil, fmt.Errorf("store: specialists: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// MayActOnTask reports whether the actor may move a family's task: its
// assignee, or the head of its agency (family.assign in the responsible
// organisation).
func MayActOnTask(a *opora.Actor, t *opora.Task) bool {
	if a == nil || t.FamilyID == 0 || !a.Can(opora.PermFamilyRead) {
		return false
	}
	return (t.AssigneeID != 0 && t.AssigneeID == a.UserID) || MayAssignTask(a, t)
}

// MayAssignTask reports whether the actor may give a family's task to a
// specialist: the head of the task's agency.
func MayAssignTask(a *opora.Actor, t *opora.Task) bool {
	return a != nil && t.FamilyID != 0 && t.ResponsibleOrg == a.OrganisationID && a.Can(opora.PermFamilyAssign)
}

// AgencyTask returns a family's task the actor reaches (family.read:
// through the family, or in the agency's queue), with its family's name;
// the report and the return comment only for insiders. Writes the view
// audit row.
func (s *Store) AgencyTask(ctx context.Context, id int64) (*opora.Task, error) {
	t, err := s.agencyTask(ctx, s.r, id)
	if err != nil {
		return nil, err
	}
	if err := s.nameFamilies(ctx, []*opora.Task{t}); err != nil {
		return nil, err
	}
	return t, s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "task", EntityID: t.ID,
		Section: "family " + strconv.FormatInt(t.FamilyID, 10)})
}

func (s *Store) agencyTask(ctx context.Context, q queryer, id int64) (*opora.Task, error) {
	return s.familyTask(ctx, q, opora.PermFamilyRead, id)
}

// actableTask loads a family's task for a move in the caller's
// transaction: reached, on an open case, the actor allowed to act (may
// names the rule), and at the version the actor saw (0: any).
func (s *Store) actableTask(ctx context.Context, tx *sql.Tx, id int64, version int,
	may func(*opora.Actor, *opora.Task) bool) (*opora.Task, error) {
	t, err := s.agencyTask(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !may(opora.ActorFrom(ctx), t) {
		return nil, opora.ErrForbidden
	}
	if !t.CaseOpen {
		return nil, errCaseClosed
	}
	if version != 0 && version != t.Version {
		return nil, errTaskChanged
	}
	return t, nil
}

// writeTaskMove saves a family task's new state (status, done date,
// report, return, assignee) if it is still at old's version, and ends in
// taskChanged: audit, the family's timeline, the notifications hook.
func (s *Store) writeTaskMove(ctx context.Context, tx *sql.Tx, old, t *opora.Task) error {
	a := opora.ActorFrom(ctx)
	now := s.Now()
	res, err := tx.ExecContext(ctx, `UPDATE case_tasks SET status = $1, done_on = $2, report = $3, report_file_id = $4,
		return_reason = $5, return_comment = $6, proposed_due_on = $7, assignee_id = $8, version = version + 1,
		updated_by = $9, updated_at = $10, status_changed_at = CASE WHEN status = $1 THEN status_changed_at ELSE $10 END
		WHERE id = $11 AND version = $12`,
		string(t.Status), t.DoneOn, t.Report, nullID(t.ReportFileID), t.ReturnReason, t.ReturnComment, t.ProposedDueOn,
		nullID(t.AssigneeID), nullID(a.UserID), now, t.ID, old.Version)
	if err != nil {
		return fmt.Errorf("store: task move: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: task move: %w", err)
	} else if n == 0 {
		return errTaskChanged
	}
	t.Version, t.UpdatedAt = old.Version+1, now
	if t.Status != old.Status {
		t.StatusChangedAt = now
	}
	ch := taskChanges(old, t)
	ch = opora.Diff(ch, "assignee_id", idText(old.AssigneeID), idText(t.AssigneeID))
	if old.AssigneeID != t.AssigneeID {
		ch = append(ch, opora.Change{Field: "assignee", Old: old.AssigneeName, New: t.AssigneeName})
	}
	if old.Report != t.Report {
		ch = append(ch, opora.Change{Field: "report", Sensitive: true})
	}
	ch = opora.Diff(ch, "report_file_id", idText(old.ReportFileID), idText(t.ReportFileID))
	ch = opora.Diff(ch, "return_reason", old.ReturnReason, t.ReturnReason)
	if old.ReturnComment != t.ReturnComment {
		ch = append(ch, opora.Change{Field: "return_comment", Sensitive: true})
	}
	ch = opora.Diff(ch, "proposed_due_on", dateString(old.ProposedDueOn), dateString(t.ProposedDueOn))
	return s.taskChanged(ctx, tx, old, t, ch)
}

// moveTask runs one status move of a family's task by its agency.
func (s *Store) moveTask(ctx context.Context, id int64, version int, from []opora.TaskStatus,
	change func(tx *sql.Tx, old, t *opora.Task) error) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.actableTask(ctx, tx, id, version, MayActOnTask)
		if err != nil {
			return err
		}
		if !containsStatus(from, old.Status) {
			return errTaskMove
		}
		t := *old
		if err := change(tx, old, &t); err != nil {
			return err
		}
		return s.writeTaskMove(ctx, tx, old, &t)
	})
}

func containsStatus(list []opora.TaskStatus, st opora.TaskStatus) bool {
	for _, x := range list {
		if x == st {
			return true
		}
	}
	return false
}

// AcceptTask takes a new task of the agency's queue into work: planned →
// accepted. version is the one the actor saw (409 when it moved on).
func (s *Store) AcceptTask(ctx context.Context, id int64, version int) error {
	return s.moveTask(ctx, id, version, []opora.TaskStatus{opora.TaskPlanned}, func(_ *sql.Tx, _, t *opora.Task) error {
		t.Status = opora.TaskAccepted
		return nil
	})
}

// StartTask marks a new or accepted task in progress.
func (s *Store) StartTask(ctx context.Context, id int64, version int) error {
	return s.moveTask(ctx, id, version, []opora.TaskStatus{opora.TaskPlanned, opora.TaskAccepted},
		func(_ *sql.Tx, _, t *opora.Task) error {
			t.Status = opora.TaskInProgress
			return nil
		})
}

// CompleteTask marks a task done with the agency's report (what was done,
// when) and, if file is not nil, the attached document (bytes already
// stored; the row is written here, held by the actor's organisation).
func (s *Store) CompleteTask(ctx context.Context, id int64, version int, r opora.TaskReport, file *opora.File) error {
	a := opora.ActorFrom(ctx)
	return s.moveTask(ctx, id, version, []opora.TaskStatus{opora.TaskPlanned, opora.TaskAccepted, opora.TaskInProgress},
		func(tx *sql.Tx, old, t *opora.Task) error {
			if err := r.Validate(old.StartOn, s.Today()); err != nil {
				return err
			}
			t.Status, t.DoneOn, t.Report, t.FailReason = opora.TaskDone, r.DoneOn, r.Text, ""
			t.ReturnReason, t.ReturnComment, t.ProposedDueOn = "", "", opora.Date{}
			if file == nil {
				return nil
			}
			if file.StorageKey == "" || file.MIME == "" {
				return fmt.Errorf("store: task report file without storage key or type")
			}
			file.Normalize()
			if err := file.Validate(); err != nil {
				return err
			}
			file.OrganisationID, file.Kind, file.CreatedBy, file.CreatedAt = a.OrganisationID, FileKindTaskReport, a.UserID, s.Now()
			var err error
			file.ID, err = insertID(ctx, tx, `INSERT INTO files (organisation_id, client_id, kind, name, mime, size, sha256,
				storage_key, comment, created_by, created_at) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				file.OrganisationID, file.Kind, file.Name, file.MIME, file.Size, file.SHA256, file.StorageKey, file.Comment,
				nullID(a.UserID), file.CreatedAt)
			if err != nil {
				return fmt.Errorf("store: task report file: %w", err)
			}
			t.ReportFileID = file.ID
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "file", EntityID: file.ID,
				Section: "task " + strconv.FormatInt(t.ID, 10), Changes: []opora.Change{{Field: "mime", New: file.MIME},
					{Field: "size", New: strconv.FormatInt(file.Size, 10)}}})
		})
}

// ReturnTask gives a task back to the family's curator and council with a
// reason (opora.ReturnReasons), a comment and, when it cannot be done by
// the deadline, the date it can.
func (s *Store) ReturnTask(ctx context.Context, id int64, version int, r opora.TaskReturn) error {
	return s.moveTask(ctx, id, version, []opora.TaskStatus{opora.TaskPlanned, opora.TaskAccepted, opora.TaskInProgress},
		func(_ *sql.Tx, _, t *opora.Task) error {
			if err := r.Validate(s.Today()); err != nil {
				return err
			}
			t.Status, t.ReturnReason, t.ReturnComment, t.ProposedDueOn = opora.TaskReturned, r.Reason, r.Comment, r.ProposedDueOn
			return nil
		})
}

// AssignTask gives an open task of the agency's queue to one of the
// agency's workers (0 takes it back to the agency). Only the agency's head.
func (s *Store) AssignTask(ctx context.Context, id int64, version int, assigneeID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyAssign); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.actableTask(ctx, tx, id, version, MayAssignTask)
		if err != nil {
			return err
		}
		if !old.Status.Open() {
			return errTaskMove
		}
		t := *old
		t.AssigneeID, t.AssigneeName = assigneeID, ""
		if assigneeID != 0 {
			err := tx.QueryRowContext(ctx, `SELECT full_name FROM users WHERE id = $1 AND organisation_id = $2 AND NOT disabled`,
				assigneeID, old.ResponsibleOrg).Scan(&t.AssigneeName)
			if err == sql.ErrNoRows {
				var v opora.Validation
				v.Add("assignee_id", "error.invalid_choice")
				return v.Err()
			}
			if err != nil {
				return fmt.Errorf("store: assign task: %w", err)
			}
		}
		if t.AssigneeID == old.AssigneeID {
			return nil
		}
		return s.writeTaskMove(ctx, tx, old, &t)
	})
}

// TaskReportFile returns the document attached to a family task's report
// for downloading, to the task's insiders only, and writes the download
// audit row.
func (s *Store) TaskReportFile(ctx context.Context, taskID int64) (*opora.File, error) {
	t, err := s.agencyTask(ctx, s.r, taskID)
	if err != nil {
		return nil, err
	}
	if !t.Insider || t.ReportFileID == 0 {
		return nil, opora.ErrNotFound
	}
	f := &opora.File{}
	var created sql.NullInt64
	err = s.r.QueryRowContext(ctx, `SELECT id, organisation_id, kind, name, mime, size, sha256, storage_key, created_by, created_at
		FROM files WHERE id = $1 AND kind = $2 AND deleted_at IS NULL`, t.ReportFileID, FileKindTaskReport).Scan(
		&f.ID, &f.OrganisationID, &f.Kind, &f.Name, &f.MIME, &f.Size, &f.SHA256, &f.StorageKey, &created, &f.CreatedAt)
	if err != nil {
		return nil, notFound(err)
	}
	f.CreatedBy = created.Int64
	return f, s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDownload, Entity: "file", EntityID: f.ID,
		Section: "task " + strconv.FormatInt(t.ID, 10)})
}

// FamilyTaskComments lists the comments of a family's task, oldest first:
// only for the task's insiders (sqldb.TaskInsider, in SQL); others get an
// empty list.
func (s *Store) FamilyTaskComments(ctx context.Context, taskID int64) ([]*opora.TaskComment, error) {
	t, err := s.agencyTask(ctx, s.r, taskID)
	if err != nil {
		return nil, err
	}
	return s.taskComments(ctx, t.ID)
}

// taskComments reads a task's comments the actor is an insider of.
func (s *Store) taskComments(ctx context.Context, taskID int64) ([]*opora.TaskComment, error) {
	cond, args := sqldb.TaskInsider(opora.ActorFrom(ctx), []any{taskID})
	rows, err := s.r.QueryContext(ctx, `SELECT m.id, m.task_id, COALESCE(m.user_id, 0), COALESCE(u.full_name, ''), m.body, m.created_at
		FROM task_comments m JOIN case_tasks t ON t.id = m.task_id LEFT JOIN families f ON f.id = t.family_id
		LEFT JOIN users u ON u.id = m.user_id WHERE m.task_id = $1 AND `+cond+` ORDER BY m.created_at, m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: task comments: %w", err)
	}
	defer rows.Close()
	var out []*opora.TaskComment
	for rows.Next() {
		m := &opora.TaskComment{}
		if err := rows.Scan(&m.ID, &m.TaskID, &m.UserID, &m.UserName, &m.Body, &m.At); err != nil {
			return nil, fmt.Errorf("store: task comments: %w", err)
		}
		m.At = m.At.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddFamilyTaskComment writes an internal note on a family's task: its
// insiders only (the agency, the case's organisation, the curator, the
// КДН). Needs family.read.
func (s *Store) AddFamilyTaskComment(ctx context.Context, taskID int64, body string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
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
		t, err := s.agencyTask(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if !t.Insider {
			return opora.ErrForbidden
		}
		return s.insertTaskComment(ctx, tx, t, body)
	})
}

// insertTaskComment writes a comment row and its audit row. A family
// task's comment stays off the family's timeline: it is the agency's note,
// and the timeline is read by every agency working on the family.
func (s *Store) insertTaskComment(ctx context.Context, tx *sql.Tx, t *opora.Task, body string) error {
	a := opora.ActorFrom(ctx)
	id, err := insertID(ctx, tx, `INSERT INTO task_comments (task_id, organisation_id, user_id, body, created_at)
		VALUES ($1, $2, $3, $4, $5)`, t.ID, a.OrganisationID, nullID(a.UserID), body, s.Now())
	if err != nil {
		return fmt.Errorf("store: task comment: %w", err)
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "task_comment", EntityID: id,
		Changes: []opora.Change{{Field: "task_id", New: fmt.Sprint(t.ID)}}}); err != nil {
		return err
	}
	if t.FamilyID != 0 {
		return nil
	}
	return s.taskEvent(ctx, tx, t, t.Title()+": "+body, nil)
}
