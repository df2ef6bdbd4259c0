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
	// export is the services register the XLSX scenario exports.
	export registerSpec

	clientCount, serviceCount int64

	// searches counts the search scenario's answers, searchesFound those
	// whose first page listed the misspelt surname and first name correctly
	// spelt.
	searches, searchesFound atomic.Int64

	mu             sync.Mutex
	exportFile     []byte // the first exported file, read after the run
	exportGrouping string // what the export holds, for the report
}

// discover reads the organisation's clients, service types, check-in
// point and people, and picks the period of the register export.
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
		opora.PermReportRun, opora.PermExportAggregate, opora.PermExportIdentifiable} {
		if !a.Can(p) {
			return nil, fmt.Errorf("bench: login %q lacks the permission %s every scenario needs (use the administrator)", login, p)
		}
	}
	actx := actorContext(ctx, a)
	d := &data{orgID: orgID, actor: a, today: opora.ServiceToday(time.Now()).Time()}

	sample := 2000
	if smoke {
		sample = 200
	}
	// The scenarios pick any client of the organisation: the login must
	// reach them all.
	if scope, _ := a.ScopeOf(opora.PermClientWrite); scope != opora.ScopeOrganisation {
		return nil, fmt.Errorf("bench: login %q does not reach every client of the organisation (use the administrator)", login)
	}
	rows, err := sampleRows(ctx, db, rnd, "clients", orgID, sample, func(ids []int64) (*sql.Rows, error) {
		in, all := inList([]any{orgID}, ids)
		return db.QueryContext(ctx, `SELECT c.id, c.surname, c.first_name FROM clients c WHERE c.organisation_id = $1
			AND c.deleted_at IS NULL AND c.merged_into IS NULL AND c.id IN (`+in+`)`, all...)
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
	if d.export, err = pickRegister(ctx, db, orgID, d.today); err != nil {
		return nil, err
	}
	d.exportGrouping = d.export.name()

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

// registerRows is about how many rows the register export should hold.
const registerRows = 100000

// pickRegister chooses the period of the services register export: the
// days ending today that hold about registerRows services, by the daily
// counts in service_counts (every live service of the organisation, which
// is what the administrator's register lists). The register covers at
// most opora.MaxRegisterDays days; a smaller database exports them all.
func pickRegister(ctx context.Context, db *sql.DB, orgID int64, today time.Time) (registerSpec, error) {
	first := today.AddDate(0, 0, 1-opora.MaxRegisterDays)
	rows, err := db.QueryContext(ctx, `SELECT day, SUM(services) FROM service_counts
		WHERE organisation_id = $1 AND day >= $2 AND day <= $3 GROUP BY day`, orgID, nullDate(first), nullDate(today))
	if err != nil {
		return registerSpec{}, fmt.Errorf("bench: daily service counts: %w", err)
	}
	defer rows.Close()
	perDay := map[time.Time]int64{}
	for rows.Next() {
		var day time.Time
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			return registerSpec{}, fmt.Errorf("bench: daily service counts: %w", err)
		}
		perDay[opora.Day(day)] = n
	}
	if err := rows.Err(); err != nil {
		return registerSpec{}, fmt.Errorf("bench: daily service counts: %w", err)
	}
	spec := registerSpec{from: first, to: today}
	for day := today; !day.Before(first); day = day.AddDate(0, 0, -1) {
		spec.expect += perDay[day]
		if spec.expect >= registerRows {
			spec.from = day
			break
		}
	}
	return spec, nil
}
