package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

const orgColumns = `id, name, short_name, type, COALESCE(territory_id, 0), inn, address, phone, email, head, created_at, backdate_days, consent_required, two_factor_enforced`

func scanOrganisation(row interface{ Scan(...any) error }) (*opora.Organisation, error) {
	o := &opora.Organisation{}
	var created sql.NullTime
	err := row.Scan(&o.ID, &o.Name, &o.ShortName, &o.Type, &o.TerritoryID, &o.INN, &o.Address,
		&o.Phone, &o.Email, &o.Head, &created, &o.BackdateDays, &o.ConsentRequired, &o.TwoFactorEnforced)
	o.CreatedAt = timeOf(created)
	return o, err
}

// Organisation returns the actor's own organisation, or any organisation for
// a network administrator. Others answer not found.
func (s *Store) Organisation(ctx context.Context, id int64) (*opora.Organisation, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrNotFound
	}
	if id != a.OrganisationID && !a.Can(opora.PermAdminNetwork) {
		return nil, opora.ErrNotFound
	}
	o, err := scanOrganisation(s.r.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err)
	}
	return o, nil
}

// Organisations lists the organisations the actor may see: every one for a
// network administrator, otherwise only their own.
func (s *Store) Organisations(ctx context.Context) ([]*opora.Organisation, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrForbidden
	}
	q := `SELECT ` + orgColumns + ` FROM organisations`
	var args []any
	if !a.Can(opora.PermAdminNetwork) {
		q += ` WHERE id = $1`
		args = append(args, a.OrganisationID)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: organisations: %w", err)
	}
	defer rows.Close()
	var out []*opora.Organisation
	for rows.Next() {
		o, err := scanOrganisation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: organisations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrganisationUserCounts returns the number of active users of every
// organisation, by organisation id, for the network list. Needs admin.network.
func (s *Store) OrganisationUserCounts(ctx context.Context) (map[int64]int, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT organisation_id, COUNT(*) FROM users WHERE NOT disabled GROUP BY organisation_id`)
	if err != nil {
		return nil, fmt.Errorf("store: user counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: user counts: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// NewOrganisation is what a network administrator fills to add an organisation
// to the network: the organisation, its first branch and its first administrator.
type NewOrganisation struct {
	Organisation *opora.Organisation
	BranchName   string
	Admin        *opora.User
	PasswordHash string
}

// CreateOrganisation adds an organisation with its built-in roles, first
// branch and first administrator. Needs admin.network.
func (s *Store) CreateOrganisation(ctx context.Context, n *NewOrganisation) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.createOrganisation(ctx, tx, n, false) })
}

// ValidateNewOrganisation checks what CreateOrganisation would check (the
// organisation, the branch name, the administrator and a free login) without
// saving anything, so a form can show every mistake at once before the
// password is hashed. Needs admin.network.
func (s *Store) ValidateNewOrganisation(ctx context.Context, n *NewOrganisation) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	return s.validateNewOrganisation(ctx, s.r, n)
}

func (s *Store) validateNewOrganisation(ctx context.Context, q queryer, n *NewOrganisation) error {
	o := n.Organisation
	o.Normalize()
	var v opora.Validation
	if err := o.Validate(); err != nil {
		v.Fields = opora.FieldErrors(err)
	}
	b := &opora.Branch{Name: n.BranchName}
	if err := b.Validate(); err != nil {
		v.Add("branch_name", opora.FieldErrors(err)["name"])
	}
	n.Admin.Normalize()
	n.Admin.BranchIDs, n.Admin.RoleIDs = []int64{-1}, []int64{-1} // filled on insert
	if err := n.Admin.Validate(); err != nil {
		for f, k := range opora.FieldErrors(err) {
			v.Add(f, k)
		}
	}
	if err := s.checkLoginFree(ctx, q, n.Admin.Login, 0); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		v.Add("login", "error.login_taken")
	}
	if o.TerritoryID != 0 {
		if _, err := s.territory(ctx, q, o.TerritoryID); err != nil {
			v.Add("territory_id", "error.invalid_choice")
		}
	}
	return v.Err()
}

func (s *Store) createOrganisation(ctx context.Context, tx *sql.Tx, n *NewOrganisation, networkAdmin bool) error {
	if err := s.validateNewOrganisation(ctx, tx, n); err != nil {
		return err
	}
	o := n.Organisation
	b := &opora.Branch{Name: n.BranchName}
	_ = b.Validate() // normalises the name; validated above
	o.CreatedAt = s.Now()
	if o.BackdateDays == 0 {
		o.BackdateDays = opora.DefaultBackdateDays
	}
	id, err := insertID(ctx, tx, `INSERT INTO organisations
		(name, short_name, type, territory_id, inn, address, phone, email, head, created_at, backdate_days)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		o.Name, o.ShortName, o.Type, nullID(o.TerritoryID), o.INN, o.Address, o.Phone, o.Email, o.Head, o.CreatedAt,
		o.BackdateDays)
	if err != nil {
		return fmt.Errorf("store: create organisation: %w", err)
	}
	o.ID = id
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: o.ID, Action: opora.ActionCreate,
		Entity: "organisation", EntityID: o.ID, Changes: []opora.Change{{Field: "name", New: o.Name},
			{Field: "type", New: string(o.Type)}}}); err != nil {
		return err
	}
	b.OrganisationID = o.ID
	if err := s.insertBranch(ctx, tx, b); err != nil {
		return err
	}
	builtins := opora.BuiltinRoles
	if networkAdmin {
		builtins = append(append([]opora.BuiltinRole{}, builtins...), opora.NetworkAdminBuiltin)
	}
	var adminRoles []int64
	for _, br := range builtins {
		r := &opora.Role{OrganisationID: o.ID, Key: br.Key, Scope: br.Scope, Permissions: br.Permissions, Builtin: true}
		if err := s.insertRole(ctx, tx, r); err != nil {
			return err
		}
		if br.Key == "administrator" || br.Key == opora.NetworkAdminRole {
			adminRoles = append(adminRoles, r.ID)
		}
	}
	u := n.Admin
	u.OrganisationID, u.BranchIDs, u.RoleIDs = o.ID, []int64{b.ID}, adminRoles
	if err := s.insertUser(ctx, tx, u, n.PasswordHash); err != nil {
		return err
	}
	return s.runOrgSeeders(ctx, tx, o.ID)
}

