package opora

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Timeline event kinds written by the shelter.
const (
	EventStay    = "stay"
	EventMedical = "medical" // always with Sensitivity SensitiveHealth
)

// Room is a room (or a bed) of a branch's shelter with a number of places.
// Rooms are edited by holders of admin.org or dictionary.manage.
type Room struct {
	ID             int64
	OrganisationID int64
	BranchID       int64
	BranchName     string
	Name           string
	Capacity       int
	Comment        string
	Archived       bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Filled by the occupancy view.
	Occupants []*Occupant
}

// MaxRoomCapacity caps a room's places; a typo like 200 is refused.
const MaxRoomCapacity = 100

// Normalize trims the room's text fields.
func (r *Room) Normalize() {
	r.Name = strings.Join(strings.Fields(r.Name), " ")
	r.Comment = strings.TrimSpace(r.Comment)
}

// Validate checks a room before saving.
func (r *Room) Validate() error {
	var v Validation
	checkText(&v, "name", r.Name, true, 100)
	checkText(&v, "comment", r.Comment, false, 1000)
	if r.BranchID == 0 {
		v.Add("branch_id", "error.required")
	}
	if r.Capacity < 1 || r.Capacity > MaxRoomCapacity {
		v.Add("capacity", "shelter.error.capacity")
	}
	return v.Err()
}

// Free returns the number of free places (never negative).
func (r *Room) Free() int {
	if n := r.Capacity - len(r.Occupants); n > 0 {
		return n
	}
	return 0
}

// Occupant is a person living in a room now. Hidden occupants are outside
// the viewer's scope: only the fact that the place is taken is shown.
type Occupant struct {
	StayID   int64
	ClientID int64 // 0 when Hidden
	Name     string
	CheckIn  Date
	Hidden   bool
	Medical  []*MedicalCheck // due soon or overdue; only for viewers with client.sensitive.health
}

// StayStatus is the state of a stay. Catalog key "shelter.status.<value>".
type StayStatus string

const (
	StayLiving  StayStatus = "living"
	StayLeft    StayStatus = "left"    // left normally
	StayEvicted StayStatus = "evicted" // evicted for breaking the rules; a reason is required
)

// StayEndings lists the statuses a stay may end with.
var StayEndings = []StayStatus{StayLeft, StayEvicted}

// Stay is one stay of a client in a shelter room.
type Stay struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	RoomID         int64
	RoomName       string
	BranchName     string
	CheckIn        Date
	CheckOut       Date // zero while living
	Status         StayStatus
	Reason         string // why the client was evicted
	Comment        string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Open reports whether the client still lives there.
func (s *Stay) Open() bool { return s.Status == StayLiving }

// Days returns the stay's length in days up to check-out, or up to today for an open stay.
func (s *Stay) Days(today Date) int {
	end := s.CheckOut
	if end.IsZero() {
		end = today
	}
	return end.DaysSince(s.CheckIn) + 1
}

// ValidateCheckIn checks a new stay; today is the current date.
func (s *Stay) ValidateCheckIn(today Date) error {
	var v Validation
	s.Comment = strings.TrimSpace(s.Comment)
	if s.RoomID == 0 {
		v.Add("room_id", "error.required")
	}
	if s.CheckIn.IsZero() {
		v.Add("check_in", "error.date")
	} else if s.CheckIn.After(today) {
		v.Add("check_in", "error.date_future")
	} else if s.CheckIn.Year() < today.Year()-50 {
		v.Add("check_in", "error.date_too_old")
	}
	checkText(&v, "comment", s.Comment, false, 2000)
	return v.Err()
}

// ValidateCheckOut checks how a stay ends; today is the current date.
func (s *Stay) ValidateCheckOut(today Date) error {
	var v Validation
	s.Reason = strings.TrimSpace(s.Reason)
	s.Comment = strings.TrimSpace(s.Comment)
	if !slices.Contains(StayEndings, s.Status) {
		v.Add("status", "error.invalid_choice")
	}
	if s.Status == StayEvicted && s.Reason == "" {
		v.Add("reason", "shelter.error.reason_required")
	}
	if s.CheckOut.IsZero() {
		v.Add("check_out", "error.date")
	} else if s.CheckOut.After(today) {
		v.Add("check_out", "error.date_future")
	} else if s.CheckOut.Before(s.CheckIn) {
		v.Add("check_out", "shelter.error.check_out_before_check_in")
	}
	checkText(&v, "reason", s.Reason, false, 1000)
	checkText(&v, "comment", s.Comment, false, 2000)
	return v.Err()
}

// StayStatusText and MedicalCheckText name statuses and check types in the
// timeline's free-text summaries, which are stored as written, in Russian,
// the organisations' working language (pages use the catalog instead).
var StayStatusText = map[StayStatus]string{StayLiving: "заселение", StayLeft: "выбыл(а)", StayEvicted: "выселен(а) за нарушение правил"}

