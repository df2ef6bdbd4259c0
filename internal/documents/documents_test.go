package documents

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.White)
		}
	}
	for x := 0; x < w; x++ {
		img.Set(x, h/2, color.RGBA{0, 0, 200, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sampleDoc(t testing.TB) *Doc {
	return &Doc{
		Title:    "Справка о регистрации",
		Number:   "исх. № 12/2026",
		IssuedAt: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC),
		Text: "> Главному врачу\n> поликлиники № 3\n\nисх. № 12/2026 от 06.12.2026\n\n# СПРАВКА\n\n" +
			"Выдана Ёлкиной Щукиной-Эльзе Юрьевне, 01.02.1975 г. р., в том, что она зарегистрирована по адресу организации.\n\n" +
			"Директор Петрова А. С. <b>&amp;</b>",
		Letterhead: testJPEG(t, 800, 160),
		Signature:  testJPEG(t, 300, 120),
		Stamp:      testJPEG(t, 200, 200),
	}
}

// TestPDFCyrillic: the PDF's text, extracted by poppler's pdftotext,
// reads back in Cyrillic as written, markup-like text included.
func TestPDFCyrillic(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is needed (Debian poppler-utils; .ci/run installs it)")
	}
	var b bytes.Buffer
	if err := PDF(&b, sampleDoc(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "d.pdf")
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"СПРАВКА", "Выдана Ёлкиной Щукиной-Эльзе Юрьевне, 01.02.1975 г. р.", "исх. № 12/2026 от 06.12.2026",
		"Главному врачу", "<b>&amp;</b>"} {
		if !strings.Contains(text, want) {
			t.Fatalf("%q not in the extracted text:\n%s", want, text)
		}
	}
	info, err := exec.Command("pdfimages", "-list", in).CombinedOutput()
	if err == nil && strings.Count(string(info), "jpeg") != 3 {
		t.Fatalf("want the letterhead, signature and stamp:\n%s", info)
	}
}

// TestDOCXReadBack: the DOCX is a zip whose document.xml holds the text
// (read back with an XML decoder) and whose parts Word needs are there.
func TestDOCXReadBack(t *testing.T) {
	var b bytes.Buffer
	d := sampleDoc(t)
	if err := DOCX(&b, d); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml",
		"word/_rels/document.xml.rels", "word/media/letterhead.jpeg", "word/media/stamp.jpeg", "word/media/signature.jpeg"} {
		if files[name] == nil {
			t.Fatalf("no %s", name)
		}
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			if err := xml.Unmarshal(files[name], new(struct{})); err != nil {
				t.Fatalf("%s is not XML: %v", name, err)
			}
		}
	}
	// The paragraphs' text, as a reader of document.xml sees it.
	dec := xml.NewDecoder(bytes.NewReader(files["word/document.xml"]))
	var paras []string
	var cur strings.Builder
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			inText = v.Name.Local == "t"
			if v.Name.Local == "br" {
				cur.WriteString("\n")
			}
		case xml.EndElement:
			inText = false
			if v.Name.Local == "p" {
				paras = append(paras, cur.String())
				cur.Reset()
			}
		case xml.CharData:
			if inText {
				cur.Write(v)
			}
		}
	}
	all := strings.Join(paras, "\n\n")
	for _, want := range []string{"Главному врачу\nполиклиники № 3", "СПРАВКА",
		"Выдана Ёлкиной Щукиной-Эльзе Юрьевне, 01.02.1975 г. р., в том, что она зарегистрирована по адресу организации.",
		"Директор Петрова А. С. <b>&amp;</b>"} {
		if !strings.Contains(all, want) {
			t.Fatalf("%q not in the DOCX text:\n%s", want, all)
		}
	}
	if !bytes.Contains(files["word/document.xml"], []byte(`w:styleId`)) && !bytes.Contains(files["word/document.xml"], []byte(`w:val="Heading"`)) {
		t.Fatal("the heading has no style")
	}
}

func TestWriteSample(t *testing.T) {
	if os.Getenv("OPORA_DOC_SAMPLE") == "" {
		t.Skip("a tool, not a check: set OPORA_DOC_SAMPLE to write a sample PDF and DOCX to look at")
	}
	var b bytes.Buffer
	if err := PDF(&b, sampleDoc(t)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(os.Getenv("OPORA_DOC_SAMPLE"), b.Bytes(), 0o600)
}

// BenchmarkPDF: one certificate with three images, as the download makes it.
func BenchmarkPDF(b *testing.B) {
	d := sampleDoc(b)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := PDF(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/doc")
}

// BenchmarkDOCX: the same certificate as DOCX.
func BenchmarkDOCX(b *testing.B) {
	d := sampleDoc(b)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := DOCX(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/doc")
}

// TestVoidedDocument: a voided document's PDF (read back with pdftotext)
// and DOCX carry the mark with the date and the reason, on a document long
// enough for two pages; a valid one carries none.
func TestVoidedDocument(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is needed (Debian poppler-utils; .ci/run installs it)")
	}
	const mark = "АННУЛИРОВАН 07.12.2026. Причина: выдана не тому человеку"
	for _, void := range []string{mark, ""} {
		d := sampleDoc(t)
		d.Void = void
		d.Text += strings.Repeat("\n\nАбзац текста, который занимает место на странице и переносится на следующую.", 60)
		var b bytes.Buffer
		if err := PDF(&b, d); err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(t.TempDir(), "d.pdf")
		if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		pages := strings.Count(string(out), "\f")
		if pages < 2 {
			t.Fatalf("want two pages or more, got %d", pages)
		}
		if got := strings.Contains(text, mark); got != (void != "") {
			t.Fatalf("void %q: the mark in the PDF text: %v\n%s", void, got, text)
		}
		if void == "" && strings.Contains(text, "АННУЛИРОВАН") {
			t.Fatal("a valid document's PDF carries the mark")
		}
		if !strings.Contains(text, "Выдана Ёлкиной Щукиной-Эльзе Юрьевне, 01.02.1975 г. р.") {
			t.Fatalf("the text is broken by the mark: %s", text)
		}
		b.Reset()
		if err := DOCX(&b, d); err != nil {
			t.Fatal(err)
		}
		z, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range z.File {
			if f.Name == "word/document.xml" {
				r, _ := f.Open()
				x, _ := io.ReadAll(r)
				r.Close()
				if got := bytes.Contains(x, []byte(mark)); got != (void != "") {
					t.Fatalf("void %q: the mark in the DOCX: %v", void, got)
				}
			}
		}
	}
}
