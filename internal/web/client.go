package web

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// profilePanel loads the data of one panel of the client profile: the
// profile page renders the template "panel_<name>" with
// .Data.Panels.<name> holding what Load returned.
type profilePanel struct {
	Name string
	Load func(s *Server, r *http.Request, c *opora.Client) (any, error)
}

// profilePanels are the client profile's panels, loaded in this order
// ("flags" first, by clientData, for every tab of the record). A feature
// with a block on the profile adds its loader here and its template
// "panel_<name>" in its own file.
var profilePanels = []profilePanel{
	{"case", loadCasePanel},                   // cases.go
	{"documents", loadDocumentsPanel},         // client_files.go
	{"consent", loadConsentPanel},             // client_files.go
	{"flags", loadFlagsPanel},                 // client_notes.go
	{"life_events", loadLifeEventsPanel},      // life_events.go
	{"issued", loadIssuedPanel},               // doctemplates.go
	{"notes", loadNotesPanel},                 // client_notes.go
	{"reminders", loadRemindersPanel},         // client_notes.go
	{"questionnaire", loadQuestionnairePanel}, // questionnaire.go
	{"services", loadServicesPanel},           // services.go
	{"shelter", loadShelterPanel},             // shelter.go
}

// clientView is what client pages get as .Data.
type clientView struct {
	Client      *opora.Client
	Branch      string
	Responsible string
	CreatedBy   string
	Age         int
	HasAge      bool
	Panels      map[string]any
	Pinned      []*opora.Note // important notes, on top of every tab
	Events      []*eventLine
	Tab         string
	Kinds       []string
	Kind        map[string]bool
	Pager       pager
}

// loadClient reads the client in the path for a page: a merged-away number
// redirects to the survivor (ok false means the redirect was sent).
func (s *Server) loadClient(w http.ResponseWriter, r *http.Request, section string) (*opora.Client, bool, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, false, err
	}
	var c *opora.Client
	if section == "" {
		c, err = s.store.Client(r.Context(), id)
	} else {
		c, err = s.store.ViewClient(r.Context(), id, section)
	}
	if err != nil {
		return nil, false, err
	}
	if c.MergedInto != 0 {
		to := strings.Replace(r.URL.Path, "/clients/"+idString(c.ID), "/clients/"+idString(c.MergedInto), 1)
		_ = s.redirect(w, r, to, "clients.merged_redirect")
		return nil, false, nil
	}
	return c, true, nil
}

func (s *Server) clientData(r *http.Request, c *opora.Client) (*clientView, error) {
	ctx := r.Context()
	d := &clientView{Client: c, Panels: map[string]any{}}
	d.Age, d.HasAge = c.Age(s.store.Now())
	names, err := s.store.UserNames(ctx, []int64{c.ResponsibleID, c.CreatedBy})
	if err != nil {
		return nil, err
	}
	d.Responsible, d.CreatedBy = names[c.ResponsibleID], names[c.CreatedBy]
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range branches {
		if b.ID == c.BranchID {
			d.Branch = b.Name
		}
	}
	// Rule violations and important notes show under the name on every
	// tab of the record, so a worker never misses a ban or a warning
	// whichever page they opened.
	if d.Pinned, err = s.store.ImportantNotes(ctx, c.ID); err != nil {
		return nil, err
	}
	for _, p := range profilePanels {
		if p.Name == "flags" {
			v, err := p.Load(s, r, c)
			if err != nil {
				return nil, err
			}
			d.Panels[p.Name] = v
		}
	}
	return d, nil
}

func (s *Server) clientProfile(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "profile")
	if err != nil || !ok {
		return err
	}
	return s.renderProfile(w, r, http.StatusOK, c, nil)
}

// renderProfile shows the client's profile; f carries a form sent from it
// back with its values and errors (a reminder, a note).
func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, f *form) error {
	d, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	for _, p := range profilePanels {
		if _, done := d.Panels[p.Name]; done {
			continue
		}
		v, err := p.Load(s, r, c)
		if err != nil {
			return err
		}
		d.Panels[p.Name] = v
	}
	events, err := s.store.Timeline(r.Context(), c.ID, nil, 0, 10)
	if err != nil {
		return err
	}
	d.Events, d.Tab = s.eventLines(r, events), "profile"
	v := s.newView(r, "clients.profile")
	v.Nav = "clients"
	v.Path = "/clients/" + idString(c.ID) // also after a form posted elsewhere
	v.Form = f
	v.Data = d
	return s.render(w, r, status, "client_profile", v)
}

