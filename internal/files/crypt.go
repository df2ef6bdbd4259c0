package files

// Encryption at rest of the stored files (envelope encryption).
//
// A master key (32 bytes, in a key file outside the data folder, flag
// --files-key-file) never encrypts content itself. Each file gets its own
// random 32-byte data key; the content is encrypted with AES-256-GCM in
// chunks of ChunkSize bytes, and the data key, wrapped (AES-256-GCM) by the
// master key, travels in a header at the start of the file:
//
//	magic      8 bytes  "\x89OPORAE\n"
//	version    1 byte   1
//	key id     8 bytes  which master key wrapped the data key (KeyID)
//	wrapped   60 bytes  nonce (12) + data key sealed under the master key (32 + 16),
//	                    the 17 bytes before it as additional data
//	prefix     7 bytes  random nonce prefix of the chunks
//	chunks              each ChunkSize bytes of content + 16-byte tag; the last
//	                    may be shorter. Nonce = prefix + chunk counter (4 bytes,
//	                    big-endian) + 1 for the last chunk, 0 for the others
//
// Files are therefore self-describing: a file without the header is plain
// (stored before encryption was turned on), and both kinds are read
// transparently, so existing files can be encrypted gradually. The final-chunk
// flag and the counter in the nonce make truncation, reordering and chunks
// taken from another file fail authentication. Content is encrypted and
// decrypted chunk by chunk: memory stays at one chunk whatever the file size.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ChunkSize is the content encrypted under one nonce and tag.
const ChunkSize = 64 << 10

const (
	magic       = "\x89OPORAE\n"
	version1    = 1
	keyIDLen    = 8
	nonceLen    = 12
	tagLen      = 16
	wrappedLen  = nonceLen + 32 + tagLen
	prefixLen   = 7
	headerLen   = len(magic) + 1 + keyIDLen + wrappedLen + prefixLen
	sealedChunk = ChunkSize + tagLen
)

// Errors about keys; their text is shown to the administrator as is.
var (
	// ErrNoKey: a file is encrypted but the server has no files key.
	ErrNoKey = errors.New("files: the file is encrypted but no files key is configured (--files-key-file / OPORA_FILES_KEY_FILE)")
	// ErrWrongKey: a file was encrypted under another master key.
	ErrWrongKey = errors.New("files: the file is encrypted with another key than --files-key-file / OPORA_FILES_KEY_FILE")
	// ErrCorrupt: an encrypted file fails authentication (changed or truncated).
	ErrCorrupt = errors.New("files: the encrypted file is damaged (it fails authentication)")
)

// Key is the master key of the stored files.
type Key struct {
	aead cipher.AEAD
	id   [keyIDLen]byte
}

// NewKey returns the master key of 32 bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != 32 {
		return nil, fmt.Errorf("files: the key must be 32 bytes, not %d", len(raw))
	}
	g, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	k := &Key{aead: g}
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("opora files key id v1"))
	copy(k.id[:], m.Sum(nil))
	return k, nil
}

// ID names the key without giving it away (the first 8 bytes of an HMAC
// of a fixed text under the key, in hex). The database keeps it as the key
// check, and every encrypted file carries it in its header.
func (k *Key) ID() string { return hex.EncodeToString(k.id[:]) }

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return g, nil
}

// LoadKey reads the key file at path: exactly 32 bytes, or the base64 or
// hex text of 32 bytes on one line. A key file inside the data folder
// dataDir is refused: a copy of the data folder must not carry its key.
func LoadKey(path, dataDir string) (*Key, error) {
	if dataDir != "" {
		if inside(path, dataDir) {
			return nil, fmt.Errorf("the files key file %s is inside the data folder %s; keep it outside, so that a copy of the data folder does not carry its key", path, dataDir)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("files key file: %w", err)
	}
	raw := data
	if len(data) != 32 {
		text := strings.TrimSpace(string(data))
		raw = nil
		if b, err := hex.DecodeString(text); err == nil && len(b) == 32 {
			raw = b
		} else if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) == 32 {
			raw = b
		} else if b, err := base64.RawStdEncoding.DecodeString(text); err == nil && len(b) == 32 {
			raw = b
		}
		if raw == nil {
			return nil, fmt.Errorf("files key file %s: not a 32-byte key (32 raw bytes, or 64 hex digits, or base64 of 32 bytes); make one with: head -c 32 /dev/urandom | base64 > FILE", path)
		}
	}
	return NewKey(raw)
}

// inside reports whether path lies within dir (symbolic links resolved
// where they exist).
func inside(path, dir string) bool {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(a); err == nil {
			return r
		}
		// The file may not exist yet: resolve its folder.
		if r, err := filepath.EvalSymlinks(filepath.Dir(a)); err == nil {
			return filepath.Join(r, filepath.Base(a))
		}
		return a
	}
	rel, err := filepath.Rel(abs(dir), abs(path))
	return err == nil && filepath.IsLocal(rel)
}

