package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

const userColumns = `u.id, u.organisation_id, u.login, u.full_name, u.position, u.email, u.locale,
	u.disabled, u.failed_logins, u.locked_until, u.last_login_at, u.created_at, u.totp_secret <> ''`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*opora.User, error) {
	u := &opora.User{}
	var locked, last, created sql.NullTime
	dest := append([]any{&u.ID, &u.OrganisationID, &u.Login, &u.FullName, &u.Position, &u.Email, &u.Locale,
		&u.Disabled, &u.FailedLogins, &locked, &last, &created, &u.TwoFactor}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.LockedUntil, u.LastLoginAt, u.CreatedAt = timeOf(locked), timeOf(last), timeOf(created)
	return u, nil
}

// UserFilter selects users for the administrator's list.
type UserFilter struct {
	Query           string // part of the name or login
	BranchID        int64
	IncludeDisabled bool
	Offset, Limit   int
}

// Users lists the users of the actor's organisation. Needs admin.users.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]*opora.User, int, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return nil, 0, err
	}
	where := `u.organisation_id = $1`
	args := []any{a.OrganisationID}
	if !f.IncludeDisabled {
		where += ` AND NOT u.disabled`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Names are matched in Go-folded lower case on both engines: SQLite's
		// lower() folds only ASCII, so the folded name is compared by instr on
		// a lower-cased copy kept in memory for this small table.
		ids, err := s.matchUsers(ctx, a.OrganisationID, q)
		if err != nil {
			return nil, 0, err
		}
		if len(ids) == 0 {
			return nil, 0, nil
		}
		var in string
		in, args = inList(args, ids)
		where += ` AND u.id IN (` + in + `)`
	}
	if f.BranchID != 0 {
		args = append(args, f.BranchID)
		where += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM user_branches ub WHERE ub.user_id = u.id AND ub.branch_id = $%d)`, len(args))
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count users: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where+
		fmt.Sprintf(` ORDER BY u.disabled, u.full_name, u.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: users: %w", err)
	}
	var out []*opora.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("store: users: %w", err)
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: users: %w", err)
	}
	for _, u := range out {
		if err := s.loadUserLinks(ctx, s.r, u); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// matchUsers returns ids of the organisation's users whose name or login
// contains q, folded the same way in Go for Cyrillic and ё.
func (s *Store) matchUsers(ctx context.Context, orgID int64, q string) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, login, full_name FROM users WHERE organisation_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	needle := fold(q)
	var ids []int64
	for rows.Next() {
		var id int64
		var login, name string
		if err := rows.Scan(&id, &login, &name); err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		if strings.Contains(fold(name), needle) || strings.Contains(fold(login), needle) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

func fold(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "ё", "е")
}

// User returns one user of the actor's organisation; others answer not found.
// Needs admin.users, except for one's own account.
func (s *Store) User(ctx context.Context, id int64) (*opora.User, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrNotFound
	}
	if id != a.UserID && !a.Can(opora.PermAdminUsers) {
		return nil, opora.ErrForbidden
	}
	u, err := s.user(ctx, s.r, `u.id = $1 AND u.organisation_id = $2`, id, a.OrganisationID)
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Store) user(ctx context.Context, q queryer, where string, args ...any) (*opora.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where, args...))
	if err != nil {
		return nil, notFound(err)
	}
	if err := s.loadUserLinks(ctx, q, u); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Store) loadUserLinks(ctx context.Context, q queryer, u *opora.User) error {
	u.BranchIDs, u.RoleIDs = nil, nil
	rows, err := q.QueryContext(ctx, `SELECT 'b', branch_id FROM user_branches WHERE user_id = $1
		UNION ALL SELECT 'r', role_id FROM user_roles WHERE user_id = $1 ORDER BY 1, 2`, u.ID)
	if err != nil {
		return fmt.Errorf("store: user links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return fmt.Errorf("store: user links: %w", err)
		}
		if kind == "b" {
			u.BranchIDs = append(u.BranchIDs, id)
		} else {
			u.RoleIDs = append(u.RoleIDs, id)
		}
	}
	return rows.Err()
}

