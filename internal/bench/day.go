package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// A day of load (issue 25 item 7), run by opora-bench --day on a database
// the scale generator filled (opora demo --clients N): many workers of the
// generated organisation, each logged in as a user of their own, doing a
// working day's mix of actions with think time between them, against the
// running server, while the server process's memory is sampled. The
// report gives per action the count, errors, p50/p95/p99, the errors by
// action and status (never a body: no personal data), and the server's
// memory over time with a verdict on whether it stayed flat.

// Day actions, in the order the report lists them.
const (
	ActSearch        = "search with a typo"
	ActProfile       = "open a profile"
	ActService       = "record a service"
	ActNote          = "add a note"
	ActBoard         = "task board"
	ActMove          = "move a task"
	ActTicks         = "check-in ticks (offline batch)"
	ActCheckinSearch = "check-in search"
	ActDashboard     = "report: dashboard, 12 months"
	ActStandard      = "report: standard report, 1 year"
	ActBuilder       = "report: builder"
	ActMonitoring    = "report: monitoring"
)

// DayActions lists every action of the day, in the report's order.
func DayActions() []string {
	return []string{ActSearch, ActProfile, ActService, ActNote, ActBoard, ActMove, ActTicks, ActCheckinSearch,
		ActDashboard, ActStandard, ActBuilder, ActMonitoring}
}

// dayKind is a kind of worker: which role the user has, and what they do.
type dayKind int

const (
	kindSpecialist dayKind = iota // social worker, lawyer, psychologist: role "specialist", their branch's clients
	kindDuty                      // check-in volunteer at a point: role "duty"
	kindSupervisor                // head of a department: role "supervisor", the whole organisation, and reports
)

var kindNames = [...]string{"specialist", "duty volunteer", "supervisor"}
var kindRoles = [...]string{"specialist", "duty", "supervisor"}
var kindPositions = [...]string{"Социальный работник", "Волонтёр пункта", "Руководитель отдела"}

// kindOf is the kind of worker number i (from 0): per twenty workers 14
// specialists, 3 duty volunteers and 3 supervisors, the first three one of
// each so that a small run has every kind.
func kindOf(i int) dayKind {
	switch i % 20 {
	case 1, 10, 15:
		return kindDuty
	case 2, 11, 17:
		return kindSupervisor
	}
	return kindSpecialist
}

// weighted is an action and its weight in a kind's mix (out of 100).
type weighted struct {
	action string
	weight int
}

// dayMix is each kind's mix of actions, weights out of 100 (see
// docs/PERFORMANCE.md, "A day of load", for why these).
var dayMix = [...][]weighted{
	kindSpecialist: {{ActSearch, 22}, {ActProfile, 30}, {ActService, 20}, {ActNote, 10}, {ActBoard, 9}, {ActMove, 9}},
	kindDuty:       {{ActTicks, 75}, {ActCheckinSearch, 25}},
	kindSupervisor: {{ActSearch, 20}, {ActProfile, 30}, {ActService, 10}, {ActNote, 10}, {ActBoard, 10}, {ActMove, 10},
		{ActDashboard, 4}, {ActStandard, 2}, {ActBuilder, 2}, {ActMonitoring, 2}},
}

// pick draws an action of the mix.
func pick(mix []weighted, rnd *rand.Rand) string {
	n := rnd.IntN(100)
	for _, w := range mix {
		if n < w.weight {
			return w.action
		}
		n -= w.weight
	}
	return mix[len(mix)-1].action
}

// dayTasks is how many open tasks of their branch each specialist and
// supervisor holds at the start (topped up from the generated tasks).
const dayTasks = 12

// dayLoginPrefix names the day's users: day-001, day-002, …
const dayLoginPrefix = "day-"

// dayWorker is one simulated worker.
type dayWorker struct {
	n       int
	kind    dayKind
	id      int64
	login   string
	branch  int64 // their branch (duty: their point's)
	s       *session
	clients []clientRef // the clients they reach, sampled
	typos   []clientRef
	tasks   []dayTask // their tasks, moved in turn
	next    int       // the next task to move
	point   int64     // duty: their check-in point
	shift   int64     // duty: the shift they tick at
}

