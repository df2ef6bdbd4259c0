package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/opora-project/opora/internal/opora"
)

// CheckinRow is one person as the duty worker's phone sees them: only what
// the check-in needs (name, birth year, gender, a thumbnail when the actor
// may see the profile photo, and the rule violations in force).
type CheckinRow struct {
	Key       string        `json:"k"` // "p<id>" a check-in person, "c<id>" a client with no check-in row yet
	Surname   string        `json:"s"`
	FirstName string        `json:"f,omitempty"`
	BirthYear int           `json:"y,omitempty"`
	Gender    string        `json:"g,omitempty"`
	Profile   bool          `json:"p,omitempty"` // has a full client record
	Thumb     string        `json:"t,omitempty"`
	Flags     []CheckinFlag `json:"r,omitempty"`
	Ticked    []int64       `json:"x,omitempty"`  // items already recorded at this shift (0 = came)
	TickIDs   []string      `json:"xi,omitempty"` // the ticks of those items, for undo
	UID       string        `json:"u,omitempty"`  // the id a phone made when it added the person
	clientID  int64
	personID  int64
	key       string // NameKey of the name, for ranking search matches
}

// CheckinFlag is an active rule violation or restriction shown at the door.
type CheckinFlag struct {
	Kind string `json:"k"` // violation | restriction
	Text string `json:"d"`
	Ends string `json:"e,omitempty"` // last day, YYYY-MM-DD
}

// CheckinCounts are a shift's counters: people and each item given.
type CheckinCounts struct {
	People int           `json:"people"`
	Items  map[int64]int `json:"items"` // item id → count; 0 = came
}

// regularsDays is how far back a visit makes someone a regular of a point.
const regularsDays = 365

// maxRegulars caps the offline dataset of one point.
const maxRegulars = 5000

// CheckinPeople returns the offline search dataset of a shift: the regulars
// of its point (anyone recorded there within a year) with what they already
// got at this shift. Needs checkin.use on the shift.
func (s *Store) CheckinPeople(ctx context.Context, shiftID int64) ([]*CheckinRow, error) {
	sh, err := s.CheckinShift(ctx, shiftID)
	if err != nil {
		return nil, err
	}
	a := opora.ActorFrom(ctx)
	rows, err := s.r.QueryContext(ctx, `SELECT `+checkinRowColumns+`
		FROM checkin_persons p LEFT JOIN clients c ON c.id = p.client_id AND c.deleted_at IS NULL
		WHERE p.organisation_id = $1 AND p.merged_into IS NULL AND p.id IN
		(SELECT v.person_id FROM checkin_visits v WHERE v.point_id = $2 AND v.visited_on >= $3 AND v.organisation_id = $1)
		ORDER BY 3, 4, p.id LIMIT $4`,
		a.OrganisationID, sh.PointID, sh.Date.AddDate(0, 0, -regularsDays), maxRegulars)
	if err != nil {
		return nil, fmt.Errorf("store: checkin people: %w", err)
	}
	out, err := scanCheckinRows(rows)
	if err != nil {
		return nil, err
	}
	if err := s.decorateRows(ctx, sh, out); err != nil {
		return nil, err
	}
	return out, s.logView(ctx, "checkin_shift", sh.ID, "people")
}

// checkinRowColumns are what scanCheckinRows reads, from check-in persons p
// left-joined to their live clients c.
const checkinRowColumns = `p.id, COALESCE(c.id, 0), COALESCE(c.surname, p.surname), COALESCE(c.first_name, p.first_name),
	COALESCE(c.birth_year, p.birth_year, 0), COALESCE(c.gender, p.gender), COALESCE(p.uid, ''),
	COALESCE(c.search_key, p.search_key)`

func scanCheckinRows(rows *sql.Rows) ([]*CheckinRow, error) {
	defer rows.Close()
	var out []*CheckinRow
	for rows.Next() {
		r := &CheckinRow{}
		var year sql.NullInt64
		if err := rows.Scan(&r.personID, &r.clientID, &r.Surname, &r.FirstName, &year, &r.Gender, &r.UID, &r.key); err != nil {
			return nil, fmt.Errorf("store: checkin people: %w", err)
		}
		r.BirthYear = int(year.Int64)
		if r.personID != 0 {
			r.Key = "p" + idStr(r.personID)
		} else {
			r.Key = "c" + idStr(r.clientID)
		}
		r.Profile = r.clientID != 0
		out = append(out, r)
	}
	return out, rows.Err()
}

