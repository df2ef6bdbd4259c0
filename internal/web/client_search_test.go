package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func newSearchClient(t *testing.T, a *app, fx *storetest.Fixture, surname, first, birth string) *opora.Client {
	t.Helper()
	c := &opora.Client{BranchID: fx.Branch.ID, Surname: surname, FirstName: first}
	if d, ok := opora.ParseDate(birth); ok {
		c.BirthPrecision, c.BirthDate = opora.BirthExact, d
	}
	if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// choiceField adds a choice field with one option to the main questionnaire
// through raw SQL (the questionnaire editor is another feature).
func choiceField(t *testing.T, st *store.Store, orgID int64, label, option, sensitivity string) (int64, int64) {
	t.Helper()
	db := storetest.RawDB(t, st)
	var form, section, field, opt int64
	if err := db.QueryRow(`SELECT id FROM forms WHERE organisation_id = $1 AND key = 'profile'`, orgID).Scan(&form); err != nil {
		if err := db.QueryRow(`INSERT INTO forms (organisation_id, key, name) VALUES ($1, 'profile', 'Анкета') RETURNING id`, orgID).Scan(&form); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.QueryRow(`INSERT INTO form_sections (organisation_id, form_id, title) VALUES ($1, $2, 'Т') RETURNING id`, orgID, form).Scan(&section); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`INSERT INTO form_fields (organisation_id, section_id, label, type, sensitivity) VALUES ($1, $2, $3, 'choice', $4) RETURNING id`,
		orgID, section, label, sensitivity).Scan(&field); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`INSERT INTO field_options (field_id, label) VALUES ($1, $2) RETURNING id`, field, option).Scan(&opt); err != nil {
		t.Fatal(err)
	}
	return field, opt
}

func TestClientSearchPage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		var logs bytes.Buffer
		srv, err := New(a.st, i18n.MustLoad(), Config{Version: "test", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		a.srv.Config.Handler = srv.Handler()
		ivanov := newSearchClient(t, a, fx, "Иванов", "Пётр", "01.02.1975")
		newSearchClient(t, a, fx, "Сидорова", "Анна", "03.04.1990")
		if err := a.st.CreateRestriction(fx.Ctx(), &opora.Restriction{ClientID: ivanov.ID, Kind: opora.RestrictionBan,
			Description: "Без ночлега", StartsOn: a.st.Today()}); err != nil {
			t.Fatal(err)
		}
		c := a.login(t, "admin", testPassword)
		before := auditViews(t, a, fx)
		for _, q := range []string{"иванофф", "ivanov", "Иванов 1975", "Пётр Иванов", "01.02.1975", "№" + idString(ivanov.ID)} {
			res := c.get("/clients/search?q=" + url.QueryEscape(q))
			if res.Status != http.StatusOK {
				t.Fatalf("search %q: %d", q, res.Status)
			}
			mustContain(t, res.Body, "Иванов Пётр", "01.02.1975", fx.Branch.Name, "Ограничение", `href="/clients/`+idString(ivanov.ID)+`"`)
			if strings.Contains(res.Body, "Сидорова") {
				t.Errorf("search %q shows Сидорова", q)
			}
		}
		// Not a profile view; the query never reaches the log.
		if after := auditViews(t, a, fx); after != before {
			t.Errorf("search wrote %d view audit rows", after-before)
		}
		if strings.Contains(logs.String(), "иван") || strings.Contains(logs.String(), "ivanov") {
			t.Errorf("the query reached the log: %s", logs.String())
		}
		// Markup in the query is shown as text.
		res := c.get("/clients/search?q=" + url.QueryEscape(`<script>alert(1)</script>`))
		if res.Status != http.StatusOK || strings.Contains(res.Body, "<script>alert") {
			t.Fatalf("markup query: %d", res.Status)
		}
		mustContain(t, res.Body, "Никого не нашлось")
		// Filters: gender and age keep their values in the form.
		res = c.get("/clients/search?age_min=30&age_max=40")
		mustContain(t, res.Body, "Сидорова Анна", `value="30"`)
		if strings.Contains(res.Body, "Иванов Пётр") {
			t.Error("age filter shows a man over 40")
		}
	})
}

