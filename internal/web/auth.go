package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	// With a read replica: its lag, or that it does not answer (the
	// pages still work; the reports and exports do not).
	rep, err := s.store.Replica(r.Context())
	switch {
	case err != nil:
		s.log.Error("read replica check failed", "err", err)
		_, _ = w.Write([]byte("ok\nreplica unavailable\n"))
	case rep != nil:
		paused := ""
		if rep.Paused {
			paused = ", replay paused"
		}
		_, _ = fmt.Fprintf(w, "ok\nreplica lag %.1fs%s\n", rep.Lag.Seconds(), paused)
	default:
		_, _ = w.Write([]byte("ok\n"))
	}
}

// orgTypeOptions lists organisation types for a select box.
func (s *Server) orgTypeOptions(r *http.Request) []option {
	l := s.loc(r)
	out := make([]option, 0, len(opora.OrgTypes))
	for _, t := range opora.OrgTypes {
		out = append(out, option{Value: string(t), Label: l.T("orgtype." + string(t))})
	}
	return out
}

// setupToken checks the one-time setup link; a used or wrong link is a 404.
func (s *Server) setupToken(r *http.Request) (string, error) {
	hash := auth.HashToken(r.PathValue("token"))
	ok, err := s.store.CheckSetupToken(r.Context(), hash)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", opora.ErrNotFound
	}
	return hash, nil
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.setupToken(r); err != nil {
		return err
	}
	return s.renderSetup(w, r, http.StatusOK, newForm(url.Values{"type": {string(opora.OrgNGO)}}, nil))
}

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.newView(r, "setup.title")
	v.Form = f
	v.Data = map[string]any{"Types": s.orgTypeOptions(r)}
	return s.render(w, r, status, "setup", v)
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) error {
	hash, err := s.setupToken(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	n := &store.NewOrganisation{
		Organisation: &opora.Organisation{Name: f.Get("name"), ShortName: f.Get("short_name"), Type: opora.OrgType(f.Get("type"))},
		BranchName:   f.Get("branch_name"),
		Admin:        &opora.User{Login: f.Get("login"), FullName: f.Get("full_name"), Position: f.Get("position"), Locale: s.lang(r)},
	}
	var v opora.Validation
	opora.ValidatePassword(&v, "password", f.Get("password"), f.Get("password_confirm"), opora.NormalizeLogin(f.Get("login")))
	if err := v.Err(); err == nil {
		if n.PasswordHash, err = auth.Hash(f.Get("password")); err != nil {
			return err
		}
		err = s.store.CompleteSetup(r.Context(), hash, n)
		if err == nil {
			return s.redirect(w, r, "/login", "setup.done")
		}
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		v.Fields = opora.FieldErrors(err)
	} else {
		// Show every mistake at once: the organisation's and the password's.
		n.Organisation.Normalize()
		for k, e := range opora.FieldErrors(n.Organisation.Validate()) {
			v.Add(k, e)
		}
	}
	return s.renderSetup(w, r, http.StatusUnprocessableEntity, newForm(f, v.Err()))
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if opora.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.renderLogin(w, r, http.StatusOK, newForm(url.Values{"next": {r.URL.Query().Get("next")}}, nil))
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.newView(r, "login.title")
	v.Form = f
	return s.render(w, r, status, "login", v)
}

// errLoginFailed is the one message for every failed login: wrong login,
// wrong password, locked or disabled account all look the same.
var errLoginFailed = &opora.Error{Code: opora.EUNAUTHORIZED, Message: "login.failed"}

// loginSubmit checks a login. Every attempt is counted before its password
// is hashed, for the address (in memory) and for the account (in the
// database), each in one step with the check of its limit; a success takes
// its attempts back. An address over its limit is refused before anything
// is hashed, and hashes wait for a turn at s.hashes, so a flood of logins
// can neither guess in parallel nor take the server's memory.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	login, password := r.PostForm.Get("login"), r.PostForm.Get("password")
	values := url.Values{"login": {login}, "next": {r.PostForm.Get("next")}}
	ip := opora.ClientIPFrom(ctx)
	if !s.limiter.Reserve(ip) {
		f := newForm(values, nil)
		f.Error = "login.too_many"
		return s.renderLogin(w, r, http.StatusTooManyRequests, f)
	}
	release, ok := s.hashes.Enter(ctx)
	if !ok {
		// Nothing was checked: the attempt does not count.
		s.limiter.Refund(ip)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.Header().Set("Retry-After", "5")
		f := newForm(values, nil)
		f.Error = "login.busy"
		return s.renderLogin(w, r, http.StatusServiceUnavailable, f)
	}
	defer release()
	fail := func() error {
		return s.renderLogin(w, r, http.StatusUnauthorized, newForm(values, errLoginFailed))
	}
	cand, err := s.store.UserForLogin(ctx, login)
	if errors.Is(err, opora.ErrNotFound) {
		s.verifyDummy(password)
		if err := s.store.RecordUnknownLogin(ctx); err != nil {
			return err
		}
		return fail()
	}
	if err != nil {
		return err
	}
	u := cand.User
	turn, err := s.store.ReserveLogin(ctx, u.ID)
	if err != nil {
		return err
	}
	if !turn.Allowed {
		// Locked: spend the same time as a wrong password, so that a locked
		// account does not tell that the login exists.
		s.verifyDummy(password)
		if err := s.store.LoginFailed(ctx, u.ID, turn); err != nil {
			return err
		}
		return fail()
	}
	ok, err = s.verifyPassword(password, cand.PasswordHash)
	if err != nil && !errors.Is(err, auth.ErrBadHash) {
		return err
	}
	if !ok || u.Disabled {
		if u.Disabled {
			if err := s.store.LogAudit(ctx, &opora.AuditEntry{OrganisationID: u.OrganisationID, UserID: u.ID,
				Action: opora.ActionLoginFailed, Entity: "user", EntityID: u.ID, Section: "disabled"}); err != nil {
				return err
			}
		} else if err := s.store.LoginFailed(ctx, u.ID, turn); err != nil {
			return err
		}
		return fail()
	}
	if u.TwoFactor {
		// The password was right: the address's attempt is taken back, the
		// account's stays counted until the code step succeeds, so wrong
		// codes and wrong passwords share its lockout.
		s.limiter.Refund(ip)
		return s.startTwoFactorLogin(w, r, u, r.PostForm.Get("next"))
	}
	token := auth.NewToken()
	sess := &opora.Session{TokenHash: auth.HashToken(token), IP: ip, UserAgent: truncate(r.UserAgent(), 200)}
	if err := s.store.RecordLoginSuccess(ctx, u, sess); err != nil {
		return err
	}
	s.limiter.Refund(ip)
	s.setSessionCookie(w, token)
	return s.redirect(w, r, safeNext(r.PostForm.Get("next")), "")
}

