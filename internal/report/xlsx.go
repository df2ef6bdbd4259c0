package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// XLSXStream writes a one-sheet workbook row by row. The sheet's XML goes
// through deflate into an in-memory zip as the rows come (about 3 MB for a
// 100,000-row services register), and WriteTo finishes the zip and copies
// it out. Numbers stay numbers, dates are real dates styled dd.mm.yyyy (or
// mm.yyyy for months), text is inline strings, which a spreadsheet never
// runs as a formula. Close it when done.
//
// It writes the parts of an Office Open XML workbook itself (ECMA-376:
// content types, relationships, workbook, styles, one worksheet): a
// general library's stream writer spent two thirds of an export's
// server time building cells and keeping the sheet to copy it again.
type XLSXStream struct {
	buf   bytes.Buffer
	zw    *zip.Writer
	sheet *bufio.Writer
	row   int // the sheet's last row number
	rows  int // rows appended with Row
	b     []byte
	cols  []string // column letters by index
	done  bool
}

// Style indexes of styles.xml's cellXfs.
const (
	styleBold  = 1
	styleDate  = 2
	styleMonth = 3
	styleMoney = 4
)

// maxCellText is the most characters a spreadsheet cell holds.
const maxCellText = 32767

// NewXLSX starts a workbook with the sheet's title and header rows.
func NewXLSX(s Sheet) (*XLSXStream, error) {
	name := s.Name
	if name == "" {
		name = "Report"
	}
	if utf8.RuneCountInString(name) > 31 || strings.ContainsAny(name, `[]:*?/\`) {
		return nil, fmt.Errorf("report: sheet name %q: at most 31 characters, none of []:*?/\\", name)
	}
	x := &XLSXStream{}
	x.zw = zip.NewWriter(&x.buf)
	types, rels := xlsxContentTypes, xlsxRels
	if s.Stamp != nil {
		types, rels = xlsxContentTypesCore, xlsxRelsCore
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", types},
		{"_rels/.rels", rels},
		{"xl/workbook.xml", xlsxHead + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets><sheet name="` +
			escapeAttr(name) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
		{"xl/styles.xml", xlsxStyles},
	}
	if s.Stamp != nil {
		parts = append(parts, struct{ name, body string }{"docProps/core.xml", coreProps(s.Stamp)})
	}
	for _, part := range parts {
		w, err := x.zw.Create(part.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, part.body); err != nil {
			return nil, err
		}
	}
	w, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	x.sheet = bufio.NewWriterSize(w, 64<<10)
	top := 0 // rows above the title: the stamp's line
	if s.Stamp != nil && s.Stamp.Line != "" {
		top = 1
	}
	head := top + 1
	if s.Title != "" {
		head = top + 3
	}
	b := append(x.b[:0], xlsxHead...)
	b = append(b, `<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetViews><sheetView tabSelected="1" workbookViewId="0">`...)
	if s.Freeze {
		b = append(b, `<pane ySplit="`...)
		b = strconv.AppendInt(b, int64(head), 10)
		b = append(b, `" topLeftCell="A`...)
		b = strconv.AppendInt(b, int64(head+1), 10)
		b = append(b, `" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>`...)
	}
	b = append(b, `</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>`...)
	widths := s.Widths
	if widths == nil {
		widths = make([]float64, max(len(s.Headers), 1))
		for i := range widths {
			widths[i] = 22
		}
	}
	if len(widths) > 0 {
		b = append(b, `<cols>`...)
		for i, wd := range widths {
			b = append(b, `<col min="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" max="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" width="`...)
			b = strconv.AppendFloat(b, wd, 'f', -1, 64)
			b = append(b, `" customWidth="1"/>`...)
		}
		b = append(b, `</cols>`...)
	}
	b = append(b, `<sheetData>`...)
	x.b = b
	if top > 0 {
		x.startRow(1)
		x.text(0, s.Stamp.Line, 0)
		x.endRow()
	}
	if s.Title != "" {
		x.startRow(top + 1)
		x.text(0, s.Title, styleBold)
		x.endRow()
	}
	if len(s.Headers) > 0 {
		x.startRow(head)
		for i, h := range s.Headers {
			x.text(i, h, styleBold)
		}
		x.endRow()
	}
	if err := x.flush(); err != nil {
		return nil, err
	}
	return x, nil
}

// Section starts a new part of the sheet: a blank row (unless the sheet
// is still empty), the bold title (if any) and the bold headers.
func (x *XLSXStream) Section(title string, headers []string) {
	next := x.row + 1
	if x.row > 0 {
		next++
	}
	if title != "" {
		x.startRow(next)
		x.text(0, title, styleBold)
		x.endRow()
		next++
	}
	if len(headers) > 0 {
		x.startRow(next)
		for i, h := range headers {
			x.text(i, h, styleBold)
		}
		x.endRow()
	}
}

// Row appends one row. An empty text cell is left blank.
func (x *XLSXStream) Row(r []Cell) error {
	if x.done {
		return errors.New("report: xlsx row after the workbook was written")
	}
	x.startRow(x.row + 1)
	for i, c := range r {
		switch c.Kind {
		case KindNumber:
			st := 0
			if c.Money {
				st = styleMoney
			}
			x.number(i, c.Number, st)
		case KindDate:
			if c.Date.IsZero() {
				continue
			}
			st := styleDate
			if c.Month {
				st = styleMonth
			}
			x.number(i, excelDate(c.Date), st)
		default:
			if c.Text != "" {
				x.text(i, c.Text, 0)
			}
		}
	}
	x.endRow()
	x.rows++
	if len(x.b) >= 32<<10 {
		if err := x.flush(); err != nil {
			return fmt.Errorf("report: xlsx row %d: %w", x.row, err)
		}
	}
	return nil
}