func auditViews(t *testing.T, a *app, fx *storetest.Fixture) int {
	t.Helper()
	rows, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Entity: "client", Action: opora.ActionView, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func TestClientSearchScopeAndSensitiveFilters(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ivanov := newSearchClient(t, a, fx, "Иванов", "Пётр", "01.02.1975")
		b2 := &opora.Branch{Name: "Дальний филиал"}
		if err := a.st.SaveBranch(fx.Ctx(), b2); err != nil {
			t.Fatal(err)
		}
		far := &opora.Client{BranchID: b2.ID, Surname: "Иванов", FirstName: "Павел"}
		if err := a.st.CreateClient(fx.Ctx(), far); err != nil {
			t.Fatal(err)
		}
		edu, school := choiceField(t, a.st, fx.Org.ID, "Образование", "Среднее", "")
		hiv, pos := choiceField(t, a.st, fx.Org.ID, "ВИЧ-статус", "Положительный", "health")
		db := storetest.RawDB(t, a.st)
		storetest.Tampered(a.st) // answers written past the store: the answer counts do not see them
		for _, ans := range [][2]int64{{edu, school}, {hiv, pos}} {
			if _, err := db.Exec(`INSERT INTO answers (organisation_id, client_id, field_id, option_id, updated_at, basis) VALUES ($1, $2, $3, $4, $5, 'not_required')`,
				fx.Org.ID, ivanov.ID, ans[0], ans[1], time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		c := a.login(t, "spec", testPassword)
		res := c.get("/clients/search?q=" + url.QueryEscape("иванов"))
		mustContain(t, res.Body, "Иванов Пётр", "Образование", "Среднее")
		if strings.Contains(res.Body, "Иванов Павел") {
			t.Error("specialist sees a client of another branch")
		}
		if strings.Contains(res.Body, "ВИЧ") || strings.Contains(res.Body, "Положительный") {
			t.Error("specialist is offered the health field as a filter")
		}
		res = c.get("/clients/search?f" + idString(edu) + "=" + idString(school))
		mustContain(t, res.Body, "Иванов Пётр")
		if r := c.get("/clients/search?f" + idString(hiv) + "=" + idString(pos)); r.Status != http.StatusForbidden ||
			strings.Contains(r.Body, "Иванов Пётр") {
			t.Errorf("health filter for a specialist: %d", r.Status)
		}
		// The administrator may filter by it.
		admin := a.login(t, "admin", testPassword)
		res = admin.get("/clients/search?f" + idString(hiv) + "=" + idString(pos))
		mustContain(t, res.Body, "Иванов Пётр", "ВИЧ-статус")
		// Another organisation finds nothing of ours.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		other := a.login(t, fb.Admin.Login, testPassword)
		res = other.get("/clients/search?q=" + url.QueryEscape("Иванов") + "&q2=")
		if res.Status != http.StatusOK || strings.Contains(res.Body, "Иванов Пётр") {
			t.Errorf("other organisation: %d", res.Status)
		}
	})
}

func TestClientCreateShowsDuplicates(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		old := newSearchClient(t, a, fx, "Иванов", "Пётр", "01.02.1975")
		c := a.login(t, "admin", testPassword)
		f := clientForm(fx)
		f.Set("first_name", "Петр")
		res := c.post("/clients", f)
		if res.Status != http.StatusOK {
			t.Fatalf("duplicate check: %d", res.Status)
		}
		mustContain(t, res.Body, "/clients/"+idString(old.ID), `name="confirm_new"`)
	})
}

func TestClientMerge(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		keep := newSearchClient(t, a, fx, "Иванов", "Пётр", "01.02.1975")
		gone := newSearchClient(t, a, fx, "Иванов", "Петр", "01.02.1975")
		if err := a.st.CreateNote(fx.Ctx(), &opora.Note{ClientID: gone.ID, Body: "Заметка из дубля"}); err != nil {
			t.Fatal(err)
		}
		// A specialist may not open the merge screen.
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		if r := sc.get("/clients/" + idString(keep.ID) + "/merge"); r.Status != http.StatusForbidden {
			t.Fatalf("specialist merge screen: %d", r.Status)
		}
		if r := sc.post("/clients/"+idString(keep.ID)+"/merge", url.Values{"other": {idString(gone.ID)}}); r.Status != http.StatusForbidden {
			t.Fatalf("specialist merge: %d", r.Status)
		}
		c := a.login(t, "admin", testPassword)
		mustContain(t, c.get("/clients/"+idString(keep.ID)).Body, "/clients/"+idString(keep.ID)+"/merge")
		res := c.get("/clients/" + idString(keep.ID) + "/merge?q=" + url.QueryEscape("иванов петр"))
		mustContain(t, res.Body, "?other="+idString(gone.ID))
		res = c.get("/clients/" + idString(keep.ID) + "/merge?other=" + idString(gone.ID))
		mustContain(t, res.Body, "Пётр", "Петр", `name="other" value="`+idString(gone.ID)+`"`)
		if r := c.post("/clients/"+idString(keep.ID)+"/merge", url.Values{"other": {idString(keep.ID)}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("merge with itself: %d", r.Status)
		}
		res = c.post("/clients/"+idString(keep.ID)+"/merge", url.Values{"other": {idString(gone.ID)}})
		if res.Status != http.StatusSeeOther || res.Location != "/clients/"+idString(keep.ID) {
			t.Fatalf("merge: %d %q", res.Status, res.Location)
		}
		// The old number leads to the survivor, which has the note.
		res = c.get("/clients/" + idString(gone.ID))
		if res.Status != http.StatusSeeOther || res.Location != "/clients/"+idString(keep.ID) {
			t.Fatalf("old number: %d %q", res.Status, res.Location)
		}
		mustContain(t, c.get("/clients/"+idString(keep.ID)+"/timeline").Body, "Объединение")
		notes, err := a.st.ClientNotes(fx.Ctx(), keep.ID)
		if err != nil || len(notes) != 1 {
			t.Fatalf("notes moved: %v %d", err, len(notes))
		}
		// The merged-away record is no longer found.
		if strings.Contains(c.get("/clients/search?q="+url.QueryEscape("Иванов")).Body, "№ "+idString(gone.ID)) {
			t.Error("merged-away client found")
		}
	})
}
