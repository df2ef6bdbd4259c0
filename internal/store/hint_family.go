package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// A family's rule hints (issue 23 items 1 and 4): the enabled rules whose
// every condition holds on the family's facts today (HintFacts), each with
// why (opora.Because), its measures resolved to the task types of the
// organisation that plans (the open case's, else the actor's) and whether
// the family's draft plan or plan already has them, and this user's
// earlier verdict. Shown on the family card and the draft plan page; those
// pages write the family's view audit row, FamilyHints writes none.
//
// Access is the family's (family.read, the plan section); a hint whose
// reason names what a closed section holds (an indicator score, a
// member's event, a signal) is not shown to that reader.

// HintMeasureView is a measure of a hint as the family's page shows it.
type HintMeasureView struct {
	opora.HintMeasure
	Index         int    // the measure's position in the rule (the add form's value)
	TaskTypeID    int64  // the planning organisation's task type of the key; 0 when it has none
	TaskTypeLabel string // its label, else the default label of the key
	InDraft       bool   // the open case's draft plan has a task of this type
	InPlan        bool   // the family's plan has a task of this type not cancelled
}

// FamilyHint is a rule that fires for a family.
type FamilyHint struct {
	Rule     *opora.HintRule
	Because  []opora.Because
	Measures []HintMeasureView
	Feedback *opora.HintFeedback // this user's latest verdict on it for the family; nil when none
}

// HintList is what the family's page shows of hints.
type HintList struct {
	FamilyID int64
	CaseID   int64 // the family's open case; 0: none, nothing can be added to a draft plan
	Hints    []*FamilyHint
}

// hintSections are the family card sections a condition's reason shows.
func hintSections(c opora.HintCondition) []opora.FamilySection {
	switch c.Kind {
	case opora.CondIndicator:
		return []opora.FamilySection{opora.SectionAssessments}
	case opora.CondSignal:
		return []opora.FamilySection{opora.SectionSignals}
	case opora.CondEvent:
		switch c.Ref {
		case opora.LifeEventChildIllness, opora.LifeEventAdultIllness, opora.LifeEventDisability:
			return []opora.FamilySection{opora.SectionMembers, opora.SectionHealth}
		case opora.LifeEventJobLoss, opora.LifeEventDebt:
			return []opora.FamilySection{opora.SectionMembers, opora.SectionIncome}
		}
		return []opora.FamilySection{opora.SectionMembers}
	}
	return nil
}

// FamilyHints returns the rule hints that fire for the family today. A
// family the actor may not reach is ErrNotFound. Needs family.read.
func (s *Store) FamilyHints(ctx context.Context, familyID int64) (*HintList, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	_, acc, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionPlan)
	if err != nil {
		return nil, err
	}
	out := &HintList{FamilyID: familyID}
	today := s.Today()
	rules, err := s.hintRules(ctx, s.r, false, 0, map[string]bool{})
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return out, nil
	}
	if err := s.markBrokenRules(ctx, s.r, rules); err != nil {
		return nil, err
	}
	facts, err := s.HintFacts(ctx, []int64{familyID}, today)
	if err != nil {
		return nil, err
	}
	f := facts[familyID]
	if f == nil {
		return out, nil
	}
rules:
	for _, r := range rules {
		if len(r.Broken) > 0 {
			continue
		}
		because, ok := r.Match(f, today)
		if !ok {
			continue
		}
		for _, c := range r.Conditions {
			for _, sec := range hintSections(c) {
				if !acc.Can(sec) {
					continue rules
				}
			}
		}
		h := &FamilyHint{Rule: r, Because: because}
		for i, m := range r.Measures {
			h.Measures = append(h.Measures, HintMeasureView{HintMeasure: m, Index: i})
		}
		out.Hints = append(out.Hints, h)
	}
	if len(out.Hints) == 0 {
		return out, nil
	}
	orgID := a.OrganisationID
	caseID, caseOrg, err := familyOpenCase(ctx, s.r, familyID)
	if err != nil && err != ErrNoFamilyCase {
		return nil, err
	}
	if err == nil {
		out.CaseID, orgID = caseID, caseOrg
	}
	types, err := taskTypesByKey(ctx, s.r, orgID)
	if err != nil {
		return nil, err
	}
	inDraft, inPlan, err := familyPlannedTypes(ctx, s.r, familyID, caseID)
	if err != nil {
		return nil, err
	}
	for _, h := range out.Hints {
		for i := range h.Measures {
			m := &h.Measures[i]
			if t, ok := types[m.TaskTypeKey]; ok {
				m.TaskTypeID, m.TaskTypeLabel = t.id, t.label
			} else {
				m.TaskTypeLabel = defaultTaskTypeLabel(m.TaskTypeKey)
			}
			m.InDraft, m.InPlan = inDraft[m.TaskTypeKey], inPlan[m.TaskTypeKey]
		}
	}
	mine, err := s.myHintFeedback(ctx, familyID, a.UserID)
	if err != nil {
		return nil, err
	}
	for _, h := range out.Hints {
		h.Feedback = mine[strconv.FormatInt(h.Rule.ID, 10)]
	}
	return out, nil
}