// dayTask is a task a worker holds and its status as the worker last left it.
type dayTask struct {
	id     int64
	status opora.TaskStatus
}

// dayData is what the day's workers draw on, read once.
type dayData struct {
	today   time.Time
	types   []*opora.ServiceType
	points  []*opora.CheckinPoint
	items   map[int64][]int64 // point → opora.ItemCame and its enabled items
	persons []int64           // check-in persons
	byPoint map[int64][]clientRef
}

// DayReport is a day run's outcome.
type DayReport struct {
	*Report
	Workers  map[string]int // kind → count
	Think    time.Duration
	Elapsed  time.Duration
	Actions  []DayAction
	Failures []DayFailure
	Memory   []MemorySample
	Every    time.Duration
	Verdict  MemoryVerdict
}

// DayAction is one action's figures over the run.
type DayAction struct {
	Action        string
	Count, Errors int
	P50, P95, P99 time.Duration
	PerSecond     float64
}

// DayFailure counts failed requests of one action with one status (0: no
// answer) and reason.
type DayFailure struct {
	Action string
	Status int
	Reason string
	Count  int
}

// MemorySample is the server process's memory at a moment of the run.
type MemorySample struct {
	At      time.Duration // since the run started
	RSS     int64         // bytes, VmRSS of /proc/PID/status
	Threads int           // Threads of /proc/PID/status
	FDs     int           // open file descriptors (/proc/PID/fd)
}

// RunDay checks the database, makes the day's users (once: they stay for
// the next run), logs them in, runs the day against the server and
// returns the report.
func RunDay(ctx context.Context, o Options) (*DayReport, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Workers <= 0 {
		o.Workers = 200
	}
	switch {
	case o.Smoke:
		o.Think = 0
	case o.Think <= 0:
		o.Think = 6 * time.Second
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	if o.MemoryEvery <= 0 {
		o.MemoryEvery = 5 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	st, raw, base, err := openGenerated(ctx, o)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	defer raw.Close()
	base.Concurrency = []int{o.Workers}
	rep := &DayReport{Report: base, Workers: map[string]int{}, Think: o.Think, Every: o.MemoryEvery}
	run, err := st.GeneratorRun(ctx)
	if err != nil {
		return nil, err
	}
	rnd := rand.New(rand.NewPCG(o.Seed, 25))
	fmt.Fprintf(o.Progress, "day: reading the organisation, making its %d workers' accounts and handing them tasks…\n", o.Workers)
	t0 := time.Now()
	d, workers, err := setupDay(ctx, st, raw, run.OrganisationID, o, rnd)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "day: ready in %s\n", time.Since(t0).Round(100*time.Millisecond))
	for _, w := range workers {
		rep.Workers[kindNames[w.kind]]++
	}
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients WHERE organisation_id = $1 AND deleted_at IS NULL
		AND merged_into IS NULL`, run.OrganisationID).Scan(&rep.Clients); err != nil {
		return nil, fmt.Errorf("bench: count clients: %w", err)
	}
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE organisation_id = $1 AND deleted_at IS NULL`,
		run.OrganisationID).Scan(&rep.Services); err != nil {
		return nil, fmt.Errorf("bench: count services: %w", err)
	}

	fmt.Fprintf(o.Progress, "day: logging in %d workers at %s…\n", len(workers), o.URL)
	hc := newHTTP(o.URL)
	t0 = time.Now()
	if err := loginWorkers(ctx, hc, workers, o.Password); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "day: logged in in %s\n", time.Since(t0).Round(100*time.Millisecond))
	// Each point's first duty volunteer opens today's shift there, and
	// closes it at the end of the day.
	opened := map[int64]*dayWorker{}
	for _, w := range workers {
		if w.kind != kindDuty {
			continue
		}
		if first := opened[w.point]; first != nil {
			w.shift = first.shift
			continue
		}
		if w.shift, err = w.s.openShift(ctx, w.point, d.today); err != nil {
			return nil, err
		}
		opened[w.point] = w
	}
	defer func() {
		for _, w := range opened {
			if err := w.s.closeShift(context.WithoutCancel(ctx), w.shift); err != nil {
				fmt.Fprintf(o.Progress, "day: closing the check-in shift %d: %v\n", w.shift, err)
			}
		}
	}()

	fmt.Fprintf(o.Progress, "day: %d workers for %s (think time %s), server memory every %s…\n", len(workers), o.Duration,
		o.Think, o.MemoryEvery)
	stopMem := sampleMemory(rep.ServerPID, o.MemoryEvery)
	res := runDay(ctx, d, workers, o)
	rep.Memory = stopMem()
	rep.Elapsed, rep.Actions, rep.Failures = res.elapsed, res.actions, res.failures
	rep.Verdict = memoryVerdict(rep.Memory, warmUp(rep.Elapsed))
	return rep, ctx.Err()
}

