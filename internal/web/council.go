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

// The inter-agency council (issue 21 item 2): the councils the КДН runs
// (council.manage), a council's schedule and members, a meeting's agenda,
// attendance and resolution, one screen per family for the decisions, and
// the printable minutes. The store decides access (another organisation's
// council is not found).

func init() {
	// isoDay shows a change's value that is a day (2026-03-10) as pages
	// show days (10.03.2026); any other value as it is.
	funcs["isoDay"] = func(s string) string {
		if d, ok := opora.ParseDate(s); ok && len(s) == 10 && s[4] == '-' {
			return d.Format("02.01.2006")
		}
		return s
	}
}

// ---- Councils ----

func (s *Server) councilsHome(w http.ResponseWriter, r *http.Request) error {
	return s.councilsPage(w, r, http.StatusOK, nil)
}

func (s *Server) councilTerritoryOptions(r *http.Request) ([]option, error) {
	terrs, err := s.store.Territories(r.Context())
	if err != nil {
		return nil, err
	}
	out := []option{{Value: "", Label: s.loc(r).T("cases.choose")}}
	for _, t := range terrs {
		if t.Kind != opora.TerritoryRegion {
			out = append(out, option{Value: idString(t.ID), Label: t.Path})
		}
	}
	return out, nil
}

func weekdayOptions(r *http.Request, s *Server) []option {
	l := s.loc(r)
	var out []option
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		out = append(out, option{Value: strconv.Itoa(int(d)), Label: l.T("council.weekday." + strconv.Itoa(int(d)))})
	}
	return out
}

func (s *Server) councilsPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	list, err := s.store.Councils(r.Context())
	if err != nil {
		return err
	}
	terrs, err := s.councilTerritoryOptions(r)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(url.Values{"weekday": {"2"}, "weeks": {"2,4"}, "starts_at": {"10:00"}}, nil)
	}
	// Each council's nearest meeting, the secretary's way in.
	nearest := map[int64]*opora.CouncilMeeting{}
	for _, c := range list {
		ms, err := s.store.CouncilMeetings(r.Context(), c.ID)
		if err != nil {
			return err
		}
		if m := nearestMeeting(ms, s.store.Today()); m != nil {
			nearest[c.ID] = m
		}
	}
	v := s.newView(r, "council.title")
	v.Nav = "councils"
	v.Data = map[string]any{"List": list, "Nearest": nearest, "Territories": terrs, "Weekdays": weekdayOptions(r, s)}
	v.Form = f
	return s.render(w, r, status, "councils_list", v)
}

// nearestMeeting is the earliest planned meeting from today on, or nil.
func nearestMeeting(ms []*opora.CouncilMeeting, today opora.Date) *opora.CouncilMeeting {
	var out *opora.CouncilMeeting
	for _, m := range ms {
		if m.Status == opora.MeetingPlanned && !m.HeldOn.Before(today) && (out == nil || m.HeldOn.Before(out.HeldOn)) {
			out = m
		}
	}
	return out
}

func councilFrom(f url.Values, v *opora.Validation) *opora.Council {
	c := &opora.Council{Name: f.Get("name"), StartsAt: f.Get("starts_at"), Place: f.Get("place")}
	c.TerritoryID, _ = strconv.ParseInt(f.Get("territory_id"), 10, 64)
	wd, err := strconv.Atoi(f.Get("weekday"))
	if err != nil {
		wd = -1
	}
	c.Weekday = time.Weekday(wd)
	weeks, ok := opora.ParseWeeks(f.Get("weeks"))
	if !ok {
		v.Add("weeks", "council.error.weeks")
	}
	c.Weeks = weeks
	return c
}

func (s *Server) councilCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var v opora.Validation
	c := councilFrom(r.PostForm, &v)
	err := v.Err()
	if err == nil {
		err = s.store.SaveCouncil(r.Context(), c)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.councilsPage(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
		}
		return err
	}
	if _, err := s.store.PlanMeetings(r.Context(), c.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/councils/"+idString(c.ID), "common.saved")
}

func (s *Server) councilView(w http.ResponseWriter, r *http.Request) error {
	return s.councilPage(w, r, http.StatusOK, "", nil)
}

