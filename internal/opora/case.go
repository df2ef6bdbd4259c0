package opora

import (
	"slices"
	"strings"
	"time"
)

// Timeline event kinds written by cases and their plans.
const (
	EventCase = "case"
	EventTask = "task"
)

// Dictionaries used by cases (dictionary_items.dictionary).
const (
	DictCaseType = "case_type"
	DictTaskType = "task_type"
)

// CaseDictionaries are the dictionaries administrators edit on the case
// types screen: case types, task types and, for network agencies, family
// statuses (family.go).
var CaseDictionaries = []string{DictCaseType, DictTaskType, DictFamilyStatus}

// IsCaseDictionary reports whether dict is one of CaseDictionaries.
func IsCaseDictionary(dict string) bool { return slices.Contains(CaseDictionaries, dict) }

// Subject types of a case. A case is about one client now; families come later.
const (
	SubjectClient = "client"
	SubjectFamily = "family"
)

// CaseStatus is open or closed.
type CaseStatus string

const (
	CaseOpen   CaseStatus = "open"
	CaseClosed CaseStatus = "closed"
)

// CaseOutcome is how a closed case ended. Catalog key "cases.outcome.<value>".
type CaseOutcome string

const (
	OutcomeDone            CaseOutcome = "done"
	OutcomePartlyRefused   CaseOutcome = "partly_refused"
	OutcomePartlyNoShow    CaseOutcome = "partly_no_show"
	OutcomePartlyOther     CaseOutcome = "partly_other"
	OutcomeNotDoneRefused  CaseOutcome = "not_done_refused"
	OutcomeNotDoneNoShow   CaseOutcome = "not_done_no_show"
	OutcomeNotDoneOther    CaseOutcome = "not_done_other"
	outcomeOtherSuffixText             = "_other"
)

// CaseOutcomes lists the outcomes in display order.
var CaseOutcomes = []CaseOutcome{OutcomeDone, OutcomePartlyRefused, OutcomePartlyNoShow, OutcomePartlyOther,
	OutcomeNotDoneRefused, OutcomeNotDoneNoShow, OutcomeNotDoneOther}

// Valid reports whether o is one of CaseOutcomes.
func (o CaseOutcome) Valid() bool { return slices.Contains(CaseOutcomes, o) }

// NeedsComment reports whether the outcome is an "other" reason, which must be explained.
func (o CaseOutcome) NeedsComment() bool { return strings.HasSuffix(string(o), outcomeOtherSuffixText) }

// Case is a support programme (сопровождение): a plan of tasks for a subject,
// led by a curator. Access follows the subject client's scope.
type Case struct {
	ID             int64
	OrganisationID int64
	SubjectType    string // SubjectClient
	SubjectID      int64
	ClientID       int64 // the subject when SubjectType is SubjectClient
	TypeID         int64 // dictionary case_type
	TypeLabel      string
	CuratorID      int64
	CuratorName    string
	OpenedOn       Date
	ClosedOn       Date
	Status         CaseStatus
	Outcome        CaseOutcome
	OutcomeComment string
	Version        int
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Filled by lists and the case page.
	ClientName   string
	TasksTotal   int
	TasksDone    int // done or cancelled: no longer needing work
	TasksOverdue int
	Participants []*CaseParticipant
}

// Open reports whether the case is still running.
func (c *Case) Open() bool { return c.Status == CaseOpen }

// Light returns the plan duration's traffic light on day today.
func (c *Case) Light(today Date) Light {
	end := today
	if !c.ClosedOn.IsZero() {
		end = c.ClosedOn
	}
	return PlanLight(c.OpenedOn, end)
}

// Months returns how many whole months the plan has run by day today.
func (c *Case) Months(today Date) int {
	end := today
	if !c.ClosedOn.IsZero() {
		end = c.ClosedOn
	}
	m, _ := PlanMonths(c.OpenedOn, end)
	return m
}

// Progress is the share of finished tasks, 0–100.
func (c *Case) Progress() int {
	if c.TasksTotal == 0 {
		return 0
	}
	return c.TasksDone * 100 / c.TasksTotal
}

