package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserOrgExport: on a 360 px phone the administrator reads what the
// organisation's export holds, and the purpose and the start button are on
// the first screen; the export starts, the page reloads itself until the
// archive is ready and offers its download. Both pages are shot at 360 and
// 1280 px.
func TestBrowserOrgExport(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		base := a.srv.URL
		if err := a.st.SetOwnLocale(fx.Ctx(), "ru"); err != nil {
			t.Fatal(err)
		}
		browserLogin(t, ctx, base, "admin")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Navigate(base+"/admin/organisation/data"),
			chromedp.WaitVisible(`.org-export-start button`)); err != nil {
			t.Fatalf("page: %v", err)
		}
		onScreen, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`document.querySelector('.org-export-start button').getBoundingClientRect().bottom <= window.innerHeight`))
		if err != nil {
			t.Fatal(err)
		}
		if !onScreen {
			t.Error("the start button is below the first screen of a 360 px phone")
		}
		page := text(t, ctx, `main`)
		for _, want := range []string{"Выгрузка всех данных организации", "персональные данные всех клиентов", "Цель выгрузки",
			"Начать выгрузку", "opora org import"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page does not show %q", want)
			}
		}
		noOverflow(t, ctx, "org export")
		shootWidths(t, ctx, "org-export")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.SendKeys(`#f-reason`, "Переход на сервер фонда"),
			chromedp.Submit(`#f-reason`), chromedp.WaitVisible(`.org-export-job form button`)); err != nil {
			t.Fatalf("start: %v", err)
		}
		if got := text(t, ctx, `main`); !strings.Contains(got, "Архив готов") || !strings.Contains(got, "Скачать архив") {
			t.Errorf("the ready page: %s", got)
		}
		noOverflow(t, ctx, "org export ready")
		shootWidths(t, ctx, "org-export-ready")
	})
}
