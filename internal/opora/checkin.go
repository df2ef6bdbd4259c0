package opora

import (
	"strings"
	"time"
)

// PointKind is the kind of a humanitarian check-in point.
type PointKind string

const (
	PointWarming  PointKind = "warming"   // warming point (пункт обогрева)
	PointNightBus PointKind = "night_bus" // night bus stop or route
	PointShelter  PointKind = "shelter"   // night shelter
	PointFood     PointKind = "food"      // food distribution
)

// PointKinds lists the kinds in display order.
var PointKinds = []PointKind{PointWarming, PointNightBus, PointShelter, PointFood}

// Valid reports whether k is a known kind.
func (k PointKind) Valid() bool {
	for _, x := range PointKinds {
		if x == k {
			return true
		}
	}
	return false
}

// CheckinPoint is a place of a branch where people are checked in quickly:
// a warming point, a night bus route, a night shelter, a food distribution.
type CheckinPoint struct {
	ID             int64
	OrganisationID int64
	BranchID       int64
	Kind           PointKind
	Name           string
	Address        string
	Archived       bool
	Items          []*CheckinItem // what the point gives out, in order (filled where listed)
}

// Normalize trims the point's text fields.
func (p *CheckinPoint) Normalize() {
	p.Name = strings.Join(strings.Fields(p.Name), " ")
	p.Address = strings.Join(strings.Fields(p.Address), " ")
}

// Validate checks a point before saving.
func (p *CheckinPoint) Validate() error {
	var v Validation
	checkText(&v, "name", p.Name, true, 200)
	checkText(&v, "address", p.Address, false, 300)
	if !p.Kind.Valid() {
		v.Add("kind", "error.invalid_choice")
	}
	if p.BranchID == 0 {
		v.Add("branch_id", "error.required")
	}
	return v.Err()
}

// CheckinItem is something a point gives out (food, tea, clothes, a hygiene
// kit). Item id 0 in a visit means "came" (attendance itself).
type CheckinItem struct {
	ID             int64
	OrganisationID int64
	PointID        int64
	Name           string
	Position       int
	Disabled       bool
}

// ItemCame is the item id of attendance itself: "came".
const ItemCame int64 = 0

// Validate checks an item before saving.
func (i *CheckinItem) Validate() error {
	var v Validation
	i.Name = strings.Join(strings.Fields(i.Name), " ")
	checkText(&v, "name", i.Name, true, 100)
	return v.Err()
}

// ShiftStatus says whether ticks are accepted for a shift.
type ShiftStatus string

const (
	ShiftOpen   ShiftStatus = "open"
	ShiftClosed ShiftStatus = "closed"
)

// CheckinShift is a dated time range at a point (a night bus run, an
// evening at a warming point). Visits of a shift are dated by the shift's
// date, never by the phone's clock.
type CheckinShift struct {
	ID             int64
	OrganisationID int64
	BranchID       int64
	PointID        int64
	PointName      string
	PointKind      PointKind
	Date           Date
	Starts, Ends   string // "HH:MM"; Ends before Starts means the shift runs past midnight
	Status         ShiftStatus
	OpenedBy       int64
	OpenedAt       time.Time
	ClosedBy       int64
	ClosedAt       time.Time
}

// Open reports whether the shift accepts ticks.
func (s *CheckinShift) Open() bool { return s.Status == ShiftOpen }

// Validate checks a shift before saving.
func (s *CheckinShift) Validate() error {
	var v Validation
	if s.PointID == 0 {
		v.Add("point_id", "error.required")
	}
	if s.Date.IsZero() {
		v.Add("date", "error.date")
	}
	if !validClock(s.Starts) {
		v.Add("starts", "checkin.error.time")
	}
	if !validClock(s.Ends) {
		v.Add("ends", "checkin.error.time")
	}
	return v.Err()
}

// validClock reports whether s is a time of day "HH:MM".
func validClock(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil && len(s) == 5
}

