package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// The regional procedure (issue 21 item 1) as data: procedure_rules, one
// row per task type (by its dictionary key, the same in every agency) or
// assessment indicator (by its label), network-wide (territory_id NULL) or
// a municipality's override. The network administrator edits it
// (admin.network, /admin/procedure); the council reads its proposal for
// every draft task, the curator's screens ask ProposeAgency and
// CuratorMayAssign.
//
// A proposal: the family's municipality (its territory, and that
// territory's parent when the family is placed in a district); the rule
// for the task type before the rule for the indicator, the municipality's
// before the network's; the agency of the rule's type in the municipality
// (the family's own territory before its parent, then the lowest id).

const procedureColumns = `r.id, COALESCE(r.territory_id, 0), COALESCE(t.name, ''), r.task_type_key, r.indicator,
	r.agency_type, r.due_days, r.done_when, r.curator_may_assign, r.updated_at`

func scanProcedureRule(row interface{ Scan(...any) error }) (*opora.ProcedureRule, error) {
	r := &opora.ProcedureRule{}
	var at string
	var updated sql.NullTime
	if err := row.Scan(&r.ID, &r.TerritoryID, &r.TerritoryName, &r.TaskTypeKey, &r.Indicator, &at, &r.DueDays,
		&r.DoneWhen, &r.CuratorMayAssign, &updated); err != nil {
		return nil, err
	}
	r.AgencyType, r.UpdatedAt = opora.OrgType(at), timeOf(updated)
	return r, nil
}

// ProcedureRules lists the regional procedure: the network's rules, then
// each municipality's overrides. Needs admin.network.
func (s *Store) ProcedureRules(ctx context.Context) ([]*opora.ProcedureRule, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+procedureColumns+` FROM procedure_rules r
		LEFT JOIN territories t ON t.id = r.territory_id
		ORDER BY CASE WHEN r.territory_id IS NULL THEN 0 ELSE 1 END, t.name, r.task_type_key, r.indicator, r.id`)
	if err != nil {
		return nil, fmt.Errorf("store: procedure: %w", err)
	}
	defer rows.Close()
	var out []*opora.ProcedureRule
	for rows.Next() {
		r, err := scanProcedureRule(rows)
		if err != nil {
			return nil, fmt.Errorf("store: procedure: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func procedureChanges(old, r *opora.ProcedureRule) []opora.Change {
	if old == nil {
		old = &opora.ProcedureRule{}
	}
	var ch []opora.Change
	ch = opora.Diff(ch, "territory_id", idText(old.TerritoryID), idText(r.TerritoryID))
	ch = opora.Diff(ch, "task_type_key", old.TaskTypeKey, r.TaskTypeKey)
	ch = opora.Diff(ch, "indicator", old.Indicator, r.Indicator)
	ch = opora.Diff(ch, "agency_type", string(old.AgencyType), string(r.AgencyType))
	ch = opora.Diff(ch, "due_days", fmt.Sprint(old.DueDays), fmt.Sprint(r.DueDays))
	ch = opora.Diff(ch, "done_when", old.DoneWhen, r.DoneWhen)
	ch = opora.Diff(ch, "curator_may_assign", fmt.Sprint(old.CuratorMayAssign), fmt.Sprint(r.CuratorMayAssign))
	return ch
}

// SaveProcedureRule adds a rule (r.ID 0) or changes one. A second rule for
// the same subject in the same territory is refused on the subject's
// field. Needs admin.network.
func (s *Store) SaveProcedureRule(ctx context.Context, r *opora.ProcedureRule) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if r.TerritoryID != 0 {
			if _, err := s.territory(ctx, tx, r.TerritoryID); err != nil {
				var v opora.Validation
				v.Add("territory_id", "error.invalid_choice")
				return v.Err()
			}
		}
		var old *opora.ProcedureRule
		if r.ID != 0 {
			var err error
			old, err = scanProcedureRule(tx.QueryRowContext(ctx, `SELECT `+procedureColumns+` FROM procedure_rules r
				LEFT JOIN territories t ON t.id = r.territory_id WHERE r.id = $1`, r.ID))
			if err != nil {
				return notFound(err)
			}
		}
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM procedure_rules WHERE COALESCE(territory_id, 0) = $1
			AND task_type_key = $2 AND indicator = $3 AND id <> $4`, r.TerritoryID, r.TaskTypeKey, r.Indicator, r.ID).Scan(&dup); err != nil {
			return fmt.Errorf("store: procedure: %w", err)
		}
		if dup > 0 {
			var v opora.Validation
			field := "task_type_key"
			if r.TaskTypeKey == "" {
				field = "indicator"
			}
			v.Add(field, "procedure.error.duplicate")
			return v.Err()
		}
		now := s.Now()
		if old == nil {
			id, err := insertID(ctx, tx, `INSERT INTO procedure_rules (territory_id, task_type_key, indicator, agency_type, due_days,
				done_when, curator_may_assign, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)`,
				nullID(r.TerritoryID), r.TaskTypeKey, r.Indicator, string(r.AgencyType), r.DueDays, r.DoneWhen,
				r.CuratorMayAssign, nullID(a.UserID), now)
			if err != nil {
				return fmt.Errorf("store: procedure: %w", err)
			}
			r.ID = id
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "procedure_rule", EntityID: id,
				Changes: procedureChanges(nil, r)})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE procedure_rules SET territory_id = $1, task_type_key = $2, indicator = $3,
			agency_type = $4, due_days = $5, done_when = $6, curator_may_assign = $7, updated_by = $8, updated_at = $9
			WHERE id = $10`, nullID(r.TerritoryID), r.TaskTypeKey, r.Indicator, string(r.AgencyType), r.DueDays, r.DoneWhen,
			r.CuratorMayAssign, nullID(a.UserID), now, r.ID); err != nil {
			return fmt.Errorf("store: procedure: %w", err)
		}
		ch := procedureChanges(old, r)
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "procedure_rule", EntityID: r.ID, Changes: ch})
	})
}

