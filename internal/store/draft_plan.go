package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// The draft help plan of a family (Flow B): tasks the curator proposes on
// the family's open case (FamilyCase; there is none before a curator is
// assigned), each with what and why, the indicator of the assessment it
// answers, the kind of agency proposed and a deadline. They live in their
// own table, draft_plan_tasks, not in case_tasks: nothing in them is
// assigned (no responsible worker or organisation), none shows on task
// boards, reports or overdue lists, and the council (next issue) turns the
// approved ones into case_tasks with an agency. Access goes through
// familyScope: family.read to view, family.write to edit.

// ErrNoFamilyCase is the error of a draft plan edit on a family without an
// open case (no curator yet).
var ErrNoFamilyCase = &opora.Error{Code: opora.ECONFLICT, Message: "plan.error.no_case"}

// familyOpenCase returns the id and organisation of the family's open case, or ErrNoFamilyCase.
func familyOpenCase(ctx context.Context, q queryer, familyID int64) (int64, int64, error) {
	var id, orgID int64
	err := q.QueryRowContext(ctx, `SELECT id, organisation_id FROM cases WHERE subject_type = 'family' AND subject_id = $1
		AND status = 'open' ORDER BY id DESC LIMIT 1`, familyID).Scan(&id, &orgID)
	if err == sql.ErrNoRows {
		return 0, 0, ErrNoFamilyCase
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: family case: %w", err)
	}
	return id, orgID, nil
}

// DraftPlan is a family's draft help plan.
type DraftPlan struct {
	CaseID     int64 // 0 when the family has no open case
	Tasks      []*opora.DraftTask
	Indicators []ScoredIndicator // of the latest completed assessment, the highest score first
}

// FamilyDraftPlan returns the draft tasks of the family's open case and
// the indicators they may answer. Needs family.read on the family.
func (s *Store) FamilyDraftPlan(ctx context.Context, familyID int64) (*DraftPlan, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, _, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionPlan); err != nil {
		return nil, err
	}
	p := &DraftPlan{}
	var err error
	if p.Indicators, err = s.latestIndicators(ctx, s.r, familyID); err != nil {
		return nil, err
	}
	caseID, _, err := familyOpenCase(ctx, s.r, familyID)
	if err == ErrNoFamilyCase {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p.CaseID = caseID
	p.Tasks, err = s.draftTasks(ctx, s.r, caseID, 0)
	return p, err
}

// FamilyDraftPlanView is FamilyDraftPlan for the plan page: it also writes
// the view audit row.
func (s *Store) FamilyDraftPlanView(ctx context.Context, familyID int64) (*DraftPlan, error) {
	p, err := s.FamilyDraftPlan(ctx, familyID)
	if err != nil {
		return nil, err
	}
	f, acc, err := s.loadFamilyAccess(ctx, s.r, opora.PermFamilyRead, familyID) // the request's memo answers it
	if err != nil {
		return nil, err
	}
	return p, s.logFamilyView(ctx, f, acc, "draft_plan")
}

func (s *Store) draftTasks(ctx context.Context, q queryer, caseID, id int64) ([]*opora.DraftTask, error) {
	query := `SELECT t.id, t.case_id, t.family_id, t.type_id, COALESCE(d.label, ''), t.what, t.reason,
		COALESCE(t.indicator_field_id, 0), t.indicator_label, t.proposed_agency_type, t.due_on, t.position
		FROM draft_plan_tasks t LEFT JOIN dictionary_items d ON d.id = t.type_id WHERE t.case_id = $1`
	args := []any{caseID}
	if id != 0 {
		query += ` AND t.id = $2`
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY t.position, t.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: draft plan: %w", err)
	}
	defer rows.Close()
	var out []*opora.DraftTask
	for rows.Next() {
		t := &opora.DraftTask{}
		if err := rows.Scan(&t.ID, &t.CaseID, &t.FamilyID, &t.TypeID, &t.TypeLabel, &t.What, &t.Reason,
			&t.IndicatorFieldID, &t.IndicatorLabel, &t.ProposedAgencyType, &t.DueOn, &t.Position); err != nil {
			return nil, fmt.Errorf("store: draft plan: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// checkDraftTask checks a draft task's references: a task type of the
// case's organisation, an indicator of the family's latest completed
// assessment (its label is kept with the task).
func (s *Store) checkDraftTask(ctx context.Context, q queryer, orgID int64, t *opora.DraftTask) error {
	var v opora.Validation
	if t.TypeID != 0 {
		err := q.QueryRowContext(ctx, `SELECT label FROM dictionary_items WHERE id = $1 AND organisation_id = $2
			AND dictionary = $3`, t.TypeID, orgID, opora.DictTaskType).Scan(&t.TypeLabel)
		if err == sql.ErrNoRows {
			v.Add("type_id", "error.invalid_choice")
		} else if err != nil {
			return fmt.Errorf("store: draft task: %w", err)
		}
	}
	t.IndicatorLabel = ""
	if t.IndicatorFieldID != 0 {
		inds, err := s.latestIndicators(ctx, q, t.FamilyID)
		if err != nil {
			return err
		}
		for _, x := range inds {
			if x.FieldID == t.IndicatorFieldID {
				t.IndicatorLabel = x.Label
			}
		}
		if t.IndicatorLabel == "" {
			v.Add("indicator_field_id", "error.invalid_choice")
		}
	}
	return v.Err()
}

func draftTaskChanges(old, t *opora.DraftTask) []opora.Change {
	if old == nil {
		old = &opora.DraftTask{}
	}
	var ch []opora.Change
	ch = opora.Diff(ch, "type_id", idText(old.TypeID), idText(t.TypeID))
	ch = opora.Diff(ch, "what", old.What, t.What)
	ch = opora.Diff(ch, "reason", old.Reason, t.Reason)
	ch = opora.Diff(ch, "indicator_field_id", idText(old.IndicatorFieldID), idText(t.IndicatorFieldID))
	ch = opora.Diff(ch, "proposed_agency_type", string(old.ProposedAgencyType), string(t.ProposedAgencyType))
	ch = opora.Diff(ch, "due_on", dateString(old.DueOn), dateString(t.DueOn))
	return ch
}

// SaveDraftTask adds a task to the family's draft plan (t.ID 0) or changes
// one. ErrNoFamilyCase when the family has no open case. Needs
// family.write on the family.
func (s *Store) SaveDraftTask(ctx context.Context, t *opora.DraftTask) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, t.FamilyID); err != nil {
			return err
		}
		caseID, orgID, err := familyOpenCase(ctx, tx, t.FamilyID)
		if err != nil {
			return err
		}
		var old *opora.DraftTask
		if t.ID != 0 {
			list, err := s.draftTasks(ctx, tx, caseID, t.ID)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				return opora.ErrNotFound
			}
			old = list[0]
		}
		t.CaseID = caseID
		if err := mergeInvalid(t.Validate(s.Today()), s.checkDraftTask(ctx, tx, orgID, t)); err != nil {
			return err
		}
		return s.writeDraftTask(ctx, tx, a, orgID, old, t)
	})
}

