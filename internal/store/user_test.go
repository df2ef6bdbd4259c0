package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestUserCreateAndUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()
		second := &opora.Branch{Name: "Филиал в Кунгуре"}
		if err := s.SaveBranch(ctx, second); err != nil {
			t.Fatal(err)
		}
		spec, duty := f.Role(t, "specialist"), f.Role(t, "duty")

		u := &opora.User{Login: " Ivanova ", FullName: " Иванова Мария ", Position: "Психолог",
			Email: "ivanova@example.org", Locale: "ru",
			BranchIDs: []int64{second.ID, f.Branch.ID, second.ID}, RoleIDs: []int64{duty.ID, spec.ID}}
		if err := s.CreateUser(ctx, u, "hash-1"); err != nil {
			t.Fatal(err)
		}
		got, err := s.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Login != "ivanova" || got.FullName != "Иванова Мария" || got.Position != "Психолог" ||
			got.Email != "ivanova@example.org" || got.Locale != "ru" || got.OrganisationID != f.Org.ID {
			t.Errorf("created user = %+v", got)
		}
		wantBranches := []int64{f.Branch.ID, second.ID}
		slices.Sort(wantBranches)
		wantRoles := []int64{spec.ID, duty.ID}
		slices.Sort(wantRoles)
		if !slices.Equal(got.BranchIDs, wantBranches) || !slices.Equal(got.RoleIDs, wantRoles) {
			t.Errorf("branches %v roles %v, want %v and %v", got.BranchIDs, got.RoleIDs, wantBranches, wantRoles)
		}
		if got.CreatedAt.IsZero() || got.Disabled || got.FailedLogins != 0 {
			t.Errorf("new user state = %+v", got)
		}

		// The new user's actor holds what the roles give, with their scopes.
		a := storetest.ActorOf(t, s, u.ID)
		if sc, ok := a.ScopeOf(opora.PermClientRead); !ok || sc != opora.ScopeBranch {
			t.Errorf("client.read scope = %q, %v; want branch", sc, ok)
		}
		if !a.Can(opora.PermCheckin) || a.Can(opora.PermAdminUsers) || a.Can(opora.PermClientDelete) {
			t.Errorf("specialist+duty permissions = %v", a.PermissionList())
		}
		if lc, err := s.UserForLogin(context.Background(), "IVANOVA"); err != nil || lc.User.ID != u.ID || lc.PasswordHash != "hash-1" {
			t.Errorf("UserForLogin(IVANOVA) = %+v, %v", lc, err)
		}
		if _, err := s.UserForLogin(context.Background(), "nobody"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("UserForLogin(unknown) err = %v, want not found", err)
		}

		// Logins are unique in the whole network, whatever the case.
		dup := &opora.User{Login: "IVANOVA", FullName: "Другая Иванова", BranchIDs: []int64{f.Branch.ID}, RoleIDs: []int64{spec.ID}}
		err = s.CreateUser(ctx, dup, "x")
		if opora.ErrorCode(err) != opora.EINVALID || opora.FieldErrors(err)["login"] != "error.login_taken" {
			t.Errorf("duplicate login: err = %v, want invalid login (login_taken)", err)
		}
		other := storetest.AddOrg(t, s, ctx, "Другая организация")
		dup2 := &opora.User{Login: "ivanova", FullName: "Иванова из другой", BranchIDs: []int64{other.Branch.ID},
			RoleIDs: []int64{other.Role(t, "specialist").ID}}
		if err := s.CreateUser(other.Ctx(), dup2, "x"); opora.FieldErrors(err)["login"] != "error.login_taken" {
			t.Errorf("login taken in another organisation: err = %v, want login_taken", err)
		}

		// Validation reports every bad field.
		bad := &opora.User{Login: "bad login!", FullName: "", Email: "nope", Locale: "de"}
		err = s.CreateUser(ctx, bad, "x")
		fe := opora.FieldErrors(err)
		for _, field := range []string{"login", "full_name", "email", "locale", "branches", "roles"} {
			if fe[field] == "" {
				t.Errorf("invalid user: no error for %s (errors %v)", field, fe)
			}
		}

		// Update: details, branches and roles; the audit records what changed.
		upd := *got
		upd.FullName, upd.Position = "Иванова-Смирнова Мария", "Старший психолог"
		upd.BranchIDs, upd.RoleIDs = []int64{second.ID}, []int64{spec.ID}
		if err := s.UpdateUser(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		got, err = s.User(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FullName != "Иванова-Смирнова Мария" || got.Position != "Старший психолог" ||
			!slices.Equal(got.BranchIDs, []int64{second.ID}) || !slices.Equal(got.RoleIDs, []int64{spec.ID}) {
			t.Errorf("updated user = %+v", got)
		}
		if storetest.ActorOf(t, s, u.ID).Can(opora.PermCheckin) != true {
			t.Error("specialist lost check-in")
		}
		entries, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "user", EntityID: u.ID, Action: opora.ActionUpdate})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("%d update audit entries, want 1", len(entries))
		}
		fields := map[string]opora.Change{}
		for _, c := range entries[0].Changes {
			fields[c.Field] = c
		}
		if c := fields["full_name"]; c.Old != "Иванова Мария" || c.New != "Иванова-Смирнова Мария" {
			t.Errorf("full_name change = %+v", c)
		}
		for _, f := range []string{"position", "branches", "roles"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("update audit lacks %s (changes %+v)", f, entries[0].Changes)
			}
		}
		if _, ok := fields["login"]; ok {
			t.Error("update audit records an unchanged login")
		}
		// An unchanged save writes no audit row.
		if err := s.UpdateUser(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := s.AuditEntries(ctx, opora.AuditFilter{Entity: "user", EntityID: u.ID, Action: opora.ActionUpdate}); n != 1 {
			t.Errorf("%d update audit entries after an unchanged save, want 1", n)
		}
		// Renaming onto a taken login is refused; keeping one's own is fine.
		upd.Login = "admin"
		if err := s.UpdateUser(ctx, &upd); opora.FieldErrors(err)["login"] != "error.login_taken" {
			t.Errorf("rename to a taken login: err = %v", err)
		}

		// One's own account is readable without admin.users; others' are not.
		specCtx := opora.WithActor(context.Background(), storetest.ActorOf(t, s, u.ID))
		if me, err := s.User(specCtx, u.ID); err != nil || me.ID != u.ID {
			t.Errorf("reading own account: %v", err)
		}
		if _, err := s.User(specCtx, f.Admin.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("specialist reading the administrator: err = %v, want forbidden", err)
		}
	})
}

