package opora

// Monitoring (Flow B, issue 21 item 8): how the families' help works in
// the region, a municipality or an agency — tasks done on time, late,
// overdue, returned; the median days from a signal to the first task done;
// repeat signals; families whose level moved between assessments; families
// by status month by month. The region's view is aggregated: a number about
// fewer than SuppressBelow families is hidden ("<5"), see Suppress.

// MonitorLevel is how far an actor's monitoring reaches.
type MonitorLevel string

const (
	MonitorRegion       MonitorLevel = "region"       // every municipality of the region, aggregated (cells hidden)
	MonitorMunicipality MonitorLevel = "municipality" // the КДН's municipality
	MonitorAgency       MonitorLevel = "agency"       // the agency's own tasks and families
)

// SuppressBelow: a number about fewer families than this (and more than
// none) is hidden in the region's view.
const SuppressBelow = 5

// MaxMonitorMonths caps the months of the status table.
const MaxMonitorMonths = 36

// Repeat-signal windows, in days (6 and 12 months).
const (
	RepeatShortDays = 183
	RepeatLongDays  = 365
)

// MonitorScope is what an actor's monitoring covers. TerritoryID is the
// municipality (municipality level) or the region (region level; 0: every
// family of the database); OrganisationID is the agency (agency level).
type MonitorScope struct {
	Level          MonitorLevel
	TerritoryID    int64
	OrganisationID int64
}

// Aggregated reports whether small numbers are hidden in this scope.
func (s MonitorScope) Aggregated() bool { return s.Level == MonitorRegion }

// MonitorScopeOf decides the scope of an organisation's monitoring from its
// type and territory: a КДН with a municipality sees the municipality; an
// organisation of the network (not an NGO) without a territory or at the
// region's level (the ministry, the regional analysts) sees the region,
// aggregated; every other organisation sees its own agency.
func MonitorScopeOf(orgID int64, typ OrgType, territoryID int64, kind TerritoryKind) MonitorScope {
	switch {
	case typ == OrgKDN && territoryID != 0 && kind != TerritoryRegion:
		return MonitorScope{Level: MonitorMunicipality, TerritoryID: territoryID}
	case typ != OrgNGO && (territoryID == 0 || kind == TerritoryRegion):
		return MonitorScope{Level: MonitorRegion, TerritoryID: territoryID}
	}
	return MonitorScope{Level: MonitorAgency, OrganisationID: orgID}
}

// MonitorFilter narrows the monitoring: the period (both days included), a
// municipality of the region, an agency.
type MonitorFilter struct {
	From, To    Date
	TerritoryID int64
	AgencyID    int64
}

// DefaultMonitorFilter is the last twelve months up to today.
func DefaultMonitorFilter(today Date) MonitorFilter {
	return MonitorFilter{From: today.AddMonths(-12).AddDays(1), To: today}
}

// Validate checks the period.
func (f MonitorFilter) Validate() error {
	var v Validation
	if f.From.IsZero() {
		v.Add("from", "error.required")
	}
	if f.To.IsZero() {
		v.Add("to", "error.required")
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		if f.To.Before(f.From) {
			v.Add("to", "error.period_reversed")
		} else if len(f.Months()) > MaxMonitorMonths {
			v.Add("to", "monitoring.error.too_long")
		}
	}
	return v.Err()
}

// Months lists the first days of the months the period touches.
func (f MonitorFilter) Months() []Date {
	if f.From.IsZero() || f.To.IsZero() || f.To.Before(f.From) {
		return nil
	}
	var out []Date
	m := NewDate(f.From.Year(), f.From.Month(), 1)
	for !m.After(f.To) && len(out) <= MaxMonitorMonths {
		out = append(out, m)
		m = m.AddDate(0, 1, 0)
	}
	return out
}

// Count is one number of the monitoring: N things counted about Families
// distinct families (for a count of families N = Families). Hidden: the
// region's view does not show it.
type Count struct {
	N        int
	Families int
	Hidden   bool
}

// FamilyCount is a count of n families.
func FamilyCount(n int) Count { return Count{N: n, Families: n} }

// small reports whether the count is about fewer than SuppressBelow families (and some).
func (c Count) small() bool { return c.Families > 0 && c.Families < SuppressBelow }

// MonitorTaskRow is one line of the tasks table: a municipality, an
// agency, or the total. Tasks done on time or late: done within the
// period (late: after the due date); overdue: open today past the due
// date (whatever the period); returned: returned within the period and
// still returned.
type MonitorTaskRow struct {
	ID       int64 // the municipality's or agency's id; 0 for the total or "no agency"
	Label    string
	OnTime   Count
	Late     Count
	Overdue  Count
	Returned Count
}

