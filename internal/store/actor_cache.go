package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/opora-project/opora/internal/opora"
)

// actorCache keeps what every request's actor is built from (the user, their
// branches and roles with permissions), which was three queries a request.
// An entry is tagged with the database's auth_version as it was read before
// the user; every change to users, their branches and roles, roles and role
// permissions raises that counter (triggers, migration 00028), so the next
// request after a change reads the user again, whichever process made it.
type actorCache struct {
	mu    sync.Mutex
	users map[int64]cachedActor
}

type cachedActor struct {
	version int64
	user    *opora.User
	roles   []*opora.Role
}

// Actor loads the acting user with their permissions, for a session. A
// disabled or missing user is ErrNotFound.
func (s *Store) Actor(ctx context.Context, userID int64) (*opora.Actor, error) {
	var version int64
	if err := s.r.QueryRowContext(ctx, `SELECT version FROM auth_version WHERE id = 1`).Scan(&version); err != nil {
		return nil, fmt.Errorf("store: auth version: %w", err)
	}
	s.actorCache.mu.Lock()
	e, ok := s.actorCache.users[userID]
	s.actorCache.mu.Unlock()
	if !ok || e.version != version {
		u, err := s.user(ctx, s.r, `u.id = $1 AND NOT u.disabled`, userID)
		if err != nil {
			return nil, err
		}
		roles, err := s.roles(ctx, s.r, `r.id IN (SELECT role_id FROM user_roles WHERE user_id = $1)`, userID)
		if err != nil {
			return nil, err
		}
		e = cachedActor{version: version, user: u, roles: roles}
		s.actorCache.mu.Lock()
		if s.actorCache.users == nil {
			s.actorCache.users = map[int64]cachedActor{}
		}
		if old, ok := s.actorCache.users[userID]; !ok || old.version <= version {
			s.actorCache.users[userID] = e
		}
		s.actorCache.mu.Unlock()
	}
	// Each request gets its own actor: nothing it changes reaches the cache.
	a := opora.NewActor(e.user, e.roles)
	a.BranchIDs = slices.Clone(a.BranchIDs)
	return a, nil
}
