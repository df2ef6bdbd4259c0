package web

import (
	"net/http"

	"github.com/opora-project/opora/internal/opora"
)

// router is the ServeMux every route is registered on. It also remembers
// each pattern, so a test can list every route the server has
// (TestClientDataRoutesAudited).
type router struct {
	*http.ServeMux
	patterns []string
	exports  map[string]opora.ExportKind // the routes registered with Server.export
}

func (m *router) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	if e, ok := h.(*exportHandler); ok {
		if m.exports == nil {
			m.exports = map[string]opora.ExportKind{}
		}
		m.exports[pattern] = e.kind
	}
	m.ServeMux.Handle(pattern, h)
}

func (m *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// routes is the server's route table: every route there is, in one place.
// A handler is wrapped by page (anyone), authed (logged in; the handler
// checks what it needs) or require (a permission); the store checks the
// permission again. A new GET route also needs its line in getRoutes
// (audit_routes_test.go), and every new route its row in accessTable
// (access_table_test.go, TestAccessMatrix).
func (s *Server) routes(mux *router) {
	// Health, static files (auth.go, middleware.go).
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(s.static)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})

	// Public: the setup link, login and logout, the interface language (auth.go).
	mux.Handle("GET /setup/{token}", s.page(s.setupForm))
	mux.Handle("POST /setup/{token}", s.page(s.setupSubmit))
	mux.Handle("GET /login", s.page(s.loginForm))
	mux.Handle("POST /login", s.page(s.loginSubmit))
	// The code step of a two-factor login (twofactor.go).
	mux.Handle("GET /login/code", s.page(s.loginCodeForm))
	mux.Handle("POST /login/code", s.page(s.loginCodeSubmit))
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("POST /lang", s.page(s.setLanguage))

	// Account: the home page per role (home.go), one's own account (auth.go).
	mux.Handle("GET /{$}", s.authed(s.home))
	mux.Handle("GET /account", s.authed(s.account))
	mux.Handle("POST /account/password", s.authed(s.changePassword))
	// One's own two-factor login: enrolment, recovery codes (twofactor.go).
	mux.Handle("GET /account/2fa", s.authed(s.twoFactorPage))
	mux.Handle("POST /account/2fa/start", s.authed(s.twoFactorStart))
	mux.Handle("POST /account/2fa/confirm", s.authed(s.twoFactorConfirm))
	mux.Handle("POST /account/2fa/recovery", s.authed(s.twoFactorRecovery))

	// Clients: the list, the record, its history (client.go).
	mux.Handle("GET /clients", s.require(opora.PermClientRead, s.clientsHome))
	mux.Handle("GET /clients/new", s.require(opora.PermClientWrite, s.clientNew))
	mux.Handle("POST /clients", s.require(opora.PermClientWrite, s.clientCreate))
	mux.Handle("GET /clients/{id}", s.require(opora.PermClientRead, s.clientProfile))
	mux.Handle("GET /clients/{id}/edit", s.require(opora.PermClientWrite, s.clientEdit))
	mux.Handle("POST /clients/{id}", s.require(opora.PermClientWrite, s.clientUpdate))
	mux.Handle("POST /clients/{id}/delete", s.require(opora.PermClientDelete, s.clientDelete))
	mux.Handle("POST /clients/{id}/restore", s.require(opora.PermClientDelete, s.clientRestore))
	mux.Handle("GET /clients/{id}/timeline", s.require(opora.PermClientRead, s.clientTimeline))
	// Search and merging two records (client_search.go).
	mux.Handle("GET /clients/search", s.require(opora.PermClientRead, s.clientSearch))
	mux.Handle("GET /clients/{id}/merge", s.require(opora.PermClientDelete, s.mergeForm))
	mux.Handle("POST /clients/{id}/merge", s.require(opora.PermClientDelete, s.mergeSubmit))
	// The main questionnaire and the other forms' fillings (questionnaire.go).
	mux.Handle("GET /clients/{id}/questionnaire", s.require(opora.PermClientRead, s.questionnaireView))
	mux.Handle("GET /clients/{id}/questionnaire/edit", s.require(opora.PermClientWrite, s.questionnaireEdit))
	mux.Handle("POST /clients/{id}/questionnaire/edit", s.require(opora.PermClientWrite, s.questionnaireSave))
	mux.Handle("GET /clients/{id}/forms", s.require(opora.PermClientRead, s.formsClient))
	mux.Handle("GET /clients/{id}/forms/{form}/new", s.require(opora.PermClientWrite, s.fillingNew))
	mux.Handle("POST /clients/{id}/forms/{form}/new", s.require(opora.PermClientWrite, s.fillingCreate))
	mux.Handle("GET /clients/{id}/fillings/{fid}", s.require(opora.PermClientRead, s.fillingView))
	mux.Handle("GET /clients/{id}/fillings/{fid}/edit", s.require(opora.PermClientWrite, s.fillingEdit))
	mux.Handle("POST /clients/{id}/fillings/{fid}/edit", s.require(opora.PermClientWrite, s.fillingSave))
	// Photo, identity documents, files, consent (client_files.go).
	mux.Handle("GET /clients/{id}/photo", s.require(opora.PermClientRead, s.photoServe(false)))
	mux.Handle("GET /clients/{id}/photo/thumb", s.require(opora.PermClientRead, s.photoServe(true)))
	mux.Handle("POST /clients/{id}/photo", s.require(opora.PermClientWrite, s.photoUpload))
	mux.Handle("GET /clients/{id}/documents", s.require(opora.PermClientRead, s.documentsPage))
	mux.Handle("POST /clients/{id}/documents", s.require(opora.PermClientWrite, s.documentCreate))
	mux.Handle("GET /clients/{id}/documents/{did}/edit", s.require(opora.PermClientWrite, s.documentEdit))
	mux.Handle("POST /clients/{id}/documents/{did}", s.require(opora.PermClientWrite, s.documentUpdate))
	mux.Handle("POST /clients/{id}/documents/{did}/delete", s.require(opora.PermClientWrite, s.documentDelete))
	mux.Handle("POST /clients/{id}/files", s.require(opora.PermClientWrite, s.fileUpload))
	mux.Handle("GET /clients/{id}/files/{fid}", s.require(opora.PermClientRead, s.fileDownload))
	mux.Handle("POST /clients/{id}/files/{fid}/delete", s.require(opora.PermClientWrite, s.fileDelete))
	mux.Handle("POST /clients/{id}/consent", s.require(opora.PermClientWrite, s.consentRecord))
	mux.Handle("POST /clients/{id}/consents/{cid}/withdraw", s.require(opora.PermClientWrite, s.consentWithdraw))
	// Notes, restrictions, reminders, and one's own reminders (client_notes.go).
	mux.Handle("GET /clients/{id}/notes", s.require(opora.PermClientRead, s.notesPage))
	mux.Handle("POST /clients/{id}/notes", s.require(opora.PermClientWrite, s.noteCreate))
	mux.Handle("GET /clients/{id}/notes/{nid}/edit", s.require(opora.PermClientWrite, s.noteEdit))
	mux.Handle("POST /clients/{id}/notes/{nid}", s.require(opora.PermClientWrite, s.noteUpdate))
	mux.Handle("POST /clients/{id}/notes/{nid}/delete", s.require(opora.PermClientWrite, s.noteDelete))
	mux.Handle("POST /clients/{id}/restrictions", s.require(opora.PermClientWrite, s.restrictionCreate))
	mux.Handle("POST /clients/{id}/restrictions/{rid}/lift", s.require(opora.PermClientWrite, s.restrictionLift))
	mux.Handle("POST /clients/{id}/reminders", s.require(opora.PermClientWrite, s.reminderCreate))
	mux.Handle("POST /clients/{id}/reminders/{rid}/delete", s.require(opora.PermClientWrite, s.reminderDelete))
	// Life events of a client or a family's member (life_events.go).
	mux.Handle("POST /clients/{id}/life-events", s.require(opora.PermClientWrite, s.lifeEventCreate))
	mux.Handle("POST /clients/{id}/life-events/{eid}/delete", s.require(opora.PermClientWrite, s.lifeEventDelete))
	mux.Handle("POST /families/{id}/life-events", s.require(opora.PermClientWrite, s.familyLifeEventCreate))
	mux.Handle("GET /reminders", s.require(opora.PermClientRead, s.myReminders))
	// Certificates and letters issued from templates (doctemplates.go).
	mux.Handle("GET /clients/{id}/issue-document", s.require(opora.PermClientWrite, s.issueForm))
	mux.Handle("POST /clients/{id}/issue-document", s.require(opora.PermClientWrite, s.issueSubmit))
	mux.Handle("GET /clients/{id}/issued/{doc}", s.require(opora.PermClientRead, s.issuedPage))
	mux.Handle("GET /clients/{id}/issued/{doc}/pdf", s.require(opora.PermClientRead, s.issuedFile("pdf")))
	mux.Handle("GET /clients/{id}/issued/{doc}/docx", s.require(opora.PermClientRead, s.issuedFile("docx")))
	mux.Handle("GET /clients/{id}/issued/{doc}/image/{kind}", s.require(opora.PermClientRead, s.issuedImage))
	mux.Handle("POST /clients/{id}/issued/{doc}/void", s.require(opora.PermClientWrite, s.issuedVoid))
	mux.Handle("GET /document-images/{id}", s.authed(s.adminDocImage))
	// Personal data: the person's own report, the register of requests (privacy.go).
	mux.Handle("GET /clients/{id}/person-report", s.require(opora.PermPrivacyManage, s.personReport))
	mux.Handle("GET /clients/{id}/person-report.json", s.require(opora.PermPrivacyManage, s.personReportJSON))
	mux.Handle("GET /privacy", s.require(opora.PermPrivacyManage, s.privacyOverview))
	mux.Handle("GET /privacy/requests", s.require(opora.PermPrivacyManage, s.subjectRequests))
	mux.Handle("POST /privacy/requests", s.require(opora.PermPrivacyManage, s.subjectRequestCreate))
	mux.Handle("GET /privacy/requests/{id}", s.require(opora.PermPrivacyManage, s.subjectRequest))
	mux.Handle("POST /privacy/requests/{id}/answer", s.require(opora.PermPrivacyManage, s.subjectRequestAnswer))
	mux.Handle("POST /reminders/{rid}/read", s.require(opora.PermClientRead, s.reminderRead))
	// My notifications and their e-mail choice (notifications.go).
	mux.Handle("GET /notifications", s.authed(s.notificationsPage))
	mux.Handle("POST /notifications/read-all", s.authed(s.notificationsReadAll))
	mux.Handle("POST /notifications/settings", s.authed(s.notificationPrefs))
	mux.Handle("POST /notifications/{id}/read", s.authed(s.notificationRead))

	// Services: a client's, one's own, editing one (services.go).
	mux.Handle("POST /clients/{id}/services", s.require(opora.PermClientWrite, s.servicesRecord))
	mux.Handle("GET /clients/{id}/services", s.require(opora.PermClientRead, s.servicesClient))
	mux.Handle("GET /services/mine", s.require(opora.PermClientRead, s.servicesMine))
	mux.Handle("GET /services/{id}/edit", s.require(opora.PermClientWrite, s.serviceEdit))
	mux.Handle("POST /services/{id}", s.require(opora.PermClientWrite, s.serviceUpdate))
	mux.Handle("POST /services/{id}/delete", s.require(opora.PermClientWrite, s.serviceDelete))

	// Families: the list and search, a new family, the card (family.go).
	mux.Handle("GET /families", s.require(opora.PermFamilyRead, s.familiesHome))
	mux.Handle("GET /families/new", s.require(opora.PermFamilyWrite, s.familyNew))
	mux.Handle("POST /families", s.require(opora.PermFamilyWrite, s.familyCreate))
	mux.Handle("GET /families/{id}", s.require(opora.PermFamilyRead, s.familyCard))
	// The early screening list per municipality (screening.go).
	mux.Handle("GET /screening", s.require(opora.PermFamilyRead, s.screeningPage))
	mux.Handle("POST /screening/actions", s.require(opora.PermFamilyRead, s.screeningRecord))
	mux.Handle("POST /families/{id}", s.require(opora.PermFamilyWrite, s.familyUpdate))
	mux.Handle("POST /families/{id}/members", s.require(opora.PermFamilyWrite, s.familyAddMember))
	mux.Handle("POST /families/{id}/members/{mid}/leave", s.require(opora.PermFamilyWrite, s.familyMemberLeaves))
	mux.Handle("POST /families/{id}/curator", s.require(opora.PermFamilyAssign, s.familyAssignCurator))
	mux.Handle("POST /families/{id}/grants", s.require(opora.PermFamilyWrite, s.familyGrant))
	mux.Handle("GET /families/{id}/join", s.require(opora.PermFamilyWrite, s.familyJoinForm))
	mux.Handle("POST /families/{id}/join", s.require(opora.PermFamilyWrite, s.familyJoin))
	// A family's assessments and draft help plan (assessments.go).
	mux.Handle("GET /families/{id}/assessments/new", s.require(opora.PermFamilyWrite, s.assessmentNew))
	mux.Handle("POST /families/{id}/assessments", s.require(opora.PermFamilyWrite, s.assessmentCreate))
	mux.Handle("GET /families/{id}/assessments/compare", s.require(opora.PermFamilyRead, s.assessmentCompare))
	mux.Handle("GET /families/{id}/assessments/{aid}", s.require(opora.PermFamilyRead, s.assessmentView))
	mux.Handle("POST /families/{id}/assessments/{aid}", s.require(opora.PermFamilyWrite, s.assessmentUpdate))
	mux.Handle("GET /families/{id}/plan", s.require(opora.PermFamilyRead, s.familyPlan))
	mux.Handle("POST /families/{id}/plan", s.require(opora.PermFamilyWrite, s.familyPlanAdd))
	mux.Handle("POST /families/{id}/plan/template", s.require(opora.PermFamilyWrite, s.familyPlanTemplate))
	mux.Handle("POST /families/{id}/plan/{tid}", s.require(opora.PermFamilyWrite, s.familyPlanUpdate))
	mux.Handle("POST /families/{id}/plan/{tid}/delete", s.require(opora.PermFamilyWrite, s.familyPlanDelete))
	// The rule hints of a family: add a measure to the draft plan, a verdict (hints.go).
	mux.Handle("POST /families/{id}/hints/{rule}/add", s.require(opora.PermFamilyWrite, s.hintAdd))
	mux.Handle("POST /families/{id}/hints/{rule}/feedback", s.require(opora.PermFamilyRead, s.hintFeedback))

	// Signals: the lists, registering with its match, a signal and its
	// triage (signals.go).
	mux.Handle("GET /signals", s.require(opora.PermSignalRegister, s.signalsHome))
	mux.Handle("GET /signals/overdue", s.require(opora.PermSignalTriage, s.signalsOverdue))
	mux.Handle("GET /signals/new", s.require(opora.PermSignalRegister, s.signalNew))
	mux.Handle("GET /signals/matches", s.require(opora.PermSignalTriage, s.signalMatches))
	mux.Handle("POST /signals", s.require(opora.PermSignalRegister, s.signalCreate))
	mux.Handle("GET /signals/{id}", s.require(opora.PermSignalRegister, s.signalCard))
	mux.Handle("POST /signals/{id}/accept", s.require(opora.PermSignalTriage, s.signalAccept))
	mux.Handle("POST /signals/{id}/route", s.require(opora.PermSignalTriage, s.signalRoute))
	mux.Handle("POST /signals/{id}/close", s.require(opora.PermSignalTriage, s.signalClose))
	// Visits to a family, also offline (family_visit.go).
	mux.HandleFunc("GET /families/sw.js", s.familiesServiceWorker)
	mux.Handle("GET /families/{id}/visits/new", s.require(opora.PermFamilyWrite, s.visitNew))
	mux.Handle("POST /families/{id}/visits", s.require(opora.PermFamilyWrite, s.visitCreate))
	mux.Handle("POST /families/visits/sync", s.jsonEndpoint(opora.PermFamilyWrite, s.visitSync))
	// The inter-agency council: councils, meetings, agenda, decisions, minutes (council.go).
	mux.HandleFunc("GET /councils/sw.js", s.councilsServiceWorker)
	mux.Handle("POST /councils/decisions/sync", s.jsonEndpoint(opora.PermCouncilManage, s.councilSync))
	mux.Handle("POST /councils/{id}/meetings/{mid}/entries/{eid}/apply", s.require(opora.PermCouncilManage, s.councilEntryApply))
	mux.Handle("POST /councils/{id}/meetings/{mid}/entries/{eid}/cancel", s.require(opora.PermCouncilManage, s.councilEntryCancel))
	mux.Handle("GET /councils", s.require(opora.PermCouncilManage, s.councilsHome))
	mux.Handle("POST /councils", s.require(opora.PermCouncilManage, s.councilCreate))
	mux.Handle("GET /councils/{id}", s.require(opora.PermCouncilManage, s.councilView))
	mux.Handle("POST /councils/{id}", s.require(opora.PermCouncilManage, s.councilUpdate))
	mux.Handle("POST /councils/{id}/members", s.require(opora.PermCouncilManage, s.councilAddMember))
	mux.Handle("POST /councils/{id}/members/{mid}/delete", s.require(opora.PermCouncilManage, s.councilRemoveMember))
	mux.Handle("POST /councils/{id}/meetings", s.require(opora.PermCouncilManage, s.councilPlanMeetings))
	mux.Handle("GET /councils/{id}/meetings/{mid}", s.require(opora.PermCouncilManage, s.meetingView))
	mux.Handle("POST /councils/{id}/meetings/{mid}", s.require(opora.PermCouncilManage, s.meetingSave))
	mux.Handle("GET /councils/{id}/meetings/{mid}/minutes", s.require(opora.PermCouncilManage, s.meetingMinutes))
	mux.Handle("GET /councils/{id}/meetings/{mid}/families/{fid}", s.require(opora.PermCouncilManage, s.councilFamily))
	mux.Handle("POST /councils/{id}/meetings/{mid}/families/{fid}/approve", s.require(opora.PermCouncilManage, s.councilApprove))
	mux.Handle("POST /councils/{id}/meetings/{mid}/families/{fid}/reassign", s.require(opora.PermCouncilManage, s.councilReassign))
	mux.Handle("POST /councils/{id}/meetings/{mid}/families/{fid}/status", s.require(opora.PermCouncilManage, s.councilStatus))
	mux.Handle("POST /councils/{id}/meetings/{mid}/families/{fid}/review", s.require(opora.PermCouncilManage, s.councilReview))
	mux.Handle("POST /councils/{id}/meetings/{mid}/families/{fid}/close", s.require(opora.PermCouncilManage, s.councilClose))

	// Cases: a client's cases, a case, its plan (cases.go).
	mux.Handle("GET /clients/{id}/cases", s.require(opora.PermClientRead, s.clientCases))
	mux.Handle("POST /clients/{id}/cases", s.require(opora.PermClientWrite, s.caseCreate))
	mux.Handle("GET /cases/{id}", s.require(opora.PermClientRead, s.casePage))
	mux.Handle("GET /cases/{id}/print", s.require(opora.PermClientRead, s.casePrint))
	mux.Handle("POST /cases/{id}/tasks", s.require(opora.PermClientWrite, s.caseAddTask))
	mux.Handle("POST /cases/{id}/template", s.require(opora.PermClientWrite, s.caseApplyTemplate))
	mux.Handle("POST /cases/{id}/participants", s.require(opora.PermClientWrite, s.caseAddParticipant))
	mux.Handle("POST /cases/{id}/participants/{pid}/delete", s.require(opora.PermClientWrite, s.caseRemoveParticipant))
	mux.Handle("POST /cases/{id}/close", s.require(opora.PermClientWrite, s.caseClose))
	// Tasks: the board, a task (tasks.go).
	mux.Handle("GET /tasks", s.require(opora.PermClientRead, s.taskBoard))
	mux.Handle("GET /tasks/{id}", s.require(opora.PermClientRead, s.taskPage))
	mux.Handle("POST /tasks/{id}", s.require(opora.PermClientWrite, s.taskUpdate))
	mux.Handle("POST /tasks/{id}/status", s.require(opora.PermClientWrite, s.taskStatus))
	mux.Handle("POST /tasks/{id}/comments", s.require(opora.PermClientWrite, s.taskComment))
	// An agency's board of family tasks, a family task, the curator's view
	// of a family's tasks and its next step (agency_tasks.go).
	mux.Handle("GET /agency/tasks", s.require(opora.PermFamilyRead, s.agencyBoard))
	mux.Handle("GET /agency/tasks/{id}", s.require(opora.PermFamilyRead, s.agencyTaskPage))
	mux.Handle("POST /agency/tasks/{id}/accept", s.require(opora.PermFamilyRead, s.agencyAccept))
	mux.Handle("POST /agency/tasks/{id}/start", s.require(opora.PermFamilyRead, s.agencyStart))
	mux.Handle("POST /agency/tasks/{id}/done", s.require(opora.PermFamilyRead, s.agencyDone))
	mux.Handle("POST /agency/tasks/{id}/return", s.require(opora.PermFamilyRead, s.agencyReturn))
	mux.Handle("POST /agency/tasks/{id}/assign", s.require(opora.PermFamilyAssign, s.agencyAssign))
	mux.Handle("POST /agency/tasks/{id}/comments", s.require(opora.PermFamilyRead, s.agencyComment))
	mux.Handle("GET /agency/tasks/{id}/report", s.require(opora.PermFamilyRead, s.agencyReportFile))
	mux.Handle("GET /families/{id}/tasks", s.require(opora.PermFamilyRead, s.familyTasks))
	mux.Handle("POST /families/{id}/tasks/next", s.require(opora.PermFamilyWrite, s.familyNextStep))

	// Shelter: occupancy, rooms (authed: editing rooms takes admin.org or
	// dictionary.manage, canEditRooms), a client's stays and medical
	// checks (shelter.go).
	mux.Handle("GET /shelter", s.require(opora.PermClientRead, s.shelterIndex))
	mux.Handle("GET /shelter/rooms", s.authed(s.shelterRooms))
	mux.Handle("POST /shelter/rooms", s.authed(s.shelterRoomCreate))
	mux.Handle("GET /shelter/rooms/{id}", s.authed(s.shelterRoomEdit))
	mux.Handle("POST /shelter/rooms/{id}", s.authed(s.shelterRoomUpdate))
	mux.Handle("POST /shelter/rooms/{id}/archive", s.authed(s.shelterRoomArchive))
	mux.Handle("GET /clients/{id}/shelter", s.require(opora.PermClientRead, s.shelterClient))
	mux.Handle("POST /clients/{id}/shelter/checkin", s.require(opora.PermClientWrite, s.shelterCheckIn))
	mux.Handle("POST /clients/{id}/shelter/stays/{stay}/checkout", s.require(opora.PermClientWrite, s.shelterCheckOut))
	mux.Handle("POST /clients/{id}/shelter/medical", s.require(opora.PermClientWrite, s.shelterMedicalAdd))
	mux.Handle("POST /clients/{id}/shelter/medical/{check}/delete", s.require(opora.PermClientWrite, s.shelterMedicalDelete))

	// Check-in: the duty worker's page, its service worker, and the JSON the
	// page calls (checkinJSON requires checkin and answers errors as JSON)
	// (checkin.go).
	mux.HandleFunc("GET /checkin/sw.js", s.checkinServiceWorker)
	mux.Handle("GET /checkin", s.require(opora.PermCheckin, s.checkinHome))
	mux.Handle("POST /checkin/shifts", s.require(opora.PermCheckin, s.checkinOpenShift))
	mux.Handle("GET /checkin/{shiftID}", s.require(opora.PermCheckin, s.checkinDuty))
	mux.Handle("GET /checkin/{shiftID}/people.json", s.checkinJSON(s.checkinPeople))
	mux.Handle("GET /checkin/{shiftID}/search.json", s.checkinJSON(s.checkinSearch))
	mux.Handle("POST /checkin/{shiftID}/ticks", s.checkinJSON(s.checkinTicks))
	// Check-in office screens: points and items (authed: the handlers
	// require admin.org or dictionary.manage, requireCheckinManage), shifts,
	// persons (checkin_admin.go).
	mux.Handle("GET /checkin/points", s.require(opora.PermCheckin, s.checkinPoints))
	mux.Handle("GET /checkin/points/new", s.authed(s.checkinPointNew))
	mux.Handle("POST /checkin/points/new", s.authed(s.checkinPointCreate))
	mux.Handle("GET /checkin/points/{id}/edit", s.authed(s.checkinPointEdit))
	mux.Handle("POST /checkin/points/{id}/edit", s.authed(s.checkinPointUpdate))
	mux.Handle("POST /checkin/points/{id}/items", s.authed(s.checkinItemCreate))
	mux.Handle("POST /checkin/items/{id}/edit", s.authed(s.checkinItemUpdate))
	mux.Handle("GET /checkin/shifts/{id}/list", s.require(opora.PermCheckin, s.checkinShiftView))
	mux.Handle("POST /checkin/shifts/{id}/close", s.require(opora.PermCheckin, s.checkinShiftClose))
	mux.Handle("POST /checkin/shifts/{id}/reopen", s.authed(s.checkinShiftReopen))
	mux.Handle("GET /checkin/shifts/{id}/export", s.export(opora.ExportCheckinShift, s.checkinShiftExport))
	mux.Handle("POST /checkin/shifts/{id}/export", s.export(opora.ExportCheckinShift, s.checkinShiftExport))
	mux.Handle("GET /checkin/persons", s.require(opora.PermClientRead, s.checkinPersons))
	mux.Handle("GET /checkin/persons/{id}/view", s.require(opora.PermClientRead, s.checkinPerson))
	mux.Handle("POST /checkin/persons/{id}/link", s.require(opora.PermClientWrite, s.checkinPersonLink))
	mux.Handle("POST /checkin/persons/{id}/client", s.require(opora.PermClientWrite, s.checkinPersonClient))
	mux.Handle("POST /checkin/persons/{id}/merge", s.require(opora.PermClientWrite, s.checkinPersonMerge))

	// Reports: the builder and saved reports (reports.go), the services
	// register (service_register.go), standard reports (report_standard.go),
	// the dashboard (dashboard.go).
	mux.Handle("GET /reports", s.require(opora.PermReportRun, s.reportsHome))
	mux.Handle("GET /reports/builder", s.require(opora.PermReportRun, s.reportBuilder))
	mux.Handle("GET /reports/builder/export", s.export(opora.ExportReport, s.reportExport))
	mux.Handle("GET /reports/register", s.require(opora.PermReportRun, s.serviceRegister))
	mux.Handle("GET /reports/register/export", s.export(opora.ExportRegister, s.serviceRegisterExport))
	mux.Handle("POST /reports/register/export", s.export(opora.ExportRegister, s.serviceRegisterExport))
	mux.Handle("POST /reports/saved", s.require(opora.PermReportRun, s.reportSave))
	mux.Handle("GET /reports/saved/{id}", s.require(opora.PermReportRun, s.reportSaved))
	mux.Handle("POST /reports/saved/{id}/delete", s.require(opora.PermReportRun, s.reportSavedDelete))
	mux.Handle("GET /reports/standard/{key}", s.require(opora.PermReportRun, s.reportStandard))
	mux.Handle("GET /reports/standard/{key}/export", s.export(opora.ExportReport, s.reportStandardExport))
	mux.Handle("GET /dashboard", s.require(opora.PermReportRun, s.dashboard))
	mux.Handle("GET /dashboard/export", s.export(opora.ExportDashboard, s.dashboardExport))
	// The families' monitoring (monitoring.go; its scope: store/monitoring.go).
	mux.Handle("GET /monitoring", s.require(opora.PermReportRun, s.monitoring))
	mux.Handle("GET /monitoring/export", s.export(opora.ExportMonitoring, s.monitoringExport))

	// Administration. The list of the screens below the user may use
	// (admin_home.go; a new screen also gets a line in adminSections).
	mux.Handle("GET /admin", s.authed(s.adminHome))
	// Staff, roles and branches (admin_users.go, admin_roles.go, admin_branches.go).
	mux.Handle("GET /admin/users", s.require(opora.PermAdminUsers, s.adminUsers))
	mux.Handle("GET /admin/users/new", s.require(opora.PermAdminUsers, s.adminUserNew))
	mux.Handle("POST /admin/users", s.require(opora.PermAdminUsers, s.adminUserCreate))
	mux.Handle("GET /admin/users/{id}", s.require(opora.PermAdminUsers, s.adminUserEdit))
	mux.Handle("POST /admin/users/{id}", s.require(opora.PermAdminUsers, s.adminUserUpdate))
	mux.Handle("POST /admin/users/{id}/disable", s.require(opora.PermAdminUsers, s.adminUserDisable))
	mux.Handle("POST /admin/users/{id}/enable", s.require(opora.PermAdminUsers, s.adminUserEnable))
	mux.Handle("POST /admin/users/{id}/password", s.require(opora.PermAdminUsers, s.adminUserPassword))
	mux.Handle("POST /admin/users/{id}/2fa/reset", s.require(opora.PermAdminUsers, s.adminUserTwoFactorReset))
	mux.Handle("GET /admin/roles", s.require(opora.PermAdminRoles, s.adminRoles))
	mux.Handle("GET /admin/roles/new", s.require(opora.PermAdminRoles, s.adminRoleNew))
	mux.Handle("POST /admin/roles/new", s.require(opora.PermAdminRoles, s.adminRoleCreate))
	mux.Handle("GET /admin/roles/{id}", s.require(opora.PermAdminRoles, s.adminRoleEdit))
	mux.Handle("POST /admin/roles/{id}", s.require(opora.PermAdminRoles, s.adminRoleUpdate))
	mux.Handle("GET /admin/branches", s.require(opora.PermAdminOrg, s.adminBranches))
	mux.Handle("GET /admin/branches/new", s.require(opora.PermAdminOrg, s.adminBranchNew))
	mux.Handle("POST /admin/branches/new", s.require(opora.PermAdminOrg, s.adminBranchCreate))
	mux.Handle("GET /admin/branches/{id}", s.require(opora.PermAdminOrg, s.adminBranchEdit))
	mux.Handle("POST /admin/branches/{id}", s.require(opora.PermAdminOrg, s.adminBranchUpdate))
	// Organisation settings, territories, the network and the audit log
	// (admin_org.go, admin_network.go, admin_audit.go).
	mux.Handle("GET /admin/organisation", s.require(opora.PermAdminOrg, s.orgForm))
	mux.Handle("POST /admin/organisation", s.require(opora.PermAdminOrg, s.orgSubmit))
	// The organisation's full export, made in the background and
	// downloaded once through the export helper (admin_org_export.go).
	mux.Handle("GET /admin/organisation/data", s.require(opora.PermAdminOrg, s.orgExportPage))
	mux.Handle("POST /admin/organisation/data", s.require(opora.PermAdminOrg, s.orgExportStart))
	mux.Handle("GET /admin/organisation/data/{id}", s.require(opora.PermAdminOrg, s.orgExportStatus))
	mux.Handle("GET /admin/organisation/data/{id}/export", s.export(opora.ExportOrganisation, s.orgExportDownload))
	mux.Handle("POST /admin/organisation/data/{id}/export", s.export(opora.ExportOrganisation, s.orgExportDownload))
	// Legal bases per data category and agency type (admin_legal_bases.go).
	mux.Handle("GET /admin/legal-bases", s.require(opora.PermAdminOrg, s.legalBases))
	mux.Handle("GET /admin/document-templates", s.require(opora.PermAdminOrg, s.adminDocTemplates))
	mux.Handle("GET /admin/document-templates/new", s.require(opora.PermAdminOrg, s.adminDocTemplateNew))
	mux.Handle("POST /admin/document-templates/new", s.require(opora.PermAdminOrg, s.adminDocTemplateSave))
	mux.Handle("GET /admin/document-templates/{id}", s.require(opora.PermAdminOrg, s.adminDocTemplateEdit))
	mux.Handle("POST /admin/document-templates/{id}", s.require(opora.PermAdminOrg, s.adminDocTemplateSave))
	mux.Handle("POST /admin/document-images/{kind}", s.require(opora.PermAdminOrg, s.adminDocImageUpload))
	mux.Handle("POST /admin/legal-bases", s.require(opora.PermAdminOrg, s.legalBasesSave))
	mux.Handle("GET /admin/territories", s.require(opora.PermAdminNetwork, s.territoryList))
	mux.Handle("GET /admin/territories/new", s.require(opora.PermAdminNetwork, s.territoryNew))
	mux.Handle("POST /admin/territories/new", s.require(opora.PermAdminNetwork, s.territoryCreate))
	mux.Handle("GET /admin/territories/{id}", s.require(opora.PermAdminNetwork, s.territoryEdit))
	mux.Handle("POST /admin/territories/{id}", s.require(opora.PermAdminNetwork, s.territoryUpdate))
	mux.Handle("GET /admin/network", s.require(opora.PermAdminNetwork, s.networkList))
	mux.Handle("GET /admin/network/new", s.require(opora.PermAdminNetwork, s.networkNew))
	mux.Handle("POST /admin/network/new", s.require(opora.PermAdminNetwork, s.networkCreate))
	mux.Handle("GET /admin/network/{id}", s.require(opora.PermAdminNetwork, s.networkEdit))
	mux.Handle("GET /admin/signal-deadlines", s.require(opora.PermAdminNetwork, s.signalDeadlines))
	mux.Handle("POST /admin/signal-deadlines", s.require(opora.PermAdminNetwork, s.signalDeadlinesSave))
	mux.Handle("GET /admin/notifications", s.require(opora.PermAdminOrg, s.adminNotifications))
	mux.Handle("POST /admin/notifications", s.require(opora.PermAdminOrg, s.adminNotificationsSave))
	mux.Handle("POST /admin/network/{id}", s.require(opora.PermAdminNetwork, s.networkUpdate))
	mux.Handle("GET /admin/procedure", s.require(opora.PermAdminNetwork, s.procedureAdmin))
	mux.Handle("POST /admin/procedure", s.require(opora.PermAdminNetwork, s.procedureSave))
	mux.Handle("POST /admin/procedure/{id}/delete", s.require(opora.PermAdminNetwork, s.procedureDelete))
	// Import of paper cards and spreadsheets (admin_import.go).
	mux.Handle("GET /admin/import", s.require(opora.PermAdminOrg, s.importHome))
	mux.Handle("POST /admin/import", s.require(opora.PermAdminOrg, s.importUpload))
	mux.Handle("GET /admin/import/{id}", s.require(opora.PermAdminOrg, s.importStatus))
	mux.Handle("GET /admin/import/{id}/mapping", s.require(opora.PermAdminOrg, s.importMapping))
	mux.Handle("POST /admin/import/{id}/mapping", s.require(opora.PermAdminOrg, s.importMappingSave))
	mux.Handle("POST /admin/import/{id}/run", s.require(opora.PermAdminOrg, s.importRun))
	// The rule hints the region's methodologists edit (admin_hints.go).
	mux.Handle("GET /admin/hints", s.require(opora.PermHintsManage, s.hintsAdmin))
	mux.Handle("GET /admin/hints/new", s.require(opora.PermHintsManage, s.hintRuleNew))
	// The learned hints: switch one off or on, the least group (hints_learned.go).
	mux.Handle("GET /admin/hints/learned", s.require(opora.PermHintsManage, s.learnedHintsAdmin))
	mux.Handle("POST /admin/hints/learned/switch", s.require(opora.PermHintsManage, s.learnedHintSwitch))
	mux.Handle("POST /admin/hints/learned/settings", s.require(opora.PermHintsManage, s.learnedHintSettings))
	mux.Handle("POST /admin/hints", s.require(opora.PermHintsManage, s.hintRuleCreate))
	mux.Handle("GET /admin/hints/{id}", s.require(opora.PermHintsManage, s.hintRuleEdit))
	mux.Handle("POST /admin/hints/{id}", s.require(opora.PermHintsManage, s.hintRuleUpdate))
	mux.Handle("POST /admin/hints/{id}/disable", s.require(opora.PermHintsManage, s.hintRuleDisable))
	mux.Handle("POST /admin/hints/{id}/enable", s.require(opora.PermHintsManage, s.hintRuleEnable))
	mux.Handle("POST /admin/hints/{id}/delete", s.require(opora.PermHintsManage, s.hintRuleDelete))
	// Need-to-know access to family cards (admin_family_sections.go).
	mux.Handle("GET /admin/family-sections", s.require(opora.PermAdminNetwork, s.familySections))
	mux.Handle("POST /admin/family-sections", s.require(opora.PermAdminNetwork, s.familySectionsSave))
	mux.Handle("GET /admin/audit", s.require(opora.PermAuditRead, s.auditList))
	mux.Handle("GET /admin/audit/anchor", s.require(opora.PermAuditRead, s.auditAnchor))
	// Retention and destruction of personal data (retention.go).
	mux.Handle("GET /admin/retention", s.require(opora.PermRetentionApprove, s.retentionAdmin))
	mux.Handle("POST /admin/retention/rules", s.require(opora.PermRetentionApprove, s.retentionRuleCreate))
	mux.Handle("GET /admin/retention/rules/{id}", s.require(opora.PermRetentionApprove, s.retentionRuleEdit))
	mux.Handle("POST /admin/retention/rules/{id}", s.require(opora.PermRetentionApprove, s.retentionRuleUpdate))
	mux.Handle("POST /admin/retention/rules/{id}/delete", s.require(opora.PermRetentionApprove, s.retentionRuleDelete))
	mux.Handle("POST /admin/retention/grace", s.require(opora.PermRetentionApprove, s.retentionGraceSave))
	mux.Handle("GET /admin/retention/due", s.require(opora.PermRetentionApprove, s.retentionDue))
	mux.Handle("POST /admin/retention/destroy", s.require(opora.PermRetentionApprove, s.retentionDestroy))
	mux.Handle("GET /admin/retention/acts", s.require(opora.PermRetentionApprove, s.retentionActs))
	mux.Handle("GET /admin/retention/acts/{id}", s.require(opora.PermRetentionApprove, s.retentionAct))
	// Dictionaries: questionnaires and forms (admin_forms.go), service types
	// (admin_services.go), case and task types (admin_case_types.go), plan
	// templates (admin_plan_templates.go).
	mux.Handle("GET /admin/forms", s.require(opora.PermDictionaryManage, s.formsAdminList))
	mux.Handle("POST /admin/forms", s.require(opora.PermDictionaryManage, s.formsAdminCreate))
	mux.Handle("GET /admin/forms/{id}", s.require(opora.PermDictionaryManage, s.formsAdminForm))
	mux.Handle("POST /admin/forms/{id}", s.require(opora.PermDictionaryManage, s.formsAdminUpdate))
	mux.Handle("POST /admin/forms/{id}/sections", s.require(opora.PermDictionaryManage, s.formsAdminAddSection))
	mux.Handle("POST /admin/forms/{id}/levels", s.require(opora.PermDictionaryManage, s.formsAdminLevels))
	mux.Handle("POST /admin/form-sections/{id}", s.require(opora.PermDictionaryManage, s.formsAdminUpdateSection))
	mux.Handle("POST /admin/form-sections/{id}/move", s.require(opora.PermDictionaryManage, s.formsAdminMoveSection))
	mux.Handle("POST /admin/form-sections/{id}/fields", s.require(opora.PermDictionaryManage, s.formsAdminAddField))
	mux.Handle("GET /admin/form-fields/{id}", s.require(opora.PermDictionaryManage, s.formsAdminField))
	mux.Handle("POST /admin/form-fields/{id}", s.require(opora.PermDictionaryManage, s.formsAdminUpdateField))
	mux.Handle("POST /admin/form-fields/{id}/move", s.require(opora.PermDictionaryManage, s.formsAdminMoveField))
	mux.Handle("POST /admin/form-fields/{id}/options", s.require(opora.PermDictionaryManage, s.formsAdminAddOption))
	mux.Handle("POST /admin/field-options/{id}", s.require(opora.PermDictionaryManage, s.formsAdminUpdateOption))
	mux.Handle("POST /admin/field-options/{id}/move", s.require(opora.PermDictionaryManage, s.formsAdminMoveOption))
	mux.Handle("GET /admin/services", s.require(opora.PermDictionaryManage, s.adminServices))
	mux.Handle("GET /admin/services/new", s.require(opora.PermDictionaryManage, s.adminServiceNew))
	mux.Handle("POST /admin/services/new", s.require(opora.PermDictionaryManage, s.adminServiceCreate))
	mux.Handle("GET /admin/services/{id}", s.require(opora.PermDictionaryManage, s.adminServiceEdit))
	mux.Handle("POST /admin/services/{id}", s.require(opora.PermDictionaryManage, s.adminServiceUpdate))
	mux.Handle("POST /admin/services/{id}/move", s.require(opora.PermDictionaryManage, s.adminServiceMove))
	mux.Handle("POST /admin/services/{id}/active", s.require(opora.PermDictionaryManage, s.adminServiceActive))
	mux.Handle("GET /admin/case-types", s.require(opora.PermDictionaryManage, s.adminCaseTypes))
	mux.Handle("POST /admin/case-types/new", s.require(opora.PermDictionaryManage, s.adminCaseTypeCreate))
	mux.Handle("GET /admin/case-types/{id}", s.require(opora.PermDictionaryManage, s.adminCaseTypeEdit))
	mux.Handle("POST /admin/case-types/{id}", s.require(opora.PermDictionaryManage, s.adminCaseTypeUpdate))
	mux.Handle("GET /admin/plan-templates", s.require(opora.PermDictionaryManage, s.planTemplateList))
	mux.Handle("GET /admin/plan-templates/new", s.require(opora.PermDictionaryManage, s.planTemplateNew))
	mux.Handle("POST /admin/plan-templates/new", s.require(opora.PermDictionaryManage, s.planTemplateCreate))
	mux.Handle("GET /admin/plan-templates/{id}", s.require(opora.PermDictionaryManage, s.planTemplateEdit))
	mux.Handle("POST /admin/plan-templates/{id}", s.require(opora.PermDictionaryManage, s.planTemplateUpdate))

	// The resource map per municipality (resources.go): the search and a
	// service for everyone on families (family.read or resources.manage,
	// checked by the store), the editors' screens with resources.manage; a
	// family's task points to a service.
	mux.Handle("GET /resources", s.authed(s.resourcesSearch))
	mux.Handle("GET /resources/services/{id}", s.authed(s.resourceServicePage))
	mux.Handle("GET /resources/organizations", s.authed(s.resourceOrgs))
	// The map as Open Referral HSDS 3.0 JSON (resources_hsds.go): the
	// download, the upload's check and its import.
	mux.Handle("GET /resources/export", s.export(opora.ExportResourcesHSDS, s.resourcesExport))
	mux.Handle("POST /resources/import", s.require(opora.PermResourcesManage, s.resourcesImport))
	mux.Handle("POST /resources/import/apply", s.require(opora.PermResourcesManage, s.resourcesImportApply))
	mux.Handle("GET /resources/organizations/new", s.require(opora.PermResourcesManage, s.resourceOrgNew))
	mux.Handle("POST /resources/organizations", s.require(opora.PermResourcesManage, s.resourceOrgSave))
	mux.Handle("GET /resources/organizations/{id}", s.authed(s.resourceOrgPage))
	mux.Handle("GET /resources/organizations/{id}/edit", s.require(opora.PermResourcesManage, s.resourceOrgEdit))
	mux.Handle("POST /resources/organizations/{id}", s.require(opora.PermResourcesManage, s.resourceOrgSave))
	mux.Handle("GET /resources/organizations/{id}/locations/new", s.require(opora.PermResourcesManage, s.resourceLocationForm))
	mux.Handle("POST /resources/organizations/{id}/locations", s.require(opora.PermResourcesManage, s.resourceLocationSave))
	mux.Handle("GET /resources/locations/{loc}/edit", s.require(opora.PermResourcesManage, s.resourceLocationForm))
	mux.Handle("POST /resources/locations/{loc}", s.require(opora.PermResourcesManage, s.resourceLocationSave))
	mux.Handle("GET /resources/organizations/{id}/services/new", s.require(opora.PermResourcesManage, s.resourceServiceForm))
	mux.Handle("POST /resources/organizations/{id}/services", s.require(opora.PermResourcesManage, s.resourceServiceSave))
	mux.Handle("GET /resources/services/{svc}/edit", s.require(opora.PermResourcesManage, s.resourceServiceForm))
	mux.Handle("POST /resources/services/{svc}", s.require(opora.PermResourcesManage, s.resourceServiceSave))
	mux.Handle("POST /agency/tasks/{id}/resource", s.require(opora.PermFamilyRead, s.taskResourceSet))

	// The REST API for other systems, with API tokens (api.go), and the
	// tokens' screen (admin_api_tokens.go), the webhooks (admin_webhooks.go).
	s.apiRoutes(mux)
	mux.Handle("GET /admin/api-tokens", s.require(opora.PermAdminUsers, s.apiTokens))
	mux.Handle("POST /admin/api-tokens", s.require(opora.PermAdminUsers, s.apiTokenCreate))
	mux.Handle("POST /admin/api-tokens/{id}/revoke", s.require(opora.PermAdminUsers, s.apiTokenRevoke))
	mux.Handle("GET /admin/webhooks", s.require(opora.PermAdminOrg, s.webhooksPage))
	mux.Handle("POST /admin/webhooks", s.require(opora.PermAdminOrg, s.webhookCreate))
	mux.Handle("GET /admin/webhooks/{id}", s.require(opora.PermAdminOrg, s.webhookPage))
	mux.Handle("POST /admin/webhooks/{id}/disable", s.require(opora.PermAdminOrg, s.webhookSetDisabled(true)))
	mux.Handle("POST /admin/webhooks/{id}/enable", s.require(opora.PermAdminOrg, s.webhookSetDisabled(false)))

	// Anything else is not found.
	mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error { return opora.ErrNotFound }))
}
