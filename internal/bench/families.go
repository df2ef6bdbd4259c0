package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The families' scenarios (issue 20), run by opora-bench --families on a
// database filled by opora demo --families: the same method as the other
// scenarios (logged-in HTTP sessions against the running server, floors
// replaying the statements the store ran for sample requests), as a
// secretary of a КДН (the login must be one: kdn_secretary), over the
// families of that commission.

// Family scenario names, in the order the report lists them.
const (
	ScenarioFamilySurname = "family search: a member's surname with a typo"
	ScenarioFamilyAddress = "family search: street and house number"
	ScenarioFamilySchool  = "family search: a child's school"
	ScenarioFamilyCard    = "family card"
	ScenarioSignal        = "register a signal"
)

// familyScenarioKeys are the short names --scenarios takes with --families.
var familyScenarioKeys = []scenarioKey{
	{"family-surname", ScenarioFamilySurname}, {"family-address", ScenarioFamilyAddress},
	{"family-school", ScenarioFamilySchool}, {"family-card", ScenarioFamilyCard}, {"signal", ScenarioSignal},
}

// FamilyScenarioKeys lists the short names of the families' scenarios.
func FamilyScenarioKeys() []string {
	var out []string
	for _, k := range familyScenarioKeys {
		out = append(out, k.key)
	}
	return out
}

// DefaultFamilyLogin is the generator's first КДН secretary.
const DefaultFamilyLogin = "m01-kdn-1"

// familyRef is a sampled family of the login's commission.
type familyRef struct {
	id             int64
	surname        string // an adult's, five letters or more
	street, school string // "Ленина 12"; "СОШ № 7" ("" without a child at school)
}

// familyData is what the families' scenarios need, read once.
type familyData struct {
	families    []familyRef
	schools     []familyRef // those with a child at a school or kindergarten
	territoryID int64
	count       int64 // families of the commission
	persons     int64 // members of them
}

func (d *familyData) family(rnd *rand.Rand) familyRef { return d.families[rnd.IntN(len(d.families))] }

// query is a search of one kind for a random sampled family.
func (d *familyData) query(kind string, rnd *rand.Rand) string {
	switch kind {
	case ScenarioFamilyAddress:
		return d.family(rnd).street
	case ScenarioFamilySchool:
		return d.schools[rnd.IntN(len(d.schools))].school
	}
	return typo(rnd, d.family(rnd).surname)
}

// familiesPath is the families screen's search for a query.
func familiesPath(q string) string { return "/families?" + url.Values{"q": {q}}.Encode() }

// signalForm is a signal as a secretary registers it on the form: a
// person's call about a family of the municipality, with two children.
func signalForm(d *familyData, rnd *rand.Rand) url.Values {
	f := d.family(rnd)
	return url.Values{"reporter_kind": {opora.ReporterPerson}, "reporter_name": {"Соседка"},
		"reporter_contact": {"+7 900 000-00-00"}, "channel": {opora.ChannelPhone}, "urgency": {opora.UrgencyOrdinary},
		"territory_id": {strconv.FormatInt(d.territoryID, 10)}, "surname": {f.surname}, "address": {f.street},
		"description": {"Дети одни дома вечером (bench)."}, "received_at": {time.Now().Format("2006-01-02T15:04")},
		"children.0.name": {"Иван " + f.surname}, "children.0.birth_date": {"2015-03-04"},
		"children.1.name": {"Мария " + f.surname}, "children.1.birth_date": {"2018-09-01"}}
}

