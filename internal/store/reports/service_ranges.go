package reports

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// client_service_ranges (migration 00025) holds each client's first and
// last day with services per branch (0: all branches) and the client's
// gender, birth year and housing status; see the migration. RefreshActive
// rewrites a client's rows from the services (refreshRanges) in the
// transaction of every service write, RecountClients copies the client's
// attributes after every client write, the bulk path writes a batch's rows,
// and Migrate fills the table once (FillRanges). compileReport reads it
// through rangeClients.

// rangeAttrs are the client attributes a range row carries.
type rangeAttrs struct {
	gender    string
	birthYear int64
	homeless  string
	birthMD   int64 // the birth date's month and day as MMDD when known to the day, else 0
}

// birthMD is a birth date's month and day as the number MMDD, 0 when the
// date is not known.
func birthMD(d time.Time) int64 {
	if d.IsZero() {
		return 0
	}
	return int64(d.Month())*100 + int64(d.Day())
}

// serviceRange is one row of client_service_ranges.
type serviceRange struct {
	org, branch, client int64
	first, last         time.Time
	attrs               rangeAttrs
}

// serviceRanges collects services into ranges per client and branch.
type serviceRanges struct {
	rows map[[2]int64]*serviceRange // client, branch
}

func newServiceRanges() *serviceRanges { return &serviceRanges{rows: map[[2]int64]*serviceRange{}} }

// add takes one service of a client into its branch's range and the
// all-branches range.
func (sr *serviceRanges) add(org, client, branch int64, day time.Time, attrs rangeAttrs) {
	for _, b := range []int64{branch, 0} {
		r := sr.rows[[2]int64{client, b}]
		if r == nil {
			sr.rows[[2]int64{client, b}] = &serviceRange{org, b, client, day, day, attrs}
			continue
		}
		if day.Before(r.first) {
			r.first = day
		}
		if day.After(r.last) {
			r.last = day
		}
	}
}

var rangeColumns = []string{"organisation_id", "branch_id", "client_id", "first_day", "last_day", "gender", "birth_year",
	"homeless_status", "birth_md"}

// table is the ranges as a bulk table, by client and branch.
func (sr *serviceRanges) table() sqldb.Table {
	t := sqldb.Table{Name: "client_service_ranges", Cols: rangeColumns}
	rows := make([]*serviceRange, 0, len(sr.rows))
	for _, r := range sr.rows {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *serviceRange) int {
		return cmp.Or(cmp.Compare(a.client, b.client), cmp.Compare(a.branch, b.branch))
	})
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{r.org, r.branch, r.client, nullDate(r.first), nullDate(r.last), r.attrs.gender,
			r.attrs.birthYear, r.attrs.homeless, r.attrs.birthMD})
	}
	return t
}

// insert writes the ranges with multi-row INSERTs.
func (sr *serviceRanges) insert(ctx context.Context, q queryer, dialect Dialect) error {
	return insertChunks(ctx, dialect, txExec(q), "client_service_ranges", rangeColumns, "", sr.table().Rows)
}

