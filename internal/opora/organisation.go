package opora

import (
	"slices"
	"strings"
	"time"
)

// OrgType is the kind of an organisation in the network.
type OrgType string

// Organisation types (DOMAIN.md, agency types). Catalog key: "orgtype.<value>".
const (
	OrgNGO                OrgType = "ngo"
	OrgKDN                OrgType = "kdn"
	OrgSocialService      OrgType = "social_service"
	OrgSocialProtection   OrgType = "social_protection"
	OrgEducationAuthority OrgType = "education_authority"
	OrgSchool             OrgType = "school"
	OrgKindergarten       OrgType = "kindergarten"
	OrgGuardianship       OrgType = "guardianship"
	OrgHealth             OrgType = "health"
	OrgEmployment         OrgType = "employment"
	OrgPolice             OrgType = "police"
	OrgYouth              OrgType = "youth"
	OrgProbation          OrgType = "probation"
	OrgOther              OrgType = "other"
)

// OrgTypes lists organisation types in display order.
var OrgTypes = []OrgType{OrgNGO, OrgKDN, OrgSocialService, OrgSocialProtection,
	OrgEducationAuthority, OrgSchool, OrgKindergarten, OrgGuardianship, OrgHealth,
	OrgEmployment, OrgPolice, OrgYouth, OrgProbation, OrgOther}

// Valid reports whether t is a known type.
func (t OrgType) Valid() bool { return slices.Contains(OrgTypes, t) }

// Organisation is an NGO or an agency of a regional network.
type Organisation struct {
	ID          int64
	Name        string
	ShortName   string
	Type        OrgType
	TerritoryID int64 // 0 when not set
	INN         string
	Address     string
	Phone       string
	Email       string
	Head        string // the head's name and position, for printed documents
	CreatedAt   time.Time
	// ConsentRequired: sensitive questionnaire answers cannot be saved for a
	// client without a recorded consent to personal-data processing.
	ConsentRequired bool
	// BackdateDays is how many days back a service may be dated (services).
	BackdateDays int
	// TwoFactorEnforced: roles marked TwoFactor require a one-time code at
	// login; off until an administrator switches it on (docs/OPERATIONS.md).
	TwoFactorEnforced bool
}

// Normalize trims the organisation's text fields.
func (o *Organisation) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.ShortName = strings.TrimSpace(o.ShortName)
	o.INN = strings.TrimSpace(o.INN)
	o.Address = strings.TrimSpace(o.Address)
	o.Phone = strings.TrimSpace(o.Phone)
	o.Email = strings.TrimSpace(o.Email)
	o.Head = strings.TrimSpace(o.Head)
}

// Validate checks an organisation before saving.
func (o *Organisation) Validate() error {
	var v Validation
	checkText(&v, "name", o.Name, true, 300)
	checkText(&v, "short_name", o.ShortName, false, 100)
	if !o.Type.Valid() {
		v.Add("type", "error.invalid_choice")
	}
	if o.INN != "" && !digitsOnly(o.INN, 10, 12) {
		v.Add("inn", "error.inn")
	}
	checkText(&v, "address", o.Address, false, 500)
	checkText(&v, "phone", o.Phone, false, 100)
	checkText(&v, "email", o.Email, false, 200)
	if o.Email != "" && !strings.Contains(o.Email, "@") {
		v.Add("email", "error.email")
	}
	checkText(&v, "head", o.Head, false, 300)
	if o.BackdateDays < 0 || o.BackdateDays > MaxBackdateDays {
		v.Add("backdate_days", "services.error.backdate_days")
	}
	return v.Err()
}

// DisplayName returns the short name, or the full name when there is none.
func (o *Organisation) DisplayName() string {
	if o.ShortName != "" {
		return o.ShortName
	}
	return o.Name
}

// Branch is a part of an organisation: a city office, a municipality office.
type Branch struct {
	ID             int64
	OrganisationID int64
	Name           string
	TerritoryID    int64
	Address        string
	Archived       bool
	CreatedAt      time.Time
}

// Validate checks a branch before saving.
func (b *Branch) Validate() error {
	var v Validation
	b.Name = strings.TrimSpace(b.Name)
	b.Address = strings.TrimSpace(b.Address)
	checkText(&v, "name", b.Name, true, 200)
	checkText(&v, "address", b.Address, false, 500)
	return v.Err()
}

// TerritoryKind is the level of a territory.
type TerritoryKind string

const (
	TerritoryRegion       TerritoryKind = "region"
	TerritoryMunicipality TerritoryKind = "municipality"
	TerritoryDistrict     TerritoryKind = "district"
)

// TerritoryKinds lists kinds from the top level down.
var TerritoryKinds = []TerritoryKind{TerritoryRegion, TerritoryMunicipality, TerritoryDistrict}

// Territory is an entry of the territory dictionary: region → municipality → district.
type Territory struct {
	ID       int64
	ParentID int64 // 0 for a region
	Kind     TerritoryKind
	Name     string
	Path     string // "Region / Municipality", filled when read
}

// Validate checks a territory before saving. A region has no parent; a
// municipality's parent is a region; a district's parent is a municipality.
func (t *Territory) Validate(parent *Territory) error {
	var v Validation
	t.Name = strings.TrimSpace(t.Name)
	checkText(&v, "name", t.Name, true, 200)
	switch t.Kind {
	case TerritoryRegion:
		if parent != nil {
			v.Add("parent_id", "error.territory_parent")
		}
	case TerritoryMunicipality:
		if parent == nil || parent.Kind != TerritoryRegion {
			v.Add("parent_id", "error.territory_parent")
		}
	case TerritoryDistrict:
		if parent == nil || parent.Kind != TerritoryMunicipality {
			v.Add("parent_id", "error.territory_parent")
		}
	default:
		v.Add("kind", "error.invalid_choice")
	}
	return v.Err()
}

func checkText(v *Validation, field, s string, required bool, max int) {
	if required && s == "" {
		v.Add(field, "error.required")
		return
	}
	if len([]rune(s)) > max {
		v.Add(field, "error.too_long")
	}
	if strings.ContainsRune(s, 0) {
		v.Add(field, "error.invalid_text")
	}
}

func digitsOnly(s string, lengths ...int) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return slices.Contains(lengths, len(s))
}
