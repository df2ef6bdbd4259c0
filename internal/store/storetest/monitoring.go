package storetest

import (
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// MonitorFixture is a small region counted by hand for the monitoring
// (issue 21 item 8): the region "Область" with the municipalities А
// (families F1–F6) and Б (F7), written straight into the tables with
// times counted back from today (D−n: n days before today, midnight UTC),
// the period D−300 … today. What every number should be is in the tests
// that use it (store/monitoring_test.go, web/monitoring_test.go); the
// fixture in short:
//
//	family  signals (D−n)        triage curator plan  tasks (school А unless said)                  assessments
//	F1 А    250 (+2), 150        248    240     230   T1 done on time D−60; T2 done late D−30         40 Высокий → 15 Средний
//	F2 А    200 (+1), 20         199    190     180   T3 done on time D−25                            15 Средний → 45 Высокий
//	F3 А    150                  146    140     120   T4 in progress, due D−5 (overdue)               20 Средний → 18 Средний
//	F4 А    100, 99 duplicate    97     —       95    T5 returned D−10                                5 Низкий → 6 Низкий
//	F5 А    90                   85     80      70    T6 planned, due D+10                            one only
//	F6 А    400, 50              —      —       420   T7 done late D−400 (before the period)          both before the period
//	F7 Б    60                   59     55      50    T8 school Б, done late D−20                     50 Высокий → 20 Средний
//
// Statuses: every family "Ранние трудности" from D−200, but F7 "СОП"
// from D−200 and F6 "СОП" from D−100.
type MonitorFixture struct {
	Net                      *Fixture
	Region, MunA, MunB       int64
	Ministry, KDNA, KCSONA   *Fixture
	SchoolA, SchoolB         *Fixture
	Analyst, Secretary       *opora.User // the ministry's regional analyst, КДН А's secretary
	HeadA, HeadB, Specialist *opora.User // the schools' heads, school А's specialist (no report.run)
	Families                 [7]int64
	Today                    opora.Date
}

// Filter is the fixture's period with nothing else chosen.
func (m *MonitorFixture) Filter() opora.MonitorFilter {
	return opora.MonitorFilter{From: m.Today.AddDays(-300), To: m.Today}
}

// NewMonitorFixture builds the region on s.
func NewMonitorFixture(t testing.TB, s *store.Store) *MonitorFixture {
	t.Helper()
	m := &MonitorFixture{Net: SetupOrg(t, s, "Сеть"), Today: s.Today()}
	ctx := m.Net.Ctx()
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := s.SaveTerritory(ctx, region); err != nil {
		t.Fatal(err)
	}
	munA := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Район А"}
	munB := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Район Б"}
	for _, x := range []*opora.Territory{munA, munB} {
		if err := s.SaveTerritory(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	m.Region, m.MunA, m.MunB = region.ID, munA.ID, munB.ID
	m.Ministry = AddAgencyIn(t, s, ctx, "Министерство", opora.OrgSocialProtection, region.ID)
	m.KDNA = AddAgencyIn(t, s, ctx, "КДН А", opora.OrgKDN, munA.ID)
	kdnB := AddAgencyIn(t, s, ctx, "КДН Б", opora.OrgKDN, munB.ID)
	m.KCSONA = AddAgencyIn(t, s, ctx, "КЦСОН А", opora.OrgSocialService, munA.ID)
	m.SchoolA = AddAgencyIn(t, s, ctx, "Школа А", opora.OrgSchool, munA.ID)
	m.SchoolB = AddAgencyIn(t, s, ctx, "Школа Б", opora.OrgSchool, munB.ID)
	m.Analyst, _ = m.Ministry.AddUser(t, "analyst", "regional_analyst")
	m.Secretary, _ = m.KDNA.AddUser(t, "kdn-a", "kdn_secretary")
	m.HeadA, _ = m.SchoolA.AddUser(t, "school-a", "agency_head")
	m.HeadB, _ = m.SchoolB.AddUser(t, "school-b", "agency_head")
	m.Specialist, _ = m.SchoolA.AddUser(t, "teacher-a", "agency_specialist")
	curator, _ := m.KCSONA.AddUser(t, "curator-a", "curator")

	db := RawDB(t, s)
	day := m.Today.Time() // midnight UTC
	ago := func(n int) time.Time { return day.AddDate(0, 0, -n) }
	id := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := db.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
			t.Fatalf("monitor fixture: %s: %v", q, err)
		}
		return id
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("monitor fixture: %s: %v", q, err)
		}
	}
	var caseType, taskType, formID int64
	if err := db.QueryRow(`SELECT id FROM dictionary_items WHERE organisation_id = $1 ORDER BY id LIMIT 1`,
		m.KCSONA.Org.ID).Scan(&caseType); err != nil {
		t.Fatal(err)
	}
	taskType = caseType
	if err := db.QueryRow(`SELECT id FROM forms WHERE organisation_id = $1 AND kind = 'assessment' ORDER BY id LIMIT 1`,
		m.KCSONA.Org.ID).Scan(&formID); err != nil {
		t.Fatal(err)
	}
	const early, sop = "Ранние трудности", "СОП (социально опасное положение)"
	type sig struct {
		at, triage int
		dup        bool
	}
	type task struct {
		created, due, done int // done −1: not done
		status             string
		school             *Fixture
		changed            int
	}
	type assessment struct {
		at, total int
		level     string
	}
	type fam struct {
		mun             int64
		kdn             *Fixture
		signals         []sig
		curator, plan   int // −1: none
		tasks           []task
		assessments     []assessment
		status          string
		statusAt, sopAt int
	}
	none := -1
	fams := []fam{
		{munA.ID, m.KDNA, []sig{{250, 248, false}, {150, 149, false}}, 240, 230,
			[]task{{230, 50, 60, "done", m.SchoolA, 60}, {225, 40, 30, "done", m.SchoolA, 30}},
			[]assessment{{200, 40, "Высокий"}, {50, 15, "Средний"}}, early, 200, none},
		{munA.ID, m.KDNA, []sig{{200, 199, false}, {20, 19, false}}, 190, 180,
			[]task{{180, 20, 25, "done", m.SchoolA, 25}},
			[]assessment{{150, 15, "Средний"}, {40, 45, "Высокий"}}, early, 200, none},
		{munA.ID, m.KDNA, []sig{{150, 146, false}}, 140, 120,
			[]task{{120, 5, none, "in_progress", m.SchoolA, 100}},
			[]assessment{{130, 20, "Средний"}, {30, 18, "Средний"}}, early, 200, none},
		{munA.ID, m.KDNA, []sig{{100, 97, false}, {99, 98, true}}, none, 95,
			[]task{{95, 0, none, "returned", m.SchoolA, 10}},
			[]assessment{{90, 5, "Низкий"}, {20, 6, "Низкий"}}, early, 200, none},
		{munA.ID, m.KDNA, []sig{{90, 85, false}}, 80, 70,
			[]task{{70, -10, none, "planned", m.SchoolA, 70}},
			[]assessment{{60, 30, "Средний"}}, early, 200, none},
		{munA.ID, m.KDNA, []sig{{400, 399, false}, {50, 49, false}}, none, 420,
			[]task{{420, 410, 400, "done", m.SchoolA, 400}},
			[]assessment{{500, 30, "Средний"}, {350, 50, "Высокий"}}, early, 200, 100},
		{munB.ID, kdnB, []sig{{60, 59, false}}, 55, 50,
			[]task{{50, 30, 20, "done", m.SchoolB, 20}},
			[]assessment{{100, 50, "Высокий"}, {10, 20, "Средний"}}, sop, 200, none},
	}
	for i, f := range fams {
		created := ago(f.statusAt)
		if len(f.signals) > 0 && f.signals[0].at > f.statusAt {
			created = ago(f.signals[0].at)
		}
		fid := id(`INSERT INTO families (organisation_id, territory_id, curator_org_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5)`, f.kdn.Org.ID, f.mun, m.KCSONA.Org.ID, created, created)
		m.Families[i] = fid
		exec(`INSERT INTO family_events (family_id, organisation_id, at, kind, summary, changes) VALUES ($1, $2, $3, 'created', $4, '')`,
			fid, f.kdn.Org.ID, ago(f.statusAt), f.status)
		if f.sopAt != none {
			exec(`INSERT INTO family_events (family_id, organisation_id, at, kind, summary, changes) VALUES ($1, $2, $3, 'status', $4, '')`,
				fid, f.kdn.Org.ID, ago(f.sopAt), sop)
		}
		for _, sg := range f.signals {
			status, reason := "accepted", ""
			if sg.dup {
				status, reason = "closed", "duplicate"
			}
			exec(`INSERT INTO signals (organisation_id, territory_id, reporter_kind, received_at, channel, urgency, due_at,
				status, family_id, close_reason, triaged_at, created_at)
				VALUES ($1, $2, 'person', $3, 'phone', 'ordinary', $4, $5, $6, $7, $8, $9)`,
				f.kdn.Org.ID, f.mun, ago(sg.at), ago(sg.at-1), status, fid, reason, ago(sg.triage), ago(sg.at))
		}
		if f.curator != none {
			exec(`INSERT INTO family_curators (family_id, curator_id, organisation_id, assigned_at, from_on) VALUES ($1, $2, $3, $4, $5)`,
				fid, curator.ID, m.KCSONA.Org.ID, ago(f.curator), opora.DateOf(ago(f.curator)))
		}
		caseID := id(`INSERT INTO cases (organisation_id, subject_type, subject_id, type_id, curator_id, opened_on, created_at, updated_at)
			VALUES ($1, 'family', $2, $3, $4, $5, $6, $7)`, m.KCSONA.Org.ID, fid, caseType, curator.ID,
			opora.DateOf(ago(f.plan)), ago(f.plan), ago(f.plan))
		for _, tk := range f.tasks {
			var done any
			if tk.done != none {
				done = opora.DateOf(ago(tk.done))
			}
			exec(`INSERT INTO case_tasks (organisation_id, case_id, family_id, type_id, responsible_org_id, start_on, due_on,
				done_on, status, status_changed_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				m.KCSONA.Org.ID, caseID, fid, taskType, tk.school.Org.ID, opora.DateOf(ago(tk.created)),
				opora.DateOf(ago(tk.due)), done, tk.status, ago(tk.changed), ago(tk.created), ago(tk.created))
		}
		for _, x := range f.assessments {
			exec(`INSERT INTO family_assessments (organisation_id, family_id, form_id, status, assessed_on, total_score,
				level_label, created_at, updated_at) VALUES ($1, $2, $3, 'completed', $4, $5, $6, $7, $8)`,
				m.KCSONA.Org.ID, fid, formID, opora.DateOf(ago(x.at)), x.total, x.level, ago(x.at), ago(x.at))
		}
	}
	return m
}
