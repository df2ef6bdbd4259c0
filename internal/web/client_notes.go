package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Notes, rule violations / restrictions and reminders of a client.

// profileNotes is how many ordinary notes the profile's notes panel shows
// (the important ones are on top of the page).
const profileNotes = 5

// notesPanel is .Data.Panels.notes.
type notesPanel struct {
	Notes  []*opora.Note
	Hidden int // ordinary notes not shown on the profile
}

// remindersPanel is .Data.Panels.reminders.
type remindersPanel struct {
	Reminders  []*opora.Reminder
	Colleagues []option
	Today      opora.Date
}

func loadFlagsPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	m, err := s.store.ActiveRestrictions(r.Context(), []int64{c.ID})
	if err != nil {
		return nil, err
	}
	return m[c.ID], nil
}

func loadNotesPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	notes, err := s.store.ClientNotes(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	p := &notesPanel{}
	for _, n := range notes {
		switch {
		case n.Important: // on top of the page (clientView.Pinned)
		case len(p.Notes) >= profileNotes:
			p.Hidden++
		default:
			p.Notes = append(p.Notes, n)
		}
	}
	return p, nil
}

func loadRemindersPanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	ctx := r.Context()
	list, err := s.store.ClientReminders(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p := &remindersPanel{Reminders: list, Today: s.store.Today()}
	if opora.ActorFrom(ctx).Can(opora.PermClientWrite) {
		cs, err := s.store.Colleagues(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			label := c.FullName
			if c.Position != "" {
				label += " (" + c.Position + ")"
			}
			p.Colleagues = append(p.Colleagues, option{Value: idString(c.ID), Label: label})
		}
	}
	return p, nil
}

// notesPageData is .Data of the notes tab: the client view plus every note
// and every restriction.
type notesPageData struct {
	*clientView
	Notes        []*opora.Note
	Restrictions []*opora.Restriction
	Today        opora.Date
	KindOptions  []option
}

// notesPage is the notes tab: all notes with their history, violations and
// restrictions (past and present), reminders, and the forms to add them.
func (s *Server) notesPage(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "notes")
	if err != nil || !ok {
		return err
	}
	return s.renderNotesPage(w, r, http.StatusOK, c, nil)
}

func (s *Server) renderNotesPage(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, f *form) error {
	ctx := r.Context()
	cv, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		load func(*Server, *http.Request, *opora.Client) (any, error)
	}{{"flags", loadFlagsPanel}, {"reminders", loadRemindersPanel}} {
		v, err := p.load(s, r, c)
		if err != nil {
			return err
		}
		cv.Panels[p.name] = v
	}
	cv.Tab = "notes"
	d := &notesPageData{clientView: cv, Today: s.store.Today()}
	if d.Notes, err = s.store.ClientNotes(ctx, c.ID); err != nil {
		return err
	}
	if d.Restrictions, err = s.store.ClientRestrictions(ctx, c.ID); err != nil {
		return err
	}
	l := s.loc(r)
	for _, k := range opora.RestrictionKinds {
		d.KindOptions = append(d.KindOptions, option{Value: string(k), Label: l.T("restrictions.kind." + string(k))})
	}
	if f == nil {
		f = newForm(nil, nil)
	}
	// The forms a request did not send start from today and a ban.
	for k, def := range map[string]string{"starts_on": d.Today.Format("2006-01-02"), "due_on": d.Today.Format("2006-01-02"),
		"kind": string(opora.RestrictionBan)} {
		if _, sent := f.Values[k]; !sent {
			f.Values.Set(k, def)
		}
	}
	v := s.newView(r, "notes.title")
	v.Nav = "clients"
	v.Path = "/clients/" + idString(c.ID) + "/notes" // also after a form posted elsewhere
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "notes_list", v)
}

