package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Families (Flow B): the list with search, «Мои семьи» and families by
// status per municipality; the new family form with its members; the card
// with members, curator, grants and timeline.

// familyRows is how many member rows the new family form offers at first.
const familyRows = 4

// familyOptions are the choices of the family forms; the statuses are
// those of the organisation holding the family card familyID (0: the
// actor's own, for a new card and the search).
func (s *Server) familyOptions(r *http.Request, familyID int64) (map[string][]option, error) {
	ctx := r.Context()
	l := s.loc(r)
	a := opora.ActorFrom(ctx)
	opts := map[string][]option{}
	roles := []option{}
	for _, ro := range opora.MemberRoles {
		roles = append(roles, option{Value: string(ro), Label: l.T("family.role." + string(ro))})
	}
	opts["roles"] = roles
	var statuses []*opora.DictionaryItem
	var err error
	if familyID != 0 {
		statuses, err = s.store.FamilyStatusesOf(ctx, familyID)
	} else {
		statuses, err = s.store.FamilyStatuses(ctx)
	}
	if err != nil {
		return nil, err
	}
	st := []option{{Value: "", Label: l.T("family.any_status")}}
	for _, it := range statuses {
		st = append(st, option{Value: idString(it.ID), Label: it.Label})
	}
	opts["statuses"] = st
	terrs, err := s.store.Territories(ctx)
	if err != nil {
		return nil, err
	}
	to := []option{{Value: "", Label: l.T("family.any_territory")}}
	for _, t := range terrs {
		if t.Kind != opora.TerritoryRegion {
			to = append(to, option{Value: idString(t.ID), Label: t.Path})
		}
	}
	opts["territories"] = to
	schools, err := s.store.FamilySchools(ctx)
	if err != nil {
		return nil, err
	}
	so := []option{{Value: "", Label: l.T("family.school_other")}}
	for _, o := range schools {
		so = append(so, option{Value: idString(o.ID), Label: o.Name})
	}
	opts["schools"] = so
	if a.Can(opora.PermFamilyAssign) {
		colleagues, err := s.store.Colleagues(ctx)
		if err != nil {
			return nil, err
		}
		cu := []option{{Value: "", Label: l.T("cases.choose")}}
		for _, c := range colleagues {
			cu = append(cu, option{Value: idString(c.ID), Label: c.FullName})
		}
		opts["curators"] = cu
	}
	if a.Can(opora.PermFamilyWrite) && a.Can(opora.PermClientRead) {
		orgs, err := s.store.NetworkOrganisations(ctx)
		if err != nil {
			return nil, err
		}
		oo := []option{{Value: "", Label: l.T("cases.choose")}}
		for _, o := range orgs {
			if o.ID != a.OrganisationID {
				oo = append(oo, option{Value: idString(o.ID), Label: o.Name})
			}
		}
		opts["organisations"] = oo
	}
	return opts, nil
}

// familiesData is the families page.
type familiesData struct {
	Query    string
	Searched bool
	Found    []*opora.Family
	Mine     []*opora.Family
	Waiting  []*opora.Family // sent to the organisation, no curator yet
	ByStatus []*opora.Family
	// Listed: the by-status list was read. A search shows its results
	// without it (the list of the commission's families is a page of its
	// own: the filters, or the page without words).
	Listed  bool
	Options map[string][]option
	Today   opora.Date
	Visits  string // visits.js's config (family_visit.go)
}

