package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// Monitoring (issue 21 item 8): the numbers of the families' help for the
// region, a municipality or an agency, each computed by one SQL query on
// either database (medians by row numbers, status months by +1/−1 per
// status period and a running sum). The scope comes from the actor's
// organisation (opora.MonitorScopeOf); its condition on families is
// sqldb.MonitorFamilies. The region's view is suppressed
// (opora.Monitoring.Suppress) before it leaves the store.

// MonitorChoices are the monitoring's scope and its filter's choices for
// the actor.
type MonitorChoices struct {
	Scope          opora.MonitorScope
	ScopeName      string                // the region, municipality or agency
	Municipalities []*opora.Territory    // region: its municipalities
	Agencies       []*opora.Organisation // municipality: its agencies; region: the chosen municipality's
}

// Municipality returns the name of a municipality of the choices, "" when not one.
func (c *MonitorChoices) Municipality(id int64) string {
	for _, t := range c.Municipalities {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

// Agency returns the name of an agency of the choices, "" when not one.
func (c *MonitorChoices) Agency(id int64) string {
	for _, o := range c.Agencies {
		if o.ID == id {
			return o.DisplayName()
		}
	}
	return ""
}

// monitorScope reads the actor's organisation and decides its scope.
func (s *Store) monitorScope(ctx context.Context, a *opora.Actor) (opora.MonitorScope, string, error) {
	var typ, name, short, kind, tname string
	var territory int64
	if err := s.r.QueryRowContext(ctx, `SELECT o.type, o.name, o.short_name, COALESCE(o.territory_id, 0),
		COALESCE(t.kind, ''), COALESCE(t.name, '')
		FROM organisations o LEFT JOIN territories t ON t.id = o.territory_id WHERE o.id = $1`,
		a.OrganisationID).Scan(&typ, &name, &short, &territory, &kind, &tname); err != nil {
		return opora.MonitorScope{}, "", fmt.Errorf("store: monitoring scope: %w", err)
	}
	sc := opora.MonitorScopeOf(a.OrganisationID, opora.OrgType(typ), territory, opora.TerritoryKind(kind))
	switch {
	case sc.Level == opora.MonitorAgency && short != "":
		return sc, short, nil
	case sc.Level == opora.MonitorAgency || tname == "":
		return sc, name, nil
	}
	return sc, tname, nil
}

// MonitorChoices returns the actor's monitoring scope and the filter's
// choices; municipality (region level) narrows the agencies to one
// municipality's. Needs report.run.
func (s *Store) MonitorChoices(ctx context.Context, municipality int64) (*MonitorChoices, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	sc, name, err := s.monitorScope(ctx, a)
	if err != nil {
		return nil, err
	}
	c := &MonitorChoices{Scope: sc, ScopeName: name}
	switch sc.Level {
	case opora.MonitorRegion:
		q := `SELECT id, COALESCE(parent_id, 0), kind, name FROM territories WHERE kind = 'municipality'`
		var args []any
		if sc.TerritoryID != 0 {
			q += ` AND parent_id = $1`
			args = append(args, sc.TerritoryID)
		}
		rows, err := s.r.QueryContext(ctx, q+` ORDER BY name, id`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: monitoring choices: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			t := &opora.Territory{}
			if err := rows.Scan(&t.ID, &t.ParentID, &t.Kind, &t.Name); err != nil {
				return nil, fmt.Errorf("store: monitoring choices: %w", err)
			}
			c.Municipalities = append(c.Municipalities, t)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: monitoring choices: %w", err)
		}
		if municipality != 0 && c.Municipality(municipality) != "" {
			if c.Agencies, err = s.monitorAgencies(ctx, municipality); err != nil {
				return nil, err
			}
		}
	case opora.MonitorMunicipality:
		if c.Agencies, err = s.monitorAgencies(ctx, sc.TerritoryID); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// monitorAgencies lists a municipality's organisations but the КДН.
func (s *Store) monitorAgencies(ctx context.Context, territoryID int64) ([]*opora.Organisation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, short_name, type FROM organisations
		WHERE territory_id = $1 AND type <> 'kdn' ORDER BY name, id`, territoryID)
	if err != nil {
		return nil, fmt.Errorf("store: monitoring agencies: %w", err)
	}
	defer rows.Close()
	var out []*opora.Organisation
	for rows.Next() {
		o := &opora.Organisation{}
		if err := rows.Scan(&o.ID, &o.Name, &o.ShortName, &o.Type); err != nil {
			return nil, fmt.Errorf("store: monitoring agencies: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Monitoring computes the monitoring of the actor's scope for the filter,
// suppressed in the region's view. A municipality or agency outside the
// scope is a field error ("municipality", "agency"). Needs report.run.
func (s *Store) Monitoring(ctx context.Context, flt opora.MonitorFilter) (*opora.Monitoring, error) {
	ctx = OnReplica(ctx) // read from the read replica when there is one
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	if err := flt.Validate(); err != nil {
		return nil, err
	}
	ch, err := s.MonitorChoices(ctx, flt.TerritoryID)
	if err != nil {
		return nil, err
	}
	sc := ch.Scope
	var v opora.Validation
	switch sc.Level {
	case opora.MonitorRegion:
		if flt.TerritoryID != 0 && ch.Municipality(flt.TerritoryID) == "" {
			v.Add("municipality", "error.invalid_choice")
		}
		if flt.AgencyID != 0 && (flt.TerritoryID == 0 || ch.Agency(flt.AgencyID) == "") {
			v.Add("agency", "error.invalid_choice")
		}
	case opora.MonitorMunicipality:
		if flt.TerritoryID != 0 && flt.TerritoryID != sc.TerritoryID {
			v.Add("municipality", "error.invalid_choice")
		}
		if flt.AgencyID != 0 && ch.Agency(flt.AgencyID) == "" {
			v.Add("agency", "error.invalid_choice")
		}
		flt.TerritoryID = 0
	default:
		if flt.TerritoryID != 0 {
			v.Add("municipality", "error.invalid_choice")
		}
		if flt.AgencyID != 0 && flt.AgencyID != sc.OrganisationID {
			v.Add("agency", "error.invalid_choice")
		}
		flt.AgencyID = sc.OrganisationID
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	m := &opora.Monitoring{Scope: sc, Filter: flt, Today: s.Today()}
	m.ByAgency = sc.Level != opora.MonitorRegion || flt.TerritoryID != 0
	// The five queries are independent: each on its own read connection,
	// side by side (each writes its own fields of m).
	parts := []func() error{
		func() error { return s.monitorSteps(ctx, m) },
		func() error { return s.monitorTasks(ctx, m, ch) },
		func() error { return s.monitorRepeats(ctx, m) },
		func() error { return s.monitorMonths(ctx, m) },
		func() error { return s.monitorLevels(ctx, m) },
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = part()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m.Suppress()
	return m, nil
}

// monitorArgs numbers a query's arguments: each use of a value gets its
// own number, so PostgreSQL deduces one type per parameter.
type monitorArgs struct{ args []any }

func (p *monitorArgs) add(v any) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args))
}

// families is the scope's condition on alias f.
func (p *monitorArgs) families(m *opora.Monitoring) string {
	cond, args := sqldb.MonitorFamilies(m.Scope, m.Filter, p.args)
	p.args = args
	return cond
}

// familyJoin is the scope's join and condition for rows whose family is
// col: the join to families f and its condition, or, for the whole region
// unfiltered (whose only condition is "not merged away"), no join and a
// test against the few merged families — on SQLite the join costs as much
// as reading the rows.
func (p *monitorArgs) familyJoin(m *opora.Monitoring, col string) (join, cond string) {
	sc, f := m.Scope, m.Filter
	if sc.Level == opora.MonitorRegion && sc.TerritoryID == 0 && f.TerritoryID == 0 && f.AgencyID == 0 {
		return "", col + " NOT IN (SELECT mf.id FROM families mf WHERE mf.merged_into IS NOT NULL)"
	}
	return " JOIN families f ON f.id = " + col, p.families(m)
}

// monitorTasks counts the family tasks by municipality or agency, and in all.
func (s *Store) monitorTasks(ctx context.Context, m *opora.Monitoring, ch *MonitorChoices) error {
	group := "COALESCE(f.territory_id, 0)"
	if m.ByAgency {
		group = "COALESCE(t.responsible_org_id, 0)"
	}
	query := func(grouped bool) (string, []any) {
		p := &monitorArgs{}
		fam := p.families(m)
		from, to := m.Filter.From, m.Filter.To
		next := to.AddDays(1)
		onTime := "t.status = 'done' AND t.done_on >= " + p.add(from) + " AND t.done_on <= " + p.add(to) +
			" AND (t.due_on IS NULL OR t.done_on <= t.due_on)"
		late := "t.status = 'done' AND t.done_on >= " + p.add(from) + " AND t.done_on <= " + p.add(to) +
			" AND t.done_on > t.due_on"
		overdue := "t.status IN ('planned', 'accepted', 'in_progress') AND t.due_on < " + p.add(m.Today)
		returned := "t.status = 'returned' AND t.status_changed_at >= " + p.add(from.Time()) +
			" AND t.status_changed_at < " + p.add(next.Time())
		cols := make([]string, 0, 8)
		for _, c := range []string{onTime, late, overdue, returned} {
			cols = append(cols, "SUM(CASE WHEN "+c+" THEN 1 ELSE 0 END)", "COUNT(DISTINCT CASE WHEN "+c+" THEN t.family_id END)")
		}
		where := "t.family_id IS NOT NULL AND " + fam
		if m.Filter.AgencyID != 0 {
			where += " AND t.responsible_org_id = " + p.add(m.Filter.AgencyID)
		}
		// The conditions again, with their own parameters, so that the
		// query reads only the tasks it counts.
		any4 := "t.status = 'done' AND t.done_on >= " + p.add(from) + " AND t.done_on <= " + p.add(to) +
			" OR t.status IN ('planned', 'accepted', 'in_progress') AND t.due_on < " + p.add(m.Today) +
			" OR t.status = 'returned' AND t.status_changed_at >= " + p.add(from.Time())
		where += " AND (" + any4 + ")"
		sel := strings.Join(cols, ", ")
		if grouped {
			return "SELECT " + group + ", " + sel + " FROM case_tasks t JOIN families f ON f.id = t.family_id WHERE " + where +
				" GROUP BY " + group, p.args
		}
		return "SELECT 0, " + sel + " FROM case_tasks t JOIN families f ON f.id = t.family_id WHERE " + where, p.args
	}
	scan := func(rows *sql.Rows) (*opora.MonitorTaskRow, error) {
		r := &opora.MonitorTaskRow{}
		var n [8]sql.NullInt64
		if err := rows.Scan(&r.ID, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7]); err != nil {
			return nil, err
		}
		r.OnTime = opora.Count{N: int(n[0].Int64), Families: int(n[1].Int64)}
		r.Late = opora.Count{N: int(n[2].Int64), Families: int(n[3].Int64)}
		r.Overdue = opora.Count{N: int(n[4].Int64), Families: int(n[5].Int64)}
		r.Returned = opora.Count{N: int(n[6].Int64), Families: int(n[7].Int64)}
		return r, nil
	}
	byID := map[int64]*opora.MonitorTaskRow{}
	// By municipality the lines part the families: the total is their sum.
	// By agency a family may have tasks of several: the total is counted.
	queries := []bool{true}
	if m.ByAgency {
		queries = append(queries, false)
	}
	for _, grouped := range queries {
		q, args := query(grouped)
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: monitoring tasks: %w", err)
		}
		for rows.Next() {
			r, err := scan(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: monitoring tasks: %w", err)
			}
			if grouped {
				byID[r.ID] = r
			} else {
				m.TasksTotal = r
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: monitoring tasks: %w", err)
		}
	}
	if m.TasksTotal == nil {
		m.TasksTotal = &opora.MonitorTaskRow{}
		if !m.ByAgency {
			for _, r := range byID {
				tot := m.TasksTotal.Cells()
				for i, c := range r.Cells() {
					tot[i].N += c.N
					tot[i].Families += c.Families
				}
			}
		}
	}
	// Every municipality of the region has its line, tasks or none.
	if !m.ByAgency {
		for _, t := range ch.Municipalities {
			if byID[t.ID] == nil {
				byID[t.ID] = &opora.MonitorTaskRow{ID: t.ID}
			}
		}
	}
	var ids []int64
	for id := range byID {
		ids = append(ids, id)
	}
	names, err := s.monitorNames(ctx, m.ByAgency, ids)
	if err != nil {
		return err
	}
	for id, r := range byID {
		r.Label = names[id]
		m.Tasks = append(m.Tasks, r)
	}
	sort.Slice(m.Tasks, func(i, j int) bool {
		a, b := m.Tasks[i], m.Tasks[j]
		if (a.ID == 0) != (b.ID == 0) {
			return b.ID == 0 // "none" last
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		return a.ID < b.ID
	})
	return nil
}

// monitorNames names municipalities or agencies by id.
func (s *Store) monitorNames(ctx context.Context, agencies bool, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(nil, ids)
	q := `SELECT id, name FROM territories WHERE id IN (` + in + `)`
	if agencies {
		q = `SELECT id, CASE WHEN short_name <> '' THEN short_name ELSE name END FROM organisations WHERE id IN (` + in + `)`
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: monitoring names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: monitoring names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}

// monitorSteps: for the families whose first signal (the earliest linked to
// the family) came within the period, the median days of each step: the
// signal triaged, the first curator assigned, the first approved task (a
// case_tasks row), the first task done. A step counts the families that
// made both its ends; an end before its start (a curator assigned before
// the signal was triaged) counts as 0 days. The median is the middle value
// (the mean of the two middle ones). The database gives each family's
// dates (in days) from family_milestones, the derived table of those five
// firsts (migration 00053; four index lookups a family cost SQLite most of
// the page's time); the medians are taken here, which on SQLite is several
// times cheaper than numbering the rows in SQL.
func (s *Store) monitorSteps(ctx context.Context, m *opora.Monitoring) error {
	d := s.dialect.Days
	p := &monitorArgs{}
	from, next := p.add(m.Filter.From.Time()), p.add(m.Filter.To.AddDays(1).Time())
	join, cond := p.familyJoin(m, "c.family_id")
	q := `SELECT ` + d("c.signal_at") + `, ` + d("c.triaged_at") + `, ` + d("c.curator_at") + `, ` + d("c.task_at") + `, ` +
		d("c.done_on") + ` FROM family_milestones c` + join + `
	WHERE c.signal_at >= ` + from + ` AND c.signal_at < ` + next + ` AND ` + cond
	rows, err := s.r.QueryContext(ctx, q, p.args...)
	if err != nil {
		return fmt.Errorf("store: monitoring steps: %w", err)
	}
	defer rows.Close()
	days := make([][]float64, len(opora.MonitorSteps))
	for rows.Next() {
		var v [5]sql.NullFloat64 // signal, triaged, curator, plan, done
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4]); err != nil {
			return fmt.Errorf("store: monitoring steps: %w", err)
		}
		for i := range days {
			a, b := v[i], v[i+1]
			if !a.Valid || !b.Valid {
				continue
			}
			days[i] = append(days[i], max(b.Float64-a.Float64, 0))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: monitoring steps: %w", err)
	}
	m.Steps = make([]opora.StepMedian, len(opora.MonitorSteps))
	for i, st := range opora.MonitorSteps {
		m.Steps[i] = opora.StepMedian{Step: st, Days: median(days[i]), Families: len(days[i])}
	}
	return nil
}

// median is the middle value of vs (the mean of the two middle ones), 0
// for none; it sorts vs.
func median(vs []float64) float64 {
	n := len(vs)
	if n == 0 {
		return 0
	}
	sort.Float64s(vs)
	return (vs[(n-1)/2] + vs[n/2]) / 2
}

// monitorRepeats: the families with a signal within the period, by how long
// before it the family's previous signal came (duplicates aside). A signal
// more than the longer gap before the period counts for nothing, so the
// query reads the signals from that far back only, in each family's order;
// the gaps are taken here (on SQLite a window over the rows costs several
// times the reading).
func (s *Store) monitorRepeats(ctx context.Context, m *opora.Monitoring) error {
	d := s.dialect.Days
	p := &monitorArgs{}
	join, fam := p.familyJoin(m, "s.family_id")
	start := m.Filter.From.Time()
	from := p.add(start)
	back := p.add(start.Add(-time.Duration(opora.RepeatLongDays) * 24 * time.Hour))
	next := p.add(m.Filter.To.AddDays(1).Time())
	q := `SELECT s.family_id, ` + d("s.received_at") + `, CASE WHEN s.received_at >= ` + from + ` THEN 1 ELSE 0 END
	FROM signals s` + join + `
	WHERE s.family_id IS NOT NULL AND s.close_reason <> 'duplicate' AND s.received_at >= ` + back + ` AND s.received_at < ` + next +
		` AND ` + fam + ` ORDER BY s.family_id, s.received_at, s.id`
	rows, err := s.r.QueryContext(ctx, q, p.args...)
	if err != nil {
		return fmt.Errorf("store: monitoring repeats: %w", err)
	}
	defer rows.Close()
	var all, short, long int
	var family int64
	var prev, gap float64
	var inPeriod, hasPrev, hasGap bool
	count := func() {
		if !inPeriod {
			return
		}
		all++
		if hasGap && gap <= opora.RepeatShortDays {
			short++
		}
		if hasGap && gap <= opora.RepeatLongDays {
			long++
		}
	}
	for rows.Next() {
		var id int64
		var at float64
		var in int
		if err := rows.Scan(&id, &at, &in); err != nil {
			return fmt.Errorf("store: monitoring repeats: %w", err)
		}
		if id != family {
			count()
			family, inPeriod, hasPrev, hasGap = id, false, false, false
		}
		if in == 1 {
			inPeriod = true
			if hasPrev && (!hasGap || at-prev < gap) {
				gap, hasGap = at-prev, true
			}
		}
		prev, hasPrev = at, true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: monitoring repeats: %w", err)
	}
	count()
	m.Repeats = opora.MonitorRepeats{Families: opora.FamilyCount(all), Within6: opora.FamilyCount(short),
		From6To12: opora.FamilyCount(long - short), None: opora.FamilyCount(all - long), Within12: opora.FamilyCount(long)}
	return nil
}

// monitorLevels: each family's latest completed assessment up to the
// period's end, when it falls within the period and follows an earlier
// one of the same form: its level against that one's (a lower score is
// better). The assessments come in each family's order; the comparing is
// done here.
func (s *Store) monitorLevels(ctx context.Context, m *opora.Monitoring) error {
	p := &monitorArgs{}
	join, fam := p.familyJoin(m, "fa.family_id")
	from := p.add(m.Filter.From)
	to := p.add(m.Filter.To)
	q := `SELECT fa.family_id, fa.form_id, CASE WHEN fa.assessed_on >= ` + from + ` THEN 1 ELSE 0 END, fa.total_score, fa.level_label
	FROM family_assessments fa` + join + `
	WHERE fa.status = 'completed' AND fa.assessed_on <= ` + to + ` AND ` + fam + `
	ORDER BY fa.family_id, fa.assessed_on, fa.id`
	rows, err := s.r.QueryContext(ctx, q, p.args...)
	if err != nil {
		return fmt.Errorf("store: monitoring levels: %w", err)
	}
	defer rows.Close()
	type level struct {
		score sql.NullFloat64
		label sql.NullString
	}
	var all, better, worse int
	var family int64
	var last level    // the family's latest assessment so far
	var before *level // the one of the same form before it, if any
	var lastIn bool   // whether the latest falls within the period
	byForm := map[int64]*level{}
	count := func() {
		if !lastIn || before == nil || !before.score.Valid {
			return
		}
		all++
		if !last.label.Valid || !before.label.Valid || last.label.String == before.label.String || !last.score.Valid {
			return
		}
		switch {
		case last.score.Float64 < before.score.Float64:
			better++
		case last.score.Float64 > before.score.Float64:
			worse++
		}
	}
	for rows.Next() {
		var id, form int64
		var in int
		var l level
		if err := rows.Scan(&id, &form, &in, &l.score, &l.label); err != nil {
			return fmt.Errorf("store: monitoring levels: %w", err)
		}
		if id != family {
			count()
			family = id
			clear(byForm)
		}
		last, before, lastIn = l, byForm[form], in == 1
		byForm[form] = &l
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: monitoring levels: %w", err)
	}
	count()
	m.Levels = opora.MonitorLevels{Families: opora.FamilyCount(all), Improved: opora.FamilyCount(better),
		Worsened: opora.FamilyCount(worse), Same: opora.FamilyCount(all - better - worse)}
	return nil
}

// monitorMonths: the families in each status at the end of every month of
// the period. A family's statuses are its timeline (family_events "created"
// with the first status, "status" with each next one, labels as they were
// then), read in each family's order with the month of each; each status
// period adds 1 in the month it began and takes 1 away in the month it
// ended (both moved up to the first month when earlier), and the running
// sum over the months is the count at each month's end.
func (s *Store) monitorMonths(ctx context.Context, m *opora.Monitoring) error {
	months := m.Filter.Months()
	if len(months) == 0 {
		return nil
	}
	first, last := months[0].Format("2006-01"), months[len(months)-1].Format("2006-01")
	p := &monitorArgs{}
	join, fam := p.familyJoin(m, "e.family_id")
	q := `SELECT e.family_id, e.summary, ` + s.dialect.Bucket("month", "e.at", 0) + `
	FROM family_events e` + join + `
	WHERE e.kind IN ('created', 'status') AND ` + fam + ` ORDER BY e.family_id, e.at, e.id`
	rows, err := s.r.QueryContext(ctx, q, p.args...)
	if err != nil {
		return fmt.Errorf("store: monitoring months: %w", err)
	}
	defer rows.Close()
	delta := map[string]map[string]int{} // label → month → change
	add := func(label, month string, n int) {
		if month > last {
			return
		}
		if month < first {
			month = first
		}
		if delta[label] == nil {
			delta[label] = map[string]int{}
		}
		delta[label][month] += n
	}
	var family int64
	var label string // the family's status before this event, "" for none
	for rows.Next() {
		var id int64
		var l, month string
		if err := rows.Scan(&id, &l, &month); err != nil {
			return fmt.Errorf("store: monitoring months: %w", err)
		}
		if id == family {
			add(label, month, -1) // the previous status ends
		}
		family, label = id, l
		add(l, month, 1)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: monitoring months: %w", err)
	}
	labels, err := s.monitorStatusOrder(ctx, delta)
	if err != nil {
		return err
	}
	m.Statuses = labels
	run := make([]int, len(labels))
	for _, mo := range months {
		key := mo.Format("2006-01")
		row := &opora.MonitorMonth{Month: mo, Cells: make([]opora.Count, len(labels))}
		total := 0
		for i, l := range labels {
			run[i] += delta[l][key]
			row.Cells[i] = opora.FamilyCount(run[i])
			total += run[i]
		}
		row.Total = opora.FamilyCount(total)
		m.Months = append(m.Months, row)
	}
	return nil
}

// monitorStatusOrder orders the status labels met as the dictionaries of
// family statuses order them (by position), then the others by name;
// labels without a change within the period (no family at any
// month's end) are left out.
func (s *Store) monitorStatusOrder(ctx context.Context, seen map[string]map[string]int) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT label, MIN(position) FROM dictionary_items WHERE dictionary = $1 GROUP BY label`,
		opora.DictFamilyStatus)
	if err != nil {
		return nil, fmt.Errorf("store: monitoring statuses: %w", err)
	}
	defer rows.Close()
	pos := map[string]int{}
	for rows.Next() {
		var l string
		var n int
		if err := rows.Scan(&l, &n); err != nil {
			return nil, fmt.Errorf("store: monitoring statuses: %w", err)
		}
		pos[l] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for l, ms := range seen {
		for _, n := range ms {
			if n != 0 {
				out = append(out, l)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		pi, oki := pos[out[i]]
		pj, okj := pos[out[j]]
		if oki != okj {
			return oki
		}
		if pi != pj {
			return pi < pj
		}
		return out[i] < out[j]
	})
	return out, nil
}
