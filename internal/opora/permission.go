package opora

import (
	"slices"
	"sort"
	"strings"
)

// Permission is a named right. Roles group permissions; users hold roles.
type Permission string

// The permissions Opora knows. Later features add theirs here, with a
// catalog key "perm.<name>" describing it for administrators.
const (
	PermClientRead       Permission = "client.read"
	PermClientWrite      Permission = "client.write"
	PermClientDelete     Permission = "client.delete"
	PermSensitiveHealth  Permission = "client.sensitive.health"
	PermSensitiveAddict  Permission = "client.sensitive.addiction"
	PermSensitiveCrime   Permission = "client.sensitive.criminal"
	PermSensitiveChild   Permission = "client.sensitive.child"
	PermCheckin          Permission = "checkin.use"
	PermReportRun        Permission = "report.run"
	PermAdminUsers       Permission = "admin.users"
	PermAdminRoles       Permission = "admin.roles"
	PermAdminOrg         Permission = "admin.org"
	PermAdminNetwork     Permission = "admin.network"
	PermAuditRead        Permission = "audit.read"
	PermDictionaryManage Permission = "dictionary.manage"
	// Families and signals (Flow B, family.go).
	PermFamilyRead     Permission = "family.read"
	PermFamilyWrite    Permission = "family.write"
	PermFamilyAssign   Permission = "family.assign"   // assign a family's curator
	PermSignalRegister Permission = "signal.register" // send a signal about a family
	PermSignalTriage   Permission = "signal.triage"   // register, link and route signals (КДН)
	// The resource map per municipality (resource.go): edit organisations,
	// services and places; browsing needs family.read or this.
	PermResourcesManage Permission = "resources.manage"
	// The municipality's council: schedule, members, agenda, decisions,
	// minutes (council.go). The regional procedure is edited with admin.network.
	PermCouncilManage Permission = "council.manage"
	// Personal data (152-ФЗ): the person's own report and the register of
	// their requests (person_report.go).
	PermPrivacyManage Permission = "privacy.manage"
	// Retention rules, the list of clients due for destruction, approving
	// a destruction and its act (retention.go).
	PermRetentionApprove Permission = "retention.approve"
	// Hints for the curator (hint.go): rule hints, switching learned hints
	// off, the feedback counts — the region's methodologists.
	PermHintsManage Permission = "hints.manage"
)

// AllPermissions lists every permission in display order.
var AllPermissions = []Permission{
	PermClientRead, PermClientWrite, PermClientDelete,
	PermSensitiveHealth, PermSensitiveAddict, PermSensitiveCrime, PermSensitiveChild,
	PermCheckin, PermReportRun, PermExportAggregate, PermExportIdentifiable,
	PermAdminUsers, PermAdminRoles, PermAdminOrg, PermDictionaryManage, PermAuditRead,
	PermAdminNetwork,
	PermFamilyRead, PermFamilyWrite, PermFamilyAssign, PermSignalRegister, PermSignalTriage,
	PermResourcesManage,
	PermCouncilManage,
	PermPrivacyManage,
	PermRetentionApprove,
	PermHintsManage,
}

// Known reports whether p is one of AllPermissions.
func (p Permission) Known() bool { return slices.Contains(AllPermissions, p) }

// Scope says how far a role's record permissions reach.
type Scope string

const (
	ScopeOwn          Scope = "own"          // records where the user is the responsible worker
	ScopeBranch       Scope = "branch"       // records of the user's branches
	ScopeOrganisation Scope = "organisation" // every record of the user's organisation
)

// Scopes lists the scopes from narrowest to widest.
var Scopes = []Scope{ScopeOwn, ScopeBranch, ScopeOrganisation}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

func (s Scope) rank() int { return slices.Index(Scopes, s) }

// Wider returns the wider of two scopes.
func (s Scope) Wider(o Scope) Scope {
	if o.rank() > s.rank() {
		return o
	}
	return s
}

// Role is a named set of permissions with a scope, defined per organisation.
type Role struct {
	ID             int64
	OrganisationID int64
	Key            string // stable key of a built-in role ("administrator"), "" for custom roles
	Name           string // display name; built-in roles show the catalog name when empty
	Scope          Scope
	Permissions    []Permission
	Builtin        bool
	// TwoFactor: holders must log in with a one-time code (TOTP) once the
	// organisation enforces it (Organisation.TwoFactorEnforced).
	TwoFactor bool
}

// TwoFactorByDefault reports whether the role should require two-factor
// login unless an administrator decides otherwise: it administers
// something or sees a special category of client data.
func (r *Role) TwoFactorByDefault() bool {
	for _, p := range r.Permissions {
		if strings.HasPrefix(string(p), "admin.") || strings.HasPrefix(string(p), "client.sensitive.") {
			return true
		}
	}
	return false
}

// Has reports whether the role grants p.
func (r *Role) Has(p Permission) bool { return slices.Contains(r.Permissions, p) }

// Validate checks a role before saving.
func (r *Role) Validate() error {
	var v Validation
	if r.Name == "" && r.Key == "" {
		v.Add("name", "error.required")
	}
	if len([]rune(r.Name)) > 100 {
		v.Add("name", "error.too_long")
	}
	if !r.Scope.Valid() {
		v.Add("scope", "error.invalid_choice")
	}
	for _, p := range r.Permissions {
		if !p.Known() {
			v.Add("permissions", "error.invalid_choice")
		}
	}
	return v.Err()
}