// decorateRows adds what was already ticked at the shift, active
// restrictions and thumbnails.
func (s *Store) decorateRows(ctx context.Context, sh *opora.CheckinShift, out []*CheckinRow) error {
	if len(out) == 0 {
		return nil
	}
	a := opora.ActorFrom(ctx)
	byPerson := map[int64]*CheckinRow{}
	var clientIDs []int64
	for _, r := range out {
		if r.personID != 0 {
			byPerson[r.personID] = r
		}
		if r.clientID != 0 {
			clientIDs = append(clientIDs, r.clientID)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT person_id, item_id, tick_id FROM checkin_visits WHERE shift_id = $1 ORDER BY item_id`, sh.ID)
	if err != nil {
		return fmt.Errorf("store: checkin ticked: %w", err)
	}
	for rows.Next() {
		var pid, item int64
		var tick string
		if err := rows.Scan(&pid, &item, &tick); err != nil {
			rows.Close()
			return fmt.Errorf("store: checkin ticked: %w", err)
		}
		if r := byPerson[pid]; r != nil {
			r.Ticked = append(r.Ticked, item)
			r.TickIDs = append(r.TickIDs, tick)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: checkin ticked: %w", err)
	}
	if len(clientIDs) == 0 {
		return nil
	}
	restr, err := s.ActiveRestrictions(ctx, clientIDs)
	if err != nil {
		return err
	}
	thumbs := map[int64]bool{}
	if a.Can(opora.PermClientRead) {
		cond, args, err := clientScope(a, opora.PermClientRead, nil)
		if err != nil {
			return err
		}
		var in string
		in, args = inList(args, clientIDs)
		trows, err := s.r.QueryContext(ctx, `SELECT c.id FROM clients c WHERE `+cond+` AND c.thumb_id IS NOT NULL
			AND c.deleted_at IS NULL AND c.id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: checkin thumbs: %w", err)
		}
		for trows.Next() {
			var id int64
			if err := trows.Scan(&id); err != nil {
				trows.Close()
				return fmt.Errorf("store: checkin thumbs: %w", err)
			}
			thumbs[id] = true
		}
		trows.Close()
		if err := trows.Err(); err != nil {
			return fmt.Errorf("store: checkin thumbs: %w", err)
		}
	}
	for _, r := range out {
		if r.clientID == 0 {
			continue
		}
		for _, x := range restr[r.clientID] {
			r.Flags = append(r.Flags, CheckinFlag{Kind: string(x.Kind), Text: x.Description, Ends: dateString(x.EndsOn)})
		}
		if thumbs[r.clientID] {
			r.Thumb = "/clients/" + idStr(r.clientID) + "/photo/thumb"
		}
	}
	return nil
}

