package web

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// shootWidths saves full-page screenshots of the current page at a phone's
// and a desktop's width into $OPORA_SCREENSHOTS/<name>-<width>.png, for a
// person to look at; without that variable it does nothing. The window is
// left at the phone's width.
func shootWidths(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("OPORA_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{1280, 360} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 780)); err != nil {
			t.Fatalf("viewport %d: %v", w, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s at %d: %v", name, w, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+map[int64]string{360: "360", 1280: "1280"}[w]+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
