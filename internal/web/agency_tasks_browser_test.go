package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/store/storetest"
)

// shootWide saves the current page, whole, at a 360 px phone and a 1280 px
// desktop into $OPORA_TEST_SCREENSHOTS/<name>-<width>.png.
func (p *player) shootWide(name string) {
	p.t.Helper()
	dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{360, 1280} {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(w, 900), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(() => { window.scrollTo(0, 0); return true })()`)(ctx, tg)
			return err
		})); err != nil {
			p.t.Fatal(err)
		}
		png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			p.t.Fatalf("screenshot %s at %d: %v", name, w, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(360, 900)); err != nil {
		p.t.Fatal(err)
	}
}

// TestBrowserAgencyBoardAndCuratorView: on a phone, the curator looks at
// the family's agency tasks; the kindergarten's head opens «Задачи
// ведомства», accepts the new task and marks it done with a report; the
// curator's next look shows it «Изменилось», and «Следующий шаг» proposes
// the follow-up to the council in two taps and a line of text.
func TestBrowserAgencyBoardAndCuratorView(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		g := newGardenFamily(t, a, fx)
		p := &player{t: t, ctx: ctx, base: a.srv.URL}
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(360, 900), russianBrowser()); err != nil {
			t.Fatal(err)
		}
		tasks := p.base + "/families/" + idString(g.family) + "/tasks"

		p.login("curator")
		p.do("the curator's first look", chromedp.Navigate(tasks))
		p.see("Задачи ведомств по семье", "Вы открываете задачи семьи впервые", "Место в детском саду для Ани")
		p.logout()

		p.login("garden-head")
		p.do("the board", p.menu("Задачи ведомства"))
		p.see("Новые", "Место в детском саду для Ани", "Кузнецова")
		p.shootWide("agency-board")
		p.do("open the task", p.follow(g.title))
		p.do("accept", p.submit("Принять"))
		p.see("Принята")
		p.do("done with a report",
			p.unfold("Отметить выполненной"),
			p.fill("Что сделано", "Место в группе «Солнышко» выделено"),
			p.submit("Отметить выполненной", "Отметить выполненной"))
		p.see("Выполнена", "Место в группе «Солнышко» выделено")
		p.shootWide("agency-task")
		p.do("back to the board", p.follow("← Задачи ведомства"))
		p.see("Выполненные", "Место в детском саду для Ани")
		p.logout()

		p.login("curator")
		p.do("the curator's next look", chromedp.Navigate(tasks))
		p.see("Изменилось с вашего прошлого просмотра: 1", "Изменилось", "Выполнена", "Место в группе «Солнышко» выделено")
		p.shootWide("curator-view")
		p.do("next step", p.follow("Следующий шаг"),
			p.fill("Что сделать", "Помочь подготовить Аню к детскому саду"),
			p.submit("Предложить на консилиум"))
		p.see("Следующий шаг добавлен в проект плана для консилиума.")
	})
}
