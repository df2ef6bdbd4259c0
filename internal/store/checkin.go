package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Quick check-in (issue 6): points of a branch with the items they give,
// dated shifts. People, ticks and visits are in checkin_ticks.go.

const pointColumns = `p.id, p.organisation_id, p.branch_id, p.kind, p.name, p.address, p.archived`

func scanPoint(row interface{ Scan(...any) error }) (*opora.CheckinPoint, error) {
	p := &opora.CheckinPoint{}
	if err := row.Scan(&p.ID, &p.OrganisationID, &p.BranchID, &p.Kind, &p.Name, &p.Address, &p.Archived); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckinPoints lists the points the actor reaches, with their items
// (disabled ones too when withArchived). Archived points only with withArchived.
func (s *Store) CheckinPoints(ctx context.Context, withArchived bool) ([]*opora.CheckinPoint, error) {
	cond, args, err := checkinScope(opora.ActorFrom(ctx), "p", nil)
	if err != nil {
		return nil, err
	}
	if !withArchived {
		cond += " AND NOT p.archived"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+pointColumns+` FROM checkin_points p WHERE `+cond+
		` ORDER BY p.archived, p.name, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: checkin points: %w", err)
	}
	var out []*opora.CheckinPoint
	byID := map[int64]*opora.CheckinPoint{}
	for rows.Next() {
		p, err := scanPoint(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: checkin points: %w", err)
		}
		out = append(out, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: checkin points: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(out))
	for _, p := range out {
		ids = append(ids, p.ID)
	}
	items, err := s.checkinItems(ctx, s.r, ids, withArchived)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		byID[it.PointID].Items = append(byID[it.PointID].Items, it)
	}
	return out, nil
}

func (s *Store) checkinItems(ctx context.Context, q queryer, pointIDs []int64, withDisabled bool) ([]*opora.CheckinItem, error) {
	in, args := inList(nil, pointIDs)
	where := "point_id IN (" + in + ")"
	if !withDisabled {
		where += " AND NOT disabled"
	}
	rows, err := q.QueryContext(ctx, `SELECT id, organisation_id, point_id, name, position, disabled FROM checkin_items
		WHERE `+where+` ORDER BY point_id, position, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: checkin items: %w", err)
	}
	defer rows.Close()
	var out []*opora.CheckinItem
	for rows.Next() {
		it := &opora.CheckinItem{}
		if err := rows.Scan(&it.ID, &it.OrganisationID, &it.PointID, &it.Name, &it.Position, &it.Disabled); err != nil {
			return nil, fmt.Errorf("store: checkin items: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CheckinPoint returns one point the actor reaches, with all its items.
func (s *Store) CheckinPoint(ctx context.Context, id int64) (*opora.CheckinPoint, error) {
	return s.checkinPoint(ctx, s.r, id)
}

func (s *Store) checkinPoint(ctx context.Context, q queryer, id int64) (*opora.CheckinPoint, error) {
	cond, args, err := checkinScope(opora.ActorFrom(ctx), "p", []any{id})
	if err != nil {
		return nil, err
	}
	p, err := scanPoint(q.QueryRowContext(ctx, `SELECT `+pointColumns+` FROM checkin_points p WHERE p.id = $1 AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	if p.Items, err = s.checkinItems(ctx, q, []int64{p.ID}, true); err != nil {
		return nil, err
	}
	return p, nil
}

// SaveCheckinPoint creates (p.ID 0) or updates a point. A new point gets
// the items named in items, in order. Needs admin.org or dictionary.manage.
func (s *Store) SaveCheckinPoint(ctx context.Context, p *opora.CheckinPoint, items []string) error {
	a := opora.ActorFrom(ctx)
	if !canManageCheckin(a) {
		return opora.ErrForbidden
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM branches WHERE id = $1 AND organisation_id = $2`,
			p.BranchID, a.OrganisationID).Scan(&n); err != nil {
			return fmt.Errorf("store: checkin point branch: %w", err)
		}
		if n == 0 {
			var v opora.Validation
			v.Add("branch_id", "error.invalid_choice")
			return v.Err()
		}
		p.OrganisationID = a.OrganisationID
		if p.ID == 0 {
			id, err := insertID(ctx, tx, `INSERT INTO checkin_points (organisation_id, branch_id, kind, name, address, archived,
				created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				p.OrganisationID, p.BranchID, string(p.Kind), p.Name, p.Address, p.Archived, s.Now())
			if err != nil {
				return fmt.Errorf("store: create checkin point: %w", err)
			}
			p.ID = id
			for i, name := range items {
				it := &opora.CheckinItem{PointID: id, Name: name, Position: i + 1}
				if it.Validate() != nil {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO checkin_items (organisation_id, point_id, name, position)
					VALUES ($1, $2, $3, $4)`, p.OrganisationID, id, it.Name, it.Position); err != nil {
					return fmt.Errorf("store: create checkin item: %w", err)
				}
			}
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "checkin_point", EntityID: id,
				Changes: []opora.Change{{Field: "name", New: p.Name}, {Field: "kind", New: string(p.Kind)}}})
		}
		old, err := s.checkinPoint(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "branch_id", idStr(old.BranchID), idStr(p.BranchID))
		ch = opora.Diff(ch, "kind", string(old.Kind), string(p.Kind))
		ch = opora.Diff(ch, "name", old.Name, p.Name)
		ch = opora.Diff(ch, "address", old.Address, p.Address)
		ch = opora.Diff(ch, "archived", strconv.FormatBool(old.Archived), strconv.FormatBool(p.Archived))
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE checkin_points SET branch_id = $1, kind = $2, name = $3, address = $4,
			archived = $5 WHERE id = $6`, p.BranchID, string(p.Kind), p.Name, p.Address, p.Archived, p.ID); err != nil {
			return fmt.Errorf("store: update checkin point: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "checkin_point", EntityID: p.ID, Changes: ch})
	})
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// SaveCheckinItem adds an item to it.PointID (it.ID 0) or renames, moves or
// disables one. Needs admin.org or dictionary.manage.
func (s *Store) SaveCheckinItem(ctx context.Context, it *opora.CheckinItem) error {
	a := opora.ActorFrom(ctx)
	if !canManageCheckin(a) {
		return opora.ErrForbidden
	}
	if err := it.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if it.ID != 0 {
			var pointID int64
			var old opora.CheckinItem
			err := tx.QueryRowContext(ctx, `SELECT point_id, name, position, disabled FROM checkin_items
				WHERE id = $1 AND organisation_id = $2`, it.ID, a.OrganisationID).Scan(&pointID, &old.Name, &old.Position, &old.Disabled)
			if err != nil {
				return notFound(err)
			}
			it.PointID = pointID
			var ch []opora.Change
			ch = opora.Diff(ch, "name", old.Name, it.Name)
			ch = opora.Diff(ch, "position", strconv.Itoa(old.Position), strconv.Itoa(it.Position))
			ch = opora.Diff(ch, "disabled", strconv.FormatBool(old.Disabled), strconv.FormatBool(it.Disabled))
			if len(ch) == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE checkin_items SET name = $1, position = $2, disabled = $3 WHERE id = $4`,
				it.Name, it.Position, it.Disabled, it.ID); err != nil {
				return fmt.Errorf("store: update checkin item: %w", err)
			}
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "checkin_item", EntityID: it.ID, Changes: ch})
		}
		if _, err := s.checkinPoint(ctx, tx, it.PointID); err != nil {
			return err
		}
		if it.Position == 0 {
			var err error
			if it.Position, err = nextPosition(ctx, tx, "checkin_items", "point_id", it.PointID, 1); err != nil {
				return fmt.Errorf("store: checkin item position: %w", err)
			}
		}
		it.OrganisationID = a.OrganisationID
		id, err := insertID(ctx, tx, `INSERT INTO checkin_items (organisation_id, point_id, name, position, disabled)
			VALUES ($1, $2, $3, $4, $5)`, it.OrganisationID, it.PointID, it.Name, it.Position, it.Disabled)
		if err != nil {
			return fmt.Errorf("store: create checkin item: %w", err)
		}
		it.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "checkin_item", EntityID: id,
			Section: "point " + idStr(it.PointID), Changes: []opora.Change{{Field: "name", New: it.Name}}})
	})
}

