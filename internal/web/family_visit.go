package web

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Visits to a family (issue 20): the card's «Посещения» section
// (templates/family_visits.html), the one-hand form /families/{id}/visits/new
// for a tablet or a phone, and its offline life. A service worker
// (/families/sw.js, scope /families/, static/families-sw.js) keeps the
// cards of «Мои семьи» and their visit forms on the device; offline,
// visits.js queues a visit in IndexedDB under a UUID made on the device
// and sends the queue to POST /families/visits/sync when the network is
// back. The store acknowledges a UUID its author already sent, so a queue
// sent twice records each visit once. Logging out wipes it all
// (Clear-Site-Data, forget.js), after asking about unsent visits (logout.js).

// newUUID is a random (version 4) UUID for a form that posts without script.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// visitTimeLayout is the value of a datetime-local input.
const visitTimeLayout = "2006-01-02T15:04"

// familiesServiceWorker serves the service worker of the families pages
// from /families/ so that its scope covers the cards and visit forms.
func (s *Server) familiesServiceWorker(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(assets, "static/families-sw.js")
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Service-Worker-Allowed", "/families/")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// visitMessages are the catalog keys visits.js needs, by short name.
var visitMessages = map[string]string{
	"queued": "visit.queued", "pending": "visit.pending", "all_sent": "visit.all_sent", "offline": "visit.offline",
	"sent": "visit.sent", "login": "visit.login", "failed": "visit.failed", "refused": "visit.refused",
	"conflict": "visit.conflict_title", "required": "error.required", "kind": "visit.error.kind",
}

// visitConfig is the JSON visits.js reads from the page (data-config).
func (s *Server) visitConfig(r *http.Request) (string, error) {
	l := s.loc(r)
	msgs := map[string]string{}
	for k, key := range visitMessages {
		msgs[k] = l.T(key)
	}
	for _, c := range []string{opora.VisitConflictCurator, opora.VisitConflictMemberLeft, opora.VisitConflictFuture} {
		msgs["c_"+c] = l.T("visit.conflict." + c)
	}
	b, err := json.Marshal(map[string]any{"t": msgs})
	return string(b), err
}

// visitFormData is the visit form.
type visitFormData struct {
	Family  *opora.Family
	Kinds   []option
	Members []option
	Config  string
}

func (s *Server) visitNew(w http.ResponseWriter, r *http.Request) error {
	now := s.store.Now().Local()
	vals := url.Values{"client_uuid": {newUUID()}, "visited_at": {now.Format(visitTimeLayout)}}
	return s.renderVisitForm(w, r, http.StatusOK, newForm(vals, nil))
}

func (s *Server) renderVisitForm(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.mayEditFamily(r, id); err != nil {
		return err
	}
	d := &visitFormData{}
	if d.Family, err = s.store.Family(r.Context(), id); err != nil {
		return err
	}
	l := s.loc(r)
	for _, k := range opora.VisitKinds {
		d.Kinds = append(d.Kinds, option{Value: string(k), Label: l.T("visit.kind." + string(k))})
	}
	for _, m := range d.Family.Current() {
		d.Members = append(d.Members, option{Value: idString(m.ID), Label: m.Client.FullName() + " · " +
			l.T("family.role."+string(m.Role))})
	}
	if d.Config, err = s.visitConfig(r); err != nil {
		return err
	}
	v := s.newView(r, "visit.new")
	v.Nav = "families"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "families_visit", v)
}

// visitFrom reads a visit from the form.
func visitFrom(familyID int64, f url.Values, v *opora.Validation) *opora.FamilyVisit {
	vis := &opora.FamilyVisit{FamilyID: familyID, ClientUUID: f.Get("client_uuid"), Kind: opora.VisitKind(f.Get("kind")),
		PresentOther: f.Get("present_other"), Observations: f.Get("observations"), Agreements: f.Get("agreements")}
	if s := strings.TrimSpace(f.Get("visited_at")); s != "" {
		t, err := time.ParseInLocation(visitTimeLayout, s, time.Local)
		if err != nil {
			v.Add("visited_at", "error.date")
		}
		vis.VisitedAt = t
	}
	for _, p := range f["present"] {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			vis.Present = append(vis.Present, id)
		}
	}
	vis.NextVisitOn = parseDateField(f, "next_visit_on", v)
	return vis
}

