package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The curator gives a task of the family's plan to the school at once: the
// task sits in the school's queue on the family's case, the school gets the
// family, everyone on the family sees the task with its status, and a
// deadline in the past and an agency without a task sees nothing.
func TestFamilyTaskToAgency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, cur := curatedFamily(t, s, n)
		types, err := s.CaseDictionary(cur, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatalf("task types: %v %d", err, len(types))
		}
		today := s.Today()
		past := &opora.Task{TypeID: types[0].ID, ResponsibleOrg: n.school.Org.ID, DueOn: today.AddDays(-1)}
		if fe := opora.FieldErrors(s.AddFamilyTask(cur, f.ID, past)); fe["due_on"] != "tasks.error.due_in_past" {
			t.Fatalf("past deadline: %v", fe)
		}
		task := &opora.Task{TypeID: types[0].ID, Description: "Вернуть Петра в школу", ResponsibleOrg: n.school.Org.ID,
			DueOn: today.AddDays(14)}
		if err := s.AddFamilyTask(cur, f.ID, task); err != nil {
			t.Fatal(err)
		}
		for who, ctx := range map[string]context.Context{"curator": cur, "secretary": n.secretary} {
			tasks, err := s.FamilyTasks(ctx, f.ID)
			if err != nil || len(tasks) != 1 || tasks[0].Responsible != "Школа № 5" || tasks[0].Status != opora.TaskPlanned ||
				tasks[0].FamilyID != f.ID || tasks[0].ClientID != 0 || tasks[0].DueOn != task.DueOn {
				t.Fatalf("%s: family tasks %v %+v", who, err, tasks)
			}
		}
		// The curator reaches the task itself (its page, status, comments).
		got, err := s.Task(cur, task.ID)
		if err != nil || !got.InScope || got.Description != "Вернуть Петра в школу" {
			t.Fatalf("curator's task: %v %+v", err, got)
		}
		if err := s.AddTaskComment(cur, task.ID, "Договорились с завучем"); err != nil {
			t.Fatal(err)
		}
		grants, err := s.FamilyGrants(n.secretary, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		granted := false
		for _, g := range grants {
			granted = granted || (g.OrganisationID == n.school.Org.ID && g.Reason == opora.GrantTask)
		}
		if !granted {
			t.Errorf("the school has no grant of the family: %+v", grants)
		}
		// The school's specialist reaches the task in the school's queue, not the family.
		_, teacher := n.school.AddUser(t, "school-spec", "agency_specialist")
		if got, err := s.FamilyTask(teacher, task.ID); err != nil || got.InScope || got.Responsible != "Школа № 5" {
			t.Fatalf("school's task: %v %+v", err, got)
		}
		if _, err := s.Family(teacher, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the specialist reaches the family: %v", err)
		}
		// An agency without a task reaches neither the family nor its tasks.
		police := storetest.AddAgency(t, s, n.net.Ctx(), "ПДН ОМВД", opora.OrgPolice)
		_, inspector := police.AddUser(t, "pdn-head", "agency_head")
		if _, err := s.FamilyTasks(inspector, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another agency's family tasks: %v", err)
		}
		if _, err := s.FamilyTask(inspector, task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another agency's family task: %v", err)
		}
		if _, err := s.Task(inspector, task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another agency's task: %v", err)
		}
	})
}
