package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// filesKeyIDKey is the meta row holding the key check of the encrypted
// files: the id (internal/files Key.ID, an HMAC, not the key) of the key
// the stored files are encrypted with. While it is set, `opora serve`
// starts only with that key.
const filesKeyIDKey = "files_key_id"

// FilesKeyID returns the key check of the encrypted files, "" when files
// were never encrypted (or were all decrypted again).
func (s *Store) FilesKeyID(ctx context.Context) (string, error) {
	var id string
	err := s.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, filesKeyIDKey).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: files key check: %w", err)
	}
	return id, nil
}

// SetFilesKeyID records the key check when none is recorded yet; an
// existing one is kept (the caller compared it first).
func (s *Store) SetFilesKeyID(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("store: files key check: empty key id")
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		filesKeyIDKey, id); err != nil {
		return fmt.Errorf("store: files key check: %w", err)
	}
	return nil
}

// ClearFilesKeyID forgets the key check once no file is encrypted.
func (s *Store) ClearFilesKeyID(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM meta WHERE key = $1`, filesKeyIDKey); err != nil {
		return fmt.Errorf("store: files key check: %w", err)
	}
	return nil
}
