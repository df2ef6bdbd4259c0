package store_test

import (
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestScreeningList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		net := storetest.SetupOrg(t, s, "Сеть")
		admin := net.Ctx()
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := s.SaveTerritory(admin, region); err != nil {
			t.Fatal(err)
		}
		munA := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Северный район"}
		munB := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Южный район"}
		for _, m := range []*opora.Territory{munA, munB} {
			if err := s.SaveTerritory(admin, m); err != nil {
				t.Fatal(err)
			}
		}
		kdn := storetest.AddAgencyIn(t, s, admin, "КДН Северного района", opora.OrgKDN, munA.ID)
		_, sec := kdn.AddUser(t, "kdn-sec", "kdn_secretary")
		other := storetest.AddAgencyIn(t, s, admin, "КДН Южного района", opora.OrgKDN, munB.ID)
		_, stranger := other.AddUser(t, "kdn-south", "kdn_secretary")
		today := s.Today()

		for _, r := range []*opora.HintRule{
			{Difficulty: "Потеря дохода семьёй", EarlyCrisis: true,
				Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventJobLoss, Months: 6}},
				Measures:   []opora.HintMeasure{{TaskTypeKey: "job_search", AgencyType: opora.OrgEmployment}}},
			{Difficulty: "Развод", EarlyCrisis: true,
				Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventDivorce}},
				Measures:   []opora.HintMeasure{{TaskTypeKey: "psychologist"}}},
			{Difficulty: "Не для скрининга", Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventDebt}},
				Measures: []opora.HintMeasure{{TaskTypeKey: "job_search"}}},
		} {
			if err := s.CreateHintRule(admin, r); err != nil {
				t.Fatal(err)
			}
		}

		family := func(surname string, territory int64) (*opora.Family, *opora.Client) {
			mother := addClient(t, s, sec, kdn.Branch.ID, surname, "Мария", "Петровна", "12.03.1988")
			f := &opora.Family{TerritoryID: territory, Address: "ул. Ленина, 5",
				Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother},
					{Client: familyPerson(surname, "Пётр", "05.09.2014"), Role: opora.RoleChild}}}
			if err := s.CreateFamily(sec, f); err != nil {
				t.Fatal(err)
			}
			return f, mother
		}
		event := func(c *opora.Client, kind string, daysAgo int) {
			if err := s.CreateLifeEvent(sec, &opora.LifeEvent{ClientID: c.ID, Kind: kind, OccurredOn: today.AddDays(-daysAgo)}); err != nil {
				t.Fatal(err)
			}
		}
		jobless, m1 := family("Иванова", munA.ID)
		event(m1, opora.LifeEventJobLoss, 20)
		withCase, m2 := family("Петрова", munA.ID)
		event(m2, opora.LifeEventJobLoss, 10)
		if _, err := storetest.RawDB(t, s).Exec(`INSERT INTO cases (organisation_id, subject_type, subject_id, type_id, curator_id,
			opened_on, status, created_at, updated_at) VALUES ($1, 'family', $2, (SELECT MIN(id) FROM dictionary_items), $3, $4, 'open', $5, $5)`,
			kdn.Org.ID, withCase.ID, kdn.Admin.ID, today.Time(), s.Now()); err != nil {
			t.Fatal(err)
		}
		south, m3 := family("Сидорова", munB.ID)
		event(m3, opora.LifeEventJobLoss, 5)
		_, m4 := family("Кузнецова", munA.ID)
		event(m4, opora.LifeEventJobLoss, 300) // older than the rule's six months
		event(m4, opora.LifeEventDebt, 3)      // only a rule that is not early-crisis
		loner := addClient(t, s, sec, kdn.Branch.ID, "Орлов", "Олег", "", "01.02.1980")
		event(loner, opora.LifeEventDivorce, 40)

		list := func(outcome string) *opora.ScreenPage {
			t.Helper()
			p, err := s.Screening(sec, opora.ScreenFilter{TerritoryID: munA.ID, Outcome: outcome})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := list("")
		if p.Total != 2 || len(p.Rows) != 2 {
			t.Fatalf("rows: %d %+v", p.Total, p.Rows)
		}
		if r := p.Rows[0]; r.FamilyID != jobless.ID || r.LatestFact != today.AddDays(-20) || len(r.Matches) != 1 ||
			r.Matches[0].Difficulty != "Потеря дохода семьёй" || r.Matches[0].Because[0].Member != "Иванова М." ||
			r.Name != "Иванова М., Иванова П." || r.Last != nil {
			t.Fatalf("first row: %+v", r)
		}
		if r := p.Rows[1]; r.ClientID != loner.ID || r.Name != "Орлов Олег" || r.Matches[0].Difficulty != "Развод" {
			t.Fatalf("second row: %+v", r)
		}
		for _, r := range p.Rows {
			if r.FamilyID == withCase.ID || r.FamilyID == south.ID {
				t.Fatalf("listed: %+v", r)
			}
		}
		if _, err := s.Screening(sec, opora.ScreenFilter{TerritoryID: munB.ID}); opora.FieldErrors(err)["territory"] == "" {
			t.Fatalf("another municipality: %v", err)
		}
		if p, err := s.Screening(stranger, opora.ScreenFilter{TerritoryID: munB.ID}); err != nil || p.Total != 0 {
			t.Fatalf("the south's КДН: %v %+v", err, p)
		}
		var views int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'view' AND section = 'screening'
			AND ((entity = 'family' AND entity_id = $1) OR (entity = 'client' AND entity_id = $2))`, jobless.ID, loner.ID).Scan(&views); err != nil {
			t.Fatal(err)
		}
		if views != 2 {
			t.Fatalf("view rows: %d", views)
		}

		if err := s.RecordScreening(stranger, &opora.ScreeningAction{FamilyID: jobless.ID, Outcome: opora.ScreenContacted}); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("stranger records: %v", err)
		}
		if err := s.RecordScreening(sec, &opora.ScreeningAction{FamilyID: jobless.ID, Outcome: "sanction"}); opora.FieldErrors(err)["outcome"] == "" {
			t.Fatalf("bad outcome: %v", err)
		}
		if err := s.RecordScreening(sec, &opora.ScreeningAction{ClientID: loner.ID, Outcome: opora.ScreenOffered, Comment: "позвонили"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordScreening(sec, &opora.ScreeningAction{FamilyID: jobless.ID, Outcome: opora.ScreenNotRelevant, Comment: "уже работает"}); err != nil {
			t.Fatal(err)
		}
		p = list("")
		if p.Total != 1 || p.Rows[0].ClientID != loner.ID || p.Rows[0].Last == nil || p.Rows[0].Last.Outcome != opora.ScreenOffered ||
			p.Rows[0].Last.Comment != "позвонили" || p.Rows[0].Last.CreatedByName == "" {
			t.Fatalf("after not relevant: %+v", p.Rows)
		}
		if p := list(opora.ScreenFilterAll); p.Total != 2 {
			t.Fatalf("all: %d", p.Total)
		}
		if p := list(opora.ScreenFilterNone); p.Total != 0 {
			t.Fatalf("none: %d", p.Total)
		}
		if p := list(opora.ScreenFilterDone); p.Total != 2 {
			t.Fatalf("done: %d", p.Total)
		}
		// The person's report (privacy.manage: the КДН's administrator) reads
		// both the life event and the screening action these paths wrote.
		for _, c := range []*opora.Client{m1, loner} {
			rep, err := s.PersonReport(kdn.Ctx(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, sec := range rep.Sections {
				got[sec.Key] = len(sec.Rows)
			}
			if got["life_events"] != 1 || got["screening"] != 1 {
				t.Fatalf("person report of %s: %v", c.Surname, got)
			}
		}
		// The quiet lasts 90 days.
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE screening_actions SET acted_on = $1 WHERE family_id = $2`,
			today.AddDays(-91).Time(), jobless.ID); err != nil {
			t.Fatal(err)
		}
		if p := list(""); p.Total != 2 {
			t.Fatalf("after the quiet: %d", p.Total)
		}
	})
}