// HeaderLen is how many first bytes of a file KeyIDOf needs.
const HeaderLen = headerLen

// KeyIDOf returns the key id (Key.ID) in an encrypted file's first
// HeaderLen bytes, and false for a plain file.
func KeyIDOf(head []byte) (string, bool) { return headerKeyID(head) }

// headerKeyID returns the key id of an encrypted file's first bytes, and
// false for a plain file.
func headerKeyID(head []byte) (string, bool) {
	if len(head) < headerLen || string(head[:len(magic)]) != magic || head[len(magic)] != version1 {
		return "", false
	}
	return hex.EncodeToString(head[len(magic)+1 : len(magic)+1+keyIDLen]), true
}

// newHeader makes a data key and returns the header bytes carrying it.
func (k *Key) newHeader() ([]byte, cipher.AEAD, [prefixLen]byte, error) {
	var prefix [prefixLen]byte
	dataKey := make([]byte, 32)
	nonce := make([]byte, nonceLen)
	for _, b := range [][]byte{dataKey, nonce, prefix[:]} {
		if _, err := rand.Read(b); err != nil {
			return nil, nil, prefix, fmt.Errorf("files: random: %w", err)
		}
	}
	h := make([]byte, 0, headerLen)
	h = append(h, magic...)
	h = append(h, version1)
	h = append(h, k.id[:]...)
	aad := h[:len(h):len(h)]
	h = append(h, nonce...)
	h = k.aead.Seal(h, nonce, dataKey, aad)
	h = append(h, prefix[:]...)
	g, err := newGCM(dataKey)
	if err != nil {
		return nil, nil, prefix, err
	}
	return h, g, prefix, nil
}

// openHeader unwraps the data key of a header (headerLen bytes).
func (k *Key) openHeader(h []byte) (cipher.AEAD, [prefixLen]byte, error) {
	var prefix [prefixLen]byte
	id, ok := headerKeyID(h)
	if !ok {
		return nil, prefix, ErrCorrupt
	}
	if k == nil {
		return nil, prefix, ErrNoKey
	}
	if id != k.ID() {
		return nil, prefix, ErrWrongKey
	}
	at := len(magic) + 1 + keyIDLen
	aad := h[:at]
	nonce := h[at : at+nonceLen]
	dataKey, err := k.aead.Open(nil, nonce, h[at+nonceLen:at+wrappedLen], aad)
	if err != nil {
		return nil, prefix, ErrCorrupt // the key is right (its id matched): the header is damaged
	}
	copy(prefix[:], h[at+wrappedLen:])
	g, err := newGCM(dataKey)
	return g, prefix, err
}

