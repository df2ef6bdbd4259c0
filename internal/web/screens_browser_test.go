package web

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// shootWidths saves full-page screenshots of the current page at a phone's
// and a desktop's width into $OPORA_TEST_SCREENSHOTS/<name>-<width>.png, for a
// person to look at; without that variable it does nothing. The window is
// left at the phone's width.
func shootWidths(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{1280, 360} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 780)); err != nil {
			t.Fatalf("viewport %d: %v", w, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s at %d: %v", name, w, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+map[int64]string{360: "360", 1280: "1280"}[w]+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserSearchOnPhone: on a 360 px phone the search's filters fold
// away behind one line, the first result shows on the first screen and
// nothing runs off the side; on a desktop the filters stand open. The
// home page, the administration page and the case types are shot too.
func TestBrowserSearchOnPhone(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		for _, n := range []string{"Иванов", "Иванова", "Иваненко", "Иванищев", "Иванцов", "Иванников"} {
			c := &opora.Client{Surname: n, FirstName: "Константин", Patronymic: "Александрович", BranchID: fx.Branch.ID,
				BirthYear: 1971, BirthPrecision: opora.BirthYear}
			if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.st.SetOwnLocale(fx.Ctx(), "ru"); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
		)
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		shootWidths(t, ctx, "home")
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(`.admin-sections`)); err != nil {
			t.Fatalf("administration: %v", err)
		}
		shootWidths(t, ctx, "admin")
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/case-types"), chromedp.WaitVisible(`#task_type`)); err != nil {
			t.Fatalf("case types: %v", err)
		}
		shootWidths(t, ctx, "casetypes")
		err = chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/clients/search?q="+url.QueryEscape("иванов")),
			chromedp.WaitVisible(`table.search-results`),
		)
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		layout, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[
			document.querySelector('table.search-results tbody tr').getBoundingClientRect().top,
			document.documentElement.scrollWidth,
			+document.querySelector('#f-gender').checkVisibility(),
			document.querySelector('table.search-results tbody tr a').getBoundingClientRect().right]`))
		if err != nil {
			t.Fatal(err)
		}
		if layout[0] > 780 || layout[1] > 360 || layout[2] != 0 || layout[3] > 360 {
			t.Errorf("at 360 px: first result at %v px, page %v px wide, gender filter visible %v, name ends at %v px",
				layout[0], layout[1], layout[2], layout[3])
		}
		shootWidths(t, ctx, "search")
		// The filters open with one tap on the phone, and stand open on a desktop.
		err = chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Click(`.more-filters > summary`), chromedp.WaitVisible(`#f-gender`))
		if err != nil {
			t.Fatalf("open the filters on a phone: %v", err)
		}
		err = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 780), chromedp.Reload(), chromedp.WaitVisible(`#f-gender`))
		if err != nil {
			t.Fatalf("filters on a desktop: %v", err)
		}
	})
}

// TestBrowserFamilyCardOnTablet: the КДН secretary's family card with two
// children fits a 768 px tablet and a 360 px phone without running off the
// side, and the members are on the first screen of the tablet.
func TestBrowserFamilyCardOnTablet(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН Ленинского района", opora.OrgKDN)
		sec, secCtx := kdn.AddUser(t, "kdn-secretary", "kdn_secretary")
		setPassword(t, a.st, sec.ID, kdn.Org.ID)
		if err := a.st.SetOwnLocale(secCtx, "ru"); err != nil {
			t.Fatal(err)
		}
		f := &opora.Family{Address: "ул. Титова, 12, кв. 40", Housing: "Двухкомнатная квартира, съёмная",
			Income: "Пособие на детей, случайные заработки", Members: []*opora.FamilyMember{
				{Role: opora.RoleMother, Client: &opora.Client{Surname: "Смирнова", FirstName: "Екатерина", Patronymic: "Игоревна",
					BranchID: kdn.Branch.ID, BirthDate: opora.NewDate(1990, 4, 2), BirthPrecision: opora.BirthExact}},
				{Role: opora.RoleChild, SchoolName: "Школа № 17", Client: &opora.Client{Surname: "Смирнов", FirstName: "Артём",
					BranchID: kdn.Branch.ID, BirthDate: opora.NewDate(2014, 9, 1), BirthPrecision: opora.BirthExact}},
				{Role: opora.RoleChild, SchoolName: "Детский сад № 5", Client: &opora.Client{Surname: "Смирнова", FirstName: "Вера",
					BranchID: kdn.Branch.ID, BirthDate: opora.NewDate(2020, 2, 15), BirthPrecision: opora.BirthExact}}}}
		if err := a.st.CreateFamily(secCtx, f); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, sec.Login),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.EmulateViewport(768, 1024),
			chromedp.Navigate(base+"/families/"+idString(f.ID)),
			chromedp.WaitVisible(`#members`),
		)
		if err != nil {
			t.Fatalf("the card: %v", err)
		}
		for _, w := range []int64{768, 360} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 1024)); err != nil {
				t.Fatal(err)
			}
			layout, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth,
				document.querySelector('#members').getBoundingClientRect().top]`))
			if err != nil {
				t.Fatal(err)
			}
			if layout[0] > float64(w) {
				t.Errorf("at %d px the card is %v px wide", w, layout[0])
			}
			if w == 768 && layout[1] > 1024 {
				t.Errorf("on the tablet the members start at %v px, below the first screen", layout[1])
			}
		}
		if dir := os.Getenv("OPORA_TEST_SCREENSHOTS"); dir != "" {
			for _, w := range []int64{768, 360} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 1024)); err != nil {
					t.Fatal(err)
				}
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "family-card-"+idString(w)+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
