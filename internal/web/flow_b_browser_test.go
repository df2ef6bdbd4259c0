package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserFlowB plays Flow B of DOMAIN.md up to the draft help plan on
// a tablet, each person finding fields by their labels and buttons by
// their words: a school's specialist reports a family, the КДН secretary
// makes a family card of the signal and sends it to the КЦСОН, its head
// assigns a curator, and the curator completes the card, assesses the
// family and drafts three tasks. The school then sees its signal
// accepted, and not the family.
func TestBrowserFlowB(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		started := time.Now()
		ctx := browser(t)
		nctx := fx.Ctx()
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Северная область"}
		if err := a.st.SaveTerritory(nctx, region); err != nil {
			t.Fatal(err)
		}
		mun := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Заречный район"}
		if err := a.st.SaveTerritory(nctx, mun); err != nil {
			t.Fatal(err)
		}
		kdn := storetest.AddAgencyIn(t, a.st, nctx, "КДН и ЗП Заречного района", opora.OrgKDN, mun.ID)
		kcson := storetest.AddAgencyIn(t, a.st, nctx, "КЦСОН Заречного района", opora.OrgSocialService, mun.ID)
		school := storetest.AddAgencyIn(t, a.st, nctx, "Школа № 17", opora.OrgSchool, mun.ID)
		person := func(org *storetest.Fixture, login, name, role string) {
			t.Helper()
			u := &opora.User{Login: login, FullName: name, BranchIDs: []int64{org.Branch.ID}, RoleIDs: []int64{org.Role(t, role).ID}}
			if err := a.st.CreateUser(org.Ctx(), u, storetest.PasswordHash); err != nil {
				t.Fatal(err)
			}
			setPassword(t, a.st, u.ID, org.Org.ID)
			if err := a.st.SetOwnLocale(storetest.CtxOf(t, a.st, u.ID), "ru"); err != nil {
				t.Fatal(err)
			}
		}
		// The default task types are the homeless services' ones; the КЦСОН
		// adds the family ones its curators need (as in «Справочники»).
		for _, tt := range [][2]string{{"kindergarten_place", "Место в детском саду"}, {"school_meals", "Питание в школе"}, {"benefits", "Оформление пособий"}} {
			if err := a.st.SaveDictionaryItem(kcson.Ctx(), &opora.DictionaryItem{Dictionary: opora.DictTaskType, Key: tt[0], Label: tt[1]}); err != nil {
				t.Fatal(err)
			}
		}
		person(school, "sokolova", "Марина Соколова", "agency_specialist")
		person(kdn, "petrova", "Ольга Петрова", "kdn_secretary")
		person(kcson, "ivanova", "Елена Иванова", "agency_head")
		person(kcson, "orlov", "Дмитрий Орлов", "curator")

		p := &player{t: t, ctx: ctx, base: a.srv.URL}
		// Start the browser on the test's context; steps derive time limits from it.
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(768, 1024), russianBrowser()); err != nil {
			t.Fatal(err)
		}

		// 1. The school's specialist reports the family.
		p.login("sokolova")
		p.do("the signal form",
			p.menu("Сигналы"),
			p.follow("Новый сигнал"))
		p.see("Новый сигнал", "Откуда сигнал", "О семье", "Дети")
		// The school's own municipality is chosen already.
		if got := p.chosen("Муниципалитет"); got != "Северная область / Заречный район" {
			t.Errorf("the signal form starts on the municipality %q", got)
		}
		p.shoot("flowb-1-signal-form")
		p.do("register the signal",
			p.pick("Канал", "Через систему"),
			p.fill("Что случилось", "Ребёнок пропускает уроки, выглядит голодным"),
			p.pick("Срочность", "Обычный"),
			p.fill("Фамилия семьи", "Смирновы"),
			p.fill("Адрес", "ул. Титова, 12, кв. 40"),
			p.fill("Имя ребёнка", "Артём", "Ребёнок 1"),
			p.fill("Дата рождения", "2014-09-01", "Ребёнок 1"),
			p.fill("Имя ребёнка", "Вера", "Ребёнок 2"),
			p.fill("Дата рождения", "2020-02-15", "Ребёнок 2"),
			p.submit("Зарегистрировать"))
		p.see("Сигнал зарегистрирован.", "На рассмотрении", "Школа № 17", "Ребёнок пропускает уроки, выглядит голодным",
			"Артём (01.09.2014)", "Вера (15.02.2020)")
		signal := p.location()
		p.do("my signals", p.menu("Сигналы"))
		p.seeIn("Мои сигналы", "Смирновы Артём Вера", "На рассмотрении")
		p.logout()

		// 2. The КДН secretary makes a family card of it and sends it to the КЦСОН.
		p.login("petrova")
		p.see("Сигналы к рассмотрению", "Новых сигналов: 1")
		p.do("the inbox", p.follow("Все сигналы"))
		p.seeIn("Сигналы к рассмотрению", "Смирновы Артём Вера", "ул. Титова, 12, кв. 40 · Заречный район")
		p.do("the signal", p.follow("№"+strings.TrimPrefix(signal, a.srv.URL+"/signals/"), "Сигналы к рассмотрению"))
		p.see("На рассмотрении", "Похожие сигналы и семьи")
		p.do("a new family from the signal", p.unfold("Создать семью из сигнала"))
		p.shoot("flowb-2-triage")
		p.do("send it to the КЦСОН",
			p.fill("Фамилия", "Смирнов", "Ребёнок 1"),
			p.fill("Фамилия", "Смирнова", "Ребёнок 2"),
			p.pick("Передать в КЦСОН", "КЦСОН Заречного района", "Создать семью из сигнала"),
			p.submit("Создать семью из сигнала"))
		p.see("Сигнал принят.", "Принят; передан в службу сопровождения", "КЦСОН Заречного района", "Ольга Петрова")
		p.logout()

		// 3. The КЦСОН head assigns a curator.
		p.login("ivanova")
		p.seeIn("Семьи без куратора", "ул. Титова, 12, кв. 40")
		p.do("the family card", p.followFirst("Семьи без куратора"))
		p.see("Карточка семьи", "Куратор не назначен", "Смирнов Артём", "Смирнова Вера", "Ребёнок пропускает уроки, выглядит голодным")
		p.do("assign the curator",
			p.pick("Куратор", "Дмитрий Орлов", "Куратор"),
			p.submit("Назначить куратора"))
		p.see("Куратор назначен", "Дмитрий Орлов", "Сопровождение")
		p.logout()

		// 4. The curator completes the card, assesses the family and drafts the plan.
		p.login("orlov")
		p.seeIn("Мои семьи", "Смирнов")
		p.do("my family", p.followFirst("Мои семьи"))
		p.see("Карточка семьи", "Дмитрий Орлов")
		p.do("add the mother",
			p.unfold("Добавить члена семьи"),
			p.pick("Кем приходится", "Мать"),
			p.fill("Фамилия", "Смирнова", "Добавить члена семьи"),
			p.fill("Имя", "Екатерина", "Добавить члена семьи"),
			p.fill("Отчество", "Игоревна", "Добавить члена семьи"),
			p.fill("Дата рождения", "1990-04-02", "Добавить члена семьи"),
			p.submit("Добавить члена семьи"))
		p.see("Член семьи добавлен")
		members := p.rows("Члены семьи")
		want := map[string]string{"Смирнов Артём": "Ребёнок", "Смирнова Вера": "Ребёнок", "Смирнова Екатерина Игоревна": "Мать"}
		if len(members) != 3 {
			t.Fatalf("the card lists %d members: %q", len(members), members)
		}
		for _, m := range members {
			role, ok := want[m[0]]
			if !ok || m[1] != role || m[2] == "" {
				t.Errorf("member row %q: want role %q and an age", m, role)
			}
		}
		p.seeIn("История семьи", "Открыт доступ; КЦСОН Заречного района; Основание: сопровождение семьи",
			"Вошёл(а) в семью; Смирнова Екатерина Игоревна; Кем приходится: Мать")
		p.shoot("flowb-3-card")

		p.do("a new assessment", p.follow("Новая оценка"))
		p.see("Оценка положения семьи", "Дата оценки", "Безопасность ребёнка", "Сумма баллов")
		domains := p.domains()
		if len(domains) < 10 {
			t.Fatalf("the assessment has %d domains", len(domains))
		}
		// The family's troubles: the children go hungry and miss school.
		worse := map[string]string{
			"Ребёнок недоедает или питается нерегулярно":                        "Есть проблема",
			"Ребёнок пропускает школу или детский сад без уважительной причины": "Есть проблема",
			"Одежда и обувь не по сезону или не по размеру":                     "Есть риск",
			"Трудоспособные взрослые не работают и не ищут работу":              "Есть риск",
			"Дохода семьи не хватает на еду и необходимое":                      "Есть проблема",
			"Семья не получает пособия и льготы, на которые имеет право":        "Есть проблема",
		}
		total, answered := 0, 0
		for _, d := range domains {
			var taps []chromedp.Action[chromedp.Void]
			for _, ind := range d.Indicators {
				ans := "Нет трудностей"
				if w, ok := worse[ind]; ok {
					ans = w
				}
				total += map[string]int{"Нет трудностей": 0, "Есть риск": 1, "Есть проблема": 2}[ans]
				taps = append(taps, p.answer(ind, ans))
				answered++
			}
			p.do("answer «"+d.Title+"»", taps...)
		}
		if answered < 30 {
			t.Fatalf("only %d indicators", answered)
		}
		p.see(fmt.Sprintf("Сумма баллов: %d", total))
		// Every answer's words stay inside its box, clear of its score, on the tablet and on a phone.
		for _, w := range []int64{768, 360} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 1024)); err != nil {
				t.Fatal(err)
			}
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.scale label')].filter(l =>
				{ const t = l.querySelector('span').getBoundingClientRect(), s = l.querySelector('.score').getBoundingClientRect();
				return l.scrollWidth > l.clientWidth || (t.right > s.left && t.top < s.bottom) ||
					/-|\u00ad/.test(l.querySelector('span').textContent) === false && l.querySelector('span').getClientRects().length > 0 &&
					[...l.querySelector('span').textContent.split(/\s+/)].some(w => { const r = document.createRange(); const n = l.querySelector('span').firstChild;
						const i = n.textContent.indexOf(w); r.setStart(n, i); r.setEnd(n, i + w.length); return r.getClientRects().length > 1 }) }).length`))
			if err != nil || n > 0 {
				t.Errorf("at %d px %d answers run over their score or box (%v)", w, n, err)
			}
		}
		p.do("back to the tablet", chromedp.EmulateViewport(768, 1024))
		p.shoot("flowb-4-assessment-form")
		p.do("complete the assessment", p.submit("Завершить оценку"))
		p.see("Оценка завершена", "Завершена", fmt.Sprintf("Сумма баллов: %d", total), "Уровень: Средний", "Базовый уход", "Обучение")
		scores := p.rows("Баллы")
		byDomain := map[string]string{}
		for _, r := range scores {
			byDomain[r[0]] = r[1]
		}
		if byDomain["Базовый уход"] != "3" || byDomain["Обучение"] != "2" || byDomain["Доход и занятость"] != "3" || byDomain["Безопасность ребёнка"] != "0" || len(byDomain) != len(domains) {
			t.Errorf("domain scores: %v", byDomain)
		}
		p.shoot("flowb-5-assessment")

		p.do("the draft plan", p.follow("Проект плана помощи"))
		p.see("Проект плана помощи", "В проекте плана пока нет задач.", "Предложить задачу")
		tasks := []struct{ typ, what, why, indicator, agency, due string }{
			{"Место в детском саду", "Место для Веры в детском саду", "Мать сможет выйти на работу",
				"Трудоспособные взрослые не работают и не ищут работу (Доход и занятость: 1)", "Орган управления образованием", "2027-02-01"},
			{"Питание в школе", "Бесплатное горячее питание Артёма в школе", "Артём приходит в школу голодным",
				"Ребёнок недоедает или питается нерегулярно (Базовый уход: 2)", "Школа", "2027-01-15"},
			{"Оформление пособий", "Помочь оформить пособие на детей", "Семья не знает о своём праве на пособие",
				"Семья не получает пособия и льготы, на которые имеет право (Документы и льготы: 2)", "Орган социальной защиты", "2027-01-31"},
		}
		for i, task := range tasks {
			p.do(fmt.Sprintf("task %d", i+1),
				p.pick("Вид задачи", task.typ),
				p.fill("Что сделать", task.what),
				p.fill("Зачем", task.why),
				p.pick("На какой показатель оценки отвечает", task.indicator),
				p.pick("Предлагаемое ведомство", task.agency),
				p.fill("Предлагаемый срок", task.due),
				p.submit("Сохранить"))
			p.see("Изменения сохранены", task.what, "Предлагаемое ведомство: "+task.agency)
		}
		p.shoot("flowb-6-plan")
		p.do("back to the card", p.follow("← Карточка семьи: Смирнова, Смирнов"))
		family := p.location()
		for _, task := range tasks {
			p.seeIn("Проект плана помощи", task.typ+": "+task.what)
		}
		p.seeIn("Оценка", "Средний (10)", "Завершена")
		p.logout()

		// 5. The school sees its signal accepted, and not the family.
		p.login("sokolova")
		p.do("my signals again", p.menu("Сигналы"))
		p.seeIn("Мои сигналы", "Смирновы", "Принят; передан в службу сопровождения")
		p.do("the family, by its address", chromedp.Navigate(family))
		p.see("404", "Страница не найдена", "Такой записи нет, или у вас нет к ней доступа.")
		t.Logf("Flow B played in %s", time.Since(started).Round(100*time.Millisecond))
	})
}

// russianBrowser makes the browser ask for Russian pages, as a browser in
// Russia does (the login page before a user's own language is known).
func russianBrowser() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		ua, err := chromedp.Evaluate[string](`navigator.userAgent`)(ctx, tg)
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: "ru-RU,ru"})
		return err
	})
}

// player plays a person at the browser: it finds fields by their labels,
// buttons and links by their words, and the parts of a page by their
// headings (a legend, a summary or a heading: the scope).
type player struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// flowJS are the page functions the player's selectors use.
const flowJS = `const norm = s => (s || '').replace(/\s+/g, ' ').replace(/\s*\*$/, '').trim();
const vis = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const inScope = (e, scope) => { if (!scope) return true;
	for (let a = e.parentElement; a; a = a.parentElement) {
		for (const h of a.querySelectorAll(':scope > legend, :scope > summary, :scope > h1, :scope > h2'))
			if (norm(h.textContent) === scope) return true;
		for (let s = a.previousElementSibling; s && a.parentElement && a.parentElement.tagName === 'MAIN'; s = s.previousElementSibling)
			if (/^H[12]$/.test(s.tagName)) { if (norm(s.textContent) === scope) return true; break; }
	}
	return false };
