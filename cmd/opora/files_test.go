package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// writeKeyFile writes a new random key, base64, to a file outside any data folder.
func writeKeyFile(t *testing.T) string {
	t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	p := filepath.Join(t.TempDir(), "files.key")
	if err := os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// serveOnce starts `opora serve` with args and returns its error when it
// refuses to start, or nil once it printed its setup link (then stops it).
func serveOnce(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--jobs-interval", "0"}, args...), nil, &out, io.Discard)
	}()
	re := regexp.MustCompile(`/setup/\S+`)
	for i := 0; i < 200; i++ {
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("serve stopped without an error")
			}
			return err
		case <-time.After(50 * time.Millisecond):
		}
		if re.MatchString(out.String()) {
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			return nil
		}
	}
	t.Fatalf("serve neither started nor refused: %q", out.String())
	return nil
}

// TestFilesEncryptAndStartKeyCheck: `opora files encrypt` migrates a plain
// file; afterwards `serve` refuses to start without the key, with another
// key, or with a key file inside the data folder — saying which flag to
// give — and leaves the files as they were; with the right key it starts.
// `opora files decrypt` moves off again.
func TestFilesEncryptAndStartKeyCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		o := storetest.Options(t, st)
		dir := o.DataDir
		db := []string{"--data", dir, "--database-url", o.DatabaseURL}
		ctx := context.Background()
		content := []byte("%PDF-1.4 согласие на обработку персональных данных")
		stored, err := files.New(dir).Put(1, time.Now(), content)
		if err != nil {
			t.Fatal(err)
		}
		onDisk := filepath.Join(dir, "files", filepath.FromSlash(stored.Key))
		key, wrong := writeKeyFile(t), writeKeyFile(t)

		// Before any encryption, serve starts without a key.
		if err := serveOnce(t, db...); err != nil {
			t.Fatalf("plain start: %v", err)
		}
		var out bytes.Buffer
		if err := run(ctx, append([]string{"files", "encrypt", "--files-key-file", key}, db...), nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "encrypted 1 files") {
			t.Fatalf("encrypt said %q", out.String())
		}
		raw, _ := os.ReadFile(onDisk)
		if bytes.Contains(raw, []byte("согласие")) {
			t.Fatal("the file on disk is still plain")
		}
		out.Reset()
		if err := run(ctx, append([]string{"files", "encrypt", "--files-key-file", key}, db...), nil, &out, io.Discard); err != nil ||
			!strings.Contains(out.String(), "encrypted 0 files") || !strings.Contains(out.String(), "1 were encrypted already") {
			t.Fatalf("second run: %v %q", err, out.String())
		}

		inside := filepath.Join(dir, "files.key")
		kb, _ := os.ReadFile(key)
		os.WriteFile(inside, kb, 0o600)
		defer os.Remove(inside)
		for _, c := range []struct {
			args []string
			want string
		}{
			{nil, "no files key is configured: start with --files-key-file"},
			{[]string{"--files-key-file", wrong}, "is not the key the stored files were encrypted with"},
			{[]string{"--files-key-file", inside}, "inside the data folder"},
			{[]string{"--files-key-file", filepath.Join(t.TempDir(), "missing.key")}, "files key file"},
		} {
			err := serveOnce(t, append(db, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("serve %v: %v, want %q", c.args, err, c.want)
			}
		}
		// Nothing was lost or changed by the refused starts.
		if again, _ := os.ReadFile(onDisk); !bytes.Equal(again, raw) {
			t.Fatal("a refused start changed the file")
		}
		k, err := files.LoadKey(key, dir)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := files.NewWithKey(dir, k).Open(stored.Key)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(obj)
		obj.Close()
		if !bytes.Equal(got, content) {
			t.Fatal("the encrypted file does not read back")
		}
		if err := serveOnce(t, append(db, "--files-key-file", key)...); err != nil {
			t.Fatalf("start with the right key: %v", err)
		}

		// Moving off: decrypt, then serve starts without the key again.
		out.Reset()
		if err := run(ctx, append([]string{"files", "decrypt", "--files-key-file", key}, db...), nil, &out, io.Discard); err != nil ||
			!strings.Contains(out.String(), "decrypted 1 files") {
			t.Fatalf("decrypt: %v %q", err, out.String())
		}
		if again, _ := os.ReadFile(onDisk); !bytes.Equal(again, content) {
			t.Fatal("the decrypted file is not the original")
		}
		if err := serveOnce(t, db...); err != nil {
			t.Fatalf("start without key after decrypt: %v", err)
		}
	})
}
