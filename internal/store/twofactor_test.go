package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestTwoFactorStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		u, uctx := f.AddUser(t, "worker", "supervisor")
		db := storetest.RawDB(t, s)
		now := time.Date(2026, 12, 6, 10, 0, 5, 0, time.UTC)
		s.Now = func() time.Time { return now }

		// Built-in roles that administer or see special categories require
		// two-factor login by default; the others do not.
		for key, want := range map[string]bool{"administrator": true, "supervisor": true, "specialist": false, "duty": false} {
			if got := f.Role(t, key).TwoFactor; got != want {
				t.Errorf("role %s requires two-factor: %v, want %v", key, got, want)
			}
		}
		// Not enforced until the organisation says so.
		a, err := s.Actor(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.MustEnrolTwoFactor() {
			t.Error("enrolment due before the organisation enforces it")
		}
		o, err := s.Organisation(f.Ctx(), f.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		o.TwoFactorEnforced = true
		if err := s.UpdateOrganisation(f.Ctx(), o); err != nil {
			t.Fatal(err)
		}
		if a, err = s.Actor(context.Background(), u.ID); err != nil || !a.MustEnrolTwoFactor() {
			t.Fatalf("enforced, not enrolled: must enrol %v (%v)", a.MustEnrolTwoFactor(), err)
		}

		// Enrolment: the secret is sealed at rest.
		secret := auth.NewTOTPSecret()
		if err := s.StartTwoFactor(uctx, secret); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := db.QueryRow(`SELECT totp_pending FROM users WHERE id = $1`, u.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, secret) {
			t.Fatalf("the pending secret is not sealed: %q", raw)
		}
		st, err := s.OwnTwoFactor(uctx)
		if err != nil || st.Pending != secret || st.Enabled {
			t.Fatalf("pending state: %+v %v", st, err)
		}
		step := auth.TOTPStep(now)
		codes := auth.NewRecoveryCodes(auth.RecoveryCodeCount)
		hashes := make([]string, len(codes))
		for i, c := range codes {
			hashes[i] = auth.HashRecoveryCode(c)
		}
		if err := s.ConfirmTwoFactor(uctx, step, hashes); err != nil {
			t.Fatal(err)
		}
		if err := s.StartTwoFactor(uctx, auth.NewTOTPSecret()); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("a second enrolment over a confirmed one: %v", err)
		}
		if a, err = s.Actor(context.Background(), u.ID); err != nil || a.MustEnrolTwoFactor() || !a.TwoFactor {
			t.Fatalf("after enrolment: %+v %v", a, err)
		}
		acc, err := s.TwoFactorForLogin(context.Background(), u.ID)
		if err != nil || acc.Secret != secret || acc.LastStep != step || !acc.User.TwoFactor {
			t.Fatalf("login view: %+v %v", acc, err)
		}

		// A step is used once; racing twice with the next step, one wins.
		if ok, _ := s.UseTOTPStep(context.Background(), u.ID, step); ok {
			t.Error("the confirming step was accepted again")
		}
		if ok, _ := s.UseTOTPStep(context.Background(), u.ID, step+1); !ok {
			t.Error("the next step was refused")
		}
		if ok, _ := s.UseTOTPStep(context.Background(), u.ID, step+1); ok {
			t.Error("the same step twice")
		}
		// A recovery code works once, typed in any case.
		if ok, _ := s.UseRecoveryCode(context.Background(), u.ID, auth.HashRecoveryCode(strings.ToUpper(codes[0]))); !ok {
			t.Error("recovery code refused")
		}
		if ok, _ := s.UseRecoveryCode(context.Background(), u.ID, auth.HashRecoveryCode(codes[0])); ok {
			t.Error("recovery code used twice")
		}
		if st, _ := s.OwnTwoFactor(uctx); st.RecoveryLeft != auth.RecoveryCodeCount-1 {
			t.Errorf("recovery codes left: %d", st.RecoveryLeft)
		}

		// A pending login lives five minutes.
		if err := s.CreateLoginChallenge(context.Background(), "h1", u.ID, "/clients"); err != nil {
			t.Fatal(err)
		}
		if id, next, err := s.LoginChallenge(context.Background(), "h1", 5*time.Minute); err != nil || id != u.ID || next != "/clients" {
			t.Fatalf("challenge: %d %q %v", id, next, err)
		}
		now = now.Add(6 * time.Minute)
		if _, _, err := s.LoginChallenge(context.Background(), "h1", 5*time.Minute); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("an expired challenge: %v", err)
		}

		// A session, then the administrator's reset: secret, codes and
		// sessions go, and the audit row says who did it.
		if err := s.CreateLoginChallenge(context.Background(), "h2", u.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteTwoFactorLogin(context.Background(), "h2", u, &opora.Session{TokenHash: "sess-1"}, "totp"); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteTwoFactorLogin(context.Background(), "h2", u, &opora.Session{TokenHash: "sess-2"}, "totp"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("a challenge completed twice: %v", err)
		}
		if err := s.ResetTwoFactor(uctx, f.Admin.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("a supervisor reset the administrator: %v", err)
		}
		if err := s.ResetTwoFactor(f.Ctx(), u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(context.Background(), "sess-1"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("session survived the reset: %v", err)
		}
		acc, err = s.TwoFactorForLogin(context.Background(), u.ID)
		if err != nil || acc.Secret != "" || acc.User.TwoFactor {
			t.Fatalf("after reset: %+v %v", acc, err)
		}
		var left int
		if err := db.QueryRow(`SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1`, u.ID).Scan(&left); err != nil || left != 0 {
			t.Errorf("recovery codes after reset: %d %v", left, err)
		}
		entries, _, err := s.AuditEntries(f.Ctx(), opora.AuditFilter{Action: opora.ActionTwoFactorOff})
		if err != nil || len(entries) != 1 || entries[0].EntityID != u.ID || entries[0].UserID != f.Admin.ID {
			t.Fatalf("reset audit: %+v %v", entries, err)
		}
		entries, _, err = s.AuditEntries(f.Ctx(), opora.AuditFilter{Action: opora.ActionLogin, UserID: u.ID})
		if err != nil || len(entries) != 1 || entries[0].Section != "totp" {
			t.Fatalf("login audit: %+v %v", entries, err)
		}
		// Enforced and reset: enrolment is due again.
		if a, err = s.Actor(context.Background(), u.ID); err != nil || !a.MustEnrolTwoFactor() {
			t.Fatalf("after reset must enrol: %v", err)
		}
	})
}
