package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// shootElement saves a screenshot of one element at a phone's and a
// desktop's width into $OPORA_TEST_SCREENSHOTS/<name>-<width>.png (nothing
// without that variable).
func shootElement(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{1280, 360} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 780)); err != nil {
			t.Fatalf("viewport %d: %v", w, err)
		}
		png, err := chromedp.Run(ctx, chromedp.Screenshot(sel, chromedp.NodeVisible))
		if err != nil {
			t.Fatalf("screenshot %s at %d: %v", name, w, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+map[int64]string{360: "360", 1280: "1280"}[w]+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func browserLogin(t *testing.T, ctx context.Context, base, login string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, login), chromedp.SendKeys(`#f-password`, testPassword),
		chromedp.Submit(`#f-login`), chromedp.WaitVisible(`.userbox`)); err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
}

// TestBrowserHints: the curator taps «Добавить в проект плана» on the
// card's hint and lands at the plan with the task in it; the hints block
// and /admin/hints are shot at 360 and 1280 px.
func TestBrowserHints(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		h := newHintWeb(t, a, fx)
		base := a.srv.URL
		card := base + "/families/" + idString(h.famID)
		browserLogin(t, ctx, base, "hint-head")
		if err := chromedp.Do(ctx, chromedp.Navigate(card), chromedp.WaitVisible(`#hints`)); err != nil {
			t.Fatalf("card: %v", err)
		}
		shootElement(t, ctx, `#hints`, "hints-card")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780),
			chromedp.Click(`#hints .hint-measures form button`, chromedp.NodeVisible),
			chromedp.WaitVisible(`#plan`)); err != nil {
			t.Fatalf("add: %v", err)
		}
		plan := text(t, ctx, `#plan + ol`)
		if !strings.Contains(plan, "Подбор вакансий") {
			t.Errorf("the plan after the tap: %q", plan)
		}
		if n := draftCount(t, a, fx, h.famID); n != 1 {
			t.Errorf("draft tasks: %d", n)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(card+"/plan"), chromedp.WaitVisible(`#hints`)); err != nil {
			t.Fatalf("plan: %v", err)
		}
		shootElement(t, ctx, `#hints`, "hints-plan")

		// Verdicts and a rule whose indicator is gone, for the administration's shot.
		rule := seededJobLossRule(t, a, fx)
		if res := h.head.post("/families/"+idString(h.famID)+"/hints/"+idString(rule)+"/feedback",
			url.Values{"verdict": {"useful"}, "comment": {"Отец встал на учёт в службе занятости, ребёнок снова ходит в школу"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("feedback: %d", res.Status)
		}
		if _, err := storetest.RawDB(t, a.st).Exec(`UPDATE form_fields SET label = 'Взрослый злоупотребляет алкоголем или наркотиками'
			WHERE label = 'Взрослый злоупотребляет алкоголем'`); err != nil {
			t.Fatal(err)
		}
		ctx2 := browser(t)
		browserLogin(t, ctx2, base, "admin")
		if err := chromedp.Do(ctx2, chromedp.Navigate(base+"/admin/hints"), chromedp.WaitVisible(`.hint-rule`)); err != nil {
			t.Fatalf("admin: %v", err)
		}
		shootWidths(t, ctx2, "hints-admin")
		if err := chromedp.Do(ctx2, chromedp.Navigate(base+"/admin/hints/new"), chromedp.WaitVisible(`#f-difficulty`),
			chromedp.SendKeys(`#f-difficulty`, "Новая трудность"), chromedp.Submit(`#f-difficulty`),
			chromedp.WaitVisible(`#e-measures`)); err != nil {
			t.Fatalf("editor: %v", err)
		}
		shootWidths(t, ctx2, "hints-editor")
	})
}
