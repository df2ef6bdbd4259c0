package web

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Council decisions entered offline (issue 21 item 2). A service worker
// (/councils/sw.js, scope /councils/, static/councils-sw.js) keeps the
// meeting's pages the secretary opened; councils.js, on a family's screen
// at a meeting, queues a decision's form in IndexedDB ("opora-council")
// under a UUID made on the laptop when there is no network, and sends the
// queue to POST /councils/decisions/sync when it is back. The store applies
// each decision once (a queue sent again creates nothing twice) or holds
// one that no longer applies; the meeting page lists the held ones
// («Решения, требующие проверки») to apply or cancel. Logging out wipes
// the queue (Clear-Site-Data, forget.js), after asking (logout.js).

// councilsServiceWorker serves the service worker of the council pages
// from /councils/ so that its scope covers the meetings.
func (s *Server) councilsServiceWorker(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(assets, "static/councils-sw.js")
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Service-Worker-Allowed", "/councils/")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// councilMessages are the catalog keys councils.js needs, by short name.
var councilMessages = map[string]string{
	"offline": "council.offline.offline", "pending": "council.offline.pending", "all_sent": "council.offline.all_sent",
	"queued": "council.offline.queued", "held": "council.offline.held", "refused": "council.offline.refused",
	"login": "visit.login", "failed": "council.offline.failed",
}

// councilConfig is the JSON councils.js reads from the page (data-config).
func (s *Server) councilConfig(r *http.Request) (string, error) {
	l := s.loc(r)
	msgs := map[string]string{}
	for k, key := range councilMessages {
		msgs[k] = l.T(key)
	}
	b, err := json.Marshal(map[string]any{"t": msgs})
	return string(b), err
}

// councilBatch is what councils.js sends: the laptop's queue.
type councilBatch struct {
	Entries []struct {
		ID        string              `json:"id"`
		Council   int64               `json:"council"`
		Meeting   int64               `json:"meeting"`
		Family    int64               `json:"family"`
		Kind      string              `json:"kind"`
		Fields    map[string][]string `json:"fields"`
		EnteredAt string              `json:"entered_at"` // RFC 3339
	} `json:"entries"`
}

// councilMaxBatch caps one batch; the laptop sends larger queues in parts.
const councilMaxBatch = 100

// councilSync applies the laptop's queued decisions and answers each:
// applied, held (to be checked on the meeting page) or duplicate — the
// laptop forgets these — or refused, with the reason.
func (s *Server) councilSync(w http.ResponseWriter, r *http.Request) error {
	var b councilBatch
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20))
	if err := dec.Decode(&b); err != nil || b.Entries == nil || len(b.Entries) > councilMaxBatch {
		return &opora.Error{Code: opora.EINVALID, Message: "council.error.batch"}
	}
	l := s.loc(r)
	type result struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Message string `json:"message,omitempty"`
	}
	out := make([]result, len(b.Entries))
	for i, in := range b.Entries {
		out[i].ID = in.ID
		e, err := opora.ParseCouncilEntry(in.ID, in.Kind, in.Family, in.Fields)
		var res *store.EntryResult
		if err == nil {
			e.EnteredAt, _ = time.Parse(time.RFC3339, in.EnteredAt)
			res, err = s.store.CouncilDecide(r.Context(), in.Council, in.Meeting, e)
		}
		if err != nil {
			switch opora.ErrorCode(err) {
			case opora.EINVALID, opora.ENOTFOUND, opora.EFORBIDDEN:
				out[i].Status, out[i].Message = "refused", l.T(entryMessage(err))
				continue
			}
			return err
		}
		out[i].Status = res.Status
		if res.Reason != "" {
			out[i].Message = l.T(res.Reason)
		}
	}
	checkinWriteJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

// entryMessage is the catalog key of why an entry was refused: its first
// field error, or the error's message.
func entryMessage(err error) string {
	for _, f := range []string{"uuid", "kind", "family"} {
		if k := opora.FieldErrors(err)[f]; k != "" {
			return k
		}
	}
	for _, k := range opora.FieldErrors(err) {
		return k
	}
	return opora.ErrorMessage(err)
}

// councilEntryApply applies a held decision («Применить»); when it still
// does not apply the meeting page says why.
func (s *Server) councilEntryApply(w http.ResponseWriter, r *http.Request) error {
	return s.councilEntryResolve(w, r, true)
}

// councilEntryCancel drops a held decision («Отменить решение»).
func (s *Server) councilEntryCancel(w http.ResponseWriter, r *http.Request) error {
	return s.councilEntryResolve(w, r, false)
}

func (s *Server) councilEntryResolve(w http.ResponseWriter, r *http.Request, apply bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	eid, err := pathID(r, "eid")
	if err != nil {
		return err
	}
	if !apply {
		if err := s.store.CancelHeldEntry(r.Context(), id, mid, eid); err != nil {
			return err
		}
		return s.redirect(w, r, meetingPath(id, mid)+"#held", "council.entry_cancelled")
	}
	if err := s.store.ApplyHeldEntry(r.Context(), id, mid, eid); err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			return s.meetingPageWith(w, r, http.StatusUnprocessableEntity, nil, eid, entryMessage(err))
		}
		return err
	}
	return s.redirect(w, r, meetingPath(id, mid)+"#held", "council.decided")
}
