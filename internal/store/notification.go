package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Notifications (issue 21). A line is written for each person concerned,
// in the transaction of the change that causes it:
//   - a task given to an agency: the agency's heads (family.assign) and
//     the assignee, when one is set (notifyTaskChange, on create and on a
//     change of agency or assignee);
//   - a status change of a family's task: the family's curator and the
//     КДН secretaries of the family (a return is its own kind);
//   - a signal registered: the secretaries (signal.triage) of the КДН whose
//     inbox it lands in; a family routed to a centre: the centre's heads;
//   - an overdue task: the escalation job (escalation.go).
// The person who made the change is never told about it. A line names the
// family by its card number and the task by its type, never a person.

// usersWith returns the enabled users of an organisation holding p.
func usersWith(ctx context.Context, q queryer, orgID int64, p opora.Permission) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id
		WHERE u.organisation_id = $1 AND rp.permission = $2 AND NOT u.disabled ORDER BY u.id`, orgID, string(p))
	if err != nil {
		return nil, fmt.Errorf("store: notification recipients: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: notification recipients: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// familyKDN returns the КДН organisations of a family: the one holding its
// card or granted it, and the КДН of its municipality.
func (s *Store) familyKDN(ctx context.Context, q queryer, familyID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id FROM families f JOIN organisations o ON o.type = $2
		AND (o.id = f.organisation_id OR EXISTS (SELECT 1 FROM subject_grants g WHERE g.subject_type = 'family'
			AND g.subject_id = f.id AND g.organisation_id = o.id AND g.revoked_at IS NULL))
		WHERE f.id = $1 ORDER BY o.id`, familyID, string(opora.OrgKDN))
	if err != nil {
		return nil, fmt.Errorf("store: family КДН: %w", err)
	}
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: family КДН: %w", err)
		}
		out = append(out, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: family КДН: %w", err)
	}
	var territory sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT territory_id FROM families WHERE id = $1`, familyID).Scan(&territory); err != nil {
		return nil, notFound(err)
	}
	if territory.Valid {
		chain, err := s.territoryChain(ctx, q, territory.Int64)
		if err != nil {
			return nil, err
		}
		kdn, err := s.kdnOf(ctx, q, chain)
		if err != nil {
			return nil, err
		}
		if kdn != 0 && !containsID(out, kdn) {
			out = append(out, kdn)
		}
	}
	return out, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// kdnSecretaries returns the users who triage signals (signal.triage) in
// the family's КДН.
func (s *Store) kdnSecretaries(ctx context.Context, q queryer, familyID int64) ([]int64, error) {
	orgs, err := s.familyKDN(ctx, q, familyID)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, org := range orgs {
		us, err := usersWith(ctx, q, org, opora.PermSignalTriage)
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
	}
	return out, nil
}

// familyCurator returns the family's curator when enabled, else 0.
func familyCurator(ctx context.Context, q queryer, familyID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(u.id, 0) FROM families f LEFT JOIN users u ON u.id = f.curator_id AND NOT u.disabled
		WHERE f.id = $1`, familyID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: family curator: %w", err)
	}
	return id, nil
}

// notify writes n for each of users, once each, leaving out the acting user.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, users []int64, n opora.Notification) error {
	a := opora.ActorFrom(ctx)
	seen := map[int64]bool{}
	now := s.Now()
	for _, u := range users {
		if u == 0 || seen[u] || (a != nil && u == a.UserID) {
			continue
		}
		seen[u] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, family_id, task_id, signal_id, status, link, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, u, string(n.Kind), nullID(n.FamilyID), nullID(n.TaskID), nullID(n.SignalID),
			string(n.Status), n.Link, now); err != nil {
			return fmt.Errorf("store: notify: %w", err)
		}
	}
	return nil
}

// taskLink is the page a task's notification opens.
func taskLink(id int64) string { return "/agency/tasks/" + strconv.FormatInt(id, 10) }

