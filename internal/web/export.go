package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/report"
	"github.com/opora-project/opora/internal/store"
)

// Exports under control (issue 22 item 7). Every download of a report or
// a list goes through one helper, export: the route table registers the
// route with its opora.ExportKind, and the helper
//
//   - checks the kind's permission (export.aggregate or
//     export.identifiable), 403 without it;
//   - for a kind that names people, asks for the purpose first: a GET shows
//     the form ("Цель выгрузки", the filters kept as hidden fields) and
//     never a file; the file comes from a POST of that form (behind the
//     cross-origin protection like every POST). The purpose travels in the
//     request body, so it stays out of URLs, browser history and proxy logs;
//   - hands the handler an exporter, which writes the audit row (the kind,
//     the filters and row count, the purpose) and only then lets a file
//     out, stamped with who exported it and when: an XLSX in its document
//     properties and its first line, a CSV in its first line.
//
// This file is the only one that sets Content-Disposition for a generated
// file or calls the report package's writers (besides client_files.go,
// which serves uploaded files): TestExportsGoThroughTheHelper fails for a
// handler that bypasses it, TestExportRoutesHaveKinds for an export route
// registered without a kind.

// exportFunc is an export handler: it gathers its rows and writes them
// through x.
type exportFunc func(w http.ResponseWriter, r *http.Request, x *exporter) error

// exportHandler is a route registered as an export of kind.
type exportHandler struct {
	http.Handler
	kind opora.ExportKind
}

// export registers fn as an export of kind (see above).
func (s *Server) export(kind opora.ExportKind, fn exportFunc) http.Handler {
	h := s.require(kind.Perm, func(w http.ResponseWriter, r *http.Request) error {
		x := &exporter{s: s, kind: kind}
		if kind.Identifiable {
			if r.Method != http.MethodPost {
				return s.renderExportReason(w, r, http.StatusOK, r.URL.Query(), nil)
			}
			if err := r.ParseForm(); err != nil {
				return err
			}
			reason := r.PostForm.Get("reason")
			if err := opora.ValidateExportReason(reason); err != nil {
				return s.renderExportReason(w, r, http.StatusUnprocessableEntity, r.PostForm, err)
			}
			x.reason = strings.TrimSpace(reason)
			// The handler reads its filters from the query, as on a GET.
			vals := url.Values{}
			for k, vs := range r.PostForm {
				if k != "reason" {
					vals[k] = vs
				}
			}
			r = r.Clone(r.Context())
			r.URL.RawQuery = vals.Encode()
		}
		st, err := s.exportStamp(r)
		if err != nil {
			return err
		}
		x.stamp = st
		// The export's reads may come from the read replica
		// (--database-read-url); its audit row goes to the primary.
		return fn(w, r.WithContext(store.OnReplica(r.Context())), x)
	})
	return &exportHandler{Handler: h, kind: kind}
}

// renderExportReason shows the purpose form of an identifiable export:
// the filters as hidden fields, the purpose with its error.
func (s *Server) renderExportReason(w http.ResponseWriter, r *http.Request, status int, vals url.Values, err error) error {
	hidden := url.Values{}
	for k, vs := range vals {
		if k != "reason" {
			hidden[k] = vs
		}
	}
	v := s.newView(r, "export.reason_title")
	v.Data = map[string]any{"Action": r.URL.Path, "Hidden": hidden, "Max": opora.MaxExportReason}
	v.Form = newForm(url.Values{"reason": {vals.Get("reason")}}, err)
	return s.render(w, r, status, "export_reason", v)
}

// exportStamp says who exports and when, in the user's language.
func (s *Server) exportStamp(r *http.Request) (*report.Stamp, error) {
	a := opora.ActorFrom(r.Context())
	org, err := s.store.Organisation(r.Context(), a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("web: export stamp: %w", err)
	}
	who := a.Login
	if a.FullName != "" {
		who = a.FullName + " (" + a.Login + ")"
	}
	creator := a.FullName
	if creator == "" {
		creator = a.Login
	}
	now := s.store.Now().Local()
	at := now.Format("02.01.2006 15:04")
	l := s.loc(r)
	return &report.Stamp{
		Line:        l.T("export.stamp_line", "User", who, "At", at, "Org", org.DisplayName()),
		Creator:     creator,
		Created:     now,
		Description: l.T("export.stamp_description", "User", who, "At", at, "Org", org.DisplayName()),
	}, nil
}

// exporter writes one export: the audit row first, then the stamped file.
type exporter struct {
	s       *Server
	kind    opora.ExportKind
	reason  string // the stated purpose (identifiable kinds)
	stamp   *report.Stamp
	audited bool
}

var errExportNotAudited = errors.New("web: export file before its audit row")

// audit writes the export's audit row: e (entity, record, section with the
// filters and row count) with the export kind and the purpose.
func (x *exporter) audit(ctx context.Context, e *opora.AuditEntry) error {
	e.Action = opora.ActionExport
	e.Changes = append(e.Changes, opora.Change{Field: "export", New: x.kind.Key})
	if x.reason != "" {
		e.Changes = append(e.Changes, opora.Change{Field: "reason", New: x.reason})
	}
	if err := x.s.store.LogAudit(ctx, e); err != nil {
		return err
	}
	x.audited = true
	return nil
}

