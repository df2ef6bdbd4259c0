package store_test

import (
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestValidateNewOrganisation checks that the dry run reports every mistake
// at once, including a taken login and an unknown territory, and saves nothing.
func TestValidateNewOrganisation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := storetest.SetupOrg(t, s, "Сеть")
		n := &store.NewOrganisation{
			Organisation: &opora.Organisation{Name: "", Type: "nonsense", INN: "12", TerritoryID: 999},
			BranchName:   "",
			Admin:        &opora.User{Login: "admin", FullName: ""},
		}
		fields := opora.FieldErrors(s.ValidateNewOrganisation(a.Ctx(), n))
		for _, f := range []string{"name", "type", "inn", "territory_id", "branch_name", "login", "full_name"} {
			if fields[f] == "" {
				t.Errorf("no error for %s: %v", f, fields)
			}
		}
		if fields["login"] != "error.login_taken" {
			t.Errorf("login error %q, want error.login_taken", fields["login"])
		}
		ok := &store.NewOrganisation{Organisation: &opora.Organisation{Name: "Школа", Type: opora.OrgSchool},
			BranchName: "Главное здание", Admin: &opora.User{Login: "school", FullName: "Директор"}}
		if err := s.ValidateNewOrganisation(a.Ctx(), ok); err != nil {
			t.Fatalf("valid organisation: %v", err)
		}
		if orgs, _ := s.Organisations(a.Ctx()); len(orgs) != 1 {
			t.Errorf("the dry run saved something: %d organisations", len(orgs))
		}
		b := storetest.AddOrg(t, s, a.Ctx(), "Другая")
		if err := s.ValidateNewOrganisation(b.Ctx(), ok); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("without admin.network: %v", err)
		}
	})
}

func TestOrganisationUserCounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := storetest.SetupOrg(t, s, "Сеть")
		a.AddUser(t, "w1", "specialist")
		off, _ := a.AddUser(t, "w2", "specialist")
		if err := s.SetUserDisabled(a.Ctx(), off.ID, true); err != nil {
			t.Fatal(err)
		}
		b := storetest.AddOrg(t, s, a.Ctx(), "Другая")
		counts, err := s.OrganisationUserCounts(a.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		if counts[a.Org.ID] != 2 || counts[b.Org.ID] != 1 {
			t.Errorf("counts %v, want 2 active in A and 1 in B", counts)
		}
		if _, err := s.OrganisationUserCounts(b.Ctx()); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("without admin.network: %v", err)
		}
	})
}

func TestAuditUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := storetest.SetupOrg(t, s, "Сеть")
		_, audCtx := a.AddUser(t, "aud", "auditor")
		_, specCtx := a.AddUser(t, "spec", "specialist")
		b := storetest.AddOrg(t, s, a.Ctx(), "Другая")
		users, err := s.AuditUsers(audCtx)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 3 {
			t.Fatalf("%d users, want A's 3", len(users))
		}
		for _, u := range users {
			if u.OrganisationID != a.Org.ID || u.ID == b.Admin.ID {
				t.Errorf("another organisation's user listed: %+v", u)
			}
		}
		if _, err := s.AuditUsers(specCtx); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("without audit.read: %v", err)
		}
	})
}
