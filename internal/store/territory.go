package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Territories returns the whole territory dictionary, each entry with its
// path ("Region / Municipality"), ordered by path. Any logged-in user may read it.
func (s *Store) Territories(ctx context.Context) ([]*opora.Territory, error) {
	if opora.ActorFrom(ctx) == nil {
		return nil, opora.ErrForbidden
	}
	return s.territories(ctx, s.r)
}

func (s *Store) territories(ctx context.Context, q queryer) ([]*opora.Territory, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(parent_id, 0), kind, name FROM territories ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: territories: %w", err)
	}
	defer rows.Close()
	byID := map[int64]*opora.Territory{}
	var all []*opora.Territory
	for rows.Next() {
		t := &opora.Territory{}
		if err := rows.Scan(&t.ID, &t.ParentID, &t.Kind, &t.Name); err != nil {
			return nil, fmt.Errorf("store: territories: %w", err)
		}
		byID[t.ID] = t
		all = append(all, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: territories: %w", err)
	}
	var path func(t *opora.Territory, depth int) string
	path = func(t *opora.Territory, depth int) string {
		if p, ok := byID[t.ParentID]; ok && depth < 5 {
			return path(p, depth+1) + " / " + t.Name
		}
		return t.Name
	}
	for _, t := range all {
		t.Path = path(t, 0)
	}
	sortByPath(all)
	return all, nil
}

func sortByPath(ts []*opora.Territory) {
	slices.SortStableFunc(ts, func(a, b *opora.Territory) int { return strings.Compare(a.Path, b.Path) })
}

// Territory returns one territory.
func (s *Store) Territory(ctx context.Context, id int64) (*opora.Territory, error) {
	if opora.ActorFrom(ctx) == nil {
		return nil, opora.ErrForbidden
	}
	return s.territory(ctx, s.r, id)
}

func (s *Store) territory(ctx context.Context, q queryer, id int64) (*opora.Territory, error) {
	t := &opora.Territory{}
	err := q.QueryRowContext(ctx, `SELECT id, COALESCE(parent_id, 0), kind, name FROM territories WHERE id = $1`, id).
		Scan(&t.ID, &t.ParentID, &t.Kind, &t.Name)
	if err != nil {
		return nil, notFound(err)
	}
	return t, nil
}

// SaveTerritory creates (ID 0) or renames a territory. Needs admin.network.
func (s *Store) SaveTerritory(ctx context.Context, t *opora.Territory) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var old *opora.Territory
		if t.ID != 0 {
			// A rename keeps the level and the parent: validate against the
			// stored parent, not whatever the form sent.
			o, err := s.territory(ctx, tx, t.ID)
			if err != nil {
				return err
			}
			old, t.Kind, t.ParentID = o, o.Kind, o.ParentID
		}
		var parent *opora.Territory
		if t.ParentID != 0 {
			p, err := s.territory(ctx, tx, t.ParentID)
			if err != nil {
				var v opora.Validation
				v.Add("parent_id", "error.territory_parent")
				return v.Err()
			}
			parent = p
		}
		if old != nil {
			if err := t.Validate(parent); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE territories SET name = $1 WHERE id = $2`, t.Name, t.ID); err != nil {
				return fmt.Errorf("store: update territory: %w", err)
			}
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "territory",
				EntityID: t.ID, Changes: opora.Diff(nil, "name", old.Name, t.Name)})
		}
		if err := t.Validate(parent); err != nil {
			return err
		}
		id, err := insertID(ctx, tx, `INSERT INTO territories (parent_id, kind, name) VALUES ($1, $2, $3)`,
			nullID(t.ParentID), t.Kind, t.Name)
		if err != nil {
			return fmt.Errorf("store: create territory: %w", err)
		}
		t.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "territory",
			EntityID: id, Changes: []opora.Change{{Field: "name", New: t.Name}, {Field: "kind", New: string(t.Kind)},
				{Field: "parent_id", New: strconv.FormatInt(t.ParentID, 10)}}})
	})
}
