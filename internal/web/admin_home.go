package web

import (
	"net/http"
	"slices"

	"github.com/opora-project/opora/internal/opora"
)

// The administration page (/admin) lists the administration screens the
// user may use; the main menu has one entry for all of them instead of a
// link per screen.

// adminSection is one administration screen: where it is, its name and a
// line on what it is for (catalog keys), the section (view.Nav) its pages
// mark in the menu, and the permissions any of which opens it.
type adminSection struct {
	Href, Title, Hint, Nav string
	Perms                  []opora.Permission
}

var adminSections = []adminSection{
	{"/admin/users", "nav.users", "admin.hint.users", "users", []opora.Permission{opora.PermAdminUsers}},
	{"/admin/api-tokens", "api.title", "admin.hint.api_tokens", "", []opora.Permission{opora.PermAdminUsers}},
	{"/admin/roles", "nav.roles", "admin.hint.roles", "roles", []opora.Permission{opora.PermAdminRoles}},
	{"/admin/branches", "nav.branches", "admin.hint.branches", "branches", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/organisation", "nav.organisation", "admin.hint.organisation", "organisation", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/webhooks", "webhooks.title", "admin.hint.webhooks", "", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/legal-bases", "legal.title", "admin.hint.legal_bases", "", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/document-templates", "doctemplate.title", "admin.hint.doctemplates", "doctemplates", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/import", "import.title", "admin.hint.import", "import", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/organisation/data", "orgexport.title", "admin.hint.orgexport", "", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/forms", "forms.nav", "admin.hint.forms", "forms", []opora.Permission{opora.PermDictionaryManage}},
	{"/admin/services", "services.nav_catalog", "admin.hint.services", "servicetypes", []opora.Permission{opora.PermDictionaryManage}},
	{"/admin/case-types", "casetypes.title", "admin.hint.casetypes", "casetypes", []opora.Permission{opora.PermDictionaryManage}},
	{"/admin/plan-templates", "nav.plantemplates", "admin.hint.plantemplates", "plantemplates", []opora.Permission{opora.PermDictionaryManage}},
	{"/checkin/points", "checkin.points", "admin.hint.points", "", []opora.Permission{opora.PermAdminOrg, opora.PermDictionaryManage}},
	{"/admin/network", "nav.network", "admin.hint.network", "network", []opora.Permission{opora.PermAdminNetwork}},
	{"/admin/signal-deadlines", "signal.deadlines", "admin.hint.signal_deadlines", "", []opora.Permission{opora.PermAdminNetwork}},
	{"/admin/audit", "nav.audit", "admin.hint.audit", "audit", []opora.Permission{opora.PermAuditRead}},
	{"/admin/retention", "retention.title", "admin.hint.retention", "retention", []opora.Permission{opora.PermRetentionApprove}},
	{"/admin/notifications", "notify.admin.title", "admin.hint.notifications", "notifications_admin", []opora.Permission{opora.PermAdminOrg}},
	{"/admin/procedure", "procedure.title", "admin.hint.procedure", "procedure", []opora.Permission{opora.PermAdminNetwork}},
	{"/admin/hints", "hints.admin.title", "admin.hint.hints", "hints", []opora.Permission{opora.PermHintsManage}},
	{"/admin/family-sections", "family.sections.title", "admin.hint.family_sections", "", []opora.Permission{opora.PermAdminNetwork}},
}

// allowed reports whether the actor may open the section.
func (sec adminSection) allowed(a *opora.Actor) bool {
	return a != nil && slices.ContainsFunc(sec.Perms, a.Can)
}

// CanAdmin reports whether the user may open any administration screen:
// the menu then shows its one entry. It reads only the permissions, which
// key the cached menu.
func (v *view) CanAdmin() bool {
	return slices.ContainsFunc(adminSections, func(sec adminSection) bool { return sec.allowed(v.Actor) })
}

// InAdmin reports whether the page belongs to the administration; it reads
// only v.Nav, which keys the cached menu.
func (v *view) InAdmin() bool {
	return v.Nav == "admin" || slices.ContainsFunc(adminSections, func(sec adminSection) bool { return sec.Nav != "" && sec.Nav == v.Nav })
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) error {
	a := opora.ActorFrom(r.Context())
	var list []adminSection
	for _, sec := range adminSections {
		if sec.allowed(a) {
			list = append(list, sec)
		}
	}
	if len(list) == 0 {
		return opora.ErrForbidden
	}
	v := s.newView(r, "nav.admin")
	v.Nav = "admin"
	v.Data = list
	return s.render(w, r, http.StatusOK, "admin_home", v)
}
