package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// retentionSetup makes two clients whose only case of the first case type
// closed on 20 February 2026, a rule (made through the page) of 3 years
// after closing, and runs the daily job at 1 March 2029.
func retentionSetup(t *testing.T, a *app, fx *storetest.Fixture) (doomed, back *opora.Client, caseType int64) {
	t.Helper()
	st := a.st
	now := st.Now
	t.Cleanup(func() { st.Now = now })
	day := func(y int, m time.Month, d int) opora.Date {
		return opora.DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	set := func(d opora.Date) {
		st.Now = func() time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC) }
	}
	ctx := fx.Ctx()
	types, err := st.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil || len(types) < 2 {
		t.Fatalf("case types: %v", err)
	}
	caseType = types[0].ID
	set(day(2026, 1, 10))
	var out []*opora.Client
	for _, name := range []string{"Уничтожаемая", "Вернувшийся"} {
		c := &opora.Client{Surname: name, FirstName: "Серафима", BranchID: fx.Branch.ID}
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		set(day(2026, 2, 6))
		k := &opora.Case{ClientID: c.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: day(2026, 2, 6)}
		if err := st.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		set(day(2026, 2, 20))
		if err := st.CloseCase(ctx, k.ID, &opora.CaseClosing{Outcome: opora.OutcomeDone}); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	set(day(2029, 3, 1))
	if _, err := st.RunRetention(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return out[0], out[1], caseType
}

func TestRetentionPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		doomed, back, caseType := retentionSetup(t, a, fx)
		adm := a.login(t, fx.Admin.Login, testPassword) // sessions live by the store's clock, now in 2029
		if res := adm.get("/admin"); !strings.Contains(res.Body, `href="/admin/retention"`) {
			t.Errorf("the administration page has no retention entry")
		}
		ctID := strconv.FormatInt(caseType, 10)

		// Bad input: the values come back with the message by the field.
		form := url.Values{"name": {"Документы: 3 года"}, "case_type_id": {ctID}, "trigger": {"case_closed"}, "amount": {"0"},
			"unit": {"years"}, "action": {"anonymise"}, "active": {"1"}}
		res := adm.post("/admin/retention/rules", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Укажите срок: целое число больше нуля") ||
			!strings.Contains(res.Body, `value="Документы: 3 года"`) {
			t.Fatalf("a period of 0: %d", res.Status)
		}
		form.Set("amount", "3")
		if res := adm.post("/admin/retention/rules", form); res.Status != http.StatusSeeOther {
			t.Fatalf("save a rule: %d %s", res.Status, res.Body)
		}
		res = adm.get("/admin/retention")
		mustContain(t, res.Body, "Сроки хранения", "Документы: 3 года", "3 года после закрытия последнего случая", "обезличить")
		if _, err := a.st.RunRetention(context.Background(), nil); err != nil {
			t.Fatal(err)
		}

		// The list shows numbers, never names.
		res = adm.get("/admin/retention/due")
		mustContain(t, res.Body, "К уничтожению", fmt.Sprintf("№ %d", doomed.ID), fmt.Sprintf("№ %d", back.ID), "20.02.2029")
		if strings.Contains(res.Body, "Уничтожаемая") || strings.Contains(res.Body, "Серафима") {
			t.Errorf("the due list shows a name")
		}
		// One of them came back: a new case is open.
		if err := a.st.CreateCase(fx.Ctx(), &opora.Case{ClientID: back.ID, TypeID: caseType, CuratorID: fx.Admin.ID,
			OpenedOn: a.st.Today()}, 0); err != nil {
			t.Fatal(err)
		}
		both := url.Values{"client": {strconv.FormatInt(doomed.ID, 10), strconv.FormatInt(back.ID, 10)}, "reason": {" "}}
		res = adm.post("/admin/retention/destroy", both)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-reason"`) ||
			!strings.Contains(res.Body, fmt.Sprintf(`value="%d" id="c-%d" aria-label="Отметить № %d" checked`, doomed.ID, doomed.ID, doomed.ID)) {
			t.Fatalf("no reason: %d %s", res.Status, res.Body)
		}
		if c, err := a.st.Client(fx.Ctx(), doomed.ID); err != nil || c.Surname != "Уничтожаемая" {
			t.Fatalf("destroyed without a reason: %v", err)
		}
		both.Set("reason", "Истёк срок хранения")
		res = adm.post("/admin/retention/destroy", both)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("one refused: %d", res.Status)
		}
		mustContain(t, res.Body, "Уничтожено: 1. Не уничтожено: 1",
			fmt.Sprintf("У клиента № %d есть открытый случай — уничтожение невозможно", back.ID))
		if _, err := a.st.Client(fx.Ctx(), doomed.ID); err == nil {
			t.Errorf("the approved client still opens")
		}
		if c, err := a.st.Client(fx.Ctx(), back.ID); err != nil || c.Surname != "Вернувшийся" {
			t.Errorf("the refused client: %v", err)
		}
		// The client's page answers 404.
		if res := adm.get(fmt.Sprintf("/clients/%d", doomed.ID)); res.Status != http.StatusNotFound {
			t.Errorf("the destroyed client's page: %d", res.Status)
		}

		// The act: the number, the reason and who approved; no name.
		acts, err := a.st.Destructions(fx.Ctx(), 0)
		if err != nil || len(acts) != 1 {
			t.Fatalf("acts: %v %d", err, len(acts))
		}
		res = adm.get("/admin/retention/acts")
		mustContain(t, res.Body, fmt.Sprintf(`href="/admin/retention/acts/%d"`, acts[0].ID), fx.Admin.FullName)
		res = adm.get(fmt.Sprintf("/admin/retention/acts/%d", acts[0].ID))
		mustContain(t, res.Body, fmt.Sprintf("Акт № %d об уничтожении персональных данных", acts[0].ID),
			fmt.Sprintf("№ %d", doomed.ID), "Истёк срок хранения", "Утвердил", fx.Admin.FullName, "ФИО, дата и место рождения")
		if strings.Contains(res.Body, "Уничтожаемая") {
			t.Errorf("the act shows the name")
		}

		// A specialist reaches none of it; another organisation's act is 404.
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sp := a.login(t, "spec", testPassword)
		for _, p := range []string{"/admin/retention", "/admin/retention/due", "/admin/retention/acts"} {
			if res := sp.get(p); res.Status != http.StatusForbidden {
				t.Errorf("a specialist opens %s: %d", p, res.Status)
			}
		}
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		oa := a.login(t, other.Admin.Login, testPassword)
		if res := oa.get(fmt.Sprintf("/admin/retention/acts/%d", acts[0].ID)); res.Status != http.StatusNotFound {
			t.Errorf("another organisation's act: %d", res.Status)
		}
	})
}

