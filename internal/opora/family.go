package opora

import (
	"slices"
	"strings"
	"time"
)

// Families (Flow B): a family card held by one organisation of the network,
// its members (client records with a role in the family), its curator and
// the grants that let other organisations reach it.

// DictFamilyStatus is the dictionary of family statuses (early difficulties,
// ТЖС, СОП by default); administrators edit it like other dictionaries.
const DictFamilyStatus = "family_status"

// DefaultFamilyStatus is the key of the status a new family starts with.
const DefaultFamilyStatus = "early"

// CaseTypeFamilySupport is the key of the case type of a family's case.
const CaseTypeFamilySupport = "family_support"

// MemberRole is a member's place in the family. Catalog key "family.role.<value>".
type MemberRole string

const (
	RoleMother      MemberRole = "mother"
	RoleFather      MemberRole = "father"
	RoleStepParent  MemberRole = "step_parent"
	RoleGuardian    MemberRole = "guardian"
	RoleGrandparent MemberRole = "grandparent"
	RoleChild       MemberRole = "child"
	RoleOtherAdult  MemberRole = "other_adult"
)

// MemberRoles lists the roles in display order.
var MemberRoles = []MemberRole{RoleMother, RoleFather, RoleStepParent, RoleGuardian, RoleGrandparent, RoleChild, RoleOtherAdult}

// Valid reports whether r is one of MemberRoles.
func (r MemberRole) Valid() bool { return slices.Contains(MemberRoles, r) }

// AdultAge is the age from which a child is flagged as grown up.
const AdultAge = 18

// Grant reasons (subject_grants.reason).
const (
	GrantCuratorOrg = "curator_org" // the social-service centre that leads the family
	GrantKDN        = "kdn"         // the commission that registered it
	GrantTask       = "task"        // an agency with a task for the family
)

// Family timeline kinds (family_events.kind).
const (
	FamilyEventCreated       = "created"
	FamilyEventUpdated       = "updated"
	FamilyEventMemberJoined  = "member_joined"
	FamilyEventMemberChanged = "member_changed"
	FamilyEventMemberLeft    = "member_left"
	FamilyEventCurator       = "curator"
	FamilyEventStatus        = "status"
	FamilyEventGrant         = "grant"
	FamilyEventRevoke        = "revoke"
)

// Family is a family card.
type Family struct {
	ID             int64
	OrganisationID int64 // the organisation holding the card
	OrgName        string
	TerritoryID    int64 // municipality; 0 when not set
	TerritoryName  string
	Address        string
	Housing        string
	Income         string
	Offences       string // offence-related (SectionOffences): call-outs, offences, the police's register
	Health         string // health (SectionHealth): illnesses, disability, treatment
	StatusID       int64  // dictionary family_status of the holding organisation
	StatusKey      string
	StatusLabel    string
	StatusSince    Date
	CuratorID      int64
	CuratorName    string
	CuratorOrgID   int64
	CuratorOrgName string
	Version        int
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedBy      int64
	UpdatedAt      time.Time
	MergedInto     int64 // the card this one was joined into (MergeFamilies); 0 for a live card
	// Filled when read.
	Members []*FamilyMember
	Name    string // the members' surnames, for lists ("Ивановы / Петрова")
}

// Normalize trims the family's text fields.
func (f *Family) Normalize() {
	f.Address = strings.Join(strings.Fields(f.Address), " ")
	f.Housing = strings.TrimSpace(f.Housing)
	f.Income = strings.TrimSpace(f.Income)
	f.Offences = strings.TrimSpace(f.Offences)
	f.Health = strings.TrimSpace(f.Health)
}

// Validate checks a family's own fields (members are checked one by one).
func (f *Family) Validate(today Date) error {
	var v Validation
	checkText(&v, "address", f.Address, false, 500)
	checkText(&v, "housing", f.Housing, false, 2000)
	checkText(&v, "income", f.Income, false, 2000)
	checkText(&v, "offences", f.Offences, false, 2000)
	checkText(&v, "health", f.Health, false, 2000)
	if f.StatusSince.After(today) {
		v.Add("status_since", "error.date_future")
	}
	return v.Err()
}

// Current returns the members who have not left, in order.
func (f *Family) Current() []*FamilyMember {
	var out []*FamilyMember
	for _, m := range f.Members {
		if m.LeftOn.IsZero() {
			out = append(out, m)
		}
	}
	return out
}

// FamilyMember is a client in a family. Client is the member's record:
// an existing client (Client.ID set) or a new one to create with the member.
type FamilyMember struct {
	ID          int64
	FamilyID    int64
	ClientID    int64
	Client      *Client // the record when read; a new person when ClientID is 0 on create
	Role        MemberRole
	JoinedOn    Date
	LeftOn      Date
	LeaveReason string
	SchoolOrgID int64 // a school or kindergarten of the network, or
	SchoolName  string
	CreatedAt   time.Time
}

