package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// An administrator adds, renames and deactivates case and task types; the
// case page offers only active ones; each change has its audit row; a
// specialist may not, and another organisation's type is not found.
func TestAdminCaseTypes(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		page := admin.get("/admin/case-types")
		if page.Status != http.StatusOK {
			t.Fatalf("list: %d", page.Status)
		}
		mustContain(t, page.Body, "Типы случаев", "Типы задач")
		// Empty name: the form comes back with the error next to the field.
		res := admin.post("/admin/case-types/new", url.Values{"dictionary": {opora.DictTaskType}, "label": {"  "}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty label: %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-label-task_type"`, `aria-invalid="true"`)
		if res := admin.post("/admin/case-types/new", url.Values{"dictionary": {"document_type"}, "label": {"Паспорт"}}); res.Status != http.StatusNotFound {
			t.Fatalf("another dictionary: %d", res.Status)
		}
		if res := admin.post("/admin/case-types/new", url.Values{"dictionary": {opora.DictTaskType}, "label": {"Сопровождение в суд"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("add: %d %s", res.Status, res.Body)
		}
		mustContain(t, admin.get("/admin/case-types").Body, "Сопровождение в суд")
		types, err := a.st.CaseDictionary(fx.Ctx(), opora.DictTaskType, true)
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		for _, d := range types {
			if d.Label == "Сопровождение в суд" {
				id = d.ID
			}
		}
		if id == 0 {
			t.Fatalf("the new type is not in the dictionary: %+v", types)
		}
		path := "/admin/case-types/" + idString(id)
		mustContain(t, admin.get(path).Body, `value="Сопровождение в суд"`, `name="active" value="1" checked`)
		// Renamed and deactivated in one save.
		if res := admin.post(path, url.Values{"label": {"Сопровождение в суд и полицию"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d %s", res.Status, res.Body)
		}
		list := admin.get("/admin/case-types").Body
		mustContain(t, list, "Сопровождение в суд и полицию", "Отключён")
		active, err := a.st.CaseDictionary(fx.Ctx(), opora.DictTaskType, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range active {
			if d.ID == id {
				t.Fatalf("a deactivated type is still offered")
			}
		}
		// Activated again.
		if res := admin.post(path, url.Values{"label": {"Сопровождение в суд и полицию"}, "active": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("activate: %d", res.Status)
		}
		if res := admin.post(path, url.Values{"label": {""}, "active": {"1"}}); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Fatalf("rename to nothing: %d", res.Status)
		}
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Entity: "dictionary_item", EntityID: id})
		if err != nil || len(entries) != 3 {
			t.Fatalf("audit: %v %d entries, want 3 (create, rename and deactivate, activate)", err, len(entries))
		}
		// A specialist may not; another organisation does not find the type.
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		if res := a.login(t, "worker", testPassword).get("/admin/case-types"); res.Status != http.StatusForbidden {
			t.Fatalf("specialist: %d", res.Status)
		}
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		stranger := a.login(t, other.Admin.Login, testPassword)
		if res := stranger.get(path); res.Status != http.StatusNotFound {
			t.Fatalf("other organisation: %d", res.Status)
		}
		if res := stranger.post(path, url.Values{"label": {"Чужое"}, "active": {"1"}}); res.Status != http.StatusNotFound {
			t.Fatalf("other organisation edits: %d", res.Status)
		}
		// A document type is not this screen's.
		doc := &opora.DictionaryItem{Dictionary: opora.DictDocumentType, Label: "Паспорт"}
		if err := a.st.SaveDictionaryItem(fx.Ctx(), doc); err != nil {
			t.Fatal(err)
		}
		if res := admin.get("/admin/case-types/" + idString(doc.ID)); res.Status != http.StatusNotFound {
			t.Fatalf("document type on the case types screen: %d", res.Status)
		}
	})
}

// A network agency's administrator renames a family status on the same
// screen, and the family card shows the new name; an NGO outside a network
// has no family statuses to edit.
func TestAdminFamilyStatuses(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		if strings.Contains(a.login(t, "admin", testPassword).get("/admin/case-types").Body, "Статусы семей") {
			t.Errorf("an NGO is offered family statuses")
		}
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН Центрального района", opora.OrgKDN)
		setPassword(t, a.st, kdn.Admin.ID, kdn.Org.ID)
		admin := a.login(t, kdn.Admin.Login, testPassword)
		mustContain(t, admin.get("/admin/case-types").Body, "Статусы семей", "Ранние трудности")
		statuses, err := a.st.CaseDictionary(kdn.Ctx(), opora.DictFamilyStatus, true)
		if err != nil {
			t.Fatal(err)
		}
		var early int64
		for _, d := range statuses {
			if d.Key == opora.DefaultFamilyStatus {
				early = d.ID
			}
		}
		if early == 0 {
			t.Fatalf("no default status among %+v", statuses)
		}
		path := "/admin/case-types/" + idString(early)
		if res := admin.post(path, url.Values{"label": {"Ранний кризис"}, "active": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("rename: %d %s", res.Status, res.Body)
		}
		f := &opora.Family{Address: "ул. Ленина, 1", Members: []*opora.FamilyMember{{Role: opora.RoleMother,
			Client: &opora.Client{Surname: "Петрова", FirstName: "Анна", BranchID: kdn.Branch.ID}}}}
		sec, secCtx := kdn.AddUser(t, "kdn-secretary", "kdn_secretary")
		if err := a.st.CreateFamily(secCtx, f); err != nil {
			t.Fatal(err)
		}
		setPassword(t, a.st, sec.ID, kdn.Org.ID)
		card := a.login(t, sec.Login, testPassword).get("/families/" + idString(f.ID))
		if card.Status != http.StatusOK {
			t.Fatalf("card: %d", card.Status)
		}
		mustContain(t, card.Body, "Ранний кризис")
		if res := a.login(t, "admin", testPassword).get(path); res.Status != http.StatusNotFound {
			t.Errorf("the NGO's administrator opens the КДН's status: %d", res.Status)
		}
	})
}
