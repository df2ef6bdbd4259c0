// Package report turns computed report tables into files people open:
// XLSX (numbers as numbers, dates as dates) and CSV, and into the data of
// server-rendered SVG charts. It knows nothing about SQL or HTTP.
package report

import (
	"io"
	"strconv"
	"time"
)

// Cell is one value of a table: exactly one of the fields is meaningful,
// by Kind.
type Cell struct {
	Kind   Kind
	Text   string
	Number float64
	Date   time.Time
	Month  bool // a date that stands for a whole month
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
func (c Cell) IsNumber() bool       { return c.Kind == KindNumber }
func (c Cell) String() string       { return c.format() }
func (c Cell) NumberString() string { return strconv.FormatFloat(c.Number, 'f', -1, 64) }

func (c Cell) format() string {
	switch c.Kind {
	case KindNumber:
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

// Table is a titled grid with a header row.
type Table struct {
	Title   string
	Headers []string
	Rows    [][]Cell
}

// WriteCSV writes the table as CSV (UTF-8 with a BOM so spreadsheet
// programs read Cyrillic right; semicolons, as Russian Excel expects).
func WriteCSV(w io.Writer, t *Table) error {
	c, err := NewCSV(w, t.Headers)
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

// WriteXLSX writes the table as an .xlsx workbook with one sheet "Report":
// the title, a blank row, the headers and the rows.
func WriteXLSX(w io.Writer, t *Table) error {
	x, err := NewXLSX(Sheet{Title: t.Title, Headers: t.Headers})
	if err != nil {
		return err
	}
	defer x.Close()
	for _, r := range t.Rows {
		if err := x.Row(r); err != nil {
			return err
		}
	}
	_, err = x.WriteTo(w)
	return err
}
