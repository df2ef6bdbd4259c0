package report

import (
	"encoding/csv"
	"io"
	"strings"
)

// Sheet describes the one sheet an XLSX stream writes.
type Sheet struct {
	Name    string    // the sheet's name; "Report" when empty (at most 31 characters, none of []:*?/\)
	Title   string    // optional: a bold title row and a blank row above the headers
	Headers []string  // the bold header row
	Widths  []float64 // column widths; 22 each when nil
	Freeze  bool      // keep the header row in view while scrolling
}

// CSVStream writes CSV row by row straight to its writer: UTF-8 with a BOM
// so spreadsheet programs read Cyrillic right, semicolons as Russian Excel
// expects, numbers with a decimal point, dates as dd.mm.yyyy.
type CSVStream struct {
	cw  *csv.Writer
	rec []string
}

// NewCSV writes the BOM and the header row.
func NewCSV(w io.Writer, headers []string) (*CSVStream, error) {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return nil, err
	}
	c := &CSVStream{cw: csv.NewWriter(w), rec: make([]string, len(headers))}
	c.cw.Comma = ';'
	if err := c.cw.Write(headers); err != nil {
		return nil, err
	}
	return c, nil
}

// Row appends one row.
func (c *CSVStream) Row(r []Cell) error {
	if len(r) > len(c.rec) {
		c.rec = make([]string, len(r))
	}
	for i, cell := range r {
		switch cell.Kind {
		case KindNumber:
			c.rec[i] = cell.NumberString()
		case KindText:
			c.rec[i] = csvText(cell.Text)
		default:
			c.rec[i] = cell.format()
		}
	}
	return c.cw.Write(c.rec[:len(r)])
}

// csvText keeps a text cell from being taken for a formula: a spreadsheet
// program opening the CSV runs a cell that begins with =, +, -, @ (or a tab
// or carriage return before them), so a comment typed as
// "=HYPERLINK(…)" would become a link or worse. Such text gets a leading
// apostrophe, which spreadsheets show as text. (XLSX cells are typed as
// strings and need nothing.)
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Flush writes what is buffered and reports any write error.
func (c *CSVStream) Flush() error {
	c.cw.Flush()
	return c.cw.Error()
}
