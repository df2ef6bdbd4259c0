package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// readFuzzed opens path and reads at most 10,000 rows: rows come in
// increasing order and every cell is UTF-8 (Windows-1251 is converted;
// the store and PostgreSQL take nothing else).
func readFuzzed(t *testing.T, path string) {
	r, err := Open(path)
	if err != nil {
		return
	}
	defer r.Close()
	for _, h := range r.Header() {
		if !utf8.ValidString(h) {
			t.Fatalf("header cell %q is not UTF-8", h)
		}
	}
	last := 0
	for range 10000 {
		n, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			return
		}
		if n <= last {
			t.Fatalf("row %d after row %d", n, last)
		}
		last = n
		for _, c := range cells {
			if !utf8.ValidString(c) {
				t.Fatalf("row %d: cell %q is not UTF-8", n, c)
			}
		}
		if p := r.Progress(); p < 0 || p > 1.0001 {
			t.Fatalf("progress %v", p)
		}
	}
}

// FuzzCSV: any uploaded text is read as rows of UTF-8 cells or refused.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("Фамилия;Имя;Дата рождения\nИванов;Пётр;01.02.1975\n"))
	f.Add([]byte("\xef\xbb\xbfsurname,name\n\"Smith, J\",\"a\"\"b\"\n"))
	f.Add([]byte("\xd4\xe0\xec\xe8\xeb\xe8\xff\t\xc8\xec\xff\n\xc8\xe2\xe0\xed\xee\xe2\t\xcf\xb8\xf2\xf0\n"))
	f.Add([]byte("\"unclosed\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		readFuzzed(t, p)
	})
}

// FuzzXLSX: a workbook whose sheet and shared strings are the fuzzer's is
// read as rows of UTF-8 cells or refused, never a panic.
func FuzzXLSX(f *testing.F) {
	f.Add(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Имя</t></is></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="C2"><v>27426</v></c></row></sheetData></worksheet>`,
		`<sst><si><t>Фамилия</t></si><si><r><t>Ива</t></r><r><t>нов</t></r></si></sst>`)
	f.Add(`<worksheet><dimension ref="A1:ZZ99999999"/><sheetData><row r="0"><c r="XFD1048577" t="s"><v>99</v></c></row></sheetData></worksheet>`, `<sst/>`)
	f.Fuzz(func(t *testing.T, sheet, shared string) {
		readFuzzed(t, buildXLSX(t, sheet, shared))
	})
}

// buildXLSX writes a workbook of one sheet with the given XML parts.
func buildXLSX(t *testing.T, sheet, shared string) string {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml":        `<Types/>`,
		"xl/workbook.xml":            `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   sheet,
		"xl/sharedStrings.xml":       shared,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "in.xlsx")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
