package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

const orgUsage = `Usage:
  opora org export --org ID|NAME [flags] FILE
  opora org import [flags] FILE

export writes everything an organisation holds — its tables as JSON lines,
its uploaded files (decrypted), its audit log — into one tar.gz archive
(docs/EXPORT.md), so that it can move to another Opora instance. No
password, session, two-factor secret, API token or webhook secret leaves.

import reads such an archive into this instance as a new organisation, in
one transaction: nothing is written when the schema versions differ, when a
login or the organisation's name or INN already exists here, or when a file
of the archive does not match its checksum. The imported users get no
password: set one with "opora user set-password --login LOGIN".
`

func cmdOrg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, orgUsage)
		return errors.New("org: say what to do: export or import")
	}
	sub, args := args[0], args[1:]
	if isHelp(sub) {
		fmt.Fprint(stdout, orgUsage+"\nRun \"opora org export --help\" for the flags.\n")
		return flag.ErrHelp
	}
	if sub != "export" && sub != "import" {
		fmt.Fprint(stderr, orgUsage)
		return fmt.Errorf("org: unknown action %q: export or import", sub)
	}
	var c config
	fs := newFlags("org "+sub, stderr, &c)
	var org string
	if sub == "export" {
		fs.StringVar(&org, "org", "", "the organisation: its id or its exact name")
	}
	// Flags may come after the file too.
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(names) != 1 {
		return fmt.Errorf("org %s: name one archive file: opora org %s FILE", sub, sub)
	}
	file := names[0]
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	key, err := openFilesKey(ctx, st, &c)
	if err != nil {
		return err
	}
	fstore := files.NewWithKey(c.DataDir, key)
	if sub == "export" {
		return orgExport(ctx, st, fstore, org, file, stdout)
	}
	return orgImport(ctx, st, fstore, c.DataDir, file, stdout)
}

func orgExport(ctx context.Context, st *store.Store, fstore *files.Storage, org, file string, stdout io.Writer) error {
	if org == "" {
		return errors.New("org export: --org is required (the organisation's id or name)")
	}
	orgs, err := st.Organisations(opora.WithActor(ctx, opora.SystemActor(0)))
	if err != nil {
		return err
	}
	var id int64
	for _, o := range orgs {
		if strconv.FormatInt(o.ID, 10) == org || o.Name == org {
			id = o.ID
		}
	}
	if id == 0 {
		return fmt.Errorf("org export: no organisation %q", org)
	}
	tmp := file + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("org export: %w", err)
	}
	ctx = opora.WithActor(ctx, opora.SystemActor(id))
	start := time.Now()
	m, err := st.ExportOrganisation(ctx, id, f, store.OrgExportOptions{Version: version,
		OpenFile: func(k string) (io.ReadCloser, error) { return fstore.Open(k) }})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("org export: %w", err)
	}
	rows := 0
	for _, t := range m.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "exported organisation %d to %s: %d tables, %d rows, %d files, schema version %d (%s)\n",
		id, file, len(m.Tables), rows, len(m.Files), m.SchemaVersion, time.Since(start).Round(time.Millisecond))
	return nil
}

func orgImport(ctx context.Context, st *store.Store, fstore *files.Storage, dataDir, file string, stdout io.Writer) error {
	start := time.Now()
	r, err := store.OpenOrgExport(file, 0)
	if err != nil {
		return fmt.Errorf("org import: %w", err)
	}
	defer r.Close()
	// The source's audit log is kept as a file beside the data, named in
	// the import's audit row; it does not join this instance's chain.
	dir := filepath.Join(dataDir, "imports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("org import: %w", err)
	}
	archive, err := keepCopy(r.AuditFile, dir, fmt.Sprintf("audit-org%d-%s-*.jsonl", r.Manifest.Organisation.ID,
		time.Now().UTC().Format("20060102-150405")))
	if err != nil {
		return fmt.Errorf("org import: %w", err)
	}
	err = st.ImportOrganisation(ctx, r, store.OrgImportOptions{
		PutFile: func(orgID int64, data []byte) (string, error) {
			s, err := fstore.Put(orgID, time.Now(), data)
			if err != nil {
				return "", err
			}
			return s.Key, nil
		},
		RemoveFile:   fstore.Remove,
		PasswordHash: func() (string, error) { return auth.Hash(auth.NewToken()) },
		AuditArchive: archive,
	})
	if err != nil {
		os.Remove(archive)
		return fmt.Errorf("org import: %w", err)
	}
	rows := 0
	for _, n := range r.Rows {
		rows += n
	}
	fmt.Fprintf(stdout, "imported %q as organisation %d: %d rows, %d files (%s)\n", r.Manifest.Organisation.Name,
		r.OrganisationID, rows, len(r.Manifest.Files), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "the source's audit log is kept in %s\n", archive)
	printCounts := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintln(stdout, title)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(stdout, "  %s: %d\n", k, m[k])
		}
	}
	printCounts("references to rows outside the export that were not found here (left empty or the row left out):", r.Unresolved)
	printCounts("rows left out because a required reference was not found here:", r.Dropped)
	if len(r.Users) > 0 {
		fmt.Fprintf(stdout, "%d accounts were imported without a password; give each one with: opora user set-password --login LOGIN\n", len(r.Users))
		for _, l := range r.Users {
			fmt.Fprintln(stdout, "  "+l)
		}
	}
	return nil
}

// keepCopy copies src to a new file in dir named by pattern (os.CreateTemp)
// and returns its path.
func keepCopy(src, dir, pattern string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), out.Close()
}
