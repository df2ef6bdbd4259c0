package reports

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// visit_counts (migration 00023) holds the number of check-in visits per
// organisation, day, point, item, branch and the worker who ticked (0 when
// not known). Every write of visits moves it in the same transaction: a
// tick adds one (CountVisit), an undone tick takes it away (UndoTicks), the removal of a merged person's duplicate
// visits takes them away (DeleteDuplicateVisits), a bulk load adds its own
// (addVisitCounts, writeVisitCounts). report.go reads it for counts of
// visits that need nothing of the person (countedVisits).

const visitCountUpsert = ` ON CONFLICT (organisation_id, day, point_id, item_id, branch_id, created_by)
	DO UPDATE SET visits = visit_counts.visits + excluded.visits`

var visitCountColumns = []string{"organisation_id", "day", "point_id", "item_id", "branch_id", "created_by", "visits"}

// CountVisit adds one visit.
func CountVisit(ctx context.Context, q queryer, org int64, day opora.Date, point, item, branch, createdBy int64) error {
	return AddVisitCount(ctx, q, org, day, point, item, branch, createdBy, 1)
}

// AddVisitCount adds n visits (-1 for an undone tick).
func AddVisitCount(ctx context.Context, q queryer, org int64, day opora.Date, point, item, branch, createdBy, n int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO visit_counts (organisation_id, day, point_id, item_id, branch_id, created_by,
		visits) VALUES ($1, $2, $3, $4, $5, $6, $7)`+visitCountUpsert, org, day, point, item, branch, createdBy, n)
	if err != nil {
		return fmt.Errorf("store: visit counts: %w", err)
	}
	return nil
}

// DeleteDuplicateVisits removes the visits of person from that person into
// also has (same shift and item), before from's visits move to into: a
// visit both had at one shift counts once, the survivor's stays. The counts
// lose them in the same transaction.
func DeleteDuplicateVisits(ctx context.Context, tx *sql.Tx, from, into int64) error {
	const dup = ` FROM checkin_visits WHERE person_id = $1 AND EXISTS (SELECT 1 FROM checkin_visits o
		WHERE o.person_id = $2 AND o.shift_id = checkin_visits.shift_id AND o.item_id = checkin_visits.item_id)`
	if _, err := tx.ExecContext(ctx, `INSERT INTO visit_counts (organisation_id, day, point_id, item_id, branch_id,
		created_by, visits) SELECT organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0), -COUNT(*)`+
		dup+` GROUP BY organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0)`+visitCountUpsert,
		from, into); err != nil {
		return fmt.Errorf("store: visit counts: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE`+dup, from, into); err != nil {
		return fmt.Errorf("store: delete duplicate visits: %w", err)
	}
	return nil
}

// visitCountKey is one row of visit_counts.
type visitCountKey struct {
	org                            int64
	day                            opora.Date
	point, item, branch, createdBy int64
}

// writeVisitCounts adds per-key counts to visit_counts, in key order.
func writeVisitCounts(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error,
	agg map[visitCountKey]int64) error {
	keys := nonZero(agg, func(a, b visitCountKey) int {
		return cmp.Or(cmp.Compare(a.org, b.org), a.day.Compare(b.day), cmp.Compare(a.point, b.point),
			cmp.Compare(a.item, b.item), cmp.Compare(a.branch, b.branch), cmp.Compare(a.createdBy, b.createdBy))
	})
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, []any{k.org, k.day, k.point, k.item, k.branch, k.createdBy, agg[k]})
	}
	return insertChunks(ctx, dialect, exec, "visit_counts", visitCountColumns, visitCountUpsert, rows)
}

// visitCountsSubject reads visit_counts as visits (alias v, with the
// visits' column names; worker 0 reads as not known), under the visits'
// own scope.
var visitCountsSubject = subjectSQL{
	from: `(SELECT organisation_id, day, point_id, item_id, branch_id, NULLIF(created_by, 0) AS created_by, visits
		FROM visit_counts) v`,
	where:  "1 = 1",
	date:   "v.day",
	branch: "v.branch_id",
	worker: "v.created_by",
	sum:    "v.visits",
	dims:   map[opora.Dimension]string{opora.DimPoint: "v.point_id", opora.DimItem: "v.item_id"},
	scope:  visitScope,
}

// countedVisits reports whether a visits query can be answered from
// visit_counts: a count, filtered and grouped only by period, branch,
// worker, point and item (any scope: the visits' scope reads the same
// columns).
func countedVisits(q *opora.ReportQuery) bool {
	return q.Subject == opora.SubjectVisits && q.Measure == opora.MeasureCount && visitCountsFeatures.supports(q)
}