// taskNotification is a notification about a family's task.
func taskNotification(kind opora.NotificationKind, t *opora.Task) opora.Notification {
	return opora.Notification{Kind: kind, FamilyID: t.FamilyID, TaskID: t.ID, Status: t.Status, Link: taskLink(t.ID)}
}

// notifySignal tells the secretaries of the КДН whose inbox a new signal
// landed in.
func (s *Store) notifySignal(ctx context.Context, tx *sql.Tx, sg *opora.Signal) error {
	users, err := usersWith(ctx, tx, sg.OrganisationID, opora.PermSignalTriage)
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, users, opora.Notification{Kind: opora.NotifySignal, SignalID: sg.ID,
		Link: "/signals/" + strconv.FormatInt(sg.ID, 10)})
}

// notifyFamilyRouted tells the heads of a centre a family was sent to it
// to pick a curator.
func (s *Store) notifyFamilyRouted(ctx context.Context, tx *sql.Tx, familyID, orgID int64) error {
	users, err := usersWith(ctx, tx, orgID, opora.PermFamilyAssign)
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, users, opora.Notification{Kind: opora.NotifyFamilyRouted, FamilyID: familyID,
		Link: "/families/" + strconv.FormatInt(familyID, 10)})
}

const notificationColumns = `n.id, n.user_id, n.kind, COALESCE(n.family_id, 0), COALESCE(n.task_id, 0), COALESCE(n.signal_id, 0),
	n.status, n.link, n.created_at, n.read_at`

func scanNotification(row interface{ Scan(...any) error }, extra ...any) (*opora.Notification, error) {
	n := &opora.Notification{}
	var kind, status string
	var created, read sql.NullTime
	if err := row.Scan(append([]any{&n.ID, &n.UserID, &kind, &n.FamilyID, &n.TaskID, &n.SignalID, &status, &n.Link,
		&created, &read}, extra...)...); err != nil {
		return nil, err
	}
	n.Kind, n.Status, n.CreatedAt, n.ReadAt = opora.NotificationKind(kind), opora.TaskStatus(status), timeOf(created), timeOf(read)
	return n, nil
}

// UnreadNotifications counts the acting user's unread notifications (the
// page header's counter); 0 without a user.
func (s *Store) UnreadNotifications(ctx context.Context) (int, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return 0, nil
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`,
		a.UserID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread notifications: %w", err)
	}
	return n, nil
}

// Notifications lists the acting user's notifications, newest first, at
// most limit (200 when 0), with the task's type.
func (s *Store) Notifications(ctx context.Context, limit int) ([]*opora.Notification, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, opora.ErrForbidden
	}
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+notificationColumns+`, COALESCE(d.label, '') FROM notifications n
		LEFT JOIN case_tasks t ON t.id = n.task_id LEFT JOIN dictionary_items d ON d.id = t.type_id
		WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2`, a.UserID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	defer rows.Close()
	var out []*opora.Notification
	for rows.Next() {
		var label string
		n, err := scanNotification(rows, &label)
		if err != nil {
			return nil, fmt.Errorf("store: notifications: %w", err)
		}
		n.TaskType = label
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkNotificationRead marks one of my notifications read and returns it
// (its link). Another user's is not found.
func (s *Store) MarkNotificationRead(ctx context.Context, id int64) (*opora.Notification, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, opora.ErrForbidden
	}
	var n *opora.Notification
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications n
			WHERE n.id = $1 AND n.user_id = $2`, id, a.UserID))
		if err != nil {
			return notFound(err)
		}
		if !n.Unread() {
			return nil
		}
		n.ReadAt = s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2`, n.ReadAt, id); err != nil {
			return fmt.Errorf("store: notification read: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "notification", EntityID: id,
			Changes: []opora.Change{{Field: "read", New: "1"}}})
	})
	return n, err
}

// ReadNotificationsOn marks my unread notifications that open one of the
// pages links read, as the user has just opened the page (a task, a
// family, a signal), and says how many.
func (s *Store) ReadNotificationsOn(ctx context.Context, links ...string) (int, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 || len(links) == 0 {
		return 0, nil
	}
	// Most pages have nothing unread: a read, not a write, answers them.
	in, args := inList([]any{a.UserID}, links)
	var unread int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL
		AND link IN (`+in+`)`, args...).Scan(&unread); err != nil {
		return 0, fmt.Errorf("store: notifications on a page: %w", err)
	}
	if unread == 0 {
		return 0, nil
	}
	in, args = inList([]any{s.Now(), a.UserID}, links)
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL
			AND link IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: notifications read on a page: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "notification",
			Changes: []opora.Change{{Field: "read_on", New: strconv.FormatInt(n, 10)}}})
	})
	return int(n), err
}

