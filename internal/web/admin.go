package web

import "net/http"

// adminRoutes registers the administration screens.
func (s *Server) adminRoutes(mux *http.ServeMux) {
}