const shiftColumns = `sh.id, sh.organisation_id, sh.branch_id, sh.point_id, p.name, p.kind, sh.shift_date, sh.starts, sh.ends,
	sh.status, sh.opened_by, sh.opened_at, sh.closed_by, sh.closed_at`

const shiftFrom = ` FROM checkin_shifts sh JOIN checkin_points p ON p.id = sh.point_id`

func scanShift(row interface{ Scan(...any) error }) (*opora.CheckinShift, error) {
	sh := &opora.CheckinShift{}
	var closedAt sql.NullTime
	var openedBy, closedBy sql.NullInt64
	if err := row.Scan(&sh.ID, &sh.OrganisationID, &sh.BranchID, &sh.PointID, &sh.PointName, &sh.PointKind, &sh.Date,
		&sh.Starts, &sh.Ends, &sh.Status, &openedBy, &sh.OpenedAt, &closedBy, &closedAt); err != nil {
		return nil, err
	}
	sh.ClosedAt, sh.OpenedAt = timeOf(closedAt), sh.OpenedAt.UTC()
	sh.OpenedBy, sh.ClosedBy = openedBy.Int64, closedBy.Int64
	return sh, nil
}

// CheckinShift returns a shift the actor reaches.
func (s *Store) CheckinShift(ctx context.Context, id int64) (*opora.CheckinShift, error) {
	return s.checkinShift(ctx, s.r, id)
}