// SearchCheckinPeople finds people for the shift's page when online, with
// the main search's matcher (search.go): the name as typed, in either
// alphabet, with typing errors, best match first. It looks among the
// organisation's check-in persons and the clients of the actor's check-in
// scope who have no check-in row yet. At most 30 rows.
func (s *Store) SearchCheckinPeople(ctx context.Context, shiftID int64, q string) ([]*CheckinRow, error) {
	sh, err := s.CheckinShift(ctx, shiftID)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(NameKey(q))
	if len(words) == 0 {
		return nil, nil
	}
	a := opora.ActorFrom(ctx)
	// Check-in persons have no name index of their own: their keys are
	// matched here, as the clients' index matches theirs.
	ids, keys, err := s.checkinPersonKeys(ctx, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	found := matchKeys(keys, words, nil)
	if len(found) < checkinSearchPersons && hasLongWord(words) {
		// Typos: the dictionary words each typed word may stand for.
		variants, _, err := s.typedVariants(ctx, words)
		if err != nil {
			return nil, err
		}
		found = append(found, matchKeys(keys, words, variants.alts)...)
	}
	seen := map[int]bool{}
	var subKeys []string
	var subIDs []int64
	for _, i := range found {
		if !seen[i] {
			seen[i] = true
			subKeys, subIDs = append(subKeys, keys[i]), append(subIDs, ids[i])
		}
	}
	var best []int64
	for _, i := range rankKeys(subKeys, subIDs, words) {
		if len(best) == checkinSearchPersons {
			break
		}
		best = append(best, subIDs[i])
	}
	out, err := s.checkinRowsOf(ctx, a.OrganisationID, best)
	if err != nil {
		return nil, err
	}
	cond, args, err := checkinScope(a, "c", nil)
	if err != nil {
		return nil, err
	}
	where := cond + ` AND c.deleted_at IS NULL AND c.merged_into IS NULL
		AND NOT EXISTS (SELECT 1 FROM checkin_persons p WHERE p.client_id = c.id AND p.merged_into IS NULL)`
	clients, _, err := s.searchNames(ctx, where, args, words, checkinSearchClients)
	if err != nil {
		return nil, err
	}
	for _, c := range clients[:min(len(clients), checkinSearchClients)] {
		out = append(out, &CheckinRow{Key: "c" + idStr(c.ID), Surname: c.Surname, FirstName: c.FirstName, BirthYear: c.BirthYear,
			Gender: string(c.Gender), Profile: true, clientID: c.ID, key: NameKey(c.FullName())})
	}
	out = rankCheckinRows(out, words)
	if err := s.decorateRows(ctx, sh, out); err != nil {
		return nil, err
	}
	return out, s.logView(ctx, "checkin_shift", sh.ID, "search")
}

// The check-in search answers at most this many people and clients.
const (
	checkinSearchPersons = 20
	checkinSearchClients = 10
)

// rankCheckinRows keeps the rows whose name matches every typed word, best
// first (rankKeys).
func rankCheckinRows(rows []*CheckinRow, words []string) []*CheckinRow {
	keys := make([]string, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		keys[i], ids[i] = r.key, r.personID
		if ids[i] == 0 {
			ids[i] = -r.clientID
		}
	}
	order := rankKeys(keys, ids, words)
	out := make([]*CheckinRow, len(order))
	for i, j := range order {
		out[i] = rows[j]
	}
	return out
}

// checkinPersonKeys returns the ids and name keys (the client's, when
// linked) of the organisation's live check-in persons.
func (s *Store) checkinPersonKeys(ctx context.Context, orgID int64) ([]int64, []string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, COALESCE(c.search_key, p.search_key)
		FROM checkin_persons p LEFT JOIN clients c ON c.id = p.client_id AND c.deleted_at IS NULL
		WHERE p.organisation_id = $1 AND p.merged_into IS NULL`, orgID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: checkin search: %w", err)
	}
	defer rows.Close()
	var ids []int64
	var keys []string
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, nil, fmt.Errorf("store: checkin search: %w", err)
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	return ids, keys, rows.Err()
}

// matchKeys returns the positions of the name keys that hold every typed
// word, as the client search's index stages do (nameCandidates): a word of
// three letters or more as a substring, or, given its alternatives
// (typedVariants), as any of them as a whole word ("w*": as a word's
// beginning); a shorter word as a word's beginning.
func matchKeys(keys []string, words []string, alternatives [][]string) []int {
	type alt struct {
		whole map[string]bool
		pre   []string
	}
	alts := make([]alt, len(alternatives))
	for i, list := range alternatives {
		alts[i].whole = map[string]bool{}
		for _, w := range list {
			if p, ok := strings.CutSuffix(w, "*"); ok {
				alts[i].pre = append(alts[i].pre, p)
			} else {
				alts[i].whole[w] = true
			}
		}
	}
	var out []int
	for i, key := range keys {
		fields := strings.Fields(key)
		ok, long := true, 0
		for _, w := range words {
			switch {
			case len(w) < 3:
				ok = slices.ContainsFunc(fields, func(f string) bool { return strings.HasPrefix(f, w) })
			case alternatives == nil:
				ok = strings.Contains(key, w)
			case long < len(alts):
				a := alts[long]
				ok = slices.ContainsFunc(fields, func(f string) bool {
					return a.whole[f] || slices.ContainsFunc(a.pre, func(p string) bool { return strings.HasPrefix(f, p) })
				})
				long++
			}
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// checkinRowsOf reads the check-in rows of persons of the organisation, in
// the order of ids.
func (s *Store) checkinRowsOf(ctx context.Context, orgID int64, ids []int64) ([]*CheckinRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList([]any{orgID}, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT `+checkinRowColumns+`
		FROM checkin_persons p LEFT JOIN clients c ON c.id = p.client_id AND c.deleted_at IS NULL
		WHERE p.organisation_id = $1 AND p.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: checkin search: %w", err)
	}
	got, err := scanCheckinRows(rows)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*CheckinRow{}
	for _, r := range got {
		byID[r.personID] = r
	}
	out := make([]*CheckinRow, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// CheckinCounters counts a shift's people and items given.
func (s *Store) CheckinCounters(ctx context.Context, shiftID int64) (*CheckinCounts, error) {
	if _, err := s.CheckinShift(ctx, shiftID); err != nil {
		return nil, err
	}
	return s.checkinCounters(ctx, s.r, shiftID)
}

func (s *Store) checkinCounters(ctx context.Context, q queryer, shiftID int64) (*CheckinCounts, error) {
	c := &CheckinCounts{Items: map[int64]int{}}
	// One round trip: the people (item -1), then the visits per item.
	rows, err := q.QueryContext(ctx, `SELECT -1, COUNT(DISTINCT person_id) FROM checkin_visits WHERE shift_id = $1
		UNION ALL SELECT item_id, COUNT(*) FROM checkin_visits WHERE shift_id = $1 GROUP BY item_id`, shiftID)
	if err != nil {
		return nil, fmt.Errorf("store: checkin counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var item int64
		var n int
		if err := rows.Scan(&item, &n); err != nil {
			return nil, fmt.Errorf("store: checkin counters: %w", err)
		}
		if item < 0 {
			c.People = n
		} else {
			c.Items[item] = n
		}
	}
	return c, rows.Err()
}

// Refusal reasons of ticks (catalog keys).
const (
	RefusedClosed  = "checkin.refused.closed"
	RefusedBadTick = "checkin.refused.bad_tick"
	RefusedPerson  = "checkin.refused.person"
	RefusedItem    = "checkin.refused.item"
)

// RecordTicks records a batch of ticks from a duty worker's phone at a
// shift, and answers each: accepted, duplicate (a replay, or the same person
// and item already recorded at this shift by another phone) or refused with
// a reason. The whole batch may be sent again any number of times: it ends
// with the same visits. Visits are dated by the shift, never by the phone.
// People referred to by "u<uuid>" are created from tick.New once. A person
// merged into another, or a client merged into another, resolves to the
// survivor. Needs checkin.use on the shift.
func (s *Store) RecordTicks(ctx context.Context, shiftID int64, ticks []opora.Tick) ([]opora.TickResult, *CheckinCounts, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermCheckin); err != nil {
		return nil, nil, err
	}
	var results []opora.TickResult
	var counts *CheckinCounts
	err := s.retryTx(ctx, func(tx *sql.Tx) error {
		var err error
		results, counts, err = s.recordTicks(ctx, tx, shiftID, ticks)
		return err
	})
	return results, counts, err
}

// retryTx runs a transaction, retrying a few times when PostgreSQL aborts
// it for a deadlock or a serialization failure between concurrent phones.
func (s *Store) retryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for i := 0; i < 4; i++ {
		if err = s.tx(ctx, fn); err == nil {
			return nil
		}
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || (pg.Code != "40P01" && pg.Code != "40001") {
			return err
		}
		time.Sleep(time.Duration(10*(i+1)) * time.Millisecond)
	}
	return err
}

type pendingVisit struct {
	idx              int
	personID, client int64
	item             int64
}

func (s *Store) recordTicks(ctx context.Context, sqlTx *sql.Tx, shiftID int64, ticks []opora.Tick) ([]opora.TickResult, *CheckinCounts, error) {
	tx := traced(ctx, sqlTx) // the bench's floor replays this transaction
	a := opora.ActorFrom(ctx)
	sh, err := s.checkinShift(ctx, tx, shiftID)
	if err != nil {
		return nil, nil, err
	}
	results := make([]opora.TickResult, len(ticks))
	refuse := func(i int, msg string) {
		results[i] = opora.TickResult{ID: ticks[i].ID, Status: opora.TickRefused, Message: msg}
	}
	items := map[int64]string{opora.ItemCame: ""}
	its, err := s.checkinItems(ctx, tx, []int64{sh.PointID}, true)
	if err != nil {
		return nil, nil, err
	}
	for _, it := range its {
		items[it.ID] = it.Name
	}
	// Check every tick first; then create people and visits in a fixed
	// order (by uid, by client, by person and item), so concurrent batches
	// take their locks in the same order.
	var valid []int
	for i, t := range ticks {
		switch {
		case !opora.ValidTickID(t.ID):
			refuse(i, RefusedBadTick)
		case !sh.Open():
			refuse(i, RefusedClosed)
		default:
			if _, ok := items[t.Item]; !ok {
				refuse(i, RefusedItem)
				continue
			}
			valid = append(valid, i)
		}
	}
	resolved := map[string]int64{} // person key → live person id
	var newPeople, clientKeys []string
	newOf := map[string]*opora.CheckinPerson{}
	for _, i := range valid {
		k := ticks[i].Person
		switch {
		case strings.HasPrefix(k, "u"):
			if _, seen := newOf[k]; !seen {
				newPeople = append(newPeople, k)
			}
			if ticks[i].New != nil || newOf[k] == nil {
				newOf[k] = ticks[i].New
			}
		case strings.HasPrefix(k, "c"):
			clientKeys = append(clientKeys, k)
		}
	}
	sort.Strings(newPeople)
	created := 0
	for _, k := range newPeople {
		id, made, err := s.ensureNewPerson(ctx, tx, sh, strings.ToLower(k[1:]), newOf[k])
		if err != nil {
			return nil, nil, err
		}
		if made {
			created++
		}
		if id != 0 {
			resolved[k] = id
		}
	}
	sort.Strings(clientKeys)
	for _, k := range clientKeys {
		if _, done := resolved[k]; done {
			continue
		}
		cid, err := strconv.ParseInt(k[1:], 10, 64)
		if err != nil {
			continue
		}
		id, err := s.ensureClientPerson(ctx, tx, sh, cid)
		if err != nil {
			return nil, nil, err
		}
		if id != 0 {
			resolved[k] = id
		}
	}
	var pending []pendingVisit
	clientOf := map[int64]int64{}
	for _, i := range valid {
		k := ticks[i].Person
		id, ok := resolved[k]
		if !ok && strings.HasPrefix(k, "p") {
			if pid, err := strconv.ParseInt(k[1:], 10, 64); err == nil {
				if id, err = s.livePerson(ctx, tx, a.OrganisationID, pid); err != nil {
					return nil, nil, err
				}
			}
			if id != 0 {
				resolved[k] = id
			}
		}
		if id == 0 {
			refuse(i, RefusedPerson)
			continue
		}
		if _, ok := clientOf[id]; !ok {
			c, err := s.personClient(ctx, tx, id)
			if err != nil {
				return nil, nil, err
			}
			clientOf[id] = c
		}
		pending = append(pending, pendingVisit{idx: i, personID: id, client: clientOf[id], item: ticks[i].Item})
	}
	sort.Slice(pending, func(x, y int) bool {
		if pending[x].personID != pending[y].personID {
			return pending[x].personID < pending[y].personID
		}
		if pending[x].item != pending[y].item {
			return pending[x].item < pending[y].item
		}
		return ticks[pending[x].idx].ID < ticks[pending[y].idx].ID
	})
	now := s.Now()
	accepted := 0
	for _, p := range pending {
		t := ticks[p.idx]
		dev := t.DeviceAt
		if len(dev) > 40 {
			dev = dev[:40]
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO checkin_visits (organisation_id, branch_id, point_id, shift_id, person_id,
			client_id, item_id, visited_on, tick_id, device_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id`,
			sh.OrganisationID, sh.BranchID, sh.PointID, sh.ID, p.personID, nullID(p.client), p.item, sh.Date,
			strings.ToLower(t.ID), dev, nullID(a.UserID), now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			// The tick the shift holds for this person and item, so that
			// the phone can take it back.
			var held string
			if err := tx.QueryRowContext(ctx, `SELECT tick_id FROM checkin_visits WHERE shift_id = $1 AND person_id = $2
				AND item_id = $3`, sh.ID, p.personID, p.item).Scan(&held); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, nil, fmt.Errorf("store: record tick: %w", err)
			}
			results[p.idx] = opora.TickResult{ID: t.ID, Status: opora.TickDuplicate, Tick: held}
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("store: record tick: %w", err)
		}
		traceReturned(ctx, id)
		if err := countVisit(ctx, tx, sh.OrganisationID, sh.Date, sh.PointID, p.item, sh.BranchID, a.UserID); err != nil {
			return nil, nil, err
		}
		accepted++
		results[p.idx] = opora.TickResult{ID: t.ID, Status: opora.TickAccepted}
		if p.client != 0 {
			if err := s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: sh.OrganisationID, ClientID: p.client,
				Kind: opora.EventVisit, Entity: "checkin_visit", EntityID: id, At: now,
				Summary: visitSummary(sh.PointName, items[p.item])}); err != nil {
				return nil, nil, err
			}
		}
	}
	if accepted > 0 || created > 0 {
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "checkin_shift", EntityID: sh.ID,
			Section: "ticks", Changes: []opora.Change{{Field: "visits", New: strconv.Itoa(accepted)},
				{Field: "new_persons", New: strconv.Itoa(created)}}}); err != nil {
			return nil, nil, err
		}
	}
	counts, err := s.checkinCounters(ctx, tx, sh.ID)
	if err != nil {
		return nil, nil, err
	}
	return results, counts, nil
}

