package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// accessNet is the family network with four more agencies, each with its head.
type accessNet struct {
	*familyNet
	agencies map[opora.OrgType]*storetest.Fixture
	heads    map[opora.OrgType]*opora.User
}

var matrixTypes = []opora.OrgType{opora.OrgKindergarten, opora.OrgPolice, opora.OrgHealth, opora.OrgSchool}

func newAccessNet(t *testing.T, s *store.Store) *accessNet {
	t.Helper()
	n := &accessNet{familyNet: newFamilyNet(t, s), agencies: map[opora.OrgType]*storetest.Fixture{},
		heads: map[opora.OrgType]*opora.User{}}
	n.agencies[opora.OrgSchool] = n.school
	n.agencies[opora.OrgKindergarten] = storetest.AddAgency(t, s, n.net.Ctx(), "Детский сад № 12", opora.OrgKindergarten)
	n.agencies[opora.OrgPolice] = storetest.AddAgency(t, s, n.net.Ctx(), "ПДН ОМВД", opora.OrgPolice)
	n.agencies[opora.OrgHealth] = storetest.AddAgency(t, s, n.net.Ctx(), "Детская поликлиника", opora.OrgHealth)
	for _, typ := range matrixTypes {
		n.heads[typ], _ = n.agencies[typ].AddUser(t, string(typ)+"-head", "agency_head")
	}
	return n
}

