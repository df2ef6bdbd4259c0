package documents

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

// A4 with the margins of Russian office documents (ГОСТ Р 7.0.97: left
// 20 mm, right 10 mm, top and bottom 20 mm), in millimetres.
const (
	pageW, pageH           = 210.0, 297.0
	marginL, marginR       = 20.0, 10.0
	marginT, marginB       = 20.0, 20.0
	bodyPt, headPt, lineMM = 11.0, 13.0, 5.6
)

// PDF writes the document as an A4 PDF with the embedded font.
func PDF(w io.Writer, d *Doc) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, marginB)
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetTitle(d.Title, true)
	pdf.SetCreator("Opora", true)
	if !d.IssuedAt.IsZero() {
		pdf.SetCreationDate(d.IssuedAt)
		pdf.SetModificationDate(d.IssuedAt)
	}
	textW := pageW - marginL - marginR
	if d.Void != "" {
		// Across every page, under the text: the word, large, pale red.
		pdf.SetHeaderFunc(func() {
			x, y := pdf.GetXY()
			pdf.SetFont("dejavu", "B", 72)
			pdf.SetTextColor(200, 30, 30)
			pdf.SetAlpha(0.2, "Normal")
			pdf.TransformBegin()
			pdf.TransformRotate(45, pageW/2, pageH/2)
			pdf.Text(pageW/2-pdf.GetStringWidth(voidWord(d.Void))/2, pageH/2+9, voidWord(d.Void))
			pdf.TransformEnd()
			pdf.SetAlpha(1, "Normal")
			pdf.SetTextColor(0, 0, 0)
			pdf.SetXY(x, y)
		})
	}
	pdf.AddPage()
	if d.Void != "" {
		// At the top of the first page: the mark with the date and the reason, framed in red.
		pdf.SetFont("dejavu", "B", bodyPt+1)
		pdf.SetTextColor(180, 0, 0)
		pdf.SetDrawColor(180, 0, 0)
		pdf.SetLineWidth(0.6)
		pdf.MultiCell(textW, lineMM+1, d.Void, "1", "C", false)
		pdf.SetTextColor(0, 0, 0)
		pdf.SetDrawColor(0, 0, 0)
		pdf.SetLineWidth(0.2)
		pdf.Ln(4)
	}
	top := pdf.GetY()
	if pw, ph, ok := imageSize(d.Letterhead); ok {
		iw, ih := fit(pw, ph, textW, 45)
		pdf.RegisterImageOptionsReader("letterhead", fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(d.Letterhead))
		pdf.ImageOptions("letterhead", marginL+(textW-iw)/2, top, iw, ih, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
		pdf.SetY(top + ih + 6)
	}
	for _, b := range d.Blocks() {
		switch b.Kind {
		case "h":
			pdf.SetFont("dejavu", "B", headPt)
			pdf.Ln(2)
			pdf.MultiCell(textW, lineMM+1, strings.Join(b.Lines, "\n"), "", "C", false)
			pdf.Ln(3)
		case "r":
			pdf.SetFont("dejavu", "", bodyPt)
			half := textW * 0.45
			for _, ln := range b.Lines {
				pdf.SetX(marginL + textW - half)
				pdf.MultiCell(half, lineMM, ln, "", "L", false)
			}
			pdf.Ln(3)
		default:
			pdf.SetFont("dejavu", "", bodyPt)
			for _, ln := range b.Lines {
				pdf.MultiCell(textW, lineMM, ln, "", "J", false)
			}
			pdf.Ln(3)
		}
	}
	// The signature and the stamp under the text, the stamp overlapping
	// the signature's left edge as on paper.
	sw, sh, sok := imageSize(d.Signature)
	tw, th, tok := imageSize(d.Stamp)
	if sok || tok {
		need := 42.0
		if pdf.GetY()+need > pageH-marginB {
			pdf.AddPage()
		}
		y := pdf.GetY() + 2
		// JPEG on white, multiplied: the white lets the stamp and the
		// signature overlap as ink does.
		pdf.SetAlpha(1, "Multiply")
		if tok {
			iw, ih := fit(tw, th, 40, 40)
			pdf.RegisterImageOptionsReader("stamp", fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(d.Stamp))
			pdf.ImageOptions("stamp", marginL+textW-95, y, iw, ih, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
		}
		if sok {
			iw, ih := fit(sw, sh, 50, 25)
			pdf.RegisterImageOptionsReader("signature", fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(d.Signature))
			pdf.ImageOptions("signature", marginL+textW-65, y+8, iw, ih, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
		}
		pdf.SetAlpha(1, "Normal")
		pdf.SetY(y + 42)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("documents: pdf: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("documents: pdf: %w", err)
	}
	return nil
}

// voidWord is the mark's first word (opora.VoidWord), drawn across the page.
func voidWord(mark string) string {
	if i := strings.IndexByte(mark, ' '); i > 0 {
		return mark[:i]
	}
	return mark
}
