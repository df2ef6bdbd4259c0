package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
)

// Two-factor login (TOTP): the code step of a login, the user's own
// enrolment page, and the gate that keeps a user who must enrol on it.

// challengeMaxAge is how long a login may wait between its password and
// its code.
const challengeMaxAge = 5 * time.Minute

// totpIssuer names Opora in the user's authenticator app.
const totpIssuer = "Опора"

func (s *Server) challengeCookie() string {
	if s.cfg.SecureCookies {
		return "__Host-opora-2fa"
	}
	return "opora-2fa"
}

func (s *Server) setChallengeCookie(w http.ResponseWriter, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.challengeCookie(), Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// startTwoFactorLogin answers a right password of an account with two-factor
// login: a pending login (not a session) and the code step.
func (s *Server) startTwoFactorLogin(w http.ResponseWriter, r *http.Request, u *opora.User, next string) error {
	token := auth.NewToken()
	if err := s.store.CreateLoginChallenge(r.Context(), auth.HashToken(token), u.ID, safeNext(next)); err != nil {
		return err
	}
	s.setChallengeCookie(w, token, int(challengeMaxAge.Seconds()))
	http.Redirect(w, r, "/login/code", http.StatusSeeOther)
	return nil
}

// loginChallenge reads the pending login of the request's cookie.
func (s *Server) loginChallenge(r *http.Request) (hash string, userID int64, next string, err error) {
	c, err := r.Cookie(s.challengeCookie())
	if err != nil || c.Value == "" {
		return "", 0, "", opora.ErrNotFound
	}
	hash = auth.HashToken(c.Value)
	userID, next, err = s.store.LoginChallenge(r.Context(), hash, challengeMaxAge)
	return hash, userID, next, err
}

func (s *Server) loginCodeForm(w http.ResponseWriter, r *http.Request) error {
	if _, _, _, err := s.loginChallenge(r); err != nil {
		if errors.Is(err, opora.ErrNotFound) {
			return s.redirect(w, r, "/login", "login.code_expired")
		}
		return err
	}
	return s.renderLoginCode(w, r, http.StatusOK, newForm(nil, nil))
}

func (s *Server) renderLoginCode(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	v := s.newView(r, "login.code_title")
	v.Form = f
	return s.render(w, r, status, "login_code", v)
}

// loginCodeSubmit checks the second step of a login: a code of the user's
// authenticator (its step and the ones either side; a step once used is
// refused) or one of their recovery codes. A wrong code counts toward the
// same limits as a wrong password: the address's and the account's lockout.
func (s *Server) loginCodeSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	hash, userID, next, err := s.loginChallenge(r)
	if errors.Is(err, opora.ErrNotFound) {
		return s.redirect(w, r, "/login", "login.code_expired")
	}
	if err != nil {
		return err
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	ip := opora.ClientIPFrom(ctx)
	if !s.limiter.Reserve(ip) {
		f := newForm(nil, nil)
		f.Error = "login.too_many"
		return s.renderLoginCode(w, r, http.StatusTooManyRequests, f)
	}
	if code == "" {
		s.limiter.Refund(ip)
		var v opora.Validation
		v.Add("code", "error.required")
		return s.renderLoginCode(w, r, http.StatusUnprocessableEntity, newForm(nil, v.Err()))
	}
	acc, err := s.store.TwoFactorForLogin(ctx, userID)
	if err != nil {
		return err
	}
	u := acc.User
	turn, err := s.store.ReserveLogin(ctx, u.ID)
	if err != nil {
		return err
	}
	wrong := func() error {
		var v opora.Validation
		v.Add("code", "login.code_wrong")
		return s.renderLoginCode(w, r, http.StatusUnauthorized, newForm(nil, v.Err()))
	}
	if !turn.Allowed || u.Disabled || acc.Secret == "" {
		// Locked, disabled, or two-factor login reset meanwhile: start over.
		if err := s.store.LoginFailed(ctx, u.ID, turn); err != nil {
			return err
		}
		if err := s.store.DeleteLoginChallenge(ctx, hash); err != nil {
			return err
		}
		s.setChallengeCookie(w, "", -1)
		return s.renderLogin(w, r, http.StatusUnauthorized, newForm(url.Values{"next": {next}}, errLoginFailed))
	}
	method := "totp"
	ok := false
	if auth.LooksLikeTOTP(code) {
		if step, match := auth.MatchTOTP(acc.Secret, code, s.store.Now(), acc.LastStep); match {
			if ok, err = s.store.UseTOTPStep(ctx, u.ID, step); err != nil {
				return err
			}
		}
	} else {
		method = "recovery"
		if ok, err = s.store.UseRecoveryCode(ctx, u.ID, auth.HashRecoveryCode(code)); err != nil {
			return err
		}
	}
	if !ok {
		if err := s.store.LoginFailed(ctx, u.ID, turn); err != nil {
			return err
		}
		return wrong()
	}
	token := auth.NewToken()
	sess := &opora.Session{TokenHash: auth.HashToken(token), IP: ip, UserAgent: truncate(r.UserAgent(), 200)}
	if err := s.store.CompleteTwoFactorLogin(ctx, hash, u, sess, method); err != nil {
		if errors.Is(err, opora.ErrNotFound) {
			return s.redirect(w, r, "/login", "login.code_expired")
		}
		return err
	}
	s.limiter.Refund(ip)
	s.setChallengeCookie(w, "", -1)
	s.setSessionCookie(w, token)
	flash := ""
	if method == "recovery" {
		flash = "twofactor.recovery_used"
	}
	return s.redirect(w, r, safeNext(next), flash)
}

// twoFactorPage is the user's own two-factor page: the state, the
// enrolment (QR code, the secret in text, the confirming code) and new
// recovery codes.
func (s *Server) twoFactorPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTwoFactor(w, r, http.StatusOK, newForm(nil, nil), nil)
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, f *form, codes []string) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	st, err := s.store.OwnTwoFactor(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{"State": st, "Codes": codes, "Required": a.TwoFactorRequired, "MustEnrol": a.MustEnrolTwoFactor()}
	if st.Pending != "" && !st.Enabled {
		k, err := auth.TOTPKey(totpIssuer, a.Login, st.Pending)
		if err != nil {
			return err
		}
		png, err := auth.TOTPQR(k, 240)
		if err != nil {
			return err
		}
		// A data: URL (the CSP allows img-src data:): the QR code comes
		// with the page and is never kept anywhere.
		data["QR"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
		data["Secret"] = groupSecret(st.Pending)
	}
	v := s.newView(r, "twofactor.title")
	v.Form = f
	v.Data = data
	return s.render(w, r, status, "twofactor", v)
}

// groupSecret splits a base32 secret in groups of four for typing.
func groupSecret(sec string) string {
	var b strings.Builder
	for i, c := range sec {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// twoFactorStart makes a new secret for the user to enrol.
func (s *Server) twoFactorStart(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.StartTwoFactor(r.Context(), auth.NewTOTPSecret()); err != nil {
		if formStatus(err) != 0 {
			return s.renderTwoFactor(w, r, formStatus(err), newForm(nil, err), nil)
		}
		return err
	}
	return s.redirect(w, r, "/account/2fa", "")
}

// twoFactorConfirm turns two-factor login on once a code of the new
// secret is right, and shows the recovery codes once.
func (s *Server) twoFactorConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	st, err := s.store.OwnTwoFactor(ctx)
	if err != nil {
		return err
	}
	if st.Enabled || st.Pending == "" {
		return s.redirect(w, r, "/account/2fa", "")
	}
	step, ok := auth.MatchTOTP(st.Pending, r.PostForm.Get("code"), s.store.Now(), 0)
	if !ok {
		var v opora.Validation
		v.Add("code", "twofactor.code_wrong")
		return s.renderTwoFactor(w, r, http.StatusUnprocessableEntity, newForm(nil, v.Err()), nil)
	}
	codes := auth.NewRecoveryCodes(auth.RecoveryCodeCount)
	if err := s.store.ConfirmTwoFactor(ctx, step, hashCodes(codes)); err != nil {
		if formStatus(err) != 0 {
			return s.renderTwoFactor(w, r, formStatus(err), newForm(nil, err), nil)
		}
		return err
	}
	// The actor of this request still lacks it; the page shows the codes.
	opora.ActorFrom(ctx).TwoFactor = true
	f := newForm(nil, nil)
	return s.renderTwoFactor(w, r, http.StatusOK, f, codes)
}

// twoFactorRecovery replaces the recovery codes, after a current code.
func (s *Server) twoFactorRecovery(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	acc, err := s.store.OwnTOTP(ctx)
	if err != nil {
		return err
	}
	if acc.Secret == "" {
		return s.redirect(w, r, "/account/2fa", "")
	}
	// New recovery codes are a way in: guessing the code for them counts
	// toward the account's lockout like a wrong code at login.
	if acc.User.Locked(s.store.Now()) {
		f := newForm(nil, nil)
		f.Error = "twofactor.locked"
		return s.renderTwoFactor(w, r, http.StatusTooManyRequests, f, nil)
	}
	step, ok := auth.MatchTOTP(acc.Secret, r.PostForm.Get("code"), s.store.Now(), acc.LastStep)
	if ok {
		if ok, err = s.store.UseTOTPStep(ctx, acc.User.ID, step); err != nil {
			return err
		}
	}
	if !ok {
		if _, err := s.store.RecordLoginFailure(ctx, acc.User.ID); err != nil {
			return err
		}
		var v opora.Validation
		v.Add("code", "twofactor.code_wrong")
		return s.renderTwoFactor(w, r, http.StatusUnprocessableEntity, newForm(nil, v.Err()), nil)
	}
	codes := auth.NewRecoveryCodes(auth.RecoveryCodeCount)
	if err := s.store.ReplaceRecoveryCodes(ctx, hashCodes(codes)); err != nil {
		return err
	}
	return s.renderTwoFactor(w, r, http.StatusOK, newForm(nil, nil), codes)
}

func hashCodes(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = auth.HashRecoveryCode(c)
	}
	return out
}

// adminUserTwoFactorReset removes a user's two-factor login (a lost phone).
func (s *Server) adminUserTwoFactorReset(w http.ResponseWriter, r *http.Request) error {
	u, err := s.adminUserTarget(r)
	if err != nil {
		return err
	}
	if err := s.store.ResetTwoFactor(r.Context(), u.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users/"+idString(u.ID), "users.twofactor_reset_done")
}

// enrolOnly keeps a user who must set up two-factor login (their role
// requires it and they have none) on the setup page: every other page
// sends them there; only logging out and the language stay open.
func (s *Server) enrolOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := opora.ActorFrom(r.Context())
		if !a.MustEnrolTwoFactor() {
			next.ServeHTTP(w, r)
			return
		}
		p := r.URL.Path
		if p == "/account/2fa" || strings.HasPrefix(p, "/account/2fa/") || p == "/logout" || p == "/lang" ||
			strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/favicon.ico" {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/account/2fa", http.StatusSeeOther)
			return
		}
		s.fail(w, r, &opora.Error{Code: opora.EFORBIDDEN, Message: "twofactor.must_enrol"})
	})
}
