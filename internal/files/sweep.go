package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SweepCounts says what Sweep removed.
type SweepCounts struct {
	Orphans int // files under a storage key no row names
	Temps   int // temporary files of writes that never finished
}

// tempPrefixes name the temporary files writeFile makes (Put, the key
// marker, encrypt/decrypt).
var tempPrefixes = []string{".upload-", ".marker-", ".rewrite-"}

// Sweep removes what a process killed in the middle of a write leaves in
// the files folder, when it was last modified before cutoff: temporary
// files of writes that never reached their rename, and files under a
// storage key for which known says no row exists (Put renamed them, then
// the row's transaction never committed). Anything younger than cutoff
// may still be a write in progress, here or in another instance sharing
// the folder, and is left alone; so is anything that is neither.
func (s *Storage) Sweep(ctx context.Context, cutoff time.Time, known func(key string) bool) (SweepCounts, error) {
	var c SweepCounts
	if s.root == "" {
		return c, nil
	}
	if _, err := os.Stat(s.root); errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		temp := false
		for _, prefix := range tempPrefixes {
			temp = temp || strings.HasPrefix(d.Name(), prefix)
		}
		if !temp && (!ValidKey(key) || known(key)) {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("files: sweep: %w", err)
		}
		if temp {
			c.Temps++
		} else {
			c.Orphans++
		}
		return nil
	})
	return c, err
}
