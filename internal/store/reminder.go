package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

const reminderColumns = `m.id, m.organisation_id, m.client_id, m.due_on, m.body, m.for_all,
	m.created_by, COALESCE(cu.full_name, ''), m.created_at`

func scanReminder(row interface{ Scan(...any) error }, extra ...any) (*opora.Reminder, error) {
	m := &opora.Reminder{}
	var due sql.NullTime
	var createdBy sql.NullInt64
	dest := append([]any{&m.ID, &m.OrganisationID, &m.ClientID, &due, &m.Body, &m.ForAll,
		&createdBy, &m.CreatedByName, &m.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	m.DueOn, m.CreatedBy, m.CreatedAt = opora.DateOf(dateOf(due)), createdBy.Int64, m.CreatedAt.UTC()
	return m, nil
}

// forMe is the SQL condition (on alias m) for a reminder addressed to the
// user in parameter $n: for everyone, or naming them. The client scope
// condition limits "everyone" to those who may see the client.
func forMe(n int) string {
	return fmt.Sprintf(`(m.for_all OR EXISTS (SELECT 1 FROM reminder_recipients rr WHERE rr.reminder_id = m.id AND rr.user_id = $%d))`, n)
}

func readByMe(n int) string {
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM reminder_reads rd WHERE rd.reminder_id = m.id AND rd.user_id = $%d)`, n)
}

// myReminders is the shared part of CountDueReminders and MyReminders: the
// acting user's unread reminders of live clients within their scope.
func myReminders(a *opora.Actor) (string, []any, error) {
	cond, args, err := clientScope(a, opora.PermClientRead, []any{a.UserID})
	if err != nil {
		return "", nil, err
	}
	return ` FROM reminders m JOIN clients c ON c.id = m.client_id LEFT JOIN users cu ON cu.id = m.created_by
		WHERE ` + cond + ` AND m.organisation_id = c.organisation_id AND m.deleted_at IS NULL
		AND c.deleted_at IS NULL AND c.merged_into IS NULL AND ` + forMe(1) + ` AND NOT ` + readByMe(1), args, nil
}

// CountDueReminders counts the acting user's unread reminders due today or
// earlier, for the header. Needs client.read.
func (s *Store) CountDueReminders(ctx context.Context) (int, error) {
	from, args, err := myReminders(opora.ActorFrom(ctx))
	if err != nil {
		return 0, err
	}
	args = append(args, s.Today())
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*)`+from+` AND m.due_on <= $`+strconv.Itoa(len(args)), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count reminders: %w", err)
	}
	return n, nil
}

// MyReminders lists the acting user's unread reminders, due and upcoming,
// soonest first, with the client's name. Needs client.read.
func (s *Store) MyReminders(ctx context.Context, limit int) ([]*opora.Reminder, error) {
	from, args, err := myReminders(opora.ActorFrom(ctx))
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 200
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+reminderColumns+`, c.surname, c.first_name, c.patronymic`+from+`
		ORDER BY m.due_on, m.id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: my reminders: %w", err)
	}
	defer rows.Close()
	var out []*opora.Reminder
	for rows.Next() {
		var c opora.Client
		m, err := scanReminder(rows, &c.Surname, &c.FirstName, &c.Patronymic)
		if err != nil {
			return nil, fmt.Errorf("store: my reminders: %w", err)
		}
		m.ClientName, m.ForMe = c.FullName(), true
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: my reminders: %w", err)
	}
	rows.Close()
	return out, s.reminderRecipients(ctx, out)
}

// ClientReminders lists a client's reminders that are still open for the
// acting user: all not deleted, except those addressed to them that they
// have marked read. Soonest first. Needs client.read on the client.
func (s *Store) ClientReminders(ctx context.Context, clientID int64) ([]*opora.Reminder, error) {
	a := opora.ActorFrom(ctx)
	if _, err := s.client(ctx, s.r, opora.PermClientRead, clientID); err != nil || lacks(ctx, clientID, holdsReminders) {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+reminderColumns+`, `+forMe(3)+`, `+readByMe(3)+`
		FROM reminders m LEFT JOIN users cu ON cu.id = m.created_by
		WHERE m.client_id = $1 AND m.organisation_id = $2 AND m.deleted_at IS NULL
		ORDER BY m.due_on, m.id`, clientID, a.OrganisationID, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("store: reminders: %w", err)
	}
	defer rows.Close()
	var out []*opora.Reminder
	for rows.Next() {
		var mine, read bool
		m, err := scanReminder(rows, &mine, &read)
		if err != nil {
			return nil, fmt.Errorf("store: reminders: %w", err)
		}
		m.ForMe, m.Read = mine, read
		if !(mine && read) {
			out = append(out, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reminders: %w", err)
	}
	rows.Close()
	return out, s.reminderRecipients(ctx, out)
}

// reminderRecipients fills the named recipients of reminders.
func (s *Store) reminderRecipients(ctx context.Context, ms []*opora.Reminder) error {
	byID := map[int64]*opora.Reminder{}
	var ids []int64
	for _, m := range ms {
		if !m.ForAll {
			byID[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(nil, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT rr.reminder_id, u.id, u.full_name FROM reminder_recipients rr
		JOIN users u ON u.id = rr.user_id WHERE rr.reminder_id IN (`+in+`) ORDER BY u.full_name, u.id`, args...)
	if err != nil {
		return fmt.Errorf("store: reminder recipients: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid, uid int64
		var name string
		if err := rows.Scan(&rid, &uid, &name); err != nil {
			return fmt.Errorf("store: reminder recipients: %w", err)
		}
		if m := byID[rid]; m != nil {
			m.RecipientIDs, m.Recipients = append(m.RecipientIDs, uid), append(m.Recipients, name)
		}
	}
	return rows.Err()
}

