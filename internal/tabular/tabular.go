// Package tabular reads the spreadsheets an organisation moving in brings
// (issue 24 item 2): CSV in UTF-8 (with or without a byte order mark) or
// Windows-1251, separated by ";", "," or tabs, and XLSX. Both are streamed
// row by row — csv.Reader over the file, encoding/xml over the first
// sheet's XML in the zip (xlsx.go) — so a 100 MB file is never held whole;
// Progress says how far the reading got.
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Reader gives a table's rows one at a time; the first row is the header.
type Reader interface {
	// Header is the first row's cells.
	Header() []string
	// Next returns the next row's cells and its number in the file (the
	// header is row 1, as a spreadsheet numbers it); io.EOF at the end.
	Next() (int, []string, error)
	// Progress is the share of the file read, 0 to 1.
	Progress() float64
	// Format is "csv" or "xlsx"; Encoding names a CSV's encoding.
	Format() string
	Encoding() string
	Close() error
}

// ErrEmpty: the file has no header row.
var ErrEmpty = errors.New("tabular: the file is empty")

// ErrFormat: the file is neither CSV text nor an XLSX workbook.
var ErrFormat = errors.New("tabular: not a CSV or XLSX file")

// Source is a file's content to read: at any offset (an XLSX is a zip,
// whose directory is at its end) and its size. An *os.File is one
// (through Open); so is a files.Object, which decrypts a file encrypted
// at rest as it is read (the import's upload, web/admin_import.go).
type Source interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// osFile is an *os.File as a Source.
type osFile struct {
	*os.File
	size int64
}

func (f osFile) Size() int64 { return f.size }

// Open reads the file at path, telling XLSX (a zip archive) from CSV by
// its first bytes.
func Open(path string) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tabular: %w", err)
	}
	return OpenSource(osFile{File: f, size: st.Size()})
}

// OpenSource reads src, telling XLSX (a zip archive) from CSV by its first
// bytes. The reader closes src; so does a failed OpenSource.
func OpenSource(src Source) (Reader, error) {
	head := make([]byte, 4)
	n, _ := src.ReadAt(head, 0)
	var r Reader
	var err error
	if n == 4 && bytes.Equal(head, []byte("PK\x03\x04")) {
		r, err = openXLSX(src)
	} else {
		r, err = openCSV(src)
	}
	if err != nil {
		src.Close()
		return nil, err
	}
	return r, nil
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type csvReader struct {
	f        Source
	size     int64
	count    *counter
	cr       *csv.Reader
	header   []string
	encoding string
}

// sniffSize is how much of a CSV file decides its encoding and separator.
const sniffSize = 64 << 10

func openCSV(f Source) (*csvReader, error) {
	c := &counter{r: io.NewSectionReader(f, 0, f.Size())}
	br := bufio.NewReaderSize(c, sniffSize)
	sample, _ := br.Peek(sniffSize)
	if len(sample) == 0 {
		return nil, ErrEmpty
	}
	if bytes.ContainsRune(sample, 0) {
		return nil, ErrFormat
	}
	var text io.Reader = br
	enc := "UTF-8"
	switch {
	case bytes.HasPrefix(sample, []byte("\xEF\xBB\xBF")):
		_, _ = br.Discard(3)
		sample = sample[3:]
		enc = "UTF-8 BOM"
	case !validUTF8Prefix(sample, len(sample) < sniffSize):
		text = charmap.Windows1251.NewDecoder().Reader(br)
		sample, _ = charmap.Windows1251.NewDecoder().Bytes(sample)
		enc = "Windows-1251"
	}
	cr := csv.NewReader(text)
	cr.Comma = separator(sample)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	r := &csvReader{f: f, size: f.Size(), count: c, cr: cr, encoding: enc}
	h, err := cr.Read()
	if err == io.EOF {
		return nil, ErrEmpty
	}
	if err != nil {
		return nil, fmt.Errorf("tabular: header: %w", err)
	}
	r.header = trimAll(h)
	return r, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the
// end of a sample that is not the whole file.
func validUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for i := 1; i < utf8.UTFMax && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}

// separator picks ";", "\t" or "," by which appears most in the first
// line outside quotes (a comma when none does).
func separator(sample []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(sample) {
		if r == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if r == '\n' {
			break
		}
		counts[r]++
	}
	best, n := ',', counts[',']
	for _, r := range []rune{';', '\t'} {
		if counts[r] > n {
			best, n = r, counts[r]
		}
	}
	return best
}

// trimAll trims the cells and makes them UTF-8: bytes that are not (a
// file with a UTF-8 byte order mark but other text, or a stray byte after
// the sniffed first 64 KB) become U+FFFD rather than reach the database,
// which would refuse them (found by FuzzCSV).
func trimAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.TrimSpace(strings.ToValidUTF8(c, "\uFFFD"))
	}
	return out
}

func (r *csvReader) Header() []string { return r.header }
func (r *csvReader) Format() string   { return "csv" }
func (r *csvReader) Encoding() string { return r.encoding }
func (r *csvReader) Close() error     { return r.f.Close() }

func (r *csvReader) Next() (int, []string, error) {
	rec, err := r.cr.Read()
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("tabular: %w", err)
		}
		return 0, nil, err
	}
	line, _ := r.cr.FieldPos(0)
	return line, trimAll(rec), nil
}

func (r *csvReader) Progress() float64 {
	if r.size == 0 {
		return 1
	}
	return min(1, float64(r.count.n)/float64(r.size))
}
