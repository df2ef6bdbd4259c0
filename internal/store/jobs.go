package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Background work that falls due with the clock (issue 21): overdue
// family tasks escalate, and notifications go out by e-mail. RunDueJobs
// runs both; `opora serve` calls it on a ticker and `opora jobs run` once.
// Each step is safe to run twice and on several instances at once: an
// escalation is a row under a unique key (task, level, deadline), an
// e-mail claims its notifications (and a digest its day) in a conditional
// update before it is sent, a webhook delivery takes a lease, and the
// daily retention run and learning of hints claim their day in meta
// (TestJobsExactlyOnceAcrossInstances runs three stores at once).

// DigestHour is the local hour from which the day's digest goes out.
const DigestHour = 7

// Mailer sends one user's e-mail through the organisation's server
// (internal/mail).
type Mailer interface {
	Send(ctx context.Context, server *opora.NotificationSettings, b *opora.EmailBatch) error
}

// JobReport says what a run did. FailedUsers are the users whose e-mail
// could not be sent (ids only: logs carry no personal data).
type JobReport struct {
	Retention   opora.RetentionReport // the day's retention run (retention.go); zero when it ran earlier today
	Hints       *HintLearnReport      // the night's learning of hints (hint_learn.go); nil when it ran earlier today
	Escalated   int
	Emailed     int
	Skipped     int
	FailedUsers []int64
	// Webhook messages sent, and attempts that failed (retried later or
	// given up: the delivery log says which).
	WebhooksSent, WebhooksFailed int
}

// RunDueJobs escalates the overdue tasks and, with a mailer, sends the
// e-mail that is due. An e-mail that fails stays pending for the next run
// (FailedUsers, and the first error is returned after the rest ran).
func (s *Store) RunDueJobs(ctx context.Context, m Mailer) (JobReport, error) {
	var r JobReport
	if claimed, err := s.claimRetentionDay(ctx); err != nil {
		return r, err
	} else if claimed {
		if r.Retention, err = s.RunRetention(ctx, s.files); err != nil {
			return r, err
		}
	}
	if claimed, err := s.claimHintsDay(ctx); err != nil {
		return r, err
	} else if claimed {
		if r.Hints, err = s.LearnHints(ctx, false); err != nil {
			return r, err
		}
	}
	n, err := s.EscalateOverdue(ctx)
	r.Escalated = n
	if err != nil {
		return r, err
	}
	if err := s.deliverWebhooks(ctx, &r); err != nil {
		return r, err
	}
	if m == nil {
		return r, nil
	}
	return r, s.deliverEmails(ctx, m, &r)
}

// UseFiles gives the store the file storage whose bytes the retention
// job removes (files.Storage of the data folder).
func (s *Store) UseFiles(fr FileRemover) { s.files = fr }

