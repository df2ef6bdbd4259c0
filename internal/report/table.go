// Package report turns computed report tables into files people open:
// XLSX (numbers as numbers, dates as dates) and CSV, and into the data of
// server-rendered SVG charts. It knows nothing about SQL or HTTP.
package report

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Cell is one value of a table: exactly one of the fields is meaningful,
// by Kind.
type Cell struct {
	Kind   Kind
	Text   string
	Number float64
	Date   time.Time
	Month  bool // a date that stands for a whole month
	Money  bool // a number of roubles: always two decimals, thousands grouped in a spreadsheet
}

// Kind is the type of a cell.
type Kind int

const (
	KindText Kind = iota
	KindNumber
	KindDate
)

// Text, Number, Date and Month make cells.
func Text(s string) Cell            { return Cell{Kind: KindText, Text: s} }
func Number(f float64) Cell         { return Cell{Kind: KindNumber, Number: f} }
func Date(t time.Time) Cell         { return Cell{Kind: KindDate, Date: t} }
func Month(t time.Time) Cell        { return Cell{Kind: KindDate, Date: t, Month: true} }
func Money(f float64) Cell          { return Cell{Kind: KindNumber, Number: f, Money: true} }
func (c Cell) IsNumber() bool       { return c.Kind == KindNumber }
func (c Cell) String() string       { return c.format() }
func (c Cell) NumberString() string { return strconv.FormatFloat(c.Number, 'f', -1, 64) }

func (c Cell) format() string {
	switch c.Kind {
	case KindNumber:
		if c.Money {
			return strconv.FormatFloat(c.Number, 'f', 2, 64)
		}
		return FormatNumber(c.Number)
	case KindDate:
		if c.Month {
			return c.Date.Format("01.2006")
		}
		return c.Date.Format("02.01.2006")
	}
	return c.Text
}

// FormatNumber writes integers without decimals and others with two.
func FormatNumber(f float64) string {
	if f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

// Table is a titled grid with a header row. Sheet names the spreadsheet's
// sheet (made fit by SheetName; "Report" when empty); Title is a bold line
// above the headers in a spreadsheet and, when asked, in a CSV.
type Table struct {
	Sheet   string
	Title   string
	Headers []string
	Rows    [][]Cell
}

// NumberColumn tells whether column i holds numbers (by its first row),
// for a page to align its header with them.
func (t *Table) NumberColumn(i int) bool {
	return len(t.Rows) > 0 && i < len(t.Rows[0]) && t.Rows[0][i].IsNumber()
}

// WriteCSV writes the table as CSV in the Russian way (CSVOptions with
// Russian set), without the title.
func WriteCSV(w io.Writer, t *Table) error {
	return WriteCSVWith(w, t, CSVOptions{Russian: true})
}

// WriteCSVWith writes the table as CSV as opts say (the table's own Title
// is not written: give it as opts.Title for a title line).
func WriteCSVWith(w io.Writer, t *Table, opts CSVOptions) error {
	c, err := NewCSVWith(w, t.Headers, opts)
	if err != nil {
		return err
	}
	for _, row := range t.Rows {
		if err := c.Row(row); err != nil {
			return err
		}
	}
	return c.Flush()
}

// WriteXLSX writes the table as an .xlsx workbook with one sheet named
// t.Sheet: the title, a blank row, the headers and the rows, the columns
// as wide as their content.
func WriteXLSX(w io.Writer, t *Table) error {
	return WriteXLSXSections(w, t.Sheet, "", []*Table{t})
}

// WriteXLSXSections writes tables one under another on one sheet: the
// sheet's title (if any), then for each table its title, headers and rows,
// a blank row between them. The columns are as wide as the widest content.
func WriteXLSXSections(w io.Writer, sheet, title string, tables []*Table) error {
	return WriteXLSXStamped(w, sheet, title, tables, nil)
}

// WriteXLSXStamped is WriteXLSXSections with the file stamped (st may be
// nil): who exported it and when, in the document properties and the
// sheet's first line.
func WriteXLSXStamped(w io.Writer, sheet, title string, tables []*Table, st *Stamp) error {
	if len(tables) == 0 {
		return errors.New("report: xlsx without a table")
	}
	s := Sheet{Name: SheetName(sheet), Title: title, Widths: ContentWidths(tables...), Stamp: st}
	single := title == "" && len(tables) == 1
	if single {
		s.Title, s.Headers = tables[0].Title, tables[0].Headers
	}
	x, err := NewXLSX(s)
	if err != nil {
		return err
	}
	defer x.Close()
	for _, t := range tables {
		if !single {
			x.Section(t.Title, t.Headers)
		}
		for _, r := range t.Rows {
			if err := x.Row(r); err != nil {
				return err
			}
		}
	}
	_, err = x.WriteTo(w)
	return err
}

// ContentWidths sizes columns to what they hold: the longest header or
// value shown, in characters, with a little room, between 6 and 60.
// Titles are left out (they may run over the next columns).
func ContentWidths(tables ...*Table) []float64 {
	var widths []float64
	fit := func(i int, s string) {
		for len(widths) <= i {
			widths = append(widths, 6)
		}
		n := 0
		for _, line := range strings.Split(s, "\n") {
			n = max(n, utf8.RuneCountInString(line))
		}
		widths[i] = min(max(widths[i], float64(n)+2), 60)
	}
	for _, t := range tables {
		for i, h := range t.Headers {
			fit(i, h)
		}
		for _, r := range t.Rows {
			for i, c := range r {
				fit(i, c.shown())
			}
		}
	}
	return widths
}

// shown is about what a spreadsheet shows for the cell: money with its
// group separators.
func (c Cell) shown() string {
	if c.Kind == KindNumber && c.Money {
		s := c.format()
		return s + strings.Repeat(" ", max(0, (len(s)-4)/3))
	}
	return c.format()
}

// SheetName makes s a sheet name a spreadsheet takes: the characters
// []:*?/\ become spaces, no apostrophe at either end, at most 31
// characters (cut at the end), "Report" when nothing is left.
func SheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < 0x20 {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	s = strings.TrimSpace(strings.Trim(s, "'"))
	if s == "" || strings.EqualFold(s, "History") {
		return "Report"
	}
	return s
}