func TestUserList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()
		spec := f.Role(t, "specialist")
		other := &opora.Branch{Name: "Филиал"}
		if err := s.SaveBranch(ctx, other); err != nil {
			t.Fatal(err)
		}
		add := func(login, name string, branch int64) *opora.User {
			u := &opora.User{Login: login, FullName: name, BranchIDs: []int64{branch}, RoleIDs: []int64{spec.ID}}
			if err := s.CreateUser(ctx, u, "x"); err != nil {
				t.Fatal(err)
			}
			return u
		}
		yolkina := add("yolkina", "Ёлкина Анна", f.Branch.ID)
		add("elkin", "Елкин Борис", other.ID)
		petrov := add("petrov", "Петров Иван", other.ID)
		if err := s.SetUserDisabled(ctx, petrov.ID, true); err != nil {
			t.Fatal(err)
		}

		logins := func(flt store.UserFilter) ([]string, int) {
			t.Helper()
			us, total, err := s.Users(ctx, flt)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range us {
				out = append(out, u.Login)
			}
			return out, total
		}
		// Cyrillic search folds case and ё on both engines.
		for _, q := range []string{"ЕЛКИН", "ёлкин", "елк"} {
			got, total := logins(store.UserFilter{Query: q})
			if total != 2 || len(got) != 2 {
				t.Errorf("search %q = %v (total %d), want Ёлкина and Елкин", q, got, total)
			}
		}
		if got, _ := logins(store.UserFilter{Query: "YOLK"}); !slices.Equal(got, []string{"yolkina"}) {
			t.Errorf("search by login = %v", got)
		}
		if got, total := logins(store.UserFilter{Query: "нет такого"}); len(got) != 0 || total != 0 {
			t.Errorf("search without match = %v, %d", got, total)
		}
		// Disabled users are hidden unless asked for, and listed last.
		if got, _ := logins(store.UserFilter{Query: "петров"}); len(got) != 0 {
			t.Errorf("disabled user listed by default: %v", got)
		}
		all, total := logins(store.UserFilter{IncludeDisabled: true})
		if total != 4 || all[len(all)-1] != "petrov" {
			t.Errorf("all users = %v (total %d), want 4 with the disabled one last", all, total)
		}
		if got, _ := logins(store.UserFilter{BranchID: other.ID}); !slices.Equal(got, []string{"elkin"}) {
			t.Errorf("users of the second branch = %v, want [elkin]", got)
		}
		// Paging: the total counts all matches, the page holds Limit.
		page, total := logins(store.UserFilter{Limit: 2, Offset: 2})
		if total != 3 || len(page) != 1 {
			t.Errorf("page 2 of 2 = %v (total %d), want 1 of 3", page, total)
		}
		us, _, _ := s.Users(ctx, store.UserFilter{Query: "Ёлкина"})
		if len(us) != 1 || us[0].ID != yolkina.ID || !slices.Equal(us[0].BranchIDs, []int64{f.Branch.ID}) ||
			!slices.Equal(us[0].RoleIDs, []int64{spec.ID}) {
			t.Errorf("listed user lacks its branches and roles: %+v", us)
		}
	})
}

