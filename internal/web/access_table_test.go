package web

import "slices"

// The expectations of TestAccessMatrix (access_matrix_test.go), written by
// hand from the domain (docs/DOMAIN.md, the roles' descriptions in
// docs/ARCHITECTURE.md) — who should use a screen, and which records it
// should reach — not read off the route's wrapper: the test compares the
// two. One row per registered route; a new route without a row fails.
//
// A row is a policy: who (a group of roles, below) and how far (a reach:
// which relations to the world's object let them in). A route without an
// object (a list, a form, a page of one's own organisation) has no reach:
// every actor asks about their own organisation, so the relation does not
// matter.

// policy says who may pass a route's access checks.
type policy struct {
	public bool                          // anyone, also without logging in
	roles  []string                      // the roles that may use the route (nil with public)
	reach  func(role string, r rel) bool // which objects they reach; nil: no object
	// emptyForm: the route answers an empty form (400, 404 for an object
	// the form should name, 422) before or instead of deciding access, so
	// such an answer counts as neither: an allowed actor must only not be
	// refused (401, 403, to /login), a refused one must get 401/403/404.
	emptyForm bool
}

// formFirst marks a policy emptyForm.
func formFirst(p policy) policy { p.emptyForm = true; return p }

func (p policy) allows(role string, r rel) bool {
	if p.public {
		return true
	}
	if role == rAnonymous || !slices.Contains(p.roles, role) {
		return false
	}
	return p.reach == nil || p.reach(role, r)
}

// strict404 says whether a refusal must be 404: the actor's role may use
// the route, but the object belongs to another organisation (or to a
// family their agency has no task on), which must look exactly like an
// object that does not exist.
func strict404(p policy, x *actor) bool {
	return p.reach != nil && (x.rel == relOrg || x.rel == relNoTask) && slices.Contains(p.roles, x.role)
}

// roleScope is how far a role's record permissions reach (the roles'
// definitions: the NGO's specialist and duty worker work in their branch,
// the curator and an agency's specialist on their own families, the rest
// over the organisation).
func roleScope(role string) string {
	switch role {
	case rSpecialist, rDuty:
		return "branch"
	case rCurator, rAgencySpec:
		return "own"
	}
	return "organisation"
}

// Reaches: how an actor stands to the world's objects, all in A's branch 1.

// reachClient: a client record (and what hangs off it: notes, files,
// cases, services, certificates) — the organisation-wide roles anywhere in
// A, a branch worker in branch 1, the curator as its responsible worker;
// never another organisation, nor an agency through a task (a task grant
// does not open the members' records).
func reachClient(role string, r rel) bool {
	switch r {
	case relOwn:
		return roleScope(role) != "own" || role == rCurator
	case relBranch:
		return roleScope(role) == "organisation"
	}
	return false
}

// reachOrgObject: an object of organisation A that belongs to no branch
// (a user, a role, a dictionary item, a council): anyone in A.
func reachOrgObject(role string, r rel) bool { return r == relOwn || r == relBranch }

// reachBranchObject: a check-in point or shift of branch 1: the
// organisation-wide roles anywhere in A, the branch's workers in it.
func reachBranchObject(role string, r rel) bool {
	return r == relOwn || r == relBranch && roleScope(role) == "organisation"
}

// reachFamily: the whole family card — the holding organisation's
// organisation-wide roles and the family's own curator; an agency with a
// task does not get the whole card.
func reachFamily(role string, r rel) bool {
	switch r {
	case relOwn:
		return roleScope(role) == "organisation" || role == rCurator
	case relBranch:
		return roleScope(role) == "organisation" // a family has no branch
	}
	return false
}

// reachFamilyMembersPlan: the sections a school is opened by default
// (the card's members and the plan with its tasks' statuses): as
// reachFamily, and the head of the school that has a task on the family.
func reachFamilyMembersPlan(role string, r rel) bool {
	return reachFamily(role, r) || r == relTask && role == rAgencyHead
}

// reachAgencyTask: a task of the family's plan in school G's queue — the
// family's side (reachFamily) and the school's workers.
func reachAgencyTask(role string, r rel) bool { return reachFamily(role, r) || r == relTask }

// reachQueue: moving a task through its statuses belongs to the agency
// whose queue it is in, not to the family's curator.
func reachQueue(role string, r rel) bool { return r == relTask }

// reachSignal: a signal organisation A sent: A's organisation-wide roles
// (the sender itself was A's administrator).
func reachSignal(role string, r rel) bool {
	return (r == relOwn || r == relBranch) && roleScope(role) == "organisation"
}