// backTo returns the form's "back" address when it is a page of this
// client, else the fallback: never an outside address.
func backTo(r *http.Request, clientID int64, fallback string) string {
	b := r.PostForm.Get("back")
	base := "/clients/" + idString(clientID)
	if b == base || strings.HasPrefix(b, base+"/") || strings.HasPrefix(b, base+"#") {
		return b
	}
	return fallback
}

// formInvalid re-renders the page a form was sent from (its "back": the
// profile, else the notes tab) with the submitted values and the errors
// when err is a validation error; otherwise it returns err.
func (s *Server) formInvalid(w http.ResponseWriter, r *http.Request, clientID int64, err error) error {
	if opora.ErrorCode(err) != opora.EINVALID {
		return err
	}
	// The page shown again is a view of the client like any other.
	section := "notes"
	page, _, _ := strings.Cut(backTo(r, clientID, ""), "#")
	if page == "/clients/"+idString(clientID) {
		section = "profile"
	}
	c, cerr := s.store.ViewClient(r.Context(), clientID, section)
	if cerr != nil {
		return cerr
	}
	f := newForm(r.PostForm, err)
	if section == "profile" {
		return s.renderProfile(w, r, http.StatusUnprocessableEntity, c, f)
	}
	return s.renderNotesPage(w, r, http.StatusUnprocessableEntity, c, f)
}

func (s *Server) noteCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n := &opora.Note{ClientID: id, Body: r.PostForm.Get("body"), Important: r.PostForm.Get("important") == "1"}
	if err := s.store.CreateNote(r.Context(), n); err != nil {
		return s.formInvalid(w, r, id, err)
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id)+"/notes"), "notes.created")
}

// clientNote loads the note in the path and checks it belongs to the client in the path.
func (s *Server) clientNote(r *http.Request) (*opora.Note, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	nid, err := pathID(r, "nid")
	if err != nil {
		return nil, err
	}
	n, err := s.store.Note(r.Context(), nid)
	if err != nil {
		return nil, err
	}
	if n.ClientID != id {
		return nil, opora.ErrNotFound
	}
	return n, nil
}

func noteValues(n *opora.Note) url.Values {
	v := url.Values{"body": {n.Body}, "version": {strconv.Itoa(n.Version)}}
	if n.Important {
		v.Set("important", "1")
	}
	return v
}

func (s *Server) renderNoteForm(w http.ResponseWriter, r *http.Request, status int, n *opora.Note, f *form) error {
	c, err := s.store.Client(r.Context(), n.ClientID)
	if err != nil {
		return err
	}
	cv, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	cv.Tab = "notes"
	v := s.newView(r, "notes.edit")
	v.Nav = "clients"
	v.Form = f
	v.Data = map[string]any{"Client": c, "Note": n, "View": cv}
	return s.render(w, r, status, "notes_edit", v)
}

func (s *Server) noteEdit(w http.ResponseWriter, r *http.Request) error {
	n, err := s.clientNote(r)
	if err != nil {
		return err
	}
	return s.renderNoteForm(w, r, http.StatusOK, n, newForm(noteValues(n), nil))
}

func (s *Server) noteUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	cur, err := s.clientNote(r)
	if err != nil {
		return err
	}
	n := &opora.Note{ID: cur.ID, ClientID: cur.ClientID, Body: r.PostForm.Get("body"),
		Important: r.PostForm.Get("important") == "1"}
	n.Version, _ = strconv.Atoi(r.PostForm.Get("version"))
	if err := s.store.UpdateNote(r.Context(), n); err != nil {
		switch opora.ErrorCode(err) {
		case opora.EINVALID:
			return s.renderNoteForm(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err))
		case opora.ECONFLICT:
			// Keep the typed text, say who changed the note, show the
			// current text, and let the user save on top of it.
			latest, lerr := s.store.Note(r.Context(), cur.ID)
			if lerr != nil {
				return lerr
			}
			vals := r.PostForm
			vals.Set("version", strconv.Itoa(latest.Version))
			f := newForm(vals, nil)
			f.Error, f.Args = opora.ErrorMessage(err), s.conflictArgs(r, err)
			return s.renderNoteForm(w, r, http.StatusConflict, latest, f)
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(cur.ClientID)+"/notes#note-"+idString(cur.ID), "common.saved")
}

