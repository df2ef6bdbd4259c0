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
