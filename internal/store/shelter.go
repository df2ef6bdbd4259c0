package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Shelter: rooms with places, stays of clients, medical checks.
//
// Occupancy never exceeds capacity: CheckIn counts the room's residents
// inside its write transaction after locking the room row (PostgreSQL:
// SELECT … FOR UPDATE; SQLite: the single writer connection with BEGIN
// IMMEDIATE already serialises writers). A partial unique index keeps a
// client from having two open stays even when two rooms are tried at once.
//
// Medical checks are health data (client.sensitive.health). Their due dates
// are computed when pages are shown (the client's shelter panel and the
// occupancy page) instead of being written as reminders: a reminder's text is
// visible to everyone working with the client, which would leak health data
// to workers without the permission.

// canEditRooms reports whether the actor may edit the rooms.
func canEditRooms(a *opora.Actor) bool {
	return a.Can(opora.PermAdminOrg) || a.Can(opora.PermDictionaryManage)
}

const roomColumns = `r.id, r.organisation_id, r.branch_id, b.name, r.name, r.capacity, r.comment, r.archived,
	r.created_at, r.updated_at`

func scanRoom(row interface{ Scan(...any) error }) (*opora.Room, error) {
	r := &opora.Room{}
	if err := row.Scan(&r.ID, &r.OrganisationID, &r.BranchID, &r.BranchName, &r.Name, &r.Capacity, &r.Comment,
		&r.Archived, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// Rooms lists the rooms of the actor's organisation by branch and name, each
// with its current occupants. Occupants outside the actor's client.read scope
// are Hidden (no name, no id). With client.sensitive.health, visible
// occupants carry their medical checks that are due soon or overdue.
// withArchived includes archived rooms. Needs client.read or the right to
// edit rooms.
func (s *Store) Rooms(ctx context.Context, withArchived bool) ([]*opora.Room, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !canEditRooms(a) {
		return nil, opora.ErrForbidden
	}
	where := `r.organisation_id = $1`
	if !withArchived {
		where += ` AND NOT r.archived`
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+roomColumns+` FROM shelter_rooms r JOIN branches b ON b.id = r.branch_id
		WHERE `+where+` ORDER BY r.archived, b.name, r.name, r.id`, a.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: rooms: %w", err)
	}
	defer rows.Close()
	var out []*opora.Room
	byID := map[int64]*opora.Room{}
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("store: rooms: %w", err)
		}
		out = append(out, r)
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rooms: %w", err)
	}
	rows.Close()
	occ, err := s.occupants(ctx, s.r, a, 0)
	if err != nil {
		return nil, err
	}
	var visible []int64
	for _, o := range occ {
		if r := byID[o.roomID]; r != nil {
			r.Occupants = append(r.Occupants, o.Occupant)
			if !o.Hidden {
				visible = append(visible, o.ClientID)
			}
		}
	}
	if a.CanSee(opora.SensitiveHealth) && len(visible) > 0 {
		due, err := s.dueChecks(ctx, a, visible)
		if err != nil {
			return nil, err
		}
		for _, r := range out {
			for _, o := range r.Occupants {
				o.Medical = due[o.ClientID]
			}
		}
	}
	return out, nil
}

type roomOccupant struct {
	*opora.Occupant
	roomID int64
}

