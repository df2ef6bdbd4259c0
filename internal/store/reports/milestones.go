package reports

import (
	"context"
	"fmt"
)

// family_milestones (migration 00053) holds per family the first signal's
// time and its triage, the first curator's assignment, the first plan task
// and the first task done: what the monitoring's steps read. Triggers keep
// it on every write to signals, family_curators and case_tasks; this is the
// same computation over a set of families, for the recount and for a bulk
// load (which may run without triggers on PostgreSQL).

// milestonesInsert computes the rows of the families in x (a subquery
// giving family_id) and upserts them.
func milestonesInsert(x string) string {
	return `INSERT INTO family_milestones (family_id, signal_at, triaged_at, curator_at, task_at, done_on)
	SELECT x.family_id, m.received_at,
		(SELECT MIN(st.triaged_at) FROM signals st WHERE st.family_id = x.family_id AND st.received_at = m.received_at),
		(SELECT MIN(fc.assigned_at) FROM family_curators fc WHERE fc.family_id = x.family_id),
		(SELECT MIN(t.created_at) FROM case_tasks t WHERE t.family_id = x.family_id),
		(SELECT MIN(t.done_on) FROM case_tasks t WHERE t.family_id = x.family_id AND t.status = 'done')
	FROM (` + x + `) x
	LEFT JOIN (SELECT s.family_id, MIN(s.received_at) AS received_at FROM signals s WHERE s.family_id IN (` + x + `)
		GROUP BY s.family_id) m ON m.family_id = x.family_id
	WHERE x.family_id IS NOT NULL
	ON CONFLICT (family_id) DO UPDATE SET signal_at = excluded.signal_at, triaged_at = excluded.triaged_at,
		curator_at = excluded.curator_at, task_at = excluded.task_at, done_on = excluded.done_on`
}

// milestonesFamilies are the families with a source row.
const milestonesFamilies = `SELECT family_id FROM signals WHERE family_id IS NOT NULL
	UNION SELECT family_id FROM family_curators UNION SELECT family_id FROM case_tasks WHERE family_id IS NOT NULL`

// RefreshMilestones recomputes the milestones of the families with ids
// first…last (a bulk load's batch).
func RefreshMilestones(ctx context.Context, exec func(ctx context.Context, q string, args ...any) error, first, last int64) error {
	if last < first {
		return nil
	}
	if err := exec(ctx, milestonesInsert(`SELECT id AS family_id FROM families WHERE id BETWEEN $1 AND $2`), first, last); err != nil {
		return fmt.Errorf("store: family milestones: %w", err)
	}
	// A family without a source row has no milestones row.
	if err := exec(ctx, `DELETE FROM family_milestones WHERE family_id BETWEEN $1 AND $2 AND signal_at IS NULL
		AND curator_at IS NULL AND task_at IS NULL`, first, last); err != nil {
		return fmt.Errorf("store: family milestones: %w", err)
	}
	return nil
}
