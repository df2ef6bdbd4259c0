package web

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The REST API /api/v1 (issue 24 item 4). A call carries an API token
// (Authorization: Bearer opora_…) and acts as the token's user within the
// token's scopes: the handlers call the same store methods as the web
// pages, so permissions, per-object access and the audit of reads are the
// pages' own. Cookies are ignored here (withSession skips /api/), so a
// browser's session cannot be used from another site. Errors are RFC 9457
// problem documents; the document of the API is api/openapi.json, served
// at /api/v1/openapi.json, and TestAPIRoutesDescribed keeps it and the
// route table the same.

//go:embed api/openapi.json
var openAPIDocument []byte

// apiRoutes registers the API's routes.
func (s *Server) apiRoutes(mux *router) {
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		requestInfo(r.Context()).route = r.Pattern
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPIDocument)
	})
	mux.Handle("GET /api/v1/clients", s.api(opora.ScopeClientsRead, s.apiClients))
	mux.Handle("GET /api/v1/clients/{id}", s.api(opora.ScopeClientsRead, s.apiClient))
	mux.Handle("GET /api/v1/clients/{id}/services", s.api(opora.ScopeServicesRead, s.apiClientServices))
	mux.Handle("POST /api/v1/clients/{id}/services", s.api(opora.ScopeServicesWrite, s.apiRecordServices))
	mux.Handle("GET /api/v1/service-types", s.api(opora.ScopeServicesRead, s.apiServiceTypes))
	mux.Handle("GET /api/v1/clients/{id}/cases", s.api(opora.ScopeCasesRead, s.apiClientCases))
	mux.Handle("GET /api/v1/cases/{id}", s.api(opora.ScopeCasesRead, s.apiCase))
	mux.Handle("GET /api/v1/families/{id}", s.api(opora.ScopeFamiliesRead, s.apiFamily))
	mux.Handle("GET /api/v1/signals", s.api(opora.ScopeSignalsRead, s.apiSignals(false)))
	mux.Handle("GET /api/v1/signals/inbox", s.api(opora.ScopeSignalsRead, s.apiSignals(true)))
	mux.Handle("GET /api/v1/signals/{id}", s.api(opora.ScopeSignalsRead, s.apiSignal))
	mux.Handle("POST /api/v1/signals", s.api(opora.ScopeSignalsWrite, s.apiRegisterSignal))
	mux.Handle("GET /api/v1/tasks", s.api(opora.ScopeTasksRead, s.apiTasks))
	mux.Handle("GET /api/v1/tasks/{id}", s.api(opora.ScopeTasksRead, s.apiTask))
	mux.Handle("POST /api/v1/tasks/{id}/accept", s.api(opora.ScopeTasksWrite, s.apiTaskMove("accept")))
	mux.Handle("POST /api/v1/tasks/{id}/start", s.api(opora.ScopeTasksWrite, s.apiTaskMove("start")))
	mux.Handle("POST /api/v1/tasks/{id}/complete", s.api(opora.ScopeTasksWrite, s.apiTaskMove("complete")))
	mux.Handle("POST /api/v1/tasks/{id}/return", s.api(opora.ScopeTasksWrite, s.apiTaskMove("return")))
}

// apiError is an error the API answers with its own status.
type apiError struct {
	status int
	title  string // catalog key
	fields map[string]string
}

func (e *apiError) Error() string { return fmt.Sprintf("api %d %s", e.status, e.title) }

// problem is an RFC 9457 problem document. Detail is in the language the
// caller's Accept-Language asks for (Russian when none); Errors maps an
// invalid field to its message.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Code   string            `json:"code"`
	Errors map[string]string `json:"errors,omitempty"`
}

