package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// derivedTables are the tables kept from source rows by the write paths
// (services, visits, clients, answers), with the condition that leaves out
// rows a recount would not make (a count fallen to zero).
var derivedTables = []struct{ name, live string }{
	{"service_counts", "services <> 0"},
	{"service_type_counts", "services <> 0"},
	{"visit_counts", "visits <> 0"},
	{"client_counts", "clients <> 0"},
	{"client_day_counts", "clients <> 0"},
	{"client_answer_counts", "clients <> 0"},
	{"active_client_months", "1 = 1"},
	{"client_service_ranges", "1 = 1"},
	{"family_milestones", "1 = 1"},
}

var errRollback = errors.New("store: rolled back")

// DerivedDrift rebuilds every derived table from its source rows, in a
// transaction it rolls back, and reports each table whose rows differ from
// the rebuilt ones (nil when all agree). The store tests run it after every
// test (storetest.Each), so a write path that forgets a table fails its own
// test.
func (s *Planner) DerivedDrift(ctx context.Context) ([]string, error) {
	var drift []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var stale bool
		err := tx.QueryRowContext(ctx, `SELECT counts_stale FROM generator_runs WHERE id = 1`).Scan(&stale)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: derived drift: %w", err)
		}
		kept := map[string][]string{}
		for _, t := range derivedTables {
			if kept[t.name], err = tableLines(ctx, tx, t.name, t.live); err != nil {
				return err
			}
		}
		for _, q := range recountSQL {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: derived drift: %w", err)
			}
		}
		cc, err := tallyClients(ctx, tx)
		if err != nil {
			return err
		}
		if err := cc.write(ctx, s.dialect, txExec(tx)); err != nil {
			return err
		}
		for _, t := range []string{"active_client_months", "client_service_ranges"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return fmt.Errorf("store: derived drift: %w", err)
			}
		}
		if err := buildActive(ctx, tx, s.dialect); err != nil {
			return err
		}
		if err := buildRanges(ctx, tx, s.dialect); err != nil {
			return err
		}
		for _, t := range derivedTables {
			if stale && t.name != "active_client_months" && t.name != "client_service_ranges" {
				continue // a bulk load stopped before writing its counts
			}
			rebuilt, err := tableLines(ctx, tx, t.name, t.live)
			if err != nil {
				return err
			}
			if !slices.Equal(kept[t.name], rebuilt) {
				drift = append(drift, fmt.Sprintf("%s:\nkept\n  %s\nfrom the sources\n  %s", t.name,
					strings.Join(kept[t.name], "\n  "), strings.Join(rebuilt, "\n  ")))
			}
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	return drift, nil
}

// tableLines reads a table's rows as sorted lines of text.
func tableLines(ctx context.Context, q queryer, table, where string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+table+` WHERE `+where)
	if err != nil {
		return nil, fmt.Errorf("store: derived drift: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("store: derived drift: %w", err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("store: derived drift: %w", err)
		}
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%s=%v", cols[i], v)
		}
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out, rows.Err()
}
