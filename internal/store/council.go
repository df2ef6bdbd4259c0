package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// The inter-agency council (issue 21 item 2). A council belongs to the
// organisation that runs it (the municipality's КДН) and to one
// municipality; council.manage and sqldb.CouncilScope decide who reaches
// it (another organisation's council is not found). Its meetings are
// planned from the schedule; the agenda lists the families of the
// municipality the secretary reaches (FamilyScope) that need the council:
// a draft plan to approve, a review due, a task overdue or returned, a
// level that worsened since the family was last discussed. Each decision
// is a council_decisions row (on_agenda false for a family the agenda did
// not list: allowed, marked) written in the same transaction as what it
// changes, with the audit row and the family's timeline line.

// FamilyEventCouncil is the family timeline's line for a council decision.
const FamilyEventCouncil = "council"

// CouncilMeetingDays is how far ahead PlanMeetings plans (about two months).
const CouncilMeetingDays = 62

const councilColumns = `co.id, co.organisation_id, co.territory_id, COALESCE(t.name, ''), co.name, co.weekday, co.weeks,
	co.starts_at, co.place, co.created_at`

const councilFrom = ` FROM councils co LEFT JOIN territories t ON t.id = co.territory_id`

func scanCouncil(row interface{ Scan(...any) error }) (*opora.Council, error) {
	c := &opora.Council{}
	var wd int
	var weeks string
	var created sql.NullTime
	if err := row.Scan(&c.ID, &c.OrganisationID, &c.TerritoryID, &c.TerritoryName, &c.Name, &wd, &weeks, &c.StartsAt,
		&c.Place, &created); err != nil {
		return nil, err
	}
	c.Weekday, c.CreatedAt = time.Weekday(wd), timeOf(created)
	c.Weeks, _ = opora.ParseWeeks(weeks)
	return c, nil
}

func councilScope(a *opora.Actor, args []any) (string, []any, error) {
	return sqldb.CouncilScope(a, args)
}

// Councils lists the councils the actor runs. Needs council.manage.
func (s *Store) Councils(ctx context.Context) ([]*opora.Council, error) {
	cond, args, err := councilScope(opora.ActorFrom(ctx), nil)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+councilColumns+councilFrom+` WHERE `+cond+` ORDER BY co.name, co.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: councils: %w", err)
	}
	defer rows.Close()
	var out []*opora.Council
	for rows.Next() {
		c, err := scanCouncil(rows)
		if err != nil {
			return nil, fmt.Errorf("store: councils: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) loadCouncil(ctx context.Context, q queryer, id int64) (*opora.Council, error) {
	cond, args, err := councilScope(opora.ActorFrom(ctx), []any{id})
	if err != nil {
		return nil, err
	}
	c, err := scanCouncil(q.QueryRowContext(ctx, `SELECT `+councilColumns+councilFrom+` WHERE co.id = $1 AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return c, nil
}

// Council returns a council the actor runs with its current members.
func (s *Store) Council(ctx context.Context, id int64) (*opora.Council, error) {
	c, err := s.loadCouncil(ctx, s.r, id)
	if err != nil {
		return nil, err
	}
	c.Members, err = s.councilMembers(ctx, s.r, c.ID, 0)
	return c, err
}

