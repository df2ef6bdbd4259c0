package opora

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Signals (Flow B): a concern about a family or a child, registered at one
// window (the КДН of the family's municipality) and triaged there: linked
// to a family (an existing one or a new one), sent to the social-service
// centre, or closed with a reason.

// Signal values. Catalog keys "signal.<field>.<value>".
const (
	ReporterAgency    = "agency"
	ReporterPerson    = "person"
	ReporterAnonymous = "anonymous"

	ChannelLetter   = "letter"
	ChannelPhone    = "phone"
	ChannelInPerson = "in_person"
	ChannelSystem   = "system"

	UrgencyImmediate = "immediate"
	UrgencyOrdinary  = "ordinary"

	SignalNew      = "new"
	SignalAccepted = "accepted"
	SignalClosed   = "closed"

	CloseNotConfirmed = "not_confirmed"
	CloseDuplicate    = "duplicate"
	CloseNotCompetent = "not_competent"
)

// Choices in display order.
var (
	ReporterKinds = []string{ReporterAgency, ReporterPerson, ReporterAnonymous}
	Channels      = []string{ChannelLetter, ChannelPhone, ChannelInPerson, ChannelSystem}
	Urgencies     = []string{UrgencyOrdinary, UrgencyImmediate}
	CloseReasons  = []string{CloseNotConfirmed, CloseDuplicate, CloseNotCompetent}
)

// FamilyEventSignal is the family timeline kind of a signal linked to the family.
const FamilyEventSignal = "signal"

// Default triage deadlines, in hours, for a region without its own.
const (
	DefaultOrdinaryHours  = 24
	DefaultImmediateHours = 1
)

// MaxSignalChildren caps the children rows of one signal.
const MaxSignalChildren = 12

// Signal is one signal. A reader of the reporter's organisation gets it
// with Limited set: what it reported and what became of it (status, close
// reason, routed or not), never the family or the other signals.
type Signal struct {
	ID              int64
	OrganisationID  int64 // the КДН whose inbox it is
	OrgName         string
	TerritoryID     int64 // the family's municipality
	TerritoryName   string
	ReporterKind    string
	ReporterOrgID   int64
	ReporterOrgName string
	ReporterUserID  int64
	ReporterName    string
	ReporterContact string
	ReceivedAt      time.Time
	Channel         string
	Description     string
	Address         string
	Surname         string
	Urgency         string
	DueAt           time.Time
	Status          string
	FamilyID        int64
	RoutedOrgID     int64
	RoutedOrgName   string
	Routed          bool
	CloseReason     string
	DuplicateOf     int64
	ForwardedTo     string
	TriagedBy       int64
	TriagedByName   string
	TriagedAt       time.Time
	Version         int
	CreatedBy       int64
	CreatedAt       time.Time
	Children        []*SignalChild
	Limited         bool // read by the reporter's organisation: status only
}

// SignalChild is a child a signal names.
type SignalChild struct {
	ID        int64
	SignalID  int64
	Name      string
	BirthDate Date
}

// Immediate reports whether the signal reports immediate danger.
func (s *Signal) Immediate() bool { return s.Urgency == UrgencyImmediate }

// Overdue reports whether a new signal is past its triage deadline at now.
func (s *Signal) Overdue(now time.Time) bool {
	return s.Status == SignalNew && !s.DueAt.IsZero() && s.DueAt.Before(now)
}

// Normalize trims the signal's text fields and drops empty children rows.
func (s *Signal) Normalize() {
	s.ReporterName = strings.Join(strings.Fields(s.ReporterName), " ")
	s.ReporterContact = strings.TrimSpace(s.ReporterContact)
	s.Description = strings.TrimSpace(s.Description)
	s.Address = strings.Join(strings.Fields(s.Address), " ")
	s.Surname = strings.Join(strings.Fields(s.Surname), " ")
	s.ForwardedTo = strings.TrimSpace(s.ForwardedTo)
	for _, c := range s.Children {
		c.Name = strings.Join(strings.Fields(c.Name), " ")
	}
}

