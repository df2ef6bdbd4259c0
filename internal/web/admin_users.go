package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// usersPerPage is the length of one page of the staff list.
const usersPerPage = 25

// formStatus is the status for re-rendering a form after a store error:
// 422 for invalid input, 409 for a refused change, 0 when the error is not
// the form's to show (it goes to s.fail).
func formStatus(err error) int {
	switch opora.ErrorCode(err) {
	case opora.EINVALID:
		return http.StatusUnprocessableEntity
	case opora.ECONFLICT:
		return http.StatusConflict
	}
	return 0
}

// withoutPasswords copies submitted values without any password, so a
// re-rendered form never carries one back.
func withoutPasswords(vals url.Values) url.Values {
	out := url.Values{}
	for k, v := range vals {
		if k != "password" && k != "password_confirm" {
			out[k] = v
		}
	}
	return out
}

// userRow is one line of the staff list.
type userRow struct {
	*opora.User
	Branches []string
	Roles    []string
	Locked   bool
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	page := pageNum(r)
	f := store.UserFilter{Query: q.Get("q"), IncludeDisabled: q.Get("disabled") == "1",
		Offset: (page - 1) * usersPerPage, Limit: usersPerPage}
	if id, err := strconv.ParseInt(q.Get("branch"), 10, 64); err == nil && id > 0 {
		f.BranchID = id
	}
	users, total, err := s.store.Users(ctx, f)
	if err != nil {
		return err
	}
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return err
	}
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return err
	}
	l := s.loc(r)
	branchNames := map[int64]string{}
	branchOpts := []option{{Value: "", Label: l.T("common.all")}}
	for _, b := range branches {
		branchNames[b.ID] = b.Name
		branchOpts = append(branchOpts, option{Value: idString(b.ID), Label: b.Name})
	}
	roleNames := map[int64]string{}
	for _, ro := range roles {
		roleNames[ro.ID] = roleName(l.T, ro)
	}
	now := s.store.Now()
	rows := make([]userRow, 0, len(users))
	for _, u := range users {
		row := userRow{User: u, Locked: u.Locked(now)}
		for _, id := range u.BranchIDs {
			row.Branches = append(row.Branches, branchNames[id])
		}
		for _, id := range u.RoleIDs {
			row.Roles = append(row.Roles, roleNames[id])
		}
		rows = append(rows, row)
	}
	v := s.newView(r, "users.title")
	v.Nav = "users"
	v.Form = newForm(q, nil)
	v.Data = map[string]any{"Users": rows, "Total": total, "Branches": branchOpts,
		"Pager": newPager(r, page, usersPerPage, total), "Filtered": f.Query != "" || f.BranchID != 0 || f.IncludeDisabled}
	return s.render(w, r, http.StatusOK, "users_list", v)
}

// userValues fills a form from a stored user.
func userValues(u *opora.User) url.Values {
	vals := url.Values{"full_name": {u.FullName}, "login": {u.Login}, "position": {u.Position}, "email": {u.Email}}
	for _, id := range u.BranchIDs {
		vals.Add("branches", idString(id))
	}
	for _, id := range u.RoleIDs {
		vals.Add("roles", idString(id))
	}
	return vals
}

// userFromForm reads the user's details, branches and roles from a form.
func userFromForm(f url.Values) *opora.User {
	return &opora.User{FullName: f.Get("full_name"), Login: f.Get("login"), Position: f.Get("position"),
		Email: f.Get("email"), BranchIDs: formIDs(f["branches"]), RoleIDs: formIDs(f["roles"])}
}

