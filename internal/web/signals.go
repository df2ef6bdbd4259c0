package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Signals (Flow B): the lists (the КДН's inbox, overdue, «Мои сигналы»),
// the registering form with its match on earlier signals and families
// (for the КДН only), the signal's card with its triage.

// signalRows is how many children rows the form offers at first.
const signalRows = 2

// receivedLayout is the value format of a datetime-local input.
const receivedLayout = "2006-01-02T15:04"

func choiceOptions(l func(string, ...any) string, prefix string, values []string) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		out = append(out, option{Value: v, Label: l(prefix + v)})
	}
	return out
}

// signalOptions are the choices of the signal forms.
func (s *Server) signalOptions(r *http.Request) (map[string][]option, error) {
	ctx := r.Context()
	t := s.loc(r).T
	opts := map[string][]option{
		"reporter_kinds": choiceOptions(t, "signal.reporter_kind.", opora.ReporterKinds),
		"channels":       choiceOptions(t, "signal.channel.", opora.Channels),
		"urgencies":      choiceOptions(t, "signal.urgency.", opora.Urgencies),
		"close_reasons":  choiceOptions(t, "signal.close_reason.", opora.CloseReasons),
	}
	terrs, err := s.store.Territories(ctx)
	if err != nil {
		return nil, err
	}
	to := []option{{Value: "", Label: t("cases.choose")}}
	for _, tr := range terrs {
		if tr.Kind != opora.TerritoryRegion {
			to = append(to, option{Value: idString(tr.ID), Label: tr.Path})
		}
	}
	opts["territories"] = to
	if opora.ActorFrom(ctx).Can(opora.PermClientRead) {
		orgs, err := s.store.NetworkOrganisations(ctx)
		if err != nil {
			return nil, err
		}
		oo := []option{{Value: "", Label: t("signal.org_outside")}}
		for _, o := range orgs {
			oo = append(oo, option{Value: idString(o.ID), Label: o.Name})
		}
		opts["organisations"] = oo
	}
	return opts, nil
}

// signalsData is the lists page.
type signalsData struct {
	Inbox    []*opora.Signal
	Overdue  bool // the overdue list only
	Reported []*opora.Signal
	Now      time.Time
}

func (s *Server) signalsHome(w http.ResponseWriter, r *http.Request) error {
	return s.renderSignals(w, r, false)
}

func (s *Server) signalsOverdue(w http.ResponseWriter, r *http.Request) error {
	return s.renderSignals(w, r, true)
}

func (s *Server) renderSignals(w http.ResponseWriter, r *http.Request, overdue bool) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	d := &signalsData{Overdue: overdue, Now: s.store.Now()}
	var err error
	if a.Can(opora.PermSignalTriage) {
		if d.Inbox, err = s.store.SignalInbox(ctx, overdue); err != nil {
			return err
		}
	} else if overdue {
		return opora.ErrForbidden
	}
	if !overdue && a.Can(opora.PermSignalRegister) {
		if d.Reported, err = s.store.ReportedSignals(ctx); err != nil {
			return err
		}
	}
	title := "signal.title"
	if overdue {
		title = "signal.overdue"
	}
	v := s.newView(r, title)
	v.Nav = "signals"
	v.Data = d
	return s.render(w, r, http.StatusOK, "signals_list", v)
}

// signalNewData is the registering form.
type signalNewData struct {
	Rows    []int
	Options map[string][]option
	Match   bool // the user may see the match (signal.triage)
	Direct  bool // the user names the reporter (КДН)
}

func (s *Server) signalNew(w http.ResponseWriter, r *http.Request) error {
	vals := url.Values{}
	vals.Set("received_at", s.store.Now().Local().Format(receivedLayout))
	vals.Set("urgency", opora.UrgencyOrdinary)
	a := opora.ActorFrom(r.Context())
	if a.Can(opora.PermSignalTriage) {
		vals.Set("channel", opora.ChannelPhone)
	} else {
		vals.Set("channel", opora.ChannelSystem)
	}
	vals.Set("reporter_kind", opora.ReporterAgency)
	// Most signals concern the reporter's own municipality: start there.
	if org, err := s.store.Organisation(r.Context(), a.OrganisationID); err != nil {
		return err
	} else if org.TerritoryID != 0 {
		vals.Set("territory_id", idString(org.TerritoryID))
	}
	return s.renderSignalNew(w, r, http.StatusOK, newForm(vals, nil))
}

func (s *Server) renderSignalNew(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	a := opora.ActorFrom(r.Context())
	d := &signalNewData{Match: a.Can(opora.PermSignalTriage), Direct: a.Can(opora.PermSignalTriage)}
	var err error
	if d.Options, err = s.signalOptions(r); err != nil {
		return err
	}
	rows, _ := strconv.Atoi(f.Values.Get("rows"))
	rows = max(signalRows, min(rows, opora.MaxSignalChildren))
	for i := range rows {
		d.Rows = append(d.Rows, i)
	}
	v := s.newView(r, "signal.new")
	v.Nav = "signals"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "signals_new", v)
}