// councilPage shows a council: its schedule (editable), members (add,
// remove) and meetings; failed names the form sent back with errors.
func (s *Server) councilPage(w http.ResponseWriter, r *http.Request, status int, failed string, f *form) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.store.Council(ctx, id)
	if err != nil {
		return err
	}
	meetings, err := s.store.CouncilMeetings(ctx, id)
	if err != nil {
		return err
	}
	terrs, err := s.councilTerritoryOptions(r)
	if err != nil {
		return err
	}
	orgs, err := s.store.CouncilAgencies(ctx, id)
	if err != nil {
		return err
	}
	oo := []option{{Value: "", Label: s.loc(r).T("council.member_by_login")}}
	for _, o := range orgs {
		oo = append(oo, option{Value: idString(o.ID), Label: o.Name})
	}
	vals := url.Values{"name": {c.Name}, "territory_id": {idString(c.TerritoryID)}, "weekday": {strconv.Itoa(int(c.Weekday))},
		"weeks": {c.WeeksText()}, "starts_at": {c.StartsAt}, "place": {c.Place}}
	if f != nil {
		for k, vs := range f.Values {
			vals[k] = vs
		}
		f.Values = vals
	} else {
		f = newForm(vals, nil)
	}
	var nearest int64
	if m := nearestMeeting(meetings, s.store.Today()); m != nil {
		nearest = m.ID
	}
	v := s.newView(r, "council.title")
	v.Nav = "councils"
	v.Data = map[string]any{"Council": c, "Meetings": meetings, "Nearest": nearest, "Territories": terrs, "Weekdays": weekdayOptions(r, s),
		"Orgs": oo, "Failed": failed, "Today": s.store.Today()}
	v.Form = f
	return s.render(w, r, status, "councils_council", v)
}

func (s *Server) councilUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var v opora.Validation
	c := councilFrom(r.PostForm, &v)
	c.ID = id
	err = v.Err()
	if err == nil {
		err = s.store.SaveCouncil(r.Context(), c)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.councilPage(w, r, http.StatusUnprocessableEntity, "schedule", newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/councils/"+idString(id), "common.saved")
}

func (s *Server) councilAddMember(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation_id"), 10, 64)
	if err := s.store.AddCouncilMember(r.Context(), id, orgID, r.PostForm.Get("login"), r.PostForm.Get("position")); err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.councilPage(w, r, http.StatusUnprocessableEntity, "member", newForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, "/councils/"+idString(id)+"#members", "council.member_added")
}

func (s *Server) councilRemoveMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	if err := s.store.RemoveCouncilMember(r.Context(), id, mid); err != nil {
		return err
	}
	return s.redirect(w, r, "/councils/"+idString(id)+"#members", "common.saved")
}

func (s *Server) councilPlanMeetings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.store.PlanMeetings(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/councils/"+idString(id)+"#meetings", "council.meetings_planned")
}

// ---- A meeting: agenda, attendance, resolution ----

func meetingPath(councilID, meetingID int64) string {
	return "/councils/" + idString(councilID) + "/meetings/" + idString(meetingID)
}

func (s *Server) meetingView(w http.ResponseWriter, r *http.Request) error {
	// ?family=<card number> opens a family that is not on the agenda.
	if fam := strings.TrimSpace(r.URL.Query().Get("family")); fam != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		mid, err := pathID(r, "mid")
		if err != nil {
			return err
		}
		fid, err := strconv.ParseInt(strings.TrimPrefix(fam, "№"), 10, 64)
		if err != nil || fid <= 0 {
			return s.meetingPage(w, r, http.StatusUnprocessableEntity, newForm(url.Values{"family": {fam}},
				fieldError("family", "council.error.family_number")))
		}
		return s.redirect(w, r, meetingPath(id, mid)+"/families/"+idString(fid), "")
	}
	return s.meetingPage(w, r, http.StatusOK, nil)
}

func fieldError(field, key string) error {
	var v opora.Validation
	v.Add(field, key)
	return v.Err()
}

