package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// newTestClient creates a client through the form and returns its profile path.
func newTestClient(t *testing.T, c *client, fx *storetest.Fixture) string {
	t.Helper()
	res := c.post("/clients", clientForm(fx))
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/clients/") {
		t.Fatalf("create client: %d %q", res.Status, res.Location)
	}
	return res.Location
}

// clock sets the store's clock to a fixed time and returns a function moving it.
func clock(a *app, start time.Time) func(d time.Duration) {
	now := start
	a.st.Now = func() time.Time { return now }
	return func(d time.Duration) { now = now.Add(d) }
}

func TestNotesPinnedEscapedAndEdited(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		advance := clock(a, time.Now().UTC().Truncate(time.Second))
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		// An empty note is refused next to the field.
		res := c.post(loc+"/notes", url.Values{"body": {"  "}, "back": {loc}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty note: %d", res.Status)
		}
		mustContain(t, res.Body, "Заполните это поле")
		if r := c.post(loc+"/notes", url.Values{"body": {"Аллергия на пенициллин"}, "important": {"1"}, "back": {loc}}); r.Status != http.StatusSeeOther || r.Location != loc {
			t.Fatalf("important note: %d %q", r.Status, r.Location)
		}
		advance(time.Minute)
		if r := c.post(loc+"/notes", url.Values{"body": {"<script>alert(1)</script>\r\nвторая строка"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("plain note: %d", r.Status)
		}
		profile := c.get(loc)
		mustContain(t, profile.Body, "Аллергия на пенициллин", "&lt;script&gt;alert(1)&lt;/script&gt;\nвторая строка", `class="note-body"`)
		if strings.Contains(profile.Body, "<script>alert") {
			t.Fatal("note markup reached the page unescaped")
		}
		if i, j := strings.Index(profile.Body, "Аллергия на пенициллин"), strings.Index(profile.Body, "вторая строка"); i < 0 || j < 0 || i > j {
			t.Fatalf("important note is not above the newer one: %d %d", i, j)
		}
		// Edit: the previous text stays visible in the history.
		notes, err := a.st.ClientNotes(fx.Ctx(), clientIDOf(t, loc))
		if err != nil || len(notes) != 2 {
			t.Fatalf("notes: %v %d", err, len(notes))
		}
		imp := notes[0]
		edit := c.get(loc + "/notes/" + idString(imp.ID) + "/edit")
		mustContain(t, edit.Body, `name="version" value="1"`, "Аллергия на пенициллин")
		advance(time.Minute)
		if r := c.post(loc+"/notes/"+idString(imp.ID), url.Values{"body": {"Аллергия на пенициллин и аспирин"}, "important": {"1"}, "version": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", r.Status, r.Body)
		}
		page := c.get(loc + "/notes")
		mustContain(t, page.Body, "Аллергия на пенициллин и аспирин", "История изменений", "Прежний текст", fx.Admin.FullName)
		// A second worker saving over the same version is told; nothing is overwritten.
		r := c.post(loc+"/notes/"+idString(imp.ID), url.Values{"body": {"Мой вариант"}, "important": {"1"}, "version": {"1"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("conflicting edit: %d", r.Status)
		}
		mustContain(t, r.Body, "заметку изменил(а) "+fx.Admin.FullName, ">Мой вариант</textarea>", `name="version" value="2"`)
		if p := c.get(loc + "/notes"); strings.Contains(p.Body, "Мой вариант") {
			t.Fatal("the conflicting edit overwrote the note")
		}
		// Soft delete hides the note from the page.
		if r := c.post(loc+"/notes/"+idString(imp.ID)+"/delete", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.Status)
		}
		if p := c.get(loc + "/notes"); strings.Contains(p.Body, `id="note-`+idString(imp.ID)+`"`) {
			t.Fatal("deleted note still shown")
		}
		// The timeline lists note events.
		mustContain(t, c.get(loc+"/timeline?kind=note").Body, "вторая строка")
	})
}

func clientIDOf(t *testing.T, loc string) int64 {
	t.Helper()
	ids := formIDs([]string{strings.TrimPrefix(loc, "/clients/")})
	if len(ids) != 1 {
		t.Fatalf("no client id in %q", loc)
	}
	return ids[0]
}

func TestRestrictionBanner(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		start := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
		advance := clock(a, start)
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		bad := url.Values{"kind": {"restriction"}, "description": {"x"}, "starts_on": {"10.02.2026"}, "ends_on": {"31.02.2026"}}
		r := c.post(loc+"/restrictions", bad)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("31.02: %d", r.Status)
		}
		mustContain(t, r.Body, `value="31.02.2026"`, "ДД.ММ.ГГГГ")
		ok := url.Values{"kind": {"restriction"}, "description": {"Без ночлега до 1 марта"}, "starts_on": {"10.02.2026"},
			"ends_on": {"2026-02-28"}, "back": {loc}}
		if r := c.post(loc+"/restrictions", ok); r.Status != http.StatusSeeOther || r.Location != loc {
			t.Fatalf("restriction: %d %q %s", r.Status, r.Location, r.Body)
		}
		profile := c.get(loc)
		mustContain(t, profile.Body, `class="banner"`, "Без ночлега до 1 марта", "<strong>Ограничение</strong> до 28.02.2026")
		// After the last day the banner is gone; the record stays on the notes tab.
		advance(19 * 24 * time.Hour)
		c = a.login(t, "admin", testPassword)
		profile = c.get(loc)
		if strings.Contains(profile.Body, `class="banner"`) {
			t.Fatal("banner shown after the end date")
		}
		mustContain(t, c.get(loc+"/notes").Body, "Без ночлега до 1 марта", "Истекло")
		// A violation without end date, lifted early.
		v := url.Values{"kind": {"violation"}, "description": {"Драка во дворе"}, "starts_on": {"01.03.2026"}}
		if r := c.post(loc+"/restrictions", v); r.Status != http.StatusSeeOther {
			t.Fatalf("violation: %d", r.Status)
		}
		mustContain(t, c.get(loc).Body, `class="banner"`, "Нарушение правил", "Драка во дворе")
		list, err := a.st.ClientRestrictions(fx.Ctx(), clientIDOf(t, loc))
		if err != nil || len(list) != 2 {
			t.Fatalf("restrictions: %v %d", err, len(list))
		}
		if r := c.post(loc+"/restrictions/"+idString(list[0].ID)+"/lift", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("lift: %d", r.Status)
		}
		if p := c.get(loc); strings.Contains(p.Body, `class="banner"`) {
			t.Fatal("banner shown after lifting")
		}
		mustContain(t, c.get(loc+"/notes").Body, "Снято досрочно")
	})
}

