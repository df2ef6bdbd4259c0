package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/store"
)

// openFilesKey loads the files key of --files-key-file (nil without one)
// and checks it against the key check the database keeps and the files
// folder's marker: once files are encrypted, a missing or another key is
// refused with a message naming the flag, before anything changes. A key
// given for the first time is recorded in both.
func openFilesKey(ctx context.Context, st *store.Store, c *config) (*files.Key, error) {
	var key *files.Key
	if c.FilesKeyFile != "" {
		k, err := files.LoadKey(c.FilesKeyFile, c.DataDir)
		if err != nil {
			return nil, err
		}
		key = k
	}
	stored, err := st.FilesKeyID(ctx)
	if err != nil {
		return nil, err
	}
	fstore := files.NewWithKey(c.DataDir, key)
	marker, err := fstore.KeyMarker()
	if err != nil {
		return nil, err
	}
	if err := files.CheckKey(stored, marker, key); err != nil {
		return nil, err
	}
	if key != nil {
		if err := st.SetFilesKeyID(ctx, key.ID()); err != nil {
			return nil, err
		}
		if err := fstore.WriteKeyMarker(); err != nil {
			return nil, err
		}
	}
	return key, nil
}

// cmdFiles is "opora files encrypt|decrypt": encrypts the stored files in
// place with --files-key-file, or turns them back into plain files.
func cmdFiles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	if len(args) == 0 || (args[0] != "encrypt" && args[0] != "decrypt" && !isHelp(args[0])) {
		newFlags("files", stderr, &c).Usage()
		return errors.New(`opora files: the subcommand is "encrypt" or "decrypt"`)
	}
	sub := "encrypt"
	if args[0] == "encrypt" || args[0] == "decrypt" {
		sub, args = args[0], args[1:]
	}
	fs := newFlags("files", stderr, &c)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if c.FilesKeyFile == "" {
		return fmt.Errorf("opora files %s: give the key file with --files-key-file FILE (or OPORA_FILES_KEY_FILE)", sub)
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	// Records the key check before the first file is encrypted: a run
	// stopped halfway leaves a server that starts only with this key.
	key, err := openFilesKey(ctx, st, &c)
	if err != nil {
		return err
	}
	fstore := files.NewWithKey(c.DataDir, key)
	report := func(name string, err error) {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
	}
	if sub == "encrypt" {
		n, err := fstore.EncryptAll(ctx, report)
		fmt.Fprintf(stdout, "encrypted %d files (%d bytes), %d were encrypted already, %d failed\n", n.Changed, n.Bytes, n.Already, n.Failed)
		if err == nil && n.Failed > 0 {
			err = fmt.Errorf("%d files could not be encrypted (left as they were); run again after fixing the cause", n.Failed)
		}
		return err
	}
	n, err := fstore.DecryptAll(ctx, report)
	fmt.Fprintf(stdout, "decrypted %d files (%d bytes), %d were plain already, %d failed\n", n.Changed, n.Bytes, n.Already, n.Failed)
	if err == nil && n.Failed > 0 {
		err = fmt.Errorf("%d files could not be decrypted (left as they were); run again after fixing the cause", n.Failed)
	}
	if err != nil {
		return err
	}
	// No encrypted file is left: the server may start without the key.
	return st.ClearFilesKeyID(ctx)
}