func (s *Server) noteDelete(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	n, err := s.clientNote(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteNote(r.Context(), n.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(n.ClientID)+"/notes", "notes.deleted")
}

// parseDay reads an optional date field; a date that cannot be read is
// reported on the field.
func parseDay(f url.Values, name string, v *opora.Validation) opora.Date {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return opora.Date{}
	}
	d, ok := opora.ParseDate(s)
	if !ok {
		v.Add(name, "error.date")
	}
	return d
}

func (s *Server) restrictionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	var v opora.Validation
	rs := &opora.Restriction{ClientID: id, Kind: opora.RestrictionKind(f.Get("kind")), Description: f.Get("description")}
	rs.StartsOn = parseDay(f, "starts_on", &v)
	rs.EndsOn = parseDay(f, "ends_on", &v)
	if err := v.Err(); err != nil {
		return s.formInvalid(w, r, id, err)
	}
	if err := s.store.CreateRestriction(r.Context(), rs); err != nil {
		return s.formInvalid(w, r, id, err)
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id)+"/notes"), "restrictions.created")
}

func (s *Server) restrictionLift(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	list, err := s.store.ClientRestrictions(r.Context(), id)
	if err != nil {
		return err
	}
	found := false
	for _, x := range list {
		found = found || x.ID == rid
	}
	if !found {
		return opora.ErrNotFound
	}
	if err := s.store.LiftRestriction(r.Context(), rid); err != nil {
		return err
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id)+"/notes"), "restrictions.lifted_flash")
}

func (s *Server) reminderCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	var v opora.Validation
	m := &opora.Reminder{ClientID: id, Body: f.Get("reminder_body"), ForAll: f.Get("for_all") == "1",
		RecipientIDs: formIDs(f["recipients"])}
	m.DueOn = parseDay(f, "due_on", &v)
	if err := v.Err(); err != nil {
		return s.formInvalid(w, r, id, err)
	}
	if err := s.store.CreateReminder(r.Context(), m); err != nil {
		return s.formInvalid(w, r, id, err)
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id)+"/notes"), "reminders.created")
}

// clientReminder checks the reminder in the path belongs to the client in the path.
func (s *Server) clientReminder(r *http.Request) (clientID, reminderID int64, err error) {
	if clientID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	if reminderID, err = pathID(r, "rid"); err != nil {
		return 0, 0, err
	}
	list, err := s.store.ClientReminders(r.Context(), clientID)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range list {
		if m.ID == reminderID {
			return clientID, reminderID, nil
		}
	}
	return 0, 0, opora.ErrNotFound
}

func (s *Server) reminderDelete(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, rid, err := s.clientReminder(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteReminder(r.Context(), rid); err != nil {
		return err
	}
	return s.redirect(w, r, backTo(r, id, "/clients/"+idString(id)+"/notes"), "reminders.deleted")
}

// myReminders lists my unread reminders, due and upcoming.
func (s *Server) myReminders(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.MyReminders(r.Context(), 0)
	if err != nil {
		return err
	}
	v := s.newView(r, "reminders.my")
	v.Nav = "reminders"
	v.Data = map[string]any{"Reminders": list, "Today": s.store.Today()}
	return s.render(w, r, http.StatusOK, "reminders_list", v)
}

// reminderRead marks a reminder read for me and returns to where I was.
func (s *Server) reminderRead(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	rid, err := pathID(r, "rid")
	if err != nil {
		return err
	}
	if err := s.store.MarkReminderRead(r.Context(), rid); err != nil {
		return err
	}
	back := r.PostForm.Get("back")
	if safeNext(back) != back {
		back = "/reminders"
	}
	return s.redirect(w, r, back, "reminders.marked_read")
}
