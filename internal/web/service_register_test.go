package web

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// registerServices records, for the register tests: Альфа Анна Петровна
// (born 1970) a plain service and a fare of 150,50 on 10.01.2026; Бета
// (birth unknown) 3 photos on 20.01.2026; Альфа a plain service on
// 01.02.2026 (outside January). It returns Альфа's and Бета's ids.
func registerServices(t *testing.T, a *app, fx *storetest.Fixture) (int64, int64, map[string]*opora.ServiceType) {
	t.Helper()
	now := a.st.Now
	defer func() { a.st.Now = now }()
	ctx := fx.Ctx()
	types, err := a.st.ServiceTypes(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	ty := map[string]*opora.ServiceType{}
	for _, x := range types {
		switch {
		case x.HasAmount && !x.CommentRequired && ty["fare"] == nil:
			ty["fare"] = x
		case x.HasQuantity && ty["photos"] == nil:
			ty["photos"] = x
		case !x.HasAmount && !x.HasQuantity && !x.CommentRequired && ty["plain"] == nil:
			ty["plain"] = x
		}
	}
	alpha := &opora.Client{BranchID: fx.Branch.ID, Surname: "Альфа", FirstName: "Анна", Patronymic: "Петровна",
		BirthPrecision: opora.BirthYear, BirthYear: 1970}
	beta := &opora.Client{BranchID: fx.Branch.ID, Surname: "Бета"}
	for _, c := range []*opora.Client{alpha, beta} {
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	record := func(d time.Time, clientID int64, items ...*opora.Service) {
		a.st.Now = func() time.Time { return d.Add(9 * time.Hour) }
		if err := a.st.RecordServices(ctx, clientID, opora.DateOf(d), items); err != nil {
			t.Fatal(err)
		}
	}
	record(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), alpha.ID, &opora.Service{TypeID: ty["plain"].ID, Quantity: 1},
		&opora.Service{TypeID: ty["fare"].ID, Quantity: 1, Amount: 15050, HasAmount: true, Comment: "до Перми"})
	record(time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), beta.ID, &opora.Service{TypeID: ty["photos"].ID, Quantity: 3})
	record(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), alpha.ID, &opora.Service{TypeID: ty["plain"].ID, Quantity: 1})
	return alpha.ID, beta.ID, ty
}