// Validate checks a signal before it is registered, at moment now. Children
// fields are named "children.<i>.<field>". A signal must name a surname, an
// address or a child: otherwise no family can be found.
func (s *Signal) Validate(now time.Time) error {
	var v Validation
	if !slices.Contains(ReporterKinds, s.ReporterKind) {
		v.Add("reporter_kind", "error.invalid_choice")
	}
	if s.ReporterKind == ReporterPerson && s.ReporterName == "" {
		v.Add("reporter_name", "error.required")
	}
	checkText(&v, "reporter_name", s.ReporterName, false, 300)
	checkText(&v, "reporter_contact", s.ReporterContact, false, 300)
	if !slices.Contains(Channels, s.Channel) {
		v.Add("channel", "error.invalid_choice")
	}
	if !slices.Contains(Urgencies, s.Urgency) {
		v.Add("urgency", "error.invalid_choice")
	}
	if s.ReceivedAt.IsZero() {
		v.Add("received_at", "error.required")
	} else if s.ReceivedAt.After(now.Add(time.Minute)) {
		v.Add("received_at", "error.date_future")
	}
	if s.TerritoryID == 0 {
		v.Add("territory_id", "error.required")
	}
	checkText(&v, "description", s.Description, false, 5000)
	if s.Urgency == UrgencyImmediate && s.Description == "" {
		v.Add("description", "signal.error.describe_danger")
	}
	checkText(&v, "address", s.Address, false, 500)
	checkText(&v, "surname", s.Surname, false, 100)
	if len(s.Children) > MaxSignalChildren {
		v.Add("children", "error.too_long")
	}
	today := Today(now, time.Local)
	named := false
	for i, c := range s.Children {
		p := "children." + strconv.Itoa(i) + "."
		checkText(&v, p+"name", c.Name, false, 200)
		if c.Name == "" && !c.BirthDate.IsZero() {
			v.Add(p+"name", "error.required")
		}
		if c.BirthDate.After(today) {
			v.Add(p+"birth_date", "error.date_future")
		}
		named = named || c.Name != ""
	}
	if s.Surname == "" && s.Address == "" && !named {
		v.Add("identity", "signal.error.no_identity")
	}
	return v.Err()
}

// ValidateClose checks a closing: a known reason; a duplicate names the
// earlier signal; not our competence says where it was forwarded.
func (s *Signal) ValidateClose() error {
	var v Validation
	switch s.CloseReason {
	case CloseNotConfirmed:
	case CloseDuplicate:
		if s.DuplicateOf == 0 {
			v.Add("duplicate_of", "error.required")
		} else if s.DuplicateOf == s.ID {
			v.Add("duplicate_of", "error.invalid_choice")
		}
	case CloseNotCompetent:
		if s.ForwardedTo == "" {
			v.Add("forwarded_to", "error.required")
		}
	default:
		v.Add("close_reason", "error.invalid_choice")
	}
	checkText(&v, "forwarded_to", s.ForwardedTo, false, 300)
	return v.Err()
}

// SignalDeadlines are a region's triage deadlines in hours.
type SignalDeadlines struct {
	RegionID       int64
	RegionName     string
	OrdinaryHours  int
	ImmediateHours int
	Custom         bool // set by the administrator (else the defaults)
}

// Validate checks the hours: 1 hour to 30 days.
func (d *SignalDeadlines) Validate() error {
	var v Validation
	if d.OrdinaryHours < 1 || d.OrdinaryHours > 720 {
		v.Add("ordinary_hours", "signal.error.hours")
	}
	if d.ImmediateHours < 1 || d.ImmediateHours > 720 {
		v.Add("immediate_hours", "signal.error.hours")
	}
	return v.Err()
}

// Hours returns the deadline for an urgency.
func (d *SignalDeadlines) Hours(urgency string) int {
	if urgency == UrgencyImmediate {
		return d.ImmediateHours
	}
	return d.OrdinaryHours
}