// markBrokenRules fills Broken of the rules, asking only for the labels
// they name.
func (s *Store) markBrokenRules(ctx context.Context, q queryer, rules []*opora.HintRule) error {
	var names []string
	seen := map[string]bool{}
	for _, r := range rules {
		for _, c := range r.Conditions {
			if c.Kind == opora.CondIndicator && !seen[c.Ref] {
				seen[c.Ref] = true
				names = append(names, c.Ref)
			}
		}
	}
	labels := map[string]bool{}
	if len(names) > 0 {
		in, args := inList([]any{opora.FormKindAssessment}, names)
		rows, err := q.QueryContext(ctx, `SELECT DISTINCT ff.label FROM form_fields ff
			JOIN form_sections fs ON fs.id = ff.section_id
			JOIN forms f ON f.id = fs.form_id
			WHERE f.kind = $1 AND f.disabled = FALSE AND fs.disabled = FALSE AND ff.disabled = FALSE
			AND ff.label IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: indicator labels: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				return fmt.Errorf("store: indicator labels: %w", err)
			}
			labels[l] = true
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: indicator labels: %w", err)
		}
	}
	for _, r := range rules {
		markBroken(r, labels)
	}
	return nil
}

type taskTypeRef struct {
	id    int64
	label string
}

// taskTypesByKey maps the organisation's enabled task types by key.
func taskTypesByKey(ctx context.Context, q queryer, orgID int64) (map[string]taskTypeRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, key, label FROM dictionary_items WHERE organisation_id = $1
		AND dictionary = $2 AND key <> '' AND disabled = FALSE ORDER BY position, id`, orgID, opora.DictTaskType)
	if err != nil {
		return nil, fmt.Errorf("store: task types: %w", err)
	}
	defer rows.Close()
	out := map[string]taskTypeRef{}
	for rows.Next() {
		var t taskTypeRef
		var key string
		if err := rows.Scan(&t.id, &key, &t.label); err != nil {
			return nil, fmt.Errorf("store: task types: %w", err)
		}
		if _, ok := out[key]; !ok {
			out[key] = t
		}
	}
	return out, rows.Err()
}

// defaultTaskTypeLabel is the default label of a family task type key (the
// key itself when unknown).
func defaultTaskTypeLabel(key string) string {
	for _, t := range familyTaskTypes {
		if t[0] == key {
			return t[1]
		}
	}
	return key
}

// familyPlannedTypes returns the task type keys in the open case's draft
// plan and in the family's plan (tasks not cancelled).
func familyPlannedTypes(ctx context.Context, q queryer, familyID, caseID int64) (draft, plan map[string]bool, err error) {
	draft, plan = map[string]bool{}, map[string]bool{}
	read := func(into map[string]bool, query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: family plan types: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				return fmt.Errorf("store: family plan types: %w", err)
			}
			into[key] = true
		}
		return rows.Err()
	}
	if caseID != 0 {
		if err := read(draft, `SELECT DISTINCT d.key FROM draft_plan_tasks t JOIN dictionary_items d ON d.id = t.type_id
			WHERE t.case_id = $1`, caseID); err != nil {
			return nil, nil, err
		}
	}
	if err := read(plan, `SELECT DISTINCT d.key FROM case_tasks t JOIN dictionary_items d ON d.id = t.type_id
		WHERE t.family_id = $1 AND t.status <> $2`, familyID, string(opora.TaskCancelled)); err != nil {
		return nil, nil, err
	}
	return draft, plan, nil
}

