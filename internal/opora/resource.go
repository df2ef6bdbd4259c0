package opora

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The resource map per municipality (issue 21, item 7): who provides what
// where — organisations of the network or outside it, their services, the
// places they are given and when, who may get them, and whom to call. The
// shape is Open Referral HSDS 3.0 (organization, service, location,
// service_at_location, schedule, phone, contact, taxonomy_term through an
// attribute); docs/RESOURCES.md maps each field. A resource belongs to
// the whole network, not to one organisation.

// ResourceStatus is an HSDS service status. Catalog key "resources.status.<value>"
// (spaces as underscores).
type ResourceStatus string

const (
	ResourceActive            ResourceStatus = "active"
	ResourceInactive          ResourceStatus = "inactive"
	ResourceDefunct           ResourceStatus = "defunct"
	ResourceTemporarilyClosed ResourceStatus = "temporarily closed"
)

// ResourceStatuses lists the statuses in display order.
var ResourceStatuses = []ResourceStatus{ResourceActive, ResourceTemporarilyClosed, ResourceInactive, ResourceDefunct}

// Valid reports whether s is an HSDS service status.
func (s ResourceStatus) Valid() bool { return slices.Contains(ResourceStatuses, s) }

// Key is the status as a catalog-key part.
func (s ResourceStatus) Key() string { return strings.ReplaceAll(string(s), " ", "_") }

// ResourceTerm is a need a service answers (an HSDS taxonomy term).
type ResourceTerm struct {
	ID          int64
	UUID        string
	Code        string
	Name        string
	Description string
}

// ResourceOrganization is an HSDS organization: an agency of the network
// (NetworkOrgID) or any other provider (an NGO, a kindergarten outside the
// network).
type ResourceOrganization struct {
	ID             int64
	UUID           string
	Name           string
	AlternateName  string
	Description    string
	Email          string
	Website        string
	TaxID          string // ИНН
	NetworkOrgID   int64  // 0: not an organisation of the network
	NetworkOrgName string // filled when read
	Phone          string // the organisation's main phone (HSDS phones[0])
	Version        int
	UpdatedAt      time.Time

	Locations []*ResourceLocation // filled by ResourceOrganization
	Services  []*ResourceService  // filled by ResourceOrganization
}

// Normalize trims the text fields.
func (o *ResourceOrganization) Normalize() {
	trimAll(&o.Name, &o.AlternateName, &o.Description, &o.Email, &o.Website, &o.TaxID, &o.Phone)
}

// Validate checks an organisation before saving.
func (o *ResourceOrganization) Validate() error {
	var v Validation
	checkText(&v, "name", o.Name, true, 300)
	checkText(&v, "alternate_name", o.AlternateName, false, 300)
	checkText(&v, "description", o.Description, false, 4000)
	checkEmail(&v, "email", o.Email)
	checkURL(&v, "website", o.Website)
	if o.TaxID != "" && !digitsOnly(o.TaxID, 10, 12) {
		v.Add("tax_id", "error.inn")
	}
	checkText(&v, "phone", o.Phone, false, 100)
	return v.Err()
}

// ResourceLocation is an HSDS location with its one address: where a
// service is given, in a municipality (TerritoryID).
type ResourceLocation struct {
	ID             int64
	UUID           string
	OrganizationID int64
	Name           string
	Description    string
	Transportation string // how to get there
	TerritoryID    int64  // the municipality or district
	TerritoryName  string // filled when read
	Address1       string // street and house
	City           string
	PostalCode     string
	Phone          string
	Version        int
}

// Normalize trims the text fields.
func (l *ResourceLocation) Normalize() {
	trimAll(&l.Name, &l.Description, &l.Transportation, &l.Address1, &l.City, &l.PostalCode, &l.Phone)
}

// Validate checks a location before saving: a municipality and an address.
func (l *ResourceLocation) Validate() error {
	var v Validation
	checkText(&v, "name", l.Name, false, 300)
	checkText(&v, "description", l.Description, false, 2000)
	checkText(&v, "transportation", l.Transportation, false, 1000)
	if l.TerritoryID == 0 {
		v.Add("territory_id", "error.required")
	}
	checkText(&v, "address_1", l.Address1, true, 300)
	checkText(&v, "city", l.City, false, 200)
	checkText(&v, "postal_code", l.PostalCode, false, 20)
	checkText(&v, "phone", l.Phone, false, 100)
	return v.Err()
}