// clientAttrs reads a client's range attributes.
func clientAttrs(ctx context.Context, q queryer, clientID int64) (rangeAttrs, error) {
	var at rangeAttrs
	var gender, homeless sql.NullString
	var year sql.NullInt64
	var birth sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT gender, birth_year, homeless_status, birth_date FROM clients WHERE id = $1`, clientID).
		Scan(&gender, &year, &homeless, &birth)
	if err != nil && err != sql.ErrNoRows {
		return at, fmt.Errorf("store: service ranges: %w", err)
	}
	return rangeAttrs{gender.String, year.Int64, homeless.String, birthMD(dateOf(birth))}, nil
}

// refreshRanges rewrites a client's rows from its services. RefreshActive
// calls it, under the client's lock.
func refreshRanges(ctx context.Context, q queryer, dialect Dialect, clientID int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM client_service_ranges WHERE client_id = $1`, clientID); err != nil {
		return fmt.Errorf("store: service ranges: %w", err)
	}
	attrs, err := clientAttrs(ctx, q, clientID)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT organisation_id, branch_id, rendered_on FROM services
		WHERE client_id = $1 AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM clients WHERE id = $1 AND deleted_at IS NULL)`,
		clientID)
	if err != nil {
		return fmt.Errorf("store: service ranges: %w", err)
	}
	sr := newServiceRanges()
	for rows.Next() {
		var org, branch int64
		var day sql.NullTime
		if err := rows.Scan(&org, &branch, &day); err != nil {
			rows.Close()
			return fmt.Errorf("store: service ranges: %w", err)
		}
		sr.add(org, clientID, branch, dateOf(day), attrs)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: service ranges: %w", err)
	}
	return sr.insert(ctx, q, dialect)
}

// copyRangeAttrs copies a client's gender, birth year and housing status
// onto its range rows after a client write.
func copyRangeAttrs(ctx context.Context, q queryer, clientID int64) error {
	at, err := clientAttrs(ctx, q, clientID)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE client_service_ranges SET gender = $1, birth_year = $2, homeless_status = $3,
		birth_md = $5 WHERE client_id = $4 AND (gender <> $1 OR birth_year <> $2 OR homeless_status <> $3 OR birth_md <> $5)`,
		at.gender, at.birthYear, at.homeless, clientID, at.birthMD); err != nil {
		return fmt.Errorf("store: service ranges: %w", err)
	}
	return nil
}

// BulkRanges are a bulk batch's ranges: every service of a batch's clients
// is in the batch.
func BulkRanges(clients []*opora.Client, services []*opora.Service) sqldb.Table {
	attrs := map[int64]rangeAttrs{}
	for _, c := range clients {
		attrs[c.ID] = rangeAttrs{string(c.Gender), int64(c.BirthYear), string(c.HomelessStatus), birthMD(c.BirthDate.Time())}
	}
	sr := newServiceRanges()
	for _, sv := range services {
		sr.add(sv.OrganisationID, sv.ClientID, sv.BranchID, sv.RenderedOn.Time(), attrs[sv.ClientID])
	}
	return sr.table()
}

// FillRanges fills client_service_ranges for a database that had services
// before the table existed (migration 00025), in one transaction; it does
// nothing once the table has rows or when there are no services. Clients
// are taken 50,000 ids at a time, their services read by client
// (services_client_date), so memory stays bounded at a region's size.
func (s *Planner) FillRanges(ctx context.Context) error {
	var filled, services bool
	if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM client_service_ranges),
		EXISTS (SELECT 1 FROM services WHERE deleted_at IS NULL)`).Scan(&filled, &services); err != nil {
		return fmt.Errorf("store: fill service ranges: %w", err)
	}
	if filled || !services {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return buildRanges(ctx, tx, s.dialect) })
}

// buildRanges fills an empty client_service_ranges from the services of
// live clients, 50,000 clients at a time.
func buildRanges(ctx context.Context, tx *sql.Tx, dialect Dialect) error {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM clients`).Scan(&last); err != nil {
		return fmt.Errorf("store: fill service ranges: %w", err)
	}
	const step = 50000
	for lo := int64(0); lo <= last; lo += step {
		attrs := map[int64]rangeAttrs{}
		rows, err := tx.QueryContext(ctx, `SELECT id, gender, birth_year, homeless_status, birth_date FROM clients
			WHERE id >= $1 AND id < $2 AND deleted_at IS NULL`, lo, lo+step)
		if err != nil {
			return fmt.Errorf("store: fill service ranges: %w", err)
		}
		for rows.Next() {
			var id int64
			var gender, homeless sql.NullString
			var year sql.NullInt64
			var birth sql.NullTime
			if err := rows.Scan(&id, &gender, &year, &homeless, &birth); err != nil {
				rows.Close()
				return fmt.Errorf("store: fill service ranges: %w", err)
			}
			attrs[id] = rangeAttrs{gender.String, year.Int64, homeless.String, birthMD(dateOf(birth))}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: fill service ranges: %w", err)
		}
		rows, err = tx.QueryContext(ctx, `SELECT client_id, organisation_id, branch_id, rendered_on FROM services
			WHERE client_id >= $1 AND client_id < $2 AND deleted_at IS NULL`, lo, lo+step)
		if err != nil {
			return fmt.Errorf("store: fill service ranges: %w", err)
		}
		sr := newServiceRanges()
		for rows.Next() {
			var client, org, branch int64
			var day sql.NullTime
			if err := rows.Scan(&client, &org, &branch, &day); err != nil {
				rows.Close()
				return fmt.Errorf("store: fill service ranges: %w", err)
			}
			if at, ok := attrs[client]; ok { // a deleted client has no ranges
				sr.add(org, client, branch, dateOf(day), at)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: fill service ranges: %w", err)
		}
		if err := sr.insert(ctx, tx, dialect); err != nil {
			return err
		}
	}
	return nil
}

