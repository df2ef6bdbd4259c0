package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// SaveReport creates or renames/updates a saved report. Only its author may
// change it. Needs report.run.
func (s *Store) SaveReport(ctx context.Context, r *opora.SavedReport) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.Now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if r.ID == 0 {
			r.OrganisationID, r.CreatedBy, r.CreatedAt, r.UpdatedAt = a.OrganisationID, a.UserID, now, now
			id, err := insertID(ctx, tx, `INSERT INTO saved_reports (organisation_id, name, query, shared, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, r.OrganisationID, r.Name, r.Query, r.Shared, nullID(a.UserID), now)
			if err != nil {
				return fmt.Errorf("store: save report: %w", err)
			}
			r.ID = id
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "saved_report", EntityID: id,
				Changes: []opora.Change{{Field: "name", New: r.Name}}})
		}
		res, err := tx.ExecContext(ctx, `UPDATE saved_reports SET name = $1, query = $2, shared = $3, updated_at = $4
			WHERE id = $5 AND organisation_id = $6 AND created_by = $7`, r.Name, r.Query, r.Shared, now, r.ID, a.OrganisationID, a.UserID)
		if err != nil {
			return fmt.Errorf("store: save report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "saved_report", EntityID: r.ID,
			Changes: []opora.Change{{Field: "name", New: r.Name}}})
	})
}

const savedReportColumns = `r.id, r.organisation_id, r.name, r.query, r.shared, COALESCE(r.created_by, 0),
	COALESCE(u.full_name, ''), r.created_at, r.updated_at`

func scanSavedReport(row interface{ Scan(...any) error }) (*opora.SavedReport, error) {
	r := &opora.SavedReport{}
	if err := row.Scan(&r.ID, &r.OrganisationID, &r.Name, &r.Query, &r.Shared, &r.CreatedBy, &r.CreatedByName,
		&r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// SavedReports lists the actor's own saved reports and those shared in the organisation.
func (s *Store) SavedReports(ctx context.Context) ([]*opora.SavedReport, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+savedReportColumns+` FROM saved_reports r LEFT JOIN users u ON u.id = r.created_by
		WHERE r.organisation_id = $1 AND (r.shared OR r.created_by = $2) ORDER BY r.name, r.id`, a.OrganisationID, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("store: saved reports: %w", err)
	}
	defer rows.Close()
	var out []*opora.SavedReport
	for rows.Next() {
		r, err := scanSavedReport(rows)
		if err != nil {
			return nil, fmt.Errorf("store: saved reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SavedReport returns one saved report the actor may use.
func (s *Store) SavedReport(ctx context.Context, id int64) (*opora.SavedReport, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	r, err := scanSavedReport(s.r.QueryRowContext(ctx, `SELECT `+savedReportColumns+` FROM saved_reports r
		LEFT JOIN users u ON u.id = r.created_by
		WHERE r.id = $1 AND r.organisation_id = $2 AND (r.shared OR r.created_by = $3)`, id, a.OrganisationID, a.UserID))
	return r, notFound(err)
}

// DeleteSavedReport removes the actor's own saved report.
func (s *Store) DeleteSavedReport(ctx context.Context, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM saved_reports WHERE id = $1 AND organisation_id = $2 AND created_by = $3`,
			id, a.OrganisationID, a.UserID)
		if err != nil {
			return fmt.Errorf("store: delete saved report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "saved_report", EntityID: id})
	})
}
