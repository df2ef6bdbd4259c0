// Package files keeps the bytes of uploaded files (photos, scans) in the data
// folder, outside anything the web server serves, and checks what they are.
//
// Layout: <DataDir>/files/<organisation>/<yyyy>/<random key>. The database
// holds the row (who, which client, sniffed type, size, checksum) and the
// storage key; backups archive the whole files/ tree.
package files

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DirName is the folder below the data folder that holds uploaded files.
const DirName = "files"

// DefaultMaxBytes is the upload size limit when none is configured.
const DefaultMaxBytes = 20 << 20

// Errors a caller turns into messages for people.
var (
	// ErrNotImage: the bytes are not a photo format we accept.
	ErrNotImage = errors.New("files: not a JPEG, PNG, GIF or WebP image")
	// ErrDenied: the bytes are an executable or script.
	ErrDenied = errors.New("files: executable files are not accepted")
	// ErrEmpty: nothing was uploaded.
	ErrEmpty = errors.New("files: empty file")
	// ErrTooLarge: the image has too many pixels to process safely.
	ErrTooLarge = errors.New("files: image too large")
	// ErrUnsupported: an image whose size cannot be checked before
	// decoding it (an animated or lossless WebP, odd headers).
	ErrUnsupported = errors.New("files: image kind not accepted")
	// ErrBusy: too many photos are being processed at this moment.
	ErrBusy = errors.New("files: too many photos being processed")
	// ErrNoStorage: the server was started without a data folder.
	ErrNoStorage = errors.New("files: no data folder configured")
)

// Storage reads and writes file bytes below one root folder.
type Storage struct {
	root string // <DataDir>/files; "" disables storage
	key  *Key   // encrypts what Put writes; nil: plain (crypt.go)
}

// New returns the storage of the data folder dataDir ("" disables uploads).
func New(dataDir string) *Storage { return NewWithKey(dataDir, nil) }

// NewWithKey returns the storage of the data folder dataDir that encrypts
// the files it writes with key (nil: writes plain files). It reads plain
// and encrypted files alike.
func NewWithKey(dataDir string, key *Key) *Storage {
	if dataDir == "" {
		return &Storage{key: key}
	}
	return &Storage{root: filepath.Join(dataDir, DirName), key: key}
}

// Key is the key the storage encrypts with, nil for none.
func (s *Storage) Key() *Key { return s.key }

// Root is the folder holding the files.
func (s *Storage) Root() string { return s.root }

// Stored describes bytes written by Put.
type Stored struct {
	Key    string // storage key: "<org>/<yyyy>/<hex>"
	Size   int64
	SHA256 string
}

// Put writes data durably under a new random key for the organisation:
// to a temporary file in the target folder, fsync, then rename, so a crash
// never leaves a half-written file under a real key. With a key, the file
// is encrypted on the way, a chunk at a time. Size and SHA256 describe
// data (the content), not the bytes on disk.
func (s *Storage) Put(orgID int64, now time.Time, data []byte) (*Stored, error) {
	if s.root == "" {
		return nil, ErrNoStorage
	}
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("files: random key: %w", err)
	}
	key := strconv.FormatInt(orgID, 10) + "/" + strconv.Itoa(now.UTC().Year()) + "/" + hex.EncodeToString(rnd[:])
	dir := filepath.Join(s.root, filepath.FromSlash(filepath.Dir(key)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("files: create folder: %w", err)
	}
	if err := writeFile(dir, s.path(key), ".upload-*", func(w io.Writer) error {
		if s.key == nil {
			_, err := w.Write(data)
			return err
		}
		ew, err := s.key.newEncWriter(w)
		if err != nil {
			return err
		}
		if _, err := ew.Write(data); err != nil {
			return err
		}
		return ew.Close()
	}, nil); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &Stored{Key: key, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, nil
}

// writeFile writes the file at target durably: fill writes the content
// to a temporary file (pattern) in dir, which is synced, checked by check
// (if not nil) and renamed over target, and dir is synced.
func writeFile(dir, target, pattern string, fill func(io.Writer) error, check func(tmp string) error) error {
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return fmt.Errorf("files: create: %w", err)
	}
	clean := func() { tmp.Close(); os.Remove(tmp.Name()) }
	bw := bufio.NewWriterSize(tmp, 128<<10)
	if err := fill(bw); err != nil {
		clean()
		return fmt.Errorf("files: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		clean()
		return fmt.Errorf("files: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		clean()
		return fmt.Errorf("files: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("files: close: %w", err)
	}
	if check != nil {
		if err := check(tmp.Name()); err != nil {
			os.Remove(tmp.Name())
			return err
		}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("files: rename: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable where the platform allows it
		d.Close()
	}
	return nil
}

var keyPattern = regexp.MustCompile(`^[0-9]+/[0-9]{4}/[0-9a-f]{32}$`)

// ValidKey reports whether key has the shape Put makes; anything else
// (for example a path with "..") is never opened.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

func (s *Storage) path(key string) string { return filepath.Join(s.root, filepath.FromSlash(key)) }

// Open opens the content stored under key, decrypting an encrypted file
// as it is read (ErrNoKey, ErrWrongKey when its key is not the storage's).
func (s *Storage) Open(key string) (*Object, error) {
	if s.root == "" {
		return nil, ErrNoStorage
	}
	if !ValidKey(key) {
		return nil, fmt.Errorf("files: invalid key")
	}
	return openObject(s.path(key), s.key)
}

// Remove deletes the bytes under key; a missing file is not an error. Used
// to undo a Put whose database row could not be written.
func (s *Storage) Remove(key string) error {
	if s.root == "" || !ValidKey(key) {
		return nil
	}
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("files: remove: %w", err)
	}
	return nil
}

// Sniff returns the MIME type of data from its content (never from a name
// or a header the browser sent), without parameters for binary types.
func Sniff(data []byte) string {
	if executable(data) {
		return "application/x-executable"
	}
	t := http.DetectContentType(data)
	if strings.HasPrefix(t, "text/") {
		return t // keep the charset of text
	}
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t
}

// executable recognises programs and scripts by their first bytes: Windows
// (MZ), ELF, Mach-O, and "#!" scripts.
func executable(data []byte) bool {
	for _, magic := range [][]byte{[]byte("MZ"), []byte("\x7fELF"), {0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf},
		{0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe}, []byte("#!")} {
		if bytes.HasPrefix(data, magic) {
			return true
		}
	}
	return false
}

// photoTypes are the sniffed types accepted as photos.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// CheckPhoto returns the sniffed type of data if it is an accepted photo
// format, else ErrDenied or ErrNotImage.
func CheckPhoto(data []byte) (string, error) {
	if len(data) == 0 {
		return "", ErrEmpty
	}
	t := Sniff(data)
	if t == "application/x-executable" {
		return "", ErrDenied
	}
	if !photoTypes[t] {
		return "", ErrNotImage
	}
	return t, nil
}

// CheckUpload returns the sniffed type of an uploaded scan or document.
// Any type is accepted except programs and scripts.
func CheckUpload(data []byte) (string, error) {
	if len(data) == 0 {
		return "", ErrEmpty
	}
	t := Sniff(data)
	if t == "application/x-executable" {
		return "", ErrDenied
	}
	return t, nil
}

// SafeName keeps the last element of a browser-sent file name, without
// control characters or separators, at most 200 characters; "file" when
// nothing is left. It is only shown and offered as the download name.
func SafeName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}
