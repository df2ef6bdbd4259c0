package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

const noteColumns = `n.id, n.organisation_id, n.client_id, n.body, n.important, n.version,
	n.created_by, COALESCE(cu.full_name, ''), n.created_at, n.updated_by, COALESCE(uu.full_name, ''), n.updated_at, n.deleted_at`

const noteFrom = ` FROM notes n JOIN clients c ON c.id = n.client_id
	LEFT JOIN users cu ON cu.id = n.created_by LEFT JOIN users uu ON uu.id = n.updated_by`

func scanNote(row interface{ Scan(...any) error }) (*opora.Note, error) {
	n := &opora.Note{}
	var createdBy, updatedBy sql.NullInt64
	var deleted sql.NullTime
	if err := row.Scan(&n.ID, &n.OrganisationID, &n.ClientID, &n.Body, &n.Important, &n.Version,
		&createdBy, &n.CreatedByName, &n.CreatedAt, &updatedBy, &n.UpdatedByName, &n.UpdatedAt, &deleted); err != nil {
		return nil, err
	}
	n.CreatedBy, n.UpdatedBy = createdBy.Int64, updatedBy.Int64
	n.CreatedAt, n.UpdatedAt, n.DeletedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC(), timeOf(deleted)
	return n, nil
}

// ClientNotes lists a client's notes: important ones first, then the newest,
// each with its earlier texts. Needs client.read on the client.
func (s *Store) ClientNotes(ctx context.Context, clientID int64) ([]*opora.Note, error) {
	return s.clientNotes(ctx, clientID, false)
}

// ImportantNotes lists a client's notes pinned as important, newest first,
// each with its earlier texts: every tab of the record shows them on top.
// Needs client.read on the client.
func (s *Store) ImportantNotes(ctx context.Context, clientID int64) ([]*opora.Note, error) {
	return s.clientNotes(ctx, clientID, true)
}

func (s *Store) clientNotes(ctx context.Context, clientID int64, important bool) ([]*opora.Note, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, opora.PermClientRead, []any{clientID})
	if err != nil {
		return nil, err
	}
	if _, err := s.client(ctx, s.r, opora.PermClientRead, clientID); err != nil || lacks(ctx, clientID, holdsNotes) {
		return nil, err
	}
	only := ""
	if important {
		only = " AND n.important"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+noteColumns+noteFrom+`
		WHERE n.client_id = $1 AND n.deleted_at IS NULL`+only+` AND `+cond+`
		ORDER BY n.important DESC, n.created_at DESC, n.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: notes: %w", err)
	}
	defer rows.Close()
	var out []*opora.Note
	byID := map[int64]*opora.Note{}
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, fmt.Errorf("store: notes: %w", err)
		}
		out = append(out, n)
		byID[n.ID] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: notes: %w", err)
	}
	rows.Close()
	if err := s.noteRevisions(ctx, s.r, byID); err != nil {
		return nil, err
	}
	return out, nil
}

// noteRevisions fills the revisions of the given notes, newest first.
func (s *Store) noteRevisions(ctx context.Context, q queryer, notes map[int64]*opora.Note) error {
	var ids []int64
	for id, n := range notes {
		if n.Edited() {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := inList(nil, ids)
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.note_id, r.body, r.important, r.edited_by, COALESCE(u.full_name, ''), r.edited_at
		FROM note_revisions r LEFT JOIN users u ON u.id = r.edited_by
		WHERE r.note_id IN (`+in+`) ORDER BY r.edited_at DESC, r.id DESC`, args...)
	if err != nil {
		return fmt.Errorf("store: note revisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := &opora.NoteRevision{}
		var by sql.NullInt64
		if err := rows.Scan(&r.ID, &r.NoteID, &r.Body, &r.Important, &by, &r.EditedByName, &r.EditedAt); err != nil {
			return fmt.Errorf("store: note revisions: %w", err)
		}
		r.EditedBy, r.EditedAt = by.Int64, r.EditedAt.UTC()
		if n := notes[r.NoteID]; n != nil {
			n.Revisions = append(n.Revisions, r)
		}
	}
	return rows.Err()
}

// Note returns one note (not deleted) with its earlier texts. Needs
// client.read on the note's client.
func (s *Store) Note(ctx context.Context, id int64) (*opora.Note, error) {
	n, err := s.note(ctx, s.r, opora.PermClientRead, id)
	if err != nil {
		return nil, err
	}
	if err := s.noteRevisions(ctx, s.r, map[int64]*opora.Note{n.ID: n}); err != nil {
		return nil, err
	}
	return n, s.logView(ctx, "client", n.ClientID, "notes")
}

