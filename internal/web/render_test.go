package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The pages are parsed with their literal translations written in, per
// language. Every page must read exactly as it did when each translation
// was looked up while rendering, in Russian and in English.
func TestInlinedTranslationsRenderTheSamePages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Петров", FirstName: "Пётр", BranchID: fx.Branch.ID, Gender: opora.GenderMale,
			BirthYear: 1970, BirthPrecision: opora.BirthYear}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		types, err := a.st.ServiceTypes(ctx, true)
		if err != nil || len(types) == 0 {
			t.Fatalf("service types: %v %d", err, len(types))
		}
		if err := a.st.RecordServices(ctx, c.ID, opora.DateOf(opora.ServiceToday(a.st.Now()).Time()),
			[]*opora.Service{{TypeID: types[0].ID, Quantity: 2}}); err != nil {
			t.Fatal(err)
		}
		if err := a.st.CreateNote(ctx, &opora.Note{ClientID: c.ID, Body: "Пришёл на приём"}); err != nil {
			t.Fatal(err)
		}
		id := idString(c.ID)
		paths := []string{"/", "/clients", "/clients/new", "/clients/" + id, "/clients/" + id + "/edit",
			"/clients/" + id + "/timeline", "/clients/" + id + "/services", "/clients/" + id + "/questionnaire",
			"/clients/" + id + "/questionnaire/edit", "/clients/" + id + "/notes", "/clients/" + id + "/documents",
			"/clients/" + id + "/cases", "/clients/" + id + "/shelter", "/clients/" + id + "/forms",
			"/clients/" + id + "/merge", "/clients/search?q=" + url.QueryEscape("Петров"),
			"/services/mine", "/reminders", "/tasks", "/shelter", "/checkin", "/checkin/points", "/reports",
			"/reports/builder", "/reports/register", "/account", "/admin/users", "/admin/roles", "/admin/branches",
			"/admin/organisation", "/admin/forms", "/admin/services", "/admin/plan-templates", "/admin/audit",
			"/clients/999999"}
		literal, err := parsePagesWith(i18n.MustLoad(), false)
		if err != nil {
			t.Fatal(err)
		}
		inlined := a.web.pages
		cl := a.login(t, "admin", testPassword)
		for _, lang := range []string{"ru", "en"} {
			if res := cl.post("/lang", url.Values{"lang": {lang}, "back": {"/"}}); res.Status >= 400 {
				t.Fatalf("switch to %s: status %d", lang, res.Status)
			}
			for _, p := range paths {
				a.web.pages = literal
				want := cl.get(p)
				a.web.pages = inlined
				got := cl.get(p)
				if got.Status != want.Status || got.Body != want.Body {
					t.Errorf("%s %s: inlined page (status %d, %d bytes) differs from the looked-up one (status %d, %d bytes)\n%s",
						lang, p, got.Status, len(got.Body), want.Status, len(want.Body), firstDiff(want.Body, got.Body))
				}
			}
		}
		// The English profile really is in English, the Russian one in Russian.
		mustContain(t, cl.get("/clients/"+id).Body, `lang="en"`, "Services")
		cl.post("/lang", url.Values{"lang": {"ru"}, "back": {"/"}})
		mustContain(t, cl.get("/clients/"+id).Body, `lang="ru"`, "Услуги")
	})
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "want …" + a[from:min(len(a), i+80)] + "…\ngot  …" + b[from:min(len(b), i+80)] + "…"
}

