package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// apiCaller calls the API with a token, like another system would: no
// cookies, no browser headers. Every answer is checked against the OpenAPI
// document (the operation, the status it lists, the body's schema).
type apiCaller struct {
	t      *testing.T
	base   string
	token  string
	router routers.Router
}

func newAPICaller(t *testing.T, a *app, token string) *apiCaller {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	// The document names the server "/api/v1"; the test server's address
	// stands in for it.
	doc.Servers = openapi3.Servers{{URL: a.srv.URL + "/api/v1"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiCaller{t: t, base: a.srv.URL, token: token, router: r}
}

type apiAnswer struct {
	Status int
	Header http.Header
	Body   string
	JSON   map[string]any
}

func (c *apiCaller) call(method, path string, body any, headers ...string) apiAnswer {
	c.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := apiAnswer{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	_ = json.Unmarshal(b, &out.JSON)

	// The answer as the document describes it.
	if raw != nil {
		req.Body = io.NopCloser(bytes.NewReader(raw))
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s is not in openapi.json: %v", method, path, err)
		return out
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(b)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}); err != nil {
		c.t.Errorf("%s %s answered %d outside openapi.json: %v", method, path, res.StatusCode, err)
	}
	return out
}

var newTokenRe = regexp.MustCompile(`id="new-token">([^<]+)<`)

// The administrator issues a token on /admin/api-tokens (a form without a
// scope comes back with the error and the name kept), and another system
// lists the organisation's clients and reads one (the read is in the audit
// log, marked as the API's); a token without the clients' scope, no token,
// a browser's session cookie, a revoked and an expired token are refused;
// another organisation's client is 404.
func TestAPIClients(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Апиев", FirstName: "Илья", BranchID: fx.Branch.ID,
			BirthPrecision: opora.BirthExact, BirthDate: opora.NewDate(1980, time.May, 4)}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		other := storetest.AddOrg(t, a.st, ctx, "Другая НКО")
		stranger := &opora.Client{Surname: "Чужой", FirstName: "Пётр", BranchID: other.Branch.ID}
		if err := a.st.CreateClient(other.Ctx(), stranger); err != nil {
			t.Fatal(err)
		}

		admin := a.login(t, "admin", testPassword)
		res := admin.get("/admin/api-tokens")
		mustContain(t, res.Body, "<h1>Ключи API</h1>", "Ключей пока нет.", "Клиенты: чтение")
		// Without a number of days the form comes back with its error (it
		// answered 500 before: the error went into a nil map).
		res = admin.post("/admin/api-tokens", url.Values{"name": {"МИС поликлиники"}, "user": {idString(fx.Admin.ID)}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Укажите число дней от 1 до 366.") ||
			!strings.Contains(res.Body, `value="МИС поликлиники"`) {
			t.Fatalf("a token without days: %d", res.Status)
		}
		res = admin.post("/admin/api-tokens", url.Values{"name": {"МИС поликлиники"}, "user": {idString(fx.Admin.ID)}, "days": {"30"}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Отметьте хотя бы одну область доступа.") ||
			!strings.Contains(res.Body, `value="МИС поликлиники"`) {
			t.Fatalf("a token without scopes: %d", res.Status)
		}
		res = admin.post("/admin/api-tokens", url.Values{"name": {"МИС поликлиники"}, "user": {idString(fx.Admin.ID)},
			"days": {"30"}, "scopes": {string(opora.ScopeClientsRead)}})
		m := newTokenRe.FindStringSubmatch(res.Body)
		if res.Status != http.StatusOK || m == nil {
			t.Fatalf("create token: %d %s", res.Status, res.Body)
		}
		token := html.UnescapeString(m[1])
		if !strings.HasPrefix(token, "opora_") {
			t.Fatalf("token %q", token)
		}
		if res := admin.get("/admin/api-tokens"); strings.Contains(res.Body, token) || !strings.Contains(res.Body, "МИС поликлиники") {
			t.Errorf("the list shows the token itself, or not its name")
		}

		api := newAPICaller(t, a, token)
		got := api.call("GET", "/api/v1/clients", nil)
		if got.Status != http.StatusOK || !strings.Contains(got.Body, `"surname":"Апиев"`) || strings.Contains(got.Body, "Чужой") {
			t.Fatalf("list: %d %s", got.Status, got.Body)
		}
		got = api.call("GET", "/api/v1/clients/"+idString(c.ID), nil)
		if got.Status != http.StatusOK || got.JSON["birth_date"] != "1980-05-04" || got.Header.Get("ETag") != `"v1"` {
			t.Fatalf("client: %d %v %q", got.Status, got.JSON, got.Header.Get("ETag"))
		}
		entries, _, err := a.st.AuditEntries(ctx, opora.AuditFilter{Entity: "client", EntityID: c.ID, Action: opora.ActionView})
		if err != nil || !slices.ContainsFunc(entries, func(e *opora.AuditEntry) bool { return e.Section == "api" && e.UserID == fx.Admin.ID }) {
			t.Errorf("the API's read is not in the audit log: %v %v", err, entries)
		}
		if got := api.call("GET", "/api/v1/clients/"+idString(stranger.ID), nil); got.Status != http.StatusNotFound {
			t.Errorf("another organisation's client: %d", got.Status)
		}
		if got := api.call("GET", "/api/v1/clients?limit=500", nil); got.Status != http.StatusBadRequest ||
			!strings.Contains(got.Body, "limit — целое число от 1 до 200") {
			t.Errorf("limit 500: %d %s", got.Status, got.Body)
		}
		if got := api.call("GET", "/api/v1/tasks", nil); got.Status != http.StatusForbidden ||
			!strings.Contains(got.Body, "не дана область доступа") {
			t.Errorf("a call outside the token's scopes: %d %s", got.Status, got.Body)
		}
		if got := newAPICaller(t, a, "").call("GET", "/api/v1/clients", nil); got.Status != http.StatusUnauthorized ||
			got.Header.Get("WWW-Authenticate") == "" || got.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("no token: %d %v", got.Status, got.Header)
		}
		if res := admin.get("/api/v1/clients"); res.Status != http.StatusUnauthorized {
			t.Errorf("a browser's session calls the API: %d", res.Status)
		}
		if got := api.call("GET", "/api/v1/clients", nil, "Accept-Language", "en"); !strings.Contains(got.Body, "Апиев") {
			t.Errorf("English caller: %d", got.Status)
		}

		// Expired: the clock moves past the 30 days.
		now := a.st.Now
		a.st.Now = func() time.Time { return now().AddDate(0, 0, 31) }
		if got := api.call("GET", "/api/v1/clients", nil, "Accept-Language", "en"); got.Status != http.StatusUnauthorized ||
			!strings.Contains(got.Body, "The API token has expired.") {
			t.Errorf("expired token: %d %s", got.Status, got.Body)
		}
		a.st.Now = now

		tokens, err := a.st.APITokens(ctx)
		if err != nil || len(tokens) != 1 || tokens[0].LastUsedAt.IsZero() {
			t.Fatalf("tokens: %v %+v", err, tokens)
		}
		if res := admin.post("/admin/api-tokens/"+idString(tokens[0].ID)+"/revoke", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.Status)
		}
		if got := api.call("GET", "/api/v1/clients", nil); got.Status != http.StatusUnauthorized ||
			!strings.Contains(got.Body, "не найден или отозван") {
			t.Errorf("revoked token: %d %s", got.Status, got.Body)
		}
		mustContain(t, admin.get("/admin/api-tokens").Body, "отозван")
		// Another organisation's administrator cannot revoke it.
		if err := a.st.RevokeAPIToken(other.Ctx(), tokens[0].ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("revoke from another organisation: %v", err)
		}
	})
}

// The kindergarten's system works its board through the API: lists the
// task, accepts it only with the ETag it read (428 without, 412 stale), a
// report without text is 422 with the field, done with a report; the
// curator sees it done. The police's token, whose agency has no task,
// gets 404 for the family and the task.
func TestAPITasks(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		g := newGardenFamily(t, a, fx)
		issue := func(u *opora.User, scopes ...opora.APIScope) string {
			sys := opora.SystemActor(u.OrganisationID)
			sys.UserID = u.ID
			tok, err := a.st.CreateAPIToken(opora.WithActor(context.Background(), sys),
				&opora.APIToken{Name: "ИС ведомства", UserID: u.ID, Scopes: scopes, ExpiresAt: a.st.Now().AddDate(0, 0, 10)})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		garden := newAPICaller(t, a, issue(g.head, opora.ScopeTasksRead, opora.ScopeTasksWrite, opora.ScopeFamiliesRead))
		gardenAdmin := opora.SystemActor(g.head.OrganisationID)
		gardenAdmin.UserID = g.head.ID
		gardenCtx := opora.WithActor(context.Background(), gardenAdmin)
		if _, err := a.st.CreateWebhook(gardenCtx, &opora.Webhook{URL: "https://kindergarten.example/hooks",
			Events: []opora.WebhookEvent{opora.EventTaskStatus}}); err != nil {
			t.Fatal(err)
		}
		police := newAPICaller(t, a, issue(g.police, opora.ScopeTasksRead, opora.ScopeFamiliesRead))
		task := "/api/v1/tasks/" + idString(g.task)

		got := garden.call("GET", "/api/v1/tasks", nil)
		if got.Status != http.StatusOK || !strings.Contains(got.Body, "Место в детском саду для Ани") {
			t.Fatalf("board: %d %s", got.Status, got.Body)
		}
		got = garden.call("GET", task, nil)
		etag := got.Header.Get("ETag")
		if got.Status != http.StatusOK || got.JSON["status"] != "planned" || etag == "" {
			t.Fatalf("task: %d %s", got.Status, got.Body)
		}
		if got := garden.call("GET", "/api/v1/families/"+idString(g.family), nil); got.Status != http.StatusOK ||
			!strings.Contains(got.Body, "Кузнецова") {
			t.Errorf("the family of the agency's task: %d %s", got.Status, got.Body)
		}
		if got := garden.call("POST", task+"/accept", nil); got.Status != http.StatusPreconditionRequired {
			t.Errorf("accept without If-Match: %d", got.Status)
		}
		if got := garden.call("POST", task+"/accept", nil, "If-Match", `"v99"`); got.Status != http.StatusPreconditionFailed {
			t.Errorf("accept with a stale ETag: %d %s", got.Status, got.Body)
		}
		got = garden.call("POST", task+"/accept", nil, "If-Match", etag)
		if got.Status != http.StatusOK || got.JSON["status"] != "accepted" || got.Header.Get("ETag") == etag {
			t.Fatalf("accept: %d %s", got.Status, got.Body)
		}
		etag = got.Header.Get("ETag")
		// The kindergarten's system is told of the move, by ids and codes.
		hooks, err := a.st.Webhooks(gardenCtx)
		if err != nil || len(hooks) != 1 {
			t.Fatalf("webhooks: %v %d", err, len(hooks))
		}
		if log, err := a.st.WebhookDeliveries(gardenCtx, hooks[0].ID, 10); err != nil || len(log) != 1 ||
			!strings.Contains(log[0].Payload, `"status":"accepted"`) || !strings.Contains(log[0].Payload, `"previous_status":"planned"`) ||
			strings.Contains(log[0].Payload, "Аня") {
			t.Errorf("the webhook's message: %v %+v", err, log)
		}
		got = garden.call("POST", task+"/complete", map[string]string{"report": " "}, "If-Match", etag)
		if errs, _ := got.JSON["errors"].(map[string]any); got.Status != http.StatusUnprocessableEntity || len(errs) == 0 {
			t.Errorf("done without a report: %d %s", got.Status, got.Body)
		}
		if got := garden.call("POST", task+"/complete", map[string]string{"report": "x", "colour": "red"}, "If-Match", etag); got.Status != http.StatusBadRequest {
			t.Errorf("an unknown field: %d", got.Status)
		}
		got = garden.call("POST", task+"/complete", map[string]string{"report": "Место в группе «Солнышко» выделено"}, "If-Match", etag)
		if got.Status != http.StatusOK || got.JSON["status"] != "done" || got.JSON["report"] != "Место в группе «Солнышко» выделено" {
			t.Fatalf("done: %d %s", got.Status, got.Body)
		}
		tasks, err := a.st.FamilyTasks(g.curatorCtx, g.family)
		if err != nil || len(tasks) != 1 || tasks[0].Status != opora.TaskDone {
			t.Errorf("the curator's view of the task: %v %+v", err, tasks)
		}
		if got := garden.call("POST", task+"/return", map[string]string{"reason": opora.ReturnRefused}, "If-Match", got.Header.Get("ETag")); got.Status != http.StatusUnprocessableEntity && got.Status != http.StatusConflict {
			t.Errorf("return a done task: %d", got.Status)
		}

		if got := police.call("GET", task, nil); got.Status != http.StatusNotFound {
			t.Errorf("the police read the kindergarten's task: %d", got.Status)
		}
		if got := police.call("GET", "/api/v1/families/"+idString(g.family), nil); got.Status != http.StatusNotFound {
			t.Errorf("the police read the family: %d", got.Status)
		}
		if got := police.call("POST", task+"/accept", nil, "If-Match", etag); got.Status != http.StatusForbidden {
			t.Errorf("the police's token without tasks:write: %d", got.Status)
		}
	})
}

