package opora

import (
	"slices"
	"strings"
	"time"
)

// APIScope is what an API token may touch (issue 24 item 4). A scope only
// narrows: the token acts as its user, and every call still passes the
// user's permissions and per-object access, as the web pages do.
type APIScope string

const (
	ScopeClientsRead   APIScope = "clients:read"
	ScopeServicesRead  APIScope = "services:read"
	ScopeServicesWrite APIScope = "services:write"
	ScopeCasesRead     APIScope = "cases:read"
	ScopeFamiliesRead  APIScope = "families:read"
	ScopeSignalsRead   APIScope = "signals:read"
	ScopeSignalsWrite  APIScope = "signals:write"
	ScopeTasksRead     APIScope = "tasks:read"
	ScopeTasksWrite    APIScope = "tasks:write"
)

// APIScopes lists the scopes in display order. Catalog key
// "api.scope.<scope with ':' as '_'>".
var APIScopes = []APIScope{ScopeClientsRead, ScopeServicesRead, ScopeServicesWrite, ScopeCasesRead,
	ScopeFamiliesRead, ScopeSignalsRead, ScopeSignalsWrite, ScopeTasksRead, ScopeTasksWrite}

// Valid reports whether s is a known scope.
func (s APIScope) Valid() bool { return slices.Contains(APIScopes, s) }

// Key is the scope as a catalog-key part.
func (s APIScope) Key() string { return strings.ReplaceAll(string(s), ":", "_") }

// APITokenPrefix starts every token, so a leaked one is recognisable (and
// secret scanners can find it).
const APITokenPrefix = "opora_"

// MaxAPITokenDays is the longest life a token may be given.
const MaxAPITokenDays = 366

// APIToken lets another system call the API as one of the organisation's
// users. Only the token's hash is stored; Prefix (its first characters)
// tells tokens apart in the list.
type APIToken struct {
	ID             int64
	OrganisationID int64
	UserID         int64 // the user the token acts as
	UserName       string
	Name           string // what it is for: "МИС поликлиники"
	Prefix         string
	Scopes         []APIScope
	ExpiresAt      time.Time
	CreatedAt      time.Time
	CreatedBy      int64
	RevokedAt      time.Time
	LastUsedAt     time.Time
}

// Has reports whether the token carries scope s.
func (t *APIToken) Has(s APIScope) bool { return slices.Contains(t.Scopes, s) }

// Active reports whether the token may be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// Validate checks a new token's fields: a name, a user, at least one known
// scope, an expiry in the future and within MaxAPITokenDays.
func (t *APIToken) Validate(now time.Time) error {
	var v Validation
	t.Name = strings.Join(strings.Fields(t.Name), " ")
	if t.Name == "" {
		v.Add("name", "error.required")
	} else if len([]rune(t.Name)) > 200 {
		v.Add("name", "error.too_long")
	}
	if t.UserID == 0 {
		v.Add("user", "error.required")
	}
	if len(t.Scopes) == 0 {
		v.Add("scopes", "api.error.no_scopes")
	}
	for _, s := range t.Scopes {
		if !s.Valid() {
			v.Add("scopes", "error.invalid_choice")
		}
	}
	switch {
	case t.ExpiresAt.IsZero():
		v.Add("expires", "error.required")
	case !t.ExpiresAt.After(now):
		v.Add("expires", "api.error.expires_past")
	case t.ExpiresAt.After(now.AddDate(0, 0, MaxAPITokenDays)):
		v.Add("expires", "api.error.expires_far")
	}
	return v.Err()
}
