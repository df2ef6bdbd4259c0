package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// routeAudit says what one GET route shows. A route that shows a person's
// data names the path to open on the fixture ({client}, {note}, … are
// filled in) and the audit rows the visit must write ("entity {id}"; "client
// {client}" when want is empty). Any other route says why it writes none.
type routeAudit struct {
	path string
	want []string
	why  string
}

// Reasons for GET routes that show no one's record.
const (
	noPerson  = "shows no person's data"
	adminPage = "administration: users, roles and dictionaries, no client data"
	aggregate = "counts and sums only, no person"
	nameList  = "a work list of names, like search results: not a view of a record (store/search/search.go)"

	resourceMap = "the resource map: organisations, services and places, no person"
	exportForm  = "the purpose form of an export that names people; the file comes from the POST (TestExportsUnderControl)"
)

// getRoutes classifies every GET route of the server. A route missing here
// fails TestClientDataRoutesAudited: whoever adds a page decides whether it
// shows a person's data, and if it does, the test opens it and looks for
// the audit row.
var getRoutes = map[string]routeAudit{
	"/":                  {why: "answers 404 for everything not routed"},
	"GET /{$}":           {why: "home: the user's own work lists (" + nameList + ")"},
	"GET /healthz":       {why: noPerson},
	"GET /static/":       {why: noPerson},
	"GET /favicon.ico":   {why: noPerson},
	"GET /setup/{token}": {why: noPerson},
	"GET /login":         {why: noPerson},
	"GET /account":       {why: "the user's own account"},
	"GET /account/2fa":   {why: "the user's own two-factor login"},
	"GET /login/code":    {why: noPerson},

	"GET /clients":                                {why: nameList},
	"GET /clients/new":                            {why: noPerson},
	"GET /clients/search":                         {why: nameList},
	"GET /clients/{id}":                           {path: "/clients/{client}"},
	"GET /clients/{id}/edit":                      {path: "/clients/{client}/edit"},
	"GET /clients/{id}/timeline":                  {path: "/clients/{client}/timeline"},
	"GET /clients/{id}/person-report":             {path: "/clients/{client}/person-report"},
	"GET /clients/{id}/person-report.json":        {path: "/clients/{client}/person-report.json"},
	"GET /privacy":                                {why: "the privacy page: " + aggregate},
	"GET /privacy/requests":                       {why: "the register of persons' requests: " + nameList},
	"GET /privacy/requests/{id}":                  {why: "one request: who asked, when, what was answered; the record is opened through the person's report, which is audit-logged"},
	"GET /clients/{id}/questionnaire":             {path: "/clients/{client}/questionnaire"},
	"GET /clients/{id}/questionnaire/edit":        {path: "/clients/{client}/questionnaire/edit"},
	"GET /clients/{id}/forms":                     {path: "/clients/{client}/forms"},
	"GET /clients/{id}/forms/{form}/new":          {path: "/clients/{client}/forms/{form}/new"},
	"GET /clients/{id}/fillings/{fid}":            {path: "/clients/{client}/fillings/{filling}"},
	"GET /clients/{id}/fillings/{fid}/edit":       {path: "/clients/{client}/fillings/{filling}/edit"},
	"GET /clients/{id}/notes":                     {path: "/clients/{client}/notes"},
	"GET /clients/{id}/notes/{nid}/edit":          {path: "/clients/{client}/notes/{note}/edit"},
	"GET /clients/{id}/documents":                 {path: "/clients/{client}/documents"},
	"GET /clients/{id}/documents/{did}/edit":      {path: "/clients/{client}/documents/{document}/edit"},
	"GET /clients/{id}/files/{fid}":               {path: "/clients/{client}/files/{file}", want: []string{"file {file}"}},
	"GET /clients/{id}/photo":                     {path: "/clients/{client}/photo"},
	"GET /clients/{id}/photo/thumb":               {path: "/clients/{client}/photo/thumb"},
	"GET /clients/{id}/services":                  {path: "/clients/{client}/services"},
	"GET /clients/{id}/cases":                     {path: "/clients/{client}/cases"},
	"GET /clients/{id}/shelter":                   {path: "/clients/{client}/shelter"},
	"GET /clients/{id}/merge":                     {path: "/clients/{client}/merge?other={other}", want: []string{"client {client}", "client {other}"}},
	"GET /services/{id}/edit":                     {path: "/services/{service}/edit"},
	"GET /services/mine":                          {why: nameList},
	"GET /families":                               {why: nameList},
	"GET /families/new":                           {why: nameList},
	"GET /families/{id}":                          {path: "/families/{family}", want: []string{"family {family}"}},
	"GET /screening":                              {why: "the early screening list: the store writes a view row of every family and person listed (TestScreeningPage checks them); the fixture's family and client have open cases, so it lists neither"},
	"GET /signals":                                {why: nameList},
	"GET /signals/overdue":                        {why: nameList},
	"GET /signals/new":                            {why: noPerson},
	"GET /signals/matches":                        {why: nameList},
	"GET /signals/{id}":                           {path: "/signals/{signal}", want: []string{"signal {signal}"}},
	"GET /admin/signal-deadlines":                 {why: adminPage},
	"GET /admin/notifications":                    {why: adminPage},
	"GET /notifications":                          {why: "the user's own notifications: family card numbers and task types, no person"},
	"GET /admin/family-sections":                  {why: adminPage},
	"GET /families/{id}/assessments/new":          {path: "/families/{family}/assessments/new", want: []string{"family {family}"}},
	"GET /families/{id}/assessments/compare":      {path: "/families/{family}/assessments/compare", want: []string{"family {family}"}},
	"GET /families/{id}/assessments/{aid}":        {path: "/families/{family}/assessments/{assessment}", want: []string{"family {family}"}},
	"GET /families/{id}/plan":                     {path: "/families/{family}/plan", want: []string{"family {family}"}},
	"GET /families/{id}/join":                     {path: "/families/{family}/join?q=x&with={family}", want: []string{"family {family}"}},
	"GET /families/sw.js":                         {why: noPerson},
	"GET /councils/sw.js":                         {why: noPerson},
	"GET /families/{id}/visits/new":               {path: "/families/{family}/visits/new", want: []string{"family {family}"}},
	"GET /families/{id}/tasks":                    {path: "/families/{family}/tasks", want: []string{"family {family}"}},
	"GET /agency/tasks":                           {why: nameList},
	"GET /agency/tasks/{id}":                      {path: "/agency/tasks/{ftask}", want: []string{"task {ftask}"}},
	"GET /agency/tasks/{id}/report":               {path: "/agency/tasks/{ftask}/report", want: []string{"file {ftaskfile}"}},
	"GET /cases/{id}":                             {path: "/cases/{case}"},
	"GET /cases/{id}/print":                       {path: "/cases/{case}/print"},
	"GET /tasks":                                  {why: nameList},
	"GET /tasks/{id}":                             {path: "/tasks/{task}"},
	"GET /reminders":                              {why: nameList},
	"GET /clients/{id}/issue-document":            {path: "/clients/{client}/issue-document?template={doctemplate}"},
	"GET /clients/{id}/issued/{doc}":              {path: "/clients/{client}/issued/{issued}"},
	"GET /clients/{id}/issued/{doc}/pdf":          {path: "/clients/{client}/issued/{issued}/pdf"},
	"GET /clients/{id}/issued/{doc}/docx":         {path: "/clients/{client}/issued/{issued}/docx"},
	"GET /clients/{id}/issued/{doc}/image/{kind}": {why: "the organisation's letterhead, signature or stamp printed on a document: " + noPerson},
	"GET /document-images/{id}":                   {why: "the organisation's letterhead, signature or stamp: " + noPerson},
	"GET /shelter":                                {why: nameList},
	"GET /shelter/rooms":                          {why: "rooms and their capacity"},
	"GET /shelter/rooms/{id}":                     {why: "a room's name, capacity and comment"},
	"GET /checkin":                                {why: "check-in points and shifts"},
	"GET /checkin/sw.js":                          {why: noPerson},
	"GET /checkin/{shiftID}":                      {why: "the duty page's frame and counters; names come from people.json"},
	"GET /checkin/{shiftID}/people.json":          {path: "/checkin/{shift}/people.json", want: []string{"checkin_shift {shift}"}},
	"GET /checkin/{shiftID}/search.json":          {path: "/checkin/{shift}/search.json?q=" + url.QueryEscape("аудит"), want: []string{"checkin_shift {shift}"}},
	"GET /checkin/shifts/{id}/list":               {path: "/checkin/shifts/{shift}/list", want: []string{"checkin_shift {shift}"}},
	"GET /checkin/shifts/{id}/export":             {why: exportForm},
	"GET /checkin/persons":                        {path: "/checkin/persons?all=1", want: []string{"checkin_person 0"}},
	"GET /checkin/persons/{id}/view":              {path: "/checkin/persons/{person}/view", want: []string{"checkin_person {person}"}},
	"GET /checkin/points":                         {why: adminPage},
	"GET /checkin/points/new":                     {why: adminPage},
	"GET /checkin/points/{id}/edit":               {why: adminPage},
	"GET /reports":                                {why: aggregate},
	"GET /reports/builder":                        {why: aggregate},
	"GET /reports/builder/export":                 {why: aggregate},
	"GET /reports/saved/{id}":                     {why: aggregate},
	"GET /reports/standard/{key}":                 {why: aggregate},
	"GET /reports/standard/{key}/export":          {why: aggregate},
	"GET /dashboard":                              {why: aggregate},
	"GET /dashboard/export":                       {why: aggregate},
	"GET /monitoring":                             {why: aggregate},
	"GET /monitoring/export":                      {why: aggregate},
	"GET /reports/register":                       {path: "/reports/register?from={day}&to={day}&run=1", want: []string{"services_register 0"}},
	"GET /reports/register/export":                {why: exportForm},
	"GET /admin/audit":                            {why: "the audit log: who did what to which record number, never values"},
	"GET /admin/retention":                        {why: adminPage},
	"GET /admin/retention/rules/{id}":             {why: adminPage},
	"GET /admin/retention/due":                    {why: "client numbers due for destruction, never names or values"},
	"GET /admin/retention/acts":                   {why: "destruction records: client numbers, never names or values"},
	"GET /admin/retention/acts/{id}":              {why: "a destruction act: a client number, never names; its print is audit-logged by the store"},
	"GET /admin/audit/anchor":                     {why: "the audit chain's last row number and hash, no person"},
	"GET /admin/branches":                         {why: adminPage},
	"GET /admin/branches/new":                     {why: adminPage},
	"GET /admin/branches/{id}":                    {why: adminPage},
	"GET /admin/form-fields/{id}":                 {why: adminPage},
	"GET /admin/forms":                            {why: adminPage},
	"GET /admin/forms/{id}":                       {why: adminPage},
	"GET /admin/network":                          {why: adminPage},
	"GET /admin/network/new":                      {why: adminPage},
	"GET /admin/network/{id}":                     {why: adminPage},
	"GET /admin/organisation":                     {why: adminPage},
	"GET /admin/organisation/data":                {why: "the organisation's export: what it holds and the purpose form; the archive comes from the POST of .../export"},
	"GET /admin/organisation/data/{id}":           {why: "the export's progress and counts, no person; the archive comes from the POST of .../export"},
	"GET /admin/organisation/data/{id}/export":    {why: exportForm},
	"GET /admin/legal-bases":                      {why: adminPage},
	"GET /admin/document-templates":               {why: adminPage},
	"GET /admin/document-templates/new":           {why: adminPage},
	"GET /admin/document-templates/{id}":          {why: "a template and its preview on sample values: " + noPerson},
	"GET /admin/plan-templates":                   {why: adminPage},
	"GET /admin/plan-templates/new":               {why: adminPage},
	"GET /admin/plan-templates/{id}":              {why: adminPage},
	"GET /admin/roles":                            {why: adminPage},
	"GET /admin/roles/new":                        {why: adminPage},
	"GET /admin/roles/{id}":                       {why: adminPage},
	"GET /admin":                                  {why: adminPage},
	"GET /admin/case-types":                       {why: adminPage},
	"GET /admin/case-types/{id}":                  {why: adminPage},
	"GET /admin/services":                         {why: adminPage},
	"GET /admin/services/new":                     {why: adminPage},
	"GET /admin/services/{id}":                    {why: adminPage},
	"GET /admin/territories":                      {why: adminPage},
	"GET /admin/territories/new":                  {why: adminPage},
	"GET /admin/territories/{id}":                 {why: adminPage},
	"GET /admin/users":                            {why: adminPage},
	"GET /admin/users/new":                        {why: adminPage},
	"GET /admin/users/{id}":                       {why: adminPage},

	// The resource map (resources.go): providers and services, never a person.
	"GET /resources":                                  {why: resourceMap},
	"GET /resources/services/{id}":                    {why: resourceMap},
	"GET /resources/organizations":                    {why: resourceMap},
	"GET /resources/export":                           {why: resourceMap},
	"GET /resources/organizations/new":                {why: resourceMap},
	"GET /resources/organizations/{id}":               {why: resourceMap},
	"GET /resources/organizations/{id}/edit":          {why: resourceMap},
	"GET /resources/organizations/{id}/locations/new": {why: resourceMap},
	"GET /resources/locations/{loc}/edit":             {why: resourceMap},
	"GET /resources/organizations/{id}/services/new":  {why: resourceMap},
	"GET /resources/services/{svc}/edit":              {why: resourceMap},
	"GET /councils":                                   {why: "the councils the user runs: names and schedules"},
	"GET /councils/{id}":                              {why: "a council's schedule, meetings and members: agencies and staff names"},
	"GET /councils/{id}/meetings/{mid}":               {why: "the agenda: " + nameList},
	"GET /councils/{id}/meetings/{mid}/families/{fid}": {path: "/councils/{council}/meetings/{meeting}/families/{family}",
		want: []string{"family {family}"}},
	"GET /councils/{id}/meetings/{mid}/minutes": {path: "/councils/{council}/meetings/{meeting}/minutes",
		want: []string{"council_meeting {meeting}"}},
	"GET /admin/procedure": {why: adminPage},
	// The hint rules and the counts of the curators' verdicts, the latest
	// comments without the family they were given on.
	// Import of a spreadsheet (admin_import.go): the upload page lists file
	// names and counts; the mapping page shows a few cells of the
	// administrator's own uploaded file, not a client's record; the report
	// lists row numbers and, for likely duplicates, names like search
	// results. The import itself is audit-logged by the store.
	"GET /admin/import":              {why: noPerson},
	"GET /admin/import/{id}/mapping": {why: "examples from the administrator's uploaded file, no client record; the upload and the import are audit-logged by the store"},
	"GET /admin/import/{id}":         {why: nameList},
	"GET /admin/hints":               {why: adminPage},
	"GET /admin/hints/new":           {why: adminPage},
	// Counts over groups of at least ten families: no one's data.
	"GET /admin/hints/learned": {why: adminPage},
	"GET /admin/hints/{id}":    {why: adminPage},
	"GET /admin/api-tokens":    {why: adminPage},
	"GET /admin/webhooks":      {why: adminPage},
	"GET /admin/webhooks/{id}": {why: "the delivery log: ids and codes of events, no person's data (opora/webhook.go)"},

	// The API answers tokens only, not a session: its reads are the store's
	// own audited reads, checked by TestAPIClients and TestAPITasks.
	"GET /api/v1/openapi.json":          {why: noPerson},
	"GET /api/v1/clients":               {why: "the API's list of clients: one audit row names the ids listed (TestAPIClients)"},
	"GET /api/v1/clients/{id}":          {why: "the API's read of a profile: ViewClient writes «client {id}» with section api (TestAPIClients)"},
	"GET /api/v1/clients/{id}/services": {why: "the API's read of a client's services: ViewClient writes «client {id}» with section «api services» (TestAPIServicesCasesSignals)"},
	"GET /api/v1/clients/{id}/cases":    {why: "the API's read of a client's cases: ViewClient writes «client {id}» with section «api cases» (TestAPIServicesCasesSignals)"},
	"GET /api/v1/cases/{id}":            {why: "the API's read of a case: an audit row «client {client}» with section «api case {id}» (TestAPIServicesCasesSignals)"},
	"GET /api/v1/service-types":         {why: adminPage},
	"GET /api/v1/signals":               {why: nameList + ": the signals the organisation reported, without names"},
	"GET /api/v1/signals/inbox":         {why: nameList + ": the КДН's inbox, without names, as GET /signals"},
	"GET /api/v1/signals/{id}":          {why: "the API's read of a signal: store.Signal logs «signal {id}», as GET /signals/{id}"},
	"GET /api/v1/families/{id}":         {why: "the API's read of a family card: store.Family logs the view with its reason, as the card does"},
	"GET /api/v1/tasks":                 {why: nameList + ": the agency's board, as GET /agency/tasks"},
	"GET /api/v1/tasks/{id}":            {why: "the API's read of a task: store.AgencyTask logs «task {id}», as GET /agency/tasks/{id}"},
}

