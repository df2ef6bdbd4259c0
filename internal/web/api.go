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
	mux.Handle("GET /api/v1/families/{id}", s.api(opora.ScopeFamiliesRead, s.apiFamily))
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
			dec := json.NewDecoder(io.LimitReader(r.Body, maxFormBytes))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil {
				return &apiError{status: http.StatusBadRequest, title: "api.error.bad_body"}
			}
		}
		date := func(field, v string) (opora.Date, error) {
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
		switch move {
		case "accept":
			err = s.store.AcceptTask(ctx, id, version)
		case "start":
			err = s.store.StartTask(ctx, id, version)
		case "complete":
			var done opora.Date
			if done, err = date("done_on", body.DoneOn); err != nil {
				return err
			}
			if done.IsZero() {
				done = s.store.Today()
			}
			err = s.store.CompleteTask(ctx, id, version, opora.TaskReport{Text: body.Report, DoneOn: done}, nil)
		case "return":
			var due opora.Date
			if due, err = date("proposed_due_on", body.ProposedDueOn); err != nil {
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
