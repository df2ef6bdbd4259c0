package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet describes the one sheet an XLSX stream writes.
type Sheet struct {
	Name    string    // the sheet's name; "Report" when empty (at most 31 characters, none of []:*?/\)
	Title   string    // optional: a bold title row and a blank row above the headers
	Headers []string  // the bold header row
	Widths  []float64 // column widths; 22 each when nil
	Freeze  bool      // keep the header row in view while scrolling
}

// XLSXStream writes a one-sheet workbook row by row through excelize's
// StreamWriter, which keeps the sheet in memory up to 16 MB and in a
// temporary file beyond; the workbook is assembled by WriteTo. Numbers stay
// numbers and dates real dates. Close it when done.
type XLSXStream struct {
	f               *excelize.File
	sw              *excelize.StreamWriter
	row, rows       int
	vals            []any
	dateSt, monthSt int
}

// NewXLSX starts a workbook with the sheet's title and header rows.
func NewXLSX(s Sheet) (*XLSXStream, error) {
	x := &XLSXStream{f: excelize.NewFile()}
	if err := x.start(s); err != nil {
		x.f.Close()
		return nil, err
	}
	return x, nil
}

func (x *XLSXStream) start(s Sheet) error {
	name := s.Name
	if name == "" {
		name = "Report"
	}
	f := x.f
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	var err error
	if x.sw, err = f.NewStreamWriter(name); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if x.dateSt, err = f.NewStyle(&excelize.Style{NumFmt: 14}); err != nil { // dd.mm.yyyy in a Russian locale
		return err
	}
	monthFmt := "mm.yyyy"
	if x.monthSt, err = f.NewStyle(&excelize.Style{CustomNumFmt: &monthFmt}); err != nil {
		return err
	}
	// Widths and panes must come before the first row.
	if s.Widths == nil {
		if err := x.sw.SetColWidth(1, max(len(s.Headers), 1), 22); err != nil {
			return err
		}
	}
	for i, w := range s.Widths {
		if err := x.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	x.row = 1
	if s.Title != "" {
		if err := x.sw.SetRow("A1", []any{excelize.Cell{StyleID: bold, Value: s.Title}}); err != nil {
			return err
		}
		x.row = 3
	}
	if s.Freeze {
		top, _ := excelize.CoordinatesToCellName(1, x.row+1)
		if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: x.row, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	head := make([]any, len(s.Headers))
	for i, h := range s.Headers {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	cell, _ := excelize.CoordinatesToCellName(1, x.row)
	if err := x.sw.SetRow(cell, head); err != nil {
		return err
	}
	x.vals = make([]any, len(s.Headers))
	return nil
}

// Row appends one row. An empty text cell is left blank.
func (x *XLSXStream) Row(r []Cell) error {
	if len(r) > len(x.vals) {
		x.vals = make([]any, len(r))
	}
	for i, c := range r {
		switch c.Kind {
		case KindNumber:
			x.vals[i] = c.Number
		case KindDate:
			st := x.dateSt
			if c.Month {
				st = x.monthSt
			}
			x.vals[i] = excelize.Cell{StyleID: st, Value: c.Date}
		default:
			if c.Text == "" {
				x.vals[i] = nil
			} else {
				x.vals[i] = c.Text
			}
		}
	}
	x.row++
	cell, _ := excelize.CoordinatesToCellName(1, x.row)
	if err := x.sw.SetRow(cell, x.vals[:len(r)]); err != nil {
		return fmt.Errorf("report: xlsx row %d: %w", x.row, err)
	}
	x.rows++
	return nil
}

// Rows is the number of rows appended with Row.
func (x *XLSXStream) Rows() int { return x.rows }

// WriteTo finishes the sheet and writes the workbook.
func (x *XLSXStream) WriteTo(w io.Writer) (int64, error) {
	if err := x.sw.Flush(); err != nil {
		return 0, err
	}
	return x.f.WriteTo(w)
}

// Close drops the workbook and its temporary files.
func (x *XLSXStream) Close() error { return x.f.Close() }

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