const control = (label, scope) => { for (const l of document.querySelectorAll('label')) {
	if (norm(l.textContent) !== label || !vis(l) || !inScope(l, scope)) continue;
	const c = (l.closest('form') || document).querySelector('[id="' + l.htmlFor + '"]');
	if (c) return c } return null };
const byText = (sel, text, scope) => [...document.querySelectorAll(sel)].find(e => norm(e.textContent) === text && vis(e) && inScope(e, scope)) || null;
`

func jsCall(fn string, args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = jsString(a)
	}
	return "(() => { " + flowJS + " return " + fn + "(" + strings.Join(q, ", ") + ") })()"
}

func scopeOf(scope []string) string {
	if len(scope) > 0 {
		return scope[0]
	}
	return ""
}

// do runs the actions of one step, with a time limit; on failure it says
// where the browser is and what the page's messages say.
func (p *player) do(name string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	sctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href + "\n" + [...document.querySelectorAll(".field-error, .flash")].map(e => e.id + ": " + e.textContent).join("\n")`))
		p.t.Fatalf("%s: %v\npage: %s", name, err, body)
	}
}

func (p *player) location() string {
	p.t.Helper()
	return location(p.t, p.ctx)
}

// login opens the login page and logs in by the labels of the form.
func (p *player) login(login string) {
	p.t.Helper()
	p.do("log in as "+login,
		chromedp.Navigate(p.base+"/login"),
		p.fill("Логин", login),
		p.fill("Пароль", testPassword),
		p.submit("Войти"))
	p.see("Здравствуйте")
}

