package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		u, uctx := f.AddUser(t, "worker", "specialist")
		ctx := context.Background()
		t0 := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
		now := t0
		s.Now = func() time.Time { return now }
		const idle, absolute = 30 * time.Minute, 12 * time.Hour

		// "old": logged in 13 hours ago, active a minute ago: past the absolute limit.
		now = t0.Add(-13 * time.Hour)
		login(t, s, u, "old")
		if err := s.TouchSession(ctx, "old", t0.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		// "idle": logged in an hour ago, not seen since: past the idle limit.
		now = t0.Add(-time.Hour)
		login(t, s, u, "idle")
		// "active": logged in 11 hours ago, seen 29 minutes ago: within both.
		now = t0.Add(-11 * time.Hour)
		login(t, s, u, "active")
		if err := s.TouchSession(ctx, "active", t0.Add(-29*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// "fresh": logged in just now.
		now = t0
		login(t, s, f.Admin, "fresh")

		sess, err := s.Session(ctx, "active")
		if err != nil {
			t.Fatal(err)
		}
		if sess.UserID != u.ID || !sess.CreatedAt.Equal(t0.Add(-11*time.Hour)) || !sess.LastSeenAt.Equal(t0.Add(-29*time.Minute)) ||
			sess.IP != "10.0.0.1" || sess.UserAgent != "test" {
			t.Errorf("session = %+v", sess)
		}
		for _, tok := range []string{"old", "idle"} {
			sess, _ := s.Session(ctx, tok)
			if !sess.Expired(now, idle, absolute) {
				t.Errorf("session %s is not expired by Session.Expired", tok)
			}
		}

		n, err := s.DeleteExpiredSessions(ctx, idle, absolute)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("DeleteExpiredSessions removed %d, want 2", n)
		}
		for tok, alive := range map[string]bool{"old": false, "idle": false, "active": true, "fresh": true} {
			_, err := s.Session(ctx, tok)
			if alive && err != nil {
				t.Errorf("session %s: %v, want it kept", tok, err)
			}
			if !alive && !errors.Is(err, opora.ErrNotFound) {
				t.Errorf("session %s: err = %v, want not found", tok, err)
			}
		}

		// Flash messages are stored for the next page.
		if err := s.SetFlash(ctx, "active", "flash.saved"); err != nil {
			t.Fatal(err)
		}
		if sess, _ := s.Session(ctx, "active"); sess.Flash != "flash.saved" {
			t.Errorf("flash = %q", sess.Flash)
		}
		// Logout ends the session and is audit-logged.
		if err := s.Logout(uctx, "active"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "active"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("session after logout: err = %v, want not found", err)
		}
		if _, n, _ := s.AuditEntries(f.Ctx(), opora.AuditFilter{Action: opora.ActionLogout, UserID: u.ID}); n != 1 {
			t.Errorf("%d logout audit entries, want 1", n)
		}
		// Logout from a browser whose session is gone or unknown (a stale
		// cookie: no actor) is harmless, and one without an actor still
		// ends the session and logs it for the session's user.
		if err := s.Logout(ctx, "never-existed"); err != nil {
			t.Errorf("Logout of an unknown session without an actor: %v", err)
		}
		login(t, s, u, "second-tab")
		if err := s.Logout(ctx, "second-tab"); err != nil {
			t.Errorf("Logout without an actor: %v", err)
		}
		if _, err := s.Session(ctx, "second-tab"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("session after logout without an actor: err = %v, want not found", err)
		}
		if _, n, _ := s.AuditEntries(f.Ctx(), opora.AuditFilter{Action: opora.ActionLogout, UserID: u.ID}); n != 2 {
			t.Errorf("%d logout audit entries, want 2", n)
		}
		if err := s.DeleteSession(ctx, "fresh"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "fresh"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("session after DeleteSession: err = %v, want not found", err)
		}
		if _, err := s.Session(ctx, "never"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("unknown session: err = %v, want not found", err)
		}
	})
}
