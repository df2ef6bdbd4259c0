package web

import (
	"bytes"
	"html"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// reportClients creates clients on fixed days for report tests.
func reportClients(t *testing.T, a *app, fx *storetest.Fixture) {
	t.Helper()
	now := a.st.Now
	defer func() { a.st.Now = now }()
	for i, m := range []struct {
		d      string
		gender opora.Gender
	}{{"2026-01-05", "male"}, {"2026-01-20", "female"}, {"2026-02-10", "male"}, {"2026-03-01", "male"}} {
		d, _ := time.ParseInLocation("2006-01-02", m.d, time.Local)
		at := d.Add(12 * time.Hour).UTC()
		a.st.Now = func() time.Time { return at }
		c := &opora.Client{BranchID: fx.Branch.ID, Surname: "Клиентов" + string(rune('А'+i)), Gender: m.gender,
			BirthPrecision: opora.BirthYear, BirthYear: 1980 + i}
		if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReportBuilderTableAndExport(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		reportClients(t, a, fx)
		c := a.login(t, "admin", testPassword)
		q := url.Values{"run": {"1"}, "subject": {"clients"}, "measure": {"count"}, "group": {"month"}, "group2": {"gender"},
			"from": {"2026-01-01"}, "to": {"2026-02-28"}}
		res := c.get("/reports/builder?" + q.Encode())
		if res.Status != http.StatusOK {
			t.Fatalf("builder: %d %s", res.Status, res.Body)
		}
		// January: one man, one woman; February: one man; March is outside.
		mustContain(t, res.Body, "январь 2026", "февраль 2026", "мужской", "женский", "Итого: 3")
		if strings.Contains(res.Body, "март 2026") {
			t.Fatal("March is outside the period")
		}
		// The page's own export form exports the report on the screen.
		link := exportURL(t, res.Body, "/reports/builder/export")
		if !strings.Contains(link, "from=2026-01-01&") {
			t.Fatalf("export form %q", link)
		}
		x := c.get(link + "&format=xlsx")
		if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		checkFileName(t, x, "Новые клиенты 01.01.2026–28.02.2026.xlsx", "report 01.01.2026-28.02.2026.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("Новые клиенты", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rows = unstamp(t, rows)
		// Title, blank, header, three groups, total — numbers as numbers, months as dates.
		if len(rows) != 7 || rows[3][2] != "1" || rows[5][2] != "1" || rows[6][2] != "3" {
			t.Fatalf("xlsx rows %q", rows)
		}
		if typ, _ := f.GetCellType("Новые клиенты", "A5"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Fatalf("month exported as text")
		}
		// The spreadsheet holds the same numbers as the table on the screen, in the same order.
		screen := regexp.MustCompile(`<td class="num">([0-9.]+)</td>`).FindAllStringSubmatch(res.Body, -1)
		if len(screen) != 3 {
			t.Fatalf("screen table numbers: %v", screen)
		}
		for i, m := range screen {
			if rows[3+i][2] != m[1] {
				t.Fatalf("row %d: screen %s, xlsx %s", i, m[1], rows[3+i][2])
			}
		}
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionExport, Limit: 5})
		if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Section, "rows=3") || !strings.Contains(entries[0].Section, "subject=clients") {
			t.Fatalf("export audit %v %+v", err, entries)
		}
		// CSV too.
		csv := c.get("/reports/builder/export?" + q.Encode() + "&format=csv")
		if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "Итого") {
			t.Fatalf("csv: %d", csv.Status)
		}
	})
}

func TestReportBadInputAndAccess(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		reportClients(t, a, fx)
		c := a.login(t, "admin", testPassword)
		res := c.get("/reports/builder?run=1&subject=clients&from=2026-03-01&to=2026-01-01")
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Конец периода раньше начала") {
			t.Fatalf("reversed period: %d", res.Status)
		}
		for _, inj := range []string{"' OR 1=1 --", "1; DROP TABLE clients", "field:1) OR (1=1"} {
			q := url.Values{"run": {"1"}, "subject": {inj}, "group": {inj}, "measure": {inj}, "from": {inj}, "branch": {inj}, "field_1": {inj}}
			if r := c.get("/reports/builder?" + q.Encode()); r.Status >= 500 {
				t.Fatalf("injection %q: %d", inj, r.Status)
			}
		}
		// The clients are all still there.
		res = c.get("/reports/builder?run=1&subject=clients&measure=count&from=2026-01-01&to=2026-12-31")
		mustContain(t, res.Body, "Итого: 4")
		// An analyst sees numbers, never names.
		an, _ := fx.AddUser(t, "analyst", "analyst")
		setPassword(t, a.st, an.ID, fx.Org.ID)
		ac := a.login(t, "analyst", testPassword)
		res = ac.get("/reports/builder?run=1&subject=clients&measure=count&group=gender&from=2026-01-01&to=2026-12-31")
		if res.Status != http.StatusOK || strings.Contains(res.Body, "Клиентов") {
			t.Fatalf("analyst report: %d, names shown: %v", res.Status, strings.Contains(res.Body, "Клиентов"))
		}
		if r := ac.get("/clients"); r.Status != http.StatusForbidden {
			t.Fatalf("analyst on client list: %d", r.Status)
		}
		// A specialist has no reports.
		sp, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, sp.ID, fx.Org.ID)
		if r := a.login(t, "spec", testPassword).get("/reports/builder"); r.Status != http.StatusForbidden {
			t.Fatalf("specialist: %d", r.Status)
		}
	})
}