// signalChildrenFrom reads the children rows of a form.
func signalChildrenFrom(f url.Values, v *opora.Validation) []*opora.SignalChild {
	rows, _ := strconv.Atoi(f.Get("rows"))
	rows = max(signalRows, min(rows, opora.MaxSignalChildren))
	var out []*opora.SignalChild
	for i := range rows {
		p := "children." + strconv.Itoa(i) + "."
		c := &opora.SignalChild{Name: f.Get(p + "name"), BirthDate: parseDateField(f, p+"birth_date", v)}
		out = append(out, c) // empty rows keep their place, so errors name the right row
	}
	return out
}

func (s *Server) signalCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("more") != "" { // one more child row, the values kept
		rows, _ := strconv.Atoi(f.Get("rows"))
		f.Set("rows", strconv.Itoa(min(max(rows, signalRows)+1, opora.MaxSignalChildren)))
		return s.renderSignalNew(w, r, http.StatusOK, newForm(f, nil))
	}
	var v opora.Validation
	sg := &opora.Signal{ReporterKind: f.Get("reporter_kind"), ReporterName: f.Get("reporter_name"),
		ReporterContact: f.Get("reporter_contact"), Channel: f.Get("channel"), Description: f.Get("description"),
		Address: f.Get("address"), Surname: f.Get("surname"), Urgency: f.Get("urgency")}
	sg.TerritoryID, _ = strconv.ParseInt(f.Get("territory_id"), 10, 64)
	sg.ReporterOrgID, _ = strconv.ParseInt(f.Get("reporter_org_id"), 10, 64)
	if raw := strings.TrimSpace(f.Get("received_at")); raw != "" {
		t, err := time.ParseInLocation(receivedLayout, raw, time.Local)
		if err != nil {
			v.Add("received_at", "error.date")
		}
		sg.ReceivedAt = t
	}
	sg.Children = signalChildrenFrom(f, &v)
	// The store drops empty rows; keep row numbers for its errors.
	var rowOf []int
	for i, c := range sg.Children {
		if strings.TrimSpace(c.Name) != "" || !c.BirthDate.IsZero() {
			rowOf = append(rowOf, i)
		}
	}
	err := v.Err()
	if err == nil {
		err = s.store.RegisterSignal(r.Context(), sg)
	}
	if err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		var back opora.Validation
		for k, msg := range opora.FieldErrors(err) {
			if rest, ok := strings.CutPrefix(k, "children."); ok && len(v.Fields) == 0 {
				if n, field, ok := strings.Cut(rest, "."); ok {
					if i, e := strconv.Atoi(n); e == nil && i < len(rowOf) {
						k = "children." + strconv.Itoa(rowOf[i]) + "." + field
					}
				}
			}
			back.Add(k, msg)
		}
		return s.renderSignalNew(w, r, http.StatusUnprocessableEntity, newForm(f, back.Err()))
	}
	return s.redirect(w, r, "/signals/"+idString(sg.ID), "signal.registered")
}

// signalMatchesData is the match fragment.
type signalMatchesData struct {
	Matches  *store.SignalMatches
	SignalID int64 // on the card: link buttons for the families
	Version  int
	Asked    bool
}

// signalMatches answers the registering form's htmx request with the
// earlier signals and families that match what is typed so far.
func (s *Server) signalMatches(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var v opora.Validation
	m := store.SignalMatch{Surname: q.Get("surname"), Address: q.Get("address"), Children: signalChildrenFrom(q, &v)}
	res, err := s.store.MatchSignal(r.Context(), m)
	if err != nil {
		return err
	}
	view := s.newView(r, "signal.matches")
	view.Data = &signalMatchesData{Matches: res, Asked: true}
	return s.render(w, r, http.StatusOK, "signals_matches", view)
}

// signalCardData is the signal's card and triage.
type signalCardData struct {
	Signal  *opora.Signal
	Matches *store.SignalMatches
	Centres []store.OrgRef
	Options map[string][]option
	Now     time.Time
	Failed  string // which form failed: link, new, route, close
}

func (s *Server) signalCard(w http.ResponseWriter, r *http.Request) error {
	return s.renderSignalCard(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderSignalCard(w http.ResponseWriter, r *http.Request, status int, failed string, f *form) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d := &signalCardData{Now: s.store.Now(), Failed: failed}
	if d.Signal, err = s.store.Signal(ctx, id); err != nil {
		return err
	}
	if _, err := s.store.ReadNotificationsOn(ctx, "/signals/"+idString(id)); err != nil {
		return err
	}
	sg := d.Signal
	if !sg.Limited {
		if d.Options, err = s.signalOptions(r); err != nil {
			return err
		}
		if sg.Status == opora.SignalNew {
			if d.Matches, err = s.store.MatchSignal(ctx, store.SignalMatch{Surname: sg.Surname, Address: sg.Address,
				Children: sg.Children, Exclude: sg.ID}); err != nil {
				return err
			}
		}
		if sg.Status != opora.SignalClosed && sg.RoutedOrgID == 0 {
			if d.Centres, err = s.store.SignalCentres(ctx, sg.ID); err != nil {
				return err
			}
		}
	}
	if f == nil {
		vals := url.Values{}
		vals.Set("version", strconv.Itoa(sg.Version))
		vals.Set("address", sg.Address)
		for i, c := range sg.Children {
			p := "members." + strconv.Itoa(i) + "."
			surname, first := sg.Surname, c.Name
			if words := strings.Fields(c.Name); len(words) > 1 {
				surname, first = words[0], strings.Join(words[1:], " ")
			}
			vals.Set(p+"surname", surname)
			vals.Set(p+"first_name", first)
			if !c.BirthDate.IsZero() {
				vals.Set(p+"birth_date", c.BirthDate.String())
			}
		}
		if len(d.Centres) > 0 {
			vals.Set("route_org_id", idString(d.Centres[0].ID))
		}
		f = newForm(vals, nil)
	}
	v := s.newView(r, "signal.card")
	v.Nav = "signals"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "signals_card", v)
}