func (s *Server) meetingPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	return s.meetingPageWith(w, r, status, f, 0, "")
}

// meetingPageWith is the meeting page; heldFailed names a held decision
// that could not be applied and heldErr (a catalog key) why.
func (s *Server) meetingPageWith(w http.ResponseWriter, r *http.Request, status int, f *form, heldFailed int64, heldErr string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, m, err := s.store.CouncilMeeting(ctx, id, mid)
	if err != nil {
		return err
	}
	agenda, err := s.store.Agenda(ctx, id, mid)
	if err != nil {
		return err
	}
	held, err := s.store.HeldEntries(ctx, id, mid)
	if err != nil {
		return err
	}
	config, err := s.councilConfig(r)
	if err != nil {
		return err
	}
	vals := url.Values{"resolution_number": {m.ResolutionNumber}, "version": {strconv.Itoa(m.Version)}}
	if !m.ResolutionDate.IsZero() {
		vals.Set("resolution_date", m.ResolutionDate.String())
	}
	for _, mem := range c.Members {
		if mem.Present {
			vals.Add("present", idString(mem.ID))
		}
	}
	if f != nil {
		for k, vs := range f.Values {
			vals[k] = vs
		}
		f.Values = vals
	} else {
		f = newForm(vals, nil)
	}
	var present []option
	for _, mem := range c.Members {
		label := mem.OrgName
		if mem.UserName != "" {
			label = mem.UserName + " (" + mem.OrgName + ")"
		}
		present = append(present, option{Value: idString(mem.ID), Label: label})
	}
	v := s.newView(r, "council.meeting")
	v.Nav = "councils"
	v.Data = map[string]any{"Council": c, "Meeting": m, "Agenda": agenda, "Present": present, "Held": held,
		"HeldFailed": heldFailed, "HeldError": heldErr, "Config": config}
	v.Form = f
	return s.render(w, r, status, "councils_meeting", v)
}

func (s *Server) meetingSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	var v opora.Validation
	m := &opora.CouncilMeeting{ID: mid, CouncilID: id, ResolutionNumber: r.PostForm.Get("resolution_number")}
	m.ResolutionDate = parseDateField(r.PostForm, "resolution_date", &v)
	m.Version, _ = strconv.Atoi(r.PostForm.Get("version"))
	err = v.Err()
	if err == nil {
		err = s.store.SaveMeeting(r.Context(), m, formIDs(r.PostForm["present"]))
	}
	if err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			st := http.StatusUnprocessableEntity
			if c == opora.ECONFLICT {
				st = http.StatusConflict
			}
			return s.meetingPage(w, r, st, newConflictForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, meetingPath(id, mid), "common.saved")
}

// newConflictForm is newForm keeping the conflict's message arguments.
func newConflictForm(vals url.Values, err error) *form {
	f := newForm(vals, err)
	if e, ok := err.(*opora.Error); ok {
		f.Args = e.Args
		f.Values.Del("version") // the user's values stay; the version is the current one
	}
	return f
}

func (s *Server) meetingMinutes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "mid")
	if err != nil {
		return err
	}
	min, err := s.store.CouncilMinutes(r.Context(), id, mid)
	if err != nil {
		return err
	}
	org, err := s.store.Organisation(r.Context(), min.Council.OrganisationID)
	if err != nil {
		return err
	}
	v := s.newView(r, "council.minutes")
	v.Nav = "councils"
	v.Data = map[string]any{"Minutes": min, "Org": org}
	return s.render(w, r, http.StatusOK, "councils_minutes", v)
}

// ---- A family at the meeting: the decisions ----

// Which form of the family's screen failed (its values and errors come back).
const (
	decisionApprove  = "approve"
	decisionReassign = "reassign"
	decisionStatus   = "status"
	decisionReview   = "review"
	decisionClose    = "close"
)

func (s *Server) councilFamily(w http.ResponseWriter, r *http.Request) error {
	return s.councilFamilyPage(w, r, http.StatusOK, "", nil)
}