// myHintFeedback returns the user's latest verdict on each rule hint for
// the family, by rule id.
func (s *Store) myHintFeedback(ctx context.Context, familyID, userID int64) (map[string]*opora.HintFeedback, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, organisation_id, hint_kind, hint_ref, verdict, comment, created_at
		FROM hint_feedback WHERE family_id = $1 AND created_by = $2 AND hint_kind = $3 ORDER BY id`,
		familyID, userID, opora.HintKindRule)
	if err != nil {
		return nil, fmt.Errorf("store: hint feedback: %w", err)
	}
	defer rows.Close()
	out := map[string]*opora.HintFeedback{}
	for rows.Next() {
		fb := &opora.HintFeedback{FamilyID: familyID, CreatedBy: userID}
		var at sql.NullTime
		if err := rows.Scan(&fb.ID, &fb.OrganisationID, &fb.HintKind, &fb.HintRef, &fb.Verdict, &fb.Comment, &at); err != nil {
			return nil, fmt.Errorf("store: hint feedback: %w", err)
		}
		fb.CreatedAt = timeOf(at)
		out[fb.HintRef] = fb
	}
	return out, rows.Err()
}

// AddHintMeasure adds measure number index of the rule to the family's
// draft plan: a task of the measure's type (the open case organisation's),
// what = the type's label, reason = the rule's difficulty, the proposed
// agency type the measure's, answering the first of the rule's indicators
// the latest assessment scored. When the draft plan already has a task of
// that type nothing is added and that task is returned. ErrNoFamilyCase
// without an open case; a type the organisation lacks is a validation
// error on "measure". Needs family.write on the family.
func (s *Store) AddHintMeasure(ctx context.Context, familyID, ruleID int64, index int) (*opora.DraftTask, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return nil, err
	}
	var out *opora.DraftTask
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID); err != nil {
			return err
		}
		list, err := s.hintRules(ctx, tx, false, ruleID, map[string]bool{})
		if err != nil {
			return err
		}
		if len(list) == 0 || ruleID == 0 || index < 0 || index >= len(list[0].Measures) {
			return opora.ErrNotFound
		}
		r, m := list[0], list[0].Measures[index]
		caseID, orgID, err := familyOpenCase(ctx, tx, familyID)
		if err != nil {
			return err
		}
		types, err := taskTypesByKey(ctx, tx, orgID)
		if err != nil {
			return err
		}
		tt, ok := types[m.TaskTypeKey]
		if !ok {
			var v opora.Validation
			v.Add("measure", "hints.error.no_task_type")
			return v.Err()
		}
		drafts, err := s.draftTasks(ctx, tx, caseID, 0)
		if err != nil {
			return err
		}
		for _, d := range drafts {
			if d.TypeID == tt.id {
				out = d
				return nil
			}
		}
		t := &opora.DraftTask{CaseID: caseID, FamilyID: familyID, TypeID: tt.id, What: tt.label, Reason: r.Difficulty,
			ProposedAgencyType: m.AgencyType}
		inds, err := s.latestIndicators(ctx, tx, familyID)
		if err != nil {
			return err
		}
	find:
		for _, c := range r.Conditions {
			if c.Kind != opora.CondIndicator {
				continue
			}
			for _, x := range inds {
				if x.Label == c.Ref && x.Score >= max(c.Min, 1) {
					t.IndicatorFieldID = x.FieldID
					break find
				}
			}
		}
		if err := mergeInvalid(t.Validate(s.Today()), s.checkDraftTask(ctx, tx, orgID, t)); err != nil {
			return err
		}
		if err := s.writeDraftTask(ctx, tx, a, orgID, nil, t); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// SaveHintFeedback records the user's verdict on a hint shown for a family
// (fb.FamilyID; for a rule hint the rule must exist). Needs family.read on
// the family and its plan section.
func (s *Store) SaveHintFeedback(ctx context.Context, fb *opora.HintFeedback) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return err
	}
	fb.Normalize()
	if _, _, err := s.loadFamilySection(ctx, s.r, fb.FamilyID, opora.SectionPlan); err != nil {
		return err
	}
	if err := fb.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if fb.HintKind == opora.HintKindRule {
			id, err := strconv.ParseInt(fb.HintRef, 10, 64)
			if err != nil {
				return opora.ErrNotFound
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM hint_rules WHERE id = $1`, id).Scan(&n); err != nil {
				return fmt.Errorf("store: hint feedback: %w", err)
			}
			if n == 0 {
				return opora.ErrNotFound
			}
		}
		now := s.Now()
		fb.OrganisationID, fb.CreatedBy, fb.CreatedAt = a.OrganisationID, a.UserID, now
		id, err := insertID(ctx, tx, `INSERT INTO hint_feedback (organisation_id, hint_kind, hint_ref, family_id, verdict, comment,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.OrganisationID, fb.HintKind, fb.HintRef, fb.FamilyID, fb.Verdict, fb.Comment, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: hint feedback: %w", err)
		}
		fb.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "hint_feedback", EntityID: id,
			Changes: []opora.Change{{Field: "hint", New: fb.HintKind + ":" + fb.HintRef}, {Field: "family_id", New: idText(fb.FamilyID)},
				{Field: "verdict", New: fb.Verdict}, {Field: "comment", New: fb.Comment}}})
	})
}

// hintFeedbackLatest is how many latest comments HintFeedbackCounts keeps
// per hint.
const hintFeedbackLatest = 3

// RuleHintFeedback counts the verdicts on every rule hint across the
// network, by rule id, with the latest comments (their authors' names).
// Needs hints.manage.
func (s *Store) RuleHintFeedback(ctx context.Context) (map[int64]*opora.HintFeedbackCounts, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermHintsManage); err != nil {
		return nil, err
	}
	out := map[int64]*opora.HintFeedbackCounts{}
	get := func(ref string) *opora.HintFeedbackCounts {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return nil
		}
		c := out[id]
		if c == nil {
			c = &opora.HintFeedbackCounts{}
			out[id] = c
		}
		return c
	}
	rows, err := s.r.QueryContext(ctx, `SELECT hint_ref, verdict, COUNT(*) FROM hint_feedback WHERE hint_kind = $1
		GROUP BY hint_ref, verdict`, opora.HintKindRule)
	if err != nil {
		return nil, fmt.Errorf("store: hint feedback counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref, verdict string
		var n int
		if err := rows.Scan(&ref, &verdict, &n); err != nil {
			return nil, fmt.Errorf("store: hint feedback counts: %w", err)
		}
		c := get(ref)
		if c == nil {
			continue
		}
		switch verdict {
		case opora.HintUseful:
			c.Useful = n
		case opora.HintNotUseful:
			c.NotUseful = n
		case opora.HintWrong:
			c.Wrong = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: hint feedback counts: %w", err)
	}
	rows.Close()
	// The latest comments: the newest first, a few per rule.
	crow, err := s.r.QueryContext(ctx, `SELECT hf.id, hf.hint_ref, hf.verdict, hf.comment, hf.created_at, COALESCE(u.full_name, '')
		FROM hint_feedback hf LEFT JOIN users u ON u.id = hf.created_by
		WHERE hf.hint_kind = $1 AND hf.comment <> '' AND (SELECT COUNT(*) FROM hint_feedback n WHERE n.hint_kind = hf.hint_kind
			AND n.hint_ref = hf.hint_ref AND n.comment <> '' AND n.id > hf.id) < $2
		ORDER BY hf.id DESC`, opora.HintKindRule, hintFeedbackLatest)
	if err != nil {
		return nil, fmt.Errorf("store: hint feedback comments: %w", err)
	}
	defer crow.Close()
	for crow.Next() {
		fb := opora.HintFeedback{HintKind: opora.HintKindRule}
		var at sql.NullTime
		if err := crow.Scan(&fb.ID, &fb.HintRef, &fb.Verdict, &fb.Comment, &at, &fb.CreatedByName); err != nil {
			return nil, fmt.Errorf("store: hint feedback comments: %w", err)
		}
		fb.CreatedAt = timeOf(at)
		if c := get(fb.HintRef); c != nil {
			c.Latest = append(c.Latest, fb)
		}
	}
	return out, crow.Err()
}
