package reports

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// service_counts (migration 00016) holds the number and amount of services
// per organisation, day, branch, type and worker, and service_type_counts
// (00024) the same without the worker. Every write of a service moves its
// rows in the same transaction; report.go reads them for services reports
// that need nothing of the client.

const (
	serviceCountUpsert = ` ON CONFLICT (organisation_id, day, branch_id, type_id, worker_id) DO UPDATE SET
	services = service_counts.services + excluded.services,
	amount_kopecks = service_counts.amount_kopecks + excluded.amount_kopecks`
	serviceTypeCountUpsert = ` ON CONFLICT (organisation_id, day, branch_id, type_id) DO UPDATE SET
	services = service_type_counts.services + excluded.services,
	amount_kopecks = service_type_counts.amount_kopecks + excluded.amount_kopecks`
)

// CountService adds (sign 1) or takes away (sign -1) one service. The
// tables count only the services of live clients: a deleted client's
// services are taken out when the client is deleted and come back when it is
// restored (CountClientServices), so a service of a deleted client moves
// nothing.
func CountService(ctx context.Context, q queryer, sv *opora.Service, sign int) error {
	if live, err := LiveClient(ctx, q, sv.ClientID); err != nil || !live {
		return err
	}
	var amount int64
	if sv.HasAmount {
		amount = sv.Amount
	}
	_, err := q.ExecContext(ctx, `INSERT INTO service_counts (organisation_id, day, branch_id, type_id, worker_id,
		services, amount_kopecks) VALUES ($1, $2, $3, $4, $5, $6, $7)`+serviceCountUpsert,
		sv.OrganisationID, sv.RenderedOn, sv.BranchID, sv.TypeID, sv.WorkerID, sign, int64(sign)*amount)
	if err == nil {
		_, err = q.ExecContext(ctx, `INSERT INTO service_type_counts (organisation_id, day, branch_id, type_id,
			services, amount_kopecks) VALUES ($1, $2, $3, $4, $5, $6)`+serviceTypeCountUpsert,
			sv.OrganisationID, sv.RenderedOn, sv.BranchID, sv.TypeID, sign, int64(sign)*amount)
	}
	if err != nil {
		return fmt.Errorf("store: service counts: %w", err)
	}
	return nil
}

// LiveClient reports whether a client is counted by the reports: not
// deleted (a merged-away client has no services left).
func LiveClient(ctx context.Context, q queryer, clientID int64) (bool, error) {
	var deleted bool
	if err := q.QueryRowContext(ctx, `SELECT deleted_at IS NOT NULL FROM clients WHERE id = $1`, clientID).Scan(&deleted); err != nil {
		return false, fmt.Errorf("store: service counts: %w", err)
	}
	return !deleted, nil
}

// CountClientServices adds (sign 1) or takes away (sign -1) all the live
// services of one client: when the client is restored or deleted, or its
// services move from a deleted client to a live one by a merge.
func CountClientServices(ctx context.Context, q queryer, clientID int64, sign int) error {
	_, err := q.ExecContext(ctx, `INSERT INTO service_counts (organisation_id, day, branch_id, type_id, worker_id,
		services, amount_kopecks)
		SELECT organisation_id, rendered_on, branch_id, type_id, worker_id, $2 * COUNT(*), $2 * COALESCE(SUM(amount_kopecks), 0)
		FROM services WHERE client_id = $1 AND deleted_at IS NULL
		GROUP BY organisation_id, rendered_on, branch_id, type_id, worker_id`+serviceCountUpsert, clientID, sign)
	if err == nil {
		_, err = q.ExecContext(ctx, `INSERT INTO service_type_counts (organisation_id, day, branch_id, type_id,
			services, amount_kopecks)
			SELECT organisation_id, rendered_on, branch_id, type_id, $2 * COUNT(*), $2 * COALESCE(SUM(amount_kopecks), 0)
			FROM services WHERE client_id = $1 AND deleted_at IS NULL
			GROUP BY organisation_id, rendered_on, branch_id, type_id`+serviceTypeCountUpsert, clientID, sign)
	}
	if err != nil {
		return fmt.Errorf("store: service counts: %w", err)
	}
	return nil
}

// CountClientDerived takes a client's services out of every table
// derived from services when the client is deleted (sign -1), and puts them
// back when it is restored (sign 1); the client's row is already written.
func CountClientDerived(ctx context.Context, q queryer, dialect Dialect, clientID int64, sign int) error {
	if err := CountClientServices(ctx, q, clientID, sign); err != nil {
		return err
	}
	return RefreshActive(ctx, q, dialect, clientID)
}

// serviceCountKey is one row of service_counts.
type serviceCountKey struct {
	org, branch, typ, worker int64
	day                      time.Time
}

// serviceSums is one row's services and amount.
type serviceSums struct{ n, amount int64 }

// addServiceCounts adds services to per-key sums.
func addServiceCounts(agg map[serviceCountKey]*serviceSums, svs []*opora.Service) {
	for _, sv := range svs {
		k := serviceCountKey{sv.OrganisationID, sv.BranchID, sv.TypeID, sv.WorkerID, sv.RenderedOn.Time()}
		a := agg[k]
		if a == nil {
			a = &serviceSums{}
			agg[k] = a
		}
		a.n++
		if sv.HasAmount {
			a.amount += sv.Amount
		}
	}
}

// writeServiceCounts adds per-key sums to service_counts and, without the
// worker, to service_type_counts.
func writeServiceCounts(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error,
	agg map[serviceCountKey]*serviceSums) error {
	// In key order, the upserts walk the table's B-tree front to back
	// instead of jumping across it.
	keys := slices.SortedFunc(maps.Keys(agg), compareServiceCountKeys)
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		a := agg[k]
		rows = append(rows, []any{k.org, nullDate(k.day), k.branch, k.typ, k.worker, a.n, a.amount})
	}
	if err := insertChunks(ctx, dialect, exec, "service_counts", []string{"organisation_id", "day", "branch_id", "type_id",
		"worker_id", "services", "amount_kopecks"}, serviceCountUpsert, rows); err != nil {
		return err
	}
	// The same without the worker.
	byType := map[serviceCountKey]*serviceSums{}
	keys = keys[:0]
	for k, a := range agg {
		k.worker = 0
		t := byType[k]
		if t == nil {
			t = &serviceSums{}
			byType[k] = t
			keys = append(keys, k)
		}
		t.n += a.n
		t.amount += a.amount
	}
	slices.SortFunc(keys, compareServiceCountKeys)
	rows = rows[:0]
	for _, k := range keys {
		a := byType[k]
		rows = append(rows, []any{k.org, nullDate(k.day), k.branch, k.typ, a.n, a.amount})
	}
	return insertChunks(ctx, dialect, exec, "service_type_counts", []string{"organisation_id", "day", "branch_id", "type_id",
		"services", "amount_kopecks"}, serviceTypeCountUpsert, rows)
}

// compareServiceCountKeys orders keys as the primary keys of service_counts
// and service_type_counts.
func compareServiceCountKeys(a, b serviceCountKey) int {
	return cmp.Or(cmp.Compare(a.org, b.org), a.day.Compare(b.day), cmp.Compare(a.branch, b.branch),
		cmp.Compare(a.typ, b.typ), cmp.Compare(a.worker, b.worker))
}
