package web

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// browser starts headless Chromium for a test. Without Chromium the test
// skips, unless OPORA_TEST_BROWSER=1 (CI) says it must run.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserWithin(t, 90*time.Second)
}

// browserWithin is browser with a time limit for the whole test's browsing.
func browserWithin(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("OPORA_TEST_BROWSER") == "1" {
			t.Fatal("chromium is not installed, and OPORA_TEST_BROWSER=1 requires browser tests")
		}
		t.Skip("chromium not installed; set up with apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(360, 780), // a phone
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, limit)
	t.Cleanup(cancel3)
	return ctx
}

// TestBrowserSetupLoginCreateUserLogout walks the first day of a new
// installation in a real browser on a phone-sized screen.
func TestBrowserSetupLoginCreateUserLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := browser(t)
		a := newApp(t, st)
		token := auth.NewToken()
		if err := st.SetSetupToken(context.Background(), auth.HashToken(token)); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/setup/"+token),
			chromedp.WaitVisible(`#f-name`),
			chromedp.SendKeys(`#f-name`, "Ночлежка"),
			chromedp.SendKeys(`#f-branch_name`, "Главный офис"),
			chromedp.SendKeys(`#f-full_name`, "Иван Петров"),
			chromedp.SendKeys(`#f-login`, "ivan"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.SendKeys(`#f-password_confirm`, testPassword),
			chromedp.Submit(`#f-name`),
			chromedp.WaitNotPresent(`#f-password_confirm`),
			chromedp.WaitVisible(`input[name=password]`),
		)
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		after := location(t, ctx)
		if !strings.HasSuffix(after, "/login") {
			t.Fatalf("after setup the browser is at %s", after)
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(`#f-login`, "ivan"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.WaitVisible(`main h1`),
		)
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		heading := text(t, ctx, `main h1`)
		if !strings.Contains(heading, "Иван Петров") {
			t.Fatalf("home heading %q", heading)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/admin/users/new"),
			chromedp.WaitVisible(`#f-full_name`),
			chromedp.SendKeys(`#f-full_name`, "Анна Смирнова"),
			chromedp.SendKeys(`#f-login`, "anna"),
			chromedp.SendKeys(`#f-position`, "Социальный работник"),
			chromedp.Click(`input[name=branches]`),
			chromedp.Click(`input[name=roles]`),
			chromedp.SendKeys(`#f-password`, "another long password"),
			chromedp.SendKeys(`#f-password_confirm`, "another long password"),
			chromedp.Submit(`#f-full_name`),
			chromedp.WaitNotPresent(`#f-password_confirm`),
			chromedp.Navigate(base+"/admin/users"),
			chromedp.WaitVisible(`table`),
		)
		if err != nil {
			t.Fatalf("create user: %v", err)
		}
		list := text(t, ctx, `table`)
		if !strings.Contains(list, "Анна Смирнова") || !strings.Contains(list, "anna") {
			t.Fatalf("users list does not show the new user: %q", list)
		}
		err = chromedp.Do(ctx,
			chromedp.Click(`.userbox button[type=submit]`),
			chromedp.WaitVisible(`input[name=password]`),
		)
		if err != nil {
			t.Fatalf("logout: %v", err)
		}
		after = location(t, ctx)
		if !strings.Contains(after, "/login") {
			t.Fatalf("after logout the browser is at %s", after)
		}
		// After logout the administration pages send the browser to login.
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(`input[name=password]`)); err != nil {
			t.Fatalf("admin page after logout: %v", err)
		}
		// The new worker can log in with the password the administrator set.
		a.login(t, "anna", "another long password")
	})
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// text reads an element's visible text. It asks the page by selector each
// time (no cached DOM node ids), waiting up to ten seconds for the element,
// so a page that is still settling does not fail the test.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	js := `(() => { const e = document.querySelector(` + "`" + sel + "`" + `); return e ? e.innerText : null })()`
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[*string](js))
		if err == nil && s != nil {
			return *s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no element %s on the page: %v", sel, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
