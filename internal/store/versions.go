package store

import (
	"context"
	"database/sql"

	"github.com/opora-project/opora/internal/opora"
)

// Versions are the database's change counters as a request read them at
// its start, with its session: auth_version (users, their branches and
// roles; migration 00028), form_version (questionnaire definitions; 00027)
// and dict_version (branches, service types, the organisation's settings;
// 00029). Each process keeps what those tables hold in memory tagged with
// the counter it read before reading them (versionedCache), so a page whose
// session query returned the counters reads none of them again until some
// process changes them. On PostgreSQL every saved query is a round trip
// and a backend's work on the same two cores as the server.
type Versions struct {
	Auth, Form, Dict int64
}

type versionsKey struct{}

// WithVersions returns a context carrying the counters read with the
// request's session. The actor is built with them on every request; the
// other caches use them only in requests that do not write (those with a
// read memo), since a request that writes must see its own writes.
func WithVersions(ctx context.Context, v Versions) context.Context {
	return context.WithValue(ctx, versionsKey{}, v)
}

// requestVersions returns the request's counters if it may read cached
// dictionaries with them.
func requestVersions(ctx context.Context) (Versions, bool) {
	if memoFrom(ctx) == nil {
		return Versions{}, false
	}
	v, ok := ctx.Value(versionsKey{}).(Versions)
	return v, ok
}

const versionsColumns = `a.version, f.version, d.version`

// The counters' tables hold one row each (id 1); saying so lets the
// planner know it (an unanalysed table is guessed at 2,040 rows, and the
// guessed cost of the cross join once switched PostgreSQL's JIT on).
const versionsFrom = `auth_version a, form_version f, dict_version d`
const versionsWhere = ` AND a.id = 1 AND f.id = 1 AND d.id = 1`

// SessionVersions is Session with the change counters read in the same
// query (see Versions).
func (s *Store) SessionVersions(ctx context.Context, tokenHash string) (*opora.Session, Versions, error) {
	sess := &opora.Session{TokenHash: tokenHash}
	var v Versions
	var created, seen sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT s.user_id, s.created_at, s.last_seen_at, s.ip, s.user_agent, s.flash, `+
		versionsColumns+` FROM sessions s, `+versionsFrom+` WHERE s.token_hash = $1`+versionsWhere, tokenHash).
		Scan(&sess.UserID, &created, &seen, &sess.IP, &sess.UserAgent, &sess.Flash, &v.Auth, &v.Form, &v.Dict)
	if err != nil {
		return nil, Versions{}, notFound(err)
	}
	sess.CreatedAt, sess.LastSeenAt = timeOf(created), timeOf(seen)
	return sess, v, nil
}

// dictCaches keeps what the dictionary readers return, per organisation
// (user names: per user), tagged with the counter of the tables they come
// from. The public readers copy values on the way out: their callers may
// change what they get.
type dictCaches struct {
	branches     versionedCache[[]opora.Branch]      // by organisation, dict_version
	serviceTypes versionedCache[[]opora.ServiceType] // by organisation, all types, dict_version
	backdate     versionedCache[int]                 // by organisation, dict_version
	colleagues   versionedCache[[]Colleague]         // by organisation, auth_version
	userNames    versionedCache[orgUserName]         // by user, auth_version
	formIDs      versionedCache[int64]               // main questionnaire's id by organisation, form_version
}

// orgServiceTypes returns all the organisation's service types, from
// memory in a request that may use it. The slice is shared: read only.
func (s *Store) orgServiceTypes(ctx context.Context, orgID int64) ([]opora.ServiceType, error) {
	v, cached := requestVersions(ctx)
	if cached {
		if ts, ok := s.dict.serviceTypes.get(orgID, v.Dict); ok {
			return ts, nil
		}
	}
	all, err := s.serviceTypes(ctx, s.r, orgID, false)
	if err != nil {
		return nil, err
	}
	ts := values(all)
	if cached {
		s.dict.serviceTypes.put(orgID, v.Dict, ts)
	}
	return ts, nil
}

// orgBranches returns the organisation's branches, from memory in a
// request that may use it. The slice is shared: read only.
func (s *Store) orgBranches(ctx context.Context, orgID int64) ([]opora.Branch, error) {
	v, cached := requestVersions(ctx)
	if cached {
		if bs, ok := s.dict.branches.get(orgID, v.Dict); ok {
			return bs, nil
		}
	}
	all, err := s.branches(ctx, orgID)
	if err != nil {
		return nil, err
	}
	bs := values(all)
	if cached {
		s.dict.branches.put(orgID, v.Dict, bs)
	}
	return bs, nil
}

type orgUserName struct {
	org  int64
	name string
}

func branchPointers(bs []opora.Branch) []*opora.Branch {
	out := make([]*opora.Branch, len(bs))
	for i := range bs {
		b := bs[i]
		out[i] = &b
	}
	return out
}

func serviceTypePointers(ts []opora.ServiceType, activeOnly bool) []*opora.ServiceType {
	out := make([]*opora.ServiceType, 0, len(ts))
	for i := range ts {
		if activeOnly && !ts[i].Active {
			continue
		}
		t := ts[i]
		out = append(out, &t)
	}
	return out
}

func values[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// cachedUserNames answers from the cache the names of ids it holds for the
// organisation, and returns the ids it does not.
func (c *dictCaches) cachedUserNames(orgID, version int64, ids []int64, out map[int64]string) []int64 {
	var missing []int64
	for _, id := range ids {
		if id <= 0 {
			continue // no user
		}
		if n, ok := c.userNames.get(id, version); ok {
			if n.org == orgID {
				out[id] = n.name
			}
			continue
		}
		missing = append(missing, id)
	}
	return missing
}
