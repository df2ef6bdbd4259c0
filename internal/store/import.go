package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Imports from other systems (opora import mks, internal/mksimport). The
// importer writes through the ordinary store methods (CreateClient,
// CreateNote, RecordServices, …), so an imported record is validated,
// counted, on the timeline and in the audit log like any other; the
// context from opora.WithImport makes the audit say "import". A batch runs
// those calls in one transaction together with the rows of import_map that
// remember which source record became which Opora record: a batch is
// written whole or not at all, and a re-run skips what is already mapped.

type importTxKey struct{}

// ImportTx runs fn in one write transaction: every store write fn makes
// with the context it is given joins it. The actor must administer the
// organisation and the context must carry opora.WithImport. Reads made
// outside a write's transaction do not see the batch's rows before it
// commits, so a batch should hold records of one kind whose parents were
// written by earlier batches.
func (s *Store) ImportTx(ctx context.Context, fn func(ctx context.Context) error) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	if opora.ImportFrom(ctx) == "" {
		return fmt.Errorf("store: import batch without a source")
	}
	if _, ok := ctx.Value(importTxKey{}).(*sql.Tx); ok {
		return fmt.Errorf("store: import batch inside a batch")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return fn(context.WithValue(ctx, importTxKey{}, tx))
	})
}

func importTx(ctx context.Context) (*sql.Tx, error) {
	tx, ok := ctx.Value(importTxKey{}).(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("store: import outside a batch")
	}
	return tx, nil
}

// ImportedIDs returns the source's ids of one kind already imported into
// the actor's organisation, with the Opora ids they became.
func (s *Store) ImportedIDs(ctx context.Context, kind string) (map[int64]int64, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	var q queryer = s.r
	if tx, ok := ctx.Value(importTxKey{}).(*sql.Tx); ok {
		q = tx
	}
	rows, err := q.QueryContext(ctx, `SELECT ext_id, opora_id FROM import_map
		WHERE organisation_id = $1 AND source = $2 AND kind = $3`, a.OrganisationID, opora.ImportFrom(ctx), kind)
	if err != nil {
		return nil, fmt.Errorf("store: imported ids: %w", err)
	}
	defer rows.Close()
	m := map[int64]int64{}
	for rows.Next() {
		var ext, id int64
		if err := rows.Scan(&ext, &id); err != nil {
			return nil, fmt.Errorf("store: imported ids: %w", err)
		}
		m[ext] = id
	}
	return m, rows.Err()
}

// MapImported remembers, in the batch's transaction, that the source's
// record kind/extID became the Opora record oporaID.
func (s *Store) MapImported(ctx context.Context, kind string, extID, oporaID int64) error {
	tx, err := importTx(ctx)
	if err != nil {
		return err
	}
	a := opora.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `INSERT INTO import_map (organisation_id, source, kind, ext_id, opora_id, imported_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, a.OrganisationID, opora.ImportFrom(ctx), kind, extID, oporaID, s.Now()); err != nil {
		return fmt.Errorf("store: map imported %s: %w", kind, err)
	}
	return nil
}

// importedTables are the records whose creation time an import may set to
// the source's: entity → table. Constants, never input.
var importedTables = map[string]string{
	"client":  "clients",
	"note":    "notes",
	"service": "services",
}

// SetImportedTimes sets, in the batch's transaction, an imported record's
// creation time to the source's, and its timeline entries' with it, so the
// history reads in the order it happened.
func (s *Store) SetImportedTimes(ctx context.Context, entity string, id int64, at time.Time) error {
	tx, err := importTx(ctx)
	if err != nil {
		return err
	}
	table, ok := importedTables[entity]
	if !ok {
		return fmt.Errorf("store: imported times: unknown entity %q", entity)
	}
	a := opora.ActorFrom(ctx)
	at = at.UTC()
	update := func() error {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET created_at = $1 WHERE id = $2 AND organisation_id = $3`,
			at, id, a.OrganisationID); err != nil {
			return fmt.Errorf("store: imported times: %w", err)
		}
		return nil
	}
	if entity == "client" {
		// A client is counted in the month and day of its registration.
		err = s.recountClients(ctx, tx, []int64{id}, update)
	} else {
		err = update()
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE client_events SET at = $1 WHERE entity = $2 AND entity_id = $3
		AND organisation_id = $4`, at, entity, id, a.OrganisationID); err != nil {
		return fmt.Errorf("store: imported times: %w", err)
	}
	return nil
}
