package web

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
)

// The monitoring of the families' help (issue 21 item 8): one page of
// tables, each with its chart, and the same tables as one XLSX sheet. The
// store computes the numbers for the actor's scope and hides the small ones
// in the region's view; this file only lays them out ("<5" for a hidden
// number, on the page and in the file alike).

// monitorBlock is one table of the monitoring with its chart.
type monitorBlock struct {
	Title string
	Note  string
	Table *report.Table
	Chart report.BarChart
}

// parseMonitorFilter reads the filter from a query: the period (the last
// twelve months when not given), a municipality, an agency.
func parseMonitorFilter(vals url.Values, today opora.Date) (opora.MonitorFilter, error) {
	f := opora.DefaultMonitorFilter(today)
	var v opora.Validation
	if s := strings.TrimSpace(vals.Get("from")); s != "" {
		if d, ok := opora.ParseDate(s); ok {
			f.From = d
		} else {
			v.Add("from", "error.date")
		}
	}
	if s := strings.TrimSpace(vals.Get("to")); s != "" {
		if d, ok := opora.ParseDate(s); ok {
			f.To = d
		} else {
			v.Add("to", "error.date")
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"municipality", &f.TerritoryID}, {"agency", &f.AgencyID}} {
		if s := vals.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				v.Add(p.name, "error.invalid_choice")
				continue
			}
			*p.dst = n
		}
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// monitorValues are the filter as the form shows it and the export link carries it.
func monitorValues(f opora.MonitorFilter) url.Values {
	v := url.Values{"from": {f.From.Format("2006-01-02")}, "to": {f.To.Format("2006-01-02")}}
	if f.TerritoryID != 0 {
		v.Set("municipality", strconv.FormatInt(f.TerritoryID, 10))
	}
	if f.AgencyID != 0 {
		v.Set("agency", strconv.FormatInt(f.AgencyID, 10))
	}
	return v
}

// monitoring shows the monitoring page.
func (s *Server) monitoring(w http.ResponseWriter, r *http.Request) error {
	vals := r.URL.Query()
	flt, ferr := parseMonitorFilter(vals, s.store.Today())
	ch, err := s.store.MonitorChoices(r.Context(), flt.TerritoryID)
	if err != nil {
		return err
	}
	l := s.loc(r)
	v := s.newView(r, "monitoring.title")
	v.Nav = "monitoring"
	form := vals
	if ferr == nil {
		form = monitorValues(flt)
	}
	data := map[string]any{"Scope": l.T("monitoring.scope."+string(ch.Scope.Level)) + ": " + ch.ScopeName}
	if ch.Scope.Aggregated() {
		data["Aggregated"] = true
	}
	if ch.Scope.Level == opora.MonitorRegion {
		opts := []option{{Value: "", Label: l.T("monitoring.all_municipalities")}}
		for _, t := range ch.Municipalities {
			opts = append(opts, option{Value: idString(t.ID), Label: t.Name})
		}
		data["Municipalities"] = opts
	}
	if len(ch.Agencies) > 0 {
		opts := []option{{Value: "", Label: l.T("monitoring.all_agencies")}}
		for _, o := range ch.Agencies {
			opts = append(opts, option{Value: idString(o.ID), Label: o.DisplayName()})
		}
		data["Agencies"] = opts
	}
	v.Data = data
	if ferr != nil {
		v.Form = newForm(form, ferr)
		return s.render(w, r, http.StatusUnprocessableEntity, "monitoring", v)
	}
	m, err := s.store.Monitoring(r.Context(), flt)
	if len(opora.FieldErrors(err)) > 0 {
		v.Form = newForm(vals, err)
		return s.render(w, r, http.StatusUnprocessableEntity, "monitoring", v)
	}
	if err != nil {
		return err
	}
	v.Form = newForm(form, nil)
	data["Blocks"] = monitorBlocks(l, m)
	data["Period"] = exportFile{From: flt.From, To: flt.To}.period()
	data["QueryStr"] = template.URL(monitorValues(flt).Encode()) // url.Values.Encode: safe after "?"
	return s.render(w, r, http.StatusOK, "monitoring", v)
}

// monitoringExport writes the page's tables as one XLSX sheet.
func (s *Server) monitoringExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	flt, err := parseMonitorFilter(r.URL.Query(), s.store.Today())
	if err != nil {
		return err
	}
	m, err := s.store.Monitoring(r.Context(), flt)
	if err != nil {
		return err
	}
	l := s.loc(r)
	blocks := monitorBlocks(l, m)
	tables := make([]*report.Table, 0, len(blocks))
	rows := 0
	for _, b := range blocks {
		b.Table.Title = b.Title
		tables = append(tables, b.Table)
		rows += len(b.Table.Rows)
	}
	f := exportFile{Key: "monitoring", Name: l.T("monitoring.title"), From: flt.From, To: flt.To}
	if err := x.audit(r.Context(), &opora.AuditEntry{Entity: "report",
		Section: auditSection(f.Key, monitorValues(flt).Encode(), rows)}); err != nil {
		return err
	}
	return x.writeXLSX(w, f.Name, f.title(), tables, f.disposition("xlsx"))
}

// hiddenText is what a hidden number shows.
const hiddenText = "<5"

// countCell is a count as a cell: the number, or "<5" when hidden.
func countCell(c opora.Count) report.Cell {
	if c.Hidden {
		return report.Text(hiddenText)
	}
	return report.Number(float64(c.N))
}