// rangesSubject reads client_service_ranges as clients (alias c, with the
// clients' column names; birth year 0 reads as unknown) for rangeClients.
var rangesSubject = subjectSQL{
	from: `(SELECT organisation_id, branch_id, client_id, first_day, last_day, gender, NULLIF(birth_year, 0) AS birth_year,
		homeless_status, birth_md FROM client_service_ranges) c`,
	birthMD: "c.birth_md",
	branch:  "c.branch_id",
	client:  "c.client_id",
	scope: func(a *opora.Actor, args []any) (string, []any, error) {
		args = append(args, a.OrganisationID)
		return fmt.Sprintf("c.organisation_id = $%d", len(args)), args, nil
	},
}

// rangeClients answers "clients who received services" from
// client_service_ranges: organisation-wide, filtered by period, branches,
// gender, housing status and age, not grouped or grouped by branch, gender,
// housing status and age band. A client counts when its range (in the
// branch, or in all) lies inside the period; a range that misses the
// period does not; a range that straddles an end of the period looks up the
// client's services there. It leaves to activeClients what that answers
// from one two-year window (no client attribute, a period of up to a year
// or so), and returns nil for any other query.
func (s *Planner) rangeClients(ctx context.Context, a *opora.Actor, q *opora.ReportQuery) (*compiledReport, error) {
	return s.compileRanges(ctx, a, q, false)
}

// compileRanges is rangeClients; with total it also takes what activeClients
// would (the total of a grouped report from the ranges).
func (s *Planner) compileRanges(ctx context.Context, a *opora.Actor, q *opora.ReportQuery, total bool) (*compiledReport, error) {
	if q.Subject != opora.SubjectServices || q.Measure != opora.MeasureDistinctClients {
		return nil, nil
	}
	if !sqldb.OrgWide(a, opora.PermReportRun) {
		return nil, nil
	}
	if !rangesFeatures.supports(q) {
		return nil, nil
	}
	from, to := q.From.Time(), q.To.Time()
	byBranch, attrs := false, q.Gender != "" || q.HomelessStatus != "" || q.AgeMin > 0 || q.AgeMax > 0
	for _, d := range q.GroupBy {
		switch d {
		case opora.DimBranch:
			byBranch = true
		case opora.DimGender, opora.DimHomeless, opora.DimAgeBand:
			attrs = true
		}
	}
	if !attrs && !total && len(activeSpans(from, to)) == 1 {
		return nil, nil
	}
	// The rows: per branch when grouped or filtered by branch, else the
	// all-branches row. A client has one row per group except when several
	// branches are added up.
	def := rangesSubject
	if s.dialect == SQLite {
		// The days are DATE columns (numeric affinity) holding text: compared
		// with the period's parameters, SQLite tries the text as a number on
		// every row, copying it through the pure-Go SQLite's global
		// allocator each time. That was 6 % of the report on a fresh server
		// and a third of it once other requests had run, the total and the
		// groups spinning on the allocator's lock (1.7 s became 2.8 s; see
		// docs/PERFORMANCE.md). Unary plus takes the affinity away, and the
		// days compare as the text they are (same order).
		def.from = strings.Replace(def.from, "first_day, last_day", "+first_day AS first_day, +last_day AS last_day", 1)
	}
	once := true
	switch {
	case byBranch:
		def.where = "c.branch_id > 0"
	case len(q.BranchIDs) > 0:
		def.where = "c.branch_id > 0"
		once = len(q.BranchIDs) == 1
	default:
		def.where = "c.branch_id = 0"
	}
	p, err := s.reportParts(ctx, a, q, def, partsOptions{period: func(arg func(any) string) []string {
		lo, hi := arg(nullDate(from)), arg(nullDate(to))
		return []string{"c.first_day <= " + hi, "c.last_day >= " + lo,
			"(c.first_day >= " + lo + " AND c.last_day <= " + hi + " OR EXISTS (SELECT 1 FROM services s" +
				" WHERE s.client_id = c.client_id AND s.rendered_on >= " + lo + " AND s.rendered_on <= " + hi +
				" AND s.deleted_at IS NULL AND (c.branch_id = 0 OR s.branch_id = c.branch_id)))"}
	}})
	if err != nil {
		return nil, err
	}
	if once {
		p.measure = "COUNT(*)"
	}
	c := &compiledReport{args: p.args, columns: q.GroupBy}
	if len(p.keys) == 0 {
		c.sql = "SELECT " + p.measure + p.base()
		return c, nil
	}
	var order []string
	for i := range p.keys {
		order = append(order, fmt.Sprint(i+1))
	}
	// Grouped by the columns as they are, not by their text: every column
	// the ranges group by is NOT NULL and of one type, so the groups are the
	// same, but the text was made for each of a million rows before the
	// sort (a quarter of the grouped query on SQLite at 1M clients; see
	// docs/PERFORMANCE.md). The rows are still ordered by their text.
	list := strings.Join(order, ", ")
	grouped := func(p *reportParts) string {
		return "SELECT " + strings.Join(p.keys, ", ") + ", " + p.measure + p.base() + " GROUP BY " +
			strings.Join(p.groups, ", ") + " ORDER BY " + list
	}
	c.sql = grouped(p)
	if err := s.splitRanges(ctx, c, p, grouped); err != nil {
		return nil, err
	}
	// Distinct clients do not add up over branches: the total is counted.
	tq := *q
	tq.GroupBy = nil
	t, err := s.compileRanges(ctx, a, &tq, true)
	if err != nil || t == nil {
		return nil, err
	}
	c.total, c.totalArgs = t.sql, t.args
	return c, nil
}

