package web

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The access matrix (issue 25): every registered route, asked by every
// role from every relation to the object, against a hand-written table of
// who should get in (accessTable, access_table_test.go). The world:
//
//   - organisation A (the fixture's, turned into a social-service centre
//     so it has both the NGO roles and the family roles) with branches 1
//     and 2; every object lives in A's branch 1: a client with something
//     on every tab (auditFixture), a case and task, a family with a
//     curator, an assessment and plan tasks, a signal, a council, a
//     check-in shift, a certificate;
//   - organisation B, another social-service centre;
//   - school G, which holds a task on A's family (a task grant), and
//     school H, which holds none.
//
// Actors: one user of every built-in role in A's branch 1 (relOwn; the
// curator there is the client's responsible worker and the family's
// curator, so "own" scope reaches them), in A's branch 2 (relBranch) and
// in B (relOrg); the agency roles in G (relTask) and H (relNoTask); the
// network administrator (in A) and an anonymous browser. Each asks every
// route with the objects' ids filled in; an API route is asked with a
// bearer token of the same user instead of the session.

// rel is how an actor stands to the world's objects.
type rel string

const (
	relOwn    rel = "own-branch"    // A, branch 1: the objects' own branch
	relBranch rel = "other-branch"  // A, branch 2
	relOrg    rel = "other-org"     // B, another organisation
	relTask   rel = "agency+task"   // school G, with a task on the family
	relNoTask rel = "agency-notask" // school H, without one
)

// Roles by their built-in key; "" is the anonymous browser.
const (
	rAdmin      = "administrator"
	rSupervisor = "supervisor"
	rSpecialist = "specialist"
	rDuty       = "duty"
	rAnalyst    = "analyst"
	rAuditor    = "auditor"
	rKDN        = "kdn_secretary"
	rCurator    = "curator"
	rAgencySpec = "agency_specialist"
	rAgencyHead = "agency_head"
	rRegional   = "regional_analyst"
	rNetwork    = opora.NetworkAdminRole
	rAnonymous  = ""
)

// orgRoles are the roles every actor organisation has (A and B are
// social-service centres: the NGO roles and the family roles).
var orgRoles = []string{rAdmin, rSupervisor, rSpecialist, rDuty, rAnalyst, rAuditor,
	rKDN, rCurator, rAgencySpec, rAgencyHead, rRegional}

// agencyRoles are the roles asked from schools G and H.
var agencyRoles = []string{rAgencySpec, rAgencyHead}

// actor is one logged-in user (or the anonymous browser).
type actor struct {
	role   string
	rel    rel
	userID int64
	c      *client
	token  string // an API token acting as the same user
}

func (x *actor) String() string {
	if x.role == rAnonymous {
		return "anonymous"
	}
	return x.role + " " + string(x.rel)
}

// matrixWorld is the world both databases build once.
type matrixWorld struct {
	actors []*actor
	ids    map[string]string // a path prefix ending in a parameter → the id to put there
}

var matrixLogins int

// matrixUser creates a user of one built-in role in an organisation's
// branch, logs them in and gives them an API token with every scope.
func matrixUser(t *testing.T, a *app, f *storetest.Fixture, branchID int64, role string, r rel) *actor {
	t.Helper()
	matrixLogins++
	login := fmt.Sprintf("m%d-%s", matrixLogins, strings.ReplaceAll(role, "_", "-"))
	u := &opora.User{Login: login, FullName: "Матрица " + login, BranchIDs: []int64{branchID},
		RoleIDs: []int64{f.Role(t, role).ID}}
	if err := a.st.CreateUser(f.Ctx(), u, storetest.PasswordHash); err != nil {
		t.Fatalf("user %s: %v", login, err)
	}
	setPassword(t, a.st, u.ID, f.Org.ID)
	tok := &opora.APIToken{UserID: u.ID, Name: "матрица", Scopes: opora.APIScopes, ExpiresAt: a.st.Now().AddDate(0, 1, 0)}
	plain, err := a.st.CreateAPIToken(f.Ctx(), tok)
	if err != nil {
		t.Fatalf("token of %s: %v", login, err)
	}
	return &actor{role: role, rel: r, userID: u.ID, c: a.login(t, login, testPassword), token: plain}
}

