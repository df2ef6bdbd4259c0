package store_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// shown is a count as a page shows it: "<5" when hidden.
func shown(c opora.Count) any {
	if c.Hidden {
		return "<5"
	}
	return c.N
}

func taskCells(r *opora.MonitorTaskRow) [4]any {
	return [4]any{shown(r.OnTime), shown(r.Late), shown(r.Overdue), shown(r.Returned)}
}

// The hand-counted region (storetest.MonitorFixture) in the КДН's view of
// its municipality (every number), in the agency head's view of the school
// (its own tasks only), and in the regional analyst's aggregated view
// (small numbers hidden, one more hidden beside a lone hidden one).
func TestMonitoringHandCounted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.NewMonitorFixture(t, s)

		// КДН А: municipality А (F1–F6), tasks by agency.
		m, err := s.Monitoring(storetest.CtxOf(t, s, fx.Secretary.ID), fx.Filter())
		if err != nil {
			t.Fatal(err)
		}
		if m.Scope.Level != opora.MonitorMunicipality || !m.ByAgency || len(m.Tasks) != 1 || m.Tasks[0].Label != "Школа А" {
			t.Fatalf("КДН А: scope %+v, rows %+v", m.Scope, m.Tasks)
		}
		if got, want := taskCells(m.Tasks[0]), [4]any{2, 1, 1, 1}; got != want {
			t.Errorf("КДН А, Школа А: tasks on time/late/overdue/returned %v, want %v", got, want)
		}
		if got, want := taskCells(m.TasksTotal), [4]any{2, 1, 1, 1}; got != want {
			t.Errorf("КДН А, total: %v, want %v", got, want)
		}
		wantSteps := []struct {
			days float64
			n    int
		}{{3, 5}, {7, 4}, {10, 4}, {162.5, 2}}
		for i, w := range wantSteps {
			if st := m.Steps[i]; st.Days != w.days || st.Families != w.n || st.Hidden {
				t.Errorf("КДН А, step %s: %v days over %d families (hidden %v), want %v over %d", st.Step, st.Days, st.Families,
					st.Hidden, w.days, w.n)
			}
		}
		r := m.Repeats
		if got, want := [5]any{shown(r.Families), shown(r.Within6), shown(r.From6To12), shown(r.None), shown(r.Within12)},
			[5]any{6, 2, 1, 3, 3}; got != want {
			t.Errorf("КДН А: repeats (families, ≤6, 6–12, none, ≤12) %v, want %v", got, want)
		}
		l := m.Levels
		if got, want := [4]any{shown(l.Families), shown(l.Improved), shown(l.Same), shown(l.Worsened)}, [4]any{4, 1, 2, 1}; got != want {
			t.Errorf("КДН А: levels (families, improved, same, worse) %v, want %v", got, want)
		}
		early, sop := statusColumn(t, m, "Ранние трудности"), statusColumn(t, m, "СОП (социально опасное положение)")
		last := m.Months[len(m.Months)-1]
		if last.Cells[early].N != 5 || last.Cells[sop].N != 1 || last.Total.N != 6 {
			t.Errorf("КДН А, this month: early %d, СОП %d, total %d; want 5, 1, 6", last.Cells[early].N, last.Cells[sop].N, last.Total.N)
		}
		mid := monthOf(t, m, fx.Today.AddDays(-150))
		if mid.Cells[early].N != 6 || mid.Cells[sop].N != 0 || mid.Total.N != 6 {
			t.Errorf("КДН А, the month of D−150: early %d, СОП %d; want 6, 0", mid.Cells[early].N, mid.Cells[sop].N)
		}
		if first := m.Months[0]; first.Total.N != 0 {
			t.Errorf("КДН А, the first month (before any family): %d families", first.Total.N)
		}

		// The regional analyst: the region, by municipality, aggregated.
		analyst := storetest.CtxOf(t, s, fx.Analyst.ID)
		m, err = s.Monitoring(analyst, fx.Filter())
		if err != nil {
			t.Fatal(err)
		}
		if m.Scope.Level != opora.MonitorRegion || m.ByAgency || len(m.Tasks) != 2 ||
			m.Tasks[0].Label != "Район А" || m.Tasks[1].Label != "Район Б" {
			t.Fatalf("analyst: scope %+v, rows %+v", m.Scope, m.Tasks)
		}
		for _, row := range append(m.Tasks, m.TasksTotal) {
			for _, c := range taskCells(row) {
				if c != "<5" && c != 0 {
					t.Errorf("analyst: %s shows a task count about fewer than 5 families: %v", row.Label, taskCells(row))
				}
			}
		}
		if m.TasksTotal.Late.N != 2 || m.Tasks[1].Late.N != 1 {
			t.Errorf("analyst: counted late %d (region) %d (Б), want 2 and 1 before hiding", m.TasksTotal.Late.N, m.Tasks[1].Late.N)
		}
		wantSteps = []struct {
			days float64
			n    int
		}{{2.5, 6}, {6, 5}, {10, 5}, {0, 0}}
		for i, w := range wantSteps[:3] {
			if st := m.Steps[i]; st.Days != w.days || st.Families != w.n || st.Hidden {
				t.Errorf("analyst, step %s: %v days over %d families (hidden %v), want %v over %d", st.Step, st.Days, st.Families,
					st.Hidden, w.days, w.n)
			}
		}
		if st := m.Steps[3]; !st.Hidden || st.Families != 3 {
			t.Errorf("analyst: the median of 3 families is shown: %+v", st)
		}
		r = m.Repeats
		if got, want := [5]any{shown(r.Families), shown(r.Within6), shown(r.From6To12), shown(r.None), shown(r.Within12)},
			[5]any{7, "<5", "<5", "<5", "<5"}; got != want {
			t.Errorf("analyst: repeats %v, want %v", got, want)
		}
		l = m.Levels
		if got, want := [4]any{shown(l.Families), shown(l.Improved), shown(l.Same), shown(l.Worsened)},
			[4]any{5, "<5", "<5", "<5"}; got != want {
			t.Errorf("analyst: levels %v, want %v", got, want)
		}
		// This month: early 5 (shown alone it would give СОП 2 = 7 − 5),
		// so it is hidden too; the total stays.
		early, sop = statusColumn(t, m, "Ранние трудности"), statusColumn(t, m, "СОП (социально опасное положение)")
		last = m.Months[len(m.Months)-1]
		if got, want := [3]any{shown(last.Cells[early]), shown(last.Cells[sop]), shown(last.Total)}, [3]any{"<5", "<5", 7}; got != want {
			t.Errorf("analyst, this month: early, СОП, total %v, want %v", got, want)
		}

		// The analyst narrows to municipality А: its agencies.
		flt := fx.Filter()
		flt.TerritoryID = fx.MunA
		if m, err = s.Monitoring(analyst, flt); err != nil || !m.ByAgency || len(m.Tasks) != 1 || m.Tasks[0].Label != "Школа А" ||
			m.Repeats.Families.N != 6 {
			t.Fatalf("analyst, municipality А: %v %+v", err, m)
		}
		flt.AgencyID = fx.SchoolB.Org.ID // not an agency of А
		if _, err := s.Monitoring(analyst, flt); opora.FieldErrors(err)["agency"] == "" {
			t.Errorf("analyst: an agency of another municipality: %v", err)
		}

		// The school's head: the school's tasks and families only.
		m, err = s.Monitoring(storetest.CtxOf(t, s, fx.HeadB.ID), fx.Filter())
		if err != nil {
			t.Fatal(err)
		}
		if m.Scope.Level != opora.MonitorAgency || len(m.Tasks) != 1 || m.Tasks[0].Label != "Школа Б" {
			t.Fatalf("school Б: %+v %+v", m.Scope, m.Tasks)
		}
		if got, want := taskCells(m.TasksTotal), [4]any{0, 1, 0, 0}; got != want {
			t.Errorf("school Б: tasks %v, want %v", got, want)
		}
		if m.Repeats.Families.N != 1 || m.Levels.Improved.N != 1 || m.Steps[0].Families != 1 {
			t.Errorf("school Б: families beyond its own: repeats %+v levels %+v steps %+v", m.Repeats, m.Levels, m.Steps)
		}
		flt = fx.Filter()
		flt.AgencyID = fx.SchoolA.Org.ID
		if _, err := s.Monitoring(storetest.CtxOf(t, s, fx.HeadB.ID), flt); opora.FieldErrors(err)["agency"] == "" {
			t.Errorf("school Б asks for school А: %v", err)
		}
		m, err = s.Monitoring(storetest.CtxOf(t, s, fx.HeadA.ID), fx.Filter())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := taskCells(m.TasksTotal), [4]any{2, 1, 1, 1}; got != want || m.Repeats.Families.N != 6 {
			t.Errorf("school А: tasks %v (want %v), families with signals %d (want 6)", got, want, m.Repeats.Families.N)
		}

		// A specialist has no report.run.
		if _, err := s.Monitoring(storetest.CtxOf(t, s, fx.Specialist.ID), fx.Filter()); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("specialist: %v", err)
		}

		// The whole region with no territory named (a ministry without one)
		// takes another path — no join to families, the merged ones tested
		// apart: it counts the same as the region's view through the join,
		// a family merged away left out by both.
		db := storetest.RawDB(t, s)
		if _, err := db.Exec(`UPDATE families SET merged_into = $1 WHERE id = $2`, fx.Families[1], fx.Families[0]); err != nil {
			t.Fatal(err)
		}
		joined, err := s.Monitoring(analyst, fx.Filter())
		if err != nil {
			t.Fatal(err)
		}
		if joined.Repeats.Families.N >= 7 {
			t.Errorf("the merged family still counts among the families with signals: %+v", joined.Repeats)
		}
		if _, err := db.Exec(`UPDATE organisations SET territory_id = NULL WHERE id = $1`, fx.Ministry.Org.ID); err != nil {
			t.Fatal(err)
		}
		whole, err := s.Monitoring(analyst, fx.Filter())
		if err != nil {
			t.Fatal(err)
		}
		if whole.Scope.Level != opora.MonitorRegion || whole.Scope.TerritoryID != 0 {
			t.Fatalf("the ministry without a territory: scope %+v", whole.Scope)
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{{"repeats", whole.Repeats, joined.Repeats}, {"levels", whole.Levels, joined.Levels}, {"steps", whole.Steps, joined.Steps},
			{"statuses", whole.Statuses, joined.Statuses}, {"months", whole.Months, joined.Months}, {"tasks", whole.TasksTotal, joined.TasksTotal}} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("the region without a territory, %s: %+v, through the join %+v", c.name, c.got, c.want)
			}
		}
	})
}

func statusColumn(t *testing.T, m *opora.Monitoring, label string) int {
	t.Helper()
	for i, l := range m.Statuses {
		if l == label {
			return i
		}
	}
	t.Fatalf("no status %q in %q", label, m.Statuses)
	return 0
}

func monthOf(t *testing.T, m *opora.Monitoring, d opora.Date) *opora.MonitorMonth {
	t.Helper()
	for _, mo := range m.Months {
		if mo.Month.Year() == d.Year() && mo.Month.Month() == d.Month() {
			return mo
		}
	}
	t.Fatalf("no month of %s", d)
	return nil
}
