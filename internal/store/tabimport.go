package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Import of paper cards and spreadsheets (issue 24 item 2). An
// administrator uploads a file (imports), maps its columns to the
// client's own fields and the fields of the organisation's questionnaire
// (import_mappings remembers the choice per header row), runs it dry (every
// row's errors and likely duplicates, nothing written) and then for real:
// one transaction per ImportBatch rows. Each imported row leaves a hash of
// its cells in import_rows, so the same row again — the same file run
// twice, or the row in a later file — creates nothing and is counted
// "already imported". Reading the file is internal/tabular's; the store
// takes rows from an ImportSource.

// ImportBatch is how many rows one transaction of an import writes.
const ImportBatch = 500

// maxImportProblems caps the problems a run keeps for its report; the
// counts stay exact.
const maxImportProblems = 2000

// Import statuses.
const (
	ImportUploaded  = "uploaded"
	ImportChecking  = "checking"
	ImportChecked   = "checked"
	ImportImporting = "importing"
	ImportDone      = "done"
	ImportFailed    = "failed"
)

// ImportTarget is a field a column can fill: a client's own field (Key
// "surname", …; Label a catalog key) or a questionnaire field (Key
// "f<id>", Label the field's label).
type ImportTarget struct {
	Key      string
	Label    string
	Catalog  bool
	Required bool
	Field    *opora.FormField // a questionnaire field
}

// importProfileTargets are the client's own fields an import fills.
var importProfileTargets = []string{"surname", "first_name", "patronymic", "birth_date", "gender", "birth_place"}