// Validate checks a new or edited case; today is the current date.
func (c *Case) Validate(today Date) error {
	var v Validation
	if c.SubjectType != SubjectClient && c.SubjectType != SubjectFamily {
		v.Add("subject_type", "error.invalid_choice")
	}
	if c.SubjectID == 0 {
		v.Add("subject_id", "error.required")
	}
	if c.TypeID == 0 {
		v.Add("type_id", "error.required")
	}
	if c.CuratorID == 0 {
		v.Add("curator_id", "error.required")
	}
	if c.OpenedOn.IsZero() {
		v.Add("opened_on", "error.date")
	} else if c.OpenedOn.After(today) {
		v.Add("opened_on", "error.date_future")
	}
	return v.Err()
}

// CaseParticipant is a worker or an organisation of the network taking part in a case.
type CaseParticipant struct {
	ID             int64
	CaseID         int64
	UserID         int64 // a worker of the case's organisation, or
	OrganisationID int64 // an organisation of the network
	Name           string
	Role           string // free text: "lawyer", "employment service"
}

// Light is a traffic light for how long a plan has run.
type Light string

const (
	LightGreen  Light = "green"  // less than 3 months
	LightYellow Light = "yellow" // 3 to 6 months
	LightRed    Light = "red"    // more than 6 months
)

// PlanLight colours the time from opened to end: green under 3 whole
// calendar months, yellow from 3 months up to exactly 6, red beyond 6.
func PlanLight(opened, end Date) Light {
	m, extra := PlanMonths(opened, end)
	switch {
	case m < 3:
		return LightGreen
	case m < 6 || (m == 6 && !extra):
		return LightYellow
	}
	return LightRed
}

// PlanMonths counts whole calendar months from a to b (b after a): the
// largest n with AddMonths(a, n) <= b. extra reports days left over. A
// month from the 31st ends on the last day of a shorter month.
func PlanMonths(a, b Date) (n int, extra bool) {
	if !b.After(a) {
		return 0, false
	}
	n = (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	for n > 0 && a.AddMonths(n).After(b) {
		n--
	}
	return n, a.AddMonths(n).Before(b)
}

// AddMonths adds n calendar months to day t, clamping the day to the end of
// the target month (31 January + 1 month = 28 or 29 February).
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}

// Day returns t's calendar date at midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// TaskStatus is where a plan task stands. Catalog key "tasks.status.<value>".
type TaskStatus string

// An agency's task (a family's plan, issue 21) goes planned ("new" on the
// agency's board) → accepted → in progress → done, or back to the family's
// curator and council as returned.
const (
	TaskPlanned    TaskStatus = "planned"
	TaskAccepted   TaskStatus = "accepted"
	TaskInProgress TaskStatus = "in_progress"
	TaskDone       TaskStatus = "done"
	TaskReturned   TaskStatus = "returned"
	TaskCancelled  TaskStatus = "cancelled"
	TaskFailed     TaskStatus = "failed"
)

// TaskStatuses lists the statuses in display order.
var TaskStatuses = []TaskStatus{TaskPlanned, TaskAccepted, TaskInProgress, TaskDone, TaskReturned, TaskCancelled, TaskFailed}

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool { return slices.Contains(TaskStatuses, s) }

// Open reports whether a task in this status still needs work from its
// responsible. A returned task needs the curator's or the council's
// decision instead (it is not finished either: see Finished).
func (s TaskStatus) Open() bool { return s == TaskPlanned || s == TaskAccepted || s == TaskInProgress }

// Finished reports whether nothing more is expected of the task.
func (s TaskStatus) Finished() bool { return s == TaskDone || s == TaskCancelled || s == TaskFailed }

