package files

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The sweep removes old temporary files and old bytes no row names, and
// keeps what a row names, anything young (a write in progress) and the
// key marker.
func TestSweepRemovesOnlyOldLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	put := func() string {
		st, err := s.Put(1, now, []byte("скан паспорта"))
		if err != nil {
			t.Fatal(err)
		}
		return st.Key
	}
	named, orphan, young := put(), put(), put()
	folder := filepath.Join(s.Root(), "1", "2026")
	oldTemp, youngTemp := filepath.Join(folder, ".upload-1"), filepath.Join(folder, ".upload-2")
	marker := filepath.Join(s.Root(), MarkerName)
	for _, p := range []string{oldTemp, youngTemp, marker} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	for _, p := range []string{s.path(named), s.path(orphan), oldTemp, marker} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Sweep(context.Background(), time.Now().Add(-24*time.Hour), func(k string) bool { return k == named })
	if err != nil {
		t.Fatal(err)
	}
	if n.Orphans != 1 || n.Temps != 1 {
		t.Errorf("swept %+v, want one file without a row and one temporary file", n)
	}
	for p, want := range map[string]bool{s.path(named): true, s.path(orphan): false, s.path(young): true,
		oldTemp: false, youngTemp: true, marker: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", p, err == nil, want)
		}
	}
}
