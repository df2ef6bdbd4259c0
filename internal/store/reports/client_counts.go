package reports

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// client_counts, client_day_counts and client_answer_counts (migration
// 00021) count new clients per registration month and the attributes
// reports of new clients group and filter by, per registration day and
// branch, and per day, branch and choice of each choice field. They are moved by deltas: a write that may change what
// a client counts as reads the client's tally before and after it, in its
// transaction, and adds the difference (RecountClients). report.go reads
// them in countedClients.

// clientCountKey is one row of client_counts.
type clientCountKey struct {
	org       int64
	month     time.Time
	branch    int64
	gender    string
	birthYear int64
	homeless  string
}

// dayCountKey is one row of client_day_counts.
type dayCountKey struct {
	org    int64
	day    time.Time
	branch int64
}

// answerCountKey is one row of client_answer_counts; option 0 counts the
// clients who answered the field at all.
type answerCountKey struct {
	org, field int64
	day        time.Time
	branch     int64
	option     int64
}

// clientTally is what the counts hold of one client: nothing unless the
// client is live (not deleted, not merged away).
type clientTally struct {
	live    bool
	key     clientCountKey
	day     time.Time  // the local day of registration
	options [][2]int64 // distinct (field, option) of main-questionnaire answers with an option
}

// countDay is the server's local day of a registration time, as a date.
func countDay(created time.Time) time.Time {
	l := created.In(time.Local)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// newTally is the tally of a live client without answers.
func newTally(org int64, created time.Time, branch int64, gender string, birthYear int64, homeless string) *clientTally {
	day := countDay(created)
	return &clientTally{live: true, day: day,
		key: clientCountKey{org, day.AddDate(0, 0, 1-day.Day()), branch, gender, birthYear, homeless}}
}

// clientCounts collects deltas of both tables.
type clientCounts struct {
	clients map[clientCountKey]int64
	days    map[dayCountKey]int64
	answers map[answerCountKey]int64
}

func newClientCounts() *clientCounts {
	return &clientCounts{clients: map[clientCountKey]int64{}, days: map[dayCountKey]int64{}, answers: map[answerCountKey]int64{}}
}

// add counts a tally with sign 1, or takes it away with -1.
func (cc *clientCounts) add(t *clientTally, sign int64) {
	if t == nil || !t.live {
		return
	}
	cc.clients[t.key] += sign
	cc.days[dayCountKey{t.key.org, t.day, t.key.branch}] += sign
	fields := map[int64]bool{}
	for _, fo := range t.options {
		cc.answers[answerCountKey{t.key.org, fo[0], t.day, t.key.branch, fo[1]}] += sign
		if !fields[fo[0]] {
			fields[fo[0]] = true
			cc.answers[answerCountKey{t.key.org, fo[0], t.day, t.key.branch, 0}] += sign
		}
	}
}

var (
	clientCountColumns = []string{"organisation_id", "month", "branch_id", "gender", "birth_year", "homeless_status", "clients"}
	clientCountUpsert  = ` ON CONFLICT (organisation_id, month, branch_id, gender, birth_year, homeless_status)
		DO UPDATE SET clients = client_counts.clients + excluded.clients`
	dayCountColumns = []string{"organisation_id", "day", "branch_id", "clients"}
	dayCountUpsert  = ` ON CONFLICT (organisation_id, day, branch_id)
		DO UPDATE SET clients = client_day_counts.clients + excluded.clients`
	answerCountColumns = []string{"organisation_id", "field_id", "day", "branch_id", "option_id", "clients"}
	answerCountUpsert  = ` ON CONFLICT (organisation_id, field_id, day, branch_id, option_id)
		DO UPDATE SET clients = client_answer_counts.clients + excluded.clients`
)

// write adds the collected non-zero deltas, 300 rows per statement, in key
// order (concurrent writers on PostgreSQL lock rows in the same order).
func (cc *clientCounts) write(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error) error {
	clients := nonZero(cc.clients, func(a, b clientCountKey) int {
		return cmp.Or(cmp.Compare(a.org, b.org), a.month.Compare(b.month), cmp.Compare(a.branch, b.branch),
			cmp.Compare(a.gender, b.gender), cmp.Compare(a.birthYear, b.birthYear), cmp.Compare(a.homeless, b.homeless))
	})
	var rows [][]any
	for _, k := range clients {
		rows = append(rows, []any{k.org, nullDate(k.month), k.branch, k.gender, k.birthYear, k.homeless, cc.clients[k]})
	}
	if err := insertChunks(ctx, dialect, exec, "client_counts", clientCountColumns, clientCountUpsert, rows); err != nil {
		return err
	}
	days := nonZero(cc.days, func(a, b dayCountKey) int {
		return cmp.Or(cmp.Compare(a.org, b.org), a.day.Compare(b.day), cmp.Compare(a.branch, b.branch))
	})
	rows = rows[:0]
	for _, k := range days {
		rows = append(rows, []any{k.org, nullDate(k.day), k.branch, cc.days[k]})
	}
	if err := insertChunks(ctx, dialect, exec, "client_day_counts", dayCountColumns, dayCountUpsert, rows); err != nil {
		return err
	}
	answers := nonZero(cc.answers, func(a, b answerCountKey) int {
		return cmp.Or(cmp.Compare(a.org, b.org), cmp.Compare(a.field, b.field), a.day.Compare(b.day),
			cmp.Compare(a.branch, b.branch), cmp.Compare(a.option, b.option))
	})
	rows = rows[:0]
	for _, k := range answers {
		rows = append(rows, []any{k.org, k.field, nullDate(k.day), k.branch, k.option, cc.answers[k]})
	}
	return insertChunks(ctx, dialect, exec, "client_answer_counts", answerCountColumns, answerCountUpsert, rows)
}

// nonZero returns the keys of m with a non-zero delta, sorted.
func nonZero[K comparable](m map[K]int64, compare func(a, b K) int) []K {
	var keys []K
	for k, n := range m {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compare)
	return keys
}

// readTally reads what the counts hold of one client now.
func readTally(ctx context.Context, q queryer, clientID int64) (*clientTally, error) {
	var org, branch int64
	var created time.Time
	var year sql.NullInt64
	var gender, homeless sql.NullString
	var live bool
	err := q.QueryRowContext(ctx, `SELECT organisation_id, created_at, branch_id, gender, birth_year, homeless_status,
		CASE WHEN deleted_at IS NULL AND merged_into IS NULL THEN 1 ELSE 0 END FROM clients WHERE id = $1`, clientID).
		Scan(&org, &created, &branch, &gender, &year, &homeless, &live)
	if err == sql.ErrNoRows || err == nil && !live {
		return &clientTally{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: client counts: %w", err)
	}
	t := newTally(org, created, branch, gender.String, year.Int64, homeless.String)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT field_id, option_id FROM answers
		WHERE client_id = $1 AND filling_id IS NULL AND option_id IS NOT NULL ORDER BY 1, 2`, clientID)
	if err != nil {
		return nil, fmt.Errorf("store: client counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var fo [2]int64
		if err := rows.Scan(&fo[0], &fo[1]); err != nil {
			return nil, fmt.Errorf("store: client counts: %w", err)
		}
		t.options = append(t.options, fo)
	}
	return t, rows.Err()
}

// RecountClients runs write, a change to the given clients inside tx, and
// moves the counts by the difference it made to their tallies; it also
// copies the clients' attributes onto their client_service_ranges. On
// PostgreSQL the clients' advisory locks (the same keys RefreshActive
// takes) are taken first, in id order, so a concurrent write of the same
// client reads its "before" only after this one committed.
func (s *Planner) RecountClients(ctx context.Context, tx *sql.Tx, ids []int64, write func() error) error {
	ids = append([]int64(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if s.dialect == Postgres {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, id); err != nil {
				return fmt.Errorf("store: client counts: %w", err)
			}
		}
	}
	before := make([]*clientTally, len(ids))
	for i, id := range ids {
		t, err := readTally(ctx, tx, id)
		if err != nil {
			return err
		}
		before[i] = t
	}
	if err := write(); err != nil {
		return err
	}
	cc := newClientCounts()
	for i, id := range ids {
		after, err := readTally(ctx, tx, id)
		if err != nil {
			return err
		}
		cc.add(before[i], -1)
		cc.add(after, 1)
		if err := copyRangeAttrs(ctx, tx, id); err != nil {
			return err
		}
	}
	return cc.write(ctx, s.dialect, txExec(tx))
}

// CountNewClient counts a client created in tx.
func (s *Planner) CountNewClient(ctx context.Context, tx *sql.Tx, id int64) error {
	t, err := readTally(ctx, tx, id)
	if err != nil {
		return err
	}
	cc := newClientCounts()
	cc.add(t, 1)
	return cc.write(ctx, s.dialect, txExec(tx))
}

// addNew counts a bulk batch's new clients and their answers.
func (cc *clientCounts) addNew(clients []*opora.Client, answers [][3]int64) {
	tallies := map[int64]*clientTally{}
	for _, c := range clients {
		if c.Deleted() || c.MergedInto != 0 {
			continue
		}
		tallies[c.ID] = newTally(c.OrganisationID, c.CreatedAt, c.BranchID, string(c.Gender), int64(c.BirthYear),
			string(c.HomelessStatus))
	}
	seen := map[[3]int64]bool{}
	for _, k := range answers {
		t := tallies[k[0]]
		if t == nil || k[2] == 0 || seen[k] {
			continue
		}
		seen[k] = true
		t.options = append(t.options, [2]int64{k[1], k[2]})
	}
	for _, t := range tallies {
		cc.add(t, 1)
	}
}

// FillClientCounts fills client_counts, client_day_counts and
// client_answer_counts for a
// database that had clients before the tables existed (migration 00021),
// in one transaction; it does nothing once they have rows or when there
// are no clients.
func (s *Planner) FillClientCounts(ctx context.Context) error {
	var filled, clients bool
	if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM client_counts),
		EXISTS (SELECT 1 FROM clients WHERE deleted_at IS NULL AND merged_into IS NULL)`).Scan(&filled, &clients); err != nil {
		return fmt.Errorf("store: fill client counts: %w", err)
	}
	if filled || !clients {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		cc, err := tallyClients(ctx, tx)
		if err != nil {
			return err
		}
		return cc.write(ctx, s.dialect, txExec(tx))
	})
}