// login creates a session for u as a successful login does.
func login(t *testing.T, s *store.Store, u *opora.User, token string) {
	t.Helper()
	if err := s.RecordLoginSuccess(context.Background(), u, &opora.Session{TokenHash: token, IP: "10.0.0.1", UserAgent: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(context.Background(), token); err != nil {
		t.Fatalf("session after login: %v", err)
	}
}

func TestDisableUserEndsSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()
		u, _ := f.AddUser(t, "worker", "specialist")
		login(t, s, u, "tok-1")
		login(t, s, u, "tok-2")
		login(t, s, f.Admin, "admin-tok")

		if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{"tok-1", "tok-2"} {
			if _, err := s.Session(context.Background(), tok); !errors.Is(err, opora.ErrNotFound) {
				t.Errorf("session %s of a disabled user: err = %v, want not found", tok, err)
			}
		}
		if _, err := s.Session(context.Background(), "admin-tok"); err != nil {
			t.Errorf("administrator's own session ended too: %v", err)
		}
		// A disabled user cannot act: loading the actor answers not found.
		if _, err := s.Actor(context.Background(), u.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("Actor of a disabled user: err = %v, want not found", err)
		}
		got, err := s.User(ctx, u.ID)
		if err != nil || !got.Disabled {
			t.Errorf("user after disable = %+v, %v", got, err)
		}
		// Disabling twice is a no-op, enabling brings the account back.
		if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Error(err)
		}
		if err := s.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Actor(context.Background(), u.ID); err != nil {
			t.Errorf("Actor after enable: %v", err)
		}
		for action, want := range map[string]int{opora.ActionDisable: 1, opora.ActionEnable: 1} {
			if _, n, _ := s.AuditEntries(ctx, opora.AuditFilter{Action: action, EntityID: u.ID}); n != want {
				t.Errorf("%d %s audit entries, want %d", n, action, want)
			}
		}
		// Nobody can disable themselves.
		if err := s.SetUserDisabled(ctx, f.Admin.ID, true); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("disabling oneself: err = %v, want conflict", err)
		}
	})
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		u, uctx := f.AddUser(t, "worker", "specialist")
		login(t, s, u, "tok")
		for range opora.MaxFailedLogins {
			if _, err := s.RecordLoginFailure(context.Background(), u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ResetPassword(uctx, f.Admin.ID, "evil"); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("specialist resetting the administrator's password: err = %v, want forbidden", err)
		}
		if err := s.ResetPassword(f.Ctx(), u.ID, "new-hash"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(context.Background(), "tok"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("session after a password reset: err = %v, want not found", err)
		}
		lc, err := s.UserForLogin(context.Background(), "worker")
		if err != nil {
			t.Fatal(err)
		}
		if lc.PasswordHash != "new-hash" || lc.User.Locked(s.Now()) || lc.User.FailedLogins != 0 {
			t.Errorf("after reset: hash %q, locked %v, failures %d", lc.PasswordHash, lc.User.Locked(s.Now()), lc.User.FailedLogins)
		}
		if lc, _ := s.UserForLogin(context.Background(), "admin"); lc.PasswordHash != storetest.PasswordHash {
			t.Error("the refused reset changed the administrator's password")
		}
		entries, _, err := s.AuditEntries(f.Ctx(), opora.AuditFilter{Action: opora.ActionPasswordSet, EntityID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || len(entries[0].Changes) != 1 || !entries[0].Changes[0].Sensitive ||
			entries[0].Changes[0].New != "" {
			t.Errorf("password reset audit = %+v, want one entry naming the field without values", entries)
		}
	})
}

func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		u, uctx := f.AddUser(t, "worker", "duty")
		login(t, s, u, "this-browser")
		login(t, s, u, "other-browser")
		if h, err := s.PasswordHash(uctx); err != nil || h != storetest.PasswordHash {
			t.Fatalf("PasswordHash = %q, %v", h, err)
		}
		if err := s.ChangeOwnPassword(uctx, "mine", "this-browser"); err != nil {
			t.Fatal(err)
		}
		if h, _ := s.PasswordHash(uctx); h != "mine" {
			t.Errorf("PasswordHash after change = %q", h)
		}
		if _, err := s.Session(context.Background(), "this-browser"); err != nil {
			t.Errorf("the current session ended: %v", err)
		}
		if _, err := s.Session(context.Background(), "other-browser"); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("other session after a password change: err = %v, want not found", err)
		}
		if err := s.ChangeOwnPassword(context.Background(), "x", ""); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("ChangeOwnPassword without an actor: err = %v, want forbidden", err)
		}
		if err := s.SetOwnLocale(uctx, "en"); err != nil {
			t.Fatal(err)
		}
		if a := storetest.ActorOf(t, s, u.ID); a.Locale != "en" {
			t.Errorf("locale after SetOwnLocale = %q", a.Locale)
		}
		if err := s.SetOwnLocale(uctx, "de"); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("SetOwnLocale(de): err = %v, want invalid", err)
		}
	})
}

