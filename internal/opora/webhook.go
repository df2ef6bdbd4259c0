package opora

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhooks (issue 24 item 4): an organisation's other system is told, by
// an HTTP POST to its address, when something it cares about happens. The
// message carries ids and codes only, never a person's data: the receiver
// reads what it needs through the API with its token, and that read is
// audit-logged. Each message is signed (SignWebhook) with the webhook's
// secret, shown once when the webhook is made.

// WebhookEvent is what a webhook is told about. Catalog key
// "webhooks.event.<event with '.' as '_'>".
type WebhookEvent string

const (
	// A family task's status changed; sent to the agency given the task,
	// the organisation holding the family's card and the curator's.
	EventTaskStatus WebhookEvent = "task.status_changed"
	// A signal was registered; sent to the КДН whose inbox it is and the
	// reporting organisation.
	EventSignalCreated WebhookEvent = "signal.created"
)

// WebhookEvents lists the events in display order.
var WebhookEvents = []WebhookEvent{EventTaskStatus, EventSignalCreated}

// Valid reports whether e is a known event.
func (e WebhookEvent) Valid() bool { return slices.Contains(WebhookEvents, e) }

// Key is the event as a catalog-key part.
func (e WebhookEvent) Key() string { return strings.ReplaceAll(string(e), ".", "_") }

// Webhook is an address an organisation's events are sent to.
type Webhook struct {
	ID             int64
	OrganisationID int64
	URL            string
	Events         []WebhookEvent
	CreatedAt      time.Time
	CreatedBy      int64
	DisabledAt     time.Time
	// Filled for the list: the latest delivery's outcome.
	Pending, Failed int
}

// Has reports whether the webhook is told about e.
func (w *Webhook) Has(e WebhookEvent) bool { return slices.Contains(w.Events, e) }

// Validate checks a new webhook: an absolute http(s) address and at least
// one known event.
func (w *Webhook) Validate() error {
	var v Validation
	w.URL = strings.TrimSpace(w.URL)
	u, err := url.Parse(w.URL)
	switch {
	case w.URL == "":
		v.Add("url", "error.required")
	case len(w.URL) > 2000:
		v.Add("url", "error.too_long")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		v.Add("url", "webhooks.error.url")
	}
	if len(w.Events) == 0 {
		v.Add("events", "webhooks.error.no_events")
	}
	for _, e := range w.Events {
		if !e.Valid() {
			v.Add("events", "error.invalid_choice")
		}
	}
	return v.Err()
}

// WebhookDelivery is one message to one webhook and what became of it.
type WebhookDelivery struct {
	ID            int64
	WebhookID     int64
	Event         WebhookEvent
	Payload       string // the JSON body, as sent
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	DeliveredAt   time.Time
	FailedAt      time.Time // given up after WebhookMaxAttempts
	LastStatus    int       // the receiver's HTTP status, 0 when none came
	LastError     string
}

// WebhookMaxAttempts is how many times a message is tried before it is
// given up (and shown as failed in the delivery log).
const WebhookMaxAttempts = 6

// webhookBackoff is the wait after the n-th failed attempt.
var webhookBackoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour}

// WebhookRetryAfter returns how long to wait after attempts failed tries,
// and false when the message is to be given up.
func WebhookRetryAfter(attempts int) (time.Duration, bool) {
	if attempts >= WebhookMaxAttempts || attempts < 1 {
		return 0, false
	}
	return webhookBackoff[min(attempts, len(webhookBackoff))-1], true
}

// Headers of a webhook's message.
const (
	WebhookSignatureHeader = "X-Opora-Signature" // "t=<unix seconds>,v1=<hex HMAC-SHA256>"
	WebhookEventHeader     = "X-Opora-Event"
	WebhookDeliveryHeader  = "X-Opora-Delivery" // the delivery's id: the same on every retry
)

// SignWebhook returns the signature header's value for a body sent at t:
// HMAC-SHA256 with the webhook's secret over "<unix seconds>.<body>". A
// receiver recomputes it and compares in constant time, and refuses
// messages older than a few minutes (replays).
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}