// eventLine is one line of a client's history as the profile and the
// timeline show it, worked out before rendering: a page shows ten to fifty,
// and each line was a dozen reflective calls in the template.
type eventLine struct {
	loc     *i18n.Localizer
	At      string // dd.mm.yyyy hh:mm, local time
	User    string
	Kind    string // the kind's label
	Summary string
	Changes []changeLine
}

// changeLine is a changed field of an event; a sensitive one has no values.
type changeLine struct {
	Field     string // the field's label
	Sensitive bool
	Old, New  string
}

// T translates for the template (literal keys are written in when the
// templates are parsed).
func (e *eventLine) T(key string, args ...any) string { return e.loc.T(key, args...) }

// eventLines turns a client's events into the lines the history shows, in
// the request's language.
func (s *Server) eventLines(r *http.Request, events []*opora.ClientEvent) []*eventLine {
	loc := s.loc(r)
	out := make([]*eventLine, len(events))
	for i, e := range events {
		l := &eventLine{loc: loc, At: formatDateTime(e.At), User: e.UserName, Kind: loc.T("event." + e.Kind), Summary: e.Summary}
		if key := "event." + e.Kind + ".summary." + e.Summary; s.cat.Has(key) {
			l.Summary = loc.T(key) // a word the store writes as a code ("created")
		} else if e.Entity == "import" {
			l.Summary = loc.T("import.event", "File", e.Summary) // the summary is the file's name
		}
		fields, ok := eventFieldKeys[e.Entity]
		if !ok {
			fields = "clients.field."
		}
		for _, c := range e.Changes {
			l.Changes = append(l.Changes, changeLine{Field: loc.T(fields + c.Field), Sensitive: c.Sensitive,
				Old: s.eventValue(loc, e.Entity, c.Field, c.Old), New: s.eventValue(loc, e.Entity, c.Field, c.New)})
		}
		out[i] = l
	}
	return out
}

// eventFieldKeys are the catalog prefixes of the changed fields' labels of
// an entity's timeline lines (a client's own: "clients.field.").
var eventFieldKeys = map[string]string{"case": "cases.field.", "task": "tasks.field.", "life_event": "life_event.field.",
	"issued_document": "doc.field."}

// eventValueKeys are the catalog prefixes of coded values, by entity and
// field: the timeline keeps the code, the page says the word.
var eventValueKeys = map[string]string{
	"client.gender": "gender.", "client.homeless_status": "homeless.", "client.birth_precision": "clients.birth.",
	"case.status": "cases.status.", "case.outcome": "cases.outcome.", "task.status": "tasks.status.",
	"life_event.kind": "life_event.",
}

// eventValue is a changed value as the timeline shows it: a code in the
// reader's language, a date as dd.mm.yyyy, anything else as it is.
func (s *Server) eventValue(loc *i18n.Localizer, entity, field, v string) string {
	if v == "" {
		return ""
	}
	if prefix, ok := eventValueKeys[entity+"."+field]; ok && s.cat.Has(prefix+v) {
		return loc.T(prefix + v)
	}
	if d, err := time.Parse("2006-01-02", v); err == nil {
		return d.Format("02.01.2006")
	}
	return v
}

// timelineKinds are the kinds a timeline can be filtered by, in the
// filter's order; a feature that writes events of a new kind adds it here.
var timelineKinds = []string{opora.EventProfile, opora.EventQuestionnaire, opora.EventForm, opora.EventNote,
	opora.EventRestriction, opora.EventReminder, opora.EventDocument, opora.EventFile, opora.EventPhoto,
	opora.EventConsent, opora.EventLifeEvent, opora.EventIssuedDocument, opora.EventVoidedDocument, opora.EventMerge, opora.EventDelete, opora.EventRestore,
	opora.EventCase, opora.EventTask,
	opora.EventVisit,
	opora.EventService,
	opora.EventStay, opora.EventMedical}

