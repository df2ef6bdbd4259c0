package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// An organisation whose files are encrypted moves with opora org export
// and import to an instance with another files key: the photo arrives
// encrypted with the target's key and reads back the same, the accounts
// are listed for a password, and an imported account takes one.
func TestOrgExportImportCommands(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, src *store.Store) {
		ctx := context.Background()
		so := storetest.Options(t, src)
		srcDB := []string{"--data", so.DataDir, "--database-url", so.DatabaseURL}
		if err := run(ctx, append([]string{"demo", "--clients", "15"}, srcDB...), nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		cand, err := src.UserForLogin(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		actx := opora.WithActor(ctx, storetest.ActorOf(t, src, cand.User.ID))
		var clientID int64
		if err := storetest.RawDB(t, src).QueryRow(`SELECT MIN(id) FROM clients`).Scan(&clientID); err != nil {
			t.Fatal(err)
		}
		photo := []byte("\xff\xd8 a photo of the client")
		fs := files.New(so.DataDir)
		p, _ := fs.Put(cand.User.OrganisationID, time.Now(), photo)
		th, _ := fs.Put(cand.User.OrganisationID, time.Now(), []byte("thumb"))
		if err := src.SetClientPhoto(actx, clientID, &opora.File{Name: "p.jpg", MIME: "image/jpeg", Size: p.Size, SHA256: p.SHA256, StorageKey: p.Key},
			&opora.File{Name: "t.jpg", MIME: "image/jpeg", Size: th.Size, SHA256: th.SHA256, StorageKey: th.Key}); err != nil {
			t.Fatal(err)
		}
		key1, key2 := writeKeyFile(t), writeKeyFile(t)
		if err := run(ctx, append([]string{"files", "encrypt", "--files-key-file", key1}, srcDB...), nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		archive := filepath.Join(t.TempDir(), "org.tar.gz")
		var out bytes.Buffer
		if err := run(ctx, append([]string{"org", "export", "--org", "1", "--files-key-file", key1, archive}, srcDB...), nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "2 files") {
			t.Fatalf("export said %q", out.String())
		}

		dst := storetest.Open(t, src.Dialect())
		do := storetest.Options(t, dst)
		dstDB := []string{"--data", do.DataDir, "--database-url", do.DatabaseURL}
		out.Reset()
		if err := run(ctx, append([]string{"org", "import", "--files-key-file", key2, archive}, dstDB...), nil, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"as organisation", "2 files", "the source's audit log is kept in", "opora user set-password", "  ivanova\n"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("import output lacks %q:\n%s", want, out.String())
			}
		}
		var storageKey string
		if err := storetest.RawDB(t, dst).QueryRow(`SELECT f.storage_key FROM files f JOIN clients c ON c.photo_id = f.id`).Scan(&storageKey); err != nil {
			t.Fatal(err)
		}
		k2, err := files.LoadKey(key2, do.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := files.NewWithKey(do.DataDir, k2).Open(storageKey)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(obj)
		obj.Close()
		if !obj.Encrypted() || !bytes.Equal(got, photo) {
			t.Fatalf("the photo in the target: encrypted %v, %q", obj.Encrypted(), got)
		}
		// The same archive again: refused, the logins named.
		err = run(ctx, append([]string{"org", "import", "--files-key-file", key2, archive}, dstDB...), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "login admin already exists") {
			t.Fatalf("second import: %v", err)
		}
		// An imported account gets a password.
		if err := run(ctx, append([]string{"user", "set-password", "--login", "ivanova"}, dstDB...),
			strings.NewReader("a new long password 2026\n"), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}
