package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/mail"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/web"
	"github.com/opora-project/opora/internal/webhook"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("serve", stderr, &c)
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "address to listen on (OPORA_ADDR)")
	fs.StringVar(&c.ReadDatabaseURL, "database-read-url", env("DATABASE_READ_URL", ""),
		"postgres://… of a streaming replica of the PostgreSQL database: the reports, dashboard, services register, monitoring and exports read there "+
			"and may lag behind by its replay delay; not with SQLite (OPORA_DATABASE_READ_URL; docs/OPERATIONS.md, \"Reports on a replica\")")
	fs.StringVar(&c.BaseURL, "base-url", env("BASE_URL", ""), "public address, used in the setup link (OPORA_BASE_URL)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file to serve HTTPS directly (OPORA_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("TLS_KEY", ""), "TLS key file (OPORA_TLS_KEY)")
	fs.BoolVar(&c.SecureCookies, "behind-tls-proxy", envBool("BEHIND_TLS_PROXY"),
		"users reach Opora over HTTPS through a reverse proxy: Secure __Host- cookies, client address from X-Forwarded-For (OPORA_BEHIND_TLS_PROXY)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", envDuration("IDLE_TIMEOUT", 30*time.Minute), "log out after this long without activity (OPORA_IDLE_TIMEOUT)")
	fs.DurationVar(&c.AbsoluteTimeout, "absolute-timeout", envDuration("ABSOLUTE_TIMEOUT", 12*time.Hour), "log out this long after login whatever happens (OPORA_ABSOLUTE_TIMEOUT)")
	maxUploadMB := fs.Int64("max-upload-mb", envInt64("MAX_UPLOAD_MB", 20), "largest uploaded file, in MiB (OPORA_MAX_UPLOAD_MB)")
	jobsEvery := fs.Duration("jobs-interval", envDuration("JOBS_INTERVAL", 5*time.Minute),
		"how often to run the due background work: overdue escalations, notification e-mail; 0 for never (OPORA_JOBS_INTERVAL)")
	demoData := fs.Bool("demo", false, "on an empty database, create the demo organisation first and print its logins")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *maxUploadMB <= 0 {
		return errors.New("--max-upload-mb must be a positive number of MiB")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	log := c.logger(stderr)
	if os.Getenv("GOGC") == "" {
		// A serving process's live heap is small (about 12 MB at a region's
		// size: templates, prepared statements), so the collector's default
		// target ran a cycle every few dozen pages; twice the room took a
		// tenth off a page's CPU for about 20 MiB of memory
		// (docs/PERFORMANCE.md). GOGC in the environment still decides.
		debug.SetGCPercent(200)
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	filesKey, err := openFilesKey(ctx, st, &c)
	if err != nil {
		return err
	}
	// Before listening, so a start after a crash serves a clean folder;
	// then daily, for a server that was restarted within the day.
	sweepFiles(ctx, st, c.DataDir, log)
	go everyDay(ctx, func() { sweepFiles(ctx, st, c.DataDir, log) })
	if err := st.CheckSecrets(ctx); err != nil {
		// Serve anyway: only e-mail needs the secrets, and the
		// administrator may enter the password again.
		log.Warn("secret key file", "err", err)
	}
	if *demoData {
		if need, err := st.NeedsSetup(ctx); err != nil {
			return err
		} else if need {
			if err := runDemo(ctx, st, 500, 1, stdout); err != nil {
				return err
			}
		}
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	srv, err := web.New(st, cat, web.Config{Version: version, SecureCookies: c.SecureCookies || c.TLSCert != "",
		TrustProxy: c.SecureCookies, IdleTimeout: c.IdleTimeout, AbsoluteTimeout: c.AbsoluteTimeout, Logger: log,
		DataDir: c.DataDir, FilesKey: filesKey, MaxUploadBytes: *maxUploadMB << 20})
	if err != nil {
		return err
	}
	// Spreadsheets of finished or abandoned imports: at the start, then daily.
	sweepImports := func() {
		if n, err := srv.SweepImports(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("imports folder sweep", "err", err)
		} else if n > 0 {
			log.Info("imports folder swept", "removed", n)
		}
	}
	go func() {
		sweepImports()
		everyDay(ctx, sweepImports)
	}()
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	if err := printSetupLink(ctx, st, &c, ln.Addr(), stdout); err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: nil}
	go sweepSessions(ctx, st, &c, log.Error)
	if *jobsEvery > 0 {
		st.UseFiles(files.New(c.DataDir))
		st.UseWebhooks(webhook.New(10 * time.Second))
		go runJobs(ctx, st, mail.New(cat, jobsBaseURL(&c)), *jobsEvery, log)
	}
	errc := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			errc <- hs.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	log.Info("opora started", "version", version, "addr", ln.Addr().String(), "database", string(st.Dialect()),
		"read_replica", c.ReadDatabaseURL != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in progress")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// orphanAge is how old bytes without a row must be before the start's
// sweep removes them: anything younger may be an upload in progress (in
// another instance sharing the folder), whose row commits within its
// request.
const orphanAge = 24 * time.Hour

// everyDay runs fn once every orphanAge (a day) until ctx ends: the
// folders' sweeps after their first run at the start.
func everyDay(ctx context.Context, fn func()) {
	t := time.NewTicker(orphanAge)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// sweepFiles removes what a killed process left in the files folder:
// temporary files of unfinished writes, and bytes renamed into place
// whose row never committed (docs/ARCHITECTURE.md, "Crash safety").
// The keys are read first, so a row committed during the walk names a
// file too young to be touched. A failure is logged: the sweep is
// housekeeping and never keeps the server from starting.
func sweepFiles(ctx context.Context, st *store.Store, dataDir string, log *slog.Logger) {
	keys, err := st.StorageKeys(ctx)
	if err != nil {
		log.Error("files folder sweep", "err", err)
		return
	}
	n, err := files.New(dataDir).Sweep(ctx, time.Now().Add(-orphanAge), func(k string) bool { return keys[k] })
	if err != nil && ctx.Err() == nil {
		log.Error("files folder sweep", "err", err)
	}
	if n.Orphans+n.Temps > 0 {
		log.Info("files folder swept", "without_row", n.Orphans, "temporary", n.Temps)
	}
}

// envInt64 reads OPORA_<name> as a whole number, or def.
func envInt64(name string, def int64) int64 {
	if n, err := strconv.ParseInt(env(name, ""), 10, 64); err == nil {
		return n
	}
	return def
}

// printSetupLink prints a one-time link for creating the first organisation
// when the database holds none. Each start makes a new link.
func printSetupLink(ctx context.Context, st *store.Store, c *config, addr net.Addr, out io.Writer) error {
	need, err := st.NeedsSetup(ctx)
	if err != nil || !need {
		return err
	}
	token := auth.NewToken()
	if err := st.SetSetupToken(ctx, auth.HashToken(token)); err != nil {
		return err
	}
	base := strings.TrimSuffix(c.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		port := "8080"
		if ta, ok := addr.(*net.TCPAddr); ok {
			port = fmt.Sprint(ta.Port)
		}
		base = scheme + "://localhost:" + port
	}
	fmt.Fprintf(out, "\nOpora has no organisation yet. Open this one-time link to create it and its first administrator:\n\n    %s/setup/%s\n\n", base, token)
	return nil
}

// sweepSessions deletes expired sessions every ten minutes, ends the
// agencies' access to families whose tasks closed long enough ago
// (store.ExpireTaskGrants) and keeps the query planner's statistics fresh
// as the data grows.
func sweepSessions(ctx context.Context, st *store.Store, c *config, logErr func(string, ...any)) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := st.DeleteExpiredSessions(ctx, c.IdleTimeout, c.AbsoluteTimeout); err != nil && ctx.Err() == nil {
				logErr("session sweep failed", "err", err)
			}
			// Pending two-factor logins live five minutes (web/twofactor.go).
			if err := st.DeleteExpiredLoginChallenges(ctx, time.Hour); err != nil && ctx.Err() == nil {
				logErr("login challenge sweep failed", "err", err)
			}
			if _, err := st.ExpireTaskGrants(ctx); err != nil && ctx.Err() == nil {
				logErr("expiring task grants failed", "err", err)
			}
			if err := st.Optimize(ctx); err != nil && ctx.Err() == nil {
				logErr("planner statistics failed", "err", err)
			}
		}
	}
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("migrate", stderr, &c)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database schema is at version %d\n", v)
	return nil
}
