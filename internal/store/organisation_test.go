package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestOrganisationIsolation checks that an administrator of organisation B
// cannot see or change anything of organisation A: reads by id answer not
// found (never forbidden, which would confirm the record exists) and lists
// hold only B's rows.
func TestOrganisationIsolation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := storetest.SetupOrg(t, s, "Организация А")
		aUser, _ := a.AddUser(t, "worker.a", "specialist")
		aRole := a.Role(t, "specialist")
		b := storetest.AddOrg(t, s, a.Ctx(), "Организация Б")
		bUser, _ := b.AddUser(t, "worker.b", "specialist")
		bctx := b.Ctx()

		notFound := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, opora.ErrNotFound) {
				t.Errorf("%s of organisation A as B's administrator: err = %v, want not found", what, err)
			}
		}
		_, err := s.User(bctx, aUser.ID)
		notFound("User", err)
		_, err = s.User(bctx, a.Admin.ID)
		notFound("User (administrator)", err)
		_, err = s.Branch(bctx, a.Branch.ID)
		notFound("Branch", err)
		_, err = s.Role(bctx, aRole.ID)
		notFound("Role", err)
		_, err = s.Organisation(bctx, a.Org.ID)
		notFound("Organisation", err)

		// Changes by id answer not found too, and change nothing.
		changed := *aUser
		changed.FullName = "Взломано"
		changed.BranchIDs, changed.RoleIDs = b.Actor.BranchIDs, []int64{b.Role(t, "specialist").ID}
		notFound("UpdateUser", s.UpdateUser(bctx, &changed))
		notFound("SetUserDisabled", s.SetUserDisabled(bctx, aUser.ID, true))
		notFound("ResetPassword", s.ResetPassword(bctx, aUser.ID, "y"))
		notFound("SaveBranch", s.SaveBranch(bctx, &opora.Branch{ID: a.Branch.ID, Name: "Взломано"}))
		notFound("SaveRole", s.SaveRole(bctx, &opora.Role{ID: aRole.ID, Name: "Взломано", Scope: opora.ScopeOwn}))
		if err := s.UpdateOrganisation(bctx, &opora.Organisation{ID: a.Org.ID, Name: "Взломано", Type: opora.OrgNGO}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("UpdateOrganisation of A as B's administrator: err = %v, want forbidden", err)
		}
		got, err := s.User(a.Ctx(), aUser.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FullName != aUser.FullName || got.Disabled {
			t.Errorf("A's user after B's attempts: %+v", got)
		}
		if br, _ := s.Branch(a.Ctx(), a.Branch.ID); br == nil || br.Name != a.Branch.Name {
			t.Errorf("A's branch after B's attempts: %+v", br)
		}
		if o, _ := s.Organisation(a.Ctx(), a.Org.ID); o == nil || o.Name != "Организация А" {
			t.Errorf("A's organisation after B's attempts: %+v", o)
		}

		// B cannot give its users A's branches or roles.
		u := &opora.User{Login: "mixed", FullName: "Смешанный", BranchIDs: []int64{a.Branch.ID},
			RoleIDs: []int64{aRole.ID}}
		err = s.CreateUser(bctx, u, "x")
		if f := opora.FieldErrors(err); f["branches"] == "" || f["roles"] == "" {
			t.Errorf("CreateUser with A's branch and role: err = %v, want invalid branches and roles", err)
		}

		// Lists.
		users, total, err := s.Users(bctx, store.UserFilter{IncludeDisabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(users) != 2 {
			t.Errorf("B's users: total %d, %d rows; want B's administrator and worker", total, len(users))
		}
		for _, u := range users {
			if u.OrganisationID != b.Org.ID {
				t.Errorf("B's user list holds %q of organisation %d", u.Login, u.OrganisationID)
			}
		}
		if users, _, _ := s.Users(bctx, store.UserFilter{Query: "worker"}); len(users) != 1 || users[0].ID != bUser.ID {
			t.Errorf("B searching %q finds %d users, want only B's worker", "worker", len(users))
		}
		branches, err := s.Branches(bctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, br := range branches {
			if br.OrganisationID != b.Org.ID {
				t.Errorf("B's branch list holds %q of organisation %d", br.Name, br.OrganisationID)
			}
		}
		roles, err := s.Roles(bctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(roles) != len(opora.BuiltinRoles) {
			t.Errorf("B has %d roles, want the %d built-in ones (no network admin)", len(roles), len(opora.BuiltinRoles))
		}
		for _, r := range roles {
			if r.OrganisationID != b.Org.ID || r.Has(opora.PermAdminNetwork) {
				t.Errorf("B's role list holds role %d (%s) of organisation %d", r.ID, r.Key, r.OrganisationID)
			}
		}
		orgs, err := s.Organisations(bctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 1 || orgs[0].ID != b.Org.ID {
			t.Errorf("B sees organisations %v, want only its own", orgs)
		}
		names, err := s.UserNames(bctx, []int64{aUser.ID, a.Admin.ID, bUser.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 || names[bUser.ID] == "" {
			t.Errorf("UserNames for B = %v, want only B's worker", names)
		}
		entries, _, err := s.AuditEntries(bctx, opora.AuditFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			t.Error("B's audit log is empty; want the creation of its users")
		}
		for _, e := range entries {
			if e.OrganisationID != b.Org.ID {
				t.Errorf("B's audit log holds entry %d of organisation %d", e.ID, e.OrganisationID)
			}
		}
		if entries, _, _ := s.AuditEntries(bctx, opora.AuditFilter{Entity: "user", EntityID: aUser.ID}); len(entries) != 0 {
			t.Errorf("B sees %d audit entries about A's user", len(entries))
		}

		// The network administrator sees both organisations.
		orgs, err = s.Organisations(a.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 2 {
			t.Errorf("network administrator sees %d organisations, want 2", len(orgs))
		}
		if o, err := s.Organisation(a.Ctx(), b.Org.ID); err != nil || o.Name != "Организация Б" {
			t.Errorf("network administrator reading B: %v, %v", o, err)
		}
	})
}

func TestCreateOrganisation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := storetest.SetupOrg(t, s, "Сеть")
		n := func(login string) *store.NewOrganisation {
			return &store.NewOrganisation{
				Organisation: &opora.Organisation{Name: "КДН района", Type: opora.OrgKDN, INN: "7701234567"},
				BranchName:   "Отдел",
				Admin:        &opora.User{Login: login, FullName: "Петров Пётр"},
				PasswordHash: "x",
			}
		}
		// Only the network administrator adds organisations.
		b := storetest.AddOrg(t, s, a.Ctx(), "Организация Б")
		for name, ctx := range map[string]context.Context{"nobody": context.Background(), "B's administrator": b.Ctx()} {
			if err := s.CreateOrganisation(ctx, n("kdn")); !errors.Is(err, opora.ErrForbidden) {
				t.Errorf("CreateOrganisation as %s: err = %v, want forbidden", name, err)
			}
		}
		// The administrator's login must be free in the whole network.
		err := s.CreateOrganisation(a.Ctx(), n("ADMIN"))
		if opora.FieldErrors(err)["login"] != "error.login_taken" {
			t.Errorf("CreateOrganisation with a taken login: err = %v, want login taken", err)
		}
		bad := n("kdn")
		bad.Organisation.INN, bad.Organisation.Type, bad.BranchName = "12ab", "bank", ""
		err = s.CreateOrganisation(a.Ctx(), bad)
		if f := opora.FieldErrors(err); f["inn"] == "" || f["type"] == "" || f["branch_name"] == "" {
			t.Errorf("CreateOrganisation with a bad INN, type and branch: err = %v", err)
		}
		orgs, _ := s.Organisations(a.Ctx())
		if len(orgs) != 2 {
			t.Fatalf("after refused attempts there are %d organisations, want 2", len(orgs))
		}

		good := n("kdn")
		if err := s.CreateOrganisation(a.Ctx(), good); err != nil {
			t.Fatal(err)
		}
		kdn := storetest.ActorOf(t, s, good.Admin.ID)
		if kdn.OrganisationID != good.Organisation.ID || !kdn.Can(opora.PermAdminUsers) || kdn.Can(opora.PermAdminNetwork) {
			t.Errorf("new organisation's administrator: org %d, perms %v", kdn.OrganisationID, kdn.PermissionList())
		}
		o, err := s.Organisation(opora.WithActor(context.Background(), kdn), good.Organisation.ID)
		if err != nil || o.Type != opora.OrgKDN || o.INN != "7701234567" {
			t.Errorf("new organisation = %+v, %v", o, err)
		}
	})
}

func TestUpdateOrganisation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := storetest.SetupOrg(t, s, "Фонд")
		b := storetest.AddOrg(t, s, a.Ctx(), "Центр")
		_, specCtx := b.AddUser(t, "spec", "specialist")
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Пермский край"}
		if err := s.SaveTerritory(a.Ctx(), region); err != nil {
			t.Fatal(err)
		}

		o := *b.Org
		o.ShortName, o.Head, o.TerritoryID = " Центр «Надежда» ", "Сидорова А. А., директор", region.ID
		if err := s.UpdateOrganisation(specCtx, &o); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("UpdateOrganisation as a specialist: err = %v, want forbidden", err)
		}
		if err := s.UpdateOrganisation(b.Ctx(), &o); err != nil {
			t.Fatal(err)
		}
		got, err := s.Organisation(b.Ctx(), b.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ShortName != "Центр «Надежда»" || got.Head != o.Head || got.TerritoryID != region.ID {
			t.Errorf("organisation after update = %+v", got)
		}
		if got.DisplayName() != "Центр «Надежда»" {
			t.Errorf("DisplayName = %q", got.DisplayName())
		}
		o.TerritoryID = 999999
		if err := s.UpdateOrganisation(b.Ctx(), &o); opora.FieldErrors(err)["territory_id"] == "" {
			t.Errorf("UpdateOrganisation with an unknown territory: err = %v, want invalid territory_id", err)
		}
		entries, _, err := s.AuditEntries(b.Ctx(), opora.AuditFilter{Entity: "organisation", EntityID: b.Org.ID, Action: opora.ActionUpdate})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].UserID != b.Admin.ID || len(entries[0].Changes) != 3 {
			t.Errorf("update audit = %+v, want one entry by B's administrator with 3 changes", entries)
		}
		// The network administrator may edit any organisation.
		o.TerritoryID, o.Phone = region.ID, "+7 342 000-00-00"
		if err := s.UpdateOrganisation(a.Ctx(), &o); err != nil {
			t.Errorf("UpdateOrganisation by the network administrator: %v", err)
		}
	})
}
