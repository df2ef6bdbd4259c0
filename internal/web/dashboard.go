package web

import (
	"net/http"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
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
	run := func(subject opora.ReportSubject, m opora.Measure, dims ...opora.Dimension) (*opora.ReportResult, error) {
		qq := base
		qq.Subject, qq.Measure, qq.GroupBy = subject, m, dims
		return s.store.RunReport(r.Context(), &qq)
	}
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
	// New clients once, by month × gender × age band: the total, the trend
	// and both breakdowns are its sums.
	newClients, err := run(opora.SubjectClients, opora.MeasureCount, opora.DimMonth, opora.DimGender, opora.DimAgeBand)
	if err != nil {
		return err
	}
	active, err := run(opora.SubjectServices, opora.MeasureDistinctClients)
	if err != nil {
		return err
	}
	// Services once, by month × type: the total, the trend and the
	// breakdown by type are its sums.
	services, err := run(opora.SubjectServices, opora.MeasureCount, opora.DimMonth, opora.DimServiceType)
	if err != nil {
		return err
	}
	opened, err := run(opora.SubjectCases, opora.MeasureCount)
	if err != nil {
		return err
	}
	closed, err := run(opora.SubjectClosed, opora.MeasureCount, opora.DimOutcome)
	if err != nil {
		return err
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
	// Homelessness reasons: the questionnaire field seeded with key "homeless_reason", if the organisation kept it.
	for _, f := range d.Options.Fields {
		if f.Key == "homeless_reason" {
			res, err := run(opora.SubjectClients, opora.MeasureCount, opora.FieldDimension(f.ID))
			if err != nil {
				return err
			}
			add(f.Label, res, opora.MeasureCount)
		}
	}
	data["KPIs"], data["Charts"] = kpis, charts
	return s.render(w, r, http.StatusOK, "reports_dashboard", v)
}