// discoverFamilies reads the login's commission and samples its families.
func discoverFamilies(ctx context.Context, st *store.Store, db *sql.DB, login string, smoke bool, rnd *rand.Rand) (*familyData, error) {
	cand, err := st.UserForLogin(ctx, login)
	if err != nil {
		return nil, fmt.Errorf("bench: login %q: %w", login, err)
	}
	a, err := st.Actor(ctx, cand.User.ID)
	if err != nil {
		return nil, fmt.Errorf("bench: login %q: %w", login, err)
	}
	for _, p := range []opora.Permission{opora.PermFamilyRead, opora.PermSignalRegister, opora.PermSignalTriage} {
		if !a.Can(p) {
			return nil, fmt.Errorf("bench: login %q lacks the permission %s (use a КДН secretary, e.g. %s)", login, p,
				DefaultFamilyLogin)
		}
	}
	d := &familyData{}
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(territory_id, 0) FROM organisations WHERE id = $1`, a.OrganisationID).
		Scan(&d.territoryID); err != nil {
		return nil, fmt.Errorf("bench: organisation: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM families WHERE organisation_id = $1`, a.OrganisationID).
		Scan(&d.count); err != nil {
		return nil, fmt.Errorf("bench: families: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM family_members`).Scan(&d.persons); err != nil {
		return nil, fmt.Errorf("bench: families: %w", err)
	}
	sample := 300
	if smoke {
		sample = 20
	}
	byID := map[int64]*familyRef{}
	_, err = sampleRows(ctx, db, rnd, "families", a.OrganisationID, sample, func(ids []int64) (*sql.Rows, error) {
		in, all := inList([]any{a.OrganisationID}, ids)
		return db.QueryContext(ctx, `SELECT f.id, f.address, c.surname, COALESCE(o.short_name, ''), m.role
			FROM families f JOIN family_members m ON m.family_id = f.id JOIN clients c ON c.id = m.client_id
			LEFT JOIN organisations o ON o.id = m.school_org_id
			WHERE f.organisation_id = $1 AND f.id IN (`+in+`) ORDER BY f.id, m.id`, all...)
	}, func(r *sql.Rows) error {
		var id int64
		var address, surname, school, role string
		if err := r.Scan(&id, &address, &surname, &school, &role); err != nil {
			return err
		}
		f := byID[id]
		if f == nil {
			f = &familyRef{id: id, street: streetOf(address)}
			byID[id] = f
		}
		if role != string(opora.RoleChild) && len([]rune(surname)) >= 5 && f.surname == "" {
			f.surname = surname
		}
		if school != "" && f.school == "" {
			f.school, _, _ = strings.Cut(school, " (")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range byID {
		if f.surname == "" || f.street == "" {
			continue
		}
		d.families = append(d.families, *f)
		if f.school != "" {
			d.schools = append(d.schools, *f)
		}
	}
	if len(d.families) == 0 || len(d.schools) == 0 {
		return nil, errors.New("bench: found no families of the login's commission (fill the database with opora demo --families)")
	}
	return d, nil
}

// streetOf turns "Лужский район, ул. Ленина, д. 12, кв. 5" into "Ленина 12".
func streetOf(address string) string {
	var street, house string
	for _, part := range strings.Split(address, ",") {
		part = strings.TrimSpace(part)
		if s, ok := strings.CutPrefix(part, "ул. "); ok {
			street = s
		} else if h, ok := strings.CutPrefix(part, "д. "); ok {
			house = h
		}
	}
	return strings.TrimSpace(street + " " + house)
}

// familyScenarios builds the families' scenarios over the sampled data.
func familyScenarios(d *familyData) []scenario {
	search := func(name string) scenario {
		return scenario{name: name,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				return ok(s.do(ctx, s.get(ctx, familiesPath(d.query(name, rnd)))))
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				rs := f.byName[name]
				return f.replay(ctx, &rs[rnd.IntN(len(rs))])
			},
		}
	}
	return []scenario{
		search(ScenarioFamilySurname), search(ScenarioFamilyAddress), search(ScenarioFamilySchool),
		{name: ScenarioFamilyCard,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				return ok(s.do(ctx, s.get(ctx, "/families/"+strconv.FormatInt(d.family(rnd).id, 10))))
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				rs := f.byName[ScenarioFamilyCard]
				return f.replay(ctx, &rs[rnd.IntN(len(rs))])
			},
		},
		{name: ScenarioSignal,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				res, body, err := s.do(ctx, s.form(ctx, "/signals", signalForm(d, rnd)))
				if err := ok(res, body, err); err != nil {
					return err
				}
				if res.StatusCode != http.StatusSeeOther {
					return &statusError{status: res.StatusCode, body: "expected a redirect after registering: " + snippet(body)}
				}
				return nil
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				rs := f.byName[ScenarioSignal]
				return f.replay(ctx, &rs[rnd.IntN(len(rs))])
			},
		},
	}
}

// traceFamilies records n requests of every chosen family scenario, each
// GET served twice and recorded the second time (caches warm); a signal's
// transaction is committed when replayed, as the request's was.
func traceFamilies(ctx context.Context, p *inProcess, d *familyData, chosen map[string]bool, rnd *rand.Rand, n int) (map[string][]tracedRequest, error) {
	out := map[string][]tracedRequest{}
	for _, name := range []string{ScenarioFamilySurname, ScenarioFamilyAddress, ScenarioFamilySchool, ScenarioFamilyCard, ScenarioSignal} {
		if !chosen[name] {
			continue
		}
		for range n {
			var r *tracedRequest
			var err error
			switch name {
			case ScenarioFamilyCard:
				r, err = traceGet(ctx, p, "/families/"+strconv.FormatInt(d.family(rnd).id, 10))
			case ScenarioSignal:
				r, err = p.trace(ctx, http.MethodPost, "/signals", signalForm(d, rnd), http.StatusSeeOther)
			default:
				r, err = traceGet(ctx, p, familiesPath(d.query(name, rnd)))
			}
			if err != nil {
				return nil, err
			}
			out[name] = append(out[name], *r)
		}
	}
	return out, nil
}