func (s *Server) councilFamilyPage(w http.ResponseWriter, r *http.Request, status int, failed string, f *form) error {
	ids, err := councilIDs(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	cf, err := s.store.FamilyAtCouncil(ctx, ids[0], ids[1], ids[2])
	if err != nil {
		return err
	}
	l := s.loc(r)
	orgs, err := s.store.CouncilAgencies(ctx, ids[0])
	if err != nil {
		return err
	}
	oo := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, o := range orgs {
		oo = append(oo, option{Value: idString(o.ID), Label: o.Name})
	}
	statuses, err := s.store.FamilyStatusesOf(ctx, ids[2])
	if err != nil {
		return err
	}
	so := []option{}
	for _, st := range statuses {
		so = append(so, option{Value: idString(st.ID), Label: st.Label})
	}
	outcomes := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, o := range opora.CaseOutcomes {
		outcomes = append(outcomes, option{Value: string(o), Label: l.T("cases.outcome." + string(o))})
	}
	today := s.store.Today()
	vals := url.Values{"status_id": {idString(cf.Family.StatusID)}}
	for _, d := range cf.Drafts {
		p := cf.Proposals[d.ID]
		key := "tasks." + idString(d.ID) + "."
		vals.Set(key+"org", idString(p.OrgID))
		due := d.DueOn
		if due.IsZero() || due.Before(today) {
			if days := p.DueDays(); days > 0 {
				due = today.AddDays(days)
			}
		}
		if !due.IsZero() {
			vals.Set(key+"due_on", due.String())
		}
	}
	for _, t := range cf.Tasks {
		vals.Set("reassign."+idString(t.ID)+".org", idString(t.ResponsibleOrg))
	}
	if f != nil {
		for k, vs := range f.Values {
			vals[k] = vs
		}
		f.Values = vals
	} else {
		f = newForm(vals, nil)
	}
	v := s.newView(r, "council.family")
	v.Nav = "councils"
	config, err := s.councilConfig(r)
	if err != nil {
		return err
	}
	v.Data = map[string]any{"CF": cf, "Orgs": oo, "Statuses": so, "Outcomes": outcomes, "Failed": failed, "Config": config,
		"Path": meetingPath(ids[0], ids[1]) + "/families/" + idString(ids[2]), "Today": today}
	v.Form = f
	return s.render(w, r, status, "councils_family", v)
}

// councilIDs reads the council, meeting and family of the path.
func councilIDs(r *http.Request) ([3]int64, error) {
	var out [3]int64
	for i, name := range []string{"id", "mid", "fid"} {
		id, err := pathID(r, name)
		if err != nil {
			return out, err
		}
		out[i] = id
	}
	return out, nil
}

// decided redirects back to the family's screen, or re-renders it with the
// form's values and errors.
func (s *Server) decided(w http.ResponseWriter, r *http.Request, ids [3]int64, failed string, err error) error {
	if err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			return s.councilFamilyPage(w, r, http.StatusUnprocessableEntity, failed, newConflictForm(r.PostForm, err))
		}
		return err
	}
	return s.redirect(w, r, meetingPath(ids[0], ids[1])+"/families/"+idString(ids[2]), "council.decided")
}

func councilTaskFrom(f url.Values, prefix string, v *opora.Validation) *opora.CouncilTask {
	t := &opora.CouncilTask{Reason: f.Get(prefix + "reason"), ConfirmOtherTerritory: f.Get(prefix+"confirm") != "",
		Skip: f.Get(prefix+"skip") != ""}
	t.OrgID, _ = strconv.ParseInt(f.Get(prefix+"org"), 10, 64)
	t.DueOn = parseDateField(f, prefix+"due_on", v)
	return t
}

func (s *Server) councilApprove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ids, err := councilIDs(r)
	if err != nil {
		return err
	}
	var v opora.Validation
	var tasks []*opora.CouncilTask
	for _, id := range formIDs(r.PostForm["draft"]) {
		t := councilTaskFrom(r.PostForm, "tasks."+idString(id)+".", &v)
		t.DraftID = id
		tasks = append(tasks, t)
	}
	err = v.Err()
	if err == nil {
		_, err = s.store.ApprovePlan(r.Context(), ids[0], ids[1], ids[2], tasks)
	}
	return s.decided(w, r, ids, decisionApprove, err)
}

