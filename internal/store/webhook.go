package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
)

// Webhooks (opora/webhook.go). The organisation administrator (admin.org)
// keeps the list; the changes they tell of write their deliveries in their
// own transaction (enqueueWebhooks, from taskChangedHook and
// RegisterSignal); RunDueJobs sends what is due through the WebhookPoster
// the program gives the store (UseWebhooks) and records every attempt.

// WebhookPoster sends one message; status is the receiver's HTTP status
// (0 with err when none came). The store treats 2xx as delivered.
type WebhookPoster interface {
	Post(ctx context.Context, url string, body []byte, headers map[string]string) (status int, err error)
}

// UseWebhooks gives the store the poster RunDueJobs sends webhooks with;
// without one they wait.
func (s *Store) UseWebhooks(p WebhookPoster) { s.webhooks = p }

const webhookColumns = `w.id, w.organisation_id, w.url, w.events, w.created_at, w.created_by, w.disabled_at`

func scanWebhook(row interface{ Scan(...any) error }, extra ...any) (*opora.Webhook, error) {
	w := &opora.Webhook{}
	var events string
	var disabled sql.NullTime
	if err := row.Scan(append([]any{&w.ID, &w.OrganisationID, &w.URL, &events, &w.CreatedAt, &w.CreatedBy, &disabled}, extra...)...); err != nil {
		return nil, err
	}
	for _, e := range strings.Fields(events) {
		w.Events = append(w.Events, opora.WebhookEvent(e))
	}
	w.DisabledAt = timeOf(disabled)
	return w, nil
}

// Webhooks lists the organisation's webhooks with the count of messages
// waiting and given up. Needs admin.org.
func (s *Store) Webhooks(ctx context.Context) ([]*opora.Webhook, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+webhookColumns+`,
		(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_at IS NULL AND d.failed_at IS NULL),
		(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.failed_at IS NOT NULL)
		FROM webhooks w WHERE w.organisation_id = $1 ORDER BY w.id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: webhooks: %w", err)
	}
	defer rows.Close()
	var out []*opora.Webhook
	for rows.Next() {
		var pending, failed int
		w, err := scanWebhook(rows, &pending, &failed)
		if err != nil {
			return nil, fmt.Errorf("store: scan webhook: %w", err)
		}
		w.Pending, w.Failed = pending, failed
		out = append(out, w)
	}
	return out, rows.Err()
}

// Webhook returns one of the organisation's webhooks. Needs admin.org.
func (s *Store) Webhook(ctx context.Context, id int64) (*opora.Webhook, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	w, err := scanWebhook(s.r.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks w
		WHERE w.id = $1 AND w.organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return w, nil
}

// CreateWebhook adds a webhook and returns its signing secret in plain
// text: the only time anyone sees it. Needs admin.org.
func (s *Store) CreateWebhook(ctx context.Context, w *opora.Webhook) (string, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return "", err
	}
	if err := w.Validate(); err != nil {
		return "", err
	}
	secret := "whsec_" + auth.NewToken()
	sealed, err := s.sealSecret(secret)
	if err != nil {
		return "", err
	}
	events := make([]string, len(w.Events))
	for i, e := range w.Events {
		events[i] = string(e)
	}
	w.OrganisationID, w.CreatedBy, w.CreatedAt = a.OrganisationID, a.UserID, s.Now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		id, err := insertID(ctx, tx, `INSERT INTO webhooks (organisation_id, url, secret, events, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, w.OrganisationID, w.URL, sealed, strings.Join(events, " "), w.CreatedAt.UTC(), a.UserID)
		if err != nil {
			return fmt.Errorf("store: create webhook: %w", err)
		}
		w.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "webhook", EntityID: id,
			Changes: []opora.Change{{Field: "url", New: w.URL}, {Field: "events", New: strings.Join(events, " ")}}})
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// SetWebhookDisabled stops (or resumes) a webhook: a stopped one gets no
// new messages and its waiting ones are not sent. Needs admin.org.
func (s *Store) SetWebhookDisabled(ctx context.Context, id int64, disabled bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	var at any
	action := opora.ActionEnable
	if disabled {
		at, action = s.Now().UTC(), opora.ActionDisable
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET disabled_at = $1 WHERE id = $2 AND organisation_id = $3`,
			at, id, a.OrganisationID)
		if err != nil {
			return fmt.Errorf("store: disable webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "webhook", EntityID: id})
	})
}

// WebhookDeliveries lists a webhook's latest messages, newest first (the
// delivery log). Needs admin.org.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]*opora.WebhookDelivery, error) {
	if _, err := s.Webhook(ctx, webhookID); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, webhook_id, event, payload, created_at, attempts, next_attempt_at,
		delivered_at, failed_at, last_status, last_error FROM webhook_deliveries WHERE webhook_id = $1
		ORDER BY id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []*opora.WebhookDelivery
	for rows.Next() {
		d := &opora.WebhookDelivery{}
		var delivered, failed sql.NullTime
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.Event, &d.Payload, &d.CreatedAt, &d.Attempts, &d.NextAttemptAt,
			&delivered, &failed, &d.LastStatus, &d.LastError); err != nil {
			return nil, fmt.Errorf("store: scan webhook delivery: %w", err)
		}
		d.DeliveredAt, d.FailedAt = timeOf(delivered), timeOf(failed)
		out = append(out, d)
	}
	return out, rows.Err()
}

// enqueueWebhooks writes, in the caller's transaction, one delivery of
// event with data to every live webhook of the organisations orgIDs that
// asks for it. data holds ids and codes only, never a person's data.
func (s *Store) enqueueWebhooks(ctx context.Context, tx *sql.Tx, event opora.WebhookEvent, orgIDs []int64, data map[string]any) error {
	var orgs []int64
	for _, id := range orgIDs {
		if id != 0 && !containsID(orgs, id) {
			orgs = append(orgs, id)
		}
	}
	if len(orgs) == 0 {
		return nil
	}
	in, args := inList(nil, orgs)
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE disabled_at IS NULL AND organisation_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: webhooks for %s: %w", event, err)
	}
	var hooks []int64
	for rows.Next() {
		var id int64
		var events string
		if err := rows.Scan(&id, &events); err != nil {
			rows.Close()
			return fmt.Errorf("store: webhooks for %s: %w", event, err)
		}
		if containsString(strings.Fields(events), string(event)) {
			hooks = append(hooks, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(hooks) == 0 {
		return nil
	}
	now := s.Now().UTC()
	body, err := json.Marshal(map[string]any{"event": event, "occurred_at": now.Format(time.RFC3339), "data": data})
	if err != nil {
		return fmt.Errorf("store: webhook payload: %w", err)
	}
	for _, h := range hooks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
			VALUES ($1, $2, $3, $4, $4)`, h, string(event), string(body), now); err != nil {
			return fmt.Errorf("store: webhook delivery: %w", err)
		}
	}
	return nil
}

