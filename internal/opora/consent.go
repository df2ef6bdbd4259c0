package opora

import (
	"slices"
	"strings"
	"time"
)

// Consent and legal bases for personal data (issue 22 items 1, 2; 152-ФЗ).
//
// A client (or a legal representative for them) gives consent for purposes
// and data categories over a period; it may be withdrawn. A sensitive piece
// of data (a category other than ordinary) is stored or shared only on a
// basis: a consent covering the category and purpose on that date, not
// withdrawn, or a coded statutory ground the organisation's administrator
// configured for the category and the agency type (OrgLegalBasis).
// DecideBasis is the one rule; the store loads its inputs.

// ConsentPurpose is what the data is processed for. Catalog key
// "consent.purpose.<value>".
type ConsentPurpose string

const (
	PurposeServices   ConsentPurpose = "services"   // providing the organisation's services
	PurposeSharing    ConsentPurpose = "sharing"    // sharing with the named agency types
	PurposePhotos     ConsentPurpose = "photos"     // photos and their use
	PurposeStatistics ConsentPurpose = "statistics" // statistics and reports
)

// ConsentPurposes lists the purposes in display order.
var ConsentPurposes = []ConsentPurpose{PurposeServices, PurposeSharing, PurposePhotos, PurposeStatistics}

// Valid reports whether p is one of ConsentPurposes.
func (p ConsentPurpose) Valid() bool { return slices.Contains(ConsentPurposes, p) }

// DataCategory is a category of personal data: ordinary or one of the
// sensitivities. Catalog key "consent.category.<value>".
type DataCategory string

// CategoryOrdinary is the category of data that is not sensitive.
const CategoryOrdinary DataCategory = "ordinary"

// DataCategories lists the categories in display order.
var DataCategories = []DataCategory{CategoryOrdinary, DataCategory(SensitiveHealth), DataCategory(SensitiveAddiction),
	DataCategory(SensitiveCriminal), DataCategory(SensitiveChild)}

// CategoryOf is the category of data of a sensitivity.
func CategoryOf(s Sensitivity) DataCategory {
	if s == Ordinary {
		return CategoryOrdinary
	}
	return DataCategory(s)
}

// Valid reports whether c is one of DataCategories.
func (c DataCategory) Valid() bool { return slices.Contains(DataCategories, c) }

// Sensitive reports whether the category is a special one.
func (c DataCategory) Sensitive() bool { return c != CategoryOrdinary }

// Who gives a consent.
const (
	SubjectSelf           = "self"           // the client themself
	SubjectRepresentative = "representative" // a legal representative
)

// Relations of a legal representative. Catalog key "consent.relation.<value>".
var RepRelations = []string{"parent", "guardian", "trustee"}

// Consent statuses on a date.
const (
	ConsentActive    = "active"
	ConsentFuture    = "future"
	ConsentExpired   = "expired"
	ConsentWithdrawn = "withdrawn"
)

// Consent is one consent to personal-data processing.
type Consent struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	Subject        string // SubjectSelf or SubjectRepresentative
	RepName        string // the representative's full name
	RepRelation    string // one of RepRelations
	Purposes       []ConsentPurpose
	Categories     []DataCategory
	AgencyTypes    []OrgType // with PurposeSharing: the agency types it may be shared with
	From           Date
	To             Date  // zero: until withdrawn
	FileID         int64 // the scan, 0 if none
	File           *File // a new scan, stored with the consent
	TakenBy        int64 // the worker who took it
	TakenByName    string
	CreatedAt      time.Time
	WithdrawnOn    Date // zero while in force
	WithdrawnBy    int64
	WithdrawnName  string
	WithdrawReason string
}

// Normalize trims the text fields and drops duplicates.
func (c *Consent) Normalize() {
	c.RepName = strings.Join(strings.Fields(c.RepName), " ")
	c.WithdrawReason = normalizeText(c.WithdrawReason)
	if c.Subject == "" {
		c.Subject = SubjectSelf
	}
	if c.Subject == SubjectSelf {
		c.RepName, c.RepRelation = "", ""
	}
	c.Purposes = inOrder(c.Purposes, ConsentPurposes)
	c.Categories = inOrder(c.Categories, DataCategories)
	c.AgencyTypes = inOrder(c.AgencyTypes, OrgTypes)
	if !slices.Contains(c.Purposes, PurposeSharing) {
		c.AgencyTypes = nil
	}
}