var MedicalCheckText = map[MedicalCheckType]string{CheckFluorography: "Флюорография", CheckDiphtheria: "Прививка от дифтерии",
	CheckHepatitis: "Прививка от гепатита", CheckTyphus: "Прививка от брюшного тифа"}

// FollowUpMonths are the months after leaving the shelter when the
// follow-up form is due; a reminder for everyone working with the client is
// created for each when a stay ends.
var FollowUpMonths = []int{3, 6, 12, 24}

// FollowUpDates returns the follow-up due dates for a stay that ended on day left.
func FollowUpDates(left Date) []Date {
	out := make([]Date, len(FollowUpMonths))
	for i, n := range FollowUpMonths {
		out[i] = DateOf(addMonths(left.Time(), n))
	}
	return out
}

// FollowUpBody is the text of a follow-up reminder. Reminders are free text
// shown as written, so it is in Russian, the organisations' working language.
func FollowUpBody(months int, left Date) string {
	return "Заполнить анкету катамнеза: " + strconv.Itoa(months) + " мес. после выезда из приюта (" + left.Format("02.01.2006") + ")"
}

// addMonths adds n calendar months to a date (like AddMonths of the cases,
// kept here so the shelter does not depend on them), clamping to the end of a
// shorter month: 31 August + 6 months is 28 (or 29) February, not 3 March.
func addMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, d.Location())
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, d.Location())
}

// MedicalCheckType is a kind of medical check a shelter resident needs.
// Catalog key "shelter.medical.<value>".
type MedicalCheckType string

const (
	CheckFluorography MedicalCheckType = "fluorography"
	CheckDiphtheria   MedicalCheckType = "diphtheria"
	CheckHepatitis    MedicalCheckType = "hepatitis"
	CheckTyphus       MedicalCheckType = "typhus"
)

// MedicalCheckTypes lists the check types in display order.
var MedicalCheckTypes = []MedicalCheckType{CheckFluorography, CheckDiphtheria, CheckHepatitis, CheckTyphus}

// MedicalValidityMonths is how long a check stays valid, in months, used to
// fill in the next due date when the worker leaves it empty. Change the
// numbers here to follow other medical rules. 0 means "per entry": the next
// due date must be typed in (hepatitis vaccination schedules differ by
// vaccine and dose).
var MedicalValidityMonths = map[MedicalCheckType]int{
	CheckFluorography: 12,  // fluorography once a year
	CheckDiphtheria:   120, // diphtheria revaccination every 10 years
	CheckHepatitis:    0,   // per entry
	CheckTyphus:       36,  // typhus vaccination every 3 years
}

// MedicalDueSoonDays is how many days before the next due date a check is shown as "due soon".
const MedicalDueSoonDays = 30

// Valid reports whether t is a known check type.
func (t MedicalCheckType) Valid() bool { return slices.Contains(MedicalCheckTypes, t) }

// MedicalCheck is one medical check or vaccination of a client. It is health
// data: only holders of client.sensitive.health see it.
type MedicalCheck struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	Type           MedicalCheckType
	DoneOn         Date
	NextDue        Date
	Comment        string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
}

// Normalize fills the next due date from the type's validity when it is empty.
func (m *MedicalCheck) Normalize() {
	m.Comment = strings.TrimSpace(m.Comment)
	if m.NextDue.IsZero() && !m.DoneOn.IsZero() {
		if n := MedicalValidityMonths[m.Type]; n > 0 {
			m.NextDue = DateOf(addMonths(m.DoneOn.Time(), n))
		}
	}
}

// Validate checks a medical check before saving; today is the current date.
func (m *MedicalCheck) Validate(today Date) error {
	var v Validation
	if !m.Type.Valid() {
		v.Add("type", "error.invalid_choice")
	}
	if m.DoneOn.IsZero() {
		v.Add("done_on", "error.date")
	} else if m.DoneOn.After(today) {
		v.Add("done_on", "error.date_future")
	} else if m.DoneOn.Year() < today.Year()-80 {
		v.Add("done_on", "error.date_too_old")
	}
	if m.NextDue.IsZero() {
		v.Add("next_due", "shelter.error.next_due_required")
	} else if !m.DoneOn.IsZero() && !m.NextDue.After(m.DoneOn) {
		v.Add("next_due", "shelter.error.next_due_before_done")
	}
	checkText(&v, "comment", m.Comment, false, 1000)
	return v.Err()
}

// DueState says whether a check is still valid on a day.
type DueState string

const (
	DueOK      DueState = "ok"
	DueSoon    DueState = "soon"
	DueOverdue DueState = "overdue"
)

// Due returns the check's state on day today.
func (m *MedicalCheck) Due(today Date) DueState {
	switch {
	case m.NextDue.IsZero():
		return DueOK
	case m.NextDue.Before(today):
		return DueOverdue
	case !m.NextDue.After(today.AddDays(MedicalDueSoonDays)):
		return DueSoon
	}
	return DueOK
}