// The main menu is rendered once per language, section and set of
// permissions: each user sees the links their permissions allow with the
// current section marked, exactly as a page rendered afresh shows them,
// and a permission taken away takes its link away on the next page.
func TestMenuFollowsPermissionsAndSection(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		admin := a.login(t, "admin", testPassword)
		worker := a.login(t, "worker", testPassword)
		fresh := func(c *client, path string) string {
			t.Helper()
			a.web.fragments = fragmentCache{}
			return c.get(path).Body
		}
		for _, p := range []string{"/", "/clients", "/reports", "/admin/users", "/admin"} {
			want := fresh(admin, p)
			if got := admin.get(p).Body; got != want {
				t.Errorf("admin %s: the cached menu differs from a fresh one:\n%s", p, firstDiff(want, got))
			}
		}
		// One entry for the administration, marked on its screens.
		mustContain(t, admin.get("/clients").Body, `<a href="/clients" aria-current="page">`, `<a href="/admin" >`, `href="/reports"`)
		mustContain(t, admin.get("/admin/users").Body, `<a href="/admin" aria-current="page">`)
		mustContain(t, admin.get("/admin").Body, `<a href="/admin" aria-current="page">`, `href="/admin/users"`, `href="/checkin/points"`)
		mustContain(t, admin.get("/reports").Body, `<a href="/reports" aria-current="page">`, `<a href="/clients" >`)
		page := worker.get("/clients").Body
		mustContain(t, page, `<a href="/clients" aria-current="page">`)
		if strings.Contains(page, `href="/admin`) {
			t.Error("a specialist's menu links to the administration")
		}
		if res := worker.get("/admin"); res.Status != http.StatusForbidden {
			t.Errorf("a specialist opens the administration: %d", res.Status)
		}
		if page != fresh(worker, "/clients") {
			t.Error("the worker's cached menu differs from a fresh one")
		}
		// Check-in taken away from the specialist's role: its link is gone
		// from the next page.
		mustContain(t, page, `href="/checkin"`)
		role := fx.Role(t, "specialist")
		role.Permissions = slices.DeleteFunc(role.Permissions, func(p opora.Permission) bool { return p == opora.PermCheckin })
		if err := a.st.SaveRole(fx.Ctx(), role); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(worker.get("/clients").Body, `href="/checkin"`) {
			t.Error("the menu still links to check-in after checkin.use was taken away")
		}
	})
}

// Option lists (the consent form's "who took it", the reminder's
// recipients) are rendered once per content and kept: each worker still
// sees the current staff with themself chosen, exactly as a page rendered
// afresh shows it, and a form sent back with another choice keeps that
// choice without changing what the next page offers.
func TestColleagueListsFollowTheStaff(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		w, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, w.ID, fx.Org.ID)
		c := &opora.Client{Surname: "Смирнов", FirstName: "Алексей", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
			t.Fatal(err)
		}
		path := "/clients/" + idString(c.ID)
		admin, worker := a.login(t, "admin", testPassword), a.login(t, "worker", testPassword)
		fresh := func(cl *client) string {
			t.Helper()
			a.web.fragments = fragmentCache{}
			return cl.get(path).Body
		}
		chosen := func(u *opora.User) string {
			return `<option value="` + idString(u.ID) + `" selected>` + u.FullName + `</option>`
		}
		recipient := func(u *opora.User) string {
			return `<input type="checkbox" name="recipients" value="` + idString(u.ID) + `"> ` + u.FullName
		}
		// Both workers see both colleagues, each with themself chosen.
		for _, p := range []struct {
			cl       *client
			me, them *opora.User
		}{{admin, fx.Admin, w}, {worker, w, fx.Admin}, {admin, fx.Admin, w}} {
			page := p.cl.get(path).Body
			mustContain(t, page, chosen(p.me), `<option value="`+idString(p.them.ID)+`">`+p.them.FullName, recipient(p.me), recipient(p.them))
			if strings.Contains(page, chosen(p.them)) {
				t.Errorf("%s's page chooses %s", p.me.Login, p.them.FullName)
			}
			if want := fresh(p.cl); page != want {
				t.Fatalf("%s's cached page differs from a fresh one:\n%s", p.me.Login, firstDiff(want, page))
			}
		}

		// A renamed colleague and one given a position show on the next page.
		w.FullName, w.Position = "Иванова Мария", "психолог"
		if err := a.st.UpdateUser(fx.Ctx(), w); err != nil {
			t.Fatal(err)
		}
		page := admin.get(path).Body
		mustContain(t, page, `<option value="`+idString(w.ID)+`">Иванова Мария</option>`, recipient(w)+" (психолог)")
		if page != fresh(admin) {
			t.Error("the page after the rename differs from one rendered afresh")
		}

		// A consent sent back for a bad date keeps the colleague chosen in
		// it; the next page chooses me again.
		res := admin.postMultipart(path+"/consent", url.Values{"consent_date": {"31.02.2020"}, "consent_by": {idString(w.ID)}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad consent date: %d", res.Status)
		}
		mustContain(t, res.Body, chosen(w), `value="31.02.2020"`)
		mustContain(t, admin.get(path).Body, chosen(fx.Admin))

		// A disabled colleague is no longer offered.
		if err := a.st.SetUserDisabled(fx.Ctx(), w.ID, true); err != nil {
			t.Fatal(err)
		}
		page = admin.get(path).Body
		if strings.Contains(page, recipient(w)) || strings.Contains(page, `<option value="`+idString(w.ID)+`"`) {
			t.Error("a disabled colleague is still offered")
		}
		if page != fresh(admin) {
			t.Error("the page after disabling differs from one rendered afresh")
		}
	})
}