// api wraps an API handler: authenticates the bearer token, checks its
// scope, loads its user as the actor and answers errors as problems.
func (s *Server) api(scope opora.APIScope, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		info := requestInfo(ctx)
		info.route = r.Pattern
		h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		h = strings.TrimSpace(h)
		if !ok || !strings.HasPrefix(h, opora.APITokenPrefix) {
			s.apiFail(w, r, &apiError{status: http.StatusUnauthorized, title: "api.error.no_token"})
			return
		}
		t, err := s.store.APITokenByHash(ctx, auth.HashToken(h))
		if err != nil && opora.ErrorCode(err) != opora.ENOTFOUND {
			s.apiFail(w, r, err)
			return
		}
		switch {
		case err != nil || !t.RevokedAt.IsZero():
			s.apiFail(w, r, &apiError{status: http.StatusUnauthorized, title: "api.error.bad_token"})
			return
		case !t.Active(s.store.Now()):
			s.apiFail(w, r, &apiError{status: http.StatusUnauthorized, title: "api.error.expired_token"})
			return
		}
		a, err := s.store.Actor(ctx, t.UserID)
		if err != nil {
			// The token's user was disabled or removed: the token is dead too.
			s.apiFail(w, r, &apiError{status: http.StatusUnauthorized, title: "api.error.bad_token"})
			return
		}
		info.userID = a.UserID
		ctx = opora.WithActor(ctx, a)
		r = r.WithContext(ctx)
		if !t.Has(scope) {
			s.apiFail(w, r, &apiError{status: http.StatusForbidden, title: "api.error.scope"})
			return
		}
		if r.Method == http.MethodGet {
			r = r.WithContext(store.WithReadMemo(r.Context()))
		}
		if err := fn(w, r); err != nil {
			s.apiFail(w, r, err)
		}
	})
}

// apiFail answers an error as a problem document.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if ctx.Err() != nil {
		w.WriteHeader(statusClientClosed)
		return
	}
	l := s.loc(r)
	p := problem{Type: "about:blank"}
	var ae *apiError
	var de *opora.Error
	switch {
	case errors.As(err, &ae):
		p.Status, p.Code, p.Detail = ae.status, strings.TrimPrefix(ae.title, "api.error."), l.T(ae.title)
		for f, k := range ae.fields {
			if p.Errors == nil {
				p.Errors = map[string]string{}
			}
			p.Errors[f] = l.T(k)
		}
	case errors.As(err, &de) && de.Code != opora.EINTERNAL:
		p.Code = de.Code
		switch de.Code {
		case opora.ENOTFOUND:
			p.Status = http.StatusNotFound
		case opora.EFORBIDDEN:
			p.Status = http.StatusForbidden
			if aerr := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "route",
				Section: r.Method + " " + r.Pattern}); aerr != nil {
				s.log.Error("audit denied failed", "request_id", requestID(ctx), "err", aerr)
			}
		case opora.EINVALID:
			p.Status = http.StatusUnprocessableEntity
			for f, k := range de.Fields {
				if p.Errors == nil {
					p.Errors = map[string]string{}
				}
				p.Errors[f] = l.T(k)
			}
		case opora.ECONFLICT:
			p.Status = http.StatusConflict
		default:
			p.Status = http.StatusBadRequest
		}
		args := make([]any, 0, 2*len(de.Args))
		for k, v := range de.Args {
			args = append(args, k, v)
		}
		p.Detail = l.T(de.Message, args...)
	default:
		s.log.Error("api request failed", "request_id", requestID(ctx), "route", r.Pattern, "err", err)
		p.Status, p.Code, p.Detail = http.StatusInternalServerError, opora.EINTERNAL, l.T("error.internal")
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="opora"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// apiJSON writes v with status 200 and, when version > 0, its ETag.
func apiJSON(w http.ResponseWriter, version int, v any) error {
	if version > 0 {
		w.Header().Set("ETag", etag(version))
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// etag is the entity tag of a record's version.
func etag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

// ifMatch reads the version an update is based on from If-Match: 428
// without one, 412 when it does not name a version.
func ifMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, &apiError{status: http.StatusPreconditionRequired, title: "api.error.if_match_required"}
	}
	v, err := strconv.Atoi(strings.TrimPrefix(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), "v"))
	if err != nil || v <= 0 {
		return 0, &apiError{status: http.StatusPreconditionFailed, title: "api.error.stale"}
	}
	return v, nil
}

