package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/store/storetest"
)

// auditRows counts the rows of the audit table on a page.
func auditRows(body string) int { return strings.Count(body, `class="audit-row"`) }

func TestAuditScreen(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		realNow := a.st.Now
		t.Cleanup(func() { a.st.Now = realNow })
		// Day one, late in the evening: the specialist's account is created
		// and given a password.
		day1 := time.Date(2025, 3, 10, 23, 30, 0, 0, time.Local)
		a.st.Now = func() time.Time { return day1 }
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		aud, _ := fx.AddUser(t, "aud", "auditor")
		setPassword(t, a.st, aud.ID, fx.Org.ID)

		// Just after midnight: the specialist logs in and tries the audit screen.
		day2 := time.Date(2025, 3, 11, 0, 30, 0, 0, time.Local)
		a.st.Now = func() time.Time { return day2 }
		sc := a.login(t, "spec", testPassword)
		if res := sc.get("/admin/audit"); res.Status != http.StatusForbidden {
			t.Fatalf("specialist: %d", res.Status)
		}
		if res := sc.get("/admin/audit?entity=user&entity_id=" + idString(spec.ID)); res.Status != http.StatusForbidden {
			t.Fatalf("specialist with a filter: %d", res.Status)
		}

		// The auditor may read the log.
		ac := a.login(t, "aud", testPassword)
		res := ac.get("/admin/audit")
		if res.Status != http.StatusOK {
			t.Fatalf("auditor: %d", res.Status)
		}
		mustContain(t, res.Body, "Журнал действий", spec.FullName, fx.Admin.FullName)
		// Nothing on the screen can change the log: no forms that post.
		if strings.Contains(res.Body, `method="post" action="/admin/audit`) {
			t.Error("the audit screen has a form that posts to itself")
		}

		// By user: the specialist's own actions, the login and the two denials.
		res = ac.get("/admin/audit?user=" + idString(spec.ID))
		if n := auditRows(res.Body); n != 3 {
			t.Fatalf("by user: %d rows, want 3 (login, 2 denials): %s", n, res.Body)
		}
		mustContain(t, res.Body, "<td>Вход</td>", "<td>Отказ в доступе</td>", "GET /admin/audit", "3 записи",
			`<option value="`+idString(spec.ID)+`" selected>`)

		// By record: everything done to the specialist's account: created by
		// the administrator, password set by the system, login by themself.
		byRecord := "/admin/audit?entity=user&entity_id=" + idString(spec.ID)
		res = ac.get(byRecord)
		if n := auditRows(res.Body); n != 3 {
			t.Fatalf("by record: %d rows, want 3: %s", n, res.Body)
		}
		mustContain(t, res.Body, "<td>Создание</td>", "<td>Пароль задан администратором</td>", "<td>Вход</td>", "login: — → spec",
			"password: изменено", "<td>—</td>", fx.Admin.FullName)
		if strings.Contains(res.Body, "<td>Отказ в доступе</td>") {
			t.Error("a denial listed under the user record")
		}

		// The "to" date is inclusive: 23:30 on day one is in, 00:30 on day two is out.
		res = ac.get(byRecord + "&from=2025-03-10&to=2025-03-10")
		if n := auditRows(res.Body); n != 2 || strings.Contains(res.Body, "<td>Вход</td>") {
			t.Fatalf("day one: %d rows, want create and password: %s", n, res.Body)
		}
		res = ac.get(byRecord + "&from=2025-03-11&to=2025-03-11")
		if n := auditRows(res.Body); n != 1 || !strings.Contains(res.Body, "<td>Вход</td>") {
			t.Fatalf("day two: %d rows, want the login", n)
		}
		if n := auditRows(ac.get(byRecord + "&to=2025-03-09").Body); n != 0 {
			t.Errorf("before day one: %d rows", n)
		}

		// Bad filters explain themselves and show no rows; never a 500.
		bad := map[string]string{
			"&from=2025-03-12&to=2025-03-10":          "Дата окончания раньше даты начала",
			"&from=10.03.2025":                        "Укажите дату в виде ГГГГ-ММ-ДД",
			"&to=2025-02-30":                          "Укажите дату в виде ГГГГ-ММ-ДД",
			"&entity_id=abc":                          "Номер записи — целое положительное число",
			"&user=999999":                            "Такого сотрудника нет в вашей организации",
			"&user=abc":                               "Такого сотрудника нет в вашей организации",
			"&action=drop_table":                      "Выберите значение из списка",
			"&entity=%3Cscript%3E":                    "Выберите значение из списка",
			"&entity=&entity_id=" + idString(spec.ID): "Выберите тип записи для этого номера",
		}
		for q, msg := range bad {
			res := ac.get("/admin/audit?x=1" + q)
			if res.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d", q, res.Status)
			}
			mustContain(t, res.Body, msg, "Фильтр не применён")
			if auditRows(res.Body) != 0 {
				t.Errorf("%s: rows shown for a bad filter", q)
			}
		}

		// The administrator sees the specialist's denial in the log.
		c := a.login(t, "admin", testPassword)
		res = c.get("/admin/audit?action=denied")
		if n := auditRows(res.Body); n != 2 {
			t.Fatalf("denials: %d rows", n)
		}
		mustContain(t, res.Body, spec.FullName, "GET /admin/audit", "Страница")

		// Paging: 50 rows a page, the total over all pages.
		a.st.Now = realNow // sessions from 2025 have expired by now: log in again
		sc, c = a.login(t, "spec", testPassword), a.login(t, "admin", testPassword)
		for i := 0; i < 55; i++ {
			sc.get("/admin/network")
		}
		res = c.get("/admin/audit?action=denied")
		if n := auditRows(res.Body); n != 50 {
			t.Fatalf("page one: %d rows", n)
		}
		mustContain(t, res.Body, "57 записей", "1 / 2", `href="?action=denied&amp;page=2"`)
		if n := auditRows(c.get("/admin/audit?action=denied&page=2").Body); n != 7 {
			t.Fatalf("page two: %d rows", n)
		}
	})
}

