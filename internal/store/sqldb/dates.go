package sqldb

import (
	"database/sql"
	"github.com/opora-project/opora/internal/opora"
	"time"
)

// DateOf reads a DATE column as midnight UTC.
func DateOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	y, m, d := t.Time.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NullDate maps the zero time to NULL and anything else to its date at midnight UTC.
func NullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is the current date in the server's zone by the store's clock, as
// store.Store.Today.
func (db *DB) Today() opora.Date { return opora.Today(db.Now(), time.Local) }
