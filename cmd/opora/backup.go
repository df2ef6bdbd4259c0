package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/opora-project/opora/internal/backup"
)

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("backup", stderr, &c)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	dest := fs.Arg(0)
	if dest == "" {
		dest = "opora-backup-" + time.Now().Format("20060102-150405") + ".tar.gz"
	}
	m, err := backup.Create(ctx, backup.Options{DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, Version: version, SecretKeyFile: c.SecretKeyFile, FilesKeyFile: c.FilesKeyFile}, dest)
	if err != nil {
		return err
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(stdout, "backup written to %s: %s database, %d entries, %d bytes before compression\n", dest, m.Database, len(m.Files), size)
	return nil
}

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("restore", stderr, &c)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("restore: name the backup file: opora restore FILE")
	}
	m, err := backup.Restore(ctx, backup.Options{DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, Version: version, SecretKeyFile: c.SecretKeyFile, FilesKeyFile: c.FilesKeyFile}, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s (%s database, Opora %s) into %s\n",
		m.CreatedAt.Format(time.RFC3339), m.Database, m.Version, c.DataDir)
	return nil
}
