package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// The regions' triage deadlines (signal_deadlines), kept by the network
// administrator. A region without a row has the defaults.

// SignalDeadlines lists every region with its deadlines. Needs admin.network.
func (s *Store) SignalDeadlines(ctx context.Context) ([]*opora.SignalDeadlines, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.name, COALESCE(d.ordinary_hours, 0), COALESCE(d.immediate_hours, 0)
		FROM territories t LEFT JOIN signal_deadlines d ON d.territory_id = t.id WHERE t.kind = $1 ORDER BY t.name, t.id`,
		opora.TerritoryRegion)
	if err != nil {
		return nil, fmt.Errorf("store: signal deadlines: %w", err)
	}
	defer rows.Close()
	var out []*opora.SignalDeadlines
	for rows.Next() {
		d := &opora.SignalDeadlines{}
		if err := rows.Scan(&d.RegionID, &d.RegionName, &d.OrdinaryHours, &d.ImmediateHours); err != nil {
			return nil, fmt.Errorf("store: signal deadlines: %w", err)
		}
		d.Custom = d.OrdinaryHours != 0
		if !d.Custom {
			d.OrdinaryHours, d.ImmediateHours = opora.DefaultOrdinaryHours, opora.DefaultImmediateHours
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveSignalDeadlines sets a region's deadlines. Signals registered before
// keep their deadline. Needs admin.network.
func (s *Store) SaveSignalDeadlines(ctx context.Context, d *opora.SignalDeadlines) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermAdminNetwork); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		t, err := s.territory(ctx, tx, d.RegionID)
		if err != nil || t.Kind != opora.TerritoryRegion {
			if err != nil && opora.ErrorCode(err) != opora.ENOTFOUND {
				return err
			}
			return opora.ErrNotFound
		}
		old := opora.SignalDeadlines{OrdinaryHours: opora.DefaultOrdinaryHours, ImmediateHours: opora.DefaultImmediateHours}
		_ = tx.QueryRowContext(ctx, `SELECT ordinary_hours, immediate_hours FROM signal_deadlines WHERE territory_id = $1`,
			d.RegionID).Scan(&old.OrdinaryHours, &old.ImmediateHours)
		if _, err := tx.ExecContext(ctx, `INSERT INTO signal_deadlines (territory_id, ordinary_hours, immediate_hours,
			updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (territory_id) DO UPDATE SET
			ordinary_hours = excluded.ordinary_hours, immediate_hours = excluded.immediate_hours,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			d.RegionID, d.OrdinaryHours, d.ImmediateHours, nullID(opora.ActorFrom(ctx).UserID), s.Now()); err != nil {
			return fmt.Errorf("store: save signal deadlines: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "signal_deadlines",
			EntityID: d.RegionID, Changes: []opora.Change{
				{Field: "ordinary_hours", Old: strconv.Itoa(old.OrdinaryHours), New: strconv.Itoa(d.OrdinaryHours)},
				{Field: "immediate_hours", Old: strconv.Itoa(old.ImmediateHours), New: strconv.Itoa(d.ImmediateHours)}}})
	})
}

// deadlinesFor returns the deadlines of the region a territory lies in.
func (s *Store) deadlinesFor(ctx context.Context, q queryer, territoryID int64) (*opora.SignalDeadlines, error) {
	d := &opora.SignalDeadlines{OrdinaryHours: opora.DefaultOrdinaryHours, ImmediateHours: opora.DefaultImmediateHours}
	chain, err := s.territoryChain(ctx, q, territoryID)
	if err != nil || len(chain) == 0 {
		return d, err
	}
	d.RegionID = chain[len(chain)-1]
	err = q.QueryRowContext(ctx, `SELECT ordinary_hours, immediate_hours FROM signal_deadlines WHERE territory_id = $1`,
		d.RegionID).Scan(&d.OrdinaryHours, &d.ImmediateHours)
	if err == sql.ErrNoRows {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: signal deadlines: %w", err)
	}
	d.Custom = true
	return d, nil
}