// TestAuditIsolation checks that organisation B's administrator sees none
// of organisation A's audit rows, by any filter.
func TestAuditIsolation(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		spec, _ := fx.AddUser(t, "spec", "specialist")
		c := a.login(t, "admin", testPassword)
		form := orgValues(fx.Org)
		form.Set("name", "Ночлежка-маркер")
		if res := c.post("/admin/organisation", form); res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", res.Status)
		}
		b := storetest.AddOrg(t, a.st, fx.Ctx(), "Организация Б")
		setPassword(t, a.st, b.Admin.ID, b.Org.ID)
		bc := a.login(t, b.Admin.Login, testPassword)
		res := bc.get("/admin/audit")
		if res.Status != http.StatusOK {
			t.Fatalf("B's audit: %d", res.Status)
		}
		if auditRows(res.Body) == 0 {
			t.Fatal("B sees none of its own rows")
		}
		// The network administrator who created B is named on B's creation
		// row, but is not offered as a filter: they are not B's user.
		mustContain(t, res.Body, fx.Admin.FullName)
		if strings.Contains(res.Body, `href="?user=`+idString(fx.Admin.ID)+`"`) {
			t.Error("A's administrator offered as a filter in B")
		}
		for _, leak := range []string{"Ночлежка-маркер", spec.FullName, ">spec<"} {
			if strings.Contains(res.Body, leak) {
				t.Errorf("B's audit page shows A's %q", leak)
			}
		}
		res = bc.get("/admin/audit?entity=organisation&entity_id=" + idString(fx.Org.ID))
		if res.Status != http.StatusOK || auditRows(res.Body) != 0 {
			t.Errorf("A's organisation record through B: status %d, %d rows", res.Status, auditRows(res.Body))
		}
		res = bc.get("/admin/audit?entity=user&entity_id=" + idString(spec.ID))
		if auditRows(res.Body) != 0 {
			t.Errorf("A's user record through B: %d rows", auditRows(res.Body))
		}
		res = bc.get("/admin/audit?user=" + idString(fx.Admin.ID))
		if res.Status != http.StatusBadRequest || auditRows(res.Body) != 0 {
			t.Errorf("A's administrator as a filter in B: status %d, %d rows", res.Status, auditRows(res.Body))
		}
	})
}

// TestAuditAnchorPage: the auditor reads the chain's anchor (the same the
// command line prints), which moves on with the log; a worker without
// audit.read is refused.
func TestAuditAnchorPage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		aud, actx := fx.AddUser(t, "aud", "auditor")
		setPassword(t, a.st, aud.ID, fx.Org.ID)

		sc := a.login(t, "spec", testPassword)
		if res := sc.get("/admin/audit/anchor"); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
			t.Errorf("specialist: %d, want 403 or 404", res.Status)
		} else if strings.Contains(res.Body, "anchor-hash") {
			t.Error("the refusal shows the anchor")
		}

		ac := a.login(t, "aud", testPassword)
		if res := ac.get("/admin/audit"); !strings.Contains(res.Body, `href="/admin/audit/anchor"`) {
			t.Error("the audit screen does not link to the anchor")
		}
		res := ac.get("/admin/audit/anchor")
		if res.Status != http.StatusOK {
			t.Fatalf("auditor: %d", res.Status)
		}
		want, err := a.st.AuditAnchor(actx)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, res.Body, "Якорь журнала действий", `<code class="anchor-hash">`+want.Hash+`</code>`,
			"opora audit verify --anchor "+want.String())
		// Reading the page wrote no audit row; a new row moves the anchor.
		sc.get("/admin/audit") // a denial, audit-logged
		res = ac.get("/admin/audit/anchor")
		after, _ := a.st.AuditAnchor(actx)
		if after.ID != want.ID+1 || after.Hash == want.Hash {
			t.Fatalf("anchor after one denial: %s, before %s", after, want)
		}
		mustContain(t, res.Body, after.Hash, ">"+idString(after.ID)+"<")
		if strings.Contains(res.Body, want.Hash) {
			t.Error("the page still shows the old anchor")
		}
	})
}