// Title names a location in a list: its name, or its address.
func (l *ResourceLocation) Title() string {
	if l.Name != "" {
		return l.Name
	}
	return l.AddressLine()
}

// AddressLine is the address in one line.
func (l *ResourceLocation) AddressLine() string {
	var parts []string
	for _, p := range []string{l.PostalCode, l.City, l.Address1} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Weekdays are HSDS's byday codes, Monday first. Catalog key "resources.day.<code>".
var Weekdays = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

// ResourceHours are a service's opening hours at its location: one weekly
// HSDS schedule (days, opens, closes) and a note for the rest.
type ResourceHours struct {
	Days     []string // Weekdays codes
	OpensAt  string   // "08:00"
	ClosesAt string   // "18:00"
	Notes    string   // "сб 10:00–14:00, летом закрыт"
}

// Empty reports whether no hours are given.
func (h ResourceHours) Empty() bool {
	return len(h.Days) == 0 && h.OpensAt == "" && h.ClosesAt == "" && h.Notes == ""
}

var clockTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ResourceService is an HSDS service of an organisation, at one location
// (HSDS service_at_location), with its hours, eligibility, contacts, the
// needs it answers and its places.
type ResourceService struct {
	ID                     int64
	UUID                   string
	OrganizationID         int64
	OrganizationName       string // filled when read
	Name                   string
	AlternateName          string
	Description            string
	URL                    string
	Email                  string
	Status                 ResourceStatus
	ApplicationProcess     string // how to apply
	FeesDescription        string
	EligibilityDescription string // who may get it
	MinimumAge             *int
	MaximumAge             *int
	Capacity               *int   // places in all (Opora's addition to HSDS)
	FreePlaces             *int   // free places now
	CapacityNote           string // a word on the places
	CapacityUpdatedAt      time.Time
	TermIDs                []int64         // the needs it answers
	Terms                  []*ResourceTerm // filled when read
	LocationID             int64           // where it is given
	Location               *ResourceLocation
	Hours                  ResourceHours
	Phone                  string
	ContactName            string
	ContactEmail           string
	Version                int
	UpdatedAt              time.Time
}

// Normalize trims the text fields and drops duplicate days and needs.
func (s *ResourceService) Normalize() {
	trimAll(&s.Name, &s.AlternateName, &s.Description, &s.URL, &s.Email, &s.ApplicationProcess, &s.FeesDescription,
		&s.EligibilityDescription, &s.CapacityNote, &s.Hours.OpensAt, &s.Hours.ClosesAt, &s.Hours.Notes, &s.Phone,
		&s.ContactName, &s.ContactEmail)
	if s.Status == "" {
		s.Status = ResourceActive
	}
	var days []string
	for _, d := range Weekdays {
		if slices.Contains(s.Hours.Days, d) {
			days = append(days, d)
		}
	}
	s.Hours.Days = days
	slices.Sort(s.TermIDs)
	s.TermIDs = slices.Compact(s.TermIDs)
}

// Validate checks a service before saving.
func (s *ResourceService) Validate() error {
	var v Validation
	checkText(&v, "name", s.Name, true, 300)
	checkText(&v, "alternate_name", s.AlternateName, false, 300)
	checkText(&v, "description", s.Description, false, 4000)
	checkURL(&v, "url", s.URL)
	checkEmail(&v, "email", s.Email)
	if !s.Status.Valid() {
		v.Add("status", "error.invalid_choice")
	}
	checkText(&v, "application_process", s.ApplicationProcess, false, 2000)
	checkText(&v, "fees_description", s.FeesDescription, false, 1000)
	checkText(&v, "eligibility_description", s.EligibilityDescription, false, 2000)
	for field, n := range map[string]*int{"minimum_age": s.MinimumAge, "maximum_age": s.MaximumAge} {
		if n != nil && (*n < 0 || *n > 150) {
			v.Add(field, "resources.error.age")
		}
	}
	if s.MinimumAge != nil && s.MaximumAge != nil && *s.MinimumAge > *s.MaximumAge {
		v.Add("maximum_age", "resources.error.age_range")
	}
	for field, n := range map[string]*int{"capacity": s.Capacity, "free_places": s.FreePlaces} {
		if n != nil && (*n < 0 || *n > 1000000) {
			v.Add(field, "resources.error.places")
		}
	}
	if s.Capacity != nil && s.FreePlaces != nil && *s.FreePlaces > *s.Capacity {
		v.Add("free_places", "resources.error.free_over_capacity")
	}
	checkText(&v, "capacity_note", s.CapacityNote, false, 500)
	if s.LocationID == 0 {
		v.Add("location_id", "error.required")
	}
	for _, d := range s.Hours.Days {
		if !slices.Contains(Weekdays, d) {
			v.Add("days", "error.invalid_choice")
		}
	}
	for field, t := range map[string]string{"opens_at": s.Hours.OpensAt, "closes_at": s.Hours.ClosesAt} {
		if t != "" && !clockTime.MatchString(t) {
			v.Add(field, "resources.error.time")
		}
	}
	if (s.Hours.OpensAt == "") != (s.Hours.ClosesAt == "") {
		if s.Hours.OpensAt == "" {
			v.Add("opens_at", "error.required")
		} else {
			v.Add("closes_at", "error.required")
		}
	}
	if s.Hours.OpensAt != "" && s.Hours.ClosesAt != "" && clockTime.MatchString(s.Hours.OpensAt) &&
		clockTime.MatchString(s.Hours.ClosesAt) && s.Hours.ClosesAt <= s.Hours.OpensAt {
		v.Add("closes_at", "resources.error.closes_before_opens")
	}
	if s.Hours.OpensAt != "" && len(s.Hours.Days) == 0 {
		v.Add("days", "error.required")
	}
	checkText(&v, "hours_notes", s.Hours.Notes, false, 500)
	checkText(&v, "phone", s.Phone, false, 100)
	checkText(&v, "contact_name", s.ContactName, false, 200)
	checkEmail(&v, "contact_email", s.ContactEmail)
	return v.Err()
}

// Open reports whether the service is given now (HSDS status active).
func (s *ResourceService) Open() bool { return s.Status == ResourceActive }

// Title names the service with its organisation: "Группа полного дня — Детский сад № 12".
func (s *ResourceService) Title() string {
	if s.OrganizationName == "" || s.OrganizationName == s.Name {
		return s.Name
	}
	return s.Name + " — " + s.OrganizationName
}

// AgeRange words the ages the service takes, "" when it has no limits.
func (s *ResourceService) AgeRange() string {
	switch {
	case s.MinimumAge != nil && s.MaximumAge != nil:
		return fmt.Sprintf("%d–%d", *s.MinimumAge, *s.MaximumAge)
	case s.MinimumAge != nil:
		return fmt.Sprintf("%d+", *s.MinimumAge)
	case s.MaximumAge != nil:
		return fmt.Sprintf("0–%d", *s.MaximumAge)
	}
	return ""
}

// ParseOptionalInt reads a whole number typed into a form: nil for blank,
// ok false for anything else that is not a number.
func ParseOptionalInt(s string) (*int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil, false
	}
	return &n, true
}

