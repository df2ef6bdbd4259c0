// Package mksimport moves an organisation in from МКС, the case-management
// system Ночлежка used before Opora (PHP/Symfony/Doctrine on MySQL; schema
// in testdata/mks). Import reads an МКС database of the supported version
// and writes its records into one Opora organisation through the ordinary
// store methods, one transaction per batch of records of one kind; the
// store's import_map remembers which МКС id became which Opora id, so a
// re-run (after a failure, or to bring over what was added since) creates
// nothing twice. What cannot be mapped — a dictionary value with no Opora
// counterpart, a record with nothing to hang on — is counted in the Report
// with example МКС ids, never with names or other personal data.
package mksimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Source is the import source name in import_map and in the audit log.
const Source = "mks"

// SupportedVersion is the last Doctrine migration of the МКС release the
// importer reads (v2.20); Check refuses a database at any other.
const SupportedVersion = "Version20250827101348"

// SupportedRelease names it for people.
const SupportedRelease = "МКС v2.20"

// BatchSize is how many records of one kind go into one transaction.
const BatchSize = 200

// ErrVersion is returned (wrapped) for a database of another МКС version.
var ErrVersion = errors.New("mksimport: unsupported МКС version")

// Check reads the МКС database's Doctrine migration table and returns its
// version, or an error that says which version was found and which is
// supported.
func Check(ctx context.Context, db *sql.DB) (string, error) {
	if err := db.PingContext(ctx); err != nil {
		return "", fmt.Errorf("mksimport: cannot reach the МКС database: %w", err)
	}
	var v sql.NullString
	err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM doctrine_migration_versions`).Scan(&v)
	if err != nil {
		// Doctrine Migrations 1.x/2.x kept the table under its old name.
		if err2 := db.QueryRowContext(ctx, `SELECT MAX(version) FROM migration_versions`).Scan(&v); err2 != nil {
			return "", fmt.Errorf("%w: no Doctrine migration table (doctrine_migration_versions or migration_versions) — is this an МКС database? %s supports %s (%s)",
				ErrVersion, "opora import mks", SupportedVersion, SupportedRelease)
		}
	}
	found := v.String
	if i := strings.LastIndex(found, `\`); i >= 0 {
		found = found[i+1:]
	}
	if found != "" && !strings.HasPrefix(found, "Version") {
		found = "Version" + found
	}
	if found != SupportedVersion {
		if found == "" {
			found = "(no migrations recorded)"
		}
		return found, fmt.Errorf("%w: the database is at migration %s; this importer supports %s (%s) — upgrade МКС to %s first, or use the Opora release that supports yours",
			ErrVersion, found, SupportedVersion, SupportedRelease, SupportedRelease)
	}
	return found, nil
}

// Options says where the records go.
type Options struct {
	// BranchID is the Opora branch the clients are placed in.
	BranchID int64
	// FilesDir is МКС's upload folder and Files the Opora file storage the
	// scans found there are stored in; without both, scans are reported
	// as not imported.
	FilesDir string
	Files    *files.Storage
	// Progress, when set, is told after each batch (kind, records so far).
	Progress func(kind string, done int)
}

// Report is what an import did: per kind the records imported now, those
// already imported by an earlier run, and those skipped; and every value
// that could not be mapped.
type Report struct {
	Version  string
	Kinds    []string // in import order
	Imported map[string]int
	Already  map[string]int
	Skipped  map[string]int
	Unmapped []*Unmapped
}

// Unmapped is one МКС value (a dictionary entry, or a reason) with no Opora
// counterpart: how many records carry it and a few of their МКС ids.
type Unmapped struct {
	Kind     string // the kind of record skipped or imported without it
	What     string // e.g. "service_type"
	Value    string // the dictionary value's name (never personal data)
	Count    int
	Examples []int64 // МКС ids of records
}

func newReport() *Report {
	return &Report{Imported: map[string]int{}, Already: map[string]int{}, Skipped: map[string]int{}}
}

func (r *Report) unmapped(kind, what, value string, extID int64) {
	for _, u := range r.Unmapped {
		if u.Kind == kind && u.What == what && u.Value == value {
			u.Count++
			if len(u.Examples) < 5 {
				u.Examples = append(u.Examples, extID)
			}
			return
		}
	}
	r.Unmapped = append(r.Unmapped, &Unmapped{Kind: kind, What: what, Value: value, Count: 1, Examples: []int64{extID}})
}

func (r *Report) skip(kind, what, value string, extID int64) {
	r.Skipped[kind]++
	r.unmapped(kind, what, value, extID)
}

// String is the report as the command prints it: no personal data.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "МКС database at %s\n", r.Version)
	fmt.Fprintf(&b, "%-16s %9s %9s %9s\n", "kind", "imported", "already", "skipped")
	for _, k := range r.Kinds {
		fmt.Fprintf(&b, "%-16s %9d %9d %9d\n", k, r.Imported[k], r.Already[k], r.Skipped[k])
	}
	if len(r.Unmapped) == 0 {
		b.WriteString("everything mapped\n")
		return b.String()
	}
	sort.SliceStable(r.Unmapped, func(i, j int) bool {
		if r.Unmapped[i].Kind != r.Unmapped[j].Kind {
			return r.Unmapped[i].Kind < r.Unmapped[j].Kind
		}
		return r.Unmapped[i].Count > r.Unmapped[j].Count
	})
	b.WriteString("not mapped:\n")
	for _, u := range r.Unmapped {
		ids := make([]string, len(u.Examples))
		for i, id := range u.Examples {
			ids[i] = fmt.Sprint(id)
		}
		fmt.Fprintf(&b, "  %s: %s %q — %d record(s), e.g. МКС ids %s\n", u.Kind, u.What, u.Value, u.Count, strings.Join(ids, ", "))
	}
	return b.String()
}

// importer holds one run's state.
type importer struct {
	st  *store.Store
	db  *sql.DB
	opt Options
	rep *Report
	ids map[string]map[int64]int64 // kind → МКС id → Opora id
	// afterBatch, when set, is told whether a batch committed.
	afterBatch func(ok bool)
	active     map[int64]int64 // МКС user id → active Opora account, 0 if none
}

// activeUser returns the Opora account an МКС user became, if it is not
// disabled, else 0.
func (im *importer) activeUser(ctx context.Context, mksID sql.NullInt64) int64 {
	if !mksID.Valid {
		return 0
	}
	if id, ok := im.active[mksID.Int64]; ok {
		return id
	}
	id := im.ids["user"][mksID.Int64]
	if id != 0 {
		if u, err := im.st.User(ctx, id); err != nil || u.Disabled {
			id = 0
		}
	}
	if im.active == nil {
		im.active = map[int64]int64{}
	}
	im.active[mksID.Int64] = id
	return id
}

// Import checks the МКС database's version and imports everything into the
// actor's organisation (ctx carries an administrator of it). On an error
// the batches committed before it stay, and a re-run carries on.
func Import(ctx context.Context, st *store.Store, db *sql.DB, opt Options) (*Report, error) {
	rep := newReport()
	v, err := Check(ctx, db)
	rep.Version = v
	if err != nil {
		return rep, err
	}
	ctx = opora.WithImport(ctx, Source)
	im := &importer{st: st, db: db, opt: opt, rep: rep, ids: map[string]map[int64]int64{}}
	steps := []struct {
		kind string
		fn   func(context.Context) error
	}{
		{"user", im.users},
		{"client", im.clients},
		{"questionnaire", im.answers},
		{"note", im.notes},
		{"service", im.services},
		{"document", im.documents},
		{"case", im.plans},
		{"stay", im.stays},
		{"reminder", im.reminders},
		{"file", im.files},
	}
	for _, s := range steps {
		rep.Kinds = append(rep.Kinds, s.kind)
		m, err := st.ImportedIDs(ctx, s.kind)
		if err != nil {
			return rep, err
		}
		im.ids[s.kind] = m
		if err := s.fn(ctx); err != nil {
			return rep, fmt.Errorf("mksimport: %s: %w", s.kind, err)
		}
	}
	return rep, nil
}

// batch runs the records' writes in batches of BatchSize, one transaction
// each; write returns the Opora id of the record it created, or 0 when it
// skipped it.
func batch[T any](ctx context.Context, im *importer, kind string, recs []T, extID func(T) int64,
	write func(ctx context.Context, r T) (int64, error)) error {
	done := im.ids[kind]
	var todo []T
	for _, r := range recs {
		if _, ok := done[extID(r)]; ok {
			im.rep.Already[kind]++
			continue
		}
		todo = append(todo, r)
	}
	for start := 0; start < len(todo); start += BatchSize {
		part := todo[start:min(start+BatchSize, len(todo))]
		added := map[int64]int64{}
		err := im.st.ImportTx(ctx, func(ctx context.Context) error {
			for _, r := range part {
				id, err := write(ctx, r)
				if err != nil {
					return fmt.Errorf("МКС %s %d: %w", kind, extID(r), err)
				}
				if id == 0 {
					continue // counted by write through rep.skip
				}
				if err := im.st.MapImported(ctx, kind, extID(r), id); err != nil {
					return err
				}
				added[extID(r)] = id
			}
			return nil
		})
		if im.afterBatch != nil {
			im.afterBatch(err == nil)
		}
		if err != nil {
			return err
		}
		for k, v := range added {
			done[k] = v
		}
		im.rep.Imported[kind] += len(added)
		if im.opt.Progress != nil {
			im.opt.Progress(kind, start+len(part))
		}
	}
	return nil
}

func dateOf(t sql.NullTime) opora.Date {
	if !t.Valid {
		return opora.Date{}
	}
	return opora.DateOf(t.Time)
}

func clean(s sql.NullString) string { return strings.TrimSpace(s.String) }

// key is a dictionary value as compared across the systems.
func key(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "ё", "е")), " "))
}
