package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/tabular"
)

// Import of paper cards and spreadsheets (issue 24 item 2): upload →
// mapping of columns → dry run report → import → result. The file is
// streamed to the data folder's imports/ and read row by row
// (internal/tabular); runs go in the background and the status page
// reloads itself (a Refresh header, no script) until the run ends. With a
// files key the upload is written encrypted, in the stored files' chunked
// format (files.WriteStream), and read back decrypted as a stream; it is
// removed when the import is done, and SweepImports removes what an
// abandoned or failed import left after ImportKeep.

// DefaultMaxImportBytes caps an uploaded spreadsheet when none is set.
const DefaultMaxImportBytes = 200 << 20

// importSamples is how many rows the mapping page shows as examples.
const importSamples = 3

func (s *Server) importDir() string {
	dir := s.cfg.DataDir
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "imports")
}

// importPath is where an import's file lives; the key is ours (random hex).
func (s *Server) importPath(key string) (string, error) {
	if _, err := hex.DecodeString(key); err != nil || key == "" {
		return "", opora.ErrNotFound
	}
	return filepath.Join(s.importDir(), key), nil
}

func (s *Server) importHome(w http.ResponseWriter, r *http.Request) error {
	return s.renderImportHome(w, r, http.StatusOK, newForm(nil, nil))
}

func (s *Server) renderImportHome(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	list, err := s.store.Imports(r.Context(), 20)
	if err != nil {
		return err
	}
	v := s.newView(r, "import.title")
	v.Nav = "import"
	v.Form = f
	v.Data = map[string]any{"Imports": list, "MaxMB": s.cfg.MaxImportBytes >> 20}
	return s.render(w, r, status, "import_home", v)
}

// importUpload streams the uploaded file to disk (never whole in memory),
// hashing it on the way, reads its header row and records the import.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := s.store.ImportTargets(ctx); err != nil {
		return err // the permission first, before any byte is stored
	}
	refuse := func(key string) error {
		return s.renderImportHome(w, r, http.StatusUnprocessableEntity,
			newForm(nil, &opora.Error{Code: opora.EINVALID, Message: "error.invalid", Fields: map[string]string{"file": key}}))
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return refuse("import.error.no_file")
	}
	var name, key, hash string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				return refuse("import.error.too_big")
			}
			return refuse("import.error.no_file")
		}
		if part.FormName() != "file" || part.FileName() == "" || key != "" {
			part.Close()
			continue
		}
		name = cleanImportName(part.FileName())
		key, hash, err = s.saveImportFile(part)
		part.Close()
		if err != nil {
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				return refuse("import.error.too_big")
			}
			return err
		}
	}
	if key == "" {
		return refuse("import.error.no_file")
	}
	path, _ := s.importPath(key)
	tr, err := s.openImportFile(path)
	if err != nil {
		os.Remove(path)
		switch {
		case errors.Is(err, tabular.ErrEmpty):
			return refuse("import.error.empty")
		case errors.Is(err, tabular.ErrFormat):
			return refuse("import.error.format")
		}
		return refuse("import.error.unreadable")
	}
	header := tr.Header()
	tr.Close()
	if len(header) == 0 || len(header) > 200 {
		os.Remove(path)
		return refuse("import.error.empty")
	}
	j := &store.ImportJob{FileName: name, FileHash: hash, StorageKey: key, Header: header}
	if err := s.store.CreateImport(ctx, j); err != nil {
		os.Remove(path)
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/admin/import/%d/mapping", j.ID), "")
}

// saveImportFile copies an upload into imports/ under a random name —
// encrypted when the server has a files key, durably (0600, a temporary
// file synced and renamed) — and returns the name and the SHA-256 of the
// bytes uploaded.
func (s *Server) saveImportFile(src io.Reader) (string, string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	key := hex.EncodeToString(b)
	_, sum, err := files.WriteStream(s.importDir(), key, s.files.Key(), src)
	if err != nil {
		return "", "", fmt.Errorf("web: import file: %w", err)
	}
	return key, sum, nil
}

// openImportFile reads an import's file as a table, decrypting it as it
// is read when it was stored encrypted.
func (s *Server) openImportFile(path string) (tabular.Reader, error) {
	obj, err := files.OpenStream(path, s.files.Key())
	if err != nil {
		return nil, fmt.Errorf("web: import file: %w", err)
	}
	return tabular.OpenSource(obj)
}

// cleanImportName keeps a file name fit to show: its last part, valid
// UTF-8, at most 120 characters.
func cleanImportName(n string) string {
	n = strings.ReplaceAll(n, "\\", "/")
	n = strings.ToValidUTF8(filepath.Base(n), "")
	n = strings.Map(func(r rune) rune {
		if r < 32 {
			return -1
		}
		return r
	}, n)
	if utf8.RuneCountInString(n) > 120 {
		n = string([]rune(n)[:120])
	}
	if n == "" || n == "." || n == "/" {
		n = "file"
	}
	return n
}

