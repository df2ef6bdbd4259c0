package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

type visitAnswer struct {
	Results []struct {
		ID, Status, Message string
		Visit, Family       int64
		Conflicts           []string
	} `json:"results"`
}

func decodeVisits(t *testing.T, res response) visitAnswer {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("sync: status %d: %s", res.Status, res.Body)
	}
	var a visitAnswer
	if err := json.Unmarshal([]byte(res.Body), &a); err != nil {
		t.Fatalf("sync: %v in %s", err, res.Body)
	}
	return a
}

func countFamilyVisits(t *testing.T, a *app, familyID int64) int {
	t.Helper()
	var n int
	if err := storetest.RawDB(t, a.st).QueryRow(`SELECT COUNT(*) FROM family_visits WHERE family_id = $1`, familyID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFamilyVisitForm: the card offers «Записать посещение»; the form
// shows errors next to the fields with the values kept; a form sent twice
// (a double tap, a resend) records one visit, shown on the card.
func TestFamilyVisitForm(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		mother := &opora.Client{Surname: "Смирнова", FirstName: "Ольга", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(fx.Ctx(), mother); err != nil {
			t.Fatal(err)
		}
		fam := auditFamily(t, a, fx, mother.ID)
		card := "/families/" + idString(fam)
		b := a.login(t, fx.Admin.Login, testPassword)
		res := b.get(card)
		mustContain(t, res.Body, "Записать посещение", `href="`+card+`/visits/new"`, "Посещений пока не записано", "/static/visits.js")
		res = b.get(card + "/visits/new")
		if res.Status != http.StatusOK {
			t.Fatalf("the form: %d", res.Status)
		}
		mustContain(t, res.Body, "Посещение на дому", "Звонок", "Встреча в учреждении", "Смирнова Ольга · Мать", `name="client_uuid"`, "Сохранить")
		if strings.Contains(res.Body, "<script>") || strings.Contains(res.Body, "style=") {
			t.Errorf("inline script or style on the form")
		}
		var memberID int64
		f, err := a.st.Family(storetest.CtxOf(t, a.st, fx.Admin.ID), fam)
		if err != nil {
			t.Fatal(err)
		}
		memberID = f.Members[0].ID
		uuid := tickID(t)
		form := url.Values{"client_uuid": {uuid}, "present": {idString(memberID)}, "present_other": {"соседка Галина"},
			"visited_at": {time.Now().Add(-time.Hour).Format("2006-01-02T15:04")}, "agreements": {"Записать сына к врачу"}}
		res = b.post(card+"/visits", form)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no kind, no observations: %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-kind">`, `id="e-observations">`, `value="соседка Галина"`, "Записать сына к врачу",
			`value="`+idString(memberID)+`" checked`)
		if countFamilyVisits(t, a, fam) != 0 {
			t.Fatal("a visit with errors was saved")
		}
		form.Set("kind", "home")
		form.Set("observations", "В квартире чисто, младшая дочь дома")
		for range 2 {
			res = b.post(card+"/visits", form)
			if res.Status != http.StatusSeeOther || res.Location != card+"#visits" {
				t.Fatalf("save: %d %q %s", res.Status, res.Location, res.Body)
			}
		}
		if n := countFamilyVisits(t, a, fam); n != 1 {
			t.Fatalf("the form sent twice made %d visits", n)
		}
		res = b.get(card)
		if strings.Count(res.Body, "В квартире чисто, младшая дочь дома") != 1 {
			t.Errorf("the card does not show the visit once")
		}
		mustContain(t, res.Body, "Посещение на дому", "соседка Галина", "Смирнова Ольга", "Записать сына к врачу")
	})
}

