package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// UpdateFamily saves the card's own fields (territory, address, housing,
// income, offence-related and health notes, status and since when). f.Version must be the version the user
// started from; if someone saved in between nothing is written and a
// conflict names who. A new status is a timeline line of its own. Needs
// family.write on the family.
func (s *Store) UpdateFamily(ctx context.Context, f *opora.Family) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	today := s.Today()
	f.Normalize()
	if err := f.Validate(today); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		old, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, f.ID)
		if err != nil {
			return err
		}
		if old.Version != f.Version {
			var who string
			_ = tx.QueryRowContext(ctx, `SELECT full_name FROM users WHERE id = $1`, old.UpdatedBy).Scan(&who)
			return conflictError(who, old.UpdatedAt, nil)
		}
		f.OrganisationID = old.OrganisationID
		if err := s.checkFamilyRefs(ctx, tx, a, f); err != nil {
			return err
		}
		if f.StatusID != old.StatusID && f.StatusSince.Equal(old.StatusSince) {
			f.StatusSince = today
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "territory", old.TerritoryName, f.TerritoryName)
		ch = opora.Diff(ch, "address", old.Address, f.Address)
		ch = opora.Diff(ch, "housing", old.Housing, f.Housing)
		ch = opora.Diff(ch, "income", old.Income, f.Income)
		ch = opora.Diff(ch, "status_since", dateString(old.StatusSince), dateString(f.StatusSince))
		// Offence-related and health notes are sensitive: named, never their values.
		if f.Offences != old.Offences {
			ch = append(ch, opora.Change{Field: "offences"})
		}
		if f.Health != old.Health {
			ch = append(ch, opora.Change{Field: "health"})
		}
		statusChanged := f.StatusID != old.StatusID
		if len(ch) == 0 && !statusChanged {
			return nil
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE families SET territory_id = $1, address = $2, housing = $3, income = $4,
			status_id = $5, status_since = $6, version = version + 1, updated_by = $7, updated_at = $8, offences = $10,
			health = $11 WHERE id = $9`,
			nullID(f.TerritoryID), f.Address, f.Housing, f.Income, nullID(f.StatusID), f.StatusSince, nullID(a.UserID),
			now, f.ID, f.Offences, f.Health); err != nil {
			return fmt.Errorf("store: update family: %w", err)
		}
		f.Version = old.Version + 1
		audit := ch
		if statusChanged {
			audit = append(audit, opora.Change{Field: "status", Old: old.StatusLabel, New: f.StatusLabel})
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family", EntityID: f.ID,
			Changes: audit}); err != nil {
			return err
		}
		if statusChanged {
			if err := s.addFamilyEvent(ctx, tx, f, opora.FamilyEventStatus, f.StatusLabel,
				[]opora.Change{{Field: "status", Old: old.StatusLabel, New: f.StatusLabel}}); err != nil {
				return err
			}
		}
		if len(ch) > 0 {
			if err := s.addFamilyEvent(ctx, tx, f, opora.FamilyEventUpdated, "", ch); err != nil {
				return err
			}
		}
		return s.refreshFamilyKey(ctx, tx, f.ID)
	})
}

// familyMember reads one member of a family the actor reaches with p.
func (s *Store) familyMember(ctx context.Context, tx *sql.Tx, p opora.Permission, familyID, memberID int64) (*opora.Family, *opora.FamilyMember, error) {
	f, err := s.loadFamily(ctx, tx, p, familyID)
	if err != nil {
		return nil, nil, err
	}
	members, err := s.familyMembers(ctx, tx, f.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range members {
		if m.ID == memberID {
			return f, m, nil
		}
	}
	return nil, nil, opora.ErrNotFound
}

// UpdateMember changes a member's role, dates in the family, leaving
// reason and school (not the person: that is the client's record). Needs
// family.write on the family.
func (s *Store) UpdateMember(ctx context.Context, m *opora.FamilyMember) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	m.Normalize()
	m.Client = nil
	return s.tx(ctx, func(tx *sql.Tx) error {
		f, old, err := s.familyMember(ctx, tx, opora.PermFamilyWrite, m.FamilyID, m.ID)
		if err != nil {
			return err
		}
		m.ClientID = old.ClientID
		if err := m.Validate(s.Now(), ""); err != nil {
			return err
		}
		m.Client = old.Client
		if m.SchoolOrgID != 0 && m.SchoolOrgID != old.SchoolOrgID {
			var typ string
			err := tx.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, m.SchoolOrgID).Scan(&typ)
			if err == sql.ErrNoRows || (err == nil && typ != string(opora.OrgSchool) && typ != string(opora.OrgKindergarten)) {
				var v opora.Validation
				v.Add("school_org_id", "error.invalid_choice")
				return v.Err()
			} else if err != nil {
				return fmt.Errorf("store: family member: %w", err)
			}
		}
		var ch []opora.Change
		ch = opora.Diff(ch, "role", string(old.Role), string(m.Role))
		ch = opora.Diff(ch, "joined_on", dateString(old.JoinedOn), dateString(m.JoinedOn))
		ch = opora.Diff(ch, "left_on", dateString(old.LeftOn), dateString(m.LeftOn))
		ch = opora.Diff(ch, "leave_reason", old.LeaveReason, m.LeaveReason)
		oldSchool := old.SchoolName
		if old.SchoolOrgID != 0 {
			oldSchool = idText(old.SchoolOrgID)
		}
		newSchool := m.SchoolName
		if m.SchoolOrgID != 0 {
			newSchool = idText(m.SchoolOrgID)
		}
		ch = opora.Diff(ch, "school", oldSchool, newSchool)
		if len(ch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE family_members SET role = $1, joined_on = $2, left_on = $3, leave_reason = $4,
			school_org_id = $5, school_name = $6 WHERE id = $7`, m.Role, m.JoinedOn, m.LeftOn, m.LeaveReason,
			nullID(m.SchoolOrgID), m.SchoolName, m.ID); err != nil {
			return fmt.Errorf("store: family member: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family_member", EntityID: m.ID,
			Changes: ch}); err != nil {
			return err
		}
		kind := opora.FamilyEventMemberChanged
		if old.LeftOn.IsZero() && !m.LeftOn.IsZero() {
			kind = opora.FamilyEventMemberLeft
		}
		if err := s.addFamilyEvent(ctx, tx, f, kind, old.Client.FullName(), ch); err != nil {
			return err
		}
		if err := s.touchFamily(ctx, tx, a, f.ID); err != nil {
			return err
		}
		return s.refreshFamilyKey(ctx, tx, f.ID)
	})
}