// SaveCouncil creates a council of the actor's organisation (c.ID 0) or
// changes one: name, municipality, schedule, place. Needs council.manage.
func (s *Store) SaveCouncil(ctx context.Context, c *opora.Council) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermCouncilManage); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.territory(ctx, tx, c.TerritoryID); err != nil {
			var v opora.Validation
			v.Add("territory_id", "error.invalid_choice")
			return v.Err()
		}
		var old *opora.Council
		if c.ID != 0 {
			var err error
			if old, err = s.loadCouncil(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		ch := councilChanges(old, c)
		if old == nil {
			id, err := insertID(ctx, tx, `INSERT INTO councils (organisation_id, territory_id, name, weekday, weeks, starts_at, place,
				created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.OrganisationID, c.TerritoryID, c.Name,
				int(c.Weekday), c.WeeksText(), c.StartsAt, c.Place, nullID(a.UserID), s.Now())
			if err != nil {
				return fmt.Errorf("store: council: %w", err)
			}
			c.ID, c.OrganisationID = id, a.OrganisationID
			return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "council", EntityID: id, Changes: ch})
		}
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE councils SET territory_id = $1, name = $2, weekday = $3, weeks = $4, starts_at = $5,
			place = $6 WHERE id = $7`, c.TerritoryID, c.Name, int(c.Weekday), c.WeeksText(), c.StartsAt, c.Place, c.ID); err != nil {
			return fmt.Errorf("store: council: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "council", EntityID: c.ID, Changes: ch})
	})
}

func councilChanges(old, c *opora.Council) []opora.Change {
	if old == nil {
		old = &opora.Council{Weekday: -1}
	}
	var ch []opora.Change
	ch = opora.Diff(ch, "name", old.Name, c.Name)
	ch = opora.Diff(ch, "territory_id", idText(old.TerritoryID), idText(c.TerritoryID))
	ch = opora.Diff(ch, "weekday", strconv.Itoa(int(old.Weekday)), strconv.Itoa(int(c.Weekday)))
	ch = opora.Diff(ch, "weeks", old.WeeksText(), c.WeeksText())
	ch = opora.Diff(ch, "starts_at", old.StartsAt, c.StartsAt)
	ch = opora.Diff(ch, "place", old.Place, c.Place)
	return ch
}

// councilMembers lists a council's current members, agencies by name; with
// a meeting, each with whether they were present.
func (s *Store) councilMembers(ctx context.Context, q queryer, councilID, meetingID int64) ([]*opora.CouncilMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.council_id, m.organisation_id, o.name, o.short_name, o.type,
		COALESCE(m.user_id, 0), COALESCE(u.full_name, ''), m.position, COALESCE(at.present, FALSE)
		FROM council_members m JOIN organisations o ON o.id = m.organisation_id LEFT JOIN users u ON u.id = m.user_id
		LEFT JOIN council_attendance at ON at.member_id = m.id AND at.meeting_id = $2
		WHERE m.council_id = $1 AND m.removed_at IS NULL ORDER BY o.name, u.full_name, m.id`, councilID, meetingID)
	if err != nil {
		return nil, fmt.Errorf("store: council members: %w", err)
	}
	defer rows.Close()
	var out []*opora.CouncilMember
	for rows.Next() {
		m := &opora.CouncilMember{}
		var name, short, typ string
		if err := rows.Scan(&m.ID, &m.CouncilID, &m.OrganisationID, &name, &short, &typ, &m.UserID, &m.UserName, &m.Position,
			&m.Present); err != nil {
			return nil, fmt.Errorf("store: council members: %w", err)
		}
		m.OrgName, m.OrgType = displayName(name, short), opora.OrgType(typ)
		out = append(out, m)
	}
	return out, rows.Err()
}

// errNotInNetwork is the refusal of a council member who is not in the network.
func errNotInNetwork(field string) error {
	var v opora.Validation
	v.Add(field, "council.error.not_in_network")
	return v.Err()
}

// AddCouncilMember puts an agency of the network on the council (orgID),
// and the person who sits for it when login names a user of the network
// (orgID may then be 0: the user's organisation). An organisation or a
// login the network does not know, or a person of another agency than the
// one chosen, is refused on its field. Needs council.manage.
func (s *Store) AddCouncilMember(ctx context.Context, councilID, orgID int64, login, position string) error {
	login, position = strings.TrimSpace(login), strings.TrimSpace(position)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadCouncil(ctx, tx, councilID); err != nil {
			return err
		}
		var userID int64
		if login != "" {
			var userOrg int64
			err := tx.QueryRowContext(ctx, `SELECT id, organisation_id FROM users WHERE login = $1 AND NOT disabled`, login).Scan(&userID, &userOrg)
			if err == sql.ErrNoRows {
				return errNotInNetwork("login")
			}
			if err != nil {
				return fmt.Errorf("store: council member: %w", err)
			}
			if orgID != 0 && orgID != userOrg {
				var v opora.Validation
				v.Add("login", "council.error.other_agency")
				return v.Err()
			}
			orgID = userOrg
		}
		if orgID == 0 {
			var v opora.Validation
			v.Add("organisation_id", "error.required")
			return v.Err()
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, orgID).Scan(&n); err != nil {
			return fmt.Errorf("store: council member: %w", err)
		}
		if n == 0 {
			return errNotInNetwork("organisation_id")
		}
		var v opora.Validation
		if len([]rune(position)) > 200 {
			v.Add("position", "error.too_long")
			return v.Err()
		}
		id, err := insertID(ctx, tx, `INSERT INTO council_members (council_id, organisation_id, user_id, position, added_at)
			VALUES ($1, $2, $3, $4, $5)`, councilID, orgID, nullID(userID), position, s.Now())
		if err != nil {
			return fmt.Errorf("store: council member: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "council_member", EntityID: id,
			Changes: []opora.Change{{Field: "council_id", New: idText(councilID)}, {Field: "organisation_id", New: idText(orgID)},
				{Field: "user_id", New: idText(userID)}}})
	})
}

// RemoveCouncilMember takes a member off the council (kept for past minutes).
func (s *Store) RemoveCouncilMember(ctx context.Context, councilID, memberID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.loadCouncil(ctx, tx, councilID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE council_members SET removed_at = $1 WHERE id = $2 AND council_id = $3
			AND removed_at IS NULL`, s.Now(), memberID, councilID)
		if err != nil {
			return fmt.Errorf("store: council member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return opora.ErrNotFound
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "council_member", EntityID: memberID})
	})
}

// PlanMeetings adds the council's meetings from its schedule for the next
// CouncilMeetingDays days (from today), skipping days already planned; it
// returns how many it added. Needs council.manage.
func (s *Store) PlanMeetings(ctx context.Context, councilID int64) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.loadCouncil(ctx, tx, councilID)
		if err != nil {
			return err
		}
		today := s.Today()
		now := s.Now()
		for _, d := range c.MeetingDays(today, today.AddDays(CouncilMeetingDays)) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM council_meetings WHERE council_id = $1 AND held_on = $2`,
				c.ID, d).Scan(&n); err != nil {
				return fmt.Errorf("store: plan meetings: %w", err)
			}
			if n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO council_meetings (council_id, held_on, starts_at, status, created_at, updated_at)
				VALUES ($1, $2, $3, 'planned', $4, $4)`, c.ID, d, c.StartsAt, now); err != nil {
				return fmt.Errorf("store: plan meetings: %w", err)
			}
			added++
		}
		if added == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "council", EntityID: c.ID,
			Changes: []opora.Change{{Field: "meetings_planned", New: strconv.Itoa(added)}}})
	})
	return added, err
}

const meetingColumns = `m.id, m.council_id, m.held_on, m.starts_at, m.status, m.resolution_number, m.resolution_date, m.version, m.updated_at`

func scanMeeting(row interface{ Scan(...any) error }) (*opora.CouncilMeeting, error) {
	m := &opora.CouncilMeeting{}
	var updated sql.NullTime
	if err := row.Scan(&m.ID, &m.CouncilID, &m.HeldOn, &m.StartsAt, &m.Status, &m.ResolutionNumber, &m.ResolutionDate,
		&m.Version, &updated); err != nil {
		return nil, err
	}
	m.UpdatedAt = timeOf(updated)
	return m, nil
}

