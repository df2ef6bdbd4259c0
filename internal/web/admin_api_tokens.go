package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The organisation administrator's API tokens (/admin/api-tokens, issue
// 24 item 4): who may call /api/v1 as which user, with which scopes and
// until when; a new token is shown once, on the page that answers its
// creation, and never again; revoking ends it at once.

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) error {
	vals := url.Values{"days": {"90"}, "user": {strconv.FormatInt(opora.ActorFrom(r.Context()).UserID, 10)}}
	return s.renderAPITokens(w, r, http.StatusOK, newForm(vals, nil), "")
}

func (s *Server) renderAPITokens(w http.ResponseWriter, r *http.Request, status int, f *form, plain string) error {
	ctx := r.Context()
	tokens, err := s.store.APITokens(ctx)
	if err != nil {
		return err
	}
	users, _, err := s.store.Users(ctx, store.UserFilter{Limit: 1000})
	if err != nil {
		return err
	}
	l := s.loc(r)
	var userOpts []option
	for _, u := range users {
		userOpts = append(userOpts, option{Value: strconv.FormatInt(u.ID, 10), Label: u.FullName + " (" + u.Login + ")"})
	}
	var scopeOpts []option
	for _, sc := range opora.APIScopes {
		scopeOpts = append(scopeOpts, option{Value: string(sc), Label: l.T("api.scope." + sc.Key())})
	}
	now := s.store.Now()
	type row struct {
		*opora.APIToken
		State  string // catalog key
		Active bool
		Scopes []string
	}
	var rows []row
	for _, t := range tokens {
		rw := row{APIToken: t, Active: t.Active(now), State: "api.state.active"}
		switch {
		case !t.RevokedAt.IsZero():
			rw.State = "api.state.revoked"
		case !rw.Active:
			rw.State = "api.state.expired"
		}
		for _, sc := range t.Scopes {
			rw.Scopes = append(rw.Scopes, l.T("api.scope."+sc.Key()))
		}
		rows = append(rows, rw)
	}
	v := s.newView(r, "api.title")
	v.Nav = "users"
	v.Form = f
	v.Data = map[string]any{"Tokens": rows, "Users": userOpts, "Scopes": scopeOpts, "Plain": plain}
	return s.render(w, r, status, "api_tokens", v)
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	t := &opora.APIToken{Name: r.PostForm.Get("name")}
	t.UserID, _ = strconv.ParseInt(r.PostForm.Get("user"), 10, 64)
	for _, sc := range r.PostForm["scopes"] {
		t.Scopes = append(t.Scopes, opora.APIScope(sc))
	}
	days, err := strconv.Atoi(r.PostForm.Get("days"))
	if err != nil || days < 1 || days > opora.MaxAPITokenDays {
		var v opora.Validation
		v.Add("days", "api.error.days")
		return s.renderAPITokens(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, v.Err()), "")
	}
	t.ExpiresAt = s.store.Now().AddDate(0, 0, days)
	plain, err := s.store.CreateAPIToken(r.Context(), t)
	if err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		f := newForm(r.PostForm, err)
		if msg, ok := f.Errors["expires"]; ok {
			f.Errors["days"] = msg
		}
		return s.renderAPITokens(w, r, http.StatusUnprocessableEntity, f, "")
	}
	// The token is shown on this page only: the answer to the POST, not a
	// redirect whose page could be reloaded from the history.
	vals := url.Values{"days": {"90"}, "user": {strconv.FormatInt(opora.ActorFrom(r.Context()).UserID, 10)}}
	return s.renderAPITokens(w, r, http.StatusOK, newForm(vals, nil), plain)
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeAPIToken(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/api-tokens", "api.revoked")
}