// Task is one step of a case's plan. The responsible is a worker of the
// case's organisation or an organisation of the network (its queue).
type Task struct {
	ID             int64
	OrganisationID int64 // the case's organisation
	CaseID         int64
	ClientID       int64
	TypeID         int64 // dictionary task_type
	TypeLabel      string
	Description    string
	ResponsibleID  int64 // a worker, or
	ResponsibleOrg int64 // an organisation of the network
	Responsible    string
	StartOn        Date
	DueOn          Date
	DoneOn         Date
	Status         TaskStatus
	FailReason     string
	Position       int
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// A family's task (issue 21): on the family's case, no client; the
	// responsible is an agency (ResponsibleOrg) whose head may pick one of
	// its specialists (Assignee).
	FamilyID        int64
	AssigneeID      int64
	AssigneeName    string
	Report          string // what was done, when done
	ReportFileID    int64  // a document attached to the report
	ReturnReason    string // code, when returned
	ReturnComment   string
	ProposedDueOn   Date // a new deadline the agency proposes when returning
	StatusChangedAt time.Time
	// Filled by the board and the task page.
	ClientName string
	FamilyName string
	CaseOpen   bool
	// InScope says the actor reaches the client's record; otherwise they see
	// the task only as its responsible (worker or organisation): the task
	// and the client's name, nothing more.
	InScope bool
	// Insider says the actor may read a family's task's report, return
	// comment and comments: the task's agency and assignee, the case's
	// organisation, the family's curator and its holder (the КДН). Others
	// working on the family see who, what, due and status only (the store
	// blanks the rest).
	Insider bool
	// Changed marks a task changed since the reader last looked at the
	// family's tasks (the curator's view).
	Changed bool
}

// Title is the type and the description, for lists and the timeline.
func (t *Task) Title() string {
	switch {
	case t.TypeLabel == "":
		return t.Description
	case t.Description == "":
		return t.TypeLabel
	}
	return t.TypeLabel + ": " + t.Description
}

// Overdue reports whether an open task is past its due date on day today.
func (t *Task) Overdue(today Date) bool {
	return t.Status.Open() && !t.DueOn.IsZero() && t.DueOn.Before(today)
}

// Normalize trims the task's text.
func (t *Task) Normalize() {
	t.Description = strings.TrimSpace(t.Description)
	t.FailReason = strings.TrimSpace(t.FailReason)
	if t.Status == "" {
		t.Status = TaskPlanned
	}
}

// Validate checks a task before saving.
func (t *Task) Validate() error {
	var v Validation
	if t.TypeID == 0 {
		v.Add("type_id", "error.required")
	}
	checkText(&v, "description", t.Description, false, 2000)
	if t.ResponsibleID != 0 && t.ResponsibleOrg != 0 {
		v.Add("responsible", "tasks.error.one_responsible")
	}
	if t.StartOn.IsZero() {
		v.Add("start_on", "error.date")
	}
	if !t.DueOn.IsZero() && !t.StartOn.IsZero() && t.DueOn.Before(t.StartOn) {
		v.Add("due_on", "tasks.error.due_before_start")
	}
	if !t.Status.Valid() {
		v.Add("status", "error.invalid_choice")
	}
	if t.Status == TaskDone {
		if t.DoneOn.IsZero() {
			v.Add("done_on", "error.date")
		} else if !t.StartOn.IsZero() && t.DoneOn.Before(t.StartOn) {
			v.Add("done_on", "tasks.error.done_before_start")
		}
	}
	if t.Status == TaskFailed && t.FailReason == "" {
		v.Add("fail_reason", "tasks.error.reason_required")
	}
	checkText(&v, "fail_reason", t.FailReason, false, 1000)
	return v.Err()
}

// TaskComment is a note on a task.
type TaskComment struct {
	ID       int64
	TaskID   int64
	UserID   int64
	UserName string
	Body     string
	At       time.Time
}

// PlanTemplate is a named sequence of tasks added to a case in one step.
type PlanTemplate struct {
	ID             int64
	OrganisationID int64
	Key            string // stable key of a seeded template
	Name           string
	Position       int
	Disabled       bool
	Items          []*PlanTemplateItem
}

// PlanTemplateItem is one task of a template: due DueDays after the day it is added.
type PlanTemplateItem struct {
	ID          int64
	TypeID      int64
	TypeLabel   string
	Description string
	DueDays     int
	Position    int
}

// Validate checks a template before saving.
func (p *PlanTemplate) Validate() error {
	var v Validation
	p.Name = strings.TrimSpace(p.Name)
	checkText(&v, "name", p.Name, true, 200)
	if len(p.Items) == 0 {
		v.Add("items", "plantemplates.error.no_items")
	}
	for _, it := range p.Items {
		it.Description = strings.TrimSpace(it.Description)
		if it.TypeID == 0 {
			v.Add("items", "plantemplates.error.item_type")
		}
		if it.DueDays < 0 || it.DueDays > 3650 {
			v.Add("items", "plantemplates.error.item_days")
		}
		checkText(&v, "items", it.Description, false, 2000)
	}
	return v.Err()
}