// CouncilMeetings lists a council's meetings, the latest first.
func (s *Store) CouncilMeetings(ctx context.Context, councilID int64) ([]*opora.CouncilMeeting, error) {
	if _, err := s.loadCouncil(ctx, s.r, councilID); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+meetingColumns+` FROM council_meetings m WHERE m.council_id = $1
		ORDER BY m.held_on DESC, m.id DESC`, councilID)
	if err != nil {
		return nil, fmt.Errorf("store: council meetings: %w", err)
	}
	defer rows.Close()
	var out []*opora.CouncilMeeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, fmt.Errorf("store: council meetings: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// loadMeeting reads a meeting of a council the actor runs.
func (s *Store) loadMeeting(ctx context.Context, q queryer, councilID, meetingID int64) (*opora.Council, *opora.CouncilMeeting, error) {
	c, err := s.loadCouncil(ctx, q, councilID)
	if err != nil {
		return nil, nil, err
	}
	m, err := scanMeeting(q.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM council_meetings m WHERE m.id = $1
		AND m.council_id = $2`, meetingID, councilID))
	if err != nil {
		return nil, nil, notFound(err)
	}
	return c, m, nil
}

// CouncilMeeting returns a meeting with its council and the members, each
// with whether they were present.
func (s *Store) CouncilMeeting(ctx context.Context, councilID, meetingID int64) (*opora.Council, *opora.CouncilMeeting, error) {
	c, m, err := s.loadMeeting(ctx, s.r, councilID, meetingID)
	if err != nil {
		return nil, nil, err
	}
	c.Members, err = s.councilMembers(ctx, s.r, c.ID, m.ID)
	return c, m, err
}

// SaveMeeting records a meeting's attendance (the members present) and
// the КДН resolution (number and date); a resolution makes the meeting
// held. m.Version must be the version the user started from (a conflict
// otherwise, nothing written). Needs council.manage.
func (s *Store) SaveMeeting(ctx context.Context, m *opora.CouncilMeeting, present []int64) error {
	a := opora.ActorFrom(ctx)
	m.ResolutionNumber = strings.TrimSpace(m.ResolutionNumber)
	return s.tx(ctx, func(tx *sql.Tx) error {
		c, old, err := s.loadMeeting(ctx, tx, m.CouncilID, m.ID)
		if err != nil {
			return err
		}
		if old.Version != m.Version {
			var who string
			_ = tx.QueryRowContext(ctx, `SELECT COALESCE(u.full_name, '') FROM council_meetings m LEFT JOIN users u ON u.id = m.updated_by
				WHERE m.id = $1`, m.ID).Scan(&who)
			return conflictError(who, old.UpdatedAt, nil)
		}
		var v opora.Validation
		if len([]rune(m.ResolutionNumber)) > 50 {
			v.Add("resolution_number", "error.too_long")
		}
		if m.ResolutionNumber != "" && m.ResolutionDate.IsZero() {
			m.ResolutionDate = old.HeldOn
		}
		if m.ResolutionNumber == "" && !m.ResolutionDate.IsZero() {
			v.Add("resolution_number", "error.required")
		}
		if !m.ResolutionDate.IsZero() && m.ResolutionDate.Before(old.HeldOn) {
			v.Add("resolution_date", "council.error.resolution_before_meeting")
		}
		if err := v.Err(); err != nil {
			return err
		}
		members, err := s.councilMembers(ctx, tx, c.ID, m.ID)
		if err != nil {
			return err
		}
		m.Status = old.Status
		if m.ResolutionNumber != "" {
			m.Status = opora.MeetingHeld
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE council_meetings SET resolution_number = $1, resolution_date = $2, status = $3,
			version = version + 1, updated_by = $4, updated_at = $5 WHERE id = $6`, m.ResolutionNumber, m.ResolutionDate, m.Status,
			nullID(a.UserID), now, m.ID); err != nil {
			return fmt.Errorf("store: meeting: %w", err)
		}
		m.Version = old.Version + 1
		if _, err := tx.ExecContext(ctx, `DELETE FROM council_attendance WHERE meeting_id = $1`, m.ID); err != nil {
			return fmt.Errorf("store: meeting: %w", err)
		}
		var here []string
		for _, mem := range members {
			p := slices.Contains(present, mem.ID)
			if _, err := tx.ExecContext(ctx, `INSERT INTO council_attendance (meeting_id, member_id, present) VALUES ($1, $2, $3)`,
				m.ID, mem.ID, p); err != nil {
				return fmt.Errorf("store: meeting: %w", err)
			}
			if p {
				here = append(here, idText(mem.ID))
			}
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "resolution_number", old.ResolutionNumber, m.ResolutionNumber)
		ch = opora.Diff(ch, "resolution_date", dateString(old.ResolutionDate), dateString(m.ResolutionDate))
		ch = opora.Diff(ch, "status", old.Status, m.Status)
		ch = append(ch, opora.Change{Field: "present", New: strings.Join(here, ",")})
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "council_meeting", EntityID: m.ID, Changes: ch})
	})
}

// AgendaItem is a family on a meeting's agenda and why it is there.
type AgendaItem struct {
	Family    *opora.Family
	Drafts    int        // draft tasks to approve
	ReviewOn  opora.Date // next review, when due by the meeting's day
	Overdue   int        // open tasks past their deadline on the meeting's day
	Returned  int        // tasks the agencies returned
	Worsened  bool       // the latest assessment scored worse than the one before, not discussed since
	Decisions int        // decisions already taken at this meeting
	Listed    int        // of which taken with the family on the agenda
}

// OffAgenda reports a family decided about at this meeting without being
// on its agenda (allowed, marked).
func (it *AgendaItem) OffAgenda() bool { return it.Decisions > 0 && it.Listed == 0 && !it.listed() }

// Reasons are the catalog keys of why the family is on the agenda.
func (it *AgendaItem) Reasons() []string {
	var out []string
	if it.Drafts > 0 {
		out = append(out, "council.reason.draft")
	}
	if !it.ReviewOn.IsZero() {
		out = append(out, "council.reason.review")
	}
	if it.Overdue > 0 {
		out = append(out, "council.reason.overdue")
	}
	if it.Returned > 0 {
		out = append(out, "council.reason.returned")
	}
	if it.Worsened {
		out = append(out, "council.reason.worsened")
	}
	return out
}

func (it *AgendaItem) listed() bool {
	return it.Drafts > 0 || !it.ReviewOn.IsZero() || it.Overdue > 0 || it.Returned > 0 || it.Worsened
}

// councilTerritories are the territory ids a council covers: its
// municipality and the municipality's districts.
func councilTerritories(ctx context.Context, q queryer, c *opora.Council) ([]int64, error) {
	ids, err := queryIDs(ctx, q, `SELECT id FROM territories WHERE parent_id = $1`, c.TerritoryID)
	if err != nil {
		return nil, err
	}
	return append([]int64{c.TerritoryID}, ids...), nil
}

