package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()

		r := &opora.Role{Name: " Волонтёр ", Scope: opora.ScopeOwn,
			Permissions: []opora.Permission{opora.PermClientRead, opora.PermCheckin, opora.PermClientRead}}
		if err := s.SaveRole(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := s.Role(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Волонтёр" || got.Scope != opora.ScopeOwn || got.Builtin ||
			!slices.Equal(got.Permissions, []opora.Permission{opora.PermCheckin, opora.PermClientRead}) {
			t.Errorf("saved role = %+v", got)
		}
		u, _ := f.AddUser(t, "volunteer", "duty")
		u.RoleIDs = []int64{r.ID}
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if sc, ok := storetest.ActorOf(t, s, u.ID).ScopeOf(opora.PermClientRead); !ok || sc != opora.ScopeOwn {
			t.Errorf("volunteer's client.read = %q, %v; want own", sc, ok)
		}
		// Changing the role changes what its holders may do.
		got.Scope, got.Permissions = opora.ScopeBranch, []opora.Permission{opora.PermClientRead}
		if err := s.SaveRole(ctx, got); err != nil {
			t.Fatal(err)
		}
		a := storetest.ActorOf(t, s, u.ID)
		if sc, _ := a.ScopeOf(opora.PermClientRead); sc != opora.ScopeBranch || a.Can(opora.PermCheckin) {
			t.Errorf("after the role changed: perms %v", a.Perms)
		}
		entries, _, _ := s.AuditEntries(ctx, opora.AuditFilter{Entity: "role", EntityID: r.ID, Action: opora.ActionUpdate})
		if len(entries) != 1 || len(entries[0].Changes) != 2 {
			t.Errorf("role audit = %+v, want one update with scope and permissions", entries)
		}

		if err := s.SaveRole(ctx, &opora.Role{Scope: "everything", Permissions: []opora.Permission{"root"}}); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("invalid role: err = %v, want invalid", err)
		} else if fe := opora.FieldErrors(err); fe["name"] == "" || fe["scope"] == "" || fe["permissions"] == "" {
			t.Errorf("invalid role field errors = %v", fe)
		}
		if _, err := s.Role(ctx, 424242); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("unknown role: err = %v, want not found", err)
		}

		// admin.network is never granted through roles.
		if err := s.SaveRole(ctx, &opora.Role{Name: "Сеть-2", Scope: opora.ScopeOrganisation,
			Permissions: []opora.Permission{opora.PermAdminNetwork}}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("new role with admin.network: err = %v, want forbidden", err)
		}
		got.Permissions = append(got.Permissions, opora.PermAdminNetwork)
		if err := s.SaveRole(ctx, got); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("adding admin.network to a role: err = %v, want forbidden", err)
		}
		net := f.Role(t, opora.NetworkAdminRole)
		net.Permissions = nil
		if err := s.SaveRole(ctx, net); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("taking admin.network from the network admin role: err = %v, want forbidden", err)
		}

		// Someone active must keep admin.roles, or nobody could mend roles again.
		admin := f.Role(t, "administrator")
		without := *admin
		without.Permissions = slices.DeleteFunc(slices.Clone(admin.Permissions), func(p opora.Permission) bool { return p == opora.PermAdminRoles })
		err = s.SaveRole(ctx, &without)
		if opora.ErrorCode(err) != opora.ECONFLICT || opora.ErrorMessage(err) != "error.last_role_admin" {
			t.Errorf("removing admin.roles from its only holder: err = %v, want conflict last_role_admin", err)
		}
		if !f.Role(t, "administrator").Has(opora.PermAdminRoles) {
			t.Error("the administrator role lost admin.roles anyway")
		}
		// Once another active user holds admin.roles through another role, it works.
		keeper := &opora.Role{Name: "Хранитель ролей", Scope: opora.ScopeOrganisation,
			Permissions: []opora.Permission{opora.PermAdminRoles}}
		if err := s.SaveRole(ctx, keeper); err != nil {
			t.Fatal(err)
		}
		k, _ := f.AddUser(t, "keeper", "duty")
		k.RoleIDs = []int64{keeper.ID}
		if err := s.UpdateUser(ctx, k); err != nil {
			t.Fatal(err)
		}
		// A disabled holder does not count.
		if err := s.SetUserDisabled(ctx, k.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRole(ctx, &without); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("only a disabled user keeps admin.roles: err = %v, want conflict", err)
		}
		if err := s.SetUserDisabled(ctx, k.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRole(ctx, &without); err != nil {
			t.Errorf("removing admin.roles while another user keeps it: %v", err)
		}
	})
}

func TestRoleCreationAuditedAndOwnRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		r := &opora.Role{Name: "Юрист", Scope: opora.ScopeBranch, Permissions: []opora.Permission{opora.PermClientRead}}
		if err := s.SaveRole(f.Ctx(), r); err != nil {
			t.Fatal(err)
		}
		entries, _, err := s.AuditEntries(f.Ctx(), opora.AuditFilter{Entity: "role", EntityID: r.ID, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != opora.ActionCreate {
			t.Fatalf("audit of a new role: %+v", entries)
		}
		// A worker without admin rights reads only their own roles.
		_, ctx := f.AddUser(t, "worker", "specialist")
		if _, err := s.Roles(ctx); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("Roles without admin rights: %v", err)
		}
		own, err := s.OwnRoles(ctx)
		if err != nil || len(own) != 1 || own[0].Key != "specialist" {
			t.Fatalf("OwnRoles = %v, %v", own, err)
		}
	})
}
