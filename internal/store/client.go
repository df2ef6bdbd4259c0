package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// searchKey is the normalised name used by search; see search.go.
var searchKey = func(c *opora.Client) string { return NameKey(c.FullName()) }

// CreateClient saves a new client; the branch must be one of the
// organisation's, and the actor needs client.write (and, with branch scope,
// the branch must be theirs).
func (s *Store) CreateClient(ctx context.Context, c *opora.Client) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	now := s.Now()
	c.Normalize()
	if err := c.Validate(now); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.createClient(ctx, tx, a, c) })
}

// createClient saves a new client (normalised and validated) in the
// caller's transaction; CreateClient and CreateFamily use it.
func (s *Store) createClient(ctx context.Context, tx *sql.Tx, a *opora.Actor, c *opora.Client) error {
	now := s.Now()
	{
		if err := s.checkClientBranch(ctx, tx, a, c.BranchID); err != nil {
			return err
		}
		if c.ResponsibleID != 0 {
			if err := s.checkOrgUser(ctx, tx, a, c.ResponsibleID, "responsible_id"); err != nil {
				return err
			}
		}
		c.OrganisationID, c.CreatedBy, c.UpdatedBy, c.CreatedAt, c.UpdatedAt, c.Version = a.OrganisationID, a.UserID, a.UserID, now, now, 1
		id, err := insertID(ctx, tx, `INSERT INTO clients (organisation_id, branch_id, surname, first_name, patronymic,
			birth_date, birth_year, birth_precision, birth_place, gender, homeless_status, homeless_since,
			responsible_id, search_key, version, created_by, created_at, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $16, $15, $16)`,
			c.OrganisationID, c.BranchID, c.Surname, c.FirstName, c.Patronymic,
			c.BirthDate, nullInt(c.BirthYear), c.BirthPrecision, c.BirthPlace, c.Gender, c.HomelessStatus,
			c.HomelessSince, nullID(c.ResponsibleID), searchKey(c), nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create client: %w", err)
		}
		c.ID = id
		if err := addNameWords(ctx, tx, searchKey(c)); err != nil {
			return err
		}
		if err := s.homelessSinceToAnswer(ctx, tx, c); err != nil {
			return err
		}
		if err := s.countNewClient(ctx, tx, id); err != nil {
			return err
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "client", EntityID: id}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: id, Kind: opora.EventProfile, Entity: "client", EntityID: id,
			Summary: "created"})
	}
}

// checkClientBranch makes sure a client may be placed in the branch.
func (s *Store) checkClientBranch(ctx context.Context, q queryer, a *opora.Actor, branchID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM branches WHERE id = $1 AND organisation_id = $2 AND NOT archived`,
		branchID, a.OrganisationID).Scan(&n); err != nil {
		return fmt.Errorf("store: client branch: %w", err)
	}
	if n == 0 {
		var v opora.Validation
		v.Add("branch_id", "error.invalid_choice")
		return v.Err()
	}
	if scope, _ := a.ScopeOf(opora.PermClientWrite); scope == opora.ScopeBranch {
		for _, id := range a.BranchIDs {
			if id == branchID {
				return nil
			}
		}
		var v opora.Validation
		v.Add("branch_id", "error.not_your_branch")
		return v.Err()
	}
	return nil
}

// checkOrgUser makes sure a user id names an active user of the actor's organisation.
func (s *Store) checkOrgUser(ctx context.Context, q queryer, a *opora.Actor, userID int64, field string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1 AND organisation_id = $2 AND NOT disabled`,
		userID, a.OrganisationID).Scan(&n); err != nil {
		return fmt.Errorf("store: check user: %w", err)
	}
	if n == 0 {
		var v opora.Validation
		v.Add(field, "error.invalid_choice")
		return v.Err()
	}
	return nil
}

// Client returns a client the actor may read, including soft-deleted and
// merged-away ones (the caller shows those differently). It does not
// audit-log: the profile handler calls ViewClient.
func (s *Store) Client(ctx context.Context, id int64) (*opora.Client, error) {
	return s.client(ctx, s.r, opora.PermClientRead, id)
}

