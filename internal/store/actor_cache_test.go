package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// Every process keeps the actors it built in memory. A right taken away
// through another process serving the same database must apply to the
// user's very next request: roles, a role's permissions, branches, and
// disabling the user.
func TestActorChangesApplyAtOnceEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		other := storetest.OpenOptions(t, storetest.Options(t, s)) // a second server on the same database
		u, _ := fx.AddUser(t, "worker", "specialist", "auditor")
		actor := func() *opora.Actor {
			t.Helper()
			a, err := other.Actor(fx.Ctx(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		if a := actor(); !a.Can(opora.PermClientWrite) || !a.Can(opora.PermAuditRead) {
			t.Fatalf("the worker's first request: %v", a.Perms)
		}
		// A request changing its actor does not change the next request's.
		actor().Perms[opora.PermAdminOrg] = opora.ScopeOrganisation
		actor().BranchIDs[0] = -1
		if a := actor(); a.Can(opora.PermAdminOrg) || a.BranchIDs[0] != fx.Branch.ID {
			t.Fatalf("a request's change reached the next one: %v %v", a.Perms, a.BranchIDs)
		}

		// The administrator takes the auditor role away on the first server.
		u2, err := s.User(fx.Ctx(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		u2.RoleIDs = []int64{fx.Role(t, "specialist").ID}
		if err := s.UpdateUser(fx.Ctx(), u2); err != nil {
			t.Fatal(err)
		}
		if a := actor(); a.Can(opora.PermAuditRead) || !a.Can(opora.PermClientWrite) {
			t.Fatalf("after the role was taken away: %v", a.Perms)
		}
		// Then client.write is taken from the specialist role itself.
		spec := fx.Role(t, "specialist")
		spec.Permissions = slices.DeleteFunc(slices.Clone(spec.Permissions),
			func(p opora.Permission) bool { return p == opora.PermClientWrite })
		if err := s.SaveRole(fx.Ctx(), spec); err != nil {
			t.Fatal(err)
		}
		if a := actor(); a.Can(opora.PermClientWrite) || !a.Can(opora.PermClientRead) {
			t.Fatalf("after the role lost client.write: %v", a.Perms)
		}
		// Disabled: the next request has no actor at all.
		if err := s.SetUserDisabled(fx.Ctx(), u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Actor(fx.Ctx(), u.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("a disabled user's actor: %v, want not found", err)
		}
	})
}
