package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// auditAssessment gives the audit fixture's family a draft assessment on
// a small assessment form the NGO's administrator makes in the builder.
func auditAssessment(t *testing.T, a *app, fx *storetest.Fixture, familyID int64) int64 {
	t.Helper()
	ctx := storetest.CtxOf(t, a.st, fx.Admin.ID)
	f := &opora.Form{Name: "Оценка", Kind: opora.FormKindAssessment}
	if err := a.st.CreateForm(ctx, f); err != nil {
		t.Fatal(err)
	}
	sec := &opora.FormSection{FormID: f.ID, Title: "Жильё"}
	if err := a.st.CreateSection(ctx, sec); err != nil {
		t.Fatal(err)
	}
	x := &opora.FormField{SectionID: sec.ID, Label: "Жильё опасно", Type: opora.FieldChoice}
	if err := a.st.CreateField(ctx, x); err != nil {
		t.Fatal(err)
	}
	for i, l := range []string{"Нет", "Да"} {
		if err := a.st.CreateOption(ctx, &opora.FieldOption{FieldID: x.ID, Label: l, Score: i * 3}); err != nil {
			t.Fatal(err)
		}
	}
	as, err := a.st.BlankAssessment(ctx, familyID, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.st.SaveAssessment(ctx, as, false); err != nil {
		t.Fatal(err)
	}
	return as.ID
}

// TestAssessmentPages: the КЦСОН's head (the family's curator) fills the
// default assessment on the card: a half-filled draft, errors next to the
// unanswered questions, two completed assessments compared per domain;
// then drafts the help plan. The card shows both; another organisation
// gets 404.
func TestAssessmentPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН", opora.OrgKDN)
		kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН", opora.OrgSocialService)
		school := storetest.AddAgency(t, a.st, fx.Ctx(), "Школа", opora.OrgSchool)
		sec, secCtx := kdn.AddUser(t, "secretary", "kdn_secretary")
		head, _ := kcson.AddUser(t, "kcson-head", "agency_head")
		other, _ := school.AddUser(t, "school-head", "agency_head")
		for _, u := range []struct{ id, org int64 }{{sec.ID, kdn.Org.ID}, {head.ID, kcson.Org.ID}, {other.ID, school.Org.ID}} {
			setPassword(t, a.st, u.id, u.org)
		}
		mother := &opora.Client{Surname: "Смирнова", FirstName: "Анна", BranchID: kdn.Branch.ID}
		if err := a.st.CreateClient(secCtx, mother); err != nil {
			t.Fatal(err)
		}
		fam := &opora.Family{Address: "ул. Мира, 1", Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother}}}
		if err := a.st.CreateFamily(secCtx, fam); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(secCtx, fam.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		card := "/families/" + idString(fam.ID)
		h := a.login(t, "kcson-head", testPassword)

		// No curator yet: no plan.
		res := h.get(card)
		mustContain(t, res.Body, "Оценка", "Новая оценка", "Проект плана помощи", "Назначьте куратора")
		if res = h.post(card+"/plan", url.Values{"what": {"x"}}); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "Сначала назначьте семье куратора") {
			t.Errorf("a draft task without a curator: %d", res.Status)
		}
		if res = h.post(card+"/curator", url.Values{"curator_id": {idString(head.ID)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d", res.Status)
		}

		res = h.get(card + "/assessments/new")
		if res.Status != http.StatusOK {
			t.Fatalf("new assessment: %d", res.Status)
		}
		mustContain(t, res.Body, "Оценка положения семьи", "Безопасность ребёнка", "Социальные связи и поддержка",
			"Опасность для ребёнка", `type="radio"`, "Сумма баллов", "/static/assessment.js")
		forms, err := a.st.AssessmentForms(storetest.CtxOf(t, a.st, head.ID))
		if err != nil || len(forms) != 1 {
			t.Fatalf("forms: %v", err)
		}
		blank, err := a.st.BlankAssessment(storetest.CtxOf(t, a.st, head.ID), fam.ID, forms[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		def := blank.Def
		// answer fills the form: score per domain index, rest for the others.
		answer := func(scores map[int]int, rest int, only int) url.Values {
			v := url.Values{"form_id": {idString(def.FormID)}, "assessed_on": {a.st.Today().Format("02.01.2006")}}
			for i, d := range def.Domains {
				if only >= 0 && i != only {
					continue
				}
				want, ok := scores[i]
				if !ok {
					want = rest
				}
				for _, x := range d.Indicators {
					for _, o := range x.Options {
						if o.Score == want {
							v.Set("f"+idString(x.ID), idString(o.ID))
						}
					}
				}
			}
			return v
		}
		// A half-filled assessment is saved as a draft.
		half := answer(nil, 2, 0)
		half.Set("action", "draft")
		res = h.post(card+"/assessments", half)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("draft: %d %s", res.Status, res.Body)
		}
		draft := res.Location
		res = h.get(draft)
		mustContain(t, res.Body, "Черновик", "Сохранить черновик", "Баллы по сфере: <output data-domain-score>6</output>")
		// Completing it: an error next to each unanswered question, the answers kept.
		half.Set("action", "complete")
		res = h.post(draft, half)
		if res.Status != http.StatusUnprocessableEntity || strings.Count(res.Body, "Выберите ответ, чтобы завершить оценку.") != 30 {
			t.Fatalf("completing half-filled: %d, %d errors", res.Status, strings.Count(res.Body, "Выберите ответ, чтобы завершить оценку."))
		}
		if res = h.get(card + "/assessments/compare"); !strings.Contains(res.Body, "Завершённых оценок пока нет.") {
			t.Errorf("a draft is compared")
		}
		// Complete: safety 2×3 = 6, others 1×3 = 3 each → 6 + 30 = 36 «Высокий».
		full := answer(map[int]int{0: 2}, 1, -1)
		full.Set("action", "complete")
		if res = h.post(draft, full); res.Status != http.StatusSeeOther {
			t.Fatalf("complete: %d %s", res.Status, res.Body)
		}
		res = h.get(res.Location)
		mustContain(t, res.Body, "Завершена", "Сумма баллов: 36", "Высокий")
		// Today's: safety 0 (лучше), health 3×3 = 9 (хуже), the rest the same.
		next := answer(map[int]int{0: 0, 1: 3}, 1, -1)
		next.Set("action", "complete")
		if res = h.post(card+"/assessments", next); res.Status != http.StatusSeeOther {
			t.Fatalf("second: %d %s", res.Status, res.Body)
		}
		res = h.get(card + "/assessments/compare")
		mustContain(t, res.Body, "лучше", "хуже", "без изменений", "Безопасность ребёнка")

		// The form changes (a question relabelled, an option disabled); the
		// completed assessment still shows what it was answered with.
		admin := kcson.Ctx()
		ed, err := a.st.EditorForm(admin, def.FormID)
		if err != nil {
			t.Fatal(err)
		}
		q := ed.Field(def.Domains[0].Indicators[0].ID)
		oldLabel := q.Label
		q.Label = "Новая формулировка вопроса"
		if err := a.st.UpdateField(admin, q); err != nil {
			t.Fatal(err)
		}
		opt := *q.Options[2] // «Есть проблема», chosen in the first assessment
		opt.Disabled = true
		if err := a.st.UpdateOption(admin, &opt); err != nil {
			t.Fatal(err)
		}
		res = h.get(draft)
		mustContain(t, res.Body, oldLabel, "Есть проблема")
		if strings.Contains(res.Body, "Новая формулировка вопроса") {
			t.Errorf("the old assessment shows the new wording")
		}
		res = h.get(card + "/assessments/new")
		mustContain(t, res.Body, "Новая формулировка вопроса")

		// The draft help plan: bad input, then a task answering an indicator.
		res = h.get(card + "/plan")
		mustContain(t, res.Body, "Проект плана помощи", "Предложить задачу", "Опека и попечительство")
		bad := url.Values{"what": {""}, "proposed_agency_type": {"mars"}, "due_on": {"01.01.2000"}}
		res = h.post(card+"/plan", bad)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-what"`) ||
			!strings.Contains(res.Body, `id="e-type_id"`) || !strings.Contains(res.Body, `id="e-due_on"`) {
			t.Fatalf("bad draft task: %d", res.Status)
		}
		types, err := a.st.CaseDictionary(storetest.CtxOf(t, a.st, head.ID), opora.DictTaskType, false)
		if err != nil {
			t.Fatal(err)
		}
		ind := def.Domains[1].Indicators[0]
		good := url.Values{"type_id": {idString(types[0].ID)}, "what": {"Записать к педиатру"}, "reason": {"Пропущены осмотры"},
			"indicator_field_id": {idString(ind.ID)}, "proposed_agency_type": {"health"},
			"due_on": {a.st.Today().AddDate(0, 1, 0).Format("02.01.2006")}}
		if res = h.post(card+"/plan", good); res.Status != http.StatusSeeOther {
			t.Fatalf("draft task: %d %s", res.Status, res.Body)
		}
		res = h.get(card + "/plan")
		mustContain(t, res.Body, "Записать к педиатру", "Пропущены осмотры", ind.Label, "Здравоохранение")
		res = h.get(card)
		mustContain(t, res.Body, "Записать к педиатру", "Высокий", "Завершена")

		// Another organisation: 404 everywhere.
		o := a.login(t, "school-head", testPassword)
		for _, p := range []string{card + "/assessments/new", draft, card + "/assessments/compare", card + "/plan"} {
			if res = o.get(p); res.Status != http.StatusNotFound {
				t.Errorf("another organisation GET %s: %d", p, res.Status)
			}
		}
		if res = o.post(card+"/plan", good); res.Status != http.StatusNotFound {
			t.Errorf("another organisation drafts: %d", res.Status)
		}
	})
}