// signalFailed re-renders the card with a form's errors, or passes other errors on.
func (s *Server) signalFailed(w http.ResponseWriter, r *http.Request, which string, err error) error {
	if opora.ErrorCode(err) == opora.EINVALID || opora.ErrorCode(err) == opora.ECONFLICT {
		return s.renderSignalCard(w, r, http.StatusUnprocessableEntity, which, newForm(r.PostForm, err))
	}
	return err
}

// signalAccept links the signal to a family: an existing one (family_id)
// or a new one from the card's form (new=1), optionally sending it to a
// КЦСОН (route_org_id).
func (s *Server) signalAccept(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	t := &store.SignalAccept{SignalID: id}
	t.Version, _ = strconv.Atoi(f.Get("version"))
	t.RouteOrgID, _ = strconv.ParseInt(f.Get("route_org_id"), 10, 64)
	which := "link"
	var v opora.Validation
	if f.Get("new") != "" {
		which = "new"
		fam := &opora.Family{Address: f.Get("address")}
		for i := range opora.MaxSignalChildren {
			p := "members." + strconv.Itoa(i) + "."
			if strings.TrimSpace(f.Get(p+"surname")) == "" && strings.TrimSpace(f.Get(p+"first_name")) == "" {
				continue
			}
			f.Set(p+"role", string(opora.RoleChild))
			fam.Members = append(fam.Members, memberFrom(f, p, &v))
		}
		t.NewFamily = fam
	} else {
		t.FamilyID, _ = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("family_id")), "№"), 10, 64)
	}
	err = v.Err()
	if err == nil {
		err = s.store.AcceptSignal(r.Context(), t)
	}
	if err != nil {
		return s.signalFailed(w, r, which, err)
	}
	return s.redirect(w, r, "/signals/"+idString(id), "signal.accepted")
}

func (s *Server) signalRoute(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	org, _ := strconv.ParseInt(r.PostForm.Get("route_org_id"), 10, 64)
	if err := s.store.RouteSignal(r.Context(), id, org); err != nil {
		return s.signalFailed(w, r, "route", err)
	}
	return s.redirect(w, r, "/signals/"+idString(id), "signal.routed")
}

func (s *Server) signalClose(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	c := &opora.Signal{ID: id, CloseReason: f.Get("close_reason"), ForwardedTo: f.Get("forwarded_to")}
	c.Version, _ = strconv.Atoi(f.Get("version"))
	c.DuplicateOf, _ = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("duplicate_of")), "№"), 10, 64)
	if err := s.store.CloseSignal(r.Context(), c); err != nil {
		return s.signalFailed(w, r, "close", err)
	}
	return s.redirect(w, r, "/signals/"+idString(id), "signal.closed")
}

// signalDeadlines is the network administrator's form of the regions'
// triage deadlines.
func (s *Server) signalDeadlines(w http.ResponseWriter, r *http.Request) error {
	return s.renderSignalDeadlines(w, r, http.StatusOK, 0, nil)
}

func (s *Server) renderSignalDeadlines(w http.ResponseWriter, r *http.Request, status int, failed int64, f *form) error {
	list, err := s.store.SignalDeadlines(r.Context())
	if err != nil {
		return err
	}
	v := s.newView(r, "signal.deadlines")
	v.Nav = "network"
	v.Data = map[string]any{"List": list, "Failed": failed}
	v.Form = f
	if f == nil {
		v.Form = newForm(nil, nil)
	}
	return s.render(w, r, status, "signals_deadlines", v)
}

func (s *Server) signalDeadlinesSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	d := &opora.SignalDeadlines{}
	d.RegionID, _ = strconv.ParseInt(f.Get("region_id"), 10, 64)
	d.OrdinaryHours, _ = strconv.Atoi(f.Get("ordinary_hours"))
	d.ImmediateHours, _ = strconv.Atoi(f.Get("immediate_hours"))
	if err := s.store.SaveSignalDeadlines(r.Context(), d); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderSignalDeadlines(w, r, http.StatusUnprocessableEntity, d.RegionID, newForm(f, err))
	}
	return s.redirect(w, r, "/admin/signal-deadlines", "common.saved")
}

func init() {
	// overdue reports whether a signal is past its deadline at now.
	funcs["overdue"] = func(sg *opora.Signal, now time.Time) bool { return sg.Overdue(now) }
}