func TestSavedReportRerunsWithAnotherPeriod(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		reportClients(t, a, fx)
		c := a.login(t, "admin", testPassword)
		q := url.Values{"run": {"1"}, "subject": {"clients"}, "measure": {"count"}, "group": {"gender"},
			"from": {"2026-01-01"}, "to": {"2026-01-31"}}
		res := c.post("/reports/saved", url.Values{"query": {q.Encode()}, "name": {"Новые по полу"}, "shared": {"1"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		list := c.get("/reports")
		mustContain(t, list.Body, "Новые по полу")
		page := c.get(res.Location)
		mustContain(t, page.Body, "Итого: 2")
		id := strings.TrimPrefix(strings.SplitN(res.Location, "?", 2)[0], "/reports/saved/")
		page = c.get("/reports/saved/" + id + "?from=2026-01-01&to=2026-12-31")
		mustContain(t, page.Body, "Итого: 4")
		// Shared: another administrator-role user sees it; another organisation does not.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		if r := a.login(t, fb.Admin.Login, testPassword).get("/reports/saved/" + id); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation: %d", r.Status)
		}
	})
}

func TestDashboard(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		reportClients(t, a, fx)
		c := a.login(t, "admin", testPassword)
		res := c.get("/dashboard?from=2026-01-01&to=2026-02-28")
		if res.Status != http.StatusOK {
			t.Fatalf("dashboard: %d", res.Status)
		}
		// Three new clients in January–February (the fourth came in March), a chart and its table.
		mustContain(t, res.Body, `<div class="kpi-value">3</div>`, "<svg class=\"chart\"", "январь 2026", "мужской")
		if r := c.get("/dashboard?from=2026-03-01&to=2026-01-01"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("reversed period: %d", r.Status)
		}
		sp, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, sp.ID, fx.Org.ID)
		if r := a.login(t, "spec", testPassword).get("/dashboard"); r.Status != http.StatusForbidden {
			t.Fatalf("specialist: %d", r.Status)
		}
	})
}

// exportURL reads the export form with the given action off a page: the
// action and its hidden fields as a URL, without the format.
func exportURL(t *testing.T, body, action string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<form class="export-form[^"]*" method="get" action="` + regexp.QuoteMeta(action) + `">(.*?)</form>`).
		FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no export form to %s on the page", action)
	}
	vals := url.Values{}
	for _, in := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(m[1], -1) {
		vals.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	if !strings.Contains(m[1], `name="format" value="csv"`) || !strings.Contains(m[1], `name="title" value="1"`) {
		t.Fatalf("export form without CSV or the title option: %s", m[1])
	}
	return action + "?" + vals.Encode()
}

// checkFileName checks a download's name: the exact UTF-8 name (RFC 5987)
// and the plain ASCII fallback for old clients.
func checkFileName(t *testing.T, res response, name, fallback string) {
	t.Helper()
	cd := res.Header.Get("Content-Disposition")
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil || disp != "attachment" || params["filename"] != name {
		t.Errorf("Content-Disposition %q: %q %q %v, want file name %q", cd, disp, params["filename"], err, name)
	}
	if !strings.Contains(cd, `filename="`+fallback+`"`) {
		t.Errorf("Content-Disposition %q has no ASCII fallback %q", cd, fallback)
	}
}

