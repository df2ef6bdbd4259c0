package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
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
		save := func(name string, png []byte) {
			if dir := os.Getenv("OPORA_TEST_SCREENSHOTS"); dir != "" {
				db := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
				if err := os.WriteFile(filepath.Join(dir, name+"-"+db+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
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
				save(name+"-"+idString(width), shot)
			}
		}

		// Printed on A4 (794 px wide at 96 dpi): no navigation, no form, the
		// tables within the page.
		err = chromedp.Do(ctx,
			chromedp.EmulateViewport(794, 1123),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
				return err
			}),
			chromedp.Navigate(a.srv.URL+pages["dashboard"]),
			chromedp.WaitReady(`table.list`),
		)
		if err != nil {
			t.Fatalf("print: %v", err)
		}
		hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[".topbar", ".report-form", ".export-form, .actions"].every(s =>
			[...document.querySelectorAll(s)].every(e => getComputedStyle(e).display == "none"))`))
		if err != nil || !hidden {
			t.Errorf("printed dashboard shows the navigation or the form (%v)", err)
		}
		right, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
			`Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll('table.list, svg.chart')].map(e => e.getBoundingClientRect().right))`))
		if err != nil || right > 794 {
			t.Errorf("printed dashboard is %v px wide, an A4 page 794 (%v)", right, err)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		save("dashboard-print", shot)
	})
}
