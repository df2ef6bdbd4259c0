package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// hintFixture is the assessed Ивановы with the school indicator scored 2
// and the father's job lost 40 days ago, a second family of the network
// with the job loss only, and a rule on both conditions.
type hintFixture struct {
	n       *familyNet
	f       *opora.Family
	other   *opora.Family
	curator context.Context
	rule    *opora.HintRule
}

func newHintFixture(t *testing.T, s *store.Store) *hintFixture {
	tt := t
	n, f, curator := assessedFamily(tt, s)
	other, _ := createFamily(tt, s, n)
	x := blankDefault(tt, s, curator, f.ID)
	// "Обучение" (the fourth domain): the first indicator scored 2.
	x.Answers = answersByScore(tt, x.Def, map[int][]int{3: {2, 0, 0}}, 0)
	x.AssessedOn = s.Today().AddDays(-3)
	if err := s.SaveAssessment(curator, x, true); err != nil {
		t.Fatal(err)
	}
	db := storetest.RawDB(t, s)
	event := `INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)`
	for _, fam := range []*opora.Family{f, other} {
		for _, m := range fam.Members {
			if m.Role == opora.RoleFather {
				if _, err := db.Exec(event, n.kdn.Org.ID, m.ClientID, fam.ID, opora.LifeEventJobLoss, s.Today().AddDays(-40), s.Now()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	r := &opora.HintRule{Difficulty: "Потеря работы и пропуски школы", Source: "Тестовый порядок, раздел 1",
		Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventJobLoss},
			{Kind: opora.CondIndicator, Ref: x.Def.Domains[3].Indicators[0].Label, Min: 2}},
		Measures: []opora.HintMeasure{{TaskTypeKey: "job_search", AgencyType: opora.OrgEmployment},
			{TaskTypeKey: "school_attendance", AgencyType: opora.OrgSchool}}}
	if err := s.CreateHintRule(n.net.Ctx(), r); err != nil {
		t.Fatal(err)
	}
	return &hintFixture{n: n, f: f, other: other, curator: curator, rule: r}
}

func findHint(l *store.HintList, ruleID int64) *store.FamilyHint {
	for _, h := range l.Hints {
		if h.Rule.ID == ruleID {
			return h
		}
	}
	return nil
}

func TestFamilyHints(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		x := newHintFixture(t, s)
		l, err := s.FamilyHints(x.curator, x.f.ID)
		if err != nil {
			t.Fatal(err)
		}
		h := findHint(l, x.rule.ID)
		if h == nil || l.CaseID == 0 {
			t.Fatalf("the rule does not fire: %+v", l)
		}
		if len(h.Because) != 2 || h.Because[0].Member != "Иванов С." || h.Because[1].Score != 2 {
			t.Errorf("because: %+v", h.Because)
		}
		if len(h.Measures) != 2 || h.Measures[0].TaskTypeID == 0 || h.Measures[0].TaskTypeLabel != "Подбор вакансий" ||
			h.Measures[0].InDraft || h.Measures[0].InPlan {
			t.Errorf("measures: %+v", h.Measures)
		}
		// The seeded rule of a job loss and missed school fires too.
		seeded := false
		for _, h := range l.Hints {
			seeded = seeded || strings.HasPrefix(h.Rule.Source, "Региональный порядок, раздел 3.2")
		}
		if !seeded {
			t.Error("the seeded job-loss rule does not fire")
		}
		// The other family lacks the indicator: no hint.
		ol, err := s.FamilyHints(x.n.secretary, x.other.ID)
		if err != nil {
			t.Fatal(err)
		}
		if findHint(ol, x.rule.ID) != nil {
			t.Error("the rule fires without the indicator")
		}

		// Another organisation's worker without access: not found.
		stranger := storetest.AddAgency(t, s, x.n.net.Ctx(), "КЦСОН другого района", opora.OrgSocialService)
		_, strangerCtx := stranger.AddUser(t, "stranger-cur", "curator")
		if _, err := s.FamilyHints(strangerCtx, x.f.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("a stranger reads hints: %v", err)
		}
		if _, err := s.AddHintMeasure(strangerCtx, x.f.ID, x.rule.ID, 0); opora.ErrorCode(err) != opora.ENOTFOUND && opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Errorf("a stranger adds a measure: %v", err)
		}
		fb := &opora.HintFeedback{HintKind: opora.HintKindRule, HintRef: strconv.FormatInt(x.rule.ID, 10), FamilyID: x.f.ID, Verdict: opora.HintUseful}
		if err := s.SaveHintFeedback(strangerCtx, fb); opora.ErrorCode(err) != opora.ENOTFOUND && opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Errorf("a stranger gives feedback: %v", err)
		}

		// One tap adds one draft task; a second tap adds nothing.
		task, err := s.AddHintMeasure(x.curator, x.f.ID, x.rule.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if task.Reason != x.rule.Difficulty || task.ProposedAgencyType != opora.OrgEmployment || task.IndicatorFieldID == 0 {
			t.Errorf("draft task: %+v", task)
		}
		again, err := s.AddHintMeasure(x.curator, x.f.ID, x.rule.ID, 0)
		if err != nil || again.ID != task.ID {
			t.Errorf("second tap: %v %+v", err, again)
		}
		plan, err := s.FamilyDraftPlan(x.curator, x.f.ID)
		if err != nil || len(plan.Tasks) != 1 {
			t.Fatalf("draft plan: %v %d", err, len(plan.Tasks))
		}
		if _, err := s.AddHintMeasure(x.curator, x.f.ID, x.rule.ID, 7); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("no such measure: %v", err)
		}
		if _, err := s.AddHintMeasure(x.n.secretary, x.other.ID, x.rule.ID, 0); err != store.ErrNoFamilyCase {
			t.Errorf("no open case: %v", err)
		}
		l, _ = s.FamilyHints(x.curator, x.f.ID)
		if h := findHint(l, x.rule.ID); h == nil || !h.Measures[0].InDraft || h.Measures[1].InDraft {
			t.Errorf("in draft: %+v", h)
		}

		// Feedback: bad verdict and long comment refused on their fields.
		bad := &opora.HintFeedback{HintKind: opora.HintKindRule, HintRef: fb.HintRef, FamilyID: x.f.ID, Verdict: "great",
			Comment: strings.Repeat("я", 1001)}
		fe := opora.FieldErrors(s.SaveHintFeedback(x.curator, bad))
		if fe["verdict"] == "" || fe["comment"] == "" {
			t.Errorf("bad feedback: %v", fe)
		}
		fb.Comment = "  Помогло найти работу отцу "
		if err := s.SaveHintFeedback(x.curator, fb); err != nil {
			t.Fatal(err)
		}
		wrong := &opora.HintFeedback{HintKind: opora.HintKindRule, HintRef: fb.HintRef, FamilyID: x.f.ID, Verdict: opora.HintWrong}
		if err := s.SaveHintFeedback(x.n.secretary, wrong); err != nil {
			t.Fatal(err)
		}
		l, _ = s.FamilyHints(x.curator, x.f.ID)
		if h := findHint(l, x.rule.ID); h == nil || h.Feedback == nil || h.Feedback.Verdict != opora.HintUseful {
			t.Errorf("my feedback: %+v", h)
		}
		if _, err := s.RuleHintFeedback(x.curator); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Errorf("a curator reads the counts: %v", err)
		}
		counts, err := s.RuleHintFeedback(x.n.net.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		c := counts[x.rule.ID]
		if c == nil || c.Useful != 1 || c.Wrong != 1 || c.NotUseful != 0 || len(c.Latest) != 1 ||
			c.Latest[0].Comment != "Помогло найти работу отцу" || c.Latest[0].CreatedByName == "" {
			t.Errorf("counts: %+v", c)
		}
	})
}