// claimRetentionDay reports whether this run is the first of the day to
// run the retention job: the day is claimed in meta, once across runs and
// instances.
func (s *Store) claimRetentionDay(ctx context.Context) (bool, error) {
	today := s.Today().String()
	res, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('retention_day', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value <> excluded.value`, today)
	if err != nil {
		return false, fmt.Errorf("store: retention day: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// HintLearnHour is the hour (UTC) from which the night's learning of hints
// runs, once a day.
const HintLearnHour = 1

// claimHintsDay reports whether this run is the first of the day, from
// HintLearnHour, to learn hints (claimed in meta like the retention day).
func (s *Store) claimHintsDay(ctx context.Context) (bool, error) {
	now := s.Now().UTC()
	if now.Hour() < HintLearnHour {
		return false, nil
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('hints_learn_day', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value <> excluded.value`, now.Format(time.DateOnly))
	if err != nil {
		return false, fmt.Errorf("store: hints day: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Escalation levels (task_escalations.level).
const (
	EscalateHead = "head" // the agency's heads, the day after the deadline
	EscalateKDN  = "kdn"  // the family's КДН, kdn_after_days after it
)

// EscalateOverdue notifies about the open family tasks past their
// deadline: the responsible agency's heads (and the assignee) the day
// after it, the family's КДН secretaries when the days set by the
// organisation holding the family's case have passed (3 by default). Each
// task, level and deadline once. Returns how many escalations it made.
func (s *Store) EscalateOverdue(ctx context.Context) (int, error) {
	today := s.Today()
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.due_on, COALESCE(ns.kdn_after_days, $2),
		CASE WHEN EXISTS (SELECT 1 FROM task_escalations e WHERE e.task_id = t.id AND e.level = 'head' AND e.due_on = t.due_on)
			THEN 1 ELSE 0 END
		FROM case_tasks t JOIN cases k ON k.id = t.case_id
		LEFT JOIN notification_settings ns ON ns.organisation_id = t.organisation_id
		WHERE t.family_id IS NOT NULL AND k.status = 'open' AND t.status IN ('planned', 'accepted', 'in_progress')
		AND t.due_on < $1
		AND NOT EXISTS (SELECT 1 FROM task_escalations e WHERE e.task_id = t.id AND e.level = 'kdn' AND e.due_on = t.due_on)
		ORDER BY t.id`, today, opora.DefaultKDNAfterDays)
	if err != nil {
		return 0, fmt.Errorf("store: overdue tasks: %w", err)
	}
	type due struct {
		id      int64
		dueOn   opora.Date
		kdnDays int
		headNow bool
		kdnNow  bool
	}
	var list []due
	for rows.Next() {
		var d due
		var dueOn sql.NullTime
		var headDone int
		if err := rows.Scan(&d.id, &dueOn, &d.kdnDays, &headDone); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: overdue tasks: %w", err)
		}
		d.dueOn = opora.DateOf(dateOf(dueOn))
		late := today.DaysSince(d.dueOn)
		d.headNow = headDone == 0 && late >= 1
		d.kdnNow = late >= d.kdnDays
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: overdue tasks: %w", err)
	}
	n := 0
	for _, d := range list {
		if s.escalateHook != nil {
			s.escalateHook(d.id)
		}
		for _, level := range []string{EscalateHead, EscalateKDN} {
			if (level == EscalateHead && !d.headNow) || (level == EscalateKDN && !d.kdnNow) {
				continue
			}
			done, err := s.escalate(ctx, d.id, d.dueOn, d.kdnDays, level)
			if err != nil {
				return n, err
			}
			if done {
				n++
			}
		}
	}
	return n, nil
}

// escalate records one escalation and notifies its people in one
// transaction; false when it was made before (by another run) or when the
// task is no longer overdue at this level. The list EscalateOverdue works
// on was read before: the task is read again here, locked (PostgreSQL) or
// under the single writer (SQLite), so a task done, returned or given a
// new deadline meanwhile does not escalate. One escalation per task, level
// and deadline: an overdue episode ends when the deadline moves, and a
// task overdue again on its new deadline escalates again.
func (s *Store) escalate(ctx context.Context, taskID int64, dueOn opora.Date, kdnDays int, level string) (bool, error) {
	done := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var status, caseStatus string
		var nowDue sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT t.status, t.due_on, k.status FROM case_tasks t JOIN cases k ON k.id = t.case_id
			WHERE t.id = $1`+s.forUpdateOf("t"), taskID).Scan(&status, &nowDue, &caseStatus)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: escalate task: %w", err)
		}
		if !opora.TaskStatus(status).Open() {
			return nil // done or returned meanwhile
		}
		if caseStatus != "open" || !nowDue.Valid || !opora.DateOf(dateOf(nowDue)).Equal(dueOn) {
			return nil // the case closed or the deadline moved meanwhile
		}
		late := s.Today().DaysSince(dueOn)
		if (level == EscalateHead && late < 1) || (level == EscalateKDN && late < kdnDays) {
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO task_escalations (task_id, level, due_on, escalated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (task_id, level, due_on) DO NOTHING`, taskID, level, dueOn, s.Now())
		if err != nil {
			return fmt.Errorf("store: escalate task: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		done = true
		var t opora.Task
		if err := tx.QueryRowContext(ctx, `SELECT id, family_id, COALESCE(responsible_org_id, 0), COALESCE(assignee_id, 0), status
			FROM case_tasks WHERE id = $1`, taskID).Scan(&t.ID, &t.FamilyID, &t.ResponsibleOrg, &t.AssigneeID, &status); err != nil {
			return fmt.Errorf("store: escalate task: %w", err)
		}
		t.Status = opora.TaskStatus(status)
		var users []int64
		if level == EscalateHead {
			if t.ResponsibleOrg != 0 {
				if users, err = usersWith(ctx, tx, t.ResponsibleOrg, opora.PermFamilyAssign); err != nil {
					return err
				}
			}
			users = append(users, t.AssigneeID)
		} else if users, err = s.kdnSecretaries(ctx, tx, t.FamilyID); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, users, taskNotification(opora.NotifyTaskOverdue, &t)); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "task_escalation", EntityID: taskID,
			Changes: []opora.Change{{Field: "level", New: level}, {Field: "due_on", New: dateString(dueOn)}}})
	})
	return done, err
}

// errClaimed: another run took a user's e-mail first.
var errClaimed = errors.New("store: e-mail claimed by another run")

// deliverEmails sends what is due to each user with pending notifications.
func (s *Store) deliverEmails(ctx context.Context, m Mailer, r *JobReport) error {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT user_id FROM notifications WHERE email_state = 'pending' ORDER BY user_id`)
	if err != nil {
		return fmt.Errorf("store: pending e-mail: %w", err)
	}
	var users []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: pending e-mail: %w", err)
		}
		users = append(users, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: pending e-mail: %w", err)
	}
	var first error
	for _, uid := range users {
		if err := s.emailUser(ctx, m, uid, r); err != nil {
			if errors.Is(err, errClaimed) {
				continue
			}
			r.FailedUsers = append(r.FailedUsers, uid)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// emailUser sends one user's due e-mail: every pending notification at
// once (immediate), or the day's digest once a day from DigestHour
// (daily). Kinds the user muted, users without an address or with e-mail
// off, and organisations without e-mail are marked skipped.
func (s *Store) emailUser(ctx context.Context, m Mailer, uid int64, r *JobReport) error {
	now := s.Now()
	today := opora.Today(now, time.Local)
	var email, locale string
	var disabled bool
	var orgID int64
	var lastDigest sql.NullTime
	if err := s.r.QueryRowContext(ctx, `SELECT u.email, u.locale, u.disabled, u.organisation_id, p.last_digest_on
		FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id WHERE u.id = $1`, uid).
		Scan(&email, &locale, &disabled, &orgID, &lastDigest); err != nil {
		return fmt.Errorf("store: e-mail user: %w", err)
	}
	prefs, err := notificationPrefs(ctx, s.r, uid)
	if err != nil {
		return err
	}
	server, err := notificationSettings(ctx, s.r, orgID)
	if err != nil {
		return err
	}
	if server.Password, err = s.openSecret(server.Password); err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.user_id = $1 AND n.email_state = 'pending' ORDER BY n.id`, uid)
	if err != nil {
		return fmt.Errorf("store: pending e-mail: %w", err)
	}
	var send, skip []*opora.Notification
	off := disabled || email == "" || prefs.EmailMode == opora.EmailOff || !server.EmailEnabled
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("store: pending e-mail: %w", err)
		}
		if off || prefs.Mutes(n.Kind) {
			skip = append(skip, n)
		} else {
			send = append(send, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: pending e-mail: %w", err)
	}
	digest := prefs.EmailMode == opora.EmailDaily
	if digest && len(send) > 0 {
		last := opora.DateOf(dateOf(lastDigest))
		if now.In(time.Local).Hour() < DigestHour || (!last.IsZero() && !last.Before(today)) {
			send = nil // not yet: the day's digest goes once
		}
	}
	if len(send) == 0 && len(skip) == 0 {
		return nil
	}
	if s.claimHook != nil {
		s.claimHook("email", uid)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := setEmailState(ctx, tx, skip, "skipped"); err != nil {
			return err
		}
		if err := setEmailState(ctx, tx, send, "sent"); err != nil {
			return err
		}
		if digest && len(send) > 0 {
			// The day's digest is claimed like the lines: another run
			// that read the user's last digest day before this one
			// committed finds the day taken and sends nothing.
			res, err := tx.ExecContext(ctx, `INSERT INTO notification_prefs (user_id, email_mode, last_digest_on, updated_at)
				VALUES ($1, 'daily', $2, $3) ON CONFLICT (user_id) DO UPDATE SET last_digest_on = excluded.last_digest_on
				WHERE notification_prefs.last_digest_on IS NULL OR notification_prefs.last_digest_on <> excluded.last_digest_on`,
				uid, today, now)
			if err != nil {
				return fmt.Errorf("store: digest day: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return errors.Join(errClaimed, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.Skipped += len(skip)
	if len(send) == 0 {
		return nil
	}
	lang := locale
	if lang == "" {
		lang = "ru"
	}
	if err := m.Send(ctx, server, &opora.EmailBatch{UserID: uid, To: email, Lang: lang, Digest: digest, Lines: send}); err != nil {
		// Back to pending for the next run, the digest's day too.
		if rerr := s.tx(ctx, func(tx *sql.Tx) error {
			if err := setEmailState(ctx, tx, send, "pending"); err != nil {
				return err
			}
			if digest {
				_, err := tx.ExecContext(ctx, `UPDATE notification_prefs SET last_digest_on = $1 WHERE user_id = $2`,
					lastDigest, uid)
				return err
			}
			return nil
		}); rerr != nil {
			return errors.Join(err, rerr)
		}
		return fmt.Errorf("store: e-mail to user %d: %w", uid, err)
	}
	r.Emailed += len(send)
	return nil
}

// setEmailState moves notifications to state; when it claims them for
// sending ("sent") every one must still have been pending.
func setEmailState(ctx context.Context, tx *sql.Tx, ns []*opora.Notification, state string) error {
	if len(ns) == 0 {
		return nil
	}
	args := []any{state}
	var ids []int64
	for _, n := range ns {
		ids = append(ids, n.ID)
	}
	in, args := inList(args, ids)
	cond := ""
	if state != "pending" {
		cond = " AND email_state = 'pending'"
	}
	res, err := tx.ExecContext(ctx, `UPDATE notifications SET email_state = $1 WHERE id IN (`+in+`)`+cond, args...)
	if err != nil {
		return fmt.Errorf("store: e-mail state: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && state == "sent" && n != int64(len(ns)) {
		return errClaimed
	}
	return nil
}
