package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Shelter: the occupancy page, room administration, and the client's shelter
// tab (stays, check-in and check-out, medical checks).

func canEditRooms(a *opora.Actor) bool {
	return a.Can(opora.PermAdminOrg) || a.Can(opora.PermDictionaryManage)
}

// shelterTotals sums the places of the rooms shown.
type shelterTotals struct{ Capacity, Occupied, Free int }

func totals(rooms []*opora.Room) shelterTotals {
	var t shelterTotals
	for _, r := range rooms {
		t.Capacity += r.Capacity
		t.Occupied += len(r.Occupants)
		t.Free += r.Free()
	}
	return t
}

// shelterIndex shows current occupancy: each room with its residents (names
// within the actor's scope), free places and totals; medical checks due for
// viewers with the health permission.
func (s *Server) shelterIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rooms, err := s.store.Rooms(ctx, false)
	if err != nil {
		return err
	}
	medical := false
	for _, room := range rooms {
		for _, o := range room.Occupants {
			medical = medical || len(o.Medical) > 0
		}
	}
	if medical {
		if err := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "shelter", Section: "medical"}); err != nil {
			return err
		}
	}
	v := s.newView(r, "shelter.title")
	v.Nav = "shelter"
	v.Data = map[string]any{"Rooms": rooms, "Totals": totals(rooms), "Today": s.store.Today(),
		"CanEdit": canEditRooms(opora.ActorFrom(ctx))}
	return s.render(w, r, http.StatusOK, "shelter_index", v)
}

func (s *Server) branchOptions(r *http.Request) ([]option, error) {
	branches, err := s.store.Branches(r.Context())
	if err != nil {
		return nil, err
	}
	var out []option
	for _, b := range branches {
		if !b.Archived {
			out = append(out, option{Value: idString(b.ID), Label: b.Name})
		}
	}
	return out, nil
}

// renderRooms shows the rooms list with the new-room form (room nil) or a
// room's edit page.
func (s *Server) renderRooms(w http.ResponseWriter, r *http.Request, status int, room *opora.Room, f *form) error {
	if !canEditRooms(opora.ActorFrom(r.Context())) {
		return opora.ErrForbidden
	}
	branches, err := s.branchOptions(r)
	if err != nil {
		return err
	}
	v := s.newView(r, "shelter.rooms")
	v.Nav = "shelter"
	v.Form = f
	if room != nil {
		v.Title = "shelter.room_edit"
		v.Data = map[string]any{"Room": room, "Branches": branches}
		return s.render(w, r, status, "shelter_room", v)
	}
	rooms, err := s.store.Rooms(r.Context(), true)
	if err != nil {
		return err
	}
	v.Data = map[string]any{"Rooms": rooms, "Branches": branches}
	return s.render(w, r, status, "shelter_rooms", v)
}

func (s *Server) shelterRooms(w http.ResponseWriter, r *http.Request) error {
	a := opora.ActorFrom(r.Context())
	vals := url.Values{"capacity": {"1"}}
	if len(a.BranchIDs) > 0 {
		vals.Set("branch_id", idString(a.BranchIDs[0]))
	}
	return s.renderRooms(w, r, http.StatusOK, nil, newForm(vals, nil))
}

func parseRoom(f url.Values, room *opora.Room) *opora.Validation {
	var v opora.Validation
	room.Name, room.Comment = f.Get("name"), f.Get("comment")
	room.BranchID, _ = strconv.ParseInt(f.Get("branch_id"), 10, 64)
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("capacity")))
	if err != nil {
		v.Add("capacity", "shelter.error.capacity")
	}
	room.Capacity = n
	return &v
}

func (s *Server) shelterRoomCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	room := &opora.Room{}
	err := parseRoom(r.PostForm, room).Err()
	if err == nil {
		err = s.store.SaveRoom(r.Context(), room)
	}
	if opora.ErrorCode(err) == opora.EINVALID {
		return s.renderRooms(w, r, http.StatusUnprocessableEntity, nil, newForm(r.PostForm, err))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/shelter/rooms", "common.created")
}

func roomValues(room *opora.Room) url.Values {
	return url.Values{"name": {room.Name}, "comment": {room.Comment}, "branch_id": {idString(room.BranchID)},
		"capacity": {strconv.Itoa(room.Capacity)}}
}

