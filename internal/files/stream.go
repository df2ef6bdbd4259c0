package files

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Files kept outside the storage keys, such as a spreadsheet waiting to be
// imported (<data>/imports/<random hex>): written and read as a stream in
// the same format as the stored files (crypt.go) — chunked AES-256-GCM
// under a data key wrapped by the master key when the server has one,
// plain when it has none — so a 100 MB upload is never held whole and an
// encrypted one can still be read at any offset (an XLSX is a zip, whose
// directory sits at the end).

// WriteStream copies src durably into dir/name, which must not exist
// yet: to a temporary file in dir (0600), encrypted with key on the way
// when key is not nil, synced, then renamed. It returns the content's size
// and SHA-256 (of the plain bytes). On any error nothing is left behind.
func WriteStream(dir, name string, key *Key, src io.Reader) (int64, string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, "", fmt.Errorf("files: create folder: %w", err)
	}
	target := filepath.Join(dir, name)
	if _, err := os.Lstat(target); err == nil {
		return 0, "", fmt.Errorf("files: %s exists", name)
	}
	h := sha256.New()
	var n int64
	err := writeFile(dir, target, ".upload-*", func(w io.Writer) error {
		var dst io.Writer = w
		var ew *encWriter
		if key != nil {
			var err error
			if ew, err = key.newEncWriter(w); err != nil {
				return err
			}
			dst = ew
		}
		var err error
		if n, err = io.Copy(io.MultiWriter(dst, h), src); err != nil {
			return err
		}
		if ew != nil {
			return ew.Close()
		}
		return nil
	}, nil)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// OpenStream opens the file at path written by WriteStream (or any plain
// file): its content decrypted as it is read, with key (nil: no key; an
// encrypted file then fails with ErrNoKey).
func OpenStream(path string, key *Key) (*Object, error) { return openObject(path, key) }

// chunkCache is an encrypted Object's state for ReadAt: the sealed body's
// size and the last chunk decrypted.
type chunkCache struct {
	mu     sync.Mutex
	g      cipher.AEAD
	prefix [prefixLen]byte
	body   int64 // sealed bytes after the header
	idx    int64 // the chunk in plain, -1 for none
	in     []byte
	plain  []byte
	nonce  []byte
}

// ReadAt reads the content at offset off: a plain file as it is, an
// encrypted one by decrypting (and authenticating) the chunks that hold
// the range, one chunk kept for the next call. It does not move Read's
// position.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if !o.encrypted {
		return o.f.ReadAt(p, off)
	}
	if off < 0 {
		return 0, errors.New("files: negative offset")
	}
	c := o.cc
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for n < len(p) && off < o.size {
		idx := off / ChunkSize
		plain, err := c.chunk(o.f, idx)
		if err != nil {
			return n, err
		}
		k := copy(p[n:], plain[off-idx*ChunkSize:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// chunk decrypts chunk idx of the file f.
func (c *chunkCache) chunk(f *os.File, idx int64) ([]byte, error) {
	if c.idx == idx {
		return c.plain, nil
	}
	chunks := (c.body + sealedChunk - 1) / sealedChunk
	start := idx * sealedChunk
	size := min(int64(sealedChunk), c.body-start)
	if idx >= chunks || size < tagLen {
		return nil, ErrCorrupt
	}
	in := c.in[:size]
	if _, err := f.ReadAt(in, int64(headerLen)+start); err != nil {
		if errors.Is(err, io.EOF) {
			err = ErrCorrupt
		}
		return nil, err
	}
	c.nonce = chunkNonce(c.nonce, c.prefix, uint32(idx), idx == chunks-1)
	out, err := c.g.Open(c.plain[:0], c.nonce, in, nil)
	if err != nil {
		c.idx = -1
		return nil, ErrCorrupt
	}
	c.idx, c.plain = idx, out
	return out, nil
}
