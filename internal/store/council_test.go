package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// councilNet is a region of two municipalities: Северный (its КДН with a
// secretary, КЦСОН with a curator, a kindergarten, an employment service)
// and Южный (a kindergarten and its own КДН). The network has the
// procedure's rules the tests add.
type councilNet struct {
	net                             *storetest.Fixture
	north, south                    int64 // territories
	kdn, kcson, kgNorth, kgSouth    *storetest.Fixture
	employment, kdnSouth            *storetest.Fixture
	secretary, curator, southSecCtx context.Context
	curatorUser                     *opora.User
}

func newCouncilNet(t *testing.T, s *store.Store) *councilNet {
	t.Helper()
	n := &councilNet{net: storetest.SetupOrg(t, s, "Сеть")}
	ctx := n.net.Ctx()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := s.SaveTerritory(ctx, region); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		id   *int64
		name string
	}{{&n.north, "Северный район"}, {&n.south, "Южный район"}} {
		tr := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: x.name}
		if err := s.SaveTerritory(ctx, tr); err != nil {
			t.Fatal(err)
		}
		*x.id = tr.ID
	}
	n.kdn = storetest.AddAgencyIn(t, s, ctx, "КДН Северного района", opora.OrgKDN, n.north)
	n.kcson = storetest.AddAgencyIn(t, s, ctx, "КЦСОН Северного района", opora.OrgSocialService, n.north)
	n.kgNorth = storetest.AddAgencyIn(t, s, ctx, "Детский сад № 12", opora.OrgKindergarten, n.north)
	n.employment = storetest.AddAgencyIn(t, s, ctx, "Центр занятости Северного района", opora.OrgEmployment, n.north)
	n.kgSouth = storetest.AddAgencyIn(t, s, ctx, "Детский сад № 3 (Южный)", opora.OrgKindergarten, n.south)
	n.kdnSouth = storetest.AddAgencyIn(t, s, ctx, "КДН Южного района", opora.OrgKDN, n.south)
	_, n.secretary = n.kdn.AddUser(t, "kdn-sec", "kdn_secretary")
	_, n.southSecCtx = n.kdnSouth.AddUser(t, "kdn-south", "kdn_secretary")
	n.curatorUser, n.curator = n.kcson.AddUser(t, "curator", "curator")
	return n
}

