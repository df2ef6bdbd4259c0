package files

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/image/webp"
)

// riffWebP wraps chunks (each id + payload) in a RIFF/WEBP container.
func riffWebP(chunks ...[]byte) []byte {
	var body bytes.Buffer
	body.WriteString("WEBP")
	for _, c := range chunks {
		body.Write(c)
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// chunk is one RIFF chunk, padded to an even length.
func chunk(id string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString(id)
	binary.Write(&b, binary.LittleEndian, uint32(len(payload)))
	b.Write(payload)
	if len(payload)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// vp8x is a VP8X chunk with the given flags and a w×h canvas.
func vp8x(flags byte, w, h int) []byte {
	p := make([]byte, 10)
	p[0] = flags
	p[4], p[5], p[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	p[7], p[8], p[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	return chunk("VP8X", p)
}

// vp8lHeader is a VP8L chunk holding a complete w×h lossless bitstream
// that costs no bits a pixel: no transform, no colour cache, no meta
// codes, and five Huffman codes of one symbol each (read LSB first:
// 0,0,0 then 1,0,0,0 five times), so every pixel is transparent black.
func vp8lHeader(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14 // alpha and version bits zero
	p := []byte{0x2f, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24)}
	return chunk("VP8L", append(p, 0x88, 0x88, 0x08))
}

// vp8Header is a VP8 key frame whose header says w×h.
func vp8Header(w, h int) []byte {
	p := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w>>8) & 0x3f, byte(h), byte(h>>8) & 0x3f}
	return chunk("VP8 ", append(p, make([]byte, 64)...))
}

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The decompression bomb of the issue: a VP8X header declaring a 1×1
// canvas (which image.DecodeConfig reports) around a lossless bitstream
// whose own header says 11,000×11,000 (which the decoder allocates for:
// 484 MB of pixels and as much again for its transforms).
func TestPhotoRefusesWebPBombBeforeDecoding(t *testing.T) {
	bomb := riffWebP(vp8x(0, 1, 1), vp8lHeader(11000, 11000))
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(bomb)); err != nil || cfg.Width != 1 || cfg.Height != 1 {
		t.Fatalf("the crafted file should pass as 1×1 for DecodeConfig: %+v %v", cfg, err)
	}
	// The bitstream is a real image: at 64×64 the decoder reads it whole.
	if m, err := webp.Decode(bytes.NewReader(riffWebP(vp8x(0, 64, 64), vp8lHeader(64, 64)))); err != nil || m.Bounds().Dx() != 64 {
		t.Fatalf("the crafted bitstream does not decode at 64×64: %v", err)
	}
	var err error
	n := allocated(func() { _, err = ProcessPhoto(t.Context(), bytes.NewReader(bomb)) })
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bomb: got %v, want ErrTooLarge", err)
	}
	if n > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes; the picture alone is 484 MB", n)
	}
	// The same with a lossy bitstream: 16,000×16,000 inside a 1×1 canvas.
	lossy := riffWebP(vp8x(0, 1, 1), vp8Header(16000, 16000))
	n = allocated(func() { _, err = ProcessPhoto(t.Context(), bytes.NewReader(lossy)) })
	if !errors.Is(err, ErrTooLarge) || n > 1<<20 {
		t.Fatalf("lossy bomb: %v after %d bytes", err, n)
	}
}

func TestPhotoRefusesWhatItCannotCheck(t *testing.T) {
	for name, data := range map[string][]byte{
		"animated":            riffWebP(vp8x(1<<1, 64, 64), chunk("ANIM", make([]byte, 6)), chunk("ANMF", make([]byte, 40))),
		"canvas differs":      riffWebP(vp8x(0, 100, 100), vp8Header(200, 200)),
		"lossless":            riffWebP(vp8lHeader(64, 64)),
		"compressed alpha":    riffWebP(vp8x(1<<4, 64, 64), chunk("ALPH", []byte{1, 0, 0, 0}), vp8Header(64, 64)),
		"inside a 1×1 canvas": riffWebP(vp8x(0, 1, 1), vp8lHeader(64, 64)),
	} {
		var err error
		n := allocated(func() { _, err = ProcessPhoto(t.Context(), bytes.NewReader(data)) })
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: got %v, want ErrUnsupported", name, err)
		}
		if n > 1<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", name, n)
		}
	}
}

// jpegHeader is the start of a JPEG: SOI and a frame header of the given
// marker (0xc0 baseline, 0xc2 progressive) with 4:2:0 YCbCr components.
func jpegHeader(marker byte, w, h int) []byte {
	sof := []byte{0xff, marker, 0, 17, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3,
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
	sos := []byte{0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0}
	return append(append([]byte{0xff, 0xd8}, sof...), sos...)
}

func pngHeader(w, h int, depth, colorType, interlace byte) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	b = binary.BigEndian.AppendUint32(b, uint32(w))
	b = binary.BigEndian.AppendUint32(b, uint32(h))
	return append(b, depth, colorType, 0, 0, interlace, 0, 0, 0, 0)
}

