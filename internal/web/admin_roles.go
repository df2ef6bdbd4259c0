package web

import (
	"net/http"
	"net/url"

	"github.com/opora-project/opora/internal/opora"
)

// permGroups orders the permissions on the role form the way an
// administrator thinks of them. admin.network is not offered: it stays with
// the roles that have it (see store.SaveRole).
var permGroups = []struct {
	Label string
	Perms []opora.Permission
}{
	{"roles.group.clients", []opora.Permission{opora.PermClientRead, opora.PermClientWrite, opora.PermClientDelete}},
	{"roles.group.sensitive", []opora.Permission{opora.PermSensitiveHealth, opora.PermSensitiveAddict,
		opora.PermSensitiveCrime, opora.PermSensitiveChild}},
	{"roles.group.work", []opora.Permission{opora.PermCheckin, opora.PermReportRun}},
	{"roles.group.exports", []opora.Permission{opora.PermExportAggregate, opora.PermExportIdentifiable}},
	{"roles.group.admin", []opora.Permission{opora.PermAdminUsers, opora.PermAdminRoles, opora.PermAdminOrg,
		opora.PermDictionaryManage, opora.PermAuditRead}},
}

// roleRow is one line of the roles list.
type roleRow struct {
	*opora.Role
	Title string
}

func (s *Server) adminRoles(w http.ResponseWriter, r *http.Request) error {
	roles, err := s.store.Roles(r.Context())
	if err != nil {
		return err
	}
	l := s.loc(r)
	rows := make([]roleRow, 0, len(roles))
	for _, ro := range roles {
		rows = append(rows, roleRow{Role: ro, Title: roleName(l.T, ro)})
	}
	v := s.newView(r, "roles.title")
	v.Nav = "roles"
	v.Data = map[string]any{"Roles": rows}
	return s.render(w, r, http.StatusOK, "roles_list", v)
}

func roleValues(ro *opora.Role) url.Values {
	vals := url.Values{"name": {ro.Name}, "scope": {string(ro.Scope)}}
	if ro.TwoFactor {
		vals.Set("two_factor", "1")
	}
	for _, p := range ro.Permissions {
		vals.Add("permissions", string(p))
	}
	return vals
}

// renderRoleForm shows the new-role page (ro nil) or a role's page.
func (s *Server) renderRoleForm(w http.ResponseWriter, r *http.Request, status int, ro *opora.Role, f *form) error {
	l := s.loc(r)
	scopes := make([]option, 0, len(opora.Scopes))
	for _, sc := range opora.Scopes {
		scopes = append(scopes, option{Value: string(sc), Label: l.T("scope." + string(sc))})
	}
	type group struct {
		Label   string
		Options []option
	}
	groups := make([]group, 0, len(permGroups))
	for _, g := range permGroups {
		gr := group{Label: g.Label}
		for _, p := range g.Perms {
			gr.Options = append(gr.Options, option{Value: string(p), Label: l.T("perm." + string(p))})
		}
		groups = append(groups, gr)
	}
	title := "roles.new"
	if ro != nil {
		title = "roles.edit"
	}
	v := s.newView(r, title)
	v.Nav = "roles"
	v.Form = f
	data := map[string]any{"Scopes": scopes, "Groups": groups, "Role": ro}
	if ro != nil {
		data["Title"] = roleName(l.T, ro)
		if ro.Key != "" {
			data["DefaultName"] = l.T("role." + ro.Key)
		}
		data["Network"] = ro.Has(opora.PermAdminNetwork)
	}
	v.Data = data
	return s.render(w, r, status, "roles_form", v)
}

func (s *Server) adminRoleNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderRoleForm(w, r, http.StatusOK, nil, newForm(url.Values{"scope": {string(opora.ScopeBranch)}, "two_factor": {"1"}}, nil))
}

func (s *Server) adminRoleEdit(w http.ResponseWriter, r *http.Request) error {
	ro, err := s.adminRoleTarget(r)
	if err != nil {
		return err
	}
	return s.renderRoleForm(w, r, http.StatusOK, ro, newForm(roleValues(ro), nil))
}

func (s *Server) adminRoleTarget(r *http.Request) (*opora.Role, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Role(r.Context(), id)
}

func (s *Server) adminRoleCreate(w http.ResponseWriter, r *http.Request) error {
	return s.adminRoleSave(w, r, nil)
}

func (s *Server) adminRoleUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := s.adminRoleTarget(r)
	if err != nil {
		return err
	}
	return s.adminRoleSave(w, r, old)
}

func (s *Server) adminRoleSave(w http.ResponseWriter, r *http.Request, old *opora.Role) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	ro := &opora.Role{Name: f.Get("name"), Scope: opora.Scope(f.Get("scope")), TwoFactor: f.Get("two_factor") == "1"}
	for _, p := range f["permissions"] {
		if opora.Permission(p) != opora.PermAdminNetwork {
			ro.Permissions = append(ro.Permissions, opora.Permission(p))
		}
	}
	if old != nil {
		ro.ID, ro.Key, ro.Builtin = old.ID, old.Key, old.Builtin
		if old.Has(opora.PermAdminNetwork) {
			ro.Permissions = append(ro.Permissions, opora.PermAdminNetwork)
		}
	}
	if err := s.store.SaveRole(r.Context(), ro); err != nil {
		if st := formStatus(err); st != 0 {
			return s.renderRoleForm(w, r, st, old, newForm(f, err))
		}
		return err
	}
	flash := "common.saved"
	if old == nil {
		flash = "roles.created"
	}
	return s.redirect(w, r, "/admin/roles", flash)
}
