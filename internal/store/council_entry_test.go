package store_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func councilEntry(t *testing.T, uuid, kind string, familyID int64, fields map[string][]string) *opora.CouncilEntry {
	t.Helper()
	e, err := opora.ParseCouncilEntry(uuid, kind, familyID, fields)
	if err != nil {
		t.Fatalf("parse %s: %v", kind, err)
	}
	return e
}

// Decisions entered offline: applied once however often sent; one that no
// longer applies (the plan already approved, the task changed by the
// agency meanwhile) is held and listed; the secretary applies or cancels
// it; another municipality's КДН is refused.
func TestCouncilEntries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		n.rule(t, s, &opora.ProcedureRule{TaskTypeKey: "kindergarten_place", AgencyType: opora.OrgKindergarten, DueDays: 30})
		c, m := n.council(t, s)
		f := n.family(t, s, "Иванов", n.north)
		kg := taskTypeByKey(t, s, n.curator, "kindergarten_place")
		draft := &opora.DraftTask{FamilyID: f.ID, TypeID: kg, What: "Найти место в детском саду"}
		if err := s.SaveDraftTask(n.curator, draft); err != nil {
			t.Fatal(err)
		}
		due := s.Today().AddDays(30).String()
		approve := map[string][]string{"draft": {strconv.FormatInt(draft.ID, 10)},
			"tasks." + strconv.FormatInt(draft.ID, 10) + ".due_on": {due}}
		const u1, u2, u3 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"

		res, err := s.CouncilDecide(n.secretary, c.ID, m.ID, councilEntry(t, u1, "approve", f.ID, approve))
		if err != nil || res.Status != store.EntryApplied {
			t.Fatalf("approve: %v %+v", err, res)
		}
		res, err = s.CouncilDecide(n.secretary, c.ID, m.ID, councilEntry(t, u1, "approve", f.ID, approve))
		if err != nil || res.Status != store.EntryDuplicate || res.State != opora.EntryApplied {
			t.Fatalf("approve sent again: %v %+v", err, res)
		}
		// Another secretary sending the same UUID learns nothing of it.
		_, other := n.kdn.AddUser(t, "kdn-sec2", "kdn_secretary")
		if _, err := s.CouncilDecide(other, c.ID, m.ID, councilEntry(t, u1, "approve", f.ID, approve)); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another author's UUID: %v", err)
		}
		tasks, err := s.FamilyTasks(n.secretary, f.ID)
		if err != nil || len(tasks) != 1 || tasks[0].ResponsibleOrg != n.kgNorth.Org.ID {
			t.Fatalf("tasks after the batch sent twice: %v %d", err, len(tasks))
		}
		// The same plan approved again from another laptop: held.
		res, err = s.CouncilDecide(n.secretary, c.ID, m.ID, councilEntry(t, u2, "approve", f.ID, approve))
		if err != nil || res.Status != store.EntryHeld || res.Reason != "council.error.nothing_to_approve" {
			t.Fatalf("approve of an approved plan: %v %+v", err, res)
		}
		// The kindergarten accepts the task after the secretary saw it.
		task := tasks[0]
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE case_tasks SET status = 'accepted', version = version + 1 WHERE id = $1`, task.ID); err != nil {
			t.Fatal(err)
		}
		k := "reassign." + strconv.FormatInt(task.ID, 10) + "."
		reassign := map[string][]string{"task": {strconv.FormatInt(task.ID, 10)}, k + "org": {strconv.FormatInt(n.employment.Org.ID, 10)},
			k + "due_on": {due}, k + "reason": {"Нужна работа матери"}, k + "version": {strconv.Itoa(task.Version)}}
		res, err = s.CouncilDecide(n.secretary, c.ID, m.ID, councilEntry(t, u3, "reassign", f.ID, reassign))
		if err != nil || res.Status != store.EntryHeld || res.Reason != "council.error.entry_task_changed" {
			t.Fatalf("reassign of a changed task: %v %+v", err, res)
		}
		if got, _ := s.FamilyTask(n.secretary, task.ID); got.ResponsibleOrg != n.kgNorth.Org.ID {
			t.Fatalf("a held reassignment was applied: %+v", got)
		}
		held, err := s.HeldEntries(n.secretary, c.ID, m.ID)
		if err != nil || len(held) != 2 || held[0].Kind != opora.DecisionApprovePlan || held[1].Kind != opora.DecisionReassign ||
			held[1].FamilyName == "" {
			t.Fatalf("held: %v %+v", err, held)
		}
		// The southern КДН neither sends decisions to the meeting nor sees them.
		if _, err := s.CouncilDecide(n.southSecCtx, c.ID, m.ID, councilEntry(t, "44444444-4444-4444-8444-444444444444", "review", f.ID,
			map[string][]string{"next_review_on": {due}})); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("southern КДН decides at the northern meeting: %v", err)
		}
		if _, err := s.HeldEntries(n.southSecCtx, c.ID, m.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("southern КДН lists held decisions: %v", err)
		}
		if err := s.ApplyHeldEntry(n.southSecCtx, c.ID, m.ID, held[1].ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("southern КДН applies a held decision: %v", err)
		}
		// The secretary confirms the reassignment and drops the repeated approval.
		if err := s.ApplyHeldEntry(n.secretary, c.ID, m.ID, held[1].ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.FamilyTask(n.secretary, task.ID); got.ResponsibleOrg != n.employment.Org.ID || got.Status != opora.TaskPlanned {
			t.Errorf("confirmed reassignment: %+v", got)
		}
		if err := s.CancelHeldEntry(n.secretary, c.ID, m.ID, held[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.CancelHeldEntry(n.secretary, c.ID, m.ID, held[0].ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("cancel twice: %v", err)
		}
		if held, err := s.HeldEntries(n.secretary, c.ID, m.ID); err != nil || len(held) != 0 {
			t.Errorf("held after apply and cancel: %v %d", err, len(held))
		}
		if tasks, _ := s.FamilyTasks(n.secretary, f.ID); len(tasks) != 1 {
			t.Errorf("tasks at the end: %d", len(tasks))
		}
		res, err = s.CouncilDecide(n.secretary, c.ID, m.ID, councilEntry(t, u3, "reassign", f.ID, reassign))
		if err != nil || res.Status != store.EntryDuplicate || res.State != opora.EntryApplied {
			t.Errorf("the held entry sent again: %v %+v", err, res)
		}
	})
}

// ParseCouncilEntry names the field at fault.
func TestParseCouncilEntry(t *testing.T) {
	ok := "55555555-5555-4555-8555-555555555555"
	for _, c := range []struct {
		uuid, kind string
		family     int64
		fields     map[string][]string
		field      string
	}{
		{"not-a-uuid", "status", 1, map[string][]string{"status_id": {"3"}}, "uuid"},
		{ok, "delete", 1, nil, "kind"},
		{ok, "status", 0, map[string][]string{"status_id": {"3"}}, "family"},
		{ok, "status", 1, nil, "status_id"},
		{ok, "review", 1, map[string][]string{"next_review_on": {"31.02.2027"}}, "next_review_on"},
		{ok, "reassign", 1, map[string][]string{}, "task"},
		{ok, "approve", 1, map[string][]string{"draft": {"x"}}, "draft"},
		{ok, "close", 1, map[string][]string{"outcome_comment": {"всё"}}, "outcome"},
	} {
		_, err := opora.ParseCouncilEntry(c.uuid, c.kind, c.family, c.fields)
		if opora.FieldErrors(err)[c.field] == "" {
			t.Errorf("%s %s: want an error on %s, got %v", c.kind, c.uuid, c.field, err)
		}
	}
	e, err := opora.ParseCouncilEntry(ok, "reassign", 7, map[string][]string{"task": {"9"}, "reassign.9.org": {"4"},
		"reassign.9.due_on": {"2027-01-15"}, "reassign.9.reason": {" ближе "}, "reassign.9.version": {"3"}})
	if err != nil || e.Kind != opora.DecisionReassign || e.Task.TaskID != 9 || e.Task.OrgID != 4 || e.TaskVersion != 3 ||
		e.Task.DueOn.String() != "2027-01-15" || e.Task.Reason != "ближе" {
		t.Errorf("reassign: %v %+v %+v", err, e, e.Task)
	}
}