// TestBrowserRetentionScreens shoots the due list and the act at 360 and
// 1280 px ($OPORA_TEST_SCREENSHOTS) and checks the act's page does not run
// off a phone's screen. The screens are the same on both databases, so
// it runs on SQLite only (the retention pages' data are tested on both).
func TestBrowserRetentionScreens(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	fx := storetest.SetupOrg(t, st, "Ночлежка")
	setPassword(t, st, fx.Admin.ID, fx.Org.ID)
	a := newApp(t, st)
	ctx := browser(t)
	if err := st.SetOwnLocale(fx.Ctx(), "ru"); err != nil {
		t.Fatal(err)
	}
	doomed, _, caseType := retentionSetup(t, a, fx)
	if err := st.SaveRetentionRule(fx.Ctx(), &opora.RetentionRule{Name: "Документы: 3 года после закрытия", CaseTypeID: caseType,
		Trigger: opora.TriggerCaseClosed, Amount: 3, Unit: opora.UnitYears, Action: opora.ActionAnonymise, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RunRetention(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	base := a.srv.URL
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, fx.Admin.Login),
		chromedp.SendKeys(`#f-password`, testPassword),
		chromedp.Submit(`#f-login`),
		chromedp.WaitNotPresent(`#f-password`),
		chromedp.Navigate(base+"/admin/retention"),
		chromedp.WaitVisible(`#f-grace_days`),
	); err != nil {
		t.Fatal(err)
	}
	shootWidths(t, ctx, "retention-rules")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/retention/due"),
		chromedp.WaitVisible(`#f-reason`),
	); err != nil {
		t.Fatal(err)
	}
	shootWidths(t, ctx, "retention-due")
	if err := chromedp.Do(ctx,
		chromedp.Click(fmt.Sprintf(`#c-%d`, doomed.ID)),
		chromedp.SendKeys(`#f-reason`, "Истёк срок хранения"),
		chromedp.Submit(`#f-reason`),
		chromedp.WaitVisible(`a[href^="/admin/retention/acts/"]`),
		chromedp.Click(`a[href^="/admin/retention/acts/"]`),
		chromedp.WaitVisible(`.print-doc`),
	); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780)); err != nil {
		t.Fatal(err)
	}
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Errorf("the act runs off a 360 px screen")
	}
	shootWidths(t, ctx, "retention-act")
	text, err := chromedp.Run(ctx, chromedp.Text(`.print-doc`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, fx.Admin.FullName) || !strings.Contains(text, fmt.Sprintf("№ %d", doomed.ID)) {
		t.Errorf("the act: %s", text)
	}
}
