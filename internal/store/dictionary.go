package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// DictionaryItems lists the items of one dictionary of the actor's
// organisation in order; disabled ones only when all is true. Needs
// client.read or dictionary.manage.
func (s *Store) DictionaryItems(ctx context.Context, dict string, all bool) ([]*opora.DictionaryItem, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !a.Can(opora.PermDictionaryManage) {
		return nil, opora.ErrForbidden
	}
	q := `SELECT id, organisation_id, dictionary, key, label, position, disabled FROM dictionary_items
		WHERE organisation_id = $1 AND dictionary = $2`
	if !all {
		q += ` AND NOT disabled`
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY position, id`, a.OrganisationID, dict)
	if err != nil {
		return nil, fmt.Errorf("store: dictionary items: %w", err)
	}
	defer rows.Close()
	var out []*opora.DictionaryItem
	for rows.Next() {
		d := &opora.DictionaryItem{}
		if err := rows.Scan(&d.ID, &d.OrganisationID, &d.Dictionary, &d.Key, &d.Label, &d.Position, &d.Disabled); err != nil {
			return nil, fmt.Errorf("store: dictionary items: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveDictionaryItem adds an item to a dictionary of the actor's
// organisation (d.ID == 0; Position 0 puts it last) or changes one (label,
// position, disabled; the dictionary and key of an item never change).
// Needs dictionary.manage.
func (s *Store) SaveDictionaryItem(ctx context.Context, d *opora.DictionaryItem) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	d.Normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		d.OrganisationID = a.OrganisationID
		if d.ID == 0 {
			if d.Position == 0 {
				if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM dictionary_items
					WHERE organisation_id = $1 AND dictionary = $2`, a.OrganisationID, d.Dictionary).Scan(&d.Position); err != nil {
					return fmt.Errorf("store: dictionary item: %w", err)
				}
			}
			id, err := insertID(ctx, tx, `INSERT INTO dictionary_items (organisation_id, dictionary, key, label, position, disabled)
				VALUES ($1, $2, $3, $4, $5, $6)`, a.OrganisationID, d.Dictionary, d.Key, d.Label, d.Position, d.Disabled)
			if err != nil {
				return fmt.Errorf("store: dictionary item: %w", err)
			}
			d.ID = id
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "dictionary_item", EntityID: id,
				Section: d.Dictionary, Changes: []opora.Change{{Field: "label", New: d.Label}}})
		}
		old := &opora.DictionaryItem{}
		err := tx.QueryRowContext(ctx, `SELECT id, organisation_id, dictionary, key, label, position, disabled FROM dictionary_items
			WHERE id = $1 AND organisation_id = $2`, d.ID, a.OrganisationID).
			Scan(&old.ID, &old.OrganisationID, &old.Dictionary, &old.Key, &old.Label, &old.Position, &old.Disabled)
		if err != nil {
			return notFound(err)
		}
		d.Dictionary, d.Key = old.Dictionary, old.Key
		var ch []opora.Change
		ch = opora.Diff(ch, "label", old.Label, d.Label)
		ch = opora.Diff(ch, "position", strconv.Itoa(old.Position), strconv.Itoa(d.Position))
		ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(d.Disabled))
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE dictionary_items SET label = $1, position = $2, disabled = $3 WHERE id = $4`,
			d.Label, d.Position, d.Disabled, d.ID); err != nil {
			return fmt.Errorf("store: dictionary item: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "dictionary_item", EntityID: d.ID,
			Section: d.Dictionary, Changes: ch})
	})
}

// dictionaryItemLabel checks that id is an item of dictionary dict of the
// actor's organisation and returns its label; field names the form field
// for the error. A disabled item is accepted only when it is keep (the
// value already saved).
func dictionaryItemLabel(ctx context.Context, q queryer, a *opora.Actor, dict string, id, keep int64, field string) (string, error) {
	var label string
	var disabled bool
	err := q.QueryRowContext(ctx, `SELECT label, disabled FROM dictionary_items WHERE id = $1 AND organisation_id = $2 AND dictionary = $3`,
		id, a.OrganisationID, dict).Scan(&label, &disabled)
	if err == sql.ErrNoRows || (err == nil && disabled && id != keep) {
		var v opora.Validation
		v.Add(field, "error.invalid_choice")
		return "", v.Err()
	}
	if err != nil {
		return "", fmt.Errorf("store: dictionary item: %w", err)
	}
	return label, nil
}
