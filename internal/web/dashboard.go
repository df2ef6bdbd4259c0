package web

import (
	"errors"
	"net/http"
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
}

// dashboard shows the organisation's (or a branch's) numbers for a period.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	l := s.loc(r)
	vals := r.URL.Query()
	q, qerr := parseReportQuery(vals, s.store.Now())
	d, err := s.builderOptions(r)
	if err != nil {
		return err
	}
	d.Query = q
	v := s.newView(r, "dashboard.title")
	v.Nav = "dashboard"
	v.Form = newForm(builderValues(vals, q), qerr)
	data := map[string]any{"B": d}
	v.Data = data
	if qerr != nil {
		return s.render(w, r, http.StatusUnprocessableEntity, "reports_dashboard", v)
	}
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
	for i, f := range d.Options.Fields {
		if f.Key == "homeless_reason" {
			reasonField = &d.Options.Fields[i]
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
		return err
	}
	newClients, active, services, opened, closed := results[0], results[1], results[2], results[3], results[4]
	type kpi struct {
		Label string
		Value string
	}
	var kpis []kpi
	var charts []dashChart
	add := func(title string, res *opora.ReportResult, m opora.Measure) {
		t := s.resultTable(r, res, m, false)
		charts = append(charts, dashChart{Title: title, Table: t, Chart: chartOf(t, 24)})
	}
	kpis = append(kpis,
		kpi{l.T("dashboard.new_clients"), report.FormatNumber(newClients.Total)},
		kpi{l.T("dashboard.active_clients"), report.FormatNumber(active.Total)},
		kpi{l.T("dashboard.services"), report.FormatNumber(services.Total)},
		kpi{l.T("dashboard.cases_opened"), report.FormatNumber(opened.Total)},
		kpi{l.T("dashboard.cases_closed"), report.FormatNumber(closed.Total)})
	add(l.T("dashboard.trend_clients"), newClients.Marginal(0), opora.MeasureCount)
	add(l.T("dashboard.trend_services"), services.Marginal(0), opora.MeasureCount)
	add(l.T("dashboard.services_by_type"), services.Marginal(1), opora.MeasureCount)
	add(l.T("dashboard.gender"), newClients.Marginal(1), opora.MeasureCount)
	add(l.T("dashboard.age"), newClients.Marginal(2), opora.MeasureCount)
	add(l.T("dashboard.closed_outcomes"), closed, opora.MeasureCount)
	if reasonField != nil {
		add(reasonField.Label, results[5], opora.MeasureCount)
	}
	data["KPIs"], data["Charts"] = kpis, charts
	return s.render(w, r, http.StatusOK, "reports_dashboard", v)
}