// Validate checks a consent before it is recorded; today is the current
// date. Fields: consent_date (from), consent_to, purposes, categories,
// agency_types, subject, rep_name, rep_relation, consent_by.
func (c *Consent) Validate(today Date) error {
	var v Validation
	if c.From.IsZero() {
		v.Add("consent_date", "error.date")
	} else if c.From.After(today) {
		v.Add("consent_date", "error.date_future")
	} else if c.From.Year() < today.Year()-120 {
		v.Add("consent_date", "error.date_too_old")
	}
	if !c.To.IsZero() && !c.From.IsZero() && c.To.Before(c.From) {
		v.Add("consent_to", "consent.error.to_before_from")
	}
	if len(c.Purposes) == 0 {
		v.Add("purposes", "consent.error.purpose")
	}
	for _, p := range c.Purposes {
		if !p.Valid() {
			v.Add("purposes", "error.invalid_choice")
		}
	}
	if len(c.Categories) == 0 {
		v.Add("categories", "consent.error.category")
	}
	for _, x := range c.Categories {
		if !x.Valid() {
			v.Add("categories", "error.invalid_choice")
		}
	}
	if slices.Contains(c.Purposes, PurposeSharing) && len(c.AgencyTypes) == 0 {
		v.Add("agency_types", "consent.error.agency_types")
	}
	for _, t := range c.AgencyTypes {
		if !t.Valid() {
			v.Add("agency_types", "error.invalid_choice")
		}
	}
	switch c.Subject {
	case SubjectSelf:
	case SubjectRepresentative:
		checkText(&v, "rep_name", c.RepName, true, 300)
		if !slices.Contains(RepRelations, c.RepRelation) {
			v.Add("rep_relation", "error.required")
		}
	default:
		v.Add("subject", "error.invalid_choice")
	}
	if c.TakenBy == 0 {
		v.Add("consent_by", "error.required")
	}
	return v.Err()
}

// ValidateWithdrawal checks a withdrawal's date and reason.
func (c *Consent) ValidateWithdrawal(on Date, today Date) error {
	var v Validation
	switch {
	case on.IsZero():
		v.Add("withdrawn_on", "error.date")
	case on.After(today):
		v.Add("withdrawn_on", "error.date_future")
	case on.Before(c.From):
		v.Add("withdrawn_on", "consent.error.withdrawn_before_from")
	}
	checkText(&v, "withdraw_reason", c.WithdrawReason, false, 2000)
	return v.Err()
}

// Status is the consent's status on a date.
func (c *Consent) Status(on Date) string {
	switch {
	case !c.WithdrawnOn.IsZero() && !on.Before(c.WithdrawnOn):
		return ConsentWithdrawn
	case on.Before(c.From):
		return ConsentFuture
	case !c.To.IsZero() && on.After(c.To):
		return ConsentExpired
	}
	return ConsentActive
}

// Covers reports whether the consent, disregarding its dates and
// withdrawal, covers the category for the purpose (and, for sharing, the
// agency type).
func (c *Consent) Covers(cat DataCategory, p ConsentPurpose, agency OrgType) bool {
	if !slices.Contains(c.Categories, cat) || !slices.Contains(c.Purposes, p) {
		return false
	}
	return p != PurposeSharing || slices.Contains(c.AgencyTypes, agency)
}

// HasPurpose is for templates.
func (c *Consent) HasPurpose(p string) bool { return slices.Contains(c.Purposes, ConsentPurpose(p)) }

// HasCategory is for templates.
func (c *Consent) HasCategory(x string) bool { return slices.Contains(c.Categories, DataCategory(x)) }

// LegalBasis is a coded statutory ground (legal_bases).
type LegalBasis struct {
	Code      string
	Title     string
	Reference string // the law and article
}

// OrgLegalBasis is one cell of an organisation's table: data category ×
// agency type → legal basis code ("" = consent only).
type OrgLegalBasis struct {
	Category   DataCategory
	AgencyType OrgType
	Code       string
}

// PreventionSystem are the agency types of the prevention system (120-ФЗ,
// ст. 4) with which a family's card is shared on 120-ФЗ ст. 9 unless the
// organisation's table says otherwise.
var PreventionSystem = []OrgType{OrgKDN, OrgSocialService, OrgSocialProtection, OrgEducationAuthority, OrgSchool,
	OrgKindergarten, OrgGuardianship, OrgHealth, OrgEmployment, OrgPolice, OrgYouth, OrgProbation}