func TestServiceRegisterPageAndExports(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		alpha, beta, ty := registerServices(t, a, fx)
		c := a.login(t, "admin", testPassword)
		if res := c.get("/reports"); !strings.Contains(res.Body, `href="/reports/register"`) {
			t.Fatalf("the reports page has no link to the register")
		}
		// The form alone: no rows, nothing logged.
		res := c.get("/reports/register")
		if res.Status != http.StatusOK || strings.Contains(res.Body, "Альфа") || !strings.Contains(res.Body, "Реестр услуг") {
			t.Fatalf("register form: %d", res.Status)
		}
		q := url.Values{"from": {"2026-01-01"}, "to": {"2026-01-31"}}
		res = c.get("/reports/register?run=1&" + q.Encode())
		if res.Status != http.StatusOK {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		mustContain(t, res.Body, "Альфа Анна Петровна", "Бета", ty["fare"].Name, ty["photos"].Name, "3 строки",
			"150,50 ₽", "до Перми", "10.01.2026", "20.01.2026", "Скачать XLSX", "Скачать CSV",
			`href="/clients/`+strconv.FormatInt(alpha, 10)+`"`,
			`action="/reports/register/export"`, `<input type="hidden" name="from" value="2026-01-01">`,
			`<input type="hidden" name="to" value="2026-01-31">`, `name="title" value="1"`)
		if strings.Contains(res.Body, "01.02.2026") {
			t.Fatal("a service of February is on the January register")
		}
		views, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionView, Entity: "services_register", Limit: 5})
		if err != nil || len(views) != 1 || !strings.Contains(views[0].Section, "rows=3") ||
			!strings.Contains(views[0].Section, "from=2026-01-01") || strings.Contains(views[0].Section, "Альфа") {
			t.Fatalf("view audit %v %+v", err, views)
		}

		// XLSX: the title with the period, a header row and exactly the
		// three services, numbers as numbers, dates as dates, money as
		// money; the file named after the register and its period.
		x := c.download("/reports/register/export?format=xlsx&"+q.Encode(), "проверка")
		if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx: %d %s %s", x.Status, x.Header.Get("Content-Type"), x.Body)
		}
		checkFileName(t, x, "Реестр услуг 01.01.2026–31.01.2026.xlsx", "register 01.01.2026-31.01.2026.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetName(0)
		if sheet != "Реестр услуг" {
			t.Fatalf("sheet %q", sheet)
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rows = unstamp(t, rows)
		a1, b1 := strconv.FormatInt(alpha, 10), strconv.FormatInt(beta, 10)
		want := [][]string{
			{"Реестр услуг, 01.01.2026–31.01.2026"},
			nil,
			{"Дата", "№ клиента", "ФИО клиента", "Год рождения", "Услуга", "Количество", "Сумма, ₽", "Сотрудник", "Филиал", "Комментарий"},
			{"46032", a1, "Альфа Анна Петровна", "1970", ty["plain"].Name, "1", "", fx.Admin.FullName, fx.Branch.Name},
			{"46032", a1, "Альфа Анна Петровна", "1970", ty["fare"].Name, "1", "150.5", fx.Admin.FullName, fx.Branch.Name, "до Перми"},
			{"46042", b1, "Бета", "", ty["photos"].Name, "3", "", fx.Admin.FullName, fx.Branch.Name},
		}
		if len(rows) != len(want) {
			t.Fatalf("xlsx has %d rows: %q", len(rows), rows)
		}
		for i := range want {
			if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
				t.Errorf("xlsx row %d:\n got %q\nwant %q", i+1, rows[i], want[i])
			}
		}
		for _, cell := range []string{"A5", "B5", "D5", "F7", "G6"} {
			if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s is not a number: %v", cell, typ)
			}
		}
		if shown, _ := f.GetCellValue(sheet, "A5"); shown != "01-10-26" && shown != "10.01.2026" {
			t.Errorf("A5 is not shown as a date: %q", shown)
		}
		if id, _ := f.GetCellStyle(sheet, "G6"); true {
			if st, err := f.GetStyle(id); err != nil || st.NumFmt != 4 {
				t.Errorf("the amount's number format: %+v %v, want 4 (#,##0.00)", st, err)
			}
		}
		exports, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionExport, Entity: "services_register", Limit: 5})
		if err != nil || len(exports) != 1 || !strings.HasPrefix(exports[0].Section, "xlsx ") ||
			!strings.Contains(exports[0].Section, "rows=3") || !strings.Contains(exports[0].Section, "to=2026-01-31") {
			t.Fatalf("export audit %v %+v", err, exports)
		}

		// CSV in Russian: UTF-8 with a BOM, semicolons, decimal commas,
		// dd.mm.yyyy, the same rows.
		cs := c.download("/reports/register/export?format=csv&"+q.Encode(), "проверка")
		if cs.Status != http.StatusOK || !strings.HasPrefix(cs.Header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(cs.Body, "\ufeff") {
			t.Fatalf("csv: %d %s", cs.Status, cs.Header.Get("Content-Type"))
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(unstampCSV(t, cs.Body), "\ufeff")))
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		checkFileName(t, cs, "Реестр услуг 01.01.2026–31.01.2026.csv", "register 01.01.2026-31.01.2026.csv")
		wantCSV := []string{
			strings.Join(want[2], "|"),
			"10.01.2026|" + a1 + "|Альфа Анна Петровна|1970|" + ty["plain"].Name + "|1||" + fx.Admin.FullName + "|" + fx.Branch.Name + "|",
			"10.01.2026|" + a1 + "|Альфа Анна Петровна|1970|" + ty["fare"].Name + "|1|150,50|" + fx.Admin.FullName + "|" + fx.Branch.Name + "|до Перми",
			"20.01.2026|" + b1 + "|Бета||" + ty["photos"].Name + "|3||" + fx.Admin.FullName + "|" + fx.Branch.Name + "|",
		}
		if len(recs) != len(wantCSV) {
			t.Fatalf("csv has %d records: %q", len(recs), recs)
		}
		for i := range wantCSV {
			if got := strings.Join(recs[i], "|"); got != wantCSV[i] {
				t.Errorf("csv record %d:\n got %q\nwant %q", i+1, got, wantCSV[i])
			}
		}
		exports, _, _ = a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionExport, Entity: "services_register", Limit: 5})
		if len(exports) != 2 || !strings.HasPrefix(exports[0].Section, "csv ") || !strings.Contains(exports[0].Section, "rows=3") {
			t.Fatalf("csv export audit %+v", exports)
		}

		// Filters reach the export: photos only.
		cs = c.download("/reports/register/export?format=csv&service_type="+strconv.FormatInt(ty["photos"].ID, 10)+"&"+q.Encode(), "проверка")
		if n := strings.Count(strings.TrimSpace(unstampCSV(t, cs.Body)), "\n"); n != 1 || !strings.Contains(cs.Body, "Бета") {
			t.Fatalf("filtered csv (%d data lines): %s", n, cs.Body)
		}

		// More rows than a sheet holds: XLSX is refused with the reason,
		// CSV still goes.
		old := maxXLSXRows
		maxXLSXRows = 2
		defer func() { maxXLSXRows = old }()
		res = c.download("/reports/register/export?format=xlsx&"+q.Encode(), "проверка")
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Строк в реестре: 3") ||
			!strings.Contains(res.Body, "не больше 2") || !strings.Contains(res.Body, "Скачать CSV") {
			t.Fatalf("too big for xlsx: %d", res.Status)
		}
		if cs := c.download("/reports/register/export?format=csv&"+q.Encode(), "проверка"); cs.Status != http.StatusOK {
			t.Fatalf("csv of a register too big for xlsx: %d", cs.Status)
		}
	})
}