func (s *Store) checkLoginFree(ctx context.Context, q queryer, login string, exceptID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE login = $1 AND id <> $2`, login, exceptID).Scan(&n); err != nil {
		return fmt.Errorf("store: login check: %w", err)
	}
	if n > 0 {
		var v opora.Validation
		v.Add("login", "error.login_taken")
		return v.Err()
	}
	return nil
}

// checkUserLinks verifies that every branch and role belongs to the organisation.
func checkUserLinks(ctx context.Context, q queryer, u *opora.User) error {
	var v opora.Validation
	count := func(table string, ids []int64) int {
		args := []any{u.OrganisationID}
		in, args := inList(args, ids)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE organisation_id = $1 AND id IN (`+in+`)`, args...).Scan(&n); err != nil {
			return -1
		}
		return n
	}
	if n := count("branches", u.BranchIDs); n != len(u.BranchIDs) {
		v.Add("branches", "error.invalid_choice")
	}
	if n := count("roles", u.RoleIDs); n != len(u.RoleIDs) {
		v.Add("roles", "error.invalid_choice")
	}
	return v.Err()
}

// CreateUser adds a user to the actor's organisation. Needs admin.users.
func (s *Store) CreateUser(ctx context.Context, u *opora.User, passwordHash string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return err
	}
	u.OrganisationID = a.OrganisationID
	u.Normalize()
	u.BranchIDs, u.RoleIDs = dedupe(u.BranchIDs), dedupe(u.RoleIDs)
	if err := u.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkLoginFree(ctx, tx, u.Login, 0); err != nil {
			return err
		}
		if err := checkUserLinks(ctx, tx, u); err != nil {
			return err
		}
		if err := s.grantsOnlyOwn(ctx, tx, a, u.RoleIDs, nil); err != nil {
			return err
		}
		return s.insertUser(ctx, tx, u, passwordHash)
	})
}

// grantsOnlyOwn refuses to hand out the network administrator role unless the
// actor holds it: an organisation's administrator cannot make a network admin.
func (s *Store) grantsOnlyOwn(ctx context.Context, q queryer, a *opora.Actor, roleIDs, keep []int64) error {
	if a.Can(opora.PermAdminNetwork) {
		return nil
	}
	for _, id := range roleIDs {
		if slices.Contains(keep, id) {
			continue
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_permissions WHERE role_id = $1 AND permission = $2`,
			id, opora.PermAdminNetwork).Scan(&n); err != nil {
			return fmt.Errorf("store: roles: %w", err)
		}
		if n > 0 {
			return opora.ErrForbidden
		}
	}
	return nil
}

func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, u *opora.User, passwordHash string) error {
	u.CreatedAt = s.Now()
	id, err := insertID(ctx, tx, `INSERT INTO users (organisation_id, login, full_name, position, email, locale,
		password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.OrganisationID, u.Login, u.FullName, u.Position, u.Email, u.Locale, passwordHash, u.CreatedAt)
	if isUniqueViolation(err) {
		var v opora.Validation
		v.Add("login", "error.login_taken")
		return v.Err()
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	u.ID = id
	if err := insertUserLinks(ctx, tx, u); err != nil {
		return err
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: u.OrganisationID, Action: opora.ActionCreate,
		Entity: "user", EntityID: id, Changes: []opora.Change{{Field: "login", New: u.Login},
			{Field: "full_name", New: u.FullName}, {Field: "roles", New: joinIDs(u.RoleIDs)},
			{Field: "branches", New: joinIDs(u.BranchIDs)}}})
}

func insertUserLinks(ctx context.Context, tx *sql.Tx, u *opora.User) error {
	for _, b := range u.BranchIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_branches (user_id, branch_id) VALUES ($1, $2)`, u.ID, b); err != nil {
			return fmt.Errorf("store: user branches: %w", err)
		}
	}
	for _, r := range u.RoleIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)`, u.ID, r); err != nil {
			return fmt.Errorf("store: user roles: %w", err)
		}
	}
	return nil
}

