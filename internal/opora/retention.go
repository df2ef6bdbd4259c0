package opora

import (
	"slices"
	"strings"
	"time"
)

// Retention and destruction of personal data (issue 22, item 3). An
// organisation keeps retention rules: per case type (or for every client),
// a trigger (what starts the clock), a period and an action. The daily job
// lists the clients whose period has run out; a person holding
// retention.approve approves them with a reason; the store then erases the
// person's data in one transaction and keeps a destruction record (the
// act) without personal data.

// RetentionTrigger is what starts a rule's clock.
type RetentionTrigger string

const (
	// TriggerCaseClosed: the client's last case of the rule's case type
	// was closed (and no case of the client is open).
	TriggerCaseClosed RetentionTrigger = "case_closed"
	// TriggerLastActivity: the last contact with the client — the latest
	// line of the client's timeline, service, shelter stay or check-in
	// visit.
	TriggerLastActivity RetentionTrigger = "last_activity"
	// TriggerClientDeleted: the client's card was deleted (soft delete).
	TriggerClientDeleted RetentionTrigger = "client_deleted"
	// TriggerConsentWithdrawn: the client withdrew a consent and holds no
	// other in force; the clock starts on the latest withdrawal.
	TriggerConsentWithdrawn RetentionTrigger = "consent_withdrawn"
)

// RetentionTriggers are the triggers a rule may use today, in display order.
var RetentionTriggers = []RetentionTrigger{TriggerCaseClosed, TriggerLastActivity, TriggerClientDeleted, TriggerConsentWithdrawn}

// Valid reports whether t is a trigger a rule may use today.
func (t RetentionTrigger) Valid() bool { return slices.Contains(RetentionTriggers, t) }

// RetentionAction is what happens to a person's data when it falls due.
type RetentionAction string

const (
	// ActionAnonymise erases every identifying datum and keeps, without
	// any text, what the statistics count and group by: the client's
	// number, organisation, branch, registration date, gender, birth year,
	// housing status, the chosen options of the main questionnaire, and
	// the services, stays, visits and cases. Every report over a past
	// period gives the same figures before and after.
	ActionAnonymise RetentionAction = "anonymise"
	// ActionDestroy erases as anonymise does and also the attributes the
	// reports group by (gender, birth year, housing status, questionnaire
	// answers). The reports' totals of clients, services, visits and
	// cases stay the same; a breakdown by those attributes shows the
	// person under "not known".
	ActionDestroy RetentionAction = "destroy"
)

// RetentionActions lists the actions in display order.
var RetentionActions = []RetentionAction{ActionAnonymise, ActionDestroy}

// Valid reports whether a is a known action.
func (a RetentionAction) Valid() bool { return slices.Contains(RetentionActions, a) }

// Period units of a retention rule.
const (
	UnitDays   = "days"
	UnitMonths = "months"
	UnitYears  = "years"
)

// RetentionUnits lists the period units in display order.
var RetentionUnits = []string{UnitYears, UnitMonths, UnitDays}

// RetentionRule says how long the data of a group of clients are kept.
type RetentionRule struct {
	ID             int64
	OrganisationID int64
	Name           string
	CaseTypeID     int64  // 0: every client (the trigger decides whom)
	CaseTypeLabel  string // filled on reads
	Trigger        RetentionTrigger
	Amount         int
	Unit           string
	Action         RetentionAction
	Active         bool
}

// Normalize trims the rule's text.
func (r *RetentionRule) Normalize() { r.Name = strings.TrimSpace(r.Name) }

// Validate checks a rule before saving. A case-closed rule needs a case
// type.
func (r *RetentionRule) Validate() error {
	var v Validation
	if r.Name == "" {
		v.Add("name", "error.required")
	} else if len([]rune(r.Name)) > 200 {
		v.Add("name", "error.too_long")
	}
	if !r.Trigger.Valid() {
		v.Add("trigger", "error.invalid_choice")
	}
	if r.Trigger == TriggerCaseClosed && r.CaseTypeID == 0 {
		v.Add("case_type_id", "retention.error_case_type")
	}
	if !slices.Contains(RetentionUnits, r.Unit) {
		v.Add("unit", "error.invalid_choice")
	}
	if r.Amount < 1 || (r.Unit == UnitDays && r.Amount > 36500) || (r.Unit == UnitMonths && r.Amount > 1200) ||
		(r.Unit == UnitYears && r.Amount > 100) {
		v.Add("amount", "retention.error_amount")
	}
	if !r.Action.Valid() {
		v.Add("action", "error.invalid_choice")
	}
	return v.Err()
}

// Due returns the day the data fall due when the trigger happened on d.
func (r *RetentionRule) Due(d Date) Date {
	switch r.Unit {
	case UnitYears:
		return d.AddMonths(12 * r.Amount)
	case UnitMonths:
		return d.AddMonths(r.Amount)
	}
	return d.AddDays(r.Amount)
}

// Cutoff returns the latest trigger day whose data are due on today.
func (r *RetentionRule) Cutoff(today Date) Date {
	switch r.Unit {
	case UnitYears:
		return today.AddMonths(-12 * r.Amount)
	case UnitMonths:
		return today.AddMonths(-r.Amount)
	}
	return today.AddDays(-r.Amount)
}

// DueDestruction is a client whose data a rule says are due for erasure:
// what the daily job found. Only the client's number is shown.
type DueDestruction struct {
	ClientID   int64
	RuleID     int64
	RuleName   string
	Action     RetentionAction
	TriggerDay Date
	DueSince   Date
	FoundAt    time.Time
}

// Categories of personal data a destruction erases (the act lists them).
const (
	CatIdentity      = "identity"      // name, birth date and place, photo, search keys
	CatContacts      = "contacts"      // identity documents, addresses
	CatNotes         = "notes"         // notes, reminders, restrictions, timeline
	CatQuestionnaire = "questionnaire" // questionnaire answers
	CatFiles         = "files"         // scans, photos, consent scans
	CatCaseTexts     = "case_texts"    // texts of cases, tasks, services, stays
	CatAttributes    = "attributes"    // gender, birth year, housing status (destroy only)
)

// DestructionCategories returns the categories an action erases.
func DestructionCategories(a RetentionAction) []string {
	c := []string{CatIdentity, CatContacts, CatNotes, CatQuestionnaire, CatFiles, CatCaseTexts}
	if a == ActionDestroy {
		c = append(c, CatAttributes)
	}
	return c
}

// Destruction is the record of one erasure (the act): no personal data,
// only the client's number. Kept DestructionKeepYears, then purged.
type Destruction struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	Action         RetentionAction
	Categories     []string
	Reason         string
	RuleID         int64
	RuleName       string
	TriggerDay     Date
	DueSince       Date
	ApprovedBy     int64
	ApprovedName   string
	DoneAt         time.Time
	FilesRemoved   int
}

// DestructionKeepYears is how long a destruction record is kept.
const DestructionKeepYears = 3

// DefaultFileGraceDays is how long deleted files and replaced photos stay
// on disk before the daily job removes them.
const DefaultFileGraceDays = 30

// RetentionReport says what a run of the retention job did.
type RetentionReport struct {
	Due         int // clients listed as due
	FilesPurged int // deleted files and replaced photos removed
	ActsPurged  int // destruction records older than their keeping time
	DiskRemoved int // files removed from disk (incl. leftovers of earlier runs)
}