func TestServiceRegisterBadInputAndAccess(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		registerServices(t, a, fx)
		c := a.login(t, "admin", testPassword)
		for _, tc := range []struct {
			from, to, message string
		}{
			{"2026-03-01", "2026-01-01", "Конец периода раньше начала"},
			{"2025-01-01", "2026-01-02", "Период — не больше 366 дней"},
			{"32.13.2026", "2026-01-31", "Укажите дату в виде ДД.ММ.ГГГГ"},
		} {
			q := url.Values{"run": {"1"}, "from": {tc.from}, "to": {tc.to}}
			for _, path := range []string{"/reports/register?", "/reports/register/export?format=xlsx&"} {
				res := c.get(path + q.Encode())
				if strings.Contains(path, "export") {
					res = c.download(path+q.Encode(), "проверка")
				}
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, tc.message) ||
					!strings.Contains(res.Body, `value="`+tc.from+`"`) || !strings.Contains(res.Body, `value="`+tc.to+`"`) ||
					!strings.Contains(res.Body, "field-error") || strings.Contains(res.Body, "Альфа") {
					t.Errorf("%s%s: %d, message shown: %v", path, q.Encode(), res.Status, strings.Contains(res.Body, tc.message))
				}
			}
		}
		if res := c.download("/reports/register/export?format=pdf&from=2026-01-01&to=2026-01-31", "проверка"); res.Status != http.StatusBadRequest {
			t.Fatalf("unknown format: %d", res.Status)
		}
		entries, _, _ := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Entity: "services_register", Limit: 5})
		if len(entries) != 0 {
			t.Fatalf("refused requests were logged as views or exports: %+v", entries)
		}

		// An analyst may run reports and export them, but names are not
		// theirs to see: 403 on the page and the export, and no link.
		an, _ := fx.AddUser(t, "analyst", "analyst")
		setPassword(t, a.st, an.ID, fx.Org.ID)
		ac := a.login(t, "analyst", testPassword)
		for _, path := range []string{"/reports/register?run=1&from=2026-01-01&to=2026-01-31",
			"/reports/register/export?format=xlsx&from=2026-01-01&to=2026-01-31"} {
			if res := ac.get(path); res.Status != http.StatusForbidden || strings.Contains(res.Body, "Альфа") {
				t.Fatalf("analyst %s: %d", path, res.Status)
			}
		}
		if res := ac.get("/reports"); res.Status != http.StatusOK || strings.Contains(res.Body, `href="/reports/register"`) {
			t.Fatalf("analyst's reports page: %d, link shown: %v", res.Status, strings.Contains(res.Body, "/reports/register"))
		}
		denied, _, _ := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionDenied, UserID: an.ID, Limit: 5})
		if len(denied) != 2 {
			t.Fatalf("denials logged: %+v", denied)
		}
		// A specialist reads clients but has no reports.
		sp, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, sp.ID, fx.Org.ID)
		if res := a.login(t, "spec", testPassword).get("/reports/register?run=1"); res.Status != http.StatusForbidden {
			t.Fatalf("specialist: %d", res.Status)
		}
	})
}

// A download that fails after its first bytes ends the connection: the
// browser sees a failed download, not a complete-looking short file.
func TestAbortedDownloadIsCutOff(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	a := newApp(t, st)
	h := a.web.withLogging(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte(strings.Repeat("первая;строка\n", 1000)))
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Fatal("the cut-off download read as complete")
	}
}

// Building a large workbook takes memory until it is sent, so only one per
// core is built at a time. An XLSX export asked for while every slot is
// taken waits, then downloads whole; a CSV export (streamed) never waits.
func TestRegisterXLSXWaitsForASlot(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		registerServices(t, a, fx)
		c := a.login(t, "admin", testPassword)
		q := "from=2026-01-01&to=2026-01-31"
		for i := 0; i < cap(a.web.sheets); i++ {
			a.web.sheets <- struct{}{} // other exports are being built
		}
		done := make(chan response, 1)
		go func() { done <- c.download("/reports/register/export?format=xlsx&"+q, "проверка") }()
		if cs := c.download("/reports/register/export?format=csv&"+q, "проверка"); cs.Status != http.StatusOK ||
			!strings.Contains(cs.Body, "Бета") {
			t.Fatalf("csv while the slots are taken: %d %s", cs.Status, cs.Body)
		}
		select {
		case res := <-done:
			t.Fatalf("the XLSX export did not wait for a slot: status %d", res.Status)
		case <-time.After(300 * time.Millisecond):
		}
		<-a.web.sheets // one of the others is sent
		var x response
		select {
		case x = <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the XLSX export never got the freed slot")
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatalf("xlsx after waiting: status %d: %v", x.Status, err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil || len(rows) != 7 {
			t.Fatalf("xlsx after waiting: %v, %d rows (want the stamp, the title, a blank row, a header and 3 services)", err, len(rows))
		}
	})
}
