package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/web"
)

// The profile page reads from a dozen panels; a floor that copied a few of
// its queries measured a fraction of what the page asks of the database.
// Instead, the bench renders the page itself, in this process on the same
// database, for a sample of clients, records every read the store runs
// (store.WithQueryTrace) and replays exactly those statements with their
// arguments as the floor, plus the view's audit row. The floor so follows
// the page as its panels change, with no copied SQL.

// tracedPage is one profile page's reads, in order.
type tracedPage struct {
	clientID int64
	reads    []tracedRead
}

type tracedRead struct {
	sql  string
	args []any
}

// traceProfiles records the reads of the profile page of up to n of the
// sample clients, logged in as the bench's login. Each page is rendered
// twice and the second recorded, as a server that has served a while
// renders it (its caches warm).
func traceProfiles(ctx context.Context, st *store.Store, o Options, d *data, n int) ([]tracedPage, error) {
	srv, err := web.New(st, i18n.MustLoad(), web.Config{Version: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	h := srv.Handler()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/login",
		strings.NewReader(url.Values{"login": {o.Login}, "password": {o.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		return nil, fmt.Errorf("bench: log in as %q to trace the profile page: status %d", o.Login, rec.Code)
	}
	cookies := rec.Result().Cookies()
	var pages []tracedPage
	for _, c := range d.clients[:min(n, len(d.clients))] {
		p := tracedPage{clientID: c.id}
		for pass := 0; pass < 2; pass++ {
			rctx := ctx
			if pass == 1 {
				rctx = store.WithQueryTrace(ctx, func(q string, args []any) {
					p.reads = append(p.reads, tracedRead{sql: q, args: slices.Clone(args)})
				})
			}
			req := httptest.NewRequestWithContext(rctx, http.MethodGet, "/clients/"+strconv.FormatInt(c.id, 10), nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				return nil, fmt.Errorf("bench: tracing the profile page of client %d: status %d", c.id, rec.Code)
			}
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// pageStmts keeps the replayed statements prepared, as the server's SQLite
// readers do (PostgreSQL's driver prepares by itself).
type pageStmts struct {
	mu    sync.Mutex
	bySQL map[string]*sql.Stmt
}

func (f *floorDB) read(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	if f.dialect != store.SQLite {
		return f.db.QueryContext(ctx, query, args...)
	}
	f.stmts.mu.Lock()
	st, ok := f.stmts.bySQL[query]
	if !ok {
		var err error
		if st, err = f.db.PrepareContext(ctx, query); err != nil {
			f.stmts.mu.Unlock()
			return nil, err
		}
		if f.stmts.bySQL == nil {
			f.stmts.bySQL = map[string]*sql.Stmt{}
		}
		f.stmts.bySQL[query] = st
	}
	f.stmts.mu.Unlock()
	return st.QueryContext(ctx, args...)
}

// profilePage replays one traced profile page: its reads, every row read,
// then the view's audit row (store.ViewClient; rolled back).
func (f *floorDB) profilePage(ctx context.Context, p *tracedPage) error {
	for _, r := range p.reads {
		if _, err := drain(f.read(ctx, r.sql, r.args)); err != nil {
			return fmt.Errorf("bench: profile floor: %w", err)
		}
	}
	return f.withRollback(ctx, func(tx *sql.Tx) error {
		return f.insertAudit(ctx, tx, string(opora.ActionView), "client", p.clientID, "profile", nil)
	})
}