// page reads limit (1–200, default 50) and offset from the query.
func apiPage(r *http.Request) (limit, offset int, err error) {
	limit, offset = 50, 0
	q := r.URL.Query()
	bad := map[string]string{}
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 200 {
			bad["limit"] = "api.error.limit"
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			bad["offset"] = "api.error.offset"
		}
		offset = n
	}
	if len(bad) > 0 {
		return 0, 0, &apiError{status: http.StatusBadRequest, title: "api.error.bad_query", fields: bad}
	}
	return limit, offset, nil
}

// Representations. Field names are snake_case; dates are YYYY-MM-DD,
// times RFC 3339 in UTC; an unknown value is left out.

type apiClientJSON struct {
	ID             int64  `json:"id"`
	Surname        string `json:"surname"`
	FirstName      string `json:"first_name"`
	Patronymic     string `json:"patronymic,omitempty"`
	BirthDate      string `json:"birth_date,omitempty"`
	BirthYear      int    `json:"birth_year,omitempty"`
	Gender         string `json:"gender,omitempty"`
	HomelessStatus string `json:"homeless_status,omitempty"`
	BranchID       int64  `json:"branch_id,omitempty"`
	ResponsibleID  int64  `json:"responsible_id,omitempty"`
	Version        int    `json:"version"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

func apiDate(d opora.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func apiClientOf(c *opora.Client) apiClientJSON {
	out := apiClientJSON{ID: c.ID, Surname: c.Surname, FirstName: c.FirstName, Patronymic: c.Patronymic,
		BirthYear: c.BirthYear, Gender: string(c.Gender), HomelessStatus: string(c.HomelessStatus),
		BranchID: c.BranchID, ResponsibleID: c.ResponsibleID, Version: c.Version,
		CreatedAt: apiTime(c.CreatedAt), UpdatedAt: apiTime(c.UpdatedAt)}
	if c.BirthPrecision == opora.BirthExact {
		out.BirthDate = apiDate(c.BirthDate)
	}
	return out
}

type apiListJSON[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// apiClients lists the clients the token's user may read, newest first.
// The list is audit-logged as one read of the list page.
func (s *Server) apiClients(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := apiPage(r)
	if err != nil {
		return err
	}
	cs, total, err := s.store.Clients(r.Context(), store.ClientFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	ids := make([]string, len(cs))
	out := apiListJSON[apiClientJSON]{Items: []apiClientJSON{}, Total: total, Limit: limit, Offset: offset}
	for i, c := range cs {
		out.Items = append(out.Items, apiClientOf(c))
		ids[i] = strconv.FormatInt(c.ID, 10)
	}
	if err := s.store.LogAudit(r.Context(), &opora.AuditEntry{Action: opora.ActionView, Entity: "client",
		Section: "api list " + strings.Join(ids, " ")}); err != nil {
		return err
	}
	return apiJSON(w, 0, out)
}

// apiClient returns one client's profile; the read is audit-logged as a
// view of the profile through the API.
func (s *Server) apiClient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.store.ViewClient(r.Context(), id, "api")
	if err != nil {
		return err
	}
	if c.Deleted() || c.MergedInto != 0 {
		return opora.ErrNotFound
	}
	return apiJSON(w, c.Version, apiClientOf(c))
}

type apiMemberJSON struct {
	ClientID  int64  `json:"client_id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	BirthDate string `json:"birth_date,omitempty"`
	BirthYear int    `json:"birth_year,omitempty"`
	JoinedOn  string `json:"joined_on,omitempty"`
	LeftOn    string `json:"left_on,omitempty"`
}

