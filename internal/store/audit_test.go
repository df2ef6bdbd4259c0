package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestAuditLogAppendOnly checks that the database itself refuses to change
// or remove audit rows, whoever connects to it.
func TestAuditLogAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		db := storetest.RawDB(t, s)
		ctx := context.Background()
		count := func() int {
			t.Helper()
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		if before == 0 {
			t.Fatal("no audit rows after setup")
		}
		stmts := []string{
			`UPDATE audit_log SET action = 'view'`,
			`UPDATE audit_log SET user_id = NULL WHERE action = 'setup'`,
			`DELETE FROM audit_log`,
			fmt.Sprintf(`DELETE FROM audit_log WHERE organisation_id = %d`, f.Org.ID),
		}
		if s.Dialect() == store.Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`)
		}
		for _, q := range stmts {
			if _, err := db.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: succeeded, want the database to refuse", q)
			}
		}
		if n := count(); n != before {
			t.Errorf("%d audit rows after the refused statements, want %d", n, before)
		}
		var setups int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'setup' AND user_id = $1`, f.Admin.ID).Scan(&setups); err != nil {
			t.Fatal(err)
		}
		if setups != 1 {
			t.Errorf("setup row changed: %d rows by the administrator", setups)
		}
		// Appending still works, and the chain holds (audit_chain.go).
		if err := s.LogAudit(f.Ctx(), &opora.AuditEntry{At: time.Now().UTC(), Action: opora.ActionView}); err != nil {
			t.Errorf("appending a row: %v", err)
		}
		if n := count(); n != before+1 {
			t.Errorf("%d audit rows after appending one, want %d", n, before+1)
		}
		if v, err := s.VerifyAudit(f.Ctx(), nil); err != nil || !v.OK {
			t.Errorf("verify after the refused statements: %+v, %v", v, err)
		}
	})
}

func TestAuditFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		x, xctx := f.AddUser(t, "worker.x", "specialist")
		y, yctx := f.AddUser(t, "worker.y", "specialist")
		_, actx := f.AddUser(t, "auditor", "auditor")
		xctx = opora.WithClientIP(xctx, "192.0.2.7")

		base := time.Date(2025, 5, 12, 10, 0, 0, 0, time.UTC)
		at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
		log := func(ctx context.Context, e opora.AuditEntry) {
			t.Helper()
			if err := s.LogAudit(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		log(xctx, opora.AuditEntry{At: at(0), Action: opora.ActionView, Entity: "client", EntityID: 42, Section: "health"})
		log(xctx, opora.AuditEntry{At: at(10), Action: opora.ActionPrint, Entity: "client", EntityID: 42, Section: "card"})
		log(yctx, opora.AuditEntry{At: at(20), Action: opora.ActionView, Entity: "client", EntityID: 42})
		log(xctx, opora.AuditEntry{At: at(30), Action: opora.ActionView, Entity: "client", EntityID: 43})
		log(xctx, opora.AuditEntry{At: at(40), Action: opora.ActionExport, Entity: "report", EntityID: 42,
			Changes: []opora.Change{{Field: "rows", New: "120"}}})

		list := func(flt opora.AuditFilter) ([]*opora.AuditEntry, int) {
			t.Helper()
			es, total, err := s.AuditEntries(actx, flt)
			if err != nil {
				t.Fatal(err)
			}
			return es, total
		}

		// Who looked at client 42: three entries, newest first, with names.
		es, total := list(opora.AuditFilter{Entity: "client", EntityID: 42})
		if total != 3 || len(es) != 3 {
			t.Fatalf("entries about client 42: %d (total %d), want 3", len(es), total)
		}
		wantUsers := []int64{y.ID, x.ID, x.ID}
		for i, e := range es {
			if e.UserID != wantUsers[i] || e.Entity != "client" || e.EntityID != 42 {
				t.Errorf("entry %d = %+v, want user %d about client 42", i, e, wantUsers[i])
			}
		}
		if !es[0].At.Equal(at(20)) || !es[2].At.Equal(at(0)) {
			t.Errorf("times = %v, %v; want newest first", es[0].At, es[2].At)
		}
		if es[2].UserName != x.FullName || es[2].Section != "health" || es[2].Action != opora.ActionView ||
			es[2].IP != "192.0.2.7" || es[2].OrganisationID != f.Org.ID {
			t.Errorf("oldest entry = %+v", es[2])
		}

		// What worker X did between 10:05 and 10:40 (end exclusive).
		es, total = list(opora.AuditFilter{UserID: x.ID, From: at(5), To: at(40)})
		if total != 2 || len(es) != 2 || es[0].EntityID != 43 || es[1].Action != opora.ActionPrint {
			t.Errorf("X from 10:05 to 10:40 = %d entries (total %d): %+v", len(es), total, es)
		}
		// From is inclusive.
		if _, total = list(opora.AuditFilter{UserID: x.ID, From: at(10), To: at(40)}); total != 2 {
			t.Errorf("X from 10:10 to 10:40: total %d, want 2", total)
		}
		// Times in another zone mean the same instants.
		msk := time.FixedZone("MSK", 3*60*60)
		if _, total = list(opora.AuditFilter{UserID: x.ID, From: at(5).In(msk), To: at(40).In(msk)}); total != 2 {
			t.Errorf("X from 13:05 to 13:40 MSK: total %d, want 2", total)
		}
		// Sub-second times compare as instants (SQLite keeps them as text).
		sub := []time.Time{at(50), at(50).Add(500 * time.Millisecond), at(50).Add(time.Second + 250*time.Microsecond)}
		for _, ts := range sub {
			log(yctx, opora.AuditEntry{At: ts, Action: opora.ActionDownload, Entity: "file", EntityID: 5})
		}
		for _, c := range []struct {
			from, to time.Time
			want     int
		}{
			{sub[0], sub[1], 1},
			{sub[1], sub[2], 1},
			{sub[1], sub[2].Add(time.Microsecond), 2},
			{sub[0].Add(time.Microsecond), sub[2], 1},
			{sub[0], time.Time{}, 3},
			{time.Time{}, sub[0], 0},
		} {
			if _, total := list(opora.AuditFilter{Entity: "file", From: c.from, To: c.to}); total != c.want {
				t.Errorf("downloads from %s to %s: %d, want %d", c.from.Format(time.StampMicro), c.to.Format(time.StampMicro), total, c.want)
			}
		}
		if es, _ := list(opora.AuditFilter{Entity: "file"}); len(es) != 3 || !es[0].At.Equal(sub[2]) || !es[1].At.Equal(sub[1]) {
			t.Errorf("downloads not newest first with sub-second times: %v", es)
		}

		es, _ = list(opora.AuditFilter{Action: opora.ActionExport})
		if len(es) != 1 || len(es[0].Changes) != 1 || es[0].Changes[0] != (opora.Change{Field: "rows", New: "120"}) {
			t.Errorf("export entry = %+v, want its changes back", es)
		}
		es, total = list(opora.AuditFilter{Entity: "client", Action: opora.ActionView, UserID: x.ID})
		if total != 2 || len(es) != 2 {
			t.Errorf("X's client views: %d (total %d), want 2", len(es), total)
		}

		// Paging: 25 more entries, read in pages of 10.
		for i := range 25 {
			log(yctx, opora.AuditEntry{At: at(100 + i), Action: opora.ActionView, Entity: "client", EntityID: 77})
		}
		flt := opora.AuditFilter{Entity: "client", EntityID: 77, Limit: 10}
		seen := map[int64]bool{}
		for page := range 3 {
			flt.Offset = page * 10
			es, total = list(flt)
			if total != 25 {
				t.Errorf("page %d: total %d, want 25", page, total)
			}
			if want := min(10, 25-page*10); len(es) != want {
				t.Errorf("page %d holds %d entries, want %d", page, len(es), want)
			}
			for _, e := range es {
				if seen[e.ID] {
					t.Errorf("entry %d on two pages", e.ID)
				}
				seen[e.ID] = true
			}
			if page == 0 && !es[0].At.Equal(at(124)) {
				t.Errorf("first entry of page 1 at %v, want the newest %v", es[0].At, at(124))
			}
		}
		if len(seen) != 25 {
			t.Errorf("pages held %d different entries, want 25", len(seen))
		}
		if es, total = list(opora.AuditFilter{Entity: "client", EntityID: 77, Offset: 100}); len(es) != 0 || total != 25 {
			t.Errorf("past the last page: %d entries, total %d", len(es), total)
		}
	})
}
