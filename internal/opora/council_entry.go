package opora

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Council decisions entered offline (issue 21 item 2). The secretary's
// laptop keeps each decision it could not send — the fields of the family
// screen's form, as the form would have posted them — under a UUID made on
// the device; ParseCouncilEntry reads one such entry into what the store
// applies. An entry that no longer applies when it arrives is held for the
// secretary rather than applied.

// CouncilEntry states (council_entries.state).
const (
	EntryApplied   = "applied"
	EntryHeld      = "held"
	EntryCancelled = "cancelled"
)

// CouncilEntry is one decision about a family at a meeting as entered on
// the secretary's device. Fields are the form's fields; the parsed decision
// is in Tasks (approve_plan: one per draft task decided), Task and
// TaskVersion (reassign: the task and the version the secretary saw),
// StatusID (status), NextReviewOn (review), Outcome and Comment (close).
type CouncilEntry struct {
	ID          int64
	UUID        string
	CouncilID   int64
	MeetingID   int64
	FamilyID    int64
	FamilyName  string
	Kind        string
	Fields      map[string][]string
	State       string
	Reason      string // catalog key of why the entry was held
	EnteredAt   time.Time
	CreatedAt   time.Time
	AuthorName  string
	Tasks       []*CouncilTask
	Task        *CouncilTask
	TaskVersion int
	StatusID    int64
	NextReview  Date
	Outcome     CaseOutcome
	Comment     string
}

var entryUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// entryKinds maps the family screen's form names (approve, reassign, …)
// and the decision kinds to the decision kind.
var entryKinds = map[string]string{
	"approve": DecisionApprovePlan, DecisionApprovePlan: DecisionApprovePlan, DecisionReassign: DecisionReassign,
	DecisionStatus: DecisionStatus, DecisionReview: DecisionReview, DecisionClose: DecisionClose,
}

// MaxEntryFields bounds the fields of one entry (a plan of many tasks has
// a handful of fields per task).
const MaxEntryFields = 500

// ParseCouncilEntry reads an entry sent by the secretary's device: its
// UUID, the decision's kind, the family and the form's fields. It returns
// an EINVALID error naming the field at fault ("uuid", "kind", "family",
// or the form's field, e.g. "tasks.12.due_on").
func ParseCouncilEntry(uuid, kind string, familyID int64, fields map[string][]string) (*CouncilEntry, error) {
	var v Validation
	e := &CouncilEntry{UUID: strings.ToLower(strings.TrimSpace(uuid)), FamilyID: familyID, Fields: fields}
	if !entryUUID.MatchString(e.UUID) {
		v.Add("uuid", "council.error.entry_uuid")
	}
	k, ok := entryKinds[strings.TrimSpace(kind)]
	if !ok {
		v.Add("kind", "council.error.entry_kind")
	}
	e.Kind = k
	if familyID <= 0 {
		v.Add("family", "council.error.family_number")
	}
	n := 0
	for _, vs := range fields {
		n += len(vs)
	}
	if n > MaxEntryFields {
		v.Add("fields", "council.error.entry_fields")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	get := func(name string) string {
		if vs := fields[name]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	id := func(name string) int64 {
		n, _ := strconv.ParseInt(get(name), 10, 64)
		return n
	}
	date := func(name string) Date {
		s := get(name)
		if s == "" {
			return Date{}
		}
		d, ok := ParseDate(s)
		if !ok {
			v.Add(name, "error.date")
		}
		return d
	}
	task := func(prefix string) *CouncilTask {
		t := &CouncilTask{OrgID: id(prefix + "org"), Reason: get(prefix + "reason"), ConfirmOtherTerritory: get(prefix+"confirm") != "",
			Skip: get(prefix+"skip") != ""}
		t.DueOn = date(prefix + "due_on")
		return t
	}
	switch e.Kind {
	case DecisionApprovePlan:
		seen := map[int64]bool{}
		for _, s := range fields["draft"] {
			d, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil || d <= 0 {
				v.Add("draft", "error.invalid_choice")
				continue
			}
			if seen[d] {
				continue
			}
			seen[d] = true
			t := task("tasks." + strconv.FormatInt(d, 10) + ".")
			t.DraftID = d
			e.Tasks = append(e.Tasks, t)
		}
		if len(e.Tasks) == 0 && v.Err() == nil {
			v.Add("tasks", "council.error.nothing_to_approve")
		}
	case DecisionReassign:
		tid := id("task")
		if tid <= 0 {
			v.Add("task", "error.required")
			break
		}
		prefix := "reassign." + strconv.FormatInt(tid, 10) + "."
		e.Task = task(prefix)
		e.Task.TaskID = tid
		if s := get(prefix + "version"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				v.Add(prefix+"version", "error.invalid_choice")
			}
			e.TaskVersion = n
		}
	case DecisionStatus:
		if e.StatusID = id("status_id"); e.StatusID <= 0 {
			v.Add("status_id", "error.required")
		}
	case DecisionReview:
		if e.NextReview = date("next_review_on"); e.NextReview.IsZero() && v.Err() == nil {
			v.Add("next_review_on", "error.required")
		}
	case DecisionClose:
		e.Outcome, e.Comment = CaseOutcome(get("outcome")), get("outcome_comment")
		if e.Outcome == "" {
			v.Add("outcome", "error.required")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return e, nil
}
