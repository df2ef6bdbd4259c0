package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Cases (support programmes). Access to a client case follows the client:
// every query joins clients c and applies clientScope, so another
// organisation's or an out-of-scope case answers opora.ErrNotFound.

const caseColumns = `k.id, k.organisation_id, k.subject_type, k.subject_id, COALESCE(k.client_id, 0), k.type_id,
	COALESCE(d.label, ''), k.curator_id, COALESCE(u.full_name, ''), k.opened_on, k.closed_on, k.status, k.outcome,
	k.outcome_comment, k.version, COALESCE(k.created_by, 0), k.created_at, k.updated_at,
	c.surname, c.first_name, c.patronymic`

const caseFrom = ` FROM cases k JOIN clients c ON c.id = k.client_id
	LEFT JOIN dictionary_items d ON d.id = k.type_id LEFT JOIN users u ON u.id = k.curator_id`

func scanCase(row interface{ Scan(...any) error }) (*opora.Case, error) {
	k := &opora.Case{}
	var opened, closed, created, updated sql.NullTime
	var sur, first, patr string
	if err := row.Scan(&k.ID, &k.OrganisationID, &k.SubjectType, &k.SubjectID, &k.ClientID, &k.TypeID, &k.TypeLabel,
		&k.CuratorID, &k.CuratorName, &opened, &closed, &k.Status, &k.Outcome, &k.OutcomeComment, &k.Version,
		&k.CreatedBy, &created, &updated, &sur, &first, &patr); err != nil {
		return nil, err
	}
	k.OpenedOn, k.ClosedOn = opora.DateOf(dateOf(opened)), opora.DateOf(dateOf(closed))
	k.CreatedAt, k.UpdatedAt = timeOf(created), timeOf(updated)
	k.ClientName = strings.Join(strings.Fields(sur+" "+first+" "+patr), " ")
	return k, nil
}

// loadCase reads a case whose client the actor reaches with permission p.
// Writing (client.write) also needs the client not deleted nor merged away.
func (s *Store) loadCase(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Case, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{id})
	if err != nil {
		return nil, err
	}
	where := ` WHERE k.id = $1 AND ` + cond
	if p != opora.PermClientRead || !a.Can(opora.PermClientDelete) {
		where += ` AND c.deleted_at IS NULL`
	}
	if p != opora.PermClientRead {
		where += ` AND c.merged_into IS NULL`
	}
	k, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+where, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return k, nil
}

// Case returns a case with its participants and task counts. Needs
// client.read on the case's client.
func (s *Store) Case(ctx context.Context, id int64) (*opora.Case, error) {
	k, err := s.loadCase(ctx, s.r, opora.PermClientRead, id)
	if err != nil {
		return nil, err
	}
	if err := s.caseCounts(ctx, []*opora.Case{k}); err != nil {
		return nil, err
	}
	if k.Participants, err = s.caseParticipants(ctx, s.r, k.ID); err != nil {
		return nil, err
	}
	return k, nil
}

// ClientCases lists a client's cases, the open one first, then newest first.
func (s *Store) ClientCases(ctx context.Context, clientID int64) ([]*opora.Case, error) {
	a := opora.ActorFrom(ctx)
	if _, err := s.Client(ctx, clientID); err != nil {
		return nil, err
	}
	cond, args, err := clientScope(a, opora.PermClientRead, []any{clientID})
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE k.client_id = $1 AND k.subject_type = 'client' AND `+
		cond+` ORDER BY CASE WHEN k.status = 'open' THEN 0 ELSE 1 END, k.opened_on DESC, k.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: client cases: %w", err)
	}
	defer rows.Close()
	var out []*opora.Case
	for rows.Next() {
		k, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("store: client cases: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: client cases: %w", err)
	}
	return out, s.caseCounts(ctx, out)
}

