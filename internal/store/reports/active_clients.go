package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// active_client_months (migration 00017) says in which months each client
// received services, per two-year window and branch; see the migration for
// the layout. The store rewrites a client's rows from the services in the
// transaction of every service write, and report.go answers "clients who
// received services" from it instead of counting distinct clients over
// millions of services.

// activeService is what active_client_months needs of one service.
type activeService struct {
	org, client, branch int64
	day                 time.Time
}

// activeRow is one row of active_client_months.
type activeRow struct {
	org, branch int64
	span        int
	client      int64
	months      int64
}

// monthBit is the bit of day's month in the window that starts in January
// of span; zero when the month is outside the window.
func monthBit(span int, day time.Time) int64 {
	i := (day.Year()-span)*12 + int(day.Month()) - 1
	if i < 0 || i >= 24 {
		return 0
	}
	return 1 << i
}

// activeKey is the key of a row of active_client_months.
type activeKey struct {
	org, branch int64
	span        int
	client      int64
}

// activeMasks collects services into rows: for each client and window
// (span = the service's year and the year before), one row per branch and
// one for all branches (branch 0). When spans is not nil only those windows
// are collected.
type activeMasks struct {
	spans map[int]bool
	masks map[activeKey]int64
}

func newActiveMasks(spans map[int]bool) *activeMasks {
	return &activeMasks{spans: spans, masks: map[activeKey]int64{}}
}

func (am *activeMasks) add(sv activeService) {
	for _, span := range []int{sv.day.Year() - 1, sv.day.Year()} {
		if am.spans != nil && !am.spans[span] {
			continue
		}
		bit := monthBit(span, sv.day)
		am.masks[activeKey{sv.org, sv.branch, span, sv.client}] |= bit
		am.masks[activeKey{sv.org, 0, span, sv.client}] |= bit
	}
}

// rows returns the collected rows sorted by client, window and branch.
func (am *activeMasks) rows() []activeRow {
	rows := make([]activeRow, 0, len(am.masks))
	for k, m := range am.masks {
		rows = append(rows, activeRow{k.org, k.branch, k.span, k.client, m})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.client != b.client {
			return a.client < b.client
		}
		if a.span != b.span {
			return a.span < b.span
		}
		return a.branch < b.branch
	})
	return rows
}

var activeColumns = []string{"organisation_id", "branch_id", "span", "client_id", "months"}

// activeTable is rows as a bulk table.
func activeTable(rows []activeRow) sqldb.Table {
	t := sqldb.Table{Name: "active_client_months", Cols: activeColumns}
	for _, r := range rows {
		t.Rows = append(t.Rows, []any{r.org, r.branch, r.span, r.client, r.months})
	}
	return t
}

// BulkActive is the active client months of a bulk batch's services, as
// a table for the bulk load to write.
func BulkActive(org int64, services []*opora.Service) sqldb.Table {
	am := newActiveMasks(nil)
	for _, sv := range services {
		am.add(activeService{org: org, client: sv.ClientID, branch: sv.BranchID, day: sv.RenderedOn.Time()})
	}
	return activeTable(am.rows())
}

// insertActive writes rows with multi-row INSERTs (plain ? placeholders on
// SQLite, see insertRows).
func insertActive(ctx context.Context, q queryer, dialect Dialect, rows []activeRow) error {
	return insertChunks(ctx, dialect, txExec(q), "active_client_months", activeColumns, "", activeTable(rows).Rows)
}

