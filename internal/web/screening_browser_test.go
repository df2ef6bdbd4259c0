package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserScreening: the КДН secretary's early screening list and the
// life-event form on a profile (refused with a date in the future) fit a
// 360 px phone without running off the side; both are shot at 360 and
// 1280 px.
func TestBrowserScreening(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		n := newScreenNet(t, a, fx)
		today := a.st.Today()
		sec := storetest.CtxOf(t, a.st, n.secA.ID)
		f1, m1 := screenFamily(t, a.st, n.kdnA, n.secA.ID, "Иванова", n.munA)
		_, m2 := screenFamily(t, a.st, n.kdnA, n.secA.ID, "Кузнецова", n.munA)
		loner := &opora.Client{Surname: "Орлов", FirstName: "Олег", Patronymic: "Игоревич", BranchID: n.kdnA.Branch.ID}
		if err := a.st.CreateClient(sec, loner); err != nil {
			t.Fatal(err)
		}
		for _, e := range []*opora.LifeEvent{
			{ClientID: m1.ID, Kind: opora.LifeEventJobLoss, OccurredOn: today.AddDays(-20), Note: "Сократили на заводе"},
			{ClientID: m2.ID, Kind: opora.LifeEventDivorce, OccurredOn: today.AddDays(-60)},
			{ClientID: m2.ID, Kind: opora.LifeEventJobLoss, OccurredOn: today.AddDays(-45)},
			{ClientID: loner.ID, Kind: opora.LifeEventDivorce, OccurredOn: today.AddDays(-3)},
		} {
			if err := a.st.CreateLifeEvent(sec, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.st.RecordScreening(sec, &opora.ScreeningAction{ClientID: loner.ID, Outcome: opora.ScreenOffered,
			Comment: "Предложили консультацию психолога"}); err != nil {
			t.Fatal(err)
		}
		if err := a.st.SetOwnLocale(sec, "ru"); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "sec-north"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(base+"/screening"),
			chromedp.WaitVisible(`ul.screening`),
		)
		if err != nil {
			t.Fatalf("screening: %v", err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide > 360 {
			t.Errorf("the list is %v px wide on a 360 px phone", wide)
		}
		shootWidths(t, ctx, "screening")

		err = chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/clients/"+idString(m1.ID)),
			chromedp.WaitVisible(`#life-events`),
			chromedp.Click(`#life-events details > summary`),
			chromedp.WaitVisible(`#f-life_on`),
			chromedp.SetValue(`#f-life_on`, today.AddDays(2).String()),
			chromedp.SendKeys(`#f-life_note`, "Жена ушла из семьи"),
			chromedp.Submit(`#f-life_note`),
			chromedp.WaitVisible(`#e-life_on`),
		)
		if err != nil {
			t.Fatalf("life event form: %v", err)
		}
		wide, err = chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide > 360 {
			t.Errorf("the profile is %v px wide on a 360 px phone", wide)
		}
		err = chromedp.Do(ctx, chromedp.ScrollIntoView(`#life-events`))
		if err != nil {
			t.Fatal(err)
		}
		shootWidths(t, ctx, "life-event-form")
		shootElement(t, ctx, "#life-events", "life-event-panel")

		// The family card: the members' events and a form next to each.
		err = chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/families/"+idString(f1.ID)),
			chromedp.WaitVisible(`#life-events`),
			chromedp.Click(`#life-events details.member-life > summary`),
			chromedp.WaitVisible(`#f-life_on_`+idString(m1.ID)),
		)
		if err != nil {
			t.Fatalf("family card: %v", err)
		}
		wide, err = chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide > 360 {
			t.Errorf("the family card is %v px wide on a 360 px phone", wide)
		}
		shootElement(t, ctx, "#life-events", "family-life-events")
	})
}
