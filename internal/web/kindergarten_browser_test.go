package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// namedUser adds a person with a full name to an agency and sets the test
// password.
func namedUser(t *testing.T, a *app, fx *storetest.Fixture, login, fullName, role string) *opora.User {
	t.Helper()
	u := &opora.User{Login: login, FullName: fullName, BranchIDs: []int64{fx.Branch.ID}, RoleIDs: []int64{fx.Role(t, role).ID}}
	if err := a.st.CreateUser(fx.Ctx(), u, storetest.PasswordHash); err != nil {
		t.Fatal(err)
	}
	setPassword(t, a.st, u.ID, fx.Org.ID)
	return u
}

// session opens an independent browser session (its own cookies) at a
// screen width in the browser of ctx.
func session(t *testing.T, ctx context.Context, base string, width int64) *player {
	t.Helper()
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(sctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(width, 900), russianBrowser()); err != nil {
		t.Fatal(err)
	}
	return &player{t: t, ctx: sctx, base: base}
}

// shotAt saves the whole current page at a width as /tmp/kgtest-<name>-<width>.png
// when OPORA_TEST_KGSHOTS=1, and goes back to the session's width.
func (p *player) shotAt(name string, back int64) {
	p.t.Helper()
	if os.Getenv("OPORA_TEST_KGSHOTS") != "1" {
		return
	}
	for _, w := range []int64{360, 1280} {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(w, 900)); err != nil {
			p.t.Fatal(err)
		}
		png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			p.t.Fatal(err)
		}
		if err := os.WriteFile(fmt.Sprintf("/tmp/kgtest-%s-%d.png", name, w), png, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(back, 900)); err != nil {
		p.t.Fatal(err)
	}
}

// nearestMeeting taps the meeting the council's page marks «ближайшее».
func (p *player) nearestMeeting() chromedp.Action[chromedp.Void] {
	js := `(() => { ` + flowJS + ` const li = [...document.querySelectorAll('main #meetings li')].find(l => l.innerText.includes('ближайшее'));
		return li ? li.querySelector('a') : null })()`
	return p.tapAndWait(js, "the nearest meeting")
}