// agenda builds the agenda of a meeting: the municipality's families the
// actor reaches that need the council; with familyID, only that family
// (listed or not).
func (s *Store) agenda(ctx context.Context, q queryer, c *opora.Council, m *opora.CouncilMeeting, familyID int64) ([]*AgendaItem, error) {
	a := opora.ActorFrom(ctx)
	terrs, err := councilTerritories(ctx, q, c)
	if err != nil {
		return nil, err
	}
	args := []any{m.HeldOn, m.ID}
	var where string
	if familyID != 0 {
		args = append(args, familyID)
		where = `f.id = $3`
	} else {
		var in string
		in, args = inList(args, terrs)
		where = `f.territory_id IN (` + in + `)`
	}
	cond, args, err := familyScope(a, opora.PermFamilyRead, args)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT f.id,
		(SELECT COUNT(*) FROM draft_plan_tasks d JOIN cases k ON k.id = d.case_id WHERE d.family_id = f.id AND k.status = 'open'),
		CASE WHEN f.next_review_on IS NOT NULL AND f.next_review_on <= $1 THEN f.next_review_on END,
		(SELECT COUNT(*) FROM case_tasks t WHERE t.family_id = f.id AND t.status IN ('planned', 'accepted', 'in_progress')
			AND t.due_on < $1),
		(SELECT COUNT(*) FROM case_tasks t WHERE t.family_id = f.id AND t.status = 'returned'),
		(SELECT MAX(cm.held_on) FROM council_decisions cd JOIN council_meetings cm ON cm.id = cd.meeting_id
			WHERE cd.family_id = f.id AND cd.meeting_id <> $2),
		(SELECT COUNT(*) FROM council_decisions cd WHERE cd.family_id = f.id AND cd.meeting_id = $2),
		(SELECT COUNT(*) FROM council_decisions cd WHERE cd.family_id = f.id AND cd.meeting_id = $2 AND cd.on_agenda)
		FROM families f WHERE f.merged_into IS NULL AND `+where+` AND `+cond+` ORDER BY f.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agenda: %w", err)
	}
	var items []*AgendaItem
	lastDiscussed := map[int64]opora.Date{}
	for rows.Next() {
		it := &AgendaItem{Family: &opora.Family{}}
		var last opora.Date
		if err := rows.Scan(&it.Family.ID, &it.Drafts, &it.ReviewOn, &it.Overdue, &it.Returned, &last, &it.Decisions, &it.Listed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: agenda: %w", err)
		}
		lastDiscussed[it.Family.ID] = last
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: agenda: %w", err)
	}
	if len(items) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.Family.ID
	}
	// The two latest completed assessments of each family.
	fin, fargs := inList(nil, ids)
	arows, err := q.QueryContext(ctx, `SELECT family_id, assessed_on, COALESCE(total_score, 0) FROM family_assessments
		WHERE status = 'completed' AND family_id IN (`+fin+`) ORDER BY family_id, assessed_on DESC, id DESC`, fargs...)
	if err != nil {
		return nil, fmt.Errorf("store: agenda: %w", err)
	}
	type scored struct {
		on    opora.Date
		total int
	}
	latest := map[int64][]scored{}
	for arows.Next() {
		var id int64
		var x scored
		if err := arows.Scan(&id, &x.on, &x.total); err != nil {
			arows.Close()
			return nil, fmt.Errorf("store: agenda: %w", err)
		}
		if len(latest[id]) < 2 {
			latest[id] = append(latest[id], x)
		}
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("store: agenda: %w", err)
	}
	for _, it := range items {
		if l := latest[it.Family.ID]; len(l) == 2 && l[0].total > l[1].total {
			last := lastDiscussed[it.Family.ID]
			it.Worsened = last.IsZero() || l[0].on.After(last)
		}
	}
	return items, nil
}

