package opora

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account rules.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
	MaxFailedLogins   = 5                // failures that lock an account
	LockoutDuration   = 15 * time.Minute // how long a lock lasts
)

// User is a worker's account. A user belongs to one organisation and to one or
// more of its branches.
type User struct {
	ID             int64
	OrganisationID int64
	Login          string
	FullName       string
	Position       string
	Email          string
	Locale         string // "ru" or "en"; "" follows the browser
	BranchIDs      []int64
	RoleIDs        []int64
	Disabled       bool
	FailedLogins   int
	LockedUntil    time.Time
	LastLoginAt    time.Time
	CreatedAt      time.Time
	// TwoFactor: the user confirmed a TOTP authenticator; login asks for
	// a code after the password.
	TwoFactor bool
}

// Locked reports whether the account is locked at time now.
func (u *User) Locked(now time.Time) bool { return u.LockedUntil.After(now) }

// NormalizeLogin folds a login for lookup: trimmed, lower case.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Normalize trims the user's fields and folds the login.
func (u *User) Normalize() {
	u.Login = NormalizeLogin(u.Login)
	u.FullName = strings.TrimSpace(u.FullName)
	u.Position = strings.TrimSpace(u.Position)
	u.Email = strings.TrimSpace(u.Email)
}

// Validate checks a user before saving.
func (u *User) Validate() error {
	var v Validation
	if u.Login == "" {
		v.Add("login", "error.required")
	} else if len(u.Login) > 64 || !validLogin(u.Login) {
		v.Add("login", "error.login")
	}
	checkText(&v, "full_name", u.FullName, true, 200)
	checkText(&v, "position", u.Position, false, 200)
	checkText(&v, "email", u.Email, false, 200)
	if u.Email != "" && !strings.Contains(u.Email, "@") {
		v.Add("email", "error.email")
	}
	if u.Locale != "" && u.Locale != "ru" && u.Locale != "en" {
		v.Add("locale", "error.invalid_choice")
	}
	if len(u.BranchIDs) == 0 {
		v.Add("branches", "error.branch_required")
	}
	if len(u.RoleIDs) == 0 {
		v.Add("roles", "error.role_required")
	}
	return v.Err()
}

func validLogin(s string) bool {
	for _, r := range s {
		if !(r == '.' || r == '-' || r == '_' || r == '@' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// ValidatePassword checks a new password: at least MinPasswordLength
// characters, no composition rules, not the login, and matching its confirmation.
func ValidatePassword(v *Validation, field, password, confirm, login string) {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		v.Add(field, "error.password_short")
	case len(password) > MaxPasswordLength:
		v.Add(field, "error.too_long")
	case strings.EqualFold(strings.TrimSpace(password), login):
		v.Add(field, "error.password_is_login")
	case CommonPassword(password):
		v.Add(field, "error.password_common")
	case password != confirm:
		v.Add(field+"_confirm", "error.password_mismatch")
	}
}
