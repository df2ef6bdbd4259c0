package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The pen test found the duty phone's regulars still in the browser after
// logout. Logging out clears the check-in page's cache, IndexedDB and
// service worker (Clear-Site-Data); the login page's forget.js does the
// same on its own, for browsers that ignore the header (plain http).
func TestBrowserLogoutForgetsCheckin(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		st := a.st
		p, dutyCtx := dutyPoint(t, a, fx)
		last := &opora.CheckinShift{PointID: p.ID, Date: st.Today().AddDate(0, 0, -7), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, last); err != nil {
			t.Fatal(err)
		}
		tick := opora.Tick{ID: tickID(t), Person: "u" + tickID(t), New: &opora.CheckinPerson{Surname: "Петров", FirstName: "Иван"}}
		if _, _, err := st.RecordTicks(dutyCtx, last.ID, []opora.Tick{tick}); err != nil {
			t.Fatal(err)
		}
		sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, sh); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		poll := func(js string) chromedp.Action[chromedp.Void] {
			return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(100*time.Millisecond))
		}
		kept := `caches.open('opora-checkin-` + checkinVersion() + `').then(c => c.match('/checkin/` + idString(sh.ID) + `/people.json')).then(m => !!m)`
		forgotten := `Promise.all([caches.keys(), indexedDB.databases(), navigator.serviceWorker.getRegistrations()]).then(([k, d, r]) =>
			!k.some(x => x.startsWith('opora-checkin-')) && !d.some(x => x.name === 'opora-checkin') && r.length === 0)`
		openShift := []chromedp.Action[chromedp.Void]{
			loginAs(base, "duty"),
			chromedp.Navigate(base + "/checkin/" + idString(sh.ID)),
			chromedp.WaitVisible(`#q`),
			poll(`navigator.serviceWorker.controller !== null`),
			poll(kept),
			poll(`indexedDB.databases().then(d => d.some(x => x.name === 'opora-checkin'))`),
		}
		if err := chromedp.Do(ctx, openShift...); err != nil {
			t.Fatalf("open the shift: %v", err)
		}
		// Log out from the main pages.
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(`form[action="/logout"] button`),
			chromedp.Click(`form[action="/logout"] button`),
			chromedp.WaitVisible(`#f-login`),
			poll(forgotten),
		)
		if err != nil {
			t.Fatalf("logout: the check-in data stayed: %v", err)
		}
		// Without the header (the session ended elsewhere), the login page
		// that says "you have logged out" forgets on its own.
		if err := chromedp.Do(ctx, openShift...); err != nil {
			t.Fatalf("open the shift again: %v", err)
		}
		if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "opora", URL: base + "/"}); err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(`#f-login`),
			poll(`(document.cookie = "flash=login.logged_out; path=/") !== ''`),
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			poll(forgotten),
		)
		if err != nil {
			t.Fatalf("forget.js: the check-in data stayed: %v", err)
		}
	})
}

// A logout on a phone whose check-in queue still holds unsent ticks asks
// first (the logout wipes them); a volunteer who says no stays logged in
// with the ticks kept, one who says yes is logged out.
func TestBrowserLogoutAsksAboutUnsentTicks(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		st := a.st
		p, dutyCtx := dutyPoint(t, a, fx)
		sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, sh); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		poll := func(js string) chromedp.Action[chromedp.Void] {
			return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(100*time.Millisecond))
		}
		queued := `new Promise(ok => { const r = indexedDB.open('opora-checkin'); r.onsuccess = () => {
			const tx = r.result.transaction('queue', 'readwrite');
			tx.objectStore('queue').put({id: 'unsent-1', shift: ` + idString(sh.ID) + `, person: 'u1', item: 0});
			tx.oncomplete = () => { r.result.close(); ok(true); }; }; })`
		err := chromedp.Do(ctx,
			loginAs(base, "duty"),
			chromedp.Navigate(base+"/checkin/"+idString(sh.ID)),
			chromedp.WaitVisible(`#q`),
			// The page may reload once its service worker takes over.
			poll(`navigator.serviceWorker.controller !== null`),
			chromedp.WaitVisible(`#q`),
			poll(`indexedDB.databases().then(d => d.some(x => x.name === 'opora-checkin'))`),
			poll(queued),
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(`form[action="/logout"] button`),
			chromedp.Evaluate[chromedp.Void](`window.confirm = m => { window.asked = m; return false; }`),
			chromedp.Click(`form[action="/logout"] button`),
			poll(`typeof window.asked === 'string'`),
		)
		if err != nil {
			t.Fatalf("logout with an unsent tick was not asked about: %v", err)
		}
		asked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.asked`))
		if err != nil {
			t.Fatal(err)
		}
		still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('.userbox') !== null`))
		if err != nil {
			t.Fatal(err)
		}
		// The browser asks for English here; the count is written in.
		if !strings.HasPrefix(asked, "1 check-in ticks") || strings.Contains(asked, "{n}") {
			t.Errorf("the question: %q", asked)
		}
		if !still {
			t.Fatal("said no, and was logged out all the same")
		}
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
			chromedp.Click(`form[action="/logout"] button`),
			chromedp.WaitVisible(`#f-login`),
		)
		if err != nil {
			t.Fatalf("said yes, and was not logged out: %v", err)
		}
	})
}

// dutyPoint makes a night-bus point with one item and a duty worker
// "duty" who can log in with testPassword.
func dutyPoint(t *testing.T, a *app, fx *storetest.Fixture) (*opora.CheckinPoint, context.Context) {
	t.Helper()
	p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointNightBus, Name: "Ночной автобус"}
	if err := a.st.SaveCheckinPoint(fx.Ctx(), p, []string{"Еда"}); err != nil {
		t.Fatal(err)
	}
	u, dutyCtx := fx.AddUser(t, "duty", "duty")
	setPassword(t, a.st, u.ID, fx.Org.ID)
	return p, dutyCtx
}

// loginAs logs a user in through the login page.
func loginAs(base, login string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, login),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
		)
	}
}