// A standard report for a quarter: the page's chart says what it plots, and
// the exports are what a Russian office opens: the file and the sheet
// named after the report and its period, columns as wide as their
// content, numbers as numbers; the CSV with semicolons and, when asked,
// the title line; in English, commas.
func TestStandardReportExports(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		_, _, ty := registerServices(t, a, fx)
		c := a.login(t, "admin", testPassword)
		q := "from=2026-01-01&to=2026-03-31"
		res := c.get("/reports/standard/services_by_type?" + q)
		if res.Status != http.StatusOK {
			t.Fatalf("standard report: %d", res.Status)
		}
		// The bars are distinct clients, and the chart says so; each bar is
		// labelled with its service type alone (not with the times).
		mustContain(t, res.Body, `<figcaption class="muted small">Разных клиентов</figcaption>`,
			`class="chart-label">`+ty["fare"].Name+`<title>`)
		if strings.Contains(res.Body, "Нет данных за период") {
			t.Error("a report with services says there are none")
		}
		link := exportURL(t, res.Body, "/reports/standard/services_by_type/export")

		x := c.get(link + "&format=xlsx")
		if x.Status != http.StatusOK {
			t.Fatalf("xlsx: %d", x.Status)
		}
		checkFileName(t, x, "Разовые услуги по видам 01.01.2026–31.03.2026.xlsx",
			"std-services_by_type 01.01.2026-31.03.2026.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetName(0)
		if sheet != "Разовые услуги по видам" {
			t.Fatalf("sheet %q", sheet)
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rows = unstamp(t, rows)
		last := rows[len(rows)-1]
		if rows[0][0] != "Разовые услуги по видам, 01.01.2026–31.03.2026" || strings.Join(last, "|") != "Итого|4|2" {
			t.Fatalf("xlsx rows %q", rows)
		}
		for _, cell := range []string{"B5", "C5"} {
			if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s is not a number: %v", cell, typ)
			}
		}
		longest := 0
		for _, n := range []string{ty["fare"].Name, ty["plain"].Name, ty["photos"].Name} {
			longest = max(longest, len([]rune(n)))
		}
		if w, _ := f.GetColWidth(sheet, "A"); w < float64(longest) || w > float64(longest)+4 {
			t.Errorf("column A is %v wide for names of up to %d characters", w, longest)
		}

		cs := c.get(link + "&format=csv&title=1")
		checkFileName(t, cs, "Разовые услуги по видам 01.01.2026–31.03.2026.csv",
			"std-services_by_type 01.01.2026-31.03.2026.csv")
		lines := strings.Split(strings.TrimPrefix(unstampCSV(t, cs.Body), "\ufeff"), "\n")
		if lines[0] != "Разовые услуги по видам, 01.01.2026–31.03.2026" || lines[1] != "Вид услуги;Сколько раз;Разных клиентов" ||
			!strings.Contains(cs.Body, "\nИтого;4;2\n") {
			t.Errorf("russian csv with a title:\n%s", cs.Body)
		}
		if cs := c.get(link + "&format=csv"); strings.Contains(cs.Body, "01.01.2026–31.03.2026\n") {
			t.Errorf("a title line nobody asked for:\n%s", cs.Body)
		}
		// In English: commas between fields.
		if r := c.post("/lang", url.Values{"lang": {"en"}, "back": {"/"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("language: %d", r.Status)
		}
		en := c.get(link + "&format=csv")
		if !strings.Contains(en.Body, "\nTotal,4,2\n") {
			t.Errorf("english csv:\n%s", en.Body)
		}

		// A period without services says so.
		c.post("/lang", url.Values{"lang": {"ru"}, "back": {"/"}})
		empty := c.get("/reports/standard/services_by_type?from=2025-01-01&to=2025-03-31")
		mustContain(t, empty.Body, "Нет данных за период")
	})
}

// A sum of money exports as money: two decimals and thousands grouped in
// the spreadsheet, a decimal comma in a Russian CSV. A questionnaire
// grouping is headed by the field's name.
func TestBuilderMoneyAndFieldHeading(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		registerServices(t, a, fx)
		c := a.login(t, "admin", testPassword)
		q := url.Values{"run": {"1"}, "subject": {"services"}, "measure": {"sum_amount"}, "group": {"service_type"},
			"from": {"2026-01-01"}, "to": {"2026-01-31"}}
		x := c.get("/reports/builder/export?" + q.Encode())
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatalf("xlsx: %d %v", x.Status, err)
		}
		sheet := f.GetSheetName(0)
		rows, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		n := len(rows)
		if n < 5 || rows[n-1][0] != "Итого" || rows[n-1][1] != "150.5" {
			t.Fatalf("xlsx rows %q", rows)
		}
		cell := "B" + strconv.Itoa(n)
		id, _ := f.GetCellStyle(sheet, cell)
		if st, err := f.GetStyle(id); err != nil || st.NumFmt != 4 {
			t.Errorf("the total's number format %+v %v, want 4 (#,##0.00)", st, err)
		}
		cs := c.get("/reports/builder/export?" + q.Encode() + "&format=csv")
		if !strings.Contains(cs.Body, "\nИтого;150,50\n") {
			t.Errorf("csv:\n%s", cs.Body)
		}

		opts, err := a.st.ReportOptions(fx.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		var field string
		for _, fl := range opts.Fields {
			if fl.Key == "homeless_reason" {
				field = string(opora.FieldDimension(fl.ID))
			}
		}
		if field == "" {
			t.Fatal("no homeless_reason field")
		}
		q = url.Values{"run": {"1"}, "subject": {"clients"}, "measure": {"count"}, "group": {field},
			"from": {"2026-01-01"}, "to": {"2026-12-31"}}
		res := c.get("/reports/builder?" + q.Encode())
		mustContain(t, res.Body, `<th scope="col">Причина бездомности</th>`)
		if strings.Contains(res.Body, "Поле анкеты") {
			t.Error("the grouping is headed \"Поле анкеты\"")
		}
		cs = c.get("/reports/builder/export?" + q.Encode() + "&format=csv")
		if !strings.HasPrefix(unstampCSV(t, cs.Body), "\ufeffПричина бездомности;Количество\n") {
			t.Errorf("csv heading:\n%s", cs.Body)
		}
	})
}

