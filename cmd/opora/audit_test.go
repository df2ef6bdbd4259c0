package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestAuditCommands: "opora audit anchor" prints the chain's head,
// "opora audit verify" passes on an intact log (also through the anchor)
// and, after a byte of one row is flipped past the application, exits 1
// naming that row.
func TestAuditCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		e := &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "client", EntityID: 5, Section: "card",
			Changes: []opora.Change{{Field: "phone", Old: "120", New: "121"}}}
		if err := st.LogAudit(fx.Ctx(), e); err != nil {
			t.Fatal(err)
		}
		if err := st.LogAudit(fx.Ctx(), &opora.AuditEntry{Action: opora.ActionView, Entity: "client", EntityID: 5}); err != nil {
			t.Fatal(err)
		}
		o := storetest.Options(t, st)
		flags := []string{"--data", o.DataDir, "--database-url", o.DatabaseURL}
		ctx := context.Background()
		audit := func(args ...string) (string, error) {
			var out bytes.Buffer
			err := run(ctx, append(append([]string{"audit"}, args...), flags...), nil, &out, io.Discard)
			return out.String(), err
		}

		out, err := audit("anchor")
		if err != nil {
			t.Fatal(err)
		}
		anchor := strings.Fields(out)[0]
		if !strings.HasPrefix(anchor, fmt.Sprintf("%d:", e.ID+1)) || len(anchor) != len(fmt.Sprint(e.ID+1))+1+64 {
			t.Errorf("anchor %q, want the last row %d and a 64-digit hash", out, e.ID+1)
		}
		out, err = audit("verify", "--anchor", anchor)
		if err != nil || !strings.Contains(out, "audit log intact") || !strings.Contains(out, "passes through the anchor") {
			t.Fatalf("verify of an intact log: %v\n%s", err, out)
		}
		if _, err := audit("verify", "--anchor", "12:nothex"); err == nil || !strings.Contains(err.Error(), "hexadecimal") {
			t.Errorf("a malformed anchor: %v", err)
		}

		// A flipped byte in the row's changes, past the triggers.
		db := storetest.RawDB(t, st)
		storetest.Tampered(st)
		stmts := []string{fmt.Sprintf(`UPDATE audit_log SET changes = replace(changes, '121', '131') WHERE id = %d`, e.ID)}
		if st.Dialect() == store.SQLite {
			stmts = append([]string{`DROP TRIGGER audit_log_no_update`}, stmts...)
		} else {
			stmts = append([]string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`}, stmts...)
		}
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		out, err = audit("verify")
		if exitCode(err) != 1 {
			t.Errorf("verify of a tampered log: exit %d (%v), want 1", exitCode(err), err)
		}
		if want := fmt.Sprintf("audit log BROKEN at row %d (changed): row %d was changed after it was written", e.ID, e.ID); !strings.Contains(out, want) {
			t.Errorf("verify printed %q, want %q", out, want)
		}
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("broken at row %d", e.ID)) {
			t.Errorf("error %v, want it to name row %d", err, e.ID)
		}
	})
}
