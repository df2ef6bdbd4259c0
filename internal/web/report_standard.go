package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
)

// standardReport is one of the ready-made reports in the list. Each takes
// the period, branch and worker filters and builds a table.
type standardReport struct {
	Key   string
	Build func(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error)
	// Keys is how many leading columns name a row (the chart's labels);
	// the chart plots the last column. 0: all but the last.
	Keys int
}

var standardReports = []standardReport{
	{"services_by_type", stdServicesByType, 1},
	{"tasks_done_by_type", stdTasksDone, 1},
	{"closed_results", stdClosedResults, 1},
	{"ongoing", stdOngoing, 0},
	{"sociodemographic", stdSociodemographic, 0},
	{"shelter_leavers", stdShelterLeavers, 0},
}

func stdShelterLeavers(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error) {
	l := s.loc(r)
	counts, total, err := s.store.ShelterLeavers(r.Context(), q)
	if err != nil {
		return nil, err
	}
	t := &report.Table{Headers: []string{l.T("reports.left_how"), l.T("reports.plan_result"), l.T("reports.people")}}
	for _, c := range counts {
		result := l.T("cases.outcome." + c.Result)
		switch c.Result {
		case "open":
			result = l.T("reports.case_open")
		case "none":
			result = l.T("reports.no_case")
		}
		t.Rows = append(t.Rows, []report.Cell{report.Text(l.T("reports.leaver." + c.Status)), report.Text(result),
			report.Number(float64(c.Count))})
	}
	t.Rows = append(t.Rows, []report.Cell{report.Text(l.T("reports.total")), report.Text(""), report.Number(float64(total))})
	return t, nil
}

// twoMeasures runs the same grouping with "times" and "distinct clients"
// and joins them into one table.
func (s *Server) twoMeasures(r *http.Request, q *opora.ReportQuery, dim opora.Dimension) (*report.Table, error) {
	l := s.loc(r)
	q.GroupBy = []opora.Dimension{dim}
	q.Measure = opora.MeasureCount
	times, err := s.store.RunReport(r.Context(), q)
	if err != nil {
		return nil, err
	}
	qc := *q
	qc.Measure = opora.MeasureDistinctClients
	clients, err := s.store.RunReport(r.Context(), &qc)
	if err != nil {
		return nil, err
	}
	byKey := map[string]float64{}
	for _, row := range clients.Rows {
		byKey[row.Keys[0]] = row.Value
	}
	t := &report.Table{Headers: []string{l.T("dim." + string(dim)), l.T("reports.times"), l.T("measure.distinct_clients")}}
	for _, row := range times.Rows {
		t.Rows = append(t.Rows, []report.Cell{report.Text(keyLabel(l, dim, row.Keys[0], times.Labels[0])), report.Number(row.Value),
			report.Number(byKey[row.Keys[0]])})
	}
	t.Rows = append(t.Rows, []report.Cell{report.Text(l.T("reports.total")), report.Number(times.Total), report.Number(clients.Total)})
	return t, nil
}

func stdServicesByType(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error) {
	q.Subject = opora.SubjectServices
	return s.twoMeasures(r, q, opora.DimServiceType)
}

func stdTasksDone(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error) {
	q.Subject = opora.SubjectTasks
	return s.twoMeasures(r, q, opora.DimTaskType)
}

func stdClosedResults(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error) {
	q.Subject = opora.SubjectClosed
	return s.twoMeasures(r, q, opora.DimOutcome)
}

func stdOngoing(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error) {
	l := s.loc(r)
	bands, total, err := s.store.OngoingSupport(r.Context(), q)
	if err != nil {
		return nil, err
	}
	t := &report.Table{Headers: []string{l.T("reports.duration"), l.T("reports.cases")}}
	for _, b := range bands {
		t.Rows = append(t.Rows, []report.Cell{report.Text(l.T("duration." + b.Key)), report.Number(float64(b.Count))})
	}
	t.Rows = append(t.Rows, []report.Cell{report.Text(l.T("reports.total")), report.Number(float64(total))})
	return t, nil
}