// MemberLeaves records that a member left the family on a day, with a reason.
func (s *Store) MemberLeaves(ctx context.Context, familyID, memberID int64, on opora.Date, reason string) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	if on.IsZero() {
		var v opora.Validation
		v.Add("left_on", "error.date")
		return v.Err()
	}
	var m *opora.FamilyMember
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, old, err := s.familyMember(ctx, tx, opora.PermFamilyWrite, familyID, memberID)
		m = old
		return err
	})
	if err != nil {
		return err
	}
	if !m.LeftOn.IsZero() {
		var v opora.Validation
		v.Add("left_on", "family.error.already_left")
		return v.Err()
	}
	m.LeftOn, m.LeaveReason = on, reason
	return s.UpdateMember(ctx, m)
}

// FamilyTimeline lists a family's history, newest first. Needs family.read
// on the family; audit-logged as a view of the family's timeline.
func (s *Store) FamilyTimeline(ctx context.Context, familyID int64) ([]*opora.FamilyEvent, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	f, acc, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionHistory)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT e.id, e.family_id, e.at, COALESCE(e.user_id, 0), COALESCE(u.full_name, ''),
		e.kind, e.summary, e.changes FROM family_events e LEFT JOIN users u ON u.id = e.user_id
		WHERE e.family_id = $1 ORDER BY e.at DESC, e.id DESC`, familyID)
	if err != nil {
		return nil, fmt.Errorf("store: family timeline: %w", err)
	}
	defer rows.Close()
	var out []*opora.FamilyEvent
	for rows.Next() {
		e := &opora.FamilyEvent{}
		var at sql.NullTime
		var changes string
		if err := rows.Scan(&e.ID, &e.FamilyID, &at, &e.UserID, &e.UserName, &e.Kind, &e.Summary, &changes); err != nil {
			return nil, fmt.Errorf("store: family timeline: %w", err)
		}
		e.At = timeOf(at)
		if changes != "" {
			if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
				return nil, fmt.Errorf("store: family timeline: %w", err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: family timeline: %w", err)
	}
	return out, s.logFamilyView(ctx, f, acc, "timeline")
}

// MyFamilies lists the families whose curator is the actor.
func (s *Store) MyFamilies(ctx context.Context) ([]*opora.Family, error) {
	a := opora.ActorFrom(ctx)
	if a == nil {
		return nil, opora.ErrForbidden
	}
	return s.SearchFamilies(ctx, FamilySearch{CuratorID: a.UserID, Limit: 200})
}

// FamiliesByStatus lists the families of a municipality (territory) the
// actor reaches, with a status (0: any).
func (s *Store) FamiliesByStatus(ctx context.Context, territoryID, statusID int64) ([]*opora.Family, error) {
	return s.SearchFamilies(ctx, FamilySearch{TerritoryID: territoryID, StatusID: statusID, Limit: 200})
}

// FamilyStatuses lists the family status dictionary of the actor's
// organisation (enabled items): the choices for the actor's own new
// family cards and searches. Needs family.read.
func (s *Store) FamilyStatuses(ctx context.Context) ([]*opora.DictionaryItem, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	return s.familyStatuses(ctx, a.OrganisationID)
}

// FamilyStatusesOf lists the statuses a family card can take: the
// dictionary of the organisation holding the card (the family's КДН and
// its region's configuration), which may not be the actor's — a КЦСОН
// curator or a council secretary of another organisation. Needs
// family.read on the family.
func (s *Store) FamilyStatusesOf(ctx context.Context, familyID int64) ([]*opora.DictionaryItem, error) {
	f, _, err := s.loadFamilyAccess(ctx, s.r, opora.PermFamilyRead, familyID)
	if err != nil {
		return nil, err
	}
	return s.familyStatuses(ctx, f.OrganisationID)
}

func (s *Store) familyStatuses(ctx context.Context, orgID int64) ([]*opora.DictionaryItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, organisation_id, dictionary, key, label, position, disabled FROM dictionary_items
		WHERE organisation_id = $1 AND dictionary = $2 AND NOT disabled ORDER BY position, id`, orgID, opora.DictFamilyStatus)
	if err != nil {
		return nil, fmt.Errorf("store: family statuses: %w", err)
	}
	defer rows.Close()
	var out []*opora.DictionaryItem
	for rows.Next() {
		d := &opora.DictionaryItem{}
		if err := rows.Scan(&d.ID, &d.OrganisationID, &d.Dictionary, &d.Key, &d.Label, &d.Position, &d.Disabled); err != nil {
			return nil, fmt.Errorf("store: family statuses: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
