package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserAPITokens: the administrator issues a token and adds a
// webhook through the forms, sees the token and the secret once, on a
// 360 px phone without the page running off the side; both screens are
// shot at 360 and 1280 px.
func TestBrowserAPITokens(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		if err := a.st.SetOwnLocale(fx.Ctx(), "ru"); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(base+"/admin/api-tokens"),
			chromedp.WaitVisible(`#f-name`),
			chromedp.SendKeys(`#f-name`, "МИС поликлиники № 3"),
			chromedp.Click(`input[name=scopes][value="clients:read"]`),
			chromedp.Click(`input[name=scopes][value="cases:read"]`),
			chromedp.Submit(`#f-name`),
			chromedp.WaitVisible(`#new-token`),
		)
		if err != nil {
			t.Fatalf("issue a token: %v", err)
		}
		token, err := chromedp.Run(ctx, chromedp.Text(`#new-token`))
		if err != nil {
			t.Fatal(err)
		}
		width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, "opora_") || width > 360 {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join('; ')`))
			t.Errorf("token %q, page width %v at 360 px: %s", token, width, wide)
		}
		shootWidths(t, ctx, "api-tokens")
		err = chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/admin/webhooks"),
			chromedp.WaitVisible(`#f-url`),
			chromedp.SendKeys(`#f-url`, "https://kdn.example.ru/opora/hooks"),
			chromedp.Click(`input[name=events][value="task.status_changed"]`),
			chromedp.Submit(`#f-url`),
			chromedp.WaitVisible(`#new-secret`),
		)
		if err != nil {
			t.Fatalf("add a webhook: %v", err)
		}
		secret, err := chromedp.Run(ctx, chromedp.Text(`#new-secret`))
		if err != nil {
			t.Fatal(err)
		}
		if width, err = chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); err != nil {
			t.Fatal(err)
		}
		if width > 360 {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join('; ')`))
			t.Logf("wider than the phone: %s", wide)
		}
		if !strings.HasPrefix(secret, "whsec_") || width > 360 {
			t.Errorf("secret %q, page width %v at 360 px", secret, width)
		}
		shootWidths(t, ctx, "webhooks")
	})
}