func (s *Store) writeDraftTask(ctx context.Context, tx *sql.Tx, a *opora.Actor, orgID int64, old, t *opora.DraftTask) error {
	now := s.Now()
	if old == nil {
		var err error
		if t.Position, err = nextPosition(ctx, tx, "draft_plan_tasks", "case_id", t.CaseID, 1); err != nil {
			return fmt.Errorf("store: draft task: %w", err)
		}
		t.ID, err = insertID(ctx, tx, `INSERT INTO draft_plan_tasks (organisation_id, case_id, family_id, type_id, what, reason,
			indicator_field_id, indicator_label, proposed_agency_type, due_on, position, created_by, created_at, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13)`,
			orgID, t.CaseID, t.FamilyID, t.TypeID, t.What, t.Reason, nullID(t.IndicatorFieldID), t.IndicatorLabel,
			string(t.ProposedAgencyType), t.DueOn, t.Position, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: draft task: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "draft_task", EntityID: t.ID,
			Changes: append([]opora.Change{{Field: "case_id", New: idText(t.CaseID)}}, draftTaskChanges(nil, t)...)})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE draft_plan_tasks SET type_id = $1, what = $2, reason = $3, indicator_field_id = $4,
		indicator_label = $5, proposed_agency_type = $6, due_on = $7, updated_by = $8, updated_at = $9 WHERE id = $10`,
		t.TypeID, t.What, t.Reason, nullID(t.IndicatorFieldID), t.IndicatorLabel, string(t.ProposedAgencyType),
		t.DueOn, nullID(a.UserID), now, t.ID); err != nil {
		return fmt.Errorf("store: draft task: %w", err)
	}
	ch := draftTaskChanges(old, t)
	if len(ch) == 0 {
		return nil
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "draft_task", EntityID: t.ID, Changes: ch})
}

// DeleteDraftTask removes a task from the family's draft plan. Needs
// family.write on the family.
func (s *Store) DeleteDraftTask(ctx context.Context, familyID, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID); err != nil {
			return err
		}
		caseID, _, err := familyOpenCase(ctx, tx, familyID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM draft_plan_tasks WHERE id = $1 AND case_id = $2`, id, caseID)
		if err != nil {
			return fmt.Errorf("store: delete draft task: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "draft_task", EntityID: id,
			Changes: []opora.Change{{Field: "case_id", Old: idText(caseID)}}})
	})
}

// ApplyTemplateToDraft adds a plan template's tasks to the family's draft
// plan: each due its offset in days from today, no agency proposed yet.
// Needs family.write on the family.
func (s *Store) ApplyTemplateToDraft(ctx context.Context, familyID, templateID int64) ([]*opora.DraftTask, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return nil, err
	}
	var out []*opora.DraftTask
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID); err != nil {
			return err
		}
		caseID, orgID, err := familyOpenCase(ctx, tx, familyID)
		if err != nil {
			return err
		}
		ps, err := s.planTemplates(ctx, tx, orgID, templateID, false)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			var v opora.Validation
			v.Add("template_id", "error.invalid_choice")
			return v.Err()
		}
		today := s.Today()
		for _, it := range ps[0].Items {
			t := &opora.DraftTask{CaseID: caseID, FamilyID: familyID, TypeID: it.TypeID, What: it.Description,
				DueOn: today.AddDate(0, 0, it.DueDays)}
			if t.What == "" {
				t.What = it.TypeLabel
			}
			if err := t.Validate(today); err != nil {
				return err
			}
			if err := s.writeDraftTask(ctx, tx, a, orgID, nil, t); err != nil {
				return err
			}
			out = append(out, t)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: caseID,
			Changes: []opora.Change{{Field: "draft_template", New: strconv.FormatInt(templateID, 10)}}})
	})
	return out, err
}
