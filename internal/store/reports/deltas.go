package reports

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// Deltas collects a bulk load's changes to the six count tables (service,
// service type, visit, client, client day and client answer counts) in
// memory, for Write to add them once (store.BulkCounts holds one).
type Deltas struct {
	services map[serviceCountKey]*serviceSums
	visits   map[visitCountKey]int64
	clients  *clientCounts
}

// NewDeltas returns empty deltas.
func NewDeltas() *Deltas {
	return &Deltas{services: map[serviceCountKey]*serviceSums{}, visits: map[visitCountKey]int64{},
		clients: newClientCounts()}
}

// AddServices counts new services.
func (d *Deltas) AddServices(svs []*opora.Service) { addServiceCounts(d.services, svs) }

// AddVisit counts one new check-in visit.
func (d *Deltas) AddVisit(org int64, day opora.Date, point, item, branch, createdBy int64) {
	d.visits[visitCountKey{org, day, point, item, branch, createdBy}]++
}

// AddNewClients counts new clients and their main-questionnaire choices
// (client, field, option).
func (d *Deltas) AddNewClients(clients []*opora.Client, answers [][3]int64) {
	d.clients.addNew(clients, answers)
}

// Write adds the deltas to the tables.
func (d *Deltas) Write(ctx context.Context, dialect Dialect, exec func(ctx context.Context, q string, args ...any) error) error {
	if err := writeServiceCounts(ctx, dialect, exec, d.services); err != nil {
		return err
	}
	if err := writeVisitCounts(ctx, dialect, exec, d.visits); err != nil {
		return err
	}
	return d.clients.write(ctx, dialect, exec)
}

// recountSQL rebuilds the service and visit count tables from services and
// visits (the client tables are tallied in Go: tallyClients).
var recountSQL = []string{
	`DELETE FROM service_counts`,
	`INSERT INTO service_counts (organisation_id, day, branch_id, type_id, worker_id, services, amount_kopecks)
		SELECT organisation_id, rendered_on, branch_id, type_id, worker_id, COUNT(*), COALESCE(SUM(amount_kopecks), 0)
		FROM services WHERE deleted_at IS NULL AND client_id NOT IN (SELECT id FROM clients WHERE deleted_at IS NOT NULL)
		GROUP BY organisation_id, rendered_on, branch_id, type_id, worker_id`,
	`DELETE FROM service_type_counts`,
	`INSERT INTO service_type_counts (organisation_id, day, branch_id, type_id, services, amount_kopecks)
		SELECT organisation_id, day, branch_id, type_id, SUM(services), SUM(amount_kopecks)
		FROM service_counts GROUP BY organisation_id, day, branch_id, type_id`,
	`DELETE FROM visit_counts`,
	`INSERT INTO visit_counts (organisation_id, day, point_id, item_id, branch_id, created_by, visits)
		SELECT organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0), COUNT(*)
		FROM checkin_visits GROUP BY organisation_id, visited_on, point_id, item_id, branch_id, COALESCE(created_by, 0)`,
	`DELETE FROM client_counts`,
	`DELETE FROM client_day_counts`,
	`DELETE FROM client_answer_counts`,
	`DELETE FROM family_milestones`,
	milestonesInsert(milestonesFamilies),
}

// RecountCounts rebuilds the six count tables from services, visits,
// clients and answers in tx.
func RecountCounts(ctx context.Context, tx *sql.Tx, dialect Dialect) error {
	for _, q := range recountSQL {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: recount: %w", err)
		}
	}
	cc, err := tallyClients(ctx, tx)
	if err != nil {
		return err
	}
	return cc.write(ctx, dialect, txExec(tx))
}

// RebuildDerived rebuilds every derived table (the counts, the active
// months, the services' date ranges, the families' milestones) from the
// source rows in tx, for an organisation's import (store/orgmove.go).
func RebuildDerived(ctx context.Context, tx *sql.Tx, dialect Dialect) error {
	if err := RecountCounts(ctx, tx, dialect); err != nil {
		return err
	}
	for _, t := range []string{"active_client_months", "client_service_ranges"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return fmt.Errorf("store: rebuild derived: %w", err)
		}
	}
	if err := buildActive(ctx, tx, dialect); err != nil {
		return err
	}
	return buildRanges(ctx, tx, dialect)
}
