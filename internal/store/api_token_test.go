package store_test

import (
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A token is issued only for a user of the administrator's own
// organisation, with a scope and an expiry within a year; only its hash is
// kept, it is found by the hash of what a caller presents, and a revoked
// one stays in the list, marked.
func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Ночлежка")
		ctx := fx.Ctx()
		other := storetest.AddOrg(t, st, ctx, "Другая НКО")
		now := st.Now()
		for _, c := range []struct {
			tok   opora.APIToken
			field string
		}{
			{opora.APIToken{Name: "ИС", UserID: fx.Admin.ID, ExpiresAt: now.AddDate(0, 0, 5)}, "scopes"},
			{opora.APIToken{Name: "ИС", UserID: fx.Admin.ID, Scopes: []opora.APIScope{"clients:delete"}, ExpiresAt: now.AddDate(0, 0, 5)}, "scopes"},
			{opora.APIToken{Name: " ", UserID: fx.Admin.ID, Scopes: []opora.APIScope{opora.ScopeClientsRead}, ExpiresAt: now.AddDate(0, 0, 5)}, "name"},
			{opora.APIToken{Name: "ИС", UserID: fx.Admin.ID, Scopes: []opora.APIScope{opora.ScopeClientsRead}, ExpiresAt: now.Add(-time.Hour)}, "expires"},
			{opora.APIToken{Name: "ИС", UserID: fx.Admin.ID, Scopes: []opora.APIScope{opora.ScopeClientsRead}, ExpiresAt: now.AddDate(2, 0, 0)}, "expires"},
			{opora.APIToken{Name: "ИС", UserID: other.Admin.ID, Scopes: []opora.APIScope{opora.ScopeClientsRead}, ExpiresAt: now.AddDate(0, 0, 5)}, "user"},
		} {
			_, err := st.CreateAPIToken(ctx, &c.tok)
			if opora.FieldErrors(err)[c.field] == "" {
				t.Errorf("%+v: want an error at %s, got %v", c.tok, c.field, err)
			}
		}
		if list, err := st.APITokens(ctx); err != nil || len(list) != 0 {
			t.Fatalf("refused tokens were kept: %v %d", err, len(list))
		}

		tok := &opora.APIToken{Name: "МИС", UserID: fx.Admin.ID, Scopes: []opora.APIScope{opora.ScopeClientsRead, opora.ScopeTasksRead},
			ExpiresAt: now.AddDate(0, 0, 30)}
		plain, err := st.CreateAPIToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.APITokenByHash(ctx, auth.HashToken(plain))
		if err != nil || got.ID != tok.ID || !got.Has(opora.ScopeTasksRead) || got.Has(opora.ScopeTasksWrite) || !got.Active(st.Now()) {
			t.Fatalf("by hash: %v %+v", err, got)
		}
		if _, err := st.APITokenByHash(ctx, auth.HashToken(plain+"x")); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("a wrong token: %v", err)
		}
		if list, _ := st.APITokens(other.Ctx()); len(list) != 0 {
			t.Errorf("another organisation lists the token")
		}
		if err := st.RevokeAPIToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		list, err := st.APITokens(ctx)
		if err != nil || len(list) != 1 || list[0].RevokedAt.IsZero() || list[0].Active(st.Now()) {
			t.Fatalf("after revoking: %v %+v", err, list)
		}
		entries, _, err := st.AuditEntries(ctx, opora.AuditFilter{Entity: "api_token", EntityID: tok.ID})
		if err != nil || len(entries) != 2 {
			t.Errorf("audit of issuing and revoking: %v %d", err, len(entries))
		}
	})
}
