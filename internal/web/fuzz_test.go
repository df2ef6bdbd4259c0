package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// fuzzRoute is one route the fuzzer sends outside input to: the query or
// the body is the fuzzer's.
type fuzzRoute struct {
	method, path, contentType string
	bearer                    bool // the API's token instead of the session
}

// FuzzRequests sends arbitrary queries and bodies to the routes that parse
// outside input — the login and client forms, the search, the report
// builder and register, the audit filter, monitoring, the offline check-in
// batch, the services form and the API's JSON bodies — as a logged-in
// administrator (or the API's token), on SQLite. Whatever arrives, the
// answer is a page or a refusal, never a server error or a panic.
func FuzzRequests(f *testing.F) {
	st := storetest.Open(f, store.SQLite)
	fx := storetest.SetupOrg(f, st, "Ночлежка")
	ctx := fx.Ctx()
	setPassword(f, st, fx.Admin.ID, fx.Org.ID)
	c := &opora.Client{Surname: "Фаззов", FirstName: "Иван", BranchID: fx.Branch.ID}
	if err := st.CreateClient(ctx, c); err != nil {
		f.Fatal(err)
	}
	p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Обогрев"}
	if err := st.SaveCheckinPoint(ctx, p, []string{"Еда"}); err != nil {
		f.Fatal(err)
	}
	sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "20:00", Ends: "08:00"}
	if err := st.OpenCheckinShift(ctx, sh); err != nil {
		f.Fatal(err)
	}
	token, err := st.CreateAPIToken(ctx, &opora.APIToken{Name: "fuzz", UserID: fx.Admin.ID,
		Scopes: opora.APIScopes, ExpiresAt: st.Now().AddDate(0, 0, 30)})
	if err != nil {
		f.Fatal(err)
	}
	a := newApp(f, st)
	browser := a.login(f, "admin", testPassword)
	form := "application/x-www-form-urlencoded"
	routes := []fuzzRoute{
		{"POST", "/login", form, false},
		{"POST", "/clients", form, false},
		{"GET", "/clients/search", "", false},
		{"GET", "/reports/builder", "", false},
		{"GET", "/reports/register", "", false},
		{"GET", "/admin/audit", "", false},
		{"GET", "/monitoring", "", false},
		{"POST", "/checkin/" + idString(sh.ID) + "/ticks", "application/json", false},
		{"POST", "/clients/" + idString(c.ID) + "/services", form, false},
		{"POST", "/api/v1/signals", "application/json", true},
		{"POST", "/api/v1/clients/" + idString(c.ID) + "/services", "application/json", true},
		{"GET", "/api/v1/clients", "", true},
	}
	f.Add(uint8(0), "", []byte("login=admin&password=x"))
	f.Add(uint8(1), "", []byte("surname=%D0%98&first_name=&birth_date=31.02.2020&gender=x"))
	f.Add(uint8(2), "q=%D0%B8%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2+1971&age_min=-1", []byte(nil))
	f.Add(uint8(3), "rows=gender&cols=month&from=2026-01&to=2025-01&measure=x", []byte(nil))
	f.Add(uint8(4), "from=01.01.2026&to=x&type=9", []byte(nil))
	f.Add(uint8(5), "user=abc&from=2026-13-01&action=%00", []byte(nil))
	f.Add(uint8(6), "territory=-1&from=0&to=99999", []byte(nil))
	f.Add(uint8(7), "", []byte(`{"persons":[{"uid":"A","age":-3}],"ticks":[{"id":"t1","person":"uA","item":7}],"undos":[{}]}`))
	f.Add(uint8(8), "", []byte("rendered_on=2026-12-01&type=1&quantity=-5&amount=1e9"))
	f.Add(uint8(9), "", []byte(`{"territory_id":1,"description":"x","children":[{"birth_date":"2015-02-31"}]}`))
	f.Add(uint8(10), "", []byte(`{"items":[{"type_id":-1,"quantity":99999999999}]}`))
	f.Add(uint8(11), "limit=0&offset=-1", []byte(nil))
	f.Fuzz(func(t *testing.T, which uint8, query string, body []byte) {
		rt := routes[int(which)%len(routes)]
		url := a.srv.URL + rt.path
		if query != "" {
			url += "?" + query
		}
		var rd io.Reader
		if rt.method == "POST" {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(context.Background(), rt.method, url, rd)
		if err != nil {
			return // not a request a client could send
		}
		if rt.contentType != "" {
			req.Header.Set("Content-Type", rt.contentType)
		}
		hc := browser.hc
		if rt.bearer {
			hc = http.DefaultClient
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		res, err := hc.Do(req)
		if err != nil {
			if strings.Contains(err.Error(), "invalid") || strings.Contains(err.Error(), "malformed") {
				return
			}
			t.Fatalf("%s %s: %v", rt.method, rt.path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s?%q body %q: %d %s", rt.method, rt.path, query, body, res.StatusCode, b)
		}
	})
}
