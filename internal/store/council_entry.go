package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/opora-project/opora/internal/opora"
)

// Council decisions entered offline (issue 21 item 2): the secretary's
// laptop sends the decisions it queued; each goes through CouncilDecide,
// which applies it through the same code as the family screen's forms
// (approvePlan, reassignTask, councilFamilyStatus, councilNextReview,
// councilCloseCase) or, when it no longer applies as entered, holds it for
// the secretary (HeldEntries, ApplyHeldEntry, CancelHeldEntry).

// Outcomes of CouncilDecide for one entry.
const (
	EntryApplied   = opora.EntryApplied
	EntryHeld      = opora.EntryHeld
	EntryDuplicate = "duplicate"
)

// EntryResult is what became of one entry: applied, held (Reason is the
// catalog key of why) or duplicate (received before; State says how it
// stands).
type EntryResult struct {
	Status string
	State  string
	Reason string
}

// CouncilDecide applies a council decision entered on the secretary's
// device at meeting meetingID of council councilID. An entry whose UUID was
// received before creates nothing (duplicate). A decision that no longer
// applies — the task was changed meanwhile, the plan already approved, a
// deadline now past — is held, not applied, with the reason. A meeting the
// actor does not run, a family the actor may not change or a cancelled
// meeting refuse the entry (the error; nothing kept). Needs council.manage
// and family.write on the family.
func (s *Store) CouncilDecide(ctx context.Context, councilID, meetingID int64, e *opora.CouncilEntry) (*EntryResult, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermCouncilManage); err != nil {
		return nil, err
	}
	if res, err := s.entryReceived(ctx, meetingID, e.UUID); res != nil || err != nil {
		return res, err
	}
	// The meeting and the family must be the actor's: otherwise refused.
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		_, _, _, err := s.decisionTarget(ctx, tx, councilID, meetingID, e.FamilyID)
		return err
	}); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(e.Fields)
	if err != nil {
		return nil, fmt.Errorf("store: council entry: %w", err)
	}
	a := opora.ActorFrom(ctx)
	insert := func(tx *sql.Tx, state, reason string) error {
		var entered any
		if !e.EnteredAt.IsZero() {
			entered = e.EnteredAt.UTC()
		}
		id, err := insertID(ctx, tx, `INSERT INTO council_entries (client_uuid, meeting_id, family_id, kind, payload, state, reason,
			entered_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.UUID, meetingID, e.FamilyID, e.Kind, string(payload), state, reason, entered, nullID(a.UserID), s.Now())
		if err != nil {
			return fmt.Errorf("store: council entry: %w", err)
		}
		e.ID, e.State, e.Reason = id, state, reason
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "council_entry", EntityID: id,
			Changes: []opora.Change{{Field: "client_uuid", New: e.UUID}, {Field: "kind", New: e.Kind}, {Field: "state", New: state},
				{Field: "reason", New: reason}}})
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.applyEntry(ctx, tx, councilID, meetingID, e, false); err != nil {
			return err
		}
		return insert(tx, EntryApplied, "")
	})
	if err == nil {
		return &EntryResult{Status: EntryApplied, State: EntryApplied}, nil
	}
	if res, rerr := s.entryReceived(ctx, meetingID, e.UUID); res != nil || rerr != nil {
		return res, rerr // the same entry arrived meanwhile
	}
	reason, ok := heldReason(err)
	if !ok {
		return nil, err
	}
	if err := s.tx(ctx, func(tx *sql.Tx) error { return insert(tx, EntryHeld, reason) }); err != nil {
		if res, rerr := s.entryReceived(ctx, meetingID, e.UUID); res != nil || rerr != nil {
			return res, rerr
		}
		return nil, err
	}
	return &EntryResult{Status: EntryHeld, State: EntryHeld, Reason: reason}, nil
}

// entryReceived answers duplicate for an entry received before, or nil.
// Only its author at the same meeting learns how it stands; anyone else
// sending the same UUID is refused.
func (s *Store) entryReceived(ctx context.Context, meetingID int64, uuid string) (*EntryResult, error) {
	var state, reason string
	var meeting, author int64
	err := s.r.QueryRowContext(ctx, `SELECT state, reason, meeting_id, COALESCE(created_by, 0) FROM council_entries WHERE client_uuid = $1`,
		uuid).Scan(&state, &reason, &meeting, &author)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: council entry: %w", err)
	}
	if meeting != meetingID || author != opora.ActorFrom(ctx).UserID {
		return nil, opora.ErrNotFound
	}
	return &EntryResult{Status: EntryDuplicate, State: state, Reason: reason}, nil
}

// heldReason says whether a decision's error means the entry no longer
// applies as entered (it is held then) and why, as a catalog key: the
// first field error, or the error's message.
func heldReason(err error) (string, bool) {
	switch opora.ErrorCode(err) {
	case opora.EINVALID, opora.ECONFLICT, opora.ENOTFOUND:
	default:
		return "", false
	}
	if fe := opora.FieldErrors(err); len(fe) > 0 {
		keys := make([]string, 0, len(fe))
		for k := range fe {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fe[keys[0]], true
	}
	return opora.ErrorMessage(err), true
}

// applyEntry applies an entry's decision in tx, as the family screen's
// form would. Unless force, a reassignment of a task changed since the
// secretary saw it (its version) is a conflict.
func (s *Store) applyEntry(ctx context.Context, tx *sql.Tx, councilID, meetingID int64, e *opora.CouncilEntry, force bool) error {
	switch e.Kind {
	case opora.DecisionApprovePlan:
		return s.approvePlan(ctx, tx, councilID, meetingID, e.FamilyID, e.Tasks, &opora.CouncilDecision{})
	case opora.DecisionReassign:
		if e.TaskVersion > 0 && !force {
			var v int
			err := tx.QueryRowContext(ctx, `SELECT version FROM case_tasks WHERE id = $1 AND family_id = $2`, e.Task.TaskID, e.FamilyID).Scan(&v)
			if err != nil && err != sql.ErrNoRows {
				return fmt.Errorf("store: council entry: %w", err)
			}
			if err == nil && v != e.TaskVersion {
				return &opora.Error{Code: opora.ECONFLICT, Message: "council.error.entry_task_changed"}
			}
		}
		return s.reassignTask(ctx, tx, councilID, meetingID, e.FamilyID, e.Task, &opora.CouncilDecision{})
	case opora.DecisionStatus:
		return s.councilFamilyStatus(ctx, tx, councilID, meetingID, e.FamilyID, e.StatusID)
	case opora.DecisionReview:
		return s.councilNextReview(ctx, tx, councilID, meetingID, e.FamilyID, e.NextReview)
	case opora.DecisionClose:
		return s.councilCloseCase(ctx, tx, councilID, meetingID, e.FamilyID, e.Outcome, e.Comment)
	}
	return &opora.Error{Code: opora.EINVALID, Message: "council.error.entry_kind"}
}

// HeldEntries lists the meeting's entries held for the secretary, oldest
// first, with the family's name.
func (s *Store) HeldEntries(ctx context.Context, councilID, meetingID int64) ([]*opora.CouncilEntry, error) {
	if _, _, err := s.loadMeeting(ctx, s.r, councilID, meetingID); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT e.id, e.client_uuid, e.family_id, e.kind, e.reason, e.entered_at, e.created_at,
		COALESCE(u.full_name, '') FROM council_entries e LEFT JOIN users u ON u.id = e.created_by
		WHERE e.meeting_id = $1 AND e.state = 'held' ORDER BY e.id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("store: held entries: %w", err)
	}
	defer rows.Close()
	var out []*opora.CouncilEntry
	for rows.Next() {
		e := &opora.CouncilEntry{CouncilID: councilID, MeetingID: meetingID, State: opora.EntryHeld}
		var entered sql.NullTime
		if err := rows.Scan(&e.ID, &e.UUID, &e.FamilyID, &e.Kind, &e.Reason, &entered, &e.CreatedAt, &e.AuthorName); err != nil {
			return nil, fmt.Errorf("store: held entries: %w", err)
		}
		e.EnteredAt = timeOf(entered)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: held entries: %w", err)
	}
	rows.Close()
	for _, e := range out {
		f, acc, err := s.loadFamilyAccess(ctx, s.r, opora.PermFamilyRead, e.FamilyID)
		if err != nil || !acc.Can(opora.SectionMembers) {
			continue // shown by its number
		}
		members, err := s.familyMembers(ctx, s.r, f.ID)
		if err != nil {
			return nil, err
		}
		e.FamilyName = familyName(members)
	}
	return out, nil
}

// heldEntry reads a held entry of the meeting in tx, parsed again from
// what the device sent.
func (s *Store) heldEntry(ctx context.Context, tx *sql.Tx, councilID, meetingID, entryID int64) (*opora.CouncilEntry, error) {
	if _, _, err := s.loadMeeting(ctx, tx, councilID, meetingID); err != nil {
		return nil, err
	}
	var uuid, kind, payload string
	var familyID int64
	err := tx.QueryRowContext(ctx, `SELECT client_uuid, family_id, kind, payload FROM council_entries
		WHERE id = $1 AND meeting_id = $2 AND state = 'held'`, entryID, meetingID).Scan(&uuid, &familyID, &kind, &payload)
	if err != nil {
		return nil, notFound(err)
	}
	var fields map[string][]string
	if err := json.Unmarshal([]byte(payload), &fields); err != nil {
		return nil, fmt.Errorf("store: held entry: %w", err)
	}
	e, err := opora.ParseCouncilEntry(uuid, kind, familyID, fields)
	if err != nil {
		return nil, err
	}
	e.ID = entryID
	return e, nil
}

// resolveEntry marks a held entry applied or cancelled.
func (s *Store) resolveEntry(ctx context.Context, tx *sql.Tx, e *opora.CouncilEntry, state string) error {
	a := opora.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE council_entries SET state = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4`,
		state, nullID(a.UserID), s.Now(), e.ID); err != nil {
		return fmt.Errorf("store: council entry: %w", err)
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "council_entry", EntityID: e.ID,
		Changes: []opora.Change{{Field: "state", Old: opora.EntryHeld, New: state}}})
}

// ApplyHeldEntry applies a held decision as the secretary confirms it
// («Применить»): the task's later change no longer stops it; any other
// reason it does not apply is the error (the entry stays held). Needs
// council.manage and family.write on the family.
func (s *Store) ApplyHeldEntry(ctx context.Context, councilID, meetingID, entryID int64) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermCouncilManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		e, err := s.heldEntry(ctx, tx, councilID, meetingID, entryID)
		if err != nil {
			return err
		}
		if err := s.applyEntry(ctx, tx, councilID, meetingID, e, true); err != nil {
			return err
		}
		return s.resolveEntry(ctx, tx, e, opora.EntryApplied)
	})
}

// CancelHeldEntry drops a held decision («Отменить решение»). Needs
// council.manage.
func (s *Store) CancelHeldEntry(ctx context.Context, councilID, meetingID, entryID int64) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermCouncilManage); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		e, err := s.heldEntry(ctx, tx, councilID, meetingID, entryID)
		if err != nil {
			return err
		}
		return s.resolveEntry(ctx, tx, e, opora.EntryCancelled)
	})
}
