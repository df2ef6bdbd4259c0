package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// An agency's task board and a family task's page (issue 21 item 3): the
// tasks in the agency's queue grouped by status, "my tasks" (assignee =
// me), and the moves — accept, start, done with a report, return with a
// reason — the head's assigning and the agency's internal notes. Reached
// with family.read (an agency specialist has no client.read, so the
// /tasks pages are not theirs); the store decides who reaches and who
// moves which task.

// agencyGroup is one status column of the board.
type agencyGroup struct {
	Status opora.TaskStatus
	Tasks  []*opora.Task
}

// agencyBoardStatuses are the board's groups, in order.
var agencyBoardStatuses = []opora.TaskStatus{opora.TaskPlanned, opora.TaskAccepted, opora.TaskInProgress,
	opora.TaskDone, opora.TaskReturned}

func (s *Server) agencyBoard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	l := s.loc(r)
	who := r.URL.Query().Get("who")
	canAssign := a.Can(opora.PermFamilyAssign)
	if who == "" && !canAssign { // a specialist starts on «Мои задачи»
		who = "mine"
	}
	f := store.AgencyTaskFilter{}
	switch {
	case who == "all":
		who = ""
	case who == "mine":
		f.AssigneeID = a.UserID
	case who != "" && canAssign:
		id, err := strconv.ParseInt(who, 10, 64)
		if err != nil || id <= 0 {
			who = ""
		}
		f.AssigneeID = id
	default:
		who = ""
	}
	tasks, err := s.store.AgencyTasks(ctx, f)
	if err != nil {
		return err
	}
	groups := make([]*agencyGroup, len(agencyBoardStatuses))
	for i, st := range agencyBoardStatuses {
		groups[i] = &agencyGroup{Status: st}
	}
	today := s.store.Today()
	overdue := 0
	for _, t := range tasks {
		for _, g := range groups {
			if g.Status == t.Status {
				g.Tasks = append(g.Tasks, t)
			}
		}
		if t.Overdue(today) {
			overdue++
		}
	}
	whos := []option{{"all", l.T("agency.who.all")}, {"mine", l.T("agency.who.mine")}}
	if canAssign {
		people, err := s.store.AgencySpecialists(ctx)
		if err != nil {
			return err
		}
		for _, u := range people {
			whos = append(whos, option{idString(u.ID), u.FullName})
		}
	}
	title := "agency.board"
	if who == "mine" {
		title = "agency.my_tasks"
	}
	v := s.newView(r, title)
	v.Nav = "agency"
	sel := who
	if sel == "" {
		sel = "all"
	}
	v.Form = newForm(url.Values{"who": {sel}}, nil)
	v.Data = map[string]any{"Groups": groups, "Today": today, "Total": len(tasks), "Overdue": overdue,
		"Who": who, "Options": map[string][]option{"who": whos}}
	return s.render(w, r, http.StatusOK, "agency_board", v)
}

// agencyTaskData is a family task's page.
type agencyTaskData struct {
	Task      *opora.Task
	Comments  []*opora.TaskComment
	Today     opora.Date
	CanAct    bool   // the assignee or the agency's head, on an open case
	CanAssign bool   // the agency's head, the task still open
	Failed    string // the form that failed: done, return, assign, comment
	Options   map[string][]option
	Resource  *taskResourceView // the resource the task points to (resources.go)
}