// caseCounts fills the task counters of cases.
func (s *Store) caseCounts(ctx context.Context, cases []*opora.Case) error {
	if len(cases) == 0 {
		return nil
	}
	byID := map[int64]*opora.Case{}
	ids := make([]int64, 0, len(cases))
	for _, k := range cases {
		byID[k.ID] = k
		ids = append(ids, k.ID)
	}
	in, args := inList([]any{s.Today()}, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT case_id, COUNT(*),
		SUM(CASE WHEN status IN ('done', 'cancelled') THEN 1 ELSE 0 END),
		SUM(CASE WHEN status IN ('planned', 'accepted', 'in_progress') AND due_on < $1 THEN 1 ELSE 0 END)
		FROM case_tasks WHERE case_id IN (`+in+`) GROUP BY case_id`, args...)
	if err != nil {
		return fmt.Errorf("store: case counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var total, done, overdue int
		if err := rows.Scan(&id, &total, &done, &overdue); err != nil {
			return fmt.Errorf("store: case counts: %w", err)
		}
		if k := byID[id]; k != nil {
			k.TasksTotal, k.TasksDone, k.TasksOverdue = total, done, overdue
		}
	}
	return rows.Err()
}

// checkDictItem makes sure id is an enabled item of one of the organisation's dictionaries.
func checkDictItem(ctx context.Context, q queryer, orgID int64, dict string, id int64, field string) (string, error) {
	var label string
	err := q.QueryRowContext(ctx, `SELECT label FROM dictionary_items WHERE id = $1 AND organisation_id = $2
		AND dictionary = $3 AND NOT disabled`, id, orgID, dict).Scan(&label)
	if err == sql.ErrNoRows {
		var v opora.Validation
		v.Add(field, "error.invalid_choice")
		return "", v.Err()
	}
	if err != nil {
		return "", fmt.Errorf("store: dictionary item: %w", err)
	}
	return label, nil
}

var errCaseAlreadyOpen = &opora.Error{Code: opora.EINVALID, Message: "cases.error.already_open"}

// CreateCase opens a case for client k.ClientID. A client has at most one
// open case at a time (a second one is refused: close the first). When
// templateID is not 0 the template's tasks are added in the same
// transaction, due from today. Needs client.write on the client.
func (s *Store) CreateCase(ctx context.Context, k *opora.Case, templateID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	now := s.Now()
	k.SubjectType, k.SubjectID, k.Status = opora.SubjectClient, k.ClientID, opora.CaseOpen
	if err := k.Validate(s.Today()); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.client(ctx, tx, opora.PermClientWrite, k.ClientID)
		if err != nil {
			return err
		}
		if c.Deleted() || c.MergedInto != 0 {
			return opora.ErrNotFound
		}
		if k.TypeLabel, err = checkDictItem(ctx, tx, c.OrganisationID, opora.DictCaseType, k.TypeID, "type_id"); err != nil {
			return err
		}
		if err := s.checkOrgUser(ctx, tx, a, k.CuratorID, "curator_id"); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE subject_type = 'client' AND subject_id = $1
			AND status = 'open'`, c.ID).Scan(&open); err != nil {
			return fmt.Errorf("store: create case: %w", err)
		}
		if open > 0 {
			return errCaseAlreadyOpen
		}
		k.OrganisationID, k.CreatedBy, k.CreatedAt, k.UpdatedAt, k.Version = c.OrganisationID, a.UserID, now, now, 1
		k.ClientName = c.FullName()
		id, err := insertID(ctx, tx, `INSERT INTO cases (organisation_id, subject_type, subject_id, client_id, type_id,
			curator_id, opened_on, status, version, created_by, created_at, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 1, $8, $9, $8, $9)`,
			k.OrganisationID, k.SubjectType, k.SubjectID, k.ClientID, k.TypeID, k.CuratorID, k.OpenedOn,
			nullID(a.UserID), now)
		if err != nil {
			if isUniqueViolation(err) {
				return errCaseAlreadyOpen
			}
			return fmt.Errorf("store: create case: %w", err)
		}
		k.ID = id
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "case", EntityID: id,
			Changes: []opora.Change{{Field: "client_id", New: fmt.Sprint(c.ID)}, {Field: "type", New: k.TypeLabel},
				{Field: "curator_id", New: fmt.Sprint(k.CuratorID)}, {Field: "opened_on", New: dateString(k.OpenedOn)}}}); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID,
			Kind: opora.EventCase, Entity: "case", EntityID: id,
			Summary: k.TypeLabel + " — " + k.OpenedOn.Format("02.01.2006")}); err != nil {
			return err
		}
		if templateID != 0 {
			if _, err := s.applyTemplate(ctx, tx, k, templateID); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateCase changes an open case's type, curator and opening date.
func (s *Store) UpdateCase(ctx context.Context, k *opora.Case) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.loadCase(ctx, tx, opora.PermClientWrite, k.ID)
		if err != nil {
			return err
		}
		if !old.Open() {
			return &opora.Error{Code: opora.EINVALID, Message: "cases.error.closed"}
		}
		k.SubjectType, k.SubjectID, k.ClientID = old.SubjectType, old.SubjectID, old.ClientID
		if err := k.Validate(s.Today()); err != nil {
			return err
		}
		// The first task's start (not MIN(start_on): SQLite gives an
		// aggregate of dates back as text).
		var first sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT start_on FROM case_tasks WHERE case_id = $1 AND start_on IS NOT NULL
			ORDER BY start_on LIMIT 1`, k.ID).Scan(&first); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: update case: %w", err)
		}
		if first.Valid && dateOf(first).Before(k.OpenedOn.Time()) {
			var v opora.Validation
			v.Add("opened_on", "cases.error.opened_after_tasks")
			return v.Err()
		}
		if k.TypeLabel, err = checkDictItem(ctx, tx, old.OrganisationID, opora.DictCaseType, k.TypeID, "type_id"); err != nil {
			return err
		}
		if k.CuratorID != old.CuratorID {
			if err := s.checkOrgUser(ctx, tx, a, k.CuratorID, "curator_id"); err != nil {
				return err
			}
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "type", old.TypeLabel, k.TypeLabel)
		ch = opora.Diff(ch, "curator_id", fmt.Sprint(old.CuratorID), fmt.Sprint(k.CuratorID))
		ch = opora.Diff(ch, "opened_on", dateString(old.OpenedOn), dateString(k.OpenedOn))
		if len(ch) == 0 {
			return nil
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET type_id = $1, curator_id = $2, opened_on = $3, version = version + 1,
			updated_by = $4, updated_at = $5 WHERE id = $6`, k.TypeID, k.CuratorID, k.OpenedOn, nullID(a.UserID), now, k.ID); err != nil {
			return fmt.Errorf("store: update case: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: k.ID, Changes: ch}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: old.OrganisationID, ClientID: old.ClientID,
			Kind: opora.EventCase, Entity: "case", EntityID: k.ID, Summary: k.TypeLabel, Changes: caseEventChanges(ch)})
	})
}

