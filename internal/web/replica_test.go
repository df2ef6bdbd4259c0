package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The exports read through the read replica (--database-read-url), a
// client's card does not. The primary stands in for its replica here: the
// test sees where the server sends each read (store/replica_test.go runs a
// real replica and shows the lag). Only PostgreSQL has replicas
// (store.TestReadReplicaNeedsPostgres: SQLite refuses the read URL).
func TestExportsReadOnReplica(t *testing.T) {
	base := storetest.Open(t, store.Postgres)
	o := storetest.Options(t, base)
	o.ReadDatabaseURL = o.DatabaseURL
	st := storetest.OpenOptions(t, o)
	fx := storetest.SetupOrg(t, st, "Ночлежка")
	setPassword(t, st, fx.Admin.ID, fx.Org.ID)
	c := &opora.Client{Surname: "Первичная", FirstName: "Ольга", BranchID: fx.Branch.ID}
	if err := st.CreateClient(fx.Ctx(), c); err != nil {
		t.Fatal(err)
	}
	a := newApp(t, st)
	browser := a.login(t, "admin", testPassword)
	u, _ := url.Parse(a.srv.URL)
	cookies := browser.hc.Jar.Cookies(u)

	// serve runs a GET in this process with its statements traced.
	serve := func(path string) (status, primary, replica int) {
		t.Helper()
		var mu sync.Mutex
		ctx := store.WithTrace(t.Context(), &store.Trace{Statement: func(s store.TracedStatement) {
			mu.Lock()
			defer mu.Unlock()
			if s.Replica {
				replica++
			} else {
				primary++
			}
		}})
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		a.web.Handler().ServeHTTP(rec, req)
		return rec.Code, primary, replica
	}
	if code, _, replica := serve("/resources/export"); code != http.StatusOK || replica == 0 {
		t.Errorf("GET /resources/export: status %d, %d reads on the replica, want 200 and reads there", code, replica)
	}
	if code, primary, replica := serve("/clients/" + strconv.FormatInt(c.ID, 10)); code != http.StatusOK || replica != 0 || primary == 0 {
		t.Errorf("the client's card: status %d, %d reads on the primary and %d on the replica, want all on the primary", code, primary, replica)
	}
	// The health check says how far the replica is behind (the primary
	// standing in: not at all).
	if res := a.client(t).get("/healthz"); res.Status != http.StatusOK || res.Body != "ok\nreplica lag 0.0s\n" {
		t.Errorf("/healthz: %d %q", res.Status, res.Body)
	}
}