// bars lays out a chart of counts; a hidden one has no bar and reads "<5".
func bars(measure string, labels []string, counts []opora.Count) report.BarChart {
	values := make([]float64, len(counts))
	for i, c := range counts {
		if !c.Hidden {
			values[i] = float64(c.N)
		}
	}
	ch := report.Bars(measure, labels, values)
	for i, c := range counts {
		if c.Hidden {
			ch.Bars[i].Text = hiddenText
		}
	}
	return ch
}

// monitorBlocks lays the monitoring out as tables with charts, the same
// for the page and the file.
func monitorBlocks(l *i18n.Localizer, m *opora.Monitoring) []monitorBlock {
	var out []monitorBlock
	families := l.T("monitoring.families")

	// Tasks.
	cols := []string{l.T("monitoring.tasks.on_time"), l.T("monitoring.tasks.late"), l.T("monitoring.tasks.overdue"),
		l.T("monitoring.tasks.returned")}
	first := l.T("monitoring.municipality")
	if m.ByAgency {
		first = l.T("monitoring.agency")
	}
	t := &report.Table{Headers: append([]string{first}, cols...)}
	row := func(label string, r *opora.MonitorTaskRow) []report.Cell {
		return []report.Cell{report.Text(label), countCell(r.OnTime), countCell(r.Late), countCell(r.Overdue), countCell(r.Returned)}
	}
	for _, r := range m.Tasks {
		label := r.Label
		if r.ID == 0 {
			label = l.T("monitoring.no_agency")
		}
		t.Rows = append(t.Rows, row(label, r))
	}
	tot := m.TasksTotal
	t.Rows = append(t.Rows, row(l.T("monitoring.total"), tot))
	out = append(out, monitorBlock{Title: l.T("monitoring.tasks.title"), Note: l.T("monitoring.tasks.note"), Table: t,
		Chart: bars(l.T("monitoring.tasks.measure"), cols, []opora.Count{tot.OnTime, tot.Late, tot.Overdue, tot.Returned})})

	// Steps.
	t = &report.Table{Headers: []string{l.T("monitoring.step"), l.T("monitoring.median_days"), families}}
	var labels []string
	var medians []opora.Count
	for _, st := range m.Steps {
		label := l.T("monitoring.step." + st.Step)
		labels = append(labels, label)
		med, n := report.Text("—"), report.Number(float64(st.Families))
		shown := opora.Count{}
		switch {
		case st.Hidden:
			med, n = report.Text(hiddenText), report.Text(hiddenText)
			shown.Hidden = true
		case st.Families > 0:
			days := math.Round(st.Days*10) / 10
			med, shown.N = report.Number(days), int(math.Round(days))
		}
		t.Rows = append(t.Rows, []report.Cell{report.Text(label), med, n})
		medians = append(medians, shown)
	}
	out = append(out, monitorBlock{Title: l.T("monitoring.steps.title"), Note: l.T("monitoring.steps.note"), Table: t,
		Chart: bars(l.T("monitoring.median_days"), labels, medians)})

	// Repeat signals.
	rp := m.Repeats
	labels = []string{l.T("monitoring.repeats.families"), l.T("monitoring.repeats.within6"), l.T("monitoring.repeats.from6to12"),
		l.T("monitoring.repeats.none"), l.T("monitoring.repeats.within12")}
	counts := []opora.Count{rp.Families, rp.Within6, rp.From6To12, rp.None, rp.Within12}
	out = append(out, countsBlock(l.T("monitoring.repeats.title"), l.T("monitoring.repeats.note"), l.T("monitoring.indicator"),
		families, labels, counts, 1, 4))

	// Levels.
	lv := m.Levels
	labels = []string{l.T("monitoring.levels.families"), l.T("monitoring.levels.improved"), l.T("monitoring.levels.same"),
		l.T("monitoring.levels.worsened")}
	counts = []opora.Count{lv.Families, lv.Improved, lv.Same, lv.Worsened}
	out = append(out, countsBlock(l.T("monitoring.levels.title"), l.T("monitoring.levels.note"), l.T("monitoring.indicator"),
		families, labels, counts, 1, 4))

	// Statuses by month.
	t = &report.Table{Headers: append(append([]string{l.T("monitoring.month")}, m.Statuses...), l.T("monitoring.total"))}
	for _, mo := range m.Months {
		r := []report.Cell{report.Month(mo.Month.Time())}
		for _, c := range mo.Cells {
			r = append(r, countCell(c))
		}
		t.Rows = append(t.Rows, append(r, countCell(mo.Total)))
	}
	b := monitorBlock{Title: l.T("monitoring.statuses.title"), Note: l.T("monitoring.statuses.note"), Table: t}
	if n := len(m.Months); n > 0 {
		last := m.Months[n-1]
		b.Chart = bars(l.T("monitoring.statuses.measure")+" "+last.Month.Format("01.2006"), m.Statuses, last.Cells)
	}
	return append(out, b)
}

// countsBlock is a table of labelled counts of families with a chart of
// the rows from..to (exclusive).
func countsBlock(title, note, head, measure string, labels []string, counts []opora.Count, from, to int) monitorBlock {
	t := &report.Table{Headers: []string{head, measure}}
	for i, c := range counts {
		t.Rows = append(t.Rows, []report.Cell{report.Text(labels[i]), countCell(c)})
	}
	return monitorBlock{Title: title, Note: note, Table: t, Chart: bars(measure, labels[from:to], counts[from:to])}
}
