package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Life events (issue 23): what happened to a person that may lead to a
// crisis. Recorded on the client's record or next to a member on the
// family card; both need client.write on the person (as notes and
// restrictions do) and write a line on the client's timeline and, for a
// member of a family card, on the family's. A mistaken event is deleted
// for real (the table has no soft delete): the audit row and a timeline
// line keep its kind and date, never its note.

const lifeEventColumns = `le.id, le.organisation_id, le.client_id, TRIM(c.surname || ' ' || c.first_name || ' ' || c.patronymic),
	COALESCE(le.family_id, 0), le.kind, le.occurred_on, le.note, COALESCE(le.created_by, 0), COALESCE(u.full_name, ''), le.created_at`

const lifeEventFrom = ` FROM life_events le JOIN clients c ON c.id = le.client_id LEFT JOIN users u ON u.id = le.created_by`

func scanLifeEvent(row interface{ Scan(...any) error }) (*opora.LifeEvent, error) {
	e := &opora.LifeEvent{}
	var on sql.NullTime
	if err := row.Scan(&e.ID, &e.OrganisationID, &e.ClientID, &e.ClientName, &e.FamilyID, &e.Kind, &on, &e.Note,
		&e.CreatedBy, &e.CreatedByName, &e.CreatedAt); err != nil {
		return nil, err
	}
	e.OccurredOn, e.CreatedAt = opora.DateOf(dateOf(on)), e.CreatedAt.UTC()
	return e, nil
}

func scanLifeEvents(rows *sql.Rows, err error) ([]*opora.LifeEvent, error) {
	if err != nil {
		return nil, fmt.Errorf("store: life events: %w", err)
	}
	defer rows.Close()
	var out []*opora.LifeEvent
	for rows.Next() {
		e, err := scanLifeEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: life events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// currentFamily is the live family card the client is a member of now
// (not left, the card not joined into another): the latest joined; 0 for
// none.
func currentFamily(ctx context.Context, q queryer, clientID int64) (*opora.Family, error) {
	f := &opora.Family{}
	err := q.QueryRowContext(ctx, `SELECT f.id, f.organisation_id FROM family_members m JOIN families f ON f.id = m.family_id
		WHERE m.client_id = $1 AND m.left_on IS NULL AND f.merged_into IS NULL
		ORDER BY m.joined_on DESC, m.id DESC LIMIT 1`, clientID).Scan(&f.ID, &f.OrganisationID)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: life event family: %w", err)
	}
	return f, nil
}

// memberFamily is the family card familyID, in the actor's reach with its
// members section, of which the client is a present member.
func (s *Store) memberFamily(ctx context.Context, q queryer, familyID, clientID int64) (*opora.Family, error) {
	f, _, err := s.loadFamilySection(ctx, q, familyID, opora.SectionMembers)
	if err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM family_members WHERE family_id = $1 AND client_id = $2
		AND left_on IS NULL`, familyID, clientID).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: life event family: %w", err)
	}
	if n == 0 || f.MergedInto != 0 {
		return nil, opora.ErrNotFound
	}
	return f, nil
}

// CreateLifeEvent records a life event of e.ClientID, on the family card
// the person belongs to now, if any. Recorded from a family card
// (e.FamilyID set), the person must be a present member of that card and
// the card in reach (family.read, the members section), else not found.
// Needs client.write on the client.
func (s *Store) CreateLifeEvent(ctx context.Context, e *opora.LifeEvent) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	e.Normalize()
	if err := e.Validate(s.Today()); err != nil {
		return err
	}
	var onCard *opora.Family
	if e.FamilyID != 0 {
		// Read before the transaction: a refusal is audit-logged on its own.
		var err error
		if onCard, err = s.memberFamily(ctx, s.r, e.FamilyID, e.ClientID); err != nil {
			return err
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, e.ClientID)
		if err != nil {
			return err
		}
		f := onCard
		if f == nil {
			if f, err = currentFamily(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		e.FamilyID = 0
		if f != nil {
			e.FamilyID = f.ID
		}
		now := s.Now()
		e.OrganisationID, e.CreatedBy, e.CreatedByName, e.CreatedAt = c.OrganisationID, a.UserID, a.FullName, now
		e.ClientName = c.FullName()
		id, err := insertID(ctx, tx, `INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, note,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			e.OrganisationID, e.ClientID, nullID(e.FamilyID), e.Kind, e.OccurredOn, e.Note, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create life event: %w", err)
		}
		e.ID = id
		changes := []opora.Change{{Field: "kind", New: e.Kind}, {Field: "occurred_on", New: e.OccurredOn.String()},
			{Field: "note", Sensitive: true}}
		if e.FamilyID != 0 {
			changes = append(changes, opora.Change{Field: "family_id", New: strconv.FormatInt(e.FamilyID, 10)})
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "life_event", EntityID: id,
			Section: "client " + strconv.FormatInt(e.ClientID, 10), Changes: changes}); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID,
			Kind: opora.EventLifeEvent, Entity: "life_event", EntityID: id, Summary: e.Summary(),
			Changes: []opora.Change{{Field: "kind", New: e.Kind}}}); err != nil {
			return err
		}
		if f == nil {
			return nil
		}
		return s.addFamilyEvent(ctx, tx, f, opora.FamilyEventLifeEvent, shortName(c.Surname, c.FirstName)+", "+e.Summary(),
			[]opora.Change{{Field: "kind", New: e.Kind}})
	})
}