func (s *Server) familiesHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := &familiesData{Query: strings.TrimSpace(q.Get("q")), Today: s.store.Today()}
	var err error
	if d.Options, err = s.familyOptions(r, 0); err != nil {
		return err
	}
	if d.Query != "" {
		d.Searched = true
		if d.Found, err = s.store.SearchFamilies(ctx, store.FamilySearch{Query: d.Query}); err != nil {
			return err
		}
	}
	if d.Mine, err = s.store.MyFamilies(ctx); err != nil {
		return err
	}
	if opora.ActorFrom(ctx).Can(opora.PermFamilyAssign) {
		if d.Waiting, err = s.store.FamiliesWithoutCurator(ctx); err != nil {
			return err
		}
	}
	if d.Visits, err = s.visitConfig(r); err != nil {
		return err
	}
	terr, _ := strconv.ParseInt(q.Get("territory_id"), 10, 64)
	status, _ := strconv.ParseInt(q.Get("status_id"), 10, 64)
	if d.Listed = d.Query == "" || terr != 0 || status != 0; d.Listed {
		if d.ByStatus, err = s.store.FamiliesByStatus(ctx, terr, status); err != nil {
			return err
		}
	}
	v := s.newView(r, "family.title")
	v.Nav = "families"
	v.Data = d
	v.Form = newForm(q, nil)
	return s.render(w, r, http.StatusOK, "families_list", v)
}

// familyNewData is the new family form.
type familyNewData struct {
	Rows    []int
	Options map[string][]option
	Find    string
	Found   []*opora.Client
}

func (s *Server) familyNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderFamilyNew(w, r, http.StatusOK, nil)
}

func (s *Server) renderFamilyNew(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	d := &familyNewData{}
	var err error
	if d.Options, err = s.familyOptions(r, 0); err != nil {
		return err
	}
	if f == nil {
		f = newForm(nil, nil)
		d.Find = strings.TrimSpace(r.URL.Query().Get("find"))
		if d.Find != "" && opora.ActorFrom(r.Context()).Can(opora.PermClientRead) {
			res, err := s.store.SearchClients(r.Context(), store.SearchFilter{Query: d.Find})
			if err != nil {
				return err
			}
			d.Found = res.Clients
		}
	}
	rows, _ := strconv.Atoi(f.Values.Get("rows"))
	rows = max(familyRows, min(rows, 12))
	for i := range rows {
		d.Rows = append(d.Rows, i)
	}
	v := s.newView(r, "family.new")
	v.Nav = "families"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "families_new", v)
}

// memberFrom reads one member's fields (prefix "members.<i>." or "").
func memberFrom(f url.Values, prefix string, v *opora.Validation) *opora.FamilyMember {
	m := &opora.FamilyMember{Role: opora.MemberRole(f.Get(prefix + "role"))}
	m.ClientID, _ = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get(prefix+"client_id")), "№"), 10, 64)
	m.SchoolOrgID, _ = strconv.ParseInt(f.Get(prefix+"school_org_id"), 10, 64)
	m.SchoolName = f.Get(prefix + "school_name")
	m.JoinedOn = parseDateField(f, prefix+"joined_on", v)
	if m.ClientID == 0 {
		c := &opora.Client{Surname: f.Get(prefix + "surname"), FirstName: f.Get(prefix + "first_name"),
			Patronymic: f.Get(prefix + "patronymic"), Gender: opora.Gender(f.Get(prefix + "gender"))}
		if b := parseDateField(f, prefix+"birth_date", v); !b.IsZero() {
			c.BirthPrecision, c.BirthDate = opora.BirthExact, b
		}
		m.Client = c
	}
	return m
}

func (s *Server) familyCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	if f.Get("more") != "" { // one more member row, the values kept
		rows, _ := strconv.Atoi(f.Get("rows"))
		f.Set("rows", strconv.Itoa(max(rows, familyRows)+1))
		return s.renderFamilyNew(w, r, http.StatusOK, newForm(f, nil))
	}
	var v opora.Validation
	fam := &opora.Family{Address: f.Get("address"), Housing: f.Get("housing"), Income: f.Get("income")}
	fam.TerritoryID, _ = strconv.ParseInt(f.Get("territory_id"), 10, 64)
	fam.StatusID, _ = strconv.ParseInt(f.Get("status_id"), 10, 64)
	rows, _ := strconv.Atoi(f.Get("rows"))
	rows = max(familyRows, min(rows, 12))
	var rowOf []int
	for i := range rows {
		p := "members." + strconv.Itoa(i) + "."
		if strings.TrimSpace(f.Get(p+"client_id")) == "" && strings.TrimSpace(f.Get(p+"surname")) == "" {
			continue
		}
		fam.Members = append(fam.Members, memberFrom(f, p, &v))
		rowOf = append(rowOf, i)
	}
	err := v.Err()
	if err == nil {
		err = s.store.CreateFamily(r.Context(), fam)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			// The store names members by their place among the filled rows.
			var back opora.Validation
			for k, msg := range opora.FieldErrors(err) {
				if rest, ok := strings.CutPrefix(k, "members."); ok {
					if n, field, ok := strings.Cut(rest, "."); ok {
						if i, e := strconv.Atoi(n); e == nil && i < len(rowOf) {
							k = "members." + strconv.Itoa(rowOf[i]) + "." + field
						}
					}
				}
				back.Add(k, msg)
			}
			return s.renderFamilyNew(w, r, http.StatusUnprocessableEntity, newForm(f, back.Err()))
		}
		return err
	}
	return s.redirect(w, r, "/families/"+idString(fam.ID), "family.created")
}