func (s *Server) shelterRoomEdit(w http.ResponseWriter, r *http.Request) error {
	if !canEditRooms(opora.ActorFrom(r.Context())) {
		return opora.ErrForbidden
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	room, err := s.store.Room(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderRooms(w, r, http.StatusOK, room, newForm(roomValues(room), nil))
}

func (s *Server) shelterRoomUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if !canEditRooms(opora.ActorFrom(r.Context())) {
		return opora.ErrForbidden
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.store.Room(r.Context(), id)
	if err != nil {
		return err
	}
	room := &opora.Room{ID: id}
	err = parseRoom(r.PostForm, room).Err()
	if err == nil {
		err = s.store.SaveRoom(r.Context(), room)
	}
	if opora.ErrorCode(err) == opora.EINVALID {
		return s.renderRooms(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/shelter/rooms", "common.saved")
}

func (s *Server) shelterRoomArchive(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	archived := r.PostForm.Get("archived") == "1"
	if err := s.store.ArchiveRoom(r.Context(), id, archived); err != nil {
		if opora.ErrorCode(err) == opora.ECONFLICT {
			return s.redirect(w, r, "/shelter/rooms", opora.ErrorMessage(err))
		}
		return err
	}
	return s.redirect(w, r, "/shelter/rooms", "common.saved")
}

// shelterPanel is the profile's shelter card: the open stay, and the medical
// checks due soon or overdue (only with the health permission).
type shelterPanel struct {
	Open      *opora.Stay
	Last      *opora.Stay
	Due       []*opora.MedicalCheck
	CanHealth bool
	Day       opora.Date
}

func loadShelterPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	ctx := r.Context()
	stays, err := s.store.ClientStays(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p := &shelterPanel{CanHealth: opora.ActorFrom(ctx).CanSee(opora.SensitiveHealth), Day: s.store.Today()}
	if len(stays) > 0 {
		p.Last = stays[0]
		if stays[0].Open() {
			p.Open = stays[0]
		}
	}
	if p.CanHealth {
		checks, err := s.store.MedicalChecks(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		today := s.store.Today()
		for _, m := range store.LatestChecks(checks) {
			if m.Due(today) != opora.DueOK {
				p.Due = append(p.Due, m)
			}
		}
	}
	return p, nil
}

// shelterClientData is the client's shelter tab.
type shelterClientData struct {
	*clientView
	Stays     []*opora.Stay
	Open      *opora.Stay
	Rooms     []option
	Checks    []*opora.MedicalCheck // every check, newest first
	Latest    []*opora.MedicalCheck // the newest of each type
	CanHealth bool
	Which     string // the form that was submitted: checkin, checkout, medical
	Today     string
	Day       opora.Date
	Statuses  []option
	Types     []option
	Validity  map[opora.MedicalCheckType]int
}

func (s *Server) renderShelterClient(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, which string, f *form) error {
	ctx := r.Context()
	cv, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	cv.Tab = "shelter"
	d := &shelterClientData{clientView: cv, Which: which, CanHealth: opora.ActorFrom(ctx).CanSee(opora.SensitiveHealth),
		Today: s.store.Today().Format("02.01.2006"), Day: s.store.Today()}
	if d.Stays, err = s.store.ClientStays(ctx, c.ID); err != nil {
		return err
	}
	if len(d.Stays) > 0 && d.Stays[0].Open() {
		d.Open = d.Stays[0]
	}
	rooms, err := s.store.Rooms(ctx, false)
	if err != nil {
		return err
	}
	l := s.loc(r)
	for _, room := range rooms {
		d.Rooms = append(d.Rooms, option{Value: idString(room.ID),
			Label: room.Name + " (" + room.BranchName + ") — " + l.N("shelter.free_n", room.Free())})
	}
	for _, st := range opora.StayEndings {
		d.Statuses = append(d.Statuses, option{Value: string(st), Label: l.T("shelter.status." + string(st))})
	}
	for _, t := range opora.MedicalCheckTypes {
		d.Types = append(d.Types, option{Value: string(t), Label: l.T("shelter.medical." + string(t))})
	}
	d.Validity = opora.MedicalValidityMonths
	if d.CanHealth {
		if d.Checks, err = s.store.MedicalChecks(ctx, c.ID); err != nil {
			return err
		}
		d.Latest = store.LatestChecks(d.Checks)
	}
	if f == nil {
		f = newForm(url.Values{"check_in": {d.Today}, "check_out": {d.Today}, "out_status": {string(opora.StayLeft)}}, nil)
	}
	v := s.newView(r, "shelter.client_title")
	v.Nav = "clients"
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "shelter_client", v)
}

func (s *Server) shelterClient(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "shelter")
	if err != nil || !ok {
		return err
	}
	return s.renderShelterClient(w, r, http.StatusOK, c, "", nil)
}

// renamed returns err with its field names mapped through names, so the
// errors land next to the inputs of the form that was sent.
func renamed(err error, names map[string]string) error {
	var e *opora.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := &opora.Error{Code: e.Code, Message: e.Message, Args: e.Args, Fields: map[string]string{}}
	for k, v := range e.Fields {
		if n, ok := names[k]; ok {
			k = n
		}
		out.Fields[k] = v
	}
	return out
}

// formFailure re-renders the tab with the error next to the form, or
// returns the error for the central handler when it is not about the input.
func (s *Server) formFailure(w http.ResponseWriter, r *http.Request, c *opora.Client, which string, err error) error {
	switch opora.ErrorCode(err) {
	case opora.EINVALID:
		return s.renderShelterClient(w, r, http.StatusUnprocessableEntity, c, which, newForm(r.PostForm, err))
	case opora.ECONFLICT:
		f := newForm(r.PostForm, err)
		var e *opora.Error
		if errors.As(err, &e) {
			f.Args = e.Args
		}
		return s.renderShelterClient(w, r, http.StatusConflict, c, which, f)
	}
	return err
}

func (s *Server) shelterCheckIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, ok, err := s.loadClient(w, r, "")
	if err != nil || !ok {
		return err
	}
	f := r.PostForm
	st := &opora.Stay{ClientID: c.ID, Comment: f.Get("comment")}
	st.RoomID, _ = strconv.ParseInt(f.Get("room_id"), 10, 64)
	var v opora.Validation
	if d, ok := opora.ParseDate(f.Get("check_in")); ok {
		st.CheckIn = d
	} else {
		v.Add("check_in", "error.date")
	}
	err = v.Err()
	if err == nil {
		err = s.store.CheckIn(r.Context(), st)
	}
	if err != nil {
		return s.formFailure(w, r, c, "checkin", err)
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID)+"/shelter", "shelter.checked_in")
}

var checkOutFields = map[string]string{"comment": "out_comment", "status": "out_status"}

func (s *Server) shelterCheckOut(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, ok, err := s.loadClient(w, r, "")
	if err != nil || !ok {
		return err
	}
	stayID, err := pathID(r, "stay")
	if err != nil {
		return err
	}
	f := r.PostForm
	st := &opora.Stay{ID: stayID, ClientID: c.ID, Status: opora.StayStatus(f.Get("out_status")), Reason: f.Get("reason"),
		Comment: f.Get("out_comment")}
	var v opora.Validation
	if d, ok := opora.ParseDate(f.Get("check_out")); ok {
		st.CheckOut = d
	} else {
		v.Add("check_out", "error.date")
	}
	err = v.Err()
	if err == nil {
		err = s.store.CheckOut(r.Context(), st)
	}
	if err != nil {
		return s.formFailure(w, r, c, "checkout", renamed(err, checkOutFields))
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID)+"/shelter", "shelter.checked_out")
}