func (s *Server) agencyTaskPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAgencyTask(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderAgencyTask(w http.ResponseWriter, r *http.Request, status int, failed string, err error) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	l := s.loc(r)
	id, perr := pathID(r, "id")
	if perr != nil {
		return perr
	}
	t, lerr := s.store.AgencyTask(ctx, id)
	if lerr != nil {
		return lerr
	}
	if _, rerr := s.store.ReadNotificationsOn(ctx, "/agency/tasks/"+idString(id)); rerr != nil {
		return rerr
	}
	d := &agencyTaskData{Task: t, Today: s.store.Today(), Failed: failed}
	d.CanAct = t.CaseOpen && store.MayActOnTask(a, t)
	d.CanAssign = t.CaseOpen && t.Status.Open() && store.MayAssignTask(a, t)
	if t.Insider {
		var cerr error
		if d.Comments, cerr = s.store.FamilyTaskComments(ctx, t.ID); cerr != nil {
			return cerr
		}
	}
	var rerr error
	if d.Resource, rerr = s.taskResource(r, t); rerr != nil {
		return rerr
	}
	reasons := []option{{"", l.T("cases.choose")}}
	for _, rr := range opora.ReturnReasons {
		reasons = append(reasons, option{rr, l.T("tasks.return_reason." + rr)})
	}
	d.Options = map[string][]option{"reasons": reasons}
	if d.CanAssign {
		people, perr := s.store.AgencySpecialists(ctx)
		if perr != nil {
			return perr
		}
		po := []option{{"", l.T("tasks.nobody")}}
		for _, u := range people {
			po = append(po, option{idString(u.ID), u.FullName})
		}
		d.Options["people"] = po
	}
	vals := url.Values{}
	vals.Set("version", strconv.Itoa(t.Version))
	vals.Set("done_on", d.Today.String())
	vals.Set("assignee_id", idText(t.AssigneeID))
	if err != nil {
		for k, vs := range r.PostForm {
			if k != "version" || opora.ErrorCode(err) != opora.ECONFLICT {
				vals[k] = vs
			}
		}
	}
	v := s.newView(r, "agency.task")
	v.Nav = "agency"
	v.Form = newForm(vals, err)
	v.Data = d
	return s.render(w, r, status, "agency_task", v)
}

// agencyTaskFailed re-renders the task page with the failed form's values
// and errors (422), or after a concurrent change (409: the values kept,
// the page showing the task as it is now); other errors pass on.
func (s *Server) agencyTaskFailed(w http.ResponseWriter, r *http.Request, which string, err error) error {
	switch opora.ErrorCode(err) {
	case opora.EINVALID:
		return s.renderAgencyTask(w, r, http.StatusUnprocessableEntity, which, err)
	case opora.ECONFLICT:
		return s.renderAgencyTask(w, r, http.StatusConflict, which, err)
	}
	return err
}

// agencyMove runs a move from a form with the version the user saw.
func (s *Server) agencyMove(which string, move func(r *http.Request, id int64, version int) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.PostForm == nil {
			if err := r.ParseForm(); err != nil {
				return err
			}
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		version, _ := strconv.Atoi(r.PostForm.Get("version"))
		if err := move(r, id, version); err != nil {
			return s.agencyTaskFailed(w, r, which, err)
		}
		back := "/agency/tasks/" + idString(id)
		if r.PostForm.Get("back") == "board" {
			back = "/agency/tasks"
		}
		flash := "tasks.status_changed"
		if which == "assign" {
			flash = "agency.assigned"
		}
		return s.redirect(w, r, back, flash)
	}
}

func (s *Server) agencyAccept(w http.ResponseWriter, r *http.Request) error {
	return s.agencyMove("accept", func(r *http.Request, id int64, version int) error {
		return s.store.AcceptTask(r.Context(), id, version)
	})(w, r)
}

func (s *Server) agencyStart(w http.ResponseWriter, r *http.Request) error {
	return s.agencyMove("start", func(r *http.Request, id int64, version int) error {
		return s.store.StartTask(r.Context(), id, version)
	})(w, r)
}

func (s *Server) agencyReturn(w http.ResponseWriter, r *http.Request) error {
	return s.agencyMove("return", func(r *http.Request, id int64, version int) error {
		var v opora.Validation
		ret := opora.TaskReturn{Reason: r.PostForm.Get("return_reason"), Comment: r.PostForm.Get("return_comment")}
		ret.ProposedDueOn = parseDateField(r.PostForm, "proposed_due_on", &v)
		if err := v.Err(); err != nil {
			return err
		}
		return s.store.ReturnTask(r.Context(), id, version, ret)
	})(w, r)
}