// familyCardData is the family card.
type familyCardData struct {
	Family   *opora.Family
	Access   *opora.FamilyAccess // what the user's organisation reads of the card (need-to-know)
	Case     *opora.Case
	Curators []*opora.FamilyCurator
	Grants   []*opora.SubjectGrant
	Timeline []familyEventLine
	Signals  []*opora.Signal
	Options  map[string][]option
	Today    opora.Date
	Failed   string // which form failed: edit, member, leave, curator, grant
	LeaveID  int64
	// The assessments and the draft help plan (assessments.go).
	Assessments []*opora.Assessment
	Plan        *store.DraftPlan
	Visits      *familyVisitsData // the «Посещения» section (family_visit.go)
	// Every agency's task of the family: who, what, due, status (the
	// report only for the insiders: store/agency_task.go).
	AgencyTasks []*opora.Task
	// The present members' life events and the kinds (life_events.go).
	LifeEvents []*opora.LifeEvent
	LifeKinds  []option
	// The rule hints that fire for the family (hints.go).
	Hints *hintsBlock
	// What happened in similar families (hints_learned.go).
	Learned *learnedBlock
}

// familyEventLine is a timeline line worded for the reader.
type familyEventLine struct {
	Event *opora.FamilyEvent
	Text  string
}

func (s *Server) familyCard(w http.ResponseWriter, r *http.Request) error {
	return s.renderFamilyCard(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderFamilyCard(w http.ResponseWriter, r *http.Request, status int, failed string, f *form) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d := &familyCardData{Today: s.store.Today(), Failed: failed}
	if d.Family, err = s.store.Family(ctx, id); err != nil {
		return err
	}
	if d.Family.MergedInto != 0 { // joined into another card (family_join.go)
		return s.redirect(w, r, "/families/"+idString(d.Family.MergedInto), "family.join.merged_redirect")
	}
	if _, err := s.store.ReadNotificationsOn(ctx, "/families/"+idString(id)); err != nil {
		return err
	}
	// Only the sections open to the user's organisation are read: the
	// store refuses the others (FamilyAccess, store/family_access.go).
	if d.Access, err = s.store.FamilyAccess(ctx, id); err != nil {
		return err
	}
	acc := d.Access
	if k, err := s.store.FamilyCase(ctx, id); err == nil {
		d.Case = k
	} else if opora.ErrorCode(err) != opora.ENOTFOUND {
		return err
	}
	if d.Curators, err = s.store.FamilyCurators(ctx, id); err != nil {
		return err
	}
	if acc.Full {
		if d.Grants, err = s.store.FamilyGrants(ctx, id); err != nil {
			return err
		}
	}
	if acc.Can(opora.SectionSignals) {
		if d.Signals, err = s.store.FamilySignals(ctx, id); err != nil {
			return err
		}
	}
	if acc.Can(opora.SectionAssessments) {
		if d.Assessments, err = s.store.FamilyAssessments(ctx, id); err != nil {
			return err
		}
	}
	if acc.Can(opora.SectionPlan) {
		if d.Plan, err = s.store.FamilyDraftPlan(ctx, id); err != nil {
			return err
		}
		if d.AgencyTasks, err = s.store.FamilyTasks(ctx, id); err != nil {
			return err
		}
		if d.Hints, err = s.familyHintsBlock(r, id, hintsFromCard, d.Family.StatusLabel); err != nil {
			return err
		}
		if d.Learned, err = s.familyLearnedBlock(r, id); err != nil {
			return err
		}
	}
	if acc.Can(opora.SectionMembers) {
		if d.LifeEvents, err = s.store.FamilyLifeEvents(ctx, id); err != nil {
			return err
		}
		d.LifeKinds = s.lifeEventKinds(r)
	}
	l := s.loc(r)
	if acc.Can(opora.SectionHistory) {
		events, err := s.store.FamilyTimeline(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range events {
			d.Timeline = append(d.Timeline, familyEventLine{Event: e, Text: familyEventText(l.T, e)})
		}
	}
	if d.Options, err = s.familyOptions(r, id); err != nil {
		return err
	}
	if acc.Can(opora.SectionVisits) {
		if d.Visits, err = s.familyVisitsSection(r, id); err != nil {
			return err
		}
	}
	if f == nil {
		fam := d.Family
		vals := url.Values{}
		vals.Set("address", fam.Address)
		vals.Set("housing", fam.Housing)
		vals.Set("income", fam.Income)
		vals.Set("offences", fam.Offences)
		vals.Set("health", fam.Health)
		vals.Set("territory_id", idText(fam.TerritoryID))
		vals.Set("status_id", idText(fam.StatusID))
		vals.Set("version", strconv.Itoa(fam.Version))
		vals.Set("role", string(opora.RoleChild))
		vals.Set("left_on", d.Today.String())
		vals.Set("curator_id", idText(fam.CuratorID))
		f = newForm(vals, nil)
	}
	v := s.newView(r, "family.card")
	v.Nav = "families"
	v.Data = d
	v.Form = f
	return s.render(w, r, status, "families_card", v)
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return idString(id)
}

// familyEventText words a timeline line: its kind, then what it names.
func familyEventText(t func(string, ...any) string, e *opora.FamilyEvent) string {
	parts := []string{t("family.event." + e.Kind)}
	if e.Summary != "" {
		parts = append(parts, e.Summary)
	}
	for _, c := range e.Changes {
		old, nw := c.Old, c.New
		if old == "" && nw == e.Summary {
			continue // the summary names it already («Назначен куратор; Орлов»)
		}
		switch c.Field {
		case "urgency":
			old, nw = "", t("signal.urgency."+nw)
		case "visit_kind":
			nw = t("visit.kind." + nw)
		case "visit_conflict":
			nw = t("visit.conflict." + nw)
		case "council_decision":
			nw = t("council.kind." + nw)
		case "outcome":
			nw = t("cases.outcome." + nw)
		case "kind":
			if e.Kind == opora.FamilyEventLifeEvent {
				old, nw = "", t("life_event."+cmp.Or(nw, old))
			}
		}
		if e.Kind == "task" { // an agency task's status and return reason are codes (store/agency_task.go)
			switch c.Field {
			case "status":
				if old != "" {
					old = t("tasks.status." + old)
				}
				nw = t("tasks.status." + nw)
			case "return_reason":
				if nw != "" {
					nw = t("tasks.return_reason." + nw)
				}
			}
		}
		if c.Field == "reason" && nw != "" { // a grant's reason: opora.GrantCuratorOrg…
			if w := t("family.grant_reason." + nw); w != "family.grant_reason."+nw {
				nw = w
			}
		}
		if c.Field == "role" {
			if old != "" {
				old = t("family.role." + old)
			}
			if nw != "" {
				nw = t("family.role." + nw)
			}
		}
		if d, ok := opora.ParseDate(nw); ok && len(nw) == 10 && nw[4] == '-' {
			nw = d.Format("02.01.2006")
		}
		label := t("family.field." + c.Field)
		switch {
		case old != "" && nw != "":
			parts = append(parts, label+": "+old+" → "+nw)
		case nw != "":
			parts = append(parts, label+": "+nw)
		case old != "":
			parts = append(parts, label+": "+old+" → —")
		default: // a sensitive field, named without its values
			parts = append(parts, label)
		}
	}
	return strings.Join(parts, "; ")
}

// familyFailed re-renders the card with a form's errors, or passes other errors on.
func (s *Server) familyFailed(w http.ResponseWriter, r *http.Request, which string, err error) error {
	if opora.ErrorCode(err) == opora.EINVALID || opora.ErrorCode(err) == opora.ECONFLICT {
		return s.renderFamilyCard(w, r, http.StatusUnprocessableEntity, which, newForm(r.PostForm, err))
	}
	return err
}

func (s *Server) familyUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	fam := &opora.Family{ID: id, Address: f.Get("address"), Housing: f.Get("housing"), Income: f.Get("income"),
		Offences: f.Get("offences"), Health: f.Get("health")}
	fam.TerritoryID, _ = strconv.ParseInt(f.Get("territory_id"), 10, 64)
	fam.StatusID, _ = strconv.ParseInt(f.Get("status_id"), 10, 64)
	fam.Version, _ = strconv.Atoi(f.Get("version"))
	if err := s.store.UpdateFamily(r.Context(), fam); err != nil {
		return s.familyFailed(w, r, "edit", err)
	}
	return s.redirect(w, r, "/families/"+idString(id), "common.saved")
}

func (s *Server) familyAddMember(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var v opora.Validation
	m := memberFrom(r.PostForm, "", &v)
	err = v.Err()
	if err == nil {
		err = s.store.AddMember(r.Context(), id, m)
	}
	if err != nil {
		return s.familyFailed(w, r, "member", err)
	}
	return s.redirect(w, r, "/families/"+idString(id)+"#members", "family.member_added")
}

func (s *Server) familyMemberLeaves(w http.ResponseWriter, r *http.Request) error {
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
	on := parseDateField(r.PostForm, "left_on", &v)
	err = v.Err()
	if err == nil {
		err = s.store.MemberLeaves(r.Context(), id, mid, on, r.PostForm.Get("leave_reason"))
	}
	if err != nil {
		return s.familyFailed(w, r, "leave:"+idString(mid), err)
	}
	return s.redirect(w, r, "/families/"+idString(id)+"#members", "common.saved")
}

func (s *Server) familyAssignCurator(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, _ := strconv.ParseInt(r.PostForm.Get("curator_id"), 10, 64)
	if err := s.store.AssignCurator(r.Context(), id, cur); err != nil {
		return s.familyFailed(w, r, "curator", err)
	}
	return s.redirect(w, r, "/families/"+idString(id), "family.curator_assigned")
}

func (s *Server) familyGrant(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	org, _ := strconv.ParseInt(r.PostForm.Get("organisation_id"), 10, 64)
	reason := r.PostForm.Get("reason")
	if reason != opora.GrantCuratorOrg && reason != opora.GrantKDN && reason != opora.GrantTask {
		reason = opora.GrantCuratorOrg
	}
	if err := s.store.GrantFamily(r.Context(), id, org, reason); err != nil {
		return s.familyFailed(w, r, "grant", err)
	}
	return s.redirect(w, r, "/families/"+idString(id), "family.granted")
}

func init() {
	funcs["hasPrefix"] = strings.HasPrefix
	// memberAge is a member's age in years on day today, "" when unknown.
	funcs["memberAge"] = func(m *opora.FamilyMember, today opora.Date) string {
		if n, ok := m.Age(today); ok {
			return strconv.Itoa(n)
		}
		return ""
	}
}

// mayEditFamily refuses the form of a change to a family card (a visit,
// joining another card) to whoever reads only some of its sections: an
// agency with a task works on its tasks, not on the card, and the store
// refuses its change (403) — the form must not open either.
func (s *Server) mayEditFamily(r *http.Request, id int64) error {
	acc, err := s.store.FamilyAccess(r.Context(), id)
	if err != nil {
		return err
	}
	if !acc.Full {
		return opora.ErrForbidden
	}
	return nil
}
