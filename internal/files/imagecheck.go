package files

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"

	"golang.org/x/image/riff"
	"golang.org/x/image/vp8"
	"golang.org/x/image/vp8l"
)

// imageInfo is what the headers of an image say about the decode to come:
// the real size of the picture that will be decoded and the bytes the
// decoder will allocate for it.
type imageInfo struct {
	format        string // "jpeg", "png", "gif", "webp"
	width, height int
	cost          int64 // bytes the decoder allocates, estimated from above
	orientation   int   // EXIF orientation of a JPEG, 1..8; 0 when none
}

// inspect reads the headers of an image of the sniffed type (image/jpeg,
// image/png, image/gif, image/webp) without decoding any pixels, and returns
// the dimensions of every bitstream or frame the decoder would allocate for:
// the JPEG frame (SOF), the PNG IHDR, each GIF frame, and both the WebP
// canvas (VP8X) and the VP8/VP8L bitstream inside it, which must agree.
// Images whose headers cannot be checked this way (animated WebP, a VP8
// inter frame, canvases that differ from the bitstream, lossless WebP whose
// decoder allocates up to 176 MB of tables whatever the picture's size) are
// refused with ErrUnsupported; sizes over the limits with ErrTooLarge.
func inspect(r io.Reader, mime string) (imageInfo, error) {
	br := bufio.NewReaderSize(r, 4096)
	var (
		info imageInfo
		err  error
	)
	switch mime {
	case "image/jpeg":
		info, err = inspectJPEG(br)
	case "image/png":
		info, err = inspectPNG(br)
	case "image/gif":
		info, err = inspectGIF(br)
	case "image/webp":
		info, err = inspectWebP(br)
	default:
		return imageInfo{}, ErrNotImage
	}
	if err != nil {
		return imageInfo{}, err
	}
	if info.width <= 0 || info.height <= 0 {
		return imageInfo{}, ErrNotImage
	}
	if err := checkSize(info.width, info.height); err != nil {
		return imageInfo{}, err
	}
	if info.cost > maxDecodeBytes {
		return imageInfo{}, ErrTooLarge
	}
	return info, nil
}

// checkSize refuses a picture (or frame, or bitstream) with too many pixels.
func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return ErrNotImage
	}
	if int64(w)*int64(h) > maxPixels {
		return ErrTooLarge
	}
	return nil
}

// inspectJPEG walks the JPEG markers up to the start of scan: the frame
// header (SOF0/1/2, the only ones Go decodes; the decoder refuses a second
// one) gives the size and the components, APP0/APP14 tell whether the
// decoder will convert to RGBA, APP1 holds the EXIF orientation.
func inspectJPEG(r *bufio.Reader) (imageInfo, error) {
	info := imageInfo{format: "jpeg"}
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return info, ErrNotImage
	}
	var (
		sof                   []byte
		progressive           bool
		jfif, adobe, adobeRGB bool
	)
	for {
		// A marker is 0xff, any number of fill 0xff bytes, then its code.
		b, err := r.ReadByte()
		if err != nil {
			return info, ErrNotImage
		}
		if b != 0xff {
			return info, ErrNotImage
		}
		code := byte(0xff)
		for code == 0xff {
			if code, err = r.ReadByte(); err != nil {
				return info, ErrNotImage
			}
		}
		if code == 0x01 || code >= 0xd0 && code <= 0xd7 {
			continue // no length
		}
		if code == 0xd8 || code == 0xd9 || code == 0xda && sof == nil {
			return info, ErrNotImage // SOI again, EOI or a scan before any frame
		}
		var lb [2]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return info, ErrNotImage
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return info, ErrNotImage
		}
		if code == 0xda { // start of scan: everything the decoder sizes by is known
			break
		}
		switch {
		case code == 0xc0 || code == 0xc1 || code == 0xc2:
			if sof != nil {
				return info, ErrNotImage // the decoder refuses a second frame
			}
			sof = make([]byte, n)
			if _, err := io.ReadFull(r, sof); err != nil {
				return info, ErrNotImage
			}
			progressive = code == 0xc2
			continue
		case code >= 0xc3 && code <= 0xcf && code != 0xc4 && code != 0xc8 && code != 0xcc:
			return info, ErrNotImage // lossless, hierarchical, arithmetic: Go does not decode them
		case code == 0xe0 || code == 0xe1 || code == 0xee:
			seg := make([]byte, min(n, 1<<16))
			if _, err := io.ReadFull(r, seg); err != nil {
				return info, ErrNotImage
			}
			switch {
			case code == 0xe0 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
				jfif = true
			case code == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) && info.orientation == 0:
				info.orientation = exifOrientation(seg[6:])
			case code == 0xee && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")):
				adobe, adobeRGB = true, seg[11] == 0
			}
			continue
		}
		if _, err := r.Discard(n); err != nil {
			return info, ErrNotImage
		}
	}
	// SOF: precision, height, width, component count, then 3 bytes a component.
	if len(sof) < 6 {
		return info, ErrNotImage
	}
	info.height = int(binary.BigEndian.Uint16(sof[1:3]))
	info.width = int(binary.BigEndian.Uint16(sof[3:5]))
	nComp := int(sof[5])
	if nComp != 1 && nComp != 3 && nComp != 4 || len(sof) < 6+3*nComp {
		return info, ErrNotImage
	}
	if err := checkSize(info.width, info.height); err != nil {
		return info, err // a height of 0 (set later by DNL) is not decoded by Go either
	}
	hMax, vMax := 1, 1
	for i := range nComp {
		hv := sof[6+3*i+1]
		h, v := int(hv>>4), int(hv&0x0f)
		if h < 1 || h > 4 || v < 1 || v > 4 {
			return info, ErrNotImage
		}
		hMax, vMax = max(hMax, h), max(vMax, v)
	}
	// Each component's plane is rounded up to whole 8×8 blocks of its
	// sampling; a progressive decode keeps every coefficient as an int32
	// (4 bytes a sample) until the end.
	bw, bh := int64(info.width+8*hMax-1)/int64(8*hMax), int64(info.height+8*vMax-1)/int64(8*vMax)
	var samples int64
	for i := range nComp {
		hv := sof[6+3*i+1]
		samples += bw * bh * int64(hv>>4) * int64(hv&0x0f) * 64
	}
	pixels := int64(info.width) * int64(info.height)
	info.cost = samples
	if progressive {
		info.cost += 4 * samples
	}
	rgb := nComp == 3 && !jfif && (adobe && adobeRGB || sof[6] == 'R' && sof[9] == 'G' && sof[12] == 'B')
	if nComp == 4 || rgb {
		info.cost += 4 * pixels // converted to CMYK or RGBA afterwards
	}
	return info, nil
}

