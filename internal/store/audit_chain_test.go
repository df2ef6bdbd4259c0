package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// tamperAudit runs statements on the audit log past its append-only
// triggers, as someone with the database's owner account could.
func tamperAudit(t *testing.T, s *store.Store, stmts ...string) {
	t.Helper()
	db := storetest.RawDB(t, s)
	storetest.Tampered(s)
	ctx := context.Background()
	if s.Dialect() == store.SQLite {
		stmts = append([]string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`}, stmts...)
		for _, q := range stmts {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		return
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	stmts = append([]string{`SET LOCAL session_replication_role = replica`}, stmts...)
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// auditChainFixture is an organisation with an auditor and a worker who
// wrote a few audit rows, one of them with changes.
type auditChainFixture struct {
	f        *storetest.Fixture
	auditCtx context.Context
	ids      []int64 // the worker's rows, in order
}

func newAuditChainFixture(t *testing.T, s *store.Store) *auditChainFixture {
	t.Helper()
	f := storetest.SetupOrg(t, s, "Фонд")
	_, wctx := f.AddUser(t, "worker", "specialist")
	_, actx := f.AddUser(t, "auditor", "auditor")
	fx := &auditChainFixture{f: f, auditCtx: actx}
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 6 {
		e := &opora.AuditEntry{At: base.Add(time.Duration(i)*time.Minute + 123456789*time.Nanosecond),
			Action: opora.ActionView, Entity: "client", EntityID: int64(40 + i), Section: "health"}
		if i == 3 {
			e.Action, e.Section = opora.ActionUpdate, "card"
			e.Changes = []opora.Change{{Field: "phone", Old: "120", New: "121"}}
		}
		if err := s.LogAudit(wctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 {
			t.Fatal("LogAudit set no id")
		}
		fx.ids = append(fx.ids, e.ID)
	}
	return fx
}

func verify(t *testing.T, s *store.Store, ctx context.Context, anchor *opora.AuditAnchor) *opora.AuditVerification {
	t.Helper()
	v, err := s.VerifyAudit(ctx, anchor)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAuditChainVerifies writes audit rows from many goroutines at once,
// inside the store's transactions and on their own, and checks that the
// chain verifies and that its anchor moves with each new row.
func TestAuditChainVerifies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := newAuditChainFixture(t, s)
		ctx := fx.auditCtx
		first, err := s.AuditAnchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if first.ID != fx.ids[len(fx.ids)-1] || len(first.Hash) != 64 || !first.At.Equal(time.Date(2026, 3, 2, 9, 5, 0, 123456000, time.UTC)) {
			t.Errorf("anchor = %+v, want the last row %d, a 64-digit hash, its time to the microsecond", first, fx.ids[len(fx.ids)-1])
		}

		// Concurrent writers: views on their own, and changes that write
		// their audit row in their own transaction (creating clients),
		// through two stores on one database, as two instances of
		// opora serve.
		_, wctx := fx.f.AddUser(t, "worker2", "specialist")
		other := storetest.OpenOptions(t, storetest.Options(t, s))
		stores := []*store.Store{s, other}
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 15 {
					var err error
					s := stores[(g/2)%2]
					if g%2 == 0 {
						err = s.LogAudit(wctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: int64(1000*g + i)})
					} else {
						err = s.CreateClient(fx.f.Ctx(), &opora.Client{Surname: fmt.Sprintf("Параллельный%d", g),
							FirstName: fmt.Sprintf("Тест%d", i), BranchID: fx.f.Branch.ID})
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		v := verify(t, s, ctx, &first)
		if !v.OK {
			t.Fatalf("after concurrent writers: %+v", v)
		}
		var rows int64
		if err := storetest.RawDB(t, s).QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if v.Rows != rows || v.Head.ID != rows {
			t.Errorf("verified %d rows up to id %d; the log holds %d (ids from 1 without gaps)", v.Rows, v.Head.ID, rows)
		}
		if v.Head.ID < first.ID+8*15 {
			t.Errorf("head %d, want at least %d rows past the first anchor %d", v.Head.ID, 8*15, first.ID)
		}

		// A new row moves the anchor; the old anchor still verifies.
		before, _ := s.AuditAnchor(ctx)
		if err := s.LogAudit(wctx, &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: 7}); err != nil {
			t.Fatal(err)
		}
		after, _ := s.AuditAnchor(ctx)
		if after.ID != before.ID+1 || after.Hash == before.Hash {
			t.Errorf("anchor after a new row = %s, before %s", after, before)
		}
		if v := verify(t, s, ctx, &before); !v.OK {
			t.Errorf("the earlier anchor no longer verifies: %+v", v)
		}
		// An anchor that does not match (another database's, or a rewritten log).
		bad := before
		bad.Hash = strings.Repeat("ab", 32)
		if v := verify(t, s, ctx, &bad); v.OK || v.Kind != opora.AuditBreakAnchor || v.RowID != before.ID {
			t.Errorf("a wrong anchor: %+v, want an anchor break at row %d", v, before.ID)
		}

		// Reading the chain needs audit.read.
		if _, err := s.VerifyAudit(wctx, nil); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a worker verifying: %v, want forbidden", err)
		}
		if _, err := s.AuditAnchor(wctx); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a worker reading the anchor: %v, want forbidden", err)
		}
	})
}

// TestAuditChainFindsTampering changes the audit log past the application
// and checks that verification names the first broken row and what happened.
func TestAuditChainFindsTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper func(ids []int64) []string
		kind   string
		row    func(ids []int64, last int64) int64
		detail string
	}{
		{"flipped byte in section", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE audit_log SET section = 'hea1th' WHERE id = %d`, ids[2])}
		}, opora.AuditBreakChanged, func(ids []int64, _ int64) int64 { return ids[2] }, "was changed after it was written"},
		{"flipped byte in changes", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE audit_log SET changes = replace(changes, '121', '131') WHERE id = %d`, ids[3])}
		}, opora.AuditBreakChanged, func(ids []int64, _ int64) int64 { return ids[3] }, "was changed after it was written"},
		{"other user", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE audit_log SET user_id = NULL WHERE id = %d`, ids[1])}
		}, opora.AuditBreakChanged, func(ids []int64, _ int64) int64 { return ids[1] }, "was changed after it was written"},
		{"hash replaced", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = %d) WHERE id = %d`, ids[0], ids[1])}
		}, opora.AuditBreakChanged, func(ids []int64, _ int64) int64 { return ids[1] }, "hash was changed"},
		{"row deleted", func(ids []int64) []string {
			return []string{fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, ids[2])}
		}, opora.AuditBreakDeleted, func(ids []int64, _ int64) int64 { return ids[3] }, "was deleted"},
		{"last row deleted", func(ids []int64) []string {
			return []string{fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, ids[5])}
		}, opora.AuditBreakTruncated, func(ids []int64, _ int64) int64 { return ids[5] }, "deleted from the end"},
		{"row inserted", func(ids []int64) []string {
			return []string{fmt.Sprintf(`INSERT INTO audit_log (id, at, action) VALUES (%d, '2026-03-02 09:10:00', 'view')`, ids[5]+1)}
		}, opora.AuditBreakInserted, func(ids []int64, _ int64) int64 { return ids[5] + 1 }, "past the chain's head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				fx := newAuditChainFixture(t, s)
				if v := verify(t, s, fx.auditCtx, nil); !v.OK {
					t.Fatalf("before tampering: %+v", v)
				}
				tamperAudit(t, s, c.tamper(fx.ids)...)
				v := verify(t, s, fx.auditCtx, nil)
				if want := c.row(fx.ids, v.Head.ID); v.OK || v.Kind != c.kind || v.RowID != want {
					t.Fatalf("verification = %+v, want %s at row %d", v, c.kind, want)
				}
				if !strings.Contains(v.Detail, c.detail) || !strings.Contains(v.Detail, fmt.Sprint(v.RowID)) {
					t.Errorf("detail %q, want it to name row %d and say %q", v.Detail, v.RowID, c.detail)
				}
			})
		})
	}
}

// TestAuditChainSealsExistingRows: rows written before the chain existed
// are chained by Migrate, in id order, and verify afterwards; new rows
// chain on after them.
func TestAuditChainSealsExistingRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := newAuditChainFixture(t, s)
		// As the migration leaves a log written before the chain: no
		// hashes, an empty head that is to seal every row, and a gap.
		tamperAudit(t, s, `UPDATE audit_log SET hash = NULL`, fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, fx.ids[2]),
			`UPDATE audit_head SET last_id = 0, last_hash = NULL, last_at = NULL, seal_to = (SELECT MAX(id) FROM audit_log)`)
		err := s.LogAudit(fx.auditCtx, &opora.AuditEntry{Action: opora.ActionView})
		if err == nil || !strings.Contains(err.Error(), "opora migrate") {
			t.Errorf("appending to an unsealed log: %v, want a refusal naming opora migrate", err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		v := verify(t, s, fx.auditCtx, nil)
		if !v.OK || v.Head.ID != fx.ids[5] {
			t.Fatalf("after sealing: %+v, want a chain up to row %d", v, fx.ids[5])
		}
		if err := s.LogAudit(fx.auditCtx, &opora.AuditEntry{Action: opora.ActionView}); err != nil {
			t.Fatal(err)
		}
		if v := verify(t, s, fx.auditCtx, nil); !v.OK || v.Head.ID != fx.ids[5]+1 {
			t.Errorf("a row after sealing: %+v", v)
		}
		// A change inside the sealed rows is still found.
		tamperAudit(t, s, fmt.Sprintf(`UPDATE audit_log SET section = 'x' WHERE id = %d`, fx.ids[4]))
		if v := verify(t, s, fx.auditCtx, nil); v.OK || v.RowID != fx.ids[4] {
			t.Errorf("a change in a sealed row: %+v, want row %d", v, fx.ids[4])
		}
	})
}