// TestAssessmentAdmin: the administrator creates an assessment form, sets
// option scores and levels in the builder.
func TestAssessmentAdmin(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		b := a.login(t, "admin", testPassword)
		res := b.post("/admin/forms", url.Values{"name": {"Оценка семьи"}, "kind": {"assessment"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		formPage := res.Location
		res = b.get(formPage)
		mustContain(t, res.Body, "Уровни по сумме баллов")
		if res = b.post(formPage+"/levels", url.Values{"level_label": {"Низкий", "Высокий"}, "level_min": {"0", "0"}}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("duplicate minimums: %d", res.Status)
		}
		if res = b.post(formPage+"/levels", url.Values{"level_label": {"Низкий", "Высокий", ""}, "level_min": {"0", "5", ""}}); res.Status != http.StatusSeeOther {
			t.Fatalf("levels: %d %s", res.Status, res.Body)
		}
		res = b.get(formPage)
		mustContain(t, res.Body, `value="Высокий"`, `value="5"`)
		if res = b.get("/admin/forms"); !strings.Contains(res.Body, "Оценка семьи (баллы)") {
			t.Errorf("the list does not say it is an assessment form")
		}
		formID := mustInt(t, strings.TrimPrefix(formPage, "/admin/forms/"))
		ctx := fx.Ctx()
		sec := &opora.FormSection{FormID: formID, Title: "Жильё"}
		if err := a.st.CreateSection(ctx, sec); err != nil {
			t.Fatal(err)
		}
		x := &opora.FormField{SectionID: sec.ID, Label: "Жильё опасно", Type: opora.FieldChoice}
		if err := a.st.CreateField(ctx, x); err != nil {
			t.Fatal(err)
		}
		fieldPage := "/admin/form-fields/" + idString(x.ID)
		if res = b.post(fieldPage+"/options", url.Values{"label": {"Да"}, "score": {"3"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("option: %d %s", res.Status, res.Body)
		}
		if res = b.post(fieldPage+"/options", url.Values{"label": {"Плохо"}, "score": {"-1"}}); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("a negative score: %d", res.Status)
		}
		res = b.get(fieldPage)
		mustContain(t, res.Body, `name="score"`, `value="3"`)
	})
}