// Cells are the row's four counts, in the order of the table.
func (r *MonitorTaskRow) Cells() []*Count {
	return []*Count{&r.OnTime, &r.Late, &r.Overdue, &r.Returned}
}

// Monitoring steps, the intervals of a family's way from its first signal.
// Catalog key "monitoring.step.<value>".
const (
	StepTriage    = "signal_triage"   // the first signal received → triaged
	StepCurator   = "triage_curator"  // triaged → the first curator assigned
	StepPlan      = "curator_plan"    // curator → the first approved task (case_tasks row)
	StepFirstDone = "plan_first_done" // the first approved task → the first task done
)

// MonitorSteps lists the steps in order.
var MonitorSteps = []string{StepTriage, StepCurator, StepPlan, StepFirstDone}

// StepMedian is the median days of one step over the families whose first
// signal came within the period and who made that step.
type StepMedian struct {
	Step     string
	Days     float64
	Families int
	Hidden   bool
}

// MonitorRepeats: families with a signal within the period, split by how
// long before it the previous signal about the family came (duplicates
// aside): within RepeatShortDays, between RepeatShortDays and
// RepeatLongDays, no earlier signal within RepeatLongDays.
type MonitorRepeats struct {
	Families  Count // with a signal in the period
	Within6   Count
	From6To12 Count
	None      Count
	Within12  Count // Within6 + From6To12, hidden when either is
}

// MonitorLevels: families whose latest completed assessment within the
// period has an earlier one of the same form, by how the level moved (a
// lower score is better: a different level with a lower total improved).
type MonitorLevels struct {
	Families Count
	Improved Count
	Same     Count
	Worsened Count
}

// MonitorMonth is the number of families in each status at the end of a
// month (Cells in the order of Monitoring.Statuses).
type MonitorMonth struct {
	Month Date
	Cells []Count
	Total Count
}

// Monitoring is the computed monitoring of one scope and filter.
type Monitoring struct {
	Scope      MonitorScope
	Filter     MonitorFilter
	Today      Date
	ByAgency   bool // the tasks' rows are agencies (else municipalities)
	Tasks      []*MonitorTaskRow
	TasksTotal *MonitorTaskRow
	Steps      []StepMedian
	Repeats    MonitorRepeats
	Levels     MonitorLevels
	Statuses   []string // status labels, the columns of Months
	Months     []*MonitorMonth
}

// Suppress hides, in an aggregated scope, every number about fewer than
// SuppressBelow families, and then, in every group of numbers shown with
// their total (a column of the tasks table and its total line; the
// statuses of a month and the month's total; the parts of the repeats and
// of the levels and their totals), one more number where only one of the
// group is hidden — the smallest other non-zero one, or the total when the
// others are all zero — so that no hidden number is the total minus the
// shown ones. Zero is shown: it says nothing about any family. Medians of
// fewer than SuppressBelow families are hidden. The rule holds within one
// table of one view; views with other filters are tables of their own.
func (m *Monitoring) Suppress() {
	if !m.Scope.Aggregated() {
		return
	}
	if m.TasksTotal != nil {
		for col := range m.TasksTotal.Cells() {
			var group []*Count
			for _, r := range m.Tasks {
				group = append(group, r.Cells()[col])
			}
			suppressGroup(group, m.TasksTotal.Cells()[col])
		}
	}
	for i := range m.Steps {
		if m.Steps[i].Families > 0 && m.Steps[i].Families < SuppressBelow {
			m.Steps[i].Hidden = true
		}
	}
	r := &m.Repeats
	suppressGroup([]*Count{&r.Within6, &r.From6To12, &r.None}, &r.Families)
	r.Within12.Hidden = r.Within12.small() || r.Within6.Hidden || r.From6To12.Hidden
	l := &m.Levels
	suppressGroup([]*Count{&l.Improved, &l.Same, &l.Worsened}, &l.Families)
	for _, mo := range m.Months {
		group := make([]*Count, len(mo.Cells))
		for i := range mo.Cells {
			group[i] = &mo.Cells[i]
		}
		suppressGroup(group, &mo.Total)
	}
}

// suppressGroup hides the small numbers of a group and its total, then
// one more where exactly one of the group is hidden and the total shown.
func suppressGroup(group []*Count, total *Count) {
	hidden := 0
	for _, c := range group {
		if c.small() {
			c.Hidden = true
		}
		if c.Hidden {
			hidden++
		}
	}
	if total.small() {
		total.Hidden = true
	}
	if hidden != 1 || total.Hidden {
		return
	}
	var next *Count
	for _, c := range group {
		if !c.Hidden && c.N > 0 && (next == nil || c.N < next.N) {
			next = c
		}
	}
	if next == nil {
		next = total
	}
	next.Hidden = true
}
