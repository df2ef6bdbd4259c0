package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Quick check-in (issue 6). The duty worker's page /checkin/{shiftID} is a
// tiny page of its own (checkin_duty.html with its own layout, checkin.css,
// checkin.js): no htmx, no opora.css. A service worker (/checkin/sw.js,
// scope /checkin/) keeps it and the point's regulars working offline; ticks
// queue in IndexedDB and go to POST /checkin/{shiftID}/ticks as a batch.
// Office screens (points, shifts, persons, exports) are in checkin_admin.go.

// checkinAssets are the files of the duty worker's page.
var checkinAssets = []string{"static/checkin.css", "static/checkin.js", "static/checkin-sw.js"}

var checkinVersionOnce = sync.OnceValue(func() string {
	h := sha256.New()
	for _, name := range checkinAssets {
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			panic(err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// checkinVersion names the current build of the page's assets; the service
// worker's cache and the asset URLs carry it, so a new release replaces them.
func checkinVersion() string { return checkinVersionOnce() }

// checkinServiceWorker serves the service worker from /checkin/ so that its
// scope covers the duty pages, with the assets' version filled in.
func (s *Server) checkinServiceWorker(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(assets, "static/checkin-sw.js")
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	b = bytes.ReplaceAll(b, []byte("__VERSION__"), []byte(checkinVersion()))
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Service-Worker-Allowed", "/checkin/")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// checkinDutyPage is what the duty worker's page gets as .Data.
type checkinDutyPage struct {
	Shift   *opora.CheckinShift
	Items   []*opora.CheckinItem
	Counts  *store.CheckinCounts
	V       string
	Config  string // JSON for checkin.js: shift, items, messages
	Manage  bool
	Genders []option
}

// checkinMessages are the catalog keys checkin.js needs, by short name.
var checkinMessages = map[string]string{
	"came": "checkin.came", "pending": "checkin.pending", "all_sent": "checkin.all_sent", "offline": "checkin.offline",
	"online": "checkin.online", "login": "checkin.error.login", "failed": "checkin.error.send", "nobody": "checkin.nobody",
	"born": "checkin.born", "violation": "checkin.flag.violation", "restriction": "checkin.flag.restriction",
	"until": "checkin.flag.until", "profile": "checkin.profile", "refused": "checkin.refused", "surname": "error.required",
	"added": "checkin.added", "type": "checkin.type_more", "undo": "checkin.undo_confirm", "undone": "checkin.undone",
}

func (s *Server) checkinShiftOf(r *http.Request) (*opora.CheckinShift, error) {
	id, err := pathID(r, "shiftID")
	if err != nil {
		return nil, err
	}
	return s.store.CheckinShift(r.Context(), id)
}

func (s *Server) checkinDuty(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sh, err := s.checkinShiftOf(r)
	if err != nil {
		return err
	}
	p, err := s.store.CheckinPoint(ctx, sh.PointID)
	if err != nil {
		return err
	}
	counts, err := s.store.CheckinCounters(ctx, sh.ID)
	if err != nil {
		return err
	}
	l := s.loc(r)
	var items []*opora.CheckinItem
	type jsItem struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	js := []jsItem{{ID: opora.ItemCame, Name: l.T("checkin.came")}}
	for _, it := range p.Items {
		if !it.Disabled {
			items = append(items, it)
			js = append(js, jsItem{ID: it.ID, Name: it.Name})
		}
	}
	msgs := map[string]string{}
	for k, key := range checkinMessages {
		msgs[k] = l.T(key)
	}
	cfg, err := json.Marshal(map[string]any{"shift": sh.ID, "open": sh.Open(), "items": js, "t": msgs, "v": checkinVersion(),
		"year": s.store.Today().Year()})
	if err != nil {
		return err
	}
	v := s.newView(r, "checkin.duty_title")
	v.Data = &checkinDutyPage{Shift: sh, Items: items, Counts: counts, V: checkinVersion(), Config: string(cfg),
		Manage: v.Can(string(opora.PermAdminOrg)) || v.Can(string(opora.PermDictionaryManage))}
	pt, ok := s.pages["checkin_duty"]
	if !ok {
		return fmt.Errorf("web: no page checkin_duty")
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := pt.of(v).ExecuteTemplate(buf, pt.entry, v); err != nil {
		return fmt.Errorf("web: render checkin_duty: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = buf.WriteTo(w)
	return err
}

// checkinJSON wraps the page's JSON endpoints: errors answer JSON with a
// translated message instead of an HTML page or a redirect to login, so the
// phone can keep its queue and say what is wrong.
func (s *Server) checkinJSON(fn handlerFunc) http.Handler {
	return s.jsonEndpoint(opora.PermCheckin, fn)
}

// jsonEndpoint wraps a JSON endpoint of an offline page (check-in, family
// visits) that needs permission p: errors answer JSON, as checkinJSON says.
func (s *Server) jsonEndpoint(p opora.Permission, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		info := requestInfo(ctx)
		info.route = r.Pattern
		a := opora.ActorFrom(ctx)
		var err error
		if a == nil {
			err = errUnauthorized
		} else {
			info.userID = a.UserID
			if err = a.Require(p); err == nil {
				err = fn(w, r)
			}
		}
		if err == nil {
			return
		}
		status := http.StatusInternalServerError
		switch opora.ErrorCode(err) {
		case opora.EUNAUTHORIZED:
			status = http.StatusUnauthorized
		case opora.ENOTFOUND:
			status = http.StatusNotFound
		case opora.EFORBIDDEN:
			status = http.StatusForbidden
			if aerr := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "route",
				Section: r.Method + " " + r.Pattern}); aerr != nil {
				s.log.Error("audit denied failed", "request_id", requestID(ctx), "err", aerr)
			}
		case opora.EINVALID:
			status = http.StatusBadRequest
		default:
			s.log.Error("request failed", "request_id", requestID(ctx), "route", r.Pattern, "err", err)
		}
		checkinWriteJSON(w, status, map[string]string{"error": s.loc(r).T(opora.ErrorMessage(err))})
	})
}

func checkinWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// checkinPeople is the offline dataset of the shift's point.
func (s *Server) checkinPeople(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "shiftID")
	if err != nil {
		return err
	}
	people, err := s.store.CheckinPeople(r.Context(), id)
	if err != nil {
		return err
	}
	counts, err := s.store.CheckinCounters(r.Context(), id)
	if err != nil {
		return err
	}
	if people == nil {
		people = []*store.CheckinRow{}
	}
	checkinWriteJSON(w, http.StatusOK, map[string]any{"people": people, "counts": counts})
	return nil
}

// checkinSearch finds people beyond the regulars while online.
func (s *Server) checkinSearch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "shiftID")
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	people, err := s.store.SearchCheckinPeople(r.Context(), id, q)
	if err != nil {
		return err
	}
	if people == nil {
		people = []*store.CheckinRow{}
	}
	checkinWriteJSON(w, http.StatusOK, map[string]any{"people": people})
	return nil
}

// checkinTickBatch is what the phone sends: people it added, and ticks.
type checkinTickBatch struct {
	Persons []struct {
		UID       string `json:"uid"`
		Surname   string `json:"surname"`
		FirstName string `json:"first_name"`
		BirthYear int    `json:"birth_year"`
		Age       int    `json:"age"`
		Gender    string `json:"gender"`
	} `json:"persons"`
	Ticks []opora.Tick   `json:"ticks"`
	Undos []opora.Untick `json:"undos"` // ticks taken back, after this batch's ticks
}

// checkinMaxTicks caps one batch; the phone sends larger queues in parts.
const checkinMaxTicks = 1000

func (s *Server) checkinTicks(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.checkinShiftOf(r)
	if err != nil {
		return err
	}
	var b checkinTickBatch
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&b); err != nil || len(b.Ticks)+len(b.Undos) > checkinMaxTicks {
		return &opora.Error{Code: opora.EINVALID, Message: "checkin.error.batch"}
	}
	people := map[string]*opora.CheckinPerson{}
	for _, p := range b.Persons {
		np := &opora.CheckinPerson{UID: p.UID, Surname: p.Surname, FirstName: p.FirstName, BirthYear: p.BirthYear,
			Gender: opora.Gender(p.Gender)}
		if np.BirthYear == 0 && p.Age > 0 && p.Age < 130 {
			np.BirthYear, np.AgeGiven = sh.Date.Year()-p.Age, true
		}
		people["u"+strings.ToLower(strings.TrimSpace(p.UID))] = np
	}
	for i := range b.Ticks {
		b.Ticks[i].Person = strings.TrimSpace(b.Ticks[i].Person)
		if strings.HasPrefix(b.Ticks[i].Person, "u") {
			b.Ticks[i].Person = strings.ToLower(b.Ticks[i].Person)
			b.Ticks[i].New = people[b.Ticks[i].Person]
		}
	}
	results, counts, err := s.store.RecordTicks(r.Context(), sh.ID, b.Ticks)
	if err != nil {
		return err
	}
	if len(b.Undos) > 0 {
		undone, c, err := s.store.UndoTicks(r.Context(), sh.ID, b.Undos)
		if err != nil {
			return err
		}
		results, counts = append(results, undone...), c
	}
	l := s.loc(r)
	type result struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Message string `json:"message,omitempty"`
		Tick    string `json:"tick,omitempty"`
	}
	out := make([]result, len(results))
	for i, res := range results {
		out[i] = result{ID: res.ID, Status: string(res.Status), Tick: res.Tick}
		if res.Message != "" {
			out[i].Message = l.T(res.Message)
		}
	}
	checkinWriteJSON(w, http.StatusOK, map[string]any{"results": out, "counts": counts})
	return nil
}

// itemCount reads a counter for templates.
func (d *checkinDutyPage) ItemCount(id int64) int { return d.Counts.Items[id] }

func checkinAtoi(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