// ImportJob is an uploaded file and the state of its last run.
type ImportJob struct {
	ID             int64
	OrganisationID int64
	FileName       string
	FileHash       string
	StorageKey     string
	Header         []string
	HeaderKey      string
	Mapping        []string // a target key per column, "" for a column left out
	BranchID       int64
	Status         string
	Dry            bool // the last run was a dry one
	Progress       int  // percent of the file read
	RowsDone       int
	Created        int // created (or, dry, would be)
	Already        int
	ErrorRows      int
	Duplicates     int
	Failure        string // a catalog key when the run failed
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ImportStale is how long a run may go without progress before it counts
// as interrupted (the server stopped during it): it may then run again.
const ImportStale = 5 * time.Minute

// Running reports whether a run is under way.
func (j *ImportJob) Running() bool { return j.Status == ImportChecking || j.Status == ImportImporting }

// ImportProblem is one row's error in one column (Message a catalog key),
// or, with ClientID, an existing client the row may duplicate.
type ImportProblem struct {
	Row        int
	Column     string
	Message    string
	ClientID   int64
	ClientName string
}

// ImportReport is what a run found and did.
type ImportReport struct {
	Rows, Created, Already, ErrorRows, Duplicates int
	Problems                                      []ImportProblem // at most maxImportProblems
}

// ImportSource gives a file's data rows (after the header) with their row
// numbers in the file; io.EOF at the end. Progress is the share read.
type ImportSource interface {
	Next() (int, []string, error)
	Progress() float64
}

// HeaderKey identifies a header row for remembering its mapping: the
// cells, trimmed and lower-cased.
func HeaderKey(header []string) string {
	h := sha256.New()
	for _, c := range header {
		h.Write([]byte(strings.ToLower(strings.Join(strings.Fields(c), " "))))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// importRowKey is a row's identity across files: its cells normalised
// (spaces, letter case; trailing empty cells do not count).
func importRowKey(cells []string) string {
	h := sha256.New()
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n--
	}
	for _, c := range cells[:n] {
		h.Write([]byte(strings.ToLower(strings.Join(strings.Fields(c), " "))))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func requireImport(a *opora.Actor) error {
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	return a.Require(opora.PermClientWrite)
}

// ImportTargets lists the fields columns can fill: the client's own, then
// the questionnaire's enabled ordinary fields (sensitive answers need a
// consent an import cannot show; files cannot come from a cell). Needs
// admin.org and client.write.
func (s *Store) ImportTargets(ctx context.Context) ([]ImportTarget, error) {
	a := opora.ActorFrom(ctx)
	if err := requireImport(a); err != nil {
		return nil, err
	}
	f, err := s.importForm(ctx, s.r, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	return importTargets(f), nil
}

func (s *Store) importForm(ctx context.Context, q queryer, orgID int64) (*opora.Form, error) {
	formID, err := s.profileFormID(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return s.clientForm(ctx, q, orgID, formID)
}

func importTargets(f *opora.Form) []ImportTarget {
	var out []ImportTarget
	for _, k := range importProfileTargets {
		out = append(out, ImportTarget{Key: k, Label: "clients.field." + k, Catalog: true, Required: k == "surname"})
	}
	for _, x := range f.Fields() {
		if x.Disabled || x.Sensitivity != opora.Ordinary || x.Type == opora.FieldFile {
			continue
		}
		out = append(out, ImportTarget{Key: fieldName(x.ID), Label: x.Label, Required: x.Required, Field: x})
	}
	return out
}

// CreateImport records an uploaded file (its bytes already stored under
// j.StorageKey). Needs admin.org and client.write.
func (s *Store) CreateImport(ctx context.Context, j *ImportJob) error {
	a := opora.ActorFrom(ctx)
	if err := requireImport(a); err != nil {
		return err
	}
	now := s.Now()
	j.OrganisationID, j.CreatedBy, j.CreatedAt, j.UpdatedAt, j.Status = a.OrganisationID, a.UserID, now, now, ImportUploaded
	j.HeaderKey = HeaderKey(j.Header)
	header, _ := json.Marshal(j.Header)
	return s.tx(ctx, func(tx *sql.Tx) error {
		id, err := insertID(ctx, tx, `INSERT INTO imports (organisation_id, file_name, file_hash, storage_key, header, header_key,
			status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			j.OrganisationID, j.FileName, j.FileHash, j.StorageKey, string(header), j.HeaderKey, j.Status, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create import: %w", err)
		}
		j.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "import", EntityID: id,
			Changes: []opora.Change{{Field: "file", New: j.FileName}}})
	})
}

const importColumns = `id, organisation_id, file_name, file_hash, storage_key, header, header_key, mapping, COALESCE(branch_id, 0),
	status, dry, progress, rows_done, created, already, error_rows, duplicates, failure, COALESCE(created_by, 0), created_at, updated_at`

func scanImport(row interface{ Scan(...any) error }) (*ImportJob, error) {
	j := &ImportJob{}
	var header, mapping string
	if err := row.Scan(&j.ID, &j.OrganisationID, &j.FileName, &j.FileHash, &j.StorageKey, &header, &j.HeaderKey, &mapping,
		&j.BranchID, &j.Status, &j.Dry, &j.Progress, &j.RowsDone, &j.Created, &j.Already, &j.ErrorRows, &j.Duplicates,
		&j.Failure, &j.CreatedBy, &j.CreatedAt, &j.UpdatedAt); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(header), &j.Header)
	_ = json.Unmarshal([]byte(mapping), &j.Mapping)
	return j, nil
}

// Import reads one of the organisation's imports.
func (s *Store) Import(ctx context.Context, id int64) (*ImportJob, error) {
	a := opora.ActorFrom(ctx)
	if err := requireImport(a); err != nil {
		return nil, err
	}
	j, err := scanImport(s.r.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE id = $1 AND organisation_id = $2`,
		id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	if j.Running() && j.UpdatedAt.Before(s.Now().Add(-ImportStale)) {
		j.Status, j.Failure = ImportFailed, "import.error.interrupted"
	}
	return j, nil
}

// ImportFile is what the sweep of the imports folder needs to know about
// an import's file.
type ImportFile struct {
	Status    string
	UpdatedAt time.Time
}

// ImportFiles maps every import's storage key, in all organisations, to
// its status and last change: the instance's sweep of the imports folder
// (web.SweepImports), which acts for no one and reads no personal data.
func (s *Store) ImportFiles(ctx context.Context) (map[string]ImportFile, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT storage_key, status, updated_at FROM imports WHERE storage_key <> ''`)
	if err != nil {
		return nil, fmt.Errorf("store: import files: %w", err)
	}
	defer rows.Close()
	out := map[string]ImportFile{}
	for rows.Next() {
		var k string
		var f ImportFile
		if err := rows.Scan(&k, &f.Status, &f.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: import files: %w", err)
		}
		f.UpdatedAt = f.UpdatedAt.UTC()
		out[k] = f
	}
	return out, rows.Err()
}

// Imports lists the organisation's latest imports, newest first.
func (s *Store) Imports(ctx context.Context, limit int) ([]*ImportJob, error) {
	a := opora.ActorFrom(ctx)
	if err := requireImport(a); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+importColumns+` FROM imports WHERE organisation_id = $1 ORDER BY id DESC LIMIT $2`,
		a.OrganisationID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: imports: %w", err)
	}
	defer rows.Close()
	var out []*ImportJob
	for rows.Next() {
		j, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("store: imports: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// ImportProblems lists the last run's problems of an import in row order:
// errors, then likely duplicates with the existing client's name.
func (s *Store) ImportProblems(ctx context.Context, id int64) ([]ImportProblem, error) {
	j, err := s.Import(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT p.row_no, p.col, p.message, COALESCE(p.client_id, 0),
		COALESCE(c.surname, ''), COALESCE(c.first_name, ''), COALESCE(c.patronymic, '')
		FROM import_problems p LEFT JOIN clients c ON c.id = p.client_id AND c.organisation_id = $2
		WHERE p.import_id = $1 ORDER BY p.id`, j.ID, j.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: import problems: %w", err)
	}
	defer rows.Close()
	var out []ImportProblem
	for rows.Next() {
		var p ImportProblem
		var c opora.Client
		if err := rows.Scan(&p.Row, &p.Column, &p.Message, &p.ClientID, &c.Surname, &c.FirstName, &c.Patronymic); err != nil {
			return nil, fmt.Errorf("store: import problems: %w", err)
		}
		p.ClientName = c.FullName()
		out = append(out, p)
	}
	return out, rows.Err()
}

// SavedImportMapping returns the mapping the organisation last chose for
// a header row (by HeaderKey) and its branch; nil when there is none.
func (s *Store) SavedImportMapping(ctx context.Context, headerKey string) ([]string, int64, error) {
	a := opora.ActorFrom(ctx)
	if err := requireImport(a); err != nil {
		return nil, 0, err
	}
	var mapping string
	var branch sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT mapping, branch_id FROM import_mappings WHERE organisation_id = $1 AND header_key = $2`,
		a.OrganisationID, headerKey).Scan(&mapping, &branch)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: import mapping: %w", err)
	}
	var m []string
	_ = json.Unmarshal([]byte(mapping), &m)
	return m, branch.Int64, nil
}

// SetImportMapping checks and keeps an import's mapping (a target key per
// column) and the branch its clients go to, and remembers both for the
// header row. Errors are keyed "col<i>" per column, "mapping" and
// "branch_id".
func (s *Store) SetImportMapping(ctx context.Context, id int64, mapping []string, branchID int64) error {
	a := opora.ActorFrom(ctx)
	j, err := s.Import(ctx, id)
	if err != nil {
		return err
	}
	if j.Running() {
		return &opora.Error{Code: opora.ECONFLICT, Message: "import.error.busy"}
	}
	targets, err := s.ImportTargets(ctx)
	if err != nil {
		return err
	}
	var v opora.Validation
	if len(mapping) != len(j.Header) {
		v.Add("mapping", "error.invalid")
	}
	used := map[string]bool{}
	for i, k := range mapping {
		if k == "" {
			continue
		}
		if !slices.ContainsFunc(targets, func(t ImportTarget) bool { return t.Key == k }) {
			v.Add("col"+strconv.Itoa(i), "error.invalid_choice")
		} else if used[k] {
			v.Add("col"+strconv.Itoa(i), "import.error.twice")
		}
		used[k] = true
	}
	if !used["surname"] {
		v.Add("mapping", "import.error.no_surname")
	}
	if err := s.checkClientBranch(ctx, s.r, a, branchID); err != nil {
		if fe := opora.FieldErrors(err); fe != nil {
			v.Add("branch_id", fe["branch_id"])
		} else {
			return err
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	b, _ := json.Marshal(mapping)
	now := s.Now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET mapping = $1, branch_id = $2, updated_at = $3 WHERE id = $4`,
			string(b), branchID, now, j.ID); err != nil {
			return fmt.Errorf("store: import mapping: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_mappings (organisation_id, header_key, mapping, branch_id, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id, header_key) DO UPDATE
			SET mapping = excluded.mapping, branch_id = excluded.branch_id, updated_at = excluded.updated_at`,
			a.OrganisationID, j.HeaderKey, string(b), branchID, now); err != nil {
			return fmt.Errorf("store: import mapping: %w", err)
		}
		return nil
	})
}

// StartImportRun claims an import for a run (dry or real): it must be
// mapped and not running or done. The caller then reads the file into
// RunImport.
func (s *Store) StartImportRun(ctx context.Context, id int64, dry bool) error {
	j, err := s.Import(ctx, id)
	if err != nil {
		return err
	}
	if len(j.Mapping) == 0 {
		return &opora.Error{Code: opora.EINVALID, Message: "import.error.not_mapped"}
	}
	status := ImportImporting
	if dry {
		status = ImportChecking
	}
	res, err := s.w.ExecContext(ctx, `UPDATE imports SET status = $1, dry = $2, progress = 0, rows_done = 0, created = 0,
		already = 0, error_rows = 0, duplicates = 0, failure = '', updated_at = $3
		WHERE id = $4 AND (status IN ('uploaded', 'checked', 'failed')
			OR (status IN ('checking', 'importing') AND updated_at < $5))`, status, dry, s.Now(), j.ID, s.Now().Add(-ImportStale))
	if err != nil {
		return fmt.Errorf("store: start import: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &opora.Error{Code: opora.ECONFLICT, Message: "import.error.busy"}
	}
	return nil
}

// FailImport ends a claimed run that could not read its file.
func (s *Store) FailImport(ctx context.Context, id int64, key string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE imports SET status = 'failed', failure = $1, updated_at = $2 WHERE id = $3
		AND organisation_id = $4`, key, s.Now(), id, opora.ActorFrom(ctx).OrganisationID)
	return err
}

// importRow is a row checked and ready to write.
type importRow struct {
	no   int
	key  string
	c    *opora.Client
	plan *answerPlan
}

// RunImport runs a claimed import (StartImportRun) over the file's rows:
// dry, it checks every row and looks for likely duplicates; for real, it
// writes the good rows ImportBatch at a time, each batch in one
// transaction. A row with an error is reported (row number, column,
// message) and left out; a row imported before is counted in Already. A
// dry run and a real run of the same file agree on every count but
// Duplicates, which only a dry run looks for.
func (s *Store) RunImport(ctx context.Context, id int64, src ImportSource) (*ImportReport, error) {
	rep, err := s.runImport(ctx, id, src)
	if err != nil {
		if ferr := s.FailImport(ctx, id, "import.error.failed"); ferr != nil {
			return rep, errors.Join(err, ferr)
		}
	}
	return rep, err
}

func (s *Store) runImport(ctx context.Context, id int64, src ImportSource) (*ImportReport, error) {
	a := opora.ActorFrom(ctx)
	j, err := s.Import(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.Running() {
		return nil, &opora.Error{Code: opora.ECONFLICT, Message: "import.error.busy"}
	}
	dry := j.Status == ImportChecking
	f, err := s.importForm(ctx, s.r, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	targets := map[string]ImportTarget{}
	for _, t := range importTargets(f) {
		targets[t.Key] = t
	}
	rep := &ImportReport{}
	problem := func(p ImportProblem) {
		if len(rep.Problems) < maxImportProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
	// The rows seen earlier in the file, by the first 16 bytes of their
	// key: about 30 bytes a row, the only memory that grows with the file.
	seen := map[[16]byte]bool{}
	var batch []importRow
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		done, err := s.writeImportBatch(ctx, j, f, batch)
		if err != nil {
			return err
		}
		rep.Created += done
		rep.Already += len(batch) - done
		batch = batch[:0]
		return s.importProgress(ctx, j.ID, src, rep)
	}
	for {
		no, cells, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		if blankRow(cells) {
			continue
		}
		rep.Rows++
		key := importRowKey(cells)
		var short [16]byte
		_, _ = hex.Decode(short[:], []byte(key[:32]))
		if seen[short] {
			rep.Already++
			continue
		}
		seen[short] = true
		var done int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM import_rows WHERE organisation_id = $1 AND row_key = $2`,
			a.OrganisationID, key).Scan(&done); err != nil {
			return rep, fmt.Errorf("store: import row: %w", err)
		}
		if done > 0 {
			rep.Already++
			continue
		}
		row, probs, err := s.checkImportRow(ctx, j, f, targets, no, cells)
		if err != nil {
			return rep, err
		}
		if len(probs) > 0 {
			rep.ErrorRows++
			for _, p := range probs {
				problem(p)
			}
			continue
		}
		row.key = key
		if dry {
			rep.Created++
			dups, err := s.LikelyDuplicates(ctx, row.c)
			if err != nil {
				return rep, err
			}
			if len(dups) > 0 {
				rep.Duplicates++
				for _, d := range dups {
					problem(ImportProblem{Row: no, Message: "import.duplicate", ClientID: d.ID, ClientName: d.FullName()})
				}
			}
			if rep.Rows%ImportBatch == 0 {
				if err := s.importProgress(ctx, j.ID, src, rep); err != nil {
					return rep, err
				}
			}
			continue
		}
		batch = append(batch, row)
		if len(batch) >= ImportBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	return rep, s.finishImport(ctx, j, dry, rep)
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// checkImportRow reads a row into a client and a plan of its answers, or
// the row's problems.
func (s *Store) checkImportRow(ctx context.Context, j *ImportJob, f *opora.Form, targets map[string]ImportTarget,
	no int, cells []string) (importRow, []ImportProblem, error) {
	c := &opora.Client{BranchID: j.BranchID}
	raw := map[int64][]string{}
	colOf := map[string]string{} // target key → column header
	var probs []ImportProblem
	bad := func(col int, key string) {
		probs = append(probs, ImportProblem{Row: no, Column: headerName(j.Header, col), Message: importMessage(key)})
	}
	today := s.Today()
	for i, k := range j.Mapping {
		if k == "" {
			continue
		}
		colOf[k] = headerName(j.Header, i)
		cell := ""
		if i < len(cells) {
			cell = cells[i]
		}
		switch k {
		case "surname":
			c.Surname = cell
		case "first_name":
			c.FirstName = cell
		case "patronymic":
			c.Patronymic = cell
		case "birth_place":
			c.BirthPlace = cell
		case "gender":
			g, ok := importGender(cell)
			if !ok {
				bad(i, "import.error.unknown_value")
			}
			c.Gender = g
		case "birth_date":
			if cell == "" {
				continue
			}
			if d, ok := importDate(cell); ok {
				c.BirthPrecision, c.BirthDate = opora.BirthExact, d
			} else if y, err := strconv.Atoi(cell); err == nil && y > 1800 && y <= today.Year() {
				c.BirthPrecision, c.BirthYear = opora.BirthYear, y
			} else {
				bad(i, "import.error.date")
			}
		default:
			t, ok := targets[k]
			if !ok {
				continue
			}
			vals, ok := importAnswer(t.Field, cell)
			if !ok {
				bad(i, "import.error.unknown_value")
				continue
			}
			raw[t.Field.ID] = vals
		}
	}
	c.Normalize()
	for field, key := range opora.FieldErrors(c.Validate(s.Now())) {
		if field == "birth_year" {
			field = "birth_date"
		}
		probs = append(probs, ImportProblem{Row: no, Column: columnOr(colOf, field, "clients.field."+field), Message: importMessage(key)})
	}
	if len(probs) > 0 {
		return importRow{}, probs, nil
	}
	plan, err := s.planAnswers(ctx, s.r, c, f, map[int64]*opora.Answer{}, raw)
	if fe := opora.FieldErrors(err); fe != nil {
		for field, key := range fe {
			col := field
			if id, perr := strconv.ParseInt(strings.TrimPrefix(field, "f"), 10, 64); perr == nil {
				if x := f.Field(id); x != nil {
					col = columnOr(colOf, field, x.Label)
				}
			}
			probs = append(probs, ImportProblem{Row: no, Column: col, Message: importMessage(key)})
		}
		slices.SortFunc(probs, func(a, b ImportProblem) int { return strings.Compare(a.Column, b.Column) })
		return importRow{}, probs, nil
	}
	if err != nil {
		return importRow{}, nil, err
	}
	return importRow{no: no, c: c, plan: plan}, nil, nil
}

func headerName(header []string, i int) string {
	if i < len(header) && header[i] != "" {
		return header[i]
	}
	return "#" + strconv.Itoa(i+1)
}

// columnOr is the column mapped to a target, or (for a target no column
// fills) the target's own name.
func columnOr(colOf map[string]string, key, name string) string {
	if c, ok := colOf[key]; ok {
		return c
	}
	return name
}

// importMessage turns a form's message into the import report's.
func importMessage(key string) string {
	switch key {
	case "error.date", "questionnaire.error.month":
		return "import.error.date"
	case "error.invalid_choice":
		return "import.error.unknown_value"
	case "error.required":
		return "import.error.required"
	case "questionnaire.error.number":
		return "import.error.number"
	}
	return key
}

// importFold is a cell compared with a dictionary's words.
func importFold(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.Join(strings.Fields(s), " ")), "ё", "е")
}

func importGender(cell string) (opora.Gender, bool) {
	switch importFold(cell) {
	case "":
		return "", true
	case "м", "м.", "муж", "муж.", "мужской", "мужчина", "male", "m":
		return opora.GenderMale, true
	case "ж", "ж.", "жен", "жен.", "женский", "женщина", "female", "f":
		return opora.GenderFemale, true
	}
	return "", false
}

// importDate reads a date as people type it (01.02.1975, 1.2.1975,
// 1975-02-01, 01/02/1975) or as a spreadsheet stores it (a day number).
func importDate(cell string) (opora.Date, bool) {
	if d, ok := opora.ParseDate(strings.ReplaceAll(cell, "/", ".")); ok {
		return d, true
	}
	if len(cell) >= 5 && !strings.ContainsAny(cell, ".-/") {
		if y, m, d, ok := excelDay(cell); ok {
			return opora.DateOf(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)), true
		}
	}
	return opora.Date{}, false
}

// excelDay converts a spreadsheet's day number (days since 30.12.1899).
func excelDay(s string) (y, m, d int, ok bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > 100000 {
		return 0, 0, 0, false
	}
	t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f))
	return t.Year(), int(t.Month()), t.Day(), true
}

// importAnswer turns a cell into a questionnaire field's posted values:
// a dictionary's word into its option id, "да"/"нет" into yes/no, a day
// number into a date. false when a word is not in the dictionary.
func importAnswer(x *opora.FormField, cell string) ([]string, bool) {
	if cell == "" {
		return nil, true
	}
	switch x.Type {
	case opora.FieldChoice, opora.FieldMultiChoice:
		words := []string{cell}
		if x.Type == opora.FieldMultiChoice {
			words = strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ',' || r == '\n' })
		}
		var out []string
		for _, w := range words {
			if importFold(w) == "" {
				continue
			}
			i := slices.IndexFunc(x.Options, func(o *opora.FieldOption) bool { return !o.Disabled && importFold(o.Label) == importFold(w) })
			if i < 0 {
				return nil, false
			}
			out = append(out, strconv.FormatInt(x.Options[i].ID, 10))
		}
		return out, true
	case opora.FieldYesNo:
		switch importFold(cell) {
		case "да", "yes", "1", "+", "true", "истина":
			return []string{opora.YesNoYes}, true
		case "нет", "no", "0", "-", "false", "ложь":
			return []string{opora.YesNoNo}, true
		}
		return nil, false
	case opora.FieldDate:
		if d, ok := importDate(cell); ok {
			return []string{d.String()}, true
		}
	case opora.FieldMonth:
		if d, ok := importDate(cell); ok && !strings.Contains(cell, ".") {
			return []string{fmt.Sprintf("%02d.%d", d.Month(), d.Year())}, true
		}
	}
	return []string{cell}, true
}

// writeImportBatch writes a batch of checked rows in one transaction and
// returns how many it created: a row whose key another run wrote
// meanwhile is skipped. Anything failing rolls the whole batch back.
func (s *Store) writeImportBatch(ctx context.Context, j *ImportJob, f *opora.Form, batch []importRow) (int, error) {
	a := opora.ActorFrom(ctx)
	created := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		created = 0
		for _, row := range batch {
			res, err := tx.ExecContext(ctx, `INSERT INTO import_rows (organisation_id, row_key, import_id) VALUES ($1, $2, $3)
				ON CONFLICT (organisation_id, row_key) DO NOTHING`, a.OrganisationID, row.key, j.ID)
			if err != nil {
				return fmt.Errorf("store: import row: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			c := *row.c
			if err := s.createClient(ctx, tx, a, &c); err != nil {
				return fmt.Errorf("store: import row %d: %w", row.no, err)
			}
			if err := s.recountClients(ctx, tx, []int64{c.ID}, func() error {
				ch, err := s.applyAnswers(ctx, tx, &c, row.plan, 0)
				if err != nil {
					return err
				}
				return s.recordAnswerChanges(ctx, tx, &c, ch, opora.EventQuestionnaire, "questionnaire", "form", f.ID, "")
			}); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE import_rows SET client_id = $1 WHERE organisation_id = $2 AND row_key = $3`,
				c.ID, a.OrganisationID, row.key); err != nil {
				return fmt.Errorf("store: import row: %w", err)
			}
			if err := s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventProfile, Entity: "import",
				EntityID: j.ID, Summary: j.FileName}); err != nil {
				return err
			}
			if s.importRowHook != nil {
				if err := s.importRowHook(row.no); err != nil {
					return err
				}
			}
			created++
		}
		return nil
	})
	return created, err
}

func (s *Store) importProgress(ctx context.Context, id int64, src ImportSource, rep *ImportReport) error {
	_, err := s.w.ExecContext(ctx, `UPDATE imports SET progress = $1, rows_done = $2, created = $3, already = $4,
		error_rows = $5, duplicates = $6, updated_at = $7 WHERE id = $8`,
		int(src.Progress()*100), rep.Rows, rep.Created, rep.Already, rep.ErrorRows, rep.Duplicates, s.Now(), id)
	if err != nil {
		return fmt.Errorf("store: import progress: %w", err)
	}
	return nil
}

// finishImport keeps a run's counts and problems and, after a real run,
// writes its audit row.
func (s *Store) finishImport(ctx context.Context, j *ImportJob, dry bool, rep *ImportReport) error {
	status := ImportDone
	if dry {
		status = ImportChecked
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_problems WHERE import_id = $1`, j.ID); err != nil {
			return fmt.Errorf("store: import problems: %w", err)
		}
		for _, p := range rep.Problems {
			if _, err := tx.ExecContext(ctx, `INSERT INTO import_problems (import_id, row_no, col, message, client_id)
				VALUES ($1, $2, $3, $4, $5)`, j.ID, p.Row, p.Column, p.Message, nullID(p.ClientID)); err != nil {
				return fmt.Errorf("store: import problems: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = $1, progress = 100, rows_done = $2, created = $3, already = $4,
			error_rows = $5, duplicates = $6, updated_at = $7 WHERE id = $8`,
			status, rep.Rows, rep.Created, rep.Already, rep.ErrorRows, rep.Duplicates, s.Now(), j.ID); err != nil {
			return fmt.Errorf("store: finish import: %w", err)
		}
		if dry {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "import", EntityID: j.ID,
			Changes: []opora.Change{{Field: "file", New: j.FileName}, {Field: "created", New: strconv.Itoa(rep.Created)},
				{Field: "already", New: strconv.Itoa(rep.Already)}, {Field: "errors", New: strconv.Itoa(rep.ErrorRows)}}})
	})
}
