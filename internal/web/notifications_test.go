package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A task given to a kindergarten: its head sees the counter in the header
// and the line on /notifications, in Russian; "open" marks it read and
// opens the task; the counter goes; another user cannot mark it. The head
// changes her e-mail choice; the КДН administrator sets the mail server,
// and the password never comes back to the page.
func TestNotificationPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН", opora.OrgKDN)
		kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН", opora.OrgSocialService)
		kg := storetest.AddAgency(t, a.st, fx.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
		_, secCtx := kdn.AddUser(t, "n-sec", "kdn_secretary")
		headUser, headCtx := kcson.AddUser(t, "n-kcson-head", "agency_head")
		curUser, _ := kcson.AddUser(t, "n-curator", "curator")
		kgHead, _ := kg.AddUser(t, "n-kg-head", "agency_head")
		setPassword(t, a.st, kgHead.ID, kg.Org.ID)
		setPassword(t, a.st, headUser.ID, kcson.Org.ID)
		setPassword(t, a.st, kdn.Admin.ID, kdn.Org.ID)

		mother := &opora.Client{Surname: "Кузнецова", FirstName: "Ольга", BranchID: kdn.Branch.ID}
		if err := a.st.CreateClient(secCtx, mother); err != nil {
			t.Fatal(err)
		}
		f := &opora.Family{Address: "ул. Садовая, 3", Members: []*opora.FamilyMember{{ClientID: mother.ID, Role: opora.RoleMother}}}
		if err := a.st.CreateFamily(secCtx, f); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(secCtx, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		if err := a.st.AssignCurator(headCtx, f.ID, curUser.ID); err != nil {
			t.Fatal(err)
		}
		cur := storetest.CtxOf(t, a.st, curUser.ID)
		types, err := a.st.CaseDictionary(cur, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatalf("task types: %v", err)
		}
		task := &opora.Task{TypeID: types[0].ID, ResponsibleOrg: kg.Org.ID, DueOn: a.st.Today().AddDays(7)}
		if err := a.st.AddFamilyTask(cur, f.ID, task); err != nil {
			t.Fatal(err)
		}

		b := a.login(t, "n-kg-head", testPassword)
		home := b.get("/")
		mustContain(t, home.Body, `href="/notifications"`, `Уведомления <span class="tag tag-warn unread-count">1</span>`)
		page := b.get("/notifications")
		if page.Status != http.StatusOK {
			t.Fatalf("notifications: %d", page.Status)
		}
		mustContain(t, page.Body, "<h1>Уведомления</h1>", fmt.Sprintf("в карточке семьи № %d передана вам или вашему учреждению", f.ID),
			"«"+types[0].Label+"»", "Отметить все прочитанными", "Открыть", "Уведомления по электронной почте", "Сводкой раз в день")
		for _, english := range []string{"Notifications", "Mark all read", "notify."} {
			if strings.Contains(page.Body, english) {
				t.Errorf("the Russian page shows %q", english)
			}
		}
		if strings.Contains(page.Body, "Кузнецова") {
			t.Errorf("the list names a family member")
		}
		list, err := a.st.Notifications(storetest.CtxOf(t, a.st, kgHead.ID), 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("notifications: %v %d", err, len(list))
		}
		// Another user cannot mark it.
		other := a.login(t, "n-kcson-head", testPassword)
		if res := other.post(fmt.Sprintf("/notifications/%d/read", list[0].ID), url.Values{}); res.Status != http.StatusNotFound {
			t.Errorf("another user marks it: %d", res.Status)
		}
		res := b.post(fmt.Sprintf("/notifications/%d/read", list[0].ID), url.Values{"open": {"1"}})
		if res.Status != http.StatusSeeOther || res.Location != fmt.Sprintf("/agency/tasks/%d", task.ID) {
			t.Fatalf("open: %d %q", res.Status, res.Location)
		}
		if home := b.get("/"); strings.Contains(home.Body, "unread-count") {
			t.Errorf("the counter stays after reading")
		}
		// My e-mail choice: at once, signals only.
		if res := b.post("/notifications/settings", url.Values{"email_mode": {"immediate"}, "email_kinds": {"task_assigned"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("save prefs: %d %s", res.Status, res.Body)
		}
		page = b.get("/notifications")
		mustContain(t, page.Body, `<option value="immediate" selected>`, `value="task_assigned" checked`)
		if strings.Contains(page.Body, `value="task_status" checked`) {
			t.Errorf("an unticked kind stays ticked")
		}

		// The КДН administrator's mail server.
		adm := a.login(t, kdn.Admin.Login, testPassword)
		if res := adm.get("/admin/notifications"); res.Status != http.StatusOK {
			t.Fatalf("admin page: %d", res.Status)
		} else {
			mustContain(t, res.Body, "Уведомления и почта", "Сервер SMTP", "Через сколько дней после срока сообщать в КДН")
		}
		form := url.Values{"version": {"0"}, "email_enabled": {"1"}, "smtp_host": {"mail.kdn.example"}, "smtp_port": {"0"},
			"smtp_tls": {"starttls"}, "smtp_user": {"opora"}, "smtp_password": {"Секрет-123"}, "mail_from": {"opora@kdn.example"},
			"kdn_after_days": {"3"}}
		res = adm.post("/admin/notifications", form)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Укажите порт от 1 до 65535") ||
			!strings.Contains(res.Body, `value="mail.kdn.example"`) || strings.Contains(res.Body, "Секрет-123") {
			t.Fatalf("a bad port: %d", res.Status)
		}
		form.Set("smtp_port", "587")
		if res := adm.post("/admin/notifications", form); res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		res = adm.get("/admin/notifications")
		mustContain(t, res.Body, `value="mail.kdn.example"`, "Пароль сохранён")
		if strings.Contains(res.Body, "Секрет-123") {
			t.Errorf("the page shows the password back")
		}
		// A second window saving the version it loaded before: 409, the values kept.
		form.Set("smtp_host", "other.kdn.example")
		res = adm.post("/admin/notifications", form)
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, `value="other.kdn.example"`) {
			t.Errorf("stale save: %d", res.Status)
		}
		// A worker without admin.org does not reach it.
		if res := b.get("/admin/notifications"); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
			t.Errorf("a head opens the mail settings: %d", res.Status)
		}
	})
}