// UndoTicks takes back ticks made by mistake at an open shift: each undo
// removes the visit of the tick it names, its count in visit_counts and its
// line on the client's timeline, and answers accepted; an undo whose tick
// the shift does not hold (sent again, or never recorded) answers
// duplicate and removes nothing. Needs checkin.use on the shift.
func (s *Store) UndoTicks(ctx context.Context, shiftID int64, undos []opora.Untick) ([]opora.TickResult, *CheckinCounts, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermCheckin); err != nil {
		return nil, nil, err
	}
	var results []opora.TickResult
	var counts *CheckinCounts
	err := s.retryTx(ctx, func(tx *sql.Tx) error {
		sh, err := s.checkinShift(ctx, tx, shiftID)
		if err != nil {
			return err
		}
		results = make([]opora.TickResult, len(undos))
		// In tick order, so concurrent undos take their locks in one order.
		order := make([]int, len(undos))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(x, y int) bool { return undos[order[x]].Tick < undos[order[y]].Tick })
		removed := 0
		for _, i := range order {
			u := undos[i]
			switch {
			case !opora.ValidTickID(u.ID) || !opora.ValidTickID(u.Tick):
				results[i] = opora.TickResult{ID: u.ID, Status: opora.TickRefused, Message: RefusedBadTick}
				continue
			case !sh.Open():
				results[i] = opora.TickResult{ID: u.ID, Status: opora.TickRefused, Message: RefusedClosed}
				continue
			}
			var id, item, by int64
			err := tx.QueryRowContext(ctx, `DELETE FROM checkin_visits WHERE shift_id = $1 AND tick_id = $2
				RETURNING id, item_id, COALESCE(created_by, 0)`, sh.ID, strings.ToLower(u.Tick)).Scan(&id, &item, &by)
			if errors.Is(err, sql.ErrNoRows) {
				results[i] = opora.TickResult{ID: u.ID, Status: opora.TickDuplicate}
				continue
			}
			if err != nil {
				return fmt.Errorf("store: undo tick: %w", err)
			}
			if err := addVisitCount(ctx, tx, sh.OrganisationID, sh.Date, sh.PointID, item, sh.BranchID, by, -1); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM client_events WHERE entity = 'checkin_visit' AND entity_id = $1`,
				id); err != nil {
				return fmt.Errorf("store: undo tick: %w", err)
			}
			removed++
			results[i] = opora.TickResult{ID: u.ID, Status: opora.TickAccepted}
		}
		if removed > 0 {
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "checkin_shift",
				EntityID: sh.ID, Section: "ticks", Changes: []opora.Change{{Field: "visits", Old: strconv.Itoa(removed)}}}); err != nil {
				return err
			}
		}
		counts, err = s.checkinCounters(ctx, tx, sh.ID)
		return err
	})
	return results, counts, err
}

// visitSummary is the timeline line of a visit: the point, and the item
// when it is not attendance itself.
func visitSummary(point, item string) string {
	if item == "" {
		return point
	}
	return point + ": " + item
}

// livePerson follows merges from a check-in person of the organisation to
// the surviving one; 0 when there is no such person.
func (s *Store) livePerson(ctx context.Context, q queryer, orgID, id int64) (int64, error) {
	for range 20 {
		var merged sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT merged_into FROM checkin_persons WHERE id = $1 AND organisation_id = $2`, id, orgID).
			Scan(&merged)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("store: checkin person: %w", err)
		}
		if !merged.Valid {
			return id, nil
		}
		id = merged.Int64
	}
	return 0, nil
}