// MarkAllNotificationsRead marks every unread notification of mine read
// and says how many.
func (s *Store) MarkAllNotificationsRead(ctx context.Context) (int, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return 0, opora.ErrForbidden
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`,
			s.Now(), a.UserID)
		if err != nil {
			return fmt.Errorf("store: notifications read: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "notification",
			Changes: []opora.Change{{Field: "read_all", New: strconv.FormatInt(n, 10)}}})
	})
	return int(n), err
}

// NotificationPrefs returns my e-mail choice (a daily digest of every
// kind when I chose nothing).
func (s *Store) NotificationPrefs(ctx context.Context) (*opora.NotificationPrefs, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, opora.ErrForbidden
	}
	return notificationPrefs(ctx, s.r, a.UserID)
}

func notificationPrefs(ctx context.Context, q queryer, userID int64) (*opora.NotificationPrefs, error) {
	p := &opora.NotificationPrefs{EmailMode: opora.EmailDaily}
	var mode, muted string
	err := q.QueryRowContext(ctx, `SELECT email_mode, muted_kinds FROM notification_prefs WHERE user_id = $1`, userID).
		Scan(&mode, &muted)
	if err == sql.ErrNoRows {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: notification prefs: %w", err)
	}
	p.EmailMode, p.Muted = opora.EmailMode(mode), splitKinds(muted)
	return p, nil
}

func splitKinds(s string) []opora.NotificationKind {
	var out []opora.NotificationKind
	for _, k := range strings.Split(s, ",") {
		if k != "" {
			out = append(out, opora.NotificationKind(k))
		}
	}
	return out
}

func joinKinds(ks []opora.NotificationKind) string {
	var parts []string
	for _, k := range opora.NotificationKinds {
		for _, m := range ks {
			if m == k {
				parts = append(parts, string(k))
				break
			}
		}
	}
	return strings.Join(parts, ",")
}

// SaveNotificationPrefs saves my e-mail choice.
func (s *Store) SaveNotificationPrefs(ctx context.Context, p *opora.NotificationPrefs) error {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return opora.ErrForbidden
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := notificationPrefs(ctx, tx, a.UserID)
		if err != nil {
			return err
		}
		muted := joinKinds(p.Muted)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_prefs (user_id, email_mode, muted_kinds, updated_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET email_mode = excluded.email_mode,
			muted_kinds = excluded.muted_kinds, updated_at = excluded.updated_at`,
			a.UserID, string(p.EmailMode), muted, s.Now()); err != nil {
			return fmt.Errorf("store: notification prefs: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "email_mode", string(old.EmailMode), string(p.EmailMode))
		ch = opora.Diff(ch, "muted_kinds", joinKinds(old.Muted), muted)
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "notification_prefs",
			EntityID: a.UserID, Changes: ch})
	})
}

