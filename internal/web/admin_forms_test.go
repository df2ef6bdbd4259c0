package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// fieldByKey finds a questionnaire field by its seeded key.
func fieldByKey(t *testing.T, qa *store.ClientAnswers, key string) *opora.FormField {
	t.Helper()
	for _, f := range qa.Form.Fields() {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("no field %q", key)
	return nil
}

func optionByLabel(t *testing.T, f *opora.FormField, label string) string {
	t.Helper()
	for _, o := range f.Options {
		if o.Label == label {
			return idString(o.ID)
		}
	}
	t.Fatalf("field %q has no option %q", f.Key, label)
	return ""
}

// newQuestionnaireClient creates a client through the form and returns its path.
func newQuestionnaireClient(t *testing.T, c *client, fx *storetest.Fixture) string {
	t.Helper()
	res := c.post("/clients", clientForm(fx))
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create client: %d", res.Status)
	}
	return res.Location
}

func TestQuestionnaireEditAndSensitiveFields(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		path := newQuestionnaireClient(t, admin, fx)
		qa, err := a.st.Questionnaire(fx.Ctx(), clientIDOf(t, path))
		if err != nil {
			t.Fatal(err)
		}
		dis, prof := fieldByKey(t, qa, "diseases"), fieldByKey(t, qa, "profession")
		since, reason := fieldByKey(t, qa, "homeless_since"), fieldByKey(t, qa, "homeless_reason")
		dep, aw := fieldByKey(t, qa, "dependency"), fieldByKey(t, qa, "dependency_awareness")
		name := func(f *opora.FormField) string { return "f" + idString(f.ID) }

		res := admin.get(path + "/questionnaire/edit")
		if res.Status != http.StatusOK {
			t.Fatalf("edit page: %d", res.Status)
		}
		mustContain(t, res.Body, "Причина бездомности", "Мошенничество с жильём", "ВИЧ", "/static/questionnaire.js",
			`data-show-if="`+name(dep)+`"`)
		if strings.Contains(res.Body, "<script>") {
			t.Fatal("inline script on the page")
		}
		// Bad values: errors next to the fields, typed values kept.
		bad := url.Values{name(since): {"13.2020"}, name(prof): {"<b>повар</b>"}, name(reason): {"999999"}}
		res = admin.post(path+"/questionnaire/edit", bad)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad values: %d", res.Status)
		}
		mustContain(t, res.Body, "Введите месяц и год в виде ММ.ГГГГ", `value="13.2020"`, "&lt;b&gt;повар&lt;/b&gt;", `id="e-`+name(reason)+`"`)
		// Valid answers, with the awareness of a dependency marked "none" dropped.
		good := url.Values{name(since): {"03.2021"}, name(prof): {"повар"}, name(reason): {optionByLabel(t, reason, "Пожар")},
			name(dis): {optionByLabel(t, dis, "ВИЧ"), optionByLabel(t, dis, "Туберкулёз")},
			name(dep): {optionByLabel(t, dep, "Нет")}, name(aw): {optionByLabel(t, aw, "Осознаёт")}}
		res = admin.post(path+"/questionnaire/edit", good)
		if res.Status != http.StatusSeeOther || res.Location != path+"/questionnaire" {
			t.Fatalf("save: %d %q %s", res.Status, res.Location, res.Body)
		}
		view := admin.get(path + "/questionnaire").Body
		mustContain(t, view, "03.2021", "повар", "Пожар", "ВИЧ, Туберкулёз")
		if strings.Contains(view, "Осознаёт") {
			t.Fatal("hidden awareness answer was saved")
		}
		// Key answers on the profile; the administrator sees the health ones.
		mustContain(t, admin.get(path).Body, "Главное из анкеты", "Пожар", "ВИЧ")
		mustContain(t, admin.get(path+"/timeline").Body, "Заболевания")

		// A specialist without the health permission sees neither field nor value.
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		for _, p := range []string{path, path + "/questionnaire", path + "/timeline", path + "/questionnaire/edit"} {
			res := sc.get(p)
			if res.Status != http.StatusOK {
				t.Fatalf("specialist %s: %d", p, res.Status)
			}
			for _, secret := range []string{"ВИЧ", "Туберкулёз", "Заболевания"} {
				if strings.Contains(res.Body, secret) {
					t.Errorf("specialist sees %q on %s", secret, p)
				}
			}
		}
		mustContain(t, sc.get(path+"/questionnaire").Body, "повар", "Пожар")
		// The specialist's save (even posting the hidden field) keeps the health answer.
		res = sc.post(path+"/questionnaire/edit", url.Values{name(since): {"03.2021"}, name(prof): {"пекарь"},
			name(reason): {optionByLabel(t, reason, "Пожар")}, name(dis): {optionByLabel(t, dis, "Гепатит C")}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("specialist save: %d %s", res.Status, res.Body)
		}
		view = admin.get(path + "/questionnaire").Body
		mustContain(t, view, "пекарь", "ВИЧ, Туберкулёз")
		if strings.Contains(view, "Гепатит C</dd>") {
			t.Fatal("the specialist changed the health answer")
		}

		// Consent required: a sensitive answer waits for the client's consent.
		org, _ := a.st.Organisation(fx.Ctx(), fx.Org.ID)
		org.ConsentRequired = true
		if err := a.st.UpdateOrganisation(fx.Ctx(), org); err != nil {
			t.Fatal(err)
		}
		mustContain(t, admin.get("/admin/organisation").Body, `name="consent_required" value="1" checked`)
		good.Set(name(prof), "пекарь")
		good[name(dis)] = []string{optionByLabel(t, dis, "ВИЧ")}
		res = admin.post(path+"/questionnaire/edit", good)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("without consent: %d", res.Status)
		}
		mustContain(t, res.Body, "нет согласия клиента (или его законного представителя) и нет правового основания",
			"Нужно согласие на эту категорию сведений или правовое основание",
			`<a href="`+path+`/documents#consent-form">Записать согласие</a>`, `value="пекарь"`)

		// Another organisation gets 404.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		other := a.login(t, fb.Admin.Login, testPassword)
		for _, p := range []string{path + "/questionnaire", path + "/questionnaire/edit", path + "/forms"} {
			if r := other.get(p); r.Status != http.StatusNotFound {
				t.Fatalf("other organisation %s: %d", p, r.Status)
			}
		}
		if r := other.post(path+"/questionnaire/edit", good); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation POST: %d", r.Status)
		}
	})
}