// registeredGETs lists the patterns of every route the server registers
// that answers GET: a pattern naming GET, or none at all.
func registeredGETs(t *testing.T, st *store.Store) []string {
	t.Helper()
	s, err := New(st, i18n.MustLoad(), Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := &router{ServeMux: http.NewServeMux()}
	s.routes(mux)
	var out []string
	for _, p := range mux.patterns {
		method, _, found := strings.Cut(p, " ")
		if !found || method == http.MethodGet {
			out = append(out, p)
		}
	}
	return out
}

// TestGetRoutesClassified: every GET route is in getRoutes, and getRoutes
// names no route the server does not have.
func TestGetRoutesClassified(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	routes := registeredGETs(t, st)
	for _, p := range routes {
		ra, ok := getRoutes[p]
		if !ok {
			t.Errorf("GET route %q is not in getRoutes: say whether it shows a person's data (and the path to test) or why not", p)
			continue
		}
		if (ra.path == "") == (ra.why == "") {
			t.Errorf("getRoutes[%q] needs either a path or a reason", p)
		}
	}
	for p := range getRoutes {
		if !slices.Contains(routes, p) {
			t.Errorf("getRoutes names %q, which the server does not register", p)
		}
	}
}

// auditFixture makes a client with something on every tab of the record,
// a second client to compare for a merge, a case with a task, a check-in
// shift where the client was ticked, and fills in the ids of the paths.
func auditFixture(t *testing.T, a *app, fx *storetest.Fixture) *strings.Replacer {
	t.Helper()
	ctx := fx.Ctx()
	admin := a.login(t, "admin", testPassword)
	c := &opora.Client{Surname: "Аудитов", FirstName: "Пётр", BranchID: fx.Branch.ID}
	other := &opora.Client{Surname: "Аудитов", FirstName: "Павел", BranchID: fx.Branch.ID}
	for _, x := range []*opora.Client{c, other} {
		if err := a.st.CreateClient(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	cid := idString(c.ID)
	n := &opora.Note{ClientID: c.ID, Body: "Просил помочь с паспортом"}
	if err := a.st.CreateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	types, err := a.st.DictionaryItems(ctx, opora.DictDocumentType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("document types: %v %d", err, len(types))
	}
	d := &opora.IdentityDocument{ClientID: c.ID, TypeID: types[0].ID, Series: "4510", Number: "123456"}
	if err := a.st.CreateIdentityDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if res := admin.postMultipart("/clients/"+cid+"/photo", nil, upload{"photo", "p.jpg", exifPhoto(t, 40, 30)}); res.Status != http.StatusSeeOther {
		t.Fatalf("photo: %d %s", res.Status, res.Body)
	}
	if res := admin.postMultipart("/clients/"+cid+"/files", nil, upload{"file", "scan.pdf", []byte("%PDF-1.4 scan")}); res.Status != http.StatusSeeOther {
		t.Fatalf("file: %d %s", res.Status, res.Body)
	}
	files, err := a.st.ClientFiles(ctx, c.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("files: %v %d", err, len(files))
	}
	forms, err := a.st.Forms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var form int64
	for _, f := range forms {
		if f.Repeatable {
			form = f.ID
		}
	}
	blank, err := a.st.BlankFilling(ctx, c.ID, form)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[int64][]string{}
	for _, f := range blank.Form.Fields() {
		if f.Required && len(f.Options) > 0 {
			answers[f.ID] = []string{idString(f.Options[0].ID)}
		}
	}
	filling, err := a.st.CreateFilling(ctx, c.ID, form, a.st.Today(), answers)
	if err != nil {
		t.Fatal(err)
	}
	stypes, err := a.st.ServiceTypes(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	sv := &opora.Service{TypeID: stypes[0].ID, Quantity: 1}
	if err := a.st.RecordServices(ctx, c.ID, a.st.Today(), []*opora.Service{sv}); err != nil {
		t.Fatal(err)
	}
	caseTypes, err := a.st.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil {
		t.Fatal(err)
	}
	taskTypes, err := a.st.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		t.Fatal(err)
	}
	k := &opora.Case{ClientID: c.ID, TypeID: caseTypes[0].ID, CuratorID: fx.Admin.ID, OpenedOn: a.st.Today()}
	if err := a.st.CreateCase(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	task := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, ResponsibleID: fx.Admin.ID, DueOn: a.st.Today().AddDate(0, 0, 7)}
	if err := a.st.AddTask(ctx, task); err != nil {
		t.Fatal(err)
	}

	// A certificate issued to the person (doctemplates.go).
	dts, err := a.st.DocTemplates(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var doctemplate int64
	for _, dt := range dts {
		if !dt.NeedsCase && !dt.NeedsFamily {
			doctemplate = dt.ID
		}
	}
	issued, err := a.st.IssueDocument(ctx, store.DocChoice{ClientID: c.ID, TemplateID: doctemplate})
	if err != nil {
		t.Fatal(err)
	}

	family := auditFamily(t, a, fx, c.ID)
	signal := auditSignal(t, a, fx)
	assessment := auditAssessment(t, a, fx, family)
	council, meeting := auditCouncil(t, a, fx)
	familyTask, familyTaskFile := auditFamilyTask(t, a, fx, family, admin)

	_, duty, shift := checkinPointAndShift(t, a, fx)
	tick := map[string]any{"ticks": []map[string]any{{"id": tickID(t), "person": "c" + cid, "item": 0}}}
	if res := duty.postJSON(shift+"/ticks", tick); res.Status != http.StatusOK {
		t.Fatalf("tick: %d %s", res.Status, res.Body)
	}
	persons, _, err := a.st.CheckinPersons(ctx, "", false, 0, 10)
	if err != nil || len(persons) != 1 {
		t.Fatalf("check-in persons: %v %d", err, len(persons))
	}
	return strings.NewReplacer("{client}", cid, "{other}", idString(other.ID), "{note}", idString(n.ID),
		"{document}", idString(d.ID), "{file}", idString(files[0].ID), "{form}", idString(form),
		"{filling}", idString(filling), "{service}", idString(sv.ID), "{case}", idString(k.ID),
		"{task}", idString(task.ID), "{family}", idString(family), "{signal}", idString(signal), "{assessment}", idString(assessment), "{council}", idString(council), "{meeting}", idString(meeting), "{shift}", strings.TrimPrefix(shift, "/checkin/"),
		"{task}", idString(task.ID), "{ftask}", idString(familyTask), "{ftaskfile}", idString(familyTaskFile), "{family}", idString(family), "{signal}", idString(signal), "{assessment}", idString(assessment), "{shift}", strings.TrimPrefix(shift, "/checkin/"),
		"{doctemplate}", idString(doctemplate), "{issued}", idString(issued.ID),
		"{person}", idString(persons[0].ID), "{day}", a.st.Today().Format("2006-01-02"))
}

// auditCount counts the audit rows of reads (views, prints, exports,
// downloads) of one record; id 0 counts those of any record of the entity.
func auditCount(t *testing.T, st *store.Store, entity string, id int64) int {
	t.Helper()
	var n int
	err := storetest.RawDB(t, st).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log
		WHERE entity = $1 AND ($2 = 0 OR entity_id = $2) AND action IN ($3, $4, $5, $6)`,
		entity, id, opora.ActionView, opora.ActionPrint, opora.ActionExport, opora.ActionDownload).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestClientDataRoutesAudited opens every GET route that shows a person's
// data on the fixture and checks that it wrote the audit row of that
// record: who read it is the page's user, which record and section the row
// says, never the values.
func TestClientDataRoutesAudited(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.st.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local) }
		ids := auditFixture(t, a, fx)
		admin := a.login(t, "admin", testPassword)
		for _, p := range registeredGETs(t, a.st) {
			ra := getRoutes[p]
			if ra.path == "" {
				continue
			}
			want := ra.want
			if len(want) == 0 {
				want = []string{"client {client}"}
			}
			type key struct {
				entity string
				id     int64
			}
			before := map[key]int{}
			for _, w := range want {
				entity, id, _ := strings.Cut(ids.Replace(w), " ")
				k := key{entity, mustInt(t, id)}
				before[k] = auditCount(t, a.st, k.entity, k.id)
			}
			path := ids.Replace(ra.path)
			res := admin.get(path)
			if res.Status != http.StatusOK {
				t.Errorf("%s: GET %s answered %d", p, path, res.Status)
				continue
			}
			for k, n := range before {
				if got := auditCount(t, a.st, k.entity, k.id); got <= n {
					t.Errorf("%s: GET %s wrote no audit row of %s %d", p, path, k.entity, k.id)
				}
			}
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// auditFamilyTask gives the audit family a curator (the fixture's
// administrator, so an open case) and a task in the administrator's own
// organisation's queue, marked done with a report and a document; it
// returns the task's id and the document's.
func auditFamilyTask(t *testing.T, a *app, fx *storetest.Fixture, family int64, admin *client) (int64, int64) {
	t.Helper()
	fctx := storetest.CtxOf(t, a.st, fx.Admin.ID)
	if err := a.st.AssignCurator(fctx, family, fx.Admin.ID); err != nil {
		t.Fatal(err)
	}
	types, err := a.st.CaseDictionary(fctx, opora.DictTaskType, false)
	if err != nil || len(types) == 0 {
		t.Fatalf("task types: %v", err)
	}
	task := &opora.Task{TypeID: types[0].ID, Description: "Место в детском саду", ResponsibleOrg: fx.Org.ID,
		DueOn: a.st.Today().AddDate(0, 0, 7)}
	if err := a.st.AddFamilyTask(fctx, family, task); err != nil {
		t.Fatal(err)
	}
	res := admin.postMultipart("/agency/tasks/"+idString(task.ID)+"/done",
		url.Values{"report": {"Место выделено"}, "done_on": {a.st.Today().String()}, "version": {"1"}},
		upload{"report_file", "направление.pdf", []byte("%PDF-1.4 направление")})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("done with a report: %d %s", res.Status, res.Body)
	}
	var file int64
	if err := storetest.RawDB(t, a.st).QueryRow(`SELECT report_file_id FROM case_tasks WHERE id = $1`, task.ID).Scan(&file); err != nil {
		t.Fatal(err)
	}
	return task.ID, file
}