// begin sets the headers of the file: its type by format ("csv", "json"
// or "xlsx") and disposition. It refuses before the audit row.
func (x *exporter) begin(w http.ResponseWriter, format, disposition string) error {
	if !x.audited {
		return errExportNotAudited
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	switch format {
	case "csv":
		h.Set("Content-Type", "text/csv; charset=utf-8")
	case "json":
		h.Set("Content-Type", "application/json; charset=utf-8")
	case "tar.gz":
		h.Set("Content-Type", "application/gzip")
	default:
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	h.Set("Content-Disposition", disposition)
	return nil
}

// csvOptions adds the stamp line to o.
func (x *exporter) csvOptions(o report.CSVOptions) report.CSVOptions {
	o.Stamp = x.stamp.Line
	return o
}

// writeCSV sends t as a stamped CSV.
func (x *exporter) writeCSV(w http.ResponseWriter, t *report.Table, disposition string, o report.CSVOptions) error {
	if err := x.begin(w, "csv", disposition); err != nil {
		return err
	}
	return report.WriteCSVWith(w, t, x.csvOptions(o))
}

// writeXLSX sends tables one under another on one stamped sheet.
func (x *exporter) writeXLSX(w http.ResponseWriter, sheet, title string, tables []*report.Table, disposition string) error {
	if err := x.begin(w, "xlsx", disposition); err != nil {
		return err
	}
	return report.WriteXLSXStamped(w, sheet, title, tables, x.stamp)
}

// writeJSON sends v as an indented JSON file. It carries no stamp: the
// formats sent as JSON (HSDS) have no place for one, and hold no person;
// the audit row says who exported it and when.
func (x *exporter) writeJSON(w http.ResponseWriter, v any, disposition string) error {
	if err := x.begin(w, "json", disposition); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// sendArchive sends an archive of size bytes read from r as the file
// name (ASCII). It carries no stamp (a tar.gz has no place for one); the
// audit row says who exported it, when and why, and the archive's
// manifest when it was made.
func (x *exporter) sendArchive(w http.ResponseWriter, r io.Reader, size int64, name string) error {
	if err := x.begin(w, "tar.gz", plainDisposition(name)); err != nil {
		return err
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	n, err := io.Copy(w, r)
	if err == nil && n != size {
		err = fmt.Errorf("web: archive: sent %d of %d bytes", n, size)
	}
	return err
}

// newCSV starts a stamped CSV stream with its headers (for exports too
// big to hold); begin must have been called.
func (x *exporter) newCSV(w io.Writer, headers []string, o report.CSVOptions) (*report.CSVStream, error) {
	if !x.audited {
		return nil, errExportNotAudited
	}
	return report.NewCSVWith(w, headers, x.csvOptions(o))
}

// newXLSX starts a stamped workbook built row by row.
func (x *exporter) newXLSX(s report.Sheet) (*report.XLSXStream, error) {
	if !x.audited {
		return nil, errExportNotAudited
	}
	s.Stamp = x.stamp
	return report.NewXLSX(s)
}

// plainDisposition is the Content-Disposition of a file named name (ASCII).
func plainDisposition(name string) string { return `attachment; filename="` + name + `"` }

// disposition is the Content-Disposition of the file with extension ext:
// "Услуги по типам 01.01.2026–31.03.2026.xlsx" (RFC 6266, the name
// percent-encoded as RFC 5987 says) with an ASCII fallback for old
// clients, "std-services_by_type 01.01.2026-31.03.2026.xlsx".
func (f exportFile) disposition(ext string) string {
	name := fileSafe(f.Name) + " " + f.period() + "." + ext
	fallback := f.Key + " " + f.From.Format("02.01.2006") + "-" + f.To.Format("02.01.2006") + "." + ext
	var enc strings.Builder
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + fileSafe(fallback) + `"; filename*=UTF-8''` + enc.String()
}

// sendTable writes a table as XLSX or CSV (?format=csv) named after the
// report and its period, and audit-logs the export with its parameters and
// row count (never any names).
func (s *Server) sendTable(w http.ResponseWriter, r *http.Request, x *exporter, t *report.Table, f exportFile, params string, rows int) error {
	format := r.URL.Query().Get("format")
	section := fmt.Sprintf("%s %s rows=%d", f.Key, params, rows)
	if len(section) > 1000 {
		section = section[:1000]
	}
	if err := x.audit(r.Context(), &opora.AuditEntry{Entity: "report", Section: section}); err != nil {
		return err
	}
	t.Title, t.Sheet = f.title(), f.Name
	if format == "csv" {
		return x.writeCSV(w, t, f.disposition("csv"), s.csvOptions(r, t.Title))
	}
	return x.writeXLSX(w, t.Sheet, "", []*report.Table{t}, f.disposition("xlsx"))
}