// ClientLifeEvents lists a client's life events, the latest first. Needs
// client.read on the client.
func (s *Store) ClientLifeEvents(ctx context.Context, clientID int64) ([]*opora.LifeEvent, error) {
	if _, err := s.client(ctx, s.r, opora.PermClientRead, clientID); err != nil {
		return nil, err
	}
	if lacks(ctx, clientID, holdsLifeEvents) {
		return nil, nil
	}
	return scanLifeEvents(s.r.QueryContext(ctx, `SELECT `+lifeEventColumns+lifeEventFrom+`
		WHERE le.client_id = $1 ORDER BY le.occurred_on DESC, le.id DESC`, clientID))
}

// FamilyLifeEvents lists the life events of a family's present members
// and those recorded on the card, the latest first. Needs family.read and
// the card's members section (an agency with a task reads it only where
// its type is opened it).
func (s *Store) FamilyLifeEvents(ctx context.Context, familyID int64) ([]*opora.LifeEvent, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, _, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionMembers); err != nil {
		return nil, err
	}
	return scanLifeEvents(s.r.QueryContext(ctx, `SELECT `+lifeEventColumns+lifeEventFrom+`
		WHERE le.family_id = $1 OR le.client_id IN (SELECT m.client_id FROM family_members m WHERE m.family_id = $1
			AND m.left_on IS NULL)
		ORDER BY le.occurred_on DESC, le.id DESC`, familyID))
}

// DeleteLifeEvent removes a life event recorded by mistake. Needs
// client.write on its client.
func (s *Store) DeleteLifeEvent(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		cond, args, err := clientScope(a, opora.PermClientWrite, []any{id})
		if err != nil {
			return err
		}
		e, err := scanLifeEvent(tx.QueryRowContext(ctx, `SELECT `+lifeEventColumns+lifeEventFrom+`
			WHERE le.id = $1 AND `+cond, args...))
		if err != nil {
			return notFound(err)
		}
		c, err := s.writableClient(ctx, tx, e.ClientID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM life_events WHERE id = $1`, id); err != nil {
			return fmt.Errorf("store: delete life event: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "life_event", EntityID: id,
			Section: "client " + strconv.FormatInt(e.ClientID, 10),
			Changes: []opora.Change{{Field: "kind", Old: e.Kind}, {Field: "occurred_on", Old: e.OccurredOn.String()},
				{Field: "note", Sensitive: true}}}); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID,
			Kind: opora.EventLifeEvent, Entity: "life_event", EntityID: id, Summary: "✕ " + e.Summary(),
			Changes: []opora.Change{{Field: "kind", Old: e.Kind}}}); err != nil {
			return err
		}
		if e.FamilyID == 0 {
			return nil
		}
		var f opora.Family
		if err := tx.QueryRowContext(ctx, `SELECT id, organisation_id FROM families WHERE id = $1`, e.FamilyID).
			Scan(&f.ID, &f.OrganisationID); err != nil {
			return fmt.Errorf("store: delete life event: %w", err)
		}
		return s.addFamilyEvent(ctx, tx, &f, opora.FamilyEventLifeEvent, "✕ "+shortName(c.Surname, c.FirstName)+", "+e.Summary(),
			[]opora.Change{{Field: "kind", Old: e.Kind}})
	})
}
