package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Uploaded files of a client: the photo and its thumbnail, scans of
// documents, and the consent scan. The bytes live in the data folder
// (package files); these rows say whose they are and what they are.

const fileColumns = `f.id, f.organisation_id, f.client_id, f.kind, f.name, f.mime, f.size, f.sha256, f.storage_key,
	f.type_id, COALESCE(d.label, ''), f.comment, f.created_by, COALESCE(u.full_name, ''), f.created_at, f.deleted_at`

const fileFrom = ` FROM files f JOIN clients c ON c.id = f.client_id
	LEFT JOIN dictionary_items d ON d.id = f.type_id LEFT JOIN users u ON u.id = f.created_by`

func scanFile(row interface{ Scan(...any) error }) (*opora.File, error) {
	f := &opora.File{}
	var client, typeID, createdBy sql.NullInt64
	var deleted sql.NullTime
	if err := row.Scan(&f.ID, &f.OrganisationID, &client, &f.Kind, &f.Name, &f.MIME, &f.Size, &f.SHA256, &f.StorageKey,
		&typeID, &f.TypeLabel, &f.Comment, &createdBy, &f.CreatedByName, &f.CreatedAt, &deleted); err != nil {
		return nil, err
	}
	f.ClientID, f.TypeID, f.CreatedBy = client.Int64, typeID.Int64, createdBy.Int64
	f.CreatedAt, f.DeletedAt = f.CreatedAt.UTC(), timeOf(deleted)
	return f, nil
}

// insertFile writes a file row for client c in the caller's transaction.
func (s *Store) insertFile(ctx context.Context, q queryer, a *opora.Actor, c *opora.Client, f *opora.File) error {
	if f.StorageKey == "" || f.MIME == "" {
		return fmt.Errorf("store: file without storage key or type")
	}
	f.OrganisationID, f.ClientID, f.CreatedBy, f.CreatedAt = c.OrganisationID, c.ID, a.UserID, s.Now()
	id, err := insertID(ctx, q, `INSERT INTO files (organisation_id, client_id, kind, name, mime, size, sha256, storage_key,
		type_id, comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		f.OrganisationID, f.ClientID, f.Kind, f.Name, f.MIME, f.Size, f.SHA256, f.StorageKey, nullID(f.TypeID), f.Comment,
		nullID(a.UserID), f.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert file: %w", err)
	}
	f.ID = id
	return nil
}

func clientSection(id int64) string { return "client " + strconv.FormatInt(id, 10) }

// SetClientPhoto records a new photo and thumbnail (already stored as
// bytes) for a client: both file rows, the client's photo_id and thumb_id,
// an audit row and a timeline event, in one transaction. The previous photo
// rows are marked deleted. Needs client.write on the client.
func (s *Store) SetClientPhoto(ctx context.Context, clientID int64, photo, thumb *opora.File) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		photo.Kind, thumb.Kind = opora.FileKindPhoto, opora.FileKindThumb
		if err := s.insertFile(ctx, tx, a, c, photo); err != nil {
			return err
		}
		if err := s.insertFile(ctx, tx, a, c, thumb); err != nil {
			return err
		}
		if old := []int64{c.PhotoID, c.ThumbID}; c.PhotoID != 0 || c.ThumbID != 0 {
			in, args := inList([]any{s.Now()}, old)
			if _, err := tx.ExecContext(ctx, `UPDATE files SET deleted_at = $1 WHERE id IN (`+in+`) AND deleted_at IS NULL`, args...); err != nil {
				return fmt.Errorf("store: replace photo: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clients SET photo_id = $1, thumb_id = $2 WHERE id = $3`, photo.ID, thumb.ID, c.ID); err != nil {
			return fmt.Errorf("store: set photo: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "client", EntityID: c.ID,
			Section: "photo", Changes: []opora.Change{{Field: "photo_id", Old: intString(int(c.PhotoID)), New: intString(int(photo.ID))}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventPhoto, Entity: "file", EntityID: photo.ID})
	})
}

// ClientPhoto returns the row of a client's photo, or of its thumbnail when
// thumb is true; ErrNotFound when the client has none or is out of the
// actor's client.read scope.
func (s *Store) ClientPhoto(ctx context.Context, clientID int64, thumb bool) (*opora.File, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	id := c.PhotoID
	if thumb {
		id = c.ThumbID
	}
	if id == 0 {
		return nil, opora.ErrNotFound
	}
	f, err := scanFile(s.r.QueryRowContext(ctx, `SELECT `+fileColumns+fileFrom+` WHERE f.id = $1 AND f.client_id = $2
		AND f.organisation_id = $3`, id, c.ID, c.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return f, s.logView(ctx, "client", c.ID, "photo")
}

// AddClientFile records an uploaded scan or document (bytes already
// stored) with its optional document type and comment. Needs client.write.
func (s *Store) AddClientFile(ctx context.Context, f *opora.File) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	f.Normalize()
	if err := f.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, f.ClientID)
		if err != nil {
			return err
		}
		if f.TypeID != 0 {
			if f.TypeLabel, err = dictionaryItemLabel(ctx, tx, a, opora.DictDocumentType, f.TypeID, 0, "file_type_id"); err != nil {
				return err
			}
		}
		f.Kind = opora.FileKindScan
		if err := s.insertFile(ctx, tx, a, c, f); err != nil {
			return err
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "file", EntityID: f.ID,
			Section: clientSection(c.ID), Changes: []opora.Change{{Field: "name", New: f.Name}, {Field: "mime", New: f.MIME},
				{Field: "size", New: strconv.FormatInt(f.Size, 10)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventFile, Entity: "file", EntityID: f.ID,
			Summary: fileSummary(f)})
	})
}