// Parallel attempts on one account get MaxFailedLogins password checks in
// all, not one each: the check of the lock and the count are one step.
func TestLoginAttemptsInParallel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		u, _ := f.AddUser(t, "worker", "specialist")
		ctx := context.Background()
		var mu sync.Mutex
		var allowed, locks int
		var wg sync.WaitGroup
		for range 29 {
			wg.Go(func() {
				turn, err := s.ReserveLogin(ctx, u.ID)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if turn.Allowed {
					allowed++
				}
				if turn.Locks {
					locks++
				}
			})
		}
		wg.Wait()
		if allowed != opora.MaxFailedLogins || locks != 1 {
			t.Fatalf("%d of 29 parallel attempts allowed, %d locking; want %d and 1", allowed, locks, opora.MaxFailedLogins)
		}
		lc, err := s.UserForLogin(ctx, "worker")
		if err != nil {
			t.Fatal(err)
		}
		if !lc.User.Locked(s.Now()) {
			t.Fatal("the account is not locked after the parallel attempts")
		}
		if _, err := s.ReserveLogin(ctx, 999999); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("attempt on an unknown user id: err = %v, want not found", err)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		u, _ := f.AddUser(t, "worker", "specialist")
		auditor, actx := f.AddUser(t, "auditor", "auditor")
		_ = auditor
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		ctx := context.Background()

		for i := 1; i <= opora.MaxFailedLogins; i++ {
			locked, err := s.RecordLoginFailure(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := i == opora.MaxFailedLogins; locked != want {
				t.Fatalf("failure %d: locked = %v, want %v", i, locked, want)
			}
		}
		lc, err := s.UserForLogin(ctx, "worker")
		if err != nil {
			t.Fatal(err)
		}
		if !lc.User.Locked(now) || !lc.User.LockedUntil.Equal(now.Add(opora.LockoutDuration)) {
			t.Errorf("locked until %v, want %v", lc.User.LockedUntil, now.Add(opora.LockoutDuration))
		}
		count := func(action string) int {
			t.Helper()
			_, n, err := s.AuditEntries(actx, opora.AuditFilter{Action: action, Entity: "user", EntityID: u.ID})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(opora.ActionLoginFailed); n != opora.MaxFailedLogins {
			t.Errorf("%d login_failed entries, want %d", n, opora.MaxFailedLogins)
		}
		if n := count(opora.ActionLockout); n != 1 {
			t.Errorf("%d lockout entries, want 1", n)
		}
		entries, _, _ := s.AuditEntries(actx, opora.AuditFilter{Action: opora.ActionLockout})
		if len(entries) != 1 || entries[0].UserID != u.ID || entries[0].OrganisationID != f.Org.ID || entries[0].UserName != u.FullName {
			t.Errorf("lockout entry = %+v, want it about the worker in their organisation", entries)
		}

		// While locked, more attempts stay locked and are logged, no new lockout.
		now = now.Add(time.Minute)
		if locked, err := s.RecordLoginFailure(ctx, u.ID); err != nil || !locked {
			t.Errorf("failure while locked: locked = %v, %v", locked, err)
		}
		if n := count(opora.ActionLockout); n != 1 {
			t.Errorf("%d lockout entries after a try while locked, want 1", n)
		}
		// Once the lock runs out, counting starts again from zero.
		now = now.Add(opora.LockoutDuration)
		if locked, err := s.RecordLoginFailure(ctx, u.ID); err != nil || locked {
			t.Errorf("first failure after the lock ran out: locked = %v, %v", locked, err)
		}

		// A success resets the counter.
		login(t, s, u, "tok")
		lc, _ = s.UserForLogin(ctx, "worker")
		if lc.User.FailedLogins != 0 || lc.User.Locked(now) || !lc.User.LastLoginAt.Equal(now) {
			t.Errorf("after success: failures %d, locked until %v, last login %v", lc.User.FailedLogins, lc.User.LockedUntil, lc.User.LastLoginAt)
		}
		for i := 1; i < opora.MaxFailedLogins; i++ {
			if locked, _ := s.RecordLoginFailure(ctx, u.ID); locked {
				t.Fatalf("locked after %d failures following a success", i)
			}
		}
		if _, err := s.RecordLoginFailure(ctx, 999999); !errors.Is(err, opora.ErrNotFound) {
			t.Errorf("failure for an unknown user id: err = %v, want not found", err)
		}
		// Unknown logins are logged without naming anybody.
		if err := s.RecordUnknownLogin(ctx); err != nil {
			t.Fatal(err)
		}
		// The auditor reads the whole organisation's log but cannot manage users.
		if _, _, err := s.Users(actx, store.UserFilter{}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("auditor listing users: err = %v, want forbidden", err)
		}
	})
}

