package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The raw-SQL floor: for each scenario, the main queries the server runs
// for it, with the same parameters, sent straight to the database through
// database/sql, one after another. The difference to the server's latency
// is what HTTP, sessions, permission checks, the other queries of the page,
// Go code and templates cost.
//
// Reports run the store's own compiled SQL (store.CompileReport); the
// profile page and recording a service replay the statements the store ran
// for them (replay_floor.go). The rest below COPIES the store's SQL. Each
// function names the store method it copies: when that method's SQL
// changes, change the copy here too, or the floor stops measuring what the
// server does. Their writes run in a transaction that is rolled back.

// floorDB runs floors on the bench's own connection.
type floorDB struct {
	db      *sql.DB
	st      *store.Store // compiles reports exactly as the server does
	dialect store.Dialect
	actor   *opora.Actor
	d       *data
	// pages and records are the traced requests the profile and the
	// record-a-service floors replay (replay_floor.go), stmts the replayed
	// reads' prepared statements.
	pages, records []tracedRequest
	stmts          replayStmts
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// drain reads every row of a result, as the store's scanners do.
func drain(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// one reads a single row.
func one(q queryer, ctx context.Context, query string, args ...any) error {
	_, err := firstRow(q, ctx, query, args...)
	return err
}

// firstRow reads a result and returns the values of its first row.
func firstRow(q queryer, ctx context.Context, query string, args ...any) ([]any, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var first []any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if first == nil {
			first = vals
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if first == nil {
		return nil, sql.ErrNoRows
	}
	return first, nil
}

// asInt64 reads an integer column value as either driver returns it.
func asInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// withRollback runs fn in a write transaction and rolls it back.
func (f *floorDB) withRollback(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// inList copies store.inList: "$n,$n+1,…" placeholders appended to args.
func inList[T any](args []any, vals []T) (string, []any) {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, v)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	return b.String(), args
}

// nullDate copies store.nullDate: the date at midnight UTC, NULL for zero.
func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// clientScope copies store.clientScope: the clients (alias c) the actor
// reaches with permission p.
func clientScope(a *opora.Actor, p opora.Permission, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(p)
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	cond := fmt.Sprintf("c.organisation_id = $%d", len(args))
	switch scope {
	case opora.ScopeOwn:
		args = append(args, a.UserID)
		cond += fmt.Sprintf(" AND (c.responsible_id = $%d OR c.created_by = $%d)", len(args), len(args))
	case opora.ScopeBranch:
		if len(a.BranchIDs) == 0 {
			return "1 = 0", args, nil
		}
		var in string
		in, args = inList(args, a.BranchIDs)
		cond += " AND c.branch_id IN (" + in + ")"
	}
	return cond, args, nil
}

// checkinScope copies store.checkinScope.
func checkinScope(a *opora.Actor, alias string, args []any) (string, []any, error) {
	scope, ok := a.ScopeOf(opora.PermCheckin)
	if a.Can(opora.PermAdminOrg) || a.Can(opora.PermDictionaryManage) {
		scope, ok = opora.ScopeOrganisation, true
	}
	if !ok {
		return "", nil, opora.ErrForbidden
	}
	args = append(args, a.OrganisationID)
	cond := fmt.Sprintf("%s.organisation_id = $%d", alias, len(args))
	if scope != opora.ScopeOrganisation {
		if len(a.BranchIDs) == 0 {
			return "1 = 0", args, nil
		}
		var in string
		in, args = inList(args, a.BranchIDs)
		cond += " AND " + alias + ".branch_id IN (" + in + ")"
	}
	return cond, args, nil
}

// clientColumns copies store.clientColumns.
const clientColumns = `c.id, c.organisation_id, c.branch_id, c.surname, c.first_name, c.patronymic,
	c.birth_date, c.birth_year, c.birth_precision, c.birth_place, c.gender, c.homeless_status, c.homeless_since,
	c.photo_id, c.thumb_id, c.responsible_id, c.consent_date, c.consent_by, c.consent_file_id, c.version,
	c.created_by, c.created_at, c.updated_by, c.updated_at, c.deleted_at, c.deleted_by, c.delete_reason, c.merged_into`

// insertAudit copies store.insertAudit.
func (f *floorDB) insertAudit(ctx context.Context, q queryer, action, entity string, entityID int64, section string, changes []opora.Change) error {
	text := ""
	if len(changes) > 0 {
		b, _ := json.Marshal(changes)
		text = string(b)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log
		(at, organisation_id, user_id, action, entity, entity_id, section, changes, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		now(), nullID(f.actor.OrganisationID), nullID(f.actor.UserID), action, entity, nullID(entityID), section, text, "127.0.0.1")
	return err
}

// addEvent copies store.addEvent.
func (f *floorDB) addEvent(ctx context.Context, q queryer, clientID int64, kind, entity string, entityID int64, summary string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO client_events (organisation_id, client_id, at, user_id, kind, entity, entity_id,
		sensitivity, summary, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.actor.OrganisationID, clientID, now(), nullID(f.actor.UserID), kind, entity, nullID(entityID), "", summary, "")
	return err
}

// now copies the store's clock: UTC, microseconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ---- client search ----

const (
	exactCandidates = 300 // copies store.exactCandidates
	maxVariants     = 40  // copies store.maxVariants
	searchPerPage   = 25  // copies web.searchPerPage
)

// search copies store.SearchClients for a query of name words: the
// exact-substring candidates, then, when they fill less than a page, the
// typo stage through the name-word dictionary (store.searchNames,
// store.nameCandidates, store.wordVariants). The re-ranking of candidates
// in Go is left out: it is not SQL.
func (f *floorDB) search(ctx context.Context, query string) error {
	var words []string
	for _, tok := range strings.Fields(query) {
		words = append(words, strings.Fields(store.NameKey(tok))...)
	}
	cond, args, err := clientScope(f.actor, opora.PermClientRead, nil)
	if err != nil {
		return err
	}
	where := cond + " AND c.deleted_at IS NULL AND c.merged_into IS NULL"
	n, err := f.nameCandidates(ctx, where, args, words, false)
	if err != nil {
		return err
	}
	long := false
	for _, w := range words {
		long = long || len(w) >= 3
	}
	if n < searchPerPage && long {
		_, err = f.nameCandidates(ctx, where, args, words, true)
	}
	return err
}

// nameCandidates copies store.nameCandidates.
func (f *floorDB) nameCandidates(ctx context.Context, where string, args []any, words []string, fuzzy bool) (int, error) {
	args = append([]any(nil), args...)
	var long [][]string
	var short []string
	for _, w := range words {
		if len(w) < 3 {
			short = append(short, w)
			continue
		}
		alts := []string{w}
		if fuzzy {
			vs, err := f.wordVariants(ctx, w)
			if err != nil {
				return 0, err
			}
			alts = append(alts, vs...)
		}
		long = append(long, alts)
	}
	for _, w := range short {
		args = append(args, w+"%", "% "+w+"%")
		where += fmt.Sprintf(" AND (c.search_key LIKE $%d OR c.search_key LIKE $%d)", len(args)-1, len(args))
	}
	limit := " LIMIT " + strconv.Itoa(exactCandidates)
	var query string
	switch {
	case f.dialect == store.Postgres:
		for _, alts := range long {
			var ors []string
			for _, w := range alts {
				args = append(args, "%"+w+"%")
				ors = append(ors, fmt.Sprintf("c.search_key LIKE $%d", len(args)))
			}
			where += " AND (" + strings.Join(ors, " OR ") + ")"
		}
		query = `SELECT ` + clientColumns + ` FROM clients c WHERE ` + where + ` ORDER BY c.search_key, c.id` + limit
	case len(long) == 0:
		query = `SELECT ` + clientColumns + ` FROM clients c WHERE ` + where + limit
	default:
		args = append(args, ftsExpr(long))
		query = `SELECT ` + clientColumns + ` FROM clients c
			WHERE c.id IN (SELECT rowid FROM clients_fts WHERE clients_fts MATCH $` + strconv.Itoa(len(args)) + `) AND ` + where + limit
	}
	return drain(f.db.QueryContext(ctx, query, args...))
}

// ftsExpr copies store.ftsExpr.
func ftsExpr(words [][]string) string {
	var parts []string
	for _, alts := range words {
		quoted := make([]string, len(alts))
		for i, w := range alts {
			quoted[i] = `"` + w + `"`
		}
		if len(quoted) == 1 {
			parts = append(parts, quoted[0])
		} else {
			parts = append(parts, "("+strings.Join(quoted, " OR ")+")")
		}
	}
	return strings.Join(parts, " AND ")
}

// wordVariants copies store.wordVariants: the dictionary words sharing
// enough trigrams with the typed word, kept when within typing distance.
func (f *floorDB) wordVariants(ctx context.Context, q string) ([]string, error) {
	k := maxTypos(len(q))
	if k == 0 {
		return nil, nil
	}
	grams := nameGrams(q)
	in, args := inList(nil, grams)
	args = append(args, max(1, len(grams)-3*k))
	rows, err := f.db.QueryContext(ctx, `SELECT word FROM name_word_grams WHERE gram IN (`+in+`)
		GROUP BY word HAVING COUNT(*) >= $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type variant struct {
		w string
		d int
	}
	var out []variant
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		if w == q {
			continue
		}
		if d := editDistance(q, w); d <= k {
			out = append(out, variant{w, d})
		} else if len(w) > len(q) {
			if d := editDistance(q, w[:len(q)]); d <= min(k, 1) {
				out = append(out, variant{w, d + 1})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].w < out[j].w
	})
	res := make([]string, 0, min(len(out), maxVariants))
	for i := 0; i < len(out) && i < maxVariants; i++ {
		res = append(res, out[i].w)
	}
	return res, nil
}

// nameGrams copies store.nameGrams.
func nameGrams(w string) []string {
	p := "  " + w + " "
	seen := map[string]bool{}
	var out []string
	for i := 0; i+3 <= len(p); i++ {
		if g := p[i : i+3]; !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// maxTypos copies store.maxTypos.
func maxTypos(n int) int {
	switch {
	case n <= 3:
		return 0
	case n <= 5:
		return 1
	}
	return 2
}

// editDistance copies store.editDistance (optimal string alignment).
func editDistance(a, b string) int {
	if a == b {
		return 0
	}
	n, m := len(a), len(b)
	if n == 0 {
		return m
	}
	if m == 0 {
		return n
	}
	prev2 := make([]int, m+1)
	prev := make([]int, m+1)
	cur := make([]int, m+1)
	for j := 0; j <= m; j++ {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

// ---- check-in tick ----

// shiftColumns and shiftFrom copy the store's.
const shiftColumns = `sh.id, sh.organisation_id, sh.branch_id, sh.point_id, p.name, p.kind, sh.shift_date, sh.starts, sh.ends,
	sh.status, sh.opened_by, sh.opened_at, sh.closed_by, sh.closed_at`

const shiftFrom = ` FROM checkin_shifts sh JOIN checkin_points p ON p.id = sh.point_id`

// tick copies store.RecordTicks (store.recordTicks) for one tick of a
// check-in person ("p<id>") or a client ("c<id>"): the shift, the point's
// items, the person (store.livePerson, or store.ensureClientPerson), their
// client (store.personClient), the visit INSERT, its timeline event, the
// audit row and the counters (store.checkinCounters); rolled back.
func (f *floorDB) tick(ctx context.Context, shiftID int64, person string, item int64, tickID string) error {
	a := f.actor
	return f.withRollback(ctx, func(tx *sql.Tx) error {
		cond, args, err := checkinScope(a, "sh", []any{shiftID})
		if err != nil {
			return err
		}
		sh, err := firstRow(tx, ctx, `SELECT `+shiftColumns+shiftFrom+` WHERE sh.id = $1 AND `+cond, args...)
		if err != nil {
			return err
		}
		branchID, pointID, day := asInt64(sh[2]), asInt64(sh[3]), sh[6]
		pointName, _ := sh[4].(string)
		if _, err := drain(tx.QueryContext(ctx, `SELECT id, organisation_id, point_id, name, position, disabled FROM checkin_items
			WHERE point_id IN ($1) ORDER BY point_id, position, id`, pointID)); err != nil {
			return err
		}
		var pid int64
		id, _ := strconv.ParseInt(person[1:], 10, 64)
		if person[0] == 'c' {
			if pid, err = f.ensureClientPerson(ctx, tx, branchID, id); err != nil {
				return err
			}
		} else {
			var merged sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT merged_into FROM checkin_persons WHERE id = $1 AND organisation_id = $2`,
				id, a.OrganisationID).Scan(&merged); err != nil {
				return err
			}
			pid = id
		}
		// store.personClient
		var client, merged sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT p.client_id, c.merged_into FROM checkin_persons p
			LEFT JOIN clients c ON c.id = p.client_id WHERE p.id = $1`, pid).Scan(&client, &merged); err != nil {
			return err
		}
		var visit int64
		err = tx.QueryRowContext(ctx, `INSERT INTO checkin_visits (organisation_id, branch_id, point_id, shift_id, person_id,
			client_id, item_id, visited_on, tick_id, device_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id`,
			a.OrganisationID, branchID, pointID, shiftID, pid, nullID(client.Int64), item, day, tickID,
			time.Now().Format(time.RFC3339), nullID(a.UserID), now()).Scan(&visit)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if visit != 0 && client.Valid {
			if err := f.addEvent(ctx, tx, client.Int64, opora.EventVisit, "checkin_visit", visit, pointName); err != nil {
				return err
			}
		}
		if err := f.insertAudit(ctx, tx, string(opora.ActionCreate), "checkin_shift", shiftID, "ticks",
			[]opora.Change{{Field: "visits", New: "1"}, {Field: "new_persons", New: "0"}}); err != nil {
			return err
		}
		// store.checkinCounters
		_, err = drain(tx.QueryContext(ctx, `SELECT -1, COUNT(DISTINCT person_id) FROM checkin_visits WHERE shift_id = $1
			UNION ALL SELECT item_id, COUNT(*) FROM checkin_visits WHERE shift_id = $1 GROUP BY item_id`, shiftID))
		return err
	})
}

// ensureClientPerson copies store.ensureClientPerson: the client's
// check-in row, made on their first visit.
func (f *floorDB) ensureClientPerson(ctx context.Context, tx *sql.Tx, branchID, clientID int64) (int64, error) {
	a := f.actor
	if err := one(tx, ctx, `SELECT merged_into FROM clients WHERE id = $1`, clientID); err != nil {
		return 0, err
	}
	var surname, first, gender string
	var year sql.NullInt64
	var deleted sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT surname, first_name, birth_year, gender, deleted_at FROM clients
		WHERE id = $1 AND organisation_id = $2`, clientID, a.OrganisationID).Scan(&surname, &first, &year, &gender, &deleted); err != nil {
		return 0, err
	}
	find := func() (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM checkin_persons WHERE client_id = $1 AND merged_into IS NULL`, clientID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, err
	}
	id, err := find()
	if err != nil || id != 0 {
		return id, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkin_persons (organisation_id, branch_id, surname, first_name, birth_year,
		gender, search_key, client_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT DO NOTHING`,
		a.OrganisationID, branchID, surname, first, year, gender, store.NameKey(surname+" "+first), clientID,
		nullID(a.UserID), now()); err != nil {
		return 0, err
	}
	return find()
}

// ---- reports ----

// reportSpec is one report the bench runs: a subject, a measure, up to two
// groupings and a period, with no filters.
type reportSpec struct {
	subject  opora.ReportSubject
	measure  opora.Measure
	dims     []opora.Dimension
	from, to time.Time
}

// query is the spec as the builder's query model.
func (r reportSpec) query() *opora.ReportQuery {
	return &opora.ReportQuery{Subject: r.subject, Measure: r.measure, GroupBy: r.dims, From: r.from, To: r.to}
}

// report runs the SQL store.RunReport sends for the spec (from
// store.CompileReport, so it is never out of step): the grouped query (or
// its parts), then the total when it does not add up from the groups. The
// labels of ids are left out.
func (f *floorDB) report(ctx context.Context, r reportSpec) error {
	st, err := f.st.CompileReport(opora.WithActor(ctx, f.actor), r.query())
	if err != nil {
		return err
	}
	if len(st.Parts) == 0 {
		if _, err := drain(f.db.QueryContext(ctx, st.Query, st.Args...)); err != nil {
			return err
		}
	}
	// A split report's parts, one after another as everything here.
	for i, part := range st.Parts {
		if _, err := drain(f.db.QueryContext(ctx, part, st.PartArgs[i]...)); err != nil {
			return err
		}
	}
	if st.Total == "" {
		return nil
	}
	return one(f.db, ctx, st.Total, st.TotalArgs...)
}

// ---- services register ----

// registerSpec is the services register the export scenario downloads: a
// period with no filters, and how many rows the daily counts promise.
type registerSpec struct {
	from, to time.Time
	expect   int64
}

func (r registerSpec) name() string {
	return fmt.Sprintf("services register %s–%s (%d days, about %s services by the daily counts)",
		r.from.Format("02.01.2006"), r.to.Format("02.01.2006"), int(r.to.Sub(r.from).Hours()/24)+1, fmtInt(r.expect))
}

// values are the register export's parameters.
func (r registerSpec) values() url.Values {
	return url.Values{"from": {r.from.Format("2006-01-02")}, "to": {r.to.Format("2006-01-02")}}
}

// query is the spec as the register's query model.
func (r registerSpec) query() *opora.RegisterQuery {
	return &opora.RegisterQuery{From: r.from, To: r.to}
}

// register runs the SQL the register export sends (from
// store.CompileServiceRegister, so it is never out of step): the count
// with the sum, then every row. Turning rows into a spreadsheet is left out.
func (f *floorDB) register(ctx context.Context, r registerSpec) error {
	st, err := f.st.CompileServiceRegister(opora.WithActor(ctx, f.actor), r.query())
	if err != nil {
		return err
	}
	if err := one(f.db, ctx, st.Count, st.CountArgs...); err != nil {
		return err
	}
	_, err = drain(f.db.QueryContext(ctx, st.Query, st.Args...))
	return err
}