// family makes a family of the КДН in a territory, sent to the КЦСОН with
// its curator assigned (an open case).
func (n *councilNet) family(t *testing.T, s *store.Store, surname string, territory int64) *opora.Family {
	t.Helper()
	f := &opora.Family{TerritoryID: territory, Address: "ул. Садовая, 1", Members: []*opora.FamilyMember{
		{Client: familyPerson(surname+"а", "Мария", "12.03.1988"), Role: opora.RoleMother},
		{Client: familyPerson(surname, "Пётр", "05.09.2022"), Role: opora.RoleChild}}}
	if err := s.CreateFamily(n.secretary, f); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantFamily(n.secretary, f.ID, n.kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
		t.Fatal(err)
	}
	_, head := n.kcson.AddUser(t, "head-"+strings.ToLower(storetestLogin(surname)), "agency_head")
	if err := s.AssignCurator(head, f.ID, n.curatorUser.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// storetestLogin turns a Cyrillic surname into a login part.
func storetestLogin(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(strings.ToLower(string(rune('a' + int(r)%26))))
	}
	return b.String()
}

func taskTypeByKey(t *testing.T, s *store.Store, ctx context.Context, key string) int64 {
	t.Helper()
	types, err := s.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range types {
		if it.Key == key {
			return it.ID
		}
	}
	t.Fatalf("no task type %q", key)
	return 0
}

func (n *councilNet) rule(t *testing.T, s *store.Store, r *opora.ProcedureRule) {
	t.Helper()
	if err := s.SaveProcedureRule(n.net.Ctx(), r); err != nil {
		t.Fatalf("rule %+v: %v", r, err)
	}
}

// The procedure proposes the agency of the rule's type in the family's
// municipality; a municipality's rule wins over the network's; without a
// rule nothing is proposed.
func TestProcedureProposesAgency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		north := n.family(t, s, "Иванов", n.north)
		south := n.family(t, s, "Петров", n.south)
		kg := taskTypeByKey(t, s, n.curator, "kindergarten_place")
		job := taskTypeByKey(t, s, n.curator, "job_search")
		// Network-wide: a kindergarten place is the kindergarten's, 30 days.
		n.rule(t, s, &opora.ProcedureRule{TaskTypeKey: "kindergarten_place", AgencyType: opora.OrgKindergarten, DueDays: 30,
			DoneWhen: "Ребёнок зачислен"})
		n.rule(t, s, &opora.ProcedureRule{TaskTypeKey: "job_search", AgencyType: opora.OrgEducationAuthority, DueDays: 10})
		// Северный: jobs are the employment service's, 14 days, the curator may assign.
		n.rule(t, s, &opora.ProcedureRule{TerritoryID: n.north, TaskTypeKey: "job_search", AgencyType: opora.OrgEmployment,
			DueDays: 14, CuratorMayAssign: true})

		for _, c := range []struct {
			name     string
			family   int64
			typ      int64
			org      int64
			days     int
			mayAssig bool
		}{
			{"kindergarten in the north", north.ID, kg, n.kgNorth.Org.ID, 30, false},
			{"kindergarten in the south", south.ID, kg, n.kgSouth.Org.ID, 30, false},
			{"job in the north: the municipality's rule", north.ID, job, n.employment.Org.ID, 14, true},
			{"job in the south: the network's rule, no such agency there", south.ID, job, 0, 10, false},
		} {
			org, days, err := s.ProposeAgency(n.curator, c.family, c.typ)
			if err != nil || org != c.org || days != c.days {
				t.Errorf("%s: proposed %d, %d days (%v); want %d, %d", c.name, org, days, err, c.org, c.days)
			}
			may, err := s.CuratorMayAssign(n.curator, c.family, c.typ)
			if err != nil || may != c.mayAssig {
				t.Errorf("%s: curator may assign %v (%v)", c.name, may, err)
			}
		}
		other := taskTypeByKey(t, s, n.curator, "legal_help")
		if org, days, err := s.ProposeAgency(n.curator, north.ID, other); err != nil || org != 0 || days != 0 {
			t.Errorf("no rule: %d %d %v", org, days, err)
		}

		// A second rule for the same subject and territory is refused;
		// only the network administrator edits the procedure.
		dup := &opora.ProcedureRule{TerritoryID: n.north, TaskTypeKey: "job_search", AgencyType: opora.OrgSocialService}
		if fe := opora.FieldErrors(s.SaveProcedureRule(n.net.Ctx(), dup)); fe["task_type_key"] != "procedure.error.duplicate" {
			t.Errorf("duplicate rule: %v", fe)
		}
		if err := s.SaveProcedureRule(n.secretary, &opora.ProcedureRule{TaskTypeKey: "tutor", AgencyType: opora.OrgSchool}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the secretary edits the procedure: %v", err)
		}
		rules, err := s.ProcedureRules(n.net.Ctx())
		if err != nil || len(rules) != 3 || rules[0].TerritoryID != 0 || rules[2].TerritoryName != "Северный район" {
			t.Fatalf("rules: %v %+v", err, rules)
		}
	})
}

func (n *councilNet) council(t *testing.T, s *store.Store) (*opora.Council, *opora.CouncilMeeting) {
	t.Helper()
	c := &opora.Council{Name: "Консилиум Северного района", TerritoryID: n.north, Weekday: time.Tuesday, Weeks: []int{2, 4},
		StartsAt: "10:00", Place: "каб. 5"}
	if err := s.SaveCouncil(n.secretary, c); err != nil {
		t.Fatal(err)
	}
	if added, err := s.PlanMeetings(n.secretary, c.ID); err != nil || added < 3 {
		t.Fatalf("plan meetings: %d %v", added, err)
	}
	ms, err := s.CouncilMeetings(n.secretary, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := ms[len(ms)-1] // the earliest
	return c, m
}

// The schedule "every 2nd and 4th Tuesday" plans those days and no other;
// planning again adds nothing.
func TestCouncilSchedule(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		s.Now = func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.Local) }
		n := newCouncilNet(t, s)
		c, _ := n.council(t, s)
		ms, err := s.CouncilMeetings(n.secretary, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, m := range ms {
			days = append([]string{m.HeldOn.String()}, days...)
		}
		// March 2026: Tuesdays 3, 10, 17, 24, 31; April: 7, 14, 21, 28.
		if got := strings.Join(days, " "); got != "2026-03-10 2026-03-24 2026-04-14 2026-04-28" {
			t.Errorf("meetings: %s", got)
		}
		if added, err := s.PlanMeetings(n.secretary, c.ID); err != nil || added != 0 {
			t.Errorf("planned again: %d %v", added, err)
		}
	})
}

