package opora

import (
	"slices"
	"strings"
	"time"
)

// Life events on the timelines and the early screening list (issue 23,
// item 3). The vocabulary (kinds, outcomes, facts, rules) is in hint.go.

// EventLifeEvent is the client timeline's kind for a recorded or deleted
// life event; FamilyEventLifeEvent the family timeline's, for a member's.
const (
	EventLifeEvent       = "life_event"
	FamilyEventLifeEvent = "life_event"
)

// Summary is the timeline's line of a life event: the date (the kind goes
// as a change "kind", a code the page words); never the note.
func (e *LifeEvent) Summary() string {
	return e.OccurredOn.Format("02.01.2006")
}

// ScreenQuiet is how long a family or person leaves the default screening
// list after a «declined» or «not relevant» outcome.
const ScreenQuietDays = 90

// ScreenQuiets reports whether an outcome takes the row off the default list
// for ScreenQuietDays.
func ScreenQuiets(outcome string) bool {
	return outcome == ScreenDeclined || outcome == ScreenNotRelevant
}

// ScreeningAction is what a worker did about a family (FamilyID) or a
// person without a family card (ClientID) on the early screening list.
type ScreeningAction struct {
	ID             int64
	OrganisationID int64
	FamilyID       int64
	ClientID       int64
	Outcome        string
	Comment        string
	ActedOn        Date
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
}

// Normalize trims the comment.
func (a *ScreeningAction) Normalize() { a.Comment = strings.TrimSpace(a.Comment) }

// Validate checks an action: a known outcome, one subject, a comment of at
// most 1000 characters.
func (a *ScreeningAction) Validate() error {
	var v Validation
	if !slices.Contains(ScreenOutcomes, a.Outcome) {
		v.Add("outcome", "error.invalid_choice")
	}
	if (a.FamilyID == 0) == (a.ClientID == 0) {
		v.Add("subject", "error.required")
	}
	checkText(&v, "comment", a.Comment, false, 1000)
	return v.Err()
}

// ScreenFilter narrows the early screening list: a municipality, whether
// an outcome has been recorded ("" every row that is not quiet, "none" no
// outcome yet, "done" some outcome recorded, "all" also the quiet ones),
// and the page.
type ScreenFilter struct {
	TerritoryID int64
	Outcome     string
	Page        int
	PerPage     int
}

// Screen filter values of ScreenFilter.Outcome.
const (
	ScreenFilterOpen = ""
	ScreenFilterNone = "none"
	ScreenFilterDone = "done"
	ScreenFilterAll  = "all"
)

// ScreenFilters lists the filter values in display order.
var ScreenFilters = []string{ScreenFilterOpen, ScreenFilterNone, ScreenFilterDone, ScreenFilterAll}

// ScreenRow is one family or person on the early screening list with the
// early-crisis rules that match and why.
type ScreenRow struct {
	FamilyID   int64
	ClientID   int64
	Name       string // the family's members' names, or the person's name
	Address    string
	Matches    []ScreenMatch
	LatestFact Date // the latest date among the matching facts
	Last       *ScreeningAction
}

// ScreenMatch is a rule that matched with the reason of each condition.
type ScreenMatch struct {
	RuleID     int64
	Difficulty string
	Because    []Because
}

// ScreenPage is one page of the list.
type ScreenPage struct {
	Rows  []*ScreenRow
	Total int
	More  bool
}