// buildMatrixWorld builds the world described above on one database.
func buildMatrixWorld(t *testing.T, a *app, fx *storetest.Fixture) *matrixWorld {
	t.Helper()
	ctx := context.Background()
	raw := storetest.RawDB(t, a.st)
	// Organisation A becomes a social-service centre of the network; the
	// seeders (run by Migrate) give it the family roles.
	if _, err := raw.Exec(`UPDATE organisations SET type = $1 WHERE id = $2`, opora.OrgSocialService, fx.Org.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fx.Actor = storetest.ActorOf(t, a.st, fx.Admin.ID)
	rep := auditFixture(t, a, fx)
	ids := map[string]string{}
	get := func(name string) string { return rep.Replace("{" + name + "}") }
	fctx := storetest.CtxOf(t, a.st, fx.Admin.ID) // with the family role auditFamily gave

	branch2 := &opora.Branch{Name: "Второй филиал"}
	if err := a.st.SaveBranch(fx.Ctx(), branch2); err != nil {
		t.Fatal(err)
	}
	orgB := storetest.AddAgency(t, a.st, fx.Ctx(), "Другой центр", opora.OrgSocialService)
	schoolG := storetest.AddAgency(t, a.st, fx.Ctx(), "Школа с задачей", opora.OrgSchool)
	schoolH := storetest.AddAgency(t, a.st, fx.Ctx(), "Школа без задачи", opora.OrgSchool)

	w := &matrixWorld{ids: ids}
	w.actors = append(w.actors, &actor{role: rAnonymous, rel: relOwn, c: a.client(t)})
	var curatorA1 *actor
	for _, role := range orgRoles {
		x := matrixUser(t, a, fx, fx.Branch.ID, role, relOwn)
		if role == rCurator {
			curatorA1 = x
		}
		w.actors = append(w.actors, x,
			matrixUser(t, a, fx, branch2.ID, role, relBranch),
			matrixUser(t, a, orgB, orgB.Branch.ID, role, relOrg))
	}
	for _, role := range agencyRoles {
		w.actors = append(w.actors, matrixUser(t, a, schoolG, schoolG.Branch.ID, role, relTask),
			matrixUser(t, a, schoolH, schoolH.Branch.ID, role, relNoTask))
	}
	w.actors = append(w.actors, matrixUser(t, a, fx, fx.Branch.ID, rNetwork, relOwn))

	// The curator of branch 1 is the client's responsible worker and the
	// family's curator: "own" scope reaches both.
	curatorID := curatorA1.userID
	if _, err := raw.Exec(`UPDATE clients SET responsible_id = $1 WHERE id = $2`, curatorID, get("client")); err != nil {
		t.Fatal(err)
	}
	family := mustInt(t, get("family"))
	if err := a.st.AssignCurator(fctx, family, curatorID); err != nil {
		t.Fatal(err)
	}
	// A task of the family's plan in school G's queue: G's task grant.
	types, err := a.st.CaseDictionary(fctx, opora.DictTaskType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("task types: %v", err)
	}
	gtask := &opora.Task{TypeID: types[0].ID, Description: "Кружок после уроков", ResponsibleOrg: schoolG.Org.ID,
		DueOn: a.st.Today().AddDate(0, 0, 14)}
	if err := a.st.AddFamilyTask(fctx, family, gtask); err != nil {
		t.Fatal(err)
	}

	for prefix, name := range map[string]string{
		"/clients/{id}": "client", "/api/v1/clients/{id}": "client",
		"/clients/{id}/notes/{nid}": "note", "/clients/{id}/documents/{did}": "document",
		"/clients/{id}/files/{fid}": "file", "/clients/{id}/forms/{form}": "form",
		"/clients/{id}/fillings/{fid}": "filling", "/services/{id}": "service",
		"/cases/{id}": "case", "/api/v1/cases/{id}": "case", "/tasks/{id}": "task",
		"/families/{id}": "family", "/api/v1/families/{id}": "family",
		"/families/{id}/assessments/{aid}": "assessment",
		"/signals/{id}":                    "signal", "/api/v1/signals/{id}": "signal",
		"/councils/{id}": "council", "/councils/{id}/meetings/{mid}": "meeting",
		"/councils/{id}/meetings/{mid}/families/{fid}": "family",
		"/checkin/{shiftID}":                           "shift", "/checkin/shifts/{id}": "shift", "/checkin/persons/{id}": "person",
		"/clients/{id}/issued/{doc}": "issued",
	} {
		ids[prefix] = get(name)
	}
	// The school's head marks it done with a report, so the task has a
	// report file to download; the school keeps reading the family for
	// task_access_days.
	for _, x := range w.actors {
		if x.role == rAgencyHead && x.rel == relTask {
			res := x.c.postMultipart("/agency/tasks/"+idString(gtask.ID)+"/done",
				url.Values{"report": {"Записан в кружок"}, "done_on": {a.st.Today().String()}, "version": {"1"}},
				upload{"report_file", "справка.pdf", []byte("%PDF-1.4 справка")})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("school G marks its task done: %d %s", res.Status, res.Body)
			}
		}
	}
	ids["/agency/tasks/{id}"] = idString(gtask.ID)
	ids["/api/v1/tasks/{id}"] = idString(gtask.ID)
	ids["/admin/document-images/{kind}"] = "stamp"
	ids["/reports/standard/{key}"] = "services_by_type"
	ids["/families/{id}/hints/{rule}"] = "1"
	ids["/admin/branches/{id}"] = idString(fx.Branch.ID)

	// More of the client's objects, made through the store as A's
	// administrator, and the organisation's own.
	cid := mustInt(t, get("client"))
	actx := storetest.CtxOf(t, a.st, fx.Admin.ID)
	today := a.st.Today()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	restr := &opora.Restriction{ClientID: cid, Kind: opora.RestrictionBan, Description: "Без приюта", StartsOn: today}
	must("restriction", a.st.CreateRestriction(actx, restr))
	ids["/clients/{id}/restrictions/{rid}"] = idString(restr.ID)
	rem := &opora.Reminder{ClientID: cid, DueOn: today, Body: "Позвонить", ForAll: true}
	must("reminder", a.st.CreateReminder(actx, rem))
	ids["/clients/{id}/reminders/{rid}"] = idString(rem.ID)
	rem2 := &opora.Reminder{ClientID: cid, DueOn: today, Body: "Напомнить о справке", ForAll: true}
	must("reminder", a.st.CreateReminder(actx, rem2))
	ids["/reminders/{rid}"] = idString(rem2.ID)
	ev := &opora.LifeEvent{ClientID: cid, Kind: opora.LifeEventJobLoss, OccurredOn: today}
	must("life event", a.st.CreateLifeEvent(actx, ev))
	ids["/clients/{id}/life-events/{eid}"] = idString(ev.ID)
	room := &opora.Room{BranchID: fx.Branch.ID, Name: "Комната 1", Capacity: 2}
	must("room", a.st.SaveRoom(actx, room))
	ids["/shelter/rooms/{id}"] = idString(room.ID)
	stay := &opora.Stay{ClientID: cid, RoomID: room.ID, CheckIn: today}
	must("stay", a.st.CheckIn(actx, stay))
	ids["/clients/{id}/shelter/stays/{stay}"] = idString(stay.ID)
	check := &opora.MedicalCheck{ClientID: cid, Type: opora.CheckTyphus, DoneOn: today}
	must("medical check", a.st.AddMedicalCheck(actx, check))
	ids["/clients/{id}/shelter/medical/{check}"] = idString(check.ID)
	sr := &opora.SubjectRequest{ClientID: cid, Requester: "Аудитов Пётр", Kind: "access", ReceivedOn: today}
	must("subject request", a.st.CreateSubjectRequest(actx, sr))
	ids["/privacy/requests/{id}"] = idString(sr.ID)
	rule := &opora.RetentionRule{Name: "Удалённые карточки: 30 дней", Trigger: opora.TriggerClientDeleted, Amount: 30,
		Unit: opora.UnitDays, Action: opora.ActionDestroy, Active: true}
	must("retention rule", a.st.SaveRetentionRule(actx, rule))
	ids["/admin/retention/rules/{id}"] = idString(rule.ID)
	saved := &opora.SavedReport{Name: "Клиенты по месяцам", Query: "subject=clients&measure=count"}
	must("saved report", a.st.SaveReport(actx, saved))
	ids["/reports/saved/{id}"] = idString(saved.ID)
	job, err := a.web.startOrgExport(actx, "проверка доступа")
	must("organisation export", err)
	a.web.WaitJobs()
	ids["/admin/organisation/data/{id}"] = job.ID

	part := &opora.CaseParticipant{CaseID: mustInt(t, get("case")), OrganisationID: orgB.Org.ID, Role: "юрист"}
	must("case participant", a.st.AddCaseParticipant(actx, part))
	ids["/cases/{id}/participants/{pid}"] = idString(part.ID)
	draft := &opora.DraftTask{FamilyID: family, TypeID: types[0].ID, What: "Консультация психолога", DueOn: today.AddDays(30)}
	must("draft plan task", a.st.SaveDraftTask(fctx, draft))
	ids["/families/{id}/plan/{tid}"] = idString(draft.ID)
	hook := &opora.Webhook{URL: "https://example.org/hooks", Events: []opora.WebhookEvent{opora.EventTaskStatus}}
	_, err = a.st.CreateWebhook(actx, hook)
	must("webhook", err)
	ids["/admin/webhooks/{id}"] = idString(hook.ID)
	var dutyID int64
	must("duty", raw.QueryRow(`SELECT id FROM users WHERE login = 'duty'`).Scan(&dutyID))
	tok := &opora.APIToken{UserID: dutyID, Name: "отзываемый", Scopes: []opora.APIScope{opora.ScopeClientsRead},
		ExpiresAt: a.st.Now().AddDate(0, 1, 0)}
	_, err = a.st.CreateAPIToken(actx, tok)
	must("api token", err)
	ids["/admin/api-tokens/{id}"] = idString(tok.ID)

	// Objects of A found by their table: the first row of the organisation.
	one := func(prefix, query string, args ...any) {
		var id sql.NullInt64
		if err := raw.QueryRow(query, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		if id.Valid && id.Int64 != 0 {
			ids[prefix] = idString(id.Int64)
		}
	}
	org := fx.Org.ID
	one("/admin/users/{id}", `SELECT id FROM users WHERE organisation_id = $1 AND login = 'duty'`, org)
	one("/admin/roles/{id}", `SELECT MIN(id) FROM roles WHERE organisation_id = $1 AND key = 'specialist'`, org)
	// The assessment form auditAssessment made: it has levels.
	one("/admin/forms/{id}", `SELECT MAX(id) FROM forms WHERE organisation_id = $1`, org)
	one("/admin/form-sections/{id}", `SELECT MIN(s.id) FROM form_sections s JOIN forms f ON f.id = s.form_id WHERE f.organisation_id = $1`, org)
	one("/admin/form-fields/{id}", `SELECT MIN(x.id) FROM form_fields x JOIN form_sections s ON s.id = x.section_id JOIN forms f ON f.id = s.form_id WHERE f.organisation_id = $1`, org)
	one("/admin/field-options/{id}", `SELECT MIN(o.id) FROM field_options o JOIN form_fields x ON x.id = o.field_id JOIN form_sections s ON s.id = x.section_id JOIN forms f ON f.id = s.form_id WHERE f.organisation_id = $1`, org)
	one("{territory}", `SELECT MIN(id) FROM territories WHERE kind = $1`, opora.TerritoryMunicipality)
	one("{servicetype}", `SELECT MIN(id) FROM service_types WHERE organisation_id = $1`, org)
	one("/admin/services/{id}", `SELECT MIN(id) FROM service_types WHERE organisation_id = $1`, org)
	one("/admin/case-types/{id}", `SELECT MIN(id) FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2`, org, opora.DictCaseType)
	one("/admin/plan-templates/{id}", `SELECT MIN(id) FROM plan_templates WHERE organisation_id = $1`, org)
	one("/admin/document-templates/{id}", `SELECT MIN(id) FROM doc_templates WHERE organisation_id = $1`, org)
	one("/admin/territories/{id}", `SELECT MIN(id) FROM territories`)
	ids["/admin/network/{id}"] = idString(schoolG.Org.ID)
	one("/families/{id}/members/{mid}", `SELECT MIN(id) FROM family_members WHERE family_id = $1`, family)
	one("/families/{id}/plan/{tid}", `SELECT MIN(id) FROM draft_plan_tasks WHERE family_id = $1`, family)
	one("/councils/{id}/members/{mid}", `SELECT MIN(id) FROM council_members WHERE council_id = $1`, get("council"))
	one("/checkin/points/{id}", `SELECT MIN(id) FROM checkin_points WHERE organisation_id = $1`, org)
	one("/checkin/items/{id}", `SELECT MIN(i.id) FROM checkin_items i JOIN checkin_points p ON p.id = i.point_id WHERE p.organisation_id = $1`, org)
	return w
}

// paramRe finds a path parameter.
var paramRe = regexp.MustCompile(`\{[A-Za-z$]+\}`)

// fillPath puts the world's ids into a route's pattern: each parameter
// by the pattern's text up to it ("/clients/{id}/notes/{nid}"). A
// parameter the world has no object for gets an id no row has (real false).
func (w *matrixWorld) fillPath(pattern string) (path string, real bool) {
	real = true
	var b strings.Builder
	last := 0
	for _, loc := range paramRe.FindAllStringIndex(pattern, -1) {
		b.WriteString(pattern[last:loc[0]])
		last = loc[1]
		if pattern[loc[0]:loc[1]] == "{$}" {
			continue
		}
		id, found := w.ids[pattern[:loc[1]]]
		if !found {
			id, real = "987654321", false
		}
		b.WriteString(id)
	}
	b.WriteString(pattern[last:])
	return b.String(), real
}

// fillBody puts the world's ids into a request body.
func (w *matrixWorld) fillBody(body string) string {
	for k, v := range w.ids {
		if strings.HasPrefix(k, "{") {
			body = strings.ReplaceAll(body, k, v)
		}
	}
	return body
}

// classify says whether an answer let the actor past the access checks,
// and how to name it.
func classify(res response) (allowed bool, what string) {
	what = fmt.Sprint(res.Status)
	switch {
	case res.Status == http.StatusUnauthorized, res.Status == http.StatusForbidden, res.Status == http.StatusNotFound:
		return false, what
	case res.Status/100 == 3 && strings.HasPrefix(res.Location, "/login"):
		return false, what + " to /login"
	}
	return true, what
}

// matrixBodies are the smallest valid requests of the routes whose empty
// form is refused (400, 422, a redirect back to the form) before the
// object is looked up: such an answer is the same for every id, so it says
// nothing about access. {name} is a world id (matrixWorld.ids by prefix,
// or the extra names). A route not here gets an empty form.
var matrixBodies = map[string]string{
	"POST /clients/{id}/delete":                 "reason=матрица доступа",
	"POST /checkin/items/{id}/edit":             "name=Чай",
	"POST /checkin/shifts/{id}/export":          "reason=проверка доступа к выгрузке&format=csv",
	"POST /admin/organisation/data/{id}/export": "reason=проверка доступа к выгрузке",
	"POST /admin/case-types/new":                "dictionary=" + opora.DictCaseType + "&label=Матрица",
	"POST /families/{id}/members":               "surname=Матрицына&first_name=Ева&birth_date=2016-05-01&role=child",
	"POST /signals/{id}/close":                  "close_reason=" + opora.CloseNotConfirmed + "&version=1",
	"POST /api/v1/clients/{id}/services":        `{"items":[{"type_id":{servicetype},"quantity":1}]}`,
	"POST /api/v1/signals":                      `{"territory_id":{territory},"surname":"Матрицын"}`,
	"POST /api/v1/tasks/{id}/accept":            `{}`,
	"POST /api/v1/tasks/{id}/start":             `{}`,
	"POST /api/v1/tasks/{id}/complete":          `{}`,
	"POST /api/v1/tasks/{id}/return":            `{"comment":"матрица"}`,
}

// matrixOnce are the routes whose first allowed request destroys or
// moves their object (a note deleted, two records merged): the actors who
// must be refused ask first, so every refusal is checked, but after one
// allowed actor succeeded the others' 404 is the object being gone.
var matrixOnce = map[string]bool{
	"POST /clients/{id}/notes/{nid}/delete":             true,
	"POST /clients/{id}/files/{fid}/delete":             true,
	"POST /clients/{id}/documents/{did}/delete":         true,
	"POST /clients/{id}/merge":                          true,
	"POST /services/{id}/delete":                        true,
	"POST /clients/{id}/life-events/{eid}/delete":       true,
	"POST /clients/{id}/reminders/{rid}/delete":         true,
	"POST /clients/{id}/shelter/medical/{check}/delete": true,
	"POST /admin/retention/rules/{id}/delete":           true,
	"POST /cases/{id}/participants/{pid}/delete":        true,
	"POST /families/{id}/plan/{tid}/delete":             true,
}

// send asks one route as one actor: GET, or POST with the route's body
// (matrixBodies) or an empty form; an API route with the actor's bearer
// token instead of the session (and If-Match on version 1). It may run on
// any goroutine.
func send(x *actor, method, path, body string) (response, error) {
	var req *http.Request
	if method == http.MethodPost {
		req, _ = http.NewRequest(method, x.c.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", `"v1"`)
		}
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req, _ = http.NewRequest(method, x.c.base+path, nil)
	}
	hc := x.c.hc
	if strings.HasPrefix(path, "/api/") && x.role != rAnonymous {
		req.Header.Set("Authorization", "Bearer "+x.token)
		hc = &http.Client{CheckRedirect: x.c.hc.CheckRedirect} // no session cookie
	}
	res, err := hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return response{Status: res.StatusCode, Location: res.Header.Get("Location"), Header: res.Header}, nil
}

// matrixWorkers is how many requests the matrix has in flight where their
// order does not matter.
const matrixWorkers = 8

// inParallel runs fn for every actor, matrixWorkers at a time.
func inParallel(acts []*actor, fn func(*actor)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, matrixWorkers)
	for _, x := range acts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(x)
		}()
	}
	wg.Wait()
}

