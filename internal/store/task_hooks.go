package store

import (
	"context"
	"database/sql"

	"github.com/opora-project/opora/internal/opora"
)

// Hooks every change of a family's task goes through (issue 21). Each
// store path that creates a family's task, changes its status, its
// assignee, its deadline or its responsible agency calls taskChangedHook
// in its own transaction, after the row is written, with the task before
// (nil on create) and after. The notifications (in-app and e-mail) and
// the escalations hang off this one call, so a new path that forgets it
// is caught by the notification tests rather than by a reader.
func (s *Store) taskChangedHook(ctx context.Context, tx *sql.Tx, old, t *opora.Task) error {
	return s.notifyTaskChange(ctx, tx, old, t)
}

// notifyTaskChange writes the notifications a task's change causes.
// Filled in by the notifications (store/notification.go).
func (s *Store) notifyTaskChange(ctx context.Context, tx *sql.Tx, old, t *opora.Task) error {
	return nil
}
