package store

import (
	"context"
	"io/fs"

	"github.com/pressly/goose/v3"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/reports"
)

// SplitRangesFrom makes grouped ranges reports split from client number n
// on (splitRanges) until the returned function puts the default back.
func SplitRangesFrom(n int64) (restore func()) { return reports.SplitRangesFrom(n) }

// CacheLoads runs what each per-process cache loads (the actors, the main
// questionnaire, the small dictionaries) and returns the statements run,
// by the change counter that tags the cache. Run it on a store whose
// caches are empty and without a read memo, so that everything is read.
// A new cache adds its loads here.
func (s *Store) CacheLoads(ctx context.Context) (map[string][]string, error) {
	a := opora.ActorFrom(ctx)
	loads := map[string][]func(ctx context.Context) error{
		"auth_version": {
			func(ctx context.Context) error { _, err := s.Actor(ctx, a.UserID); return err },
			func(ctx context.Context) error { _, err := s.Colleagues(ctx); return err },
			func(ctx context.Context) error { _, err := s.UserNames(ctx, []int64{a.UserID}); return err },
		},
		"form_version": {
			func(ctx context.Context) error { _, err := s.profileForm(ctx, a.OrganisationID); return err },
		},
		"dict_version": {
			func(ctx context.Context) error { _, err := s.orgBranches(ctx, a.OrganisationID); return err },
			func(ctx context.Context) error { _, err := s.orgServiceTypes(ctx, a.OrganisationID); return err },
			func(ctx context.Context) error { _, err := s.BackdateDays(ctx); return err },
		},
	}
	out := map[string][]string{}
	for counter, fns := range loads {
		tctx := WithTrace(ctx, &Trace{Statement: func(st TracedStatement) { out[counter] = append(out[counter], st.SQL) }})
		for _, fn := range fns {
			if err := fn(tctx); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// MigrateDownTo rolls the schema back to version v (tests of a migration's
// Down and of running its Up over existing rows).
func (s *Store) MigrateDownTo(ctx context.Context, v int64) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return err
	}
	gd := goose.DialectSQLite3
	if s.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, s.w.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}

// OnEscalate runs f before EscalateOverdue escalates each task of the list
// it read, as another request would change the task meanwhile.
func (s *Store) OnEscalate(f func(taskID int64)) { s.escalateHook = f }

// OnClaim runs f after a job read an item and before it claims it, as
// another instance's run would go meanwhile: kind "email" with the user's
// id (their pending lines read), "webhook" with the delivery's id.
func (s *Store) OnClaim(f func(kind string, id int64)) { s.claimHook = f }

// PersonTables are the tables the person's report reads, and
// PersonExcluded those it leaves out with the reason.
func PersonTables() map[string]bool { return personTables() }

var PersonExcluded = personExcluded

// OnImportRow sets a function run after each row an import writes, in the
// batch's transaction; its error fails the batch.
func (s *Store) OnImportRow(f func(row int) error) { s.importRowHook = f }