// TestPermissions checks that each administrative action refuses actors
// without its permission, and callers without any actor.
func TestPermissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		spec, specCtx := f.AddUser(t, "spec", "specialist", "analyst")
		supervisor, _ := f.AddUser(t, "boss", "supervisor")
		_ = supervisor
		role := f.Role(t, "duty")
		newUser := func() *opora.User {
			return &opora.User{Login: "new", FullName: "Новый", BranchIDs: []int64{f.Branch.ID}, RoleIDs: []int64{role.ID}}
		}
		calls := map[string]func(ctx context.Context) error{
			"CreateUser": func(ctx context.Context) error { return s.CreateUser(ctx, newUser(), "x") },
			"UpdateUser": func(ctx context.Context) error {
				u := newUser()
				u.ID, u.Login = spec.ID, "spec"
				return s.UpdateUser(ctx, u)
			},
			"Users":           func(ctx context.Context) error { _, _, err := s.Users(ctx, store.UserFilter{}); return err },
			"SetUserDisabled": func(ctx context.Context) error { return s.SetUserDisabled(ctx, f.Admin.ID, true) },
			"ResetPassword":   func(ctx context.Context) error { return s.ResetPassword(ctx, f.Admin.ID, "x") },
			"SaveBranch":      func(ctx context.Context) error { return s.SaveBranch(ctx, &opora.Branch{Name: "Новый"}) },
			"Roles":           func(ctx context.Context) error { _, err := s.Roles(ctx); return err },
			"Role":            func(ctx context.Context) error { _, err := s.Role(ctx, role.ID); return err },
			"SaveRole": func(ctx context.Context) error {
				return s.SaveRole(ctx, &opora.Role{Name: "Новая", Scope: opora.ScopeOwn})
			},
			"AuditEntries": func(ctx context.Context) error {
				_, _, err := s.AuditEntries(ctx, opora.AuditFilter{})
				return err
			},
			"CreateOrganisation": func(ctx context.Context) error {
				return s.CreateOrganisation(ctx, &store.NewOrganisation{
					Organisation: &opora.Organisation{Name: "Новая", Type: opora.OrgNGO}, BranchName: "Офис",
					Admin: &opora.User{Login: "neworg", FullName: "Новый"}, PasswordHash: "x"})
			},
			"UpdateOrganisation": func(ctx context.Context) error {
				o := *f.Org
				return s.UpdateOrganisation(ctx, &o)
			},
			"SaveTerritory": func(ctx context.Context) error {
				return s.SaveTerritory(ctx, &opora.Territory{Kind: opora.TerritoryRegion, Name: "Край"})
			},
			"Organisations": func(ctx context.Context) error { _, err := s.Organisations(ctx); return err },
			"Branches":      func(ctx context.Context) error { _, err := s.Branches(ctx); return err },
			"Territories":   func(ctx context.Context) error { _, err := s.Territories(ctx); return err },
		}
		// Reads every logged-in user may do.
		anyUser := map[string]bool{"Organisations": true, "Branches": true, "Territories": true}
		for name, call := range calls {
			if err := call(context.Background()); !errors.Is(err, opora.ErrForbidden) {
				t.Errorf("%s without an actor: err = %v, want forbidden", name, err)
			}
			err := call(specCtx)
			if anyUser[name] {
				if err != nil {
					t.Errorf("%s as a specialist: %v", name, err)
				}
			} else if !errors.Is(err, opora.ErrForbidden) {
				t.Errorf("%s as a specialist: err = %v, want forbidden", name, err)
			}
		}
		if _, n, _ := s.Users(f.Ctx(), store.UserFilter{IncludeDisabled: true}); n != 3 {
			t.Errorf("%d users after refused calls, want 3", n)
		}
		if a := storetest.ActorOf(t, s, f.Admin.ID); a == nil {
			t.Error("the administrator was disabled by a refused call")
		}
	})
}

