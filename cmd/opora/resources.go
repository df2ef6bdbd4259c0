package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

const resourcesUsage = `Usage:
  opora resources export [--municipality ID] [flags] > map.json
  opora resources import [--dry-run] [flags] FILE

export writes the resource map (issue 21 item 7) as Open Referral HSDS 3.0
JSON: an array of organizations with their locations and services
(docs/RESOURCES.md). With --municipality, only what is in that municipality
or district (its id, as in the territories screen) and the districts under it.

import reads such a file (from Opora or another HSDS system): it is checked
against the official HSDS schemas first, then every object is created or
updated by its HSDS id in one transaction, so importing the same file again
creates nothing twice. It prints what was created and changed, the fields
Opora does not keep, and, for a refused file, every error with its place in
the file (nothing is changed then). --dry-run prints the same without
changing anything. Both act as the command line (audit rows say "system").
`

// maxResourcesFile caps an imported file (the whole region's map is a few MB).
const maxResourcesFile = 64 << 20

func cmdResources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, resourcesUsage)
		return errors.New("resources: say what to do: export or import")
	}
	sub, args := args[0], args[1:]
	if isHelp(sub) {
		fmt.Fprint(stdout, resourcesUsage+"\nRun \"opora resources export --help\" for the flags.\n")
		return flag.ErrHelp
	}
	if sub != "export" && sub != "import" {
		fmt.Fprint(stderr, resourcesUsage)
		return fmt.Errorf("resources: unknown action %q: export or import", sub)
	}
	var c config
	fs := newFlags("resources "+sub, stderr, &c)
	var territory int64
	var dryRun bool
	if sub == "export" {
		fs.Int64Var(&territory, "municipality", 0, "export only this municipality or district (territory id)")
	} else {
		fs.BoolVar(&dryRun, "dry-run", false, "only show what the import would do")
	}
	// Flags may come after the file too.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	want := map[string]int{"export": 0, "import": 1}[sub]
	if len(files) != want {
		if want == 0 {
			return fmt.Errorf("resources export: unexpected arguments: %s (the map goes to standard output)", strings.Join(files, " "))
		}
		return errors.New("resources import: name the file: opora resources import FILE")
	}
	var data []byte
	if sub == "import" {
		f, err := os.Open(files[0])
		if err != nil {
			return fmt.Errorf("resources import: %w", err)
		}
		data, err = io.ReadAll(io.LimitReader(f, maxResourcesFile+1))
		f.Close()
		if err != nil {
			return fmt.Errorf("resources import: %w", err)
		}
		if len(data) > maxResourcesFile {
			return fmt.Errorf("resources import: the file is larger than %d MB", maxResourcesFile>>20)
		}
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = opora.WithActor(ctx, opora.SystemActor(0))
	if sub == "export" {
		orgs, err := st.ExportResourcesHSDS(ctx, territory)
		if errors.Is(err, opora.ErrNotFound) {
			return fmt.Errorf("resources export: no territory with id %d", territory)
		}
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(orgs)
	}
	rep, err := st.ImportResourcesHSDS(ctx, data, !dryRun)
	if err != nil {
		return err
	}
	l := i18n.MustLoad().Localizer(i18n.Default)
	writeHSDSReport(stdout, l, rep)
	if len(rep.Problems) > 0 {
		return fmt.Errorf("resources import: the file is refused (%d errors), nothing changed", len(rep.Problems))
	}
	return nil
}

// writeHSDSReport prints an import's outcome in the catalog's language.
func writeHSDSReport(w io.Writer, l *i18n.Localizer, rep *store.HSDSImport) {
	for _, p := range rep.Problems {
		where := p.Path
		if where == "" {
			where = "—"
		}
		entity := l.T(p.EntityKey())
		if p.EntityName != "" {
			entity += " «" + p.EntityName + "»"
		}
		fmt.Fprintf(w, "%s: %s (%s): %s\n", l.T("resources.hsds.col.problem"), where, entity, p.Message(l.T))
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w, l.T("resources.hsds.refused"))
	}
	for _, c := range rep.Changes {
		what := l.T("resources.hsds.created")
		if !c.Created {
			what = l.T("resources.hsds.updated", "Fields", strings.Join(c.Fields, ", "))
		}
		fmt.Fprintf(w, "%s «%s» (%s): %s\n", l.T("hsds.entity."+c.Entity), c.Name, c.Path, what)
	}
	for _, sk := range rep.Skipped {
		fmt.Fprintf(w, "%s: %s.%s ×%d (%s): %s\n", l.T("resources.hsds.skipped"), l.T("hsds.entity."+sk.Entity), sk.Field,
			sk.Count, sk.First, l.T(sk.ReasonKey()))
	}
	if len(rep.Problems) > 0 {
		return
	}
	created, updated := rep.Total()
	unchanged := 0
	for _, n := range rep.Unchanged {
		unchanged += n
	}
	switch {
	case created == 0 && updated == 0:
		fmt.Fprintln(w, l.T("resources.hsds.nothing"))
	case rep.Applied:
		fmt.Fprintln(w, l.T("resources.hsds.done", "Created", created, "Updated", updated))
	default:
		fmt.Fprintln(w, l.T("resources.hsds.will", "Created", created, "Updated", updated, "Unchanged", unchanged))
	}
}