// exifOrientation reads the orientation tag (0x0112) of IFD0 from the TIFF
// data of an Exif segment; 0 when there is none or it is invalid.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(tiff[4:8]))
	if off < 8 || off+2 > int64(len(tiff)) {
		return 0
	}
	n := int64(bo.Uint16(tiff[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > int64(len(tiff)) {
			return 0
		}
		if bo.Uint16(tiff[e:]) == 0x0112 {
			if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

// inspectPNG reads IHDR, the only size a PNG has; Go decodes the default
// image only (APNG frames are ignored), at IHDR's size.
func inspectPNG(r *bufio.Reader) (imageInfo, error) {
	info := imageInfo{format: "png"}
	var h [33]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return info, ErrNotImage
	}
	if string(h[:8]) != "\x89PNG\r\n\x1a\n" || binary.BigEndian.Uint32(h[8:12]) != 13 || string(h[12:16]) != "IHDR" {
		return info, ErrNotImage
	}
	w, ht := binary.BigEndian.Uint32(h[16:20]), binary.BigEndian.Uint32(h[20:24])
	if w == 0 || ht == 0 || w > 1<<30 || ht > 1<<30 {
		return info, ErrNotImage
	}
	info.width, info.height = int(w), int(ht)
	depth, colorType, interlace := h[24], h[25], h[28]
	// Bytes a pixel of the decoded image: paletted 1, everything else at
	// most NRGBA (4) or, at 16 bits, NRGBA64 (8) — a tRNS chunk turns gray
	// and RGB into those too.
	bpp := int64(4)
	if colorType == 3 {
		bpp = 1
	} else if depth == 16 {
		bpp = 8
	}
	info.cost = int64(w) * int64(ht) * bpp
	if interlace != 0 {
		info.cost *= 2 // each pass is decoded into its own image first
	}
	return info, nil
}

// inspectGIF walks every block of a GIF: the logical screen and each
// frame's descriptor, which must lie inside the screen (the decoder refuses
// a frame outside it). Go decodes the first frame only, as a paletted image.
func inspectGIF(r *bufio.Reader) (imageInfo, error) {
	info := imageInfo{format: "gif"}
	var h [13]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return info, ErrNotImage
	}
	if string(h[:6]) != "GIF87a" && string(h[:6]) != "GIF89a" {
		return info, ErrNotImage
	}
	info.width = int(binary.LittleEndian.Uint16(h[6:8]))
	info.height = int(binary.LittleEndian.Uint16(h[8:10]))
	if err := checkSize(info.width, info.height); err != nil {
		return info, err
	}
	if h[10]&0x80 != 0 { // global colour table
		if _, err := r.Discard(3 << (h[10]&7 + 1)); err != nil {
			return info, ErrNotImage
		}
	}
	frames := 0
	for {
		b, err := r.ReadByte()
		if err != nil {
			if frames > 0 {
				break // the decoder stops after the first frame anyway
			}
			return info, ErrNotImage
		}
		switch b {
		case 0x3b: // trailer
			if frames == 0 {
				return info, ErrNotImage
			}
			info.cost = int64(info.width) * int64(info.height)
			return info, nil
		case 0x21: // extension: a label, then sub-blocks
			if _, err := r.ReadByte(); err != nil {
				return info, ErrNotImage
			}
			if err := skipSubBlocks(r); err != nil {
				return info, ErrNotImage
			}
		case 0x2c: // image descriptor
			var d [9]byte
			if _, err := io.ReadFull(r, d[:]); err != nil {
				return info, ErrNotImage
			}
			left, top := int(binary.LittleEndian.Uint16(d[0:2])), int(binary.LittleEndian.Uint16(d[2:4]))
			w, fh := int(binary.LittleEndian.Uint16(d[4:6])), int(binary.LittleEndian.Uint16(d[6:8]))
			if left+w > info.width || top+fh > info.height {
				return info, ErrNotImage
			}
			if err := checkSize(max(w, 1), max(fh, 1)); err != nil {
				return info, err
			}
			if d[8]&0x80 != 0 { // local colour table
				if _, err := r.Discard(3 << (d[8]&7 + 1)); err != nil {
					return info, ErrNotImage
				}
			}
			if _, err := r.ReadByte(); err != nil { // LZW minimum code size
				return info, ErrNotImage
			}
			if err := skipSubBlocks(r); err != nil {
				if frames > 0 {
					break
				}
				return info, ErrNotImage
			}
			frames++
		default:
			return info, ErrNotImage
		}
	}
	info.cost = int64(info.width) * int64(info.height)
	return info, nil
}

// skipSubBlocks skips GIF data sub-blocks up to the empty one.
func skipSubBlocks(r *bufio.Reader) error {
	for {
		n, err := r.ReadByte()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := r.Discard(int(n)); err != nil {
			return err
		}
	}
}

// inspectWebP walks the RIFF chunks the way the decoder does, up to the
// first VP8 or VP8L chunk (the one it decodes). The size comes from that
// bitstream's own header, read by the decoder's own code, and a VP8X canvas
// must have the same size: the decoder sizes the image by the bitstream and
// the alpha plane by the canvas.
func inspectWebP(r *bufio.Reader) (imageInfo, error) {
	info := imageInfo{format: "webp"}
	form, rr, err := riff.NewReader(r)
	if err != nil || form != (riff.FourCC{'W', 'E', 'B', 'P'}) {
		return info, ErrNotImage
	}
	var (
		canvasW, canvasH int
		vp8x, alpha      bool
		alphaPlane       int64 // bytes the alpha plane costs
	)
	for {
		id, size, data, err := rr.Next()
		if err != nil {
			return info, ErrNotImage
		}
		switch string(id[:]) {
		case "VP8X":
			if vp8x || size != 10 {
				return info, ErrNotImage
			}
			vp8x = true
			var b [10]byte
			if _, err := io.ReadFull(data, b[:]); err != nil {
				return info, ErrNotImage
			}
			if b[0]&(1<<1) != 0 {
				return info, ErrUnsupported // animation
			}
			alpha = b[0]&(1<<4) != 0
			canvasW = int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16) + 1
			canvasH = int(uint32(b[7])|uint32(b[8])<<8|uint32(b[9])<<16) + 1
			if err := checkSize(canvasW, canvasH); err != nil {
				return info, err
			}
		case "ANIM", "ANMF":
			return info, ErrUnsupported
		case "ALPH":
			if !alpha {
				return info, ErrNotImage
			}
			var c [1]byte
			if _, err := io.ReadFull(data, c[:]); err != nil {
				return info, ErrNotImage
			}
			if c[0]&0x03 != 0 {
				// Compressed alpha goes through the lossless decoder (see below).
				return info, ErrUnsupported
			}
			alphaPlane = int64(canvasW) * int64(canvasH)
		case "VP8 ":
			d := vp8.NewDecoder()
			d.Init(data, int(size))
			fh, err := d.DecodeFrameHeader()
			if err != nil || !fh.KeyFrame {
				return info, ErrNotImage
			}
			info.width, info.height = fh.Width, fh.Height
			if err := checkSize(info.width, info.height); err != nil {
				return info, err
			}
			if vp8x && (info.width != canvasW || info.height != canvasH) {
				return info, ErrUnsupported
			}
			// 4:2:0 planes rounded up to 16×16 macroblocks, plus the alpha plane.
			mbw, mbh := int64(info.width+15)/16, int64(info.height+15)/16
			info.cost = mbw*mbh*256*3/2 + alphaPlane
			return info, nil
		case "VP8L":
			c, err := vp8l.DecodeConfig(data)
			if err != nil {
				return info, ErrNotImage
			}
			info.width, info.height = c.Width, c.Height
			if err := checkSize(info.width, info.height); err != nil {
				return info, err
			}
			if vp8x && (info.width != canvasW || info.height != canvasH) {
				return info, ErrUnsupported
			}
			// The lossless decoder allocates its Huffman tables by the
			// largest group number the bitstream names (up to 65,536
			// groups of 2,680 bytes: 176 MB), before and whatever the
			// picture's size; it cannot be bounded from the headers.
			return info, ErrUnsupported
		}
	}
}
