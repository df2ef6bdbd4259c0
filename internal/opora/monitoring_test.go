package opora

import "testing"

// The region's view hides numbers about 1–4 families, and beside a lone
// hidden number of a group shown with its total, the smallest other one.
func TestMonitoringSuppress(t *testing.T) {
	row := func(label string, onTime, fams int) *MonitorTaskRow {
		return &MonitorTaskRow{Label: label, OnTime: Count{N: onTime, Families: fams}}
	}
	m := &Monitoring{Scope: MonitorScope{Level: MonitorRegion},
		Tasks:      []*MonitorTaskRow{row("А", 12, 9), row("Б", 3, 2), row("В", 7, 6), row("Г", 20, 15)},
		TasksTotal: row("", 42, 32),
		Repeats: MonitorRepeats{Families: FamilyCount(9), Within6: FamilyCount(0), From6To12: FamilyCount(9),
			None: FamilyCount(0), Within12: FamilyCount(9)},
		Levels: MonitorLevels{Families: FamilyCount(8), Improved: FamilyCount(4), Same: FamilyCount(4), Worsened: FamilyCount(0)},
		Months: []*MonitorMonth{{Cells: []Count{FamilyCount(3), FamilyCount(0)}, Total: FamilyCount(3)}},
		Steps:  []StepMedian{{Families: 4}, {Families: 5}, {Families: 0}},
	}
	m.Suppress()
	var got []bool
	for _, r := range m.Tasks {
		got = append(got, r.OnTime.Hidden)
	}
	// Б (2 families) is hidden; В, the smallest of the others, with it.
	if want := []bool{false, true, true, false}; !equal(got, want) || m.TasksTotal.OnTime.Hidden {
		t.Errorf("tasks on time hidden %v (total %v), want %v", got, m.TasksTotal.OnTime.Hidden, want)
	}
	if r := m.Repeats; r.Within6.Hidden || r.From6To12.Hidden || r.None.Hidden || r.Families.Hidden || r.Within12.Hidden {
		t.Errorf("zeros and nines hidden: %+v", r)
	}
	// 4 and 4 are both small: two hidden, nothing more.
	if l := m.Levels; !l.Improved.Hidden || !l.Same.Hidden || l.Worsened.Hidden || l.Families.Hidden {
		t.Errorf("levels %+v", l)
	}
	// 3 of 3: the status and the total are both small.
	if mo := m.Months[0]; !mo.Cells[0].Hidden || mo.Cells[1].Hidden || !mo.Total.Hidden {
		t.Errorf("month %+v", mo)
	}
	if !m.Steps[0].Hidden || m.Steps[1].Hidden || m.Steps[2].Hidden {
		t.Errorf("steps %+v", m.Steps)
	}
	// A lone hidden number whose others are all zero: the total goes.
	one := &Monitoring{Scope: MonitorScope{Level: MonitorRegion},
		Levels: MonitorLevels{Families: FamilyCount(6), Improved: FamilyCount(6), Same: FamilyCount(0), Worsened: FamilyCount(0)},
		Repeats: MonitorRepeats{Families: FamilyCount(6), Within6: FamilyCount(2), From6To12: FamilyCount(0),
			None: FamilyCount(4)}}
	one.Suppress()
	if one.Levels.Families.Hidden || one.Levels.Improved.Hidden {
		t.Errorf("6 of 6 improved hidden: %+v", one.Levels)
	}
	if r := one.Repeats; !r.Within6.Hidden || !r.None.Hidden || r.Families.Hidden || !r.Within12.Hidden {
		t.Errorf("repeats %+v", r)
	}
	// The municipality's view hides nothing.
	kdn := &Monitoring{Scope: MonitorScope{Level: MonitorMunicipality}, Levels: MonitorLevels{Improved: FamilyCount(1)}}
	kdn.Suppress()
	if kdn.Levels.Improved.Hidden {
		t.Error("the municipality's view hides a number")
	}
}

func equal(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMonitorScopeOf(t *testing.T) {
	cases := []struct {
		typ  OrgType
		terr int64
		kind TerritoryKind
		want MonitorLevel
	}{
		{OrgKDN, 7, TerritoryMunicipality, MonitorMunicipality},
		{OrgSocialProtection, 1, TerritoryRegion, MonitorRegion},
		{OrgSocialProtection, 0, "", MonitorRegion},
		{OrgSchool, 7, TerritoryMunicipality, MonitorAgency},
		{OrgNGO, 0, "", MonitorAgency},
	}
	for _, c := range cases {
		if got := MonitorScopeOf(9, c.typ, c.terr, c.kind); got.Level != c.want {
			t.Errorf("%s in %d (%s): %s, want %s", c.typ, c.terr, c.kind, got.Level, c.want)
		}
	}
}