// personClient returns the client record a live check-in person is linked
// to (following client merges), 0 when none: one query unless the client
// was merged away.
func (s *Store) personClient(ctx context.Context, q queryer, personID int64) (int64, error) {
	var client, merged sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT p.client_id, c.merged_into FROM checkin_persons p
		LEFT JOIN clients c ON c.id = p.client_id WHERE p.id = $1`, personID).Scan(&client, &merged); err != nil {
		return 0, fmt.Errorf("store: checkin person client: %w", err)
	}
	if !merged.Valid {
		return client.Int64, nil
	}
	return s.survivingClient(ctx, q, merged.Int64)
}

// survivingClient follows client merges to the surviving record.
func (s *Store) survivingClient(ctx context.Context, q queryer, id int64) (int64, error) {
	for range 20 {
		var merged sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT merged_into FROM clients WHERE id = $1`, id).Scan(&merged)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("store: checkin client: %w", err)
		}
		if !merged.Valid {
			return id, nil
		}
		id = merged.Int64
	}
	return id, nil
}

// ensureNewPerson finds the person a phone made with uid, or creates them
// from p. made says whether a row was inserted now.
func (s *Store) ensureNewPerson(ctx context.Context, tx queryer, sh *opora.CheckinShift, uid string, p *opora.CheckinPerson) (int64, bool, error) {
	a := opora.ActorFrom(ctx)
	if !opora.ValidTickID(uid) {
		return 0, false, nil
	}
	find := func() (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM checkin_persons WHERE uid = $1 AND organisation_id = $2`, uid, a.OrganisationID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("store: checkin person: %w", err)
		}
		return s.livePerson(ctx, tx, a.OrganisationID, id)
	}
	id, err := find()
	if err != nil || id != 0 || p == nil {
		return id, false, err
	}
	p.UID = uid
	p.Normalize()
	if p.Validate(sh.Date) != nil {
		return 0, false, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO checkin_persons (organisation_id, branch_id, uid, surname, first_name, birth_year,
		age_given, gender, search_key, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING`,
		a.OrganisationID, sh.BranchID, uid, p.Surname, p.FirstName, nullInt(p.BirthYear), p.AgeGiven, string(p.Gender),
		NameKey(p.FullName()), nullID(a.UserID), s.Now())
	if err != nil {
		return 0, false, fmt.Errorf("store: create checkin person: %w", err)
	}
	n, _ := res.RowsAffected()
	if id, err = find(); err != nil || id == 0 {
		return id, false, err
	}
	if n > 0 {
		// The typo search looks the person's words up in the dictionary.
		if err := addNameWords(ctx, tx, NameKey(p.FullName())); err != nil {
			return 0, false, err
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "checkin_person", EntityID: id,
			Section: "shift " + idStr(sh.ID)}); err != nil {
			return 0, false, err
		}
	}
	return id, n > 0, nil
}

