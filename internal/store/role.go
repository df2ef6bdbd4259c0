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

// Roles lists the roles of the actor's organisation with their permissions.
func (s *Store) Roles(ctx context.Context) ([]*opora.Role, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermAdminUsers) && !a.Can(opora.PermAdminRoles) {
		return nil, opora.ErrForbidden
	}
	return s.roles(ctx, s.r, `r.organisation_id = $1`, a.OrganisationID)
}

// OwnRoles lists the roles the actor holds, for their own home page. Any
// logged-in user may read their own roles.
func (s *Store) OwnRoles(ctx context.Context) ([]*opora.Role, error) {
	a := opora.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, opora.ErrForbidden
	}
	return s.roles(ctx, s.r, `r.organisation_id = $1 AND r.id IN (SELECT role_id FROM user_roles WHERE user_id = $2)`,
		a.OrganisationID, a.UserID)
}

// Role returns one role of the actor's organisation.
func (s *Store) Role(ctx context.Context, id int64) (*opora.Role, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermAdminUsers) && !a.Can(opora.PermAdminRoles) {
		return nil, opora.ErrForbidden
	}
	rs, err := s.roles(ctx, s.r, `r.organisation_id = $1 AND r.id = $2`, a.OrganisationID, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, opora.ErrNotFound
	}
	return rs[0], nil
}

// roles reads roles matching where, with their permissions.
func (s *Store) roles(ctx context.Context, q queryer, where string, args ...any) ([]*opora.Role, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.organisation_id, r.key, r.name, r.scope, r.builtin, r.two_factor,
		COALESCE(p.permission, '') FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id
		WHERE `+where+` ORDER BY r.id, p.permission`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: roles: %w", err)
	}
	defer rows.Close()
	var out []*opora.Role
	for rows.Next() {
		r := &opora.Role{}
		var perm string
		if err := rows.Scan(&r.ID, &r.OrganisationID, &r.Key, &r.Name, &r.Scope, &r.Builtin, &r.TwoFactor, &perm); err != nil {
			return nil, fmt.Errorf("store: roles: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == r.ID {
			r = out[n-1]
		} else {
			out = append(out, r)
		}
		if perm != "" {
			r.Permissions = append(r.Permissions, opora.Permission(perm))
		}
	}
	return out, rows.Err()
}

// SaveRole creates (ID 0) or updates a role of the actor's organisation.
// Needs admin.roles. The network administrator role cannot be granted to a
// role by this screen: admin.network stays with the roles that had it.
func (s *Store) SaveRole(ctx context.Context, r *opora.Role) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminRoles); err != nil {
		return err
	}
	r.Name = strings.TrimSpace(r.Name)
	if err := r.Validate(); err != nil {
		return err
	}
	r.OrganisationID = a.OrganisationID
	return s.tx(ctx, func(tx *sql.Tx) error {
		if r.ID == 0 {
			if slices.Contains(r.Permissions, opora.PermAdminNetwork) {
				return opora.ErrForbidden
			}
			r.Builtin = false
			if err := s.insertRole(ctx, tx, r); err != nil {
				return err
			}
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "role", EntityID: r.ID,
				Changes: []opora.Change{{Field: "name", New: r.Name}, {Field: "scope", New: string(r.Scope)},
					{Field: "permissions", New: joinPerms(r.Permissions)}, {Field: "two_factor", New: strconv.FormatBool(r.TwoFactor)}}})
		}
		olds, err := s.roles(ctx, tx, `r.organisation_id = $1 AND r.id = $2`, a.OrganisationID, r.ID)
		if err != nil {
			return err
		}
		if len(olds) == 0 {
			return opora.ErrNotFound
		}
		old := olds[0]
		if old.Has(opora.PermAdminNetwork) != slices.Contains(r.Permissions, opora.PermAdminNetwork) {
			return opora.ErrForbidden
		}
		if old.Has(opora.PermAdminRoles) && !slices.Contains(r.Permissions, opora.PermAdminRoles) {
			// Keep at least one active holder of admin.roles, or nobody could mend roles again.
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles ur
				JOIN role_permissions p ON p.role_id = ur.role_id AND p.permission = $1
				JOIN users u ON u.id = ur.user_id AND NOT u.disabled
				WHERE u.organisation_id = $2 AND ur.role_id <> $3`, opora.PermAdminRoles, a.OrganisationID, r.ID).Scan(&others); err != nil {
				return fmt.Errorf("store: roles: %w", err)
			}
			if others == 0 {
				return &opora.Error{Code: opora.ECONFLICT, Message: "error.last_role_admin"}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE roles SET name = $1, scope = $2, two_factor = $4 WHERE id = $3`,
			r.Name, r.Scope, r.ID, r.TwoFactor); err != nil {
			return fmt.Errorf("store: update role: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM role_permissions WHERE role_id = $1`, r.ID); err != nil {
			return fmt.Errorf("store: update role: %w", err)
		}
		if err := insertPermissions(ctx, tx, r); err != nil {
			return err
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "name", old.Name, r.Name)
		ch = opora.Diff(ch, "scope", string(old.Scope), string(r.Scope))
		ch = opora.Diff(ch, "permissions", joinPerms(old.Permissions), joinPerms(r.Permissions))
		ch = opora.Diff(ch, "two_factor", strconv.FormatBool(old.TwoFactor), strconv.FormatBool(r.TwoFactor))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "role", EntityID: r.ID, Changes: ch})
	})
}

func joinPerms(ps []opora.Permission) string {
	ss := make([]string, len(ps))
	for i, p := range ps {
		ss[i] = string(p)
	}
	slices.Sort(ss)
	return strings.Join(ss, " ")
}

// insertRole adds a role. A built-in role (seeded with a new
// organisation) requires two-factor login when its permissions call for
// it (Role.TwoFactorByDefault); a role made on the roles screen as its form said.
func (s *Store) insertRole(ctx context.Context, tx *sql.Tx, r *opora.Role) error {
	if r.Builtin {
		r.TwoFactor = r.TwoFactorByDefault()
	}
	id, err := insertID(ctx, tx, `INSERT INTO roles (organisation_id, key, name, scope, builtin, two_factor) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.OrganisationID, r.Key, r.Name, r.Scope, r.Builtin, r.TwoFactor)
	if err != nil {
		return fmt.Errorf("store: create role: %w", err)
	}
	r.ID = id
	return insertPermissions(ctx, tx, r)
}

func insertPermissions(ctx context.Context, tx *sql.Tx, r *opora.Role) error {
	seen := map[opora.Permission]bool{}
	var args []any
	for _, p := range r.Permissions {
		if seen[p] {
			continue
		}
		seen[p] = true
		args = append(args, r.ID, p)
	}
	if len(args) == 0 {
		return nil
	}
	// One statement for the role's permissions ($n placeholders serve both dialects).
	if _, err := tx.ExecContext(ctx, rowsInsert("role_permissions", []string{"role_id", "permission"},
		len(args)/2), args...); err != nil {
		return fmt.Errorf("store: role permissions: %w", err)
	}
	return nil
}