// occupants lists the living residents of the organisation's rooms (or of
// one room), hiding those outside the actor's client.read scope.
func (s *Store) occupants(ctx context.Context, q queryer, a *opora.Actor, roomID int64) ([]roomOccupant, error) {
	args := []any{a.OrganisationID}
	where := `st.organisation_id = $1 AND st.status = 'living'`
	if roomID != 0 {
		args = append(args, roomID)
		where += ` AND st.room_id = $2`
	}
	vis := "0"
	if a.Can(opora.PermClientRead) {
		cond, cargs, err := clientScope(a, opora.PermClientRead, args)
		if err != nil {
			return nil, err
		}
		vis, args = `CASE WHEN `+cond+` THEN 1 ELSE 0 END`, cargs
	}
	rows, err := q.QueryContext(ctx, `SELECT st.id, st.room_id, st.client_id, st.check_in, c.surname, c.first_name, c.patronymic, `+vis+`
		FROM shelter_stays st JOIN clients c ON c.id = st.client_id
		WHERE `+where+` ORDER BY st.check_in, st.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: occupants: %w", err)
	}
	defer rows.Close()
	var out []roomOccupant
	for rows.Next() {
		o := roomOccupant{Occupant: &opora.Occupant{}}
		var c opora.Client
		var visible int
		if err := rows.Scan(&o.StayID, &o.roomID, &o.ClientID, &o.CheckIn, &c.Surname, &c.FirstName, &c.Patronymic, &visible); err != nil {
			return nil, fmt.Errorf("store: occupants: %w", err)
		}
		if visible == 1 {
			o.Name = c.FullName()
		} else {
			o.Hidden, o.ClientID, o.StayID = true, 0, 0
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Room returns one room of the actor's organisation.
func (s *Store) Room(ctx context.Context, id int64) (*opora.Room, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !canEditRooms(a) {
		return nil, opora.ErrNotFound
	}
	r, err := scanRoom(s.r.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM shelter_rooms r JOIN branches b ON b.id = r.branch_id
		WHERE r.id = $1 AND r.organisation_id = $2`, id, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return r, nil
}

// SaveRoom creates (ID 0) or updates a room. The capacity may not drop
// below the number of people living there. Needs admin.org or dictionary.manage.
func (s *Store) SaveRoom(ctx context.Context, r *opora.Room) error {
	a := opora.ActorFrom(ctx)
	if !canEditRooms(a) {
		return opora.ErrForbidden
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.Now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM branches WHERE id = $1 AND organisation_id = $2`,
			r.BranchID, a.OrganisationID).Scan(&n); err != nil {
			return fmt.Errorf("store: room branch: %w", err)
		}
		if n == 0 {
			var v opora.Validation
			v.Add("branch_id", "error.invalid_choice")
			return v.Err()
		}
		if r.ID == 0 {
			id, err := insertID(ctx, tx, `INSERT INTO shelter_rooms (organisation_id, branch_id, name, capacity, comment, archived,
				created_at, updated_at) VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6)`,
				a.OrganisationID, r.BranchID, r.Name, r.Capacity, r.Comment, now)
			if err != nil {
				return fmt.Errorf("store: create room: %w", err)
			}
			r.ID, r.OrganisationID, r.CreatedAt, r.UpdatedAt = id, a.OrganisationID, now, now
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "shelter_room", EntityID: id,
				Changes: []opora.Change{{Field: "name", New: r.Name}, {Field: "capacity", New: strconv.Itoa(r.Capacity)}}})
		}
		old, err := scanRoom(tx.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM shelter_rooms r JOIN branches b ON b.id = r.branch_id
			WHERE r.id = $1 AND r.organisation_id = $2`+s.forUpdateOf("r"), r.ID, a.OrganisationID))
		if err != nil {
			return notFound(err)
		}
		living, err := s.roomLiving(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if r.Capacity < living {
			var v opora.Validation
			v.Add("capacity", "shelter.error.capacity_below_occupancy")
			return v.Err()
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "branch_id", strconv.FormatInt(old.BranchID, 10), strconv.FormatInt(r.BranchID, 10))
		ch = opora.Diff(ch, "name", old.Name, r.Name)
		ch = opora.Diff(ch, "capacity", strconv.Itoa(old.Capacity), strconv.Itoa(r.Capacity))
		ch = opora.Diff(ch, "comment", old.Comment, r.Comment)
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shelter_rooms SET branch_id = $1, name = $2, capacity = $3, comment = $4,
			updated_at = $5 WHERE id = $6`, r.BranchID, r.Name, r.Capacity, r.Comment, now, r.ID); err != nil {
			return fmt.Errorf("store: update room: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "shelter_room", EntityID: r.ID, Changes: ch})
	})
}

// ArchiveRoom archives a room (no more check-ins; it leaves the occupancy
// page) or brings it back. A room with residents cannot be archived.
// Needs admin.org or dictionary.manage.
func (s *Store) ArchiveRoom(ctx context.Context, id int64, archived bool) error {
	a := opora.ActorFrom(ctx)
	if !canEditRooms(a) {
		return opora.ErrForbidden
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var was bool
		if err := tx.QueryRowContext(ctx, `SELECT archived FROM shelter_rooms WHERE id = $1 AND organisation_id = $2`+s.forUpdate(),
			id, a.OrganisationID).Scan(&was); err != nil {
			return notFound(err)
		}
		if was == archived {
			return nil
		}
		if archived {
			living, err := s.roomLiving(ctx, tx, id)
			if err != nil {
				return err
			}
			if living > 0 {
				return &opora.Error{Code: opora.ECONFLICT, Message: "shelter.error.archive_occupied"}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shelter_rooms SET archived = $1, updated_at = $2 WHERE id = $3`,
			archived, s.Now(), id); err != nil {
			return fmt.Errorf("store: archive room: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "shelter_room", EntityID: id,
			Changes: []opora.Change{{Field: "archived", Old: strconv.FormatBool(was), New: strconv.FormatBool(archived)}}})
	})
}

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL; SQLite's single writer needs no row locks.
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (s *Store) roomLiving(ctx context.Context, q queryer, roomID int64) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM shelter_stays WHERE room_id = $1 AND status = 'living'`,
		roomID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: room occupancy: %w", err)
	}
	return n, nil
}

// roomFull explains a refused check-in, naming the residents the actor may
// see; the others are only counted.
func roomFull(occ []roomOccupant) error {
	var names []string
	hidden := 0
	for _, o := range occ {
		if o.Hidden {
			hidden++
		} else {
			names = append(names, o.Name)
		}
	}
	e := &opora.Error{Code: opora.ECONFLICT, Message: "shelter.error.room_full",
		Args: map[string]string{"Names": strings.Join(names, ", "), "Hidden": strconv.Itoa(hidden)}}
	switch {
	case hidden > 0 && len(names) == 0:
		e.Message = "shelter.error.room_full_hidden_only"
	case hidden > 0:
		e.Message = "shelter.error.room_full_hidden"
	}
	return e
}

// IsRoomFull reports whether err is a refused check-in into a full room.
func IsRoomFull(err error) bool {
	m := opora.ErrorMessage(err)
	return strings.HasPrefix(m, "shelter.error.room_full")
}

const stayColumns = `st.id, st.organisation_id, st.client_id, st.room_id, r.name, b.name, st.check_in, st.check_out,
	st.status, st.reason, st.comment, st.created_by, COALESCE(cu.full_name, ''), st.created_at, st.updated_at`

const stayFrom = ` FROM shelter_stays st JOIN shelter_rooms r ON r.id = st.room_id JOIN branches b ON b.id = r.branch_id
	LEFT JOIN users cu ON cu.id = st.created_by`

func scanStay(row interface{ Scan(...any) error }) (*opora.Stay, error) {
	st := &opora.Stay{}
	var createdBy sql.NullInt64
	if err := row.Scan(&st.ID, &st.OrganisationID, &st.ClientID, &st.RoomID, &st.RoomName, &st.BranchName, &st.CheckIn, &st.CheckOut,
		&st.Status, &st.Reason, &st.Comment, &createdBy, &st.CreatedByName, &st.CreatedAt, &st.UpdatedAt); err != nil {
		return nil, err
	}
	st.CreatedBy = createdBy.Int64
	st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
	return st, nil
}

// ClientStays lists a client's stays, newest first. Needs client.read on the client.
func (s *Store) ClientStays(ctx context.Context, clientID int64) ([]*opora.Stay, error) {
	c, err := s.client(ctx, s.r, opora.PermClientRead, clientID)
	if err != nil || lacks(ctx, c.ID, holdsStays) {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+stayColumns+stayFrom+`
		WHERE st.client_id = $1 AND st.organisation_id = $2 ORDER BY st.check_in DESC, st.id DESC`, c.ID, c.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: stays: %w", err)
	}
	defer rows.Close()
	var out []*opora.Stay
	for rows.Next() {
		st, err := scanStay(rows)
		if err != nil {
			return nil, fmt.Errorf("store: stays: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CheckIn opens a stay of st.ClientID in st.RoomID on st.CheckIn. It is
// refused when the room is full (the error names the residents the actor
// may see), when the room is archived, and when the client already lives in
// the shelter. Needs client.write on the client.
func (s *Store) CheckIn(ctx context.Context, st *opora.Stay) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	if err := st.ValidateCheckIn(s.Today()); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.client(ctx, tx, opora.PermClientWrite, st.ClientID)
		if err != nil {
			return err
		}
		if c.Deleted() || c.MergedInto != 0 {
			return opora.ErrNotFound
		}
		// Lock the room: concurrent check-ins into it wait here, then count.
		room, err := scanRoom(tx.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM shelter_rooms r JOIN branches b ON b.id = r.branch_id
			WHERE r.id = $1 AND r.organisation_id = $2`+s.forUpdateOf("r"), st.RoomID, c.OrganisationID))
		if err != nil || room.Archived {
			var v opora.Validation
			v.Add("room_id", "error.invalid_choice")
			return v.Err()
		}
		var open sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT MAX(r.name) FROM shelter_stays st JOIN shelter_rooms r ON r.id = st.room_id
			WHERE st.client_id = $1 AND st.status = 'living'`, c.ID).Scan(&open); err != nil {
			return fmt.Errorf("store: check in: %w", err)
		}
		if open.Valid {
			return alreadyLiving(open.String)
		}
		occ, err := s.occupants(ctx, tx, a, room.ID)
		if err != nil {
			return err
		}
		if len(occ) >= room.Capacity {
			return roomFull(occ)
		}
		now := s.Now()
		st.OrganisationID, st.Status, st.RoomName, st.BranchName = c.OrganisationID, opora.StayLiving, room.Name, room.BranchName
		st.CreatedBy, st.CreatedAt, st.UpdatedAt, st.CheckOut, st.Reason = a.UserID, now, now, opora.Date{}, ""
		id, err := insertID(ctx, tx, `INSERT INTO shelter_stays (organisation_id, client_id, room_id, check_in, status, comment,
			created_by, created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, 'living', $5, $6, $7, $6, $7)`,
			c.OrganisationID, c.ID, room.ID, st.CheckIn, st.Comment, nullID(a.UserID), now)
		if err != nil {
			if isUniqueViolation(err) {
				return alreadyLiving("")
			}
			return fmt.Errorf("store: check in: %w", err)
		}
		st.ID = id
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "shelter_stay", EntityID: id,
			Changes: []opora.Change{{Field: "client_id", New: strconv.FormatInt(c.ID, 10)},
				{Field: "room_id", New: strconv.FormatInt(room.ID, 10)}, {Field: "check_in", New: dateString(st.CheckIn)}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID, Kind: opora.EventStay,
			Entity: "shelter_stay", EntityID: id, Summary: stayPlace(room.Name, room.BranchName) + ": " +
				opora.StayStatusText[opora.StayLiving] + " " + st.CheckIn.Format("02.01.2006")})
	})
	if err != nil && isUniqueViolation(err) {
		return alreadyLiving("")
	}
	return err
}

// forUpdateOf locks the rows of one table of a join on PostgreSQL.
func (s *Store) forUpdateOf(alias string) string {
	if s.dialect == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

func alreadyLiving(room string) error {
	return &opora.Error{Code: opora.ECONFLICT, Message: "shelter.error.already_living", Args: map[string]string{"Room": room}}
}

func stayPlace(room, branch string) string { return room + " (" + branch + ")" }

// CheckOut ends an open stay: st.ID, st.Status (left or evicted), st.CheckOut,
// st.Reason (required for an eviction) and st.Comment (added to the stay's
// comment). It creates the follow-up reminders for everyone working with the
// client at opora.FollowUpMonths after the check-out date. Needs client.write.
func (s *Store) CheckOut(ctx context.Context, st *opora.Stay) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanStay(tx.QueryRowContext(ctx, `SELECT `+stayColumns+stayFrom+` WHERE st.id = $1 AND st.organisation_id = $2`,
			st.ID, a.OrganisationID))
		if err != nil {
			return notFound(err)
		}
		if _, err := s.client(ctx, tx, opora.PermClientWrite, old.ClientID); err != nil {
			return err
		}
		if st.ClientID != 0 && st.ClientID != old.ClientID {
			return opora.ErrNotFound
		}
		if !old.Open() {
			return &opora.Error{Code: opora.ECONFLICT, Message: "shelter.error.stay_closed"}
		}
		st.CheckIn, st.ClientID, st.RoomID = old.CheckIn, old.ClientID, old.RoomID
		if err := st.ValidateCheckOut(s.Today()); err != nil {
			return err
		}
		comment := old.Comment
		if st.Comment != "" {
			if comment != "" {
				comment += "\n"
			}
			comment += st.Comment
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE shelter_stays SET status = $1, check_out = $2, reason = $3, comment = $4,
			updated_by = $5, updated_at = $6 WHERE id = $7 AND status = 'living'`,
			string(st.Status), st.CheckOut, st.Reason, comment, nullID(a.UserID), now, st.ID)
		if err != nil {
			return fmt.Errorf("store: check out: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &opora.Error{Code: opora.ECONFLICT, Message: "shelter.error.stay_closed"}
		}
		st.Comment = comment
		ch := []opora.Change{{Field: "status", Old: string(old.Status), New: string(st.Status)},
			{Field: "check_out", New: dateString(st.CheckOut)}}
		ch = opora.Diff(ch, "reason", "", st.Reason)
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "shelter_stay", EntityID: st.ID,
			Changes: ch}); err != nil {
			return err
		}
		summary := stayPlace(old.RoomName, old.BranchName) + ": " + opora.StayStatusText[st.Status] + " " +
			st.CheckOut.Format("02.01.2006")
		if st.Reason != "" {
			summary += " — " + st.Reason
		}
		if err := s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: old.OrganisationID, ClientID: old.ClientID,
			Kind: opora.EventStay, Entity: "shelter_stay", EntityID: st.ID, Summary: summary}); err != nil {
			return err
		}
		return s.followUpReminders(ctx, tx, old.OrganisationID, old.ClientID, st.CheckOut)
	})
}

