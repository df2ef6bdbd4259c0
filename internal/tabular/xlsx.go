package tabular

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// An XLSX workbook read without excelize (the server binary does not link
// it: cmd/opora/deps_test.go): the first sheet's XML is streamed from the
// zip with encoding/xml, row by row; the shared strings (the workbook's
// text cells) are read once, up to maxSharedStrings bytes of XML.

// maxSharedStrings caps the uncompressed XML of a workbook's shared
// strings, against a zip bomb.
const maxSharedStrings = 256 << 20

type xlsxReader struct {
	src     Source
	zr      *zip.Reader
	sheet   io.ReadCloser
	dec     *xml.Decoder
	strings []string
	row     int
	total   int
	done    bool
	header  []string
}

// openXLSX reads the workbook in src; on an error the caller closes src.
func openXLSX(src Source) (*xlsxReader, error) {
	zr, err := zip.NewReader(src, src.Size())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	r := &xlsxReader{zr: zr}
	fail := func(err error) (*xlsxReader, error) {
		if r.sheet != nil {
			r.sheet.Close()
		}
		return nil, err
	}
	sheetPath, stringsPath, err := workbookParts(zr)
	if err != nil {
		return fail(err)
	}
	if stringsPath != "" {
		if r.strings, err = readSharedStrings(zr, stringsPath); err != nil {
			return fail(err)
		}
	}
	f := zipFile(zr, sheetPath)
	if f == nil {
		return fail(ErrEmpty)
	}
	if r.sheet, err = f.Open(); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrFormat, err))
	}
	r.dec = xml.NewDecoder(r.sheet)
	_, h, err := r.Next()
	if err == io.EOF {
		return fail(ErrEmpty)
	}
	if err != nil {
		return fail(err)
	}
	r.header, r.src = h, src
	return r, nil
}

func zipFile(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// workbookParts finds the first sheet's part and the shared strings' part
// through the workbook's relationships.
func workbookParts(zr *zip.Reader) (sheet, sharedStrings string, err error) {
	var wb struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return "", "", err
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", "", err
	}
	target := func(t string) string {
		if strings.HasPrefix(t, "/") {
			return strings.TrimPrefix(t, "/")
		}
		return path.Join("xl", t)
	}
	for _, rel := range rels.Rels {
		if strings.HasSuffix(rel.Type, "/sharedStrings") {
			sharedStrings = target(rel.Target)
		}
		if len(wb.Sheets) > 0 && rel.ID == wb.Sheets[0].ID {
			sheet = target(rel.Target)
		}
	}
	if sheet == "" {
		return "", "", ErrEmpty
	}
	return sheet, sharedStrings, nil
}

func decodePart(zr *zip.Reader, name string, v any) error {
	f := zipFile(zr, name)
	if f == nil {
		return fmt.Errorf("%w: no %s", ErrFormat, name)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFormat, name, err)
	}
	return nil
}

// readSharedStrings reads the texts of <si> items: the <t> runs joined,
// phonetic runs (<rPh>) left out.
func readSharedStrings(zr *zip.Reader, name string) ([]string, error) {
	f := zipFile(zr, name)
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer rc.Close()
	lr := &io.LimitedReader{R: rc, N: maxSharedStrings + 1}
	dec := xml.NewDecoder(lr)
	var out []string
	var sb strings.Builder
	inSI, inT, phonetic := false, false, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return nil, fmt.Errorf("%w: the shared strings are too large", ErrFormat)
			}
			return nil, fmt.Errorf("%w: shared strings: %v", ErrFormat, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				sb.Reset()
			case "rPh":
				phonetic++
			case "t":
				inT = inSI && phonetic == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, sb.String())
				inSI = false
			case "rPh":
				phonetic--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				sb.Write(t)
			}
		}
	}
	return out, nil
}

func (r *xlsxReader) Header() []string { return r.header }
func (r *xlsxReader) Format() string   { return "xlsx" }
func (r *xlsxReader) Encoding() string { return "" }

func (r *xlsxReader) Close() error {
	if r.sheet != nil {
		r.sheet.Close()
	}
	return r.src.Close()
}

// Next gives the next row that has cells, numbered as in the sheet. Cells
// come as stored: a date as the spreadsheet's day number, a number in full
// precision, a boolean as 1 or 0 — not in the format of whoever made the
// file (the store reads day numbers as dates).
func (r *xlsxReader) Next() (int, []string, error) {
	var cells []string
	inRow := false
	col, typ := 0, ""
	var val strings.Builder
	inV, inIS := false, false
	for {
		tok, err := r.dec.Token()
		if err == io.EOF {
			r.done = true
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, fmt.Errorf("tabular: row after %d: %w", r.row, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dimension":
				if ref := attr(t, "ref"); ref != "" {
					_, last, _ := strings.Cut(ref, ":")
					if _, n, ok := cellRef(last); ok {
						r.total = n
					}
				}
			case "row":
				inRow = true
				cells = cells[:0]
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > 0 {
					r.row = n
				} else {
					r.row++
				}
			case "c":
				typ = attr(t, "t")
				if c, _, ok := cellRef(attr(t, "r")); ok {
					col = c
				} else {
					col = len(cells)
				}
				val.Reset()
			case "v":
				inV = true
			case "is":
				inIS = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "c":
				if col > 16384 {
					return 0, nil, fmt.Errorf("%w: column %d", ErrFormat, col)
				}
				v := val.String()
				if typ == "s" {
					i, err := strconv.Atoi(v)
					if err != nil || i < 0 || i >= len(r.strings) {
						return 0, nil, fmt.Errorf("%w: row %d: shared string %q", ErrFormat, r.row, v)
					}
					v = r.strings[i]
				}
				for len(cells) <= col {
					cells = append(cells, "")
				}
				cells[col] = strings.TrimSpace(v)
			case "row":
				if inRow {
					return r.row, append([]string(nil), cells...), nil
				}
			case "sheetData":
				r.done = true
				return 0, nil, io.EOF
			}
		case xml.CharData:
			if inV || inIS {
				val.Write(t)
			}
		}
	}
}

func (r *xlsxReader) Progress() float64 {
	if r.done {
		return 1
	}
	if r.total <= 0 {
		return 0
	}
	return min(1, float64(r.row)/float64(r.total))
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// cellRef splits "BC12" into the column's index (0-based) and the row.
func cellRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i == 0 || i == len(ref) || col > 16384 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil {
		return 0, 0, false
	}
	return col - 1, row, true
}
