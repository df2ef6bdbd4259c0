package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/mksimport"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

const importUsage = `Usage:
  opora import mks --as LOGIN --mysql-dsn 'user:pass@tcp(host:3306)/mks' [--branch ID]
  opora import mks --as LOGIN --dump mks.sql --mysql-dsn 'root@tcp(127.0.0.1:3306)/' [--branch ID]
  … [--files /srv/mks/uploads]   (МКС's upload folder: the document scans come too)

Moves an organisation in from МКС (Ночлежка's previous system, v2.20):
clients, notes, services, service plans (as cases with tasks), shelter
stays, reminders, documents and users go into the organisation of the
administrator LOGIN, clients into branch ID (default: the first branch).
With --dump the dump file is loaded into a scratch database on the MySQL
server --mysql-dsn names, imported, and the scratch database dropped.
Re-running imports only what is not yet imported. The report lists every
МКС value with no Opora counterpart (by МКС id, no personal data). See
docs/OPERATIONS.md, "Moving in from МКС".
`

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "mks" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprint(stdout, importUsage)
			return flag.ErrHelp
		}
		fmt.Fprint(stderr, importUsage)
		return errors.New("import: say what to import from: mks")
	}
	var c config
	fs := newFlags("import mks", stderr, &c)
	as := fs.String("as", "", "login of the organisation's administrator the import is made as (audit log)")
	dsn := fs.String("mysql-dsn", "", "МКС database, or with --dump the MySQL server for the scratch database")
	dump := fs.String("dump", "", "an МКС dump file (mysqldump) instead of a live database")
	filesDir := fs.String("files", "", "МКС's upload folder, to bring the document scans over (they are found by file name)")
	branchID := fs.Int64("branch", 0, "branch for the clients (default: the organisation's first branch)")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if *as == "" || *dsn == "" {
		return errors.New("import mks: --as and --mysql-dsn are required")
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	var fstore *files.Storage
	if *filesDir != "" {
		key, err := openFilesKey(ctx, st, &c)
		if err != nil {
			return err
		}
		fstore = files.NewWithKey(c.DataDir, key)
	}
	cand, err := st.UserForLogin(ctx, *as)
	if err != nil {
		return fmt.Errorf("import mks: no account with login %q", *as)
	}
	a, err := st.Actor(ctx, cand.User.ID)
	if err != nil {
		return err
	}
	if !a.Can(opora.PermAdminOrg) {
		return fmt.Errorf("import mks: %q does not administer its organisation", *as)
	}
	ctx = opora.WithActor(ctx, a)
	branches, err := st.Branches(ctx)
	if err != nil {
		return err
	}
	branch := int64(0)
	for _, b := range branches {
		if *branchID == 0 || b.ID == *branchID {
			branch = b.ID
			break
		}
	}
	if branch == 0 {
		return fmt.Errorf("import mks: the organisation has no branch %d", *branchID)
	}

	var db *sql.DB
	if *dump != "" {
		f, err := os.Open(*dump)
		if err != nil {
			return fmt.Errorf("import mks: %w", err)
		}
		defer f.Close()
		fmt.Fprintln(stderr, "loading the dump into a scratch database…")
		sc, err := mksimport.LoadDump(ctx, *dsn, f)
		if err != nil {
			return err
		}
		defer sc.Drop(context.WithoutCancel(ctx))
		db = sc.DB
	} else {
		db, err = mksimport.Open(*dsn)
		if err != nil {
			return err
		}
		defer db.Close()
	}
	rep, err := mksimport.Import(ctx, st, db, mksimport.Options{BranchID: branch, FilesDir: *filesDir, Files: fstore,
		Progress: func(kind string, done int) { fmt.Fprintf(stderr, "%s: %d\n", kind, done) }})
	fmt.Fprint(stdout, rep)
	if err != nil {
		return fmt.Errorf("import mks: %w (what was committed stays; run again to carry on)", err)
	}
	return nil
}