// ensureClientPerson returns the live check-in row of a client of the
// organisation (following client merges), creating it on first visit.
func (s *Store) ensureClientPerson(ctx context.Context, tx queryer, sh *opora.CheckinShift, clientID int64) (int64, error) {
	a := opora.ActorFrom(ctx)
	cid, err := s.survivingClient(ctx, tx, clientID)
	if err != nil || cid == 0 {
		return 0, err
	}
	var c opora.Client
	var year sql.NullInt64
	var deleted sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT surname, first_name, birth_year, gender, deleted_at FROM clients
		WHERE id = $1 AND organisation_id = $2`, cid, a.OrganisationID).Scan(&c.Surname, &c.FirstName, &year, &c.Gender, &deleted)
	if errors.Is(err, sql.ErrNoRows) || deleted.Valid {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: checkin client: %w", err)
	}
	find := func() (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM checkin_persons WHERE client_id = $1 AND merged_into IS NULL`, cid).Scan(&id)
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
		a.OrganisationID, sh.BranchID, c.Surname, c.FirstName, year, string(c.Gender),
		NameKey(c.Surname+" "+c.FirstName), cid, nullID(a.UserID), s.Now()); err != nil {
		return 0, fmt.Errorf("store: create checkin person: %w", err)
	}
	return find()
}

const personColumns = `p.id, p.organisation_id, p.branch_id, COALESCE(p.uid, ''), p.surname, p.first_name, p.birth_year,
	p.age_given, p.gender, p.client_id, p.merged_into, p.created_by, p.created_at`