// CheckinPerson is someone checked in at a point, recorded with minimal data
// and no full profile. ClientID links them to a full client record;
// MergedInto points to the person who replaced them.
type CheckinPerson struct {
	ID             int64
	OrganisationID int64
	BranchID       int64
	UID            string // made on the phone (a UUID) when added there; "" otherwise
	Surname        string
	FirstName      string
	BirthYear      int
	AgeGiven       bool // BirthYear was derived from an approximate age
	Gender         Gender
	ClientID       int64
	MergedInto     int64
	CreatedBy      int64
	CreatedAt      time.Time
}

// FullName is "Surname FirstName".
func (p *CheckinPerson) FullName() string {
	return strings.Join(strings.Fields(p.Surname+" "+p.FirstName), " ")
}

// Normalize trims the person's text fields.
func (p *CheckinPerson) Normalize() {
	p.Surname = strings.Join(strings.Fields(p.Surname), " ")
	p.FirstName = strings.Join(strings.Fields(p.FirstName), " ")
	p.UID = strings.ToLower(strings.TrimSpace(p.UID))
}

// Validate checks a person before saving; today is the current date.
func (p *CheckinPerson) Validate(today Date) error {
	var v Validation
	checkText(&v, "surname", p.Surname, true, 100)
	checkText(&v, "first_name", p.FirstName, false, 100)
	if p.BirthYear != 0 && (p.BirthYear > today.Year() || p.BirthYear < today.Year()-120) {
		v.Add("birth_year", "checkin.error.birth_year")
	}
	if p.Gender != "" && p.Gender != GenderMale && p.Gender != GenderFemale {
		v.Add("gender", "error.invalid_choice")
	}
	if p.UID != "" && !ValidTickID(p.UID) {
		v.Add("uid", "error.invalid")
	}
	return v.Err()
}

// ValidTickID reports whether s looks like a UUID made by crypto.randomUUID
// (36 characters of hex digits and dashes).
func ValidTickID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// Tick is one "came" or "got an item" mark made on the duty worker's phone.
// Person names who: "p<id>" a check-in person, "c<id>" a client, or
// "u<uuid>" a person added on the phone and carried in New.
type Tick struct {
	ID       string         `json:"id"`     // UUID made on the phone; a replay with the same id is a duplicate
	Person   string         `json:"person"` // see above
	Item     int64          `json:"item"`   // 0 = came
	DeviceAt string         `json:"at"`     // the phone's clock, kept only as information
	New      *CheckinPerson `json:"-"`
}

// TickStatus is the outcome of one tick.
type TickStatus string

const (
	TickAccepted  TickStatus = "accepted"
	TickDuplicate TickStatus = "duplicate" // already recorded (a replay, or another phone ticked the same)
	TickRefused   TickStatus = "refused"
)

// TickResult answers one tick or undo. Message is a catalog key for
// refusals. Tick is, for a tick answered as a duplicate, the id of the tick
// the shift holds for that person and item (what an undo must name).
type TickResult struct {
	ID      string
	Status  TickStatus
	Message string
	Tick    string
}

// Untick takes back a tick made by mistake at an open shift. ID is a UUID
// made on the phone; Tick names the tick taken back, so sending the undo
// again (or after the person was ticked anew) removes nothing else.
type Untick struct {
	ID   string `json:"id"`
	Tick string `json:"tick"`
}

// CheckinVisit is one recorded visit or item given, counted later as a
// humanitarian service.
type CheckinVisit struct {
	ID         int64
	ShiftID    int64
	PointID    int64
	PointName  string
	PersonID   int64
	ClientID   int64
	ItemID     int64
	ItemName   string
	VisitedOn  Date
	TickID     string
	DeviceAt   string
	CreatedBy  int64
	CreatedAt  time.Time
	PersonName string
	BirthYear  int
	Gender     Gender
}

// EventVisit is the timeline kind of a check-in visit of a linked client.
const EventVisit = "visit"