func (s *Server) clientTimeline(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "timeline")
	if err != nil || !ok {
		return err
	}
	d, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	d.Kinds, d.Kind = timelineKinds, map[string]bool{}
	var kinds []string
	for _, k := range r.URL.Query()["kind"] {
		for _, known := range timelineKinds {
			if k == known {
				kinds = append(kinds, k)
				d.Kind[k] = true
			}
		}
	}
	const perPage = 50
	page := pageNum(r)
	events, err := s.store.Timeline(r.Context(), c.ID, kinds, (page-1)*perPage, perPage+1)
	if err != nil {
		return err
	}
	d.Pager = pager{Page: page}
	q := r.URL.Query()
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		d.Pager.Prev = "?" + q.Encode()
	}
	if len(events) > perPage {
		events = events[:perPage]
		q.Set("page", strconv.Itoa(page+1))
		d.Pager.Next = "?" + q.Encode()
	}
	d.Events, d.Tab = s.eventLines(r, events), "timeline"
	v := s.newView(r, "clients.timeline")
	v.Nav = "clients"
	v.Data = d
	return s.render(w, r, http.StatusOK, "client_timeline", v)
}

// clientsHome shows my clients and the ones I opened recently.
func (s *Server) clientsHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	const perPage = 25
	page := pageNum(r)
	mine, total, err := s.store.Clients(ctx, store.ClientFilter{ResponsibleID: a.UserID, Offset: (page - 1) * perPage, Limit: perPage})
	if err != nil {
		return err
	}
	recent, err := s.store.RecentlyViewed(ctx, 10)
	if err != nil {
		return err
	}
	var deleted []*opora.Client
	if a.Can(opora.PermClientDelete) {
		if deleted, _, err = s.store.Clients(ctx, store.ClientFilter{Deleted: true, Limit: 20}); err != nil {
			return err
		}
	}
	v := s.newView(r, "clients.title")
	v.Nav = "clients"
	v.Data = map[string]any{"Mine": mine, "Recent": recent, "Deleted": deleted, "Pager": newPager(r, page, perPage, total),
		"Total": total}
	return s.render(w, r, http.StatusOK, "client_list", v)
}

// clientForm turns a client into form values.
func clientValues(c *opora.Client) url.Values {
	v := url.Values{}
	v.Set("surname", c.Surname)
	v.Set("first_name", c.FirstName)
	v.Set("patronymic", c.Patronymic)
	v.Set("birth_precision", string(c.BirthPrecision))
	if !c.BirthDate.IsZero() {
		v.Set("birth_date", c.BirthDate.Format("02.01.2006"))
	}
	if c.BirthYear != 0 && c.BirthPrecision == opora.BirthYear {
		v.Set("birth_year", strconv.Itoa(c.BirthYear))
	}
	if c.BirthPrecision == opora.BirthAge && c.BirthYear != 0 {
		v.Set("age", strconv.Itoa(time.Now().Year()-c.BirthYear))
	}
	v.Set("birth_place", c.BirthPlace)
	v.Set("gender", string(c.Gender))
	v.Set("homeless_status", string(c.HomelessStatus))
	if !c.HomelessSince.IsZero() {
		v.Set("homeless_since", c.HomelessSince.Format("02.01.2006"))
	}
	v.Set("branch_id", idString(c.BranchID))
	if c.ResponsibleID != 0 {
		v.Set("responsible_id", idString(c.ResponsibleID))
	}
	v.Set("version", strconv.Itoa(c.Version))
	return v
}