// UpdateUser saves a user's details, branches and roles. Needs admin.users.
func (s *Store) UpdateUser(ctx context.Context, u *opora.User) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return err
	}
	u.OrganisationID = a.OrganisationID
	u.Normalize()
	u.BranchIDs, u.RoleIDs = dedupe(u.BranchIDs), dedupe(u.RoleIDs)
	if err := u.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.user(ctx, tx, `u.id = $1 AND u.organisation_id = $2`, u.ID, a.OrganisationID)
		if err != nil {
			return err
		}
		if err := s.checkLoginFree(ctx, tx, u.Login, u.ID); err != nil {
			return err
		}
		if err := checkUserLinks(ctx, tx, u); err != nil {
			return err
		}
		if err := s.grantsOnlyOwn(ctx, tx, a, u.RoleIDs, old.RoleIDs); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET login = $1, full_name = $2, position = $3, email = $4,
			locale = $5 WHERE id = $6`, u.Login, u.FullName, u.Position, u.Email, u.Locale, u.ID); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_branches WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if err := insertUserLinks(ctx, tx, u); err != nil {
			return err
		}
		if err := checkRoleAdminLeft(ctx, tx, a.OrganisationID); err != nil {
			return err
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "login", old.Login, u.Login)
		ch = opora.Diff(ch, "full_name", old.FullName, u.FullName)
		ch = opora.Diff(ch, "position", old.Position, u.Position)
		ch = opora.Diff(ch, "email", old.Email, u.Email)
		ch = opora.Diff(ch, "locale", old.Locale, u.Locale)
		ch = opora.Diff(ch, "branches", joinIDs(old.BranchIDs), joinIDs(u.BranchIDs))
		ch = opora.Diff(ch, "roles", joinIDs(old.RoleIDs), joinIDs(u.RoleIDs))
		if len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "user", EntityID: u.ID, Changes: ch})
	})
}

// SetUserDisabled disables or enables a user of the actor's organisation.
// Disabling ends every session of that user at once. Needs admin.users;
// nobody can disable themselves.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return err
	}
	if disabled && id == a.UserID {
		return &opora.Error{Code: opora.ECONFLICT, Message: "error.disable_self"}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.user(ctx, tx, `u.id = $1 AND u.organisation_id = $2`, id, a.OrganisationID)
		if err != nil {
			return err
		}
		if old.Disabled == disabled {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1, failed_logins = 0, locked_until = NULL
			WHERE id = $2`, disabled, id); err != nil {
			return fmt.Errorf("store: disable user: %w", err)
		}
		action := opora.ActionEnable
		if disabled {
			action = opora.ActionDisable
			if err := checkRoleAdminLeft(ctx, tx, a.OrganisationID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "user", EntityID: id,
			Changes: opora.Diff(nil, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(disabled))})
	})
}

// checkRoleAdminLeft refuses a change that would leave the organisation with
// no active user holding admin.roles: nobody could hand out rights again.
func checkRoleAdminLeft(ctx context.Context, q queryer, orgID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles ur
		JOIN role_permissions p ON p.role_id = ur.role_id AND p.permission = $1
		JOIN users u ON u.id = ur.user_id AND NOT u.disabled
		WHERE u.organisation_id = $2`, opora.PermAdminRoles, orgID).Scan(&n); err != nil {
		return fmt.Errorf("store: role administrators: %w", err)
	}
	if n == 0 {
		return &opora.Error{Code: opora.ECONFLICT, Message: "error.last_role_admin"}
	}
	return nil
}

// ResetPassword sets another user's password (an administrator's reset),
// unlocks the account and ends its sessions. Needs admin.users.
func (s *Store) ResetPassword(ctx context.Context, id int64, passwordHash string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminUsers); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.user(ctx, tx, `u.id = $1 AND u.organisation_id = $2`, id, a.OrganisationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL
			WHERE id = $2`, passwordHash, id); err != nil {
			return fmt.Errorf("store: reset password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionPasswordSet, Entity: "user", EntityID: id,
			Changes: []opora.Change{{Field: "password", Sensitive: true}}})
	})
}

