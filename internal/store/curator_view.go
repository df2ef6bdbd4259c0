package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// The curator's view of a family's tasks (issue 21 item 4): the plan with
// every agency's status, what changed since the reader last looked
// (family_views keeps each worker's last look per family), overdue tasks
// first; and the "next step" after a done task — proposed to the next
// council (a draft task) or, where the regional procedure lets the
// curator, given to the agency at once.

// FamilyTaskView is what the curator's view shows.
type FamilyTaskView struct {
	Tasks    []*opora.Task // overdue, returned, other open, then finished; Changed marked
	LastSeen time.Time     // the reader's previous look; zero at the first
	Changed  int           // how many tasks changed since then
}

// ViewFamilyTasks returns the family's tasks for the reader, marks those
// changed since the reader's previous look, and records this look; it
// writes the view audit row. Needs family.read on the family.
func (s *Store) ViewFamilyTasks(ctx context.Context, familyID int64) (*FamilyTaskView, error) {
	a := opora.ActorFrom(ctx)
	tasks, err := s.FamilyTasks(ctx, familyID)
	if err != nil {
		return nil, err
	}
	v := &FamilyTaskView{Tasks: tasks}
	var seen sql.NullTime
	err = s.r.QueryRowContext(ctx, `SELECT last_seen_at FROM family_views WHERE user_id = $1 AND family_id = $2`,
		a.UserID, familyID).Scan(&seen)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("store: family view: %w", err)
	}
	v.LastSeen = timeOf(seen)
	today := s.Today()
	for _, t := range tasks {
		if !v.LastSeen.IsZero() && t.UpdatedAt.After(v.LastSeen) {
			t.Changed = true
			v.Changed++
		}
	}
	rank := func(t *opora.Task) int {
		switch {
		case t.Overdue(today):
			return 0
		case t.Status == opora.TaskReturned:
			return 1
		case t.Status.Open():
			return 2
		}
		return 3
	}
	sort.SliceStable(v.Tasks, func(i, j int) bool {
		ti, tj := v.Tasks[i], v.Tasks[j]
		if ri, rj := rank(ti), rank(tj); ri != rj {
			return ri < rj
		}
		if ti.Changed != tj.Changed {
			return ti.Changed
		}
		if ti.DueOn.IsZero() != tj.DueOn.IsZero() {
			return tj.DueOn.IsZero()
		}
		return ti.DueOn.Before(tj.DueOn)
	})
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO family_views (user_id, family_id, last_seen_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, family_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
			a.UserID, familyID, s.Now()); err != nil {
			return fmt.Errorf("store: family view: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionView, Entity: "family", EntityID: familyID,
			Section: "tasks"})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// joinFamilyViews drops the joined card's last looks: its tasks now show on
// the survivor, whose own last looks stand (familyMergeSteps).
func joinFamilyViews(s *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM family_views WHERE family_id = $1`, j.from.ID); err != nil {
		return fmt.Errorf("store: join families views: %w", err)
	}
	return nil
}

// NextStep is a follow-up task the curator adds after a done one.
type NextStep struct {
	FamilyID  int64
	AfterID   int64 // the done task it follows (0: none)
	TypeID    int64
	What      string
	OrgID     int64 // the agency
	DueOn     opora.Date
	AssignNow bool // give it to the agency at once (only where the procedure lets the curator)
}

// NextStepType is the task type a next step starts with: the curator's
// accompaniment. The follow-up of a done measure is seldom the same
// measure again (a kindergarten place found → help the family prepare the
// child for the kindergarten), so it does not repeat the done task's type.
const NextStepType = "curator_support"

// ProposeNextStep fills a next step after task after: the curator's
// accompaniment (NextStepType) by the curator's own organisation, or,
// where the dictionary has no such type, the done task's type and agency;
// the agency the regional procedure proposes for the type, if any; a
// deadline (the procedure's days, else two weeks); and whether the
// curator may assign it at once.
func (s *Store) ProposeNextStep(ctx context.Context, after *opora.Task) (*NextStep, bool, error) {
	n := &NextStep{FamilyID: after.FamilyID, AfterID: after.ID, TypeID: after.TypeID, OrgID: after.ResponsibleOrg}
	types, err := s.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		return nil, false, err
	}
	for _, it := range types {
		if it.Key == NextStepType {
			n.TypeID, n.OrgID = it.ID, opora.ActorFrom(ctx).OrganisationID
		}
	}
	org, days, err := s.ProposeAgency(ctx, after.FamilyID, n.TypeID)
	if err != nil {
		return nil, false, err
	}
	if org != 0 {
		n.OrgID = org
	}
	if days <= 0 {
		days = 14
	}
	n.DueOn = s.Today().AddDays(days)
	may, err := s.CuratorMayAssign(ctx, after.FamilyID, n.TypeID)
	if err != nil {
		return nil, false, err
	}
	return n, may, nil
}

// AddNextStep adds the follow-up: with AssignNow, a task of the family
// given to the agency at once (AddFamilyTask), which the regional
// procedure must allow (CuratorMayAssign); otherwise a draft task for the
// next council (SaveDraftTask) proposing the agency's type. It returns
// whether it was assigned. Needs family.write on the family.
func (s *Store) AddNextStep(ctx context.Context, n *NextStep) (bool, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return false, err
	}
	if n.AssignNow {
		may, err := s.CuratorMayAssign(ctx, n.FamilyID, n.TypeID)
		if err != nil {
			return false, err
		}
		if !may {
			return false, &opora.Error{Code: opora.EINVALID, Message: "tasks.error.council_only"}
		}
		return true, s.AddFamilyTask(ctx, n.FamilyID, &opora.Task{TypeID: n.TypeID, Description: n.What,
			ResponsibleOrg: n.OrgID, DueOn: n.DueOn})
	}
	d := &opora.DraftTask{FamilyID: n.FamilyID, TypeID: n.TypeID, What: n.What, DueOn: n.DueOn}
	if n.OrgID != 0 {
		var typ string
		if err := s.r.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, n.OrgID).Scan(&typ); err != nil {
			if err == sql.ErrNoRows {
				var v opora.Validation
				v.Add("responsible", "error.invalid_choice")
				return false, v.Err()
			}
			return false, fmt.Errorf("store: next step: %w", err)
		}
		if opora.OrgType(typ).Valid() {
			d.ProposedAgencyType = opora.OrgType(typ)
		}
	}
	return false, s.SaveDraftTask(ctx, d)
}