// BuiltinRole describes a role seeded into every new organisation.
type BuiltinRole struct {
	Key         string
	Scope       Scope
	Permissions []Permission
}

// BuiltinRoles are seeded into each organisation; administrators may change
// their permissions later. The network administrator role is seeded only into
// the organisation created at first setup.
var BuiltinRoles = []BuiltinRole{
	{Key: "administrator", Scope: ScopeOrganisation, Permissions: []Permission{
		PermClientRead, PermClientWrite, PermClientDelete,
		PermSensitiveHealth, PermSensitiveAddict, PermSensitiveCrime, PermSensitiveChild,
		PermCheckin, PermReportRun, PermExportAggregate, PermExportIdentifiable,
		PermAdminUsers, PermAdminRoles, PermAdminOrg, PermDictionaryManage, PermAuditRead,
		PermPrivacyManage,
		PermRetentionApprove,
	}},
	{Key: "supervisor", Scope: ScopeOrganisation, Permissions: []Permission{
		PermClientRead, PermClientWrite, PermClientDelete,
		PermSensitiveHealth, PermSensitiveAddict, PermSensitiveCrime, PermSensitiveChild,
		PermCheckin, PermReportRun, PermExportAggregate, PermExportIdentifiable, PermDictionaryManage,
	}},
	{Key: "specialist", Scope: ScopeBranch, Permissions: []Permission{
		PermClientRead, PermClientWrite, PermCheckin,
	}},
	{Key: "duty", Scope: ScopeBranch, Permissions: []Permission{
		PermCheckin,
	}},
	{Key: "analyst", Scope: ScopeOrganisation, Permissions: []Permission{
		PermReportRun, PermExportAggregate,
	}},
	{Key: "auditor", Scope: ScopeOrganisation, Permissions: []Permission{
		PermAuditRead,
	}},
}

// NetworkAdminRole is the key of the role that manages organisations and territories.
const NetworkAdminRole = "network_admin"

// NetworkAdminBuiltin is the network administrator role.
var NetworkAdminBuiltin = BuiltinRole{Key: NetworkAdminRole, Scope: ScopeOrganisation,
	Permissions: []Permission{PermAdminNetwork, PermResourcesManage, PermHintsManage}}

// Actor is the person acting in a request, with the permissions their roles
// grant and the widest scope each permission has among those roles.
type Actor struct {
	UserID         int64
	OrganisationID int64
	Login          string
	FullName       string
	BranchIDs      []int64
	Locale         string // the user's chosen interface language, "" to follow the browser
	Perms          map[Permission]Scope
	// FamilyGrants: the organisation holds an open grant to another
	// organisation's family, so its client scope also reaches the members
	// of such families (store/sqldb/scope.go). Filled by the store.
	FamilyGrants bool
	// TwoFactor: the user has a confirmed authenticator.
	TwoFactor bool
	// TwoFactorRequired: one of the user's roles requires two-factor login
	// and their organisation enforces it.
	TwoFactorRequired bool
}

// MustEnrolTwoFactor reports whether the user may do nothing but set up
// two-factor login: it is required of them and they have none yet.
func (a *Actor) MustEnrolTwoFactor() bool {
	return a != nil && a.TwoFactorRequired && !a.TwoFactor
}

// NewActor builds an actor from a user's roles.
func NewActor(u *User, roles []*Role) *Actor {
	a := &Actor{UserID: u.ID, OrganisationID: u.OrganisationID, Login: u.Login,
		FullName: u.FullName, BranchIDs: u.BranchIDs, Locale: u.Locale, Perms: map[Permission]Scope{},
		TwoFactor: u.TwoFactor}
	for _, r := range roles {
		if r.TwoFactor {
			a.TwoFactorRequired = true
		}
		for _, p := range r.Permissions {
			if s, ok := a.Perms[p]; ok {
				a.Perms[p] = s.Wider(r.Scope)
			} else {
				a.Perms[p] = r.Scope
			}
		}
	}
	return a
}

// Can reports whether the actor holds p.
func (a *Actor) Can(p Permission) bool {
	if a == nil {
		return false
	}
	_, ok := a.Perms[p]
	return ok
}

// ScopeOf returns the scope the actor holds p with; ok is false without p.
func (a *Actor) ScopeOf(p Permission) (Scope, bool) {
	if a == nil {
		return "", false
	}
	s, ok := a.Perms[p]
	return s, ok
}

// Require returns ErrForbidden unless the actor holds p.
func (a *Actor) Require(p Permission) error {
	if !a.Can(p) {
		return ErrForbidden
	}
	return nil
}

// PermissionList returns the actor's permissions, sorted.
func (a *Actor) PermissionList() []Permission {
	out := make([]Permission, 0, len(a.Perms))
	for p := range a.Perms {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// SystemActor acts for the command line (opora user …) inside one
// organisation: every permission, organisation scope, no user id. The audit
// log records such changes with no user.
func SystemActor(orgID int64) *Actor {
	a := &Actor{OrganisationID: orgID, Login: "system", FullName: "opora command line", Perms: map[Permission]Scope{}}
	for _, p := range AllPermissions {
		a.Perms[p] = ScopeOrganisation
	}
	return a
}