// tallyClients counts every live client and its main answers with an
// option, from the clients and answers tables.
func tallyClients(ctx context.Context, tx *sql.Tx) (*clientCounts, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, organisation_id, created_at, branch_id, gender, birth_year, homeless_status
		FROM clients WHERE deleted_at IS NULL AND merged_into IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: tally clients: %w", err)
	}
	tallies := map[int64]*clientTally{}
	for rows.Next() {
		var id, org, branch int64
		var created time.Time
		var year sql.NullInt64
		var gender, homeless sql.NullString
		if err := rows.Scan(&id, &org, &created, &branch, &gender, &year, &homeless); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: tally clients: %w", err)
		}
		tallies[id] = newTally(org, created, branch, gender.String, year.Int64, homeless.String)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tally clients: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT DISTINCT client_id, field_id, option_id FROM answers
		WHERE filling_id IS NULL AND option_id IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: tally clients: %w", err)
	}
	for rows.Next() {
		var id int64
		var fo [2]int64
		if err := rows.Scan(&id, &fo[0], &fo[1]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: tally clients: %w", err)
		}
		if t := tallies[id]; t != nil {
			t.options = append(t.options, fo)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tally clients: %w", err)
	}
	cc := newClientCounts()
	for _, t := range tallies {
		cc.add(t, 1)
	}
	return cc, nil
}