func (s *Server) agencyAssign(w http.ResponseWriter, r *http.Request) error {
	return s.agencyMove("assign", func(r *http.Request, id int64, version int) error {
		who, _ := strconv.ParseInt(r.PostForm.Get("assignee_id"), 10, 64)
		return s.store.AssignTask(r.Context(), id, version, who)
	})(w, r)
}

// agencyDone marks a task done with the report and its optional document
// (multipart; the bytes are stored first and removed if the row is not
// written).
func (s *Server) agencyDone(w http.ResponseWriter, r *http.Request) error {
	defer cleanupUpload(r)
	if err := s.parseUpload(w, r); err != nil {
		if errors.Is(err, errUploadTooBig) {
			return s.agencyTaskFailed(w, r, "done", s.uploadError("report_file", err))
		}
		return err
	}
	return s.agencyMove("done", func(r *http.Request, id int64, version int) error {
		var v opora.Validation
		rep := opora.TaskReport{Text: r.PostForm.Get("report")}
		rep.DoneOn = parseDateField(r.PostForm, "done_on", &v)
		if rep.DoneOn.IsZero() && v.Err() == nil {
			v.Add("done_on", "error.date")
		}
		if err := v.Err(); err != nil {
			return err
		}
		var stored *opora.File
		data, name, err := s.readUpload(r, "report_file")
		switch {
		case errors.Is(err, errNoUpload):
		case err != nil:
			if errors.Is(err, errUploadTooBig) {
				return s.uploadError("report_file", err)
			}
			return err
		default:
			mime, err := files.CheckUpload(data)
			if err != nil {
				return s.uploadError("report_file", err)
			}
			if stored, err = s.storeBytes(r, data, name, mime); err != nil {
				return err
			}
		}
		if err := s.store.CompleteTask(r.Context(), id, version, rep, stored); err != nil {
			s.unstore(r, stored)
			return err
		}
		return nil
	})(w, r)
}

func (s *Server) agencyComment(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.AddFamilyTaskComment(r.Context(), id, r.PostForm.Get("body")); err != nil {
		return s.agencyTaskFailed(w, r, "comment", err)
	}
	return s.redirect(w, r, "/agency/tasks/"+idString(id)+"#comments", "tasks.commented")
}

func (s *Server) agencyReportFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.store.TaskReportFile(r.Context(), id)
	if err != nil {
		return err
	}
	return s.serveStored(w, r, f, f.MIME, attachment(f.Name))
}

// The curator's view of a family's tasks (issue 21 item 4).

// familyTasksData is the curator's view.
type familyTasksData struct {
	Family  *opora.Family
	View    *store.FamilyTaskView
	Today   opora.Date
	Next    *opora.Task        // the done task a next step is being added after
	Drafts  []*opora.DraftTask // the draft plan's tasks awaiting the council
	MayNow  bool               // the procedure lets the curator assign the next step at once
	Options map[string][]option
}

func (s *Server) familyTasks(w http.ResponseWriter, r *http.Request) error {
	return s.renderFamilyTasks(w, r, http.StatusOK, nil)
}

