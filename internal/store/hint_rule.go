package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Rule hints (issue 23 item 1): hint_rules, network-wide, edited by the
// region's methodologists (hints.manage, /admin/hints). Conditions and
// measures are kept as JSON of opora.HintCondition and opora.HintMeasure.
// Reading the rules needs only an actor, a user's or the system's (they
// hold no personal data; what a family's hints show is decided by
// FamilyHints on the family's access). A condition on an indicator names
// it by its label; when no enabled field of an assessment form carries that label any more
// the rule is Broken at that condition: flagged in the editor, and the
// condition never holds when evaluating (the rule does not fire).

// errHintRuleChanged is the conflict of saving a rule someone changed
// since the editor read it.
var errHintRuleChanged = &opora.Error{Code: opora.ECONFLICT, Message: "hints.error.changed"}

const hintRuleColumns = `id, difficulty, conditions, measures, source, early_crisis, disabled, version,
	COALESCE(created_by, 0), created_at, COALESCE(updated_by, 0), updated_at`

func scanHintRule(row interface{ Scan(...any) error }) (*opora.HintRule, error) {
	r := &opora.HintRule{}
	var conds, measures string
	var created, updated sql.NullTime
	if err := row.Scan(&r.ID, &r.Difficulty, &conds, &measures, &r.Source, &r.EarlyCrisis, &r.Disabled, &r.Version,
		&r.CreatedBy, &created, &r.UpdatedBy, &updated); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = timeOf(created), timeOf(updated)
	// A row written by hand with bad JSON reads as a rule without
	// conditions (it never fires) rather than failing every family card.
	_ = json.Unmarshal([]byte(conds), &r.Conditions)
	_ = json.Unmarshal([]byte(measures), &r.Measures)
	return r, nil
}

