package opora

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EventService is the timeline kind of a recorded, edited or deleted service.
const EventService = "service"

// DefaultBackdateDays is how many days back a service may be dated when the
// organisation has not set its own window.
const DefaultBackdateDays = 7

// MaxBackdateDays bounds the organisation's back-dating window.
const MaxBackdateDays = 366

// ServiceType is an entry of the organisation's service catalog.
type ServiceType struct {
	ID              int64
	OrganisationID  int64
	Name            string
	Group           string // display group: "Консультации", "Вещи и продукты", …
	HasQuantity     bool   // the worker types a quantity (default 1)
	HasAmount       bool   // the worker types a sum of money
	CommentRequired bool   // a comment must explain each record
	Active          bool   // inactive types stay on old records but cannot be recorded
	Position        int
}

// Normalize trims the type's text fields.
func (t *ServiceType) Normalize() {
	t.Name = strings.Join(strings.Fields(t.Name), " ")
	t.Group = strings.Join(strings.Fields(t.Group), " ")
}

// Validate checks a catalog entry before saving.
func (t *ServiceType) Validate() error {
	var v Validation
	checkText(&v, "name", t.Name, true, 200)
	checkText(&v, "group", t.Group, false, 100)
	return v.Err()
}

// Service is one service rendered to a client: a record of who did what for
// whom and when. Its branch is where it was rendered (see store.RecordServices).
type Service struct {
	ID             int64
	OrganisationID int64
	BranchID       int64
	ClientID       int64
	TypeID         int64
	RenderedOn     Date  // a calendar date
	Quantity       int   // 1 unless the type has a quantity
	Amount         int64 // kopecks; meaningful only when HasAmount
	HasAmount      bool
	Comment        string
	WorkerID       int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      time.Time
	DeletedBy      int64
	DeleteReason   string
	Version        int
	// Filled by reads.
	TypeName   string
	Group      string
	WorkerName string
	ClientName string
	BranchName string
}

// Deleted reports whether the record is soft-deleted.
func (s *Service) Deleted() bool { return !s.DeletedAt.IsZero() }

// AmountText is the amount in rubles ("150,50"), "" without an amount.
func (s *Service) AmountText() string {
	if !s.HasAmount {
		return ""
	}
	return FormatRubles(s.Amount)
}

// Summary is the one-line description used on the timeline.
func (s *Service) Summary() string {
	out := s.TypeName
	if s.Quantity > 1 {
		out += fmt.Sprintf(" × %d", s.Quantity)
	}
	if s.HasAmount {
		out += " — " + FormatRubles(s.Amount) + " ₽"
	}
	return out + ", " + s.RenderedOn.Format("02.01.2006")
}

// ServiceField names a per-type form field: "quantity_12", "amount_12",
// "comment_12". Validation errors of a batch are keyed by these names.
func ServiceField(field string, typeID int64) string {
	return field + "_" + strconv.FormatInt(typeID, 10)
}

// ServiceToday is the local calendar day services are dated by.
func ServiceToday(now time.Time) Date { return Today(now, time.Local) }

// CheckServiceDate validates a service date against today and the
// organisation's back-dating window (in days), adding the error to field.
func CheckServiceDate(v *Validation, field string, d, today Date, windowDays int) {
	switch {
	case d.IsZero():
		v.Add(field, "error.date")
	case d.After(today):
		v.Add(field, "error.date_future")
	case d.Before(today.AddDays(-windowDays)):
		v.Add(field, "services.error.too_old")
	}
}

// ValidateFor checks a service against its type: quantity, amount and
// comment. Field names are per type (ServiceField) when perType is true,
// plain ("quantity", "amount", "comment") otherwise.
func (s *Service) ValidateFor(t *ServiceType, v *Validation, perType bool) {
	name := func(f string) string {
		if perType {
			return ServiceField(f, t.ID)
		}
		return f
	}
	s.Comment = strings.TrimSpace(s.Comment)
	if t.HasQuantity {
		if s.Quantity <= 0 {
			v.Add(name("quantity"), "services.error.quantity")
		} else if s.Quantity > 10000 {
			v.Add(name("quantity"), "services.error.quantity_big")
		}
	} else {
		s.Quantity = 1
	}
	if t.HasAmount {
		switch {
		case !s.HasAmount:
			v.Add(name("amount"), "error.required")
		case s.Amount < 0:
			v.Add(name("amount"), "services.error.amount_negative")
		case s.Amount == 0:
			v.Add(name("amount"), "services.error.amount_zero")
		case s.Amount > 100_000_000_00:
			v.Add(name("amount"), "services.error.amount_big")
		}
	} else {
		s.HasAmount, s.Amount = false, 0
	}
	if t.CommentRequired && s.Comment == "" {
		v.Add(name("comment"), "services.error.comment_required")
	}
	checkText(v, name("comment"), s.Comment, false, 1000)
}

// ParseRubles reads a sum typed as "150", "150,50", "150.5", "1 500,00" or
// "-20" into kopecks. ok is false for anything else, including more than two
// digits after the separator.
func ParseRubles(s string) (kopecks int64, ok bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '₽' {
			return -1
		}
		return r
	}, s)
	neg := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		neg = true
		s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "−")
	}
	s = strings.Replace(s, ",", ".", 1)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && (!hasFrac || frac == "") {
		return 0, false
	}
	if len(whole) > 12 || len(frac) > 2 || (hasFrac && frac == "") {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	var rub, kop int64
	if whole != "" {
		rub, _ = strconv.ParseInt(whole, 10, 64)
	}
	if frac != "" {
		kop, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			kop *= 10
		}
	}
	kopecks = rub*100 + kop
	if neg {
		kopecks = -kopecks
	}
	return kopecks, true
}

// FormatRubles shows kopecks as rubles with two decimals and a comma:
// 15050 → "150,50", 150000 → "1 500,00".
func FormatRubles(kopecks int64) string {
	sign := ""
	if kopecks < 0 {
		sign, kopecks = "-", -kopecks
	}
	rub := strconv.FormatInt(kopecks/100, 10)
	var b strings.Builder
	for i, r := range rub {
		if i > 0 && (len(rub)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s,%02d", sign, b.String(), kopecks%100)
}

// CanChangeService reports whether the actor may edit or delete a service
// record: anyone's with client.delete; their own with client.write while
// it is no older (by creation day) than the back-dating window. The store
// also requires the client to be within the actor's scope.
func CanChangeService(a *Actor, s *Service, today Date, windowDays int) bool {
	if a == nil || s.Deleted() {
		return false
	}
	if a.Can(PermClientDelete) {
		return true
	}
	return a.Can(PermClientWrite) && s.WorkerID == a.UserID &&
		!ServiceToday(s.CreatedAt).AddDays(windowDays).Before(today)
}