// Child reports whether the member is a child of the family.
func (m *FamilyMember) Child() bool { return m.Role == RoleChild }

// Age returns the member's age on day today, when known.
func (m *FamilyMember) Age(today Date) (int, bool) {
	if m.Client == nil {
		return 0, false
	}
	return m.Client.Age(today.Time())
}

// GrownUp reports whether a member kept as a child is 18 or older on day
// today: saved, but shown with a warning.
func (m *FamilyMember) GrownUp(today Date) bool {
	if !m.Child() {
		return false
	}
	age, ok := m.Age(today)
	return ok && age >= AdultAge
}

// Normalize trims the member's text fields.
func (m *FamilyMember) Normalize() {
	m.LeaveReason = strings.TrimSpace(m.LeaveReason)
	m.SchoolName = strings.Join(strings.Fields(m.SchoolName), " ")
	if m.SchoolOrgID != 0 {
		m.SchoolName = ""
	}
}

// Validate checks a member's own fields at moment now; prefix names the
// form fields ("members.0.") so a form with several members shows each
// error next to its field.
func (m *FamilyMember) Validate(now time.Time, prefix string) error {
	today := Today(now, time.Local)
	var v Validation
	if !m.Role.Valid() {
		v.Add(prefix+"role", "error.invalid_choice")
	}
	if m.JoinedOn.After(today) {
		v.Add(prefix+"joined_on", "error.date_future")
	}
	if !m.LeftOn.IsZero() {
		if m.LeftOn.After(today) {
			v.Add(prefix+"left_on", "error.date_future")
		} else if !m.JoinedOn.IsZero() && m.LeftOn.Before(m.JoinedOn) {
			v.Add(prefix+"left_on", "family.error.left_before_joined")
		}
	}
	checkText(&v, prefix+"leave_reason", m.LeaveReason, false, 500)
	checkText(&v, prefix+"school_name", m.SchoolName, false, 300)
	if m.ClientID == 0 && m.Client != nil {
		if err := m.Client.Validate(now); err != nil {
			for f, k := range FieldErrors(err) {
				if f == "branch_id" {
					continue // the store picks the branch
				}
				v.Add(prefix+f, k)
			}
		}
	} else if m.ClientID == 0 {
		v.Add(prefix+"client_id", "error.required")
	}
	return v.Err()
}

// FamilyCurator is one assignment of a curator to a family.
type FamilyCurator struct {
	ID             int64
	FamilyID       int64
	CuratorID      int64
	CuratorName    string
	OrganisationID int64
	OrgName        string
	AssignedBy     int64
	AssignedAt     time.Time
	FromOn         Date
	ToOn           Date // zero while current
}

// SubjectGrant gives another organisation access to one family or client.
type SubjectGrant struct {
	ID             int64
	SubjectType    string // SubjectFamily or SubjectClient
	SubjectID      int64
	OrganisationID int64
	OrgName        string
	Reason         string
	GrantedBy      int64
	GrantedAt      time.Time
	RevokedAt      time.Time
}

// FamilyEvent is a line of a family's timeline: data and codes, no words.
type FamilyEvent struct {
	ID       int64
	FamilyID int64
	At       time.Time
	UserID   int64
	UserName string
	Kind     string
	Summary  string
	Changes  []Change
	// StatusKey: of a creation or a status change, the family's status key
	// after it (family_events.status_key; the hints' status history).
	StatusKey string
}

// FamilyRoles are the built-in roles of an organisation of the regional
// network (any type but NGO), seeded besides BuiltinRoles. Catalog key
// "role.<key>". A КДН secretary and an agency head also read and write the
// members' client records of their organisation (and, through grants, of
// the families granted to it).
var FamilyRoles = []BuiltinRole{
	{Key: "kdn_secretary", Scope: ScopeOrganisation, Permissions: []Permission{
		PermSignalRegister, PermSignalTriage, PermFamilyRead, PermFamilyWrite, PermClientRead, PermClientWrite,
		PermResourcesManage,
		PermReportRun, PermExportAggregate, // the municipality's monitoring
		PermCouncilManage,
	}},
	{Key: "curator", Scope: ScopeOwn, Permissions: []Permission{
		PermFamilyRead, PermFamilyWrite, PermSignalRegister, PermClientRead, PermClientWrite,
	}},
	{Key: "agency_specialist", Scope: ScopeOwn, Permissions: []Permission{
		PermSignalRegister, PermFamilyRead,
	}},
	{Key: "agency_head", Scope: ScopeOrganisation, Permissions: []Permission{
		PermFamilyRead, PermFamilyWrite, PermFamilyAssign, PermSignalRegister, PermClientRead, PermClientWrite,
		PermReportRun, PermExportAggregate, // the agency's monitoring
	}},
	{Key: "regional_analyst", Scope: ScopeOrganisation, Permissions: []Permission{
		PermReportRun, PermExportAggregate,
	}},
}