// TestNetworkAdminRoleStaysWithNetworkAdmins checks that an organisation's
// administrator cannot hand out the network administrator role.
func TestNetworkAdminRoleStaysWithNetworkAdmins(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		orgAdmin, orgAdminCtx := f.AddUser(t, "orgadmin", "administrator")
		if orgAdmin == nil {
			t.Fatal("no user")
		}
		netRole := f.Role(t, opora.NetworkAdminRole)
		specRole := f.Role(t, "specialist")
		u := &opora.User{Login: "climber", FullName: "Карьерист", BranchIDs: []int64{f.Branch.ID},
			RoleIDs: []int64{specRole.ID, netRole.ID}}
		if err := s.CreateUser(orgAdminCtx, u, "x"); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("organisation administrator granting network admin: err = %v, want forbidden", err)
		}
		self := *orgAdmin
		self.RoleIDs = append(self.RoleIDs, netRole.ID)
		if err := s.UpdateUser(orgAdminCtx, &self); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("organisation administrator making themselves network admin: err = %v, want forbidden", err)
		}
		if storetest.ActorOf(t, s, orgAdmin.ID).Can(opora.PermAdminNetwork) {
			t.Fatal("organisation administrator became network administrator")
		}
		// The organisation administrator may still edit the network
		// administrator's other details, keeping the role they already have.
		admin, err := s.User(orgAdminCtx, f.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		admin.Position = "Председатель"
		if err := s.UpdateUser(orgAdminCtx, admin); err != nil {
			t.Errorf("editing the network administrator's position: %v", err)
		}
		// The network administrator may grant it.
		if err := s.CreateUser(f.Ctx(), u, "x"); err != nil {
			t.Fatalf("network administrator granting network admin: %v", err)
		}
		if !storetest.ActorOf(t, s, u.ID).Can(opora.PermAdminNetwork) {
			t.Error("granted network administrator lacks admin.network")
		}
	})
}

func TestLastRoleAdministratorKept(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.SetupOrg(t, s, "Фонд")
		ctx := f.Ctx()
		admin, err := s.User(ctx, f.Admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The only administrator cannot take the administrator role from themselves…
		admin.RoleIDs = []int64{f.Role(t, "specialist").ID}
		if err := s.UpdateUser(ctx, admin); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Fatalf("removing the last role administrator: %v", err)
		}
		// …nor can another user manager disable them.
		mgr, _ := f.AddUser(t, "manager", "specialist")
		mgrRole := &opora.Role{Name: "Кадры", Scope: opora.ScopeOwn, Permissions: []opora.Permission{opora.PermAdminUsers}}
		if err := s.SaveRole(ctx, mgrRole); err != nil {
			t.Fatal(err)
		}
		mgr.RoleIDs = []int64{mgrRole.ID}
		if err := s.UpdateUser(ctx, mgr); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserDisabled(storetest.CtxOf(t, s, mgr.ID), f.Admin.ID, true); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Fatalf("disabling the last role administrator: %v", err)
		}
		// With a second administrator both changes are fine.
		f.AddUser(t, "admin2", "administrator")
		if err := s.SetUserDisabled(storetest.CtxOf(t, s, mgr.ID), f.Admin.ID, true); err != nil {
			t.Fatal(err)
		}
	})
}
