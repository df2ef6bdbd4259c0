package web

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// shootVisit takes what a screen shows (no scrolling) at a 360 px phone
// and a 768 px tablet when OPORA_TEST_SCREENSHOTS names a folder, and
// leaves the tablet's size set.
func shootVisit(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
	for _, sz := range [][2]int64{{360, 780}, {768, 1024}} {
		if dir == "" {
			break
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(sz[0], sz[1])); err != nil {
			t.Fatalf("viewport %d: %v", sz[0], err)
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s at %d: %v", name, sz[0], err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+strconv.FormatInt(sz[0], 10)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(768, 1024)); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserFamilyVisitOffline: a curator opens the card of one of their
// families on a 768 px tablet, the network drops, they open the visit form
// (kept by the service worker) and record a home visit, which waits on the
// tablet; back online it is sent, and the queue sent twice more leaves one
// visit. On a 360 px phone «Записать посещение» is on the first screen.
// Logging out leaves no family page and no queue on the device.
func TestBrowserFamilyVisitOffline(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		st := a.st
		kcson := storetest.AddAgency(t, st, fx.Ctx(), "КЦСОН Заречного района", opora.OrgSocialService)
		_, headCtx := kcson.AddUser(t, "kcson-head", "agency_head")
		cur, curCtx := kcson.AddUser(t, "curator", "curator")
		setPassword(t, st, cur.ID, kcson.Org.ID)
		if err := st.SetOwnLocale(curCtx, "ru"); err != nil {
			t.Fatal(err)
		}
		mother := &opora.Client{Surname: "Орлова", FirstName: "Наталья", BranchID: kcson.Branch.ID}
		if err := st.CreateClient(headCtx, mother); err != nil {
			t.Fatal(err)
		}
		fam := &opora.Family{Address: "ул. Заречная, 7", Members: []*opora.FamilyMember{
			{ClientID: mother.ID, Role: opora.RoleMother},
			{Client: &opora.Client{Surname: "Орлов", FirstName: "Дима", BirthPrecision: opora.BirthExact,
				BirthDate: st.Today().AddDate(-9, 0, 0)}, Role: opora.RoleChild},
		}}
		if err := st.CreateFamily(headCtx, fam); err != nil {
			t.Fatal(err)
		}
		if err := st.AssignCurator(headCtx, fam.ID, cur.ID); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		card := "/families/" + idString(fam.ID)
		poll := func(js string) chromedp.Action[chromedp.Void] {
			return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(100*time.Millisecond),
				chromedp.WithPollingTimeout(20*time.Second))
		}
		queueText := func() string {
			s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#visit-queue') || {}).textContent || ''`))
			return s
		}
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(768, 1024),
			loginAs(base, "curator"),
			chromedp.Navigate(base+card),
			chromedp.WaitVisible(`#visit-new`),
			poll(`navigator.serviceWorker.controller !== null`),
			poll(`caches.open('opora-families-v1').then(c => Promise.all([c.match('`+card+`'), c.match('`+card+`/visits/new')])).then(m => m.every(Boolean))`),
		)
		if err != nil {
			t.Fatalf("open the card: %v", err)
		}
		// On a phone the button is on the first screen.
		err = chromedp.Do(ctx, chromedp.EmulateViewport(360, 780))
		if err != nil {
			t.Fatal(err)
		}
		onScreen, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const r = document.querySelector('#visit-new').getBoundingClientRect();
			return r.top >= 0 && r.bottom <= innerHeight && r.height >= 44; })()`))
		if err != nil || !onScreen {
			t.Errorf("«Записать посещение» is not on the phone's first screen (%v)", err)
		}
		shootVisit(t, ctx, "visit-card")

		if err := setOffline(ctx, true); err != nil {
			t.Fatalf("go offline: %v", err)
		}
		err = chromedp.Do(ctx,
			chromedp.Click(`#visit-new`),
			chromedp.WaitVisible(`#visit-form`),
			chromedp.Click(`label.kind:first-child span`),
			chromedp.Click(`label.chip:first-child span`),
			chromedp.SendKeys(`#f-observations`, "Квартира чистая, Дима делает уроки"),
			chromedp.SendKeys(`#f-agreements`, "Мать придёт в центр в пятницу"),
		)
		if err != nil {
			t.Fatalf("the form offline: %v", err)
		}
		shootVisit(t, ctx, "visit-form")
		err = chromedp.Do(ctx,
			chromedp.Click(`.visit-save button`),
			poll(`(document.querySelector('#visit-queue').textContent || '').includes('Сохранено на устройстве, будет отправлено')`),
			poll(`document.querySelector('#visit-queue').textContent.includes('Не отправлено посещений: 1')`),
		)
		if err != nil {
			t.Fatalf("record offline: %v (queue %q)", err, queueText())
		}
		shootVisit(t, ctx, "visit-queued")
		if n := countFamilyVisits(t, a, fam.ID); n != 0 {
			t.Fatalf("%d visits reached the server while offline", n)
		}
		// Logging out now would lose it: asked first, and staying keeps it.
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`window.confirm = m => { window.asked = m; return false; }`),
			chromedp.Click(`form[action="/logout"] button`),
			poll(`typeof window.asked === 'string'`),
		)
		if err != nil {
			t.Fatalf("logout with an unsent visit was not asked about: %v", err)
		}
		if asked, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.asked`)); !strings.HasPrefix(asked, "Есть неотправленные посещения семей: 1.") {
			t.Errorf("the question: %q", asked)
		}
		batch, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((ok, fail) => {
			const r = indexedDB.open('opora-visits', 1);
			r.onsuccess = () => { const q = r.result.transaction('queue').objectStore('queue').getAll();
				q.onsuccess = () => ok(JSON.stringify({visits: q.result.map(v => ({id: v.id, family: v.family, visited_at: v.visited_at,
					kind: v.kind, present: v.present, present_other: v.present_other, observations: v.observations,
					agreements: v.agreements, next_visit_on: v.next_visit_on}))}));
				q.onerror = () => fail(q.error); };
			r.onerror = () => fail(r.error); })`, chromedp.EvalAwaitPromise))
		if err != nil || strings.Count(batch, `"kind":"home"`) != 1 || !strings.Contains(batch, `"present":[`) {
			t.Fatalf("queue: %v %s", err, batch)
		}
		if err := setOffline(ctx, false); err != nil {
			t.Fatalf("go online: %v", err)
		}
		if err := chromedp.Do(ctx, poll(`document.querySelector('#visit-queue').textContent.includes('Все посещения отправлены')`)); err != nil {
			t.Fatalf("the queue was not sent when back online: %v (queue %q)", err, queueText())
		}
		for range 2 {
			out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('/families/visits/sync', {method: 'POST',
				headers: {'Content-Type': 'application/json'}, body: `+"`"+batch+"`"+`}).then(r => r.text())`, chromedp.EvalAwaitPromise))
			if err != nil || strings.Count(out, `"duplicate"`) != 1 {
				t.Fatalf("replay: %v %s", err, out)
			}
		}
		if n := countFamilyVisits(t, a, fam.ID); n != 1 {
			t.Fatalf("the server holds %d visits, want 1", n)
		}
		err = chromedp.Do(ctx, chromedp.Navigate(base+card), chromedp.WaitVisible(`#visits`))
		if err != nil {
			t.Fatal(err)
		}
		body, err := chromedp.Run(ctx, chromedp.Text(`main`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(body, "Квартира чистая, Дима делает уроки") != 1 || !strings.Contains(body, "Посещение на дому") ||
			!strings.Contains(body, "Орлова Наталья") {
			t.Fatalf("the card after sending: %s", body)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('#visits').scrollIntoView()`)); err != nil {
			t.Fatal(err)
		}
		shootVisit(t, ctx, "visit-sent")
		// Log out: nothing of the families stays on the device.
		forgotten := `Promise.all([caches.keys(), indexedDB.databases(), navigator.serviceWorker.getRegistrations()]).then(([k, d, r]) =>
			!k.some(x => x.startsWith('opora-families-')) && !d.some(x => x.name === 'opora-visits') && r.length === 0)`
		err = chromedp.Do(ctx,
			chromedp.Click(`form[action="/logout"] button`),
			chromedp.WaitVisible(`#f-login`),
			poll(forgotten),
		)
		if err != nil {
			t.Fatalf("logout: the family pages or the queue stayed: %v", err)
		}
		// Where the browser ignores Clear-Site-Data, the login page after
		// a logout (forget.js) forgets as well.
		err = chromedp.Do(ctx,
			loginAs(base, "curator"),
			chromedp.Navigate(base+card),
			chromedp.WaitVisible(`#visit-new`),
			poll(`navigator.serviceWorker.controller !== null`),
			poll(`caches.open('opora-families-v1').then(c => c.match('`+card+`/visits/new')).then(m => !!m)`),
			poll(`indexedDB.databases().then(d => d.some(x => x.name === 'opora-visits'))`),
		)
		if err != nil {
			t.Fatalf("open the card again: %v", err)
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
			t.Fatalf("forget.js: the family pages or the queue stayed: %v", err)
		}
	})
}