// RefreshActive rewrites a client's rows of active_client_months from the
// client's services: for the windows that hold the given years, or all of
// them when no year is given; and the client's client_service_ranges
// (refreshRanges). Every service write calls it in its transaction after
// changing the services.
//
// On PostgreSQL a transaction-scoped advisory lock keyed by the client's id
// (the store's only advisory lock) is taken first, so two transactions
// writing services of one client rewrite its rows one after the other, the
// second seeing the services of the first (read committed: each statement
// sees what was committed before it began). Unlike a row lock on the
// client it writes nothing to the client's row, which would clear the page's
// all-visible bit and cost the reports' index-only scans of clients until
// the next vacuum. SQLite has one writer.
func RefreshActive(ctx context.Context, q queryer, dialect Dialect, clientID int64, years ...int) error {
	if dialect == Postgres {
		if _, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, clientID); err != nil {
			return fmt.Errorf("store: active clients: %w", err)
		}
	}
	var spans map[int]bool
	del := `DELETE FROM active_client_months WHERE client_id = $1`
	// A deleted client has no rows: its services come back when it is restored.
	sel := `SELECT organisation_id, branch_id, client_id, rendered_on FROM services WHERE client_id = $1 AND deleted_at IS NULL
		AND EXISTS (SELECT 1 FROM clients WHERE id = $1 AND deleted_at IS NULL)`
	delArgs, selArgs := []any{clientID}, []any{clientID}
	if len(years) > 0 {
		spans = map[int]bool{}
		lo, hi := years[0], years[0]
		for _, y := range years {
			spans[y-1], spans[y] = true, true
			lo, hi = min(lo, y), max(hi, y)
		}
		list := make([]int, 0, len(spans))
		for sp := range spans {
			list = append(list, sp)
		}
		var in string
		in, delArgs = inList(delArgs, list)
		del += ` AND span IN (` + in + `)`
		// The services of the windows lo-1 … hi: years lo-1 to hi+1.
		sel += ` AND rendered_on >= $2 AND rendered_on < $3`
		selArgs = append(selArgs, time.Date(lo-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(hi+2, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	if _, err := q.ExecContext(ctx, del, delArgs...); err != nil {
		return fmt.Errorf("store: active clients: %w", err)
	}
	am := newActiveMasks(spans)
	if err := am.addRows(q.QueryContext(ctx, sel, selArgs...)); err != nil {
		return err
	}
	if err := insertActive(ctx, q, dialect, am.rows()); err != nil {
		return err
	}
	return refreshRanges(ctx, q, dialect, clientID)
}

// addRows collects services read as (organisation, branch, client, day).
func (am *activeMasks) addRows(rows *sql.Rows, err error) error {
	if err != nil {
		return fmt.Errorf("store: active clients: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sv activeService
		var day sql.NullTime
		if err := rows.Scan(&sv.org, &sv.branch, &sv.client, &day); err != nil {
			return fmt.Errorf("store: active clients: %w", err)
		}
		sv.day = dateOf(day)
		am.add(sv)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: active clients: %w", err)
	}
	return nil
}

// activeSpans are the windows a period of services touches: its first
// year's window, then every second year while the period goes on.
func activeSpans(from, to time.Time) []int {
	var spans []int
	for span := from.Year(); span <= to.Year(); span += 2 {
		spans = append(spans, span)
	}
	return spans
}

// periodMasks splits the months of window span that the period [from, to]
// touches into those it covers whole (full) and those it covers in part
// (edge).
func periodMasks(span int, from, to time.Time) (full, edge int64) {
	for i := 0; i < 24; i++ {
		first := time.Date(span, time.Month(i+1), 1, 0, 0, 0, 0, time.UTC)
		last := first.AddDate(0, 1, -1)
		switch {
		case last.Before(from) || first.After(to):
		case !first.Before(from) && !last.After(to):
			full |= 1 << i
		default:
			edge |= 1 << i
		}
	}
	return full, edge
}

// activeClients compiles "clients who received services" from
// active_client_months: distinct clients of services, organisation-wide,
// filtered by period and branches only, not grouped or grouped by branch.
// It returns nil for any other query. A client counts when a month of the
// period that the period covers whole has a service of theirs; for the
// months it covers in part (its first and last), their services are looked
// up by client, which is few lookups.
func activeClients(a *opora.Actor, q *opora.ReportQuery) *compiledReport {
	if q.Subject != opora.SubjectServices || q.Measure != opora.MeasureDistinctClients {
		return nil
	}
	if !sqldb.OrgWide(a, opora.PermReportRun) {
		return nil
	}
	if !activeClientsFeatures.supports(q) || len(q.GroupBy) > 1 {
		return nil
	}
	from, to := q.From.Time(), q.To.Time()
	args := []any{a.OrganisationID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// The period's ends, as parameters once the first cut month needs them.
	var inPeriod string
	period := func() string {
		if inPeriod == "" {
			inPeriod = "s.rendered_on >= " + arg(nullDate(from)) + " AND s.rendered_on <= " + arg(nullDate(to))
		}
		return inPeriod
	}
	// The branch condition of the total, then of the groups.
	total, groups := "m.branch_id = 0", "m.branch_id <> 0"
	oneKey := true
	if len(q.BranchIDs) > 0 {
		var in string
		in, args = inList(args, q.BranchIDs)
		total, groups = "m.branch_id IN ("+in+")", "m.branch_id IN ("+in+")"
		oneKey = len(q.BranchIDs) == 1
	}
	spans := activeSpans(from, to)
	var conds []string
	for _, span := range spans {
		full, edge := periodMasks(span, from, to)
		var or []string
		if full != 0 {
			or = append(or, "(m.months & "+arg(full)+") <> 0")
		}
		if edge != 0 {
			// Services are rendered in the row's branch, or anywhere for the
			// all-branches row.
			or = append(or, "((m.months & "+arg(edge)+") <> 0 AND EXISTS (SELECT 1 FROM services s"+
				" WHERE s.client_id = m.client_id AND "+period()+
				" AND s.deleted_at IS NULL AND (m.branch_id = 0 OR s.branch_id = m.branch_id)))")
		}
		if len(or) == 0 {
			continue
		}
		conds = append(conds, "(m.span = "+arg(span)+" AND ("+strings.Join(or, " OR ")+"))")
	}
	if len(conds) == 0 {
		conds = []string{"1 = 0"}
	}
	where := " FROM active_client_months m WHERE m.organisation_id = $1 AND (" + strings.Join(conds, " OR ") + ") AND "
	count := "COUNT(*)"
	if len(spans) > 1 || !oneKey {
		count = "COUNT(DISTINCT m.client_id)"
	}
	c := &compiledReport{args: args, columns: q.GroupBy}
	c.total = "SELECT " + count + where + total
	c.sql = c.total
	if len(q.GroupBy) == 1 {
		count = "COUNT(*)"
		if len(spans) > 1 {
			count = "COUNT(DISTINCT m.client_id)"
		}
		c.sql = "SELECT CAST(m.branch_id AS TEXT), " + count + where + groups + " GROUP BY m.branch_id ORDER BY m.branch_id"
	}
	return c
}

// FillActive fills active_client_months for a database that had services
// before the table existed (migration 00017), in one transaction; it does
// nothing once the table has rows or when there are no services. Each
// window is read from the services_report index alone.
func (s *Planner) FillActive(ctx context.Context) error {
	var filled, services bool
	if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM active_client_months),
		EXISTS (SELECT 1 FROM services WHERE deleted_at IS NULL)`).Scan(&filled, &services); err != nil {
		return fmt.Errorf("store: fill active clients: %w", err)
	}
	if filled || !services {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return buildActive(ctx, tx, s.dialect) })
}

// buildActive fills an empty active_client_months from the services of live
// clients, organisation by organisation and window by window.
func buildActive(ctx context.Context, tx *sql.Tx, dialect Dialect) error {
	var orgs []int64
	rows, err := tx.QueryContext(ctx, `SELECT id FROM organisations ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: fill active clients: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: fill active clients: %w", err)
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: fill active clients: %w", err)
	}
	for _, org := range orgs {
		// The first and last days (MIN and MAX lose the column's type on SQLite).
		var first, last sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT rendered_on FROM services WHERE organisation_id = $1
			ORDER BY rendered_on LIMIT 1`, org).Scan(&first)
		if err == nil {
			err = tx.QueryRowContext(ctx, `SELECT rendered_on FROM services WHERE organisation_id = $1
				ORDER BY rendered_on DESC LIMIT 1`, org).Scan(&last)
		}
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: fill active clients: %w", err)
		}
		for span := dateOf(first).Year() - 1; span <= dateOf(last).Year(); span++ {
			am := newActiveMasks(map[int]bool{span: true})
			if err := am.addRows(tx.QueryContext(ctx, `SELECT organisation_id, branch_id, client_id, rendered_on
				FROM services WHERE organisation_id = $1 AND rendered_on >= $2 AND rendered_on < $3
				AND deleted_at IS NULL AND client_id NOT IN (SELECT id FROM clients WHERE deleted_at IS NOT NULL)`,
				org, time.Date(span, 1, 1, 0, 0, 0, 0, time.UTC),
				time.Date(span+2, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
				return err
			}
			if err := insertActive(ctx, tx, dialect, am.rows()); err != nil {
				return err
			}
		}
	}
	return nil
}
