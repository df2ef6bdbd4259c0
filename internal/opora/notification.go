package opora

import (
	"net/mail"
	"slices"
	"strings"
	"time"
)

// NotificationKind says what a notification is about. Catalog key
// "notify.kind.<value>" names it, "notify.text.<value>" words a line.
type NotificationKind string

const (
	NotifyTaskAssigned NotificationKind = "task_assigned" // a task given to my agency, or to me
	NotifyTaskStatus   NotificationKind = "task_status"   // a task of my family changed its status
	NotifyTaskAssignee NotificationKind = "task_assignee" // the agency gave a task of my family to one of its people
	NotifyTaskReturned NotificationKind = "task_returned" // a task of my family was returned by the agency
	NotifyTaskOverdue  NotificationKind = "task_overdue"  // a task of my agency (or, for the КДН, of a family) is overdue
	NotifySignal       NotificationKind = "signal"        // a signal to triage in my inbox
	NotifyFamilyRouted NotificationKind = "family_routed" // a family sent to my centre for a curator
)

// NotificationKinds lists the kinds in the order the settings show them.
var NotificationKinds = []NotificationKind{NotifyTaskAssigned, NotifyTaskStatus, NotifyTaskAssignee, NotifyTaskReturned, NotifyTaskOverdue,
	NotifySignal, NotifyFamilyRouted}

// Valid reports whether k is one of NotificationKinds.
func (k NotificationKind) Valid() bool { return slices.Contains(NotificationKinds, k) }

// Notification is one line of a user's notifications. It names the family
// by its card number and the task by its type, never a person.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      NotificationKind
	FamilyID  int64
	TaskID    int64
	SignalID  int64
	Link      string // the page it opens, a path
	TaskType  string // the task's type label, when about a task
	Status    TaskStatus
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// Unread reports whether the user has not marked the line read.
func (n *Notification) Unread() bool { return n.ReadAt.IsZero() }

// EmailMode is how a user gets notifications by e-mail.
type EmailMode string

const (
	EmailImmediate EmailMode = "immediate"
	EmailDaily     EmailMode = "daily" // the default
	EmailOff       EmailMode = "off"
)

// EmailModes lists the modes in display order.
var EmailModes = []EmailMode{EmailDaily, EmailImmediate, EmailOff}

// NotificationPrefs is a user's e-mail choice.
type NotificationPrefs struct {
	EmailMode EmailMode
	Muted     []NotificationKind // kinds never sent by e-mail
}

// Mutes reports whether a kind is never sent by e-mail.
func (p *NotificationPrefs) Mutes(k NotificationKind) bool { return slices.Contains(p.Muted, k) }

// Validate checks the mode and the kinds.
func (p *NotificationPrefs) Validate() error {
	var v Validation
	if !slices.Contains(EmailModes, p.EmailMode) {
		v.Add("email_mode", "error.invalid_choice")
	}
	for _, k := range p.Muted {
		if !k.Valid() {
			v.Add("muted", "error.invalid_choice")
		}
	}
	return v.Err()
}

// SMTP TLS modes.
const (
	SMTPPlain    = "none"     // no TLS (a server on the local network)
	SMTPStartTLS = "starttls" // STARTTLS required
	SMTPTLS      = "tls"      // implicit TLS (usually port 465)
)

// DefaultKDNAfterDays is how many days past its deadline an overdue task
// goes to the КДН when the organisation set nothing else.
const DefaultKDNAfterDays = 3

// NotificationSettings is an organisation's e-mail server and escalation
// delay. Password is write-only: the store never returns it (HasPassword
// says one is kept), and an empty one on save keeps the old.
type NotificationSettings struct {
	OrganisationID int64
	EmailEnabled   bool
	Host           string
	Port           int
	TLS            string
	User           string
	Password       string
	HasPassword    bool
	From           string
	KDNAfterDays   int
	Version        int
}

// Normalize trims the text fields.
func (n *NotificationSettings) Normalize() {
	n.Host, n.User, n.From, n.TLS = strings.TrimSpace(n.Host), strings.TrimSpace(n.User), strings.TrimSpace(n.From),
		strings.TrimSpace(n.TLS)
}

// Validate checks the settings; the server's fields are needed only when
// e-mail is on.
func (n *NotificationSettings) Validate() error {
	var v Validation
	if n.KDNAfterDays < 1 || n.KDNAfterDays > 60 {
		v.Add("kdn_after_days", "notify.error.days")
	}
	if n.TLS != SMTPPlain && n.TLS != SMTPStartTLS && n.TLS != SMTPTLS {
		v.Add("smtp_tls", "error.invalid_choice")
	}
	if n.Port < 1 || n.Port > 65535 {
		v.Add("smtp_port", "notify.error.port")
	}
	checkText(&v, "smtp_host", n.Host, n.EmailEnabled, 255)
	checkText(&v, "smtp_user", n.User, false, 255)
	checkText(&v, "smtp_password", n.Password, false, 255)
	checkText(&v, "mail_from", n.From, n.EmailEnabled, 255)
	if n.From != "" {
		if a, err := mail.ParseAddress(n.From); err != nil || a.Address == "" {
			v.Add("mail_from", "notify.error.from")
		}
	}
	return v.Err()
}

// EmailBatch is what the e-mail job sends one user at once: their
// notifications (the day's digest, or one at a time when they chose
// immediate e-mail), in their language. The message says "a task in family
// card No N" and the link, never a person's name.
type EmailBatch struct {
	UserID int64
	To     string
	Lang   string
	Digest bool
	Lines  []*Notification
}
