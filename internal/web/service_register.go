package web

import (
	"context"
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

// The services register (Реестр услуг): every service of a period, one line
// each with the client's name, for handing to a funder. The page shows the
// number of rows, the sum and the first rows; the export streams the whole
// register as XLSX or CSV. Names are personal data: both need client.read
// besides the report permissions, and both are audit-logged.

// registerPageRows is how many rows the page shows.
const registerPageRows = 100

// maxXLSXRows is how many rows an XLSX export may hold: a sheet's
// (tests lower it).
var maxXLSXRows = opora.MaxXLSXRows

// registerFilters are the form fields kept in links and audit rows.
var registerFilters = []string{"from", "to", "branch", "worker", "service_type"}

// parseRegisterQuery reads the register's form. The values returned are
// what the form shows again: the user's own text, and the default period
// (this month up to today) where none was given.
func parseRegisterQuery(vals url.Values, now time.Time) (*opora.RegisterQuery, url.Values, error) {
	var v opora.Validation
	form := url.Values{}
	for _, k := range registerFilters {
		if vs, ok := vals[k]; ok {
			form[k] = vs
		}
	}
	today := opora.ServiceToday(now)
	q := &opora.RegisterQuery{From: opora.NewDate(today.Year(), today.Month(), 1), To: today}
	date := func(name string, dst *opora.Date) {
		s := strings.TrimSpace(vals.Get(name))
		if s == "" {
			form.Set(name, dst.Format("2006-01-02"))
			return
		}
		d, ok := opora.ParseDate(s)
		if !ok {
			v.Add(name, "error.date")
			return
		}
		*dst = d
	}
	date("from", &q.From)
	date("to", &q.To)
	ids := func(name string) []int64 { return chosenIDs(vals, name, &v) }
	q.BranchIDs, q.WorkerIDs, q.ServiceTypeIDs = ids("branch"), ids("worker"), ids("service_type")
	if err := v.Err(); err != nil {
		return q, form, err
	}
	return q, form, q.Validate()
}

// registerData is what the register page shows.
type registerData struct {
	Branches, Workers, ServiceTypes []option
	Ran                             bool
	Totals                          store.RegisterTotals
	RowsText                        string // "12 345 строк"
	Rows                            []store.RegisterRow
	QueryStr                        template.URL // the filters, for the export links
	Values                          url.Values   // the filters, for the export form
}

func (s *Server) serviceRegister(w http.ResponseWriter, r *http.Request) error {
	return s.renderRegister(w, r, r.URL.Query(), nil)
}

// renderRegister shows the form and, when it was submitted (run=1) and is
// valid, the totals and the first rows. formErr is a whole-form message from
// the export (too many rows for a spreadsheet): the rows are shown with it,
// so the CSV button is at hand.
func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, vals url.Values, formErr error) error {
	ctx := r.Context()
	if err := opora.ActorFrom(ctx).Require(opora.PermClientRead); err != nil {
		return err
	}
	b, err := s.builderOptions(r)
	if err != nil {
		return err
	}
	d := &registerData{Branches: b.Branches, Workers: b.Workers, ServiceTypes: b.Options2["service_type"]}
	q, form, qerr := parseRegisterQuery(vals, s.store.Now())
	d.QueryStr = template.URL(form.Encode()) // url.Values.Encode: escaped, safe in a link
	d.Values = form
	if qerr == nil && (vals.Get("run") != "" || formErr != nil) {
		if d.Totals, err = s.store.CountServiceRegister(ctx, q); err != nil {
			return err
		}
		if _, err := s.store.ServiceRegister(ctx, q, registerPageRows, func(row *store.RegisterRow) error {
			d.Rows = append(d.Rows, *row)
			return nil
		}); err != nil {
			return err
		}
		if err := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "services_register",
			Section: auditSection("screen", string(d.QueryStr), d.Totals.Rows)}); err != nil {
			return err
		}
		d.Ran = true
		d.RowsText = s.loc(r).N("register.rows", d.Totals.Rows, "Count", groupDigits(d.Totals.Rows))
	}
	status := http.StatusOK
	if qerr == nil {
		qerr = formErr
	}
	if qerr != nil {
		status = http.StatusUnprocessableEntity
	}
	v := s.newView(r, "register.title")
	v.Nav = "reports"
	v.Form = newForm(form, qerr)
	if e, ok := formErr.(*registerTooBig); ok {
		v.Form.Error, v.Form.Args = "register.too_big_xlsx", map[string]string{"Rows": groupDigits(e.rows),
			"Max": groupDigits(maxXLSXRows)}
	}
	v.Data = d
	return s.render(w, r, status, "reports_register", v)
}

// registerTooBig refuses an XLSX export of more rows than a sheet holds.
type registerTooBig struct{ rows int }

func (e *registerTooBig) Error() string {
	return fmt.Sprintf("register: %d rows do not fit on a sheet", e.rows)
}

// registerHeaders are the columns of the register, on the page and in files.
func registerHeaders(l interface{ T(string, ...any) string }) []string {
	return []string{l.T("services.field.rendered_on"), l.T("register.client_number"), l.T("register.client_name"),
		l.T("register.birth_year"), l.T("services.field.type"), l.T("services.field.quantity"),
		l.T("services.field.amount_rub"), l.T("services.field.worker"), l.T("services.field.branch"),
		l.T("services.field.comment")}
}