// Members are agencies of the network and their people: a login or an
// organisation the network does not know is refused on its field; the
// council of another municipality's КДН is not found; a school's head
// may not run councils.
func TestCouncilMembersAndAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		c, m := n.council(t, s)
		if err := s.AddCouncilMember(n.secretary, c.ID, n.kcson.Org.ID, "", "директор"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddCouncilMember(n.secretary, c.ID, 0, "curator", ""); err != nil {
			t.Fatal(err)
		}
		if fe := opora.FieldErrors(s.AddCouncilMember(n.secretary, c.ID, 0, "nobody-here", "")); fe["login"] != "council.error.not_in_network" {
			t.Errorf("unknown person: %v", fe)
		}
		if fe := opora.FieldErrors(s.AddCouncilMember(n.secretary, c.ID, 999999, "", "")); fe["organisation_id"] != "council.error.not_in_network" {
			t.Errorf("unknown organisation: %v", fe)
		}
		got, err := s.Council(n.secretary, c.ID)
		if err != nil || len(got.Members) != 2 {
			t.Fatalf("members: %v %+v", err, got)
		}
		var curatorMember int64
		for _, mem := range got.Members {
			if mem.UserName != "" {
				curatorMember = mem.ID
				if mem.OrganisationID != n.kcson.Org.ID {
					t.Errorf("the curator sits for %d", mem.OrganisationID)
				}
			}
		}
		// Attendance and the resolution.
		m.ResolutionNumber = "12/3"
		if err := s.SaveMeeting(n.secretary, m, []int64{curatorMember}); err != nil {
			t.Fatal(err)
		}
		stale := *m
		stale.Version = 1
		if err := s.SaveMeeting(n.secretary, &stale, nil); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("stale meeting: %v", err)
		}
		_, got2, err := s.CouncilMeeting(n.secretary, c.ID, m.ID)
		if err != nil || got2.Status != opora.MeetingHeld || got2.ResolutionNumber != "12/3" || !got2.ResolutionDate.Equal(m.HeldOn) {
			t.Fatalf("meeting: %v %+v", err, got2)
		}
		// Another municipality's КДН and a school's head.
		if _, err := s.Council(n.southSecCtx, c.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the southern КДН reaches the northern council: %v", err)
		}
		school := storetest.AddAgencyIn(t, s, n.net.Ctx(), "Школа № 1", opora.OrgSchool, n.north)
		_, head := school.AddUser(t, "school-head", "agency_head")
		if _, err := s.Councils(head); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a school's head lists councils: %v", err)
		}
	})
}