// visitCreate saves the form posted online. The form carries a UUID made
// when it was shown, so a double tap or a resent form saves one visit.
func (s *Server) visitCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	if !opora.ValidUUID(strings.ToLower(strings.TrimSpace(f.Get("client_uuid")))) {
		f.Set("client_uuid", newUUID())
	}
	var v opora.Validation
	vis := visitFrom(id, f, &v)
	err = v.Err()
	if err == nil {
		_, err = s.store.RecordVisit(r.Context(), vis)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderVisitForm(w, r, http.StatusUnprocessableEntity, newForm(f, err))
		}
		return err
	}
	return s.redirect(w, r, "/families/"+idString(id)+"#visits", "visit.saved")
}

// visitBatch is what visits.js sends: the device's queue.
type visitBatch struct {
	Visits []struct {
		ID           string  `json:"id"`
		Family       int64   `json:"family"`
		VisitedAt    string  `json:"visited_at"` // RFC 3339
		Kind         string  `json:"kind"`
		Present      []int64 `json:"present"`
		PresentOther string  `json:"present_other"`
		Observations string  `json:"observations"`
		Agreements   string  `json:"agreements"`
		NextVisitOn  string  `json:"next_visit_on"`
	} `json:"visits"`
}

// visitMaxBatch caps one batch; the device sends larger queues in parts.
const visitMaxBatch = 100

// visitSync records the device's queued visits and answers each: accepted
// or duplicate (the device forgets it), or refused; conflicts are listed,
// worded, for the page to show.
func (s *Server) visitSync(w http.ResponseWriter, r *http.Request) error {
	var b visitBatch
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20))
	if err := dec.Decode(&b); err != nil || len(b.Visits) > visitMaxBatch {
		return &opora.Error{Code: opora.EINVALID, Message: "visit.error.batch"}
	}
	batch := make([]*opora.FamilyVisit, len(b.Visits))
	for i, in := range b.Visits {
		v := &opora.FamilyVisit{ClientUUID: in.ID, FamilyID: in.Family, Kind: opora.VisitKind(in.Kind), Present: in.Present,
			PresentOther: in.PresentOther, Observations: in.Observations, Agreements: in.Agreements}
		v.VisitedAt, _ = time.Parse(time.RFC3339, in.VisitedAt)
		v.NextVisitOn, _ = opora.ParseDate(in.NextVisitOn)
		batch[i] = v
	}
	results, err := s.store.RecordVisits(r.Context(), batch)
	if err != nil {
		return err
	}
	l := s.loc(r)
	type result struct {
		ID        string   `json:"id"`
		Status    string   `json:"status"`
		Visit     int64    `json:"visit,omitempty"`
		Family    int64    `json:"family,omitempty"`
		Message   string   `json:"message,omitempty"`
		Conflicts []string `json:"conflicts,omitempty"`
	}
	out := make([]result, len(results))
	for i, res := range results {
		out[i] = result{ID: b.Visits[i].ID, Status: res.Status, Visit: res.VisitID, Family: res.FamilyID}
		if res.Status == store.VisitRefused {
			out[i].Family = b.Visits[i].Family
		}
		if res.Message != "" {
			out[i].Message = l.T(res.Message)
		}
		for _, c := range res.Conflicts {
			out[i].Conflicts = append(out[i].Conflicts, l.T("visit.conflict."+c))
		}
	}
	checkinWriteJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

// familyVisitsData is the card's «Посещения» section.
type familyVisitsData struct {
	FamilyID int64
	Visits   []*opora.FamilyVisit
	Cache    string // the pages visits.js keeps on the device, space-separated
	Config   string
}

// familyVisitsSection reads the card's visits.
func (s *Server) familyVisitsSection(r *http.Request, id int64) (*familyVisitsData, error) {
	d := &familyVisitsData{FamilyID: id, Cache: "/families/" + idString(id) + " /families/" + idString(id) + "/visits/new"}
	var err error
	if d.Visits, err = s.store.FamilyVisits(r.Context(), id); err != nil {
		return nil, err
	}
	if d.Config, err = s.visitConfig(r); err != nil {
		return nil, err
	}
	return d, nil
}

// myFamilyPages lists the pages of «Мои семьи» that visits.js keeps on the
// device for reading and recording offline.
func myFamilyPages(fams []*opora.Family) string {
	var out []string
	for _, f := range fams {
		out = append(out, "/families/"+idString(f.ID), "/families/"+idString(f.ID)+"/visits/new")
	}
	return strings.Join(out, " ")
}

func init() {
	funcs["myFamilyPages"] = myFamilyPages
	funcs["visitTime"] = func(t time.Time) string { return t.Local().Format("02.01.2006 15:04") }
}
