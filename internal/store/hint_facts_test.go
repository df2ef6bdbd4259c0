package store_test

import (
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestHintFacts: a family's facts as of a day — the latest completed
// assessment's scores by indicator label, the status, signals by the
// reporting agency's type and the members' life events, nothing after the
// day and nothing of another family.
func TestHintFacts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n, f, curator := assessedFamily(t, s)
		other, _ := createFamily(t, s, n)
		x := blankDefault(t, s, curator, f.ID)
		def := x.Def
		// The first domain's indicators scored 3, 2, 1; the rest 0.
		x.Answers = answersByScore(t, def, map[int][]int{0: {3, 2, 1}}, 0)
		x.AssessedOn = s.Today().AddDays(-10)
		if err := s.SaveAssessment(curator, x, true); err != nil {
			t.Fatal(err)
		}
		var mother, father int64
		for _, m := range f.Members {
			switch m.Role {
			case opora.RoleMother:
				mother = m.ClientID
			case opora.RoleFather:
				father = m.ClientID
			}
		}
		db := storetest.RawDB(t, s)
		today := s.Today()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		// The family was registered 100 days ago.
		exec(`UPDATE families SET created_at = $1 WHERE id = $2`, s.Now().Add(-100*24*time.Hour), f.ID)
		exec(`UPDATE family_events SET at = $1 WHERE family_id = $2 AND kind = 'created'`, s.Now().Add(-100*24*time.Hour), f.ID)
		event := `INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)`
		exec(event, n.kdn.Org.ID, father, f.ID, opora.LifeEventJobLoss, today.AddDays(-40), s.Now())
		exec(event, n.kdn.Org.ID, mother, f.ID, opora.LifeEventDivorce, today.AddMonths(-30), s.Now())
		var terr int64
		if err := db.QueryRow(`INSERT INTO territories (kind, name) VALUES ('municipality', 'Район') RETURNING id`).Scan(&terr); err != nil {
			t.Fatal(err)
		}
		signal := `INSERT INTO signals (organisation_id, territory_id, reporter_kind, reporter_org_id, received_at, channel, urgency, due_at, family_id, close_reason, created_at)
			VALUES ($1, $2, $3, $4, $5, 'letter', 'ordinary', $5, $6, $7, $5)`
		exec(signal, n.kdn.Org.ID, terr, "agency", n.school.Org.ID, s.Now().Add(-24*time.Hour*20), f.ID, "")
		exec(signal, n.kdn.Org.ID, terr, "agency", n.school.Org.ID, s.Now().Add(-24*time.Hour*5), f.ID, "duplicate")
		exec(signal, n.kdn.Org.ID, terr, "person", nil, s.Now().Add(-24*time.Hour*3), other.ID, "")

		facts, err := s.HintFacts(curator, []int64{f.ID, other.ID}, today)
		if err != nil {
			t.Fatal(err)
		}
		got := facts[f.ID]
		if got == nil || got.StatusKey != "early" || !got.AssessedOn.Equal(today.AddDays(-10)) {
			t.Fatalf("facts: %+v", got)
		}
		ind := def.Domains[0].Indicators
		if got.Indicators[ind[0].Label] != 3 || got.Indicators[ind[1].Label] != 2 || got.Indicators[ind[2].Label] != 1 ||
			got.Indicators[def.Domains[1].Indicators[0].Label] != 0 {
			t.Errorf("indicators: %v", got.Indicators)
		}
		if len(got.Signals) != 1 || got.Signals[0].AgencyType != opora.OrgSchool {
			t.Errorf("signals (the duplicate aside): %+v", got.Signals)
		}
		if len(got.Events) != 2 || got.Events[1].Kind != opora.LifeEventJobLoss || got.Events[1].Member != "Иванов С." {
			t.Errorf("events: %+v", got.Events)
		}
		// The rule of the job loss and the first indicator at 3 matches, with
		// its reasons; the divorce 30 months ago is out of a 12-month window.
		rule := &opora.HintRule{Difficulty: "Потеря дохода", Conditions: []opora.HintCondition{
			{Kind: opora.CondEvent, Ref: opora.LifeEventJobLoss},
			{Kind: opora.CondIndicator, Ref: ind[0].Label, Min: 2},
			{Kind: opora.CondSignal, Ref: string(opora.OrgSchool)},
		}}
		because, ok := rule.Match(got, today)
		if !ok || because[0].Member != "Иванов С." || because[1].Score != 3 || because[2].Count != 1 {
			t.Errorf("rule: %v %+v", ok, because)
		}
		if _, ok := (&opora.HintRule{Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventDivorce}}}).Match(got, today); ok {
			t.Error("a divorce 30 months ago matches a 12-month window")
		}
		o := facts[other.ID]
		if o == nil || len(o.Events) != 0 || len(o.Indicators) != 0 || len(o.Signals) != 1 || o.Signals[0].AgencyType != "" {
			t.Errorf("the other family: %+v", o)
		}

		// As of 15 days ago: no assessment yet, the job loss and one signal.
		past, err := s.HintFacts(curator, []int64{f.ID}, today.AddDays(-15))
		if err != nil {
			t.Fatal(err)
		}
		if p := past[f.ID]; p == nil || len(p.Indicators) != 0 || len(p.Signals) != 1 || len(p.Events) != 2 || p.StatusKey != "early" {
			t.Errorf("as of 15 days ago: %+v", p)
		}
		// As of a day before the family existed: absent.
		before, err := s.HintFacts(curator, []int64{f.ID}, today.AddDays(-400))
		if err != nil || len(before) != 0 {
			t.Errorf("before the family: %v %v", before, err)
		}

		// A person's own life events.
		persons, err := s.PersonHintFacts(curator, []int64{father, mother, other.Members[0].ClientID}, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(persons) != 2 || persons[father].ClientID != father || persons[father].Events[0].Kind != opora.LifeEventJobLoss {
			t.Errorf("persons: %+v", persons)
		}
	})
}
