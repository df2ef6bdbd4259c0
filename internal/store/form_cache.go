package store

import (
	"context"
	"sync"

	"github.com/opora-project/opora/internal/opora"
)

// formCache keeps the clients' main questionnaire definitions: every client
// page reads one (its key answers), and reading it was four queries and a
// hundred rows. An entry is tagged with the database's form_version as it
// was read before the definition; every change to forms, sections, fields
// or options raises that counter (triggers, migration 00027), so a page
// that reads a newer counter reads the definition again, whichever process
// changed it. The cached forms are shared: callers must not modify them.
type formCache struct {
	mu    sync.Mutex
	forms map[int64]cachedForm // by form id
}

type cachedForm struct {
	version int64
	form    *opora.Form
}

// profileForm returns the organisation's main questionnaire as clientForm
// reads it, from the cache when the definition has not changed since.
func (s *Store) profileForm(ctx context.Context, orgID int64) (*opora.Form, error) {
	var id, version int64
	err := s.r.QueryRowContext(ctx, `SELECT f.id, v.version FROM forms f, form_version v
		WHERE f.organisation_id = $1 AND f.key = $2 ORDER BY f.id LIMIT 1`, orgID, opora.ProfileFormKey).Scan(&id, &version)
	if err != nil {
		return nil, notFound(err)
	}
	s.formCache.mu.Lock()
	e, ok := s.formCache.forms[id]
	s.formCache.mu.Unlock()
	if ok && e.version == version {
		return e.form, nil
	}
	f, err := s.clientForm(ctx, s.r, orgID, id)
	if err != nil {
		return nil, err
	}
	s.formCache.mu.Lock()
	defer s.formCache.mu.Unlock()
	if s.formCache.forms == nil {
		s.formCache.forms = map[int64]cachedForm{}
	}
	if old, ok := s.formCache.forms[id]; !ok || old.version <= version {
		s.formCache.forms[id] = cachedForm{version: version, form: f}
	}
	return f, nil
}
