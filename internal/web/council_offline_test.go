package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

type councilSyncAnswer struct {
	Results []struct{ ID, Status, Message string } `json:"results"`
}

func decodeCouncilSync(t *testing.T, res response) councilSyncAnswer {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("sync: %d %s", res.Status, res.Body)
	}
	var out councilSyncAnswer
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatalf("sync answer: %v %s", err, res.Body)
	}
	return out
}

// councilOfflineNet is a municipality's КДН with its secretary and council,
// a КЦСОН curating a family with a draft plan (a kindergarten place), a
// kindergarten, and another municipality's КДН.
type councilOfflineNet struct {
	councilID, meetingID, familyID, draftID int64
	secUserID                               int64
	kg                                      *storetest.Fixture
	sec, southSec                           *client
	meetingPath                             string
}

func newCouncilOfflineNet(t *testing.T, a *app, fx *storetest.Fixture) *councilOfflineNet {
	t.Helper()
	ctx := fx.Ctx()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := a.st.SaveTerritory(ctx, region); err != nil {
		t.Fatal(err)
	}
	var terr [2]int64
	for i, name := range []string{"Северный район", "Южный район"} {
		tr := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: name}
		if err := a.st.SaveTerritory(ctx, tr); err != nil {
			t.Fatal(err)
		}
		terr[i] = tr.ID
	}
	n := &councilOfflineNet{}
	kdn := storetest.AddAgencyIn(t, a.st, ctx, "КДН Северного района", opora.OrgKDN, terr[0])
	kcson := storetest.AddAgencyIn(t, a.st, ctx, "КЦСОН Северного района", opora.OrgSocialService, terr[0])
	n.kg = storetest.AddAgencyIn(t, a.st, ctx, "Детский сад № 12", opora.OrgKindergarten, terr[0])
	storetest.AddAgencyIn(t, a.st, ctx, "Центр занятости", opora.OrgEmployment, terr[0])
	kdnSouth := storetest.AddAgencyIn(t, a.st, ctx, "КДН Южного района", opora.OrgKDN, terr[1])
	secUser, sec := councilUser(t, a, kdn, "secretary", "kdn_secretary")
	curUser, _ := councilUser(t, a, kcson, "curator", "curator")
	headUser, _ := councilUser(t, a, kcson, "kcson-head", "agency_head")
	_, n.southSec = councilUser(t, a, kdnSouth, "south-secretary", "kdn_secretary")
	n.sec, n.secUserID = sec, secUser.ID
	if err := a.st.SaveProcedureRule(ctx, &opora.ProcedureRule{TaskTypeKey: "kindergarten_place", AgencyType: opora.OrgKindergarten, DueDays: 30}); err != nil {
		t.Fatal(err)
	}
	secCtx := storetest.CtxOf(t, a.st, secUser.ID)
	c := &opora.Council{Name: "Консилиум Северного района", TerritoryID: terr[0], Weekday: time.Tuesday, Weeks: []int{1, 2, 3, 4, 5}}
	if err := a.st.SaveCouncil(secCtx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.PlanMeetings(secCtx, c.ID); err != nil {
		t.Fatal(err)
	}
	ms, err := a.st.CouncilMeetings(secCtx, c.ID)
	if err != nil || len(ms) == 0 {
		t.Fatalf("meetings: %v", err)
	}
	n.councilID, n.meetingID = c.ID, ms[len(ms)-1].ID
	n.meetingPath = meetingPath(n.councilID, n.meetingID)
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
	draft := &opora.DraftTask{FamilyID: f.ID, What: "Найти место в детском саду"}
	for _, it := range types {
		if it.Key == "kindergarten_place" {
			draft.TypeID = it.ID
		}
	}
	if err := a.st.SaveDraftTask(curCtx, draft); err != nil {
		t.Fatal(err)
	}
	n.familyID, n.draftID = f.ID, draft.ID
	return n
}

func (n *councilOfflineNet) entry(id, kind string, fields map[string][]string) map[string]any {
	return map[string]any{"id": id, "council": n.councilID, "meeting": n.meetingID, "family": n.familyID, "kind": kind,
		"fields": fields, "entered_at": time.Now().UTC().Format(time.RFC3339)}
}

