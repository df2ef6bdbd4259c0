package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A page reads the organisation's small dictionaries (branches, service
// types, the back-dating window, colleagues, user names) from the
// process's memory while nobody changes them; a change made through
// another server on the same database is on the very next page there.
func TestDictionaryChangesReachTheNextPageEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		other := storetest.OpenOptions(t, storetest.Options(t, s)) // a second server on the same database
		u, _ := fx.AddUser(t, "worker", "specialist")
		login(t, s, u, "worker-token")

		// page is what the other server sees on a GET by the worker:
		// the session's counters, the actor, a read memo.
		type seen struct {
			branches   []string
			types      []string
			backdate   int
			colleagues []string
			name       string
			statements int
		}
		page := func() seen {
			t.Helper()
			sess, v, err := other.SessionVersions(context.Background(), "worker-token")
			if err != nil {
				t.Fatal(err)
			}
			ctx := store.WithVersions(context.Background(), v)
			a, err := other.Actor(ctx, sess.UserID)
			if err != nil {
				t.Fatal(err)
			}
			var got seen
			ctx = store.WithTrace(store.WithReadMemo(opora.WithActor(ctx, a)),
				&store.Trace{Statement: func(store.TracedStatement) { got.statements++ }})
			bs, err := other.Branches(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				got.branches = append(got.branches, b.Name)
			}
			ts, err := other.ServiceTypes(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range ts {
				got.types = append(got.types, st.Name)
			}
			if got.backdate, err = other.BackdateDays(ctx); err != nil {
				t.Fatal(err)
			}
			cs, err := other.Colleagues(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				got.colleagues = append(got.colleagues, c.FullName)
			}
			names, err := other.UserNames(ctx, []int64{u.ID})
			if err != nil {
				t.Fatal(err)
			}
			got.name = names[u.ID]
			// What a page does with its copies stays with it.
			if len(bs) > 0 {
				bs[0].Name = "испорчено"
			}
			if len(ts) > 0 {
				ts[0].Name = "испорчено"
			}
			return got
		}

		first := page()
		if first.statements == 0 {
			t.Fatal("the first page read nothing from the database")
		}
		second := page()
		if second.statements != 0 {
			t.Errorf("an unchanged page ran %d statements, want 0 (all from memory)", second.statements)
		}
		if !slices.Equal(first.branches, second.branches) || !slices.Equal(first.types, second.types) ||
			first.backdate != second.backdate || !slices.Equal(first.colleagues, second.colleagues) || first.name != second.name {
			t.Fatalf("the cached page differs from the first:\n%+v\n%+v", first, second)
		}
		if slices.Contains(second.branches, "испорчено") || slices.Contains(second.types, "испорчено") {
			t.Fatalf("a page's change to its copy reached the next page: %+v", second)
		}

		// The administrator changes each dictionary on the first server.
		ctx := fx.Ctx()
		b, err := s.Branch(ctx, fx.Branch.ID)
		if err != nil {
			t.Fatal(err)
		}
		b.Name = "Пункт на Боткинской"
		if err := s.SaveBranch(ctx, b); err != nil {
			t.Fatal(err)
		}
		all, err := s.ServiceTypes(ctx, false)
		if err != nil || len(all) < 2 {
			t.Fatalf("service types: %v, %d", err, len(all))
		}
		gone := all[0]
		if err := s.SetServiceTypeActive(ctx, gone.ID, false); err != nil {
			t.Fatal(err)
		}
		org, err := s.Organisation(ctx, fx.Actor.OrganisationID)
		if err != nil {
			t.Fatal(err)
		}
		org.BackdateDays = first.backdate + 5
		if err := s.UpdateOrganisation(ctx, org); err != nil {
			t.Fatal(err)
		}
		wu, err := s.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		wu.FullName = "Петрова Анна Сергеевна"
		if err := s.UpdateUser(ctx, wu); err != nil {
			t.Fatal(err)
		}
		newcomer, _ := fx.AddUser(t, "newcomer", "specialist")

		third := page()
		if !slices.Contains(third.branches, "Пункт на Боткинской") {
			t.Errorf("branches after the rename: %v", third.branches)
		}
		if slices.Contains(third.types, gone.Name) || len(third.types) != len(first.types)-1 {
			t.Errorf("active types after %q was switched off: %v (before %v)", gone.Name, third.types, first.types)
		}
		if third.backdate != first.backdate+5 {
			t.Errorf("back-dating window: %d, want %d", third.backdate, first.backdate+5)
		}
		if third.name != "Петрова Анна Сергеевна" || !slices.Contains(third.colleagues, "Петрова Анна Сергеевна") ||
			!slices.Contains(third.colleagues, newcomer.FullName) {
			t.Errorf("after the rename and a new colleague: name %q, colleagues %v", third.name, third.colleagues)
		}

		// A request that writes (no read memo) never reads the dictionaries from memory.
		plain := opora.WithActor(context.Background(), fx.Actor)
		n := 0
		plain = store.WithTrace(plain, &store.Trace{Statement: func(store.TracedStatement) { n++ }})
		if _, err := other.Branches(plain); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Error("a request without a read memo read the branches from memory")
		}
	})
}