// followUpReminders writes the follow-up reminders (for everyone who works
// with the client) for a stay that ended on day left, with a timeline line.
func (s *Store) followUpReminders(ctx context.Context, tx *sql.Tx, orgID, clientID int64, day opora.Date) error {
	a := opora.ActorFrom(ctx)
	now := s.Now()
	var dates []string
	for i, due := range opora.FollowUpDates(day) {
		body := opora.FollowUpBody(opora.FollowUpMonths[i], day)
		id, err := insertID(ctx, tx, `INSERT INTO reminders (organisation_id, client_id, due_on, body, for_all, created_by, created_at)
			VALUES ($1, $2, $3, $4, TRUE, $5, $6)`, orgID, clientID, due, body, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: follow-up reminder: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "reminder", EntityID: id,
			Changes: []opora.Change{{Field: "due_on", New: dateString(due)}, {Field: "for_all", New: "true"}}}); err != nil {
			return err
		}
		dates = append(dates, due.Format("02.01.2006"))
	}
	return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: orgID, ClientID: clientID, Kind: opora.EventReminder,
		Entity: "reminder", Summary: "Анкета катамнеза: " + strings.Join(dates, ", ")})
}

const medicalColumns = `m.id, m.organisation_id, m.client_id, m.check_type, m.done_on, m.next_due, m.comment,
	m.created_by, COALESCE(cu.full_name, ''), m.created_at`

