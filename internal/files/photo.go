package files

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // GIF photos
	_ "image/png" // PNG photos

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // WebP photos (decode only)
)

// Photo sizes.
const (
	PhotoMaxSide = 1024 // the longer side of a stored photo, in pixels
	ThumbSide    = 160  // thumbnails are square
	maxPixels    = 60_000_000
)

// Photo is a photo ready to store: both images are JPEG without metadata.
type Photo struct {
	JPEG  []byte
	Thumb []byte
}

// ProcessPhoto checks that data is a JPEG, PNG, GIF or WebP image, turns it
// upright according to its EXIF orientation, shrinks it to at most
// PhotoMaxSide, flattens transparency onto white and re-encodes it as JPEG
// (which drops EXIF and any other metadata, GPS included), and makes a
// square ThumbSide thumbnail.
func ProcessPhoto(data []byte) (*Photo, error) {
	if _, err := CheckPhoto(data); err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, ErrNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, ErrTooLarge
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, ErrNotImage
	}
	b := img.Bounds()
	flat := imaging.New(b.Dx(), b.Dy(), color.White)
	flat = imaging.Overlay(flat, img, image.Pt(0, 0), 1.0)
	big := imaging.Fit(flat, PhotoMaxSide, PhotoMaxSide, imaging.Lanczos)
	thumb := imaging.Fill(flat, ThumbSide, ThumbSide, imaging.Center, imaging.Lanczos)
	p := &Photo{}
	if p.JPEG, err = encodeJPEG(big, 85); err != nil {
		return nil, err
	}
	if p.Thumb, err = encodeJPEG(thumb, 80); err != nil {
		return nil, err
	}
	return p, nil
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := imaging.Encode(&buf, img, imaging.JPEG, imaging.JPEGQuality(quality)); err != nil {
		return nil, fmt.Errorf("files: encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
