package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// clientRef is a generated client the scenarios pick.
type clientRef struct {
	id                int64
	surname, first    string
	surnameLongEnough bool // five letters or more: a typo in it is still found
}

// data is what the scenarios need from the database, read once.
type data struct {
	orgID   int64
	actor   *opora.Actor // the bench login's actor
	today   time.Time    // the local calendar day, as midnight UTC
	clients []clientRef
	typos   []clientRef // clients with surnames long enough for a typo
	types   []*opora.ServiceType
	point   *opora.CheckinPoint
	items   []int64 // opora.ItemCame and the point's enabled items
	persons []int64 // check-in persons
	shiftID int64   // opened by the bench for today
	// homelessField is the questionnaire field the dashboard charts, 0 if none.
	homelessField int64
	// export is the report the XLSX scenario exports.
	export reportSpec

	clientCount, serviceCount int64

	// searches counts the search scenario's answers, searchesFound those
	// whose first page listed the misspelt surname and first name correctly
	// spelt.
	searches, searchesFound atomic.Int64

	mu             sync.Mutex
	exportRows     int // rows of the first exported sheet, -1 until seen
	exportGrouping string
}

// maxReportRows copies store.maxReportRows: the largest report the builder
// returns (more is refused as too big), so also the largest export.
const maxReportRows = 10000