func stdSociodemographic(s *Server, r *http.Request, q *opora.ReportQuery) (*report.Table, error) {
	l := s.loc(r)
	sd, err := s.store.SociodemographicSummary(r.Context(), q, "profession")
	if err != nil {
		return nil, err
	}
	round1 := func(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
	t := &report.Table{Headers: []string{l.T("reports.indicator"), l.T("reports.value")}}
	add := func(label string, v float64) {
		t.Rows = append(t.Rows, []report.Cell{report.Text(label), report.Number(v)})
	}
	add(l.T("socio.total"), float64(sd.Total))
	add(l.T("socio.men"), float64(sd.Men))
	add(l.T("socio.women"), float64(sd.Women))
	add(l.T("socio.gender_unknown"), float64(sd.GenderUnknown))
	add(l.T("socio.avg_age"), round1(sd.AvgAge))
	add(l.T("socio.avg_years_homeless"), round1(sd.AvgYearsHomeless))
	add(l.T("socio.with_profession"), float64(sd.WithProfession))
	add(l.T("socio.without_profession"), float64(sd.NoProfession))
	for _, f := range sd.Fields {
		for _, o := range f.Field.Options {
			add(f.Field.Label+": "+o.Label, float64(sd.Counts(f, o.ID)))
		}
		add(f.Field.Label+": "+l.T("reports.not_recorded"), float64(sd.Total-f.Answered))
	}
	return t, nil
}

func (s *Server) standardByKey(r *http.Request) (*standardReport, error) {
	key := r.PathValue("key")
	for i := range standardReports {
		if standardReports[i].Key == key {
			return &standardReports[i], nil
		}
	}
	return nil, opora.ErrNotFound
}

func (s *Server) reportStandard(w http.ResponseWriter, r *http.Request) error {
	sr, err := s.standardByKey(r)
	if err != nil {
		return err
	}
	d, err := s.builderOptions(r)
	if err != nil {
		return err
	}
	vals := r.URL.Query()
	q, qerr := parseReportQuery(vals, s.store.Now())
	d.Query = q
	form := builderValues(vals, q)
	d.QueryStr = template.URL(form.Encode())
	status := http.StatusOK
	if qerr == nil {
		t, err := sr.Build(s, r, q)
		switch {
		case err == nil:
			d.Table = t
			d.Page = t.Rows
			groups := withoutTotals(s.loc(r), t.Rows)
			d.Chart = chartOf(&report.Table{Headers: t.Headers, Rows: groups}, 30, sr.Keys)
			d.Empty = emptyRows(groups)
		case opora.ErrorCode(err) == opora.EINVALID:
			qerr = err
		default:
			return err
		}
	}
	if qerr != nil {
		status = http.StatusUnprocessableEntity
	}
	v := s.newView(r, "std."+sr.Key)
	v.Nav = "reports"
	v.Form = newForm(form, qerr)
	v.Data = map[string]any{"B": d, "Key": sr.Key}
	return s.render(w, r, status, "reports_standard", v)
}

// withoutTotals drops a final totals row (reports.total in the first
// cell) so charts show only the groups.
func withoutTotals(l interface{ T(string, ...any) string }, rows [][]report.Cell) [][]report.Cell {
	if n := len(rows); n > 0 && len(rows[n-1]) > 0 && rows[n-1][0].Text == l.T("reports.total") {
		return rows[:n-1]
	}
	return rows
}

// emptyRows tells a report with nothing to show: no rows, or only zeros.
func emptyRows(rows [][]report.Cell) bool {
	for _, row := range rows {
		for _, c := range row {
			if c.IsNumber() && c.Number != 0 {
				return false
			}
		}
	}
	return true
}

func (s *Server) reportStandardExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	sr, err := s.standardByKey(r)
	if err != nil {
		return err
	}
	vals := r.URL.Query()
	q, err := parseReportQuery(vals, s.store.Now())
	if err != nil {
		return err
	}
	t, err := sr.Build(s, r, q)
	if err != nil {
		return err
	}
	l := s.loc(r)
	f := exportFile{Key: "std-" + sr.Key, Name: l.T("std." + sr.Key), From: q.From, To: q.To}
	params := url.Values{"from": {vals.Get("from")}, "to": {vals.Get("to")}, "branch": vals["branch"], "worker": vals["worker"]}
	return s.sendTable(w, r, x, t, f, params.Encode(), len(t.Rows))
}
