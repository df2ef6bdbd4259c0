package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Joining two family cards into one (issue 20): two signals about the same
// family may have made two cards. MergeFamilies moves everything of the
// merged-away card to the survivor; the merged-away card stays as a
// tombstone (families.merged_into, migration 00035) whose number leads to
// the survivor.

// Field errors of a join, on the field naming the other card ("with").
const (
	errJoinSame     = "family.join.error_same"
	errJoinMerged   = "family.join.error_merged"
	errJoinCurators = "family.join.error_two_curators"
	errFamilyMerged = "family.error.merged"
)

// familyJoin is what the steps of a join share.
type familyJoin struct {
	a          *opora.Actor
	from, into *opora.Family
	// The families' open cases (0: none), read before any step.
	fromCase, intoCase int64
	today              opora.Date
	now                time.Time
}

// familyMergeTables are the tables whose rows belong to a family through a
// family_id column and simply move to the survivor on a join. EVERY new
// table with a family_id must be added here (or handled in
// familyMergeSteps): TestMergeFamiliesMovesEveryFamilyTable fails until it is.
var familyMergeTables = []string{
	"signals",
	"family_assessments",
	"family_visits",
	"family_events",
	"case_tasks",        // a family's tasks (joinFamilyCases moves them to the open case)
	"notifications",     // the lines name the surviving card (joinFamilyNotifications: their links too)
	"council_decisions", // the council's decisions about the card
	"council_entries",   // decisions sent from the secretary's laptop (applied or held)
	"life_events",       // members' life events recorded on the card
	"hint_feedback",     // curators' verdicts on the card's hints
	"screening_actions", // what was done about the family on the early screening list
	"issued_documents",  // documents issued to a member about the card (doctemplate.go)
	"hint_cases",        // learned hints' profile of the card's case: follows the case; the nightly learning recomputes it
}

