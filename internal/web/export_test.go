package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// download asks for an identifiable export the way its purpose form does:
// a POST of the path's query with the purpose.
func (c *client) download(path, reason string) response {
	c.t.Helper()
	p, query, _ := strings.Cut(path, "?")
	vals, err := url.ParseQuery(query)
	if err != nil {
		c.t.Fatal(err)
	}
	vals.Set("reason", reason)
	return c.post(p, vals)
}

// TestExportRoutesHaveKinds: every route that exports is registered with
// Server.export and its kind; an identifiable kind has its purpose form
// (GET) and its download (POST); every kind is in use.
func TestExportRoutesHaveKinds(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	s, err := New(st, i18n.MustLoad(), Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := &router{ServeMux: http.NewServeMux()}
	s.routes(mux)
	used := map[string]bool{}
	for _, p := range mux.patterns {
		kind, ok := mux.exports[p]
		if strings.Contains(p, "export") && !ok {
			t.Errorf("route %q looks like an export but is not registered with Server.export", p)
		}
		if !ok {
			continue
		}
		used[kind.Key] = true
		if !slices.Contains(opora.ExportKinds, kind) {
			t.Errorf("route %q: kind %q is not in opora.ExportKinds", p, kind.Key)
		}
		method, path, _ := strings.Cut(p, " ")
		if kind.Identifiable {
			other := map[string]string{"GET": "POST", "POST": "GET"}[method]
			if _, ok := mux.exports[other+" "+path]; !ok {
				t.Errorf("identifiable export %q needs %s %s too (purpose form and download)", p, other, path)
			}
		} else if method != http.MethodGet {
			t.Errorf("aggregate export %q: a download is a GET", p)
		}
		if !kind.Perm.Known() {
			t.Errorf("route %q: permission %q is unknown", p, kind.Perm)
		}
	}
	for _, k := range opora.ExportKinds {
		if !used[k.Key] {
			t.Errorf("export kind %q has no route", k.Key)
		}
	}
}

// notExports are the files besides export.go that may send a download
// themselves, and why they are not exports.
var notExports = map[string]string{
	"doctemplates.go": "an issued certificate or letter as PDF or DOCX: one document as issued to one person, " +
		"audit-logged per view by store.IssuedDocument (issued_document <id> pdf|docx)",
	"client_files.go": "serves uploaded files: a download of one record's file, audit-logged per file",
	"privacy.go": "the person's own report (152-ФЗ art. 14) for privacy.manage: one person's data for that person, " +
		"stamped in its own fields (made_at, made_by, organisation), audit-logged by store.PersonReport",
}

// TestExportsGoThroughTheHelper fails when a handler writes a file
// itself: only export.go sets Content-Disposition for a generated file or
// calls the report package's file writers (and the files of notExports
// send their downloads, which are no exports).
func TestExportsGoThroughTheHelper(t *testing.T) {
	writers := []string{"WriteXLSX", "WriteXLSXSections", "WriteXLSXStamped", "WriteCSV", "WriteCSVWith",
		"NewCSV", "NewCSVWith", "NewXLSX"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "export.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if v, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING &&
					(strings.EqualFold(v, "Content-Disposition") || strings.HasPrefix(v, "attachment")) && notExports[name] == "" {
					t.Errorf("%s: %q outside export.go: send files through Server.export", fset.Position(n.Pos()), v)
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "report" && slices.Contains(writers, n.Sel.Name) {
					t.Errorf("%s: report.%s outside export.go: write files through the exporter", fset.Position(n.Pos()), n.Sel.Name)
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("checked only %d files", checked)
	}
}

// exportAudits returns the export audit rows of entity.
func exportAudits(t *testing.T, a *app, fx *storetest.Fixture, entity string) []*opora.AuditEntry {
	t.Helper()
	entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionExport, Entity: entity, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func changeOf(e *opora.AuditEntry, field string) string {
	for _, c := range e.Changes {
		if c.Field == field {
			return c.New
		}
	}
	return ""
}

// TestExportsUnderControl: the kind's permission, the purpose of an
// identifiable export (form, error, audit row) and the stamp of the file.
func TestExportsUnderControl(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Выгрузкин", FirstName: "Степан", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		stypes, err := a.st.ServiceTypes(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		today := a.st.Today()
		if err := a.st.RecordServices(ctx, c.ID, today, []*opora.Service{{TypeID: stypes[0].ID, Quantity: 1}}); err != nil {
			t.Fatal(err)
		}
		day := today.Format("2006-01-02")
		date := a.st.Now().Local().Format("02.01.2006")
		register := "/reports/register/export?format=csv&from=" + day + "&to=" + day
		admin := a.login(t, "admin", testPassword)
		// The role form offers both export permissions, in Russian.
		mustContain(t, admin.get("/admin/roles/new").Body, "Выгрузка файлов", "Выгрузка сводных отчётов (числа без имён)",
			"Выгрузка списков с именами (с указанием цели)", `value="export.aggregate"`, `value="export.identifiable"`)

		// The analyst exports counts but not lists with names: 403 and no
		// file, on the form and on the download.
		an, _ := fx.AddUser(t, "analyst1", "analyst")
		setPassword(t, a.st, an.ID, fx.Org.ID)
		analyst := a.login(t, "analyst1", testPassword)
		for _, res := range []response{analyst.get(register), analyst.download(register, "проверка")} {
			if res.Status != http.StatusForbidden || res.Header.Get("Content-Disposition") != "" || strings.Contains(res.Body, "Выгрузкин") {
				t.Fatalf("analyst, register: %d %q", res.Status, res.Header.Get("Content-Disposition"))
			}
		}
		dash := analyst.get("/dashboard/export?from=" + day + "&to=" + day)
		if dash.Status != http.StatusOK || !strings.HasPrefix(dash.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("analyst, dashboard: %d %s", dash.Status, dash.Body)
		}
		xf, err := excelize.OpenReader(strings.NewReader(dash.Body))
		if err != nil {
			t.Fatal(err)
		}
		if a1, _ := xf.GetCellValue(xf.GetSheetName(0), "A1"); a1 != "Выгрузил: User analyst1 (analyst1), дата: "+a1[strings.Index(a1, "дата: ")+len("дата: "):] ||
			!strings.Contains(a1, date) || !strings.Contains(a1, fx.Org.DisplayName()) {
			t.Fatalf("dashboard A1 %q", a1)
		}
		if e := exportAudits(t, a, fx, "report"); len(e) != 1 || changeOf(e[0], "export") != "dashboard" || changeOf(e[0], "reason") != "" {
			t.Fatalf("dashboard audit %+v", e)
		}
		// A specialist exports nothing.
		sp, _ := fx.AddUser(t, "spec1", "specialist")
		setPassword(t, a.st, sp.ID, fx.Org.ID)
		if res := a.login(t, "spec1", testPassword).get("/dashboard/export?from=" + day + "&to=" + day); res.Status != http.StatusForbidden ||
			res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("specialist, dashboard: %d", res.Status)
		}

		// The administrator first gets the purpose form, with the filters
		// kept, and no file.
		form := admin.get(register)
		if form.Status != http.StatusOK || form.Header.Get("Content-Disposition") != "" || strings.Contains(form.Body, "Выгрузкин") {
			t.Fatalf("form: %d %q", form.Status, form.Header.Get("Content-Disposition"))
		}
		mustContain(t, form.Body, "Цель выгрузки", `method="post" action="/reports/register/export"`,
			`<input type="hidden" name="from" value="`+day+`">`, `<input type="hidden" name="format" value="csv">`, `name="reason"`)
		// No purpose: the form again, the error next to the field, no file.
		res := admin.download(register, "   ")
		if res.Status != http.StatusUnprocessableEntity || res.Header.Get("Content-Disposition") != "" || strings.Contains(res.Body, "Выгрузкин") {
			t.Fatalf("no reason: %d %q", res.Status, res.Header.Get("Content-Disposition"))
		}
		mustContain(t, res.Body, `<div class="field-error" id="e-reason">Заполните это поле.</div>`, `<input type="hidden" name="to" value="`+day+`">`)
		if e := exportAudits(t, a, fx, "services_register"); len(e) != 0 {
			t.Fatalf("audit rows without a file: %+v", e)
		}
		// A purpose too long is refused the same way, the text kept.
		long := strings.Repeat("я", opora.MaxExportReason+1)
		if res := admin.download(register, long); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, long) {
			t.Fatalf("long reason: %d", res.Status)
		}

		// With a purpose: the CSV, its first line the stamp, the audit row
		// with the kind, the filters and the purpose.
		res = admin.download(register, "Запрос прокуратуры № 12")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %s", res.Status, res.Body)
		}
		lines := strings.Split(strings.TrimPrefix(res.Body, "\ufeff"), "\n")
		who := fx.Admin.FullName + " (" + fx.Admin.Login + ")"
		if !strings.HasPrefix(lines[0], "Выгрузил: "+who+", дата: "+date) || !strings.Contains(lines[0], fx.Org.DisplayName()) {
			t.Fatalf("csv first line %q", lines[0])
		}
		if !strings.Contains(res.Body, "Выгрузкин") {
			t.Fatalf("csv without the client: %s", res.Body)
		}
		e := exportAudits(t, a, fx, "services_register")
		if len(e) != 1 || changeOf(e[0], "reason") != "Запрос прокуратуры № 12" || changeOf(e[0], "export") != "services_register" ||
			!strings.Contains(e[0].Section, "from="+day) || e[0].UserID != fx.Admin.ID {
			t.Fatalf("register audit %+v", e)
		}

		// The XLSX: the document properties and the first line.
		res = admin.download(strings.Replace(register, "format=csv", "format=xlsx", 1), "Отчёт для учредителя")
		if res.Status != http.StatusOK {
			t.Fatalf("xlsx: %d %s", res.Status, res.Body)
		}
		xf, err = excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		props, err := xf.GetDocProps()
		if err != nil {
			t.Fatal(err)
		}
		if props.Creator != fx.Admin.FullName || !strings.HasPrefix(props.Description, "Выгружено: "+who+", "+date) ||
			!strings.Contains(props.Description, fx.Org.DisplayName()) || !strings.HasPrefix(props.Created, a.st.Now().UTC().Format("2006-01-02")) {
			t.Fatalf("xlsx properties %+v", props)
		}
		rows, err := xf.GetRows(xf.GetSheetName(0))
		if err != nil || len(rows) < 4 || !strings.HasPrefix(rows[0][0], "Выгрузил: "+who+", дата: "+date) {
			t.Fatalf("xlsx rows %v %v", err, rows)
		}
		if e := exportAudits(t, a, fx, "services_register"); len(e) != 2 || changeOf(e[0], "reason") != "Отчёт для учредителя" {
			t.Fatalf("register audit %+v", e)
		}

		// A check-in shift's list names people too.
		_, _, shift := checkinPointAndShift(t, a, fx)
		id := strings.TrimPrefix(shift, "/checkin/")
		path := "/checkin/shifts/" + id + "/export?format=xlsx"
		if res := admin.get(path); res.Status != http.StatusOK || res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("shift form: %d", res.Status)
		}
		if res := analyst.download(path, "проверка"); res.Status != http.StatusForbidden || res.Header.Get("Content-Disposition") != "" {
			t.Fatalf("analyst, shift: %d", res.Status)
		}
		res = admin.download(path, "Сверка с журналом пункта")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("shift xlsx: %d %s", res.Status, res.Body)
		}
		xf, err = excelize.OpenReader(strings.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		if props, err := xf.GetDocProps(); err != nil || props.Creator != fx.Admin.FullName {
			t.Fatalf("shift properties %v %+v", err, props)
		}
		if e := exportAudits(t, a, fx, "checkin_shift"); len(e) != 1 || changeOf(e[0], "reason") != "Сверка с журналом пункта" ||
			strconv.FormatInt(e[0].EntityID, 10) != id {
			t.Fatalf("shift audit %+v", e)
		}
	})
}

// unstamp checks that a sheet's first row is the export stamp and returns
// the rows under it.
func unstamp(t *testing.T, rows [][]string) [][]string {
	t.Helper()
	if len(rows) == 0 || len(rows[0]) == 0 || !strings.HasPrefix(rows[0][0], "Выгрузил: ") {
		t.Fatalf("the sheet does not begin with the export stamp: %q", rows)
	}
	return rows[1:]
}

// unstampCSV checks that a CSV (after its BOM) begins with the export
// stamp line and returns the BOM and the lines under it.
func unstampCSV(t *testing.T, body string) string {
	t.Helper()
	first, rest, _ := strings.Cut(strings.TrimPrefix(body, "\ufeff"), "\n")
	if !strings.HasPrefix(first, "Выгрузил: ") && !strings.HasPrefix(first, "Exported by: ") {
		t.Fatalf("the CSV does not begin with the export stamp: %q", first)
	}
	return "\ufeff" + rest
}