// TestCouncilOfflineSync: the secretary's laptop sends decisions entered
// without a network; they are applied and shown, a batch sent again
// creates nothing twice, a decision about a task the agency changed
// meanwhile is held and listed for checking (applied on «Применить»), a
// damaged batch is a 400, another municipality's КДН is refused, and the
// endpoint refuses cross-site and logged-out posts.
func TestCouncilOfflineSync(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		n := newCouncilOfflineNet(t, a, fx)
		due := a.st.Today().AddDays(30).String()
		review := a.st.Today().AddDays(60)
		dk := "tasks." + idString(n.draftID) + "."
		batch := map[string]any{"entries": []any{
			n.entry(tickID(t), "approve", map[string][]string{"draft": {idString(n.draftID)}, dk + "org": {idString(n.kg.Org.ID)}, dk + "due_on": {due}}),
			n.entry(tickID(t), "review", map[string][]string{"next_review_on": {review.String()}}),
		}}
		first := decodeCouncilSync(t, n.sec.postJSON("/councils/decisions/sync", batch))
		if len(first.Results) != 2 || first.Results[0].Status != "applied" || first.Results[1].Status != "applied" {
			t.Fatalf("first sync: %+v", first)
		}
		famPath := n.meetingPath + "/families/" + idString(n.familyID)
		page := n.sec.get(famPath)
		mustContain(t, page.Body, "Утверждён план помощи", "Назначен пересмотр", review.Format("02.01.2006"), "Детский сад № 12")
		again := decodeCouncilSync(t, n.sec.postJSON("/councils/decisions/sync", batch))
		if len(again.Results) != 2 || again.Results[0].Status != "duplicate" || again.Results[1].Status != "duplicate" {
			t.Fatalf("sync again: %+v", again)
		}
		secCtx := storetest.CtxOf(t, a.st, n.secUserID)
		tasks, err := a.st.FamilyTasks(secCtx, n.familyID)
		if err != nil || len(tasks) != 1 {
			t.Fatalf("tasks after the batch sent twice: %v %d", err, len(tasks))
		}
		if cf, err := a.st.FamilyAtCouncil(secCtx, n.councilID, n.meetingID, n.familyID); err != nil || len(cf.Decisions) != 2 {
			t.Fatalf("decisions after the batch sent twice: %v", err)
		}

		// The kindergarten accepted the task before the laptop's
		// reassignment arrived: held, listed, applied on «Применить».
		task := tasks[0]
		if _, err := storetest.RawDB(t, a.st).Exec(`UPDATE case_tasks SET status = 'accepted', version = version + 1 WHERE id = $1`, task.ID); err != nil {
			t.Fatal(err)
		}
		rk := "reassign." + idString(task.ID) + "."
		held := decodeCouncilSync(t, n.sec.postJSON("/councils/decisions/sync", map[string]any{"entries": []any{
			n.entry(tickID(t), "reassign", map[string][]string{"task": {idString(task.ID)}, rk + "org": {idString(n.kg.Org.ID)},
				rk + "due_on": {a.st.Today().AddDays(45).String()}, rk + "reason": {"Продлить срок"}, rk + "version": {idString(int64(task.Version))}}),
		}}))
		if held.Results[0].Status != "held" || !strings.Contains(held.Results[0].Message, "Ведомство изменило задачу") {
			t.Fatalf("stale reassignment: %+v", held)
		}
		page = n.sec.get(n.meetingPath)
		mustContain(t, page.Body, "Решения, требующие проверки", "Задача передана", "Ведомство изменило задачу", "Применить", "Отменить решение")
		noKeys(t, "meeting with held decisions", page.Body)
		i := strings.Index(page.Body, "/entries/")
		if i < 0 {
			t.Fatal("no held decision's form")
		}
		entryPath := n.meetingPath + page.Body[i:i+strings.Index(page.Body[i:], "/apply")]
		if res := n.southSec.post(entryPath+"/apply", nil); res.Status != http.StatusNotFound {
			t.Errorf("another municipality's КДН applies the held decision: %d", res.Status)
		}
		if res := n.sec.post(entryPath+"/apply", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", res.Status, res.Body)
		}
		if got, _ := a.st.FamilyTask(secCtx, task.ID); got.Status != opora.TaskPlanned || got.DueOn != a.st.Today().AddDays(45) {
			t.Errorf("applied reassignment: %+v", got)
		}
		if strings.Contains(n.sec.get(n.meetingPath).Body, "Решения, требующие проверки") {
			t.Errorf("the applied decision is still listed for checking")
		}

		// A damaged batch, a batch too large.
		if res := n.sec.postJSON("/councils/decisions/sync", "nonsense"); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "Пакет решений повреждён") {
			t.Errorf("damaged batch: %d %s", res.Status, res.Body)
		}
		big := make([]any, 101)
		for i := range big {
			big[i] = n.entry(tickID(t), "review", map[string][]string{"next_review_on": {review.String()}})
		}
		if res := n.sec.postJSON("/councils/decisions/sync", map[string]any{"entries": big}); res.Status != http.StatusBadRequest {
			t.Errorf("101 entries: %d", res.Status)
		}
		// An entry that cannot be read is refused, named.
		bad := decodeCouncilSync(t, n.sec.postJSON("/councils/decisions/sync", map[string]any{"entries": []any{
			n.entry("not-a-uuid", "review", map[string][]string{"next_review_on": {review.String()}})}}))
		if bad.Results[0].Status != "refused" || !strings.Contains(bad.Results[0].Message, "без идентификатора") {
			t.Errorf("entry without a UUID: %+v", bad)
		}

		// Another municipality's КДН: refused, nothing decided.
		other := decodeCouncilSync(t, n.southSec.postJSON("/councils/decisions/sync", map[string]any{"entries": []any{
			n.entry(tickID(t), "review", map[string][]string{"next_review_on": {a.st.Today().AddDays(90).String()}})}}))
		if other.Results[0].Status != "refused" {
			t.Errorf("another municipality's КДН: %+v", other)
		}
		if res := n.southSec.get(n.meetingPath); res.Status != http.StatusNotFound {
			t.Errorf("another municipality's КДН opens the meeting: %d", res.Status)
		}
		if cf, err := a.st.FamilyAtCouncil(secCtx, n.councilID, n.meetingID, n.familyID); err != nil || len(cf.Decisions) != 3 {
			t.Errorf("decisions at the end: %v", err)
		}

		// Cross-site and logged-out posts are refused.
		req, _ := http.NewRequest(http.MethodPost, n.sec.base+"/councils/decisions/sync", strings.NewReader(`{"entries":[]}`))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res := n.sec.do(req); res.Status != http.StatusForbidden {
			t.Errorf("cross-site sync: %d", res.Status)
		}
		if res := a.client(t).postJSON("/councils/decisions/sync", batch); res.Status != http.StatusUnauthorized {
			t.Errorf("logged out: %d", res.Status)
		}
		// The service worker is served with its scope.
		if res := n.sec.get("/councils/sw.js"); res.Status != http.StatusOK || !strings.Contains(res.Body, "opora-council-v1") {
			t.Errorf("service worker: %d", res.Status)
		}
	})
}
