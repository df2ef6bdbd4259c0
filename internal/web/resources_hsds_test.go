package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The КДН secretary downloads the map as HSDS JSON (all of it or one
// municipality), uploads a changed file, sees what it would do, and
// imports it; a file breaking the schema is refused with its place and
// changes nothing; a curator (no resources.manage) gets 403 for all of it.
func TestResourcesHSDSPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := a.st.SaveTerritory(fx.Ctx(), region); err != nil {
			t.Fatal(err)
		}
		north := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Северный район"}
		south := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Южный район"}
		for _, tr := range []*opora.Territory{north, south} {
			if err := a.st.SaveTerritory(fx.Ctx(), tr); err != nil {
				t.Fatal(err)
			}
		}
		kdn := storetest.AddAgencyIn(t, a.st, fx.Ctx(), "КДН Северного района", opora.OrgKDN, north.ID)
		kcson := storetest.AddAgencyIn(t, a.st, fx.Ctx(), "КЦСОН Северного района", opora.OrgSocialService, north.ID)
		sec := webUser(t, a, kdn, "secretary", "Секретарь КДН", "kdn_secretary")
		webUser(t, a, kcson, "curator", "Куратор Орлова", "curator")
		ctx := storetest.CtxOf(t, a.st, sec.ID)
		o := &opora.ResourceOrganization{Name: "Детский сад № 12"}
		if err := a.st.SaveResourceOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		l := &opora.ResourceLocation{OrganizationID: o.ID, TerritoryID: north.ID, Address1: "ул. Мира, 1"}
		if err := a.st.SaveResourceLocation(ctx, l); err != nil {
			t.Fatal(err)
		}
		free := 2
		sv := &opora.ResourceService{OrganizationID: o.ID, Name: "Группа полного дня", LocationID: l.ID, FreePlaces: &free}
		if err := a.st.SaveResourceService(ctx, sv); err != nil {
			t.Fatal(err)
		}
		freeNow := func() int {
			t.Helper()
			got, err := a.st.ResourceService(ctx, sv.ID)
			if err != nil || got.FreePlaces == nil {
				t.Fatalf("the service: %v %+v", err, got)
			}
			return *got.FreePlaces
		}

		b := a.login(t, "secretary", testPassword)
		page := b.get("/resources/organizations")
		mustContain(t, page.Body, "Обмен с другими системами (HSDS)", `action="/resources/export"`, `action="/resources/import"`,
			"Вся сеть", "Область / Южный район")
		res := b.get("/resources/export")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("export: %d %v", res.Status, res.Header)
		}
		var orgs []map[string]any
		if err := json.Unmarshal([]byte(res.Body), &orgs); err != nil || len(orgs) != 1 || orgs[0]["name"] != "Детский сад № 12" {
			t.Fatalf("the file: %v\n%s", err, res.Body)
		}
		doc := res.Body
		if res := b.get("/resources/export?territory=" + idString(south.ID)); res.Status != http.StatusOK || strings.TrimSpace(res.Body) != "[]" {
			t.Errorf("the south's export: %d %s", res.Status, res.Body)
		}
		var audits int
		if err := storetest.RawDB(t, a.st).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'resource_map'
			AND user_id = $1 AND changes LIKE '%resources_hsds%'`, sec.ID).Scan(&audits); err != nil || audits != 2 {
			t.Errorf("export audit rows: %v %d, want 2", err, audits)
		}

		// A changed file: the check shows what it would do and changes nothing.
		changed := strings.Replace(doc, `"value": "2"`, `"value": "5"`, 1)
		changed = strings.Replace(changed, `"name": "Детский сад № 12"`, `"name": "Детский сад № 12 «Солнышко»"`, 1)
		res = b.postMultipart("/resources/import", nil, upload{"file", "map.json", []byte(changed)})
		if res.Status != http.StatusOK {
			t.Fatalf("check: %d %s", res.Status, res.Body)
		}
		mustContain(t, html.UnescapeString(res.Body), "Будет создано записей: 0, изменено: 2", "Детский сад № 12 «Солнышко»",
			"изменятся поля: <code>name</code>", "изменятся поля: <code>free_places</code>", `name="payload"`)
		if n := freeNow(); n != 2 {
			t.Fatalf("the check changed the map: %d free places", n)
		}
		payload := regexp.MustCompile(`name="payload" value="([^"]+)"`).FindStringSubmatch(res.Body)
		if payload == nil {
			t.Fatal("no payload")
		}
		res = b.postMultipart("/resources/import/apply", url.Values{"payload": {html.UnescapeString(payload[1])}})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Карта загружена: создано записей 0, изменено 2") {
			t.Fatalf("apply: %d %s", res.Status, res.Body)
		}
		if n := freeNow(); n != 5 {
			t.Errorf("after the import: %d free places, want 5", n)
		}
		// The same file again: nothing to change.
		res = b.postMultipart("/resources/import", nil, upload{"file", "map.json", []byte(changed)})
		mustContain(t, res.Body, "менять нечего")

		// A file breaking the schema: refused with its place; nothing changes.
		bad := strings.Replace(changed, `"status": "active"`, `"status": "open"`, 1)
		bad = strings.Replace(bad, `"value": "5"`, `"value": "1"`, 1)
		res = b.postMultipart("/resources/import", nil, upload{"file", "map.json", []byte(bad)})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a bad file: %d", res.Status)
		}
		mustContain(t, html.UnescapeString(res.Body), "Файл не принят", "[0].services[0].status", "услуга «Группа полного дня»",
			"Значение «open» не из допустимых")
		if strings.Contains(res.Body, `name="payload"`) {
			t.Error("a refused file can be imported")
		}
		if n := freeNow(); n != 5 {
			t.Errorf("a refused file changed the map: %d", n)
		}
		// No file at all.
		res = b.postMultipart("/resources/import", nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-file"`) ||
			!strings.Contains(res.Body, "Выберите файл JSON") {
			t.Errorf("no file: %d", res.Status)
		}

		// The curator browses the map but neither downloads nor uploads it.
		c := a.login(t, "curator", testPassword)
		if res := c.get("/resources/organizations"); res.Status != http.StatusOK || strings.Contains(res.Body, "/resources/export") {
			t.Errorf("the curator's organisations: %d", res.Status)
		}
		if res := c.get("/resources/export"); res.Status != http.StatusForbidden || strings.Contains(res.Body, "Детский сад") {
			t.Errorf("the curator downloads: %d", res.Status)
		}
		if res := c.postMultipart("/resources/import", nil, upload{"file", "map.json", []byte(changed)}); res.Status != http.StatusForbidden {
			t.Errorf("the curator uploads: %d", res.Status)
		}
		if res := c.postMultipart("/resources/import/apply", url.Values{"payload": {html.UnescapeString(payload[1])}}); res.Status != http.StatusForbidden {
			t.Errorf("the curator applies: %d", res.Status)
		}
	})
}