func (s *Store) note(ctx context.Context, q queryer, p opora.Permission, id int64) (*opora.Note, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{id})
	if err != nil {
		return nil, err
	}
	n, err := scanNote(q.QueryRowContext(ctx, `SELECT `+noteColumns+noteFrom+`
		WHERE n.id = $1 AND n.deleted_at IS NULL AND c.deleted_at IS NULL AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return n, nil
}

// writableClient loads a client the actor may change: in scope for
// client.write, not deleted and not merged away.
func (s *Store) writableClient(ctx context.Context, q queryer, id int64) (*opora.Client, error) {
	c, err := s.client(ctx, q, opora.PermClientWrite, id)
	if err != nil {
		return nil, err
	}
	if c.Deleted() || c.MergedInto != 0 {
		return nil, opora.ErrNotFound
	}
	return c, nil
}

// CreateNote adds a note to n.ClientID. Needs client.write on the client.
func (s *Store) CreateNote(ctx context.Context, n *opora.Note) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	n.Normalize()
	if err := n.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, n.ClientID)
		if err != nil {
			return err
		}
		now := s.Now()
		n.OrganisationID, n.Version = c.OrganisationID, 1
		n.CreatedBy, n.UpdatedBy, n.CreatedAt, n.UpdatedAt = a.UserID, a.UserID, now, now
		n.CreatedByName, n.UpdatedByName = a.FullName, a.FullName
		id, err := insertID(ctx, tx, `INSERT INTO notes (organisation_id, client_id, body, important, version,
			created_by, created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $5, $6)`,
			n.OrganisationID, n.ClientID, n.Body, n.Important, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: create note: %w", err)
		}
		n.ID = id
		// The text is client data: the audit says that a note was written, not what it says.
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "note", EntityID: id,
			Section: "client " + strconv.FormatInt(n.ClientID, 10),
			Changes: []opora.Change{{Field: "body", Sensitive: true}, {Field: "important", New: strconv.FormatBool(n.Important)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID, Kind: opora.EventNote,
			Entity: "note", EntityID: id, Summary: notePrefix(n.Important) + n.Summary()})
	})
}

func notePrefix(important bool) string {
	if important {
		return "❗ "
	}
	return ""
}

// UpdateNote changes a note's text and flag. n.Version must be the version
// the user started from; if someone saved in between, nothing is written and
// a conflict error names who changed it and when. The previous text is kept.
func (s *Store) UpdateNote(ctx context.Context, n *opora.Note) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	n.Normalize()
	if err := n.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.note(ctx, tx, opora.PermClientWrite, n.ID)
		if err != nil {
			return err
		}
		if n.ClientID != 0 && n.ClientID != old.ClientID {
			return opora.ErrNotFound
		}
		if _, err := s.writableClient(ctx, tx, old.ClientID); err != nil {
			return err
		}
		if old.Version != n.Version {
			return noteConflict(old)
		}
		if old.Body == n.Body && old.Important == n.Important {
			*n = *old
			return nil
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE notes SET body = $1, important = $2, version = version + 1,
			updated_by = $3, updated_at = $4 WHERE id = $5 AND version = $6`,
			n.Body, n.Important, nullID(a.UserID), now, n.ID, n.Version)
		if err != nil {
			return fmt.Errorf("store: update note: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return noteConflict(old)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO note_revisions (note_id, body, important, edited_by, edited_at)
			VALUES ($1, $2, $3, $4, $5)`, old.ID, old.Body, old.Important, nullID(a.UserID), now); err != nil {
			return fmt.Errorf("store: note revision: %w", err)
		}
		var ch []opora.Change
		if old.Body != n.Body {
			ch = append(ch, opora.Change{Field: "body", Sensitive: true})
		}
		ch = opora.Diff(ch, "important", strconv.FormatBool(old.Important), strconv.FormatBool(n.Important))
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "note", EntityID: n.ID,
			Section: "client " + strconv.FormatInt(old.ClientID, 10), Changes: ch}); err != nil {
			return err
		}
		n.OrganisationID, n.ClientID, n.Version = old.OrganisationID, old.ClientID, old.Version+1
		n.CreatedBy, n.CreatedByName, n.CreatedAt = old.CreatedBy, old.CreatedByName, old.CreatedAt
		n.UpdatedBy, n.UpdatedByName, n.UpdatedAt = a.UserID, a.FullName, now
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: old.OrganisationID, ClientID: old.ClientID,
			Kind: opora.EventNote, Entity: "note", EntityID: n.ID, Summary: "✎ " + notePrefix(n.Important) + n.Summary()})
	})
}

// noteConflict explains who last changed the note.
func noteConflict(cur *opora.Note) error {
	return &opora.Error{Code: opora.ECONFLICT, Message: "notes.changed_by_other",
		Args: map[string]string{"User": cur.UpdatedByName, "At": cur.UpdatedAt.Format(time.RFC3339)}}
}

// DeleteNote soft-deletes a note; its text and history stay in the database.
// Needs client.write on the note's client.
func (s *Store) DeleteNote(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		n, err := s.note(ctx, tx, opora.PermClientWrite, id)
		if err != nil {
			return err
		}
		if _, err := s.writableClient(ctx, tx, n.ClientID); err != nil {
			return err
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE notes SET deleted_at = $1, version = version + 1, updated_by = $2,
			updated_at = $1 WHERE id = $3`, now, nullID(a.UserID), id); err != nil {
			return fmt.Errorf("store: delete note: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "note", EntityID: id,
			Section: "client " + strconv.FormatInt(n.ClientID, 10)}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: n.OrganisationID, ClientID: n.ClientID,
			Kind: opora.EventNote, Entity: "note", EntityID: id, Summary: "✕ " + n.Summary()})
	})
}