type apiFamilyJSON struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name,omitempty"`
	Organisation string          `json:"organisation"`
	Municipality string          `json:"municipality,omitempty"`
	Address      string          `json:"address,omitempty"`
	Status       string          `json:"status,omitempty"`
	StatusLabel  string          `json:"status_label,omitempty"`
	StatusSince  string          `json:"status_since,omitempty"`
	Curator      string          `json:"curator,omitempty"`
	Members      []apiMemberJSON `json:"members"`
	Version      int             `json:"version"`
	UpdatedAt    string          `json:"updated_at"`
}

// apiFamily returns a family's card within the sections the caller's
// organisation may read (the store blanks the others and logs the view
// with its reason).
func (s *Server) apiFamily(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.store.Family(r.Context(), id)
	if err != nil {
		return err
	}
	if f.MergedInto != 0 {
		return opora.ErrNotFound
	}
	out := apiFamilyJSON{ID: f.ID, Name: f.Name, Organisation: f.OrgName, Municipality: f.TerritoryName,
		Address: f.Address, Status: f.StatusKey, StatusLabel: f.StatusLabel, StatusSince: apiDate(f.StatusSince),
		Curator: f.CuratorName, Members: []apiMemberJSON{}, Version: f.Version, UpdatedAt: apiTime(f.UpdatedAt)}
	for _, m := range f.Members {
		mj := apiMemberJSON{ClientID: m.ClientID, Role: string(m.Role), JoinedOn: apiDate(m.JoinedOn), LeftOn: apiDate(m.LeftOn)}
		if m.Client != nil {
			mj.Name = m.Client.FullName()
			mj.BirthYear = m.Client.BirthYear
			if m.Client.BirthPrecision == opora.BirthExact {
				mj.BirthDate = apiDate(m.Client.BirthDate)
			}
		}
		out.Members = append(out.Members, mj)
	}
	return apiJSON(w, f.Version, out)
}

type apiTaskJSON struct {
	ID            int64  `json:"id"`
	FamilyID      int64  `json:"family_id"`
	Family        string `json:"family,omitempty"`
	Type          string `json:"type"`
	Description   string `json:"description,omitempty"`
	Agency        string `json:"agency,omitempty"`
	AssigneeID    int64  `json:"assignee_id,omitempty"`
	Assignee      string `json:"assignee,omitempty"`
	StartOn       string `json:"start_on,omitempty"`
	DueOn         string `json:"due_on,omitempty"`
	DoneOn        string `json:"done_on,omitempty"`
	Status        string `json:"status"`
	Report        string `json:"report,omitempty"`
	ReturnReason  string `json:"return_reason,omitempty"`
	ReturnComment string `json:"return_comment,omitempty"`
	ProposedDueOn string `json:"proposed_due_on,omitempty"`
	Version       int    `json:"version"`
	UpdatedAt     string `json:"updated_at"`
}

func apiTaskOf(t *opora.Task) apiTaskJSON {
	out := apiTaskJSON{ID: t.ID, FamilyID: t.FamilyID, Family: t.FamilyName, Type: t.TypeLabel,
		Description: t.Description, Agency: t.Responsible, AssigneeID: t.AssigneeID, Assignee: t.AssigneeName,
		StartOn: apiDate(t.StartOn), DueOn: apiDate(t.DueOn), DoneOn: apiDate(t.DoneOn), Status: string(t.Status),
		Version: t.Version, UpdatedAt: apiTime(t.UpdatedAt)}
	if t.Insider {
		// The report and the return's comment are the agency's and the
		// curator's, as on the task page.
		out.Report, out.ReturnComment = t.Report, t.ReturnComment
		out.ReturnReason, out.ProposedDueOn = t.ReturnReason, apiDate(t.ProposedDueOn)
	}
	return out
}