// caseEventChanges is a case's changes as its timeline line keeps them:
// the curator by name of field only (the page says "changed").
func caseEventChanges(ch []opora.Change) []opora.Change {
	out := make([]opora.Change, 0, len(ch))
	for _, c := range ch {
		if c.Field == "curator_id" {
			c = opora.Change{Field: "curator", Sensitive: true}
		}
		out = append(out, c)
	}
	return out
}

// OpenTasksError is the refusal to close a case while tasks are open: the
// person must choose what happens to them. Fields["open_tasks"] is set.
func openTasksError(n int) error {
	return &opora.Error{Code: opora.EINVALID, Message: "cases.error.open_tasks",
		Fields: map[string]string{"open_tasks": "cases.error.open_tasks"}, Args: map[string]string{"N": fmt.Sprint(n)}}
}

// CloseCase closes an open case with an outcome. Open tasks (planned or in
// progress) block closing unless cl.OpenTasks says to cancel them or mark
// them failed with cl.FailReason; either way everything is one transaction.
func (s *Store) CloseCase(ctx context.Context, id int64, cl *opora.CaseClosing) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		k, err := s.loadCase(ctx, tx, opora.PermClientWrite, id)
		if err != nil {
			return err
		}
		if !k.Open() {
			return &opora.Error{Code: opora.EINVALID, Message: "cases.error.closed"}
		}
		now := s.Now()
		if cl.ClosedOn.IsZero() {
			cl.ClosedOn = opora.Today(now, time.Local)
		}
		if err := cl.Validate(k.OpenedOn, opora.Today(now, time.Local)); err != nil {
			return err
		}
		open, err := s.caseTasks(ctx, tx, k.ID, true)
		if err != nil {
			return err
		}
		if len(open) > 0 && cl.OpenTasks == "" {
			return openTasksError(len(open))
		}
		for _, t := range open {
			status, reason := opora.TaskCancelled, ""
			if cl.OpenTasks == opora.OpenTasksFail {
				status, reason = opora.TaskFailed, cl.FailReason
			}
			if err := s.setTaskStatus(ctx, tx, t, status, reason, opora.Date{}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'closed', closed_on = $1, outcome = $2, outcome_comment = $3,
			version = version + 1, updated_by = $4, updated_at = $5 WHERE id = $6`,
			cl.ClosedOn, string(cl.Outcome), cl.Comment, nullID(a.UserID), now, id); err != nil {
			return fmt.Errorf("store: close case: %w", err)
		}
		ch := []opora.Change{{Field: "status", Old: string(opora.CaseOpen), New: string(opora.CaseClosed)},
			{Field: "outcome", New: string(cl.Outcome)}, {Field: "closed_on", New: dateString(cl.ClosedOn)}}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: id, Changes: ch}); err != nil {
			return err
		}
		// The timeline keeps codes and dates; the page says them in the
		// reader's language.
		ev := slices.Clone(ch)
		if cl.Comment != "" {
			ev = append(ev, opora.Change{Field: "outcome_comment", New: cl.Comment})
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: k.OrganisationID, ClientID: k.ClientID,
			Kind: opora.EventCase, Entity: "case", EntityID: id, Summary: k.TypeLabel, Changes: ev})
	})
}

func (s *Store) caseParticipants(ctx context.Context, q queryer, caseID int64) ([]*opora.CaseParticipant, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.case_id, COALESCE(p.user_id, 0), COALESCE(p.organisation_id, 0),
		COALESCE(u.full_name, o.name, ''), p.role FROM case_participants p
		LEFT JOIN users u ON u.id = p.user_id LEFT JOIN organisations o ON o.id = p.organisation_id
		WHERE p.case_id = $1 ORDER BY p.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("store: case participants: %w", err)
	}
	defer rows.Close()
	var out []*opora.CaseParticipant
	for rows.Next() {
		p := &opora.CaseParticipant{}
		if err := rows.Scan(&p.ID, &p.CaseID, &p.UserID, &p.OrganisationID, &p.Name, &p.Role); err != nil {
			return nil, fmt.Errorf("store: case participants: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddCaseParticipant adds a worker of the case's organisation (p.UserID) or
// an organisation of the network (p.OrganisationID) to a case.
func (s *Store) AddCaseParticipant(ctx context.Context, p *opora.CaseParticipant) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	p.Role = strings.TrimSpace(p.Role)
	var v opora.Validation
	if (p.UserID == 0) == (p.OrganisationID == 0) {
		v.Add("participant", "cases.error.participant")
	}
	if len([]rune(p.Role)) > 200 {
		v.Add("role", "error.too_long")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		k, err := s.loadCase(ctx, tx, opora.PermClientWrite, p.CaseID)
		if err != nil {
			return err
		}
		if p.UserID != 0 {
			if err := s.checkOrgUser(ctx, tx, a, p.UserID, "participant"); err != nil {
				return err
			}
		} else if err := checkOrganisation(ctx, tx, p.OrganisationID, "participant"); err != nil {
			return err
		}
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_participants WHERE case_id = $1
			AND (user_id = $2 OR organisation_id = $3)`, k.ID, nullID(p.UserID), nullID(p.OrganisationID)).Scan(&dup); err != nil {
			return fmt.Errorf("store: add participant: %w", err)
		}
		if dup > 0 {
			v.Add("participant", "cases.error.participant_twice")
			return v.Err()
		}
		if p.ID, err = insertID(ctx, tx, `INSERT INTO case_participants (case_id, user_id, organisation_id, role)
			VALUES ($1, $2, $3, $4)`, k.ID, nullID(p.UserID), nullID(p.OrganisationID), p.Role); err != nil {
			return fmt.Errorf("store: add participant: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: k.ID,
			Changes: []opora.Change{{Field: "participant_user_id", New: intString(int(p.UserID))},
				{Field: "participant_organisation_id", New: intString(int(p.OrganisationID))}}}); err != nil {
			return err
		}
		name, err := participantName(ctx, tx, p)
		if err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: k.OrganisationID, ClientID: k.ClientID,
			Kind: opora.EventCase, Entity: "case", EntityID: k.ID, Summary: k.TypeLabel + ": + " + name})
	})
}

