package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/opora-project/opora/internal/secret"
)

// secrets seals the secrets the database keeps (notification_settings.
// smtp_password) with the key file (internal/secret), loaded when first
// needed and created on the first save.
type secrets struct {
	path string
	mu   sync.Mutex
	box  *secret.Box
}

// SecretKeyFile returns the key file the options select: SecretKeyFile,
// or secret.key in the data folder.
func (o Options) SecretKeyFile() string {
	if o.SecretKey != "" {
		return o.SecretKey
	}
	return filepath.Join(o.DataDir, secret.KeyFileName)
}

// boxFor returns the box, creating the key file when create is set.
func (s *secrets) boxFor(create bool) (*secret.Box, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.box != nil {
		return s.box, nil
	}
	var b *secret.Box
	var err error
	if create {
		b, err = secret.LoadOrCreate(s.path)
	} else {
		b, err = secret.Load(s.path)
	}
	if err != nil {
		return nil, err
	}
	s.box = b
	return b, nil
}

// sealSecret seals a plain value for the database.
func (s *Store) sealSecret(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	b, err := s.secrets.boxFor(true)
	if err != nil {
		return "", fmt.Errorf("store: seal secret: %w", err)
	}
	return b.Seal(plain)
}

// openSecret opens a value read from the database. A legacy plain value
// (before Migrate sealed it) is returned as it is.
func (s *Store) openSecret(stored string) (string, error) {
	if stored == "" || !secret.IsSealed(stored) {
		return stored, nil
	}
	b, err := s.secrets.boxFor(false)
	if err != nil {
		return "", fmt.Errorf("store: open secret: %w", err)
	}
	plain, err := b.Open(stored)
	if err != nil {
		return "", fmt.Errorf("store: open secret (key file %s): %w", s.secrets.path, err)
	}
	return plain, nil
}

// sealLegacySecrets seals the SMTP passwords an older version stored
// plain (run by Migrate; creates the key file when there is one).
func (s *Store) sealLegacySecrets(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, `SELECT organisation_id, smtp_password FROM notification_settings
		WHERE smtp_password <> '' AND smtp_password NOT LIKE $1`, secret.Prefix+"%")
	if err != nil {
		return fmt.Errorf("store: legacy secrets: %w", err)
	}
	type legacy struct {
		org      int64
		password string
	}
	var list []legacy
	for rows.Next() {
		var l legacy
		if err := rows.Scan(&l.org, &l.password); err != nil {
			rows.Close()
			return fmt.Errorf("store: legacy secrets: %w", err)
		}
		list = append(list, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: legacy secrets: %w", err)
	}
	for _, l := range list {
		sealed, err := s.sealSecret(l.password)
		if err != nil {
			return err
		}
		// Only the value read: a password saved meanwhile is sealed already.
		if _, err := s.w.ExecContext(ctx, `UPDATE notification_settings SET smtp_password = $1
			WHERE organisation_id = $2 AND smtp_password = $3`, sealed, l.org, l.password); err != nil {
			return fmt.Errorf("store: legacy secrets: %w", err)
		}
	}
	return nil
}

// CheckSecrets opens every sealed secret the database keeps and says
// which organisations' secrets the key file does not open (a restored
// database without its key file, or instances with different key files);
// nil when all open. The error names organisations and the key file, never
// a secret. `opora serve` logs it at start.
func (s *Store) CheckSecrets(ctx context.Context) error {
	rows, err := s.r.QueryContext(ctx, `SELECT organisation_id, smtp_password FROM notification_settings
		WHERE smtp_password <> '' ORDER BY organisation_id`)
	if err != nil {
		return fmt.Errorf("store: check secrets: %w", err)
	}
	defer rows.Close()
	var bad []int64
	var first error
	for rows.Next() {
		var org int64
		var v string
		if err := rows.Scan(&org, &v); err != nil {
			return fmt.Errorf("store: check secrets: %w", err)
		}
		if _, err := s.openSecret(v); err != nil {
			bad = append(bad, org)
			if first == nil {
				first = err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: check secrets: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("the SMTP passwords of organisations %v do not open: %w", bad, first)
	}
	return nil
}
