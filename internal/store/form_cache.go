package store

import (
	"context"

	"github.com/opora-project/opora/internal/opora"
)

// formCache keeps the clients' main questionnaire definitions by form id:
// every client page reads one (its key answers), and reading it was four
// queries and a hundred rows. Entries are tagged with the database's
// form_version; every change to forms, sections, fields or options raises
// that counter (triggers, migration 00027), so a page that reads a newer
// counter reads the definition again, whichever process changed it. The
// cached forms are shared: callers must not modify them (visibleAnswers
// hands out copies of the fields).
type formCache = versionedCache[*opora.Form]

// profileForm returns the organisation's main questionnaire as clientForm
// reads it, from the cache when the definition has not changed since.
func (s *Store) profileForm(ctx context.Context, orgID int64) (*opora.Form, error) {
	// The counter read with the session and the form's id remembered
	// under it, or both read now.
	v, ok := requestVersions(ctx)
	id, version := int64(0), v.Form
	if ok {
		id, ok = s.dict.formIDs.get(orgID, version)
	}
	if !ok {
		err := s.r.QueryRowContext(ctx, `SELECT f.id, v.version FROM forms f, form_version v
		WHERE f.organisation_id = $1 AND f.key = $2 AND v.id = 1 ORDER BY f.id LIMIT 1`, orgID, opora.ProfileFormKey).Scan(&id, &version)
		if err != nil {
			return nil, notFound(err)
		}
		s.dict.formIDs.put(orgID, version, id)
	}
	if f, ok := s.formCache.get(id, version); ok {
		return f, nil
	}
	f, err := s.clientForm(ctx, s.r, orgID, id)
	if err != nil {
		return nil, err
	}
	s.formCache.put(id, version, f)
	return f, nil
}