// apiTasks lists the tasks in the token user's organisation's queue (the
// agency's board); ?mine=1 only those assigned to the user.
func (s *Server) apiTasks(w http.ResponseWriter, r *http.Request) error {
	var f store.AgencyTaskFilter
	switch r.URL.Query().Get("mine") {
	case "", "0", "false":
	case "1", "true":
		f.AssigneeID = opora.ActorFrom(r.Context()).UserID
	default:
		return &apiError{status: http.StatusBadRequest, title: "api.error.bad_query",
			fields: map[string]string{"mine": "error.invalid_choice"}}
	}
	ts, err := s.store.AgencyTasks(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiListJSON[apiTaskJSON]{Items: []apiTaskJSON{}, Total: len(ts), Limit: len(ts)}
	for _, t := range ts {
		out.Items = append(out.Items, apiTaskOf(t))
	}
	return apiJSON(w, 0, out)
}

// apiTask returns one family task the caller reaches (its agency's, or
// through the family); the view is audit-logged by the store.
func (s *Server) apiTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.store.AgencyTask(r.Context(), id)
	if err != nil {
		return err
	}
	return apiJSON(w, t.Version, apiTaskOf(t))
}

// apiTaskMoveBody is the body of complete and return.
type apiTaskMoveBody struct {
	Report        string `json:"report"`
	DoneOn        string `json:"done_on"`
	Reason        string `json:"reason"`
	Comment       string `json:"comment"`
	ProposedDueOn string `json:"proposed_due_on"`
}

// apiTaskMove moves a task along its statuses as the agency's board does.
// If-Match must carry the version the caller read: 412 when the task has
// moved on since.
func (s *Server) apiTaskMove(move string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		version, err := ifMatch(r)
		if err != nil {
			return err
		}
		var body apiTaskMoveBody
		if move == "complete" || move == "return" {
			if err := decodeBody(r, &body); err != nil {
				return err
			}
		}
		switch move {
		case "accept":
			err = s.store.AcceptTask(ctx, id, version)
		case "start":
			err = s.store.StartTask(ctx, id, version)
		case "complete":
			var done opora.Date
			if done, err = apiDateField("done_on", body.DoneOn); err != nil {
				return err
			}
			if done.IsZero() {
				done = s.store.Today()
			}
			err = s.store.CompleteTask(ctx, id, version, opora.TaskReport{Text: body.Report, DoneOn: done}, nil)
		case "return":
			var due opora.Date
			if due, err = apiDateField("proposed_due_on", body.ProposedDueOn); err != nil {
				return err
			}
			err = s.store.ReturnTask(ctx, id, version, opora.TaskReturn{Reason: body.Reason, Comment: body.Comment, ProposedDueOn: due})
		}
		var de *opora.Error
		if errors.As(err, &de) && de.Message == "tasks.error.changed" {
			return &apiError{status: http.StatusPreconditionFailed, title: "api.error.stale"}
		}
		if err != nil {
			return err
		}
		t, err := s.store.AgencyTask(ctx, id)
		if err != nil {
			return err
		}
		return apiJSON(w, t.Version, apiTaskOf(t))
	}
}

// decodeBody reads a JSON body into v, refusing unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxFormBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &apiError{status: http.StatusBadRequest, title: "api.error.bad_body"}
	}
	return nil
}

// apiDateField parses an optional YYYY-MM-DD field.
func apiDateField(field, v string) (opora.Date, error) {
	if v == "" {
		return opora.Date{}, nil
	}
	d, ok := opora.ParseDate(v)
	if !ok {
		return d, &apiError{status: http.StatusUnprocessableEntity, title: "api.error.invalid",
			fields: map[string]string{field: "api.error.date"}}
	}
	return d, nil
}

type apiServiceJSON struct {
	ID         int64  `json:"id"`
	ClientID   int64  `json:"client_id"`
	TypeID     int64  `json:"type_id"`
	Type       string `json:"type"`
	RenderedOn string `json:"rendered_on"`
	Quantity   int    `json:"quantity"`
	Amount     *int64 `json:"amount_kopecks,omitempty"`
	Comment    string `json:"comment,omitempty"`
	WorkerID   int64  `json:"worker_id,omitempty"`
	Worker     string `json:"worker,omitempty"`
	Version    int    `json:"version"`
	CreatedAt  string `json:"created_at"`
}

