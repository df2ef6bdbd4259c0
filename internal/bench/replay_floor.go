package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/web"
)

// The raw-SQL floor of every scenario replays the statements the store ran
// for the scenario's own request: the bench serves the request itself, in
// this process on the same database, for a sample of inputs (searches,
// clients, ticks), records every statement the store runs for it
// (store.WithTrace) and replays exactly those statements with their
// arguments: the reads, the audit rows, and a write transaction as one
// transaction, committed (recording a service) or rolled back (a tick,
// whose visit may exist once). The floor so follows the request as the
// store changes, with no copied SQL. The reports and the export run the
// store's compiled statements instead (store.CompileReport,
// store.CompileServiceRegister; floor.go).

// tracedRequest is one request's statements, in order.
type tracedRequest struct {
	clientID int64
	// method, path, contentType and body are the request as served.
	method, path, contentType string
	body                      []byte
	stmts                     []tracedStmt
	// rollback says to roll the replayed write transactions back instead
	// of committing them.
	rollback bool
}

type tracedStmt struct {
	store.TracedStatement
	// returned is the id the statement's INSERT … RETURNING id returned
	// when traced, 0 for other statements.
	returned int64
}

// inProcess is the server's handler in the bench's process, logged in as
// the bench's login.
type inProcess struct {
	h       http.Handler
	cookies []*http.Cookie
}