// discover reads the organisation's clients, service types, check-in
// point and people, and picks the export's grouping.
func discover(ctx context.Context, st *store.Store, db *sql.DB, orgID int64, login string, smoke bool, rnd *rand.Rand) (*data, error) {
	cand, err := st.UserForLogin(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("bench: login %q: %w", login, err)
	}
	if cand.User.OrganisationID != orgID {
		return nil, fmt.Errorf("bench: login %q is not a user of the generated organisation", login)
	}
	a, err := st.Actor(ctx, cand.User.ID)
	if err != nil {
		return nil, fmt.Errorf("bench: login %q: %w", login, err)
	}
	for _, p := range []opora.Permission{opora.PermClientRead, opora.PermClientWrite, opora.PermCheckin,
		opora.PermReportRun, opora.PermReportExport} {
		if !a.Can(p) {
			return nil, fmt.Errorf("bench: login %q lacks the permission %s every scenario needs (use the administrator)", login, p)
		}
	}
	actx := actorContext(ctx, a)
	d := &data{orgID: orgID, actor: a, today: opora.ServiceToday(time.Now()), exportRows: -1}

	sample := 2000
	if smoke {
		sample = 200
	}
	cond, args, err := clientScope(a, opora.PermClientWrite, nil)
	if err != nil {
		return nil, err
	}
	rows, err := sampleRows(ctx, db, rnd, "clients", orgID, sample, func(ids []int64) (*sql.Rows, error) {
		in, all := inList(append([]any(nil), args...), ids)
		return db.QueryContext(ctx, `SELECT c.id, c.surname, c.first_name FROM clients c WHERE `+cond+
			` AND c.deleted_at IS NULL AND c.merged_into IS NULL AND c.id IN (`+in+`)`, all...)
	}, func(r *sql.Rows) error {
		var c clientRef
		if err := r.Scan(&c.id, &c.surname, &c.first); err != nil {
			return err
		}
		c.surnameLongEnough = len([]rune(c.surname)) >= 5 && c.first != ""
		d.clients = append(d.clients, c)
		if c.surnameLongEnough {
			d.typos = append(d.typos, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, errors.New("bench: found no clients the login may write to")
	}
	if len(d.typos) == 0 {
		d.typos = d.clients
	}
	_, err = sampleRows(ctx, db, rnd, "checkin_persons", orgID, sample, func(ids []int64) (*sql.Rows, error) {
		in, all := inList([]any{orgID}, ids)
		return db.QueryContext(ctx, `SELECT id FROM checkin_persons WHERE organisation_id = $1 AND merged_into IS NULL
			AND id IN (`+in+`)`, all...)
	}, func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		d.persons = append(d.persons, id)
		return nil
	})
	if err != nil {
		return nil, err
	}

	active, err := st.ServiceTypes(actx, true)
	if err != nil {
		return nil, err
	}
	for _, t := range active {
		if t.Active {
			d.types = append(d.types, t)
		}
	}
	if len(d.types) == 0 {
		return nil, errors.New("bench: the organisation has no active service type")
	}
	points, err := st.CheckinPoints(actx, false)
	if err != nil {
		return nil, err
	}
	if len(points) == 0 {
		return nil, errors.New("bench: the organisation has no check-in point the login reaches")
	}
	if d.point, err = st.CheckinPoint(actx, points[0].ID); err != nil {
		return nil, err
	}
	d.items = []int64{opora.ItemCame}
	for _, it := range d.point.Items {
		if !it.Disabled {
			d.items = append(d.items, it.ID)
		}
	}
	opts, err := st.ReportOptions(actx)
	if err != nil {
		return nil, err
	}
	for _, f := range opts.Fields {
		if f.Key == "homeless_reason" {
			d.homelessField = f.ID
		}
	}
	// Upper bounds of the export's dimensions: every user, type and branch
	// of the organisation, disabled and inactive ones included.
	var workers, types, branches int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE organisation_id = $1),
		(SELECT COUNT(*) FROM service_types WHERE organisation_id = $1),
		(SELECT COUNT(*) FROM branches WHERE organisation_id = $1)`, orgID).Scan(&workers, &types, &branches); err != nil {
		return nil, fmt.Errorf("bench: count dimensions: %w", err)
	}
	d.export = pickExport(d.today, workers, types, branches)
	d.exportGrouping = d.export.groupingName()

	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients WHERE organisation_id = $1 AND deleted_at IS NULL
		AND merged_into IS NULL`, orgID).Scan(&d.clientCount); err != nil {
		return nil, fmt.Errorf("bench: count clients: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE organisation_id = $1 AND deleted_at IS NULL`,
		orgID).Scan(&d.serviceCount); err != nil {
		return nil, fmt.Errorf("bench: count services: %w", err)
	}
	return d, nil
}

// sampleRows picks about n random rows of a table by id: random ids
// between the organisation's smallest and largest, in batches, keeping the
// ones that exist and pass the query's conditions. It returns how many
// rows were scanned.
func sampleRows(ctx context.Context, db *sql.DB, rnd *rand.Rand, table string, orgID int64, n int,
	query func(ids []int64) (*sql.Rows, error), scan func(*sql.Rows) error) (int, error) {
	var lo, hi sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM `+table+` WHERE organisation_id = $1`, orgID).
		Scan(&lo, &hi); err != nil {
		return 0, fmt.Errorf("bench: sample %s: %w", table, err)
	}
	if !lo.Valid {
		return 0, nil
	}
	span := hi.Int64 - lo.Int64 + 1
	const batch = 500
	got := 0
	seen := map[int64]bool{}
	for round := 0; round < 40 && got < n; round++ {
		var ids []int64
		for len(ids) < batch && int64(len(seen)) < span {
			id := lo.Int64 + rnd.Int64N(span)
			if seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			break
		}
		rows, err := query(ids)
		if err != nil {
			return got, fmt.Errorf("bench: sample %s: %w", table, err)
		}
		for rows.Next() && got < n {
			if err := scan(rows); err != nil {
				rows.Close()
				return got, fmt.Errorf("bench: sample %s: %w", table, err)
			}
			got++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return got, fmt.Errorf("bench: sample %s: %w", table, err)
		}
	}
	return got, nil
}

// monthsBetween counts the calendar months a period touches.
func monthsBetween(from, to time.Time) int {
	return (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month()) + 1
}

// pickExport chooses the services report with the most rows the builder
// can return: the report builder has no per-client grouping, and caps a
// result at maxReportRows, so the export is the two-way grouping whose
// upper bound (the product of the dimensions' sizes) is largest within
// the cap. The real row count is read from the first exported file.
func pickExport(today time.Time, workers, types, branches int) reportSpec {
	from := today.AddDate(-5, 0, 1)
	months := monthsBetween(from, today)
	cands := []struct {
		a, b opora.Dimension
		rows int
	}{
		{opora.DimMonth, opora.DimWorker, months * (workers + 1)}, // +1: services without a worker
		{opora.DimMonth, opora.DimServiceType, months * types},
		{opora.DimWorker, opora.DimServiceType, (workers + 1) * types},
		{opora.DimMonth, opora.DimBranch, months * (branches + 1)},
	}
	best := -1
	for i, c := range cands {
		if c.rows <= maxReportRows && (best < 0 || c.rows > cands[best].rows) {
			best = i
		}
	}
	spec := reportSpec{subject: opora.SubjectServices, measure: opora.MeasureCount, from: from, to: today}
	if best < 0 {
		spec.dims = []opora.Dimension{opora.DimMonth}
		return spec
	}
	spec.dims = []opora.Dimension{cands[best].a, cands[best].b}
	return spec
}
