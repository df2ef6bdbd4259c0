package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserReportsFitTheScreen opens a standard report and the dashboard
// on a phone and on a desktop: the page never scrolls sideways (a wide
// table scrolls in its own box), and the chart fits. With
// OPORA_TEST_SCREENSHOTS set to a folder the screens are saved there to
// look at.
func TestBrowserReportsFitTheScreen(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		reportClients(t, a, fx)
		registerServices(t, a, fx)
		ctx := browser(t)
		err := chromedp.Do(ctx,
			chromedp.Navigate(a.srv.URL+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
		)
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		shots := os.Getenv("OPORA_TEST_SCREENSHOTS")
		pages := map[string]string{
			"standard":  "/reports/standard/services_by_type?from=2026-01-01&to=2026-03-31",
			"dashboard": "/dashboard?from=2026-01-01&to=2026-03-31",
			"builder":   "/reports/builder?run=1&subject=services&measure=count&group=service_type&group2=month&from=2026-01-01&to=2026-03-31",
		}
		for name, path := range pages {
			for _, width := range []int64{360, 1280} {
				err := chromedp.Do(ctx,
					chromedp.EmulateViewport(width, 800),
					chromedp.Navigate(a.srv.URL+path),
					chromedp.WaitVisible(`svg.chart`),
				)
				if err != nil {
					t.Fatalf("%s at %d px: %v", name, width, err)
				}
				scroll, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
				if err != nil {
					t.Fatal(err)
				}
				chart, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
					`Math.max(...[...document.querySelectorAll('svg.chart')].map(e => e.getBoundingClientRect().right))`))
				if err != nil {
					t.Fatal(err)
				}
				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if scroll > float64(width) {
					t.Errorf("%s at %d px: the page is %v px wide", name, width, scroll)
				}
				if chart > float64(width) {
					t.Errorf("%s at %d px: a chart reaches %v px", name, width, chart)
				}
				if shots != "" {
					file := filepath.Join(shots, name+"-"+t.Name()[len(t.Name())-6:]+"-"+itoa(width)+".png")
					if err := os.WriteFile(file, shot, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
}

func itoa(n int64) string { return idString(n) }