// ChangeOwnPassword sets the actor's password and ends their other sessions.
func (s *Store) ChangeOwnPassword(ctx context.Context, passwordHash, keepSession string) error {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return opora.ErrForbidden
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, passwordHash, a.UserID); err != nil {
			return fmt.Errorf("store: change password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, a.UserID, keepSession); err != nil {
			return fmt.Errorf("store: end sessions: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionPassword, Entity: "user", EntityID: a.UserID,
			Changes: []opora.Change{{Field: "password", Sensitive: true}}})
	})
}

// SetOwnLocale saves the actor's interface language.
func (s *Store) SetOwnLocale(ctx context.Context, locale string) error {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return opora.ErrForbidden
	}
	if locale != "ru" && locale != "en" {
		return opora.Errorf(opora.EINVALID, "error.invalid_choice")
	}
	_, err := s.w.ExecContext(ctx, `UPDATE users SET locale = $1 WHERE id = $2`, locale, a.UserID)
	if err != nil {
		return fmt.Errorf("store: set locale: %w", err)
	}
	return nil
}

// PasswordHash returns the stored hash of the actor's password, to check the
// current password before a change.
func (s *Store) PasswordHash(ctx context.Context) (string, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return "", opora.ErrForbidden
	}
	var h string
	if err := s.r.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, a.UserID).Scan(&h); err != nil {
		return "", notFound(err)
	}
	return h, nil
}

// LoginCandidate is what the login check needs about an account.
type LoginCandidate struct {
	User         *opora.User
	PasswordHash string
}

// UserForLogin finds an account by login for the login check; it needs no actor.
func (s *Store) UserForLogin(ctx context.Context, login string) (*LoginCandidate, error) {
	var hash string
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.login = $1`,
		opora.NormalizeLogin(login)), &hash)
	if err != nil {
		return nil, notFound(err)
	}
	return &LoginCandidate{User: u, PasswordHash: hash}, nil
}

// LoginTurn is what ReserveLogin decided about one login attempt.
type LoginTurn struct {
	// Allowed: the password may be checked. A refused attempt is not counted.
	Allowed bool
	// Locks: this attempt used the account's last try and locked it; a
	// success takes the lock back.
	Locks bool
}

// ReserveLogin counts a login attempt on an account before its password is
// checked, in one statement with the check of the lock, so parallel
// attempts cannot all pass a check made before any of them was counted. The
// attempt that reaches MaxFailedLogins locks the account for LockoutDuration
// at once and starts the count again; RecordLoginSuccess clears both. An
// attempt on a locked account is refused and not counted.
func (s *Store) ReserveLogin(ctx context.Context, userID int64) (LoginTurn, error) {
	now := s.Now()
	var n int
	// A run-out lock is cleared; the second branch gives PostgreSQL the
	// column's type for $4 (with a bare NULL it guesses text).
	err := s.w.QueryRowContext(ctx, `UPDATE users SET
			failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
			locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $4 WHEN locked_until IS NULL THEN locked_until END
		WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $3)
		RETURNING failed_logins`, userID, opora.MaxFailedLogins, now, now.Add(opora.LockoutDuration)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		if err := s.w.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = $1`, userID).Scan(&one); err != nil {
			return LoginTurn{}, notFound(err)
		}
		return LoginTurn{}, nil
	}
	if err != nil {
		return LoginTurn{}, fmt.Errorf("store: login attempt: %w", err)
	}
	return LoginTurn{Allowed: true, Locks: n == 0}, nil
}