func (s *Store) client(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Client, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{id})
	if err != nil {
		return nil, err
	}
	// A read-only request's memo serves the panels after the first; writes
	// (q is a transaction) always read the row.
	var m *readMemo
	if q == queryer(s.r) {
		m = memoFrom(ctx)
	}
	var c *opora.Client
	if m != nil {
		c = m.client(id, p)
	}
	if c == nil {
		if m == nil {
			c, err = scanClient(q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1 AND `+cond, args...))
			if err != nil {
				return nil, notFound(err)
			}
		} else {
			dest, holdings := scanHoldings()
			c, err = scanClient(q.QueryRowContext(ctx, `SELECT `+clientColumns+holdingColumns+
				` FROM clients c WHERE c.id = $1 AND `+cond, args...), dest...)
			if err != nil {
				return nil, notFound(err)
			}
			m.keepClient(c, p)
			m.keepHoldings(c.ID, holdings())
		}
	}
	if c.Deleted() && !a.Can(opora.PermClientDelete) {
		return nil, opora.ErrNotFound
	}
	return c, nil
}

// ViewClient is Client plus the audit row every view of a profile needs.
// section says which part was viewed ("profile", "timeline", …).
func (s *Store) ViewClient(ctx context.Context, id int64, section string) (*opora.Client, error) {
	c, err := s.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: c.ID, Section: section}); err != nil {
		return nil, err
	}
	return c, nil
}

// ConflictError builds the message for a record changed by someone else
// since the user opened it: who, when, and which fields.
func conflictError(who string, at time.Time, fields []string) error {
	return &opora.Error{Code: opora.ECONFLICT, Message: "error.changed_by_other",
		Args: map[string]string{"User": who, "At": at.Format(time.RFC3339), "Fields": strings.Join(fields, ", ")}}
}

// UpdateClient saves the profile fields of c. c.Version must be the version
// the user started from; if someone saved in between, nothing is written
// and a conflict error names who changed what.
func (s *Store) UpdateClient(ctx context.Context, c *opora.Client) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	now := s.Now()
	c.Normalize()
	if err := c.Validate(now); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.recountClients(ctx, tx, []int64{c.ID}, func() error {
			old, err := s.client(ctx, tx, opora.PermClientWrite, c.ID)
			if err != nil {
				return err
			}
			if old.Deleted() || old.MergedInto != 0 {
				return opora.ErrNotFound
			}
			if old.Version != c.Version {
				return s.clientConflict(ctx, tx, old)
			}
			if c.BranchID != old.BranchID {
				if err := s.checkClientBranch(ctx, tx, a, c.BranchID); err != nil {
					return err
				}
			}
			if c.ResponsibleID != 0 && c.ResponsibleID != old.ResponsibleID {
				if err := s.checkOrgUser(ctx, tx, a, c.ResponsibleID, "responsible_id"); err != nil {
					return err
				}
			}
			changes := clientChanges(old, c)
			if len(changes) == 0 {
				return nil
			}
			res, err := tx.ExecContext(ctx, `UPDATE clients SET branch_id = $1, surname = $2, first_name = $3, patronymic = $4,
				birth_date = $5, birth_year = $6, birth_precision = $7, birth_place = $8, gender = $9, homeless_status = $10,
				homeless_since = $11, responsible_id = $12, search_key = $13, version = version + 1, updated_by = $14, updated_at = $15
				WHERE id = $16 AND version = $17`,
				c.BranchID, c.Surname, c.FirstName, c.Patronymic, c.BirthDate, nullInt(c.BirthYear), c.BirthPrecision,
				c.BirthPlace, c.Gender, c.HomelessStatus, c.HomelessSince, nullID(c.ResponsibleID), searchKey(c),
				nullID(a.UserID), now, c.ID, c.Version)
			if err != nil {
				return fmt.Errorf("store: update client: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return s.clientConflict(ctx, tx, old)
			}
			c.Version++
			if err := addNameWords(ctx, tx, searchKey(c)); err != nil {
				return err
			}
			if !c.HomelessSince.Equal(old.HomelessSince) {
				if err := s.homelessSinceToAnswer(ctx, tx, c); err != nil {
					return err
				}
			}
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "client", EntityID: c.ID,
				Changes: changes}); err != nil {
				return err
			}
			return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventProfile, Entity: "client",
				EntityID: c.ID, Changes: changes})
		})
	})
}

// clientConflict explains who last changed the profile.
func (s *Store) clientConflict(ctx context.Context, q queryer, cur *opora.Client) error {
	var who sql.NullString
	var changes string
	err := q.QueryRowContext(ctx, `SELECT u.full_name, e.changes FROM client_events e LEFT JOIN users u ON u.id = e.user_id
		WHERE e.client_id = $1 AND e.kind = $2 ORDER BY e.id DESC LIMIT 1`, cur.ID, opora.EventProfile).Scan(&who, &changes)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("store: client conflict: %w", err)
	}
	var cs []opora.Change
	_ = json.Unmarshal([]byte(changes), &cs)
	var fields []string
	for _, ch := range cs {
		fields = append(fields, ch.Field)
	}
	return conflictError(who.String, cur.UpdatedAt, fields)
}

func clientChanges(old, c *opora.Client) []opora.Change {
	var ch []opora.Change
	ch = opora.Diff(ch, "branch_id", fmt.Sprint(old.BranchID), fmt.Sprint(c.BranchID))
	ch = opora.Diff(ch, "surname", old.Surname, c.Surname)
	ch = opora.Diff(ch, "first_name", old.FirstName, c.FirstName)
	ch = opora.Diff(ch, "patronymic", old.Patronymic, c.Patronymic)
	ch = opora.Diff(ch, "birth_date", dateString(old.BirthDate), dateString(c.BirthDate))
	ch = opora.Diff(ch, "birth_year", intString(old.BirthYear), intString(c.BirthYear))
	ch = opora.Diff(ch, "birth_precision", string(old.BirthPrecision), string(c.BirthPrecision))
	ch = opora.Diff(ch, "birth_place", old.BirthPlace, c.BirthPlace)
	ch = opora.Diff(ch, "gender", string(old.Gender), string(c.Gender))
	ch = opora.Diff(ch, "homeless_status", string(old.HomelessStatus), string(c.HomelessStatus))
	ch = opora.Diff(ch, "homeless_since", dateString(old.HomelessSince), dateString(c.HomelessSince))
	ch = opora.Diff(ch, "responsible_id", intString(int(old.ResponsibleID)), intString(int(c.ResponsibleID)))
	return ch
}

// dateString is a day (an opora.Date or a time.Time at midnight UTC) in ISO form, "" for none.
func dateString(t interface {
	IsZero() bool
	Format(string) string
}) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func intString(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// addEvent appends a line to a client's timeline in the caller's transaction.
func (s *Store) addEvent(ctx context.Context, q queryer, e *opora.ClientEvent) error {
	a := opora.ActorFrom(ctx)
	if e.At.IsZero() {
		e.At = s.Now()
	}
	if e.OrganisationID == 0 && a != nil {
		e.OrganisationID = a.OrganisationID
	}
	if e.UserID == 0 && a != nil {
		e.UserID = a.UserID
	}
	changes := ""
	if len(e.Changes) > 0 {
		for i := range e.Changes {
			if e.Changes[i].Sensitive {
				e.Changes[i].Old, e.Changes[i].New = "", ""
			}
		}
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return fmt.Errorf("store: event: %w", err)
		}
		changes = string(b)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO client_events (organisation_id, client_id, at, user_id, kind, entity, entity_id,
		sensitivity, summary, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.OrganisationID, e.ClientID, e.At, nullID(e.UserID), e.Kind, e.Entity, nullID(e.EntityID), string(e.Sensitivity),
		e.Summary, changes)
	if err != nil {
		return fmt.Errorf("store: event: %w", err)
	}
	return nil
}

// ClientFilter selects clients for lists.
type ClientFilter struct {
	ResponsibleID int64 // "my clients"
	BranchID      int64
	Deleted       bool // only soft-deleted ones (needs client.delete)
	Offset, Limit int
}

// Clients lists clients within the actor's scope, newest first.
func (s *Store) Clients(ctx context.Context, f ClientFilter) ([]*opora.Client, int, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, opora.PermClientRead, nil)
	if err != nil {
		return nil, 0, err
	}
	where := cond + " AND c.merged_into IS NULL"
	if f.Deleted {
		if err := a.Require(opora.PermClientDelete); err != nil {
			return nil, 0, err
		}
		where += " AND c.deleted_at IS NOT NULL"
	} else {
		where += " AND c.deleted_at IS NULL"
	}
	if f.ResponsibleID != 0 {
		args = append(args, f.ResponsibleID)
		where += fmt.Sprintf(" AND c.responsible_id = $%d", len(args))
	}
	if f.BranchID != 0 {
		args = append(args, f.BranchID)
		where += fmt.Sprintf(" AND c.branch_id = $%d", len(args))
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients c WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: clients: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT `+clientColumns+` FROM clients c WHERE `+where+
		` ORDER BY c.updated_at DESC, c.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: clients: %w", err)
	}
	defer rows.Close()
	var out []*opora.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: clients: %w", err)
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// RecentlyViewed returns the clients the actor opened most recently, from
// the audit log, within their current scope.
func (s *Store) RecentlyViewed(ctx context.Context, limit int) ([]*opora.Client, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, opora.PermClientRead, nil)
	if err != nil {
		return nil, err
	}
	args = append(args, a.UserID, limit)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT `+clientColumns+` FROM clients c
		JOIN (SELECT entity_id, MAX(at) AS seen FROM audit_log WHERE user_id = $%d AND entity = 'client' AND action = 'view'
		      GROUP BY entity_id) v ON v.entity_id = c.id
		WHERE `+cond+` AND c.deleted_at IS NULL AND c.merged_into IS NULL ORDER BY v.seen DESC LIMIT $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: recently viewed: %w", err)
	}
	defer rows.Close()
	var out []*opora.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("store: recently viewed: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteClient soft-deletes a client with a reason. Needs client.delete.
func (s *Store) DeleteClient(ctx context.Context, id int64, reason string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientDelete); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		var v opora.Validation
		v.Add("reason", "error.required")
		return v.Err()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.recountClients(ctx, tx, []int64{id}, func() error {
			c, err := s.client(ctx, tx, opora.PermClientDelete, id)
			if err != nil {
				return err
			}
			if c.Deleted() {
				return nil
			}
			now := s.Now()
			if _, err := tx.ExecContext(ctx, `UPDATE clients SET deleted_at = $1, deleted_by = $2, delete_reason = $3,
				version = version + 1 WHERE id = $4`, now, nullID(a.UserID), reason, id); err != nil {
				return fmt.Errorf("store: delete client: %w", err)
			}
			// The reports count no service of a deleted client.
			if err := countClientDerived(ctx, tx, s.dialect, id, -1); err != nil {
				return err
			}
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "client", EntityID: id,
				Changes: []opora.Change{{Field: "delete_reason", New: reason}}}); err != nil {
				return err
			}
			return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: id, Kind: opora.EventDelete, Entity: "client", EntityID: id, Summary: reason})
		})
	})
}

// RestoreClient undoes a soft delete. Needs client.delete.
func (s *Store) RestoreClient(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientDelete); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.recountClients(ctx, tx, []int64{id}, func() error {
			c, err := s.client(ctx, tx, opora.PermClientDelete, id)
			if err != nil {
				return err
			}
			if !c.Deleted() {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE clients SET deleted_at = NULL, deleted_by = NULL, delete_reason = '',
				version = version + 1 WHERE id = $1`, id); err != nil {
				return fmt.Errorf("store: restore client: %w", err)
			}
			if err := countClientDerived(ctx, tx, s.dialect, id, 1); err != nil {
				return err
			}
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionRestore, Entity: "client", EntityID: id}); err != nil {
				return err
			}
			return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: id, Kind: opora.EventRestore, Entity: "client", EntityID: id})
		})
	})
}

