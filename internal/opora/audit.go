package opora

import (
	"strconv"
	"time"
)

// Audit actions. A view, print, export or download of a client's data is
// recorded with the matching action; later features add theirs here.
const (
	ActionCreate       = "create"
	ActionUpdate       = "update"
	ActionDelete       = "delete"
	ActionRestore      = "restore"
	ActionView         = "view"
	ActionPrint        = "print"
	ActionExport       = "export"
	ActionDownload     = "download"
	ActionLogin        = "login"
	ActionLoginFailed  = "login_failed"
	ActionLockout      = "lockout"
	ActionLogout       = "logout"
	ActionDenied       = "denied"
	ActionPassword     = "password_change"
	ActionPasswordSet  = "password_reset"
	ActionDisable      = "disable"
	ActionEnable       = "enable"
	ActionSetup        = "setup"
	ActionSessionsKill = "sessions_revoked"
	ActionTwoFactorOn  = "two_factor_on"    // the user confirmed an authenticator
	ActionTwoFactorOff = "two_factor_reset" // an administrator removed a user's two-factor login
	ActionRecoveryNew  = "recovery_codes"   // new recovery codes replaced the old ones
	ActionImport       = "import"           // a record brought in from another system (opora import mks)
	ActionVoid         = "void"             // an issued certificate or letter annulled (its reason in the changes)
)

// AuditActions lists the actions for filters.
var AuditActions = []string{ActionView, ActionPrint, ActionExport, ActionDownload,
	ActionCreate, ActionUpdate, ActionDelete, ActionRestore, ActionLogin, ActionLoginFailed,
	ActionLockout, ActionLogout, ActionDenied, ActionPassword, ActionPasswordSet,
	ActionDisable, ActionEnable, ActionSessionsKill, ActionSetup,
	ActionTwoFactorOn, ActionTwoFactorOff, ActionRecoveryNew, ActionImport, ActionVoid}

// Change is one changed field in an audit entry. For a sensitive field only
// the name is kept: Old and New stay empty and Sensitive is true.
type Change struct {
	Field     string `json:"f"`
	Old       string `json:"o,omitempty"`
	New       string `json:"n,omitempty"`
	Sensitive bool   `json:"s,omitempty"`
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID             int64
	At             time.Time
	OrganisationID int64 // 0 for events outside any organisation (e.g. unknown login)
	UserID         int64 // 0 when nobody is logged in
	UserName       string
	Action         string
	Entity         string // "user", "client", "branch", …
	EntityID       int64
	Section        string // which part of a record was read or exported, never values
	Changes        []Change
	IP             string
}

// AuditFilter selects audit entries for the administrator's screen.
type AuditFilter struct {
	OrganisationID int64
	UserID         int64
	Action         string
	Entity         string
	EntityID       int64
	// From and To are moments, not days: entries at From or later and
	// before To (exclusive); zero means open. The audit screen turns its
	// days into the server's local midnights: From the first day's, To the
	// one after the last day.
	From, To      time.Time
	Offset, Limit int
}

// Diff appends a Change for each pair whose values differ.
func Diff(changes []Change, field, old, new string) []Change {
	if old != new {
		changes = append(changes, Change{Field: field, Old: old, New: new})
	}
	return changes
}

// AuditAnchor is the head of the audit log's hash chain: the last row's id
// and hash. Written down or sent off-site every day, it lets a later
// verification prove that no row up to it was rewritten, even by someone
// who recomputed the whole chain after a change.
type AuditAnchor struct {
	ID   int64     // the last chained row (0 for an empty log)
	Hash string    // its hash, lower-case hexadecimal (SHA-256)
	At   time.Time // that row's time
}

// String is the anchor as one line, the form "opora audit verify --anchor" reads.
func (a AuditAnchor) String() string {
	return strconv.FormatInt(a.ID, 10) + ":" + a.Hash
}

// Audit chain breaks, the first one a verification finds.
const (
	AuditBreakChanged   = "changed"   // the row's content (or its hash) is not what was chained
	AuditBreakDeleted   = "deleted"   // rows before it are missing
	AuditBreakInserted  = "inserted"  // a row nobody chained (written past the application)
	AuditBreakTruncated = "truncated" // rows at the end are missing
	AuditBreakAnchor    = "anchor"    // the chain differs from an anchor taken earlier
)

// AuditVerification is what checking the audit log's hash chain found.
type AuditVerification struct {
	Rows   int64       // rows checked
	Erased int64       // rows whose values a destruction erased (their digest still chains)
	Head   AuditAnchor // the chain's head as recorded
	OK     bool
	Kind   string // one of AuditBreak* when not OK
	RowID  int64  // the first row whose link is broken
	FromID int64  // for deleted/truncated: the first missing id
	ToID   int64  // for deleted/truncated: the last missing id
	Detail string // a sentence for the operator (English, no personal data)
}
