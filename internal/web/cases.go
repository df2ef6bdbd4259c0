package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Cases (support programmes) of a client: the profile panel, the client's
// "Cases" tab, the case page with its plan, closing, and the printable plan.

// loadCasePanel is the profile's case panel (profilePanels).
func loadCasePanel(s *Server, r *http.Request, c *opora.Client) (any, error) {
	cases, err := s.store.ClientCases(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	p := casePanel{Count: len(cases), Today: s.store.Today()}
	if len(cases) > 0 && cases[0].Open() {
		p.Open = cases[0]
	}
	return p, nil
}

// casePanel is the profile panel: the open case with its progress and light.
type casePanel struct {
	Open  *opora.Case
	Count int
	Today opora.Date
}

// lightClass maps a traffic light to a tag class.
func lightClass(l opora.Light) string {
	switch l {
	case opora.LightGreen:
		return "tag-ok"
	case opora.LightYellow:
		return "tag-warn"
	}
	return "tag-danger"
}

func init() {
	funcs["lightClass"] = lightClass
	funcs["weekday"] = func(t time.Time) int { return int(t.Weekday()) }
}

// caseOptions are the choices of the case forms.
func (s *Server) caseOptions(r *http.Request) (map[string][]option, error) {
	ctx := r.Context()
	l := s.loc(r)
	opts := map[string][]option{}
	for name, dict := range map[string]string{"case_types": opora.DictCaseType, "task_types": opora.DictTaskType} {
		items, err := s.store.CaseDictionary(ctx, dict, false)
		if err != nil {
			return nil, err
		}
		o := []option{{Value: "", Label: l.T("cases.choose")}}
		for _, it := range items {
			o = append(o, option{Value: idString(it.ID), Label: it.Label})
		}
		opts[name] = o
	}
	colleagues, err := s.store.Colleagues(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := s.store.NetworkOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	curators := []option{}
	resp := []option{{Value: "", Label: l.T("tasks.nobody")}}
	for _, c := range colleagues {
		curators = append(curators, option{Value: idString(c.ID), Label: c.FullName})
		resp = append(resp, option{Value: "u:" + idString(c.ID), Label: c.FullName})
	}
	for _, o := range orgs {
		resp = append(resp, option{Value: "o:" + idString(o.ID), Label: l.T("tasks.org_queue") + ": " + o.Name})
	}
	opts["curators"], opts["responsible"] = curators, resp
	outcomes := []option{{Value: "", Label: l.T("cases.choose")}}
	for _, o := range opora.CaseOutcomes {
		outcomes = append(outcomes, option{Value: string(o), Label: l.T("cases.outcome." + string(o))})
	}
	opts["outcomes"] = outcomes
	tpls, err := s.store.PlanTemplates(ctx, false)
	if err != nil {
		return nil, err
	}
	to := []option{{Value: "", Label: l.T("cases.no_template")}}
	for _, p := range tpls {
		to = append(to, option{Value: idString(p.ID), Label: p.Name})
	}
	opts["templates"] = to
	statuses := []option{}
	for _, st := range opora.TaskStatuses {
		statuses = append(statuses, option{Value: string(st), Label: l.T("tasks.status." + string(st))})
	}
	opts["statuses"] = statuses
	return opts, nil
}

// parseResponsible reads "u:ID" (a worker) or "o:ID" (an organisation's queue).
func parseResponsible(v string) (user, org int64) {
	kind, id, _ := strings.Cut(v, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	switch kind {
	case "u":
		return n, 0
	case "o":
		return 0, n
	}
	return 0, 0
}

func responsibleValue(t *opora.Task) string {
	switch {
	case t.ResponsibleID != 0:
		return "u:" + idString(t.ResponsibleID)
	case t.ResponsibleOrg != 0:
		return "o:" + idString(t.ResponsibleOrg)
	}
	return ""
}

// parseDateField reads an optional date field, reporting a bad one.
func parseDateField(f url.Values, name string, v *opora.Validation) opora.Date {
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

// casesTabData is the client's "Cases" tab.
type casesTabData struct {
	Cases   []*opora.Case
	Options map[string][]option
	Today   opora.Date
	HasOpen bool
}

func (s *Server) clientCases(w http.ResponseWriter, r *http.Request) error {
	return s.renderClientCases(w, r, http.StatusOK, nil)
}

func (s *Server) renderClientCases(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	c, ok, err := s.loadClient(w, r, "cases")
	if err != nil || !ok {
		return err
	}
	d, err := s.clientData(r, c)
	if err != nil {
		return err
	}
	td := &casesTabData{Today: s.store.Today()}
	if td.Cases, err = s.store.ClientCases(r.Context(), c.ID); err != nil {
		return err
	}
	td.HasOpen = len(td.Cases) > 0 && td.Cases[0].Open()
	if td.Options, err = s.caseOptions(r); err != nil {
		return err
	}
	d.Tab, d.Panels["cases"] = "cases", td
	v := s.newView(r, "cases.title")
	v.Nav = "clients"
	v.Data = d
	if f == nil {
		vals := url.Values{}
		vals.Set("opened_on", td.Today.Format("2006-01-02"))
		vals.Set("curator_id", idString(opora.ActorFrom(r.Context()).UserID))
		f = newForm(vals, nil)
	}
	v.Form = f
	return s.render(w, r, status, "cases_client", v)
}

func (s *Server) caseCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	var v opora.Validation
	k := &opora.Case{ClientID: id}
	k.TypeID, _ = strconv.ParseInt(f.Get("type_id"), 10, 64)
	k.CuratorID, _ = strconv.ParseInt(f.Get("curator_id"), 10, 64)
	k.OpenedOn = parseDateField(f, "opened_on", &v)
	tpl, _ := strconv.ParseInt(f.Get("template_id"), 10, 64)
	err = v.Err()
	if err == nil {
		err = s.store.CreateCase(r.Context(), k, tpl)
	}
	if err != nil {
		if opora.ErrorCode(err) == opora.EINVALID {
			return s.renderClientCases(w, r, http.StatusUnprocessableEntity, newForm(f, err))
		}
		return err
	}
	return s.redirect(w, r, "/cases/"+idString(k.ID), "cases.created")
}

// casePageData is the case page.
type casePageData struct {
	Case      *opora.Case
	Tasks     []*opora.Task
	OpenTasks []*opora.Task
	Options   map[string][]option
	Today     opora.Date
	Light     opora.Light
	Months    int
	Failed    string // which form failed: task, template, participant, close
}

// loadCasePage reads the case of the path, its client (audit-logged as a
// view of section unless it is "") and the client view for the header.
func (s *Server) loadCasePage(r *http.Request, section string) (*clientView, *casePageData, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	k, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var c *opora.Client
	if section == "" {
		c, err = s.store.Client(ctx, k.ClientID)
	} else {
		c, err = s.store.ViewClient(ctx, k.ClientID, section)
	}
	if err != nil {
		return nil, nil, err
	}
	d, err := s.clientData(r, c)
	if err != nil {
		return nil, nil, err
	}
	today := s.store.Today()
	cd := &casePageData{Case: k, Today: today, Light: k.Light(today), Months: k.Months(today)}
	if cd.Tasks, err = s.store.CaseTasks(ctx, k.ID); err != nil {
		return nil, nil, err
	}
	for _, t := range cd.Tasks {
		if t.Status.Open() {
			cd.OpenTasks = append(cd.OpenTasks, t)
		}
	}
	d.Tab, d.Panels["case"] = "cases", cd
	return d, cd, nil
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderCasePage(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderCasePage(w http.ResponseWriter, r *http.Request, status int, failed string, err error) error {
	d, cd, lerr := s.loadCasePage(r, "case")
	if lerr != nil {
		return lerr
	}
	var oerr error
	if cd.Options, oerr = s.caseOptions(r); oerr != nil {
		return oerr
	}
	cd.Failed = failed
	vals := url.Values{}
	vals.Set("start_on", cd.Today.Format("2006-01-02"))
	vals.Set("closed_on", cd.Today.Format("2006-01-02"))
	vals.Set("responsible", "u:"+idString(cd.Case.CuratorID))
	if failed != "" {
		for k, vs := range r.PostForm {
			vals[k] = vs
		}
	}
	v := s.newView(r, "cases.case")
	v.Nav = "clients"
	v.Data = d
	v.Form = newForm(vals, err)
	return s.render(w, r, status, "cases_case", v)
}

// caseFormFailed re-renders the case page after a refused form, or passes
// other errors on.
func (s *Server) caseFormFailed(w http.ResponseWriter, r *http.Request, which string, err error) error {
	if opora.ErrorCode(err) == opora.EINVALID {
		return s.renderCasePage(w, r, http.StatusUnprocessableEntity, which, err)
	}
	return err
}

func (s *Server) caseAddTask(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, v := parseTaskForm(r.PostForm)
	t.CaseID = id
	err = v.Err()
	if err == nil {
		err = s.store.AddTask(r.Context(), t)
	}
	if err != nil {
		return s.caseFormFailed(w, r, "task", err)
	}
	return s.redirect(w, r, "/cases/"+idString(id)+"#plan", "tasks.added")
}

// parseTaskForm reads the task fields shared by the add and edit forms.
func parseTaskForm(f url.Values) (*opora.Task, *opora.Validation) {
	var v opora.Validation
	t := &opora.Task{Description: f.Get("description"), Status: opora.TaskStatus(f.Get("status")),
		FailReason: f.Get("fail_reason")}
	t.TypeID, _ = strconv.ParseInt(f.Get("type_id"), 10, 64)
	t.ResponsibleID, t.ResponsibleOrg = parseResponsible(f.Get("responsible"))
	t.StartOn = parseDateField(f, "start_on", &v)
	t.DueOn = parseDateField(f, "due_on", &v)
	t.DoneOn = parseDateField(f, "done_on", &v)
	t.Version, _ = strconv.Atoi(f.Get("version"))
	return t, &v
}

func (s *Server) caseApplyTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tpl, _ := strconv.ParseInt(r.PostForm.Get("template_id"), 10, 64)
	if _, err := s.store.ApplyPlanTemplate(r.Context(), id, tpl); err != nil {
		return s.caseFormFailed(w, r, "template", err)
	}
	return s.redirect(w, r, "/cases/"+idString(id)+"#plan", "cases.template_applied")
}

func (s *Server) caseAddParticipant(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := &opora.CaseParticipant{CaseID: id, Role: r.PostForm.Get("role")}
	p.UserID, p.OrganisationID = parseResponsible(r.PostForm.Get("participant"))
	if err := s.store.AddCaseParticipant(r.Context(), p); err != nil {
		return s.caseFormFailed(w, r, "participant", err)
	}
	return s.redirect(w, r, "/cases/"+idString(id), "common.saved")
}

func (s *Server) caseRemoveParticipant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pid, err := pathID(r, "pid")
	if err != nil {
		return err
	}
	if err := s.store.RemoveCaseParticipant(r.Context(), id, pid); err != nil {
		return err
	}
	return s.redirect(w, r, "/cases/"+idString(id), "common.saved")
}

func (s *Server) caseClose(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	var v opora.Validation
	cl := &opora.CaseClosing{Outcome: opora.CaseOutcome(f.Get("outcome")), Comment: f.Get("outcome_comment"),
		OpenTasks: f.Get("open_tasks"), FailReason: f.Get("fail_reason")}
	cl.ClosedOn = parseDateField(f, "closed_on", &v)
	err = v.Err()
	if err == nil {
		err = s.store.CloseCase(r.Context(), id, cl)
	}
	if err != nil {
		return s.caseFormFailed(w, r, "close", err)
	}
	return s.redirect(w, r, "/cases/"+idString(id), "cases.closed_ok")
}

// casePrint is the support agreement: the organisation's details from its
// settings, the client, the curator and the plan, ready for the printer.
func (s *Server) casePrint(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, cd, err := s.loadCasePage(r, "") // the print is audit-logged below
	if err != nil {
		return err
	}
	org, err := s.store.Organisation(ctx, cd.Case.OrganisationID)
	if err != nil {
		return err
	}
	if err := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionPrint, Entity: "client", EntityID: cd.Case.ClientID,
		Section: "plan"}); err != nil {
		return err
	}
	v := s.newView(r, "cases.print_title")
	v.Nav = "clients"
	v.Data = map[string]any{"Client": d.Client, "Case": cd.Case, "Tasks": cd.Tasks, "Org": org, "Today": cd.Today}
	return s.render(w, r, http.StatusOK, "cases_print", v)
}