// Agenda returns a meeting's agenda: the families of the council's
// municipality the actor reaches that need the council, and those decided
// at this meeting already (listed or not), with their names and statuses.
// Needs council.manage and family.read.
func (s *Store) Agenda(ctx context.Context, councilID, meetingID int64) ([]*AgendaItem, error) {
	c, m, err := s.loadMeeting(ctx, s.r, councilID, meetingID)
	if err != nil {
		return nil, err
	}
	items, err := s.agenda(ctx, s.r, c, m, 0)
	if err != nil {
		return nil, err
	}
	var out []*AgendaItem
	var ids []int64
	for _, it := range items {
		if it.listed() || it.Decisions > 0 {
			out = append(out, it)
			ids = append(ids, it.Family.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(nil, ids)
	fams, err := s.familyList(ctx, `f.id IN (`+in+`)`, args)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*opora.Family{}
	for _, f := range fams {
		byID[f.ID] = f
	}
	for _, it := range out {
		if f := byID[it.Family.ID]; f != nil {
			it.Family = f
		}
	}
	return out, nil
}

// onAgenda reports whether a family is on the meeting's agenda: listed for
// a reason, or decided at this meeting already as listed.
func (s *Store) onAgenda(ctx context.Context, q queryer, c *opora.Council, m *opora.CouncilMeeting, familyID int64) (bool, error) {
	items, err := s.agenda(ctx, q, c, m, familyID)
	if err != nil {
		return false, err
	}
	if len(items) == 1 && items[0].listed() {
		return true, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM council_decisions WHERE meeting_id = $1 AND family_id = $2 AND on_agenda`,
		m.ID, familyID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: agenda: %w", err)
	}
	return n > 0, nil
}

// CouncilFamily is a family's screen at a meeting: the draft plan with the
// procedure's proposal for each task, the family's tasks, the decisions
// taken at this meeting, and whether the family is on the agenda.
type CouncilFamily struct {
	Council   *opora.Council
	Meeting   *opora.CouncilMeeting
	Family    *opora.Family
	OnAgenda  bool
	Item      *AgendaItem
	Drafts    []*opora.DraftTask
	Proposals map[int64]*Proposal // by draft task id
	Tasks     []*opora.Task
	Decisions []*opora.CouncilDecision
	CaseOpen  bool
}

// FamilyAtCouncil returns a family's screen at a meeting, and writes the
// view audit row. A family the actor does not reach is not found.
func (s *Store) FamilyAtCouncil(ctx context.Context, councilID, meetingID, familyID int64) (*CouncilFamily, error) {
	c, m, err := s.loadMeeting(ctx, s.r, councilID, meetingID)
	if err != nil {
		return nil, err
	}
	f, err := s.Family(ctx, familyID)
	if err != nil {
		return nil, err
	}
	cf := &CouncilFamily{Council: c, Meeting: m, Family: f, Proposals: map[int64]*Proposal{}}
	items, err := s.agenda(ctx, s.r, c, m, familyID)
	if err != nil {
		return nil, err
	}
	if len(items) == 1 {
		cf.Item = items[0]
	}
	if cf.OnAgenda, err = s.onAgenda(ctx, s.r, c, m, familyID); err != nil {
		return nil, err
	}
	caseID, _, err := familyOpenCase(ctx, s.r, familyID)
	switch {
	case err == ErrNoFamilyCase:
	case err != nil:
		return nil, err
	default:
		cf.CaseOpen = true
		if cf.Drafts, err = s.draftTasks(ctx, s.r, caseID, 0); err != nil {
			return nil, err
		}
		for _, d := range cf.Drafts {
			p, err := s.propose(ctx, s.r, familyID, d.TypeID, d.IndicatorLabel)
			if err != nil {
				return nil, err
			}
			cf.Proposals[d.ID] = p
		}
	}
	if cf.Tasks, err = s.FamilyTasks(ctx, familyID); err != nil {
		return nil, err
	}
	if cf.Decisions, err = s.decisions(ctx, s.r, m.ID, familyID); err != nil {
		return nil, err
	}
	return cf, s.logView(ctx, "family", familyID, "council")
}

// decisionTarget is the common part of every decision: the meeting and the
// family (family.write), in the caller's transaction.
func (s *Store) decisionTarget(ctx context.Context, tx *sql.Tx, councilID, meetingID, familyID int64) (*opora.Council, *opora.CouncilMeeting, *opora.Family, error) {
	c, m, err := s.loadMeeting(ctx, tx, councilID, meetingID)
	if err != nil {
		return nil, nil, nil, err
	}
	if m.Status == opora.MeetingCancelled {
		return nil, nil, nil, &opora.Error{Code: opora.EINVALID, Message: "council.error.cancelled"}
	}
	if err := opora.ActorFrom(ctx).Require(opora.PermFamilyWrite); err != nil {
		return nil, nil, nil, err
	}
	f, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, familyID)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, m, f, nil
}

// recordDecision writes a decision row, its tasks, the audit row and the
// family's timeline line.
func (s *Store) recordDecision(ctx context.Context, tx *sql.Tx, c *opora.Council, m *opora.CouncilMeeting, f *opora.Family,
	d *opora.CouncilDecision, onAgenda bool) error {
	a := opora.ActorFrom(ctx)
	d.MeetingID, d.FamilyID, d.OnAgenda = m.ID, f.ID, onAgenda
	b, err := json.Marshal(d.Changes)
	if err != nil {
		return fmt.Errorf("store: decision: %w", err)
	}
	d.ID, err = insertID(ctx, tx, `INSERT INTO council_decisions (meeting_id, family_id, kind, on_agenda, changes, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, f.ID, d.Kind, onAgenda, string(b), nullID(a.UserID), s.Now())
	if err != nil {
		return fmt.Errorf("store: decision: %w", err)
	}
	for _, t := range d.Tasks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO council_decision_tasks (decision_id, task_id, proposed_org_id, responsible_org_id,
			reason, due_on) VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, t.TaskID, nullID(t.ProposedOrg), t.OrgID, t.Reason, t.DueOn); err != nil {
			return fmt.Errorf("store: decision: %w", err)
		}
	}
	ch := append([]opora.Change{{Field: "meeting_id", New: idText(m.ID)}, {Field: "family_id", New: idText(f.ID)},
		{Field: "kind", New: d.Kind}, {Field: "on_agenda", New: strconv.FormatBool(onAgenda)}}, d.Changes...)
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "council_decision", EntityID: d.ID,
		Changes: ch}); err != nil {
		return err
	}
	ev := append([]opora.Change{{Field: "council_decision", New: d.Kind}, {Field: "council", New: c.Name},
		{Field: "held_on", New: dateString(m.HeldOn)}}, d.Changes...)
	return s.addFamilyEvent(ctx, tx, f, FamilyEventCouncil, "", ev)
}

// taskFieldErrors puts the field errors of one task of a decision next to
// its fields ("tasks.<draft id>.due_on").
func taskFieldErrors(v *opora.Validation, id int64, err error) error {
	fe := opora.FieldErrors(err)
	if len(fe) == 0 {
		return err
	}
	for f, k := range fe {
		if f == "responsible" {
			f = "org"
		}
		v.Add("tasks."+idText(id)+"."+f, k)
	}
	return nil
}

// checkCouncilTask checks an agency and deadline the council chose for a
// task of family f: an agency of the network, a reason when it is not the
// proposed one, a deadline not in the past, and an agency of another
// municipality only when confirmed (warned otherwise).
func (s *Store) checkCouncilTask(ctx context.Context, q queryer, terrs []int64, prefix string, t *opora.CouncilTask, needReason bool, v *opora.Validation) error {
	field := func(f string) string { return prefix + f }
	t.Reason = strings.TrimSpace(t.Reason)
	if t.OrgID == 0 {
		v.Add(field("org"), "error.required")
		return nil
	}
	var orgTerr int64
	var name, short string
	err := q.QueryRowContext(ctx, `SELECT name, short_name, COALESCE(territory_id, 0) FROM organisations WHERE id = $1`, t.OrgID).Scan(&name, &short, &orgTerr)
	if err == sql.ErrNoRows {
		v.Add(field("org"), "council.error.not_in_network")
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: council task: %w", err)
	}
	t.OrgName = displayName(name, short)
	if needReason && t.Reason == "" {
		v.Add(field("reason"), "council.error.reason_required")
	}
	checkTextLen(v, field("reason"), t.Reason, 1000)
	if t.DueOn.IsZero() {
		v.Add(field("due_on"), "error.required")
	} else if t.DueOn.Before(s.Today()) {
		v.Add(field("due_on"), "tasks.error.due_in_past")
	}
	if len(terrs) > 0 && orgTerr != 0 && !slices.Contains(terrs, orgTerr) && !t.ConfirmOtherTerritory {
		var parent int64
		if err := q.QueryRowContext(ctx, `SELECT CASE WHEN kind = 'district' THEN COALESCE(parent_id, 0) ELSE 0 END
			FROM territories WHERE id = $1`, orgTerr).Scan(&parent); err != nil {
			return fmt.Errorf("store: council task: %w", err)
		}
		if parent == 0 || !slices.Contains(terrs, parent) {
			v.Add(field("org"), "council.warn.other_municipality")
		}
	}
	return nil
}

func checkTextLen(v *opora.Validation, field, s string, max int) {
	if len([]rune(s)) > max {
		v.Add(field, "error.too_long")
	}
}

