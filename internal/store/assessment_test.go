package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// assessedFamily is the Ивановы sent to the КЦСОН, whose head made
// curator A their curator (which opened the family's case).
func assessedFamily(t *testing.T, s *store.Store) (*familyNet, *opora.Family, context.Context) {
	t.Helper()
	n := newFamilyNet(t, s)
	f, _ := createFamily(t, s, n)
	if err := s.GrantFamily(n.secretary, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
		t.Fatal(err)
	}
	if err := s.AssignCurator(storetest.CtxOf(t, s, n.headUser.ID), f.ID, n.curatorA.ID); err != nil {
		t.Fatal(err)
	}
	return n, f, storetest.CtxOf(t, s, n.curatorA.ID)
}

// answersByScore answers every indicator of a definition: the option
// scoring scores[domain index][indicator index], or rest when the domain
// has no entry.
func answersByScore(t *testing.T, def *opora.AssessmentDef, scores map[int][]int, rest int) map[int64]int64 {
	t.Helper()
	out := map[int64]int64{}
	for i, d := range def.Domains {
		for j, x := range d.Indicators {
			want := rest
			if sc, ok := scores[i]; ok {
				want = sc[j]
			}
			for _, o := range x.Options {
				if o.Score == want {
					out[x.ID] = o.ID
				}
			}
			if out[x.ID] == 0 {
				t.Fatalf("indicator %q has no option scoring %d", x.Label, want)
			}
		}
	}
	return out
}

