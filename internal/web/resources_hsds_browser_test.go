package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserResourcesHSDS: in a real browser on a phone, the network
// administrator chooses an HSDS file on the organisations' screen, checks
// it, reads what it would add, and loads it (the file travelling back in
// the hidden field); the map then has the organisation. Screenshots of the
// screen and the check (OPORA_TEST_SCREENSHOTS).
func TestBrowserResourcesHSDS(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := a.st.SaveTerritory(fx.Ctx(), region); err != nil {
			t.Fatal(err)
		}
		north := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Северный район"}
		if err := a.st.SaveTerritory(fx.Ctx(), north); err != nil {
			t.Fatal(err)
		}
		if err := a.st.SetOwnLocale(fx.Ctx(), "ru"); err != nil {
			t.Fatal(err)
		}
		doc := `[{"id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b11", "name": "АНО «Семейный центр»", "description": "Помощь семьям",
			"languages": [{"id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b10", "name": "ru"}],
			"locations": [{"id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b12", "location_type": "physical",
				"addresses": [{"id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b13", "address_1": "ул. Ленина, 5", "city": "Бердск",
					"region": "Северный район", "state_province": "Область", "postal_code": "633010", "country": "RU",
					"address_type": "physical"}]}],
			"services": [{"id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b14", "name": "Консультации психолога", "status": "active",
				"service_at_locations": [{"id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b15", "location_id": "2b7a4d6e-5f0a-4c55-9d7e-2f7a8d3c1b12"}]}]}]`
		file := filepath.Join(t.TempDir(), "map.json")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		var preview, done string
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(base+"/resources/organizations"),
			chromedp.WaitVisible(`#hsds`),
			chromedp.SetUploadFiles(`#f-file`, []string{file}),
		)
		if err != nil {
			t.Fatalf("the organisations' screen: %v", err)
		}
		shootWidths(t, ctx, "resources-hsds")
		err = chromedp.Do(ctx,
			chromedp.Click(`#hsds form.stack button[type=submit]`),
			chromedp.WaitVisible(`form[action="/resources/import/apply"]`),
		)
		if err == nil {
			preview, err = chromedp.Run(ctx, chromedp.Text(`main`))
		}
		if err != nil {
			t.Fatalf("the check: %v", err)
		}
		for _, want := range []string{"Будет создано записей: 5", "АНО «Семейный центр»", "languages"} {
			if !strings.Contains(preview, want) {
				t.Errorf("the check does not show %q:\n%s", want, preview)
			}
		}
		shootWidths(t, ctx, "resources-hsds-check")
		err = chromedp.Do(ctx,
			chromedp.Click(`form[action="/resources/import/apply"] button[type=submit]`),
			chromedp.WaitVisible(`p.flash`),
		)
		if err == nil {
			done, err = chromedp.Run(ctx, chromedp.Text(`main`))
		}
		if err != nil {
			t.Fatalf("the import: %v", err)
		}
		if !strings.Contains(done, "Карта загружена: создано записей 5") {
			t.Errorf("after the import:\n%s", done)
		}
		orgs, err := a.st.ResourceOrganizations(fx.Ctx())
		if err != nil || len(orgs) != 1 || len(orgs[0].Locations) != 1 || orgs[0].Locations[0].TerritoryID != north.ID {
			t.Errorf("the map after the import: %v %+v", err, orgs)
		}
	})
}
