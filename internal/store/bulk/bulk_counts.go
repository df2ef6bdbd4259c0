package bulk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/reports"
)

// The count tables (service_counts, service_type_counts, visit_counts,
// client_counts, client_day_counts, client_answer_counts) are sums over
// days, types, workers and branches: a bulk batch of a few thousand
// clients touches most of their rows, and upserting them batch after batch
// cost the generator about a fifth of its speed. A bulk load therefore
// collects their deltas in memory (BulkCounts) and FinishBulk writes them
// once. From the load's first batch until that write the tables lack the
// batches' rows; generator_runs.counts_stale says so, in the batches' own
// transactions, and RecountStale rebuilds the tables from their sources
// when a load stopped before FinishBulk (Migrate, and the next load, call
// it first).

// BulkCounts holds a bulk load's deltas of the count tables until
// FinishBulk writes them. Make one with Store.BulkCounts.
type BulkCounts struct {
	deltas *reports.Deltas
}

func newBulkCounts() *BulkCounts {
	return &BulkCounts{deltas: reports.NewDeltas()}
}

// BulkCounts starts collecting a bulk load's count deltas. Count tables
// that a stopped earlier load left stale are recounted first, so the deltas
// complete true counts.
func (s *Loader) BulkCounts(ctx context.Context) (*BulkCounts, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	if err := s.RecountStale(ctx); err != nil {
		return nil, err
	}
	return newBulkCounts(), nil
}

// add counts a batch whose ids BulkLoad has moved onto the reserved ones.
func (c *BulkCounts) add(b *BulkBatch) {
	c.deltas.AddServices(b.Services)
	for _, v := range b.Visits {
		c.deltas.AddVisit(b.OrganisationID, v.VisitedOn, v.PointID, v.ItemID, v.BranchID, v.CreatedBy)
	}
	answers := make([][3]int64, len(b.Answers))
	for i, an := range b.Answers {
		answers[i] = [3]int64{an.ClientID, an.FieldID, an.OptionID}
	}
	c.deltas.AddNewClients(b.Clients, answers)
}

// write adds the deltas to the tables.
func (c *BulkCounts) write(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error) error {
	return c.deltas.Write(ctx, dialect, exec)
}

// markCountsStale records, in a batch's transaction, that the count tables
// lack rows held in memory.
func markCountsStale(ctx context.Context, q bulkQueryer) error {
	if _, err := q.queryInt(ctx, `UPDATE generator_runs SET counts_stale = TRUE WHERE id = 1 RETURNING id`); err != nil {
		return fmt.Errorf("store: bulk counts need a generator run: %w", err)
	}
	return nil
}

// writeBulkCounts writes a finished load's deltas and clears the flag, in
// one transaction.
func (s *Loader) writeBulkCounts(ctx context.Context, c *BulkCounts) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := c.write(ctx, s.dialect, txExec(tx)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE generator_runs SET counts_stale = FALSE WHERE id = 1`); err != nil {
			return fmt.Errorf("store: bulk counts: %w", err)
		}
		return nil
	})
}

// RecountStale rebuilds the count tables from their sources, in one
// transaction, when a bulk load stopped between its first batch and
// FinishBulk; otherwise it does nothing.
func (s *Loader) RecountStale(ctx context.Context) error {
	var stale bool
	err := s.w.QueryRowContext(ctx, `SELECT counts_stale FROM generator_runs WHERE id = 1`).Scan(&stale)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !stale {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: recount: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := reports.RecountCounts(ctx, tx, s.dialect); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE generator_runs SET counts_stale = FALSE WHERE id = 1`); err != nil {
			return fmt.Errorf("store: recount: %w", err)
		}
		return nil
	})
}
