package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	verifyOnly := fs.Bool("verify-only", false,
		"the backup drill: restore into a scratch folder (and for PostgreSQL a scratch database opora_verify_… on the --database-url server, dropped afterwards), "+
			"compare every table's rows and every file's SHA-256 with the manifest, print the result and exit non-zero on any mismatch; "+
			"the data folder and the live database are not touched. FILE may be a folder: its newest *.tar.gz is verified")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		if *verifyOnly {
			return errors.New("restore: name the backup file or the folder of backups: opora restore --verify-only FILE|FOLDER")
		}
		return errors.New("restore: name the backup file: opora restore FILE")
	}
	opt := backup.Options{DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, Version: version, SecretKeyFile: c.SecretKeyFile, FilesKeyFile: c.FilesKeyFile}
	if *verifyOnly {
		return verifyBackup(ctx, opt, fs.Arg(0), stdout)
	}
	m, err := backup.Restore(ctx, opt, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s (%s database, Opora %s) into %s\n",
		m.CreatedAt.Format(time.RFC3339), m.Database, m.Version, c.DataDir)
	return nil
}

// verifyBackup is `opora restore --verify-only`: it prints a table of rows
// per table and a verdict, and fails naming every table or file that does
// not match.
func verifyBackup(ctx context.Context, opt backup.Options, arg string, stdout io.Writer) error {
	src, err := newestBackup(arg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verifying %s\n", src)
	r, err := backup.VerifyRestore(ctx, opt, src)
	if err != nil {
		fmt.Fprintf(stdout, "verdict: FAILED: %v\n", err)
		return err
	}
	m := r.Manifest
	fmt.Fprintf(stdout, "backup of %s, %s database, Opora %s; restored into %s (removed)\n\n",
		m.CreatedAt.Format(time.RFC3339), m.Database, m.Version, r.Scratch)
	count := func(n int64) string {
		if n < 0 {
			return "-"
		}
		return strconv.FormatInt(n, 10)
	}
	width := len("table")
	for _, t := range r.Tables {
		width = max(width, len(t.Name))
	}
	fmt.Fprintf(stdout, "%-*s  %12s  %12s\n", width, "table", "backup", "restored")
	for _, t := range r.Tables {
		state := "  ok"
		if !r.Counted() {
			state = ""
		} else if !t.OK() {
			state = "  MISMATCH"
		}
		fmt.Fprintf(stdout, "%-*s  %12s  %12s%s\n", width, t.Name, count(t.Backup), count(t.Restored), state)
	}
	if !r.Counted() {
		fmt.Fprintln(stdout, "\nthis backup was made by an older Opora that did not record row counts: the rows were not compared")
	}
	fmt.Fprintf(stdout, "\nfiles: %d restored and compared with their SHA-256 in the manifest\n", r.Files)
	if !r.OK() {
		for _, p := range r.Problems {
			fmt.Fprintf(stdout, "MISMATCH %s\n", p)
		}
		fmt.Fprintf(stdout, "verdict: FAILED: %d mismatches\n", len(r.Problems))
		return fmt.Errorf("restore --verify-only: %s does not match its manifest: %s", src, strings.Join(r.Problems, "; "))
	}
	fmt.Fprintf(stdout, "verdict: OK: %d tables and %d files restored as recorded\n", len(r.Tables), r.Files)
	return nil
}

// newestBackup returns arg, or when arg is a folder its newest *.tar.gz
// (by modification time): last night's backup in the folder a cron job
// writes to.
func newestBackup(arg string) (string, error) {
	fi, err := os.Stat(arg)
	if err != nil || !fi.IsDir() {
		return arg, nil // a file, or an error Restore reports
	}
	matches, err := filepath.Glob(filepath.Join(arg, "*.tar.gz"))
	if err != nil {
		return "", err
	}
	newest, at := "", time.Time{}
	for _, p := range matches {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if newest == "" || fi.ModTime().After(at) {
			newest, at = p, fi.ModTime()
		}
	}
	if newest == "" {
		return "", fmt.Errorf("restore --verify-only: the folder %s holds no *.tar.gz backup", arg)
	}
	return newest, nil
}