// LoginFailed audit-logs a failed attempt that ReserveLogin decided on: a
// refused one as "locked", a checked one as a failure, and the lock it set.
func (s *Store) LoginFailed(ctx context.Context, userID int64, turn LoginTurn) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var orgID int64
		if err := tx.QueryRowContext(ctx, `SELECT organisation_id FROM users WHERE id = $1`, userID).Scan(&orgID); err != nil {
			return notFound(err)
		}
		e := &opora.AuditEntry{OrganisationID: orgID, UserID: userID, Action: opora.ActionLoginFailed, Entity: "user", EntityID: userID}
		if !turn.Allowed {
			e.Section = "locked"
		}
		if err := s.insertAudit(ctx, tx, e); err != nil {
			return err
		}
		if turn.Locks {
			return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: orgID, UserID: userID, Action: opora.ActionLockout,
				Entity: "user", EntityID: userID})
		}
		return nil
	})
}

// RecordLoginFailure counts a failed login on an account and audit-logs it
// (ReserveLogin followed by LoginFailed); it returns whether the account is
// now locked.
func (s *Store) RecordLoginFailure(ctx context.Context, userID int64) (bool, error) {
	turn, err := s.ReserveLogin(ctx, userID)
	if err != nil {
		return false, err
	}
	if err := s.LoginFailed(ctx, userID, turn); err != nil {
		return false, err
	}
	return !turn.Allowed || turn.Locks, nil
}

// RecordUnknownLogin audit-logs a failed login for a login that names no
// account. The typed login is not kept: it may be a mistyped password.
func (s *Store) RecordUnknownLogin(ctx context.Context) error {
	return s.insertAudit(ctx, s.w, &opora.AuditEntry{Action: opora.ActionLoginFailed, Entity: "user", Section: "unknown"})
}

// RecordLoginSuccess clears the failure counter and creates the session in one transaction.
func (s *Store) RecordLoginSuccess(ctx context.Context, u *opora.User, sess *opora.Session) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.recordLoginSuccess(ctx, tx, u, sess, "")
	})
}

// recordLoginSuccess clears the failure counter, creates the session and
// audit-logs the login; section names a second factor used ("totp", "recovery").
func (s *Store) recordLoginSuccess(ctx context.Context, tx *sql.Tx, u *opora.User, sess *opora.Session, section string) error {
	now := s.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1
		WHERE id = $2`, now, u.ID); err != nil {
		return fmt.Errorf("store: login: %w", err)
	}
	sess.UserID, sess.CreatedAt, sess.LastSeenAt = u.ID, now, now
	if err := insertSession(ctx, tx, sess); err != nil {
		return err
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{OrganisationID: u.OrganisationID, UserID: u.ID,
		Action: opora.ActionLogin, Entity: "user", EntityID: u.ID, Section: section})
}

// UserNames returns the full names of the given users of the actor's organisation.
func (s *Store) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	a := opora.ActorFrom(ctx)
	out := map[int64]string{}
	if a == nil || len(ids) == 0 {
		return out, nil
	}
	v, cached := requestVersions(ctx)
	if cached {
		if ids = s.dict.cachedUserNames(a.OrganisationID, v.Auth, ids, out); len(ids) == 0 {
			return out, nil
		}
	}
	in, args := inList([]any{a.OrganisationID}, ids)
	if err := s.readUserNames(ctx, `organisation_id = $1 AND id IN (`+in+`)`, args, out); err != nil {
		return nil, err
	}
	if cached {
		for _, id := range ids {
			if name, ok := out[id]; ok {
				s.dict.userNames.put(id, v.Auth, orgUserName{org: a.OrganisationID, name: name})
			}
		}
	}
	return out, nil
}

// readUserNames adds the names of the users the condition selects to out.
func (s *Store) readUserNames(ctx context.Context, cond string, args []any, out map[int64]string) error {
	rows, err := s.r.QueryContext(ctx, `SELECT id, full_name FROM users WHERE `+cond, args...)
	if err != nil {
		return fmt.Errorf("store: user names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("store: user names: %w", err)
		}
		out[id] = name
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: user names: %w", err)
	}
	return nil
}

func dedupe(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func joinIDs(ids []int64) string {
	ss := make([]string, len(ids))
	for i, id := range ids {
		ss[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(ss, ",")
}