// ApprovePlan approves the family's draft plan at a meeting: each draft
// task (tasks by DraftID; one left out or marked Skip stays in the draft)
// becomes a task of the family's case in the queue of the agency chosen —
// the procedure's proposal unless the council chose another, with a
// reason — due on the deadline chosen; the draft task goes. One
// transaction: any refused task refuses all, with the error next to its
// field ("tasks.<draft id>.org", "….due_on", "….reason"). Needs
// council.manage and family.write on the family.
func (s *Store) ApprovePlan(ctx context.Context, councilID, meetingID, familyID int64, tasks []*opora.CouncilTask) (*opora.CouncilDecision, error) {
	d := &opora.CouncilDecision{}
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		return s.approvePlan(ctx, tx, councilID, meetingID, familyID, tasks, d)
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// approvePlan is ApprovePlan in the caller's transaction, filling d.
func (s *Store) approvePlan(ctx context.Context, tx *sql.Tx, councilID, meetingID, familyID int64, tasks []*opora.CouncilTask, d *opora.CouncilDecision) error {
	c, m, f, err := s.decisionTarget(ctx, tx, councilID, meetingID, familyID)
	if err != nil {
		return err
	}
	onAgenda, err := s.onAgenda(ctx, tx, c, m, familyID)
	if err != nil {
		return err
	}
	caseID, _, err := familyOpenCase(ctx, tx, familyID)
	if err != nil {
		return err
	}
	drafts, err := s.draftTasks(ctx, tx, caseID, 0)
	if err != nil {
		return err
	}
	terrs, err := familyTerritories(ctx, tx, familyID)
	if err != nil {
		return err
	}
	byDraft := map[int64]*opora.CouncilTask{}
	for _, t := range tasks {
		byDraft[t.DraftID] = t
	}
	var v opora.Validation
	type pair struct {
		draft *opora.DraftTask
		ct    *opora.CouncilTask
	}
	var todo []pair
	for _, dr := range drafts {
		ct := byDraft[dr.ID]
		if ct == nil || ct.Skip {
			continue
		}
		p, err := s.propose(ctx, tx, familyID, dr.TypeID, dr.IndicatorLabel)
		if err != nil {
			return err
		}
		ct.ProposedOrg, ct.ProposedOrgName, ct.Title = p.OrgID, p.OrgName, dr.TypeLabel
		if ct.OrgID == 0 {
			ct.OrgID = p.OrgID
		}
		if err := s.checkCouncilTask(ctx, tx, terrs, "tasks."+idText(dr.ID)+".", ct, p.OrgID != 0 && ct.OrgID != p.OrgID, &v); err != nil {
			return err
		}
		todo = append(todo, pair{dr, ct})
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(todo) == 0 {
		v.Add("tasks", "council.error.nothing_to_approve")
		return v.Err()
	}
	*d = opora.CouncilDecision{Kind: opora.DecisionApprovePlan}
	for _, x := range todo {
		t := &opora.Task{TypeID: x.draft.TypeID, Description: x.draft.What, ResponsibleOrg: x.ct.OrgID, DueOn: x.ct.DueOn}
		if err := s.addFamilyTask(ctx, tx, familyID, t); err != nil {
			if ferr := taskFieldErrors(&v, x.draft.ID, err); ferr != nil {
				return ferr
			}
			return v.Err()
		}
		x.ct.TaskID = t.ID
		if _, err := tx.ExecContext(ctx, `DELETE FROM draft_plan_tasks WHERE id = $1`, x.draft.ID); err != nil {
			return fmt.Errorf("store: approve plan: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "draft_task", EntityID: x.draft.ID,
			Changes: []opora.Change{{Field: "task_id", New: idText(t.ID)}}}); err != nil {
			return err
		}
		d.Tasks = append(d.Tasks, x.ct)
		ch := opora.Change{Field: "task", New: t.Title() + " → " + x.ct.OrgName + ", " + x.ct.DueOn.Format("02.01.2006")}
		if x.ct.Reason != "" {
			ch.New += " (" + x.ct.Reason + ")"
		}
		d.Changes = append(d.Changes, ch)
	}
	return s.recordDecision(ctx, tx, c, m, f, d, onAgenda)
}

// ReassignTask gives a task of the family (returned, or open) to another
// agency — or the same one — with a new deadline and a reason (field
// errors "reassign.<task id>.org", "….due_on", "….reason"): the task
// starts again as planned in the new agency's queue, which gets the
// family. Needs council.manage and family.write on the family.
func (s *Store) ReassignTask(ctx context.Context, councilID, meetingID, familyID int64, ct *opora.CouncilTask) (*opora.CouncilDecision, error) {
	d := &opora.CouncilDecision{}
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		return s.reassignTask(ctx, tx, councilID, meetingID, familyID, ct, d)
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// reassignTask is ReassignTask in the caller's transaction, filling d.
func (s *Store) reassignTask(ctx context.Context, tx *sql.Tx, councilID, meetingID, familyID int64, ct *opora.CouncilTask, d *opora.CouncilDecision) error {
	c, m, f, err := s.decisionTarget(ctx, tx, councilID, meetingID, familyID)
	if err != nil {
		return err
	}
	old, err := s.familyTask(ctx, tx, opora.PermFamilyWrite, ct.TaskID)
	if err != nil || old.FamilyID != familyID {
		return opora.ErrNotFound
	}
	if old.Status.Finished() && old.Status != opora.TaskReturned {
		return &opora.Error{Code: opora.EINVALID, Message: "council.error.task_finished"}
	}
	onAgenda, err := s.onAgenda(ctx, tx, c, m, familyID)
	if err != nil {
		return err
	}
	terrs, err := familyTerritories(ctx, tx, familyID)
	if err != nil {
		return err
	}
	var v opora.Validation
	if err := s.checkCouncilTask(ctx, tx, terrs, "reassign."+idText(ct.TaskID)+".", ct, true, &v); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	ct.ProposedOrg = old.ResponsibleOrg
	now := s.Now()
	a := opora.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET responsible_org_id = $1, due_on = $2, status = 'planned', assignee_id = NULL,
		return_reason = '', return_comment = '', proposed_due_on = NULL, done_on = NULL, version = version + 1,
		updated_by = $3, updated_at = $4, status_changed_at = $4 WHERE id = $5`,
		ct.OrgID, ct.DueOn, nullID(a.UserID), now, old.ID); err != nil {
		return fmt.Errorf("store: reassign task: %w", err)
	}
	t := *old
	t.ResponsibleOrg, t.Responsible, t.DueOn, t.Status, t.AssigneeID, t.AssigneeName = ct.OrgID, ct.OrgName, ct.DueOn, opora.TaskPlanned, 0, ""
	t.ReturnReason, t.ReturnComment, t.ProposedDueOn, t.Version = "", "", opora.Date{}, old.Version+1
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "task", EntityID: old.ID,
		Changes: append(taskChanges(old, &t), opora.Change{Field: "agency_reason", New: ct.Reason})}); err != nil {
		return err
	}
	if err := s.grantFamily(ctx, tx, a, f, ct.OrgID, opora.GrantTask); err != nil {
		return err
	}
	if err := s.taskChangedHook(ctx, tx, old, &t); err != nil {
		return err
	}
	ct.Title = old.Title()
	*d = opora.CouncilDecision{Kind: opora.DecisionReassign, Tasks: []*opora.CouncilTask{ct}, Changes: []opora.Change{{
		Field: "task", Old: old.Responsible + ", " + old.DueOn.Format("02.01.2006"),
		New: ct.Title + " → " + ct.OrgName + ", " + ct.DueOn.Format("02.01.2006") + " (" + ct.Reason + ")"}}}
	return s.recordDecision(ctx, tx, c, m, f, d, onAgenda)
}

// CouncilFamilyStatus changes the family's status by the council's
// decision (since the meeting's day). Needs council.manage and
// family.write on the family.
func (s *Store) CouncilFamilyStatus(ctx context.Context, councilID, meetingID, familyID, statusID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.councilFamilyStatus(ctx, tx, councilID, meetingID, familyID, statusID)
	})
}

// councilFamilyStatus is CouncilFamilyStatus in the caller's transaction.
func (s *Store) councilFamilyStatus(ctx context.Context, tx *sql.Tx, councilID, meetingID, familyID, statusID int64) error {
	c, m, f, err := s.decisionTarget(ctx, tx, councilID, meetingID, familyID)
	if err != nil {
		return err
	}
	var label string
	err = tx.QueryRowContext(ctx, `SELECT label FROM dictionary_items WHERE id = $1 AND organisation_id = $2 AND dictionary = $3`,
		statusID, f.OrganisationID, opora.DictFamilyStatus).Scan(&label)
	if err == sql.ErrNoRows {
		var v opora.Validation
		v.Add("status_id", "error.invalid_choice")
		return v.Err()
	}
	if err != nil {
		return fmt.Errorf("store: council status: %w", err)
	}
	if statusID == f.StatusID {
		var v opora.Validation
		v.Add("status_id", "council.error.same_status")
		return v.Err()
	}
	onAgenda, err := s.onAgenda(ctx, tx, c, m, familyID)
	if err != nil {
		return err
	}
	since := m.HeldOn
	if since.After(s.Today()) {
		since = s.Today()
	}
	a := opora.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE families SET status_id = $1, status_since = $2, version = version + 1, updated_by = $3,
		updated_at = $4 WHERE id = $5`, statusID, since, nullID(a.UserID), s.Now(), f.ID); err != nil {
		return fmt.Errorf("store: council status: %w", err)
	}
	ch := []opora.Change{{Field: "status", Old: f.StatusLabel, New: label}}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family", EntityID: f.ID, Changes: ch}); err != nil {
		return err
	}
	if err := s.addFamilyEvent(ctx, tx, f, opora.FamilyEventStatus, label, ch); err != nil {
		return err
	}
	return s.recordDecision(ctx, tx, c, m, f, &opora.CouncilDecision{Kind: opora.DecisionStatus, Changes: ch}, onAgenda)
}

// CouncilNextReview sets the date the council reviews the family next (not
// in the past). Needs council.manage and family.write on the family.
func (s *Store) CouncilNextReview(ctx context.Context, councilID, meetingID, familyID int64, on opora.Date) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.councilNextReview(ctx, tx, councilID, meetingID, familyID, on)
	})
}

