package documents

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// DOCX writes the document as a Word file: a minimal OOXML package with
// the text in word/document.xml, its styles in word/styles.xml and the
// organisation's images in word/media. Word, LibreOffice and the regions'
// document systems open it.
func DOCX(w io.Writer, d *Doc) error {
	z := zip.NewWriter(w)
	mod := d.IssuedAt
	if mod.IsZero() {
		mod = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	put := func(name, body string) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, body)
		return err
	}
	type img struct {
		id, name string
		data     []byte
		w, h     int
	}
	var imgs []img
	for _, c := range []struct {
		name string
		data []byte
	}{{"letterhead", d.Letterhead}, {"signature", d.Signature}, {"stamp", d.Stamp}} {
		if pw, ph, ok := imageSize(c.data); ok {
			imgs = append(imgs, img{id: "rImg" + strconv.Itoa(len(imgs)+1), name: c.name, data: c.data, w: pw, h: ph})
		}
	}
	rels := `<Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`
	for _, im := range imgs {
		rels += `<Relationship Id="` + im.id + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/` + im.name + `.jpeg"/>`
	}
	var body strings.Builder
	drawing := func(im img, maxWmm, maxHmm float64, align string) {
		wmm, hmm := fit(im.w, im.h, maxWmm, maxHmm)
		cx, cy := int64(wmm*36000), int64(hmm*36000) // EMU per mm
		n := strings.TrimPrefix(im.id, "rImg")
		fmt.Fprintf(&body, `<w:p><w:pPr><w:jc w:val="%s"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">`+
			`<wp:extent cx="%d" cy="%d"/><wp:docPr id="%s" name="%s"/>`+
			`<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">`+
			`<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="%s" name="%s.jpeg"/><pic:cNvPicPr/></pic:nvPicPr>`+
			`<pic:blipFill><a:blip r:embed="%s"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>`+
			`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%d" cy="%d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>`+
			`</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>`,
			align, cx, cy, n, im.name, n, im.name, im.id, cx, cy)
	}
	if d.Void != "" {
		// The mark first, framed in red, before the letterhead.
		body.WriteString(`<w:p><w:pPr><w:pBdr><w:top w:val="single" w:sz="18" w:space="4" w:color="B40000"/>` +
			`<w:left w:val="single" w:sz="18" w:space="4" w:color="B40000"/><w:bottom w:val="single" w:sz="18" w:space="4" w:color="B40000"/>` +
			`<w:right w:val="single" w:sz="18" w:space="4" w:color="B40000"/></w:pBdr><w:jc w:val="center"/></w:pPr>` +
			`<w:r><w:rPr><w:b/><w:color w:val="B40000"/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr><w:t xml:space="preserve">` +
			esc(d.Void) + `</w:t></w:r></w:p>`)
	}
	for _, im := range imgs {
		if im.name == "letterhead" {
			drawing(im, 180, 45, "center")
		}
	}
	for _, b := range d.Blocks() {
		style, jc := "Body", "both"
		switch b.Kind {
		case "h":
			style, jc = "Heading", "center"
		case "r":
			style, jc = "Addressee", "left"
		}
		body.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + style + `"/><w:jc w:val="` + jc + `"/></w:pPr>`)
		for i, ln := range b.Lines {
			if i > 0 {
				body.WriteString(`<w:r><w:br/></w:r>`)
			}
			body.WriteString(`<w:r><w:t xml:space="preserve">` + esc(ln) + `</w:t></w:r>`)
		}
		body.WriteString(`</w:p>`)
	}
	for _, im := range imgs {
		switch im.name {
		case "stamp":
			drawing(im, 40, 40, "left")
		case "signature":
			drawing(im, 50, 25, "left")
		}
	}
	doc := xml.Header + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"` +
		` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"` +
		` xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><w:body>` + body.String() +
		`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="567" w:bottom="1134" w:left="1134" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr>` +
		`</w:body></w:document>`
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`},
		{"_rels/.rels", xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rDoc" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
			`<Relationship Id="rCore" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`},
		{"docProps/core.xml", xml.Header + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
			` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
			`<dc:title>` + esc(d.Title) + `</dc:title><dc:creator>Opora</dc:creator>` +
			`<dcterms:created xsi:type="dcterms:W3CDTF">` + mod.UTC().Format(time.RFC3339) + `</dcterms:created></cp:coreProperties>`},
		{"word/_rels/document.xml.rels", xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`},
		{"word/styles.xml", stylesXML},
		{"word/document.xml", doc},
	}
	for _, p := range parts {
		if err := put(p.name, p.body); err != nil {
			return fmt.Errorf("documents: docx: %w", err)
		}
	}
	for _, im := range imgs {
		f, err := z.CreateHeader(&zip.FileHeader{Name: "word/media/" + im.name + ".jpeg", Method: zip.Store, Modified: mod})
		if err != nil {
			return fmt.Errorf("documents: docx: %w", err)
		}
		if _, err := f.Write(im.data); err != nil {
			return fmt.Errorf("documents: docx: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("documents: docx: %w", err)
	}
	return nil
}

// esc escapes text for XML and drops the characters XML 1.0 cannot hold.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF {
			return r
		}
		return -1
	}, s)
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

const stylesXML = xml.Header + `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/>` +
	`<w:sz w:val="26"/><w:szCs w:val="26"/><w:lang w:val="ru-RU"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Body"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading"><w:name w:val="Title"/><w:basedOn w:val="Body"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="240"/></w:pPr>` +
	`<w:rPr><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Addressee"><w:name w:val="Addressee"/><w:basedOn w:val="Body"/><w:pPr><w:ind w:left="5103"/><w:jc w:val="left"/></w:pPr></w:style>` +
	`</w:styles>`
