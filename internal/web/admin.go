package web

import (
	"net/http"

	"github.com/opora-project/opora/internal/opora"
)

// adminRoutes registers the administration screens.
func (s *Server) adminRoutes(mux *http.ServeMux) {
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
}
