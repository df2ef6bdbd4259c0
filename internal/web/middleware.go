package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type reqIDKey struct{}

// withLogging writes one log line per request. It logs the route pattern,
// never the path or query (they may carry tokens, names or search terms),
// and the user id, never the login.
func (s *Server) withLogging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [6]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		sw := &statusWriter{ResponseWriter: w}
		info := &reqInfo{id: id}
		ctx := context.WithValue(r.Context(), reqIDKey{}, info)
		ctx = opora.WithClientIP(ctx, s.clientIP(r))
		r = r.WithContext(ctx)
		defer func() {
			p := recover()
			// http.ErrAbortHandler ends a response that has begun (a streamed
			// export that failed): it is logged by the handler and passed on,
			// so the server drops the connection instead of ending the body.
			if p != nil && p != http.ErrAbortHandler {
				s.log.Error("panic", "request_id", id, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			if !strings.HasPrefix(r.URL.Path, "/static/") && r.URL.Path != "/healthz" {
				attrs := []any{"request_id", id, "method", r.Method, "route", info.route, "status", sw.status,
					"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
				if info.userID != 0 {
					attrs = append(attrs, "user_id", info.userID)
				}
				s.log.Info("request", attrs...)
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// reqInfo is filled in as the request travels inward and read by the logger.
type reqInfo struct {
	id     string
	route  string // the matched route pattern, never the raw path
	userID int64
}

func requestInfo(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(reqIDKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

func requestID(ctx context.Context) string { return requestInfo(ctx).id }

// clientIP is the address used for rate limits and the audit log.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// securityHeaders sets the headers every response carries. Dynamic pages
// hold personal data, so only static files may be cached.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		if r.TLS != nil {
			// Served over TLS (--tls-cert): browsers must not try plain
			// http here for a year. Behind a TLS proxy the proxy says so.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// sameScheme refuses a state-changing request whose Origin names this host
// with the other scheme (http://host against an https site). Go's
// CrossOriginProtection trusts an Origin whose host matches when the
// browser sends no Sec-Fetch-Site, without looking at the scheme; a page
// served over plain http on the same host (or a network attacker who
// injects one) must not be able to post to the https site.
func (s *Server) sameScheme(next, deny http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if origin := r.Header.Get("Origin"); origin != "" && r.Header.Get("Sec-Fetch-Site") == "" {
				want := "http"
				if r.TLS != nil || s.cfg.SecureCookies {
					want = "https"
				}
				if o, err := url.Parse(origin); err == nil && o.Host == r.Host && o.Scheme != want {
					deny.ServeHTTP(w, r)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// staticHandler serves the embedded assets with a day of caching.
func staticHandler(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fileServer.ServeHTTP(w, r)
	})
}

type sessionKey struct{}

// withSession loads the session and the acting user into the context. An
// expired session, or one of a disabled user, is deleted and ignored.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The API authenticates its calls by token only (api.go): a
		// browser's cookie does not reach it.
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(s.sessionCookie())
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		hash := auth.HashToken(c.Value)
		sess, versions, err := s.store.SessionVersions(ctx, hash)
		if err != nil && ctx.Err() != nil {
			// The browser went away before its session was read: keep the
			// cookie, there is nothing to answer.
			w.WriteHeader(statusClientClosed)
			return
		}
		if err != nil {
			if !errors.Is(err, opora.ErrNotFound) {
				s.log.Error("session load failed", "request_id", requestID(ctx), "err", err)
			}
			s.clearSessionCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		now := s.store.Now()
		if sess.Expired(now, s.cfg.IdleTimeout, s.cfg.AbsoluteTimeout) {
			_ = s.store.DeleteSession(ctx, hash)
			s.clearSessionCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		ctx = store.WithVersions(ctx, versions)
		actor, err := s.store.Actor(ctx, sess.UserID)
		if err != nil {
			_ = s.store.DeleteSession(ctx, hash)
			s.clearSessionCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		// Touch at most once a minute: one write per minute per user, not per request.
		if now.Sub(sess.LastSeenAt) > time.Minute {
			if err := s.store.TouchSession(ctx, hash, now); err != nil {
				s.log.Error("session touch failed", "request_id", requestID(ctx), "err", err)
			}
		}
		ctx = opora.WithActor(ctx, actor)
		ctx = context.WithValue(ctx, sessionKey{}, sess)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func sessionFrom(ctx context.Context) *opora.Session {
	s, _ := ctx.Value(sessionKey{}).(*opora.Session)
	return s
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.AbsoluteTimeout.Seconds())})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// handlerFunc is a handler that returns its error for central handling.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// page wraps a handler that anyone may reach.
func (s *Server) page(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfo(r.Context())
		info.route = r.Pattern
		if a := opora.ActorFrom(r.Context()); a != nil {
			info.userID = a.UserID
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// A page that only reads may reuse what its panels read.
			r = r.WithContext(store.WithReadMemo(r.Context()))
		}
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// authed wraps a handler that needs a logged-in user.
func (s *Server) authed(fn handlerFunc) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		if opora.ActorFrom(r.Context()) == nil {
			return errUnauthorized
		}
		return fn(w, r)
	})
}

// require wraps a handler that needs a permission. The check itself lives in
// opora.Actor.Require, and the store checks again for every object.
func (s *Server) require(p opora.Permission, fn handlerFunc) http.Handler {
	return s.authed(func(w http.ResponseWriter, r *http.Request) error {
		if err := opora.ActorFrom(r.Context()).Require(p); err != nil {
			return err
		}
		return fn(w, r)
	})
}

var errUnauthorized = &opora.Error{Code: opora.EUNAUTHORIZED, Message: "error.unauthorized"}

// lang picks the interface language: the user's setting, then the lang
// cookie, then the browser's preference.
func (s *Server) lang(r *http.Request) string {
	if a := opora.ActorFrom(r.Context()); a != nil && i18n.Supported(a.Locale) {
		return a.Locale
	}
	if c, err := r.Cookie("lang"); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

// Limits on what a browser's form may hold. The largest real form (a
// document template, a long note) is a few hundred kilobytes; the busiest
// (a questionnaire, a role's permissions) a few hundred fields.
const (
	maxFormBytes  = 2 << 20
	maxFormFields = 5000
)

// withFormLimits reads every form before a handler sees it, in one place:
// a urlencoded body is cut at maxFormBytes (413) and parsed here; a form or
// query with more than maxFormFields fields, one that cannot be parsed, or
// one that is not UTF-8 is refused (400), so no handler stores raw bytes or
// sends them to PostgreSQL, which refuses them. A multipart body (uploads)
// is cut at the upload limit and left to its handler; any other body at
// maxFormBytes.
func (s *Server) withFormLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.RawQuery != "" {
			q, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil || !formSane(q) {
				s.refuseForm(w, r, http.StatusBadRequest, formProblem(q, err))
				return
			}
		}
		if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "multipart/form-data" {
			limit := s.cfg.MaxUploadBytes
			if r.URL.Path == "/admin/import" {
				limit = s.cfg.MaxImportBytes // a spreadsheet, streamed to disk (admin_import.go)
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if ct == "application/x-www-form-urlencoded" {
			err := r.ParseForm()
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				s.refuseForm(w, r, http.StatusRequestEntityTooLarge, "error.form_too_large")
				return
			}
			if err != nil || !formSane(r.PostForm) {
				s.refuseForm(w, r, http.StatusBadRequest, formProblem(r.PostForm, err))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// formSane reports whether a form has at most maxFormFields fields, all
// names and values UTF-8.
func formSane(f url.Values) bool {
	n := 0
	for k, vs := range f {
		n += len(vs)
		if n > maxFormFields || !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// formProblem names what is wrong with a refused form for its message.
func formProblem(f url.Values, err error) string {
	n := 0
	for _, vs := range f {
		n += len(vs)
	}
	if n > maxFormFields || (err != nil && strings.Contains(err.Error(), "exceeded limit")) {
		return "error.form_too_many_fields"
	}
	if err != nil {
		return "error.form_unreadable"
	}
	return "error.form_encoding"
}

// refuseForm answers a refused form with the error page and its message.
func (s *Server) refuseForm(w http.ResponseWriter, r *http.Request, status int, message string) {
	s.log.Warn("form refused", "request_id", requestID(r.Context()), "status", status, "reason", message)
	v := s.newView(r, "error.title."+strconv.Itoa(status))
	v.Data = map[string]any{"Code": status, "Message": message, "RequestID": requestID(r.Context())}
	if err := s.render(w, r, status, "error", v); err != nil {
		http.Error(w, http.StatusText(status), status)
	}
}