// A translation written in at parse time is escaped for where it stands,
// exactly as the looked-up one is: in a URL's query it is percent-encoded,
// in a script a string, in text and attributes HTML-escaped.
func TestInlinedTranslationsAreEscapedInTheirContext(t *testing.T) {
	cat := i18n.MustLoad()
	const text = `<a href="/clients/search?q={{.T "clients.sections"}}" title="{{.T "clients.sections"}}">{{.T "clients.sections"}}</a>` +
		`<script>var s = {{.T "clients.sections"}};</script>`
	render := func(inline bool) string {
		t.Helper()
		var loc *i18n.Localizer
		if inline {
			loc = cat.Localizer("ru")
		}
		set := template.New("")
		if err := parseText(set, "t", text, loc); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := set.ExecuteTemplate(&b, "t", &view{loc: cat.Localizer("ru")}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got, want := render(true), render(false)
	if got != want {
		t.Errorf("inlined:\n%s\nlooked up:\n%s", got, want)
	}
	mustContain(t, got, `?q=%d0%a0%d0%b0`, `title="Разделы карточки"`, `>Разделы карточки</a>`, `var s = "Разделы карточки";`)
}

// Every tab of a client's record links to that client's own tabs with the
// open one marked, and its add forms send to that client and back to the
// page they are on, whichever client's pages were shown before.
func TestClientPagesShowTheirOwnClient(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		var ids []string
		for _, name := range []string{"Смирнов", "Кузнецов", "Попов"} {
			c := &opora.Client{Surname: name, FirstName: "Алексей", BranchID: fx.Branch.ID}
			if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, idString(c.ID))
		}
		cl := a.login(t, "admin", testPassword)
		// The second client has given consent.
		if res := cl.postMultipart("/clients/"+ids[1]+"/consent", url.Values{"purposes": {"services"}, "categories": {"ordinary", "health"}, "subject": {"self"}, "consent_date": {"01.03.2026"},
			"consent_by": {idString(fx.Admin.ID)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("consent: %d\n%s", res.Status, res.Body)
		}
		tabs := map[string]string{"": "Карточка", "/questionnaire": "Анкета", "/documents": "Документы",
			"/notes": "Заметки и ограничения", "/services": "Услуги", "/cases": "Сопровождение", "/shelter": "Приют",
			"/timeline": "История"}
		forms := map[string][]string{"": {"reminders", "consent"}, "/notes": {"reminders"}, "/documents": {"consent"}}
		for round := 0; round < 2; round++ {
			for i, id := range ids {
				for tab, label := range tabs {
					res := cl.get("/clients/" + id + tab)
					if res.Status != http.StatusOK {
						t.Fatalf("%s%s: %d", id, tab, res.Status)
					}
					page := res.Body
					nav := page[strings.Index(page, `<nav class="tabs"`):]
					nav = nav[:strings.Index(nav, "</nav>")]
					mustContain(t, nav, `<a href="/clients/`+id+tab+`" aria-current="page">`+label+`</a>`,
						`<a href="/clients/`+id+`/timeline"`, `<a href="/clients/`+id+`/notes"`)
					if strings.Count(nav, "aria-current") != 1 {
						t.Errorf("client %s, tab %q: tabs\n%s", id, tab, nav)
					}
					for _, other := range ids {
						if other != id && strings.Contains(page, "/clients/"+other+"/") {
							t.Errorf("client %s, page %q: links to client %s", id, tab, other)
						}
					}
					for _, f := range forms[tab] {
						action := `action="/clients/` + id + `/` + f + `"`
						at := strings.Index(page, action)
						if at < 0 {
							t.Fatalf("client %s, page %q: no form with %s", id, tab, action)
						}
						back := page[at:]
						back = back[strings.Index(back, `name="back"`):]
						if want := `name="back" value="/clients/` + id + tab + `">`; !strings.HasPrefix(back, want) {
							t.Errorf("client %s, page %q: the %s form sends back to %.40s, want %s", id, tab, f, back, want)
						}
					}
					if tab == "" || tab == "/documents" {
						want, not := "Отметить согласие", "Записать согласие заново"
						if i == 1 {
							want, not = not, want
						}
						mustContain(t, page, "<summary>"+want+"</summary>")
						if strings.Contains(page, "<summary>"+not+"</summary>") {
							t.Errorf("client %s, page %q: the consent form says %q", id, tab, not)
						}
					}
				}
			}
		}
	})
}
