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

// setOffline cuts (or restores) the browser's network, service worker
// included, and tells the page through navigator.onLine.
func setOffline(ctx context.Context, offline bool) error {
	var conds []*network.Conditions
	if offline {
		conds = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	} else {
		conds = []*network.Conditions{}
	}
	sw := true
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &sw, MatchedNetworkConditions: conds}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline,
		DownloadThroughput: -1, UploadThroughput: -1})
	return err
}

// clear empties an input.
func clear(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(document.querySelector('`+sel+`').value = '') === ''`)(ctx, t)
		return chromedp.Void{}, err
	}
}

// TestBrowserCheckinOffline: a duty worker opens a shift on a phone, the
// network drops, the page reloads from the service worker, three regulars
// are ticked and one new person is added; when the network returns the
// queue is sent, and replaying it twice more leaves exactly four visits.
func TestBrowserCheckinOffline(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		st := a.st
		p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointNightBus, Name: "Ночной автобус, Обводный"}
		if err := st.SaveCheckinPoint(fx.Ctx(), p, []string{"Еда", "Чай"}); err != nil {
			t.Fatal(err)
		}
		u, dutyCtx := fx.AddUser(t, "duty", "duty")
		setPassword(t, st, u.ID, fx.Org.ID)
		if err := st.SetOwnLocale(dutyCtx, "ru"); err != nil { // the phone's browser may speak English
			t.Fatal(err)
		}
		// Last week's run made three regulars.
		last := &opora.CheckinShift{PointID: p.ID, Date: st.Today().AddDate(0, 0, -7), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, last); err != nil {
			t.Fatal(err)
		}
		var ticks []opora.Tick
		for _, name := range []string{"Петров", "Петрова", "Сидоров"} {
			uid := tickID(t)
			ticks = append(ticks, opora.Tick{ID: tickID(t), Person: "u" + uid, New: &opora.CheckinPerson{Surname: name, FirstName: "Иван"}})
		}
		if _, _, err := st.RecordTicks(dutyCtx, last.ID, ticks); err != nil {
			t.Fatal(err)
		}
		sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, sh); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		page := base + "/checkin/" + idString(sh.ID)
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "duty"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			// The login page has a heading too: wait for the signed-in
			// header, or the next navigation races the login POST.
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(page),
			chromedp.WaitVisible(`#q`),
			// The service worker takes the page over and the data is cached.
			chromedp.Poll[chromedp.Void](`navigator.serviceWorker.controller !== null`, chromedp.WithPollingInterval(100*time.Millisecond)),
			chromedp.Poll[chromedp.Void](`caches.open('opora-checkin-`+checkinVersion()+`').then(c => c.match('/checkin/`+idString(sh.ID)+`/people.json')).then(m => !!m)`,
				chromedp.WithPollingInterval(100*time.Millisecond)),
		)
		if err != nil {
			t.Fatalf("open the shift: %v", err)
		}
		if err := setOffline(ctx, true); err != nil {
			t.Fatalf("go offline: %v", err)
		}
		tickFirst := func(q string) {
			t.Helper()
			err := chromedp.Do(ctx,
				clear(`#q`),
				chromedp.SendKeys(`#q`, q),
				chromedp.WaitVisible(`#res button[data-i="0"]`),
				chromedp.Click(`#res li:first-child button[data-i="0"]`),
				chromedp.WaitVisible(`#res li:first-child button[data-i="0"].on`),
			)
			if err != nil {
				t.Fatalf("tick %s: %v", q, err)
			}
		}
		err = chromedp.Do(ctx,
			chromedp.Reload(),
			chromedp.WaitVisible(`#q`),
			chromedp.Poll[chromedp.Void](`document.querySelector('#net').textContent.includes('Нет сети')`, chromedp.WithPollingInterval(100*time.Millisecond)),
		)
		if err != nil {
			net, _ := chromedp.Run(ctx, chromedp.Text(`#net`))
			t.Fatalf("reload offline: %v (indicator %q)", err, net)
		}
		tickFirst("Петрова")
		tickFirst("Сидор")
		tickFirst("Петров ")
		err = chromedp.Do(ctx,
			chromedp.Click(`#add-open`),
			chromedp.WaitVisible(`#a-s`),
			clear(`#a-s`),
			chromedp.SendKeys(`#a-s`, "Новиков"),
			chromedp.SendKeys(`#a-f`, "Олег"),
			chromedp.SendKeys(`#a-a`, "45"),
			chromedp.Click(`input[name=gender][value=male]`),
			chromedp.Click(`#add button.go`),
			chromedp.WaitVisible(`#res li:first-child button[data-i="0"].on`),
			chromedp.Poll[chromedp.Void](`document.querySelector('#net').textContent.includes('не отправлено: 4')`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		)
		if err != nil {
			net, _ := chromedp.Run(ctx, chromedp.Text(`#net`))
			t.Fatalf("add a person offline: %v (indicator %q)", err, net)
		}
		counter, err := chromedp.Run(ctx, chromedp.Text(`#counts [data-c="people"]`))
		if err != nil || strings.TrimSpace(counter) != "4" {
			t.Fatalf("people counter offline: %q %v", counter, err)
		}
		if vs, _ := st.ShiftVisits(dutyCtx, sh.ID); len(vs) != 0 {
			t.Fatalf("%d visits reached the server while offline", len(vs))
		}
		// Keep a copy of the queue as the phone would send it, for replays.
		batch, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise((ok, fail) => {
			const r = indexedDB.open('opora-checkin', 1);
			r.onsuccess = () => { const q = r.result.transaction('queue').objectStore('queue').getAll();
				q.onsuccess = () => ok(JSON.stringify({
					persons: q.result.filter(e => e.n).map(e => e.n),
					ticks: q.result.map(e => ({id: e.id, person: e.person, item: e.item, at: e.at}))}));
				q.onerror = () => fail(q.error); };
			r.onerror = () => fail(r.error); })`, chromedp.EvalAwaitPromise))
		if err != nil || strings.Count(batch, `"person"`) != 4 {
			t.Fatalf("queue: %v %s", err, batch)
		}
		if err := setOffline(ctx, false); err != nil {
			t.Fatalf("go online: %v", err)
		}
		err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.querySelector('#net').textContent.includes('всё отправлено')`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			net, _ := chromedp.Run(ctx, chromedp.Text(`#net`))
			t.Fatalf("queue not sent when back online: %v (indicator %q)", err, net)
		}
		for range 2 {
			out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('/checkin/`+idString(sh.ID)+`/ticks', {method: 'POST',
				headers: {'Content-Type': 'application/json'}, body: `+"`"+batch+"`"+`}).then(r => r.text())`, chromedp.EvalAwaitPromise))
			if err != nil || strings.Count(out, `"duplicate"`) != 4 {
				t.Fatalf("replay: %v %s", err, out)
			}
		}
		vs, err := st.ShiftVisits(dutyCtx, sh.ID)
		if err != nil || len(vs) != 4 {
			t.Fatalf("server holds %d visits, want 4 (%v)", len(vs), err)
		}
		names := map[string]bool{}
		for _, v := range vs {
			names[v.PersonName] = true
			if !v.VisitedOn.Equal(sh.Date) || v.ItemID != opora.ItemCame {
				t.Fatalf("visit %+v", v)
			}
		}
		for _, n := range []string{"Петров Иван", "Петрова Иван", "Сидоров Иван", "Новиков Олег"} {
			if !names[n] {
				t.Fatalf("no visit of %s: %v", n, names)
			}
		}
		counter, _ = chromedp.Run(ctx, chromedp.Text(`#counts [data-c="people"]`))
		if strings.TrimSpace(counter) != "4" {
			t.Fatalf("people counter online: %q", counter)
		}
	})
}