// TestAccessMatrix asks every route as every actor and compares the
// answers with accessTable.
func TestAccessMatrix(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.st.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local) }
		start := time.Now()
		w := buildMatrixWorld(t, a, fx)
		built := time.Since(start)
		mux := &router{ServeMux: http.NewServeMux()}
		a.web.routes(mux)
		routes := mux.patterns
		var problems []string
		for _, p := range routes {
			if _, ok := accessTable[p]; !ok {
				problems = append(problems, fmt.Sprintf("%s: a registered route with no row in accessTable", p))
			}
		}
		for p := range accessTable {
			if !slices.Contains(routes, p) {
				problems = append(problems, fmt.Sprintf("%s: a row in accessTable with no registered route", p))
			}
		}
		// GETs first, then POSTs; within a route the actors who should be
		// refused ask first, so a state change by an allowed one cannot
		// spoil their answer.
		ordered := slices.Clone(routes)
		rank := func(p string) int {
			switch {
			case p == "POST /logout": // ends every actor's session: last
				return 2
			case strings.HasPrefix(p, "GET "):
				return 0
			}
			return 1
		}
		sort.SliceStable(ordered, func(i, j int) bool { return rank(ordered[i]) < rank(ordered[j]) })
		var mu sync.Mutex
		requests := 0
		report := func(format string, args ...any) {
			mu.Lock()
			problems = append(problems, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		var weak []string
		for _, p := range ordered {
			pol, ok := accessTable[p]
			if !ok {
				continue
			}
			method, pattern, found := strings.Cut(p, " ")
			if !found {
				method, pattern = http.MethodGet, "/no-such-page"
			}
			path, real := w.fillPath(pattern)
			if !real {
				weak = append(weak, p)
			}
			body := w.fillBody(matrixBodies[p])
			done := false // an allowed actor has changed the object (matrixOnce)
			// ask sends one request and says whether an allowed actor got in.
			ask := func(x *actor) bool {
				want := pol.allows(x.role, x.rel)
				gone := matrixOnce[p] && done
				res, err := send(x, method, path, body)
				mu.Lock()
				requests++
				mu.Unlock()
				if err != nil {
					report("%s %s: %v", p, x, err)
					return false
				}
				if res.Status >= 500 {
					report("%s %s: the server failed (%d)", p, x, res.Status)
				}
				got, what := classify(res)
				if pol.public {
					// A public route may still send one elsewhere (the
					// code step without a login, a setup link that is
					// not valid, a failed login's 401): only 403 is wrong.
					got = res.Status != http.StatusForbidden
				}
				if pol.emptyForm && !(res.Status == http.StatusNotFound && !want) && (res.Status == http.StatusBadRequest ||
					res.Status == http.StatusNotFound || res.Status == http.StatusUnprocessableEntity) {
					return false // answered on the form, not on access
				}
				switch {
				case want && gone:
					// the object is gone: any answer will do
				case want && !got && real:
					report("%s %s: want allowed, got %s", p, x, what)
				case !want && got:
					report("%s %s: want denied, got %s", p, x, what)
				case !want && !got && strict404(pol, x) && res.Status != http.StatusNotFound:
					report("%s %s: want 404 (another organisation's record), got %s", p, x, what)
				}
				return want && got
			}
			// Without an object every actor asks about their own
			// organisation: one of each role is enough (the status says
			// nothing about whose rows a list shows).
			acts := w.actors
			if pol.reach == nil {
				acts = nil
				for _, x := range w.actors {
					if x.rel == relOwn {
						acts = append(acts, x)
					}
				}
			}
			var refused, allowed []*actor
			for _, x := range acts {
				if pol.allows(x.role, x.rel) {
					allowed = append(allowed, x)
				} else {
					refused = append(refused, x)
				}
			}
			if method == http.MethodGet {
				// Reading changes nothing but the audit log: all at once.
				inParallel(acts, func(x *actor) { ask(x) })
				continue
			}
			// A change: those who must be refused ask first, together; then
			// the allowed ones one by one, so the first one's change is
			// seen by the next.
			inParallel(refused, func(x *actor) { ask(x) })
			for _, x := range allowed {
				if ask(x) {
					done = true
				}
			}
		}
		sort.Strings(problems)
		for _, pr := range problems {
			t.Error(pr)
		}
		t.Logf("%d routes, %d actors, %d requests; world built in %v, asked in %v; %d routes without an object in the world: %v",
			len(routes), len(w.actors), requests, built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond), len(weak), weak)
	})
}
