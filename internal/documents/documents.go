// Package documents prints an issued certificate or letter (issue 24
// item 1) as PDF and DOCX, in the binary itself: no LibreOffice, no
// browser on the server. The PDF embeds DejaVu Sans (fonts/, under the
// Bitstream Vera licence in fonts/COPYRIGHT-DejaVu) so Cyrillic prints
// and copies out as text; the DOCX is a small OOXML package written here
// (document.xml, styles.xml, the images). The HTML page is the web
// layer's template; all three lay out the same opora.DocBlocks.
package documents

import (
	"bytes"
	"image"
	_ "image/jpeg" // the organisation's images are re-encoded JPEG (files.ProcessPhoto)
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Doc is what is printed: the filled text as issued and the images that
// were current at the time of issue (JPEG bytes, nil when none).
type Doc struct {
	Title      string
	Number     string
	IssuedAt   time.Time
	Text       string
	Letterhead []byte
	Signature  []byte
	Stamp      []byte
	// Void is the mark of a voided document (opora.IssuedDocument.VoidMark:
	// «АННУЛИРОВАН», the date, the reason); "" for a valid one. Every
	// output then carries it at the top, the PDF also across each page.
	Void string
}

// Blocks are the document's paragraphs.
func (d *Doc) Blocks() []opora.DocBlock { return opora.DocBlocks(d.Text) }

// imageSize reads a JPEG's pixel size; ok is false for anything else.
func imageSize(b []byte) (w, h int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "jpeg" || cfg.Width == 0 || cfg.Height == 0 {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}

// fit scales w×h (pixels) into at most maxW×maxH (any unit).
func fit(w, h int, maxW, maxH float64) (float64, float64) {
	rw, rh := maxW, maxW*float64(h)/float64(w)
	if rh > maxH {
		rh, rw = maxH, maxH*float64(w)/float64(h)
	}
	return rw, rh
}
