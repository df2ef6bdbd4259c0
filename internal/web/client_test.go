package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

func clientForm(fx *storetest.Fixture) url.Values {
	return url.Values{"surname": {"Иванов"}, "first_name": {"Пётр"}, "patronymic": {"Сергеевич"},
		"birth_precision": {"date"}, "birth_date": {"01.02.1975"}, "birth_place": {"Вологда"}, "gender": {"male"},
		"homeless_status": {"homeless"}, "branch_id": {idString(fx.Branch.ID)}, "responsible_id": {idString(fx.Admin.ID)}}
}

func TestClientCreateAndProfile(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		// Impossible date and markup: refused, typed values kept, markup shown as text.
		bad := clientForm(fx)
		bad.Set("birth_date", "31.02.1975")
		bad.Set("birth_place", "<script>alert(1)</script>")
		res := c.post("/clients", bad)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("31.02: status %d", res.Status)
		}
		mustContain(t, res.Body, "ДД.ММ.ГГГГ", `value="31.02.1975"`, "&lt;script&gt;")
		if strings.Contains(res.Body, "<script>alert") {
			t.Fatal("markup reached the page unescaped")
		}
		res = c.post("/clients", clientForm(fx))
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/clients/") {
			t.Fatalf("create: %d %q", res.Status, res.Location)
		}
		profile := c.get(res.Location)
		if profile.Status != http.StatusOK {
			t.Fatalf("profile: %d", profile.Status)
		}
		mustContain(t, profile.Body, "Иванов Пётр Сергеевич", "01.02.1975", "Вологда", "без жилья")
		// The view is in the audit log; the client list shows "recently viewed".
		views, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Entity: "client", Action: opora.ActionView, Limit: 5})
		if err != nil || len(views) != 1 {
			t.Fatalf("view audit: %v %d", err, len(views))
		}
		mustContain(t, c.get("/clients").Body, "Иванов Пётр Сергеевич")
		// Another organisation gets 404.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		other := a.login(t, fb.Admin.Login, testPassword)
		if r := other.get(res.Location); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation: %d", r.Status)
		}
		if r := other.post(res.Location, clientForm(fx)); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation POST: %d", r.Status)
		}
	})
}

func TestClientEditConflict(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		loc := c.post("/clients", clientForm(fx)).Location
		// Both open the edit form at version 1.
		f1, f2 := clientForm(fx), clientForm(fx)
		f1.Set("version", "1")
		f2.Set("version", "1")
		f1.Set("birth_place", "Череповец")
		if r := c.post(loc, f1); r.Status != http.StatusSeeOther {
			t.Fatalf("first save: %d %s", r.Status, r.Body)
		}
		f2.Set("surname", "Петров")
		r := c.post(loc, f2)
		if r.Status != http.StatusConflict {
			t.Fatalf("second save: %d", r.Status)
		}
		mustContain(t, r.Body, fx.Admin.FullName, "Место рождения", `value="Петров"`)
		if p := c.get(loc); !strings.Contains(p.Body, "Череповец") || strings.Contains(p.Body, "Петров") {
			t.Fatal("the second save overwrote the first")
		}
	})
}

// The history names what changed: the field's label with the old and new
// values, in the reader's language, on the profile and the timeline.
func TestHistoryShowsChangedFields(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Смирнов", FirstName: "Алексей", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		c.Surname, c.BirthPlace = "Смирнова", "Вологда"
		if err := a.st.UpdateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		cl := a.login(t, "admin", testPassword)
		path := "/clients/" + idString(c.ID)
		for _, p := range []string{path, path + "/timeline"} {
			mustContain(t, cl.get(p).Body, "Фамилия: Смирнов → Смирнова", "Место рождения: — → Вологда", `<span class="tag">Карточка</span>`)
		}
		cl.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}})
		mustContain(t, cl.get(path+"/timeline").Body, "Surname: Смирнов → Смирнова", "Birth place: — → Вологда")
	})
}