func TestFormEditorKeepsAnswers(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		path := newQuestionnaireClient(t, admin, fx)
		qa, _ := a.st.Questionnaire(fx.Ctx(), clientIDOf(t, path))
		edu := fieldByKey(t, qa, "education")
		higher := optionByLabel(t, edu, "Высшее")
		if res := admin.post(path+"/questionnaire/edit", url.Values{"f" + idString(edu.ID): {higher}}); res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", res.Status)
		}
		res := admin.get("/admin/forms")
		if res.Status != http.StatusOK {
			t.Fatalf("forms: %d", res.Status)
		}
		mustContain(t, res.Body, "Анкета", "Мониторинг после выхода из приюта")
		formPath := "/admin/forms/" + idString(qa.Form.ID)
		mustContain(t, admin.get(formPath).Body, "Образование", "Химическая зависимость")
		// Rename the option and the field, move the field, then disable it.
		res = admin.post("/admin/field-options/"+higher, url.Values{"label": {"Высшее образование"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("rename option: %d", res.Status)
		}
		mustContain(t, admin.get(path+"/questionnaire").Body, "Высшее образование")
		fieldPath := "/admin/form-fields/" + idString(edu.ID)
		mustContain(t, admin.get(fieldPath).Body, "тип изменить нельзя")
		if res := admin.post(fieldPath+"/move", url.Values{"dir": {"up"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("move: %d", res.Status)
		}
		res = admin.post(fieldPath, url.Values{"label": {"Уровень образования"}, "type": {"text"}, "sensitivity": {""}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("type change with answers: %d", res.Status)
		}
		mustContain(t, res.Body, "На поле уже есть ответы", `value="Уровень образования"`)
		res = admin.post(fieldPath, url.Values{"label": {"Уровень образования"}, "type": {"choice"}, "sensitivity": {""}, "disabled": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("disable field: %d %s", res.Status, res.Body)
		}
		view := admin.get(path + "/questionnaire").Body
		mustContain(t, view, "Уровень образования", "поле отключено", "Высшее образование")
		if strings.Contains(admin.get(path+"/questionnaire/edit").Body, "Уровень образования") {
			t.Fatal("a disabled field is still asked")
		}
		// A new repeatable form with a section, a field and options.
		res = admin.post("/admin/forms", url.Values{"name": {""}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("form without a name: %d", res.Status)
		}
		res = admin.post("/admin/forms", url.Values{"name": {"Диагностика"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("new form: %d", res.Status)
		}
		newForm := res.Location
		if res := admin.post(newForm+"/sections", url.Values{"title": {"Итоги"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("new section: %d", res.Status)
		}
		sec := regexp.MustCompile(`/admin/form-sections/(\d+)/fields`).FindStringSubmatch(admin.get(newForm).Body)
		if sec == nil {
			t.Fatal("no section on the form page")
		}
		res = admin.post("/admin/form-sections/"+sec[1]+"/fields", url.Values{"label": {"Нужды"}, "type": {"multichoice"}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/admin/form-fields/") {
			t.Fatalf("new field: %d %q", res.Status, res.Location)
		}
		newField := res.Location
		for _, o := range []url.Values{{"label": {"Жильё"}}, {"label": {"Работа"}}, {"label": {"Прочее"}, "not_alone": {"1"}}} {
			if res := admin.post(newField+"/options", o); res.Status != http.StatusSeeOther {
				t.Fatalf("new option: %d", res.Status)
			}
		}
		mustContain(t, admin.get(newField).Body, "Жильё", "Работа", "Прочее")
		if res := admin.post("/admin/form-sections/"+sec[1]+"/fields", url.Values{"label": {"Скан"}, "type": {"file"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("file field: %d", res.Status)
		}
		// The client fills the new form; "Прочее" alone is refused.
		fid := strings.TrimPrefix(newForm, "/admin/forms/")
		res = admin.get(path + "/forms/" + fid + "/new")
		if res.Status != http.StatusOK {
			t.Fatalf("new filling page: %d", res.Status)
		}
		mustContain(t, res.Body, "Скан", `type="file"`, `enctype="multipart/form-data"`)
		opt := regexp.MustCompile(`name="(f\d+)" value="(\d+)"> Прочее`).FindStringSubmatch(res.Body)
		if opt == nil {
			t.Fatal("no options on the filling page")
		}
		res = admin.post(path+"/forms/"+fid+"/new", url.Values{"filled_on": {"01.04.2024"}, opt[1]: {opt[2]}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("not alone: %d", res.Status)
		}
		mustContain(t, res.Body, "нельзя выбрать единственным", `value="01.04.2024"`)

		// Only dictionary managers edit forms.
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		if r := sc.get("/admin/forms"); r.Status != http.StatusForbidden {
			t.Fatalf("specialist on the editor: %d", r.Status)
		}
		// Another organisation's administrator cannot reach this form.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		other := a.login(t, fb.Admin.Login, testPassword)
		if r := other.get(formPath); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation's form: %d", r.Status)
		}
		if r := other.post("/admin/field-options/"+higher, url.Values{"label": {"x"}}); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation's option: %d", r.Status)
		}
	})
}

func TestFollowUpFillings(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		path := newQuestionnaireClient(t, admin, fx)
		forms, _ := a.st.Forms(fx.Ctx())
		follow := forms[1]
		blank, err := a.st.BlankFilling(fx.Ctx(), clientIDOf(t, path), follow.ID)
		if err != nil {
			t.Fatal(err)
		}
		period, housing := fieldByKey(t, blank, "follow_up_period"), fieldByKey(t, blank, "follow_up_housing")
		res := admin.get(path + "/forms")
		if res.Status != http.StatusOK {
			t.Fatalf("forms tab: %d", res.Status)
		}
		mustContain(t, res.Body, "Мониторинг после выхода из приюта", "ещё не заполнялись")
		newPath := path + "/forms/" + idString(follow.ID) + "/new"
		mustContain(t, admin.get(newPath).Body, "Срок после выхода", "Дата заполнения")
		res = admin.post(newPath, url.Values{"filled_on": {"31.02.2024"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad filling: %d", res.Status)
		}
		mustContain(t, res.Body, `value="31.02.2024"`, `id="e-filled_on"`, `id="e-f`+idString(period.ID)+`"`)
		for _, f := range []struct{ date, period string }{{"01.04.2024", "3 месяца"}, {"01.07.2024", "6 месяцев"}} {
			res = admin.post(newPath, url.Values{"filled_on": {f.date}, "f" + idString(period.ID): {optionByLabel(t, period, f.period)},
				"f" + idString(housing.ID): {optionByLabel(t, housing, "Съёмное жильё")}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("filling %s: %d %s", f.date, res.Status, res.Body)
			}
		}
		filling := res.Location
		mustContain(t, admin.get(filling).Body, "6 месяцев", "Съёмное жильё", "01.07.2024")
		list := admin.get(path + "/forms").Body
		mustContain(t, list, "01.04.2024", "01.07.2024", fx.Admin.FullName)
		if strings.Index(list, "01.07.2024") > strings.Index(list, "01.04.2024") {
			t.Fatal("newest filling not first")
		}
		mustContain(t, admin.get(path).Body, "Мониторинг после выхода из приюта")
		// Edit the filling's date.
		res = admin.post(filling+"/edit", url.Values{"filled_on": {"02.07.2024"}, "f" + idString(period.ID): {optionByLabel(t, period, "6 месяцев")}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("edit filling: %d", res.Status)
		}
		mustContain(t, admin.get(filling).Body, "02.07.2024")
		mustContain(t, admin.get(path+"/timeline").Body, "Мониторинг после выхода из приюта")
		// Another organisation gets 404.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		other := a.login(t, fb.Admin.Login, testPassword)
		if r := other.get(filling); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation's filling: %d", r.Status)
		}
	})
}
