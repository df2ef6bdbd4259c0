package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// familyNet is a small regional network: a КДН holding family cards, a
// КЦСОН (social-service centre) that gets them, a school and an NGO.
type familyNet struct {
	net, kdn, kcson, school *storetest.Fixture
	secretary, head         context.Context
	headUser                *opora.User
	curatorA, curatorB      *opora.User
	curatorACtx             context.Context
}

func newFamilyNet(t *testing.T, s *store.Store) *familyNet {
	t.Helper()
	n := &familyNet{net: storetest.SetupOrg(t, s, "Сеть")}
	n.kdn = storetest.AddAgency(t, s, n.net.Ctx(), "КДН района", opora.OrgKDN)
	n.kcson = storetest.AddAgency(t, s, n.net.Ctx(), "КЦСОН района", opora.OrgSocialService)
	n.school = storetest.AddAgency(t, s, n.net.Ctx(), "Школа № 5", opora.OrgSchool)
	_, n.secretary = n.kdn.AddUser(t, "kdn-sec", "kdn_secretary")
	n.headUser, n.head = n.kcson.AddUser(t, "kcson-head", "agency_head")
	n.curatorA, n.curatorACtx = n.kcson.AddUser(t, "curator-a", "curator")
	n.curatorB, _ = n.kcson.AddUser(t, "curator-b", "curator")
	return n
}

func familyPerson(surname, first string, birth string) *opora.Client {
	c := &opora.Client{Surname: surname, FirstName: first}
	if d, ok := opora.ParseDate(birth); ok {
		c.BirthPrecision, c.BirthDate = opora.BirthExact, d
	}
	return c
}

// createFamily makes the Ивановы: a mother who is already a client, a
// father and two children, one at the network's school.
func createFamily(t *testing.T, s *store.Store, n *familyNet) (*opora.Family, *opora.Client) {
	t.Helper()
	mother := addClient(t, s, n.secretary, n.kdn.Branch.ID, "Иванова", "Мария", "Петровна", "12.03.1988")
	f := &opora.Family{Address: "ул. Ленина, 5, кв. 12", Housing: "двухкомнатная квартира", Income: "пособия",
		Members: []*opora.FamilyMember{
			{ClientID: mother.ID, Role: opora.RoleMother},
			{Client: familyPerson("Иванов", "Сергей", "01.01.1985"), Role: opora.RoleFather},
			{Client: familyPerson("Иванов", "Пётр", "05.09.2014"), Role: opora.RoleChild, SchoolOrgID: n.school.Org.ID},
			{Client: familyPerson("Иванова", "Анна", "10.10.2019"), Role: opora.RoleChild, SchoolName: "Детский сад «Солнышко»"},
		}}
	if err := s.CreateFamily(n.secretary, f); err != nil {
		t.Fatalf("create family: %v", err)
	}
	return f, mother
}

func TestFamilyCreateAndAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, mother := createFamily(t, s, n)
		got, err := s.Family(n.secretary, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Members) != 4 || got.StatusKey != "early" || got.StatusLabel != "Ранние трудности" {
			t.Fatalf("family: %d members, status %q %q", len(got.Members), got.StatusKey, got.StatusLabel)
		}
		linked := 0
		for _, m := range got.Members {
			if m.ClientID == mother.ID {
				linked++
			}
			if m.Client.FirstName == "Пётр" && m.SchoolName != "Школа № 5" {
				t.Errorf("the child's school: %q", m.SchoolName)
			}
		}
		if linked != 1 {
			t.Errorf("the mother is linked %d times", linked)
		}
		// The mother stays one client record.
		res, err := s.SearchClients(n.secretary, store.SearchFilter{Query: "Иванова Мария"})
		if err != nil || len(res.Clients) != 1 {
			t.Fatalf("clients named Иванова Мария: %v, %+v", err, res)
		}
		fams, err := s.ClientFamilies(n.secretary, mother.ID)
		if err != nil || len(fams) != 1 || fams[0].ID != f.ID {
			t.Fatalf("the mother's families: %v %v", fams, err)
		}

		// The КЦСОН reaches neither the card nor the members before a grant.
		if _, err := s.Family(n.head, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("КЦСОН before the grant: %v", err)
		}
		if _, err := s.Client(n.head, mother.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("КЦСОН reads the mother before the grant: %v", err)
		}
		var denied int
		db := storetest.RawDB(t, s)
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND entity = 'family' AND entity_id = $1
			AND organisation_id = $2`, f.ID, n.kcson.Org.ID).Scan(&denied); err != nil || denied != 1 {
			t.Errorf("denied audit rows: %d %v", denied, err)
		}
		if err := s.GrantFamily(n.secretary, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		head := storetest.CtxOf(t, s, n.headUser.ID) // a fresh actor: the grant is in it
		if _, err := s.Family(head, f.ID); err != nil {
			t.Fatalf("КЦСОН after the grant: %v", err)
		}
		if _, err := s.Client(head, mother.ID); err != nil {
			t.Fatalf("КЦСОН reads the mother after the grant: %v", err)
		}
		var views int
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'view' AND entity = 'family' AND entity_id = $1
			AND organisation_id = $2`, f.ID, n.kcson.Org.ID).Scan(&views); err != nil || views != 1 {
			t.Errorf("view audit rows: %d %v", views, err)
		}
		// Reports of the КЦСОН never count the КДН's clients.
		_, analyst := n.kcson.AddUser(t, "analyst", "regional_analyst")
		_, kdnAnalyst := n.kdn.AddUser(t, "kdn-analyst", "regional_analyst")
		for _, c := range []struct {
			ctx  context.Context
			want float64
		}{{analyst, 0}, {kdnAnalyst, 4}} {
			res, err := s.RunReport(c.ctx, &opora.ReportQuery{Subject: opora.SubjectClients, Measure: opora.MeasureCount,
				From: s.Today().AddDate(-1, 0, 0), To: s.Today()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != c.want {
				t.Errorf("new clients report: %v, want %v", res.Total, c.want)
			}
		}
		// The school reaches nothing; the curator (own scope) nothing until assigned.
		_, teacher := n.school.AddUser(t, "teacher", "agency_specialist")
		if _, err := s.Family(teacher, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the school: %v", err)
		}
		if _, err := s.Family(n.curatorACtx, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("an unassigned curator: %v", err)
		}
		// A role without family.read is forbidden.
		_, spec := n.net.AddUser(t, "ngo-spec", "specialist")
		if _, err := s.Family(spec, f.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("an NGO specialist: %v", err)
		}
		// Revoked: gone again.
		if err := s.RevokeGrant(n.secretary, f.ID, n.kcson.Org.ID); err != nil {
			t.Fatal(err)
		}
		head = storetest.CtxOf(t, s, n.headUser.ID)
		if _, err := s.Client(head, mother.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("КЦСОН reads the mother after the revocation: %v", err)
		}
	})
}

