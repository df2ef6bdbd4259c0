package bulk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/reports"
	"github.com/opora-project/opora/internal/store/search"
)

// This file is the scale generator's write path: rows go in by the
// thousand (multi-row INSERT on SQLite, COPY on PostgreSQL) in one
// transaction per batch, without per-row audit. Nothing else may use it:
// ordinary features write through their own methods so that every change
// carries its audit row and timeline event.

// GeneratorRun is the scale generator's progress, one per database.
type GeneratorRun struct {
	OrganisationID int64
	Seed           uint64
	Target         int // clients asked for
	Done           int // clients written in committed batches
	StartedAt      time.Time
	FinishedAt     time.Time // zero while unfinished
}

// Finished reports whether every asked-for client was written.
func (r *GeneratorRun) Finished() bool { return !r.FinishedAt.IsZero() }

// GeneratorRun returns the generator's progress, or nil when the database
// was never filled by the generator.
func (s *Loader) GeneratorRun(ctx context.Context) (*GeneratorRun, error) {
	var r GeneratorRun
	var seed int64
	var finished sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT organisation_id, seed, clients_target, clients_done, started_at, finished_at
		FROM generator_runs WHERE id = 1`).Scan(&r.OrganisationID, &seed, &r.Target, &r.Done, &r.StartedAt, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: generator run: %w", err)
	}
	r.Seed, r.FinishedAt, r.StartedAt = uint64(seed), timeOf(finished), r.StartedAt.UTC()
	return &r, nil
}

// StartGeneratorRun records a new run, or a new target for an existing
// one (a resumed or extended run keeps its seed and progress).
func (s *Loader) StartGeneratorRun(ctx context.Context, r *GeneratorRun) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminOrg); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE generator_runs SET clients_target = $1,
			finished_at = CASE WHEN clients_done >= $1 THEN finished_at ELSE NULL END WHERE id = 1`, r.Target)
		if err != nil {
			return fmt.Errorf("store: generator run: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO generator_runs (id, organisation_id, seed, clients_target, clients_done, started_at)
			VALUES (1, $1, $2, $3, 0, $4)`, r.OrganisationID, int64(r.Seed), r.Target, s.Now())
		if err != nil {
			return fmt.Errorf("store: generator run: %w", err)
		}
		return nil
	})
}

// BulkAnswer is one stored answer row of a generated questionnaire.
type BulkAnswer struct {
	ClientID int64 // local to the batch
	FieldID  int64
	OptionID int64
	Text     string
	Num      float64
	HasNum   bool
	Date     opora.Date
}

// BulkVisit is a generated check-in visit; BranchID is its shift's branch.
type BulkVisit struct {
	opora.CheckinVisit
	BranchID int64
}

// BulkBatch is one transaction of generated rows. IDs of rows in the batch
// are local, 1…n per table, and references between rows of the batch use
// them; BulkLoad moves them onto the IDs it reserves, in place. References
// to rows outside the batch (organisation, branches, users, types, fields,
// options, points, items, and shifts made by an earlier batch) are real IDs.
// An event's EntityID is local to the table its Entity names.
type BulkBatch struct {
	OrganisationID int64
	Clients        []*opora.Client
	Answers        []*BulkAnswer
	Consents       []*opora.Consent // ClientID local; a sensitive answer needs a basis (opora.StoreBasis)
	Notes          []*opora.Note
	Services       []*opora.Service
	Cases          []*opora.Case
	Tasks          []*opora.Task
	Shifts         []*opora.CheckinShift
	Persons        []*opora.CheckinPerson
	Visits         []*BulkVisit
	Events         []*opora.ClientEvent
	// The families' region (bulk_families.go). Users are staff with real
	// RoleIDs and BranchIDs, all with PasswordHash.
	Users        []*opora.User
	PasswordHash string
	Families     []*BulkFamily
	Curators     []*opora.FamilyCurator
	Grants       []*opora.SubjectGrant
	FamilyCases  []*opora.Case
	Signals      []*opora.Signal
	Assessments  []*opora.Assessment
	DraftTasks   []*BulkDraftTask
	// FamilyTasks are approved plan tasks in agencies' queues: CaseID and
	// FamilyID local to the batch (a family case, a family), real
	// ResponsibleOrg, AssigneeID and TypeID.
	FamilyTasks  []*BulkFamilyTask
	FamilyEvents []*BulkFamilyEvent
	// LifeEvents are members' life events: ClientID and FamilyID local.
	LifeEvents []*opora.LifeEvent
	// ClientsDone, when positive, is written to the generator's progress in
	// the same transaction; Finished marks the run complete.
	ClientsDone int
	Finished    bool
	// Counts, when set, collects the batch's count-table deltas for
	// FinishBulk to write, and the batch marks the tables stale (it needs
	// a generator run); without it the batch writes them itself.
	Counts *BulkCounts
}

// bulkTable is one table's rows ready to write.
type bulkTable struct {
	name string
	cols []string
	rows [][]any
}

// offsets are what BulkLoad adds to the local IDs of each table.
type bulkOffsets struct {
	client, note, service, kase, task, shift, person, visit, consent int64
}

func (o *bulkOffsets) entity(name string) int64 {
	switch name {
	case "client":
		return o.client
	case "note":
		return o.note
	case "service":
		return o.service
	case "case":
		return o.kase
	case "task":
		return o.task
	case "checkin_visit":
		return o.visit
	}
	return 0
}

func add(id, off int64) int64 {
	if id == 0 {
		return 0
	}
	return id + off
}

// BulkLoad writes a generated batch in one transaction; on any error
// nothing of it stays. The actor must manage the organisation.
func (s *Loader) BulkLoad(ctx context.Context, b *BulkBatch) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	if b.OrganisationID != a.OrganisationID && !a.Can(opora.PermAdminNetwork) {
		return opora.ErrNotFound
	}
	reserve := func(ctx context.Context, q bulkQueryer, table string, n int) (int64, error) {
		if n == 0 {
			return 0, nil
		}
		return s.reserveIDs(ctx, q, table, n)
	}
	var famFirst, famLast int64 // the batch's families, once reserved
	fill := func(ctx context.Context, q bulkQueryer) ([]bulkTable, error) {
		var o bulkOffsets
		var err error
		for _, r := range []struct {
			off   *int64
			table string
			n     int
		}{{&o.client, "clients", len(b.Clients)}, {&o.note, "notes", len(b.Notes)}, {&o.service, "services", len(b.Services)},
			{&o.kase, "cases", len(b.Cases) + len(b.FamilyCases)}, {&o.task, "case_tasks", len(b.Tasks) + len(b.FamilyTasks)}, {&o.shift, "checkin_shifts", len(b.Shifts)},
			{&o.person, "checkin_persons", len(b.Persons)}, {&o.visit, "checkin_visits", len(b.Visits)},
			{&o.consent, "consents", len(b.Consents)}} {
			if *r.off, err = reserve(ctx, q, r.table, r.n); err != nil {
				return nil, err
			}
		}
		fo, err := b.reserveFamilies(ctx, q, &o, reserve)
		if err != nil {
			return nil, err
		}
		famFirst, famLast = fo.family+1, fo.family+int64(len(b.Families))
		rule, err := loadBasisRule(ctx, q, b.OrganisationID)
		if err != nil {
			return nil, err
		}
		tables, err := b.tables(&o, rule)
		if err != nil {
			return nil, err
		}
		ft, err := b.familyTables(&o, fo)
		if err != nil {
			return nil, err
		}
		tables = append(tables, ft...)
		if len(b.Grants) > 0 {
			// Grants go into actors, cached per auth_version; the triggers
			// that move it do not run under a PostgreSQL bulk load.
			if err := q.exec(ctx, `UPDATE auth_version SET version = version + 1`); err != nil {
				return nil, fmt.Errorf("store: bulk: %w", err)
			}
		}
		// The batch's new name words go into the typo-search dictionary.
		keys := make([]string, len(b.Clients))
		for i, c := range b.Clients {
			keys[i] = searchKey(c)
		}
		for _, p := range b.Persons {
			keys = append(keys, search.NameKey(p.Surname+" "+p.FirstName))
		}
		fresh, err := search.NewNameWords(ctx, q.queryStrings, search.KeyWords(keys...))
		if err != nil {
			return nil, err
		}
		words := bulkTable{name: "name_words", cols: []string{"word"}}
		grams := bulkTable{name: "name_word_grams", cols: []string{"gram", "word"}}
		for _, w := range fresh {
			words.rows = append(words.rows, []any{w})
			for _, g := range search.NameGrams(w) {
				grams.rows = append(grams.rows, []any{g, w})
			}
		}
		return append(tables, words, grams), nil
	}
	progress := func(ctx context.Context, q bulkQueryer) error {
		if b.ClientsDone <= 0 {
			return nil
		}
		var finished any
		if b.Finished {
			finished = s.Now()
		}
		return q.exec(ctx, `UPDATE generator_runs SET clients_done = $1, finished_at = $2 WHERE id = 1`, b.ClientsDone, finished)
	}
	// fill has moved the batch's ids onto the reserved ones.
	counts := func(ctx context.Context, q bulkQueryer) error {
		// The batch's families' milestones (the triggers that keep them do
		// not run under a PostgreSQL bulk load).
		if err := reports.RefreshMilestones(ctx, q.exec, famFirst, famLast); err != nil {
			return err
		}
		if b.Counts == nil {
			c := newBulkCounts()
			c.add(b)
			return c.write(ctx, s.dialect, q.exec)
		}
		return markCountsStale(ctx, q)
	}
	load := s.bulkSQLite
	if s.dialect == Postgres {
		load = s.bulkPostgres
	}
	if err := load(ctx, fill, counts, progress); err != nil {
		return err
	}
	if b.Counts != nil {
		b.Counts.add(b) // committed: its deltas join the load's
	}
	return nil
}

// tables turns the batch into rows, moving local IDs onto reserved ones.
func (b *BulkBatch) tables(o *bulkOffsets, rule *basisRule) ([]bulkTable, error) {
	org := b.OrganisationID
	var ts []bulkTable
	t := bulkTable{name: "clients", cols: []string{"id", "organisation_id", "branch_id", "surname", "first_name", "patronymic",
		"birth_date", "birth_year", "birth_precision", "birth_place", "gender", "homeless_status", "homeless_since",
		"responsible_id", "search_key", "version", "created_by", "created_at", "updated_by", "updated_at"}}
	for _, c := range b.Clients {
		c.ID, c.OrganisationID, c.Version = c.ID+o.client, org, 1
		t.rows = append(t.rows, []any{c.ID, org, c.BranchID, c.Surname, c.FirstName, c.Patronymic,
			c.BirthDate, nullInt(c.BirthYear), string(c.BirthPrecision), c.BirthPlace, string(c.Gender),
			string(c.HomelessStatus), c.HomelessSince, nullID(c.ResponsibleID), searchKey(c), 1,
			nullID(c.CreatedBy), c.CreatedAt, nullID(c.CreatedBy), c.CreatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "consents", cols: []string{"id", "organisation_id", "client_id", "subject", "rep_name", "rep_relation",
		"purposes", "categories", "agency_types", "valid_from", "valid_to", "file_id", "taken_by", "created_at"}}
	consents := map[int64][]*opora.Consent{}
	for _, cs := range b.Consents {
		cs.ID, cs.ClientID, cs.OrganisationID = cs.ID+o.consent, cs.ClientID+o.client, org
		cs.Normalize()
		t.rows = append(t.rows, []any{cs.ID, org, cs.ClientID, cs.Subject, cs.RepName, cs.RepRelation, joinList(cs.Purposes),
			joinList(cs.Categories), joinList(cs.AgencyTypes), cs.From, cs.To, nullID(cs.FileID), nullID(cs.TakenBy), cs.CreatedAt})
		consents[cs.ClientID] = append(consents[cs.ClientID], cs)
	}
	ts = append(ts, t)
	t = bulkTable{name: "answers", cols: []string{"organisation_id", "client_id", "field_id", "option_id", "value_text",
		"value_num", "value_date", "updated_by", "updated_at", "basis", "basis_consent_id"}}
	created := map[int64]*opora.Client{}
	for _, c := range b.Clients {
		created[c.ID] = c
	}
	for _, an := range b.Answers {
		an.ClientID += o.client
		c := created[an.ClientID]
		var num any
		if an.HasNum {
			num = an.Num
		}
		// The same rule as every other write of a sensitive answer.
		var basis opora.Basis
		if sens := rule.fields[an.FieldID]; sens != opora.Ordinary {
			var reason string
			basis, reason = opora.StoreBasis(consents[an.ClientID], rule.cells, rule.orgType, rule.required,
				opora.CategoryOf(sens), opora.DateOf(c.CreatedAt))
			if basis.Kind == "" {
				return nil, &opora.Error{Code: opora.EINVALID, Message: reason}
			}
		}
		t.rows = append(t.rows, []any{org, an.ClientID, an.FieldID, nullID(an.OptionID), an.Text, num, an.Date,
			nullID(c.CreatedBy), c.CreatedAt, basis.Stored(), nullID(basis.ConsentID)})
	}
	ts = append(ts, t)
	t = bulkTable{name: "notes", cols: []string{"id", "organisation_id", "client_id", "body", "important", "version",
		"created_by", "created_at", "updated_by", "updated_at"}}
	for _, n := range b.Notes {
		n.ID, n.ClientID, n.OrganisationID = n.ID+o.note, n.ClientID+o.client, org
		t.rows = append(t.rows, []any{n.ID, org, n.ClientID, n.Body, n.Important, 1, nullID(n.CreatedBy), n.CreatedAt,
			nullID(n.CreatedBy), n.CreatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "services", cols: []string{"id", "organisation_id", "branch_id", "client_id", "type_id", "rendered_on",
		"quantity", "amount_kopecks", "comment", "worker_id", "created_at", "updated_at", "version"}}
	for _, sv := range b.Services {
		sv.ID, sv.ClientID, sv.OrganisationID = sv.ID+o.service, sv.ClientID+o.client, org
		t.rows = append(t.rows, []any{sv.ID, org, sv.BranchID, sv.ClientID, sv.TypeID, sv.RenderedOn, sv.Quantity,
			nullAmount(sv), sv.Comment, sv.WorkerID, sv.CreatedAt, sv.CreatedAt, 1})
	}
	ts = append(ts, t)
	// Every service of a batch's clients is in the batch, so their rows of
	// active_client_months are whole.
	ts = append(ts, tableOf(reports.BulkActive(org, b.Services)), tableOf(reports.BulkRanges(b.Clients, b.Services)))
	t = bulkTable{name: "cases", cols: []string{"id", "organisation_id", "subject_type", "subject_id", "client_id", "type_id",
		"curator_id", "opened_on", "closed_on", "status", "outcome", "outcome_comment", "version", "created_by", "created_at",
		"updated_by", "updated_at"}}
	for _, k := range b.Cases {
		k.ID, k.ClientID, k.SubjectID, k.OrganisationID = k.ID+o.kase, k.ClientID+o.client, k.SubjectID+o.client, org
		t.rows = append(t.rows, []any{k.ID, org, k.SubjectType, k.SubjectID, k.ClientID, k.TypeID, k.CuratorID,
			k.OpenedOn, k.ClosedOn, string(k.Status), string(k.Outcome), k.OutcomeComment, 1,
			nullID(k.CreatedBy), k.CreatedAt, nullID(k.CreatedBy), k.UpdatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "case_tasks", cols: []string{"id", "organisation_id", "case_id", "client_id", "type_id", "description",
		"responsible_id", "start_on", "due_on", "done_on", "status", "position", "version", "created_by", "created_at",
		"updated_by", "updated_at"}}
	for _, k := range b.Tasks {
		k.ID, k.CaseID, k.ClientID, k.OrganisationID = k.ID+o.task, k.CaseID+o.kase, k.ClientID+o.client, org
		t.rows = append(t.rows, []any{k.ID, org, k.CaseID, k.ClientID, k.TypeID, k.Description, nullID(k.ResponsibleID),
			k.StartOn, k.DueOn, k.DoneOn, string(k.Status), k.Position, 1,
			nullID(k.ResponsibleID), k.CreatedAt, nullID(k.ResponsibleID), k.UpdatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "checkin_shifts", cols: []string{"id", "organisation_id", "branch_id", "point_id", "shift_date",
		"starts", "ends", "status", "opened_by", "opened_at", "closed_by", "closed_at"}}
	for _, sh := range b.Shifts {
		sh.ID, sh.OrganisationID = sh.ID+o.shift, org
		var closedAt any
		if !sh.ClosedAt.IsZero() {
			closedAt = sh.ClosedAt
		}
		t.rows = append(t.rows, []any{sh.ID, org, sh.BranchID, sh.PointID, sh.Date, sh.Starts, sh.Ends,
			string(sh.Status), nullID(sh.OpenedBy), sh.OpenedAt, nullID(sh.ClosedBy), closedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "checkin_persons", cols: []string{"id", "organisation_id", "branch_id", "surname", "first_name",
		"birth_year", "gender", "search_key", "client_id", "created_by", "created_at"}}
	for _, p := range b.Persons {
		p.ID, p.ClientID, p.OrganisationID = p.ID+o.person, add(p.ClientID, o.client), org
		t.rows = append(t.rows, []any{p.ID, org, p.BranchID, p.Surname, p.FirstName, nullInt(p.BirthYear), string(p.Gender),
			search.NameKey(p.Surname + " " + p.FirstName), nullID(p.ClientID), nullID(p.CreatedBy), p.CreatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "checkin_visits", cols: []string{"id", "organisation_id", "branch_id", "point_id", "shift_id",
		"person_id", "client_id", "item_id", "visited_on", "tick_id", "created_by", "created_at"}}
	for _, v := range b.Visits {
		v.ID, v.PersonID, v.ClientID = v.ID+o.visit, v.PersonID+o.person, add(v.ClientID, o.client)
		t.rows = append(t.rows, []any{v.ID, org, v.BranchID, v.PointID, v.ShiftID, v.PersonID, nullID(v.ClientID), v.ItemID,
			v.VisitedOn, v.TickID, nullID(v.CreatedBy), v.CreatedAt})
	}
	ts = append(ts, t)
	t = bulkTable{name: "client_events", cols: []string{"organisation_id", "client_id", "at", "user_id", "kind", "entity",
		"entity_id", "sensitivity", "summary"}}
	for _, e := range b.Events {
		e.ClientID, e.EntityID, e.OrganisationID = e.ClientID+o.client, add(e.EntityID, o.entity(e.Entity)), org
		t.rows = append(t.rows, []any{org, e.ClientID, e.At, nullID(e.UserID), e.Kind, e.Entity, nullID(e.EntityID),
			string(e.Sensitivity), e.Summary})
	}
	ts = append(ts, t)
	return ts, nil
}

// deferredIndexes are the secondary indexes whose keys arrive in random
// order during a bulk load (dates, types, workers). Kept up row by row they
// make every batch rewrite pages all over the index, and the load slows down
// as the tables grow; the generator drops them first and builds them once at
// the end (BulkIndexes). Each definition is the one of its migration, and
// Migrate builds any that is missing, so a database whose generator run was
// interrupted serves at full speed too. Tests compare the index set with a
// freshly migrated database.
var deferredIndexes = []struct {
	name, ddl string
	dialect   Dialect // "" both
}{
	{"services_worker_date", "services(worker_id, rendered_on)", ""},
	{"clients_org_birth_date", "clients(organisation_id, birth_date)", ""},
	{"case_tasks_responsible", "case_tasks(responsible_id, status, due_on)", ""},
	{"checkin_visits_report", "checkin_visits(organisation_id, visited_on, point_id, item_id, branch_id, person_id, created_by)", ""},
	{"checkin_visits_point", "checkin_visits(point_id, visited_on)", ""},
	{"clients_search_key_trgm", "clients USING gin (search_key public.gin_trgm_ops)", Postgres},
	{"clients_search_words", "clients USING gin (to_tsvector('simple', search_key))", Postgres},
	{"services_report", "services(organisation_id, rendered_on, type_id, branch_id, worker_id, client_id, " +
		"amount_kopecks, deleted_at)", ""},
	{"answers_field_client", "answers(field_id, filling_id, client_id, option_id)", ""},
	{"clients_report", "clients(organisation_id, created_at, branch_id, gender, birth_year, deleted_at, merged_into, id)", ""},
	{"clients_birthdays", "clients(organisation_id, birth_year, created_at, birth_date, branch_id, gender, homeless_status, " +
		"deleted_at, merged_into) WHERE birth_date IS NOT NULL", ""},
}

// DeferIndexes drops the deferred indexes before a bulk load.
func (s *Loader) DeferIndexes(ctx context.Context) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminOrg); err != nil {
		return err
	}
	for _, ix := range deferredIndexes {
		if ix.dialect != "" && ix.dialect != s.dialect {
			continue
		}
		if _, err := s.w.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix.name); err != nil {
			return fmt.Errorf("store: defer index %s: %w", ix.name, err)
		}
	}
	return nil
}

// BulkIndexes builds the deferred indexes that do not exist.
func (s *Loader) BulkIndexes(ctx context.Context) error {
	for _, ix := range deferredIndexes {
		if ix.dialect != "" && ix.dialect != s.dialect {
			continue
		}
		if _, err := s.w.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS "+ix.name+" ON "+ix.ddl); err != nil {
			return fmt.Errorf("store: build index %s: %w", ix.name, err)
		}
	}
	return nil
}

// bulkTables are the tables a bulk load fills.
var bulkTables = []string{"clients", "consents", "answers", "notes", "services", "cases", "case_tasks", "checkin_shifts",
	"checkin_persons", "checkin_visits", "client_events", "name_words", "name_word_grams", "service_counts", "service_type_counts",
	"active_client_months", "client_service_ranges", "client_counts", "client_day_counts", "client_answer_counts", "visit_counts",
	"users", "user_roles", "user_branches", "families", "family_members", "family_curators", "subject_grants", "signals",
	"signal_children", "family_assessments", "draft_plan_tasks", "family_events"}

// The steps of FinishBulk, as it names them to its caller.
const (
	BulkStepIndexes    = "indexes"
	BulkStepCounts     = "counts"
	BulkStepStatistics = "statistics"
)

// FinishBulk ends a bulk load: it builds the deferred indexes, writes the
// count deltas the batches collected in counts (nil when they wrote their
// own) and refreshes the planner's statistics (PostgreSQL also vacuums, so
// that index-only scans work on the new rows at once instead of after
// autovacuum). At a million clients this takes minutes; step, when not
// nil, hears each step (BulkStep…) as it starts.
func (s *Loader) FinishBulk(ctx context.Context, counts *BulkCounts, step func(name string)) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminOrg); err != nil {
		return err
	}
	if step == nil {
		step = func(string) {}
	}
	step(BulkStepIndexes)
	if err := s.BulkIndexes(ctx); err != nil {
		return err
	}
	if counts != nil {
		step(BulkStepCounts)
		if err := s.writeBulkCounts(ctx, counts); err != nil {
			return err
		}
	}
	step(BulkStepStatistics)
	stmt := "PRAGMA analysis_limit = 1000; ANALYZE"
	if s.dialect == Postgres {
		stmt = "VACUUM (ANALYZE) " + strings.Join(bulkTables, ", ")
	}
	if _, err := s.w.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("store: bulk statistics: %w", err)
	}
	return nil
}

// bulkQueryer is the little both write paths need besides writing rows.
type bulkQueryer interface {
	exec(ctx context.Context, q string, args ...any) error
	queryInt(ctx context.Context, q string, args ...any) (int64, error)
	queryStrings(ctx context.Context, q string, args ...any) ([]string, error)
}

// reserveIDs returns the offset to add to local IDs 1…n of table. On
// SQLite the single writer holds the database, so the next IDs are free;
// on PostgreSQL the identity sequence is moved past the block.
func (s *Loader) reserveIDs(ctx context.Context, q bulkQueryer, table string, n int) (int64, error) {
	if s.dialect == Postgres {
		seq := "pg_get_serial_sequence('" + table + "', 'id')"
		first, err := q.queryInt(ctx, "SELECT nextval("+seq+")")
		if err != nil {
			return 0, fmt.Errorf("store: reserve %s ids: %w", table, err)
		}
		if n > 1 {
			if _, err := q.queryInt(ctx, "SELECT setval("+seq+", $1)", first+int64(n)-1); err != nil {
				return 0, fmt.Errorf("store: reserve %s ids: %w", table, err)
			}
		}
		return first - 1, nil
	}
	last, err := q.queryInt(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table)
	if err != nil {
		return 0, fmt.Errorf("store: reserve %s ids: %w", table, err)
	}
	return last, nil
}

type sqlBulk struct{ tx *sql.Tx }

func (q sqlBulk) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.tx.ExecContext(ctx, query, args...)
	return err
}

func (q sqlBulk) queryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := q.tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// bulkSQLite writes with multi-row INSERTs, prepared once per chunk size.
func (s *Loader) bulkSQLite(ctx context.Context, fill func(context.Context, bulkQueryer) ([]bulkTable, error),
	counts, progress func(context.Context, bulkQueryer) error) error {
	// Foreign keys are not checked row by row: a batch holds millions of
	// references, all to rows the generator made or reserved itself, and
	// checking each took a large share of the load (tests check every
	// reference of a generated database instead). The pragma is off on the
	// writer's connection for this batch only.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: bulk: %w", err)
	}
	defer conn.Close()
	// A large page cache keeps the growing indexes in memory while millions
	// of rows go in; it stays on the generator's connection only. Statement
	// journals stay in memory instead of temporary files, and the final
	// index builds may sort on a second thread. Pragmas go before the
	// transaction: temp_store cannot change inside one.
	for _, p := range []string{"PRAGMA foreign_keys = OFF", "PRAGMA cache_size = -3000000", "PRAGMA temp_store = MEMORY",
		"PRAGMA threads = 2"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("store: bulk: %w", err)
		}
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON"); err != nil {
			// Never hand the pool a connection without foreign keys.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return runTx(ctx, conn, func(tx *sql.Tx) error {
		q := sqlBulk{tx}
		tables, err := fill(ctx, q)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if err := insertRows(ctx, tx, t); err != nil {
				return err
			}
		}
		if err := counts(ctx, q); err != nil {
			return err
		}
		if err := progress(ctx, q); err != nil {
			return fmt.Errorf("store: bulk progress: %w", err)
		}
		return nil
	})
}

func insertRows(ctx context.Context, tx *sql.Tx, t bulkTable) error {
	if len(t.rows) == 0 {
		return nil
	}
	per := min(200, 30000/len(t.cols))
	stmt := func(n int) string { return insertValues(SQLite, t.name, t.cols, n) }
	var full *sql.Stmt
	if len(t.rows) >= per {
		var err error
		if full, err = tx.PrepareContext(ctx, stmt(per)); err != nil {
			return fmt.Errorf("store: bulk %s: %w", t.name, err)
		}
		defer full.Close()
	}
	args := make([]any, 0, per*len(t.cols))
	for i := 0; i < len(t.rows); i += per {
		n := min(per, len(t.rows)-i)
		args = args[:0]
		for _, r := range t.rows[i : i+n] {
			args = append(args, r...)
		}
		var err error
		if n == per {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmt(n), args...)
		}
		if err != nil {
			return fmt.Errorf("store: bulk %s: %w", t.name, err)
		}
	}
	return nil
}

func (q sqlBulk) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	return search.QueryStrings(ctx, q.tx, query, args...)
}

type pgBulk struct{ tx pgx.Tx }

func (q pgBulk) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (q pgBulk) exec(ctx context.Context, query string, args ...any) error {
	_, err := q.tx.Exec(ctx, query, args...)
	return err
}

func (q pgBulk) queryInt(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := q.tx.QueryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// bulkPostgres writes with COPY on one connection's transaction.
func (s *Loader) bulkPostgres(ctx context.Context, fill func(context.Context, bulkQueryer) ([]bulkTable, error),
	counts, progress func(context.Context, bulkQueryer) error) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: bulk: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return fmt.Errorf("store: bulk: %w", err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
		// Foreign keys are not checked row by row (see bulkSQLite) where the
		// role may say so: a superuser, as pg_restore --disable-triggers
		// does. Other roles load with the checks.
		var super bool
		if err := tx.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
			return fmt.Errorf("store: bulk: %w", err)
		}
		if super {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return fmt.Errorf("store: bulk: %w", err)
			}
		}
		q := pgBulk{tx}
		tables, err := fill(ctx, q)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if len(t.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("store: bulk %s: %w", t.name, err)
			}
		}
		if err := counts(ctx, q); err != nil {
			return err
		}
		if err := progress(ctx, q); err != nil {
			return fmt.Errorf("store: bulk progress: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("store: bulk: commit: %w", err)
		}
		return nil
	})
}

// basisRule is what the loader decides a sensitive answer's basis on: the
// sensitive fields, the organisation's legal bases, its type and its
// consent setting (opora.StoreBasis).
type basisRule struct {
	fields   map[int64]opora.Sensitivity
	cells    []opora.OrgLegalBasis
	orgType  opora.OrgType
	required bool
}

func loadBasisRule(ctx context.Context, q bulkQueryer, orgID int64) (*basisRule, error) {
	r := &basisRule{fields: map[int64]opora.Sensitivity{}}
	rows, err := q.queryStrings(ctx, `SELECT CAST(id AS TEXT) || ':' || sensitivity FROM form_fields
		WHERE organisation_id = $1 AND sensitivity <> ''`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: bulk basis: %w", err)
	}
	for _, row := range rows {
		id, sens, _ := strings.Cut(row, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("store: bulk basis: %w", err)
		}
		r.fields[n] = opora.Sensitivity(sens)
	}
	org, err := q.queryStrings(ctx, `SELECT type || ':' || CASE WHEN consent_required THEN '1' ELSE '0' END
		FROM organisations WHERE id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: bulk basis: %w", err)
	}
	if len(org) == 1 {
		typ, req, _ := strings.Cut(org[0], ":")
		r.orgType, r.required = opora.OrgType(typ), req == "1"
	}
	cells, err := q.queryStrings(ctx, `SELECT category || ':' || agency_type || ':' || basis_code FROM org_legal_bases
		WHERE organisation_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: bulk basis: %w", err)
	}
	for _, c := range cells {
		parts := strings.SplitN(c, ":", 3)
		if len(parts) == 3 {
			r.cells = append(r.cells, opora.OrgLegalBasis{Category: opora.DataCategory(parts[0]),
				AgencyType: opora.OrgType(parts[1]), Code: parts[2]})
		}
	}
	return r, nil
}

func joinList[T ~string](xs []T) string {
	ss := make([]string, len(xs))
	for i, x := range xs {
		ss[i] = string(x)
	}
	return strings.Join(ss, ",")
}