func (s *Server) councilReassign(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ids, err := councilIDs(r)
	if err != nil {
		return err
	}
	taskID, _ := strconv.ParseInt(r.PostForm.Get("task"), 10, 64)
	var v opora.Validation
	t := councilTaskFrom(r.PostForm, "reassign."+idString(taskID)+".", &v)
	t.TaskID = taskID
	err = v.Err()
	if err == nil {
		_, err = s.store.ReassignTask(r.Context(), ids[0], ids[1], ids[2], t)
	}
	return s.decided(w, r, ids, decisionReassign+idString(taskID), err)
}

func (s *Server) councilStatus(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ids, err := councilIDs(r)
	if err != nil {
		return err
	}
	st, _ := strconv.ParseInt(r.PostForm.Get("status_id"), 10, 64)
	return s.decided(w, r, ids, decisionStatus, s.store.CouncilFamilyStatus(r.Context(), ids[0], ids[1], ids[2], st))
}

func (s *Server) councilReview(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ids, err := councilIDs(r)
	if err != nil {
		return err
	}
	var v opora.Validation
	on := parseDateField(r.PostForm, "next_review_on", &v)
	err = v.Err()
	if err == nil {
		err = s.store.CouncilNextReview(r.Context(), ids[0], ids[1], ids[2], on)
	}
	return s.decided(w, r, ids, decisionReview, err)
}

func (s *Server) councilClose(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ids, err := councilIDs(r)
	if err != nil {
		return err
	}
	err = s.store.CouncilCloseCase(r.Context(), ids[0], ids[1], ids[2], opora.CaseOutcome(r.PostForm.Get("outcome")),
		r.PostForm.Get("outcome_comment"))
	return s.decided(w, r, ids, decisionClose, err)
}

// ---- Administration: the regional procedure ----

func (s *Server) procedureAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.procedurePage(w, r, http.StatusOK, nil)
}

func (s *Server) procedurePage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	rules, err := s.store.ProcedureRules(r.Context())
	if err != nil {
		return err
	}
	l := s.loc(r)
	terrs, err := s.councilTerritoryOptions(r)
	if err != nil {
		return err
	}
	terrs[0].Label = l.T("procedure.network_wide")
	types := []option{{Value: "", Label: l.T("procedure.by_indicator")}}
	typeLabels := map[string]string{}
	for _, t := range store.ProcedureTaskTypes() {
		types = append(types, option{Value: t[0], Label: t[1]})
		typeLabels[t[0]] = t[1]
	}
	agencies := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, t := range opora.OrgTypes {
		agencies = append(agencies, option{Value: string(t), Label: l.T("orgtype." + string(t))})
	}
	if f == nil {
		f = newForm(nil, nil)
	}
	v := s.newView(r, "procedure.title")
	v.Nav = "procedure"
	v.Data = map[string]any{"Rules": rules, "Territories": terrs, "Types": types, "TypeLabels": typeLabels, "Agencies": agencies}
	v.Form = f
	return s.render(w, r, status, "procedure_admin", v)
}

func (s *Server) procedureSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	rule := &opora.ProcedureRule{TaskTypeKey: f.Get("task_type_key"), Indicator: f.Get("indicator"),
		AgencyType: opora.OrgType(f.Get("agency_type")), DoneWhen: f.Get("done_when"), CuratorMayAssign: f.Get("curator_may_assign") != ""}
	rule.ID, _ = strconv.ParseInt(f.Get("id"), 10, 64)
	rule.TerritoryID, _ = strconv.ParseInt(f.Get("territory_id"), 10, 64)
	var v opora.Validation
	if d := strings.TrimSpace(f.Get("due_days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			v.Add("due_days", "procedure.error.due_days")
		}
		rule.DueDays = n
	}
	err := v.Err()
	if err == nil {
		err = s.store.SaveProcedureRule(r.Context(), rule)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.procedurePage(w, r, http.StatusUnprocessableEntity, newForm(f, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/procedure", "common.saved")
}

func (s *Server) procedureDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteProcedureRule(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/procedure", "procedure.deleted")
}
