package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// auditCouncil gives the fixture's administrator the council.manage role
// and a council of a municipality with its meetings planned; it returns
// the council and its first meeting.
func auditCouncil(t *testing.T, a *app, fx *storetest.Fixture) (int64, int64) {
	t.Helper()
	ctx := fx.Ctx()
	r := &opora.Role{Name: "Консилиум", Scope: opora.ScopeOrganisation, Permissions: []opora.Permission{opora.PermCouncilManage}}
	if err := a.st.SaveRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := storetest.RawDB(t, a.st).Exec(`INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)`, fx.Admin.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := a.st.SaveTerritory(ctx, region); err != nil {
		t.Fatal(err)
	}
	mun := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Район"}
	if err := a.st.SaveTerritory(ctx, mun); err != nil {
		t.Fatal(err)
	}
	cctx := storetest.CtxOf(t, a.st, fx.Admin.ID)
	c := &opora.Council{Name: "Консилиум района", TerritoryID: mun.ID, Weekday: time.Tuesday, Weeks: []int{1, 2, 3, 4, 5}}
	if err := a.st.SaveCouncil(cctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.PlanMeetings(cctx, c.ID); err != nil {
		t.Fatal(err)
	}
	ms, err := a.st.CouncilMeetings(cctx, c.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("meetings: %v %d", err, len(ms))
	}
	return c.ID, ms[len(ms)-1].ID
}

func councilUser(t *testing.T, a *app, fx *storetest.Fixture, login, role string) (*opora.User, *client) {
	t.Helper()
	u := &opora.User{Login: login, FullName: login, BranchIDs: []int64{fx.Branch.ID}, RoleIDs: []int64{fx.Role(t, role).ID}}
	if err := a.st.CreateUser(fx.Ctx(), u, storetest.PasswordHash); err != nil {
		t.Fatal(err)
	}
	setPassword(t, a.st, u.ID, fx.Org.ID)
	return u, a.login(t, login, testPassword)
}

// TestCouncilPages: the secretary creates the council, puts an agency and
// a person on it (a login outside the network is refused on the field),
// opens the meeting's agenda, approves the family's plan with the
// procedure's proposal, records attendance and the resolution, and prints
// the minutes; the network administrator edits the procedure; a school's
// head and another municipality's КДН do not get in.
func TestCouncilPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		var terr [2]int64
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := a.st.SaveTerritory(ctx, region); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"Северный район", "Южный район"} {
			tr := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: name}
			if err := a.st.SaveTerritory(ctx, tr); err != nil {
				t.Fatal(err)
			}
			terr[i] = tr.ID
		}
		kdn := storetest.AddAgencyIn(t, a.st, ctx, "КДН Северного района", opora.OrgKDN, terr[0])
		kcson := storetest.AddAgencyIn(t, a.st, ctx, "КЦСОН Северного района", opora.OrgSocialService, terr[0])
		kg := storetest.AddAgencyIn(t, a.st, ctx, "Детский сад № 12", opora.OrgKindergarten, terr[0])
		school := storetest.AddAgencyIn(t, a.st, ctx, "Школа № 1", opora.OrgSchool, terr[0])
		kdnSouth := storetest.AddAgencyIn(t, a.st, ctx, "КДН Южного района", opora.OrgKDN, terr[1])
		secUser, sec := councilUser(t, a, kdn, "secretary", "kdn_secretary")
		curUser, _ := councilUser(t, a, kcson, "curator", "curator")
		headUser, _ := councilUser(t, a, kcson, "kcson-head", "agency_head")
		_, schoolHead := councilUser(t, a, school, "school-head", "agency_head")
		_, southSec := councilUser(t, a, kdnSouth, "south-secretary", "kdn_secretary")
		admin := a.login(t, "admin", testPassword)

		// The network administrator: the procedure screen, in Russian.
		res := admin.get("/admin/procedure")
		if res.Status != http.StatusOK {
			t.Fatalf("procedure page: %d", res.Status)
		}
		mustContain(t, res.Body, "Регламент взаимодействия", "Ответственное ведомство", "Куратор может назначить без консилиума")
		res = admin.post("/admin/procedure", url.Values{"task_type_key": {"kindergarten_place"}, "agency_type": {"kindergarten"},
			"due_days": {"30"}, "done_when": {"Ребёнок зачислен в детский сад"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save rule: %d %s", res.Status, res.Body)
		}
		res = admin.post("/admin/procedure", url.Values{"agency_type": {"kindergarten"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Выберите вид задачи или укажите показатель") {
			t.Errorf("rule without a subject: %d", res.Status)
		}
		mustContain(t, admin.get("/admin/procedure").Body, "Место в детском саду", "Ребёнок зачислен в детский сад")
		mustContain(t, admin.get("/admin").Body, "Регламент взаимодействия")
		res = admin.post("/admin/procedure", url.Values{"territory_id": {idString(terr[1])}, "indicator": {"Посещение школы"},
			"agency_type": {"school"}, "due_days": {"14"}, "curator_may_assign": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save an indicator's rule: %d %s", res.Status, res.Body)
		}
		rules, err := a.st.ProcedureRules(ctx)
		if err != nil || len(rules) != 2 || rules[1].TerritoryName != "Южный район" || !rules[1].CuratorMayAssign {
			t.Fatalf("rules: %v %+v", err, rules)
		}
		if res := admin.post("/admin/procedure/"+idString(rules[1].ID)+"/delete", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("delete rule: %d", res.Status)
		}
		if strings.Contains(admin.get("/admin/procedure").Body, "Посещение школы") {
			t.Errorf("the deleted rule is still shown")
		}

		// The secretary's menu has the council; a school's head may not open it.
		mustContain(t, sec.get("/").Body, `href="/councils"`)
		if res := schoolHead.get("/councils"); res.Status != http.StatusForbidden {
			t.Errorf("a school's head opens /councils: %d", res.Status)
		}
		if strings.Contains(schoolHead.get("/").Body, `href="/councils"`) {
			t.Errorf("a school's head has the council in the menu")
		}

		// A council with its schedule.
		res = sec.post("/councils", url.Values{"name": {"Консилиум Северного района"}, "territory_id": {idString(terr[0])},
			"weekday": {"2"}, "weeks": {"2,9"}, "starts_at": {"10:00"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Укажите недели месяца от 1 до 5") ||
			!strings.Contains(res.Body, "Консилиум Северного района") {
			t.Fatalf("bad weeks: %d", res.Status)
		}
		res = sec.post("/councils", url.Values{"name": {"Консилиум Северного района"}, "territory_id": {idString(terr[0])},
			"weekday": {"2"}, "weeks": {"1,2,3,4,5"}, "starts_at": {"10:00"}, "place": {"каб. 5"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create council: %d %s", res.Status, res.Body)
		}
		councilPath := res.Location
		page := sec.get(councilPath)
		mustContain(t, page.Body, "Консилиум Северного района", "Состав консилиума", "Заседания", "Вторник")
		noKeys(t, "council", page.Body)
		noKeys(t, "councils", sec.get("/councils").Body)
		noKeys(t, "procedure", admin.get("/admin/procedure").Body)
		res = sec.post(councilPath+"/members", url.Values{"login": {"nobody"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Не найден в сети ведомств") {
			t.Errorf("member outside the network: %d", res.Status)
		}
		if res := sec.post(councilPath+"/members", url.Values{"organisation_id": {idString(kg.Org.ID)}, "position": {"заведующая"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("add member: %d %s", res.Status, res.Body)
		}
		if res := sec.post(councilPath+"/members", url.Values{"login": {"curator"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("add person: %d %s", res.Status, res.Body)
		}
		mustContain(t, sec.get(councilPath).Body, "Детский сад № 12", "curator")

		// Another municipality's КДН gets 404 for this council.
		if res := southSec.get(councilPath); res.Status != http.StatusNotFound {
			t.Errorf("another municipality's КДН opens the council: %d", res.Status)
		}

		// A family with a draft plan on the agenda.
		secCtx := storetest.CtxOf(t, a.st, secUser.ID)
		f := &opora.Family{TerritoryID: terr[0], Address: "ул. Садовая, 1", Members: []*opora.FamilyMember{
			{Client: &opora.Client{Surname: "Иванова", FirstName: "Мария"}, Role: opora.RoleMother},
			{Client: &opora.Client{Surname: "Иванова", FirstName: "Анна"}, Role: opora.RoleChild}}}
		if err := a.st.CreateFamily(secCtx, f); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(secCtx, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
			t.Fatal(err)
		}
		if err := a.st.AssignCurator(storetest.CtxOf(t, a.st, headUser.ID), f.ID, curUser.ID); err != nil {
			t.Fatal(err)
		}
		curCtx := storetest.CtxOf(t, a.st, curUser.ID)
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
		draft := &opora.DraftTask{FamilyID: f.ID, TypeID: kgType, What: "Найти место в детском саду"}
		if err := a.st.SaveDraftTask(curCtx, draft); err != nil {
			t.Fatal(err)
		}
		ms, err := a.st.CouncilMeetings(secCtx, councilIDFrom(t, councilPath))
		if err != nil || len(ms) == 0 {
			t.Fatalf("meetings: %v", err)
		}
		meetingPath := councilPath + "/meetings/" + idString(ms[len(ms)-1].ID)
		page = sec.get(meetingPath)
		if page.Status != http.StatusOK {
			t.Fatalf("meeting: %d", page.Status)
		}
		mustContain(t, page.Body, "Повестка", "Иванова", "Новый проект плана", "Присутствие и постановление")
		noKeys(t, "meeting", page.Body)

		// The family's screen: the procedure proposes the kindergarten.
		famPath := meetingPath + "/families/" + idString(f.ID)
		page = sec.get(famPath)
		mustContain(t, page.Body, "Утверждение плана", "По регламенту", "Детский сад № 12", "Найти место в детском саду")
		if strings.Contains(page.Body, "Семьи нет в повестке") {
			t.Errorf("the family on the agenda is marked off it")
		}
		key := "tasks." + idString(draft.ID) + "."
		res = sec.post(famPath+"/approve", url.Values{"draft": {idString(draft.ID)}, key + "org": {idString(kg.Org.ID)},
			key + "due_on": {a.st.Today().AddDays(-2).String()}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Срок не может быть в прошлом") {
			t.Fatalf("past deadline: %d", res.Status)
		}
		res = sec.post(famPath+"/approve", url.Values{"draft": {idString(draft.ID)}, key + "org": {idString(kg.Org.ID)},
			key + "due_on": {a.st.Today().AddDays(30).String()}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", res.Status, res.Body)
		}
		page = sec.get(famPath)
		mustContain(t, page.Body, "Утверждён план помощи", "Задачи семьи", "Детский сад № 12")
		noKeys(t, "family at the council", page.Body)
		// The kindergarten's head sees the task in the agency's queue.
		kgTasks, err := a.st.FamilyTasks(secCtx, f.ID)
		if err != nil || len(kgTasks) != 1 || kgTasks[0].ResponsibleOrg != kg.Org.ID {
			t.Fatalf("tasks: %v %+v", err, kgTasks)
		}

		// Attendance, the resolution, the minutes.
		_, m, err := a.st.CouncilMeeting(secCtx, councilIDFrom(t, councilPath), ms[len(ms)-1].ID)
		if err != nil || len(memberIDs(t, a.st, secCtx, councilIDFrom(t, councilPath))) != 2 {
			t.Fatalf("meeting: %v", err)
		}
		members := memberIDs(t, a.st, secCtx, councilIDFrom(t, councilPath))
		res = sec.post(meetingPath, url.Values{"version": {idString(int64(m.Version))}, "present": {idString(members[0])},
			"resolution_number": {"15/2"}, "resolution_date": {m.HeldOn.String()}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save meeting: %d %s", res.Status, res.Body)
		}
		res = sec.post(meetingPath, url.Values{"version": {idString(int64(m.Version))}, "resolution_number": {"15/3"}})
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "15/3") {
			t.Errorf("a stale save: %d", res.Status)
		}
		page = sec.get(meetingPath + "/minutes")
		mustContain(t, page.Body, "Протокол заседания межведомственного консилиума", "№ 15/2", "Иванова", "Утверждён план помощи",
			"Детский сад № 12", "Присутствовали")
		noKeys(t, "minutes", page.Body)
		famCard := sec.get("/families/" + idString(f.ID))
		mustContain(t, famCard.Body, "Решение консилиума")
		noKeys(t, "family card", famCard.Body)

		// A family that is not on the agenda: allowed, marked in the minutes.
		other := &opora.Family{TerritoryID: terr[0], Members: []*opora.FamilyMember{
			{Client: &opora.Client{Surname: "Петрова", FirstName: "Ольга"}, Role: opora.RoleMother}}}
		if err := a.st.CreateFamily(secCtx, other); err != nil {
			t.Fatal(err)
		}
		res = sec.get(meetingPath + "?family=" + idString(other.ID))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("open a family off the agenda: %d", res.Status)
		}
		mustContain(t, sec.get(res.Location).Body, "Семьи нет в повестке")
		if res := sec.post(res.Location+"/review", url.Values{"next_review_on": {a.st.Today().AddDays(90).String()}}); res.Status != http.StatusSeeOther {
			t.Fatalf("review: %d %s", res.Status, res.Body)
		}
		mustContain(t, sec.get(meetingPath+"/minutes").Body, "Петрова", "вне повестки", "Назначен пересмотр")
		page = sec.get(meetingPath)
		if i := strings.Index(page.Body, "Петрова"); i < 0 || !strings.Contains(page.Body[i:], "вне повестки") {
			t.Errorf("the agenda does not mark the family decided off the agenda")
		}
		if i, j := strings.Index(page.Body, "Иванова"), strings.Index(page.Body, "Петрова"); i < 0 || strings.Contains(page.Body[i:j], "вне повестки") {
			t.Errorf("the agenda marks the listed family off the agenda")
		}

		// A card the КЦСОН opened and showed to the КДН: the council's
		// status choice offers the card's organisation's statuses, and the
		// one chosen is taken.
		curCtx = storetest.CtxOf(t, a.st, curUser.ID)
		kcsonCard := &opora.Family{TerritoryID: terr[0], Members: []*opora.FamilyMember{
			{Client: &opora.Client{Surname: "Смирнова", FirstName: "Ирина"}, Role: opora.RoleMother}}}
		if err := a.st.CreateFamily(curCtx, kcsonCard); err != nil {
			t.Fatal(err)
		}
		if err := a.st.GrantFamily(curCtx, kcsonCard.ID, kdn.Org.ID, opora.GrantKDN); err != nil {
			t.Fatal(err)
		}
		res = sec.get(meetingPath + "?family=" + idString(kcsonCard.ID))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("open the КЦСОН's card at the council: %d", res.Status)
		}
		kcsonPath := res.Location
		checkStatusChoices(t, a.st, sec.get(kcsonPath).Body, curCtx, secCtx)
		cardStatuses, err := a.st.FamilyStatuses(curCtx)
		if err != nil || len(cardStatuses) < 2 {
			t.Fatalf("the КЦСОН's statuses: %v %d", err, len(cardStatuses))
		}
		chosen := cardStatuses[len(cardStatuses)-1]
		if res := sec.post(kcsonPath+"/status", url.Values{"status_id": {idString(chosen.ID)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("the council changes the КЦСОН card's status: %d %s", res.Status, res.Body)
		}
		if got, err := a.st.Family(secCtx, kcsonCard.ID); err != nil || got.StatusID != chosen.ID {
			t.Errorf("the card's status after the decision: %v %+v", err, got)
		}

		// Another municipality's КДН: 404 for the meeting, the family's screen and the minutes.
		for _, p := range []string{meetingPath, famPath, meetingPath + "/minutes"} {
			if res := southSec.get(p); res.Status != http.StatusNotFound {
				t.Errorf("another municipality's КДН opens %s: %d", p, res.Status)
			}
		}
		if res := schoolHead.get(famPath); res.Status != http.StatusForbidden {
			t.Errorf("a school's head opens the family's screen: %d", res.Status)
		}
	})
}

// noKeys fails when a page shows a catalog key instead of its words.
func noKeys(t *testing.T, page string, body string) {
	t.Helper()
	for _, k := range []string{"council.", "procedure.", "orgtype.", "cases.outcome.", "family.field.", "tasks.status."} {
		if i := strings.Index(body, k); i >= 0 {
			t.Errorf("%s shows the key %q", page, body[i:min(len(body), i+40)])
		}
	}
}

func councilIDFrom(t *testing.T, path string) int64 {
	t.Helper()
	return mustInt(t, strings.TrimPrefix(path, "/councils/"))
}

func memberIDs(t *testing.T, st *store.Store, ctx context.Context, councilID int64) []int64 {
	t.Helper()
	c, err := st.Council(ctx, councilID)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, m := range c.Members {
		out = append(out, m.ID)
	}
	return out
}