func (s *Store) checkinShift(ctx context.Context, q queryer, id int64) (*opora.CheckinShift, error) {
	cond, args, err := checkinScope(opora.ActorFrom(ctx), "sh", []any{id})
	if err != nil {
		return nil, err
	}
	sh, err := scanShift(q.QueryRowContext(ctx, `SELECT `+shiftColumns+shiftFrom+` WHERE sh.id = $1 AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return sh, nil
}

// CheckinShifts lists the shifts the actor reaches dated from..to
// (inclusive), newest first, at most limit.
func (s *Store) CheckinShifts(ctx context.Context, from, to opora.Date, limit int) ([]*opora.CheckinShift, error) {
	cond, args, err := checkinScope(opora.ActorFrom(ctx), "sh", nil)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	args = append(args, from, to, limit)
	n := len(args)
	rows, err := s.r.QueryContext(ctx, `SELECT `+shiftColumns+shiftFrom+` WHERE `+cond+
		fmt.Sprintf(` AND sh.shift_date >= $%d AND sh.shift_date <= $%d ORDER BY sh.shift_date DESC, sh.starts DESC, sh.id DESC LIMIT $%d`,
			n-2, n-1, n), args...)
	if err != nil {
		return nil, fmt.Errorf("store: checkin shifts: %w", err)
	}
	defer rows.Close()
	var out []*opora.CheckinShift
	for rows.Next() {
		sh, err := scanShift(rows)
		if err != nil {
			return nil, fmt.Errorf("store: checkin shifts: %w", err)
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// OpenCheckinShift starts a shift at a point the actor reaches (checkin.use);
// it is open at once.
func (s *Store) OpenCheckinShift(ctx context.Context, sh *opora.CheckinShift) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermCheckin); err != nil {
		return err
	}
	if err := sh.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		p, err := s.checkinPoint(ctx, tx, sh.PointID)
		if err != nil {
			if opora.ErrorCode(err) == opora.ENOTFOUND {
				var v opora.Validation
				v.Add("point_id", "error.invalid_choice")
				return v.Err()
			}
			return err
		}
		if p.Archived {
			var v opora.Validation
			v.Add("point_id", "error.invalid_choice")
			return v.Err()
		}
		now := s.Now()
		sh.OrganisationID, sh.BranchID, sh.PointName, sh.PointKind = p.OrganisationID, p.BranchID, p.Name, p.Kind
		sh.Status, sh.OpenedBy, sh.OpenedAt = opora.ShiftOpen, a.UserID, now
		id, err := insertID(ctx, tx, `INSERT INTO checkin_shifts (organisation_id, branch_id, point_id, shift_date, starts, ends,
			status, opened_by, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			sh.OrganisationID, sh.BranchID, sh.PointID, sh.Date, sh.Starts, sh.Ends, string(sh.Status), nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: open checkin shift: %w", err)
		}
		sh.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "checkin_shift", EntityID: id,
			Section: "point " + idStr(p.ID), Changes: []opora.Change{{Field: "shift_date", New: dateString(sh.Date)},
				{Field: "starts", New: sh.Starts}, {Field: "ends", New: sh.Ends}}})
	})
}

// SetCheckinShiftStatus closes or reopens a shift. Closing needs checkin.use
// on the shift; reopening a closed shift needs admin.org or dictionary.manage.
// Ticks that reach a closed shift are refused.
func (s *Store) SetCheckinShiftStatus(ctx context.Context, id int64, status opora.ShiftStatus) error {
	a := opora.ActorFrom(ctx)
	switch status {
	case opora.ShiftClosed:
		if err := a.Require(opora.PermCheckin); err != nil {
			return err
		}
	case opora.ShiftOpen:
		if !canManageCheckin(a) {
			return opora.ErrForbidden
		}
	default:
		return opora.Errorf(opora.EINVALID, "error.invalid_choice")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		sh, err := s.checkinShift(ctx, tx, id)
		if err != nil {
			return err
		}
		if sh.Status == status {
			return nil
		}
		now := s.Now()
		if status == opora.ShiftClosed {
			_, err = tx.ExecContext(ctx, `UPDATE checkin_shifts SET status = 'closed', closed_by = $1, closed_at = $2 WHERE id = $3`,
				nullID(a.UserID), now, id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE checkin_shifts SET status = 'open', closed_by = NULL, closed_at = NULL WHERE id = $1`, id)
		}
		if err != nil {
			return fmt.Errorf("store: checkin shift status: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "checkin_shift", EntityID: id,
			Changes: []opora.Change{{Field: "status", Old: string(sh.Status), New: string(status)}}})
	})
}
