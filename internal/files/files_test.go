package files

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exifJPEG encodes a w×h JPEG (left half red, right half blue) with an APP1
// Exif segment whose orientation tag is orient.
func exifJPEG(t testing.TB, w, h int, orient uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, binary.LittleEndian, uint32(8))
	binary.Write(&tiff, binary.LittleEndian, uint16(1))      // one entry
	binary.Write(&tiff, binary.LittleEndian, uint16(0x0112)) // orientation
	binary.Write(&tiff, binary.LittleEndian, uint16(3))      // SHORT
	binary.Write(&tiff, binary.LittleEndian, uint32(1))
	binary.Write(&tiff, binary.LittleEndian, orient)
	binary.Write(&tiff, binary.LittleEndian, uint16(0))
	binary.Write(&tiff, binary.LittleEndian, uint32(0)) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	src := buf.Bytes()
	out := append([]byte{}, src[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, src[2:]...)
}

func TestProcessPhotoRotatesAndStripsExif(t *testing.T) {
	data := exifJPEG(t, 40, 20, 6) // stored landscape, "rotate 90° clockwise" to view
	if !bytes.Contains(data, []byte("Exif")) {
		t.Fatal("test image has no Exif segment")
	}
	p, err := ProcessPhoto(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.JPEG, []byte("Exif")) || bytes.Contains(p.Thumb, []byte("Exif")) {
		t.Fatal("EXIF kept in the stored photo")
	}
	img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
		t.Fatalf("photo not turned upright: %v", b)
	}
	// Rotated clockwise, the left (red) half is now on top.
	if r, _, bl, _ := img.At(10, 5).RGBA(); r < bl {
		t.Fatalf("top of the photo is not red: r=%d b=%d", r, bl)
	}
	th, err := jpeg.Decode(bytes.NewReader(p.Thumb))
	if err != nil {
		t.Fatal(err)
	}
	if b := th.Bounds(); b.Dx() != ThumbSide || b.Dy() != ThumbSide {
		t.Fatalf("thumbnail %v", b)
	}
}

func TestProcessPhotoShrinksBigPNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2048, 1024)) // transparent
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p, err := ProcessPhoto(t.Context(), bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := jpeg.Decode(bytes.NewReader(p.JPEG))
	if b := out.Bounds(); b.Dx() != 1024 || b.Dy() != 512 {
		t.Fatalf("not shrunk: %v", b)
	}
	if r, g, b, _ := out.At(5, 5).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
		t.Fatal("transparency not flattened onto white")
	}
}

func TestRefusesDisguisedFiles(t *testing.T) {
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 100)...)
	if _, err := ProcessPhoto(t.Context(), bytes.NewReader(exe)); !errors.Is(err, ErrDenied) {
		t.Fatalf("exe as photo: %v", err)
	}
	if _, err := CheckUpload(exe); !errors.Is(err, ErrDenied) {
		t.Fatalf("exe as scan: %v", err)
	}
	if _, err := CheckUpload([]byte("#!/bin/sh\nrm -rf /\n")); !errors.Is(err, ErrDenied) {
		t.Fatalf("script as scan: %v", err)
	}
	if _, err := ProcessPhoto(t.Context(), bytes.NewReader([]byte("%PDF-1.4 hello"))); !errors.Is(err, ErrNotImage) {
		t.Fatalf("pdf as photo: %v", err)
	}
	// A JPEG header with garbage after it is not a photo either.
	if _, err := ProcessPhoto(t.Context(), bytes.NewReader([]byte("\xff\xd8\xff\xe0garbage"))); !errors.Is(err, ErrNotImage) {
		t.Fatalf("broken jpeg: %v", err)
	}
	if got, err := CheckUpload([]byte("%PDF-1.4 hello")); err != nil || got != "application/pdf" {
		t.Fatalf("pdf: %q %v", got, err)
	}
	if got := Sniff([]byte("<html><script>x</script>")); !strings.HasPrefix(got, "text/html") {
		t.Fatalf("html sniffed as %q", got)
	}
}

func TestStoragePutOpenRemove(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	st, err := s.Put(7, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Key, "7/2025/") || !ValidKey(st.Key) || st.Size != 5 || len(st.SHA256) != 64 {
		t.Fatalf("stored %+v", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "files", "7", "2025", filepath.Base(st.Key))); err != nil {
		t.Fatalf("not under <DataDir>/files/<org>/<yyyy>: %v", err)
	}
	f, err := s.Open(st.Key)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := s.Open("7/2025/../../../etc/passwd"); err == nil {
		t.Fatal("opened a path outside the store")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "files", "7", "2025"))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %d entries", len(entries))
	}
	if err := s.Remove(st.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(st.Key); err == nil {
		t.Fatal("removed file still opens")
	}
	if _, err := New("").Put(1, time.Now(), []byte("x")); !errors.Is(err, ErrNoStorage) {
		t.Fatalf("no data folder: %v", err)
	}
	if SafeName(`C:\Users\me\..\скан паспорта.pdf`) != "скан паспорта.pdf" || SafeName("../..") != "file" {
		t.Fatal("SafeName")
	}
}