// RunFamilies checks the database, runs the families' scenarios at every
// level against the server and their floors against the database.
func RunFamilies(ctx context.Context, o Options) (*Report, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Smoke {
		o.Concurrency = []int{1, 2}
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 10, 50}
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	if o.Login == "" || o.Login == "admin" {
		o.Login = DefaultFamilyLogin
	}
	chosen, err := chooseScenarios(familyScenarioKeys, o.Scenarios, "families' scenario")
	if err != nil {
		return nil, err
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	st, raw, rep, err := openGenerated(ctx, o)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	defer raw.Close()
	rnd := rand.New(rand.NewPCG(o.Seed, 20))
	fmt.Fprintf(o.Progress, "bench: reading the families of %s…\n", o.Login)
	d, err := discoverFamilies(ctx, st, raw, o.Login, o.Smoke, rnd)
	if err != nil {
		return nil, err
	}
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM families`).Scan(&rep.Families); err != nil {
		return nil, fmt.Errorf("bench: families: %w", err)
	}
	rep.FamilyMembers, rep.CommissionFamilies = d.persons, d.count
	maxSessions := 0
	for _, c := range o.Concurrency {
		maxSessions = max(maxSessions, c)
	}
	fmt.Fprintf(o.Progress, "bench: logging in %d session(s) at %s…\n", maxSessions, o.URL)
	hc := newHTTP(o.URL)
	sessions := make([]*session, maxSessions)
	for i := range sessions {
		if sessions[i], err = hc.login(ctx, o.Login, o.Password); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(o.Progress, "bench: tracing the requests the floors replay…\n")
	p, err := newInProcess(ctx, st, o)
	if err != nil {
		return nil, err
	}
	n := 50
	if o.Smoke {
		n = 2
	}
	fl := &floorDB{db: raw, dialect: st.Dialect(), gets: map[string]*tracedRequest{}}
	if fl.replica, err = openReplica(o.Store); err != nil {
		return nil, err
	}
	if fl.replica != nil {
		defer fl.replica.Close()
	}
	if fl.byName, err = traceFamilies(ctx, p, d, chosen, rnd, n); err != nil {
		return nil, err
	}
	for _, sc := range familyScenarios(d) {
		if !chosen[sc.name] {
			continue
		}
		for _, level := range o.Concurrency {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			res := runLoad(ctx, sc, sessions[:level], o, rep.ServerPID, rnd.Uint64())
			rep.Results = append(rep.Results, res)
			fmt.Fprintf(o.Progress, "bench: %-50s c=%-3d %6d requests, %d errors, p95 %s\n", sc.name, level,
				res.Requests, res.Errors, fmtDur(res.P95))
		}
		f := runFloor(ctx, sc, fl, o, rnd.Uint64())
		rep.Floors = append(rep.Floors, f)
		if f.Err != "" {
			fmt.Fprintf(o.Progress, "bench: floor of %s failed: %s\n", sc.name, f.Err)
		}
	}
	return rep, nil
}

// scenarioKey is a scenario's short name for --scenarios and its name in
// the report.
type scenarioKey struct{ key, name string }

// chooseScenarios returns the names of the scenarios asked for by their
// short names, all of them when none is asked; what names the kind in
// the error for an unknown one.
func chooseScenarios(keys []scenarioKey, asked []string, what string) (map[string]bool, error) {
	chosen := map[string]bool{}
	for _, k := range asked {
		found := false
		for _, sk := range keys {
			if sk.key == strings.TrimSpace(k) {
				chosen[sk.name], found = true, true
			}
		}
		if !found {
			all := make([]string, len(keys))
			for i, sk := range keys {
				all[i] = sk.key
			}
			return nil, fmt.Errorf("bench: no %s %q; they are %s", what, k, strings.Join(all, ", "))
		}
	}
	if len(chosen) == 0 {
		for _, sk := range keys {
			chosen[sk.name] = true
		}
	}
	return chosen, nil
}

// openGenerated opens the generated database the server runs on, as the
// store and as a plain pool, checks it was generated, and starts the
// report with the machine, the database and the server's process. The
// caller closes both.
func openGenerated(ctx context.Context, o Options) (*store.Store, *sql.DB, *Report, error) {
	if !o.Store.IsPostgres() {
		if _, err := os.Stat(o.Store.SQLitePath()); err != nil {
			return nil, nil, nil, fmt.Errorf("bench: no SQLite database at %s (give --data or --database-url of the server's database)", o.Store.SQLitePath())
		}
	}
	st, err := store.Open(ctx, o.Store)
	if err != nil {
		return nil, nil, nil, err
	}
	run, err := CheckGenerated(ctx, st)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	raw, err := openRaw(o.Store)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	rep := &Report{Date: time.Now(), Machine: machineInfo(), URL: o.URL, Smoke: o.Smoke, Duration: o.Duration,
		Concurrency: o.Concurrency, Seed: o.Seed, GeneratorTarget: run.Target, ExportRows: -1}
	if rep.Database, err = databaseKind(ctx, raw, st.Dialect(), o.Store); err != nil {
		raw.Close()
		st.Close()
		return nil, nil, nil, err
	}
	rep.ServerPID, rep.PIDSource = o.ServerPID, "--server-pid"
	if rep.ServerPID == 0 {
		rep.ServerPID, rep.PIDSource = findServerPID()
	}
	return st, raw, rep, nil
}