// TestBrowserCheckinTypoAndUndo: at the bus the duty worker types a
// surname with a typo and finds the regular, online (the server's matcher)
// and offline (the page's own); each button names the person for a screen
// reader; food ticked by mistake is taken back, and the server loses it.
func TestBrowserCheckinTypoAndUndo(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		st := a.st
		p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointNightBus, Name: "Ночной автобус, Обводный"}
		if err := st.SaveCheckinPoint(fx.Ctx(), p, []string{"Еда", "Чай"}); err != nil {
			t.Fatal(err)
		}
		u, dutyCtx := fx.AddUser(t, "duty", "duty")
		setPassword(t, st, u.ID, fx.Org.ID)
		if err := st.SetOwnLocale(dutyCtx, "ru"); err != nil {
			t.Fatal(err)
		}
		// Сидоров came last week; Кузнецова has a client record but never came.
		last := &opora.CheckinShift{PointID: p.ID, Date: st.Today().AddDate(0, 0, -7), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, last); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.RecordTicks(dutyCtx, last.ID, []opora.Tick{{ID: tickID(t), Person: "u" + tickID(t),
			New: &opora.CheckinPerson{Surname: "Сидоров", FirstName: "Иван"}}}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateClient(fx.Ctx(), &opora.Client{Surname: "Кузнецова", FirstName: "Мария", BranchID: fx.Branch.ID}); err != nil {
			t.Fatal(err)
		}
		sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "21:00", Ends: "01:00"}
		if err := st.OpenCheckinShift(dutyCtx, sh); err != nil {
			t.Fatal(err)
		}
		base := a.srv.URL
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "duty"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(base+"/checkin/"+idString(sh.ID)),
			chromedp.WaitVisible(`#q`),
			chromedp.Poll[chromedp.Void](`caches.open('opora-checkin-`+checkinVersion()+`').then(c => c.match('/checkin/`+idString(sh.ID)+`/people.json')).then(m => !!m)`,
				chromedp.WithPollingInterval(100*time.Millisecond)),
		)
		if err != nil {
			t.Fatalf("open the shift: %v", err)
		}
		find := func(q, want string) {
			t.Helper()
			err := chromedp.Do(ctx, clear(`#q`), chromedp.SendKeys(`#q`, q),
				chromedp.Poll[chromedp.Void](`(document.querySelector('#res li:first-child b') || {}).textContent === '`+want+`'`,
					chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
			if err != nil {
				got, _ := chromedp.Run(ctx, chromedp.Text(`#res`))
				t.Fatalf("typed %q, want %s first: %v (list %q)", q, want, err, got)
			}
		}
		find("кузнецва", "Кузнецова Мария") // a client found only by the server, with a typo
		find("сидар", "Сидоров Иван")
		shootWidths(t, ctx, "checkin-duty-search")
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
			chromedp.Click(`#res li:first-child button[aria-label="Еда — Сидоров Иван"]`),
			chromedp.WaitVisible(`#res li:first-child button[aria-label="Пришёл — Сидоров Иван"].on`),
			chromedp.Poll[chromedp.Void](`document.querySelector('#net').textContent.includes('всё отправлено')`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		)
		if err != nil {
			t.Fatalf("tick came and food: %v", err)
		}
		if vs, _ := st.ShiftVisits(dutyCtx, sh.ID); len(vs) != 2 {
			t.Fatalf("server holds %d visits after ticking, want 2", len(vs))
		}
		err = chromedp.Do(ctx,
			chromedp.Click(`#res li:first-child button[aria-label="Еда — Сидоров Иван"]`),
			chromedp.WaitVisible(`#ok`),
			chromedp.Poll[chromedp.Void](`document.querySelector('#res li:first-child button[aria-label="Еда — Сидоров Иван"]').getAttribute('aria-pressed') === 'false'`,
				chromedp.WithPollingInterval(100*time.Millisecond)),
			chromedp.Poll[chromedp.Void](`document.querySelector('#net').textContent.includes('всё отправлено')`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		)
		if err != nil {
			t.Fatalf("take food back: %v", err)
		}
		okText, _ := chromedp.Run(ctx, chromedp.Text(`#ok`))
		if !strings.Contains(okText, "Еда") || !strings.Contains(okText, "Сидоров Иван") {
			t.Fatalf("success message %q", okText)
		}
		if alertShown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector('#alert').hidden`)); alertShown {
			t.Fatalf("the red alert is shown after a success")
		}
		shootWidths(t, ctx, "checkin-duty-undo")
		vs, err := st.ShiftVisits(dutyCtx, sh.ID)
		if err != nil || len(vs) != 1 || vs[0].ItemID != opora.ItemCame {
			t.Fatalf("server after the undo: %v %+v", err, vs)
		}
		pt, err := st.CheckinPoint(fx.Ctx(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		food, _ := chromedp.Run(ctx, chromedp.Text(`#counts [data-c="`+idString(pt.Items[0].ID)+`"]`))
		if strings.TrimSpace(food) != "0" {
			t.Fatalf("food counter after the undo: %q", food)
		}
		// Offline the page's own matcher finds the regular with a typo and in Latin.
		if err := setOffline(ctx, true); err != nil {
			t.Fatalf("go offline: %v", err)
		}
		find("сидров", "Сидоров Иван")
		find("sidorov", "Сидоров Иван")
		// Still offline: tea given, then "came" taken back, which takes
		// back everything he got. Only the undo of the tick the server
		// holds waits in the queue; the tea never leaves the phone.
		err = chromedp.Do(ctx,
			chromedp.Click(`#res li:first-child button[aria-label="Чай — Сидоров Иван"]`),
			chromedp.WaitVisible(`#res li:first-child button[aria-label="Чай — Сидоров Иван"].on`),
			chromedp.Click(`#res li:first-child button[aria-label="Пришёл — Сидоров Иван"]`),
			chromedp.Poll[chromedp.Void](`document.querySelectorAll('#res li:first-child button.on').length === 0 &&
				document.querySelector('#net').textContent.includes('не отправлено: 1')`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		)
		if err != nil {
			net, _ := chromedp.Run(ctx, chromedp.Text(`#net`))
			t.Fatalf("take back offline: %v (indicator %q)", err, net)
		}
		if err := setOffline(ctx, false); err != nil {
			t.Fatalf("go online: %v", err)
		}
		err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.querySelector('#net').textContent.includes('всё отправлено')`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			t.Fatalf("the undo is not sent when back online: %v", err)
		}
		if vs, err := st.ShiftVisits(dutyCtx, sh.ID); err != nil || len(vs) != 0 {
			t.Fatalf("server after taking back offline: %v %d visits, want 0", err, len(vs))
		}
		people, _ := chromedp.Run(ctx, chromedp.Text(`#counts [data-c="people"]`))
		if strings.TrimSpace(people) != "0" {
			t.Fatalf("people counter after taking everything back: %q", people)
		}
	})
}
