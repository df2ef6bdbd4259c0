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
	if got := buf.String(); !strings.HasPrefix(got, "\ufeffa;b\n") || !strings.Contains(got, "\"x;y\";2,5") {
		t.Fatalf("csv %q", got)
	}
}

// A long label is cut at its end with an ellipsis so that it fits the
// label column; a short one stays whole.
func TestBarLabelsFit(t *testing.T) {
	long := "Консультация специалиста по социальной работе и юриста по жилищным вопросам"
	c := Bars("Разных клиентов", []string{long, "Чай", strings.Repeat("Ш", 40), long + " · февраль 2026"}, []float64{3, 1, 2, 1})
	if c.Measure != "Разных клиентов" || c.Bars[1].Short != "Чай" || c.Bars[0].Pct != longestBar || c.Bars[1].Pct != 27.3 {
		t.Fatalf("bars %+v", c)
	}
	if s := c.Bars[3].Short; !strings.HasSuffix(s, "… · февраль 2026") || !strings.HasPrefix(s, "Консультация") {
		t.Errorf("two keys shortened to %q: the second key is lost", s)
	}
	for _, b := range []Bar{c.Bars[0], c.Bars[2], c.Bars[3]} {
		short, _, _ := strings.Cut(b.Short, "…")
		if short == b.Short || !strings.HasPrefix(b.Label, short) || len([]rune(short)) < 10 {
			t.Errorf("label %q shortened to %q", b.Label, b.Short)
		}
		w := 0.0
		for _, r := range b.Short {
			w += runeWidth(r)
		}
		if w > labelWidth {
			t.Errorf("%q is %v px wide, more than %d", b.Short, w, labelWidth)
		}
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

// A Russian office opens an export: money shows as 1 234,50 (number format
// #,##0.00 on a number, not text), the sheet is named after the report,
// and the columns are as wide as what they hold.
func TestXLSXMoneySheetNameAndWidths(t *testing.T) {
	tb := &Table{Sheet: "Услуги по типам: январь/март [2026]?", Title: "Услуги по типам, 01.01.2026–31.03.2026",
		Headers: []string{"Тип", "Сумма, ₽"},
		Rows:    [][]Cell{{Text("Консультация юриста по жилищным вопросам"), Money(1234.5)}, {Text("Итого"), Money(1234567.891)}}}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	if sheet != "Услуги по типам январь март 202" {
		t.Fatalf("sheet %q", sheet)
	}
	for cell, want := range map[string]string{"B4": "1234.5", "B5": "1234567.891"} {
		if v, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true}); v != want {
			t.Errorf("%s raw %q, want %q", cell, v, want)
		}
		if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s is not a number: %v", cell, typ)
		}
		id, _ := f.GetCellStyle(sheet, cell)
		if st, err := f.GetStyle(id); err != nil || st.NumFmt != 4 {
			t.Errorf("%s number format %+v %v, want 4 (#,##0.00)", cell, st, err)
		}
	}
	// excelize renders the built-in format: two decimals, thousands grouped.
	if v, _ := f.GetCellValue(sheet, "B5"); v != "1,234,567.89" {
		t.Errorf("B5 shown as %q", v)
	}
	wa, _ := f.GetColWidth(sheet, "A")
	wb, _ := f.GetColWidth(sheet, "B")
	if wa < 40 || wa > 50 || wb < 10 || wb > 20 {
		t.Errorf("column widths A %v, B %v", wa, wb)
	}
}

func TestSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"": "Report",
		"Социально-демографические данные": "Социально-демографические данны",
		"'Отчёт'":          "Отчёт",
		"a/b\\c*d?e:f[g]h": "a b c d e f g h",
		"history":          "Report",
	} {
		got := SheetName(in)
		if got != want {
			t.Errorf("SheetName(%q) = %q, want %q", in, got, want)
		}
		if _, err := NewXLSX(Sheet{Name: got}); err != nil {
			t.Errorf("%q: %v", got, err)
		}
	}
}

// The dashboard's tables go one under another on one sheet, each with its
// bold title and headers.
func TestXLSXSections(t *testing.T) {
	tables := []*Table{
		{Title: "Новые клиенты по месяцам", Headers: []string{"Месяц", "Количество"},
			Rows: [][]Cell{{Month(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Number(2)}}},
		{Title: "По полу", Headers: []string{"Пол", "Количество"}, Rows: [][]Cell{{Text("мужской"), Number(3)}, {Text("женский"), Number(1)}}},
	}
	var buf bytes.Buffer
	if err := WriteXLSXSections(&buf, "Сводка", "Сводка, 01.01.2026–28.02.2026", tables); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Сводка", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Сводка, 01.01.2026–28.02.2026"}, nil, {"Новые клиенты по месяцам"}, {"Месяц", "Количество"}, {"46023", "2"},
		nil, {"По полу"}, {"Пол", "Количество"}, {"мужской", "3"}, {"женский", "1"}}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d %q, want %q", i+1, rows[i], want[i])
		}
	}
	id, _ := f.GetCellStyle("Сводка", "A7")
	if st, _ := f.GetStyle(id); st == nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("section title not bold")
	}
}

// In Russian a CSV has semicolons, decimal commas and dd.mm.yyyy dates, and
// on request a title line; in English commas, points and ISO dates.
func TestCSVByLanguage(t *testing.T) {
	tb := &Table{Headers: []string{"Дата", "Тип", "Сумма", "Раз"},
		Rows: [][]Cell{{Date(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)), Text("Проезд, билет"), Money(1234.5), Number(2.25)},
			{Month(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)), Text("x"), Money(3), Number(7)}}}
	var ru, en bytes.Buffer
	if err := WriteCSVWith(&ru, tb, CSVOptions{Russian: true, Title: "Услуги по типам, 01.01.2026–31.03.2026"}); err != nil {
		t.Fatal(err)
	}
	wantRU := "\ufeffУслуги по типам, 01.01.2026–31.03.2026\nДата;Тип;Сумма;Раз\n09.03.2026;Проезд, билет;1234,50;2,25\n02.2026;x;3,00;7\n"
	if ru.String() != wantRU {
		t.Errorf("russian csv\n%q\nwant\n%q", ru.String(), wantRU)
	}
	if err := WriteCSVWith(&en, tb, CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	wantEN := "\ufeffДата,Тип,Сумма,Раз\n2026-03-09,\"Проезд, билет\",1234.50,2.25\n2026-02,x,3.00,7\n"
	if en.String() != wantEN {
		t.Errorf("english csv\n%q\nwant\n%q", en.String(), wantEN)
	}
}