// Rows is the number of rows appended with Row.
func (x *XLSXStream) Rows() int { return x.rows }

// WriteTo finishes the sheet and writes the workbook.
func (x *XLSXStream) WriteTo(w io.Writer) (int64, error) {
	if !x.done {
		x.done = true
		x.b = append(x.b, `</sheetData></worksheet>`...)
		if err := x.flush(); err != nil {
			return 0, err
		}
		if err := x.sheet.Flush(); err != nil {
			return 0, err
		}
		if err := x.zw.Close(); err != nil {
			return 0, err
		}
	}
	return bytes.NewReader(x.buf.Bytes()).WriteTo(w)
}

// Close drops the workbook.
func (x *XLSXStream) Close() error {
	x.buf = bytes.Buffer{}
	x.b = nil
	return nil
}

func (x *XLSXStream) flush() error {
	_, err := x.sheet.Write(x.b)
	x.b = x.b[:0]
	return err
}

func (x *XLSXStream) startRow(n int) {
	x.row = n
	x.b = append(x.b, `<row r="`...)
	x.b = strconv.AppendInt(x.b, int64(n), 10)
	x.b = append(x.b, `">`...)
}

func (x *XLSXStream) endRow() { x.b = append(x.b, `</row>`...) }

// cell opens cell col (from 0) of the current row.
func (x *XLSXStream) cell(col, style int) {
	for len(x.cols) <= col {
		x.cols = append(x.cols, columnName(len(x.cols)))
	}
	x.b = append(x.b, `<c r="`...)
	x.b = append(x.b, x.cols[col]...)
	x.b = strconv.AppendInt(x.b, int64(x.row), 10)
	x.b = append(x.b, '"')
	if style != 0 {
		x.b = append(x.b, ` s="`...)
		x.b = strconv.AppendInt(x.b, int64(style), 10)
		x.b = append(x.b, '"')
	}
}

func (x *XLSXStream) number(col int, f float64, style int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return // no such number in a spreadsheet: the cell stays blank
	}
	x.cell(col, style)
	x.b = append(x.b, `><v>`...)
	if math.Abs(f) < 1e15 {
		x.b = strconv.AppendFloat(x.b, f, 'f', -1, 64)
	} else {
		x.b = strconv.AppendFloat(x.b, f, 'E', -1, 64)
	}
	x.b = append(x.b, `</v></c>`...)
}

func (x *XLSXStream) text(col int, s string, style int) {
	x.cell(col, style)
	x.b = append(x.b, ` t="inlineStr"><is><t`...)
	if s != strings.TrimSpace(s) {
		x.b = append(x.b, ` xml:space="preserve"`...)
	}
	x.b = append(x.b, '>')
	x.b = appendText(x.b, s)
	x.b = append(x.b, `</t></is></c>`...)
}

// appendText appends s escaped for XML text, without the characters XML
// cannot hold (control characters other than tab and newlines, invalid
// UTF-8) and cut at what a cell holds.
func appendText(b []byte, s string) []byte {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if n++; n > maxCellText {
			break
		}
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '\r':
			b = append(b, "&#13;"...)
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\t' && r != '\n', r == 0xFFFE, r == 0xFFFF:
			n-- // dropped
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

// escapeAttr is s escaped for an attribute's value in double quotes.
func escapeAttr(s string) string {
	return strings.ReplaceAll(string(appendText(nil, s)), `"`, "&quot;")
}

// columnName is the letters of column i (from 0): A … Z, AA, …
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// excelDate is t's serial day in the 1900 date system: days since
// 30.12.1899, with the time of day as the fraction, read off t's clock.
func excelDate(t time.Time) float64 {
	y, m, d := t.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	h, mi, s := t.Clock()
	return math.Round(days) + (float64(h*3600+mi*60+s)+float64(t.Nanosecond())/1e9)/86400
}

const (
	xlsxHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain   = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"

	xlsxContentTypes = xlsxHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	xlsxContentTypesCore = xlsxHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
		`</Types>`
	xlsxRelsCore = xlsxHead + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsPkgRel + `/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`
	xlsxRels = xlsxHead + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xlsxWorkbookRels = xlsxHead + `<Relationships xmlns="` + nsPkgRel + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/></Relationships>`
	// The cell styles: 0 plain, 1 bold (title, headers), 2 a date
	// (built-in format 14, dd.mm.yyyy in a Russian locale), 3 a month,
	// 4 money (built-in format 4, #,##0.00: "1 234,50" in a Russian locale).
	xlsxStyles = xlsxHead + `<styleSheet xmlns="` + nsMain + `">` +
		`<numFmts count="1"><numFmt numFmtId="164" formatCode="mm.yyyy"/></numFmts>` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
		`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
)

// coreProps is the workbook's document properties (docProps/core.xml,
// ECMA-376 part 2): the author, the description and the time made.
func coreProps(st *Stamp) string {
	created := st.Created.UTC().Format("2006-01-02T15:04:05Z")
	return xlsxHead + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
		` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"` +
		` xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:creator>` + string(appendText(nil, st.Creator)) + `</dc:creator>` +
		`<cp:lastModifiedBy>` + string(appendText(nil, st.Creator)) + `</cp:lastModifiedBy>` +
		`<dc:description>` + string(appendText(nil, st.Description)) + `</dc:description>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + created + `</dcterms:created>` +
		`<dcterms:modified xsi:type="dcterms:W3CDTF">` + created + `</dcterms:modified>` +
		`</cp:coreProperties>`
}