// notificationSettings reads an organisation's settings, the password as
// stored: sealed (openSecret opens it for the e-mail job); defaults
// without a row.
func notificationSettings(ctx context.Context, q queryer, orgID int64) (*opora.NotificationSettings, error) {
	n := &opora.NotificationSettings{OrganisationID: orgID, Port: 587, TLS: opora.SMTPStartTLS,
		KDNAfterDays: opora.DefaultKDNAfterDays}
	err := q.QueryRowContext(ctx, `SELECT email_enabled, smtp_host, smtp_port, smtp_tls, smtp_user, smtp_password, mail_from,
		kdn_after_days, version FROM notification_settings WHERE organisation_id = $1`, orgID).
		Scan(&n.EmailEnabled, &n.Host, &n.Port, &n.TLS, &n.User, &n.Password, &n.From, &n.KDNAfterDays, &n.Version)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("store: notification settings: %w", err)
	}
	n.HasPassword = n.Password != ""
	return n, nil
}

// NotificationSettings returns the acting administrator's organisation's
// settings, without the password. Needs admin.org.
func (s *Store) NotificationSettings(ctx context.Context) (*opora.NotificationSettings, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	n, err := notificationSettings(ctx, s.r, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	n.Password = ""
	return n, nil
}

// SaveNotificationSettings saves the organisation's settings; an empty
// password keeps the one stored. n.Version must match the stored one
// (0 before the first save). Needs admin.org.
func (s *Store) SaveNotificationSettings(ctx context.Context, n *opora.NotificationSettings) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	n.Normalize()
	if err := n.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := notificationSettings(ctx, tx, a.OrganisationID)
		if err != nil {
			return err
		}
		if n.Version != old.Version {
			return &opora.Error{Code: opora.ECONFLICT, Message: "notify.error.changed"}
		}
		// The password is kept sealed (secret.go); old.Password is the
		// stored, sealed value.
		password := old.Password
		if n.Password != "" {
			if password, err = s.sealSecret(n.Password); err != nil {
				return err
			}
		}
		if n.EmailEnabled && n.User != "" && password == "" {
			var v opora.Validation
			v.Add("smtp_password", "error.required")
			return v.Err()
		}
		now := s.Now()
		if old.Version == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO notification_settings (organisation_id, email_enabled, smtp_host, smtp_port,
				smtp_tls, smtp_user, smtp_password, mail_from, kdn_after_days, version, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)`, a.OrganisationID, n.EmailEnabled, n.Host, n.Port,
				n.TLS, n.User, password, n.From, n.KDNAfterDays, nullID(a.UserID), now)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE notification_settings SET email_enabled = $1, smtp_host = $2, smtp_port = $3,
				smtp_tls = $4, smtp_user = $5, smtp_password = $6, mail_from = $7, kdn_after_days = $8, version = version + 1,
				updated_by = $9, updated_at = $10 WHERE organisation_id = $11`, n.EmailEnabled, n.Host, n.Port, n.TLS, n.User,
				password, n.From, n.KDNAfterDays, nullID(a.UserID), now, a.OrganisationID)
		}
		if err != nil {
			return fmt.Errorf("store: notification settings: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "email_enabled", strconv.FormatBool(old.EmailEnabled), strconv.FormatBool(n.EmailEnabled))
		ch = opora.Diff(ch, "smtp_host", old.Host, n.Host)
		ch = opora.Diff(ch, "smtp_port", strconv.Itoa(old.Port), strconv.Itoa(n.Port))
		ch = opora.Diff(ch, "smtp_tls", old.TLS, n.TLS)
		ch = opora.Diff(ch, "smtp_user", old.User, n.User)
		ch = opora.Diff(ch, "mail_from", old.From, n.From)
		ch = opora.Diff(ch, "kdn_after_days", strconv.Itoa(old.KDNAfterDays), strconv.Itoa(n.KDNAfterDays))
		if password != old.Password {
			ch = append(ch, opora.Change{Field: "smtp_password", Sensitive: true})
		}
		n.Version, n.HasPassword, n.Password = old.Version+1, password != "", ""
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "notification_settings",
			EntityID: a.OrganisationID, Changes: ch})
	})
}
