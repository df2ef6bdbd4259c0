package files

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MarkerName is the file in the files folder naming (by KeyID) the key
// the files are encrypted with. It is written when encryption is turned
// on and removed by DecryptAll once no file is encrypted; backups carry it.
const MarkerName = ".files-key-id"

// KeyMarker returns the key id the files folder says its files are
// encrypted with, "" when it says nothing.
func (s *Storage) KeyMarker() (string, error) {
	if s.root == "" {
		return "", nil
	}
	data, err := os.ReadFile(filepath.Join(s.root, MarkerName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("files: key marker: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// WriteKeyMarker records the storage's key id in the files folder.
func (s *Storage) WriteKeyMarker() error {
	if s.root == "" || s.key == nil {
		return nil
	}
	if have, err := s.KeyMarker(); err != nil || have == s.key.ID() {
		return err
	}
	if err := os.MkdirAll(s.root, 0o700); err != nil {
		return fmt.Errorf("files: key marker: %w", err)
	}
	return writeFile(s.root, filepath.Join(s.root, MarkerName), ".marker-*", func(w io.Writer) error {
		_, err := io.WriteString(w, s.key.ID()+"\n")
		return err
	}, nil)
}

// CheckKey decides whether a server may start with the files key k (nil
// for none) given the key check the database keeps (stored) and the files
// folder's marker (both "" when files were never encrypted). The error is
// the message the administrator sees.
func CheckKey(stored, marker string, k *Key) error {
	if stored != "" && marker != "" && stored != marker {
		return fmt.Errorf("the database's files key check (key id %s) and the files folder's %s (key id %s) differ: "+
			"the database and the data folder come from different instances", stored, MarkerName, marker)
	}
	want := stored
	if want == "" {
		want = marker
	}
	switch {
	case want == "":
		return nil
	case k == nil:
		return fmt.Errorf("the stored files are encrypted (key id %s) but no files key is configured: "+
			"start with --files-key-file FILE (or OPORA_FILES_KEY_FILE) naming the key file they were encrypted with; nothing was changed", want)
	case k.ID() != want:
		return fmt.Errorf("the key in --files-key-file / OPORA_FILES_KEY_FILE (key id %s) is not the key the stored files were encrypted with (key id %s): "+
			"start with the right key file; nothing was changed", k.ID(), want)
	}
	return nil
}

// Counts is what EncryptAll and DecryptAll did.
type Counts struct {
	Changed int   // files encrypted (or decrypted)
	Already int   // files that were so already
	Failed  int   // files left as they were because of an error
	Bytes   int64 // content bytes of the changed files
}

// EncryptAll encrypts every plain stored file with the storage's key, in
// place: each is written encrypted to a temporary file beside it, read back
// and compared (SHA-256) with the original, synced, then renamed over it.
// It can be stopped and run again: files already encrypted are skipped. It
// is safe while a server with the same key runs. A file that cannot be
// encrypted is left as it was, counted in Failed and reported through
// report (which never gets file content).
func (s *Storage) EncryptAll(ctx context.Context, report func(key string, err error)) (Counts, error) {
	if s.key == nil {
		return Counts{}, errors.New("files: no files key given")
	}
	if err := s.WriteKeyMarker(); err != nil {
		return Counts{}, err
	}
	return s.rewriteAll(ctx, true, report)
}

// DecryptAll turns every encrypted file back into a plain one (moving off
// encryption), the same way EncryptAll works. When no encrypted file is
// left it removes the files folder's key marker; the caller clears the
// database's key check.
func (s *Storage) DecryptAll(ctx context.Context, report func(key string, err error)) (Counts, error) {
	if s.key == nil {
		return Counts{}, errors.New("files: no files key given")
	}
	c, err := s.rewriteAll(ctx, false, report)
	if err != nil || c.Failed > 0 {
		return c, err
	}
	if err := os.Remove(filepath.Join(s.root, MarkerName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return c, fmt.Errorf("files: key marker: %w", err)
	}
	return c, nil
}

func (s *Storage) rewriteAll(ctx context.Context, encrypt bool, report func(string, error)) (Counts, error) {
	var c Counts
	if s.root == "" {
		return c, ErrNoStorage
	}
	if _, err := os.Stat(s.root); errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
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
		if !ValidKey(key) {
			return nil // the marker, temporary files of writes in progress
		}
		changed, n, err := s.rewrite(p, encrypt)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Removed while we walked (an upload whose row failed).
		case err != nil:
			c.Failed++
			if report != nil {
				report(key, err)
			}
		case changed:
			c.Changed++
			c.Bytes += n
		default:
			c.Already++
		}
		return nil
	})
	return c, err
}

// rewrite encrypts (or decrypts) the file at p in place; changed is false
// when it was so already.
func (s *Storage) rewrite(p string, encrypt bool) (changed bool, n int64, err error) {
	id, err := fileKeyID(p)
	if err != nil {
		return false, 0, err
	}
	if encrypt && id != "" || !encrypt && id == "" {
		if id != "" && id != s.key.ID() {
			return false, 0, ErrWrongKey
		}
		return false, 0, nil
	}
	src, err := openObject(p, s.key)
	if err != nil {
		return false, 0, err
	}
	defer src.Close()
	want := sha256.New()
	err = writeFile(filepath.Dir(p), p, ".rewrite-*", func(w io.Writer) error {
		var dst io.Writer = w
		var ew *encWriter
		if encrypt {
			if ew, err = s.key.newEncWriter(w); err != nil {
				return err
			}
			dst = ew
		}
		if n, err = io.Copy(io.MultiWriter(dst, want), src); err != nil {
			return err
		}
		if ew != nil {
			return ew.Close()
		}
		return nil
	}, func(tmp string) error {
		// Read the new file back: its content must be the original's.
		back, err := openObject(tmp, s.key)
		if err != nil {
			return fmt.Errorf("files: read back: %w", err)
		}
		defer back.Close()
		got := sha256.New()
		if _, err := io.Copy(got, back); err != nil {
			return fmt.Errorf("files: read back: %w", err)
		}
		if string(got.Sum(nil)) != string(want.Sum(nil)) {
			return errors.New("files: the rewritten file differs from the original")
		}
		return nil
	})
	if err != nil {
		return false, 0, err
	}
	return true, n, nil
}