func apiServiceOf(sv *opora.Service) apiServiceJSON {
	out := apiServiceJSON{ID: sv.ID, ClientID: sv.ClientID, TypeID: sv.TypeID, Type: sv.TypeName,
		RenderedOn: apiDate(sv.RenderedOn), Quantity: sv.Quantity, Comment: sv.Comment, WorkerID: sv.WorkerID,
		Worker: sv.WorkerName, Version: sv.Version, CreatedAt: apiTime(sv.CreatedAt)}
	if sv.HasAmount {
		amount := sv.Amount
		out.Amount = &amount
	}
	return out
}

// apiClientServices lists a client's services, newest first; the read is
// audit-logged as a view of the client's services.
func (s *Server) apiClientServices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, offset, err := apiPage(r)
	if err != nil {
		return err
	}
	if _, err := s.store.ViewClient(r.Context(), id, "api services"); err != nil {
		return err
	}
	svs, total, err := s.store.ClientServices(r.Context(), id, offset, limit)
	if err != nil {
		return err
	}
	out := apiListJSON[apiServiceJSON]{Items: []apiServiceJSON{}, Total: total, Limit: limit, Offset: offset}
	for _, sv := range svs {
		out.Items = append(out.Items, apiServiceOf(sv))
	}
	return apiJSON(w, 0, out)
}

type apiServiceItem struct {
	TypeID   int64  `json:"type_id"`
	Quantity int    `json:"quantity"`
	Amount   *int64 `json:"amount_kopecks"`
	Comment  string `json:"comment"`
}

type apiRecordBody struct {
	RenderedOn string           `json:"rendered_on"`
	Items      []apiServiceItem `json:"items"`
}

// apiRecordServices records services given to a client on one day, all
// or none, as the services form does.
func (s *Server) apiRecordServices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body apiRecordBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	day, err := apiDateField("rendered_on", body.RenderedOn)
	if err != nil {
		return err
	}
	if day.IsZero() {
		day = s.store.Today()
	}
	if len(body.Items) == 0 || len(body.Items) > 100 {
		return &apiError{status: http.StatusUnprocessableEntity, title: "api.error.invalid",
			fields: map[string]string{"items": "api.error.items"}}
	}
	var items []*opora.Service
	for _, it := range body.Items {
		sv := &opora.Service{TypeID: it.TypeID, Quantity: it.Quantity, Comment: it.Comment}
		if sv.Quantity == 0 {
			sv.Quantity = 1
		}
		if it.Amount != nil {
			sv.Amount, sv.HasAmount = *it.Amount, true
		}
		items = append(items, sv)
	}
	if err := s.store.RecordServices(r.Context(), id, day, items); err != nil {
		return err
	}
	out := apiListJSON[apiServiceJSON]{Items: []apiServiceJSON{}, Total: len(items), Limit: len(items)}
	for _, sv := range items {
		full, err := s.store.Service(r.Context(), sv.ID)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, apiServiceOf(full))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	return json.NewEncoder(w).Encode(out)
}

type apiServiceTypeJSON struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Group           string `json:"group,omitempty"`
	HasQuantity     bool   `json:"has_quantity"`
	HasAmount       bool   `json:"has_amount"`
	CommentRequired bool   `json:"comment_required"`
}

// apiServiceTypes lists the organisation's active service types.
func (s *Server) apiServiceTypes(w http.ResponseWriter, r *http.Request) error {
	types, err := s.store.ServiceTypes(r.Context(), true)
	if err != nil {
		return err
	}
	out := apiListJSON[apiServiceTypeJSON]{Items: []apiServiceTypeJSON{}, Total: len(types), Limit: len(types)}
	for _, t := range types {
		out.Items = append(out.Items, apiServiceTypeJSON{ID: t.ID, Name: t.Name, Group: t.Group, HasQuantity: t.HasQuantity,
			HasAmount: t.HasAmount, CommentRequired: t.CommentRequired})
	}
	return apiJSON(w, 0, out)
}