// parseClient reads the profile form. Dates that cannot be read are
// reported per field; the typed text stays in the form.
func (s *Server) parseClient(r *http.Request, c *opora.Client) *opora.Validation {
	f := r.PostForm
	var v opora.Validation
	c.Surname, c.FirstName, c.Patronymic = f.Get("surname"), f.Get("first_name"), f.Get("patronymic")
	c.BirthPlace = f.Get("birth_place")
	c.Gender = opora.Gender(f.Get("gender"))
	c.HomelessStatus = opora.HomelessStatus(f.Get("homeless_status"))
	c.BranchID, _ = strconv.ParseInt(f.Get("branch_id"), 10, 64)
	c.ResponsibleID, _ = strconv.ParseInt(f.Get("responsible_id"), 10, 64)
	c.Version, _ = strconv.Atoi(f.Get("version"))
	c.BirthPrecision = opora.BirthPrecision(f.Get("birth_precision"))
	c.BirthDate, c.BirthYear = opora.Date{}, 0
	switch c.BirthPrecision {
	case opora.BirthExact:
		if d, ok := opora.ParseDate(f.Get("birth_date")); ok {
			c.BirthDate = d
		} else {
			v.Add("birth_date", "error.date")
		}
	case opora.BirthYear:
		y, err := strconv.Atoi(strings.TrimSpace(f.Get("birth_year")))
		if err != nil {
			v.Add("birth_year", "error.year")
		}
		c.BirthYear = y
	case opora.BirthAge:
		age, err := strconv.Atoi(strings.TrimSpace(f.Get("age")))
		if err != nil || age < 0 || age > 120 {
			v.Add("age", "error.age")
		} else {
			c.BirthYear = s.store.Now().Year() - age
		}
	}
	c.HomelessSince = opora.Date{}
	if hs := strings.TrimSpace(f.Get("homeless_since")); hs != "" {
		if d, ok := opora.ParseDate(hs); ok {
			c.HomelessSince = d
		} else {
			v.Add("homeless_since", "error.date")
		}
	}
	return &v
}

func (s *Server) clientFormOptions(r *http.Request) (map[string][]option, error) {
	ctx := r.Context()
	l := s.loc(r)
	a := opora.ActorFrom(ctx)
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	var bs []option
	for _, b := range branches {
		if !b.Archived {
			bs = append(bs, option{Value: idString(b.ID), Label: b.Name})
		}
	}
	// The actor's own branches first: the usual choice.
	sort.SliceStable(bs, func(i, j int) bool { return own(a, bs[i].Value) && !own(a, bs[j].Value) })
	colleagues, err := s.store.Colleagues(ctx)
	if err != nil {
		return nil, err
	}
	resp := []option{{Value: "", Label: l.T("clients.nobody")}}
	for _, c := range colleagues {
		resp = append(resp, option{Value: idString(c.ID), Label: c.FullName})
	}
	opts := map[string][]option{
		"branches":    bs,
		"responsible": resp,
		"gender":      {{"", l.T("clients.not_specified")}, {"male", l.T("gender.male")}, {"female", l.T("gender.female")}},
		"homeless": {{"", l.T("clients.not_specified")}, {"homeless", l.T("homeless.homeless")},
			{"at_risk", l.T("homeless.at_risk")}, {"housed", l.T("homeless.housed")}},
		"precision": {{"date", l.T("clients.birth.date")}, {"year", l.T("clients.birth.year")},
			{"age", l.T("clients.birth.age")}, {"", l.T("clients.birth.unknown")}},
	}
	return opts, nil
}

func own(a *opora.Actor, branchID string) bool {
	for _, id := range a.BranchIDs {
		if idString(id) == branchID {
			return true
		}
	}
	return false
}

func (s *Server) renderClientForm(w http.ResponseWriter, r *http.Request, status int, c *opora.Client, f *form,
	dups []*opora.Client) error {
	opts, err := s.clientFormOptions(r)
	if err != nil {
		return err
	}
	title := "clients.new"
	if c != nil && c.ID != 0 {
		title = "clients.edit"
	}
	v := s.newView(r, title)
	v.Nav = "clients"
	v.Form = f
	v.Data = map[string]any{"Client": c, "Options": opts, "Duplicates": dups}
	return s.render(w, r, status, "client_form", v)
}

func (s *Server) clientNew(w http.ResponseWriter, r *http.Request) error {
	a := opora.ActorFrom(r.Context())
	c := &opora.Client{BirthPrecision: opora.BirthExact, ResponsibleID: a.UserID}
	if len(a.BranchIDs) > 0 {
		c.BranchID = a.BranchIDs[0]
	}
	vals := clientValues(c)
	// The search box hands over what was typed, so nothing is typed twice.
	if q := strings.Fields(r.URL.Query().Get("surname")); len(q) > 0 {
		names := []string{"surname", "first_name", "patronymic"}
		for i, part := range q {
			if i < len(names) {
				vals.Set(names[i], part)
			}
		}
	}
	return s.renderClientForm(w, r, http.StatusOK, &opora.Client{}, newForm(vals, nil), nil)
}