// TestBrowserKindergartenThreeSessions plays the example end to
// end in three browser sessions at once: the КДН secretary at a laptop
// approves the family's plan at the council, and the kindergarten place
// goes to the kindergarten; its head, on a phone, gives the task to a
// specialist, who accepts it and marks it done with a report; the
// curator at once sees the change, adds the next step in two taps for the
// next council, and the secretary finds the family on the agenda again.
func TestBrowserKindergartenThreeSessions(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		started := time.Now()
		ctx := fx.Ctx()
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := a.st.SaveTerritory(ctx, region); err != nil {
			t.Fatal(err)
		}
		north := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Северный район"}
		if err := a.st.SaveTerritory(ctx, north); err != nil {
			t.Fatal(err)
		}
		kdn := storetest.AddAgencyIn(t, a.st, ctx, "КДН Северного района", opora.OrgKDN, north.ID)
		kcson := storetest.AddAgencyIn(t, a.st, ctx, "КЦСОН Северного района", opora.OrgSocialService, north.ID)
		garden := storetest.AddAgencyIn(t, a.st, ctx, "Детский сад № 12", opora.OrgKindergarten, north.ID)
		secUser := namedUser(t, a, kdn, "secretary", "Ирина Седова", "kdn_secretary")
		curUser := namedUser(t, a, kcson, "curator", "Мария Куратова", "curator")
		headUser := namedUser(t, a, kcson, "kcson-head", "Пётр Главный", "agency_head")
		namedUser(t, a, garden, "garden-head", "Нина Заведующая", "agency_head")
		namedUser(t, a, garden, "garden-spec", "Алла Белова", "agency_specialist")

		// The regional procedure gives a kindergarten place to a kindergarten.
		admin := a.login(t, "admin", testPassword)
		if res := admin.post("/admin/procedure", url.Values{"task_type_key": {"kindergarten_place"}, "agency_type": {"kindergarten"},
			"due_days": {"30"}, "done_when": {"Ребёнок зачислен в детский сад"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("procedure rule: %d %s", res.Status, res.Body)
		}
		sec := a.login(t, "secretary", testPassword)
		if res := sec.post("/councils", url.Values{"name": {"Консилиум Северного района"}, "territory_id": {idString(north.ID)},
			"weekday": {"2"}, "weeks": {"1,2,3,4,5"}, "starts_at": {"10:00"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("council: %d %s", res.Status, res.Body)
		}

		// The family, registered by the КДН and sent to the КЦСОН for a
		// curator: the parents need a job, so the youngest needs a
		// kindergarten place; the curator's draft plan says so.
		curCtx := storetest.CtxOf(t, a.st, curUser.ID)
		secCtx := storetest.CtxOf(t, a.st, secUser.ID)
		f := &opora.Family{TerritoryID: north.ID, Address: "ул. Садовая, 3", Members: []*opora.FamilyMember{
			{Client: &opora.Client{Surname: "Кузнецова", FirstName: "Ольга"}, Role: opora.RoleMother},
			{Client: &opora.Client{Surname: "Кузнецова", FirstName: "Аня"}, Role: opora.RoleChild}}}
		if err := a.st.CreateFamily(secCtx, f); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(secCtx, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		if err := a.st.AssignCurator(storetest.CtxOf(t, a.st, headUser.ID), f.ID, curUser.ID); err != nil {
			t.Fatal(err)
		}
		fam, err := a.st.Family(curCtx, f.ID)
		if err != nil || fam.Name == "" {
			t.Fatalf("family: %v %+v", err, fam)
		}
		types, err := a.st.CaseDictionary(curCtx, opora.DictTaskType, false)
		if err != nil {
			t.Fatal(err)
		}
		var kgType int64
		for _, it := range types {
			if it.Key == "kindergarten_place" {
				kgType = it.ID
			}
		}
		if err := a.st.SaveDraftTask(curCtx, &opora.DraftTask{FamilyID: f.ID, TypeID: kgType, What: "Найти место в детском саду для Ани"}); err != nil {
			t.Fatal(err)
		}

		root := browserWithin(t, 4*time.Minute)
		if err := chromedp.Do(root, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		secretary := session(t, root, a.srv.URL, 1280)
		education := session(t, root, a.srv.URL, 360)
		curator := session(t, root, a.srv.URL, 1280)

		// The council: the secretary approves the plan with the procedure's agency.
		secretary.login("secretary")
		secretary.do("the councils", secretary.menu("Консилиум"))
		secretary.see("Консилиум Северного района", "ближайшее")
		secretary.do("the council", secretary.follow("Консилиум Северного района"))
		secretary.do("the nearest meeting", secretary.nearestMeeting())
		secretary.seeIn("Повестка", "Кузнецова", "Новый проект плана")
		secretary.do("the family", secretary.follow(fam.Name, "Повестка"))
		secretary.seeIn("Утверждение плана", "По регламенту: Детский сад № 12", "Найти место в детском саду для Ани")
		secretary.do("approve", secretary.submit("Утвердить план"))
		secretary.see("Утверждён план помощи")
		secretary.seeIn("Задачи семьи", "Детский сад № 12", "Запланирована")
		secretary.shotAt("council-family", 1280)
		secretary.do("back to the agenda", secretary.follow("← Заседание консилиума "+secretary.meetingDate()))
		secretary.seeIn("Повестка", "Решений: 1")
		secretary.shotAt("agenda", 1280)

		// The curator looks at the family's tasks for the first time.
		curator.login("curator")
		curator.do("the families", curator.menu("Семьи"))
		curator.do("the family", curator.follow(fam.Name))
		curator.do("the agencies' tasks", curator.follow("Открыть задачи ведомств"))
		curator.see("Вы открываете задачи семьи впервые", "Найти место в детском саду для Ани", "Детский сад № 12")

		// The kindergarten's head, on a phone, gives the task to a specialist.
		education.login("garden-head")
		education.do("the board", education.menu("Задачи ведомства"))
		education.see("Новые (1)", "Найти место в детском саду для Ани", "Кузнецова")
		education.shotAt("board", 360)
		education.do("the task", education.follow("Место в детском саду: Найти место в детском саду для Ани"))
		education.do("assign",
			education.unfold("Назначить исполнителя"),
			education.pick("Исполнитель", "Алла Белова"),
			education.submit("Назначить исполнителя", "Назначить исполнителя"))
		education.see("Исполнитель назначен.", "Алла Белова")
		education.logout()

		// The specialist accepts it and marks it done with a report.
		education.login("garden-spec")
		if n := education.unread(); n != "1" {
			t.Errorf("the specialist's unread notifications: %q, want 1", n)
		}
		education.do("my tasks", education.menu("Задачи ведомства"))
		education.see("Мои задачи", "Найти место в детском саду для Ани")
		education.do("the task", education.follow("Место в детском саду: Найти место в детском саду для Ани"))
		if n := education.unread(); n != "" {
			t.Errorf("the task is open, and its notification is still unread: %q", n)
		}
		education.do("accept", education.submit("Принять"))
		education.see("Принята")
		education.do("done with a report",
			education.unfold("Отметить выполненной"),
			education.fill("Что сделано", "Место в группе «Солнышко» выделено, зачисление с 1 февраля"),
			education.submit("Отметить выполненной", "Отметить выполненной"))
		education.see("Выполнена", "Место в группе «Солнышко» выделено")

		// The curator sees it at once and adds the next step in two taps.
		curator.do("the notifications", chromedp.Navigate(curator.base+"/notifications"))
		curator.see(fmt.Sprintf("в карточке семьи № %d: исполнитель назначен", f.ID), fmt.Sprintf("в карточке семьи № %d: Выполнена", f.ID))
		curator.do("back to the family's tasks", chromedp.Navigate(curator.base+"/families/"+idString(f.ID)+"/tasks"))
		curator.see("Изменилось с вашего прошлого просмотра: 1", "Изменилось", "Выполнена", "Место в группе «Солнышко» выделено")
		curator.shotAt("curator-view", 1280)
		if n := curator.unread(); n != "" {
			t.Errorf("the curator saw the changes, and their notifications are still unread: %q", n)
		}
		curator.do("next step", curator.follow("Следующий шаг"),
			curator.fill("Что сделать", "Помочь семье подготовить Аню к детскому саду"))
		if got := curator.chosen("Вид задачи"); got == "Место в детском саду" {
			t.Errorf("the next step repeats the done task's type %q", got)
		}
		curator.do("to the council", curator.submit("Предложить на консилиум"))
		curator.see("Следующий шаг добавлен в проект плана для консилиума.")
		curator.seeIn("Ждут консилиума", "Помочь семье подготовить Аню к детскому саду")
		curator.shotAt("curator-next", 1280)

		// The secretary finds the family on the agenda again.
		secretary.do("the agenda again", chromedp.Reload())
		secretary.seeIn("Повестка", "Кузнецова", "Новый проект плана")
		secretary.do("the family", secretary.follow(fam.Name, "Повестка"))
		secretary.seeIn("Утверждение плана", "Помочь семье подготовить Аню к детскому саду")
		t.Logf("the kindergarten example played in %s", time.Since(started).Round(100*time.Millisecond))
	})
}

// meetingDate reads the meeting's date from its heading («Заседание консилиума 08.12.2026 10:00»).
func (p *player) meetingDate() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => { const a = [...document.querySelectorAll('main a')].find(a => a.textContent.startsWith('← Заседание консилиума '));
		return a ? a.textContent.replace('← Заседание консилиума ', '').trim() : '' })()`))
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

// unread reads the header's counter of unread notifications ("" for none).
func (p *player) unread() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector('.unread-count'); return e ? e.textContent.trim() : '' })()`))
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}