// TestFamilyHintsBrokenRule: a rule naming an indicator no assessment form
// has any more is flagged and skipped, even though the family's old
// assessment still carries the label.
func TestFamilyHintsBrokenRule(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		x := newHintFixture(t, s)
		label := x.rule.Conditions[1].Ref
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE form_fields SET label = 'Пропуски занятий' WHERE label = $1`, label); err != nil {
			t.Fatal(err)
		}
		l, err := s.FamilyHints(x.curator, x.f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if findHint(l, x.rule.ID) != nil {
			t.Error("a broken rule fires")
		}
		r, err := s.HintRule(x.n.net.Ctx(), x.rule.ID)
		if err != nil || len(r.Broken) != 1 || r.Broken[0] != 1 {
			t.Errorf("broken: %v %+v", err, r)
		}
	})
}

// TestFamilyHintsSections: a reader of some sections only (the child's
// school: members and plan) sees no hint whose reason names a closed
// section (here the assessment's score and the father's job loss, an
// income matter), and sees one on a member's move.
func TestFamilyHintsSections(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		x := newHintFixture(t, s)
		_, school := x.n.school.AddUser(t, "school-head", "agency_head")
		types, err := s.CaseDictionary(x.curator, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatalf("task types: %v", err)
		}
		if err := s.AddFamilyTask(x.curator, x.f.ID, &opora.Task{TypeID: types[0].ID, Description: "Задача школе",
			ResponsibleOrg: x.n.school.Org.ID, DueOn: s.Today().AddDays(10)}); err != nil {
			t.Fatal(err)
		}
		moved := &opora.HintRule{Difficulty: "Переезд семьи", Conditions: []opora.HintCondition{{Kind: opora.CondEvent, Ref: opora.LifeEventMoved}},
			Measures: []opora.HintMeasure{{TaskTypeKey: "curator_support"}}}
		if err := s.CreateHintRule(x.n.net.Ctx(), moved); err != nil {
			t.Fatal(err)
		}
		for _, m := range x.f.Members {
			if m.Role == opora.RoleMother {
				if _, err := storetest.RawDB(t, s).Exec(`INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at)
					VALUES ($1, $2, $3, $4, $5, $6)`, x.n.kdn.Org.ID, m.ClientID, x.f.ID, opora.LifeEventMoved, s.Today().AddDays(-5), s.Now()); err != nil {
					t.Fatal(err)
				}
			}
		}
		l, err := s.FamilyHints(school, x.f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if findHint(l, x.rule.ID) != nil {
			t.Error("the school sees a hint naming the assessment and the income")
		}
		if findHint(l, moved.ID) == nil {
			t.Error("the school does not see the hint on a member's move")
		}
		if l, _ := s.FamilyHints(x.curator, x.f.ID); findHint(l, x.rule.ID) == nil || findHint(l, moved.ID) == nil {
			t.Error("the curator misses a hint")
		}
	})
}
