package report

import (
	"bytes"
	"encoding/csv"
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
