package opora

import (
	"strings"
	"time"
)

// Gender of a client; "" when not recorded.
type Gender string

const (
	GenderMale   Gender = "male"
	GenderFemale Gender = "female"
)

// Genders lists the recordable genders.
var Genders = []Gender{GenderMale, GenderFemale}

// HomelessStatus says whether the client has housing; "" when unknown.
type HomelessStatus string

const (
	Homeless     HomelessStatus = "homeless"
	Housed       HomelessStatus = "housed"
	AtRiskOfLoss HomelessStatus = "at_risk"
)

// HomelessStatuses lists the statuses in display order.
var HomelessStatuses = []HomelessStatus{Homeless, AtRiskOfLoss, Housed}

// BirthPrecision says how much of the birth date is known.
type BirthPrecision string

const (
	BirthUnknown BirthPrecision = ""
	BirthExact   BirthPrecision = "date" // BirthDate holds the day
	BirthYear    BirthPrecision = "year" // only BirthYear is known
	BirthAge     BirthPrecision = "age"  // an approximate age was given; BirthYear was derived from it
)

// Client is a person who receives help. Access follows the actor's scope for
// client.read: own (responsible worker), branch, or organisation.
type Client struct {
	ID             int64
	OrganisationID int64
	BranchID       int64
	Surname        string
	FirstName      string
	Patronymic     string
	BirthDate      Date // zero unless BirthPrecision is BirthExact
	BirthYear      int  // 0 when unknown
	BirthPrecision BirthPrecision
	BirthPlace     string
	Gender         Gender
	HomelessStatus HomelessStatus
	HomelessSince  Date // when the homeless status last changed (or since when homeless)
	PhotoID        int64
	ThumbID        int64
	ResponsibleID  int64 // the worker who leads the client; "my clients"
	Version        int   // optimistic lock: an update must carry the version it was based on
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedBy      int64
	UpdatedAt      time.Time
	DeletedAt      time.Time
	DeletedBy      int64
	DeleteReason   string
	MergedInto     int64
}

// FullName is "Surname FirstName Patronymic".
func (c *Client) FullName() string {
	return strings.Join(strings.Fields(c.Surname+" "+c.FirstName+" "+c.Patronymic), " ")
}

// Deleted reports whether the record is soft-deleted.
func (c *Client) Deleted() bool { return !c.DeletedAt.IsZero() }

// Age returns the client's age in whole years on day now, and whether it is known.
func (c *Client) Age(now time.Time) (int, bool) {
	switch c.BirthPrecision {
	case BirthExact:
		y := now.Year() - c.BirthDate.Year()
		if now.Month() < c.BirthDate.Month() || (now.Month() == c.BirthDate.Month() && now.Day() < c.BirthDate.Day()) {
			y--
		}
		return y, true
	case BirthYear, BirthAge:
		return now.Year() - c.BirthYear, c.BirthYear > 0
	}
	return 0, false
}

// Normalize trims the client's text fields.
func (c *Client) Normalize() {
	for _, p := range []*string{&c.Surname, &c.FirstName, &c.Patronymic, &c.BirthPlace, &c.DeleteReason} {
		*p = strings.Join(strings.Fields(*p), " ")
	}
	if c.BirthPrecision == BirthExact && !c.BirthDate.IsZero() {
		c.BirthYear = c.BirthDate.Year()
	}
	if c.BirthPrecision != BirthExact {
		c.BirthDate = Date{}
	}
}