var medicalFields = map[string]string{"comment": "med_comment", "type": "med_type"}

func (s *Server) shelterMedicalAdd(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if err := opora.ActorFrom(r.Context()).Require(opora.PermSensitiveHealth); err != nil {
		return err
	}
	c, ok, err := s.loadClient(w, r, "")
	if err != nil || !ok {
		return err
	}
	f := r.PostForm
	m := &opora.MedicalCheck{ClientID: c.ID, Type: opora.MedicalCheckType(f.Get("med_type")), Comment: f.Get("med_comment")}
	var v opora.Validation
	if d, ok := opora.ParseDate(f.Get("done_on")); ok {
		m.DoneOn = d
	} else {
		v.Add("done_on", "error.date")
	}
	if due := strings.TrimSpace(f.Get("next_due")); due != "" {
		if d, ok := opora.ParseDate(due); ok {
			m.NextDue = d
		} else {
			v.Add("next_due", "error.date")
		}
	}
	err = v.Err()
	if err == nil {
		err = s.store.AddMedicalCheck(r.Context(), m)
	}
	if err != nil {
		return s.formFailure(w, r, c, "medical", renamed(err, medicalFields))
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID)+"/shelter#medical", "common.saved")
}

func (s *Server) shelterMedicalDelete(w http.ResponseWriter, r *http.Request) error {
	clientID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	checkID, err := pathID(r, "check")
	if err != nil {
		return err
	}
	if err := s.store.DeleteMedicalCheck(r.Context(), clientID, checkID); err != nil {
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(clientID)+"/shelter#medical", "shelter.medical_deleted")
}
