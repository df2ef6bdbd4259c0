package sqldb

import (
	"database/sql"

	"github.com/opora-project/opora/internal/opora"
)

// ClientColumns are the columns of a client row (alias c) that ScanClient reads.
const ClientColumns = `c.id, c.organisation_id, c.branch_id, c.surname, c.first_name, c.patronymic,
	c.birth_date, c.birth_year, c.birth_precision, c.birth_place, c.gender, c.homeless_status, c.homeless_since,
	c.photo_id, c.thumb_id, c.responsible_id, c.version,
	c.created_by, c.created_at, c.updated_by, c.updated_at, c.deleted_at, c.deleted_by, c.delete_reason, c.merged_into`

// ScanClient reads a row of ClientColumns, then the extra destinations.
func ScanClient(row interface{ Scan(...any) error }, extra ...any) (*opora.Client, error) {
	c := &opora.Client{}
	var created, updated, deleted sql.NullTime
	var year, photo, thumb, resp, createdBy, updatedBy, deletedBy, merged sql.NullInt64
	dest := append([]any{&c.ID, &c.OrganisationID, &c.BranchID, &c.Surname, &c.FirstName, &c.Patronymic,
		&c.BirthDate, &year, &c.BirthPrecision, &c.BirthPlace, &c.Gender, &c.HomelessStatus, &c.HomelessSince,
		&photo, &thumb, &resp, &c.Version,
		&createdBy, &created, &updatedBy, &updated, &deleted, &deletedBy, &c.DeleteReason, &merged}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.DeletedAt = TimeOf(created), TimeOf(updated), TimeOf(deleted)
	c.BirthYear = int(year.Int64)
	c.PhotoID, c.ThumbID, c.ResponsibleID = photo.Int64, thumb.Int64, resp.Int64
	c.CreatedBy, c.UpdatedBy, c.DeletedBy, c.MergedInto = createdBy.Int64, updatedBy.Int64, deletedBy.Int64, merged.Int64
	return c, nil
}