// reachNobody: an object no actor of the world may act on (the signal was
// addressed to another municipality's КДН, none of the world's).
func reachNobody(string, rel) bool { return false }

// Groups of roles, from what each role is for (docs/DOMAIN.md, "People
// who use it").
var (
	// keep client records: the NGO's staff who work with people, and in a
	// network agency the КДН's secretary, the curator and the agency head.
	clientWorkers  = []string{rAdmin, rSupervisor, rSpecialist, rKDN, rCurator, rAgencyHead}
	clientDeleters = []string{rAdmin, rSupervisor}                     // delete, restore, merge records
	privacyOffice  = []string{rAdmin}                                  // the person's report, their requests (152-ФЗ)
	checkinUsers   = []string{rAdmin, rSupervisor, rSpecialist, rDuty} // the night bus, the warming point
	checkinManage  = []string{rAdmin, rSupervisor}                     // points, items, reopening a shift
	reporters      = []string{rAdmin, rSupervisor, rAnalyst, rKDN, rAgencyHead, rRegional}
	aggExporters   = reporters                     // counts leave the system
	idExporters    = []string{rAdmin, rSupervisor} // lists with names leave the system
	staffAdmins    = []string{rAdmin}              // users, roles, API tokens
	orgAdmins      = []string{rAdmin}              // the organisation's settings
	dictEditors    = []string{rAdmin, rSupervisor} // questionnaires, service and case types
	auditReaders   = []string{rAdmin, rAuditor}
	retention      = []string{rAdmin}
	// the administration area: whoever administers anything below it
	adminAreaUsers = []string{rAdmin, rSupervisor, rAuditor, rNetwork}
	// the services register names the people served: those who work with
	// clients and count them, not the analysts, who see counts only
	registerUsers = []string{rAdmin, rSupervisor, rKDN, rAgencyHead}
	// service records are corrected by the worker who recorded them or by
	// the organisation's managers (the world's were recorded by the
	// administrator)
	serviceEditors = []string{rAdmin, rSupervisor}
	// medical checks at the shelter are health data, a special category
	healthReaders = []string{rAdmin, rSupervisor}
	// the service types: whoever records services or counts them
	serviceTypeUsers = append(slices.Clone(clientWorkers), rAnalyst, rRegional)
	networkAdmins    = []string{rNetwork} // the region: agencies, territories, procedure, hints
	resourceEdit     = []string{rNetwork, rKDN}
	familyReaders    = []string{rKDN, rCurator, rAgencySpec, rAgencyHead}
	familyWriters    = []string{rKDN, rCurator, rAgencyHead}
	familyAssign     = []string{rAgencyHead} // a centre's head assigns the curator
	// a task in an agency's queue is moved by its assignee and the
	// agency's head; the world's task has no assignee (ARCHITECTURE.md,
	// "An agency's task board": the curator, the КДН and other agencies
	// see it but get 403)
	taskMovers     = []string{rAgencyHead}
	signalSenders  = []string{rKDN, rCurator, rAgencySpec, rAgencyHead}
	signalTriage   = []string{rKDN}
	councilRunners = []string{rKDN}
	resourceReader = []string{rKDN, rCurator, rAgencySpec, rAgencyHead, rNetwork}
	everyone       = append(slices.Clone(orgRoles), rNetwork)
)

var (
	public    = policy{public: true}
	loggedIn  = policy{roles: everyone}
	nobody    = policy{roles: []string{}}
	onList    = func(roles []string) policy { return policy{roles: roles} }
	onObject  = func(roles []string, reach func(string, rel) bool) policy { return policy{roles: roles, reach: reach} }
	clientRec = func(roles []string) policy { return onObject(roles, reachClient) }
	family    = func(roles []string) policy { return onObject(roles, reachFamily) }
	orgObject = func(roles []string) policy { return onObject(roles, reachOrgObject) }
)

