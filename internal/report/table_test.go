package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestXLSXKeepsNumbersAndDates(t *testing.T) {
	tb := &Table{Title: "Услуги", Headers: []string{"Месяц", "Услуга", "Раз"},
		Rows: [][]Cell{{Month(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Text("Продуктовый набор"), Number(12)},
			{Date(time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)), Text("Проезд"), Number(150.5)}}}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := f.GetCellType("Report", "C4")
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Fatalf("C4 type %v", typ)
	}
	v, _ := f.GetCellValue("Report", "C5", excelize.Options{RawCellValue: true})
	if v != "150.5" {
		t.Fatalf("C5 raw %q", v)
	}
	raw, _ := f.GetCellValue("Report", "A5", excelize.Options{RawCellValue: true})
	if raw != "46056" { // Excel serial day of 03.02.2026
		t.Fatalf("date cell raw %q", raw)
	}
	name, _ := f.GetCellValue("Report", "B4")
	if name != "Продуктовый набор" {
		t.Fatalf("B4 %q", name)
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	tb := &Table{Headers: []string{"a", "b"}, Rows: [][]Cell{{Text("x;y"), Number(2.5)}}}
	if err := WriteCSV(&buf, tb); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.HasPrefix(got, "\ufeffa;b\n") || !strings.Contains(got, "\"x;y\";2.5") {
		t.Fatalf("csv %q", got)
	}
}

func TestBarLabelsFit(t *testing.T) {
	c := Bars([]string{"Консультация специалиста по социальной работе", "Чай"}, []float64{3, 1})
	if c.Bars[0].Short != "Консультация специалиста по…" || c.Bars[1].Short != "Чай" || c.Bars[0].Width != 260 {
		t.Fatalf("bars %+v", c.Bars)
	}
}

// Text a spreadsheet would run as a formula is written as text; numbers,
// negative ones too, stay numbers.
func TestCSVDoesNotWriteFormulas(t *testing.T) {
	var buf bytes.Buffer
	tb := &Table{Headers: []string{"comment", "n"}, Rows: [][]Cell{
		{Text(`=HYPERLINK("http://example.org","x")`), Number(-5)},
		{Text("+7 911 000-00-00"), Number(1)},
		{Text("@SUM(A1)"), Number(2)},
		{Text("обычный текст - с дефисом"), Number(3)},
	}}
	if err := WriteCSV(&buf, tb); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"comment", "n"}, {`'=HYPERLINK("http://example.org","x")`, "-5"}, {"'+7 911 000-00-00", "1"},
		{"'@SUM(A1)", "2"}, {"обычный текст - с дефисом", "3"}}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
}

// What a worker opening an export sees: the title, bold headers kept in
// view, the columns' widths, text exactly as typed (a formula-looking
// comment stays text, leading spaces stay, characters a workbook cannot
// hold are dropped, an over-long text is cut at what a cell holds),
// months shown as months, and a number that is not one left blank.
func TestXLSXStreamReadsBackAsWritten(t *testing.T) {
	x, err := NewXLSX(Sheet{Name: "Услуги & прочее", Title: "Реестр <услуг>", Freeze: true,
		Headers: []string{"№", "Месяц", "Комментарий", "Сумма"}, Widths: []float64{6, 10, 40, 12}})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("я", 40000)
	rows := [][]Cell{
		{Number(1), Month(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), Text(`=HYPERLINK("http://example.org")`), Number(-12.5)},
		{Number(2), Date(time.Time{}), Text("  отступ\x01 и <тег> & \"кавычки\""), Number(math.NaN())},
		{Number(3), Date(time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)), Text(long), Number(1e20)},
	}
	for _, r := range rows {
		if err := x.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := x.Row(rows[0]); err == nil {
		t.Error("a row after the workbook was written was taken")
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	if sheet != "Услуги & прочее" {
		t.Fatalf("sheet %q", sheet)
	}
	get := func(cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for cell, want := range map[string]string{
		"A1": "Реестр <услуг>", "A3": "№", "D3": "Сумма",
		"C4": `=HYPERLINK("http://example.org")`, "D4": "-12.5", "B4": "46082",
		"C5": "  отступ и <тег> & \"кавычки\"", "B5": "", "D5": "",
		"B6": "46056", "D6": "1E+20",
	} {
		if got := get(cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if f, _ := f.GetCellFormula(sheet, "C4"); f != "" {
		t.Errorf("the comment became a formula: %q", f)
	}
	if got := []rune(get("C6")); len(got) != 32767 {
		t.Errorf("long text: %d characters, want 32767", len(got))
	}
	style := func(cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := style("B4"); st.CustomNumFmt == nil || *st.CustomNumFmt != "mm.yyyy" {
		t.Errorf("month cell's format: %+v", st)
	}
	if st := style("B6"); st.NumFmt != 14 {
		t.Errorf("date cell's format: %d", st.NumFmt)
	}
	if st := style("A3"); st.Font == nil || !st.Font.Bold {
		t.Errorf("header not bold: %+v", st.Font)
	}
	if w, _ := f.GetColWidth(sheet, "C"); w != 40 {
		t.Errorf("column C width %v", w)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 3 || panes.TopLeftCell != "A4" {
		t.Errorf("frozen headers: %+v %v", panes, err)
	}
	if _, err := NewXLSX(Sheet{Name: "a/b"}); err == nil {
		t.Error("a sheet name with a slash was taken")
	}
}