// The dashboard's XLSX holds the numbers the page shows: the headline
// numbers, then each table under its title, in the page's order.
func TestDashboardExportMatchesThePage(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		reportClients(t, a, fx)
		registerServices(t, a, fx)
		c := a.login(t, "admin", testPassword)
		page := c.get("/dashboard?from=2026-01-01&to=2026-02-28")
		link := regexp.MustCompile(`href="(/dashboard/export\?[^"]*)"`).FindStringSubmatch(page.Body)
		if link == nil || !strings.Contains(page.Body, "data-print") {
			t.Fatalf("no export link or print button on the dashboard")
		}
		x := c.get(html.UnescapeString(link[1]))
		if x.Status != http.StatusOK {
			t.Fatalf("export: %d", x.Status)
		}
		checkFileName(t, x, "Статистика 01.01.2026–28.02.2026.xlsx", "dashboard 01.01.2026-28.02.2026.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("Статистика", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rows = unstamp(t, rows)
		// The page, read as a user reads it: the headline numbers, then
		// each block's title and the last column of its table.
		var want []string
		for _, m := range regexp.MustCompile(`<div class="kpi-value">([^<]*)</div><div class="muted">([^<]*)</div>`).FindAllStringSubmatch(page.Body, -1) {
			want = append(want, html.UnescapeString(m[2])+" "+m[1])
		}
		for _, sec := range regexp.MustCompile(`(?s)<section class="card dash-block">(.*?)</section>`).FindAllStringSubmatch(page.Body, -1) {
			want = append(want, "# "+html.UnescapeString(regexp.MustCompile(`<h2>([^<]*)</h2>`).FindStringSubmatch(sec[1])[1]))
			for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(sec[1], -1) {
				if tds := regexp.MustCompile(`<td[^>]*>([^<]*)</td>`).FindAllStringSubmatch(tr[1], -1); len(tds) > 0 {
					want = append(want, tds[len(tds)-1][1])
				}
			}
		}
		// The sheet, read the same way: section titles are the rows
		// after a blank one; the headers follow them.
		var got []string
		for i := 2; i < len(rows); i++ {
			switch {
			case len(rows[i]) == 0:
			case len(rows[i-1]) == 0:
				if rows[i][0] != "Основные показатели" {
					got = append(got, "# "+rows[i][0])
				}
				i++ // the headers
			case len(got) < 5:
				got = append(got, rows[i][0]+" "+rows[i][1])
			default:
				got = append(got, rows[i][len(rows[i])-1])
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) < 12 {
			t.Errorf("the sheet:\n%s\nthe page:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		mustContain(t, strings.Join(want, "\n"), "Новые клиенты 3", "Оказано услуг 4")
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionExport, Limit: 5})
		if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Section, "dashboard from=2026-01-01") {
			t.Fatalf("export audit %v %+v", err, entries)
		}
		// Exports need export.aggregate; the analyst has it, a specialist has
		// no reports at all.
		sp, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, sp.ID, fx.Org.ID)
		if r := a.login(t, "spec", testPassword).get(html.UnescapeString(link[1])); r.Status != http.StatusForbidden {
			t.Fatalf("specialist: %d", r.Status)
		}
	})
}
