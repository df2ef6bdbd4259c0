package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserImport moves a Windows-1251 card file in through a real
// browser on a phone: upload, the mapping page (fields guessed from the
// headers), the check's report (which reloads itself until the run ends)
// and the import's result. The mapping and the report are shot at 360
// and 1280 px; neither runs off the side of a phone.
func TestBrowserImport(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		base := a.srv.URL
		file := filepath.Join(t.TempDir(), "картотека.csv")
		if err := os.WriteFile(file, win1251(t, importCardsCSV), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := a.st.SetOwnLocale(fx.Ctx(), "ru"); err != nil {
			t.Fatal(err)
		}
		// Чайкина is registered already: the check shows her as a likely
		// duplicate, with a link to her record.
		born, _ := opora.ParseDate("05.06.1990")
		known := &opora.Client{BranchID: fx.Branch.ID, Surname: "Чайкина", FirstName: "Эльвира", BirthPrecision: opora.BirthExact, BirthDate: born}
		if err := a.st.CreateClient(fx.Ctx(), known); err != nil {
			t.Fatal(err)
		}
		browserLogin(t, ctx, base, "admin")
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/import"), chromedp.WaitVisible(`#f-file`),
			chromedp.SetUploadFiles(`#f-file`, []string{file}), chromedp.Submit(`#f-file`),
			chromedp.WaitVisible(`#f-col0`)); err != nil {
			t.Fatalf("upload: %v", err)
		}
		page := text(t, ctx, `main`)
		for _, want := range []string{"Сопоставление столбцов", "«Ёлкин»", "Дата рождения", "Проверить без записи"} {
			if !strings.Contains(page, want) {
				t.Errorf("the mapping page does not show %q", want)
			}
		}
		noOverflow(t, ctx, "mapping")
		shootWidths(t, ctx, "import-mapping")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Submit(`#f-col0`),
			chromedp.WaitVisible(`.import-run`)); err != nil {
			t.Fatalf("check: %v", err)
		}
		report := text(t, ctx, `main`)
		for _, want := range []string{"Проверка файла", "Ошибки в строках", "Не дата: ожидается ДД.ММ.ГГГГ или год",
			"Нет такого значения в справочнике", "Импортировать (2)", "Похожие на существующих клиентов", "Чайкина Эльвира"} {
			if !strings.Contains(report, want) {
				t.Errorf("the report does not show %q", want)
			}
		}
		noOverflow(t, ctx, "report")
		shootWidths(t, ctx, "import-dryrun")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780), chromedp.Click(`.import-run button`, chromedp.NodeVisible),
			chromedp.WaitVisible(`.import-done`)); err != nil {
			t.Fatalf("import: %v", err)
		}
		if got := text(t, ctx, `main`); !strings.Contains(got, "Результат импорта") || !strings.Contains(got, "Создано клиентов\n2") {
			t.Errorf("the result page: %q", got)
		}
		a.web.WaitJobs()
	})
}

// noOverflow fails when the page is wider than a 360 px phone.
func noOverflow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 780)); err != nil {
		t.Fatal(err)
	}
	w, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w > 360 {
		t.Errorf("the %s page is %v px wide on a 360 px phone", what, w)
	}
}