// accessTable: every route, who may pass.
var accessTable = map[string]policy{
	// Public: health, static files, the setup link, login, language.
	"GET /healthz":        public,
	"GET /static/":        public,
	"GET /favicon.ico":    public,
	"GET /setup/{token}":  public,
	"POST /setup/{token}": public,
	"GET /login":          public,
	"POST /login":         public,
	"GET /login/code":     public,
	"POST /login/code":    public,
	"POST /logout":        public,
	"POST /lang":          public,
	"GET /families/sw.js": public,
	"GET /councils/sw.js": public,
	"GET /checkin/sw.js":  public,
	"/":                   nobody, // everything not routed answers 404

	// One's own home, account and notifications.
	"GET /{$}":                      loggedIn,
	"GET /account":                  loggedIn,
	"POST /account/password":        loggedIn,
	"GET /account/2fa":              loggedIn,
	"POST /account/2fa/start":       loggedIn,
	"POST /account/2fa/confirm":     loggedIn,
	"POST /account/2fa/recovery":    loggedIn,
	"GET /notifications":            loggedIn,
	"POST /notifications/read-all":  loggedIn,
	"POST /notifications/settings":  loggedIn,
	"POST /notifications/{id}/read": loggedIn,
	"GET /admin":                    onList(adminAreaUsers),
	"GET /document-images/{id}":     loggedIn, // the letterhead printed on every certificate

	// Client records.
	"GET /clients":                                      onList(clientWorkers),
	"GET /clients/new":                                  onList(clientWorkers),
	"POST /clients":                                     onList(clientWorkers),
	"GET /clients/search":                               onList(clientWorkers),
	"GET /clients/{id}":                                 clientRec(clientWorkers),
	"GET /clients/{id}/edit":                            clientRec(clientWorkers),
	"POST /clients/{id}":                                clientRec(clientWorkers),
	"POST /clients/{id}/delete":                         clientRec(clientDeleters),
	"POST /clients/{id}/restore":                        clientRec(clientDeleters),
	"GET /clients/{id}/timeline":                        clientRec(clientWorkers),
	"GET /clients/{id}/merge":                           clientRec(clientDeleters),
	"POST /clients/{id}/merge":                          formFirst(clientRec(clientDeleters)), // names the other record
	"GET /clients/{id}/questionnaire":                   clientRec(clientWorkers),
	"GET /clients/{id}/questionnaire/edit":              clientRec(clientWorkers),
	"POST /clients/{id}/questionnaire/edit":             clientRec(clientWorkers),
	"GET /clients/{id}/forms":                           clientRec(clientWorkers),
	"GET /clients/{id}/forms/{form}/new":                clientRec(clientWorkers),
	"POST /clients/{id}/forms/{form}/new":               clientRec(clientWorkers),
	"GET /clients/{id}/fillings/{fid}":                  clientRec(clientWorkers),
	"GET /clients/{id}/fillings/{fid}/edit":             clientRec(clientWorkers),
	"POST /clients/{id}/fillings/{fid}/edit":            clientRec(clientWorkers),
	"GET /clients/{id}/photo":                           clientRec(clientWorkers),
	"GET /clients/{id}/photo/thumb":                     clientRec(clientWorkers),
	"POST /clients/{id}/photo":                          clientRec(clientWorkers),
	"GET /clients/{id}/documents":                       clientRec(clientWorkers),
	"POST /clients/{id}/documents":                      clientRec(clientWorkers),
	"GET /clients/{id}/documents/{did}/edit":            clientRec(clientWorkers),
	"POST /clients/{id}/documents/{did}":                clientRec(clientWorkers),
	"POST /clients/{id}/documents/{did}/delete":         clientRec(clientWorkers),
	"POST /clients/{id}/files":                          clientRec(clientWorkers),
	"GET /clients/{id}/files/{fid}":                     clientRec(clientWorkers),
	"POST /clients/{id}/files/{fid}/delete":             clientRec(clientWorkers),
	"POST /clients/{id}/consent":                        clientRec(clientWorkers),
	"POST /clients/{id}/consents/{cid}/withdraw":        clientRec(clientWorkers),
	"GET /clients/{id}/notes":                           clientRec(clientWorkers),
	"POST /clients/{id}/notes":                          clientRec(clientWorkers),
	"GET /clients/{id}/notes/{nid}/edit":                clientRec(clientWorkers),
	"POST /clients/{id}/notes/{nid}":                    clientRec(clientWorkers),
	"POST /clients/{id}/notes/{nid}/delete":             clientRec(clientWorkers),
	"POST /clients/{id}/restrictions":                   clientRec(clientWorkers),
	"POST /clients/{id}/restrictions/{rid}/lift":        clientRec(clientWorkers),
	"POST /clients/{id}/reminders":                      clientRec(clientWorkers),
	"POST /clients/{id}/reminders/{rid}/delete":         clientRec(clientWorkers),
	"POST /clients/{id}/life-events":                    clientRec(clientWorkers),
	"POST /clients/{id}/life-events/{eid}/delete":       clientRec(clientWorkers),
	"GET /reminders":                                    onList(clientWorkers),
	"POST /reminders/{rid}/read":                        clientRec(clientWorkers), // a reminder of the client for all its workers
	"GET /clients/{id}/issue-document":                  clientRec(clientWorkers),
	"POST /clients/{id}/issue-document":                 clientRec(clientWorkers),
	"GET /clients/{id}/issued/{doc}":                    clientRec(clientWorkers),
	"GET /clients/{id}/issued/{doc}/pdf":                clientRec(clientWorkers),
	"GET /clients/{id}/issued/{doc}/docx":               clientRec(clientWorkers),
	"GET /clients/{id}/issued/{doc}/image/{kind}":       clientRec(clientWorkers),
	"POST /clients/{id}/issued/{doc}/void":              clientRec(clientWorkers),
	"POST /clients/{id}/services":                       clientRec(clientWorkers),
	"GET /clients/{id}/services":                        clientRec(clientWorkers),
	"GET /services/mine":                                onList(clientWorkers),
	"GET /services/{id}/edit":                           clientRec(serviceEditors),
	"POST /services/{id}":                               clientRec(serviceEditors),
	"POST /services/{id}/delete":                        clientRec(serviceEditors),
	"GET /clients/{id}/cases":                           clientRec(clientWorkers),
	"POST /clients/{id}/cases":                          clientRec(clientWorkers),
	"GET /cases/{id}":                                   clientRec(clientWorkers),
	"GET /cases/{id}/print":                             clientRec(clientWorkers),
	"POST /cases/{id}/tasks":                            clientRec(clientWorkers),
	"POST /cases/{id}/template":                         clientRec(clientWorkers),
	"POST /cases/{id}/participants":                     clientRec(clientWorkers),
	"POST /cases/{id}/participants/{pid}/delete":        clientRec(clientWorkers),
	"POST /cases/{id}/close":                            clientRec(clientWorkers),
	"GET /tasks":                                        onList(clientWorkers),
	"GET /tasks/{id}":                                   clientRec(clientWorkers),
	"POST /tasks/{id}":                                  clientRec(clientWorkers),
	"POST /tasks/{id}/status":                           clientRec(clientWorkers),
	"POST /tasks/{id}/comments":                         clientRec(clientWorkers),
	"GET /shelter":                                      onList(clientWorkers),
	"GET /clients/{id}/shelter":                         clientRec(clientWorkers),
	"POST /clients/{id}/shelter/checkin":                clientRec(clientWorkers),
	"POST /clients/{id}/shelter/stays/{stay}/checkout":  clientRec(clientWorkers),
	"POST /clients/{id}/shelter/medical":                clientRec(healthReaders),
	"POST /clients/{id}/shelter/medical/{check}/delete": clientRec(healthReaders),
	// The shelter's rooms are a dictionary of the organisation.
	"GET /shelter/rooms":               onList(dictEditors),
	"POST /shelter/rooms":              onList(dictEditors),
	"GET /shelter/rooms/{id}":          orgObject(dictEditors),
	"POST /shelter/rooms/{id}":         orgObject(dictEditors),
	"POST /shelter/rooms/{id}/archive": orgObject(dictEditors),

	// Personal data (152-ФЗ): the person's report and their requests.
	"GET /clients/{id}/person-report":      clientRec(privacyOffice),
	"GET /clients/{id}/person-report.json": clientRec(privacyOffice),
	"GET /privacy":                         onList(privacyOffice),
	"GET /privacy/requests":                onList(privacyOffice),
	"POST /privacy/requests":               onList(privacyOffice),
	"GET /privacy/requests/{id}":           orgObject(privacyOffice),
	"POST /privacy/requests/{id}/answer":   orgObject(privacyOffice),

	// Families.
	"GET /families":                             onList(familyReaders),
	"GET /families/new":                         onList(familyWriters),
	"POST /families":                            onList(familyWriters),
	"GET /families/{id}":                        onObject(familyReaders, reachFamilyMembersPlan),
	"GET /screening":                            onList(familyReaders),
	"POST /screening/actions":                   formFirst(onList(familyReaders)),
	"POST /families/{id}":                       family(familyWriters),
	"POST /families/{id}/members":               family(familyWriters),
	"POST /families/{id}/members/{mid}/leave":   formFirst(family(familyWriters)),
	"POST /families/{id}/curator":               family(familyAssign),
	"POST /families/{id}/grants":                family(familyWriters),
	"GET /families/{id}/join":                   family(familyWriters),
	"POST /families/{id}/join":                  formFirst(family(familyWriters)),
	"POST /families/{id}/life-events":           formFirst(family(familyWriters)),
	"GET /families/{id}/assessments/new":        family(familyWriters),
	"POST /families/{id}/assessments":           formFirst(family(familyWriters)),
	"GET /families/{id}/assessments/compare":    family(familyReaders),
	"GET /families/{id}/assessments/{aid}":      family(familyReaders),
	"POST /families/{id}/assessments/{aid}":     family(familyWriters),
	"GET /families/{id}/plan":                   onObject(familyReaders, reachFamilyMembersPlan),
	"POST /families/{id}/plan":                  family(familyWriters),
	"POST /families/{id}/plan/template":         family(familyWriters),
	"POST /families/{id}/plan/{tid}":            family(familyWriters),
	"POST /families/{id}/plan/{tid}/delete":     family(familyWriters),
	"POST /families/{id}/hints/{rule}/add":      formFirst(family(familyWriters)),
	"POST /families/{id}/hints/{rule}/feedback": formFirst(family(familyReaders)),
	"GET /families/{id}/visits/new":             family(familyWriters),
	"POST /families/{id}/visits":                formFirst(family(familyWriters)),
	"POST /families/visits/sync":                onList(familyWriters),
	"GET /families/{id}/tasks":                  onObject(familyReaders, reachFamilyMembersPlan),
	"POST /families/{id}/tasks/next":            family(familyWriters),
	// An agency's board and the tasks in its queue.
	"GET /agency/tasks":                onList(familyReaders),
	"GET /agency/tasks/{id}":           onObject(familyReaders, reachAgencyTask),
	"POST /agency/tasks/{id}/accept":   onObject(taskMovers, reachQueue),
	"POST /agency/tasks/{id}/start":    onObject(taskMovers, reachQueue),
	"POST /agency/tasks/{id}/done":     formFirst(onObject(taskMovers, reachQueue)), // the report text is checked before MayActOnTask
	"POST /agency/tasks/{id}/return":   onObject(taskMovers, reachQueue),
	"POST /agency/tasks/{id}/assign":   onObject(familyAssign, reachQueue),
	"POST /agency/tasks/{id}/comments": onObject(familyReaders, reachAgencyTask),
	"GET /agency/tasks/{id}/report":    onObject(familyReaders, reachAgencyTask),
	"POST /agency/tasks/{id}/resource": onObject(familyReaders, reachAgencyTask),

	// Signals.
	"GET /signals":              onList(signalSenders),
	"GET /signals/overdue":      onList(signalTriage),
	"GET /signals/new":          onList(signalSenders),
	"GET /signals/matches":      onList(signalTriage),
	"POST /signals":             onList(signalSenders),
	"GET /signals/{id}":         onObject(signalSenders, reachSignal),
	"POST /signals/{id}/accept": formFirst(onObject(signalTriage, reachNobody)),
	"POST /signals/{id}/route":  onObject(signalTriage, reachNobody),
	"POST /signals/{id}/close":  onObject(signalTriage, reachNobody),

	// The council of A's municipality.
	"POST /councils/decisions/sync":                              onList(councilRunners),
	"GET /councils":                                              onList(councilRunners),
	"POST /councils":                                             onList(councilRunners),
	"GET /councils/{id}":                                         orgObject(councilRunners),
	"POST /councils/{id}":                                        orgObject(councilRunners),
	"POST /councils/{id}/members":                                orgObject(councilRunners),
	"POST /councils/{id}/members/{mid}/delete":                   orgObject(councilRunners),
	"POST /councils/{id}/meetings":                               orgObject(councilRunners),
	"GET /councils/{id}/meetings/{mid}":                          orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}":                         orgObject(councilRunners),
	"GET /councils/{id}/meetings/{mid}/minutes":                  orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}/entries/{eid}/apply":     orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}/entries/{eid}/cancel":    orgObject(councilRunners),
	"GET /councils/{id}/meetings/{mid}/families/{fid}":           orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}/families/{fid}/approve":  orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}/families/{fid}/reassign": formFirst(orgObject(councilRunners)),
	"POST /councils/{id}/meetings/{mid}/families/{fid}/status":   orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}/families/{fid}/review":   orgObject(councilRunners),
	"POST /councils/{id}/meetings/{mid}/families/{fid}/close":    orgObject(councilRunners),

	// Check-in at night: the duty worker's shift of branch 1.
	"GET /checkin":                       onList(checkinUsers),
	"POST /checkin/shifts":               onList(checkinUsers),
	"GET /checkin/{shiftID}":             onObject(checkinUsers, reachBranchObject),
	"GET /checkin/{shiftID}/people.json": onObject(checkinUsers, reachBranchObject),
	"GET /checkin/{shiftID}/search.json": onObject(checkinUsers, reachBranchObject),
	"POST /checkin/{shiftID}/ticks":      onObject(checkinUsers, reachBranchObject),
	"GET /checkin/points":                onList(checkinUsers),
	"GET /checkin/points/new":            onList(checkinManage),
	"POST /checkin/points/new":           onList(checkinManage),
	"GET /checkin/points/{id}/edit":      orgObject(checkinManage),
	"POST /checkin/points/{id}/edit":     orgObject(checkinManage),
	"POST /checkin/points/{id}/items":    orgObject(checkinManage),
	"POST /checkin/items/{id}/edit":      orgObject(checkinManage),
	"GET /checkin/shifts/{id}/list":      onObject(checkinUsers, reachBranchObject),
	"POST /checkin/shifts/{id}/close":    onObject(checkinUsers, reachBranchObject),
	"POST /checkin/shifts/{id}/reopen":   orgObject(checkinManage),
	"GET /checkin/shifts/{id}/export":    onList(idExporters), // the purpose form: nothing read before the POST
	"POST /checkin/shifts/{id}/export":   orgObject(idExporters),
	"GET /checkin/persons":               onList(clientWorkers),
	"GET /checkin/persons/{id}/view":     orgObject(clientWorkers),
	"POST /checkin/persons/{id}/link":    orgObject(clientWorkers),
	"POST /checkin/persons/{id}/client":  orgObject(clientWorkers),
	"POST /checkin/persons/{id}/merge":   orgObject(clientWorkers),

	// Reports: counts of one's own organisation.
	"GET /reports":                       onList(reporters),
	"GET /reports/builder":               onList(reporters),
	"GET /reports/builder/export":        onList(aggExporters),
	"GET /reports/register":              onList(registerUsers),
	"GET /reports/register/export":       onList(idExporters),
	"POST /reports/register/export":      onList(idExporters),
	"POST /reports/saved":                onList(reporters),
	"GET /reports/saved/{id}":            onObject(reporters, reachNobody), // one's own: the world's is the fixture administrator's
	"POST /reports/saved/{id}/delete":    onObject(reporters, reachNobody),
	"GET /reports/standard/{key}":        onList(reporters),
	"GET /reports/standard/{key}/export": onList(aggExporters),
	"GET /dashboard":                     onList(reporters),
	"GET /dashboard/export":              onList(aggExporters),
	"GET /monitoring":                    onList(reporters),
	"GET /monitoring/export":             onList(aggExporters),

	// Administration of the organisation.
	"GET /admin/users":                   onList(staffAdmins),
	"GET /admin/users/new":               onList(staffAdmins),
	"POST /admin/users":                  onList(staffAdmins),
	"GET /admin/users/{id}":              orgObject(staffAdmins),
	"POST /admin/users/{id}":             orgObject(staffAdmins),
	"POST /admin/users/{id}/disable":     orgObject(staffAdmins),
	"POST /admin/users/{id}/enable":      orgObject(staffAdmins),
	"POST /admin/users/{id}/password":    orgObject(staffAdmins),
	"POST /admin/users/{id}/2fa/reset":   orgObject(staffAdmins),
	"GET /admin/roles":                   onList(staffAdmins),
	"GET /admin/roles/new":               onList(staffAdmins),
	"POST /admin/roles/new":              onList(staffAdmins),
	"GET /admin/roles/{id}":              orgObject(staffAdmins),
	"POST /admin/roles/{id}":             orgObject(staffAdmins),
	"GET /admin/api-tokens":              onList(staffAdmins),
	"POST /admin/api-tokens":             onList(staffAdmins),
	"POST /admin/api-tokens/{id}/revoke": orgObject(staffAdmins),
	"GET /admin/branches":                onList(orgAdmins),
	"GET /admin/branches/new":            onList(orgAdmins),
	"POST /admin/branches/new":           onList(orgAdmins),
	"GET /admin/branches/{id}":           orgObject(orgAdmins),
	"POST /admin/branches/{id}":          orgObject(orgAdmins),
	"GET /admin/organisation":            onList(orgAdmins),
	"POST /admin/organisation":           onList(orgAdmins),
	"GET /admin/organisation/data":       onList(orgAdmins),
	"POST /admin/organisation/data":      onList(orgAdmins),
	"GET /admin/organisation/data/{id}":  orgObject(orgAdmins),
	// the purpose form: nothing read before the POST
	"GET /admin/organisation/data/{id}/export":  onList(orgAdmins),
	"POST /admin/organisation/data/{id}/export": orgObject(orgAdmins),
	"GET /admin/legal-bases":                    onList(orgAdmins),
	"POST /admin/legal-bases":                   onList(orgAdmins),
	"GET /admin/document-templates":             onList(orgAdmins),
	"GET /admin/document-templates/new":         onList(orgAdmins),
	"POST /admin/document-templates/new":        onList(orgAdmins),
	"GET /admin/document-templates/{id}":        orgObject(orgAdmins),
	"POST /admin/document-templates/{id}":       orgObject(orgAdmins),
	"POST /admin/document-images/{kind}":        onList(orgAdmins),
	"GET /admin/notifications":                  onList(orgAdmins),
	"POST /admin/notifications":                 onList(orgAdmins),
	"GET /admin/import":                         onList(orgAdmins),
	"POST /admin/import":                        onList(orgAdmins),
	"GET /admin/import/{id}":                    orgObject(orgAdmins),
	"GET /admin/import/{id}/mapping":            orgObject(orgAdmins),
	"POST /admin/import/{id}/mapping":           orgObject(orgAdmins),
	"POST /admin/import/{id}/run":               orgObject(orgAdmins),
	"GET /admin/webhooks":                       onList(orgAdmins),
	"POST /admin/webhooks":                      onList(orgAdmins),
	"GET /admin/webhooks/{id}":                  orgObject(orgAdmins),
	"POST /admin/webhooks/{id}/disable":         orgObject(orgAdmins),
	"POST /admin/webhooks/{id}/enable":          orgObject(orgAdmins),
	"GET /admin/audit":                          onList(auditReaders),
	"GET /admin/audit/anchor":                   onList(auditReaders),
	"GET /admin/retention":                      onList(retention),
	"POST /admin/retention/rules":               onList(retention),
	"GET /admin/retention/rules/{id}":           orgObject(retention),
	"POST /admin/retention/rules/{id}":          orgObject(retention),
	"POST /admin/retention/rules/{id}/delete":   orgObject(retention),
	"POST /admin/retention/grace":               onList(retention),
	"GET /admin/retention/due":                  onList(retention),
	"POST /admin/retention/destroy":             onList(retention),
	"GET /admin/retention/acts":                 onList(retention),
	"GET /admin/retention/acts/{id}":            orgObject(retention),
	// Dictionaries: questionnaires, services, case types, plan templates.
	"GET /admin/forms":                      onList(dictEditors),
	"POST /admin/forms":                     onList(dictEditors),
	"GET /admin/forms/{id}":                 orgObject(dictEditors),
	"POST /admin/forms/{id}":                orgObject(dictEditors),
	"POST /admin/forms/{id}/sections":       orgObject(dictEditors),
	"POST /admin/forms/{id}/levels":         orgObject(dictEditors),
	"POST /admin/form-sections/{id}":        orgObject(dictEditors),
	"POST /admin/form-sections/{id}/move":   orgObject(dictEditors),
	"POST /admin/form-sections/{id}/fields": orgObject(dictEditors),
	"GET /admin/form-fields/{id}":           orgObject(dictEditors),
	"POST /admin/form-fields/{id}":          orgObject(dictEditors),
	"POST /admin/form-fields/{id}/move":     orgObject(dictEditors),
	"POST /admin/form-fields/{id}/options":  orgObject(dictEditors),
	"POST /admin/field-options/{id}":        orgObject(dictEditors),
	"POST /admin/field-options/{id}/move":   orgObject(dictEditors),
	"GET /admin/services":                   onList(dictEditors),
	"GET /admin/services/new":               onList(dictEditors),
	"POST /admin/services/new":              onList(dictEditors),
	"GET /admin/services/{id}":              orgObject(dictEditors),
	"POST /admin/services/{id}":             orgObject(dictEditors),
	"POST /admin/services/{id}/move":        orgObject(dictEditors),
	"POST /admin/services/{id}/active":      orgObject(dictEditors),
	"GET /admin/case-types":                 onList(dictEditors),
	"POST /admin/case-types/new":            onList(dictEditors),
	"GET /admin/case-types/{id}":            orgObject(dictEditors),
	"POST /admin/case-types/{id}":           orgObject(dictEditors),
	"GET /admin/plan-templates":             onList(dictEditors),
	"GET /admin/plan-templates/new":         onList(dictEditors),
	"POST /admin/plan-templates/new":        onList(dictEditors),
	"GET /admin/plan-templates/{id}":        orgObject(dictEditors),
	"POST /admin/plan-templates/{id}":       orgObject(dictEditors),

	// Administration of the region's network: its objects belong to no
	// organisation, so the relation does not matter.
	"GET /admin/territories":             onList(networkAdmins),
	"GET /admin/territories/new":         onList(networkAdmins),
	"POST /admin/territories/new":        onList(networkAdmins),
	"GET /admin/territories/{id}":        onList(networkAdmins),
	"POST /admin/territories/{id}":       onList(networkAdmins),
	"GET /admin/network":                 onList(networkAdmins),
	"GET /admin/network/new":             onList(networkAdmins),
	"POST /admin/network/new":            onList(networkAdmins),
	"GET /admin/network/{id}":            onList(networkAdmins),
	"POST /admin/network/{id}":           onList(networkAdmins),
	"GET /admin/signal-deadlines":        onList(networkAdmins),
	"POST /admin/signal-deadlines":       onList(networkAdmins),
	"GET /admin/procedure":               onList(networkAdmins),
	"POST /admin/procedure":              onList(networkAdmins),
	"POST /admin/procedure/{id}/delete":  onList(networkAdmins),
	"GET /admin/family-sections":         onList(networkAdmins),
	"POST /admin/family-sections":        onList(networkAdmins),
	"GET /admin/hints":                   onList(networkAdmins),
	"GET /admin/hints/new":               onList(networkAdmins),
	"GET /admin/hints/learned":           onList(networkAdmins),
	"POST /admin/hints/learned/switch":   formFirst(onList(networkAdmins)),
	"POST /admin/hints/learned/settings": onList(networkAdmins),
	"POST /admin/hints":                  onList(networkAdmins),
	"GET /admin/hints/{id}":              onList(networkAdmins),
	"POST /admin/hints/{id}":             onList(networkAdmins),
	"POST /admin/hints/{id}/disable":     onList(networkAdmins),
	"POST /admin/hints/{id}/enable":      onList(networkAdmins),
	"POST /admin/hints/{id}/delete":      onList(networkAdmins),

	// The resource map of the municipality: whoever works with families
	// browses it; the КДН and the network administrator edit it.
	"GET /resources":                                  onList(resourceReader),
	"GET /resources/services/{id}":                    onList(resourceReader),
	"GET /resources/organizations":                    onList(resourceReader),
	"GET /resources/organizations/{id}":               onList(resourceReader),
	"GET /resources/export":                           onList(resourceEdit),
	"POST /resources/import":                          onList(resourceEdit),
	"POST /resources/import/apply":                    onList(resourceEdit),
	"GET /resources/organizations/new":                onList(resourceEdit),
	"POST /resources/organizations":                   onList(resourceEdit),
	"GET /resources/organizations/{id}/edit":          onList(resourceEdit),
	"POST /resources/organizations/{id}":              onList(resourceEdit),
	"GET /resources/organizations/{id}/locations/new": onList(resourceEdit),
	"POST /resources/organizations/{id}/locations":    onList(resourceEdit),
	"GET /resources/locations/{loc}/edit":             onList(resourceEdit),
	"POST /resources/locations/{loc}":                 onList(resourceEdit),
	"GET /resources/organizations/{id}/services/new":  onList(resourceEdit),
	"POST /resources/organizations/{id}/services":     onList(resourceEdit),
	"GET /resources/services/{svc}/edit":              onList(resourceEdit),
	"POST /resources/services/{svc}":                  onList(resourceEdit),

	// The REST API: a token acts as its user, with the same rights as the
	// user's screens.
	"GET /api/v1/openapi.json":           public,
	"GET /api/v1/clients":                onList(clientWorkers),
	"GET /api/v1/clients/{id}":           clientRec(clientWorkers),
	"GET /api/v1/clients/{id}/services":  clientRec(clientWorkers),
	"POST /api/v1/clients/{id}/services": clientRec(clientWorkers),
	"GET /api/v1/service-types":          onList(serviceTypeUsers),
	"GET /api/v1/clients/{id}/cases":     clientRec(clientWorkers),
	"GET /api/v1/cases/{id}":             clientRec(clientWorkers),
	"GET /api/v1/families/{id}":          onObject(familyReaders, reachFamilyMembersPlan),
	"GET /api/v1/signals":                onList(signalSenders),
	"GET /api/v1/signals/inbox":          onList(signalTriage),
	"GET /api/v1/signals/{id}":           onObject(signalSenders, reachSignal),
	"POST /api/v1/signals":               onList(signalSenders),
	"GET /api/v1/tasks":                  onList(familyReaders),
	"GET /api/v1/tasks/{id}":             onObject(familyReaders, reachAgencyTask),
	"POST /api/v1/tasks/{id}/accept":     onObject(taskMovers, reachQueue),
	"POST /api/v1/tasks/{id}/start":      onObject(taskMovers, reachQueue),
	"POST /api/v1/tasks/{id}/complete":   onObject(taskMovers, reachQueue),
	"POST /api/v1/tasks/{id}/return":     onObject(taskMovers, reachQueue),
}