// councilNextReview is CouncilNextReview in the caller's transaction.
func (s *Store) councilNextReview(ctx context.Context, tx *sql.Tx, councilID, meetingID, familyID int64, on opora.Date) error {
	c, m, f, err := s.decisionTarget(ctx, tx, councilID, meetingID, familyID)
	if err != nil {
		return err
	}
	var v opora.Validation
	if on.IsZero() {
		v.Add("next_review_on", "error.required")
	} else if !on.After(s.Today()) {
		v.Add("next_review_on", "council.error.review_in_past")
	}
	if err := v.Err(); err != nil {
		return err
	}
	var old opora.Date
	if err := tx.QueryRowContext(ctx, `SELECT next_review_on FROM families WHERE id = $1`, f.ID).Scan(&old); err != nil {
		return fmt.Errorf("store: next review: %w", err)
	}
	onAgenda, err := s.onAgenda(ctx, tx, c, m, familyID)
	if err != nil {
		return err
	}
	a := opora.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE families SET next_review_on = $1, version = version + 1, updated_by = $2, updated_at = $3
		WHERE id = $4`, on, nullID(a.UserID), s.Now(), f.ID); err != nil {
		return fmt.Errorf("store: next review: %w", err)
	}
	ch := []opora.Change{{Field: "next_review_on", Old: dateString(old), New: dateString(on)}}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family", EntityID: f.ID, Changes: ch}); err != nil {
		return err
	}
	return s.recordDecision(ctx, tx, c, m, f, &opora.CouncilDecision{Kind: opora.DecisionReview, Changes: ch}, onAgenda)
}

// CouncilCloseCase closes the family's case with an outcome by the
// council's decision: its open tasks are cancelled, its draft plan
// dropped, no review is due any more. Needs council.manage and
// family.write on the family.
func (s *Store) CouncilCloseCase(ctx context.Context, councilID, meetingID, familyID int64, outcome opora.CaseOutcome, comment string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.councilCloseCase(ctx, tx, councilID, meetingID, familyID, outcome, comment)
	})
}

// councilCloseCase is CouncilCloseCase in the caller's transaction.
func (s *Store) councilCloseCase(ctx context.Context, tx *sql.Tx, councilID, meetingID, familyID int64, outcome opora.CaseOutcome, comment string) error {
	c, m, f, err := s.decisionTarget(ctx, tx, councilID, meetingID, familyID)
	if err != nil {
		return err
	}
	caseID, _, err := familyOpenCase(ctx, tx, familyID)
	if err != nil {
		return err
	}
	var opened opora.Date
	if err := tx.QueryRowContext(ctx, `SELECT opened_on FROM cases WHERE id = $1`, caseID).Scan(&opened); err != nil {
		return fmt.Errorf("store: council close: %w", err)
	}
	today := s.Today()
	cl := &opora.CaseClosing{Outcome: outcome, Comment: comment, ClosedOn: today, OpenTasks: opora.OpenTasksCancel}
	if err := cl.Validate(opened, today); err != nil {
		return err
	}
	onAgenda, err := s.onAgenda(ctx, tx, c, m, familyID)
	if err != nil {
		return err
	}
	open, err := s.caseTasks(ctx, tx, caseID, true)
	if err != nil {
		return err
	}
	for _, t := range open {
		if err := s.setTaskStatus(ctx, tx, t, opora.TaskCancelled, "", opora.Date{}); err != nil {
			return err
		}
	}
	a := opora.ActorFrom(ctx)
	now := s.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM draft_plan_tasks WHERE case_id = $1`, caseID); err != nil {
		return fmt.Errorf("store: council close: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'closed', closed_on = $1, outcome = $2, outcome_comment = $3,
		version = version + 1, updated_by = $4, updated_at = $5 WHERE id = $6`,
		cl.ClosedOn, string(cl.Outcome), cl.Comment, nullID(a.UserID), now, caseID); err != nil {
		return fmt.Errorf("store: council close: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE families SET next_review_on = NULL WHERE id = $1`, f.ID); err != nil {
		return fmt.Errorf("store: council close: %w", err)
	}
	ch := []opora.Change{{Field: "outcome", New: string(cl.Outcome)}}
	if cl.Comment != "" {
		ch = append(ch, opora.Change{Field: "outcome_comment", New: cl.Comment})
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: caseID,
		Changes: append([]opora.Change{{Field: "status", Old: string(opora.CaseOpen), New: string(opora.CaseClosed)}}, ch...)}); err != nil {
		return err
	}
	return s.recordDecision(ctx, tx, c, m, f, &opora.CouncilDecision{Kind: opora.DecisionClose, Changes: ch}, onAgenda)
}

