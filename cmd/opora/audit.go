package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

const auditUsage = `Usage:
  opora audit verify [--anchor ID:HASH] [flags]
  opora audit anchor [flags]

verify recomputes the audit log's hash chain from the first row to the
last and reports the first broken link: a row changed, rows deleted, a row
written past the application. The exit status is 1 when the chain is
broken. With --anchor (a line "opora audit anchor" printed earlier, kept
off-site) it also checks that the log still passes through that anchor,
which catches a rewrite that recomputed every later hash.

anchor prints the chain's head: the last row's id and hash ("ID:HASH"),
then its time. Print it daily and keep it where the database's
administrators cannot change it (see docs/OPERATIONS.md).

Neither changes the database; both read it as the command line's auditor.
`

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return errors.New("audit: say what to do: verify or anchor")
	}
	sub, args := args[0], args[1:]
	if isHelp(sub) {
		fmt.Fprint(stdout, auditUsage+"\nRun \"opora audit verify --help\" for the flags.\n")
		return flag.ErrHelp
	}
	if sub != "verify" && sub != "anchor" {
		fmt.Fprint(stderr, auditUsage)
		return fmt.Errorf("audit: unknown action %q: verify or anchor", sub)
	}
	var c config
	fs := newFlags("audit "+sub, stderr, &c)
	anchorText := ""
	if sub == "verify" {
		fs.StringVar(&anchorText, "anchor", "", `an anchor printed earlier by "opora audit anchor" (ID:HASH)`)
	}
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	var anchor *opora.AuditAnchor
	if anchorText != "" {
		a, err := store.ParseAuditAnchor(anchorText)
		if err != nil {
			return fmt.Errorf("audit verify: --anchor: %w", err)
		}
		anchor = &a
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = opora.WithActor(ctx, opora.SystemActor(0))
	if sub == "anchor" {
		a, err := st.AuditAnchor(ctx)
		if err != nil {
			return auditSchemaHint(err)
		}
		fmt.Fprintf(stdout, "%s %s\n", a, auditTime(a.At))
		return nil
	}
	started := time.Now()
	v, err := st.VerifyAudit(ctx, anchor)
	if err != nil {
		return auditSchemaHint(err)
	}
	if !v.OK {
		fmt.Fprintf(stdout, "audit log BROKEN at row %d (%s): %s\n", v.RowID, v.Kind, v.Detail)
		return fmt.Errorf("audit verify: the audit log's hash chain is broken at row %d (%s)", v.RowID, v.Kind)
	}
	fmt.Fprintf(stdout, "audit log intact: %d rows chained up to row %d (%s), checked in %s\n",
		v.Rows, v.Head.ID, auditTime(v.Head.At), time.Since(started).Round(time.Millisecond))
	if v.Erased > 0 {
		fmt.Fprintf(stdout, "%d rows had their values erased by a destruction (retention); their digests still chain\n", v.Erased)
	}
	if anchor != nil {
		fmt.Fprintf(stdout, "the log passes through the anchor %s\n", anchor)
	}
	fmt.Fprintf(stdout, "anchor: %s %s\n", v.Head, auditTime(v.Head.At))
	return nil
}

func auditTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// auditSchemaHint explains the error of a database the chain's migration
// has not reached.
func auditSchemaHint(err error) error {
	if s := err.Error(); strings.Contains(s, "audit_head") || strings.Contains(s, "no such column: hash") {
		return fmt.Errorf("%w (the database predates the audit hash chain: run opora migrate)", err)
	}
	return err
}
