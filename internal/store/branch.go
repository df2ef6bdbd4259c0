package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

const branchColumns = `id, organisation_id, name, COALESCE(territory_id, 0), address, archived, created_at`

func scanBranch(row interface{ Scan(...any) error }) (*opora.Branch, error) {
	b := &opora.Branch{}
	var created sql.NullTime
	err := row.Scan(&b.ID, &b.OrganisationID, &b.Name, &b.TerritoryID, &b.Address, &b.Archived, &created)
	b.CreatedAt = timeOf(created)
	return b, err
}

// Branches lists the branches of the actor's organisation.
func (s *Store) Branches(ctx context.Context) ([]*opora.Branch, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrForbidden
	}
	if _, cached := requestVersions(ctx); cached {
		bs, err := s.orgBranches(ctx, a.OrganisationID)
		if err != nil {
			return nil, err
		}
		return branchPointers(bs), nil
	}
	return s.branches(ctx, a.OrganisationID)
}

func (s *Store) branches(ctx context.Context, orgID int64) ([]*opora.Branch, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+branchColumns+` FROM branches
		WHERE organisation_id = $1 ORDER BY archived, name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: branches: %w", err)
	}
	defer rows.Close()
	var out []*opora.Branch
	for rows.Next() {
		b, err := scanBranch(rows)
		if err != nil {
			return nil, fmt.Errorf("store: branches: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Branch returns one branch of the actor's organisation; others answer not found.
func (s *Store) Branch(ctx context.Context, id int64) (*opora.Branch, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrNotFound
	}
	b, err := scanBranch(s.r.QueryRowContext(ctx, `SELECT `+branchColumns+` FROM branches
		WHERE id = $1 AND organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return b, nil
}

// SaveBranch creates (ID 0) or updates a branch of the actor's organisation. Needs admin.org.
func (s *Store) SaveBranch(ctx context.Context, b *opora.Branch) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return err
	}
	b.OrganisationID = a.OrganisationID
	return s.tx(ctx, func(tx *sql.Tx) error {
		if b.TerritoryID != 0 {
			if _, err := s.territory(ctx, tx, b.TerritoryID); err != nil {
				var v opora.Validation
				v.Add("territory_id", "error.invalid_choice")
				return v.Err()
			}
		}
		if b.ID == 0 {
			return s.insertBranch(ctx, tx, b)
		}
		old, err := scanBranch(tx.QueryRowContext(ctx, `SELECT `+branchColumns+` FROM branches
			WHERE id = $1 AND organisation_id = $2`, b.ID, a.OrganisationID))
		if err != nil {
			return notFound(err)
		}
		if b.Archived && !old.Archived {
			var active int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM branches WHERE organisation_id = $1
				AND NOT archived AND id <> $2`, a.OrganisationID, b.ID).Scan(&active); err != nil {
				return fmt.Errorf("store: branches: %w", err)
			}
			if active == 0 {
				return &opora.Error{Code: opora.ECONFLICT, Message: "error.last_branch"}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE branches SET name = $1, territory_id = $2, address = $3,
			archived = $4 WHERE id = $5`, b.Name, nullID(b.TerritoryID), b.Address, b.Archived, b.ID); err != nil {
			return fmt.Errorf("store: update branch: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "name", old.Name, b.Name)
		ch = opora.Diff(ch, "territory_id", strconv.FormatInt(old.TerritoryID, 10), strconv.FormatInt(b.TerritoryID, 10))
		ch = opora.Diff(ch, "address", old.Address, b.Address)
		ch = opora.Diff(ch, "archived", strconv.FormatBool(old.Archived), strconv.FormatBool(b.Archived))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "branch",
			EntityID: b.ID, Changes: ch})
	})
}

func (s *Store) insertBranch(ctx context.Context, tx *sql.Tx, b *opora.Branch) error {
	b.CreatedAt = s.Now()
	id, err := insertID(ctx, tx, `INSERT INTO branches (organisation_id, name, territory_id, address, archived, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, b.OrganisationID, b.Name, nullID(b.TerritoryID), b.Address, b.Archived, b.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: create branch: %w", err)
	}
	b.ID = id
	return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: b.OrganisationID, Action: opora.ActionCreate,
		Entity: "branch", EntityID: id, Changes: []opora.Change{{Field: "name", New: b.Name}}})
}
