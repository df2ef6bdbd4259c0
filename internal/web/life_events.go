package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Life events (issue 23): recorded on the client's profile (panel
// "life_events") and next to each member on the family card. The
// profile's form names its fields life_kind, life_on, life_note (the
// profile holds other forms); the card's add the member's client number
// (life_kind_<id>, …) so that an error shows next to that member only.

// lifeEventsPanel is the profile's block: the events and the kinds.
type lifeEventsPanel struct {
	Events []*opora.LifeEvent
	Kinds  []option
	Today  opora.Date
}

func loadLifeEventsPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	list, err := s.store.ClientLifeEvents(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	return &lifeEventsPanel{Events: list, Kinds: s.lifeEventKinds(r), Today: s.store.Today()}, nil
}

// lifeEventKinds are the kinds as options, in opora.LifeEventKinds' order.
func (s *Server) lifeEventKinds(r *http.Request) []option {
	l := s.loc(r)
	out := make([]option, 0, len(opora.LifeEventKinds))
	for _, k := range opora.LifeEventKinds {
		out = append(out, option{Value: k, Label: l.T("life_event." + k)})
	}
	return out
}

// lifeEventFrom reads a life event's fields named with suffix (the card's
// member number, "" on the profile); date errors go to v.
func lifeEventFrom(r *http.Request, clientID int64, suffix string, v *opora.Validation) *opora.LifeEvent {
	f := r.PostForm
	e := &opora.LifeEvent{ClientID: clientID, Kind: f.Get("life_kind" + suffix), Note: f.Get("life_note" + suffix)}
	if raw := strings.TrimSpace(f.Get("life_on" + suffix)); raw != "" {
		d, ok := opora.ParseDate(raw)
		if !ok {
			v.Add("occurred_on", "error.date")
		}
		e.OccurredOn = d
	}
	return e
}

// lifeEventErr renames the store's field errors to the form's names.
func lifeEventErr(err error, suffix string) error {
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	names := map[string]string{"kind": "life_kind", "occurred_on": "life_on", "note": "life_note"}
	var v opora.Validation
	for field, key := range opora.FieldErrors(err) {
		if n, ok := names[field]; ok {
			field = n
		}
		v.Add(field+suffix, key)
	}
	return v.Err()
}

// lifeEventCreate records a life event from the profile.
func (s *Server) lifeEventCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var v opora.Validation
	e := lifeEventFrom(r, id, "", &v)
	err = v.Err()
	if err == nil {
		err = s.store.CreateLifeEvent(r.Context(), e)
	}
	if err != nil {
		return s.formInvalid(w, r, id, lifeEventErr(err, ""))
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id))+"#life-events", "life_event.created")
}

// familyLifeEventCreate records a life event of a present member from the
// family card.
func (s *Server) familyLifeEventCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	clientID, err := strconv.ParseInt(r.PostForm.Get("client_id"), 10, 64)
	if err != nil || clientID <= 0 {
		return opora.ErrNotFound
	}
	suffix := "_" + idString(clientID)
	var v opora.Validation
	e := lifeEventFrom(r, clientID, suffix, &v)
	e.FamilyID = id
	err = v.Err()
	if err == nil {
		err = s.store.CreateLifeEvent(r.Context(), e)
	}
	if err != nil {
		return s.familyFailed(w, r, "life:"+idString(clientID), lifeEventErr(err, suffix))
	}
	return s.redirect(w, r, "/families/"+idString(id)+"#life-events", "life_event.created")
}

// lifeEventDelete removes a life event of the client in the path; back to
// the profile or to a family card.
func (s *Server) lifeEventDelete(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	eid, err := pathID(r, "eid")
	if err != nil {
		return err
	}
	list, err := s.store.ClientLifeEvents(r.Context(), id)
	if err != nil {
		return err
	}
	found := false
	for _, e := range list {
		found = found || e.ID == eid
	}
	if !found {
		return opora.ErrNotFound
	}
	if err := s.store.DeleteLifeEvent(r.Context(), eid); err != nil {
		return err
	}
	to := backTo(r, id, "/clients/"+idString(id)) + "#life-events"
	if b := r.PostForm.Get("back"); strings.HasPrefix(b, "/families/") {
		if fid, err := strconv.ParseInt(strings.TrimPrefix(b, "/families/"), 10, 64); err == nil && fid > 0 {
			to = "/families/" + idString(fid) + "#life-events"
		}
	}
	return s.redirect(w, r, to, "life_event.deleted")
}