func scanPerson(row interface{ Scan(...any) error }) (*opora.CheckinPerson, error) {
	p := &opora.CheckinPerson{}
	var year, client, merged, createdBy sql.NullInt64
	if err := row.Scan(&p.ID, &p.OrganisationID, &p.BranchID, &p.UID, &p.Surname, &p.FirstName, &year, &p.AgeGiven, &p.Gender,
		&client, &merged, &createdBy, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.BirthYear, p.ClientID, p.MergedInto, p.CreatedBy = int(year.Int64), client.Int64, merged.Int64, createdBy.Int64
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

// CheckinPersons lists the organisation's check-in people matching the
// first letters of a name (all when q is empty), newest first; unlinked
// limits the list to people with no client record. Needs client.read: it is
// the social worker's list for linking people to client records.
func (s *Store) CheckinPersons(ctx context.Context, q string, unlinked bool, offset, limit int) ([]*opora.CheckinPerson, int, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, 0, err
	}
	args := []any{a.OrganisationID}
	where := "p.organisation_id = $1 AND p.merged_into IS NULL"
	if key := NameKey(q); key != "" {
		args = append(args, key+"%", "% "+key+"%")
		where += " AND (p.search_key LIKE $2 OR p.search_key LIKE $3)"
	}
	if unlinked {
		where += " AND p.client_id IS NULL"
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM checkin_persons p WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: checkin persons: %w", err)
	}
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit, offset)
	rows, err := s.r.QueryContext(ctx, `SELECT `+personColumns+` FROM checkin_persons p WHERE `+where+
		fmt.Sprintf(` ORDER BY p.created_at DESC, p.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: checkin persons: %w", err)
	}
	defer rows.Close()
	var out []*opora.CheckinPerson
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: checkin persons: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, s.logView(ctx, "checkin_person", 0, "list")
}

// CheckinPerson returns a check-in person of the organisation with their
// visits, newest first. Needs client.read.
func (s *Store) CheckinPerson(ctx context.Context, id int64) (*opora.CheckinPerson, []*opora.CheckinVisit, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return nil, nil, err
	}
	p, err := scanPerson(s.r.QueryRowContext(ctx, `SELECT `+personColumns+` FROM checkin_persons p
		WHERE p.id = $1 AND p.organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, nil, notFound(err)
	}
	visits, err := s.checkinVisits(ctx, "v.person_id = $1 AND v.organisation_id = $2", []any{p.ID, a.OrganisationID},
		"v.visited_on DESC, v.id DESC", 500)
	if err != nil {
		return nil, nil, err
	}
	return p, visits, nil
}

// ShiftVisits lists a shift's visits by person. Needs the shift in reach.
func (s *Store) ShiftVisits(ctx context.Context, shiftID int64) ([]*opora.CheckinVisit, error) {
	sh, err := s.CheckinShift(ctx, shiftID)
	if err != nil {
		return nil, err
	}
	visits, err := s.checkinVisits(ctx, "v.shift_id = $1", []any{sh.ID}, "p.surname, p.first_name, v.person_id, v.item_id", 100000)
	if err != nil {
		return nil, err
	}
	return visits, s.logView(ctx, "checkin_shift", sh.ID, "visits")
}

func (s *Store) checkinVisits(ctx context.Context, where string, args []any, order string, limit int) ([]*opora.CheckinVisit, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT v.id, v.shift_id, v.point_id, v.person_id, v.client_id, v.item_id,
		COALESCE(i.name, ''), v.visited_on, v.tick_id, v.device_at, v.created_by, v.created_at,
		COALESCE(c.surname, p.surname), COALESCE(c.first_name, p.first_name), COALESCE(c.birth_year, p.birth_year, 0),
		COALESCE(c.gender, p.gender), pt.name
		FROM checkin_visits v JOIN checkin_persons p ON p.id = v.person_id JOIN checkin_points pt ON pt.id = v.point_id
		LEFT JOIN clients c ON c.id = v.client_id AND c.deleted_at IS NULL
		LEFT JOIN checkin_items i ON i.id = v.item_id
		WHERE `+where+` ORDER BY `+order+fmt.Sprintf(` LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: checkin visits: %w", err)
	}
	defer rows.Close()
	var out []*opora.CheckinVisit
	for rows.Next() {
		v := &opora.CheckinVisit{}
		var client, by, year sql.NullInt64
		var surname, first string
		if err := rows.Scan(&v.ID, &v.ShiftID, &v.PointID, &v.PersonID, &client, &v.ItemID, &v.ItemName, &v.VisitedOn, &v.TickID,
			&v.DeviceAt, &by, &v.CreatedAt, &surname, &first, &year, &v.Gender, &v.PointName); err != nil {
			return nil, fmt.Errorf("store: checkin visits: %w", err)
		}
		v.ClientID, v.CreatedBy, v.BirthYear = client.Int64, by.Int64, int(year.Int64)
		v.PersonName = strings.TrimSpace(surname + " " + first)
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// LinkCheckinPerson links a check-in person to a full client record: their
// visits move to the client and appear on the client's timeline. When the
// client already has a check-in row, the person is merged into it. Needs
// client.write on the client.
func (s *Store) LinkCheckinPerson(ctx context.Context, personID, clientID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.linkPerson(ctx, tx, personID, clientID) })
}

func (s *Store) linkPerson(ctx context.Context, tx *sql.Tx, personID, clientID int64) error {
	a := opora.ActorFrom(ctx)
	c, err := s.client(ctx, tx, opora.PermClientWrite, clientID)
	if err != nil {
		return err
	}
	if c.Deleted() || c.MergedInto != 0 {
		return opora.ErrNotFound
	}
	p, err := scanPerson(tx.QueryRowContext(ctx, `SELECT `+personColumns+` FROM checkin_persons p
		WHERE p.id = $1 AND p.organisation_id = $2 AND p.merged_into IS NULL`, personID, a.OrganisationID))
	if err != nil {
		return notFound(err)
	}
	if p.ClientID == c.ID {
		return nil
	}
	if p.ClientID != 0 {
		return &opora.Error{Code: opora.ECONFLICT, Message: "checkin.error.linked_other"}
	}
	var other int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM checkin_persons WHERE client_id = $1 AND merged_into IS NULL`, c.ID).Scan(&other)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: link checkin person: %w", err)
	}
	if other != 0 {
		return s.mergePersons(ctx, tx, p.ID, other)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checkin_persons SET client_id = $1 WHERE id = $2`, c.ID, p.ID); err != nil {
		return fmt.Errorf("store: link checkin person: %w", err)
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "checkin_person", EntityID: p.ID,
		Changes: []opora.Change{{Field: "client_id", New: idStr(c.ID)}}}); err != nil {
		return err
	}
	return s.moveVisits(ctx, tx, p.ID, p.ID, c.ID)
}

