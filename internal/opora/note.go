package opora

import (
	"strings"
	"time"
)

// Note is a plain-text remark about a client. Important notes are pinned to
// the top of the profile. Every edit keeps the previous text as a revision.
type Note struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	Body           string // plain text with line breaks; never rendered as HTML
	Important      bool
	Version        int // optimistic lock: an edit must carry the version it was based on
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	UpdatedBy      int64
	UpdatedByName  string
	UpdatedAt      time.Time
	DeletedAt      time.Time
	Revisions      []*NoteRevision // earlier texts, newest first (filled where listed)
}

// NoteRevision is the text a note had before an edit, and who edited it when.
type NoteRevision struct {
	ID           int64
	NoteID       int64
	Body         string
	Important    bool
	EditedBy     int64
	EditedByName string
	EditedAt     time.Time
}

// MaxNoteLength caps a note's text, in characters.
const MaxNoteLength = 20000

// Edited reports whether the note was changed after it was written.
func (n *Note) Edited() bool { return n.Version > 1 }

// Normalize unifies line breaks and trims surrounding blank space.
func (n *Note) Normalize() { n.Body = normalizeText(n.Body) }

// Validate checks a note before saving.
func (n *Note) Validate() error {
	var v Validation
	checkText(&v, "body", n.Body, true, MaxNoteLength)
	return v.Err()
}

// Summary is the start of the note for the timeline.
func (n *Note) Summary() string { return TextSummary(n.Body, 200) }

// normalizeText turns CRLF and CR into LF, drops trailing spaces on each line
// and blank space around the text; inner line breaks stay.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// TextSummary returns at most max characters of s, cut at a word where
// possible, with "…" when cut.
func TextSummary(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndexAny(cut, " \n"); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// RestrictionKind says whether a record is a rule violation or a restriction.
type RestrictionKind string

const (
	RestrictionViolation RestrictionKind = "violation"   // a broken rule, recorded for the team
	RestrictionBan       RestrictionKind = "restriction" // e.g. "no shelter until 1 March"
)

// RestrictionKinds lists the kinds in display order.
var RestrictionKinds = []RestrictionKind{RestrictionViolation, RestrictionBan}

// Restriction is a dated rule violation or restriction of a client, shown as
// a banner on the profile and as a flag in search results while active.
type Restriction struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	Kind           RestrictionKind
	Description    string
	StartsOn       Date
	EndsOn         Date // the last day it applies; zero when open-ended
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	LiftedAt       time.Time // lifted early; zero when not
	LiftedBy       int64
	LiftedByName   string
}

// Lifted reports whether the restriction was lifted early.
func (r *Restriction) Lifted() bool { return !r.LiftedAt.IsZero() }

// ActiveOn reports whether the restriction applies on day.
func (r *Restriction) ActiveOn(day Date) bool {
	return !r.Lifted() && !r.StartsOn.After(day) && (r.EndsOn.IsZero() || !r.EndsOn.Before(day))
}

// Normalize trims the description.
func (r *Restriction) Normalize() { r.Description = normalizeText(r.Description) }

// Validate checks a restriction before saving.
func (r *Restriction) Validate() error {
	var v Validation
	switch r.Kind {
	case RestrictionViolation, RestrictionBan:
	default:
		v.Add("kind", "error.invalid_choice")
	}
	checkText(&v, "description", r.Description, true, 2000)
	if r.StartsOn.IsZero() {
		v.Add("starts_on", "error.required")
	}
	if !r.EndsOn.IsZero() && !r.StartsOn.IsZero() && r.EndsOn.Before(r.StartsOn) {
		v.Add("ends_on", "restrictions.error.ends_before_start")
	}
	return v.Err()
}

// Summary is the timeline line of the restriction.
func (r *Restriction) Summary() string {
	s := TextSummary(r.Description, 200) + " (" + r.StartsOn.Format("02.01.2006")
	if !r.EndsOn.IsZero() {
		s += " – " + r.EndsOn.Format("02.01.2006")
	}
	return s + ")"
}

// Reminder is a dated note-to-self or to colleagues about a client: for the
// named recipients, or, with ForAll, for everyone who may see the client.
// Each worker marks it read for themselves.
type Reminder struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	ClientName     string // filled in lists across clients
	DueOn          Date
	Body           string
	ForAll         bool
	RecipientIDs   []int64
	Recipients     []string // names of RecipientIDs, for display
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	DeletedAt      time.Time
	ForMe          bool // addressed to the acting user (named, or for all)
	Read           bool // the acting user marked it read
}

// DueBy reports whether the reminder is due by day.
func (m *Reminder) DueBy(day Date) bool { return !m.DueOn.After(day) }

// Normalize trims the text and drops duplicate recipients.
func (m *Reminder) Normalize() {
	m.Body = normalizeText(m.Body)
	seen := map[int64]bool{}
	var ids []int64
	for _, id := range m.RecipientIDs {
		if id > 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	m.RecipientIDs = ids
	if m.ForAll {
		m.RecipientIDs = nil
	}
}

// Validate checks a reminder before saving.
func (m *Reminder) Validate() error {
	var v Validation
	if m.DueOn.IsZero() {
		v.Add("due_on", "error.required")
	}
	checkText(&v, "reminder_body", m.Body, true, 2000)
	if !m.ForAll && len(m.RecipientIDs) == 0 {
		v.Add("recipients", "reminders.error.no_recipients")
	}
	return v.Err()
}

// Summary is the timeline line of the reminder.
func (m *Reminder) Summary() string {
	return m.DueOn.Format("02.01.2006") + ": " + TextSummary(m.Body, 200)
}