// webhookTaskStatus tells of a family task's new status: the agency given
// the task, the organisation holding the family's card and the curator's.
func (s *Store) webhookTaskStatus(ctx context.Context, tx *sql.Tx, old, t *opora.Task) error {
	if old == nil || old.Status == t.Status {
		return nil
	}
	familyID := t.FamilyID
	if familyID == 0 {
		familyID = old.FamilyID
	}
	var holder, curatorOrg int64
	if err := tx.QueryRowContext(ctx, `SELECT organisation_id, COALESCE(curator_org_id, 0) FROM families WHERE id = $1`,
		familyID).Scan(&holder, &curatorOrg); err != nil {
		return fmt.Errorf("store: webhook task family: %w", err)
	}
	return s.enqueueWebhooks(ctx, tx, opora.EventTaskStatus, []int64{t.ResponsibleOrg, old.ResponsibleOrg, holder, curatorOrg},
		map[string]any{"task_id": t.ID, "family_id": familyID, "status": t.Status, "previous_status": old.Status})
}

// webhookSignal tells of a new signal: the КДН whose inbox it is and the
// reporting organisation.
func (s *Store) webhookSignal(ctx context.Context, tx *sql.Tx, sg *opora.Signal) error {
	return s.enqueueWebhooks(ctx, tx, opora.EventSignalCreated, []int64{sg.OrganisationID, sg.ReporterOrgID},
		map[string]any{"signal_id": sg.ID, "urgency": sg.Urgency, "territory_id": sg.TerritoryID})
}

// webhookLease is how long a claimed delivery is left to its sender before
// another run may try it again (a process killed mid-send).
const webhookLease = 2 * time.Minute

// deliverWebhooks sends the deliveries that are due, up to 100 a run, and
// records each attempt: delivered on a 2xx answer, otherwise retried after
// opora.WebhookRetryAfter or given up. A delivery is claimed by moving its
// next attempt past the lease in a conditional update, so two runs (two
// instances) never send the same attempt.
func (s *Store) deliverWebhooks(ctx context.Context, r *JobReport) error {
	if s.webhooks == nil {
		return nil
	}
	now := s.Now().UTC()
	rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.event, d.payload, d.attempts, w.url, w.secret
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 AND w.disabled_at IS NULL
		ORDER BY d.next_attempt_at, d.id LIMIT 100`, now)
	if err != nil {
		return fmt.Errorf("store: due webhooks: %w", err)
	}
	type due struct {
		id                  int64
		event, payload, url string
		secret              string
		attempts            int
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.event, &d.payload, &d.attempts, &d.url, &d.secret); err != nil {
			rows.Close()
			return fmt.Errorf("store: due webhooks: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range list {
		if s.claimHook != nil {
			s.claimHook("webhook", d.id)
		}
		res, err := s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at <= $3
			AND delivered_at IS NULL AND failed_at IS NULL`, now.Add(webhookLease), d.id, now)
		if err != nil {
			return fmt.Errorf("store: claim webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // another run took it
		}
		secret, err := s.openSecret(d.secret)
		if err != nil {
			return err
		}
		body := []byte(d.payload)
		status, perr := s.webhooks.Post(ctx, d.url, body, map[string]string{
			"Content-Type":               "application/json",
			opora.WebhookEventHeader:     d.event,
			opora.WebhookDeliveryHeader:  fmt.Sprint(d.id),
			opora.WebhookSignatureHeader: opora.SignWebhook(secret, s.Now(), body),
		})
		attempts := d.attempts + 1
		done := s.Now().UTC()
		if perr == nil && status >= 200 && status < 300 {
			r.WebhooksSent++
			_, err = s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = $1, delivered_at = $2, last_status = $3,
				last_error = '' WHERE id = $4`, attempts, done, status, d.id)
		} else {
			msg := ""
			if perr != nil {
				msg = perr.Error()
			} else {
				msg = fmt.Sprintf("HTTP %d", status)
			}
			if len(msg) > 500 {
				msg = msg[:500]
			}
			r.WebhooksFailed++
			if wait, again := opora.WebhookRetryAfter(attempts); again {
				_, err = s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = $1, next_attempt_at = $2, last_status = $3,
					last_error = $4 WHERE id = $5`, attempts, done.Add(wait), status, msg, d.id)
			} else {
				_, err = s.w.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = $1, failed_at = $2, last_status = $3,
					last_error = $4 WHERE id = $5`, attempts, done, status, msg, d.id)
			}
		}
		if err != nil {
			return fmt.Errorf("store: record webhook attempt: %w", err)
		}
	}
	return nil
}
