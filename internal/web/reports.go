package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
	"github.com/opora-project/opora/internal/store"
)

// reportForm reads the builder's parameters. Unknown names are ignored;
// bad values come back as field errors.
// chosenIDs reads the ids chosen in a multiple select (formIDs ignores bad ones); anything that is not
// a positive number is an error on that field.
func chosenIDs(vals url.Values, name string, v *opora.Validation) []int64 {
	var out []int64
	for _, s := range vals[name] {
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			v.Add(name, "error.invalid_choice")
			continue
		}
		out = append(out, id)
	}
	return out
}

func parseReportQuery(vals url.Values, now time.Time) (*opora.ReportQuery, error) {
	var v opora.Validation
	q := &opora.ReportQuery{Subject: opora.ReportSubject(vals.Get("subject")), Measure: opora.Measure(vals.Get("measure"))}
	if q.Subject == "" {
		q.Subject = opora.SubjectServices
	}
	if q.Measure == "" {
		q.Measure = opora.MeasureCount
	}
	q.From, q.To = defaultPeriod(now)
	if s := vals.Get("from"); s != "" {
		if d, ok := opora.ParseDate(s); ok {
			q.From = d
		} else {
			v.Add("from", "error.date")
		}
	}
	if s := vals.Get("to"); s != "" {
		if d, ok := opora.ParseDate(s); ok {
			q.To = d
		} else {
			v.Add("to", "error.date")
		}
	}
	ids := func(name string) []int64 { return chosenIDs(vals, name, &v) }
	q.BranchIDs, q.WorkerIDs = ids("branch"), ids("worker")
	q.ServiceTypeIDs, q.CaseTypeIDs, q.TaskTypeIDs = ids("service_type"), ids("case_type"), ids("task_type")
	q.Gender = opora.Gender(vals.Get("gender"))
	q.HomelessStatus = opora.HomelessStatus(vals.Get("homeless"))
	q.CaseStatus = vals.Get("case_status")
	if q.CaseStatus != "" && q.CaseStatus != "open" && q.CaseStatus != "closed" {
		v.Add("case_status", "error.invalid_choice")
	}
	num := func(name string) int {
		s := strings.TrimSpace(vals.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 150 {
			v.Add("age", "error.age_range")
		}
		return n
	}
	q.AgeMin, q.AgeMax = num("age_min"), num("age_max")
	for _, g := range []string{vals.Get("group"), vals.Get("group2")} {
		if g != "" {
			q.GroupBy = append(q.GroupBy, opora.Dimension(g))
		}
	}
	for name, vs := range vals {
		fid, ok := strings.CutPrefix(name, "field_")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(fid, 10, 64)
		if err != nil || id <= 0 {
			v.Add("field", "error.unknown_field")
			continue
		}
		ff := opora.FieldFilter{FieldID: id}
		for _, s := range vs {
			if s == "" {
				continue
			}
			oid, err := strconv.ParseInt(s, 10, 64)
			if err != nil || oid <= 0 {
				v.Add("field", "error.invalid_choice")
				continue
			}
			ff.OptionIDs = append(ff.OptionIDs, oid)
		}
		if len(ff.OptionIDs) > 0 {
			q.Fields = append(q.Fields, ff)
		}
	}
	if err := v.Err(); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// defaultPeriod is the current year up to today.
func defaultPeriod(now time.Time) (opora.Date, opora.Date) {
	today := opora.Today(now, time.Local)
	return opora.NewDate(today.Year(), time.January, 1), today
}

// keyLabel turns a raw group key into what a person reads.
func keyLabel(l interface{ T(string, ...any) string }, d opora.Dimension, raw string, labels map[string]string) string {
	if raw == "" {
		return l.T("reports.not_recorded")
	}
	if labels != nil {
		if s, ok := labels[raw]; ok {
			return s
		}
	}
	switch d {
	case opora.DimMonth:
		if t, err := time.Parse("2006-01", raw); err == nil {
			return l.T(fmt.Sprintf("month.%d", t.Month())) + " " + strconv.Itoa(t.Year())
		}
	case opora.DimQuarter:
		if y, q, ok := strings.Cut(raw, "-Q"); ok {
			return l.T("reports.quarter", "Q", q, "Year", y)
		}
	case opora.DimGender:
		return l.T("gender." + raw)
	case opora.DimHomeless:
		return l.T("homeless." + raw)
	case opora.DimAgeBand:
		return strings.Replace(raw, "-", "–", 1)
	case opora.DimOutcome:
		return l.T("cases.outcome." + raw)
	case opora.DimCaseStatus:
		return l.T("case_status." + raw)
	case opora.DimItem:
		if raw == "0" {
			return l.T("reports.item_came")
		}
	}
	return raw
}

// keyCell is the spreadsheet cell of a group key: months become dates.
func keyCell(l interface{ T(string, ...any) string }, d opora.Dimension, raw string, labels map[string]string) report.Cell {
	if d == opora.DimMonth {
		if t, err := time.Parse("2006-01", raw); err == nil {
			return report.Month(t)
		}
	}
	if d == opora.DimYear {
		if y, err := strconv.Atoi(raw); err == nil {
			return report.Number(float64(y))
		}
	}
	return report.Text(keyLabel(l, d, raw, labels))
}

// resultTable turns a report result into a table. For a spreadsheet
// (export) months and years stay dates and numbers; on screen they read as
// words. opts names questionnaire fields in the headers.
func (s *Server) resultTable(r *http.Request, res *opora.ReportResult, measure opora.Measure, export bool, opts *store.ReportOptions) *report.Table {
	l := s.loc(r)
	t := &report.Table{}
	for _, d := range res.Columns {
		t.Headers = append(t.Headers, dimLabel(l, d, opts))
	}
	t.Headers = append(t.Headers, l.T("measure."+string(measure)))
	for _, row := range res.Rows {
		var cells []report.Cell
		for i, k := range row.Keys {
			if export {
				cells = append(cells, keyCell(l, res.Columns[i], k, res.Labels[i]))
			} else {
				cells = append(cells, report.Text(keyLabel(l, res.Columns[i], k, res.Labels[i])))
			}
		}
		cells = append(cells, measureCell(measure, row.Value))
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// measureCell is a measure's value as a cell: sums of money are roubles.
func measureCell(m opora.Measure, v float64) report.Cell {
	if m == opora.MeasureSumAmount {
		return report.Money(roundMeasure(m, v))
	}
	return report.Number(roundMeasure(m, v))
}

func roundMeasure(m opora.Measure, v float64) float64 {
	switch m {
	case opora.MeasureAvgAge:
		return float64(int64(v*10+0.5)) / 10
	case opora.MeasureSumAmount:
		return v / 100 // kopecks → rubles
	}
	return v
}

// dimLabel names a dimension; field dimensions use the field's label.
func dimLabel(l interface{ T(string, ...any) string }, d opora.Dimension, opts *store.ReportOptions) string {
	if id, ok := d.FieldID(); ok {
		if opts != nil {
			for _, f := range opts.Fields {
				if f.ID == id {
					return f.Label
				}
			}
		}
		return l.T("reports.field")
	}
	return l.T("dim." + string(d))
}

// builderData is what the builder page shows.
type builderData struct {
	Query      *opora.ReportQuery
	Options    *store.ReportOptions
	Subjects   []option
	Measures   []option
	Dimensions []option
	Branches   []option
	Workers    []option
	Result     *opora.ReportResult
	Table      *report.Table
	Page       [][]report.Cell
	PageTable  *report.Table // the headers and the page's rows
	Pager      pager
	Total      string
	Chart      report.BarChart
	Empty      bool         // the report has nothing for the period
	QueryStr   template.URL // the query for links (url.Values.Encode, so safe after "?")
	Saved      []*opora.SavedReport
	SavedID    int64
	// Options2 holds the other select boxes' choices by name; FieldOptions
	// the options of each questionnaire field.
	Options2     map[string][]option
	FieldOptions map[int64][]option
}

func (s *Server) builderOptions(r *http.Request) (*builderData, error) {
	ctx := r.Context()
	l := s.loc(r)
	opts, err := s.store.ReportOptions(ctx)
	if err != nil {
		return nil, err
	}
	d := &builderData{Options: opts}
	for _, sj := range opora.ReportSubjects {
		d.Subjects = append(d.Subjects, option{string(sj), l.T("subject." + string(sj))})
	}
	for _, m := range opora.Measures {
		d.Measures = append(d.Measures, option{string(m), l.T("measure." + string(m))})
	}
	d.Dimensions = []option{{"", l.T("reports.no_group")}}
	for _, dim := range []opora.Dimension{opora.DimMonth, opora.DimQuarter, opora.DimYear, opora.DimBranch, opora.DimWorker,
		opora.DimGender, opora.DimAgeBand, opora.DimHomeless, opora.DimServiceType, opora.DimTaskType, opora.DimCaseType,
		opora.DimCaseStatus, opora.DimOutcome, opora.DimPoint, opora.DimItem} {
		d.Dimensions = append(d.Dimensions, option{string(dim), l.T("dim." + string(dim))})
	}
	for _, f := range opts.Fields {
		d.Dimensions = append(d.Dimensions, option{string(opora.FieldDimension(f.ID)), l.T("reports.by_field", "Field", f.Label)})
	}
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range branches {
		d.Branches = append(d.Branches, option{idString(b.ID), b.Name})
	}
	workers, err := s.store.Colleagues(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range workers {
		d.Workers = append(d.Workers, option{idString(w.ID), w.FullName})
	}
	if d.Saved, err = s.store.SavedReports(ctx); err != nil {
		return nil, err
	}
	choices := func(cs []store.ReportChoice) []option {
		var out []option
		for _, c := range cs {
			out = append(out, option{idString(c.ID), c.Label})
		}
		return out
	}
	d.Options2 = map[string][]option{
		"gender": {{"", l.T("common.all")}, {"male", l.T("gender.male")}, {"female", l.T("gender.female")}},
		"homeless": {{"", l.T("common.all")}, {"homeless", l.T("homeless.homeless")}, {"at_risk", l.T("homeless.at_risk")},
			{"housed", l.T("homeless.housed")}},
		"case_status":  {{"", l.T("common.all")}, {"open", l.T("case_status.open")}, {"closed", l.T("case_status.closed")}},
		"service_type": choices(opts.ServiceTypes),
		"case_type":    choices(opts.CaseTypes),
		"task_type":    choices(opts.TaskTypes),
	}
	d.FieldOptions = map[int64][]option{}
	for _, f := range opts.Fields {
		d.FieldOptions[f.ID] = choices(f.Options)
	}
	return d, nil
}

// builderValues turns a query back into form values (for the form and links).
func builderValues(vals url.Values, q *opora.ReportQuery) url.Values {
	out := url.Values{}
	for k, v := range vals {
		if k != "page" && k != "name" && k != "shared" {
			out[k] = v
		}
	}
	out.Set("subject", string(q.Subject))
	out.Set("measure", string(q.Measure))
	if out.Get("from") == "" {
		out.Set("from", q.From.Format("2006-01-02"))
	}
	if out.Get("to") == "" {
		out.Set("to", q.To.Format("2006-01-02"))
	}
	return out
}

const reportPageRows = 100

func (s *Server) reportBuilder(w http.ResponseWriter, r *http.Request) error {
	return s.renderBuilder(w, r, r.URL.Query(), 0)
}

func (s *Server) renderBuilder(w http.ResponseWriter, r *http.Request, vals url.Values, savedID int64) error {
	d, err := s.builderOptions(r)
	if err != nil {
		return err
	}
	d.SavedID = savedID
	q, qerr := parseReportQuery(vals, s.store.Now())
	d.Query = q
	form := builderValues(vals, q)
	d.QueryStr = template.URL(form.Encode())
	status := http.StatusOK
	run := vals.Get("run") != "" || savedID != 0
	if qerr == nil && run {
		res, err := s.store.RunReport(r.Context(), q)
		switch {
		case err == nil:
			d.Result = res
			d.Table = s.resultTable(r, res, q.Measure, false, d.Options)
			d.Total = report.FormatNumber(roundMeasure(q.Measure, res.Total))
			page := pageNum(r)
			from := (page - 1) * reportPageRows
			if from > len(d.Table.Rows) {
				from = len(d.Table.Rows)
			}
			to := min(from+reportPageRows, len(d.Table.Rows))
			d.Page = d.Table.Rows[from:to]
			d.PageTable = &report.Table{Headers: d.Table.Headers, Rows: d.Page}
			d.Pager = newPager(r, page, reportPageRows, len(d.Table.Rows))
			d.Chart = chartOf(d.Table, 30, 0)
			d.Empty = emptyRows(d.Table.Rows)
		case opora.ErrorCode(err) == opora.EINVALID:
			qerr = err
		default:
			return err
		}
	}
	if qerr != nil {
		status = http.StatusUnprocessableEntity
	}
	v := s.newView(r, "reports.builder")
	v.Nav = "reports"
	v.Form = newForm(form, qerr)
	v.Data = d
	return s.render(w, r, status, "reports_builder", v)
}

// chartOf draws the first rows of a table: label = the first keys columns
// (0: all but the last), value = the last column, named by its header.
func chartOf(t *report.Table, max, keys int) report.BarChart {
	var labels []string
	var values []float64
	for i, row := range t.Rows {
		if i >= max {
			break
		}
		n := len(row) - 1
		if keys > 0 {
			n = min(keys, n)
		}
		var parts []string
		for _, c := range row[:n] {
			parts = append(parts, c.String())
		}
		labels = append(labels, strings.Join(parts, " · "))
		values = append(values, row[len(row)-1].Number)
	}
	measure := ""
	if len(t.Headers) > 0 {
		measure = t.Headers[len(t.Headers)-1]
	}
	return report.Bars(measure, labels, values)
}

func (s *Server) reportExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	vals := r.URL.Query()
	q, err := parseReportQuery(vals, s.store.Now())
	if err != nil {
		return err
	}
	res, err := s.store.RunReport(r.Context(), q)
	if err != nil {
		return err
	}
	opts, err := s.store.ReportOptions(r.Context())
	if err != nil {
		return err
	}
	t := s.resultTable(r, res, q.Measure, true, opts)
	l := s.loc(r)
	t.Rows = append(t.Rows, totalsRow(l, t, measureCell(q.Measure, res.Total)))
	f := exportFile{Key: "report", Name: l.T("subject." + string(q.Subject)), From: q.From, To: q.To}
	return s.sendTable(w, r, x, t, f, builderValues(vals, q).Encode(), len(res.Rows))
}

func totalsRow(l interface{ T(string, ...any) string }, t *report.Table, total report.Cell) []report.Cell {
	row := make([]report.Cell, len(t.Headers))
	for i := range row {
		row[i] = report.Text("")
	}
	row[0] = report.Text(l.T("reports.total"))
	row[len(row)-1] = total
	return row
}

// exportFile names an export: Key in ASCII (the audit row, the fallback
// file name), Name as people read it (the file, the sheet), the period.
type exportFile struct {
	Key, Name string
	From, To  opora.Date
}

// period is the export's period as dd.mm.yyyy–dd.mm.yyyy.
func (f exportFile) period() string {
	return f.From.Format("02.01.2006") + "–" + f.To.Format("02.01.2006")
}

// title is the report's name and period: the first line of the sheet
// (and of a CSV when asked).
func (f exportFile) title() string { return f.Name + ", " + f.period() }

// fileSafe replaces what file systems or the header's quoting do not take
// in a file name (/\:*?"<>| and control characters) with spaces.
func fileSafe(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return ' '
		}
		return r
	}, s)), " ")
}

