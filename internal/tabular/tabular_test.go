package tabular

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll opens a file and returns its header and rows with numbers.
func readAll(t *testing.T, path string) (Reader, [][]string, []int) {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var rows [][]string
	var nums []int
	for {
		n, cells, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, cells)
		nums = append(nums, n)
	}
	if r.Progress() != 1 {
		t.Errorf("progress at the end: %v", r.Progress())
	}
	return r, rows, nums
}

const cards = "Фамилия;Имя;Дата рождения;Заметка\r\nЁлкин;Пётр;01.02.1975;\"живёт; у вокзала\"\r\nЩукина;Юлия;1980;\r\n"

func TestWindows1251Semicolons(t *testing.T) {
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(cards))
	if err != nil {
		t.Fatal(err)
	}
	r, rows, nums := readAll(t, write(t, "cards.csv", b))
	if r.Encoding() != "Windows-1251" || r.Format() != "csv" {
		t.Errorf("read as %s %s", r.Format(), r.Encoding())
	}
	if h := r.Header(); !slices.Equal(h, []string{"Фамилия", "Имя", "Дата рождения", "Заметка"}) {
		t.Errorf("header %q", h)
	}
	if len(rows) != 2 || !slices.Equal(rows[0], []string{"Ёлкин", "Пётр", "01.02.1975", "живёт; у вокзала"}) || rows[1][0] != "Щукина" {
		t.Errorf("rows %q", rows)
	}
	if !slices.Equal(nums, []int{2, 3}) {
		t.Errorf("row numbers %v", nums)
	}
}

func TestUTF8WithBOMCommas(t *testing.T) {
	text := "\xEF\xBB\xBF" + strings.ReplaceAll(strings.ReplaceAll(cards, ";", ","), "живёт, у вокзала", "живёт, у вокзала")
	r, rows, _ := readAll(t, write(t, "cards.csv", []byte(text)))
	if r.Encoding() != "UTF-8 BOM" {
		t.Errorf("encoding %s", r.Encoding())
	}
	if r.Header()[0] != "Фамилия" {
		t.Errorf("the first header cell is %q (the byte order mark kept?)", r.Header()[0])
	}
	if len(rows) != 2 || rows[0][0] != "Ёлкин" || rows[0][3] != "живёт, у вокзала" {
		t.Errorf("rows %q", rows)
	}
}

func TestPlainUTF8Tabs(t *testing.T) {
	r, rows, _ := readAll(t, write(t, "cards.tsv", []byte("Фамилия\tИмя\nЁлкин\tПётр\n")))
	if r.Encoding() != "UTF-8" || len(rows) != 1 || rows[0][1] != "Пётр" {
		t.Errorf("%s: %q", r.Encoding(), rows)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"Фамилия", "Имя", "Дата рождения"})
	_ = sw.SetRow("A2", []any{"Ёлкин", "Пётр", 27426}) // 01.02.1975 as a day number
	_ = sw.SetRow("A4", []any{"Щукина", "Юлия", "1980"})
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cards.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, rows, nums := readAll(t, p)
	if r.Format() != "xlsx" || r.Header()[2] != "Дата рождения" {
		t.Errorf("%s, header %q", r.Format(), r.Header())
	}
	if len(rows) != 2 || rows[0][0] != "Ёлкин" || rows[0][2] != "27426" || rows[1][1] != "Юлия" {
		t.Errorf("rows %q", rows)
	}
	if !slices.Equal(nums, []int{2, 4}) {
		t.Errorf("row numbers %v", nums)
	}
}

func TestNotATable(t *testing.T) {
	if _, err := Open(write(t, "empty.csv", nil)); !errors.Is(err, ErrEmpty) {
		t.Errorf("an empty file: %v", err)
	}
	if _, err := Open(write(t, "photo.jpg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"))); !errors.Is(err, ErrFormat) {
		t.Errorf("a photo: %v", err)
	}
	if _, err := Open(write(t, "broken.xlsx", []byte("PK\x03\x04 not really a zip"))); !errors.Is(err, ErrFormat) {
		t.Errorf("a broken workbook: %v", err)
	}
}

// TestXLSXSharedAndRichText reads a workbook saved the ordinary way: text
// in the shared strings, one cell in rich text (two runs), a column left
// empty in a row, a sheet that is not the first in the file's order.
func TestXLSXSharedAndRichText(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"Фамилия", "Имя", "Заметка"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"Ёлкин", "Пётр"})
	_ = f.SetCellRichText("Sheet1", "C2", []excelize.RichTextRun{{Text: "живёт "}, {Text: "у вокзала", Font: &excelize.Font{Bold: true}}})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"Щукина"})
	_ = f.SetCellValue("Sheet1", "C3", "без имени")
	_, _ = f.NewSheet("Второй")
	_ = f.SetCellValue("Второй", "A1", "не этот")
	p := filepath.Join(t.TempDir(), "cards.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, rows, nums := readAll(t, p)
	if !slices.Equal(r.Header(), []string{"Фамилия", "Имя", "Заметка"}) {
		t.Errorf("header %q", r.Header())
	}
	want := [][]string{{"Ёлкин", "Пётр", "живёт у вокзала"}, {"Щукина", "", "без имени"}}
	if len(rows) != 2 || !slices.Equal(rows[0], want[0]) || !slices.Equal(rows[1], want[1]) || !slices.Equal(nums, []int{2, 3}) {
		t.Errorf("rows %q at %v, want %q", rows, nums, want)
	}
}