// UpdateOrganisation saves an organisation's details (used on printed
// documents). Needs admin.org for one's own organisation, or admin.network.
func (s *Store) UpdateOrganisation(ctx context.Context, o *opora.Organisation) error {
	a := opora.ActorFrom(ctx)
	if !(a.Can(opora.PermAdminOrg) && o.ID == a.OrganisationID) && !a.Can(opora.PermAdminNetwork) {
		return opora.ErrForbidden
	}
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanOrganisation(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, o.ID))
		if err != nil {
			return notFound(err)
		}
		if o.TerritoryID != 0 {
			if _, err := s.territory(ctx, tx, o.TerritoryID); err != nil {
				var v opora.Validation
				v.Add("territory_id", "error.invalid_choice")
				return v.Err()
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE organisations SET name = $1, short_name = $2, type = $3,
			territory_id = $4, inn = $5, address = $6, phone = $7, email = $8, head = $9, backdate_days = $11 WHERE id = $10`,
			o.Name, o.ShortName, o.Type, nullID(o.TerritoryID), o.INN, o.Address, o.Phone, o.Email, o.Head, o.ID, o.BackdateDays)
		if err != nil {
			return fmt.Errorf("store: update organisation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET consent_required = $1, two_factor_enforced = $3 WHERE id = $2`,
			o.ConsentRequired, o.ID, o.TwoFactorEnforced); err != nil {
			return fmt.Errorf("store: update organisation: %w", err)
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "name", old.Name, o.Name)
		ch = opora.Diff(ch, "short_name", old.ShortName, o.ShortName)
		ch = opora.Diff(ch, "type", string(old.Type), string(o.Type))
		ch = opora.Diff(ch, "territory_id", strconv.FormatInt(old.TerritoryID, 10), strconv.FormatInt(o.TerritoryID, 10))
		ch = opora.Diff(ch, "inn", old.INN, o.INN)
		ch = opora.Diff(ch, "address", old.Address, o.Address)
		ch = opora.Diff(ch, "phone", old.Phone, o.Phone)
		ch = opora.Diff(ch, "email", old.Email, o.Email)
		ch = opora.Diff(ch, "head", old.Head, o.Head)
		ch = opora.Diff(ch, "consent_required", strconv.FormatBool(old.ConsentRequired), strconv.FormatBool(o.ConsentRequired))
		ch = opora.Diff(ch, "two_factor_enforced", strconv.FormatBool(old.TwoFactorEnforced), strconv.FormatBool(o.TwoFactorEnforced))
		ch = opora.Diff(ch, "backdate_days", strconv.Itoa(old.BackdateDays), strconv.Itoa(o.BackdateDays))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: o.ID, Action: opora.ActionUpdate,
			Entity: "organisation", EntityID: o.ID, Changes: ch})
	})
}
