package web

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

var (
	trRe  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	tdRe  = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	tagRe = regexp.MustCompile(`<[^>]*>`)
)

// pageRows reads every table row of a page as the texts of its cells.
func pageRows(body string) [][]string {
	var out [][]string
	for _, tr := range trRe.FindAllStringSubmatch(body, -1) {
		var row []string
		for _, td := range tdRe.FindAllStringSubmatch(tr[1], -1) {
			row = append(row, strings.TrimSpace(html.UnescapeString(tagRe.ReplaceAllString(td[1], ""))))
		}
		out = append(out, row)
	}
	return out
}

// rowOf finds the first row whose first cell is label; nil when none.
func rowOf(rows [][]string, label string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == label {
			return r
		}
	}
	return nil
}

func wantRow(t *testing.T, where string, rows [][]string, want ...string) {
	t.Helper()
	got := rowOf(rows, want[0])
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("%s: row %q, want %q", where, got, want)
	}
}

// xlsxRows opens an exported workbook with excelize and reads its sheet.
func xlsxRows(t *testing.T, body string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the export is no workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return unstamp(t, rows)
}

// The monitoring page and its XLSX show the hand-counted region
// (storetest.MonitorFixture): every number to the КДН of municipality А,
// "<5" for the small ones to the regional analyst, the school's own tasks
// to the school's head, and nothing to a specialist without report.run.
func TestMonitoringPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.NewMonitorFixture(t, st)
		a := newApp(t, st)
		for _, u := range []struct {
			user *opora.User
			org  int64
		}{{fx.Analyst, fx.Ministry.Org.ID}, {fx.Secretary, fx.KDNA.Org.ID}, {fx.HeadA, fx.SchoolA.Org.ID},
			{fx.HeadB, fx.SchoolB.Org.ID}, {fx.Specialist, fx.SchoolA.Org.ID}} {
			setPassword(t, st, u.user.ID, u.org)
		}
		period := "?from=" + fx.Today.AddDays(-300).Format("2006-01-02") + "&to=" + fx.Today.Format("2006-01-02")
		month := fx.Today.Format("01.2006")

		// КДН А: every number of municipality А.
		kdn := a.login(t, "kdn-a", testPassword)
		if res := kdn.get("/"); !strings.Contains(res.Body, `href="/monitoring"`) {
			t.Error("no «Мониторинг» in the КДН secretary's menu")
		}
		res := kdn.get("/monitoring" + period)
		if res.Status != http.StatusOK {
			t.Fatalf("КДН: %d %s", res.Status, res.Body)
		}
		mustContain(t, res.Body, "Мониторинг помощи семьям", "Муниципалитет: Район А", `<svg class="chart"`)
		rows := pageRows(res.Body)
		wantRow(t, "КДН page", rows, "Школа А", "2", "1", "1", "1")
		wantRow(t, "КДН page", rows, "Сигнал → разбор", "3", "5")
		wantRow(t, "КДН page", rows, "Разбор → куратор", "7", "4")
		wantRow(t, "КДН page", rows, "План → первая выполненная задача", "162.50", "2")
		wantRow(t, "КДН page", rows, "Семей с сигналом за период", "6")
		wantRow(t, "КДН page", rows, "Повторный в течение 6 месяцев", "2")
		wantRow(t, "КДН page", rows, "Повторный через 6–12 месяцев", "1")
		wantRow(t, "КДН page", rows, "Уровень улучшился", "1")
		wantRow(t, "КДН page", rows, "Уровень не изменился", "2")
		wantRow(t, "КДН page", rows, "Уровень ухудшился", "1")
		wantRow(t, "КДН page", rows, month, "5", "1", "6")
		if strings.Contains(res.Body, "&lt;5") {
			t.Error("the КДН's page hides numbers")
		}
		xl := kdn.get("/monitoring/export" + period)
		if xl.Status != http.StatusOK || !strings.Contains(xl.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("КДН export: %d %s", xl.Status, xl.Header.Get("Content-Type"))
		}
		x := xlsxRows(t, xl.Body)
		wantRow(t, "КДН xlsx", x, "Школа А", "2", "1", "1", "1")
		wantRow(t, "КДН xlsx", x, "Сигнал → разбор", "3", "5")
		wantRow(t, "КДН xlsx", x, "План → первая выполненная задача", "162.5", "2")
		wantRow(t, "КДН xlsx", x, "Семей с повторной оценкой", "4")
		wantRow(t, "КДН xlsx", x, "Повторный в течение 12 месяцев", "3")

		// The regional analyst: the region by municipality, small numbers hidden.
		an := a.login(t, "analyst", testPassword)
		res = an.get("/monitoring" + period)
		if res.Status != http.StatusOK {
			t.Fatalf("analyst: %d %s", res.Status, res.Body)
		}
		mustContain(t, res.Body, "Регион: Область", "Обобщённые данные")
		rows = pageRows(res.Body)
		wantRow(t, "analyst page", rows, "Район А", "<5", "<5", "<5", "<5")
		wantRow(t, "analyst page", rows, "Район Б", "0", "<5", "0", "0")
		wantRow(t, "analyst page", rows, "Сигнал → разбор", "2.50", "6")
		wantRow(t, "analyst page", rows, "План → первая выполненная задача", "<5", "<5")
		wantRow(t, "analyst page", rows, "Семей с сигналом за период", "7")
		wantRow(t, "analyst page", rows, "Повторный в течение 6 месяцев", "<5")
		wantRow(t, "analyst page", rows, "Семей с повторной оценкой", "5")
		wantRow(t, "analyst page", rows, "Уровень улучшился", "<5")
		wantRow(t, "analyst page", rows, month, "<5", "<5", "7")
		xl = an.get("/monitoring/export" + period)
		if xl.Status != http.StatusOK {
			t.Fatalf("analyst export: %d", xl.Status)
		}
		x = xlsxRows(t, xl.Body)
		wantRow(t, "analyst xlsx", x, "Район А", "<5", "<5", "<5", "<5")
		wantRow(t, "analyst xlsx", x, "Всего", "<5", "<5", "<5", "<5")
		wantRow(t, "analyst xlsx", x, "Сигнал → разбор", "2.5", "6")
		wantRow(t, "analyst xlsx", x, "Семей с сигналом за период", "7")
		wantRow(t, "analyst xlsx", x, "Уровень ухудшился", "<5")
		// The analyst picks municipality А: its agencies; an agency of Б is refused.
		res = an.get("/monitoring" + period + "&municipality=" + idString(fx.MunA))
		if res.Status != http.StatusOK {
			t.Fatalf("analyst, municipality А: %d", res.Status)
		}
		wantRow(t, "analyst, А", pageRows(res.Body), "Школа А", "<5", "<5", "<5", "<5")
		res = an.get("/monitoring" + period + "&municipality=" + idString(fx.MunA) + "&agency=" + idString(fx.SchoolB.Org.ID))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-agency"`) {
			t.Errorf("analyst, an agency of another municipality: %d", res.Status)
		}

		// School Б's head: the school's one task, nobody else's.
		hb := a.login(t, "school-b", testPassword)
		res = hb.get("/monitoring" + period)
		if res.Status != http.StatusOK {
			t.Fatalf("school Б: %d", res.Status)
		}
		rows = pageRows(res.Body)
		wantRow(t, "school Б", rows, "Школа Б", "0", "1", "0", "0")
		wantRow(t, "school Б", rows, "Семей с сигналом за период", "1")
		if strings.Contains(res.Body, "Школа А") || strings.Contains(res.Body, `name="agency"`) {
			t.Error("school Б's head sees school А or an agency filter")
		}
		if res := hb.get("/monitoring" + period + "&agency=" + idString(fx.SchoolA.Org.ID)); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("school Б asks for school А: %d", res.Status)
		}
		if xl := hb.get("/monitoring/export" + period + "&agency=" + idString(fx.SchoolA.Org.ID)); xl.Status != http.StatusBadRequest {
			t.Errorf("school Б exports school А: %d", xl.Status)
		}

		// A specialist without report.run.
		sp := a.login(t, "teacher-a", testPassword)
		if res := sp.get("/monitoring"); res.Status != http.StatusForbidden {
			t.Errorf("specialist: %d", res.Status)
		}
		if res := sp.get("/monitoring/export"); res.Status != http.StatusForbidden {
			t.Errorf("specialist's export: %d", res.Status)
		}
		if res := sp.get("/"); strings.Contains(res.Body, `href="/monitoring"`) {
			t.Error("«Мониторинг» in the specialist's menu")
		}
	})
}
