package files

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"
	"time"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"
)

// Photo sizes and the limits of decoding one.
const (
	PhotoMaxSide = 1024 // the longer side of a stored photo, in pixels
	ThumbSide    = 160  // thumbnails are square

	// maxPixels bounds the picture, every GIF frame and every WebP
	// bitstream, whatever its format.
	maxPixels = 50_000_000
	// maxDecodeBytes bounds what the decoder of one photo allocates, as
	// estimated from its headers (inspect): 1.5 bytes a pixel for a usual
	// JPEG, 4 for an RGBA PNG, 7.5 for a progressive JPEG. 40 MiB takes a
	// 27-megapixel camera JPEG, a 10-megapixel RGBA PNG.
	maxDecodeBytes = 40 << 20
	// gcAfter: decodes above this size collect their garbage at once.
	gcAfter = 8 << 20
)

// decodeSlots caps the photos decoded at once at one a core: with each
// decode bounded by maxDecodeBytes, the server's memory stays bounded
// however many uploads arrive together.
var decodeSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// DecodeWait is how long an upload waits for a free slot before it is
// refused with ErrBusy.
var DecodeWait = 20 * time.Second

// Photo is a photo ready to store: both images are JPEG without metadata.
type Photo struct {
	JPEG  []byte
	Thumb []byte
}

// ProcessPhoto checks that src holds a JPEG, PNG, GIF or WebP image whose
// headers (every frame and bitstream) promise a size within the limits —
// before decoding any pixel —, waits for a decode slot, decodes it, shrinks
// it to at most PhotoMaxSide, turns it upright according to its EXIF
// orientation, flattens transparency onto white and re-encodes it as JPEG
// (which drops EXIF and any other metadata, GPS included), and makes a
// square ThumbSide thumbnail. src is read from its start (it is rewound).
//
// Errors for people: ErrEmpty, ErrDenied, ErrNotImage, ErrUnsupported,
// ErrTooLarge, ErrBusy.
func ProcessPhoto(ctx context.Context, src io.ReadSeeker) (*Photo, error) {
	var head [512]byte
	n, err := io.ReadFull(src, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: read photo: %w", err)
	}
	mime, err := CheckPhoto(head[:n])
	if err != nil {
		return nil, err
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("files: rewind photo: %w", err)
	}
	info, err := inspect(src, mime)
	if err != nil {
		return nil, err
	}
	release, err := acquireDecode(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("files: rewind photo: %w", err)
	}
	img, err := decode(bufio.NewReader(src), info.format)
	if err != nil {
		return nil, ErrNotImage
	}
	if !img.Bounds().In(image.Rect(0, 0, info.width, info.height)) {
		return nil, ErrNotImage // larger than its headers said (a GIF's first frame may be smaller)
	}
	// Shrink first, then turn and flatten the small picture: no full-size
	// copy of the original is ever made.
	big := imaging.Fit(img, PhotoMaxSide, PhotoMaxSide, imaging.Lanczos)
	img = nil
	if info.cost > gcAfter {
		// Collect the decoded picture now: left to itself, the collector
		// sets its next goal at twice what was live at its last cycle,
		// which is often while this and another decode were in memory.
		runtime.GC()
	}
	big = orient(big, info.orientation)
	b := big.Bounds()
	flat := imaging.Overlay(imaging.New(b.Dx(), b.Dy(), color.White), big, image.Pt(0, 0), 1.0)
	thumb := imaging.Fill(flat, ThumbSide, ThumbSide, imaging.Center, imaging.Lanczos)
	p := &Photo{}
	if p.JPEG, err = encodeJPEG(flat, 85); err != nil {
		return nil, err
	}
	if p.Thumb, err = encodeJPEG(thumb, 80); err != nil {
		return nil, err
	}
	return p, nil
}

// acquireDecode waits for a decode slot, at most DecodeWait.
func acquireDecode(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(DecodeWait)
	defer t.Stop()
	select {
	case decodeSlots <- struct{}{}:
		return func() { <-decodeSlots }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// decode runs the decoder of the format inspect checked, and no other.
func decode(r io.Reader, format string) (image.Image, error) {
	switch format {
	case "jpeg":
		return jpeg.Decode(r)
	case "png":
		return png.Decode(r)
	case "gif":
		return gif.Decode(r)
	case "webp":
		return webp.Decode(r)
	}
	return nil, ErrNotImage
}

// orient turns img upright for an EXIF orientation (1..8).
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := imaging.Encode(&buf, img, imaging.JPEG, imaging.JPEGQuality(quality)); err != nil {
		return nil, fmt.Errorf("files: encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
