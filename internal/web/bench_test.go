package web

import (
	"net/http"
	"testing"

	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// BenchmarkHomePage measures a logged-in page on SQLite: session lookup,
// actor load, organisation, branches, roles, template.
func BenchmarkHomePage(b *testing.B) {
	st := storetest.Open(b, store.SQLite)
	fx := storetest.SetupOrg(b, st, "Ночлежка")
	setPassword(b, st, fx.Admin.ID, fx.Org.ID)
	a := newApp(b, st)
	c := a.login(b, "admin", testPassword)
	b.ResetTimer()
	for b.Loop() {
		if res := c.get("/"); res.Status != http.StatusOK {
			b.Fatalf("status %d", res.Status)
		}
	}
}
