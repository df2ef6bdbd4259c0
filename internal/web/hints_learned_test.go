package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestLearnedHintsOnTheCard: the «Что было в похожих семьях» block of a
// family whose profile matches learned groups, with counts, the interval,
// a measure's rates and the period; a group under the threshold never
// shows; a methodologist switches a hint off on /admin/hints/learned and it
// leaves the card; the threshold form refuses a bad number on its field.
func TestLearnedHintsOnTheCard(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		h := newHintWeb(t, a, fx)
		card := "/families/" + idString(h.famID)
		pair := "event:job_loss|indicator:" + hintSchoolIndicator + ">=2"
		db := storetest.RawDB(t, a.st)
		insert := `INSERT INTO learned_hints (features, measure, n, k, n_without, k_without, rate, ci_low, ci_high,
			period_from, period_to, computed_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7, $8, $9)`
		from, to := a.st.Today().AddDate(-3, 0, 0), a.st.Today().AddDate(0, -1, 0)
		for _, r := range []struct {
			features, measure string
			n, k, nw, kw      int
		}{{pair, "", 214, 131, 0, 0}, {pair, "job_search", 60, 29, 100, 31}, {"event:job_loss", "", 7, 5, 0, 0}} {
			if _, err := db.Exec(insert, r.features, r.measure, r.n, r.k, r.nw, r.kw, from, to, a.st.Now()); err != nil {
				t.Fatal(err)
			}
		}
		res := h.head.get(card)
		if res.Status != http.StatusOK {
			t.Fatalf("card: %d", res.Status)
		}
		mustContain(t, res.Body, "Что было в похожих семьях", "Из 214 семей с этими двумя признаками",
			"событие «Потеря работы» за год", "61 % (95 % ДИ 55–67 %) оказались в кризисе в течение года",
			"планы с «Подбор вакансий» — улучшение оценки в 48 % против 31 % без",
			"Период: "+from.Format("02.01.2006")+"–"+to.Format("02.01.2006"))
		if strings.Contains(res.Body, "Из 7 семей") {
			t.Error("a group of 7 families is on the card")
		}

		// Only a methodologist reaches the list.
		if res := h.head.get("/admin/hints/learned"); res.Status != http.StatusForbidden {
			t.Errorf("curator on /admin/hints/learned: %d", res.Status)
		}
		res = h.admin.get("/admin/hints")
		mustContain(t, res.Body, `href="/admin/hints/learned"`)
		res = h.admin.get("/admin/hints/learned")
		if res.Status != http.StatusOK {
			t.Fatalf("learned list: %d", res.Status)
		}
		mustContain(t, res.Body, "Выученные подсказки", "131 / 214", "61 % (55–67 %)", "улучшение оценки с мерой «Подбор вакансий»")
		res = h.admin.post("/admin/hints/learned/switch", url.Values{"key": {pair + "#"}, "off": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("switch off: %d %s", res.Status, res.Body)
		}
		if body := h.head.get(card).Body; strings.Contains(body, "Из 214 семей") {
			t.Error("a switched-off hint is still on the card")
		}
		mustContain(t, h.admin.get("/admin/hints/learned").Body, "Отключено")
		h.admin.post("/admin/hints/learned/switch", url.Values{"key": {pair + "#"}, "off": {"0"}})
		mustContain(t, h.head.get(card).Body, "Из 214 семей")

		// The threshold: a bad number is refused at the field, kept.
		res = h.admin.post("/admin/hints/learned/settings", url.Values{"min_group": {"3"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("min group 3: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите число от 5 до 10000.", `value="3"`)
		// Raised above the group: the card stops showing it at once.
		if res = h.admin.post("/admin/hints/learned/settings", url.Values{"min_group": {"300"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("min group 300: %d", res.Status)
		}
		if body := h.head.get(card).Body; strings.Contains(body, "Что было в похожих семьях") {
			t.Error("a group under the raised threshold is on the card")
		}
	})
}