type apiCaseJSON struct {
	ID           int64  `json:"id"`
	ClientID     int64  `json:"client_id,omitempty"`
	Type         string `json:"type"`
	CuratorID    int64  `json:"curator_id,omitempty"`
	Curator      string `json:"curator,omitempty"`
	OpenedOn     string `json:"opened_on"`
	ClosedOn     string `json:"closed_on,omitempty"`
	Status       string `json:"status"`
	Outcome      string `json:"outcome,omitempty"`
	TasksTotal   int    `json:"tasks_total"`
	TasksDone    int    `json:"tasks_done"`
	TasksOverdue int    `json:"tasks_overdue"`
	Version      int    `json:"version"`
	UpdatedAt    string `json:"updated_at"`
}

func apiCaseOf(k *opora.Case) apiCaseJSON {
	return apiCaseJSON{ID: k.ID, ClientID: k.ClientID, Type: k.TypeLabel, CuratorID: k.CuratorID, Curator: k.CuratorName,
		OpenedOn: apiDate(k.OpenedOn), ClosedOn: apiDate(k.ClosedOn), Status: string(k.Status), Outcome: string(k.Outcome),
		TasksTotal: k.TasksTotal, TasksDone: k.TasksDone, TasksOverdue: k.TasksOverdue, Version: k.Version,
		UpdatedAt: apiTime(k.UpdatedAt)}
}

// apiClientCases lists a client's cases (the open one first); audited as
// a view of the client's cases.
func (s *Server) apiClientCases(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.ViewClient(r.Context(), id, "api cases"); err != nil {
		return err
	}
	ks, err := s.store.ClientCases(r.Context(), id)
	if err != nil {
		return err
	}
	out := apiListJSON[apiCaseJSON]{Items: []apiCaseJSON{}, Total: len(ks), Limit: len(ks)}
	for _, k := range ks {
		out.Items = append(out.Items, apiCaseOf(k))
	}
	return apiJSON(w, 0, out)
}

// apiCase returns one case of a client the caller may read; audited as a
// view of that client's case.
func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.store.Case(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.store.LogAudit(r.Context(), &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: k.ClientID,
		Section: "api case " + strconv.FormatInt(k.ID, 10)}); err != nil {
		return err
	}
	return apiJSON(w, k.Version, apiCaseOf(k))
}

