package web

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserTwoFactorEnrolAndLogin: an administrator on a phone sets up
// two-factor login (scans the QR code: here the test reads the key shown
// for manual entry), keeps the recovery codes, logs out, and logs in again
// with the password and then a code from the app. With
// OPORA_TEST_SCREENSHOTS the enrolment page and the code step are taken at
// 360 and 1280 px.
func TestBrowserTwoFactorEnrolAndLogin(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		clock := totpClock(t, a)
		base := a.srv.URL
		shoot := func(name string) {
			t.Helper()
			dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
			if dir == "" {
				return
			}
			for _, w := range []int64{360, 1280} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900)); err != nil {
					t.Fatal(err)
				}
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("screenshot %s at %d: %v", name, w, err)
				}
				if err := os.WriteFile(filepath.Join(dir, name+"-"+strconv.FormatInt(w, 10)+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780)); err != nil {
				t.Fatal(err)
			}
		}
		err := chromedp.Do(ctx,
			chromedp.Navigate("about:blank"),
			russianBrowser(),
			chromedp.EmulateViewport(360, 780),
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-password`),
			chromedp.WaitNotPresent(`#f-password`),
			chromedp.Navigate(base+"/account/2fa"),
			chromedp.WaitVisible(`form[action="/account/2fa/start"] button`),
			chromedp.Click(`form[action="/account/2fa/start"] button`),
			chromedp.WaitVisible(`img.qr`),
		)
		if err != nil {
			t.Fatalf("enrolment start: %v", err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Text(`code.secret`))
		if err != nil {
			t.Fatal(err)
		}
		qrWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("img.qr").naturalWidth`))
		if err != nil || qrWidth != 240 {
			t.Fatalf("the QR code did not load as an image: %d %v", qrWidth, err)
		}
		shoot("twofactor-enrol")
		secret := strings.ReplaceAll(shown, " ", "")
		err = chromedp.Do(ctx,
			chromedp.SendKeys(`#f-code`, codeAt(t, secret, a.st.Now())),
			chromedp.Submit(`#f-code`),
			chromedp.WaitVisible(`ol.recovery-codes`),
		)
		if err != nil {
			t.Fatalf("confirm: %v", err)
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.recovery-codes li").length`))
		if err != nil || n != 10 {
			t.Fatalf("recovery codes shown: %d %v", n, err)
		}
		shoot("twofactor-codes")

		// A new login: the password, then the code step.
		err = chromedp.Do(ctx,
			chromedp.Submit(`form.logout`),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-password`),
			chromedp.WaitVisible(`#f-code`),
		)
		if err != nil {
			t.Fatalf("password step: %v", err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.HasSuffix(loc, "/login/code") {
			t.Fatalf("after the password: %s", loc)
		}
		// A wrong code first: the message stands by the field.
		err = chromedp.Do(ctx,
			chromedp.SendKeys(`#f-code`, otherCode(codeAt(t, secret, a.st.Now()), codeAt(t, secret, a.st.Now().Add(-30*time.Second)), codeAt(t, secret, a.st.Now().Add(30*time.Second)))),
			chromedp.Submit(`#f-code`),
			chromedp.WaitVisible(`#e-code`),
		)
		if err != nil {
			t.Fatalf("wrong code: %v", err)
		}
		msg, _ := chromedp.Run(ctx, chromedp.Text(`#e-code`))
		if !strings.Contains(msg, "Код неверный") {
			t.Errorf("wrong-code message: %q", msg)
		}
		shoot("twofactor-code-step")
		now := clock(30 * time.Second)
		err = chromedp.Do(ctx,
			chromedp.SendKeys(`#f-code`, codeAt(t, secret, now)),
			chromedp.Submit(`#f-code`),
			chromedp.WaitNotPresent(`#f-code`),
		)
		if err != nil {
			t.Fatalf("code step: %v", err)
		}
		loc, _ = chromedp.Run(ctx, chromedp.Location())
		if loc != base+"/" {
			t.Fatalf("after the code: %s", loc)
		}
	})
}