func (s *Server) clientCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	c := &opora.Client{}
	v := s.parseClient(r, c)
	if err := v.Err(); err != nil {
		c.Normalize()
		for k, e := range opora.FieldErrors(c.Validate(s.store.Now())) {
			v.Add(k, e)
		}
		return s.renderClientForm(w, r, http.StatusUnprocessableEntity, &opora.Client{}, newForm(r.PostForm, v.Err()), nil)
	}
	// Likely duplicates are shown before saving; "create anyway" confirms.
	if r.PostForm.Get("confirm_new") != "1" {
		dups, err := s.store.LikelyDuplicates(ctx, c)
		if err != nil {
			return err
		}
		if len(dups) > 0 {
			f := newForm(r.PostForm, nil)
			return s.renderClientForm(w, r, http.StatusOK, &opora.Client{}, f, dups)
		}
	}
	if err := s.store.CreateClient(ctx, c); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderClientForm(w, r, http.StatusUnprocessableEntity, &opora.Client{}, newForm(r.PostForm, err), nil)
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(c.ID), "clients.created")
}

func (s *Server) clientEdit(w http.ResponseWriter, r *http.Request) error {
	c, ok, err := s.loadClient(w, r, "profile")
	if err != nil || !ok {
		return err
	}
	if c.Deleted() {
		return opora.ErrNotFound
	}
	return s.renderClientForm(w, r, http.StatusOK, c, newForm(clientValues(c), nil), nil)
}

func (s *Server) clientUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := s.store.Client(ctx, id)
	if err != nil {
		return err
	}
	c := &opora.Client{ID: id}
	v := s.parseClient(r, c)
	if err := v.Err(); err != nil {
		return s.renderClientForm(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err), nil)
	}
	if err := s.store.UpdateClient(ctx, c); err != nil {
		switch opora.ErrorCode(err) {
		case opora.EINVALID:
			return s.renderClientForm(w, r, http.StatusUnprocessableEntity, cur, newForm(r.PostForm, err), nil)
		case opora.ECONFLICT:
			// Keep what the user typed, explain who changed what, and let
			// them save again on top of the current version.
			latest, lerr := s.store.Client(ctx, id)
			if lerr != nil {
				return lerr
			}
			vals := r.PostForm
			vals.Set("version", strconv.Itoa(latest.Version))
			f := newForm(vals, nil)
			f.Error, f.Args = opora.ErrorMessage(err), s.conflictArgs(r, err)
			return s.renderClientForm(w, r, http.StatusConflict, latest, f, nil)
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(id), "common.saved")
}

// conflictArgs makes a conflict's arguments readable: field keys become
// labels and the time is local.
func (s *Server) conflictArgs(r *http.Request, err error) map[string]string {
	var oe *opora.Error
	out := map[string]string{}
	if e, ok := err.(*opora.Error); ok {
		oe = e
	}
	if oe == nil {
		return out
	}
	l := s.loc(r)
	out["User"] = oe.Args["User"]
	if at, perr := time.Parse(time.RFC3339, oe.Args["At"]); perr == nil {
		out["At"] = at.Local().Format("02.01.2006 15:04")
	}
	var labels []string
	for _, f := range strings.Split(oe.Args["Fields"], ", ") {
		if f != "" {
			labels = append(labels, l.T("clients.field."+f))
		}
	}
	out["Fields"] = strings.Join(labels, ", ")
	return out
}

func (s *Server) clientDelete(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteClient(r.Context(), id, r.PostForm.Get("reason")); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.redirect(w, r, "/clients/"+idString(id)+"#delete", "clients.delete_reason_required")
		}
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(id), "clients.deleted")
}

func (s *Server) clientRestore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.RestoreClient(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/clients/"+idString(id), "clients.restored")
}