type apiSignalChildJSON struct {
	Name      string `json:"name,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
}

type apiSignalJSON struct {
	ID           int64                `json:"id"`
	Status       string               `json:"status"`
	Urgency      string               `json:"urgency"`
	ReceivedAt   string               `json:"received_at"`
	DueAt        string               `json:"due_at,omitempty"`
	Inbox        string               `json:"inbox,omitempty"`
	Municipality string               `json:"municipality,omitempty"`
	TerritoryID  int64                `json:"territory_id,omitempty"`
	Reporter     string               `json:"reporter,omitempty"`
	Description  string               `json:"description,omitempty"`
	Address      string               `json:"address,omitempty"`
	Surname      string               `json:"surname,omitempty"`
	Children     []apiSignalChildJSON `json:"children,omitempty"`
	FamilyID     int64                `json:"family_id,omitempty"`
	Limited      bool                 `json:"limited"`
	Version      int                  `json:"version"`
}

// apiSignalOf: a Limited signal (read by its reporter's organisation) is
// its status only, as on the pages.
func apiSignalOf(sg *opora.Signal) apiSignalJSON {
	out := apiSignalJSON{ID: sg.ID, Status: sg.Status, Urgency: sg.Urgency, ReceivedAt: apiTime(sg.ReceivedAt),
		Inbox: sg.OrgName, Municipality: sg.TerritoryName, TerritoryID: sg.TerritoryID, Limited: sg.Limited, Version: sg.Version}
	if sg.Limited {
		return out
	}
	out.DueAt, out.Reporter = apiTime(sg.DueAt), sg.ReporterOrgName
	out.Description, out.Address, out.Surname, out.FamilyID = sg.Description, sg.Address, sg.Surname, sg.FamilyID
	for _, c := range sg.Children {
		out.Children = append(out.Children, apiSignalChildJSON{Name: c.Name, BirthDate: apiDate(c.BirthDate)})
	}
	return out
}

// apiSignals lists the signals the caller's organisation reported or, for
// the inbox, the КДН's signals waiting for triage (needs signal.triage).
func (s *Server) apiSignals(inbox bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var list []*opora.Signal
		var err error
		if inbox {
			if err := opora.ActorFrom(r.Context()).Require(opora.PermSignalTriage); err != nil {
				return err
			}
			list, err = s.store.SignalInbox(r.Context(), false)
		} else {
			list, err = s.store.ReportedSignals(r.Context())
		}
		if err != nil {
			return err
		}
		out := apiListJSON[apiSignalJSON]{Items: []apiSignalJSON{}, Total: len(list), Limit: len(list)}
		for _, sg := range list {
			j := apiSignalOf(sg)
			// A list is a work list: names and children on the signal's own page.
			j.Children, j.Description, j.Address = nil, "", ""
			out.Items = append(out.Items, j)
		}
		return apiJSON(w, 0, out)
	}
}

// apiSignal returns one signal (audit-logged by the store).
func (s *Server) apiSignal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sg, err := s.store.Signal(r.Context(), id)
	if err != nil {
		return err
	}
	return apiJSON(w, sg.Version, apiSignalOf(sg))
}

type apiSignalBody struct {
	TerritoryID int64                `json:"territory_id"`
	Urgency     string               `json:"urgency"`
	Description string               `json:"description"`
	Address     string               `json:"address"`
	Surname     string               `json:"surname"`
	ReceivedAt  string               `json:"received_at"`
	Children    []apiSignalChildJSON `json:"children"`
}

// apiRegisterSignal registers a signal from the caller's organisation's
// system (channel "system"), routed to the КДН of the municipality as the
// form does.
func (s *Server) apiRegisterSignal(w http.ResponseWriter, r *http.Request) error {
	var body apiSignalBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	sg := &opora.Signal{TerritoryID: body.TerritoryID, Urgency: body.Urgency, Description: body.Description,
		Address: body.Address, Surname: body.Surname, Channel: opora.ChannelSystem, ReporterKind: opora.ReporterAgency,
		ReceivedAt: s.store.Now()}
	if sg.Urgency == "" {
		sg.Urgency = opora.UrgencyOrdinary
	}
	if body.ReceivedAt != "" {
		t, err := time.Parse(time.RFC3339, body.ReceivedAt)
		if err != nil {
			return &apiError{status: http.StatusUnprocessableEntity, title: "api.error.invalid",
				fields: map[string]string{"received_at": "api.error.datetime"}}
		}
		sg.ReceivedAt = t
	}
	for i, c := range body.Children {
		d, err := apiDateField("children."+strconv.Itoa(i)+".birth_date", c.BirthDate)
		if err != nil {
			return err
		}
		sg.Children = append(sg.Children, &opora.SignalChild{Name: c.Name, BirthDate: d})
	}
	if err := s.store.RegisterSignal(r.Context(), sg); err != nil {
		return err
	}
	got, err := s.store.Signal(r.Context(), sg.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/signals/"+strconv.FormatInt(sg.ID, 10))
	w.Header().Set("ETag", etag(got.Version))
	w.WriteHeader(http.StatusCreated)
	return json.NewEncoder(w).Encode(apiSignalOf(got))
}