func fileSummary(f *opora.File) string {
	if f.TypeLabel != "" {
		return f.TypeLabel + ": " + f.Name
	}
	return f.Name
}

// ClientFiles lists a client's uploaded scans and consent scans (not the
// photos), newest first. Needs client.read on the client.
func (s *Store) ClientFiles(ctx context.Context, clientID int64) ([]*opora.File, error) {
	c, err := s.Client(ctx, clientID)
	if err != nil || lacks(ctx, c.ID, holdsFiles) {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+fileColumns+fileFrom+` WHERE f.client_id = $1 AND f.organisation_id = $2
		AND f.kind IN ($3, $4) AND f.deleted_at IS NULL ORDER BY f.created_at DESC, f.id DESC`,
		c.ID, c.OrganisationID, opora.FileKindScan, opora.FileKindConsent)
	if err != nil {
		return nil, fmt.Errorf("store: client files: %w", err)
	}
	defer rows.Close()
	var out []*opora.File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("store: client files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// clientFile loads one scan or consent scan of a client the actor reaches
// with permission p; photos are only reached through ClientPhoto.
func (s *Store) clientFile(ctx context.Context, q queryer, p opora.Permission, clientID, fileID int64) (*opora.File, error) {
	a := opora.ActorFrom(ctx)
	cond, args, err := clientScope(a, p, []any{fileID, clientID, opora.FileKindScan, opora.FileKindConsent})
	if err != nil {
		return nil, err
	}
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileColumns+fileFrom+` WHERE f.id = $1 AND f.client_id = $2
		AND f.kind IN ($3, $4) AND f.deleted_at IS NULL AND c.deleted_at IS NULL AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// answerFile loads a file uploaded as a questionnaire answer, reached only
// while an answer of a field whose sensitivity the actor may see holds it.
func (s *Store) answerFile(ctx context.Context, q queryer, p opora.Permission, clientID, fileID int64) (*opora.File, error) {
	a := opora.ActorFrom(ctx)
	in, args := inList([]any{fileID, clientID, opora.FileKindAnswer}, a.VisibleSensitivities())
	if len(a.VisibleSensitivities()) == 0 {
		return nil, opora.ErrNotFound
	}
	cond, args, err := clientScope(a, p, args)
	if err != nil {
		return nil, err
	}
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileColumns+fileFrom+` WHERE f.id = $1 AND f.client_id = $2
		AND f.kind = $3 AND f.deleted_at IS NULL AND c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM answers an
		JOIN form_fields ff ON ff.id = an.field_id WHERE an.file_id = f.id AND an.client_id = f.client_id
		AND ff.sensitivity IN (`+in+`)) AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// DownloadClientFile returns a client's file for downloading and writes the
// audit row every download needs. Needs client.read on the client.
func (s *Store) DownloadClientFile(ctx context.Context, clientID, fileID int64) (*opora.File, error) {
	f, err := s.clientFile(ctx, s.r, opora.PermClientRead, clientID, fileID)
	if errors.Is(err, opora.ErrNotFound) {
		f, err = s.answerFile(ctx, s.r, opora.PermClientRead, clientID, fileID)
	}
	if err != nil {
		return nil, err
	}
	if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDownload, Entity: "file", EntityID: f.ID,
		Section: clientSection(clientID)}); err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteClientFile marks a client's file deleted (the bytes stay until the
// retention workflow erases them). Needs client.write.
func (s *Store) DeleteClientFile(ctx context.Context, clientID, fileID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.writableClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		f, err := s.clientFile(ctx, tx, opora.PermClientWrite, c.ID, fileID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE files SET deleted_at = $1 WHERE id = $2`, s.Now(), f.ID); err != nil {
			return fmt.Errorf("store: delete file: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "file", EntityID: f.ID,
			Section: clientSection(c.ID)}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{ClientID: c.ID, Kind: opora.EventFile, Entity: "file", EntityID: f.ID,
			Summary: "✕ " + fileSummary(f)})
	})
}

// StorageKeys returns every key of the files folder a row names: stored
// files and files queued for removal. The folder's sweep
// (files.Storage.Sweep) removes old bytes under any other key. (An
// import's upload lives in <data>/imports, outside the files folder.)
func (s *Store) StorageKeys(ctx context.Context) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT storage_key FROM files
		UNION SELECT storage_key FROM file_removals`)
	if err != nil {
		return nil, fmt.Errorf("store: storage keys: %w", err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: storage keys: %w", err)
		}
		keys[k] = true
	}
	return keys, rows.Err()
}