// setupDay reads what the workers draw on and makes (or finds) the day's
// users: day-001…, each with a role of their kind and a branch, and gives
// each specialist and supervisor open tasks of their branch to move.
func setupDay(ctx context.Context, st *store.Store, raw *sql.DB, orgID int64, o Options, rnd *rand.Rand) (*dayData, []*dayWorker, error) {
	adm, err := st.UserForLogin(ctx, "admin")
	if err != nil {
		return nil, nil, fmt.Errorf("bench: the generator's administrator: %w", err)
	}
	admin, err := st.Actor(ctx, adm.User.ID)
	if err != nil {
		return nil, nil, err
	}
	if admin.OrganisationID != orgID || !admin.Can(opora.PermAdminUsers) {
		return nil, nil, errors.New("bench: the login admin is not the generated organisation's administrator")
	}
	actx := opora.WithActor(ctx, admin)
	d := &dayData{today: opora.ServiceToday(time.Now()).Time(), items: map[int64][]int64{}, byPoint: map[int64][]clientRef{}}
	branches, err := st.Branches(actx)
	if err != nil {
		return nil, nil, err
	}
	if len(branches) == 0 {
		return nil, nil, errors.New("bench: the organisation has no branch")
	}
	roles, err := st.Roles(actx)
	if err != nil {
		return nil, nil, err
	}
	roleID := map[string]int64{}
	for _, r := range roles {
		roleID[r.Key] = r.ID
	}
	for _, k := range kindRoles {
		if roleID[k] == 0 {
			return nil, nil, fmt.Errorf("bench: the organisation has no built-in role %q", k)
		}
	}
	types, err := st.ServiceTypes(actx, true)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range types {
		if t.Active {
			d.types = append(d.types, t)
		}
	}
	points, err := st.CheckinPoints(actx, false)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range points {
		full, err := st.CheckinPoint(actx, p.ID)
		if err != nil {
			return nil, nil, err
		}
		d.points = append(d.points, full)
		d.items[p.ID] = []int64{opora.ItemCame}
		for _, it := range full.Items {
			if !it.Disabled {
				d.items[p.ID] = append(d.items[p.ID], it.ID)
			}
		}
	}
	if len(d.types) == 0 || len(d.points) == 0 {
		return nil, nil, errors.New("bench: the organisation has no active service type or no check-in point (fill it with opora demo --clients N)")
	}

	// A sample of clients, by branch.
	sample := 4000
	if o.Smoke {
		sample = 400
	}
	byBranch := map[int64][]clientRef{}
	var all []clientRef
	_, err = sampleRows(ctx, raw, rnd, "clients", orgID, sample, func(ids []int64) (*sql.Rows, error) {
		in, args := inList([]any{orgID}, ids)
		return raw.QueryContext(ctx, `SELECT c.id, c.surname, c.first_name, c.branch_id FROM clients c WHERE c.organisation_id = $1
			AND c.deleted_at IS NULL AND c.merged_into IS NULL AND c.id IN (`+in+`)`, args...)
	}, func(r *sql.Rows) error {
		var c clientRef
		var branch int64
		if err := r.Scan(&c.id, &c.surname, &c.first, &branch); err != nil {
			return err
		}
		c.surnameLongEnough = len([]rune(c.surname)) >= 5 && c.first != ""
		byBranch[branch] = append(byBranch[branch], c)
		all = append(all, c)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, errors.New("bench: found no clients")
	}
	for _, p := range d.points {
		d.byPoint[p.ID] = byBranch[p.BranchID]
		if len(d.byPoint[p.ID]) == 0 {
			d.byPoint[p.ID] = all
		}
	}
	_, err = sampleRows(ctx, raw, rnd, "checkin_persons", orgID, 500, func(ids []int64) (*sql.Rows, error) {
		in, args := inList([]any{orgID}, ids)
		return raw.QueryContext(ctx, `SELECT id FROM checkin_persons WHERE organisation_id = $1 AND merged_into IS NULL
			AND id IN (`+in+`)`, args...)
	}, func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		d.persons = append(d.persons, id)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}

	// The workers: seven in ten specialists and supervisors work in the
	// first branch (where seven in ten generated clients are), the rest in
	// the others; duty volunteers at their point's branch.
	hash, err := auth.Hash(o.Password)
	if err != nil {
		return nil, nil, err
	}
	workers := make([]*dayWorker, o.Workers)
	for i := range workers {
		w := &dayWorker{n: i, kind: kindOf(i), login: fmt.Sprintf("%s%03d", dayLoginPrefix, i+1)}
		branch := branches[0].ID
		if i%10 >= 7 && len(branches) > 1 {
			branch = branches[1+i%(len(branches)-1)].ID
		}
		if w.kind == kindDuty { // volunteers spread over the points, twenty workers at a time
			p := d.points[i/20%len(d.points)]
			w.point, branch = p.ID, p.BranchID
		}
		have, err := st.UserForLogin(ctx, w.login)
		switch {
		case err == nil:
			w.id = have.User.ID
			if len(have.User.BranchIDs) > 0 {
				branch = have.User.BranchIDs[0]
			}
		case opora.ErrorCode(err) == opora.ENOTFOUND:
			u := &opora.User{Login: w.login, FullName: fmt.Sprintf("Сотрудник %03d", i+1), Position: kindPositions[w.kind],
				Locale: "ru", BranchIDs: []int64{branch}, RoleIDs: []int64{roleID[kindRoles[w.kind]]}}
			if err := st.CreateUser(actx, u, hash); err != nil {
				return nil, nil, fmt.Errorf("bench: create the user %s: %w", w.login, err)
			}
			w.id = u.ID
		default:
			return nil, nil, err
		}
		w.branch = branch
		switch w.kind {
		case kindSupervisor:
			w.clients = all
		case kindSpecialist:
			w.clients = byBranch[branch]
		}
		for _, c := range w.clients {
			if c.surnameLongEnough {
				w.typos = append(w.typos, c)
			}
		}
		if w.kind != kindDuty && (len(w.clients) == 0 || len(w.typos) == 0) {
			return nil, nil, fmt.Errorf("bench: no sampled client in the branch of %s", w.login)
		}
		workers[i] = w
	}
	if err := giveTasks(ctx, st, raw, actx, orgID, d.today, workers); err != nil {
		return nil, nil, err
	}
	return d, workers, nil
}

// giveTasks tops each specialist's and supervisor's open tasks up to
// dayTasks: open tasks of open cases of their branch's clients, started by
// today, held by a generated worker are handed to them (through the store, as an
// administrator editing the task would), and reads every worker's tasks.
func giveTasks(ctx context.Context, st *store.Store, raw *sql.DB, actx context.Context, orgID int64, today time.Time,
	workers []*dayWorker) error {
	// Open, and started: a task cannot be done before its start date.
	const open = `t.status IN ('planned', 'accepted', 'in_progress') AND t.start_on <= $2`
	day := nullDate(today) // as the store writes dates
	mine := func(w *dayWorker) ([]dayTask, error) {
		rows, err := raw.QueryContext(ctx, `SELECT t.id, t.status FROM case_tasks t JOIN cases k ON k.id = t.case_id
			WHERE t.responsible_id = $1 AND t.family_id IS NULL AND k.status = 'open' AND `+open+` ORDER BY t.id`, w.id, day)
		if err != nil {
			return nil, fmt.Errorf("bench: tasks of %s: %w", w.login, err)
		}
		defer rows.Close()
		var out []dayTask
		for rows.Next() {
			var t dayTask
			var status string
			if err := rows.Scan(&t.id, &status); err != nil {
				return nil, err
			}
			t.status = opora.TaskStatus(status)
			out = append(out, t)
		}
		return out, rows.Err()
	}
	for _, w := range workers {
		if w.kind == kindDuty {
			continue
		}
		tasks, err := mine(w)
		if err != nil {
			return err
		}
		if need := dayTasks - len(tasks); need > 0 {
			rows, err := raw.QueryContext(ctx, `SELECT t.id FROM case_tasks t JOIN cases k ON k.id = t.case_id
				JOIN clients c ON c.id = t.client_id JOIN users u ON u.id = t.responsible_id
				WHERE t.organisation_id = $1 AND c.branch_id = $3 AND t.family_id IS NULL AND k.status = 'open' AND `+open+`
				AND c.deleted_at IS NULL AND c.merged_into IS NULL AND u.login NOT LIKE 'day-%'
				ORDER BY t.id DESC LIMIT $4`, orgID, day, w.branch, need)
			if err != nil {
				return fmt.Errorf("bench: open tasks: %w", err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, id := range ids {
				t, err := st.Task(actx, id)
				if err != nil {
					return fmt.Errorf("bench: task %d: %w", id, err)
				}
				t.ResponsibleID, t.ResponsibleOrg = w.id, 0
				if err := st.UpdateTask(actx, t); err != nil {
					return fmt.Errorf("bench: hand task %d to %s: %w", id, w.login, err)
				}
			}
			if tasks, err = mine(w); err != nil {
				return err
			}
		}
		if len(tasks) == 0 {
			return fmt.Errorf("bench: no open task of an open case in the branch of %s", w.login)
		}
		w.tasks = tasks
	}
	return nil
}

// loginWorkers logs every worker in through the login form, two at a time
// (the server hashes one password per core at once and refuses more).
func loginWorkers(ctx context.Context, hc *httpClient, workers []*dayWorker, password string) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(workers))
	sem := make(chan struct{}, 2)
	for _, w := range workers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := hc.login(ctx, w.login, password)
			if err != nil {
				errs <- err
				return
			}
			w.s = s
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// dayFail is a failed action: the status of the answer (0 when none came)
// and a reason that names no data.
type dayFail struct {
	status int
	reason string
}

func (e *dayFail) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.reason) }