func TestReminderCounters(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		clock(a, time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC))
		admin := a.login(t, "admin", testPassword)
		loc := newTestClient(t, admin, fx)
		anna, _ := fx.AddUser(t, "anna", "specialist")
		boris, _ := fx.AddUser(t, "boris", "specialist")
		other := &opora.Branch{Name: "Другой филиал"}
		if err := a.st.SaveBranch(fx.Ctx(), other); err != nil {
			t.Fatal(err)
		}
		far := &opora.User{Login: "far", FullName: "Далёкий Сотрудник", BranchIDs: []int64{other.ID},
			RoleIDs: []int64{fx.Role(t, "specialist").ID}}
		if err := a.st.CreateUser(fx.Ctx(), far, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{anna.ID, boris.ID, far.ID} {
			setPassword(t, a.st, id, fx.Org.ID)
		}
		counter := func(c *client) string {
			t.Helper()
			body := c.get("/").Body
			i := strings.Index(body, "due-count\">")
			if i < 0 {
				return "0"
			}
			rest := body[i+len("due-count\">"):]
			return rest[:strings.Index(rest, "<")]
		}
		if r := admin.post(loc+"/reminders", url.Values{"due_on": {"2026-04-10"}, "reminder_body": {"Позвонить в МФЦ"},
			"recipients": {idString(anna.ID)}, "back": {loc}}); r.Status != http.StatusSeeOther || r.Location != loc {
			t.Fatalf("named reminder: %d %s", r.Status, r.Body)
		}
		ca, cb, cf := a.login(t, "anna", testPassword), a.login(t, "boris", testPassword), a.login(t, "far", testPassword)
		if a, b := counter(ca), counter(cb); a != "1" || b != "0" {
			t.Fatalf("named reminder counts: anna %s boris %s", a, b)
		}
		if r := admin.post(loc+"/reminders", url.Values{"due_on": {"09.04.2026"}, "reminder_body": {"Проверить документы"},
			"for_all": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reminder for all: %d", r.Status)
		}
		if r := admin.post(loc+"/reminders", url.Values{"due_on": {"20.04.2026"}, "reminder_body": {"Потом"},
			"for_all": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("later reminder: %d", r.Status)
		}
		if a, b, f := counter(ca), counter(cb), counter(cf); a != "2" || b != "1" || f != "0" {
			t.Fatalf("for-all counts: anna %s boris %s far %s", a, b, f)
		}
		// My reminders: due and upcoming, with the client's name linking to the profile.
		mine := ca.get("/reminders")
		mustContain(t, mine.Body, "Позвонить в МФЦ", "Проверить документы", "Потом", `href="`+loc+`">Иванов Пётр Сергеевич</a>`)
		if p := cf.get("/reminders"); strings.Contains(p.Body, "Проверить документы") {
			t.Fatal("a worker of another branch sees the reminder")
		}
		list, err := a.st.MyReminders(storetest.CtxOf(t, a.st, anna.ID), 0)
		if err != nil || len(list) != 3 {
			t.Fatalf("anna's reminders: %v %d", err, len(list))
		}
		forAll := list[0] // due 09.04, for everyone
		// The way back after marking read stays on this site.
		for _, back := range []string{"/\t/evil.example/x", "//evil.example", "/%09/evil.example", "https://evil.example/"} {
			if r := ca.post("/reminders/"+idString(forAll.ID)+"/read", url.Values{"back": {back}}); r.Location != "/reminders" {
				t.Fatalf("mark read with back=%q: location %q", back, r.Location)
			}
		}
		if r := ca.post("/reminders/"+idString(forAll.ID)+"/read", url.Values{"back": {"/reminders"}}); r.Status != http.StatusSeeOther || r.Location != "/reminders" {
			t.Fatalf("mark read: %d %q", r.Status, r.Location)
		}
		if a, b := counter(ca), counter(cb); a != "1" || b != "1" {
			t.Fatalf("after anna read: anna %s boris %s", a, b)
		}
		if r := cf.post("/reminders/"+idString(forAll.ID)+"/read", nil); r.Status != http.StatusNotFound {
			t.Fatalf("out of scope mark read: %d", r.Status)
		}
		// The profile panel shows the client's open reminders.
		mustContain(t, cb.get(loc).Body, "Проверить документы", "всем, кто работает с клиентом")
		// Another organisation: 404 everywhere.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		o := a.login(t, fb.Admin.Login, testPassword)
		for _, p := range []string{loc + "/notes", loc + "/notes/1/edit"} {
			if r := o.get(p); r.Status != http.StatusNotFound {
				t.Errorf("other org GET %s: %d", p, r.Status)
			}
		}
		for _, p := range []string{loc + "/notes", loc + "/restrictions", loc + "/reminders", "/reminders/" + idString(forAll.ID) + "/read"} {
			if r := o.post(p, url.Values{"body": {"x"}, "description": {"x"}, "kind": {"violation"}, "starts_on": {"01.04.2026"},
				"due_on": {"01.04.2026"}, "reminder_body": {"x"}, "for_all": {"1"}}); r.Status != http.StatusNotFound {
				t.Errorf("other org POST %s: %d", p, r.Status)
			}
		}
		if p := o.get("/reminders"); strings.Contains(p.Body, "Проверить документы") {
			t.Error("other organisation sees the reminder")
		}
	})
}