// csvOptions are how the user's CSV is written: the Russian way (";",
// decimal comma, dd.mm.yyyy) for a Russian-speaking user, and the title
// line when the export form asked for it (title=1).
func (s *Server) csvOptions(r *http.Request, title string) report.CSVOptions {
	o := report.CSVOptions{Russian: s.lang(r) == "ru"}
	if r.URL.Query().Get("title") == "1" {
		o.Title = title
	}
	return o
}

func (s *Server) reportsHome(w http.ResponseWriter, r *http.Request) error {
	saved, err := s.store.SavedReports(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "reports.title")
	v.Nav = "reports"
	v.Data = map[string]any{"Saved": saved, "Standard": standardReports}
	return s.render(w, r, http.StatusOK, "reports_list", v)
}

func (s *Server) reportSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	vals, err := url.ParseQuery(r.PostForm.Get("query"))
	if err != nil {
		return opora.Errorf(opora.EINVALID, "error.invalid")
	}
	q, qerr := parseReportQuery(vals, s.store.Now())
	if qerr != nil {
		return s.renderBuilder(w, r, vals, 0)
	}
	// The period is not kept: a saved report reruns for whatever period is chosen.
	keep := builderValues(vals, q)
	keep.Del("from")
	keep.Del("to")
	keep.Del("run")
	sr := &opora.SavedReport{Name: r.PostForm.Get("name"), Query: keep.Encode(), Shared: r.PostForm.Get("shared") == "1"}
	if id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64); err == nil {
		sr.ID = id
	}
	if err := s.store.SaveReport(r.Context(), sr); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			vals.Set("run", "1")
			return s.redirect(w, r, "/reports/builder?"+vals.Encode(), "reports.name_required")
		}
		return err
	}
	return s.redirect(w, r, "/reports/saved/"+idString(sr.ID)+"?from="+url.QueryEscape(vals.Get("from"))+"&to="+url.QueryEscape(vals.Get("to")), "reports.saved")
}

func (s *Server) reportSaved(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sr, err := s.store.SavedReport(r.Context(), id)
	if err != nil {
		return err
	}
	vals, err := url.ParseQuery(sr.Query)
	if err != nil {
		return err
	}
	// Another period may be given on the URL.
	for _, k := range []string{"from", "to"} {
		if v := r.URL.Query().Get(k); v != "" {
			vals.Set(k, v)
		}
	}
	vals.Set("run", "1")
	return s.renderBuilder(w, r, vals, sr.ID)
}

func (s *Server) reportSavedDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteSavedReport(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/reports", "reports.deleted")
}