// What to do with a case's open tasks when it closes.
const (
	OpenTasksCancel = "cancel" // mark them cancelled
	OpenTasksFail   = "fail"   // mark them failed with a reason
)

// CaseClosing is what closing a case records.
type CaseClosing struct {
	Outcome    CaseOutcome
	Comment    string
	ClosedOn   Date
	OpenTasks  string // "" (refused while tasks are open), OpenTasksCancel or OpenTasksFail
	FailReason string // for OpenTasksFail
}

// Validate checks a closing of a case opened on opened; today is the current date.
func (c *CaseClosing) Validate(opened, today Date) error {
	var v Validation
	c.Comment, c.FailReason = strings.TrimSpace(c.Comment), strings.TrimSpace(c.FailReason)
	switch {
	case c.Outcome == "":
		v.Add("outcome", "cases.error.outcome_required")
	case !c.Outcome.Valid():
		v.Add("outcome", "cases.error.outcome_unknown")
	case c.Outcome.NeedsComment() && c.Comment == "":
		v.Add("outcome_comment", "cases.error.comment_required")
	}
	checkText(&v, "outcome_comment", c.Comment, false, 2000)
	switch {
	case c.ClosedOn.IsZero():
		v.Add("closed_on", "error.date")
	case c.ClosedOn.After(today):
		v.Add("closed_on", "error.date_future")
	case c.ClosedOn.Before(opened):
		v.Add("closed_on", "cases.error.closed_before_opened")
	}
	switch c.OpenTasks {
	case "", OpenTasksCancel:
	case OpenTasksFail:
		if c.FailReason == "" {
			v.Add("fail_reason", "tasks.error.reason_required")
		}
	default:
		v.Add("open_tasks", "error.invalid_choice")
	}
	checkText(&v, "fail_reason", c.FailReason, false, 1000)
	return v.Err()
}

// Why an agency returns a family's task (issue 21). Catalog key
// "tasks.return_reason.<value>".
const (
	ReturnNotCompetent = "not_competent"      // not our competence
	ReturnRefused      = "family_refused"     // the family refused
	ReturnLate         = "cannot_by_deadline" // cannot be done by the deadline: a new date is proposed
)

// ReturnReasons lists the reasons in display order.
var ReturnReasons = []string{ReturnNotCompetent, ReturnRefused, ReturnLate}

// TaskReport is what an agency writes when it marks its task done: what
// was done and when (the attached document travels beside it).
type TaskReport struct {
	Text   string
	DoneOn Date
}

// Validate checks a report of a task started on start; today is the current date.
func (r *TaskReport) Validate(start, today Date) error {
	var v Validation
	r.Text = normalizeText(r.Text)
	checkText(&v, "report", r.Text, true, 4000)
	switch {
	case r.DoneOn.IsZero():
		v.Add("done_on", "error.date")
	case r.DoneOn.After(today):
		v.Add("done_on", "error.date_future")
	case !start.IsZero() && r.DoneOn.Before(start):
		v.Add("done_on", "tasks.error.done_before_start")
	}
	return v.Err()
}

// TaskReturn is an agency's refusal of its task: a reason code, a comment
// and, when it cannot be done by the deadline, the date it can.
type TaskReturn struct {
	Reason        string
	Comment       string
	ProposedDueOn Date
}

// Validate checks a return; today is the current date.
func (r *TaskReturn) Validate(today Date) error {
	var v Validation
	r.Comment = normalizeText(r.Comment)
	if !slices.Contains(ReturnReasons, r.Reason) {
		v.Add("return_reason", "tasks.error.return_reason")
	}
	checkText(&v, "return_comment", r.Comment, false, 2000)
	switch {
	case r.Reason != ReturnLate:
		r.ProposedDueOn = Date{}
	case r.ProposedDueOn.IsZero():
		v.Add("proposed_due_on", "tasks.error.proposed_due_required")
	case r.ProposedDueOn.Before(today):
		v.Add("proposed_due_on", "tasks.error.due_in_past")
	}
	return v.Err()
}
