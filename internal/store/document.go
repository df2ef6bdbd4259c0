package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Identity documents of a client: type from the document_type dictionary,
// series, number, issued by and when, address, comment.

const documentColumns = `i.id, i.organisation_id, i.client_id, i.type_id, COALESCE(d.label, ''), i.series, i.number,
	i.issued_by, i.issued_on, i.address, i.comment, i.created_by, COALESCE(u.full_name, ''), i.created_at,
	i.updated_by, i.updated_at, i.deleted_at`

const documentFrom = ` FROM identity_documents i JOIN clients c ON c.id = i.client_id
	LEFT JOIN dictionary_items d ON d.id = i.type_id LEFT JOIN users u ON u.id = i.created_by`

func scanDocument(row interface{ Scan(...any) error }) (*opora.IdentityDocument, error) {
	d := &opora.IdentityDocument{}
	var deleted sql.NullTime
	var createdBy, updatedBy sql.NullInt64
	if err := row.Scan(&d.ID, &d.OrganisationID, &d.ClientID, &d.TypeID, &d.TypeLabel, &d.Series, &d.Number,
		&d.IssuedBy, &d.IssuedOn, &d.Address, &d.Comment, &createdBy, &d.CreatedByName, &d.CreatedAt,
		&updatedBy, &d.UpdatedAt, &deleted); err != nil {
		return nil, err
	}
	d.DeletedAt = timeOf(deleted)
	d.CreatedBy, d.UpdatedBy = createdBy.Int64, updatedBy.Int64
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// IdentityDocuments lists a client's documents in the order they were
// added. Needs client.read on the client.
func (s *Store) IdentityDocuments(ctx context.Context, clientID int64) ([]*opora.IdentityDocument, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil || lacks(ctx, c.ID, holdsDocuments) {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+documentColumns+documentFrom+`
		WHERE i.client_id = $1 AND i.organisation_id = $2 AND i.deleted_at IS NULL ORDER BY i.created_at, i.id`,
		c.ID, c.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: documents: %w", err)
	}
	defer rows.Close()
	var out []*opora.IdentityDocument
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, fmt.Errorf("store: documents: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// IdentityDocument returns one document of a client. Needs client.read.
func (s *Store) IdentityDocument(ctx context.Context, clientID, id int64) (*opora.IdentityDocument, error) {
	d, err := s.document(ctx, s.r, opora.PermClientRead, clientID, id)
	if err != nil {
		return nil, err
	}
	return d, s.logView(ctx, "client", clientID, "documents")
}

func (s *Store) document(ctx context.Context, q queryer, p opora.Permission, clientID, id int64) (*opora.IdentityDocument, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{id, clientID})
	if err != nil {
		return nil, err
	}
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentColumns+documentFrom+`
		WHERE i.id = $1 AND i.client_id = $2 AND i.deleted_at IS NULL AND c.deleted_at IS NULL AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return d, nil
}

func documentChanges(old, d *opora.IdentityDocument) []opora.Change {
	var ch []opora.Change
	ch = opora.Diff(ch, "type_id", intString(int(old.TypeID)), intString(int(d.TypeID)))
	ch = opora.Diff(ch, "series", old.Series, d.Series)
	ch = opora.Diff(ch, "number", old.Number, d.Number)
	ch = opora.Diff(ch, "issued_by", old.IssuedBy, d.IssuedBy)
	ch = opora.Diff(ch, "issued_on", dateString(old.IssuedOn), dateString(d.IssuedOn))
	ch = opora.Diff(ch, "address", old.Address, d.Address)
	ch = opora.Diff(ch, "comment", old.Comment, d.Comment)
	return ch
}

// CreateIdentityDocument adds a document to a client. Needs client.write.
func (s *Store) CreateIdentityDocument(ctx context.Context, d *opora.IdentityDocument) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	d.Normalize()
	if err := d.Validate(s.Today()); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, d.ClientID)
		if err != nil {
			return err
		}
		if d.TypeLabel, err = dictionaryItemLabel(ctx, tx, a, opora.DictDocumentType, d.TypeID, 0, "type_id"); err != nil {
			return err
		}
		now := s.Now()
		d.OrganisationID, d.CreatedBy, d.UpdatedBy, d.CreatedAt, d.UpdatedAt = c.OrganisationID, a.UserID, a.UserID, now, now
		id, err := insertID(ctx, tx, `INSERT INTO identity_documents (organisation_id, client_id, type_id, series, number,
			issued_by, issued_on, address, comment, created_by, created_at, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)`,
			c.OrganisationID, c.ID, d.TypeID, d.Series, d.Number, d.IssuedBy, d.IssuedOn, d.Address, d.Comment,
			nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create document: %w", err)
		}
		d.ID = id
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "identity_document", EntityID: id,
			Section: clientSection(c.ID), Changes: documentChanges(&opora.IdentityDocument{}, d)}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventDocument, Entity: "identity_document",
			EntityID: id, Summary: d.TypeLabel})
	})
}

// UpdateIdentityDocument saves the fields of a client's document. Needs
// client.write.
func (s *Store) UpdateIdentityDocument(ctx context.Context, d *opora.IdentityDocument) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	d.Normalize()
	if err := d.Validate(s.Today()); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, d.ClientID)
		if err != nil {
			return err
		}
		old, err := s.document(ctx, tx, opora.PermClientWrite, c.ID, d.ID)
		if err != nil {
			return err
		}
		if d.TypeLabel, err = dictionaryItemLabel(ctx, tx, a, opora.DictDocumentType, d.TypeID, old.TypeID, "type_id"); err != nil {
			return err
		}
		ch := documentChanges(old, d)
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_documents SET type_id = $1, series = $2, number = $3, issued_by = $4,
			issued_on = $5, address = $6, comment = $7, updated_by = $8, updated_at = $9 WHERE id = $10`,
			d.TypeID, d.Series, d.Number, d.IssuedBy, d.IssuedOn, d.Address, d.Comment, nullID(a.UserID), s.Now(),
			d.ID); err != nil {
			return fmt.Errorf("store: update document: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "identity_document", EntityID: d.ID,
			Section: clientSection(c.ID), Changes: ch}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventDocument, Entity: "identity_document",
			EntityID: d.ID, Summary: "✎ " + d.TypeLabel})
	})
}

// DeleteIdentityDocument soft-deletes a client's document. Needs client.write.
func (s *Store) DeleteIdentityDocument(ctx context.Context, clientID, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		d, err := s.document(ctx, tx, opora.PermClientWrite, c.ID, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_documents SET deleted_at = $1, updated_by = $2, updated_at = $1
			WHERE id = $3`, s.Now(), nullID(a.UserID), d.ID); err != nil {
			return fmt.Errorf("store: delete document: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "identity_document", EntityID: d.ID,
			Section: clientSection(c.ID), Changes: []opora.Change{{Field: "type_id", Old: strconv.FormatInt(d.TypeID, 10)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventDocument, Entity: "identity_document",
			EntityID: d.ID, Summary: "✕ " + d.TypeLabel})
	})
}