// RemoveCaseParticipant takes a participant off a case.
func (s *Store) RemoveCaseParticipant(ctx context.Context, caseID, participantID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		k, err := s.loadCase(ctx, tx, opora.PermClientWrite, caseID)
		if err != nil {
			return err
		}
		p := &opora.CaseParticipant{}
		var uid, oid sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT user_id, organisation_id FROM case_participants WHERE id = $1 AND case_id = $2`,
			participantID, k.ID).Scan(&uid, &oid); err != nil {
			return notFound(err)
		}
		p.UserID, p.OrganisationID = uid.Int64, oid.Int64
		name, err := participantName(ctx, tx, p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_participants WHERE id = $1`, participantID); err != nil {
			return fmt.Errorf("store: remove participant: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: k.ID,
			Changes: []opora.Change{{Field: "participant_user_id", Old: intString(int(p.UserID))},
				{Field: "participant_organisation_id", Old: intString(int(p.OrganisationID))}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: k.OrganisationID, ClientID: k.ClientID,
			Kind: opora.EventCase, Entity: "case", EntityID: k.ID, Summary: k.TypeLabel + ": − " + name})
	})
}

func participantName(ctx context.Context, q queryer, p *opora.CaseParticipant) (string, error) {
	var name string
	var err error
	if p.UserID != 0 {
		err = q.QueryRowContext(ctx, `SELECT full_name FROM users WHERE id = $1`, p.UserID).Scan(&name)
	} else {
		err = q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, p.OrganisationID).Scan(&name)
	}
	if err != nil {
		return "", fmt.Errorf("store: participant name: %w", err)
	}
	return name, nil
}

// checkOrganisation makes sure id names an organisation of the network.
func checkOrganisation(ctx context.Context, q queryer, id int64, field string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("store: check organisation: %w", err)
	}
	if n == 0 {
		var v opora.Validation
		v.Add(field, "error.invalid_choice")
		return v.Err()
	}
	return nil
}

// OrgRef names an organisation of the network, for pickers.
type OrgRef struct {
	ID   int64
	Name string
}

// NetworkOrganisations lists every organisation of the network by name,
// for choosing a case participant or a task's responsible organisation.
// Names only. Needs client.read.
func (s *Store) NetworkOrganisations(ctx context.Context) ([]OrgRef, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, name FROM organisations ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END, name, id`,
		a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: network organisations: %w", err)
	}
	defer rows.Close()
	var out []OrgRef
	for rows.Next() {
		var o OrgRef
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("store: network organisations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