// BasisPreventionSystem is the legal basis code of 120-ФЗ ст. 9.
const BasisPreventionSystem = "fz120_art9"

// DefaultSharingBasis is the basis for sharing a sensitive category with an
// agency type when the organisation's table has no cell for it.
func DefaultSharingBasis(cat DataCategory, agency OrgType) string {
	if cat.Sensitive() && slices.Contains(PreventionSystem, agency) {
		return BasisPreventionSystem
	}
	return ""
}

// Kinds of basis (answers.basis, Basis.Kind).
const (
	BasisConsent     = "consent"
	BasisLegal       = "legal"
	BasisNotRequired = "not_required" // the organisation did not require consent
	BasisLegacy      = "legacy"       // stored before bases were recorded
)

// Basis is the ground on which a sensitive item is stored or shared.
type Basis struct {
	Kind      string // BasisConsent, BasisLegal, BasisNotRequired, BasisLegacy; "" = none
	ConsentID int64  // with BasisConsent
	Code      string // with BasisLegal
	Title     string // the legal basis's title and reference, for display
}

// Stored is the value of answers.basis.
func (b Basis) Stored() string {
	if b.Kind == BasisLegal {
		return BasisLegal + ":" + b.Code
	}
	return b.Kind
}

// ParseStoredBasis reads answers.basis.
func ParseStoredBasis(s string, consentID int64) Basis {
	if code, ok := strings.CutPrefix(s, BasisLegal+":"); ok {
		return Basis{Kind: BasisLegal, Code: code}
	}
	return Basis{Kind: s, ConsentID: consentID}
}

// Reasons DecideBasis refuses (catalog keys).
const (
	RefuseNoBasis   = "consent.error.no_basis"
	RefuseWithdrawn = "consent.error.withdrawn"
)

// DecideBasis decides whether a category may be stored or shared for a
// purpose with an agency type on a date: the legal basis code configured
// for the cell wins, then a consent in force covering it. Ordinary data
// needs no basis. When refused, reason says why: RefuseWithdrawn when the
// only consent that would cover it was withdrawn, RefuseNoBasis otherwise.
func DecideBasis(consents []*Consent, legalCode string, cat DataCategory, p ConsentPurpose, agency OrgType,
	on Date) (b Basis, reason string) {
	if !cat.Sensitive() {
		return Basis{Kind: BasisNotRequired}, ""
	}
	if legalCode != "" {
		return Basis{Kind: BasisLegal, Code: legalCode}, ""
	}
	reason = RefuseNoBasis
	for _, c := range consents {
		if !c.Covers(cat, p, agency) {
			continue
		}
		switch c.Status(on) {
		case ConsentActive:
			return Basis{Kind: BasisConsent, ConsentID: c.ID}, ""
		case ConsentWithdrawn:
			reason = RefuseWithdrawn
		}
	}
	return Basis{}, reason
}

// LegalBasisFor is the code an organisation's table gives a cell, "" for
// none; for sharing, an unset cell takes DefaultSharingBasis.
func LegalBasisFor(cells []OrgLegalBasis, cat DataCategory, agency OrgType, sharing bool) string {
	for _, b := range cells {
		if b.Category == cat && b.AgencyType == agency {
			return b.Code
		}
	}
	if sharing {
		return DefaultSharingBasis(cat, agency)
	}
	return ""
}

// StoreBasis decides whether an organisation of type orgType may store a
// category for a client with these consents on a date: its legal basis
// for the category and its own type, or a services consent in force. When
// the organisation does not require consent (required false), a missing
// basis is recorded as BasisNotRequired.
func StoreBasis(consents []*Consent, cells []OrgLegalBasis, orgType OrgType, required bool, cat DataCategory,
	on Date) (Basis, string) {
	b, reason := DecideBasis(consents, LegalBasisFor(cells, cat, orgType, false), cat, PurposeServices, orgType, on)
	if b.Kind == "" && !required {
		return Basis{Kind: BasisNotRequired}, ""
	}
	return b, reason
}

// inOrder sorts xs in the display order of all (unknown values last,
// for Validate to name) and drops duplicates.
func inOrder[T comparable](xs []T, all []T) []T {
	out := slices.Clone(xs)
	slices.SortStableFunc(out, func(a, b T) int {
		ia, ib := slices.Index(all, a), slices.Index(all, b)
		if ia < 0 {
			ia = len(all)
		}
		if ib < 0 {
			ib = len(all)
		}
		return ia - ib
	})
	return slices.Compact(out)
}
