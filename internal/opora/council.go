package opora

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The regional procedure and the inter-agency council (issue 21 items 1, 2).

// ProcedureRule is one line of the regional procedure: a task type (by its
// dictionary key, the same in every agency) or an assessment indicator (by
// its label) → the kind of agency responsible, the default deadline, what
// counts as done, and whether the curator may assign such a task without
// the council. TerritoryID 0 is the network-wide rule; a municipality's
// rule for the same subject overrides it.
type ProcedureRule struct {
	ID               int64
	TerritoryID      int64
	TerritoryName    string
	TaskTypeKey      string
	Indicator        string
	AgencyType       OrgType
	DueDays          int
	DoneWhen         string
	CuratorMayAssign bool
	UpdatedAt        time.Time
}

// MaxProcedureDueDays bounds a rule's default deadline (two years).
const MaxProcedureDueDays = 730

// Normalize trims the rule's text fields.
func (r *ProcedureRule) Normalize() {
	r.TaskTypeKey = strings.TrimSpace(r.TaskTypeKey)
	r.Indicator = strings.Join(strings.Fields(r.Indicator), " ")
	r.DoneWhen = strings.TrimSpace(r.DoneWhen)
}

// Validate checks a rule before saving.
func (r *ProcedureRule) Validate() error {
	var v Validation
	switch {
	case r.TaskTypeKey == "" && r.Indicator == "":
		v.Add("task_type_key", "procedure.error.subject")
	case r.TaskTypeKey != "" && r.Indicator != "":
		v.Add("indicator", "procedure.error.one_subject")
	}
	checkText(&v, "task_type_key", r.TaskTypeKey, false, 100)
	checkText(&v, "indicator", r.Indicator, false, 300)
	if !r.AgencyType.Valid() {
		v.Add("agency_type", "error.required")
	}
	if r.DueDays < 0 || r.DueDays > MaxProcedureDueDays {
		v.Add("due_days", "procedure.error.due_days")
	}
	checkText(&v, "done_when", r.DoneWhen, false, 2000)
	return v.Err()
}

// Council is a municipality's inter-agency council (консилиум), held by an
// organisation (the КДН of the municipality). It meets on Weekday of the
// weeks of the month in Weeks (1…5; the 5th exists in some months only).
type Council struct {
	ID             int64
	OrganisationID int64
	TerritoryID    int64
	TerritoryName  string
	Name           string
	Weekday        time.Weekday
	Weeks          []int
	StartsAt       string // "10:00"
	Place          string
	CreatedAt      time.Time
	Members        []*CouncilMember // filled by the council page
}

// WeeksText is Weeks as stored ("2,4").
func (c *Council) WeeksText() string {
	var parts []string
	for _, w := range c.Weeks {
		parts = append(parts, strconv.Itoa(w))
	}
	return strings.Join(parts, ",")
}

// ParseWeeks reads "2,4" (or "2 4"); ok is false for anything but weeks 1…5.
func ParseWeeks(s string) ([]int, bool) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 5 {
			return nil, false
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, len(out) > 0
}

// Validate checks a council before saving.
func (c *Council) Validate() error {
	var v Validation
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	c.Place = strings.TrimSpace(c.Place)
	c.StartsAt = strings.TrimSpace(c.StartsAt)
	checkText(&v, "name", c.Name, true, 200)
	checkText(&v, "place", c.Place, false, 300)
	if c.TerritoryID == 0 {
		v.Add("territory_id", "error.required")
	}
	if c.Weekday < time.Sunday || c.Weekday > time.Saturday {
		v.Add("weekday", "error.invalid_choice")
	}
	if len(c.Weeks) == 0 {
		v.Add("weeks", "council.error.weeks")
	}
	if c.StartsAt != "" {
		if _, err := time.Parse("15:04", c.StartsAt); err != nil {
			v.Add("starts_at", "council.error.time")
		}
	}
	return v.Err()
}

// MeetingDays returns the council's meeting days from from to to inclusive.
func (c *Council) MeetingDays(from, to Date) []Date {
	var out []Date
	for d := from; !d.After(to); d = d.AddDays(1) {
		if d.Weekday() == c.Weekday && slices.Contains(c.Weeks, (d.Day()-1)/7+1) {
			out = append(out, d)
		}
	}
	return out
}

// CouncilMember is an agency of the network on the council, and the
// person who sits for it (a user of that agency) when named.
type CouncilMember struct {
	ID             int64
	CouncilID      int64
	OrganisationID int64
	OrgName        string
	OrgType        OrgType
	UserID         int64
	UserName       string
	Position       string
	Present        bool // at a meeting, when read with the attendance
}

// Meeting statuses.
const (
	MeetingPlanned   = "planned"
	MeetingHeld      = "held"
	MeetingCancelled = "cancelled"
)

// CouncilMeeting is one sitting of a council.
type CouncilMeeting struct {
	ID               int64
	CouncilID        int64
	HeldOn           Date
	StartsAt         string
	Status           string
	ResolutionNumber string
	ResolutionDate   Date
	Version          int
	UpdatedAt        time.Time
}

// Decision kinds (council_decisions.kind); catalog "council.kind.<kind>".
const (
	DecisionApprovePlan = "approve_plan"
	DecisionReassign    = "reassign"
	DecisionStatus      = "status"
	DecisionReview      = "review"
	DecisionClose       = "close"
)

// CouncilDecision is what the council decided about a family at a meeting.
type CouncilDecision struct {
	ID         int64
	MeetingID  int64
	FamilyID   int64
	FamilyName string
	Kind       string
	OnAgenda   bool
	Changes    []Change
	Tasks      []*CouncilTask
	CreatedBy  int64
	CreatedAt  time.Time
}

// CouncilTask is a task the council gives to an agency: from a draft task
// (DraftID) when approving a plan, or a returned task (TaskID) to reassign.
// ProposedOrg is the agency the regional procedure proposes; Reason is
// required when OrgID differs from it. ConfirmOtherTerritory accepts an
// agency of another municipality than the family's (otherwise warned).
type CouncilTask struct {
	DraftID               int64
	TaskID                int64
	Title                 string
	ProposedOrg           int64
	ProposedOrgName       string
	OrgID                 int64
	OrgName               string
	DueOn                 Date
	Reason                string
	ConfirmOtherTerritory bool
	Skip                  bool // leave this draft task for a later meeting
}
