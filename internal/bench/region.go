package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The region's scenarios (issue 21), run by opora-bench --region on a
// database filled by opora demo --families: the screens of the
// inter-agency work as their users open them, each logged in as a user of
// the generated region with the matching role, and a daily mix of them
// with writes. Every answer is checked: the status, and the page's heading
// in its body. There are no raw-SQL floors for these scenarios.

// Region scenario names, in the order the report lists them.
const (
	ScenarioBoard      = "agency task board (head, specialist)"
	ScenarioCurator    = "curator's view of a family's tasks"
	ScenarioAgenda     = "council meeting agenda (КДН secretary)"
	ScenarioMonitoring = "region monitoring"
	ScenarioMix        = "daily mix (2 secretaries, 3 curators, 2 heads, 3 specialists per 10; ~30% writes)"
)

// regionScenarioKeys are the short names --scenarios takes with --region.
var regionScenarioKeys = []scenarioKey{
	{"board", ScenarioBoard}, {"curator", ScenarioCurator}, {"agenda", ScenarioAgenda},
	{"monitoring", ScenarioMonitoring}, {"mix", ScenarioMix},
}

// RegionScenarioKeys lists the short names of the region's scenarios.
func RegionScenarioKeys() []string {
	var out []string
	for _, k := range regionScenarioKeys {
		out = append(out, k.key)
	}
	return out
}

// The headings the scenarios expect (the Russian catalog: the generated
// users' locale is ru).
const (
	headingBoard      = "Задачи ведомства"         // agency.board
	headingMyTasks    = "Мои задачи"               // agency.my_tasks, a specialist's board
	headingCurator    = "Задачи ведомств по семье" // agency.family_tasks
	headingAgenda     = "Повестка"                 // council.agenda
	headingMonitoring = "Мониторинг помощи семьям" // monitoring.title
)

// regionLoginsPerRole caps the distinct logins of a role: the virtual users
// of a role share the sessions of at most this many users (logging in
// hundreds of users would only measure the password hash).
const regionLoginsPerRole = 40

// writeShare is the mix's share of writes.
const writeShare = 0.3

type regionRole int

const (
	roleSecretary regionRole = iota
	roleCurator
	roleHead
	roleSpecialist
	roleMonitor
)

var roleNames = [...]string{"КДН secretaries", "curators", "agency heads", "specialists", "monitoring"}

// mixPattern is the mix's roles per ten virtual users: 2 secretaries, 3
// curators, 2 agency heads, 3 specialists.
var mixPattern = []regionRole{roleSecretary, roleCurator, roleHead, roleSpecialist, roleCurator,
	roleSecretary, roleCurator, roleHead, roleSpecialist, roleSpecialist}

// regionUser is a generated user the bench logs in as.
type regionUser struct {
	id, orgID int64
	login     string
	role      regionRole
	s         *session // logged in once, shared by the user's virtual users
	families  []int64  // curator: the families (with tasks) they curate
	tasks     []int64  // the family tasks the user may comment on
	agenda    string   // secretary: the next meeting's page
	fam       *familyData
}

// regionVU is one virtual user: a user's session and the data to pick from.
type regionVU struct {
	u     *regionUser
	d     *regionData
	smoke bool
	n     int // the mix's requests sent
}

// regionData is what the region's scenarios need, read once.
type regionData struct {
	users map[regionRole][]*regionUser
	today opora.Date

	mu      sync.Mutex
	planned map[int64][]int64 // agency → its planned tasks, for heads to accept
	open    map[int64][]int64 // specialist → their open tasks, for them to mark done
}

// pop takes a task off a pool: no two virtual users move the same task.
func (d *regionData) pop(pool map[int64][]int64, key int64) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := pool[key]
	if len(ids) == 0 {
		return 0
	}
	pool[key] = ids[1:]
	return ids[0]
}