func (s *Server) importJob(r *http.Request) (*store.ImportJob, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Import(r.Context(), id)
}

// importColumn is a column on the mapping page: its header, examples and
// the field chosen.
type importColumn struct {
	Index   int
	Name    string // colN
	Header  string
	Samples []string
	Chosen  string
	Error   string
}

func (s *Server) importMapping(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	return s.renderImportMapping(w, r, http.StatusOK, j, nil, nil)
}

// renderImportMapping shows the columns with examples and a field to
// choose for each: the one posted, or the import's, or the one remembered
// for the header row, or the field whose name the header is.
func (s *Server) renderImportMapping(w http.ResponseWriter, r *http.Request, status int, j *store.ImportJob,
	posted []string, verr error) error {
	ctx := r.Context()
	targets, err := s.store.ImportTargets(ctx)
	if err != nil {
		return err
	}
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return err
	}
	l := s.loc(r)
	label := func(t store.ImportTarget) string {
		if t.Catalog {
			return l.T(t.Label)
		}
		return t.Label
	}
	chosen, branchID := posted, j.BranchID
	if len(chosen) == 0 {
		chosen = j.Mapping
	}
	if len(chosen) == 0 {
		saved, b, err := s.store.SavedImportMapping(ctx, j.HeaderKey)
		if err != nil {
			return err
		}
		chosen, branchID = saved, b
	}
	if posted != nil {
		branchID, _ = strconv.ParseInt(r.PostFormValue("branch_id"), 10, 64)
	}
	remembered := len(chosen) > 0 && posted == nil && len(j.Mapping) == 0
	samples, readErr := s.importSampleRows(j)
	f := newForm(nil, verr)
	cols := make([]importColumn, len(j.Header))
	for i, h := range j.Header {
		c := importColumn{Index: i, Name: "col" + strconv.Itoa(i), Header: h, Error: f.Errors["col"+strconv.Itoa(i)]}
		if c.Header == "" {
			c.Header = "#" + strconv.Itoa(i+1)
		}
		for _, row := range samples {
			if i < len(row) && row[i] != "" {
				c.Samples = append(c.Samples, row[i])
			}
		}
		if i < len(chosen) {
			c.Chosen = chosen[i]
		} else if len(chosen) == 0 {
			c.Chosen = s.guessImportTarget(targets, h)
		}
		cols[i] = c
	}
	opts := []option{{Value: "", Label: l.T("import.skip_column")}}
	for _, t := range targets {
		lab := label(t)
		if t.Required {
			lab += " *"
		}
		opts = append(opts, option{Value: t.Key, Label: lab})
	}
	var brs []option
	for _, b := range branches {
		if !b.Archived {
			brs = append(brs, option{Value: idString(b.ID), Label: b.Name})
		}
	}
	if branchID == 0 && len(brs) > 0 {
		branchID, _ = strconv.ParseInt(brs[0].Value, 10, 64)
	}
	v := s.newView(r, "import.mapping_title")
	v.Nav = "import"
	v.Form = f
	v.Data = map[string]any{"Job": j, "Columns": cols, "Targets": opts, "Branches": brs, "BranchID": idString(branchID),
		"Remembered": remembered, "ReadError": readErr != nil}
	return s.render(w, r, status, "import_mapping", v)
}

// guessImportTarget is the field whose name, in any language, the header
// is; "" when none.
func (s *Server) guessImportTarget(targets []store.ImportTarget, header string) string {
	h := importFold(header)
	for _, t := range targets {
		if !t.Catalog {
			if importFold(t.Label) == h {
				return t.Key
			}
			continue
		}
		for _, lang := range i18n.Languages {
			if importFold(s.cat.Localizer(lang).T(t.Label)) == h {
				return t.Key
			}
		}
	}
	return ""
}

// importFold compares a header with a field's name.
func importFold(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.Join(strings.Fields(s), " ")), "ё", "е")
}

// importSampleRows reads the first rows of an import's file.
func (s *Server) importSampleRows(j *store.ImportJob) ([][]string, error) {
	path, err := s.importPath(j.StorageKey)
	if err != nil {
		return nil, err
	}
	tr, err := s.openImportFile(path)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	var out [][]string
	for len(out) < importSamples {
		_, cells, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		out = append(out, cells)
	}
	return out, nil
}