// Validate checks a client before saving at moment now; the current date
// is now's day in the server's zone.
func (c *Client) Validate(now time.Time) error {
	today := Today(now, time.Local)
	var v Validation
	checkText(&v, "surname", c.Surname, true, 100)
	checkText(&v, "first_name", c.FirstName, false, 100)
	checkText(&v, "patronymic", c.Patronymic, false, 100)
	checkText(&v, "birth_place", c.BirthPlace, false, 300)
	if c.BranchID == 0 {
		v.Add("branch_id", "error.required")
	}
	switch c.BirthPrecision {
	case BirthUnknown:
	case BirthExact:
		if c.BirthDate.IsZero() {
			v.Add("birth_date", "error.date")
		} else if c.BirthDate.After(today) {
			v.Add("birth_date", "error.date_future")
		} else if c.BirthDate.Year() < today.Year()-120 {
			v.Add("birth_date", "error.date_too_old")
		}
	case BirthYear, BirthAge:
		if c.BirthYear > today.Year() {
			v.Add("birth_year", "error.date_future")
		} else if c.BirthYear < today.Year()-120 {
			v.Add("birth_year", "error.date_too_old")
		}
	default:
		v.Add("birth_precision", "error.invalid_choice")
	}
	if c.Gender != "" && c.Gender != GenderMale && c.Gender != GenderFemale {
		v.Add("gender", "error.invalid_choice")
	}
	switch c.HomelessStatus {
	case "", Homeless, Housed, AtRiskOfLoss:
	default:
		v.Add("homeless_status", "error.invalid_choice")
	}
	if c.HomelessSince.After(today) {
		v.Add("homeless_since", "error.date_future")
	}
	return v.Err()
}

// Sensitivity is the category of a piece of client data; each category
// other than ordinary needs its own permission to be seen.
type Sensitivity string

const (
	Ordinary           Sensitivity = ""
	SensitiveHealth    Sensitivity = "health"
	SensitiveAddiction Sensitivity = "addiction"
	SensitiveCriminal  Sensitivity = "criminal"
	SensitiveChild     Sensitivity = "child"
)

// Sensitivities lists the categories in display order.
var Sensitivities = []Sensitivity{Ordinary, SensitiveHealth, SensitiveAddiction, SensitiveCriminal, SensitiveChild}

// Permission returns the permission needed to see data of this category
// beyond client.read; "" for ordinary data.
func (s Sensitivity) Permission() Permission {
	switch s {
	case SensitiveHealth:
		return PermSensitiveHealth
	case SensitiveAddiction:
		return PermSensitiveAddict
	case SensitiveCriminal:
		return PermSensitiveCrime
	case SensitiveChild:
		return PermSensitiveChild
	}
	return ""
}

// Valid reports whether s is a known category.
func (s Sensitivity) Valid() bool {
	for _, x := range Sensitivities {
		if x == s {
			return true
		}
	}
	return false
}

// CanSee reports whether the actor may see data of the category.
func (a *Actor) CanSee(s Sensitivity) bool {
	if p := s.Permission(); p != "" {
		return a.Can(p)
	}
	return a.Can(PermClientRead)
}

// VisibleSensitivities lists the categories the actor may see.
func (a *Actor) VisibleSensitivities() []Sensitivity {
	var out []Sensitivity
	for _, s := range Sensitivities {
		if a.CanSee(s) {
			out = append(out, s)
		}
	}
	return out
}

// ClientEvent is one line of a client's timeline.
type ClientEvent struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	At             time.Time
	UserID         int64
	UserName       string
	Kind           string // profile, questionnaire, note, restriction, reminder, document, file, photo, consent, form, merge, delete, restore; later service, case, task, visit
	Entity         string
	EntityID       int64
	Sensitivity    Sensitivity
	Summary        string   // plain text shown as text; never sensitive values unless Sensitivity says so
	Changes        []Change // changed fields; sensitive ones carry no values
}

// Timeline event kinds written by the client record.
const (
	EventProfile        = "profile"
	EventQuestionnaire  = "questionnaire"
	EventNote           = "note"
	EventRestriction    = "restriction"
	EventReminder       = "reminder"
	EventDocument       = "document"
	EventIssuedDocument = "issued_document"      // a certificate or letter issued from a template (doctemplate.go)
	EventVoidedDocument = "issued_document_void" // an issued certificate or letter annulled
	EventFile           = "file"
	EventPhoto          = "photo"
	EventConsent        = "consent"
	EventForm           = "form"
	EventMerge          = "merge"
	EventDelete         = "delete"
	EventRestore        = "restore"
)
