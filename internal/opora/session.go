package opora

import "time"

// Session timeouts used when the configuration does not say otherwise.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
)

// Session is a logged-in browser. The token itself is never stored: only its hash.
type Session struct {
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
	Flash      string
}

// Expired reports whether the session is past its idle or absolute timeout.
func (s *Session) Expired(now time.Time, idle, absolute time.Duration) bool {
	return now.Sub(s.LastSeenAt) > idle || now.Sub(s.CreatedAt) > absolute
}