// hintRules reads the rules (all: the disabled ones too; id: one rule),
// in id order, each with Broken filled from labels (nil: read them).
func (s *Store) hintRules(ctx context.Context, q queryer, all bool, id int64, labels map[string]bool) ([]*opora.HintRule, error) {
	query := `SELECT ` + hintRuleColumns + ` FROM hint_rules WHERE 1 = 1`
	var args []any
	if !all {
		query += ` AND disabled = FALSE`
	}
	if id != 0 {
		args = append(args, id)
		query += ` AND id = $1`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: hint rules: %w", err)
	}
	defer rows.Close()
	var out []*opora.HintRule
	for rows.Next() {
		r, err := scanHintRule(rows)
		if err != nil {
			return nil, fmt.Errorf("store: hint rules: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: hint rules: %w", err)
	}
	if labels == nil {
		if labels, err = indicatorLabelSet(ctx, q); err != nil {
			return nil, err
		}
	}
	for _, r := range out {
		markBroken(r, labels)
	}
	return out, nil
}

// markBroken fills r.Broken: the positions of indicator conditions whose
// label no assessment field has.
func markBroken(r *opora.HintRule, labels map[string]bool) {
	r.Broken = nil
	for i, c := range r.Conditions {
		if c.Kind == opora.CondIndicator && !labels[c.Ref] {
			r.Broken = append(r.Broken, i)
		}
	}
}

// indicatorLabelSet is the set of HintIndicatorLabels.
func indicatorLabelSet(ctx context.Context, q queryer) (map[string]bool, error) {
	list, err := hintIndicatorLabels(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(list))
	for _, l := range list {
		out[l] = true
	}
	return out, nil
}

func hintIndicatorLabels(ctx context.Context, q queryer) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT ff.label FROM form_fields ff
		JOIN form_sections fs ON fs.id = ff.section_id
		JOIN forms f ON f.id = fs.form_id
		WHERE f.kind = $1 AND f.disabled = FALSE AND fs.disabled = FALSE AND ff.disabled = FALSE
		ORDER BY ff.label`, opora.FormKindAssessment)
	if err != nil {
		return nil, fmt.Errorf("store: indicator labels: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("store: indicator labels: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// HintIndicatorLabels lists the labels of the enabled fields of every
// organisation's assessment forms: the indicators a rule may name.
func (s *Store) HintIndicatorLabels(ctx context.Context) ([]string, error) {
	if !signedIn(ctx) {
		return nil, opora.ErrForbidden
	}
	return hintIndicatorLabels(ctx, s.r)
}

// HintRules lists the rule hints in id order (withDisabled: the disabled
// ones too), each with Broken filled. Needs an actor (any user, or the
// system).
func (s *Store) HintRules(ctx context.Context, withDisabled bool) ([]*opora.HintRule, error) {
	if !signedIn(ctx) {
		return nil, opora.ErrForbidden
	}
	return s.hintRules(ctx, s.r, withDisabled, 0, nil)
}

// HintRule reads one rule (disabled or not) with Broken filled.
func (s *Store) HintRule(ctx context.Context, id int64) (*opora.HintRule, error) {
	if !signedIn(ctx) {
		return nil, opora.ErrForbidden
	}
	list, err := s.hintRules(ctx, s.r, true, id, nil)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || id == 0 {
		return nil, opora.ErrNotFound
	}
	return list[0], nil
}

func hintRuleChanges(old, r *opora.HintRule) []opora.Change {
	if old == nil {
		old = &opora.HintRule{}
	}
	js := func(v any) string {
		b, _ := json.Marshal(v)
		if string(b) == "null" {
			return "[]"
		}
		return string(b)
	}
	var ch []opora.Change
	ch = opora.Diff(ch, "difficulty", old.Difficulty, r.Difficulty)
	if old.ID == 0 || js(old.Conditions) != js(r.Conditions) {
		ch = append(ch, opora.Change{Field: "conditions", Old: jsOld(old, js(old.Conditions)), New: js(r.Conditions)})
	}
	if old.ID == 0 || js(old.Measures) != js(r.Measures) {
		ch = append(ch, opora.Change{Field: "measures", Old: jsOld(old, js(old.Measures)), New: js(r.Measures)})
	}
	ch = opora.Diff(ch, "source", old.Source, r.Source)
	ch = opora.Diff(ch, "early_crisis", strconv.FormatBool(old.EarlyCrisis), strconv.FormatBool(r.EarlyCrisis))
	ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(r.Disabled))
	return ch
}

func jsOld(old *opora.HintRule, s string) string {
	if old.ID == 0 {
		return ""
	}
	return s
}

func marshalHint(r *opora.HintRule) (string, string) {
	conds := r.Conditions
	if conds == nil {
		conds = []opora.HintCondition{}
	}
	measures := r.Measures
	if measures == nil {
		measures = []opora.HintMeasure{}
	}
	c, _ := json.Marshal(conds)
	m, _ := json.Marshal(measures)
	return string(c), string(m)
}

// CreateHintRule adds a rule (r.ID and r.Version are set). Needs
// hints.manage.
func (s *Store) CreateHintRule(ctx context.Context, r *opora.HintRule) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermHintsManage); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	conds, measures := marshalHint(r)
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		id, err := insertID(ctx, tx, `INSERT INTO hint_rules (difficulty, conditions, measures, source, early_crisis, disabled,
			version, created_by, created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7, $8)`,
			r.Difficulty, conds, measures, r.Source, r.EarlyCrisis, r.Disabled, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create hint rule: %w", err)
		}
		r.ID, r.Version, r.CreatedBy, r.CreatedAt, r.UpdatedBy, r.UpdatedAt = id, 1, a.UserID, now, a.UserID, now
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "hint_rule", EntityID: id,
			Changes: hintRuleChanges(nil, r)})
	})
}

// UpdateHintRule saves a rule's difficulty, conditions, measures, source
// and flags. r.Version must be the version the editor read; when someone
// saved in between nothing is written and the error is a conflict
// (hints.error.changed). Needs hints.manage.
func (s *Store) UpdateHintRule(ctx context.Context, r *opora.HintRule) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermHintsManage); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	conds, measures := marshalHint(r)
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanHintRule(tx.QueryRowContext(ctx, `SELECT `+hintRuleColumns+` FROM hint_rules WHERE id = $1`, r.ID))
		if err != nil {
			return notFound(err)
		}
		if old.Version != r.Version {
			return errHintRuleChanged
		}
		ch := hintRuleChanges(old, r)
		if len(ch) == 0 {
			return nil
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE hint_rules SET difficulty = $1, conditions = $2, measures = $3, source = $4,
			early_crisis = $5, disabled = $6, version = version + 1, updated_by = $7, updated_at = $8 WHERE id = $9 AND version = $10`,
			r.Difficulty, conds, measures, r.Source, r.EarlyCrisis, r.Disabled, nullID(a.UserID), now, r.ID, r.Version)
		if err != nil {
			return fmt.Errorf("store: update hint rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errHintRuleChanged
		}
		r.Version++
		r.UpdatedBy, r.UpdatedAt = a.UserID, now
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "hint_rule", EntityID: r.ID, Changes: ch})
	})
}