// importMappingSave keeps the mapping and starts the dry run.
func (s *Server) importMappingSave(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	mapping := make([]string, len(j.Header))
	for i := range mapping {
		mapping[i] = r.PostFormValue("col" + strconv.Itoa(i))
	}
	branchID, _ := strconv.ParseInt(r.PostFormValue("branch_id"), 10, 64)
	if err := s.store.SetImportMapping(r.Context(), j.ID, mapping, branchID); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderImportMapping(w, r, http.StatusUnprocessableEntity, j, mapping, err)
		}
		return err
	}
	if err := s.startImport(r, j, true); err != nil {
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/admin/import/%d", j.ID), "")
}

// importRun starts the real import after a dry run.
func (s *Server) importRun(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	if err := s.startImport(r, j, false); err != nil {
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/admin/import/%d", j.ID), "")
}

// startImport claims the import for a run and runs it in the background,
// as the user who asked, beyond the request's end.
func (s *Server) startImport(r *http.Request, j *store.ImportJob, dry bool) error {
	ctx := context.WithoutCancel(r.Context())
	if err := s.store.StartImportRun(ctx, j.ID, dry); err != nil {
		return err
	}
	path, err := s.importPath(j.StorageKey)
	if err != nil {
		return s.store.FailImport(ctx, j.ID, "import.error.unreadable")
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		tr, err := s.openImportFile(path)
		if err != nil {
			msg := "import.error.unreadable"
			if errors.Is(err, os.ErrNotExist) {
				msg = "import.error.file_gone" // swept after ImportKeep, or done already
			}
			if ferr := s.store.FailImport(ctx, j.ID, msg); ferr != nil {
				s.log.Error("import", "import_id", j.ID, "err", ferr)
			}
			return
		}
		_, err = s.store.RunImport(ctx, j.ID, tr)
		tr.Close()
		if err != nil {
			s.log.Error("import", "import_id", j.ID, "err", err) // ids only: no personal data in logs
			return
		}
		if !dry {
			if err := os.Remove(path); err != nil {
				s.log.Error("import file", "import_id", j.ID, "err", err)
			}
		}
	}()
	return nil
}

// ImportKeep is how long the file of an import that is never finished
// (uploaded, mapped, checked or failed, and then left) is kept after the
// import last changed; SweepImports removes it then. A finished import's
// file is removed as soon as the import is done.
const ImportKeep = 7 * 24 * time.Hour

// importOrphanAge is how old a file no import names (an upload whose row
// never committed) or a temporary file of an unfinished upload must be
// before the sweep removes it: a younger one may be an upload in progress.
const importOrphanAge = 24 * time.Hour

// SweepImports removes from the imports folder, as of now: the file of an
// import that is done (its removal after the run failed), the file of an
// import not changed for ImportKeep, and, older than importOrphanAge, a
// file no import names and the temporary files of unfinished uploads.
// Anything else in the folder (the archived audit logs of `opora org
// import`) is not its business. It returns how many files went.
func (s *Server) SweepImports(ctx context.Context, now time.Time) (int, error) {
	known, err := s.store.ImportFiles(ctx) // before the listing: a row committed meanwhile names a young file
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir(s.importDir())
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("web: sweep imports: %w", err)
	}
	removed := 0
	for _, e := range entries {
		if ctx.Err() != nil {
			return removed, ctx.Err()
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		name := e.Name()
		old := info.ModTime().Before(now.Add(-importOrphanAge))
		j, named := known[name]
		_, hexErr := hex.DecodeString(name)
		var gone bool
		switch {
		case strings.HasPrefix(name, ".upload-"):
			gone = old
		case hexErr != nil || len(name) != 32:
			continue // not an upload's
		case !named:
			gone = old
		case j.Status == store.ImportDone:
			gone = true
		default:
			gone = j.UpdatedAt.Before(now.Add(-ImportKeep))
		}
		if !gone {
			continue
		}
		if err := os.Remove(filepath.Join(s.importDir(), name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("web: sweep imports: %w", err)
		}
		removed++
	}
	return removed, nil
}

// WaitJobs waits for the background runs (imports) to end.
func (s *Server) WaitJobs() { s.jobs.Wait() }

// importStatus shows a run's progress (reloading itself while it runs) or
// its report: counts, row errors and likely duplicates.
func (s *Server) importStatus(w http.ResponseWriter, r *http.Request) error {
	j, err := s.importJob(r)
	if err != nil {
		return err
	}
	var errs, dups []store.ImportProblem
	if j.Running() {
		w.Header().Set("Refresh", "2")
	} else {
		ps, err := s.store.ImportProblems(r.Context(), j.ID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.ClientID != 0 || p.Message == "import.duplicate" {
				dups = append(dups, p)
			} else {
				errs = append(errs, p)
			}
		}
	}
	v := s.newView(r, "import.report_title")
	v.Nav = "import"
	v.Data = map[string]any{"Job": j, "Errors": errs, "Duplicates": dups}
	return s.render(w, r, http.StatusOK, "import_report", v)
}