func trimAll(ps ...*string) {
	for _, p := range ps {
		*p = strings.TrimSpace(*p)
	}
}

func checkEmail(v *Validation, field, s string) {
	checkText(v, field, s, false, 200)
	if s != "" && (!strings.Contains(s, "@") || strings.ContainsAny(s, " \t")) {
		v.Add(field, "error.email")
	}
}

func checkURL(v *Validation, field, s string) {
	checkText(v, field, s, false, 500)
	if s != "" && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		v.Add(field, "resources.error.url")
	}
}

// DaySpans groups the days into runs of consecutive days, each as its
// first and last code (the same code for a single day): MO–FR, SA.
func (h ResourceHours) DaySpans() [][2]string {
	var out [][2]string
	prev := -2
	for _, d := range h.Days {
		i := slices.Index(Weekdays, d)
		if i == prev+1 && len(out) > 0 {
			out[len(out)-1][1] = d
		} else {
			out = append(out, [2]string{d, d})
		}
		prev = i
	}
	return out
}

// HasFreePlaces reports whether the free places are known.
func (s *ResourceService) HasFreePlaces() bool { return s.FreePlaces != nil }

// FreePlacesN is the number of free places, 0 when unknown.
func (s *ResourceService) FreePlacesN() int {
	if s.FreePlaces == nil {
		return 0
	}
	return *s.FreePlaces
}

// CapacityN is the number of places in all, 0 when unknown.
func (s *ResourceService) CapacityN() int {
	if s.Capacity == nil {
		return 0
	}
	return *s.Capacity
}