// expect checks an answer's status; a transport error is reduced to what
// it says about the connection (never the URL, which may hold a name).
func expect(res *http.Response, err error, want int) error {
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &dayFail{reason: strings.Join(strings.Fields(err.Error()), " ")}
	}
	if res.StatusCode != want {
		reason := "expected " + strconv.Itoa(want)
		if loc := res.Header.Get("Location"); res.StatusCode/100 == 3 && strings.HasPrefix(loc, "/login") {
			reason = "sent to the login page"
		}
		return &dayFail{status: res.StatusCode, reason: reason}
	}
	return nil
}

// act does one action of a worker and says whether it succeeded.
func (w *dayWorker) act(ctx context.Context, d *dayData, action string, rnd *rand.Rand) error {
	s := w.s
	yearAgo := d.today.AddDate(-1, 0, 1)
	get := func(path string) error {
		res, _, err := s.do(ctx, s.get(ctx, path))
		return expect(res, err, http.StatusOK)
	}
	post := func(path string, v url.Values) error {
		res, _, err := s.do(ctx, s.form(ctx, path, v))
		return expect(res, err, http.StatusSeeOther)
	}
	client := func() clientRef { return w.clients[rnd.IntN(len(w.clients))] }
	switch action {
	case ActSearch:
		c := w.typos[rnd.IntN(len(w.typos))]
		return get(searchPath(strings.TrimSpace(typo(rnd, c.surname) + " " + c.first)))
	case ActProfile:
		return get("/clients/" + strconv.FormatInt(client().id, 10))
	case ActService:
		t := d.types[rnd.IntN(len(d.types))]
		return post("/clients/"+strconv.FormatInt(client().id, 10)+"/services", serviceForm(t, d.today))
	case ActNote:
		return post("/clients/"+strconv.FormatInt(client().id, 10)+"/notes",
			url.Values{"body": {dayNotes[rnd.IntN(len(dayNotes))]}})
	case ActBoard:
		return get("/tasks")
	case ActMove:
		// The worker's tasks in turn, each a step on: planned → in
		// progress → done, and a done one reopened (in progress).
		t := &w.tasks[w.next%len(w.tasks)]
		w.next++
		to := opora.TaskInProgress
		if t.status == opora.TaskInProgress {
			to = opora.TaskDone
		}
		if err := post("/tasks/"+strconv.FormatInt(t.id, 10)+"/status", url.Values{"status": {string(to)}, "back": {"/tasks"}}); err != nil {
			return err
		}
		t.status = to
		return nil
	case ActTicks:
		return w.ticks(ctx, d, rnd)
	case ActCheckinSearch:
		people := d.byPoint[w.point]
		c := people[rnd.IntN(len(people))]
		q := []rune(c.surname)
		return get("/checkin/" + strconv.FormatInt(w.shift, 10) + "/search.json?" +
			url.Values{"q": {string(q[:min(4, len(q))])}}.Encode())
	case ActDashboard:
		return get("/dashboard?" + url.Values{"from": {yearAgo.Format("2006-01-02")}, "to": {d.today.Format("2006-01-02")}}.Encode())
	case ActStandard:
		key := []string{"services_by_type", "tasks_done_by_type", "sociodemographic"}[rnd.IntN(3)]
		return get("/reports/standard/" + key + "?" +
			url.Values{"from": {yearAgo.Format("2006-01-02")}, "to": {d.today.Format("2006-01-02")}}.Encode())
	case ActBuilder:
		specs := []reportSpec{
			{subject: opora.SubjectServices, measure: opora.MeasureCount, dims: []opora.Dimension{opora.DimMonth, opora.DimServiceType},
				from: yearAgo, to: d.today},
			{subject: opora.SubjectServices, measure: opora.MeasureDistinctClients, dims: []opora.Dimension{opora.DimBranch, opora.DimGender},
				from: d.today.AddDate(-5, 0, 1), to: d.today},
			{subject: opora.SubjectVisits, measure: opora.MeasureCount, dims: []opora.Dimension{opora.DimPoint, opora.DimMonth},
				from: d.today.AddDate(-5, 0, 1), to: d.today},
		}
		v := specs[rnd.IntN(len(specs))].values()
		v.Set("run", "1")
		return get("/reports/builder?" + v.Encode())
	case ActMonitoring:
		return get("/monitoring")
	}
	return &dayFail{reason: "unknown action " + action}
}

