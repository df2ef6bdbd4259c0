package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"runtime"
	"sync"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
	"github.com/opora-project/opora/internal/store"
)

// dashChart is one block of the dashboard: a chart and its data table.
type dashChart struct {
	Title string
	Table *report.Table
	Chart report.BarChart
	Empty bool // nothing in the period
}

// dashKPI is one of the dashboard's headline numbers.
type dashKPI struct {
	Label string
	Value float64
}

// Text is the number as the page shows it.
func (k dashKPI) Text() string { return report.FormatNumber(k.Value) }

// dashboard shows the organisation's (or a branch's) numbers for a period.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	vals := r.URL.Query()
	q, qerr := parseReportQuery(vals, s.store.Now())
	d, err := s.builderOptions(r)
	if err != nil {
		return err
	}
	d.Query = q
	form := builderValues(vals, q)
	d.QueryStr = template.URL(dashboardParams(form).Encode()) // url.Values.Encode: safe after "?"
	v := s.newView(r, "dashboard.title")
	v.Nav = "dashboard"
	v.Form = newForm(form, qerr)
	data := map[string]any{"B": d}
	v.Data = data
	if qerr != nil {
		return s.render(w, r, http.StatusUnprocessableEntity, "reports_dashboard", v)
	}
	kpis, charts, err := s.dashboardData(r, q, d.Options, false)
	if err != nil {
		return err
	}
	data["KPIs"], data["Charts"] = kpis, charts
	data["Period"] = exportFile{From: q.From, To: q.To}.period()
	return s.render(w, r, http.StatusOK, "reports_dashboard", v)
}

// dashboardParams are the dashboard's filters (for its export link and
// audit row).
func dashboardParams(form url.Values) url.Values {
	return url.Values{"from": {form.Get("from")}, "to": {form.Get("to")}, "branch": form["branch"]}
}

// dashboardExport writes the dashboard as one XLSX sheet: the headline
// numbers, then each table under its title — the same numbers as the page.
func (s *Server) dashboardExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	vals := r.URL.Query()
	q, err := parseReportQuery(vals, s.store.Now())
	if err != nil {
		return err
	}
	opts, err := s.store.ReportOptions(r.Context())
	if err != nil {
		return err
	}
	kpis, charts, err := s.dashboardData(r, q, opts, true)
	if err != nil {
		return err
	}
	l := s.loc(r)
	f := exportFile{Key: "dashboard", Name: l.T("dashboard.title"), From: q.From, To: q.To}
	head := &report.Table{Title: l.T("dashboard.kpis"), Headers: []string{l.T("reports.indicator"), l.T("reports.value")}}
	for _, k := range kpis {
		head.Rows = append(head.Rows, []report.Cell{report.Text(k.Label), report.Number(k.Value)})
	}
	tables := []*report.Table{head}
	rows := len(head.Rows)
	for _, c := range charts {
		c.Table.Title = c.Title
		tables = append(tables, c.Table)
		rows += len(c.Table.Rows)
	}
	if err := x.audit(r.Context(), &opora.AuditEntry{Entity: "report",
		Section: auditSection(f.Key, dashboardParams(builderValues(vals, q)).Encode(), rows)}); err != nil {
		return err
	}
	return x.writeXLSX(w, f.Name, f.title(), tables, f.disposition("xlsx"))
}

// dashboardData counts the dashboard's numbers: the headline numbers and
// the tables with their charts. For an export (export set) months stay
// dates in the tables.
func (s *Server) dashboardData(r *http.Request, q *opora.ReportQuery, opts *store.ReportOptions, export bool) ([]dashKPI, []dashChart, error) {
	l := s.loc(r)
	base := opora.ReportQuery{From: q.From, To: q.To, BranchIDs: q.BranchIDs}
	// The dashboard's reports are independent: they run side by side, each
	// on its own connection, as many at a time as the server has cores
	// (more only share the cores: measured at 1M clients, six at once on two
	// cores took 0.45–0.55 s on SQLite, two at a time 0.30 s), the slowest
	// (clients who received services, index 1) first.
	queries := []opora.ReportQuery{
		// New clients once, by month × gender × age band: the total, the
		// trend and both breakdowns are its sums.
		{Subject: opora.SubjectClients, Measure: opora.MeasureCount,
			GroupBy: []opora.Dimension{opora.DimMonth, opora.DimGender, opora.DimAgeBand}},
		{Subject: opora.SubjectServices, Measure: opora.MeasureDistinctClients},
		// Services once, by month × type: the total, the trend and the
		// breakdown by type are its sums.
		{Subject: opora.SubjectServices, Measure: opora.MeasureCount,
			GroupBy: []opora.Dimension{opora.DimMonth, opora.DimServiceType}},
		{Subject: opora.SubjectCases, Measure: opora.MeasureCount},
		{Subject: opora.SubjectClosed, Measure: opora.MeasureCount, GroupBy: []opora.Dimension{opora.DimOutcome}},
	}
	// Homelessness reasons: the questionnaire field seeded with key
	// "homeless_reason", if the organisation kept it.
	var reasonField *store.ReportField
	for i, f := range opts.Fields {
		if f.Key == "homeless_reason" {
			reasonField = &opts.Fields[i]
			queries = append(queries, opora.ReportQuery{Subject: opora.SubjectClients, Measure: opora.MeasureCount,
				GroupBy: []opora.Dimension{opora.FieldDimension(f.ID)}})
			break
		}
	}
	results := make([]*opora.ReportResult, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	order := []int{1, 0}
	for i := 2; i < len(queries); i++ {
		order = append(order, i)
	}
	for _, i := range order {
		qq := base
		qq.Subject, qq.Measure, qq.GroupBy = queries[i].Subject, queries[i].Measure, queries[i].GroupBy
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			results[i], errs[i] = s.store.RunReport(r.Context(), &qq)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	newClients, active, services, opened, closed := results[0], results[1], results[2], results[3], results[4]
	var charts []dashChart
	add := func(title string, res *opora.ReportResult, m opora.Measure) {
		t := s.resultTable(r, res, m, export, opts)
		charts = append(charts, dashChart{Title: title, Table: t, Chart: chartOf(t, 24, 0), Empty: emptyRows(t.Rows)})
	}
	kpis := []dashKPI{
		{l.T("dashboard.new_clients"), newClients.Total},
		{l.T("dashboard.active_clients"), active.Total},
		{l.T("dashboard.services"), services.Total},
		{l.T("dashboard.cases_opened"), opened.Total},
		{l.T("dashboard.cases_closed"), closed.Total}}
	add(l.T("dashboard.trend_clients"), newClients.Marginal(0), opora.MeasureCount)
	add(l.T("dashboard.trend_services"), services.Marginal(0), opora.MeasureCount)
	add(l.T("dashboard.services_by_type"), services.Marginal(1), opora.MeasureCount)
	add(l.T("dashboard.gender"), newClients.Marginal(1), opora.MeasureCount)
	add(l.T("dashboard.age"), newClients.Marginal(2), opora.MeasureCount)
	add(l.T("dashboard.closed_outcomes"), closed, opora.MeasureCount)
	if reasonField != nil {
		add(reasonField.Label, results[5], opora.MeasureCount)
	}
	return kpis, charts, nil
}