func newInProcess(ctx context.Context, st *store.Store, o Options) (*inProcess, error) {
	srv, err := web.New(st, i18n.MustLoad(), web.Config{Version: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	p := &inProcess{h: srv.Handler()}
	rec := p.do(ctx, http.MethodPost, "/login", url.Values{"login": {o.Login}, "password": {o.Password}})
	if rec.Code != http.StatusSeeOther {
		return nil, fmt.Errorf("bench: log in as %q to trace requests: status %d", o.Login, rec.Code)
	}
	p.cookies = rec.Result().Cookies()
	return p, nil
}

// do serves a GET, or a POST of a form as a browser sends it.
func (p *inProcess) do(ctx context.Context, method, path string, form url.Values) *httptest.ResponseRecorder {
	if form == nil {
		return p.send(ctx, method, path, "", nil)
	}
	return p.send(ctx, method, path, "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// send serves a request with a body of a content type (none when empty).
func (p *inProcess) send(ctx context.Context, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	var r io.Reader
	if contentType != "" {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequestWithContext(ctx, method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for _, ck := range p.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec
}

// trace serves a request and returns the statements the store ran for it.
func (p *inProcess) trace(ctx context.Context, method, path string, form url.Values, want int) (*tracedRequest, error) {
	contentType, body := "", []byte(nil)
	if form != nil {
		contentType, body = "application/x-www-form-urlencoded", []byte(form.Encode())
	}
	r, _, err := p.traceAnswer(ctx, method, path, contentType, body, want)
	return r, err
}

// traceAnswer serves a request with a body and returns the statements the
// store ran for it and the answer's body.
func (p *inProcess) traceAnswer(ctx context.Context, method, path, contentType string, body []byte, want int) (*tracedRequest, []byte, error) {
	r := &tracedRequest{method: method, path: path, contentType: contentType, body: body}
	var mu sync.Mutex // a report's parts run at once
	tctx := store.WithTrace(ctx, &store.Trace{
		Statement: func(s store.TracedStatement) {
			s.Args = slices.Clone(s.Args)
			mu.Lock()
			r.stmts = append(r.stmts, tracedStmt{TracedStatement: s})
			mu.Unlock()
		},
		Returned: func(id int64) {
			mu.Lock()
			if n := len(r.stmts); n > 0 {
				r.stmts[n-1].returned = id
			}
			mu.Unlock()
		},
	})
	rec := p.send(tctx, method, path, contentType, body)
	if rec.Code != want {
		return nil, nil, fmt.Errorf("bench: tracing %s %s: status %d", method, path, rec.Code)
	}
	return r, rec.Body.Bytes(), nil
}

// traceGet records a GET, served twice and recorded the second time
// (caches warm).
func traceGet(ctx context.Context, p *inProcess, path string) (*tracedRequest, error) {
	return traceFixed(ctx, p, path, nil)
}

// traceFixed records a scenario's one fixed request: a GET of path, or a
// POST of form to it.
func traceFixed(ctx context.Context, p *inProcess, path string, form url.Values) (*tracedRequest, error) {
	method := http.MethodGet
	if form != nil {
		method = http.MethodPost
	}
	if rec := p.do(ctx, method, path, form); rec.Code != http.StatusOK {
		return nil, fmt.Errorf("bench: tracing %s %s: status %d", method, path, rec.Code)
	}
	return p.trace(ctx, method, path, form, http.StatusOK)
}

// traceSearches records n searches with a typo, as the scenario sends
// them. Each is served twice and the second recorded (caches warm).
func traceSearches(ctx context.Context, p *inProcess, d *data, rnd *rand.Rand, n int) ([]tracedRequest, error) {
	var out []tracedRequest
	for range n {
		q, _ := d.searchQuery(rnd)
		r, err := traceGet(ctx, p, searchPath(q))
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// traceTicks records n ticks at the bench's shift, as the scenario sends
// them, each one the shift accepted, and takes each back (untraced), so
// that the replays, rolled back, insert the very visit the tick made. Each
// person and item is ticked and taken back once before the recorded tick,
// as a server that has served a while serves it (the client's check-in
// row made on their first visit).
func traceTicks(ctx context.Context, p *inProcess, d *data, rnd *rand.Rand, n int) ([]tracedRequest, error) {
	path := tickPath(d)
	var out []tracedRequest
	for tries := 0; len(out) < n; tries++ {
		if tries >= 20*n {
			return nil, fmt.Errorf("bench: tracing ticks: the shift accepted %d of %d ticks", len(out), tries)
		}
		person, item := d.tickTarget(rnd)
		first := newUUID(rnd)
		status, err := p.tick(ctx, path, tickBody(first, person, item))
		if err != nil {
			return nil, err
		}
		if status != string(opora.TickAccepted) {
			continue // this person had this item today: another
		}
		if err := p.untick(ctx, path, first, rnd); err != nil {
			return nil, err
		}
		id := newUUID(rnd)
		r, answer, err := p.traceAnswer(ctx, http.MethodPost, path, "application/json", tickBody(id, person, item), http.StatusOK)
		if err != nil {
			return nil, err
		}
		if status, err := tickStatus(answer); err != nil || status != string(opora.TickAccepted) {
			return nil, fmt.Errorf("bench: tracing a tick: %q %v", status, err)
		}
		if err := p.untick(ctx, path, id, rnd); err != nil {
			return nil, err
		}
		r.rollback = true
		out = append(out, *r)
	}
	return out, nil
}

// tick sends a tick batch and returns its one result's status.
func (p *inProcess) tick(ctx context.Context, path string, body []byte) (string, error) {
	rec := p.send(ctx, http.MethodPost, path, "application/json", body)
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("bench: tick: status %d", rec.Code)
	}
	return tickStatus(rec.Body.Bytes())
}

// untick takes a tick back, as the check-in page's undo does.
func (p *inProcess) untick(ctx context.Context, path, tickID string, rnd *rand.Rand) error {
	undo, _ := json.Marshal(map[string]any{"undos": []opora.Untick{{ID: newUUID(rnd), Tick: tickID}}})
	status, err := p.tick(ctx, path, undo)
	if err == nil && status != string(opora.TickAccepted) {
		err = fmt.Errorf("status %q", status)
	}
	if err != nil {
		return fmt.Errorf("bench: taking a traced tick back: %w", err)
	}
	return nil
}

// traceProfiles records the profile page of up to n of the sample clients.
// Each page is served twice and the second recorded, as a server that has
// served a while serves it (its caches warm).
func traceProfiles(ctx context.Context, p *inProcess, d *data, n int) ([]tracedRequest, error) {
	var out []tracedRequest
	for _, c := range d.clients[:min(n, len(d.clients))] {
		path := "/clients/" + strconv.FormatInt(c.id, 10)
		if rec := p.do(ctx, http.MethodGet, path, nil); rec.Code != http.StatusOK {
			return nil, fmt.Errorf("bench: tracing the profile page of client %d: status %d", c.id, rec.Code)
		}
		r, err := p.trace(ctx, http.MethodGet, path, nil, http.StatusOK)
		if err != nil {
			return nil, err
		}
		r.clientID = c.id
		out = append(out, *r)
	}
	return out, nil
}

// traceRecords records one service for each of up to n sample clients, as
// the scenario does (these services stay, as the scenario's do).
func traceRecords(ctx context.Context, p *inProcess, d *data, n int) ([]tracedRequest, error) {
	var out []tracedRequest
	for i, c := range d.clients[:min(n, len(d.clients))] {
		t := d.types[i%len(d.types)]
		r, err := p.trace(ctx, http.MethodPost, "/clients/"+strconv.FormatInt(c.id, 10)+"/services",
			serviceForm(t, d.today), http.StatusSeeOther)
		if err != nil {
			return nil, err
		}
		r.clientID = c.id
		out = append(out, *r)
	}
	return out, nil
}

// replayStmts keeps the replayed reads prepared, as the server's SQLite
// readers do (PostgreSQL's driver prepares by itself).
type replayStmts struct {
	mu    sync.Mutex
	bySQL map[string]*sql.Stmt
}

func (f *floorDB) read(ctx context.Context, query string, args []any, replica bool) (*sql.Rows, error) {
	if replica && f.replica != nil {
		return f.replica.QueryContext(ctx, query, args...)
	}
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

// replay runs a traced request's statements: every row read, a write
// transaction's statements in one transaction, committed (rolled back when
// the request says so). An id that an
// INSERT … RETURNING id returns replaces the traced one in the statements
// after it, so the replayed audit rows and events name the replayed rows.
func (f *floorDB) replay(ctx context.Context, r *tracedRequest) error {
	var tx *sql.Tx
	ids := map[int64]int64{}
	defer func() {
		if tx != nil {
			_ = tx.Rollback()
		}
	}()
	for _, s := range r.stmts {
		if tx != nil && !s.InTx {
			if err := r.end(tx); err != nil {
				return err
			}
			tx = nil
		}
		if tx == nil && s.InTx {
			var err error
			if tx, err = f.db.BeginTx(ctx, nil); err != nil {
				return fmt.Errorf("bench: replay: begin: %w", err)
			}
		}
		args := s.Args
		if len(ids) > 0 {
			args = slices.Clone(args)
			for i, a := range args {
				if id, ok := a.(int64); ok && ids[id] != 0 {
					args[i] = ids[id]
				}
			}
		}
		var q queryer = f.db
		if tx != nil {
			q = tx
		}
		if f.replayed != nil {
			f.replayed(replayedStmt{SQL: s.SQL, Args: len(args), Exec: s.Exec, InTx: tx != nil,
				Replica: s.Replica && tx == nil && !s.Exec && s.returned == 0 && f.replica != nil})
		}
		var err error
		switch {
		case s.Exec:
			_, err = q.ExecContext(ctx, s.SQL, args...)
		case s.returned != 0:
			var id int64
			if err = q.QueryRowContext(ctx, s.SQL, args...).Scan(&id); err == nil {
				ids[s.returned] = id
			}
		case tx != nil:
			_, err = drain(tx.QueryContext(ctx, s.SQL, args...))
		default:
			_, err = drain(f.read(ctx, s.SQL, args, s.Replica))
		}
		if err != nil {
			return fmt.Errorf("bench: replay: %w", err)
		}
	}
	if tx != nil {
		err := r.end(tx)
		tx = nil
		return err
	}
	return nil
}

// replayedStmt is what a replay sent, for tests: the statement, its
// number of arguments, whether it ran for no rows and inside a
// transaction.
type replayedStmt struct {
	SQL        string
	Args       int
	Exec, InTx bool
	Replica    bool // sent to the read replica
}

// end commits a replayed transaction, or rolls it back.
func (r *tracedRequest) end(tx *sql.Tx) error {
	if r.rollback {
		if err := tx.Rollback(); err != nil {
			return fmt.Errorf("bench: replay: rollback: %w", err)
		}
		return nil
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bench: replay: commit: %w", err)
	}
	return nil
}