// discoverRegion reads the region's users of every role with their tasks,
// families and councils, creating a council with planned meetings for a
// secretary's commission that has none.
func discoverRegion(ctx context.Context, st *store.Store, db *sql.DB, monitorLogin string, rnd *rand.Rand) (*regionData, error) {
	d := &regionData{users: map[regionRole][]*regionUser{}, today: st.Today(),
		planned: map[int64][]int64{}, open: map[int64][]int64{}}
	open := `SELECT t.responsible_org_id FROM case_tasks t JOIN cases k ON k.id = t.case_id
		WHERE t.family_id IS NOT NULL AND k.status = 'open' AND t.responsible_org_id IS NOT NULL`
	queries := map[regionRole]string{
		roleSecretary: ``,
		roleHead:      ` AND u.organisation_id IN (` + open + `)`,
		// Specialists with a task still to do, so the mix's writes have one
		// to mark done (not those whose tasks are all done or returned).
		roleSpecialist: ` AND u.id IN (SELECT t.assignee_id FROM case_tasks t JOIN cases k ON k.id = t.case_id
			WHERE t.family_id IS NOT NULL AND k.status = 'open' AND t.assignee_id IS NOT NULL
			AND t.status IN ('planned', 'accepted', 'in_progress'))`,
		roleCurator: ` AND u.id IN (SELECT f.curator_id FROM families f JOIN case_tasks t ON t.family_id = f.id
			JOIN cases k ON k.id = t.case_id WHERE k.status = 'open' AND f.curator_id IS NOT NULL)`,
	}
	keys := map[regionRole]string{roleSecretary: "kdn_secretary", roleHead: "agency_head", roleSpecialist: "agency_specialist",
		roleCurator: "curator"}
	byID := map[int64]*regionUser{}
	for _, role := range []regionRole{roleSecretary, roleCurator, roleHead, roleSpecialist} {
		rows, err := db.QueryContext(ctx, `SELECT u.id, u.login, u.organisation_id FROM users u
			JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
			WHERE r.key = $1 AND NOT u.disabled`+queries[role]+` ORDER BY u.login LIMIT $2`, keys[role], regionLoginsPerRole)
		if err != nil {
			return nil, fmt.Errorf("bench: region users: %w", err)
		}
		for rows.Next() {
			u := &regionUser{role: role}
			if err := rows.Scan(&u.id, &u.login, &u.orgID); err != nil {
				rows.Close()
				return nil, fmt.Errorf("bench: region users: %w", err)
			}
			d.users[role] = append(d.users[role], u)
			if byID[u.id] == nil {
				byID[u.id] = u
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("bench: region users: %w", err)
		}
		if len(d.users[role]) == 0 {
			return nil, fmt.Errorf("bench: found no %s with data in the database (fill it with opora demo --families)", roleNames[role])
		}
	}
	// The family tasks of open cases: whose they are, who may move them.
	heads := map[int64][]*regionUser{}
	for _, u := range d.users[roleHead] {
		heads[u.orgID] = append(heads[u.orgID], u)
	}
	rows, err := db.QueryContext(ctx, `SELECT t.id, t.status, t.responsible_org_id, COALESCE(t.assignee_id, 0), t.family_id,
		COALESCE(f.curator_id, 0) FROM case_tasks t JOIN cases k ON k.id = t.case_id JOIN families f ON f.id = t.family_id
		WHERE k.status = 'open' AND t.responsible_org_id IS NOT NULL ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("bench: region tasks: %w", err)
	}
	seenFamily := map[[2]int64]bool{}
	for rows.Next() {
		var id, org, assignee, family, curator int64
		var status string
		if err := rows.Scan(&id, &status, &org, &assignee, &family, &curator); err != nil {
			rows.Close()
			return nil, fmt.Errorf("bench: region tasks: %w", err)
		}
		for _, h := range heads[org] {
			h.tasks = append(h.tasks, id)
		}
		if len(heads[org]) > 0 && status == string(opora.TaskPlanned) && assignee == 0 { // not a specialist's to close
			d.planned[org] = append(d.planned[org], id)
		}
		if u := byID[assignee]; u != nil && u.role == roleSpecialist {
			u.tasks = append(u.tasks, id)
			switch opora.TaskStatus(status) {
			case opora.TaskPlanned, opora.TaskAccepted, opora.TaskInProgress:
				d.open[u.id] = append(d.open[u.id], id)
			}
		}
		if u := byID[curator]; u != nil && u.role == roleCurator {
			u.tasks = append(u.tasks, id)
			if !seenFamily[[2]int64{curator, family}] {
				seenFamily[[2]int64{curator, family}] = true
				u.families = append(u.families, family)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bench: region tasks: %w", err)
	}
	// The secretaries: their commission's next meeting and families.
	perOrg := map[int64]*regionUser{} // the commission's first secretary, who set it up
	for _, u := range d.users[roleSecretary] {
		if first := perOrg[u.orgID]; first != nil {
			u.agenda, u.fam = first.agenda, first.fam
			continue
		}
		perOrg[u.orgID] = u
		if u.agenda, err = nextMeeting(ctx, st, db, u); err != nil {
			return nil, err
		}
		if u.fam, err = discoverFamilies(ctx, st, db, u.login, true, rnd); err != nil {
			return nil, err
		}
	}
	// The monitoring: the region's analyst or administrator.
	m, err := st.UserForLogin(ctx, monitorLogin)
	if err != nil {
		return nil, fmt.Errorf("bench: login %q: %w", monitorLogin, err)
	}
	a, err := st.Actor(ctx, m.User.ID)
	if err != nil {
		return nil, fmt.Errorf("bench: login %q: %w", monitorLogin, err)
	}
	if !a.Can(opora.PermReportRun) {
		return nil, fmt.Errorf("bench: login %q lacks the permission %s (use the region's analyst or administrator)", monitorLogin,
			opora.PermReportRun)
	}
	d.users[roleMonitor] = []*regionUser{{id: m.User.ID, login: monitorLogin, orgID: a.OrganisationID, role: roleMonitor}}
	return d, nil
}

// nextMeeting returns the page of the next planned meeting of the
// secretary's commission, first creating a council (every week's Tuesday,
// 10:00) and planning its meetings when there are none.
func nextMeeting(ctx context.Context, st *store.Store, db *sql.DB, u *regionUser) (string, error) {
	a, err := st.Actor(ctx, u.id)
	if err != nil {
		return "", fmt.Errorf("bench: login %q: %w", u.login, err)
	}
	if !a.Can(opora.PermCouncilManage) {
		return "", fmt.Errorf("bench: login %q lacks the permission %s", u.login, opora.PermCouncilManage)
	}
	actx := opora.WithActor(ctx, a)
	councils, err := st.Councils(actx)
	if err != nil {
		return "", err
	}
	var c *opora.Council
	for _, x := range councils {
		if x.OrganisationID == a.OrganisationID {
			c = x
			break
		}
	}
	if c == nil {
		var territory int64
		if err := db.QueryRowContext(ctx, `SELECT COALESCE(territory_id, 0) FROM organisations WHERE id = $1`, a.OrganisationID).
			Scan(&territory); err != nil {
			return "", fmt.Errorf("bench: organisation: %w", err)
		}
		c = &opora.Council{TerritoryID: territory, Name: "Межведомственный консилиум (bench)", Weekday: time.Tuesday,
			Weeks: []int{1, 2, 3, 4, 5}, StartsAt: "10:00", Place: "Зал заседаний"}
		if err := st.SaveCouncil(actx, c); err != nil {
			return "", fmt.Errorf("bench: create a council for %s: %w", u.login, err)
		}
	}
	find := func() (int64, error) {
		ms, err := st.CouncilMeetings(actx, c.ID)
		if err != nil {
			return 0, err
		}
		var next *opora.CouncilMeeting
		for _, m := range ms {
			if m.Status == opora.MeetingPlanned && !m.HeldOn.Before(st.Today()) && (next == nil || m.HeldOn.Before(next.HeldOn)) {
				next = m
			}
		}
		if next == nil {
			return 0, nil
		}
		return next.ID, nil
	}
	id, err := find()
	if err == nil && id == 0 {
		if _, err = st.PlanMeetings(actx, c.ID); err == nil {
			id, err = find()
		}
	}
	if err != nil {
		return "", fmt.Errorf("bench: council meetings of %s: %w", u.login, err)
	}
	if id == 0 {
		return "", fmt.Errorf("bench: the council %d of %s has no planned meeting ahead", c.ID, u.login)
	}
	return "/councils/" + strconv.FormatInt(c.ID, 10) + "/meetings/" + strconv.FormatInt(id, 10), nil
}

// page GETs a path and checks the status 200 and the heading in the body.
func page(ctx context.Context, s *session, path, heading string) error {
	res, body, err := s.do(ctx, s.get(ctx, path))
	if err := ok(res, body, err); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return &statusError{status: res.StatusCode, body: "expected 200 at " + path + ": " + snippet(body)}
	}
	if !bytes.Contains(body, []byte(heading)) {
		return &statusError{status: res.StatusCode, body: fmt.Sprintf("no heading %q at %s: %s", heading, path, snippet(body))}
	}
	return nil
}

// posted checks a form's answer: a redirect, as after every saved form.
func posted(res *http.Response, body []byte, err error, what string) error {
	if err := ok(res, body, err); err != nil {
		return err
	}
	if res.StatusCode != http.StatusSeeOther {
		return &statusError{status: res.StatusCode, body: "expected a redirect after " + what + ": " + snippet(body)}
	}
	return nil
}

// read opens the user's screen.
func (v *regionVU) read(ctx context.Context, s *session, rnd *rand.Rand) error {
	u := v.u
	switch u.role {
	case roleHead:
		return page(ctx, s, "/agency/tasks", headingBoard)
	case roleSpecialist: // a specialist's board opens on their own tasks
		return page(ctx, s, "/agency/tasks", headingMyTasks)
	case roleCurator:
		return page(ctx, s, "/families/"+strconv.FormatInt(u.families[rnd.IntN(len(u.families))], 10)+"/tasks", headingCurator)
	case roleSecretary:
		return page(ctx, s, u.agenda, headingAgenda)
	}
	return page(ctx, s, "/monitoring", headingMonitoring)
}

// write is the user's everyday change: a head accepts a new task of the
// agency, a specialist marks one of theirs done with a report, a curator
// adds a note to a task of their family, a secretary registers a signal.
// A head or specialist with no task left to move adds a note instead.
func (v *regionVU) write(ctx context.Context, s *session, rnd *rand.Rand) error {
	u := v.u
	switch u.role {
	case roleSecretary:
		res, body, err := s.do(ctx, s.form(ctx, "/signals", signalForm(u.fam, rnd)))
		return posted(res, body, err, "registering a signal")
	case roleHead:
		if id := v.d.pop(v.d.planned, u.orgID); id != 0 {
			res, body, err := s.do(ctx, s.form(ctx, "/agency/tasks/"+strconv.FormatInt(id, 10)+"/accept",
				url.Values{"back": {"board"}}))
			return posted(res, body, err, "accepting a task")
		}
	case roleSpecialist:
		if id := v.d.pop(v.d.open, u.id); id != 0 {
			res, body, err := s.do(ctx, s.multipart(ctx, "/agency/tasks/"+strconv.FormatInt(id, 10)+"/done",
				map[string]string{"report": "Выполнено (bench).", "done_on": v.d.today.String()}))
			return posted(res, body, err, "marking a task done")
		}
	}
	if len(u.tasks) == 0 {
		return v.read(ctx, s, rnd)
	}
	id := u.tasks[rnd.IntN(len(u.tasks))]
	res, body, err := s.do(ctx, s.form(ctx, "/agency/tasks/"+strconv.FormatInt(id, 10)+"/comments",
		url.Values{"body": {"Созвонились с семьёй (bench)."}}))
	return posted(res, body, err, "adding a note")
}

// multipart makes a POST of a multipart form without files, as a browser
// sends a form with an empty file field.
func (s *session) multipart(ctx context.Context, path string, fields map[string]string) *http.Request {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", s.base)
	return req
}

// regionScenarios builds the region's scenarios; a request acts as the
// session's virtual user.
func regionScenarios() []scenario {
	read := func(name string) scenario {
		return scenario{name: name, request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
			return s.vu.read(ctx, s, rnd)
		}}
	}
	return []scenario{read(ScenarioBoard), read(ScenarioCurator), read(ScenarioAgenda), read(ScenarioMonitoring),
		{name: ScenarioMix, request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
			v := s.vu
			v.n++
			// A smoke run's virtual users each write once, their second
			// request, so that every kind of write is tried.
			if v.smoke && v.n == 2 || !v.smoke && rnd.Float64() < writeShare {
				return s.vu.write(ctx, s, rnd)
			}
			return s.vu.read(ctx, s, rnd)
		}}}
}

// scenarioRoles are the roles of a scenario's virtual users, in turn.
func scenarioRoles(name string) []regionRole {
	switch name {
	case ScenarioBoard:
		return []regionRole{roleHead, roleSpecialist}
	case ScenarioCurator:
		return []regionRole{roleCurator}
	case ScenarioAgenda:
		return []regionRole{roleSecretary}
	case ScenarioMonitoring:
		return []regionRole{roleMonitor}
	}
	return mixPattern
}

// virtualUsers makes n sessions of a scenario: the roles in turn, each
// role's users in turn, every user logged in once (on first use).
func virtualUsers(ctx context.Context, hc *httpClient, d *regionData, name, password string, n int, smoke bool) ([]*session, error) {
	roles := scenarioRoles(name)
	next := map[regionRole]int{}
	out := make([]*session, n)
	for i := range out {
		role := roles[i%len(roles)]
		users := d.users[role]
		u := users[next[role]%len(users)]
		next[role]++
		if u.s == nil {
			s, err := hc.login(ctx, u.login, password)
			if err != nil {
				return nil, err
			}
			u.s = s
		}
		out[i] = &session{base: u.s.base, hc: u.s.hc, vu: &regionVU{u: u, d: d, smoke: smoke}}
	}
	return out, nil
}

// RunRegion checks the database and runs the region's scenarios at every
// level against the server. Options.Login, when set to other than admin's
// default, is the monitoring's login (default: analyst if the database
// has one, else admin).
func RunRegion(ctx context.Context, o Options) (*Report, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Smoke { // 10: the mix's ten roles, each writing once
		o.Concurrency = []int{1, 10}
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 10, 50}
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	chosen, err := chooseScenarios(regionScenarioKeys, o.Scenarios, "region scenario")
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
	monitor := o.Login
	if monitor == "" || monitor == "admin" {
		monitor = "admin"
		if _, err := st.UserForLogin(ctx, "analyst"); err == nil {
			monitor = "analyst"
		} else if opora.ErrorCode(err) != opora.ENOTFOUND {
			return nil, err
		}
	}
	rnd := rand.New(rand.NewPCG(o.Seed, 21))
	fmt.Fprintf(o.Progress, "bench: reading the region's users, tasks and councils…\n")
	d, err := discoverRegion(ctx, st, raw, monitor, rnd)
	if err != nil {
		return nil, err
	}
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM families`).Scan(&rep.Families); err != nil {
		return nil, fmt.Errorf("bench: families: %w", err)
	}
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM family_members`).Scan(&rep.FamilyMembers); err != nil {
		return nil, fmt.Errorf("bench: families: %w", err)
	}
	var logins []string
	for _, role := range []regionRole{roleSecretary, roleCurator, roleHead, roleSpecialist} {
		logins = append(logins, fmt.Sprintf("%d %s", len(d.users[role]), roleNames[role]))
	}
	rep.Logins = strings.Join(logins, ", ") + " (virtual users of a role share their sessions); monitoring as " + monitor
	maxLevel := 0
	for _, c := range o.Concurrency {
		maxLevel = max(maxLevel, c)
	}
	hc := newHTTP(o.URL)
	for _, sc := range regionScenarios() {
		if !chosen[sc.name] {
			continue
		}
		fmt.Fprintf(o.Progress, "bench: logging in the users of %s at %s…\n", sc.name, o.URL)
		sessions, err := virtualUsers(ctx, hc, d, sc.name, o.Password, maxLevel, o.Smoke)
		if err != nil {
			return nil, err
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
	}
	return rep, nil
}
