package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// Need-to-know on the family card page: the kindergarten with a task sees
// the children, the plan and its own notice, never the police's
// offence-related section nor health, the address or the history; the
// police sees its section and not health; neither gets the edit forms,
// and the closed sections' pages answer 404. The network administrator
// opens the health section to kindergartens at /admin/family-sections and
// the kindergarten's card shows it.
func TestFamilyCardNeedToKnow(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		kdn := storetest.AddAgency(t, a.st, fx.Ctx(), "КДН района", opora.OrgKDN)
		kcson := storetest.AddAgency(t, a.st, fx.Ctx(), "КЦСОН района", opora.OrgSocialService)
		kg := storetest.AddAgency(t, a.st, fx.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
		police := storetest.AddAgency(t, a.st, fx.Ctx(), "ПДН ОМВД", opora.OrgPolice)
		secUser, sec := kdn.AddUser(t, "kdn-sec", "kdn_secretary")
		headUser, _ := kcson.AddUser(t, "kcson-head", "agency_head")
		curUser, _ := kcson.AddUser(t, "curator", "curator")
		kgHead, _ := kg.AddUser(t, "kg-head", "agency_head")
		pdnHead, _ := police.AddUser(t, "pdn-head", "agency_head")
		setPassword(t, a.st, kgHead.ID, kg.Org.ID)
		setPassword(t, a.st, pdnHead.ID, police.Org.ID)
		setPassword(t, a.st, secUser.ID, kdn.Org.ID)

		f := &opora.Family{Address: "ул. Лесная, 7", Housing: "комната в общежитии", Income: "пособие по безработице",
			Members: []*opora.FamilyMember{
				{Client: &opora.Client{Surname: "Смирнова", FirstName: "Ирина", BranchID: kdn.Branch.ID}, Role: opora.RoleMother},
				{Client: &opora.Client{Surname: "Смирнов", FirstName: "Ваня", BranchID: kdn.Branch.ID}, Role: opora.RoleChild},
			}}
		if err := a.st.CreateFamily(sec, f); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(sec, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		if err := a.st.AssignCurator(storetest.CtxOf(t, a.st, headUser.ID), f.ID, curUser.ID); err != nil {
			t.Fatal(err)
		}
		cur := storetest.CtxOf(t, a.st, curUser.ID)
		got, err := a.st.Family(cur, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Offences, got.Health = "Мать доставлялась в отдел за мелкое хулиганство", "Ваня: бронхиальная астма"
		if err := a.st.UpdateFamily(cur, got); err != nil {
			t.Fatal(err)
		}
		types, err := a.st.CaseDictionary(cur, opora.DictTaskType, false)
		if err != nil || len(types) == 0 {
			t.Fatalf("task types: %v", err)
		}
		for _, org := range []int64{kg.Org.ID, police.Org.ID} {
			if err := a.st.AddFamilyTask(cur, f.ID, &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду",
				ResponsibleOrg: org, DueOn: a.st.Today().AddDays(14)}); err != nil {
				t.Fatal(err)
			}
		}
		card := "/families/" + idString(f.ID)

		kgc := a.login(t, "kg-head", testPassword)
		res := kgc.get(card)
		if res.Status != http.StatusOK {
			t.Fatalf("the kindergarten's card: %d", res.Status)
		}
		mustContain(t, res.Body, "Смирнов Ваня", "План помощи", "Вашему ведомству открыты разделы карточки",
			"Состав семьи и дети", "План помощи и статусы задач")
		for _, hidden := range []string{"мелкое хулиганство", "Правонарушения", "астма", "ул. Лесная", "общежитии",
			"безработице", "История семьи", `action="/families/` + idString(f.ID) + `"`, "/clients/"} {
			if strings.Contains(res.Body, hidden) {
				t.Errorf("the kindergarten's card shows %q", hidden)
			}
		}
		for _, path := range []string{card + "/assessments/compare"} {
			if r := kgc.get(path); r.Status != http.StatusNotFound {
				t.Errorf("the kindergarten opens %s: %d", path, r.Status)
			}
		}
		if r := kgc.post(card, url.Values{"address": {"ул. Новая, 1"}, "version": {"2"}}); r.Status != http.StatusForbidden {
			t.Errorf("the kindergarten edits the card: %d", r.Status)
		}

		pc := a.login(t, "pdn-head", testPassword)
		res = pc.get(card)
		mustContain(t, res.Body, "мелкое хулиганство", "ул. Лесная", "Смирнов Ваня")
		if strings.Contains(res.Body, "астма") || strings.Contains(res.Body, "безработице") {
			t.Errorf("the police's card shows health or income")
		}

		// The network administrator opens health to kindergartens.
		admin := a.login(t, "admin", testPassword)
		res = admin.get("/admin/family-sections")
		mustContain(t, res.Body, "Доступ ведомств к карточке семьи", `name="s.kindergarten" value="plan" checked`)
		form := url.Values{"task_access_days": {"30"}, "s.kindergarten": {"members", "plan", "health"},
			"s.police": {"members", "address", "plan", "offences"}, "s.kdn": {"members"}}
		if r := admin.post("/admin/family-sections", url.Values{"task_access_days": {"-5"}, "s.kindergarten": {"health"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="e-task_access_days"`) || !strings.Contains(r.Body, `name="s.kindergarten" value="health" checked`) {
			t.Errorf("negative days: %d", r.Status)
		}
		if r := admin.post("/admin/family-sections", form); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		mustContain(t, kgc.get(card).Body, "астма")
		if strings.Contains(kgc.get(card).Body, "мелкое хулиганство") {
			t.Errorf("the kindergarten sees the police's section after the change")
		}
		// The КДН holds the card: its rules do not narrow it.
		mustContain(t, a.login(t, "kdn-sec", testPassword).get(card).Body, "мелкое хулиганство", "астма", "безработице",
			"История семьи")
		if r := kgc.get("/admin/family-sections"); r.Status != http.StatusForbidden {
			t.Errorf("the kindergarten opens the network's rules: %d", r.Status)
		}

		// The basis of sharing (issue 22): the police read the offences on
		// 120-ФЗ by default; the КДН wants consent, the section closes; a
		// mother's consent to sharing with the police opens it; withdrawn,
		// it closes again.
		mustContain(t, pc.get(card).Body, "Основания передачи особых категорий", "Правонарушения (ПДН): 120-ФЗ, ст. 9")
		setPassword(t, a.st, kdn.Admin.ID, kdn.Org.ID)
		kadm := a.login(t, kdn.Admin.Login, testPassword)
		res = kadm.get("/admin/legal-bases")
		mustContain(t, res.Body, "Правовые основания обработки", `name="b.criminal.police"`, "по умолчанию: 120-ФЗ, ст. 9")
		if r := kadm.post("/admin/legal-bases", url.Values{"b.criminal.police": {"~consent"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("legal bases: %d %s", r.Status, r.Body)
		}
		mustContain(t, kadm.get("/admin/legal-bases").Body, `<option value="~consent" selected>`)
		if r := kadm.post("/admin/legal-bases", url.Values{"b.criminal.police": {"made_up"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "field-error") {
			t.Errorf("an unknown basis: %d", r.Status)
		}
		res = pc.get(card)
		mustContain(t, res.Body, "Правонарушения (ПДН): раздел закрыт — Нет согласия или правового основания")
		if strings.Contains(res.Body, "мелкое хулиганство") {
			t.Error("the police read the offences without a basis")
		}
		mother := "/clients/" + idString(f.Members[0].Client.ID)
		if r := kadm.postMultipart(mother+"/consent", url.Values{"subject": {"self"}, "purposes": {"sharing"},
			"categories": {"criminal"}, "agency_types": {"police"}, "consent_date": {a.st.Today().Format("02.01.2006")},
			"consent_by": {idString(kdn.Admin.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("the mother's consent: %d %s", r.Status, r.Body)
		}
		mustContain(t, pc.get(card).Body, "мелкое хулиганство", "Правонарушения (ПДН): согласие члена семьи")
		cs, err := a.st.ClientConsents(kdn.Ctx(), f.Members[0].Client.ID)
		if err != nil || len(cs) != 1 {
			t.Fatalf("consents: %v %d", err, len(cs))
		}
		if r := kadm.post(mother+"/consents/"+idString(cs[0].ID)+"/withdraw", url.Values{"withdrawn_on": {a.st.Today().Format("02.01.2006")}}); r.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		res = pc.get(card)
		mustContain(t, res.Body, "Правонарушения (ПДН): раздел закрыт — Согласие на эти сведения отозвано")
		if strings.Contains(res.Body, "мелкое хулиганство") {
			t.Error("the police read the offences on a withdrawn consent")
		}
	})
}