// gifFrames is a GIF with a w×h screen and one frame per rectangle.
func gifFrames(w, h int, frames ...image.Rectangle) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	b = binary.LittleEndian.AppendUint16(b, uint16(h))
	b = append(b, 0, 0, 0)
	for _, f := range frames {
		b = append(b, 0x2c)
		for _, v := range []int{f.Min.X, f.Min.Y, f.Dx(), f.Dy()} {
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		}
		b = append(b, 0, 2, 2, 0x4c, 0x01, 0) // code size 2, one tiny block
	}
	return append(b, 0x3b)
}

// Every format's real size is read from its own headers, and too big a
// picture is refused before a byte of it is decoded.
func TestPhotoHeadersBoundTheDecode(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"jpeg 4:2:0 6000×4000", jpegHeader(0xc0, 6000, 4000), nil},
		{"jpeg 10000×6000", jpegHeader(0xc0, 10000, 6000), ErrTooLarge},
		{"progressive jpeg 6000×4000", jpegHeader(0xc2, 6000, 4000), ErrTooLarge}, // 7.5 bytes a pixel
		{"progressive jpeg 2000×1500", jpegHeader(0xc2, 2000, 1500), nil},
		{"png rgba 3000×3000", pngHeader(3000, 3000, 8, 6, 0), nil},
		{"png rgba 4000×3000", pngHeader(4000, 3000, 8, 6, 0), ErrTooLarge},
		{"png rgba interlaced 3000×3000", pngHeader(3000, 3000, 8, 6, 1), ErrTooLarge},
		{"png 16-bit 3000×3000", pngHeader(3000, 3000, 16, 2, 0), ErrTooLarge},
		{"png paletted 6000×6000", pngHeader(6000, 6000, 8, 3, 0), nil},
		{"png paletted 7000×7000", pngHeader(7000, 7000, 8, 3, 0), ErrTooLarge},
		{"gif", gifFrames(200, 100, image.Rect(0, 0, 200, 100), image.Rect(10, 10, 50, 50)), nil},
		{"gif 65535×65535 screen", gifFrames(65535, 65535, image.Rect(0, 0, 10, 10)), ErrTooLarge},
		{"gif frame outside the screen", gifFrames(20, 20, image.Rect(0, 0, 20, 20), image.Rect(0, 0, 60000, 60000)), ErrNotImage},
		{"webp lossy 4000×3000", riffWebP(vp8Header(4000, 3000)), nil},
		{"webp lossy in its canvas", riffWebP(vp8x(0, 4000, 3000), vp8Header(4000, 3000)), nil},
		{"webp lossy 16000×16000", riffWebP(vp8Header(16000, 16000)), ErrTooLarge},
	} {
		mime, err := CheckPhoto(c.data)
		if err != nil {
			t.Errorf("%s: sniffed as %v", c.name, err)
			continue
		}
		var info imageInfo
		n := allocated(func() { info, err = inspect(bytes.NewReader(c.data), mime) })
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v (%+v), want %v", c.name, err, info, c.want)
		}
		if n > 1<<20 {
			t.Errorf("%s: reading the headers allocated %d bytes", c.name, n)
		}
	}
}

func TestPhotoDecodesEveryFormat(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var j, p, g bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	pal := image.NewPaletted(img.Bounds(), []color.Color{color.Black, color.White})
	if err := gif.EncodeAll(&g, &gif.GIF{Image: []*image.Paletted{pal, pal}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	// A GIF whose first frame covers only part of its screen.
	var part bytes.Buffer
	small := image.NewPaletted(image.Rect(20, 10, 120, 60), []color.Color{color.Black, color.White})
	if err := gif.EncodeAll(&part, &gif.GIF{Image: []*image.Paletted{small}, Delay: []int{0},
		Config: image.Config{ColorModel: small.Palette, Width: 300, Height: 200}}); err != nil {
		t.Fatal(err)
	}
	lossy, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"jpeg": j.Bytes(), "png": p.Bytes(), "animated gif": g.Bytes(), "gif frame inside its screen": part.Bytes(), "webp": lossy} {
		ph, err := ProcessPhoto(t.Context(), bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := jpeg.Decode(bytes.NewReader(ph.JPEG)); err != nil {
			t.Errorf("%s: stored photo is not a JPEG: %v", name, err)
		}
	}
}

// With every decode slot taken, an upload waits DecodeWait and is then
// refused with ErrBusy rather than decoded beside the others.
func TestPhotoWaitsForADecodeSlot(t *testing.T) {
	var held []func()
	for range cap(decodeSlots) {
		release, err := acquireDecode(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	defer func(d time.Duration) { DecodeWait = d }(DecodeWait)
	DecodeWait = 10 * time.Millisecond
	data := exifJPEG(t, 40, 20, 1)
	if _, err := ProcessPhoto(t.Context(), bytes.NewReader(data)); !errors.Is(err, ErrBusy) {
		t.Fatalf("all slots taken: got %v, want ErrBusy", err)
	}
	held[0]()
	if _, err := ProcessPhoto(t.Context(), bytes.NewReader(data)); err != nil {
		t.Fatalf("a slot free again: %v", err)
	}
	for _, release := range held[1:] {
		release()
	}
}
