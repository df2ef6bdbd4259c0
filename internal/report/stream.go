package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// Sheet describes the one sheet an XLSX stream writes.
type Sheet struct {
	Name    string    // the sheet's name; "Report" when empty (at most 31 characters, none of []:*?/\)
	Title   string    // optional: a bold title row and a blank row above the headers
	Headers []string  // the bold header row
	Widths  []float64 // column widths; 22 each when nil
	Freeze  bool      // keep the header row in view while scrolling
	// Stamp, if set, says who exported the file and when: the workbook's
	// document properties and a first line above everything else.
	Stamp *Stamp
}

// Stamp marks an exported file with who exported it and when
// (152-ФЗ: a file that leaves the system says where it came from).
type Stamp struct {
	Line        string    // the file's first line: "Выгрузил: …, дата: …"
	Creator     string    // the document's author: the user's name
	Created     time.Time // when the file was made
	Description string    // the document's description: user, date and time, organisation
}

// CSVOptions say how a CSV is written for its reader.
type CSVOptions struct {
	// Russian writes for a spreadsheet program in a Russian locale:
	// semicolons between fields, a decimal comma, dates as dd.mm.yyyy.
	// Otherwise commas, a decimal point and ISO dates (yyyy-mm-dd).
	Russian bool
	// Title, if not empty, is a first line above the headers: the
	// report's name and period.
	Title string
	// Stamp, if not empty, is the very first line: who exported the file
	// and when.
	Stamp string
}

// CSVStream writes CSV row by row straight to its writer: UTF-8 with a BOM
// so spreadsheet programs read Cyrillic right, numbers and dates as the
// options say.
type CSVStream struct {
	cw   *csv.Writer
	rec  []string
	opts CSVOptions
	b    []byte
}

// NewCSV writes the BOM and the header row, in the Russian way.
func NewCSV(w io.Writer, headers []string) (*CSVStream, error) {
	return NewCSVWith(w, headers, CSVOptions{Russian: true})
}

// NewCSVWith writes the BOM, the title line if opts has one, and the
// header row.
func NewCSVWith(w io.Writer, headers []string, opts CSVOptions) (*CSVStream, error) {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return nil, err
	}
	c := &CSVStream{cw: csv.NewWriter(w), rec: make([]string, len(headers)), opts: opts}
	if opts.Russian {
		c.cw.Comma = ';'
	}
	if opts.Stamp != "" {
		if err := c.cw.Write([]string{csvText(opts.Stamp)}); err != nil {
			return nil, err
		}
	}
	if opts.Title != "" {
		if err := c.cw.Write([]string{csvText(opts.Title)}); err != nil {
			return nil, err
		}
	}
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
			c.rec[i] = c.number(cell)
		case KindText:
			c.rec[i] = csvText(cell.Text)
		default:
			c.rec[i] = c.date(cell)
		}
	}
	return c.cw.Write(c.rec[:len(r)])
}

// number writes a number plainly (no group separators, which would make
// it text), money with two decimals, the decimal comma in Russian.
func (c *CSVStream) number(cell Cell) string {
	if cell.Money {
		c.b = strconv.AppendFloat(c.b[:0], cell.Number, 'f', 2, 64)
	} else {
		c.b = strconv.AppendFloat(c.b[:0], cell.Number, 'f', -1, 64)
	}
	if c.opts.Russian {
		if i := bytes.IndexByte(c.b, '.'); i >= 0 {
			c.b[i] = ','
		}
	}
	return string(c.b)
}

func (c *CSVStream) date(cell Cell) string {
	switch {
	case cell.Date.IsZero():
		return ""
	case c.opts.Russian:
		return cell.format()
	case cell.Month:
		return cell.Date.Format("2006-01")
	}
	return cell.Date.Format("2006-01-02")
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