// verifyDummy spends the time of a password check and fails, for a login
// that names no account or a locked one (no user enumeration).
func (s *Server) verifyDummy(password string) {
	_, _ = s.verifyPassword(password, auth.DummyHash())
}

// safeNext allows only a path of this site as a place to send the browser
// after login or a language switch; anything else gives "/". Browsers drop
// tabs and line breaks from a Location and read a backslash as a slash, so
// "/\t/evil" or "/\\evil" would leave the site as "//evil"; a path that
// decodes to "//…" is refused too, in case something on the way decodes it.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || !utf8.ValidString(next) {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' || unicode.IsSpace(c) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsAny(u.Path, "\\\t\r\n") {
		return "/"
	}
	return next
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.sessionCookie()); err == nil && c.Value != "" {
		if err := s.store.Logout(r.Context(), auth.HashToken(c.Value)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	// The browser forgets what pages kept on the device: the check-in
	// page's regulars and queue, the curator's family cards and unsent
	// visits (Cache Storage, IndexedDB, their service workers). Browsers honour this only over https (and on localhost);
	// elsewhere the login page's forget.js does the same.
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	return s.redirect(w, r, "/login", "login.logged_out")
}

func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	lang := r.PostForm.Get("lang")
	if !i18n.Supported(lang) {
		lang = i18n.Default
	}
	if opora.ActorFrom(r.Context()) != nil {
		if err := s.store.SetOwnLocale(r.Context(), lang); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, HttpOnly: true})
	return s.redirect(w, r, safeNext(r.PostForm.Get("back")), "")
}

// roleName shows a built-in role in the reader's language unless renamed.
func roleName(t func(string, ...any) string, ro *opora.Role) string {
	if ro.Name != "" {
		return ro.Name
	}
	return t("role." + ro.Key)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, newForm(nil, nil))
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	u, err := s.store.User(r.Context(), opora.ActorFrom(r.Context()).UserID)
	if err != nil {
		return err
	}
	v := s.newView(r, "account.title")
	v.Form = f
	v.Data = map[string]any{"User": u}
	return s.render(w, r, status, "account", v)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	var v opora.Validation
	hash, err := s.store.PasswordHash(ctx)
	if err != nil {
		return err
	}
	if ok, _ := auth.Verify(r.PostForm.Get("current"), hash); !ok {
		v.Add("current", "account.current_wrong")
	}
	opora.ValidatePassword(&v, "password", r.PostForm.Get("password"), r.PostForm.Get("password_confirm"), a.Login)
	if err := v.Err(); err != nil {
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, newForm(nil, err))
	}
	newHash, err := auth.Hash(r.PostForm.Get("password"))
	if err != nil {
		return err
	}
	if err := s.store.ChangeOwnPassword(ctx, newHash, sessionFrom(ctx).TokenHash); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "account.password_changed")
}
