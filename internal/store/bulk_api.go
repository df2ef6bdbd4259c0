package store

import (
	"context"

	"github.com/opora-project/opora/internal/store/bulk"
)

// The scale generator's bulk loader lives in package bulk
// (internal/store/bulk); these are the store's methods and names for it.

type (
	GeneratorRun = bulk.GeneratorRun
	BulkAnswer   = bulk.BulkAnswer
	BulkVisit    = bulk.BulkVisit
	BulkBatch    = bulk.BulkBatch
	BulkCounts   = bulk.BulkCounts
	// The families' region (bulk/bulk_families.go).
	BulkFamily      = bulk.BulkFamily
	BulkDraftTask   = bulk.BulkDraftTask
	BulkFamilyTask  = bulk.BulkFamilyTask
	BulkFamilyEvent = bulk.BulkFamilyEvent
)

// The steps of FinishBulk, as it names them to its caller.
const (
	BulkStepIndexes    = bulk.BulkStepIndexes
	BulkStepCounts     = bulk.BulkStepCounts
	BulkStepStatistics = bulk.BulkStepStatistics
)

// GeneratorRun returns the generator's progress, or nil when the database
// was never filled by the generator.
func (s *Store) GeneratorRun(ctx context.Context) (*GeneratorRun, error) {
	return s.bulk.GeneratorRun(ctx)
}

// StartGeneratorRun records a new run, or a new target for an existing one.
func (s *Store) StartGeneratorRun(ctx context.Context, r *GeneratorRun) error {
	return s.bulk.StartGeneratorRun(ctx, r)
}

// BulkLoad writes a generated batch in one transaction; on any error
// nothing of it stays. The actor must manage the organisation.
func (s *Store) BulkLoad(ctx context.Context, b *BulkBatch) error { return s.bulk.BulkLoad(ctx, b) }

// DeferIndexes drops the deferred indexes before a bulk load.
func (s *Store) DeferIndexes(ctx context.Context) error { return s.bulk.DeferIndexes(ctx) }

// BulkIndexes builds the deferred indexes that do not exist.
func (s *Store) BulkIndexes(ctx context.Context) error { return s.bulk.BulkIndexes(ctx) }

// FinishBulk ends a bulk load: indexes, the collected count deltas, statistics.
func (s *Store) FinishBulk(ctx context.Context, counts *BulkCounts, step func(name string)) error {
	return s.bulk.FinishBulk(ctx, counts, step)
}

// BulkCounts starts collecting a bulk load's count deltas, recounting
// count tables a stopped earlier load left stale first.
func (s *Store) BulkCounts(ctx context.Context) (*BulkCounts, error) { return s.bulk.BulkCounts(ctx) }

func (s *Store) recountStale(ctx context.Context) error { return s.bulk.RecountStale(ctx) }