// CreateReminder adds a reminder about m.ClientID for the named recipients or
// for everyone who may see the client; with neither, for its author. Each
// named recipient must be an active worker of the organisation who may see
// the client. Needs client.write.
func (s *Store) CreateReminder(ctx context.Context, m *opora.Reminder) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	m.Normalize()
	if !m.ForAll && len(m.RecipientIDs) == 0 {
		// Nobody chosen: a note to self.
		m.RecipientIDs = []int64{a.UserID}
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, m.ClientID)
		if err != nil {
			return err
		}
		for _, uid := range m.RecipientIDs {
			if err := s.checkOrgUser(ctx, tx, a, uid, "recipients"); err != nil {
				return err
			}
			if ok, err := s.userSeesClient(ctx, tx, uid, c.ID); err != nil {
				return err
			} else if !ok {
				var v opora.Validation
				v.Add("recipients", "reminders.error.recipient_cannot_see")
				return v.Err()
			}
		}
		now := s.Now()
		m.OrganisationID, m.CreatedBy, m.CreatedByName, m.CreatedAt = c.OrganisationID, a.UserID, a.FullName, now
		id, err := insertID(ctx, tx, `INSERT INTO reminders (organisation_id, client_id, due_on, body, for_all, created_by,
			created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			m.OrganisationID, m.ClientID, m.DueOn, m.Body, m.ForAll, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create reminder: %w", err)
		}
		m.ID = id
		for _, uid := range m.RecipientIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_recipients (reminder_id, user_id) VALUES ($1, $2)`,
				id, uid); err != nil {
				return fmt.Errorf("store: reminder recipient: %w", err)
			}
		}
		var who string
		if m.ForAll {
			who = "all"
		} else {
			for i, uid := range m.RecipientIDs {
				if i > 0 {
					who += ","
				}
				who += strconv.FormatInt(uid, 10)
			}
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "reminder", EntityID: id,
			Section: "client " + strconv.FormatInt(m.ClientID, 10),
			Changes: []opora.Change{{Field: "due_on", New: dateString(m.DueOn)}, {Field: "body", Sensitive: true},
				{Field: "recipients", New: who}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID,
			Kind: opora.EventReminder, Entity: "reminder", EntityID: id, Summary: m.Summary()})
	})
}

// userSeesClient reports whether a worker of the actor's organisation may
// read the client under their own roles and scope.
func (s *Store) userSeesClient(ctx context.Context, q queryer, userID, clientID int64) (bool, error) {
	u, err := s.Actor(ctx, userID)
	if err != nil {
		if opora.ErrorCode(err) == opora.ENOTFOUND {
			return false, nil
		}
		return false, err
	}
	if u.OrganisationID != opora.ActorFrom(ctx).OrganisationID || !u.Can(opora.PermClientRead) {
		return false, nil
	}
	cond, args, err := clientScope(u, opora.PermClientRead, []any{clientID})
	if err != nil {
		return false, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients c WHERE c.id = $1 AND `+cond, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("store: recipient scope: %w", err)
	}
	return n > 0, nil
}

// reminder loads a reminder whose client the actor reaches with p.
func (s *Store) reminder(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Reminder, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{id, a.UserID})
	if err != nil {
		return nil, err
	}
	var mine bool
	m, err := scanReminder(q.QueryRowContext(ctx, `SELECT `+reminderColumns+`, `+forMe(2)+`
		FROM reminders m JOIN clients c ON c.id = m.client_id LEFT JOIN users cu ON cu.id = m.created_by
		WHERE m.id = $1 AND m.deleted_at IS NULL AND c.deleted_at IS NULL AND m.organisation_id = c.organisation_id AND `+cond,
		args...), &mine)
	if err != nil {
		return nil, notFound(err)
	}
	m.ForMe = mine
	return m, nil
}

// MarkReminderRead marks a reminder addressed to the acting user as read for
// them only. Marking twice changes nothing. Needs client.read on the client.
func (s *Store) MarkReminderRead(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientRead); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		m, err := s.reminder(ctx, tx, opora.PermClientRead, id)
		if err != nil {
			return err
		}
		if !m.ForMe {
			return opora.ErrNotFound
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO reminder_reads (reminder_id, user_id, read_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, id, a.UserID, s.Now())
		if err != nil {
			return fmt.Errorf("store: reminder read: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "reminder", EntityID: id,
			Section: "client " + strconv.FormatInt(m.ClientID, 10), Changes: []opora.Change{{Field: "read", New: "true"}}})
	})
}

// DeleteReminder removes a reminder for everyone (soft delete). Needs
// client.write on the client.
func (s *Store) DeleteReminder(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		m, err := s.reminder(ctx, tx, opora.PermClientWrite, id)
		if err != nil {
			return err
		}
		if _, err := s.writableClient(ctx, tx, m.ClientID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reminders SET deleted_at = $1 WHERE id = $2`, s.Now(), id); err != nil {
			return fmt.Errorf("store: delete reminder: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "reminder", EntityID: id,
			Section: "client " + strconv.FormatInt(m.ClientID, 10)}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: m.OrganisationID, ClientID: m.ClientID,
			Kind: opora.EventReminder, Entity: "reminder", EntityID: id, Summary: "✕ " + m.Summary()})
	})
}