// logout presses «Выйти» in the header.
func (p *player) logout() {
	p.t.Helper()
	p.do("log out", p.submit("Выйти"))
	p.see("Вы вышли из системы.")
}

// see waits until the page's main part shows every text.
func (p *player) see(texts ...string) {
	p.t.Helper()
	p.seeIn("", texts...)
}

// seeIn waits until the part of the page under the heading scope (the
// whole main part for "") shows every text.
func (p *player) seeIn(scope string, texts ...string) {
	p.t.Helper()
	js := `(() => { ` + flowJS + ` const scope = ` + jsString(scope) + `;
		if (!scope) return document.querySelector('main').innerText;
		const h = byText('main h1, main h2, main legend, main summary', scope, '');
		if (!h) return null;
		let out = '';
		if (h.parentElement.tagName === 'MAIN') { for (let s = h.nextElementSibling; s && !/^H[12]$/.test(s.tagName); s = s.nextElementSibling) out += s.innerText + '\n'; }
		else out = h.parentElement.innerText;
		return out })()`
	var last string
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := chromedp.Run(p.ctx, chromedp.Evaluate[*string](js))
		if err == nil && s != nil {
			last = *s
			missing := ""
			for _, w := range texts {
				if !strings.Contains(last, w) {
					missing = w
					break
				}
			}
			if missing == "" {
				return
			}
			if time.Now().After(deadline) {
				p.t.Fatalf("at %s the page (%q) does not show %q:\n%s", p.location(), scope, missing, last)
			}
		} else if time.Now().After(deadline) {
			p.t.Fatalf("at %s no part %q on the page", p.location(), scope)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fill types a value into the field labelled label; a date field gets
// the date (YYYY-MM-DD) as a person's date picker gives it.
func (p *player) fill(label, value string, scope ...string) chromedp.Action[chromedp.Void] {
	js := jsCall("control", label, scopeOf(scope))
	sel := chromedp.JSPath(js)
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(sel)(ctx, tg); err != nil {
			return fmt.Errorf("field «%s» %v: %w", label, scope, err)
		}
		typ, err := chromedp.Evaluate[string](`(() => { const c = `+js+`; return c.type + (c.value ? ' filled' : '') })()`)(ctx, tg)
		if err != nil {
			return err
		}
		typ, filled := strings.CutSuffix(typ, " filled")
		if typ == "date" {
			_, err = chromedp.SetValue(sel, value)(ctx, tg)
			return err
		}
		if filled {
			if _, err := chromedp.Clear(sel)(ctx, tg); err != nil {
				return err
			}
		}
		_, err = chromedp.SendKeys(sel, value)(ctx, tg)
		return err
	})
}