// splitRangesFrom is the client number from which a grouped ranges report
// is split (splitRanges); a variable so that tests can split small
// databases (SplitRangesFrom).
var splitRangesFrom atomic.Int64

func init() { splitRangesFrom.Store(100_000) }

// SplitRangesFrom makes grouped ranges reports split from client number n
// on (splitRanges) until the returned function puts the default back. For
// tests (store's export_test.go).
func SplitRangesFrom(n int64) (restore func()) {
	old := splitRangesFrom.Swap(n)
	return func() { splitRangesFrom.Store(old) }
}

// splitRanges splits a grouped ranges report on SQLite into one query per
// core, each over its own span of client numbers, for RunReport to run at
// once and add up. SQLite runs a query on one core, and grouping a million
// clients' rows was most of the five-year report (2.0–2.5 s at 1M clients;
// see docs/PERFORMANCE.md). Every client's rows fall in one span, and a
// group counts clients (COUNT(*) or COUNT(DISTINCT client)), so the spans'
// counts add up to the whole. PostgreSQL plans parallel workers itself.
func (s *Planner) splitRanges(ctx context.Context, c *compiledReport, p *reportParts, grouped func(*reportParts) string) error {
	if s.dialect != SQLite {
		return nil
	}
	var last sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(client_id) FROM client_service_ranges`).Scan(&last); err != nil {
		return fmt.Errorf("store: report: %w", err)
	}
	if !last.Valid || last.Int64 < splitRangesFrom.Load() {
		return nil
	}
	n := int64(max(2, runtime.GOMAXPROCS(0)))
	step := last.Int64/n + 1
	for i := range n {
		part := *p
		part.args = append(slices.Clip(p.args), i*step, (i+1)*step)
		part.where = append(slices.Clip(p.where), fmt.Sprintf("c.client_id > $%d AND c.client_id <= $%d",
			len(part.args)-1, len(part.args)))
		c.parts = append(c.parts, grouped(&part))
		c.partArgs = append(c.partArgs, part.args)
	}
	return nil
}