func TestFamilyCurator(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, mother := createFamily(t, s, n)
		if err := s.GrantFamily(n.secretary, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		head := storetest.CtxOf(t, s, n.headUser.ID)
		// Only a worker of the head's own organisation.
		_, kdnWorker := n.kdn.AddUser(t, "kdn-2", "kdn_secretary")
		if err := s.AssignCurator(head, f.ID, opora.ActorFrom(kdnWorker).UserID); opora.FieldErrors(err)["curator_id"] == "" {
			t.Errorf("a curator of another organisation: %v", err)
		}
		if err := s.AssignCurator(n.secretary, f.ID, n.curatorA.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the secretary assigns: %v", err)
		}
		if err := s.AssignCurator(head, f.ID, n.curatorA.ID); err != nil {
			t.Fatal(err)
		}
		k, err := s.FamilyCase(head, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !k.Open() || k.CuratorID != n.curatorA.ID || k.OrganisationID != n.kcson.Org.ID || k.TypeLabel != "Сопровождение семьи" {
			t.Fatalf("family case: %+v", k)
		}
		// The curator now reaches the family and its members (own scope).
		curator := storetest.CtxOf(t, s, n.curatorA.ID)
		if _, err := s.Family(curator, f.ID); err != nil {
			t.Fatalf("the curator: %v", err)
		}
		if _, err := s.Client(curator, mother.ID); err != nil {
			t.Fatalf("the curator reads the mother: %v", err)
		}
		if err := s.AssignCurator(head, f.ID, n.curatorB.ID); err != nil {
			t.Fatal(err)
		}
		hist, err := s.FamilyCurators(head, f.ID)
		if err != nil || len(hist) != 2 || hist[0].CuratorID != n.curatorB.ID || !hist[0].ToOn.IsZero() || hist[1].ToOn.IsZero() {
			t.Fatalf("curators: %v %+v", err, hist)
		}
		var open int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM cases WHERE subject_type = 'family' AND subject_id = $1
			AND status = 'open'`, f.ID).Scan(&open); err != nil || open != 1 {
			t.Fatalf("open family cases: %d %v", open, err)
		}
		k2, err := s.FamilyCase(head, f.ID)
		if err != nil || k2.ID != k.ID || k2.CuratorID != n.curatorB.ID {
			t.Fatalf("the case after reassignment: %v %+v", err, k2)
		}
		if _, err := s.Family(curator, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the former curator: %v", err)
		}
	})
}

func TestFamilyBadInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		fields := func(err error) map[string]string {
			t.Helper()
			if opora.ErrorCode(err) != opora.EINVALID {
				t.Fatalf("want a validation error, got %v", err)
			}
			return opora.FieldErrors(err)
		}
		if f := fields(s.CreateFamily(n.secretary, &opora.Family{Address: "ул. Мира, 1"})); f["members"] != "family.error.no_members" {
			t.Errorf("no members: %v", f)
		}
		future := s.Today().AddDays(3).Format("02.01.2006")
		mother := addClient(t, s, n.secretary, n.kdn.Branch.ID, "Петрова", "Ольга", "", "01.01.1990")
		bad := &opora.Family{Members: []*opora.FamilyMember{
			{ClientID: mother.ID, Role: opora.RoleMother},
			{Client: familyPerson("Петров", "Илья", future), Role: opora.RoleChild},
			{ClientID: mother.ID, Role: opora.RoleOtherAdult},
		}}
		f := fields(s.CreateFamily(n.secretary, bad))
		if f["members.1.birth_date"] != "error.date_future" || f["members.2.client_id"] != "family.error.same_person" {
			t.Errorf("bad members: %v", f)
		}
		var nClients, nFamilies int
		db := storetest.RawDB(t, s)
		db.QueryRow(`SELECT COUNT(*) FROM clients WHERE surname = 'Петров'`).Scan(&nClients)
		db.QueryRow(`SELECT COUNT(*) FROM families`).Scan(&nFamilies)
		if nClients != 0 || nFamilies != 0 {
			t.Errorf("half-saved: %d clients, %d families", nClients, nFamilies)
		}
		// A new person whose client record is refused inside the transaction
		// leaves nothing either: an unknown school.
		bad2 := &opora.Family{Members: []*opora.FamilyMember{
			{Client: familyPerson("Сидоров", "Иван", "01.01.1980"), Role: opora.RoleFather},
			{Client: familyPerson("Сидоров", "Максим", "01.01.2015"), Role: opora.RoleChild, SchoolOrgID: n.kcson.Org.ID},
		}}
		if f := fields(s.CreateFamily(n.secretary, bad2)); f["members.1.school_org_id"] != "error.invalid_choice" {
			t.Errorf("school: %v", f)
		}
		db.QueryRow(`SELECT COUNT(*) FROM clients WHERE surname = 'Сидоров'`).Scan(&nClients)
		if nClients != 0 {
			t.Errorf("half-saved: %d clients", nClients)
		}
		// A grown-up child is saved and flagged.
		ok := &opora.Family{Members: []*opora.FamilyMember{
			{ClientID: mother.ID, Role: opora.RoleMother},
			{Client: familyPerson("Петров", "Артём", "01.01.2000"), Role: opora.RoleChild},
		}}
		if err := s.CreateFamily(n.secretary, ok); err != nil {
			t.Fatal(err)
		}
		got, err := s.Family(n.secretary, ok.ID)
		if err != nil {
			t.Fatal(err)
		}
		today := s.Today()
		for _, m := range got.Members {
			if m.GrownUp(today) != (m.Client.FirstName == "Артём") {
				t.Errorf("%s grown up: %v", m.Client.FirstName, m.GrownUp(today))
			}
		}
		// The same person added again.
		if f := fields(s.AddMember(n.secretary, ok.ID, &opora.FamilyMember{ClientID: mother.ID, Role: opora.RoleGuardian})); f["client_id"] != "family.error.same_person" {
			t.Errorf("added twice: %v", f)
		}
	})
}

func TestSearchFamilies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, _ := createFamily(t, s, n)
		other := &opora.Family{Address: "пр. Мира, 10", Members: []*opora.FamilyMember{
			{Client: familyPerson("Смирнова", "Елена", "01.01.1991"), Role: opora.RoleMother}}}
		if err := s.CreateFamily(n.secretary, other); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"Иванова", "Иваннова", "Ivanova", "Сергей Иванов", "Ленина", "Школа 5", "Солнышко"} {
			got, err := s.SearchFamilies(n.secretary, store.FamilySearch{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[0].ID != f.ID {
				t.Errorf("%q found %d families", q, len(got))
			}
			for _, g := range got {
				if g.ID == other.ID {
					t.Errorf("%q found the Смирновы", q)
				}
			}
		}
		if got, _ := s.SearchFamilies(n.secretary, store.FamilySearch{Query: "Мира"}); len(got) != 1 || got[0].ID != other.ID {
			t.Errorf("by address: %v", got)
		}
		// A number is a whole number: house 55 is not house 5.
		third := &opora.Family{Address: "ул. Мира, 55", Members: []*opora.FamilyMember{
			{Client: familyPerson("Кузнецова", "Ольга", "02.02.1992"), Role: opora.RoleMother}}}
		if err := s.CreateFamily(n.secretary, third); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SearchFamilies(n.secretary, store.FamilySearch{Query: "Мира 5"}); len(got) != 0 {
			t.Errorf("«Мира 5» found %d families (house 55, house 10)", len(got))
		}
		if got, _ := s.SearchFamilies(n.secretary, store.FamilySearch{Query: "Мира, 55"}); len(got) != 1 || got[0].ID != third.ID {
			t.Errorf("«Мира, 55» found %v", got)
		}
		// Another organisation finds nothing.
		if got, err := s.SearchFamilies(n.head, store.FamilySearch{Query: "Иванова"}); err != nil || len(got) != 0 {
			t.Errorf("the КЦСОН finds %d families (%v)", len(got), err)
		}
	})
}

// A network agency starts with the family measures as task types and the
// family plan templates (the parents' job, then the kindergarten place);
// an NGO keeps the homeless services' ones and gets none of these.
func TestFamilyMeasuresSeeded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ngo := storetest.SetupOrg(t, s, "Ночлежка")
		kcson := storetest.AddAgency(t, s, ngo.Ctx(), "КЦСОН", opora.OrgSocialService)
		labels := func(ctx context.Context) []string {
			items, err := s.CaseDictionary(ctx, opora.DictTaskType, false)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range items {
				out = append(out, it.Label)
			}
			return out
		}
		agency, own := labels(kcson.Ctx()), labels(ngo.Ctx())
		if !slices.Contains(agency, "Место в детском саду") || slices.Contains(agency, "Дом на полпути") {
			t.Errorf("the agency's task types: %v", agency)
		}
		if slices.Contains(own, "Место в детском саду") || !slices.Contains(own, "Дом на полпути") {
			t.Errorf("the NGO's task types: %v", own)
		}
		tpls, err := s.PlanTemplates(kcson.Ctx(), false)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, p := range tpls {
			if p.Name == "Трудоустройство родителей" && len(p.Items) == 3 {
				found = true
			}
		}
		if !found {
			t.Errorf("the agency lacks the family templates: %d templates", len(tpls))
		}
		// Seeding again (Migrate on every start) adds nothing.
		if err := s.SeedMissing(context.Background()); err != nil {
			t.Fatal(err)
		}
		if again := labels(kcson.Ctx()); len(again) != len(agency) {
			t.Errorf("seeding again: %d task types, was %d", len(again), len(agency))
		}
	})
}