// The agenda of a hand-built municipality: a new draft plan, a review due,
// an overdue task, a returned task, a worsened assessment are on it; a
// quiet family and a family of the other municipality are not.
func TestCouncilAgenda(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		c, m := n.council(t, s)
		db := storetest.RawDB(t, s)
		kg := taskTypeByKey(t, s, n.curator, "kindergarten_place")
		draft := n.family(t, s, "Draftов", n.north)
		if err := s.SaveDraftTask(n.curator, &opora.DraftTask{FamilyID: draft.ID, TypeID: kg, What: "Место в саду"}); err != nil {
			t.Fatal(err)
		}
		review := n.family(t, s, "Reviewов", n.north)
		if _, err := db.Exec(`UPDATE families SET next_review_on = $1 WHERE id = $2`, m.HeldOn.AddDays(-1), review.ID); err != nil {
			t.Fatal(err)
		}
		overdue := n.family(t, s, "Overdueов", n.north)
		returned := n.family(t, s, "Returnов", n.north)
		for _, f := range []*opora.Family{overdue, returned} {
			task := &opora.Task{TypeID: kg, ResponsibleOrg: n.kgNorth.Org.ID, DueOn: s.Today().AddDays(5)}
			if err := s.AddFamilyTask(n.curator, f.ID, task); err != nil {
				t.Fatal(err)
			}
			q := `UPDATE case_tasks SET start_on = $1, due_on = $1 WHERE id = $2`
			arg := any(m.HeldOn.AddDays(-20))
			if f == returned {
				q, arg = `UPDATE case_tasks SET status = $1 WHERE id = $2`, "returned"
			}
			if _, err := db.Exec(q, arg, task.ID); err != nil {
				t.Fatal(err)
			}
		}
		worse := n.family(t, s, "Worseов", n.north)
		for i, score := range []int{1, 2} {
			x := blankDefault(t, s, n.curator, worse.ID)
			x.AssessedOn = s.Today().AddDays(-30 + i*20)
			x.Answers = answersByScore(t, x.Def, nil, score)
			if err := s.SaveAssessment(n.curator, x, true); err != nil {
				t.Fatal(err)
			}
		}
		quiet := n.family(t, s, "Quietов", n.north)
		southern := n.family(t, s, "Southов", n.south)
		if err := s.SaveDraftTask(n.curator, &opora.DraftTask{FamilyID: southern.ID, TypeID: kg, What: "Место в саду"}); err != nil {
			t.Fatal(err)
		}

		items, err := s.Agenda(n.secretary, c.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64][]string{}
		for _, it := range items {
			got[it.Family.ID] = it.Reasons()
			if it.Family.Name == "" {
				t.Errorf("agenda family %d has no name", it.Family.ID)
			}
		}
		want := map[int64]string{draft.ID: "council.reason.draft", review.ID: "council.reason.review",
			overdue.ID: "council.reason.overdue", returned.ID: "council.reason.returned", worse.ID: "council.reason.worsened"}
		for id, reason := range want {
			if strings.Join(got[id], ",") != reason {
				t.Errorf("family %d: reasons %v, want %s", id, got[id], reason)
			}
		}
		for _, f := range []*opora.Family{quiet, southern} {
			if _, ok := got[f.ID]; ok {
				t.Errorf("family %d is on the agenda: %v", f.ID, got[f.ID])
			}
		}
		if len(items) != len(want) {
			t.Errorf("agenda has %d families, want %d", len(items), len(want))
		}
		// Once the council decided about the worsened family, the same
		// assessments no longer put it on the next meeting's agenda.
		if err := s.CouncilNextReview(n.secretary, c.ID, m.ID, worse.ID, m.HeldOn.AddDays(90)); err != nil {
			t.Fatal(err)
		}
		ms, err := s.CouncilMeetings(n.secretary, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		next := ms[len(ms)-2]
		items, err = s.Agenda(n.secretary, c.ID, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Family.ID == worse.ID {
				t.Errorf("the worsened family is again on the next agenda: %v", it.Reasons())
			}
		}
	})
}