// Timeline returns one page of a client's history, newest first, leaving out
// rows of sensitivity categories the actor may not see. kinds filters by kind.
func (s *Store) Timeline(ctx context.Context, clientID int64, kinds []string, offset, limit int) ([]*opora.ClientEvent, error) {
	a := opora.ActorFrom(ctx)
	if _, err := s.Client(ctx, clientID); err != nil {
		return nil, err
	}
	args := []any{clientID}
	var vis []string
	for _, v := range a.VisibleSensitivities() {
		vis = append(vis, string(v))
	}
	in, args := inList(args, vis)
	where := `e.client_id = $1 AND e.sensitivity IN (` + in + `)`
	if len(kinds) > 0 {
		var kin string
		kin, args = inList(args, kinds)
		where += ` AND e.kind IN (` + kin + `)`
	}
	if limit <= 0 {
		limit = 50
	}
	// The page size is written into the query (an int, never the
	// user's text): with it as a parameter PostgreSQL planned the query
	// afresh on every page (0.19 ms), with it written in the prepared plan
	// is reused. The users' names come from the organisation's names in
	// memory (versions.go), not from a join.
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT e.id, e.organisation_id, e.client_id, e.at, e.user_id,
		e.kind, e.entity, e.entity_id, e.sensitivity, e.summary, e.changes
		FROM client_events e
		WHERE `+where+` ORDER BY e.at DESC, e.id DESC LIMIT %d OFFSET %d`, limit, offset), args...)
	if err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	defer rows.Close()
	var out []*opora.ClientEvent
	for rows.Next() {
		e := &opora.ClientEvent{}
		var user, entityID sql.NullInt64
		var changes string
		if err := rows.Scan(&e.ID, &e.OrganisationID, &e.ClientID, &e.At, &user, &e.Kind, &e.Entity, &entityID,
			&e.Sensitivity, &e.Summary, &changes); err != nil {
			return nil, fmt.Errorf("store: timeline: %w", err)
		}
		e.UserID, e.EntityID, e.At = user.Int64, entityID.Int64, e.At.UTC()
		if changes != "" {
			if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
				return nil, fmt.Errorf("store: timeline changes: %w", err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: timeline: %w", err)
	}
	rows.Close()
	ids := make([]int64, 0, len(out))
	for _, e := range out {
		ids = append(ids, e.UserID)
	}
	names, err := s.anyUserNames(ctx, dedupe(ids))
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		e.UserName = names[e.UserID]
	}
	return out, nil
}

// anyUserNames is UserNames, then the names of users of other
// organisations among ids (a partner agency's worker on a shared case),
// which a history shows as a join with users did.
func (s *Store) anyUserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	names, err := s.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	var other []int64
	for _, id := range ids {
		if _, ok := names[id]; !ok && id > 0 {
			other = append(other, id)
		}
	}
	if len(other) == 0 {
		return names, nil
	}
	in, args := inList(nil, other)
	if err := s.readUserNames(ctx, `id IN (`+in+`)`, args, names); err != nil {
		return nil, err
	}
	return names, nil
}

// Colleague is a worker of the actor's organisation, for pickers.
type Colleague struct {
	ID       int64
	FullName string
	Position string
}

// Colleagues lists the active users of the actor's organisation, for
// choosing a responsible worker or reminder recipients, or a worker filter
// in reports. Needs client.read or report.run.
func (s *Store) Colleagues(ctx context.Context) ([]Colleague, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermReportRun) {
		if err := a.Require(opora.PermClientRead); err != nil {
			return nil, err
		}
	}
	m := memoFrom(ctx)
	if m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.hasColl {
			return m.colleagues, nil
		}
	}
	v, cached := requestVersions(ctx)
	if cached {
		if cs, ok := s.dict.colleagues.get(a.OrganisationID, v.Auth); ok {
			cs = slices.Clone(cs)
			if m != nil {
				m.colleagues, m.hasColl = cs, true
			}
			return cs, nil
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, full_name, position FROM users
		WHERE organisation_id = $1 AND NOT disabled ORDER BY full_name, id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: colleagues: %w", err)
	}
	defer rows.Close()
	var out []Colleague
	for rows.Next() {
		var c Colleague
		if err := rows.Scan(&c.ID, &c.FullName, &c.Position); err != nil {
			return nil, fmt.Errorf("store: colleagues: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: colleagues: %w", err)
	}
	if m != nil {
		m.colleagues, m.hasColl = out, true
	}
	if cached {
		s.dict.colleagues.put(a.OrganisationID, v.Auth, slices.Clone(out))
	}
	return out, nil
}
