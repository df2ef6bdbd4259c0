package web

import (
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserFlowA plays Flow A of DOMAIN.md on a phone-sized screen: a
// worker creates a client with the questionnaire and a photo, adds an
// important note and a reminder, and finds him again with a typo.
func TestBrowserFlowA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := browser(t)
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		setPassword(t, st, fx.Admin.ID, fx.Org.ID)
		a := newApp(t, st)
		base := a.srv.URL
		photo := filepath.Join(t.TempDir(), "face.jpg")
		writeJPEG(t, photo)
		// Start the browser on the test's context; steps derive time limits from it.
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if err := chromedp.Do(sctx, actions...); err != nil {
				body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + [...document.querySelectorAll(".field-error, .flash")].map(e => e.id + ": " + e.textContent).join("\n")`))
				t.Fatalf("%s: %v\npage: %s", name, err, body)
			}
		}
		step("login",
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`))
		step("new client",
			chromedp.Navigate(base+"/clients/new"),
			chromedp.WaitVisible(`#f-surname`),
			chromedp.SendKeys(`#f-surname`, "Смирнов"),
			chromedp.SendKeys(`#f-first_name`, "Алексей"),
			chromedp.SendKeys(`#f-patronymic`, "Иванович"),
			chromedp.SendKeys(`#f-birth_date`, "12.05.1968"),
			chromedp.SendKeys(`#f-birth_place`, "Вологда"),
			chromedp.SetValue(`#f-gender`, "male"),
			chromedp.SetValue(`#f-homeless_status`, "homeless"),
			chromedp.Submit(`#f-surname`),
			chromedp.WaitVisible(`nav.tabs`))
		profile := location(t, ctx)
		if !strings.Contains(profile, "/clients/") {
			t.Fatalf("after creating the client the browser is at %s", profile)
		}
		// The questionnaire: why he is homeless, his dependency.
		step("questionnaire",
			chromedp.Navigate(profile+"/questionnaire/edit"),
			chromedp.WaitVisible(`form.questionnaire`),
			chooseByLabel("Причина бездомности", "Семейные проблемы"),
			chooseByLabel("Химическая зависимость", "Алкоголь"),
			chromedp.Submit(`form.questionnaire`),
			chromedp.WaitNotPresent(`form.questionnaire`))
		if q := text(t, ctx, `main`); !strings.Contains(q, "Семейные проблемы") || !strings.Contains(q, "Алкоголь") {
			t.Fatalf("questionnaire page does not show the answers: %q", q)
		}
		// A photo, so the next worker recognises him.
		step("photo",
			chromedp.Navigate(profile),
			chromedp.WaitReady(`#f-photo_file`),
			chromedp.SetUploadFiles(`#f-photo_file`, []string{photo}),
			chromedp.Submit(`#f-photo_file`),
			chromedp.WaitVisible(`img.photo`))
		// An important note and a reminder for today.
		step("note",
			openDetails(),
			chromedp.WaitVisible(`#f-body`),
			chromedp.SendKeys(`#f-body`, "Не давать наличные: просил на алкоголь.\nЗвонить сестре."),
			chromedp.Click(`input[name=important]`),
			removeFlash(),
			chromedp.Submit(`#f-body`),
			chromedp.WaitVisible(`.flash-ok`))
		step("reminder",
			openDetails(),
			chromedp.WaitVisible(`#f-reminder_body`),
			chromedp.SetValue(`#f-due_on`, time.Now().Format("2006-01-02")),
			chromedp.SendKeys(`#f-reminder_body`, "Проверить, пришёл ли ответ из МФЦ"),
			chromedp.Click(`input[name=for_all]`),
			removeFlash(),
			chromedp.Submit(`#f-reminder_body`),
			chromedp.WaitVisible(`.flash-ok`))
		page := text(t, ctx, `main`)
		for _, want := range []string{"Не давать наличные", "Проверить, пришёл ли ответ из МФЦ", "Смирнов Алексей Иванович"} {
			if !strings.Contains(page, want) {
				t.Fatalf("profile does not show %q", want)
			}
		}
		if header := text(t, ctx, `header`); !strings.Contains(header, "1") {
			t.Fatalf("no due reminder counted in the header: %q", header)
		}
		// Next week another worker types the surname with a typo.
		step("search",
			chromedp.Navigate(base+"/clients"),
			chromedp.WaitVisible(`#f-q`),
			chromedp.SendKeys(`#f-q`, "Смирноф Алексей"),
			chromedp.Submit(`#f-q`))
		// The results page, not the list it was typed on (that has a table
		// with him too, and a check run on it as it goes races the next page).
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			// An evaluation during the navigation fails: ask again.
			on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname === "/clients/search" && document.readyState === "complete" && !!document.querySelector("main table")`))
			if err == nil && on {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the search results did not open: %v", err)
			}
		}
		if res := text(t, ctx, `main table`); !strings.Contains(res, "Смирнов Алексей Иванович") {
			t.Fatalf("search with a typo did not find him: %q", res)
		}
		var thumbs int
		thumbs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main table img.thumb').length`))
		if err != nil || thumbs == 0 {
			t.Fatalf("no thumbnail in the search results: %v", err)
		}
	})
}

// openDetails unfolds every <details> block, as a person tapping them would.
func openDetails() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[int](`document.querySelectorAll('details').forEach(d => d.open = true) || 0`)(ctx, tg)
		return chromedp.Void{}, err
	}
}

// removeFlash drops the current page's flash message, so waiting for the
// next one waits for the next page.
func removeFlash() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[int](`document.querySelectorAll('.flash').forEach(e => e.remove()) || 0`)(ctx, tg)
		return chromedp.Void{}, err
	}
}

// chooseByLabel picks an option by its text in the select labelled label.
func chooseByLabel(label, optionText string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		js := `(() => { for (const l of document.querySelectorAll('label')) {
			if (l.textContent.trim().startsWith(` + jsString(label) + `)) { const s = document.getElementById(l.htmlFor);
			if (!s || !s.options) continue;
			for (const o of s.options) if (o.text.trim() === ` + jsString(optionText) + `) { s.value = o.value;
				s.dispatchEvent(new Event('change', {bubbles: true})); return true } } } return false })()`
		ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
		if err == nil && !ok {
			err = os.ErrNotExist
		}
		return chromedp.Void{}, err
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func writeJPEG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y), 120, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, nil); err != nil {
		t.Fatal(err)
	}
}