// renderUserForm shows the new-user page (u nil) or a user's page.
func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, u *opora.User, f *form) error {
	ctx := r.Context()
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return err
	}
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return err
	}
	l := s.loc(r)
	var branchOpts []option
	for _, b := range branches {
		has := u != nil && slices.Contains(u.BranchIDs, b.ID)
		if b.Archived && !has {
			continue
		}
		label := b.Name
		if b.Archived {
			label += " (" + l.T("branches.status_archived") + ")"
		}
		branchOpts = append(branchOpts, option{Value: idString(b.ID), Label: label})
	}
	roleOpts := make([]option, 0, len(roles))
	for _, ro := range roles {
		roleOpts = append(roleOpts, option{Value: idString(ro.ID), Label: roleName(l.T, ro)})
	}
	title := "users.new"
	if u != nil {
		title = "users.edit"
	}
	v := s.newView(r, title)
	v.Nav = "users"
	v.Form = f
	data := map[string]any{"Branches": branchOpts, "Roles": roleOpts, "User": u}
	if u != nil {
		data["Self"] = u.ID == v.Actor.UserID
		data["Locked"] = u.Locked(s.store.Now())
	}
	v.Data = data
	return s.render(w, r, status, "users_form", v)
}

func (s *Server) adminUserNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderUserForm(w, r, http.StatusOK, nil, newForm(nil, nil))
}

func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	pf := r.PostForm
	u := userFromForm(pf)
	// Check everything before hashing, so every mistake shows at once.
	var v opora.Validation
	check := *u
	check.Normalize()
	for k, e := range opora.FieldErrors(check.Validate()) {
		v.Add(k, e)
	}
	opora.ValidatePassword(&v, "password", pf.Get("password"), pf.Get("password_confirm"), check.Login)
	if err := v.Err(); err != nil {
		return s.renderUserForm(w, r, http.StatusUnprocessableEntity, nil, newForm(withoutPasswords(pf), err))
	}
	hash, err := auth.Hash(pf.Get("password"))
	if err != nil {
		return err
	}
	if err := s.store.CreateUser(r.Context(), u, hash); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderUserForm(w, r, st, nil, newForm(withoutPasswords(pf), err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/users", "users.created")
}

// adminUserTarget loads the user named in the path; another organisation's
// user answers 404 before anything else is looked at.
func (s *Server) adminUserTarget(r *http.Request) (*opora.User, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.User(r.Context(), id)
}

func (s *Server) adminUserEdit(w http.ResponseWriter, r *http.Request) error {
	u, err := s.adminUserTarget(r)
	if err != nil {
		return err
	}
	return s.renderUserForm(w, r, http.StatusOK, u, newForm(userValues(u), nil))
}

func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.adminUserTarget(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	u := userFromForm(r.PostForm)
	u.ID, u.Locale = old.ID, old.Locale
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderUserForm(w, r, st, old, newForm(withoutPasswords(r.PostForm), err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/users/"+idString(u.ID), "common.saved")
}

func (s *Server) adminUserDisable(w http.ResponseWriter, r *http.Request) error {
	return s.adminUserSetDisabled(w, r, true)
}

func (s *Server) adminUserEnable(w http.ResponseWriter, r *http.Request) error {
	return s.adminUserSetDisabled(w, r, false)
}

func (s *Server) adminUserSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	u, err := s.adminUserTarget(r)
	if err != nil {
		return err
	}
	if err := s.store.SetUserDisabled(r.Context(), u.ID, disabled); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderUserForm(w, r, st, u, newForm(userValues(u), err))
		}
		return err
	}
	flash := "users.enabled"
	if disabled {
		flash = "users.disabled"
	}
	return s.redirect(w, r, "/admin/users/"+idString(u.ID), flash)
}

func (s *Server) adminUserPassword(w http.ResponseWriter, r *http.Request) error {
	u, err := s.adminUserTarget(r)
	if err != nil {
		return err
	}
	if u.ID == opora.ActorFrom(r.Context()).UserID {
		// One's own password is changed with the current one, on the account page.
		return s.redirect(w, r, "/account", "")
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	pw := r.PostForm.Get("password")
	var v opora.Validation
	opora.ValidatePassword(&v, "password", pw, r.PostForm.Get("password_confirm"), u.Login)
	if err := v.Err(); err != nil {
		return s.renderUserForm(w, r, http.StatusUnprocessableEntity, u, newForm(userValues(u), err))
	}
	hash, err := auth.Hash(pw)
	if err != nil {
		return err
	}
	if err := s.store.ResetPassword(r.Context(), u.ID, hash); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/users/"+idString(u.ID), "users.password_set")
}
