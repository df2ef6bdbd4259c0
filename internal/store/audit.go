package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// insertAudit appends one audit row in the caller's transaction, chained
// onto the log's hash chain (audit_chain.go). Who, when, the organisation
// and the client address come from ctx unless e sets them. Given the
// writer instead of a transaction, it opens a short one.
func (s *Store) insertAudit(ctx context.Context, q queryer, e *opora.AuditEntry) error {
	if a := opora.ActorFrom(ctx); a != nil {
		if e.UserID == 0 {
			e.UserID = a.UserID
		}
		if e.OrganisationID == 0 {
			e.OrganisationID = a.OrganisationID
		}
	}
	if e.Action == opora.ActionCreate && opora.ImportFrom(ctx) != "" {
		e.Action = opora.ActionImport
		e.Changes = append(e.Changes, opora.Change{Field: "source", New: opora.ImportFrom(ctx)})
	}
	if e.IP == "" {
		e.IP = opora.ClientIPFrom(ctx)
	}
	if e.At.IsZero() {
		e.At = s.Now()
	}
	changes := ""
	if len(e.Changes) > 0 {
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return fmt.Errorf("store: audit changes: %w", err)
		}
		changes = string(b)
	}
	// The time as both databases keep it and give it back, and as it is hashed.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if w, ok := q.(writer); ok {
		// Not in a transaction: the append needs one of its own, short,
		// for the chain's head lock.
		return sqldb.RunTx(ctx, w.DB, func(tx *sql.Tx) error {
			return s.appendAudit(ctx, traced(ctx, tx), e, changes)
		})
	}
	if db, ok := q.(*sql.DB); ok {
		return sqldb.RunTx(ctx, db, func(tx *sql.Tx) error {
			return s.appendAudit(ctx, traced(ctx, tx), e, changes)
		})
	}
	return s.appendAudit(ctx, q, e, changes)
}

// LogAudit appends an audit row on its own. Features call it for every view,
// print, export and download of a client's data, and the web layer for denials.
func (s *Store) LogAudit(ctx context.Context, e *opora.AuditEntry) error {
	return s.insertAudit(ctx, s.w, e)
}

// logView writes the audit row of a read of a person's data: which record
// and which section, never the values. The store's read methods call it
// themselves, so no page that shows the data can forget it.
func (s *Store) logView(ctx context.Context, entity string, id int64, section string) error {
	return s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: entity, EntityID: id, Section: section})
}

// AuditEntries returns one page of the actor's organisation's audit log,
// newest first, and the total matching the filter. Needs audit.read.
func (s *Store) AuditEntries(ctx context.Context, f opora.AuditFilter) ([]*opora.AuditEntry, int, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAuditRead); err != nil {
		return nil, 0, err
	}
	where := "a.organisation_id = $1"
	args := []any{a.OrganisationID}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.UserID != 0 {
		add("a.user_id = $%d", f.UserID)
	}
	if f.Action != "" {
		add("a.action = $%d", f.Action)
	}
	if f.Entity != "" {
		add("a.entity = $%d", f.Entity)
	}
	if f.EntityID != 0 {
		add("a.entity_id = $%d", f.EntityID)
	}
	if !f.From.IsZero() {
		add("a.at >= $%d", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("a.at < $%d", f.To.UTC())
	}
	var total int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log a WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count audit: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT a.id, a.at, COALESCE(a.organisation_id, 0),
		COALESCE(a.user_id, 0), COALESCE(u.full_name, ''), a.action, a.entity, COALESCE(a.entity_id, 0),
		a.section, a.changes, a.ip
		FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		WHERE %s ORDER BY a.at DESC, a.id DESC LIMIT $%d OFFSET $%d`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var out []*opora.AuditEntry
	for rows.Next() {
		e := &opora.AuditEntry{}
		var changes string
		var at sql.NullTime
		if err := rows.Scan(&e.ID, &at, &e.OrganisationID, &e.UserID, &e.UserName, &e.Action,
			&e.Entity, &e.EntityID, &e.Section, &changes, &e.IP); err != nil {
			return nil, 0, fmt.Errorf("store: scan audit: %w", err)
		}
		e.At = timeOf(at)
		if changes != "" {
			if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
				return nil, 0, fmt.Errorf("store: audit changes: %w", err)
			}
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// AuditUsers lists every user of the actor's organisation, disabled ones
// included, by name: the choices of the audit screen's user filter. Only
// id, login, full name and the disabled flag are filled. Needs audit.read.
func (s *Store) AuditUsers(ctx context.Context) ([]*opora.User, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAuditRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, organisation_id, login, full_name, disabled FROM users
		WHERE organisation_id = $1 ORDER BY full_name, id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: audit users: %w", err)
	}
	defer rows.Close()
	var out []*opora.User
	for rows.Next() {
		u := &opora.User{}
		if err := rows.Scan(&u.ID, &u.OrganisationID, &u.Login, &u.FullName, &u.Disabled); err != nil {
			return nil, fmt.Errorf("store: audit users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