// TestAPIRoutesDescribed: every /api/v1 route the server registers is an
// operation of openapi.json, and every operation there is a registered
// route.
func TestAPIRoutesDescribed(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("openapi.json does not validate: %v", err)
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" /api/v1"+path] = true
		}
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		mux := &router{ServeMux: http.NewServeMux()}
		newApp(t, st).web.routes(mux)
		registered := map[string]bool{}
		for _, p := range mux.patterns {
			if method, path, ok := strings.Cut(p, " "); ok && strings.HasPrefix(path, "/api/") {
				p = method + " " + path
				registered[p] = true
				if !described[p] {
					t.Errorf("route %q is not described in openapi.json", p)
				}
			}
		}
		for p := range described {
			if !registered[p] {
				t.Errorf("openapi.json describes %q, which the server does not register", p)
			}
		}
	})
}

// The administrator adds a webhook on /admin/webhooks: a bad address comes
// back with the error next to the field and the value kept; a good one
// shows its secret once; its delivery log opens, it can be stopped; another
// organisation's administrator gets 404 for it.
func TestWebhookPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		mustContain(t, admin.get("/admin").Body, `href="/admin/webhooks"`, `href="/admin/api-tokens"`)
		res := admin.get("/admin/webhooks")
		mustContain(t, res.Body, "<h1>Вебхуки</h1>", "Вебхуков пока нет.", "Смена статуса задачи семьи", "Новый сигнал")
		res = admin.post("/admin/webhooks", url.Values{"url": {"kdn.example/hooks"}, "events": {string(opora.EventSignalCreated)}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-url"`) ||
			!strings.Contains(res.Body, `value="kdn.example/hooks"`) {
			t.Fatalf("a bad address: %d", res.Status)
		}
		res = admin.post("/admin/webhooks", url.Values{"url": {"https://kdn.example/hooks"}, "events": {string(opora.EventSignalCreated)}})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `id="new-secret">whsec_`) {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		hooks, err := a.st.Webhooks(fx.Ctx())
		if err != nil || len(hooks) != 1 {
			t.Fatalf("hooks: %v %d", err, len(hooks))
		}
		page := "/admin/webhooks/" + idString(hooks[0].ID)
		mustContain(t, admin.get(page).Body, "Журнал доставки", "https://kdn.example/hooks", "Сообщений пока не было.")
		if res := admin.post(page+"/disable", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("stop: %d", res.Status)
		}
		mustContain(t, admin.get(page).Body, "остановлен", "Возобновить")
		if res := admin.get("/admin/webhooks"); strings.Contains(res.Body, "whsec_") {
			t.Errorf("the list shows the secret")
		}
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		stranger := a.login(t, other.Admin.Login, testPassword)
		if res := stranger.get(page); res.Status != http.StatusNotFound {
			t.Errorf("another organisation opens the log: %d", res.Status)
		}
		if res := stranger.post(page+"/enable", nil); res.Status != http.StatusNotFound {
			t.Errorf("another organisation resumes it: %d", res.Status)
		}
	})
}