func (s *Server) renderFamilyTasks(w http.ResponseWriter, r *http.Request, status int, err error) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	id, perr := pathID(r, "id")
	if perr != nil {
		return perr
	}
	fam, ferr := s.store.Family(ctx, id)
	if ferr != nil {
		return ferr
	}
	d := &familyTasksData{Family: fam, Today: s.store.Today()}
	var verr error
	if d.View, verr = s.store.ViewFamilyTasks(ctx, id); verr != nil {
		return verr
	}
	// The curator sees every task's change here: their notifications are read.
	var links []string
	for _, t := range d.View.Tasks {
		links = append(links, "/agency/tasks/"+idString(t.ID))
	}
	if _, rerr := s.store.ReadNotificationsOn(ctx, links...); rerr != nil {
		return rerr
	}
	if a.Can(opora.PermFamilyWrite) {
		// The next steps proposed for the council, where the reader may
		// see the family's plan.
		plan, perr := s.store.FamilyDraftPlan(ctx, id)
		switch c := opora.ErrorCode(perr); {
		case perr == nil:
			d.Drafts = plan.Tasks
		case c != opora.ENOTFOUND && c != opora.EFORBIDDEN:
			return perr
		}
	}
	vals := url.Values{}
	nextID := r.URL.Query().Get("next")
	if err != nil {
		nextID = r.PostForm.Get("after_id")
	}
	if a.Can(opora.PermFamilyWrite) && nextID != "" {
		for _, t := range d.View.Tasks {
			if idString(t.ID) == nextID && t.Status == opora.TaskDone {
				d.Next = t
			}
		}
	}
	if d.Next != nil {
		step, may, perr := s.store.ProposeNextStep(ctx, d.Next)
		if perr != nil {
			return perr
		}
		d.MayNow = may
		vals.Set("after_id", idString(d.Next.ID))
		vals.Set("type_id", idString(step.TypeID))
		vals.Set("org_id", idText(step.OrgID))
		vals.Set("due_on", step.DueOn.String())
		if d.Options, perr = s.nextStepOptions(r); perr != nil {
			return perr
		}
	}
	if err != nil {
		for k, vs := range r.PostForm {
			vals[k] = vs
		}
	}
	v := s.newView(r, "agency.family_tasks")
	v.Nav = "families"
	v.Form = newForm(vals, err)
	v.Data = d
	return s.render(w, r, status, "family_tasks", v)
}

// nextStepOptions are the next step form's task types and agencies.
func (s *Server) nextStepOptions(r *http.Request) (map[string][]option, error) {
	ctx := r.Context()
	l := s.loc(r)
	opts := map[string][]option{}
	types, err := s.store.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		return nil, err
	}
	to := []option{{"", l.T("cases.choose")}}
	for _, it := range types {
		to = append(to, option{idString(it.ID), it.Label})
	}
	opts["types"] = to
	orgs, err := s.store.NetworkOrganisations(ctx)
	if err != nil {
		return nil, err
	}
	oo := []option{{"", l.T("cases.choose")}}
	for _, o := range orgs {
		oo = append(oo, option{idString(o.ID), o.Name})
	}
	opts["orgs"] = oo
	return opts, nil
}

// familyNextStep adds the follow-up after a done task: to the next council
// (action=council) or, where the procedure allows, to the agency at once
// (action=assign).
func (s *Server) familyNextStep(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var v opora.Validation
	n := &store.NextStep{FamilyID: id, What: strings.TrimSpace(r.PostForm.Get("what")),
		AssignNow: r.PostForm.Get("action") == "assign"}
	n.AfterID, _ = strconv.ParseInt(r.PostForm.Get("after_id"), 10, 64)
	n.TypeID, _ = strconv.ParseInt(r.PostForm.Get("type_id"), 10, 64)
	n.OrgID, _ = strconv.ParseInt(r.PostForm.Get("org_id"), 10, 64)
	n.DueOn = parseDateField(r.PostForm, "due_on", &v)
	err = v.Err()
	assigned := false
	if err == nil {
		assigned, err = s.store.AddNextStep(r.Context(), n)
	}
	if err != nil {
		if c := opora.ErrorCode(err); c == opora.EINVALID || c == opora.ECONFLICT {
			return s.renderFamilyTasks(w, r, http.StatusUnprocessableEntity, nextStepFields(err))
		}
		return err
	}
	flash := "agency.next.proposed"
	if assigned {
		flash = "agency.next.assigned"
	}
	return s.redirect(w, r, "/families/"+idString(id)+"/tasks", flash)
}

// nextStepFields names the store's fields as the next step form does: the
// agency (responsible, proposed_agency_type) is org_id.
func nextStepFields(err error) error {
	fe := opora.FieldErrors(err)
	if len(fe) == 0 {
		return err
	}
	var v opora.Validation
	for k, msg := range fe {
		switch k {
		case "responsible", "proposed_agency_type":
			k = "org_id"
		}
		v.Add(k, msg)
	}
	return v.Err()
}