// countedClients answers a count of new clients from the client counts
// when it can: organisation-wide, grouped by period buckets, branch, gender,
// housing status and age band (with the birthdays after the period's last
// day put right from clients), filtered by period, branch, gender and
// housing status (client_counts: the months the period covers whole come
// from the counts, the days it cuts at either end from clients); or grouped
// by one choice field of the main questionnaire (with period buckets and
// branch), filtered by period and branch (client_answer_counts and
// client_day_counts, by day). It returns nil when the query needs anything
// else (it then runs on clients alone).
func (s *Planner) countedClients(ctx context.Context, a *opora.Actor, q *opora.ReportQuery) (*compiledReport, error) {
	if q.Subject != opora.SubjectClients || q.Measure != opora.MeasureCount || !clientCountsFeatures.supports(q) {
		return nil, nil
	}
	if !sqldb.OrgWide(a, opora.PermReportRun) {
		return nil, nil
	}
	var field int64
	attrs := q.Gender != "" || q.HomelessStatus != ""
	for _, d := range q.GroupBy {
		switch d {
		case opora.DimMonth, opora.DimQuarter, opora.DimYear, opora.DimBranch:
		case opora.DimGender, opora.DimHomeless, opora.DimAgeBand:
			attrs = true
		default:
			fid, ok := d.FieldID()
			if !ok || field != 0 {
				return nil, nil
			}
			typ, err := s.reportField(ctx, a, fid)
			if err != nil {
				return nil, err
			}
			if typ != "choice" && typ != "multichoice" {
				return nil, nil
			}
			field = fid
		}
	}
	if field != 0 && attrs {
		return nil, nil
	}
	def := clientCountsSubject
	var args []any
	// The counts cover [first, end): by a choice field, the period's days;
	// otherwise its whole months, from the first month that starts inside
	// the period to the last one that ends inside it.
	first, end := q.From.Time(), q.To.Time().AddDate(0, 0, 1)
	if field != 0 {
		args = append(args, field)
		def.from = `(SELECT organisation_id, day, branch_id, option_id, clients FROM client_answer_counts
			WHERE field_id = $1 AND option_id <> 0
			UNION ALL SELECT organisation_id, day, branch_id, NULL, clients FROM client_day_counts
			UNION ALL SELECT organisation_id, day, branch_id, NULL, -clients FROM client_answer_counts
			WHERE field_id = $1 AND option_id = 0) c`
		def.date, def.option = "c.day", "c.option_id"
	} else {
		first = time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, time.UTC)
		if q.From.Day() != 1 {
			first = first.AddDate(0, 1, 0)
		}
		end = time.Date(q.To.Year(), q.To.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0) // the month after To's
		if q.To.AddDate(0, 0, 1).Day() != 1 {
			end = end.AddDate(0, -1, 0)
		}
		if !first.Before(end) {
			return nil, nil
		}
	}
	counts, err := s.reportParts(ctx, a, q, def, partsOptions{args: args, from: first, to: end.AddDate(0, 0, -1)})
	if err != nil {
		return nil, err
	}
	parts := []*reportParts{counts}
	local := func(d time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.Local).UTC()
	}
	raw := reportSubjects[opora.SubjectClients]
	args = counts.args
	for _, edge := range [][2]time.Time{{q.From.Time(), first}, {end, q.To.Time().AddDate(0, 0, 1)}} {
		if !edge[0].Before(edge[1]) {
			continue
		}
		p, err := s.reportParts(ctx, a, q, raw, partsOptions{args: args, stamps: true,
			from: local(edge[0]), to: local(edge[1])})
		if err != nil {
			return nil, err
		}
		parts, args = append(parts, p), p.args
	}
	if slices.Contains(q.GroupBy, opora.DimAgeBand) {
		// The counts keep the birth year: their bands are the difference of
		// years. A client whose birthday (known to the day) comes after the
		// period's last day is a year younger, which moves them to the band
		// below only from a band's first year: those clients of the counted
		// months are taken out of the band of their birth year and put into
		// the band of their age.
		var years []string
		for _, b := range opora.AgeBands {
			years = append(years, strconv.Itoa(q.To.Year()-b[0]))
		}
		cohort := func(arg func(any) string) []string {
			return []string{"c.created_at >= " + arg(local(first)), "c.created_at < " + arg(local(end)),
				"c.birth_date IS NOT NULL", s.dialect.MonthDay("c.birth_date") + " > '" + q.To.Format("0102") + "'",
				"c.birth_year IN (" + strings.Join(years, ", ") + ")"}
		}
		byYear := raw
		byYear.birthDate = false
		for _, def := range []subjectSQL{byYear, raw} {
			p, err := s.reportParts(ctx, a, q, def, partsOptions{args: args, period: cohort})
			if err != nil {
				return nil, err
			}
			if !def.birthDate {
				p.measure = "-" + p.measure
			}
			parts, args = append(parts, p), p.args
		}
	}
	c := &compiledReport{args: args, columns: q.GroupBy}
	var arms, keys []string
	for i := range q.GroupBy {
		keys = append(keys, fmt.Sprintf("k%d", i))
	}
	for _, p := range parts {
		var sel []string
		for i, k := range p.keys {
			sel = append(sel, k+" AS "+keys[i])
		}
		arm := "SELECT " + strings.Join(append(sel, p.measure+" AS v"), ", ") + p.base()
		if len(keys) > 0 {
			arm += " GROUP BY " + strings.Join(keys, ", ")
		}
		arms = append(arms, arm)
	}
	union := " FROM (" + strings.Join(arms, " UNION ALL ") + ") u"
	if len(keys) == 0 {
		c.sql = "SELECT COALESCE(SUM(v), 0)" + union
		return c, nil
	}
	list := strings.Join(keys, ", ")
	// Groups the counts bring to zero (everyone answered, say) are not shown:
	// counting the clients would not have found them.
	c.sql = "SELECT " + list + ", SUM(v)" + union + " GROUP BY " + list + " HAVING SUM(v) <> 0 ORDER BY " + list
	if field != 0 {
		// A client may choose several options: the total is the new clients
		// of the period's days.
		def := clientCountsSubject
		def.from, def.date = "client_day_counts c", "c.day"
		tq := *q
		tq.GroupBy = nil
		t, err := s.reportParts(ctx, a, &tq, def, partsOptions{from: q.From.Time(), to: q.To.Time()})
		if err != nil {
			return nil, err
		}
		c.total, c.totalArgs = "SELECT "+t.measure+t.base(), t.args
	}
	return c, nil
}

// clientCountsSubject reads client_counts as clients (alias c, with the
// clients' column names) for countedClients; birth year 0 reads as unknown.
var clientCountsSubject = subjectSQL{
	from: `(SELECT organisation_id, month, branch_id, gender, NULLIF(birth_year, 0) AS birth_year, homeless_status, clients
		FROM client_counts) c`,
	where:  "1 = 1",
	date:   "c.month",
	branch: "c.branch_id",
	sum:    "c.clients",
	scope: func(a *opora.Actor, args []any) (string, []any, error) {
		args = append(args, a.OrganisationID)
		return fmt.Sprintf("c.organisation_id = $%d", len(args)), args, nil
	},
}