// issueToken gives user u a token with scopes, as their organisation's
// administrator would.
func issueToken(t *testing.T, a *app, u *opora.User, scopes ...opora.APIScope) string {
	t.Helper()
	sys := opora.SystemActor(u.OrganisationID)
	sys.UserID = u.ID
	tok, err := a.st.CreateAPIToken(opora.WithActor(context.Background(), sys),
		&opora.APIToken{Name: "ИС", UserID: u.ID, Scopes: scopes, ExpiresAt: a.st.Now().AddDate(0, 0, 10)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Another system records services for a client (all or none: a day
// outside the back-dating window records nothing), reads them and the
// client's cases, each read audit-logged; a school's system sends a
// signal that reaches the КДН's inbox, sees its status only, while the
// КДН's system reads it whole.
func TestAPIServicesCasesSignals(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Услугин", FirstName: "Олег", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		caseTypes, err := a.st.CaseDictionary(ctx, opora.DictCaseType, false)
		if err != nil {
			t.Fatal(err)
		}
		k := &opora.Case{ClientID: c.ID, TypeID: caseTypes[0].ID, CuratorID: fx.Admin.ID, OpenedOn: a.st.Today()}
		if err := a.st.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		api := newAPICaller(t, a, issueToken(t, a, fx.Admin, opora.ScopeServicesRead, opora.ScopeServicesWrite, opora.ScopeCasesRead))
		cid := idString(c.ID)

		got := api.call("GET", "/api/v1/service-types", nil)
		items, _ := got.JSON["items"].([]any)
		if got.Status != http.StatusOK || len(items) == 0 {
			t.Fatalf("service types: %d %s", got.Status, got.Body)
		}
		var typeID float64
		for _, it := range items {
			m := it.(map[string]any)
			if m["has_amount"] == false && m["comment_required"] == false {
				typeID = m["id"].(float64)
				break
			}
		}
		if typeID == 0 {
			t.Fatal("no plain service type")
		}
		got = api.call("POST", "/api/v1/clients/"+cid+"/services", map[string]any{"rendered_on": "2001-01-01",
			"items": []map[string]any{{"type_id": typeID}}})
		if errs, _ := got.JSON["errors"].(map[string]any); got.Status != http.StatusUnprocessableEntity || errs["rendered_on"] == nil {
			t.Errorf("a day outside the window: %d %s", got.Status, got.Body)
		}
		got = api.call("POST", "/api/v1/clients/"+cid+"/services", map[string]any{"items": []map[string]any{{"type_id": typeID}}})
		if got.Status != http.StatusCreated || !strings.Contains(got.Body, `"quantity":1`) || !strings.Contains(got.Body, `"rendered_on":"`+a.st.Today().String()) {
			t.Fatalf("record: %d %s", got.Status, got.Body)
		}
		got = api.call("GET", "/api/v1/clients/"+cid+"/services", nil)
		if got.Status != http.StatusOK || got.JSON["total"] != float64(1) {
			t.Errorf("services: %d %s", got.Status, got.Body)
		}
		got = api.call("GET", "/api/v1/clients/"+cid+"/cases", nil)
		if got.Status != http.StatusOK || got.JSON["total"] != float64(1) || !strings.Contains(got.Body, `"status":"open"`) {
			t.Errorf("cases: %d %s", got.Status, got.Body)
		}
		if got := api.call("GET", "/api/v1/cases/"+idString(k.ID), nil); got.Status != http.StatusOK || got.Header.Get("ETag") == "" {
			t.Errorf("case: %d %s", got.Status, got.Body)
		}
		if got := api.call("GET", "/api/v1/clients", nil); got.Status != http.StatusForbidden {
			t.Errorf("clients without clients:read: %d", got.Status)
		}
		entries, _, err := a.st.AuditEntries(ctx, opora.AuditFilter{Entity: "client", EntityID: c.ID, Action: opora.ActionView})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"api services", "api cases", "api case " + idString(k.ID)} {
			if !slices.ContainsFunc(entries, func(e *opora.AuditEntry) bool { return e.Section == want }) {
				t.Errorf("no audit row %q", want)
			}
		}

		// Signals.
		terr := func(kind opora.TerritoryKind, parent int64, name string) int64 {
			tr := &opora.Territory{Kind: kind, ParentID: parent, Name: name}
			if err := a.st.SaveTerritory(ctx, tr); err != nil {
				t.Fatal(err)
			}
			return tr.ID
		}
		region := terr(opora.TerritoryRegion, 0, "Область")
		north := terr(opora.TerritoryMunicipality, region, "Северный район")
		kdn := storetest.AddAgencyIn(t, a.st, ctx, "КДН Северного района", opora.OrgKDN, north)
		school := storetest.AddAgencyIn(t, a.st, ctx, "Школа № 5", opora.OrgSchool, north)
		sec, _ := kdn.AddUser(t, "sec", "kdn_secretary")
		teacher, _ := school.AddUser(t, "teacher", "agency_specialist")
		schoolAPI := newAPICaller(t, a, issueToken(t, a, teacher, opora.ScopeSignalsRead, opora.ScopeSignalsWrite))
		kdnAPI := newAPICaller(t, a, issueToken(t, a, sec, opora.ScopeSignalsRead))

		got = schoolAPI.call("POST", "/api/v1/signals", map[string]any{"description": "Не ходит в школу"})
		if errs, _ := got.JSON["errors"].(map[string]any); got.Status != http.StatusUnprocessableEntity || len(errs) == 0 {
			t.Errorf("a signal without a municipality: %d %s", got.Status, got.Body)
		}
		got = schoolAPI.call("POST", "/api/v1/signals", map[string]any{"territory_id": north, "description": "Не ходит в школу две недели",
			"surname": "Сидоровы", "address": "ул. Ленина, 7", "children": []map[string]any{{"name": "Петя", "birth_date": "2015-03-01"}}})
		if got.Status != http.StatusCreated || got.Header.Get("Location") == "" || got.JSON["limited"] != true ||
			strings.Contains(got.Body, "Сидоровы") {
			t.Fatalf("register: %d %s", got.Status, got.Body)
		}
		loc := got.Header.Get("Location")
		if got := schoolAPI.call("GET", "/api/v1/signals", nil); got.JSON["total"] != float64(1) {
			t.Errorf("reported: %s", got.Body)
		}
		if got := schoolAPI.call("GET", "/api/v1/signals/inbox", nil); got.Status != http.StatusForbidden {
			t.Errorf("the school reads the inbox: %d", got.Status)
		}
		got = kdnAPI.call("GET", "/api/v1/signals/inbox", nil)
		if got.Status != http.StatusOK || got.JSON["total"] != float64(1) || strings.Contains(got.Body, "Петя") {
			t.Errorf("inbox: %d %s", got.Status, got.Body)
		}
		got = kdnAPI.call("GET", loc, nil)
		if got.Status != http.StatusOK || got.JSON["surname"] != "Сидоровы" || !strings.Contains(got.Body, `"birth_date":"2015-03-01"`) {
			t.Errorf("the КДН reads the signal: %d %s", got.Status, got.Body)
		}
		if got := kdnAPI.call("POST", "/api/v1/signals", map[string]any{"territory_id": north, "description": "x"}); got.Status != http.StatusForbidden {
			t.Errorf("a read-only token registers: %d", got.Status)
		}
	})
}
