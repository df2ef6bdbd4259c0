package opora

import "slices"

// Need-to-know access to a family card across the organisations of the
// network (issue 21, item 6). The card is cut into sections; the
// organisation holding the card, the curator's organisation and the КДН
// (a grant with reason GrantKDN or GrantCuratorOrg) read the whole card.
// Any other organisation reaches the family only through a task of its own
// (a grant with reason GrantTask, or while the task is open and for
// TaskAccessDays after it closed) or as a council member of the family's
// municipality, and reads only the sections the regional procedure opens
// to its agency type (family_section_rules, edited by the network
// administrator).

// FamilySection is a part of the family card. Catalog key
// "family.section.<value>".
type FamilySection string

const (
	SectionMembers     FamilySection = "members"     // the members and children: names, roles, ages, schools
	SectionAddress     FamilySection = "address"     // the address and housing
	SectionIncome      FamilySection = "income"      // income and employment
	SectionSignals     FamilySection = "signals"     // the signals about the family
	SectionAssessments FamilySection = "assessments" // the assessments of the family's situation
	SectionPlan        FamilySection = "plan"        // the help plan and the statuses of its tasks
	SectionVisits      FamilySection = "visits"      // the curator's visits and notes
	SectionHistory     FamilySection = "history"     // the card's timeline (it names what the other sections hold)
	SectionOffences    FamilySection = "offences"    // offence-related: call-outs, offences, the police's register
	SectionHealth      FamilySection = "health"      // health: illnesses, disability, addiction treatment
)

// FamilySections lists the sections in the card's order.
var FamilySections = []FamilySection{SectionMembers, SectionAddress, SectionIncome, SectionSignals,
	SectionAssessments, SectionPlan, SectionVisits, SectionHistory, SectionOffences, SectionHealth}

// Valid reports whether s is one of FamilySections.
func (s FamilySection) Valid() bool { return slices.Contains(FamilySections, s) }

// DefaultFamilySections are the sections each agency type reads until the
// network administrator changes them (seeded by migration 00043): the
// КДН and the social-service centre (the curator's) everything; schools
// and kindergartens the children, the plan and its statuses; the police
// also the offence-related section; health also the health section. A
// type not listed reads nothing but the card's head (status, municipality,
// curator).
var DefaultFamilySections = map[OrgType][]FamilySection{
	OrgKDN:                FamilySections,
	OrgSocialService:      FamilySections,
	OrgSocialProtection:   {SectionMembers, SectionAddress, SectionIncome, SectionPlan},
	OrgGuardianship:       {SectionMembers, SectionAddress, SectionSignals, SectionAssessments, SectionPlan, SectionVisits},
	OrgEducationAuthority: {SectionMembers, SectionPlan},
	OrgSchool:             {SectionMembers, SectionPlan},
	OrgKindergarten:       {SectionMembers, SectionPlan},
	OrgHealth:             {SectionMembers, SectionPlan, SectionHealth},
	OrgEmployment:         {SectionMembers, SectionIncome, SectionPlan},
	OrgPolice:             {SectionMembers, SectionAddress, SectionPlan, SectionOffences},
	OrgYouth:              {SectionMembers, SectionPlan},
	OrgProbation:          {SectionMembers, SectionPlan, SectionOffences},
}

// DefaultTaskAccessDays is how many days after an agency's last task on a
// family closed the agency still reads the family.
const DefaultTaskAccessDays = 30

// MaxTaskAccessDays bounds the setting.
const MaxTaskAccessDays = 3650

// Reasons an organisation reads a family (FamilyAccess.Reason), besides
// the grant reasons (GrantCuratorOrg, GrantKDN, GrantTask, GrantJoined…).
const (
	AccessHolder  = "holder"  // the organisation holds the card
	AccessCurator = "curator" // the family's curator works there
	AccessCouncil = "council" // a council member of the family's municipality
)

// FamilyAccess is what the actor's organisation may read of one family,
// and why. Full: the whole card; otherwise only Sections.
type FamilyAccess struct {
	FamilyID int64
	Full     bool
	Reason   string // AccessHolder, AccessCurator, AccessCouncil or the grant's reason
	TaskID   int64  // with GrantTask: the agency's latest task on the family that gives access
	OrgType  OrgType
	Sections []FamilySection
	// Bases: the basis each open sensitive section is shared on; Refused:
	// the sensitive sections closed for want of a basis, and why (issue 22).
	Bases   map[FamilySection]Basis
	Refused []RefusedSection
}

// RefusedSection is a sensitive section closed to an agency for want of a
// basis; Reason is RefuseNoBasis or RefuseWithdrawn.
type RefusedSection struct {
	Section FamilySection
	Reason  string
}

// BasisOf is the basis a section is shared on (zero when none recorded).
func (a *FamilyAccess) BasisOf(s string) Basis { return a.Bases[FamilySection(s)] }

// Can reports whether the section may be read.
func (a *FamilyAccess) Can(s FamilySection) bool {
	return a != nil && (a.Full || slices.Contains(a.Sections, s))
}

// CanName is Can for templates.
func (a *FamilyAccess) CanName(s string) bool { return a.Can(FamilySection(s)) }

// FullAccess reports whether a grant's reason reads the whole card: every
// reason but a task's (an agency reads what its type is opened).
func FullAccess(reason string) bool {
	return reason != GrantTask && reason != AccessCouncil && reason != ""
}

// FamilySectionRules is the network administrator's table: agency type →
// the sections it reads, and the days access lasts after the last task.
type FamilySectionRules struct {
	Sections       map[OrgType][]FamilySection
	TaskAccessDays int
}

// Validate checks the rules before saving.
func (r *FamilySectionRules) Validate() error {
	var v Validation
	if r.TaskAccessDays < 0 || r.TaskAccessDays > MaxTaskAccessDays {
		v.Add("task_access_days", "family.sections.error.days")
	}
	for t, ss := range r.Sections {
		if !t.Valid() {
			v.Add("sections", "error.invalid_choice")
		}
		for _, s := range ss {
			if !s.Valid() {
				v.Add("sections", "error.invalid_choice")
			}
		}
	}
	return v.Err()
}