func chunkNonce(dst []byte, prefix [prefixLen]byte, n uint32, last bool) []byte {
	dst = append(dst[:0], prefix[:]...)
	dst = binary.BigEndian.AppendUint32(dst, n)
	if last {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// encWriter encrypts what is written to it into w, a chunk at a time.
type encWriter struct {
	w      io.Writer
	g      cipher.AEAD
	prefix [prefixLen]byte
	buf    []byte // content of the current chunk
	out    []byte
	nonce  []byte
	n      uint32
	err    error
}

// NewWriter returns a writer that encrypts what is written to it into w
// (the header first, then a chunk at a time), for a file kept outside the
// storage's tree (an organisation's export waiting to be downloaded).
// Close writes the last chunk; it does not close w. OpenPath reads it.
func (k *Key) NewWriter(w io.Writer) (io.WriteCloser, error) { return k.newEncWriter(w) }

// OpenPath opens the file at p, plain or written by k.NewWriter (k may be
// nil for a plain file), decrypting as it is read.
func OpenPath(p string, k *Key) (*Object, error) { return openObject(p, k) }

// newEncWriter writes the header to w and returns the writer of the content.
func (k *Key) newEncWriter(w io.Writer) (*encWriter, error) {
	h, g, prefix, err := k.newHeader()
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return &encWriter{w: w, g: g, prefix: prefix, buf: make([]byte, 0, ChunkSize), out: make([]byte, 0, sealedChunk), nonce: make([]byte, 0, nonceLen)}, nil
}

func (e *encWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	written := 0
	for len(p) > 0 {
		if len(e.buf) == ChunkSize {
			// More content follows: the buffered chunk is not the last.
			if e.err = e.flush(false); e.err != nil {
				return written, e.err
			}
		}
		n := copy(e.buf[len(e.buf):ChunkSize], p)
		e.buf = e.buf[:len(e.buf)+n]
		p = p[n:]
		written += n
	}
	return written, nil
}

func (e *encWriter) flush(last bool) error {
	if e.n == ^uint32(0) {
		return errors.New("files: file too large to encrypt")
	}
	e.nonce = chunkNonce(e.nonce, e.prefix, e.n, last)
	e.out = e.g.Seal(e.out[:0], e.nonce, e.buf, nil)
	e.n++
	e.buf = e.buf[:0]
	_, err := e.w.Write(e.out)
	return err
}

// Close writes the last chunk (it does not close w).
func (e *encWriter) Close() error {
	if e.err != nil {
		return e.err
	}
	e.err = e.flush(true)
	if e.err == nil {
		e.err = errors.New("files: writer closed")
		return nil
	}
	return e.err
}

// plainSize is the content size of an encrypted file of size bytes.
func plainSize(size int64) (int64, error) {
	body := size - int64(headerLen)
	if body < tagLen {
		return 0, ErrCorrupt
	}
	chunks := (body + sealedChunk - 1) / sealedChunk
	if chunks > int64(^uint32(0)) || body-(chunks-1)*sealedChunk < tagLen {
		return 0, ErrCorrupt
	}
	return body - chunks*tagLen, nil
}

// decReader decrypts the chunks of an encrypted file's body.
type decReader struct {
	r      io.Reader
	g      cipher.AEAD
	prefix [prefixLen]byte
	left   int64 // sealed bytes not read yet
	in     []byte
	plain  []byte // decrypted, not yet returned
	nonce  []byte
	n      uint32
	err    error
}

func (d *decReader) Read(p []byte) (int, error) {
	for len(d.plain) == 0 {
		if err := d.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, d.plain)
	d.plain = d.plain[n:]
	return n, nil
}

// next reads and decrypts the next chunk into d.plain; io.EOF after the last.
func (d *decReader) next() error {
	if d.err != nil {
		return d.err
	}
	if d.left == 0 {
		d.err = io.EOF
		return d.err
	}
	size := min(d.left, sealedChunk)
	last := d.left == size
	in := d.in[:size]
	if _, err := io.ReadFull(d.r, in); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = ErrCorrupt
		}
		d.err = err
		return err
	}
	d.left -= size
	d.nonce = chunkNonce(d.nonce, d.prefix, d.n, last)
	d.n++
	out, err := d.g.Open(in[:0], d.nonce, in, nil)
	if err != nil {
		d.err = ErrCorrupt
		return d.err
	}
	d.plain = out
	return nil
}

// WriteTo writes the rest of the content to w a decrypted chunk at a time.
func (d *decReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(d.plain) > 0 {
			n, err := w.Write(d.plain)
			total += int64(n)
			d.plain = d.plain[n:]
			if err != nil {
				return total, err
			}
		}
		if err := d.next(); errors.Is(err, io.EOF) {
			return total, nil
		} else if err != nil {
			return total, err
		}
	}
}

// Object is stored content opened for reading: plain, or decrypted while
// it is read.
type Object struct {
	f         *os.File
	r         io.Reader
	size      int64
	encrypted bool
	cc        *chunkCache // ReadAt of an encrypted file (stream.go)
}

// Read reads the content (decrypted).
func (o *Object) Read(p []byte) (int, error) { return o.r.Read(p) }

// WriteTo copies the content to w: a plain file as the file (which lets
// the operating system send it), an encrypted one a chunk at a time.
func (o *Object) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := o.r.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, struct{ io.Reader }{o.r})
}

// Close closes the file.
func (o *Object) Close() error { return o.f.Close() }

// Size is the size of the content (decrypted).
func (o *Object) Size() int64 { return o.size }

// Encrypted reports whether the file is encrypted at rest.
func (o *Object) Encrypted() bool { return o.encrypted }

// openObject opens the file at p with the key k (nil: no key configured).
// An encrypted file's header is checked (key, data key) before it returns.
func openObject(p string, k *Key) (*Object, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	head := make([]byte, headerLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, err
	}
	if _, ok := headerKeyID(head[:n]); !ok {
		// Plain: read from the start.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return &Object{f: f, r: f, size: fi.Size()}, nil
	}
	g, prefix, err := k.openHeader(head)
	if err != nil {
		f.Close()
		return nil, err
	}
	size, err := plainSize(fi.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	d := &decReader{r: f, g: g, prefix: prefix, left: fi.Size() - int64(headerLen),
		in: make([]byte, sealedChunk), nonce: make([]byte, 0, nonceLen)}
	cc := &chunkCache{g: g, prefix: prefix, body: fi.Size() - int64(headerLen), idx: -1, in: make([]byte, sealedChunk),
		plain: make([]byte, 0, ChunkSize), nonce: make([]byte, 0, nonceLen)}
	return &Object{f: f, r: d, size: size, encrypted: true, cc: cc}, nil
}

// fileKeyID returns the key id of the encrypted file at p, "" for a plain file.
func fileKeyID(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, headerLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	id, _ := headerKeyID(head[:n])
	return id, nil
}
