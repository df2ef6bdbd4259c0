package web

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserCouncilOffline: the secretary opens a family's screen at the
// meeting; the network drops; they set the next review date, which waits
// on the laptop («Нет сети — решения сохраняются на этом компьютере»,
// «Не отправлено решений: 1»); the meeting page still opens (kept by the
// service worker); back online the decision is sent, applied once, and
// shown on the family's screen.
func TestBrowserCouncilOffline(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		n := newCouncilOfflineNet(t, a, fx)
		if err := a.st.SetOwnLocale(storetest.CtxOf(t, a.st, n.secUserID), "ru"); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		famPath := n.meetingPath + "/families/" + idString(n.familyID)
		review := a.st.Today().AddDays(60)
		poll := func(js string) chromedp.Action[chromedp.Void] {
			return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(100*time.Millisecond),
				chromedp.WithPollingTimeout(20*time.Second))
		}
		queueText := func() string {
			s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#council-queue') || {}).textContent || ''`))
			return s
		}
		decisions := func() int {
			cf, err := a.st.FamilyAtCouncil(storetest.CtxOf(t, a.st, n.secUserID), n.councilID, n.meetingID, n.familyID)
			if err != nil {
				t.Fatal(err)
			}
			return len(cf.Decisions)
		}
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(1280, 900),
			loginAs(base, "secretary"),
			chromedp.Navigate(base+famPath),
			chromedp.WaitVisible(`#council-offline`),
			poll(`navigator.serviceWorker.controller !== null`),
			poll(`caches.open('opora-council-v1').then(c => Promise.all([c.match('`+n.meetingPath+`'), c.match('`+famPath+`')])).then(m => m.every(Boolean))`),
		)
		if err != nil {
			t.Fatalf("open the family's screen: %v", err)
		}
		if err := setOffline(ctx, true); err != nil {
			t.Fatalf("go offline: %v", err)
		}
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="/review"] input[name="next_review_on"]').value = '`+review.String()+`'`),
			chromedp.Click(`form[action$="/review"] button[type="submit"]`),
			poll(`document.querySelector('#council-queue').textContent.includes('Нет сети — решения сохраняются на этом компьютере')`),
			poll(`document.querySelector('#council-queue').textContent.includes('Не отправлено решений: 1')`),
		)
		if err != nil {
			t.Fatalf("decide offline: %v (queue %q)", err, queueText())
		}
		if d := decisions(); d != 0 {
			t.Fatalf("%d decisions reached the server while offline", d)
		}
		// The meeting page opens from the laptop's copy, with the counter.
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+n.meetingPath),
			chromedp.WaitVisible(`#agenda`),
			poll(`document.querySelector('#council-queue').textContent.includes('Не отправлено решений: 1')`),
		)
		if err != nil {
			t.Fatalf("the meeting page offline: %v (queue %q)", err, queueText())
		}
		if err := setOffline(ctx, false); err != nil {
			t.Fatalf("go online: %v", err)
		}
		for end := time.Now().Add(20 * time.Second); decisions() == 0 && time.Now().Before(end); {
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(time.Second) // councils.js reloads the page once sent
		err = chromedp.Do(ctx,
			poll(`document.readyState === 'complete' && !document.querySelector('#council-queue').textContent.includes('Не отправлено')`),
			chromedp.Navigate(base+famPath),
			chromedp.WaitVisible(`#council-offline`),
			poll(`document.body.textContent.includes('Назначен пересмотр') && document.body.textContent.includes('`+review.Format("02.01.2006")+`')`),
		)
		if err != nil {
			t.Fatalf("back online: %v (queue %q)", err, queueText())
		}
		time.Sleep(11 * time.Second) // the 10 s retry must not send it again
		if d := decisions(); d != 1 {
			t.Errorf("decisions after going online: %d, want 1", d)
		}
		// A decision left unsent: logging out asks, then wipes it.
		if err := setOffline(ctx, true); err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="/review"] input[name="next_review_on"]').value = '`+a.st.Today().AddDays(90).String()+`'`),
			chromedp.Click(`form[action$="/review"] button[type="submit"]`),
			poll(`document.querySelector('#council-queue').textContent.includes('Не отправлено решений: 1')`),
		)
		if err != nil {
			t.Fatalf("second decision offline: %v (queue %q)", err, queueText())
		}
		// Keep it unsent: the laptop's sending never gets an answer.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`const f = window.fetch; window.fetch = (u, o) => String(u).includes('/decisions/sync') ? new Promise(() => {}) : f(u, o)`)); err != nil {
			t.Fatal(err)
		}
		if err := setOffline(ctx, false); err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`window.confirm = m => { window.asked = m; return false; }`),
			chromedp.Click(`form[action="/logout"] button`),
			poll(`(window.asked || '').includes('Не отправлено решений консилиума: 1')`),
		)
		if err != nil {
			t.Fatalf("logout asks: %v", err)
		}
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`window.confirm = m => true`),
			chromedp.Click(`form[action="/logout"] button`),
			chromedp.WaitVisible(`#f-login`),
			poll(`indexedDB.databases().then(ds => !ds.some(d => d.name === 'opora-council'))`),
			poll(`caches.keys().then(ks => !ks.some(k => k.startsWith('opora-council-')))`),
		)
		if err != nil {
			t.Fatalf("logout: the council's queue or pages stayed: %v", err)
		}
	})
}