// A reminder refused for a missing date shows again on the page it was
// sent from (the profile or the notes tab), with what was typed and the
// error next to the field; sent again it is saved and the browser goes
// back to that page. A reminder for nobody in particular is for its author.
func TestReminderErrorStaysOnItsPage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		clock(a, time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC))
		anna, _ := fx.AddUser(t, "anna", "specialist")
		setPassword(t, a.st, anna.ID, fx.Org.ID)
		admin := a.login(t, "admin", testPassword)
		loc := newTestClient(t, admin, fx)
		for _, page := range []struct{ back, tab string }{{loc, "Карточка"}, {loc + "/notes", "Заметки и ограничения"}} {
			sent := url.Values{"due_on": {""}, "reminder_body": {"Позвонить сестре"}, "recipients": {idString(anna.ID)},
				"back": {page.back}}
			id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/clients/"), 10, 64)
			views := auditCount(t, a.st, "client", id)
			res := admin.post(loc+"/reminders", sent)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: no date: %d", page.back, res.Status)
			}
			if auditCount(t, a.st, "client", id) != views+1 {
				t.Errorf("%s: the page shown again wrote no audit row of the client", page.back)
			}
			mustContain(t, res.Body, `aria-current="page">`+page.tab+`</a>`,
				`<details open>
    <summary>Добавить напоминание</summary>`,
				`name="back" value="`+page.back+`"`, `>Позвонить сестре</textarea>`,
				`<input type="checkbox" name="recipients" value="`+idString(anna.ID)+`" checked>`,
				`aria-describedby="e-due_on"`, `<div class="field-error" id="e-due_on">Заполните это поле`)
			sent.Set("due_on", "2026-04-12")
			if res := admin.post(loc+"/reminders", sent); res.Status != http.StatusSeeOther || res.Location != page.back {
				t.Fatalf("%s: sent again: %d %q", page.back, res.Status, res.Location)
			} else if got := admin.get(res.Location); got.Status != http.StatusOK {
				t.Fatalf("%s: after saving: %d", res.Location, got.Status)
			}
		}
		// Nobody chosen: the reminder is the author's.
		if res := admin.post(loc+"/reminders", url.Values{"due_on": {"2026-04-10"}, "reminder_body": {"Себе на память"},
			"back": {loc}}); res.Status != http.StatusSeeOther || res.Location != loc {
			t.Fatalf("for nobody: %d %q\n%s", res.Status, res.Location, res.Body)
		}
		mustContain(t, admin.get("/reminders").Body, "Себе на память", "Кому: "+fx.Admin.FullName)
		if strings.Contains(a.login(t, "anna", testPassword).get("/reminders").Body, "Себе на память") {
			t.Error("a colleague got the author's reminder to self")
		}
	})
}