// moveVisits gives the visits of person from to person into and client
// (0 for none), and writes timeline lines for visits newly on a client.
func (s *Store) moveVisits(ctx context.Context, tx *sql.Tx, from, into, clientID int64) error {
	type moved struct {
		id, client, item int64
		at               time.Time
		point, itemName  string
	}
	rows, err := tx.QueryContext(ctx, `SELECT v.id, COALESCE(v.client_id, 0), v.item_id, v.created_at, p.name, COALESCE(i.name, '')
		FROM checkin_visits v JOIN checkin_points p ON p.id = v.point_id LEFT JOIN checkin_items i ON i.id = v.item_id
		WHERE v.person_id = $1 ORDER BY v.id`, from)
	if err != nil {
		return fmt.Errorf("store: move visits: %w", err)
	}
	var ms []moved
	for rows.Next() {
		var m moved
		if err := rows.Scan(&m.id, &m.client, &m.item, &m.at, &m.point, &m.itemName); err != nil {
			rows.Close()
			return fmt.Errorf("store: move visits: %w", err)
		}
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: move visits: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checkin_visits SET person_id = $1, client_id = $2 WHERE person_id = $3`,
		into, nullID(clientID), from); err != nil {
		return fmt.Errorf("store: move visits: %w", err)
	}
	if clientID == 0 {
		return nil
	}
	for _, m := range ms {
		if m.client == clientID {
			continue
		}
		if err := s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: clientID, Kind: opora.EventVisit, Entity: "checkin_visit",
			EntityID: m.id, At: m.at.UTC(), Summary: visitSummary(m.point, m.itemName)}); err != nil {
			return err
		}
	}
	return nil
}

// MergeCheckinPersons merges a duplicate check-in person into another: the
// visits move (a visit both had at one shift counts once), and ticks still
// queued on phones for the duplicate land on the survivor. People linked to
// two different clients cannot be merged here (merge the clients). Needs
// client.write.
func (s *Store) MergeCheckinPersons(ctx context.Context, fromID, intoID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	if fromID == intoID {
		return &opora.Error{Code: opora.EINVALID, Message: "checkin.error.merge_self"}
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.mergePersons(ctx, tx, fromID, intoID) })
}

func (s *Store) mergePersons(ctx context.Context, tx *sql.Tx, fromID, intoID int64) error {
	a := opora.ActorFrom(ctx)
	load := func(id int64) (*opora.CheckinPerson, error) {
		p, err := scanPerson(tx.QueryRowContext(ctx, `SELECT `+personColumns+` FROM checkin_persons p
			WHERE p.id = $1 AND p.organisation_id = $2 AND p.merged_into IS NULL`, id, a.OrganisationID))
		return p, notFound(err)
	}
	from, err := load(fromID)
	if err != nil {
		return err
	}
	into, err := load(intoID)
	if err != nil {
		return err
	}
	if from.ClientID != 0 && into.ClientID != 0 && from.ClientID != into.ClientID {
		return &opora.Error{Code: opora.ECONFLICT, Message: "checkin.error.merge_clients"}
	}
	if from.ClientID != 0 {
		if _, err := s.client(ctx, tx, opora.PermClientWrite, from.ClientID); err != nil {
			return err
		}
	}
	if into.ClientID != 0 {
		if _, err := s.client(ctx, tx, opora.PermClientWrite, into.ClientID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE checkin_persons SET merged_into = $1 WHERE id = $2`, into.ID, from.ID); err != nil {
		return fmt.Errorf("store: merge checkin persons: %w", err)
	}
	client := into.ClientID
	if client == 0 && from.ClientID != 0 {
		client = from.ClientID
		if _, err := tx.ExecContext(ctx, `UPDATE checkin_persons SET client_id = $1 WHERE id = $2`, client, into.ID); err != nil {
			return fmt.Errorf("store: merge checkin persons: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE checkin_visits SET client_id = $1 WHERE person_id = $2`, client, into.ID); err != nil {
			return fmt.Errorf("store: merge checkin persons: %w", err)
		}
	}
	// A visit both had at one shift counts once: the survivor's stays.
	if err := deleteDuplicateVisits(ctx, tx, from.ID, into.ID); err != nil {
		return err
	}
	if err := s.moveVisits(ctx, tx, from.ID, into.ID, client); err != nil {
		return err
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "checkin_person", EntityID: from.ID,
		Changes: []opora.Change{{Field: "merged_into", New: idStr(into.ID)}}})
}

// CreateClientFromCheckinPerson turns a check-in person into a full client
// record in the branch, with the minimal data known, and links them (their
// visits move to the new client). Needs client.write.
func (s *Store) CreateClientFromCheckinPerson(ctx context.Context, personID, branchID int64) (*opora.Client, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return nil, err
	}
	p, err := scanPerson(s.r.QueryRowContext(ctx, `SELECT `+personColumns+` FROM checkin_persons p
		WHERE p.id = $1 AND p.organisation_id = $2 AND p.merged_into IS NULL`, personID, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	if p.ClientID != 0 {
		return nil, &opora.Error{Code: opora.ECONFLICT, Message: "checkin.error.linked_other"}
	}
	c := &opora.Client{BranchID: branchID, Surname: p.Surname, FirstName: p.FirstName, Gender: p.Gender, BirthYear: p.BirthYear}
	if p.BirthYear != 0 {
		c.BirthPrecision = opora.BirthYear
		if p.AgeGiven {
			c.BirthPrecision = opora.BirthAge
		}
	}
	if err := s.CreateClient(ctx, c); err != nil {
		return nil, err
	}
	if err := s.LinkCheckinPerson(ctx, p.ID, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}
