package opora

import (
	"regexp"
	"strings"
	"time"
)

// Visits to a family (issue 20): a home visit, a phone call or a meeting
// at the office, recorded by the curator on a tablet or a phone, also
// without a network. The device names each visit with a UUID of its own
// (ClientUUID), so that sending it again never records it twice.

// VisitKind is how the curator met the family. Catalog key "visit.kind.<value>".
type VisitKind string

const (
	VisitHome   VisitKind = "home"
	VisitPhone  VisitKind = "phone"
	VisitOffice VisitKind = "office"
)

// VisitKinds lists the kinds in display order.
var VisitKinds = []VisitKind{VisitHome, VisitPhone, VisitOffice}

// Valid reports whether k is one of VisitKinds.
func (k VisitKind) Valid() bool {
	for _, v := range VisitKinds {
		if k == v {
			return true
		}
	}
	return false
}

// FamilyEventVisit is the family timeline's line of a recorded visit.
const FamilyEventVisit = "visit"

// Visit conflicts: the visit is saved, flagged for the current curator.
// Catalog key "visit.conflict.<code>".
const (
	VisitConflictCurator    = "curator_changed" // the author no longer reaches the family
	VisitConflictMemberLeft = "member_left"     // a member named present had left the family
	VisitConflictFuture     = "future"          // dated later than the server's clock allows
)

// VisitClockSkew is how far ahead of the server's clock a device's time of
// visit may be before it is flagged.
const VisitClockSkew = 15 * time.Minute

// FamilyVisit is one visit to a family.
type FamilyVisit struct {
	ID             int64
	FamilyID       int64
	OrganisationID int64 // the author's organisation
	ClientUUID     string
	VisitedAt      time.Time // when it happened, by the device's clock
	RecordedAt     time.Time // when the server got it
	AuthorID       int64
	AuthorName     string
	Present        []int64 // family_members ids
	PresentNames   []string
	PresentOther   string // others present, in words
	Kind           VisitKind
	Observations   string // what was seen: living conditions, children present, …
	Agreements     string // agreements and next steps
	NextVisitOn    Date
	Conflict       bool
	Conflicts      []string // VisitConflict* codes
	Version        int
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidUUID reports whether s is a UUID in lower-case hex.
func ValidUUID(s string) bool { return uuidRE.MatchString(s) }

// Normalize trims the visit's text fields.
func (v *FamilyVisit) Normalize() {
	v.ClientUUID = strings.ToLower(strings.TrimSpace(v.ClientUUID))
	v.PresentOther = strings.TrimSpace(v.PresentOther)
	v.Observations = strings.TrimSpace(v.Observations)
	v.Agreements = strings.TrimSpace(v.Agreements)
}

// Validate checks the visit's own fields. A visit dated in the future is
// not refused here: the store keeps it, flagged.
func (v *FamilyVisit) Validate() error {
	var val Validation
	if !ValidUUID(v.ClientUUID) {
		val.Add("client_uuid", "error.invalid_choice")
	}
	if v.VisitedAt.IsZero() {
		val.Add("visited_at", "error.required")
	}
	if !v.Kind.Valid() {
		val.Add("kind", "error.required")
	}
	checkText(&val, "observations", v.Observations, true, 20000)
	checkText(&val, "agreements", v.Agreements, false, 20000)
	checkText(&val, "present_other", v.PresentOther, false, 500)
	if len(v.Present) > 50 {
		val.Add("present", "error.invalid_choice")
	}
	if !v.NextVisitOn.IsZero() && !v.VisitedAt.IsZero() && v.NextVisitOn.Before(DateOf(v.VisitedAt)) {
		val.Add("next_visit_on", "visit.error.next_before")
	}
	return val.Err()
}