// dayNotes are the notes workers add (no one's data).
var dayNotes = []string{"Позвонил, договорились о встрече в четверг (bench).", "Пришёл на консультацию, документы в работе (bench).",
	"Нужна справка из МФЦ, записали на понедельник (bench)."}

// ticks sends a batch of one to eight ticks, as the check-in page sends
// what it queued while offline: each a check-in person or a client of the
// point's branch and an item, all of the last minutes. Every tick must be
// accepted (or be a duplicate of one already there).
func (w *dayWorker) ticks(ctx context.Context, d *dayData, rnd *rand.Rand) error {
	type tick struct {
		ID     string `json:"id"`
		Person string `json:"person"`
		Item   int64  `json:"item"`
		At     string `json:"at"`
	}
	items, people := d.items[w.point], d.byPoint[w.point]
	n := 1 + rnd.IntN(8)
	batch := make([]tick, n)
	now := time.Now().UTC()
	for i := range batch {
		person := "c" + strconv.FormatInt(people[rnd.IntN(len(people))].id, 10)
		if len(d.persons) > 0 && rnd.IntN(2) == 0 {
			person = "p" + strconv.FormatInt(d.persons[rnd.IntN(len(d.persons))], 10)
		}
		batch[i] = tick{ID: newUUID(rnd), Person: person, Item: items[rnd.IntN(len(items))],
			At: now.Add(-time.Duration(n-i) * 20 * time.Second).Format("2006-01-02T15:04:05.000Z")}
	}
	body, _ := json.Marshal(map[string]any{"persons": []any{}, "ticks": batch})
	res, answer, err := w.s.do(ctx, w.s.json(ctx, "/checkin/"+strconv.FormatInt(w.shift, 10)+"/ticks", body))
	if err := expect(res, err, http.StatusOK); err != nil {
		return err
	}
	var out struct {
		Results []struct {
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || len(out.Results) != n {
		return &dayFail{status: res.StatusCode, reason: "unreadable answer to a batch of ticks"}
	}
	for _, r := range out.Results {
		if r.Status != string(opora.TickAccepted) && r.Status != string(opora.TickDuplicate) {
			return &dayFail{status: res.StatusCode, reason: "a tick answered " + r.Status}
		}
	}
	return nil
}

// dayResult is what runDay measured.
type dayResult struct {
	elapsed  time.Duration
	actions  []DayAction
	failures []DayFailure
}

// runDay runs every worker until the duration is over: each starts at a
// random moment within its first think time, then does an action of its
// kind's mix, thinks, and so on. A smoke run does each action of each
// worker's mix once, without thinking.
func runDay(ctx context.Context, d *dayData, workers []*dayWorker, o Options) dayResult {
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	fails := map[DayFailure]int{}
	start := time.Now()
	deadline := start.Add(o.Duration)
	sleep := func(d time.Duration) bool {
		if d <= 0 {
			return ctx.Err() == nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(o.Seed, uint64(w.n)+100))
			mix := dayMix[w.kind]
			if o.Think > 0 && !sleep(time.Duration(rnd.Int64N(int64(o.Think)))) {
				return
			}
			for k := 0; ctx.Err() == nil; k++ {
				var action string
				if o.Smoke {
					if k >= len(mix) {
						return
					}
					action = mix[k].action
				} else {
					if time.Now().After(deadline) {
						return
					}
					action = pick(mix, rnd)
				}
				t0 := time.Now()
				err := w.act(ctx, d, action, rnd)
				took := time.Since(t0)
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				lat[action] = append(lat[action], took)
				if err != nil {
					f := DayFailure{Action: action, Reason: err.Error()}
					var df *dayFail
					if errors.As(err, &df) {
						f.Status, f.Reason = df.status, df.reason
					}
					fails[f]++
				}
				mu.Unlock()
				// Think, but not past the end of the day.
				if o.Think > 0 && !sleep(min(o.Think/2+time.Duration(rnd.Int64N(int64(o.Think))), time.Until(deadline))) {
					return
				}
			}
		})
	}
	wg.Wait()
	res := dayResult{elapsed: time.Since(start)}
	errCount := map[string]int{}
	for f, n := range fails {
		f.Count = n
		res.failures = append(res.failures, f)
		errCount[f.Action] += n
	}
	slices.SortFunc(res.failures, func(a, b DayFailure) int {
		return strings.Compare(a.Action+strconv.Itoa(a.Status)+a.Reason, b.Action+strconv.Itoa(b.Status)+b.Reason)
	})
	for _, a := range DayActions() {
		l := lat[a]
		if len(l) == 0 {
			continue
		}
		res.actions = append(res.actions, DayAction{Action: a, Count: len(l), Errors: errCount[a],
			P50: percentile(l, 0.50), P95: percentile(l, 0.95), P99: percentile(l, 0.99),
			PerSecond: float64(len(l)) / res.elapsed.Seconds()})
	}
	return res
}
