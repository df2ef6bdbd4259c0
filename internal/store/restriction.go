package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Today is the current date in the server's zone by the store's clock.
func (s *Store) Today() opora.Date { return opora.Today(s.Now(), time.Local) }

const restrictionColumns = `r.id, r.organisation_id, r.client_id, r.kind, r.description, r.starts_on, r.ends_on,
	r.created_by, COALESCE(cu.full_name, ''), r.created_at, r.lifted_at, r.lifted_by, COALESCE(lu.full_name, '')`

const restrictionFrom = ` FROM restrictions r JOIN clients c ON c.id = r.client_id
	LEFT JOIN users cu ON cu.id = r.created_by LEFT JOIN users lu ON lu.id = r.lifted_by`

// activeRestriction is the SQL condition (on alias r) for a restriction in
// force on the day in parameter $n.
func activeRestriction(n int) string {
	return fmt.Sprintf("r.lifted_at IS NULL AND r.starts_on <= $%d AND (r.ends_on IS NULL OR r.ends_on >= $%d)", n, n)
}

func scanRestriction(row interface{ Scan(...any) error }) (*opora.Restriction, error) {
	r := &opora.Restriction{}
	var starts, ends, lifted sql.NullTime
	var createdBy, liftedBy sql.NullInt64
	if err := row.Scan(&r.ID, &r.OrganisationID, &r.ClientID, &r.Kind, &r.Description, &starts, &ends,
		&createdBy, &r.CreatedByName, &r.CreatedAt, &lifted, &liftedBy, &r.LiftedByName); err != nil {
		return nil, err
	}
	r.StartsOn, r.EndsOn, r.LiftedAt = opora.DateOf(dateOf(starts)), opora.DateOf(dateOf(ends)), timeOf(lifted)
	r.CreatedBy, r.LiftedBy, r.CreatedAt = createdBy.Int64, liftedBy.Int64, r.CreatedAt.UTC()
	return r, nil
}

// ClientRestrictions lists all of a client's violations and restrictions,
// past and present, newest first. Needs client.read on the client.
func (s *Store) ClientRestrictions(ctx context.Context, clientID int64) ([]*opora.Restriction, error) {
	if _, err := s.client(ctx, s.r, opora.PermClientRead, clientID); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+restrictionColumns+restrictionFrom+`
		WHERE r.client_id = $1 AND r.organisation_id = $2 ORDER BY r.starts_on DESC, r.id DESC`,
		clientID, opora.ActorFrom(ctx).OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: restrictions: %w", err)
	}
	defer rows.Close()
	var out []*opora.Restriction
	for rows.Next() {
		r, err := scanRestriction(rows)
		if err != nil {
			return nil, fmt.Errorf("store: restrictions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ActiveRestrictions returns the restrictions and violations in force today
// for each of the given clients, in one query, for banners and search
// results. Clients the actor may not see are left out. With client.read the
// actor's client scope applies; an actor with only checkin.use (the duty
// role at the door) sees them across their organisation.
func (s *Store) ActiveRestrictions(ctx context.Context, clientIDs []int64) (map[int64][]*opora.Restriction, error) {
	a := opora.ActorFrom(ctx)
	out := map[int64][]*opora.Restriction{}
	var cond string
	var args []any
	switch {
	case a.Can(opora.PermClientRead):
		var err error
		if cond, args, err = clientScope(a, opora.PermClientRead, nil); err != nil {
			return nil, err
		}
	case a.Can(opora.PermCheckin):
		args = []any{a.OrganisationID}
		cond = "c.organisation_id = $1"
	default:
		return nil, opora.ErrForbidden
	}
	var ids []int64
	for _, id := range clientIDs {
		if !lacks(ctx, id, holdsRestrictions) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	args = append(args, s.Today())
	day := len(args)
	var in string
	in, args = inList(args, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT `+restrictionColumns+restrictionFrom+`
		WHERE `+cond+` AND r.organisation_id = c.organisation_id AND `+activeRestriction(day)+`
		AND r.client_id IN (`+in+`) ORDER BY r.client_id, r.kind DESC, r.starts_on DESC, r.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: active restrictions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRestriction(rows)
		if err != nil {
			return nil, fmt.Errorf("store: active restrictions: %w", err)
		}
		out[r.ClientID] = append(out[r.ClientID], r)
	}
	return out, rows.Err()
}

// CreateRestriction records a violation or restriction of r.ClientID. Needs
// client.write on the client.
func (s *Store) CreateRestriction(ctx context.Context, r *opora.Restriction) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, r.ClientID)
		if err != nil {
			return err
		}
		now := s.Now()
		r.OrganisationID, r.CreatedBy, r.CreatedByName, r.CreatedAt = c.OrganisationID, a.UserID, a.FullName, now
		id, err := insertID(ctx, tx, `INSERT INTO restrictions (organisation_id, client_id, kind, description, starts_on,
			ends_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.OrganisationID, r.ClientID, string(r.Kind), r.Description, r.StartsOn, r.EndsOn,
			nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create restriction: %w", err)
		}
		r.ID = id
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "restriction", EntityID: id,
			Section: "client " + strconv.FormatInt(r.ClientID, 10),
			Changes: []opora.Change{{Field: "kind", New: string(r.Kind)}, {Field: "description", Sensitive: true},
				{Field: "starts_on", New: dateString(r.StartsOn)}, {Field: "ends_on", New: dateString(r.EndsOn)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID,
			Kind: opora.EventRestriction, Entity: "restriction", EntityID: id, Summary: r.Summary()})
	})
}

// LiftRestriction ends a restriction early, from now on. Lifting one that is
// already lifted changes nothing. Needs client.write on the client.
func (s *Store) LiftRestriction(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		cond, args, err := clientScope(a, opora.PermClientWrite, []any{id})
		if err != nil {
			return err
		}
		r, err := scanRestriction(tx.QueryRowContext(ctx, `SELECT `+restrictionColumns+restrictionFrom+`
			WHERE r.id = $1 AND `+cond, args...))
		if err != nil {
			return notFound(err)
		}
		if _, err := s.writableClient(ctx, tx, r.ClientID); err != nil {
			return err
		}
		if r.Lifted() {
			return nil
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE restrictions SET lifted_at = $1, lifted_by = $2 WHERE id = $3`,
			now, nullID(a.UserID), id); err != nil {
			return fmt.Errorf("store: lift restriction: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "restriction", EntityID: id,
			Section: "client " + strconv.FormatInt(r.ClientID, 10),
			Changes: []opora.Change{{Field: "lifted_at", New: now.Format(time.RFC3339)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: r.OrganisationID, ClientID: r.ClientID,
			Kind: opora.EventRestriction, Entity: "restriction", EntityID: id, Summary: "✕ " + r.Summary()})
	})
}
