package web

import (
	"github.com/opora-project/opora/internal/opora"
)

// adminRoutes registers the administration screens.
func (s *Server) adminRoutes(mux *router) {
	// The list of the screens below the user may use (admin_home.go).
	mux.Handle("GET /admin", s.authed(s.adminHome))
	// Staff, roles and branches (admin_users.go, admin_roles.go, admin_branches.go).
	mux.Handle("GET /admin/users", s.require(opora.PermAdminUsers, s.adminUsers))
	mux.Handle("GET /admin/users/new", s.require(opora.PermAdminUsers, s.adminUserNew))
	mux.Handle("POST /admin/users", s.require(opora.PermAdminUsers, s.adminUserCreate))
	mux.Handle("GET /admin/users/{id}", s.require(opora.PermAdminUsers, s.adminUserEdit))
	mux.Handle("POST /admin/users/{id}", s.require(opora.PermAdminUsers, s.adminUserUpdate))
	mux.Handle("POST /admin/users/{id}/disable", s.require(opora.PermAdminUsers, s.adminUserDisable))
	mux.Handle("POST /admin/users/{id}/enable", s.require(opora.PermAdminUsers, s.adminUserEnable))
	mux.Handle("POST /admin/users/{id}/password", s.require(opora.PermAdminUsers, s.adminUserPassword))
	mux.Handle("GET /admin/roles", s.require(opora.PermAdminRoles, s.adminRoles))
	mux.Handle("GET /admin/roles/new", s.require(opora.PermAdminRoles, s.adminRoleNew))
	mux.Handle("POST /admin/roles/new", s.require(opora.PermAdminRoles, s.adminRoleCreate))
	mux.Handle("GET /admin/roles/{id}", s.require(opora.PermAdminRoles, s.adminRoleEdit))
	mux.Handle("POST /admin/roles/{id}", s.require(opora.PermAdminRoles, s.adminRoleUpdate))
	mux.Handle("GET /admin/branches", s.require(opora.PermAdminOrg, s.adminBranches))
	mux.Handle("GET /admin/branches/new", s.require(opora.PermAdminOrg, s.adminBranchNew))
	mux.Handle("POST /admin/branches/new", s.require(opora.PermAdminOrg, s.adminBranchCreate))
	mux.Handle("GET /admin/branches/{id}", s.require(opora.PermAdminOrg, s.adminBranchEdit))
	mux.Handle("POST /admin/branches/{id}", s.require(opora.PermAdminOrg, s.adminBranchUpdate))
	// Organisation settings, territories, the network and the audit log
	// (admin_org.go, admin_network.go, admin_audit.go).
	mux.Handle("GET /admin/organisation", s.require(opora.PermAdminOrg, s.orgForm))
	mux.Handle("POST /admin/organisation", s.require(opora.PermAdminOrg, s.orgSubmit))
	mux.Handle("GET /admin/territories", s.require(opora.PermAdminNetwork, s.territoryList))
	mux.Handle("GET /admin/territories/new", s.require(opora.PermAdminNetwork, s.territoryNew))
	mux.Handle("POST /admin/territories/new", s.require(opora.PermAdminNetwork, s.territoryCreate))
	mux.Handle("GET /admin/territories/{id}", s.require(opora.PermAdminNetwork, s.territoryEdit))
	mux.Handle("POST /admin/territories/{id}", s.require(opora.PermAdminNetwork, s.territoryUpdate))
	mux.Handle("GET /admin/network", s.require(opora.PermAdminNetwork, s.networkList))
	mux.Handle("GET /admin/network/new", s.require(opora.PermAdminNetwork, s.networkNew))
	mux.Handle("POST /admin/network/new", s.require(opora.PermAdminNetwork, s.networkCreate))
	mux.Handle("GET /admin/network/{id}", s.require(opora.PermAdminNetwork, s.networkEdit))
	mux.Handle("POST /admin/network/{id}", s.require(opora.PermAdminNetwork, s.networkUpdate))
	mux.Handle("GET /admin/audit", s.require(opora.PermAuditRead, s.auditList))
	// Case and task types (admin_case_types.go).
	mux.Handle("GET /admin/case-types", s.require(opora.PermDictionaryManage, s.adminCaseTypes))
	mux.Handle("POST /admin/case-types/new", s.require(opora.PermDictionaryManage, s.adminCaseTypeCreate))
	mux.Handle("GET /admin/case-types/{id}", s.require(opora.PermDictionaryManage, s.adminCaseTypeEdit))
	mux.Handle("POST /admin/case-types/{id}", s.require(opora.PermDictionaryManage, s.adminCaseTypeUpdate))
}
