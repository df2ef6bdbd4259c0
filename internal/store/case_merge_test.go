package store_test

import (
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestMergeMovesCases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		into, caseType, tpl := caseSetup(t, s, fx)
		ctx := fx.Ctx()
		from := &opora.Client{Surname: "Клиентов", FirstName: "Петр", BranchID: fx.Branch.ID}
		if err := s.CreateClient(ctx, from); err != nil {
			t.Fatal(err)
		}
		open := func(c *opora.Client) *opora.Case {
			k := &opora.Case{ClientID: c.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-03-01"))}
			if err := s.CreateCase(ctx, k, tpl); err != nil {
				t.Fatal(err)
			}
			return k
		}
		open(into)
		k := open(from)
		// Two open cases: refused, nothing moves.
		if err := s.MergeClients(ctx, into.ID, from.ID); opora.ErrorMessage(err) != "cases.error.merge_two_open" {
			t.Fatalf("merge with two open cases: %v", err)
		}
		if err := s.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomeNotDoneNoShow, OpenTasks: opora.OpenTasksCancel}); err != nil {
			t.Fatal(err)
		}
		if err := s.MergeClients(ctx, into.ID, from.ID); err != nil {
			t.Fatal(err)
		}
		cases, err := s.ClientCases(ctx, into.ID)
		if err != nil || len(cases) != 2 || !cases[0].Open() {
			t.Fatalf("survivor's cases: %v %d", err, len(cases))
		}
		tasks, err := s.CaseTasks(ctx, k.ID)
		if err != nil || len(tasks) != 4 || tasks[0].ClientID != into.ID {
			t.Fatalf("moved tasks: %v %d", err, len(tasks))
		}
	})
}