// decisions lists the decisions of a meeting (of one family when familyID
// is not 0), in the order taken, with their tasks.
func (s *Store) decisions(ctx context.Context, q queryer, meetingID, familyID int64) ([]*opora.CouncilDecision, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, meeting_id, family_id, kind, on_agenda, changes, COALESCE(created_by, 0), created_at
		FROM council_decisions WHERE meeting_id = $1 AND ($2 = 0 OR family_id = $2) ORDER BY id`, meetingID, familyID)
	if err != nil {
		return nil, fmt.Errorf("store: decisions: %w", err)
	}
	var out []*opora.CouncilDecision
	byID := map[int64]*opora.CouncilDecision{}
	for rows.Next() {
		d := &opora.CouncilDecision{}
		var ch string
		var created sql.NullTime
		if err := rows.Scan(&d.ID, &d.MeetingID, &d.FamilyID, &d.Kind, &d.OnAgenda, &ch, &d.CreatedBy, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: decisions: %w", err)
		}
		d.CreatedAt = timeOf(created)
		_ = json.Unmarshal([]byte(ch), &d.Changes)
		out = append(out, d)
		byID[d.ID] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: decisions: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	trows, err := q.QueryContext(ctx, `SELECT dt.decision_id, dt.task_id, COALESCE(dt.proposed_org_id, 0), COALESCE(po.name, ''),
		dt.responsible_org_id, o.name, dt.reason, dt.due_on
		FROM council_decision_tasks dt JOIN council_decisions cd ON cd.id = dt.decision_id
		JOIN organisations o ON o.id = dt.responsible_org_id LEFT JOIN organisations po ON po.id = dt.proposed_org_id
		WHERE cd.meeting_id = $1 ORDER BY dt.id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("store: decisions: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var decID int64
		t := &opora.CouncilTask{}
		if err := trows.Scan(&decID, &t.TaskID, &t.ProposedOrg, &t.ProposedOrgName, &t.OrgID, &t.OrgName, &t.Reason, &t.DueOn); err != nil {
			return nil, fmt.Errorf("store: decisions: %w", err)
		}
		if d := byID[decID]; d != nil {
			d.Tasks = append(d.Tasks, t)
		}
	}
	return out, trows.Err()
}

// Minutes is a meeting's protocol: the council, who was present, and every
// decision by family.
type Minutes struct {
	Council   *opora.Council
	Meeting   *opora.CouncilMeeting
	Decisions []*opora.CouncilDecision
}

// CouncilMinutes returns a meeting's minutes for printing, and writes the
// audit row of the print (the families' names and decisions are on it).
func (s *Store) CouncilMinutes(ctx context.Context, councilID, meetingID int64) (*Minutes, error) {
	c, m, err := s.CouncilMeeting(ctx, councilID, meetingID)
	if err != nil {
		return nil, err
	}
	ds, err := s.decisions(ctx, s.r, m.ID, 0)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, d := range ds {
		if !slices.Contains(ids, d.FamilyID) {
			ids = append(ids, d.FamilyID)
		}
	}
	if len(ids) > 0 {
		in, args := inList(nil, ids)
		fams, err := s.familyList(ctx, `f.id IN (`+in+`)`, args)
		if err != nil {
			return nil, err
		}
		names := map[int64]string{}
		for _, f := range fams {
			names[f.ID] = f.Name
		}
		for _, d := range ds {
			d.FamilyName = names[d.FamilyID]
		}
	}
	if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionPrint, Entity: "council_meeting", EntityID: m.ID,
		Section: "minutes"}); err != nil {
		return nil, err
	}
	return &Minutes{Council: c, Meeting: m, Decisions: ds}, nil
}

// CouncilAgencies lists the organisations of the network a council may
// give tasks to, those of the council's municipality first, for pickers.
func (s *Store) CouncilAgencies(ctx context.Context, councilID int64) ([]OrgRef, error) {
	c, err := s.loadCouncil(ctx, s.r, councilID)
	if err != nil {
		return nil, err
	}
	terrs, err := councilTerritories(ctx, s.r, c)
	if err != nil {
		return nil, err
	}
	in, args := inList(nil, terrs)
	rows, err := s.r.QueryContext(ctx, `SELECT id, name FROM organisations ORDER BY CASE WHEN territory_id IN (`+in+`) THEN 0 ELSE 1 END,
		name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: council agencies: %w", err)
	}
	defer rows.Close()
	var out []OrgRef
	for rows.Next() {
		var o OrgRef
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("store: council agencies: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