// DeleteProcedureRule removes a rule. Needs admin.network.
func (s *Store) DeleteProcedureRule(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanProcedureRule(tx.QueryRowContext(ctx, `SELECT `+procedureColumns+` FROM procedure_rules r
			LEFT JOIN territories t ON t.id = r.territory_id WHERE r.id = $1`, id))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM procedure_rules WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: procedure: %w", err)
		}
		var ch []opora.Change
		for _, c := range procedureChanges(nil, old) {
			ch = append(ch, opora.Change{Field: c.Field, Old: c.New})
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "procedure_rule", EntityID: id, Changes: ch})
	})
}

// ProcedureTaskTypes are the task types a rule may name: the keys of the
// network agencies' family measures, with their default labels.
func ProcedureTaskTypes() [][2]string { return familyTaskTypes }

// Proposal is what the regional procedure says about one task of a
// family: the rule that applies (nil: none), and the agency of the rule's
// type in the family's municipality (OrgID 0: none there).
type Proposal struct {
	Rule    *opora.ProcedureRule
	OrgID   int64
	OrgName string
}

// DueDays is the rule's default deadline in days (0: none).
func (p *Proposal) DueDays() int {
	if p == nil || p.Rule == nil {
		return 0
	}
	return p.Rule.DueDays
}

// familyTerritories returns the family's territory and its parent (the
// municipality of a district), the nearest first; none when not placed.
func familyTerritories(ctx context.Context, q queryer, familyID int64) ([]int64, error) {
	var terr, parent int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(f.territory_id, 0), CASE WHEN t.kind = 'district' THEN COALESCE(t.parent_id, 0) ELSE 0 END
		FROM families f LEFT JOIN territories t ON t.id = f.territory_id WHERE f.id = $1`, familyID).Scan(&terr, &parent)
	if err != nil {
		return nil, notFound(err)
	}
	var out []int64
	for _, id := range []int64{terr, parent} {
		if id != 0 {
			out = append(out, id)
		}
	}
	return out, nil
}

// propose answers the procedure for a task of type typeID (a dictionary
// item of any agency) answering an indicator (its label; "" for none).
func (s *Store) propose(ctx context.Context, q queryer, familyID, typeID int64, indicator string) (*Proposal, error) {
	terrs, err := familyTerritories(ctx, q, familyID)
	if err != nil {
		return nil, err
	}
	var key string
	if typeID != 0 {
		if err := q.QueryRowContext(ctx, `SELECT key FROM dictionary_items WHERE id = $1`, typeID).Scan(&key); err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("store: procedure: %w", err)
		}
	}
	indicator = strings.Join(strings.Fields(indicator), " ")
	p := &Proposal{}
	if key == "" && indicator == "" {
		return p, nil
	}
	args := []any{key, indicator}
	where := `r.territory_id IS NULL`
	rank := `r.id` // one territory level: any order is the same rule's
	if len(terrs) > 0 {
		var in string
		in, args = inList(args, terrs)
		where = `(r.territory_id IS NULL OR r.territory_id IN (` + in + `))`
		rank = `CASE WHEN r.territory_id IS NULL THEN 1 ELSE 0 END`
	}
	rule, err := scanProcedureRule(q.QueryRowContext(ctx, `SELECT `+procedureColumns+` FROM procedure_rules r
		LEFT JOIN territories t ON t.id = r.territory_id
		WHERE `+where+` AND ((r.task_type_key = $1 AND $1 <> '') OR (r.indicator = $2 AND $2 <> ''))
		ORDER BY CASE WHEN r.task_type_key <> '' THEN 0 ELSE 1 END, `+rank+` LIMIT 1`, args...))
	if err == sql.ErrNoRows {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: procedure: %w", err)
	}
	p.Rule = rule
	if len(terrs) == 0 {
		return p, nil
	}
	oargs := []any{string(rule.AgencyType), terrs[0]}
	in, oargs := inList(oargs, terrs)
	var name, short string
	err = q.QueryRowContext(ctx, `SELECT id, name, short_name FROM organisations WHERE type = $1 AND territory_id IN (`+in+`)
		ORDER BY CASE WHEN territory_id = $2 THEN 0 ELSE 1 END, id LIMIT 1`, oargs...).Scan(&p.OrgID, &name, &short)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("store: procedure: %w", err)
	}
	p.OrgName = displayName(name, short)
	return p, nil
}

// ProposeAgency returns the agency the regional procedure makes
// responsible for a task of this type in the family's municipality, with
// the default deadline in days (0, 0: the procedure says nothing; an
// agency 0 with days: a rule, but no agency of its type there).
func (s *Store) ProposeAgency(ctx context.Context, familyID, typeID int64) (orgID int64, dueDays int, err error) {
	p, err := s.propose(ctx, s.r, familyID, typeID, "")
	if err != nil {
		return 0, 0, err
	}
	return p.OrgID, p.DueDays(), nil
}

// CuratorMayAssign reports whether the regional procedure lets the
// family's curator give a task of this type to an agency at once, without
// the council.
func (s *Store) CuratorMayAssign(ctx context.Context, familyID, typeID int64) (bool, error) {
	p, err := s.propose(ctx, s.r, familyID, typeID, "")
	if err != nil {
		return false, err
	}
	return p.Rule != nil && p.Rule.CuratorMayAssign, nil
}