// registerCells turns a row into spreadsheet cells: the date a real date,
// numbers numbers, the amount in roubles; unknown values blank.
func registerCells(row *store.RegisterRow, cells []report.Cell) []report.Cell {
	cells = append(cells[:0], report.Date(row.RenderedOn.Time()), report.Number(float64(row.ClientID)),
		report.Text(row.ClientName()), report.Text(""), report.Text(row.TypeName), report.Number(float64(row.Quantity)),
		report.Text(""), report.Text(row.WorkerName), report.Text(row.BranchName), report.Text(row.Comment))
	if row.BirthYear != 0 {
		cells[3] = report.Number(float64(row.BirthYear))
	}
	if row.HasAmount {
		cells[6] = report.Money(float64(row.Amount) / 100)
	}
	return cells
}

// registerWidths are the XLSX column widths, in characters.
var registerWidths = []float64{11, 10, 34, 9, 30, 9, 11, 26, 26, 40}

// serviceRegisterExport streams the register as XLSX (default) or CSV
// (?format=csv). Bad filters re-render the page with the errors; an XLSX of
// more rows than a sheet holds is refused there too. The audit row (format,
// filters, row count) is written before any row leaves.
func (s *Server) serviceRegisterExport(w http.ResponseWriter, r *http.Request, x *exporter) error {
	ctx := r.Context()
	if err := opora.ActorFrom(ctx).Require(opora.PermClientRead); err != nil {
		return err
	}
	vals := r.URL.Query()
	format := vals.Get("format")
	switch format {
	case "":
		format = "xlsx"
	case "xlsx", "csv":
	default:
		return opora.Errorf(opora.EINVALID, "error.invalid")
	}
	q, form, qerr := parseRegisterQuery(vals, s.store.Now())
	if qerr != nil {
		return s.renderRegister(w, r, vals, nil)
	}
	totals, err := s.store.CountServiceRegister(ctx, q)
	if err != nil {
		return err
	}
	if format == "xlsx" && totals.Rows > maxXLSXRows {
		return s.renderRegister(w, r, vals, &registerTooBig{rows: totals.Rows})
	}
	params := form.Encode()
	if err := x.audit(ctx, &opora.AuditEntry{Entity: "services_register",
		Section: auditSection(format, params, totals.Rows)}); err != nil {
		return err
	}
	l := s.loc(r)
	f := exportFile{Key: "register", Name: l.T("register.title"), From: q.From, To: q.To}
	var cells []report.Cell
	if format == "csv" {
		if err := x.begin(w, "csv", f.disposition("csv")); err != nil {
			return err
		}
		c, err := x.newCSV(w, registerHeaders(l), s.csvOptions(r, f.title()))
		if err == nil {
			_, err = s.store.ServiceRegister(ctx, q, 0, func(row *store.RegisterRow) error {
				cells = registerCells(row, cells)
				return c.Row(cells)
			})
		}
		if err == nil {
			err = c.Flush()
		}
		if err != nil {
			// The rows have begun to leave: end the connection so the
			// browser reports a failed download, never a cut-short file.
			s.exportCutShort(r, format, err)
		}
		return nil
	}
	release, err := s.sheetSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	xs, err := x.newXLSX(report.Sheet{Name: report.SheetName(l.T("register.sheet")), Title: f.title(),
		Headers: registerHeaders(l), Widths: registerWidths, Freeze: true})
	if err != nil {
		return err
	}
	defer xs.Close()
	if _, err := s.store.ServiceRegister(ctx, q, 0, func(row *store.RegisterRow) error {
		cells = registerCells(row, cells)
		return xs.Row(cells)
	}); err != nil {
		return err
	}
	if err := x.begin(w, "xlsx", f.disposition("xlsx")); err != nil {
		return err
	}
	if _, err := xs.WriteTo(w); err != nil {
		s.exportCutShort(r, format, err)
	}
	return nil
}

// sheetSlot waits for a free slot to build a large spreadsheet in (one per
// core): a workbook of 100,000 rows is built whole before it is sent, and
// ten built at once took the server from about 200 MiB to 690 MiB.
// Further exports wait their turn, which costs them no more time than
// sharing the cores would; a download given up while waiting leaves the
// queue. Call release when the workbook is sent.
func (s *Server) sheetSlot(ctx context.Context) (release func(), err error) {
	select {
	case s.sheets <- struct{}{}:
		return func() { <-s.sheets }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// exportCutShort ends a download that failed after its first bytes: it
// logs why (a warning when the browser went away) and drops the
// connection, so the browser never keeps a cut-short file as complete.
func (s *Server) exportCutShort(r *http.Request, format string, err error) {
	log := s.log.Error
	if r.Context().Err() != nil {
		log = s.log.Warn
	}
	log("register export cut short", "request_id", requestID(r.Context()), "format", format, "err", err)
	panic(http.ErrAbortHandler)
}

// auditSection records what was shown or exported: how, the filters, the
// row count; never a name.
func auditSection(how, params string, rows int) string {
	section := fmt.Sprintf("%s %s rows=%d", how, params, rows)
	if len(section) > 1000 {
		section = section[:1000]
	}
	return section
}

// groupDigits writes a count with thin groups of three: 1048575 → "1 048 575".
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return b.String()
}
