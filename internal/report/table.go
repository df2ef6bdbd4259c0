// Package report turns computed report tables into files people open:
// XLSX (numbers as numbers, dates as dates) and CSV, and into the data of
// server-rendered SVG charts. It knows nothing about SQL or HTTP.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
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
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(t.Headers); err != nil {
		return err
	}
	rec := make([]string, len(t.Headers))
	for _, row := range t.Rows {
		for i, c := range row {
			switch c.Kind {
			case KindNumber:
				rec[i] = c.NumberString()
			default:
				rec[i] = c.format()
			}
		}
		if err := cw.Write(rec[:len(row)]); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the table as an .xlsx workbook with one sheet, streaming
// rows so large tables do not sit in memory twice.
func WriteXLSX(w io.Writer, t *Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Report"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // dd.mm.yyyy in a Russian locale
	if err != nil {
		return err
	}
	monthFmt := "mm.yyyy"
	monthStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &monthFmt})
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(t.Headers), 22); err != nil {
		return err
	}
	row := 1
	if t.Title != "" {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: bold, Value: t.Title}}); err != nil {
			return err
		}
		row = 3
	}
	head := make([]any, len(t.Headers))
	for i, h := range t.Headers {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(cell, head); err != nil {
		return err
	}
	vals := make([]any, len(t.Headers))
	for _, r := range t.Rows {
		row++
		for i, c := range r {
			switch c.Kind {
			case KindNumber:
				vals[i] = c.Number
			case KindDate:
				st := dateStyle
				if c.Month {
					st = monthStyle
				}
				vals[i] = excelize.Cell{StyleID: st, Value: c.Date}
			default:
				vals[i] = c.Text
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, vals[:len(r)]); err != nil {
			return fmt.Errorf("report: xlsx row %d: %w", row, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