func blankDefault(t *testing.T, s *store.Store, ctx context.Context, familyID int64) *opora.Assessment {
	t.Helper()
	forms, err := s.AssessmentForms(ctx)
	if err != nil || len(forms) != 1 {
		t.Fatalf("assessment forms: %v %d", err, len(forms))
	}
	x, err := s.BlankAssessment(ctx, familyID, forms[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestAssessmentScores scores a fixture by hand: the default form has 11
// domains of 3 indicators scored 0–3 and the levels 0 низкий, 10 средний,
// 25 высокий, 45 критический. A draft is never scored nor compared.
func TestAssessmentScores(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n, f, curator := assessedFamily(t, s)
		x := blankDefault(t, s, curator, f.ID)
		if len(x.Def.Domains) != 11 || x.Def.Indicators() != 33 || x.Def.Domains[0].Title != "Безопасность ребёнка" {
			t.Fatalf("default assessment: %d domains, %d indicators", len(x.Def.Domains), x.Def.Indicators())
		}
		def := x.Def

		// Half-filled: saved as a draft, never scored.
		draft := *x
		all := answersByScore(t, def, nil, 1)
		draft.Answers = map[int64]int64{}
		for _, ind := range def.Domains[0].Indicators {
			draft.Answers[ind.ID] = all[ind.ID]
		}
		if err := s.SaveAssessment(curator, &draft, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.FamilyAssessment(curator, f.ID, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Completed() || got.Total != 0 || len(got.Scores) != 0 || got.Level != "" || len(got.Answers) != 3 {
			t.Fatalf("draft: %+v", got)
		}
		// Completing it half-filled: an error next to each unanswered indicator.
		err = s.SaveAssessment(curator, &draft, true)
		if fe := opora.FieldErrors(err); len(fe) != 30 || fe["f"+idStr(def.Domains[1].Indicators[0].ID)] != "assessment.error.unanswered" {
			t.Fatalf("completing a half-filled draft: %v", err)
		}
		// An option of another indicator, a date in the future.
		bad := *x
		bad.Answers = map[int64]int64{def.Domains[0].Indicators[0].ID: def.Domains[0].Indicators[1].Options[0].ID}
		bad.AssessedOn = s.Today().AddDate(0, 0, 1)
		fe := opora.FieldErrors(s.SaveAssessment(curator, &bad, false))
		if fe["f"+idStr(def.Domains[0].Indicators[0].ID)] != "error.invalid_choice" || fe["assessed_on"] != "error.date_future" {
			t.Fatalf("bad input: %v", fe)
		}

		// By hand: safety 3+2+1 = 6, health 2+2+2 = 6, nine domains of
		// 1+1+1 = 27; total 39 ≥ 25 → «Высокий».
		first := *x
		first.AssessedOn = s.Today().AddDate(0, -3, 0)
		first.Answers = answersByScore(t, def, map[int][]int{0: {3, 2, 1}, 1: {2, 2, 2}}, 1)
		if err := s.SaveAssessment(curator, &first, true); err != nil {
			t.Fatal(err)
		}
		got, err = s.FamilyAssessment(curator, f.ID, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		safety, health, care := def.Domains[0].ID, def.Domains[1].ID, def.Domains[2].ID
		if !got.Completed() || got.Total != 39 || got.Level != "Высокий" || got.Scores[safety] != 6 ||
			got.Scores[health] != 6 || got.Scores[care] != 3 || got.SnapshotID == 0 {
			t.Fatalf("first assessment: total %d level %q scores %v", got.Total, got.Level, got.Scores)
		}
		// Today: safety 0 (better), health 9 (worse), the rest the same;
		// total 0 + 9 + 27 = 36 → «Высокий».
		second := *x
		second.Answers = answersByScore(t, def, map[int][]int{0: {0, 0, 0}, 1: {3, 3, 3}}, 1)
		if err := s.SaveAssessment(curator, &second, true); err != nil {
			t.Fatal(err)
		}
		if second.Total != 36 || second.Level != "Высокий" || second.SnapshotID != got.SnapshotID {
			t.Fatalf("second: total %d level %q snapshot %d (first %d)", second.Total, second.Level, second.SnapshotID, got.SnapshotID)
		}
		// A low family: everything 0 → «Низкий»; all 3 → 99 «Критический».
		if _, total := def.Score(answersByScore(t, def, nil, 0)); def.Level(total) != "Низкий" {
			t.Errorf("all none: %d %s", total, def.Level(total))
		}
		if _, total := def.Score(answersByScore(t, def, nil, 3)); total != 99 || def.Level(total) != "Критический" {
			t.Errorf("all danger: %d %s", total, def.Level(total))
		}
		// A completed assessment does not change.
		if err := s.SaveAssessment(curator, &first, false); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("editing a completed assessment: %v", err)
		}

		cmp, err := s.CompareAssessments(curator, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(cmp.Assessments) != 2 || cmp.Assessments[0].ID != first.ID || len(cmp.Domains) != 11 {
			t.Fatalf("comparison: %d assessments, %d domains", len(cmp.Assessments), len(cmp.Domains))
		}
		wantChange := []string{opora.ChangeBetter, opora.ChangeWorse, opora.ChangeSame}
		for i, w := range wantChange {
			c := cmp.Domains[i].Cells
			if c[0].Change != "" || c[1].Change != w {
				t.Errorf("domain %s: %+v, want %s", cmp.Domains[i].Title, c, w)
			}
		}
		if cmp.Totals[1].Score != 36 || cmp.Totals[1].Change != opora.ChangeBetter {
			t.Errorf("totals: %+v", cmp.Totals)
		}
		list, err := s.FamilyAssessments(curator, f.ID)
		if err != nil || len(list) != 3 {
			t.Fatalf("list: %v %d", err, len(list))
		}

		// Another organisation (the school's head, not granted) sees none of it.
		_, schoolHead := n.school.AddUser(t, "school-head", "agency_head")
		if _, err := s.FamilyAssessment(schoolHead, f.ID, first.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another organisation: %v", err)
		}
		if _, err := s.CompareAssessments(schoolHead, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another organisation compares: %v", err)
		}
		// The КДН holding the card reads the КЦСОН's assessment.
		if got, err := s.FamilyAssessment(n.secretary, f.ID, first.ID); err != nil || got.Total != 39 {
			t.Errorf("the КДН reads it: %v", err)
		}
	})
}

// TestAssessmentOldVersion: after the form is edited (an indicator
// relabelled, an option disabled, the levels changed) a completed
// assessment still renders with the questions, options and level it was
// answered with; a new one uses the new form.
func TestAssessmentOldVersion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n, f, curator := assessedFamily(t, s)
		x := blankDefault(t, s, curator, f.ID)
		def := x.Def
		old := *x
		old.Answers = answersByScore(t, def, map[int][]int{0: {3, 0, 0}}, 0)
		if err := s.SaveAssessment(curator, &old, true); err != nil {
			t.Fatal(err)
		}
		ind := def.Domains[0].Indicators[0]
		chosen := ind.Option(old.Answers[ind.ID])

		admin := n.kcson.Ctx()
		form, err := s.EditorForm(admin, def.FormID)
		if err != nil {
			t.Fatal(err)
		}
		field := form.Field(ind.ID)
		field.Label = "Ребёнка оставляют одного"
		if err := s.UpdateField(admin, field); err != nil {
			t.Fatal(err)
		}
		o := *field.Option(chosen.ID)
		o.Label, o.Disabled = "Опасно", true
		if err := s.UpdateOption(admin, &o); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAssessmentLevels(admin, def.FormID, []opora.AssessmentLevel{{Label: "Норма", MinScore: 0}, {Label: "Тревога", MinScore: 2}}); err != nil {
			t.Fatal(err)
		}

		got, err := s.FamilyAssessment(curator, f.ID, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		gi, _ := got.Def.Indicator(ind.ID)
		if gi == nil || gi.Label != ind.Label || gi.Option(chosen.ID) == nil || gi.Option(chosen.ID).Label != chosen.Label {
			t.Fatalf("old assessment after the edit: %+v", gi)
		}
		if got.Total != 3 || got.Level != "Низкий" {
			t.Errorf("old level: %d %q", got.Total, got.Level)
		}
		fresh := blankDefault(t, s, curator, f.ID)
		fi, _ := fresh.Def.Indicator(ind.ID)
		if fi.Label != "Ребёнка оставляют одного" || fi.Option(chosen.ID) != nil || fresh.Def.Level(3) != "Тревога" {
			t.Errorf("new definition: %+v, level %q", fi, fresh.Def.Level(3))
		}
		// The old option no longer fits a new assessment.
		fresh.Answers = map[int64]int64{ind.ID: chosen.ID}
		if fe := opora.FieldErrors(s.SaveAssessment(curator, fresh, false)); fe["f"+idStr(ind.ID)] != "error.invalid_choice" {
			t.Errorf("a disabled option: %v", fe)
		}
		// A second assessment with the new definition gets a new snapshot.
		next := blankDefault(t, s, curator, f.ID)
		next.Answers = answersByScore(t, next.Def, nil, 0)
		if err := s.SaveAssessment(curator, next, true); err != nil {
			t.Fatal(err)
		}
		if next.SnapshotID == old.SnapshotID || next.Level != "Норма" {
			t.Errorf("new snapshot %d (old %d), level %q", next.SnapshotID, old.SnapshotID, next.Level)
		}
		// Levels: duplicate minimums are refused.
		err = s.SaveAssessmentLevels(admin, def.FormID, []opora.AssessmentLevel{{Label: "А", MinScore: 1}, {Label: "Б", MinScore: 1}})
		if opora.FieldErrors(err)["levels.1.min"] == "" {
			t.Errorf("duplicate minimums: %v", err)
		}
	})
}

// TestAssessmentSeededOnlyForAgencies: an NGO gets no assessment form; the
// seeder is idempotent.
func TestAssessmentSeededOnlyForAgencies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		var ngo, kcson int
		db := storetest.RawDB(t, s)
		if err := db.QueryRow(`SELECT COUNT(*) FROM forms WHERE organisation_id = $1 AND kind = 'assessment'`, n.net.Org.ID).Scan(&ngo); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM forms WHERE organisation_id = $1 AND kind = 'assessment'`, n.kcson.Org.ID).Scan(&kcson); err != nil {
			t.Fatal(err)
		}
		if ngo != 0 || kcson != 1 {
			t.Errorf("assessment forms: NGO %d, КЦСОН %d", ngo, kcson)
		}
		// Not one of the client's repeatable forms.
		forms, err := s.Forms(n.kcson.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, fm := range forms {
			if fm.Kind == opora.FormKindAssessment && fm.Repeatable {
				t.Errorf("the assessment form is repeatable for clients")
			}
		}
	})
}

// TestDraftPlan: no case before a curator; draft tasks with their
// indicator and proposed agency type, never a responsible organisation;
// a plan template applied; edit, remove; bad input; another organisation.
func TestDraftPlan(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, _ := createFamily(t, s, n)
		taskTypes, err := s.CaseDictionary(n.secretary, opora.DictTaskType, false)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.FamilyDraftPlan(n.secretary, f.ID)
		if err != nil || p.CaseID != 0 {
			t.Fatalf("no curator: %v %+v", err, p)
		}
		err = s.SaveDraftTask(n.secretary, &opora.DraftTask{FamilyID: f.ID, TypeID: taskTypes[0].ID, What: "Помочь"})
		if !errors.Is(err, store.ErrNoFamilyCase) {
			t.Fatalf("a draft task without a case: %v", err)
		}

		if err := s.GrantFamily(n.secretary, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		if err := s.AssignCurator(storetest.CtxOf(t, s, n.headUser.ID), f.ID, n.curatorA.ID); err != nil {
			t.Fatal(err)
		}
		curator := storetest.CtxOf(t, s, n.curatorA.ID)
		x := blankDefault(t, s, curator, f.ID)
		x.Answers = answersByScore(t, x.Def, map[int][]int{3: {0, 3, 0}, 7: {2, 0, 0}}, 0)
		if err := s.SaveAssessment(curator, x, true); err != nil {
			t.Fatal(err)
		}
		p, err = s.FamilyDraftPlan(curator, f.ID)
		if err != nil || p.CaseID == 0 || len(p.Indicators) != 33 {
			t.Fatalf("plan: %v %+v", err, p)
		}
		school, housing := x.Def.Domains[3].Indicators[1], x.Def.Domains[7].Indicators[0]
		if p.Indicators[0].FieldID != school.ID || p.Indicators[0].Score != 3 || p.Indicators[1].FieldID != housing.ID {
			t.Errorf("indicators scored ≥ 2 first: %+v", p.Indicators[:2])
		}

		kcsonTypes, err := s.CaseDictionary(curator, opora.DictTaskType, false)
		if err != nil {
			t.Fatal(err)
		}
		// Bad input: no type, no text, an unknown agency type, a past
		// deadline, an indicator of no assessment.
		bad := &opora.DraftTask{FamilyID: f.ID, ProposedAgencyType: "mars", DueOn: s.Today().AddDate(0, 0, -1),
			IndicatorFieldID: 999999}
		fe := opora.FieldErrors(s.SaveDraftTask(curator, bad))
		for _, k := range []string{"type_id", "what", "proposed_agency_type", "due_on", "indicator_field_id"} {
			if fe[k] == "" {
				t.Errorf("bad draft task: no error for %s (%v)", k, fe)
			}
		}
		task := &opora.DraftTask{FamilyID: f.ID, TypeID: kcsonTypes[0].ID, What: "Составить план посещения школы",
			Reason: "Пропуски без причины", IndicatorFieldID: school.ID, ProposedAgencyType: opora.OrgEducationAuthority,
			DueOn: s.Today().AddDate(0, 1, 0)}
		if err := s.SaveDraftTask(curator, task); err != nil {
			t.Fatal(err)
		}
		task.What = "План посещения школы с классным руководителем"
		if err := s.SaveDraftTask(curator, task); err != nil {
			t.Fatal(err)
		}
		templates, err := s.PlanTemplates(curator, false)
		if err != nil || len(templates) == 0 {
			t.Fatalf("templates: %v %d", err, len(templates))
		}
		added, err := s.ApplyTemplateToDraft(curator, f.ID, templates[0].ID)
		if err != nil || len(added) != len(templates[0].Items) {
			t.Fatalf("template: %v %d", err, len(added))
		}
		p, err = s.FamilyDraftPlan(n.secretary, f.ID)
		if err != nil || len(p.Tasks) != 1+len(added) {
			t.Fatalf("draft plan: %v %d", err, len(p.Tasks))
		}
		if got := p.Tasks[0]; got.What != task.What || got.IndicatorLabel != school.Label ||
			got.ProposedAgencyType != opora.OrgEducationAuthority || got.TypeLabel == "" {
			t.Errorf("draft task: %+v", got)
		}
		// Nothing is assigned: no case task exists, none with an organisation.
		var tasks int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM case_tasks WHERE case_id = $1`, p.CaseID).Scan(&tasks); err != nil {
			t.Fatal(err)
		}
		if tasks != 0 {
			t.Errorf("%d case tasks before the council", tasks)
		}
		if err := s.DeleteDraftTask(curator, f.ID, task.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDraftTask(curator, f.ID, task.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("deleted twice: %v", err)
		}
		// Another organisation.
		_, schoolHead := n.school.AddUser(t, "school-head", "agency_head")
		if _, err := s.FamilyDraftPlan(schoolHead, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("another organisation: %v", err)
		}
		// The agency specialist reads but does not draft.
		_, spec := n.kcson.AddUser(t, "spec", "agency_specialist")
		if err := s.SaveDraftTask(spec, &opora.DraftTask{FamilyID: f.ID, TypeID: kcsonTypes[0].ID, What: "x"}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a specialist drafts: %v", err)
		}
	})
}
