package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Plan tasks: the My tasks board, the task page (edit, status, comments).

// taskGroup is one section of the board.
type taskGroup struct {
	Key   string // overdue, week, later
	Tasks []*opora.Task
}

func (s *Server) taskBoard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := store.TaskFilter{Queue: q.Get("queue")}
	if f.Queue != store.QueueMine && f.Queue != store.QueueOrg {
		f.Queue = ""
	}
	status := q.Get("status")
	switch {
	case status == "all":
		f.Statuses = opora.TaskStatuses
	case opora.TaskStatus(status).Valid():
		f.Statuses = []opora.TaskStatus{opora.TaskStatus(status)}
	default:
		status = ""
	}
	tasks, err := s.store.MyTasks(ctx, f)
	if err != nil {
		return err
	}
	today := s.store.Today()
	// The week ends on Sunday.
	weekEnd := today.AddDate(0, 0, (7-int(today.Weekday()))%7)
	groups := []*taskGroup{{Key: "overdue"}, {Key: "week"}, {Key: "later"}, {Key: "closed"}}
	for _, t := range tasks {
		switch {
		case !t.Status.Open():
			groups[3].Tasks = append(groups[3].Tasks, t)
		case t.Overdue(today):
			groups[0].Tasks = append(groups[0].Tasks, t)
		case !t.DueOn.IsZero() && !t.DueOn.After(weekEnd):
			groups[1].Tasks = append(groups[1].Tasks, t)
		default:
			groups[2].Tasks = append(groups[2].Tasks, t)
		}
	}
	l := s.loc(r)
	queues := []option{{"", l.T("tasks.queue.all")}, {store.QueueMine, l.T("tasks.queue.mine")}, {store.QueueOrg, l.T("tasks.queue.org")}}
	statuses := []option{{"", l.T("tasks.status.open")}}
	for _, st := range opora.TaskStatuses {
		statuses = append(statuses, option{string(st), l.T("tasks.status." + string(st))})
	}
	statuses = append(statuses, option{"all", l.T("common.all")})
	v := s.newView(r, "tasks.board")
	v.Nav = "tasks"
	v.Form = newForm(url.Values{"queue": {f.Queue}, "status": {status}}, nil)
	v.Data = map[string]any{"Groups": groups, "Today": today, "Total": len(tasks),
		"Options": map[string][]option{"queues": queues, "statuses": statuses}}
	return s.render(w, r, http.StatusOK, "tasks_board", v)
}

// taskPageData is the task page.
type taskPageData struct {
	Task     *opora.Task
	Comments []*opora.TaskComment
	Options  map[string][]option
	Today    opora.Date
	CanEdit  bool // the case's own worker with client.write on an open case
	CanAct   bool // may change the status and comment
}

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTaskPage(w, r, http.StatusOK, nil)
}

func (s *Server) renderTaskPage(w http.ResponseWriter, r *http.Request, status int, err error) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	id, perr := pathID(r, "id")
	if perr != nil {
		return perr
	}
	t, lerr := s.store.Task(ctx, id)
	if lerr != nil {
		return lerr
	}
	if t.FamilyID != 0 { // a family's task has its own page (agency_tasks.go)
		http.Redirect(w, r, "/agency/tasks/"+idString(t.ID), http.StatusSeeOther)
		return nil
	}
	if t.InScope {
		if _, verr := s.store.ViewClient(ctx, t.ClientID, "task"); verr != nil {
			return verr
		}
	} else if aerr := s.store.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "task", EntityID: t.ID}); aerr != nil {
		return aerr
	}
	d := &taskPageData{Task: t, Today: s.store.Today()}
	d.CanAct = a.Can(opora.PermClientWrite) && t.CaseOpen
	d.CanEdit = d.CanAct && t.InScope
	var cerr error
	if d.Comments, cerr = s.store.TaskComments(ctx, t.ID); cerr != nil {
		return cerr
	}
	if d.CanEdit {
		if d.Options, cerr = s.caseOptions(r); cerr != nil {
			return cerr
		}
	}
	vals := url.Values{}
	vals.Set("type_id", idString(t.TypeID))
	vals.Set("description", t.Description)
	vals.Set("responsible", responsibleValue(t))
	vals.Set("start_on", t.StartOn.String())
	vals.Set("due_on", t.DueOn.String())
	vals.Set("done_on", t.DoneOn.String())
	vals.Set("status", string(t.Status))
	vals.Set("fail_reason", t.FailReason)
	vals.Set("version", strconv.Itoa(t.Version))
	if err != nil {
		for k, vs := range r.PostForm {
			vals[k] = vs
		}
	}
	v := s.newView(r, "tasks.task")
	v.Nav = "tasks"
	v.Form = newForm(vals, err)
	v.Data = d
	return s.render(w, r, status, "tasks_task", v)
}

func (s *Server) taskFailed(w http.ResponseWriter, r *http.Request, err error) error {
	switch opora.ErrorCode(err) {
	case opora.EINVALID:
		return s.renderTaskPage(w, r, http.StatusUnprocessableEntity, err)
	case opora.ECONFLICT:
		return s.renderTaskPage(w, r, http.StatusConflict, err)
	}
	return err
}

func (s *Server) taskUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, v := parseTaskForm(r.PostForm)
	t.ID = id
	err = v.Err()
	if err == nil {
		err = s.store.UpdateTask(r.Context(), t)
	}
	if err != nil {
		return s.taskFailed(w, r, err)
	}
	return s.redirect(w, r, "/tasks/"+idString(id), "common.saved")
}

// taskStatus is the one-tap status change (done, in progress, failed with a
// reason). "back" may send the browser back to the case or the board.
func (s *Server) taskStatus(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st := opora.TaskStatus(r.PostForm.Get("status"))
	if !st.Valid() {
		var v opora.Validation
		v.Add("status", "error.invalid_choice")
		return s.taskFailed(w, r, v.Err())
	}
	if err := s.store.SetTaskStatus(r.Context(), id, st, r.PostForm.Get("fail_reason")); err != nil {
		return s.taskFailed(w, r, err)
	}
	back := r.PostForm.Get("back")
	if back != "/tasks" && !(len(back) > 7 && back[:7] == "/cases/" && isDigits(back[7:])) {
		back = "/tasks/" + idString(id)
	}
	return s.redirect(w, r, back, "tasks.status_changed")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func (s *Server) taskComment(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.AddTaskComment(r.Context(), id, r.PostForm.Get("body")); err != nil {
		return s.taskFailed(w, r, err)
	}
	return s.redirect(w, r, "/tasks/"+idString(id)+"#comments", "tasks.commented")
}