// fullFamily makes a curated family whose every section holds something:
// offence-related and health notes, a visit, the timeline, a draft task.
func fullFamily(t *testing.T, s *store.Store, n *familyNet) (*opora.Family, context.Context) {
	t.Helper()
	f, cur := curatedFamily(t, s, n)
	f.Offences, f.Health = "Отец на учёте ПДН: мелкое хулиганство", "Анна: задержка речевого развития"
	if err := s.UpdateFamily(cur, f); err != nil {
		t.Fatal(err)
	}
	got, err := s.Family(cur, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got, cur
}

// taskState is what an agency has had to do with the family.
type taskState string

const (
	taskOpen       taskState = "has a task"
	taskClosedLong taskState = "had a task, closed 40 days ago"
	taskClosedNow  taskState = "had a task, closed 5 days ago"
	taskNever      taskState = "never had a task"
)

// giveTasks gives each agency a task on the family in the state wanted.
func giveTasks(t *testing.T, s *store.Store, n *accessNet, cur context.Context, f *opora.Family, state taskState) {
	t.Helper()
	if state == taskNever {
		return
	}
	types, err := s.CaseDictionary(cur, opora.DictTaskType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("task types: %v", err)
	}
	db := storetest.RawDB(t, s)
	for _, typ := range matrixTypes {
		task := &opora.Task{TypeID: types[0].ID, Description: "Задача для " + string(typ),
			ResponsibleOrg: n.agencies[typ].Org.ID, DueOn: s.Today().AddDays(10)}
		if err := s.AddFamilyTask(cur, f.ID, task); err != nil {
			t.Fatal(err)
		}
		var closed time.Time
		switch state {
		case taskClosedLong:
			closed = s.Now().AddDate(0, 0, -40)
		case taskClosedNow:
			closed = s.Now().AddDate(0, 0, -5)
		default:
			continue
		}
		if _, err := db.Exec(`UPDATE case_tasks SET status = 'done', done_on = start_on, status_changed_at = $1 WHERE id = $2`,
			closed, task.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE subject_grants SET granted_at = $1 WHERE subject_id = $2 AND organisation_id = $3`,
			closed.AddDate(0, 0, -10), f.ID, n.agencies[typ].Org.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// visibleSections reads every section of the card as ctx's user and
// returns those that came back with their data.
func visibleSections(t *testing.T, s *store.Store, ctx context.Context, familyID int64) []opora.FamilySection {
	t.Helper()
	var out []opora.FamilySection
	f, err := s.Family(ctx, familyID)
	if err != nil {
		if !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("family: %v", err)
		}
		f = &opora.Family{}
	}
	readers := map[opora.FamilySection]func() bool{
		opora.SectionMembers:  func() bool { return len(f.Members) == 4 && f.Name != "" },
		opora.SectionAddress:  func() bool { return f.Address != "" && f.Housing != "" },
		opora.SectionIncome:   func() bool { return f.Income != "" },
		opora.SectionOffences: func() bool { return f.Offences != "" },
		opora.SectionHealth:   func() bool { return f.Health != "" },
		opora.SectionSignals:  func() bool { _, err := s.FamilySignals(ctx, familyID); return readable(t, err) },
		opora.SectionAssessments: func() bool {
			_, err := s.FamilyAssessments(ctx, familyID)
			return readable(t, err)
		},
		opora.SectionPlan: func() bool {
			_, err := s.FamilyTasks(ctx, familyID)
			_, err2 := s.FamilyDraftPlan(ctx, familyID)
			if readable(t, err) != readable(t, err2) {
				t.Errorf("the plan's tasks and draft disagree: %v / %v", err, err2)
			}
			return readable(t, err)
		},
		opora.SectionVisits:  func() bool { _, err := s.FamilyVisits(ctx, familyID); return readable(t, err) },
		opora.SectionHistory: func() bool { _, err := s.FamilyTimeline(ctx, familyID); return readable(t, err) },
	}
	for _, sec := range opora.FamilySections {
		if readers[sec]() {
			out = append(out, sec)
		}
	}
	return out
}

func readable(t *testing.T, err error) bool {
	t.Helper()
	if err != nil && !errors.Is(err, opora.ErrNotFound) {
		t.Fatalf("section read: %v", err)
	}
	return err == nil
}

// The need-to-know matrix (issue 21, item 6): agency type × card section ×
// what the agency had to do with the family → visible or not. An agency
// reads the sections its type is opened (the defaults: kindergarten and
// school the members and the plan, police also the address and the
// offence-related section, health the health section) while a task of its
// on the family is open or closed less than 30 days ago; otherwise
// nothing. The КДН and the curator read every section.
func TestFamilyAccessMatrix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newAccessNet(t, s)
		families := map[taskState]*opora.Family{}
		var cur context.Context
		for _, state := range []taskState{taskOpen, taskClosedLong, taskClosedNow, taskNever} {
			f, c := fullFamily(t, s, n.familyNet)
			cur = c
			giveTasks(t, s, n, cur, f, state)
			families[state] = f
		}
		if got := visibleSections(t, s, cur, families[taskOpen].ID); !slices.Equal(got, opora.FamilySections) {
			t.Errorf("the curator reads %v", got)
		}
		if got := visibleSections(t, s, n.secretary, families[taskNever].ID); !slices.Equal(got, opora.FamilySections) {
			t.Errorf("the КДН reads %v", got)
		}
		want := map[opora.OrgType][]opora.FamilySection{
			opora.OrgKindergarten: {opora.SectionMembers, opora.SectionPlan},
			opora.OrgSchool:       {opora.SectionMembers, opora.SectionPlan},
			opora.OrgPolice:       {opora.SectionMembers, opora.SectionAddress, opora.SectionPlan, opora.SectionOffences},
			opora.OrgHealth:       {opora.SectionMembers, opora.SectionPlan, opora.SectionHealth},
		}
		for _, typ := range matrixTypes {
			ctx := storetest.CtxOf(t, s, n.heads[typ].ID)
			for _, state := range []taskState{taskOpen, taskClosedLong, taskClosedNow, taskNever} {
				got := visibleSections(t, s, ctx, families[state].ID)
				for _, sec := range opora.FamilySections {
					wantVisible := (state == taskOpen || state == taskClosedNow) && slices.Contains(want[typ], sec)
					if slices.Contains(got, sec) != wantVisible {
						t.Errorf("%s, %s, section %s: visible %v, want %v", typ, state, sec, !wantVisible, wantVisible)
					}
				}
			}
		}
	})
}

// Access through a task ends: ExpireTaskGrants revokes the grants of the
// agencies whose tasks closed more than the set days ago (lists forget the
// family; the timeline says so), keeps the others and the curator's; the
// setting changes it.
func TestFamilyAccessExpires(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newAccessNet(t, s)
		long, cur := fullFamily(t, s, n.familyNet)
		giveTasks(t, s, n, cur, long, taskClosedLong)
		recent, _ := fullFamily(t, s, n.familyNet)
		giveTasks(t, s, n, cur, recent, taskClosedNow)
		police := storetest.CtxOf(t, s, n.heads[opora.OrgPolice].ID)
		if list, err := s.SearchFamilies(police, store.FamilySearch{Query: "Иванов"}); err != nil || len(list) != 2 {
			t.Fatalf("before the expiry the police's search finds %d: %v", len(list), err)
		}
		got, err := s.ExpireTaskGrants(context.Background())
		if err != nil || got != len(matrixTypes) {
			t.Fatalf("expired %d grants, want %d: %v", got, len(matrixTypes), err)
		}
		if again, err := s.ExpireTaskGrants(context.Background()); err != nil || again != 0 {
			t.Fatalf("a second run expired %d: %v", again, err)
		}
		police = storetest.CtxOf(t, s, n.heads[opora.OrgPolice].ID)
		list, err := s.SearchFamilies(police, store.FamilySearch{Query: "Иванов"})
		if err != nil || len(list) != 1 || list[0].ID != recent.ID {
			t.Fatalf("after the expiry the police finds %d families: %v", len(list), err)
		}
		if list[0].Address == "" || list[0].Income != "" || list[0].Health != "" || list[0].Offences == "" {
			t.Errorf("the police's list shows closed sections or hides open ones: %+v", list[0])
		}
		grants, err := s.FamilyGrants(n.secretary, long.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range grants {
			if g.Reason == opora.GrantTask {
				t.Errorf("a task grant survived: %+v", g)
			}
			if g.OrganisationID == n.kcson.Org.ID && g.Reason != opora.GrantCuratorOrg {
				t.Errorf("the curator's organisation lost its grant: %+v", g)
			}
		}
		events, err := s.FamilyTimeline(n.secretary, long.ID)
		if err != nil {
			t.Fatal(err)
		}
		expired := 0
		for _, e := range events {
			if e.Kind == opora.FamilyEventRevoke && len(e.Changes) == 1 && e.Changes[0].New == store.GrantTaskExpired {
				expired++
			}
		}
		if expired != len(matrixTypes) {
			t.Errorf("%d timeline lines of expired access, want %d", expired, len(matrixTypes))
		}
		// A longer setting would have kept them: the recent family's
		// police access stays, and 3 days shuts it.
		rules, err := s.FamilySectionRules(n.net.Ctx())
		if err != nil || rules.TaskAccessDays != opora.DefaultTaskAccessDays {
			t.Fatalf("rules: %v %+v", err, rules)
		}
		rules.TaskAccessDays = 3
		if err := s.SaveFamilySectionRules(n.net.Ctx(), rules); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Family(police, recent.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("with 3 days the police still reads the family closed 5 days ago: %v", err)
		}
	})
}

// A view of the card by another organisation is audit-logged with its
// reason and task, in its own log and in the holder's; an agency with a
// task writes nothing on the card and does not reach the members' client
// records.
func TestFamilyAccessAuditAndWrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newAccessNet(t, s)
		f, cur := fullFamily(t, s, n.familyNet)
		giveTasks(t, s, n, cur, f, taskOpen)
		police := storetest.CtxOf(t, s, n.heads[opora.OrgPolice].ID)
		got, err := s.Family(police, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		var taskID int64
		db := storetest.RawDB(t, s)
		if err := db.QueryRow(`SELECT id FROM case_tasks WHERE family_id = $1 AND responsible_org_id = $2`, f.ID,
			n.agencies[opora.OrgPolice].Org.ID).Scan(&taskID); err != nil {
			t.Fatal(err)
		}
		for _, org := range []int64{n.agencies[opora.OrgPolice].Org.ID, n.kdn.Org.ID} {
			var changes string
			if err := db.QueryRow(`SELECT changes FROM audit_log WHERE organisation_id = $1 AND action = 'view'
				AND entity = 'family' AND entity_id = $2 AND user_id = $3`, org, f.ID, n.heads[opora.OrgPolice].ID).Scan(&changes); err != nil {
				t.Fatalf("the view's audit row in organisation %d: %v", org, err)
			}
			if !strings.Contains(changes, `"access"`) || !strings.Contains(changes, `"task"`) || !strings.Contains(changes, `"`+idStr(taskID)+`"`) {
				t.Errorf("the view's audit row names no reason and task: %s", changes)
			}
		}
		got.Offences = "дописано полицией"
		if err := s.UpdateFamily(police, got); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the police edits the card: %v", err)
		}
		if _, err := s.Client(police, f.Members[0].ClientID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the police reads a member's client record: %v", err)
		}
		if _, err := s.FamilyGrants(police, f.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("the police reads who else reads the family: %v", err)
		}
	})
}

// The network administrator's table: the migration's defaults are
// opora.DefaultFamilySections; opening the health section to the
// kindergarten shows it at once; only admin.network edits it.
func TestFamilySectionRulesEdit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newAccessNet(t, s)
		rules, err := s.FamilySectionRules(n.net.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range opora.OrgTypes {
			if !slices.Equal(rules.Sections[typ], opora.DefaultFamilySections[typ]) {
				t.Errorf("%s: seeded %v, defaults %v", typ, rules.Sections[typ], opora.DefaultFamilySections[typ])
			}
		}
		f, cur := fullFamily(t, s, n.familyNet)
		giveTasks(t, s, n, cur, f, taskOpen)
		rules.Sections[opora.OrgKindergarten] = append(rules.Sections[opora.OrgKindergarten], opora.SectionHealth)
		if _, err := s.FamilySectionRules(n.secretary); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the КДН secretary reads the network's rules: %v", err)
		}
		if err := s.SaveFamilySectionRules(n.secretary, rules); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("the КДН secretary edits the network's rules: %v", err)
		}
		if err := s.SaveFamilySectionRules(n.net.Ctx(), rules); err != nil {
			t.Fatal(err)
		}
		kg := storetest.CtxOf(t, s, n.heads[opora.OrgKindergarten].ID)
		if got := visibleSections(t, s, kg, f.ID); !slices.Equal(got, []opora.FamilySection{opora.SectionMembers,
			opora.SectionPlan, opora.SectionHealth}) {
			t.Errorf("the kindergarten reads %v", got)
		}
		var n1 int
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'family_section_rules'
			AND action = 'update' AND changes LIKE '%sections.kindergarten%'`).Scan(&n1); err != nil || n1 != 1 {
			t.Errorf("audit rows of the change: %d %v", n1, err)
		}
		rules.TaskAccessDays = -1
		if fe := opora.FieldErrors(s.SaveFamilySectionRules(n.net.Ctx(), rules)); fe["task_access_days"] == "" {
			t.Errorf("negative days: %v", fe)
		}
	})
}
