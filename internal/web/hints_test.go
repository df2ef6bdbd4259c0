package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

const hintSchoolIndicator = "Ребёнок пропускает школу или детский сад без уважительной причины"

// hintWeb is a network with a КЦСОН whose head curates the Петровы: the
// father lost his job 40 days ago, the latest assessment scores missed
// school 2. The Сидоровы (a child's illness) have no curator yet.
type hintWeb struct {
	famID, otherID int64
	head           *client // the КЦСОН's head, the Петровы' curator
	secretary      *client // the КДН's secretary, who registered both families
	stranger       *client // another КЦСОН's head, without access
	admin          *client // the network administrator (hints.manage)
}

func newHintWeb(t *testing.T, a *app, fx *storetest.Fixture) *hintWeb {
	t.Helper()
	kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН", opora.OrgKDN)
	kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН", opora.OrgSocialService)
	kcson2 := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН соседнего района", opora.OrgSocialService)
	sec, secCtx := kdn.AddUser(t, "hint-sec", "kdn_secretary")
	head, headCtx := kcson.AddUser(t, "hint-head", "agency_head")
	other, _ := kcson2.AddUser(t, "hint-other", "agency_head")
	for _, u := range []struct{ id, org int64 }{{sec.ID, kdn.Org.ID}, {head.ID, kcson.Org.ID}, {other.ID, kcson2.Org.ID}} {
		setPassword(t, a.st, u.id, u.org)
	}
	newFamily := func(surname string) (*opora.Family, int64) {
		mother := &opora.Client{Surname: surname + "а", FirstName: "Анна", BranchID: kdn.Branch.ID}
		if err := a.st.CreateClient(secCtx, mother); err != nil {
			t.Fatal(err)
		}
		fam := &opora.Family{Address: "ул. Мира, 1", Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother},
			{Client: &opora.Client{Surname: surname, FirstName: "Олег"}, Role: opora.RoleFather},
			{Client: &opora.Client{Surname: surname, FirstName: "Миша"}, Role: opora.RoleChild}}}
		if err := a.st.CreateFamily(secCtx, fam); err != nil {
			t.Fatal(err)
		}
		var father int64
		for _, m := range fam.Members {
			if m.Role == opora.RoleFather {
				father = m.ClientID
			}
		}
		return fam, father
	}
	fam, father := newFamily("Петров")
	if err := a.st.GrantFamily(secCtx, fam.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
		t.Fatal(err)
	}
	if err := a.st.AssignCurator(headCtx, fam.ID, head.ID); err != nil {
		t.Fatal(err)
	}
	forms, err := a.st.AssessmentForms(headCtx)
	if err != nil || len(forms) != 1 {
		t.Fatalf("forms: %v", err)
	}
	x, err := a.st.BlankAssessment(headCtx, fam.ID, forms[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	x.Answers = map[int64]int64{}
	for _, d := range x.Def.Domains {
		for _, ind := range d.Indicators {
			want := 0
			if ind.Label == hintSchoolIndicator {
				want = 2
			}
			for _, o := range ind.Options {
				if o.Score == want {
					x.Answers[ind.ID] = o.ID
				}
			}
		}
	}
	x.AssessedOn = a.st.Today().AddDays(-3)
	if err := a.st.SaveAssessment(headCtx, x, true); err != nil {
		t.Fatal(err)
	}
	otherFam, otherFather := newFamily("Сидоров")
	db := storetest.RawDB(t, a.st)
	event := `INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)`
	for _, e := range []struct {
		client, family int64
		kind           string
	}{{father, fam.ID, opora.LifeEventJobLoss}, {otherFather, otherFam.ID, opora.LifeEventChildIllness}} {
		if _, err := db.Exec(event, kdn.Org.ID, e.client, e.family, e.kind, a.st.Today().AddDays(-40), a.st.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{head.ID, other.ID, sec.ID, fx.Admin.ID} {
		if err := a.st.SetOwnLocale(storetest.CtxOf(t, a.st, id), "ru"); err != nil {
			t.Fatal(err)
		}
	}
	return &hintWeb{famID: fam.ID, otherID: otherFam.ID, head: a.login(t, "hint-head", testPassword),
		secretary: a.login(t, "hint-sec", testPassword), stranger: a.login(t, "hint-other", testPassword),
		admin: a.login(t, "admin", testPassword)}
}

// seededJobLossRule is the id of the seeded rule of a job loss and missed
// school (migration 00054).
func seededJobLossRule(t *testing.T, a *app, fx *storetest.Fixture) int64 {
	t.Helper()
	rules, err := a.st.HintRules(fx.Ctx(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Source == "Региональный порядок, раздел 3.2" {
			return r.ID
		}
	}
	t.Fatal("no seeded job-loss rule")
	return 0
}

func draftCount(t *testing.T, a *app, fx *storetest.Fixture, famID int64) int {
	t.Helper()
	var n int
	if err := storetest.RawDB(t, a.st).QueryRow(`SELECT COUNT(*) FROM draft_plan_tasks WHERE family_id = $1`, famID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHintPages: the rule hints on the card and the plan page, one tap to
// the draft plan, the verdicts with their errors, the administration of
// the rules with the verdicts counted, a broken rule flagged, and 404s for
// an organisation without access.
func TestHintPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		h := newHintWeb(t, a, fx)
		card := "/families/" + idString(h.famID)

		// The administrator adds a rule: without a measure it is refused
		// on the field, the values kept.
		form := url.Values{"difficulty": {"Потеря работы и пропуски школы"}, "source": {"Порядок, раздел 9"},
			"cond.0": {"event:" + opora.LifeEventJobLoss}, "months.0": {"6"},
			"cond.1": {"indicator:" + hintSchoolIndicator}, "min.1": {"2"}, "early_crisis": {"1"}}
		res := h.admin.post("/admin/hints", form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no measures: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите хотя бы одну меру", "Потеря работы и пропуски школы", "Порядок, раздел 9")
		form.Set("type.0", "job_search")
		form.Set("agency.0", string(opora.OrgEmployment))
		form.Set("type.2", "school_attendance")
		form.Set("agency.2", string(opora.OrgSchool))
		if res = h.admin.post("/admin/hints", form); res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		rules, _ := a.st.HintRules(fx.Ctx(), true)
		rule := rules[len(rules)-1]
		if len(rule.Measures) != 2 || rule.Conditions[0].Months != 6 || rule.Conditions[1].Min != 2 || !rule.EarlyCrisis {
			t.Fatalf("saved rule: %+v", rule)
		}
		ruleURL := card + "/hints/" + idString(rule.ID)

		// The curator sees it on the card with why.
		res = h.head.get(card)
		if res.Status != http.StatusOK {
			t.Fatalf("card: %d", res.Status)
		}
		mustContain(t, res.Body, "Подсказки", "Потеря работы и пропуски школы", "потому что: ",
			"показатель «"+hintSchoolIndicator+"» — 2 балла", "Петров О. — событие «Потеря работы»",
			"Подбор вакансий", "Служба занятости", "Порядок, раздел 9", "Добавить в проект плана", "Ранний кризис")

		// One tap: one draft task, back on the card at the plan; a second
		// tap adds nothing.
		res = h.head.post(ruleURL+"/add", url.Values{"measure": {"0"}, "from": {"card"}})
		if res.Status != http.StatusSeeOther || res.Location != card+"#plan" {
			t.Fatalf("add: %d %q", res.Status, res.Location)
		}
		if n := draftCount(t, a, fx, h.famID); n != 1 {
			t.Fatalf("draft tasks after one tap: %d", n)
		}
		h.head.post(ruleURL+"/add", url.Values{"measure": {"0"}, "from": {"card"}})
		if n := draftCount(t, a, fx, h.famID); n != 1 {
			t.Fatalf("draft tasks after a second tap: %d", n)
		}
		mustContain(t, h.head.get(card).Body, "Уже в проекте плана", "Подбор вакансий: Подбор вакансий")
		// From the plan page: back there, at the task.
		res = h.head.post(ruleURL+"/add", url.Values{"measure": {"1"}, "from": {"plan"}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, card+"/plan#t") {
			t.Fatalf("add from the plan: %d %q", res.Status, res.Location)
		}
		mustContain(t, h.head.get(card+"/plan").Body, "Подсказки", "План посещения школы", "Потеря работы и пропуски школы")

		// Verdicts: bad input re-renders the card with the errors at the
		// fields and the comment kept.
		res = h.head.post(ruleURL+"/feedback", url.Values{"verdict": {"great"}, "comment": {strings.Repeat("я", 1001)}, "from": {"card"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad feedback: %d", res.Status)
		}
		mustContain(t, res.Body, "Выберите, пригодилась ли подсказка.", "Слишком длинное значение.", strings.Repeat("я", 1001))
		res = h.head.post(ruleURL+"/feedback", url.Values{"verdict": {"useful"}, "comment": {"Отец нашёл работу"}, "from": {"plan"}})
		if res.Status != http.StatusSeeOther || res.Location != card+"/plan#hint-"+idString(rule.ID) {
			t.Fatalf("feedback: %d %q", res.Status, res.Location)
		}
		mustContain(t, h.head.get(card).Body, "Ваш отзыв: Полезна")
		if res = h.secretary.post(ruleURL+"/feedback", url.Values{"verdict": {"wrong"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("the secretary's feedback: %d", res.Status)
		}

		// The administrator sees the verdicts counted.
		res = h.admin.get("/admin/hints")
		mustContain(t, res.Body, "Правила подсказок", "Потеря работы и пропуски школы", "Полезна — 1", "Ошибочна — 1",
			"Не пригодилась — 0", "«Отец нашёл работу»", "Региональный порядок, раздел 3.2")
		mustContain(t, h.admin.get("/admin").Body, `href="/admin/hints"`)

		// Another organisation: 404 on the card and on the forms; a curator
		// may not open the administration.
		for _, r := range []response{h.stranger.get(card), h.stranger.post(ruleURL+"/add", url.Values{"measure": {"1"}}),
			h.stranger.post(ruleURL+"/feedback", url.Values{"verdict": {"useful"}})} {
			if r.Status != http.StatusNotFound {
				t.Errorf("a stranger: %d", r.Status)
			}
		}
		if res = h.head.get("/admin/hints"); res.Status != http.StatusForbidden {
			t.Errorf("a curator on /admin/hints: %d", res.Status)
		}

		// A family without a curator: the hint, and why nothing can be added.
		mustContain(t, h.secretary.get("/families/"+idString(h.otherID)).Body, "Болезнь ребёнка: нужны лечение",
			"Меры можно добавить в проект плана, когда у семьи есть открытое сопровождение")

		// The indicator renamed in the forms: the rule is flagged, the card
		// still opens without it.
		if _, err := storetest.RawDB(t, a.st).Exec(`UPDATE form_fields SET label = 'Пропуски занятий' WHERE label = $1`, hintSchoolIndicator); err != nil {
			t.Fatal(err)
		}
		res = h.head.get(card)
		if res.Status != http.StatusOK || strings.Contains(res.Body, "Потеря работы и пропуски школы") {
			t.Errorf("a broken rule on the card: %d", res.Status)
		}
		mustContain(t, h.admin.get("/admin/hints").Body, "Есть ошибка", "нет в формах оценки")
		mustContain(t, h.admin.get("/admin/hints/"+idString(rule.ID)).Body, "Этого показателя больше нет ни в одной форме оценки",
			hintSchoolIndicator+" — нет в формах оценки")

		// Edit with a stale version: a conflict; switch off, on, delete.
		edit := url.Values{"difficulty": {"Потеря работы"}, "version": {"0"}, "cond.0": {"event:job_loss"}, "type.0": {"job_search"}}
		if res = h.admin.post("/admin/hints/"+idString(rule.ID), edit); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "Правило изменил другой пользователь") {
			t.Errorf("stale edit: %d", res.Status)
		}
		edit.Set("version", "1")
		if res = h.admin.post("/admin/hints/"+idString(rule.ID), edit); res.Status != http.StatusSeeOther {
			t.Errorf("edit: %d %s", res.Status, res.Body)
		}
		for _, p := range []string{"/disable", "/enable", "/delete"} {
			if res = h.admin.post("/admin/hints/"+idString(rule.ID)+p, nil); res.Status != http.StatusSeeOther {
				t.Errorf("%s: %d", p, res.Status)
			}
		}
		if _, err := a.st.HintRule(fx.Ctx(), rule.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("deleted: %v", err)
		}
		_ = seededJobLossRule(t, a, fx)
	})
}
