package web

import (
	"bufio"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/store/storetest"
)

// TestPhotoUploadMemory is a measurement, not a check: it uploads ten
// photos at once, each just under the decode limit, and reports the peak
// resident memory of this process (server and test client together) while
// they are processed. Run it with
//
//	OPORA_MEASURE_PHOTO_RSS=1 go test ./internal/web -run TestPhotoUploadMemory -v
//
// The figures go to docs/PERFORMANCE.md ("Photo uploads").
func TestPhotoUploadMemory(t *testing.T) {
	if os.Getenv("OPORA_MEASURE_PHOTO_RSS") == "" {
		t.Skip("a measurement: set OPORA_MEASURE_PHOTO_RSS=1 to run it")
	}
	dir := t.TempDir()
	photos := []struct{ name, path string }{
		// 4:2:0 JPEG, 6400×4352 (27.9 megapixels): 39.9 MiB of planes for the decoder.
		{"JPEG 6400×4352", writePhoto(t, dir, "big.jpg", func(w io.Writer) error {
			return jpeg.Encode(w, gradientYCbCr(6400, 4352), &jpeg.Options{Quality: 85})
		})},
		// A usual phone photo: 4:2:0 JPEG, 4000×3000 (12 megapixels).
		{"JPEG 4000×3000", writePhoto(t, dir, "phone.jpg", func(w io.Writer) error {
			return jpeg.Encode(w, gradientYCbCr(4000, 3000), &jpeg.Options{Quality: 85})
		})},
		// RGBA PNG, 3200×3200 (10.2 megapixels): 39.1 MiB of NRGBA pixels.
		{"PNG RGBA 3200×3200", writePhoto(t, dir, "big.png", func(w io.Writer) error {
			return png.Encode(w, gradientNRGBA(3200, 3200))
		})},
	}
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		loc := newTestClient(t, c, fx)
		for _, p := range photos {
			st, _ := os.Stat(p.path)
			runtime.GC()
			debug.FreeOSMemory()
			if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
				t.Skipf("cannot reset the peak resident memory: %v", err)
			}
			base := procStatus(t, "VmRSS")
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			statuses := make([]int, 10)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Go(func() { statuses[i] = streamPhoto(t, c, loc+"/photo", p.path) })
			}
			wg.Wait()
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			saved, busy := 0, 0
			for _, s := range statuses {
				switch s {
				case http.StatusSeeOther:
					saved++
				case http.StatusServiceUnavailable:
					busy++
				default:
					t.Errorf("%s: upload answered %d", p.name, s)
				}
			}
			t.Logf("%s (%.1f MB file), 10 at once on %d cores: %d saved, %d busy in %s; RSS %d MB before, peak %d MB; allocated %d MB",
				p.name, float64(st.Size())/1e6, runtime.GOMAXPROCS(0), saved, busy, took.Round(100*time.Millisecond),
				base>>10, procStatus(t, "VmHWM")>>10, (after.TotalAlloc-before.TotalAlloc)>>20)
		}
	})
}

// writePhoto encodes a test photo to dir/name once.
func writePhoto(t *testing.T, dir, name string, encode func(io.Writer) error) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	if err := encode(bw); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// gradientYCbCr is a 4:2:0 picture with gradients and a little noise, so
// that it compresses like a photo rather than like a flat colour.
func gradientYCbCr(w, h int) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	seed := uint32(1)
	for y := range h {
		for x := range w {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			m.Y[y*m.YStride+x] = uint8((x+y)/64) + uint8(seed&15)
		}
	}
	for y := range h / 2 {
		for x := range w / 2 {
			m.Cb[y*m.CStride+x] = uint8(x * 255 / (w / 2))
			m.Cr[y*m.CStride+x] = uint8(y * 255 / (h / 2))
		}
	}
	return m
}

// gradientNRGBA is a picture with gradients and half-transparent corners.
func gradientNRGBA(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if x < w/8 && y < h/8 {
				a = 128
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, a})
		}
	}
	return m
}

// streamPhoto uploads the file at path as the photo, streaming the
// multipart body from disk so that the test client holds no copy of it.
func streamPhoto(t *testing.T, c *client, path, file string) int {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("photo_file", filepath.Base(file))
		if err == nil {
			var f *os.File
			if f, err = os.Open(file); err == nil {
				_, err = io.Copy(w, f)
				f.Close()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.hc.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// procStatus reads a kB figure of /proc/self/status, in kB.
func procStatus(t *testing.T, key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	t.Fatalf("%s not in /proc/self/status", key)
	return 0
}
