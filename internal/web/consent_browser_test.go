package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserConsentPanel: on a phone, a worker opens a client's documents,
// sees the guardian's consent in force, records the client's own consent
// by the form's labels (refused first for ending before it starts), and
// withdraws it (the newest, listed first); the guardian's stays in force.
func TestBrowserConsentPanel(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		c := &opora.Client{Surname: "Согласова", FirstName: "Вера", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
			t.Fatal(err)
		}
		if err := a.st.RecordConsent(fx.Ctx(), &opora.Consent{ClientID: c.ID, Subject: opora.SubjectRepresentative,
			RepName: "Петрова Анна Ивановна", RepRelation: "guardian", From: a.st.Today().AddDays(-30), TakenBy: fx.Admin.ID,
			Purposes:   []opora.ConsentPurpose{opora.PurposeServices, opora.PurposeSharing},
			Categories: []opora.DataCategory{"ordinary", "health", "child"}, AgencyTypes: []opora.OrgType{opora.OrgSchool, opora.OrgHealth}}); err != nil {
			t.Fatal(err)
		}
		p := &player{t: t, ctx: ctx, base: a.srv.URL}
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(360, 900), russianBrowser()); err != nil {
			t.Fatal(err)
		}
		p.login("admin")
		p.do("the documents", chromedp.Navigate(p.base+"/clients/"+idString(c.ID)+"/documents"))
		p.see("Согласия на обработку персональных данных", "действует", "Петрова Анна Ивановна (опекун)",
			"Кому можно передавать: Школа, Здравоохранение")
		p.shootWide("consent-panel")
		p.do("the form", p.unfold("Записать согласие заново"))
		p.shootWide("consent-form")
		p.do("a consent ending before it starts",
			p.fill("Действует по (необязательно)", "01.01.2020"),
			p.submit("Сохранить согласие"))
		p.see("Согласие не может закончиться раньше, чем началось")
		p.shootWide("consent-form-error")
		p.do("fixed", p.fill("Действует по (необязательно)", ""), p.submit("Сохранить согласие"))
		p.see("Согласие записано")
		p.do("withdraw the newest", p.unfold("Отозвать согласие"), p.submit("Записать отзыв"))
		p.see("Отзыв согласия записан", "отозвано", "действует")
		p.shootWide("consent-withdrawn")
	})
}