// Approving a plan at the council: each draft task goes to the agency the
// procedure proposes, or to another with the reason kept; the tasks land
// in the agencies' queues with grants; a past deadline is refused and an
// agency of the other municipality is warned, nothing written; a family
// not on the agenda gets a decision marked so; the minutes list it all.
func TestCouncilApprovesPlan(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		n.rule(t, s, &opora.ProcedureRule{TaskTypeKey: "kindergarten_place", AgencyType: opora.OrgKindergarten, DueDays: 30})
		n.rule(t, s, &opora.ProcedureRule{TaskTypeKey: "job_search", AgencyType: opora.OrgEmployment, DueDays: 14})
		c, m := n.council(t, s)
		f := n.family(t, s, "Иванов", n.north)
		kg := taskTypeByKey(t, s, n.curator, "kindergarten_place")
		job := taskTypeByKey(t, s, n.curator, "job_search")
		kgDraft := &opora.DraftTask{FamilyID: f.ID, TypeID: kg, What: "Найти место в детском саду для младшего"}
		jobDraft := &opora.DraftTask{FamilyID: f.ID, TypeID: job, What: "Подобрать вакансии для родителей"}
		for _, d := range []*opora.DraftTask{kgDraft, jobDraft} {
			if err := s.SaveDraftTask(n.curator, d); err != nil {
				t.Fatal(err)
			}
		}
		view, err := s.FamilyAtCouncil(n.secretary, c.ID, m.ID, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !view.OnAgenda || len(view.Drafts) != 2 || view.Proposals[kgDraft.ID].OrgID != n.kgNorth.Org.ID ||
			view.Proposals[jobDraft.ID].OrgID != n.employment.Org.ID {
			t.Fatalf("council view: on agenda %v, %d drafts, proposals %+v %+v", view.OnAgenda, len(view.Drafts),
				view.Proposals[kgDraft.ID], view.Proposals[jobDraft.ID])
		}
		due := s.Today().AddDays(30)
		// Bad input: a deadline in the past; the other municipality's
		// kindergarten unconfirmed; another agency with no reason.
		bad := []*opora.CouncilTask{
			{DraftID: kgDraft.ID, OrgID: n.kgSouth.Org.ID, Reason: "ближе к работе матери", DueOn: due},
			{DraftID: jobDraft.ID, OrgID: n.kcson.Org.ID, DueOn: s.Today().AddDays(-1)},
		}
		_, err = s.ApprovePlan(n.secretary, c.ID, m.ID, f.ID, bad)
		fe := opora.FieldErrors(err)
		kgf, jobf := "tasks."+strconv.FormatInt(kgDraft.ID, 10)+".", "tasks."+strconv.FormatInt(jobDraft.ID, 10)+"."
		if fe[kgf+"org"] != "council.warn.other_municipality" || fe[jobf+"due_on"] != "tasks.error.due_in_past" ||
			fe[jobf+"reason"] != "council.error.reason_required" {
			t.Fatalf("bad approval: %v", fe)
		}
		if tasks, _ := s.FamilyTasks(n.secretary, f.ID); len(tasks) != 0 {
			t.Fatalf("a refused approval wrote %d tasks", len(tasks))
		}
		// The council keeps the kindergarten proposed and gives the jobs to
		// the КЦСОН instead, with the reason.
		ok := []*opora.CouncilTask{
			{DraftID: kgDraft.ID, DueOn: due},
			{DraftID: jobDraft.ID, OrgID: n.kcson.Org.ID, Reason: "Центр занятости закрыт на ремонт", DueOn: s.Today().AddDays(14)},
		}
		d, err := s.ApprovePlan(n.secretary, c.ID, m.ID, f.ID, ok)
		if err != nil {
			t.Fatal(err)
		}
		if !d.OnAgenda || len(d.Tasks) != 2 {
			t.Fatalf("decision: %+v", d)
		}
		tasks, err := s.FamilyTasks(n.secretary, f.ID)
		if err != nil || len(tasks) != 2 {
			t.Fatalf("family tasks: %v %d", err, len(tasks))
		}
		byOrg := map[int64]*opora.Task{}
		for _, x := range tasks {
			byOrg[x.ResponsibleOrg] = x
		}
		if x := byOrg[n.kgNorth.Org.ID]; x == nil || x.Status != opora.TaskPlanned || x.DueOn != due {
			t.Errorf("kindergarten's task: %+v", x)
		}
		// In the kindergarten's queue: its head reaches the task and the family.
		_, kgHead := n.kgNorth.AddUser(t, "kg-head", "agency_head")
		if got, err := s.FamilyTask(kgHead, byOrg[n.kgNorth.Org.ID].ID); err != nil || got.Description != kgDraft.What {
			t.Errorf("kindergarten's queue: %v %+v", err, got)
		}
		if _, err := s.Family(kgHead, f.ID); err != nil {
			t.Errorf("the kindergarten has no grant of the family: %v", err)
		}
		plan, err := s.FamilyDraftPlan(n.curator, f.ID)
		if err != nil || len(plan.Tasks) != 0 {
			t.Errorf("the draft plan still has %d tasks (%v)", len(plan.Tasks), err)
		}

		// A family not on the agenda: allowed, marked.
		quiet := n.family(t, s, "Сидоров", n.north)
		if err := s.CouncilNextReview(n.secretary, c.ID, m.ID, quiet.ID, s.Today().AddDays(-1)); opora.FieldErrors(err)["next_review_on"] == "" {
			t.Errorf("review date in the past: %v", err)
		}
		if err := s.CouncilNextReview(n.secretary, c.ID, m.ID, quiet.ID, s.Today().AddDays(90)); err != nil {
			t.Fatal(err)
		}
		// The returned kindergarten task goes to the other kindergarten, confirmed.
		kgTask := byOrg[n.kgNorth.Org.ID]
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE case_tasks SET status = 'returned', return_reason = 'not_competent' WHERE id = $1`, kgTask.ID); err != nil {
			t.Fatal(err)
		}
		re := &opora.CouncilTask{TaskID: kgTask.ID, OrgID: n.kgSouth.Org.ID, DueOn: s.Today().AddDays(20), Reason: "Свободные места только в Южном"}
		if _, err := s.ReassignTask(n.secretary, c.ID, m.ID, f.ID, re); opora.FieldErrors(err)["reassign."+strconv.FormatInt(kgTask.ID, 10)+".org"] != "council.warn.other_municipality" {
			t.Fatalf("reassign to the south unconfirmed: %v", err)
		}
		re.ConfirmOtherTerritory = true
		if _, err := s.ReassignTask(n.secretary, c.ID, m.ID, f.ID, re); err != nil {
			t.Fatal(err)
		}
		got, err := s.FamilyTask(n.secretary, kgTask.ID)
		if err != nil || got.ResponsibleOrg != n.kgSouth.Org.ID || got.Status != opora.TaskPlanned || got.ReturnReason != "" {
			t.Errorf("reassigned task: %v %+v", err, got)
		}
		statuses, err := s.FamilyStatuses(n.secretary)
		if err != nil {
			t.Fatal(err)
		}
		var tzs int64
		for _, st := range statuses {
			if st.Key == "tzs" {
				tzs = st.ID
			}
		}
		if err := s.CouncilFamilyStatus(n.secretary, c.ID, m.ID, f.ID, tzs); err != nil {
			t.Fatal(err)
		}

		// The minutes: the resolution, every decision, the unlisted family marked.
		m.ResolutionNumber = "7-КДН"
		if err := s.SaveMeeting(n.secretary, m, nil); err != nil {
			t.Fatal(err)
		}
		min, err := s.CouncilMinutes(n.secretary, c.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if min.Meeting.ResolutionNumber != "7-КДН" || len(min.Decisions) != 4 {
			t.Fatalf("minutes: %+v, %d decisions", min.Meeting, len(min.Decisions))
		}
		kinds := []string{}
		for _, d := range min.Decisions {
			kinds = append(kinds, d.Kind)
			if d.FamilyID == quiet.ID && d.OnAgenda {
				t.Errorf("the unlisted family's decision is not marked")
			}
			if d.FamilyID == f.ID && !d.OnAgenda {
				t.Errorf("the listed family's %s is marked as off the agenda", d.Kind)
			}
		}
		if strings.Join(kinds, ",") != "approve_plan,review,reassign,status" {
			t.Errorf("decisions: %v", kinds)
		}
		reasons := []string{}
		for _, x := range min.Decisions[0].Tasks {
			reasons = append(reasons, x.Reason)
			if x.ProposedOrg == 0 {
				t.Errorf("a task without the proposal kept: %+v", x)
			}
		}
		if strings.Join(reasons, "|") != "|Центр занятости закрыт на ремонт" {
			t.Errorf("reasons kept: %q", reasons)
		}
		// The southern КДН reaches neither the meeting nor the family's screen.
		if _, err := s.FamilyAtCouncil(n.southSecCtx, c.ID, m.ID, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the southern КДН opens the northern meeting: %v", err)
		}
	})
}

// Closing the case at the council cancels the open tasks and records the outcome.
func TestCouncilClosesCase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		c, m := n.council(t, s)
		f := n.family(t, s, "Иванов", n.north)
		kg := taskTypeByKey(t, s, n.curator, "kindergarten_place")
		if err := s.AddFamilyTask(n.curator, f.ID, &opora.Task{TypeID: kg, ResponsibleOrg: n.kgNorth.Org.ID, DueOn: s.Today().AddDays(3)}); err != nil {
			t.Fatal(err)
		}
		if fe := opora.FieldErrors(s.CouncilCloseCase(n.secretary, c.ID, m.ID, f.ID, "", "")); fe["outcome"] == "" {
			t.Errorf("closing without an outcome: %v", fe)
		}
		if err := s.CouncilCloseCase(n.secretary, c.ID, m.ID, f.ID, opora.OutcomeDone, "Мать трудоустроена"); err != nil {
			t.Fatal(err)
		}
		tasks, err := s.FamilyTasks(n.secretary, f.ID)
		if err != nil || len(tasks) != 1 || tasks[0].Status != opora.TaskCancelled {
			t.Fatalf("tasks after closing: %v %+v", err, tasks)
		}
		k, err := s.FamilyCase(n.secretary, f.ID)
		if err != nil || k.Status != opora.CaseClosed {
			t.Errorf("the case after closing: %v %+v", err, k)
		}
	})
}

// The statuses offered for a family card — the council's "change the
// family's status" and the card's edit form — are those of the
// organisation holding the card, the ones CouncilFamilyStatus and
// SaveFamily check against. A card the КЦСОН opened and showed to the КДН:
// the КДН's secretary at the council is offered the КЦСОН's statuses
// (each accepted), not the КДН's own (refused as an invalid choice).
func TestCouncilFamilyStatusChoices(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newCouncilNet(t, s)
		f := &opora.Family{TerritoryID: n.north, Address: "ул. Садовая, 1", Members: []*opora.FamilyMember{
			{Client: familyPerson("Иванова", "Мария", "12.03.1988"), Role: opora.RoleMother}}}
		if err := s.CreateFamily(n.curator, f); err != nil {
			t.Fatal(err)
		}
		if f.OrganisationID != n.kcson.Org.ID {
			t.Fatalf("the card's organisation: %d, the КЦСОН is %d", f.OrganisationID, n.kcson.Org.ID)
		}
		if err := s.GrantFamily(n.curator, f.ID, n.kdn.Org.ID, opora.GrantKDN); err != nil {
			t.Fatal(err)
		}
		c, m := n.council(t, s)
		own, err := s.FamilyStatuses(n.secretary)
		if err != nil || len(own) == 0 {
			t.Fatalf("the КДН's own statuses: %v %d", err, len(own))
		}
		offered, err := s.FamilyStatusesOf(n.secretary, f.ID)
		if err != nil || len(offered) < 2 {
			t.Fatalf("statuses offered for the card: %v %d", err, len(offered))
		}
		cardOrg, err := s.FamilyStatuses(n.curator)
		if err != nil || len(cardOrg) != len(offered) {
			t.Errorf("the card's organisation lists %d statuses, %d offered (%v)", len(cardOrg), len(offered), err)
		}
		for _, it := range offered {
			if it.OrganisationID != f.OrganisationID {
				t.Errorf("offered status %d %q of organisation %d; the card is of %d", it.ID, it.Label, it.OrganisationID, f.OrganisationID)
			}
		}
		// The secretary's own dictionary is what the old page offered: refused.
		if err := s.CouncilFamilyStatus(n.secretary, c.ID, m.ID, f.ID, own[len(own)-1].ID); opora.FieldErrors(err)["status_id"] != "error.invalid_choice" {
			t.Errorf("the КДН's own status at the council: %v", err)
		}
		for _, it := range offered[1:] {
			if err := s.CouncilFamilyStatus(n.secretary, c.ID, m.ID, f.ID, it.ID); err != nil {
				t.Errorf("offered status %q refused: %v", it.Label, err)
			}
		}
		if got, err := s.Family(n.secretary, f.ID); err != nil || got.StatusID != offered[len(offered)-1].ID {
			t.Errorf("the family's status after the decisions: %v %+v", err, got)
		}
		// An organisation without the family is not told its statuses.
		if _, err := s.FamilyStatusesOf(n.kdnSouth.Ctx(), f.ID); err == nil {
			t.Error("another municipality's КДН reads the card's statuses")
		}
	})
}