// TestFamilyVisitSync: the device's queue sent twice records each visit
// once; a family out of reach answers «нет доступа»; conflicts come back
// worded; the endpoint answers JSON when logged out and refuses cross-site posts.
func TestFamilyVisitSync(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		mother := &opora.Client{Surname: "Смирнова", FirstName: "Ольга", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(fx.Ctx(), mother); err != nil {
			t.Fatal(err)
		}
		fam := auditFamily(t, a, fx, mother.ID)
		b := a.login(t, fx.Admin.Login, testPassword)
		now := time.Now()
		batch := map[string]any{"visits": []map[string]any{
			{"id": tickID(t), "family": fam, "visited_at": now.Add(-2 * time.Hour).Format(time.RFC3339), "kind": "home",
				"observations": "Дома чисто", "present": []int64{}, "next_visit_on": now.AddDate(0, 0, 7).Format("2006-01-02")},
			{"id": tickID(t), "family": fam, "visited_at": now.Add(5 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"), "kind": "phone",
				"observations": "Часы спешат"},
			{"id": tickID(t), "family": fam + 1000, "visited_at": now.Format(time.RFC3339), "kind": "home", "observations": "Не та семья"},
		}}
		first := decodeVisits(t, b.postJSON("/families/visits/sync", batch))
		if len(first.Results) != 3 || first.Results[0].Status != "accepted" || first.Results[1].Status != "accepted" ||
			first.Results[2].Status != "refused" || first.Results[2].Message != "нет доступа" {
			t.Fatalf("first send: %+v", first)
		}
		if len(first.Results[1].Conflicts) != 1 || !strings.Contains(first.Results[1].Conflicts[0], "позже текущего") {
			t.Fatalf("the future visit's conflict: %+v", first.Results[1])
		}
		again := decodeVisits(t, b.postJSON("/families/visits/sync", batch))
		if again.Results[0].Status != "duplicate" || again.Results[1].Status != "duplicate" || again.Results[0].Visit != first.Results[0].Visit {
			t.Fatalf("second send: %+v", again)
		}
		if n := countFamilyVisits(t, a, fam); n != 2 {
			t.Fatalf("two sends made %d visits, want 2", n)
		}
		res := b.get("/families/" + idString(fam))
		mustContain(t, res.Body, "Дома чисто", "Часы спешат", "время посещения позже текущего", "tag-danger")
		// Garbage is a 400 in JSON; cross-site and logged-out posts are refused.
		if bad := b.postJSON("/families/visits/sync", "nonsense"); bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, `"error"`) {
			t.Fatalf("bad batch: %d %s", bad.Status, bad.Body)
		}
		req, _ := http.NewRequest(http.MethodPost, b.base+"/families/visits/sync", strings.NewReader("{}"))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res := b.do(req); res.Status != http.StatusForbidden {
			t.Fatalf("cross-site sync: %d", res.Status)
		}
		anon := a.client(t)
		if res := anon.postJSON("/families/visits/sync", batch); res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, `"error"`) {
			t.Fatalf("logged out: %d %s", res.Status, res.Body)
		}
		// Another organisation's worker gets nothing in, and is audit-logged.
		kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН", opora.OrgSocialService)
		head, _ := kcson.AddUser(t, "kcson-head", "agency_head")
		setPassword(t, a.st, head.ID, kcson.Org.ID)
		h := a.login(t, "kcson-head", testPassword)
		other := decodeVisits(t, h.postJSON("/families/visits/sync", map[string]any{"visits": []map[string]any{
			{"id": tickID(t), "family": fam, "visited_at": now.Format(time.RFC3339), "kind": "home", "observations": "Чужая"}}}))
		if other.Results[0].Status != "refused" || other.Results[0].Message != "нет доступа" {
			t.Fatalf("another organisation: %+v", other)
		}
		if n := countFamilyVisits(t, a, fam); n != 2 {
			t.Fatalf("another organisation added a visit: %d", n)
		}
		var denied int
		if err := storetest.RawDB(t, a.st).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND entity = 'family'
			AND entity_id = $1 AND user_id = $2`, fam, head.ID).Scan(&denied); err != nil || denied != 1 {
			t.Fatalf("denied audit rows: %d %v", denied, err)
		}
	})
}
