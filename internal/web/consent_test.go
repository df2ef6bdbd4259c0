package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The consents panel: a consent ending before it starts is refused next to
// the field with everything typed kept; a representative's consent is
// listed in force with its purposes and categories; the questionnaire then
// saves the health answer; withdrawn, the panel says so and the next
// health answer is refused with the link to the consent form; a legal
// basis the administrator picks saves it without consent and the panel
// shows it.
func TestConsentPanel(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		path := newQuestionnaireClient(t, admin, fx)
		id := clientIDOf(t, path)
		qa, err := a.st.Questionnaire(fx.Ctx(), id)
		if err != nil {
			t.Fatal(err)
		}
		dis := fieldByKey(t, qa, "diseases")
		org, _ := a.st.Organisation(fx.Ctx(), fx.Org.ID)
		org.ConsentRequired = true
		if err := a.st.UpdateOrganisation(fx.Ctx(), org); err != nil {
			t.Fatal(err)
		}
		docs := admin.get(path + "/documents")
		mustContain(t, docs.Body, "Действующего согласия нет", `name="purposes" value="services" checked`,
			`name="categories" value="health" checked`, "здоровье — <span class=\"tag tag-warn\">нет согласия и основания")

		today := a.st.Today()
		bad := url.Values{"subject": {"representative"}, "rep_name": {"Петрова Анна Ивановна"}, "rep_relation": {"guardian"},
			"purposes": {"services", "photos"}, "categories": {"health"}, "consent_date": {today.Format("02.01.2006")},
			"consent_to": {today.AddDays(-1).Format("02.01.2006")}, "consent_by": {idString(fx.Admin.ID)}}
		res := admin.postMultipart(path+"/consent", bad)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("to before from: %d", res.Status)
		}
		mustContain(t, res.Body, `<div class="field-error" id="e-consent_to">Согласие не может закончиться раньше, чем началось</div>`,
			`value="Петрова Анна Ивановна"`, `<option value="guardian" selected>`, `name="purposes" value="photos" checked`,
			`value="representative" checked`)
		if strings.Contains(res.Body, `name="categories" value="criminal" checked`) {
			t.Error("the refused form ticked a category the user did not")
		}
		if cs, _ := a.st.ClientConsents(fx.Ctx(), id); len(cs) != 0 {
			t.Fatalf("the refused consent was saved: %+v", cs)
		}
		good := url.Values{}
		for k, v := range bad {
			good[k] = v
		}
		good.Del("consent_to")
		if res := admin.postMultipart(path+"/consent", good); res.Status != http.StatusSeeOther {
			t.Fatalf("consent: %d %s", res.Status, res.Body)
		}
		docs = admin.get(path + "/documents")
		mustContain(t, docs.Body, "действует", "оказание услуг, фотографии", "Категории: здоровье",
			"дал(а) законный представитель Петрова Анна Ивановна (опекун)", "здоровье — по согласию", "Отозвать согласие")

		q := url.Values{"f" + idString(dis.ID): {optionByLabel(t, dis, "ВИЧ")}}
		if res := admin.post(path+"/questionnaire/edit", q); res.Status != http.StatusSeeOther {
			t.Fatalf("with consent: %d %s", res.Status, res.Body)
		}
		cs, _ := a.st.ClientConsents(fx.Ctx(), id)
		if res := admin.post(path+"/consents/"+idString(cs[0].ID)+"/withdraw", url.Values{"withdrawn_on": {"32.01.2020"}}); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, `value="32.01.2020"`) {
			t.Fatalf("a bad withdrawal date: %d", res.Status)
		}
		if res := admin.post(path+"/consents/"+idString(cs[0].ID)+"/withdraw", url.Values{"withdrawn_on": {today.Format("02.01.2006")},
			"withdraw_reason": {"Заявление опекуна"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", res.Status, res.Body)
		}
		mustContain(t, admin.get(path+"/documents").Body, "отозвано", "Заявление опекуна", "Действующего согласия нет")
		q["f"+idString(dis.ID)] = []string{optionByLabel(t, dis, "ВИЧ"), optionByLabel(t, dis, "Туберкулёз")}
		res = admin.post(path+"/questionnaire/edit", q)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("after withdrawal: %d", res.Status)
		}
		mustContain(t, res.Body, "Согласие на отмеченные сведения отозвано", "Согласие отозвано: нужно новое согласие или правовое основание",
			`<a href="`+path+`/documents#consent-form">Записать согласие</a>`)

		// A legal basis for health and the organisation's own type.
		if res := admin.post("/admin/legal-bases", url.Values{"b.health." + string(org.Type): {"social_services"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("legal bases: %d %s", res.Status, res.Body)
		}
		if res := admin.post(path+"/questionnaire/edit", q); res.Status != http.StatusSeeOther {
			t.Fatalf("with a legal basis: %d %s", res.Status, res.Body)
		}
		mustContain(t, admin.get(path+"/documents").Body, "здоровье — 442-ФЗ; 152-ФЗ, ст. 10 ч. 2 п. 2.3 — Социальное обслуживание граждан")
		if b, _, err := a.st.SensitiveBasis(fx.Ctx(), id, opora.DataCategory(opora.SensitiveHealth)); err != nil || b.Code != "social_services" {
			t.Fatalf("basis: %+v %v", b, err)
		}
	})
}