// familyMergeSteps move rows that need more than a plain UPDATE (unique
// constraints, one open row per family, the case by subject), in this
// order, after the plain moves and in the same transaction. A step may
// refuse the join (the transaction then leaves nothing half-saved).
var familyMergeSteps = []func(s *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error{
	joinFamilyCases,    // cases (by subject) and draft_plan_tasks
	joinFamilyMembers,  // family_members: a person in both stays once
	joinFamilyCurators, // family_curators: at most one open assignment
	joinFamilyGrants,   // subject_grants (by subject): no duplicate open grant
	joinFamilyNotifications,
	joinFamilyViews, // family_views: the joined card's last looks are dropped (curator_view.go)
}

// joinFamilyNotifications points the notifications that open the joined
// card at the surviving one.
func joinFamilyNotifications(_ *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET link = $1 WHERE family_id = $2 AND link = $3`,
		"/families/"+strconv.FormatInt(j.into.ID, 10), j.into.ID, "/families/"+strconv.FormatInt(j.from.ID, 10)); err != nil {
		return fmt.Errorf("store: join families notifications: %w", err)
	}
	return nil
}

// joinRefused is the field error of a refused join.
func joinRefused(key string) error {
	var v opora.Validation
	v.Add("with", key)
	return v.Err()
}

// MergeFamilies joins family card fromID into family card intoID (the
// survivor) in one transaction: members (a person on both cards stays
// once, with the earlier joined_on), signals, assessments, the draft plan,
// visits, the timeline, curator history, grants and the cases move to the
// survivor; the survivor fills its blank address, housing, income,
// territory and curator from the other card. fromID stays as a tombstone
// with merged_into set. Refused with a field error ("with") when the two
// are the same card, either was joined already, or both have an open case
// with different curators. Needs family.write on both; a card out of reach
// is ErrNotFound. Audit-logged on both, with a line on the survivor's timeline.
func (s *Store) MergeFamilies(ctx context.Context, fromID, intoID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	if fromID == intoID {
		return joinRefused(errJoinSame)
	}
	var missing int64 // the card out of reach, audit-logged as denied
	err := s.tx(ctx, func(tx *sql.Tx) error {
		j := &familyJoin{a: a, today: s.Today(), now: s.Now()}
		var err error
		if j.into, err = s.joinedFamily(ctx, tx, intoID); err != nil {
			missing = intoID
			return err
		}
		if j.from, err = s.joinedFamily(ctx, tx, fromID); err != nil {
			missing = fromID
			return err
		}
		var fromCurator, intoCurator int64
		if j.fromCase, fromCurator, err = openFamilyCase(ctx, tx, fromID); err != nil {
			return err
		}
		if j.intoCase, intoCurator, err = openFamilyCase(ctx, tx, intoID); err != nil {
			return err
		}
		if j.fromCase != 0 && j.intoCase != 0 && fromCurator != intoCurator {
			return joinRefused(errJoinCurators)
		}
		for _, t := range familyMergeTables {
			if _, err := tx.ExecContext(ctx, `UPDATE `+t+` SET family_id = $1 WHERE family_id = $2`, intoID, fromID); err != nil {
				return fmt.Errorf("store: join families %s: %w", t, err)
			}
		}
		for _, step := range familyMergeSteps {
			if err := step(s, ctx, tx, j); err != nil {
				return err
			}
		}
		return s.joinFamilyCards(ctx, tx, j)
	})
	if opora.ErrorCode(err) == opora.ENOTFOUND && missing != 0 {
		if lerr := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "family", EntityID: missing,
			Section: "merge"}); lerr != nil {
			return lerr
		}
	}
	return err
}

// joinedFamily reads a card of a join: reachable with family.write and not
// joined into another already.
func (s *Store) joinedFamily(ctx context.Context, tx *sql.Tx, id int64) (*opora.Family, error) {
	f, err := s.loadFamily(ctx, tx, opora.PermFamilyRead, id)
	if err != nil {
		return nil, err
	}
	if f.MergedInto != 0 {
		return nil, joinRefused(errJoinMerged)
	}
	return s.loadFamily(ctx, tx, opora.PermFamilyWrite, id)
}

// openFamilyCase is a family's open case and its curator (0, 0: none).
func openFamilyCase(ctx context.Context, q queryer, familyID int64) (int64, int64, error) {
	var id, curator int64
	err := q.QueryRowContext(ctx, `SELECT id, curator_id FROM cases WHERE subject_type = 'family' AND subject_id = $1
		AND status = 'open'`, familyID).Scan(&id, &curator)
	if err == sql.ErrNoRows {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: join families: %w", err)
	}
	return id, curator, nil
}

// joinFamilyCases moves the cases to the survivor. When both have an open
// case (same curator: MergeFamilies refused different ones) the merged-away
// one is closed today and its draft plan goes to the survivor's case;
// otherwise the open case moves with its draft plan.
func joinFamilyCases(s *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	if j.fromCase != 0 && j.intoCase != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'closed', closed_on = $1, version = version + 1,
			updated_by = $2, updated_at = $3 WHERE id = $4`, j.today, nullID(j.a.UserID), j.now, j.fromCase); err != nil {
			return fmt.Errorf("store: join families case: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: j.fromCase,
			Section: "family_join", Changes: []opora.Change{{Field: "status", Old: "open", New: "closed"},
				{Field: "closed_on", New: dateString(j.today)}}}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE draft_plan_tasks SET case_id = $1 WHERE case_id = $2`, j.intoCase, j.fromCase); err != nil {
			return fmt.Errorf("store: join families plan: %w", err)
		}
		// The agencies' tasks go on with the survivor's case.
		if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET case_id = $1 WHERE case_id = $2`, j.intoCase, j.fromCase); err != nil {
			return fmt.Errorf("store: join families tasks: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE draft_plan_tasks SET family_id = $1 WHERE family_id = $2`, j.into.ID, j.from.ID); err != nil {
		return fmt.Errorf("store: join families plan: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET subject_id = $1 WHERE subject_type = 'family' AND subject_id = $2`,
		j.into.ID, j.from.ID); err != nil {
		return fmt.Errorf("store: join families cases: %w", err)
	}
	if j.fromCase != 0 && j.intoCase == 0 {
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "case", EntityID: j.fromCase,
			Section: "family_join", Changes: []opora.Change{{Field: "family_id", Old: idText(j.from.ID), New: idText(j.into.ID)}}})
	}
	return nil
}

