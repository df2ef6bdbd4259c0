// Package web is Opora's HTTP layer: routing, middleware, sessions, page
// rendering and the mapping of domain errors to responses. Handlers are thin:
// they parse input, call the store and render a template.
package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

//go:embed templates static
var assets embed.FS

// Config is what the web layer needs from the command line.
type Config struct {
	Version string
	// SecureCookies marks cookies Secure and names the session cookie
	// "__Host-opora". Set it when users reach Opora over HTTPS, directly or
	// through a TLS-terminating proxy.
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For (rightmost
	// entry), for a server behind a reverse proxy.
	TrustProxy      bool
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// LoginFailuresPerIP is how many failed logins one address may make in
	// 15 minutes before it is refused (default 30).
	LoginFailuresPerIP int
	Logger             *slog.Logger
	// DataDir is the data folder; uploaded files live in DataDir/files,
	// outside anything served. "" refuses uploads.
	DataDir string
	// FilesKey encrypts the files stored from now on (internal/files,
	// crypt.go); nil stores them plain. Files are read either way.
	FilesKey *files.Key
	// MaxUploadBytes caps one uploaded file (default 20 MiB).
	MaxUploadBytes int64
	// MaxImportBytes caps a spreadsheet uploaded for import (default
	// DefaultMaxImportBytes); it is streamed to disk, never held whole.
	MaxImportBytes int64
}

// Server serves Opora's pages.
type Server struct {
	store   *store.Store
	cat     *i18n.Catalog
	cfg     Config
	log     *slog.Logger
	limiter *auth.Limiter
	// hashes gives password hashes their turns (a few per core).
	hashes *auth.Gate
	// verifyPassword checks a password against its hash: auth.Verify, or
	// a test's wrapper that holds it.
	verifyPassword func(password, hash string) (bool, error)
	pages          map[string]*pageTemplate
	static         fs.FS
	files          *files.Storage
	// sheets holds a slot per spreadsheet being built (sheetSlot).
	sheets chan struct{}
	// fragments are rendered pieces of pages that depend only on what
	// their key names (renderFragment).
	fragments fragmentCache
	// jobs counts the background runs under way (imports, admin_import.go).
	jobs sync.WaitGroup
	// exports are the organisations' exports being made or waiting to be
	// downloaded (admin_org_export.go).
	exports orgExports
}

// New prepares the server: parses every template and checks the catalogs.
func New(st *store.Store, cat *i18n.Catalog, cfg Config) (*Server, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = opora.DefaultIdleTimeout
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = opora.DefaultAbsoluteTimeout
	}
	if cfg.LoginFailuresPerIP <= 0 {
		cfg.LoginFailuresPerIP = 30
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = files.DefaultMaxBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	s := &Server{store: st, cat: cat, cfg: cfg, log: cfg.Logger,
		limiter: auth.NewLimiter(cfg.LoginFailuresPerIP, 15*time.Minute), files: files.NewWithKey(cfg.DataDir, cfg.FilesKey),
		hashes: auth.NewGate(runtime.GOMAXPROCS(0), 4*runtime.GOMAXPROCS(0)), verifyPassword: auth.Verify,
		sheets: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))}
	var err error
	if s.pages, err = parsePages(cat); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(assets, "static"); err != nil {
		return nil, err
	}
	if cfg.DataDir != "" {
		s.sweepOrgExports() // exports past their time, or whose maker died with an earlier run
	}
	return s, nil
}

// sessionCookie is the session cookie's name: the __Host- prefix needs Secure.
func (s *Server) sessionCookie() string {
	if s.cfg.SecureCookies {
		return "__Host-opora"
	}
	return "opora"
}

// Handler returns the whole application with its middleware.
func (s *Server) Handler() http.Handler {
	mux := &router{ServeMux: http.NewServeMux()}
	s.routes(mux)
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "request_id", requestID(r.Context()), "method", r.Method)
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(deny)
	var h http.Handler = mux
	h = s.withFormLimits(h)
	h = s.enrolOnly(h)
	h = s.withSession(h)
	h = cop.Handler(h)
	h = s.sameScheme(h, deny)
	h = securityHeaders(h)
	h = s.withLogging(h)
	return h
}