func scanMedical(row interface{ Scan(...any) error }) (*opora.MedicalCheck, error) {
	m := &opora.MedicalCheck{}
	var createdBy sql.NullInt64
	if err := row.Scan(&m.ID, &m.OrganisationID, &m.ClientID, &m.Type, &m.DoneOn, &m.NextDue, &m.Comment, &createdBy,
		&m.CreatedByName, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.CreatedBy, m.CreatedAt = createdBy.Int64, m.CreatedAt.UTC()
	return m, nil
}

// MedicalChecks lists a client's medical checks, newest first. Health data:
// needs client.sensitive.health and client.read on the client. The pages
// showing them audit-log the view (the profile, the shelter tab, /shelter).
func (s *Store) MedicalChecks(ctx context.Context, clientID int64) ([]*opora.MedicalCheck, error) {
	a := opora.ActorFrom(ctx)
	c, err := s.client(ctx, s.r, opora.PermClientRead, clientID)
	if err != nil {
		return nil, err
	}
	if !a.CanSee(opora.SensitiveHealth) {
		return nil, opora.ErrForbidden
	}
	if lacks(ctx, c.ID, holdsMedical) {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+medicalColumns+` FROM shelter_medical_checks m
		LEFT JOIN users cu ON cu.id = m.created_by
		WHERE m.client_id = $1 AND m.organisation_id = $2 AND m.deleted_at IS NULL
		ORDER BY m.done_on DESC, m.id DESC`, c.ID, c.OrganisationID)
	if err != nil {
		return nil, fmt.Errorf("store: medical checks: %w", err)
	}
	defer rows.Close()
	var out []*opora.MedicalCheck
	for rows.Next() {
		m, err := scanMedical(rows)
		if err != nil {
			return nil, fmt.Errorf("store: medical checks: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// LatestChecks keeps the newest check of each type, in type order.
func LatestChecks(all []*opora.MedicalCheck) []*opora.MedicalCheck {
	var out []*opora.MedicalCheck
	for _, t := range opora.MedicalCheckTypes {
		var best *opora.MedicalCheck
		for _, m := range all {
			if m.Type == t && (best == nil || m.DoneOn.After(best.DoneOn) || (m.DoneOn.Equal(best.DoneOn) && m.ID > best.ID)) {
				best = m
			}
		}
		if best != nil {
			out = append(out, best)
		}
	}
	return out
}

// dueChecks returns, per client, the newest check of each type that is due
// soon or overdue. The caller has checked the health permission and scope.
func (s *Store) dueChecks(ctx context.Context, a *opora.Actor, clientIDs []int64) (map[int64][]*opora.MedicalCheck, error) {
	in, args := inList([]any{a.OrganisationID}, clientIDs)
	rows, err := s.r.QueryContext(ctx, `SELECT `+medicalColumns+` FROM shelter_medical_checks m
		LEFT JOIN users cu ON cu.id = m.created_by
		WHERE m.organisation_id = $1 AND m.client_id IN (`+in+`) AND m.deleted_at IS NULL`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: due checks: %w", err)
	}
	defer rows.Close()
	per := map[int64][]*opora.MedicalCheck{}
	for rows.Next() {
		m, err := scanMedical(rows)
		if err != nil {
			return nil, fmt.Errorf("store: due checks: %w", err)
		}
		per[m.ClientID] = append(per[m.ClientID], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due checks: %w", err)
	}
	today := s.Today()
	out := map[int64][]*opora.MedicalCheck{}
	for id, all := range per {
		for _, m := range LatestChecks(all) {
			if m.Due(today) != opora.DueOK {
				out[id] = append(out[id], m)
			}
		}
	}
	return out, nil
}

// AddMedicalCheck records a check; an empty next due date is filled from
// opora.MedicalValidityMonths. Needs client.write on the client and
// client.sensitive.health. The audit row and the timeline line (health
// sensitivity) carry no dates.
func (s *Store) AddMedicalCheck(ctx context.Context, m *opora.MedicalCheck) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	if err := a.Require(opora.PermSensitiveHealth); err != nil {
		return err
	}
	m.Normalize()
	if err := m.Validate(s.Today()); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.client(ctx, tx, opora.PermClientWrite, m.ClientID)
		if err != nil {
			return err
		}
		if c.Deleted() || c.MergedInto != 0 {
			return opora.ErrNotFound
		}
		now := s.Now()
		id, err := insertID(ctx, tx, `INSERT INTO shelter_medical_checks (organisation_id, client_id, check_type, done_on, next_due,
			comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.OrganisationID, c.ID, string(m.Type), m.DoneOn, m.NextDue, m.Comment, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: medical check: %w", err)
		}
		m.ID, m.OrganisationID, m.CreatedBy, m.CreatedAt = id, c.OrganisationID, a.UserID, now
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "medical_check", EntityID: id,
			Section: "medical", Changes: []opora.Change{{Field: "client_id", New: strconv.FormatInt(c.ID, 10)},
				{Field: "done_on", Sensitive: true}, {Field: "next_due", Sensitive: true}}}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID, Kind: opora.EventMedical,
			Entity: "medical_check", EntityID: id, Sensitivity: opora.SensitiveHealth,
			Summary: opora.MedicalCheckText[m.Type] + ": " + m.DoneOn.Format("02.01.2006") + " → " + m.NextDue.Format("02.01.2006")})
	})
}

// DeleteMedicalCheck removes a check entered by mistake (soft delete).
// Needs client.write on the client and client.sensitive.health.
func (s *Store) DeleteMedicalCheck(ctx context.Context, clientID, id int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return err
	}
	if err := a.Require(opora.PermSensitiveHealth); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.client(ctx, tx, opora.PermClientWrite, clientID)
		if err != nil {
			return err
		}
		m, err := scanMedical(tx.QueryRowContext(ctx, `SELECT `+medicalColumns+` FROM shelter_medical_checks m
			LEFT JOIN users cu ON cu.id = m.created_by
			WHERE m.id = $1 AND m.client_id = $2 AND m.organisation_id = $3 AND m.deleted_at IS NULL`, id, c.ID, c.OrganisationID))
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shelter_medical_checks SET deleted_at = $1, deleted_by = $2 WHERE id = $3`,
			s.Now(), nullID(a.UserID), id); err != nil {
			return fmt.Errorf("store: delete medical check: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "medical_check", EntityID: id,
			Section: "medical"}); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: c.OrganisationID, ClientID: c.ID, Kind: opora.EventMedical,
			Entity: "medical_check", EntityID: id, Sensitivity: opora.SensitiveHealth,
			Summary: "✕ " + opora.MedicalCheckText[m.Type] + ": " + m.DoneOn.Format("02.01.2006")})
	})
}