// joinFamilyMembers moves the members. A person on both cards keeps the
// survivor's row, with the earlier of the two joined_on.
func joinFamilyMembers(s *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	type member struct {
		id     int64
		joined opora.Date
	}
	read := func(familyID int64) (map[int64]member, error) {
		rows, err := tx.QueryContext(ctx, `SELECT id, client_id, joined_on FROM family_members WHERE family_id = $1`, familyID)
		if err != nil {
			return nil, fmt.Errorf("store: join families members: %w", err)
		}
		defer rows.Close()
		out := map[int64]member{}
		for rows.Next() {
			var m member
			var client int64
			if err := rows.Scan(&m.id, &client, &m.joined); err != nil {
				return nil, fmt.Errorf("store: join families members: %w", err)
			}
			out[client] = m
		}
		return out, rows.Err()
	}
	fromMembers, err := read(j.from.ID)
	if err != nil {
		return err
	}
	intoMembers, err := read(j.into.ID)
	if err != nil {
		return err
	}
	for client, fm := range fromMembers {
		im, both := intoMembers[client]
		if !both {
			continue
		}
		if !fm.joined.IsZero() && (im.joined.IsZero() || fm.joined.Before(im.joined)) {
			if _, err := tx.ExecContext(ctx, `UPDATE family_members SET joined_on = $1 WHERE id = $2`, fm.joined, im.id); err != nil {
				return fmt.Errorf("store: join families members: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM family_members WHERE id = $1`, fm.id); err != nil {
			return fmt.Errorf("store: join families members: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionDelete, Entity: "family_member", EntityID: fm.id,
			Section: "family_join", Changes: []opora.Change{{Field: "family_id", Old: idText(j.from.ID)},
				{Field: "client_id", Old: idText(client)}, {Field: "kept_as", New: idText(im.id)}}}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE family_members SET family_id = $1 WHERE family_id = $2`, j.into.ID, j.from.ID); err != nil {
		return fmt.Errorf("store: join families members: %w", err)
	}
	return nil
}

// joinFamilyCurators moves the curator history; when both cards have an
// open assignment (the same curator), the merged-away one ends today.
func joinFamilyCurators(s *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	if _, err := tx.ExecContext(ctx, `UPDATE family_curators SET to_on = $1 WHERE family_id = $2 AND to_on IS NULL
		AND EXISTS (SELECT 1 FROM family_curators o WHERE o.family_id = $3 AND o.to_on IS NULL)`,
		j.today, j.from.ID, j.into.ID); err != nil {
		return fmt.Errorf("store: join families curators: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE family_curators SET family_id = $1 WHERE family_id = $2`, j.into.ID, j.from.ID); err != nil {
		return fmt.Errorf("store: join families curators: %w", err)
	}
	return nil
}

// joinFamilyGrants moves the grants: an open grant the survivor has
// already (or to the survivor's holder) is revoked instead; the
// merged-away card's holder, when another organisation, gets a grant on
// the survivor (reason "joined") so it keeps its history.
func joinFamilyGrants(s *Store, ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	if _, err := tx.ExecContext(ctx, `UPDATE subject_grants SET revoked_at = $1, revoked_by = $2
		WHERE subject_type = 'family' AND subject_id = $3 AND revoked_at IS NULL AND (organisation_id = $4
		OR organisation_id IN (SELECT organisation_id FROM subject_grants WHERE subject_type = 'family' AND subject_id = $5
			AND revoked_at IS NULL))`, j.now, nullID(j.a.UserID), j.from.ID, j.into.OrganisationID, j.into.ID); err != nil {
		return fmt.Errorf("store: join families grants: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subject_grants SET subject_id = $1 WHERE subject_type = 'family' AND subject_id = $2`,
		j.into.ID, j.from.ID); err != nil {
		return fmt.Errorf("store: join families grants: %w", err)
	}
	if j.from.OrganisationID == j.into.OrganisationID {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subject_grants WHERE subject_type = 'family' AND subject_id = $1
		AND organisation_id = $2 AND revoked_at IS NULL`, j.into.ID, j.from.OrganisationID).Scan(&n); err != nil {
		return fmt.Errorf("store: join families grants: %w", err)
	}
	if n > 0 {
		return nil
	}
	id, err := insertID(ctx, tx, `INSERT INTO subject_grants (subject_type, subject_id, organisation_id, reason, granted_by, granted_at)
		VALUES ('family', $1, $2, $3, $4, $5)`, j.into.ID, j.from.OrganisationID, opora.GrantJoined, nullID(j.a.UserID), j.now)
	if err != nil {
		return fmt.Errorf("store: join families grants: %w", err)
	}
	return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "subject_grant", EntityID: id,
		Changes: []opora.Change{{Field: "family_id", New: idText(j.into.ID)}, {Field: "organisation_id", New: idText(j.from.OrganisationID)},
			{Field: "reason", New: opora.GrantJoined}}})
}

// joinFamilyCards finishes a join: the survivor fills its blanks from the
// other card and gets a timeline line; the other card becomes the
// tombstone (no search key, no curator); both are audit-logged.
func (s *Store) joinFamilyCards(ctx context.Context, tx *sql.Tx, j *familyJoin) error {
	from, into := j.from, j.into
	var changes []opora.Change
	fill := func(field, old, nw string) {
		if old == "" && nw != "" {
			changes = append(changes, opora.Change{Field: field, New: nw})
		}
	}
	fill("address", into.Address, from.Address)
	fill("housing", into.Housing, from.Housing)
	fill("income", into.Income, from.Income)
	for _, sens := range [][3]string{{"offences", into.Offences, from.Offences}, {"health", into.Health, from.Health}} {
		if sens[1] == "" && sens[2] != "" { // sensitive: named, never the value
			changes = append(changes, opora.Change{Field: sens[0]})
		}
	}
	territory, curator, curatorOrg := into.TerritoryID, into.CuratorID, into.CuratorOrgID
	if territory == 0 && from.TerritoryID != 0 {
		territory = from.TerritoryID
		changes = append(changes, opora.Change{Field: "territory_id", New: idText(territory)})
	}
	if curator == 0 && from.CuratorID != 0 {
		curator, curatorOrg = from.CuratorID, from.CuratorOrgID
		changes = append(changes, opora.Change{Field: "curator_id", New: idText(curator)})
	}
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	if _, err := tx.ExecContext(ctx, `UPDATE families SET address = $1, housing = $2, income = $3, territory_id = $4,
		curator_id = $5, curator_org_id = $6, version = version + 1, updated_by = $7, updated_at = $8, offences = $10,
		health = $11 WHERE id = $9`,
		pick(into.Address, from.Address), pick(into.Housing, from.Housing), pick(into.Income, from.Income), nullID(territory),
		nullID(curator), nullID(curatorOrg), nullID(j.a.UserID), j.now, into.ID, pick(into.Offences, from.Offences),
		pick(into.Health, from.Health)); err != nil {
		return fmt.Errorf("store: join families: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE families SET merged_into = $1, search_key = '', curator_id = NULL,
		curator_org_id = NULL, version = version + 1, updated_by = $2, updated_at = $3 WHERE id = $4`,
		into.ID, nullID(j.a.UserID), j.now, from.ID); err != nil {
		return fmt.Errorf("store: join families: %w", err)
	}
	// A card joined into the merged-away one earlier now leads to the survivor.
	if _, err := tx.ExecContext(ctx, `UPDATE families SET merged_into = $1 WHERE merged_into = $2`, into.ID, from.ID); err != nil {
		return fmt.Errorf("store: join families: %w", err)
	}
	if err := s.refreshFamilyKey(ctx, tx, into.ID); err != nil {
		return err
	}
	fromNo, intoNo := idText(from.ID), idText(into.ID)
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family", EntityID: into.ID,
		Section: "merge", Changes: append([]opora.Change{{Field: "merged_from", New: fromNo}}, changes...)}); err != nil {
		return err
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "family", EntityID: from.ID,
		Section: "merge", Changes: []opora.Change{{Field: "merged_into", New: intoNo}}}); err != nil {
		return err
	}
	return s.addFamilyEvent(ctx, tx, into, opora.FamilyEventJoined, "№ "+fromNo, nil)
}

// survivorOf is the card a family number leads to: itself, or the card it
// was joined into.
func survivorOf(ctx context.Context, q queryer, id int64) (int64, error) {
	var into int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(merged_into, 0) FROM families WHERE id = $1`, id).Scan(&into)
	if err == sql.ErrNoRows || (err == nil && into == 0) {
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: family: %w", err)
	}
	return into, nil
}