// SetHintRuleDisabled switches a rule off (disabled) or on again. Needs
// hints.manage.
func (s *Store) SetHintRuleDisabled(ctx context.Context, id int64, disabled bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermHintsManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanHintRule(tx.QueryRowContext(ctx, `SELECT `+hintRuleColumns+` FROM hint_rules WHERE id = $1`, id))
		if err != nil {
			return notFound(err)
		}
		if old.Disabled == disabled {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hint_rules SET disabled = $1, version = version + 1, updated_by = $2,
			updated_at = $3 WHERE id = $4`, disabled, nullID(a.UserID), s.Now(), id); err != nil {
			return fmt.Errorf("store: hint rule: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "hint_rule", EntityID: id,
			Changes: []opora.Change{{Field: "disabled", Old: strconv.FormatBool(old.Disabled), New: strconv.FormatBool(disabled)}}})
	})
}

// DeleteHintRule removes a rule and the feedback on it. Needs
// hints.manage.
func (s *Store) DeleteHintRule(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermHintsManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanHintRule(tx.QueryRowContext(ctx, `SELECT `+hintRuleColumns+` FROM hint_rules WHERE id = $1`, id))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM hint_feedback WHERE hint_kind = $1 AND hint_ref = $2`,
			opora.HintKindRule, strconv.FormatInt(id, 10)); err != nil {
			return fmt.Errorf("store: delete hint rule: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM hint_rules WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: delete hint rule: %w", err)
		}
		var ch []opora.Change
		for _, c := range hintRuleChanges(nil, old) {
			ch = append(ch, opora.Change{Field: c.Field, Old: c.New})
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "hint_rule", EntityID: id, Changes: ch})
	})
}

// signedIn reports whether ctx carries an actor: a signed-in user or the
// system (background work such as the screening list).
func signedIn(ctx context.Context) bool {
	return opora.ActorFrom(ctx) != nil
}

// HintStatusKeys lists the family status keys a rule may name, across the
// network's organisations, each with a label (the smallest of the
// organisations' labels for it), ordered by key.
func (s *Store) HintStatusKeys(ctx context.Context) ([][2]string, error) {
	if !signedIn(ctx) {
		return nil, opora.ErrForbidden
	}
	rows, err := s.r.QueryContext(ctx, `SELECT key, MIN(label) FROM dictionary_items WHERE dictionary = 'family_status'
		AND key <> '' GROUP BY key ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("store: status keys: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var kv [2]string
		if err := rows.Scan(&kv[0], &kv[1]); err != nil {
			return nil, fmt.Errorf("store: status keys: %w", err)
		}
		out = append(out, kv)
	}
	return out, rows.Err()
}