// pick chooses the option by its words in the select labelled label.
func (p *player) pick(label, option string, scope ...string) chromedp.Action[chromedp.Void] {
	js := jsCall("control", label, scopeOf(scope))
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.JSPath(js))(ctx, tg); err != nil {
			return fmt.Errorf("select «%s» %v: %w", label, scope, err)
		}
		got, err := chromedp.Evaluate[string](`(() => { const s = `+js+`;
			const o = [...s.options].find(o => o.text.trim() === `+jsString(option)+`);
			if (!o) return [...s.options].map(o => o.text.trim()).join(' | ');
			s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return '' })()`)(ctx, tg)
		if err == nil && got != "" {
			err = fmt.Errorf("select «%s» has no option «%s», only: %s", label, option, got)
		}
		return err
	})
}

// chosen reads the chosen option of the select labelled label.
func (p *player) chosen(label string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => { const s = `+jsCall("control", label, "")+`;
		return s && s.selectedOptions.length ? s.selectedOptions[0].text.trim() : '' })()`))
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

// markPage marks the current page, so nextPage can wait for another.
func markPage() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`window.flowOldPage = true`)(ctx, tg)
		return err
	})
}

// nextPage waits for a page that markPage did not mark, loaded.
func nextPage() chromedp.Action[chromedp.Void] {
	return chromedp.WaitReady(chromedp.JSPath(`(window.flowOldPage || document.readyState !== 'complete') ? null : document.body`))
}

// submit presses the button with the words text and waits for the page it leads to.
func (p *player) submit(text string, scope ...string) chromedp.Action[chromedp.Void] {
	return p.tapAndWait(jsCall("byText", "button", text, scopeOf(scope)), "button «"+text+"»")
}

// follow taps the link with the words text and waits for its page.
func (p *player) follow(text string, scope ...string) chromedp.Action[chromedp.Void] {
	return p.tapAndWait(jsCall("byText", "main a", text, scopeOf(scope)), "link «"+text+"»")
}

// followFirst taps the first link of the part of the page under the heading scope.
func (p *player) followFirst(scope string) chromedp.Action[chromedp.Void] {
	js := `(() => { ` + flowJS + ` return [...document.querySelectorAll('main a')].find(e => vis(e) && inScope(e, ` + jsString(scope) + `)) || null })()`
	return p.tapAndWait(js, "the first link under «"+scope+"»")
}

// menu opens the main menu (☰ on a tablet) and taps the item.
func (p *player) menu(item string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		folded, err := chromedp.Evaluate[bool](`(() => { const s = document.querySelector('summary[aria-label="Меню"]');
			return !!s && s.getClientRects().length > 0 && !s.parentElement.open })()`)(ctx, tg)
		if err != nil {
			return err
		}
		if folded {
			if _, err := chromedp.Click(chromedp.JSPath(`document.querySelector('summary[aria-label="Меню"]')`))(ctx, tg); err != nil {
				return err
			}
		}
		js := `(() => { ` + flowJS + ` return byText('nav.mainnav a', ` + jsString(item) + `, '') })()`
		_, err = p.tapAndWait(js, "menu item «"+item+"»")(ctx, tg)
		return err
	})
}

func (p *player) tapAndWait(js, what string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.JSPath(js))(ctx, tg); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if _, err := markPage()(ctx, tg); err != nil {
			return err
		}
		if _, err := chromedp.Click(chromedp.JSPath(js))(ctx, tg); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		_, err := nextPage()(ctx, tg)
		return err
	})
}

// unfold opens the folded block with the summary text, as a tap does.
func (p *player) unfold(summary string) chromedp.Action[chromedp.Void] {
	js := jsCall("byText", "main summary", summary, "")
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Click(chromedp.JSPath(js))(ctx, tg); err != nil {
			return fmt.Errorf("«%s»: %w", summary, err)
		}
		_, err := chromedp.WaitReady(chromedp.JSPath(js+`.parentElement.open ? document.body : null`))(ctx, tg)
		return err
	})
}

// answer taps the answer option of the indicator, both by their words.
func (p *player) answer(indicator, option string) chromedp.Action[chromedp.Void] {
	js := `(() => { ` + flowJS + ` const q = [...document.querySelectorAll('.indicator')].find(e => norm(e.querySelector('.label').textContent) === ` + jsString(indicator) + `);
		if (!q) return null;
		return [...q.querySelectorAll('label')].find(l => norm(l.querySelector('span').textContent) === ` + jsString(option) + `) || null })()`
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// A person scrolls the question to the middle of the screen, clear
		// of the sticky score above and the buttons below.
		if _, err := chromedp.WaitVisible(chromedp.JSPath(js))(ctx, tg); err != nil {
			return fmt.Errorf("«%s» → «%s»: %w", indicator, option, err)
		}
		if _, err := chromedp.Evaluate[bool](`(() => { `+js+`.scrollIntoView({block: 'center'}); return true })()`)(ctx, tg); err != nil {
			return err
		}
		if _, err := chromedp.Click(chromedp.JSPath(js))(ctx, tg); err != nil {
			return fmt.Errorf("«%s» → «%s»: %w", indicator, option, err)
		}
		checked, err := chromedp.Evaluate[bool](js+`.querySelector('input').checked`)(ctx, tg)
		if err == nil && !checked {
			at, _ := chromedp.Evaluate[string](`(() => { const r = `+js+`.getBoundingClientRect(); const e = document.elementFromPoint(r.x + r.width/2, r.y + r.height/2);
				return JSON.stringify(r) + ' ' + innerHeight + ' ' + (e ? e.outerHTML.slice(0, 200) : 'nothing') })()`)(ctx, tg)
			err = errors.New("the tap did not choose «" + option + "» for «" + indicator + "»; at its place: " + at)
		}
		return err
	})
}

// flowDomain is a domain of the assessment form as a person reads it.
type flowDomain struct {
	Title      string   `json:"title"`
	Indicators []string `json:"indicators"`
}

// domains reads the assessment form's domains and their indicators.
func (p *player) domains() []flowDomain {
	p.t.Helper()
	ds, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]flowDomain](`[...document.querySelectorAll('fieldset.domain')].map(f => ({
		title: f.querySelector('legend').textContent.trim(),
		indicators: [...f.querySelectorAll('.indicator .label')].map(l => l.textContent.trim())}))`))
	if err != nil {
		p.t.Fatal(err)
	}
	return ds
}

// rows reads the table under the heading (or in the card with the
// column) scope: the cells' words, row by row.
func (p *player) rows(scope string) [][]string {
	p.t.Helper()
	rows, err := chromedp.Run(p.ctx, chromedp.Evaluate[[][]string](`(() => { `+flowJS+`
		const t = [...document.querySelectorAll('main table')].find(t => inScope(t, `+jsString(scope)+`) ||
			[...t.querySelectorAll('th')].some(th => norm(th.textContent) === `+jsString(scope)+`));
		return t ? [...t.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => norm(c.innerText.split('\n')[0]))) : [] })()`))
	if err != nil {
		p.t.Fatal(err)
	}
	return rows
}

// shoot saves the current page at the tablet's and a phone's width into
// $OPORA_TEST_SCREENSHOTS/<name>-<width>.png, and leaves the tablet.
func (p *player) shoot(name string) {
	p.t.Helper()
	dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{360, 768} {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(w, 1024), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
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
}
