package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// Visits to a family (issue 20). A curator records them on a tablet, also
// offline: the device queues each visit under a UUID it made and sends the
// queue when the network is back, maybe more than once. RecordVisits
// therefore acknowledges a visit its author already sent instead of
// inserting it again (family_visits_once: author and UUID), and never
// refuses a visit for what happened while the device was offline: it keeps
// it, flagged for the current curator (opora.VisitConflict*). Only a family
// the author never reached is refused («нет доступа»), audit-logged.

// Visit results (VisitResult.Status).
const (
	VisitAccepted  = "accepted"
	VisitDuplicate = "duplicate"
	VisitRefused   = "refused"
)

// VisitResult answers one visit of a batch.
type VisitResult struct {
	UUID      string
	Status    string
	VisitID   int64
	FamilyID  int64
	Conflicts []string // opora.VisitConflict* codes
	Message   string   // catalog key, when refused
}

// RecordVisits saves a batch of visits sent by a device, each in its own
// transaction, and answers each one. Needs family.write.
func (s *Store) RecordVisits(ctx context.Context, batch []*opora.FamilyVisit) ([]VisitResult, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return nil, err
	}
	out := make([]VisitResult, 0, len(batch))
	for _, v := range batch {
		res, err := s.recordVisit(ctx, a, v)
		switch opora.ErrorCode(err) {
		case "":
		case opora.EINVALID:
			res.Status, res.Message = VisitRefused, "visit.error.invalid"
		case opora.ENOTFOUND:
			res.Status, res.Message = VisitRefused, "visit.error.no_access"
		default:
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// RecordVisit saves one visit from the online form: field errors are
// opora.Validation, a family out of reach ErrNotFound. Needs family.write.
func (s *Store) RecordVisit(ctx context.Context, v *opora.FamilyVisit) (VisitResult, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return VisitResult{}, err
	}
	return s.recordVisit(ctx, a, v)
}

// recordVisit saves one visit in its own transaction.
func (s *Store) recordVisit(ctx context.Context, a *opora.Actor, v *opora.FamilyVisit) (VisitResult, error) {
	v.Normalize()
	res := VisitResult{UUID: v.ClientUUID, FamilyID: v.FamilyID}
	if err := v.Validate(); err != nil {
		return res, err
	}
	replayed := func(q queryer) (bool, error) {
		err := q.QueryRowContext(ctx, `SELECT id, family_id FROM family_visits WHERE author_id = $1 AND client_uuid = $2`,
			a.UserID, v.ClientUUID).Scan(&res.VisitID, &res.FamilyID)
		if err == sql.ErrNoRows {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("store: family visit: %w", err)
		}
		res.Status = VisitDuplicate
		return true, nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if ok, err := replayed(tx); err != nil || ok {
			return err
		}
		var conflicts []string
		survivor, err := survivorOf(ctx, tx, v.FamilyID) // a card joined into another since
		if err != nil {
			return err
		}
		v.FamilyID = survivor
		f, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, v.FamilyID)
		if opora.ErrorCode(err) == opora.ENOTFOUND {
			// Recorded while the author still had the family: kept, flagged.
			if f, err = s.formerFamily(ctx, tx, a, v.FamilyID); err == nil {
				conflicts = append(conflicts, opora.VisitConflictCurator)
			}
		}
		if err != nil {
			return err
		}
		members, err := s.familyMembers(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		day := opora.DateOf(v.VisitedAt.Local())
		var present []int64
		for _, id := range v.Present {
			i := slices.IndexFunc(members, func(m *opora.FamilyMember) bool { return m.ID == id })
			if i < 0 || slices.Contains(present, id) {
				continue // not of this family: dropped
			}
			present = append(present, id)
			if m := members[i]; !m.LeftOn.IsZero() && !m.LeftOn.After(day) && !slices.Contains(conflicts, opora.VisitConflictMemberLeft) {
				conflicts = append(conflicts, opora.VisitConflictMemberLeft)
			}
		}
		v.Present = present
		now := s.Now()
		if v.VisitedAt.After(now.Add(opora.VisitClockSkew)) {
			conflicts = append(conflicts, opora.VisitConflictFuture)
		}
		pm := ""
		if len(present) > 0 {
			b, _ := json.Marshal(present)
			pm = string(b)
		}
		v.FamilyID, v.OrganisationID, v.AuthorID, v.RecordedAt, v.Version = f.ID, a.OrganisationID, a.UserID, now, 1
		v.Conflict, v.Conflicts = len(conflicts) > 0, conflicts
		id, err := insertID(ctx, tx, `INSERT INTO family_visits (family_id, organisation_id, client_uuid, visited_at, recorded_at,
			author_id, present_members, present_other, kind, observations, agreements, next_visit_on, conflict, conflict_reason, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)`,
			f.ID, a.OrganisationID, v.ClientUUID, v.VisitedAt, now, a.UserID, pm, v.PresentOther, string(v.Kind),
			v.Observations, v.Agreements, v.NextVisitOn, v.Conflict, strings.Join(conflicts, ","))
		if err != nil {
			return fmt.Errorf("store: family visit: %w", err)
		}
		v.ID, res.VisitID, res.FamilyID, res.Status, res.Conflicts = id, id, f.ID, VisitAccepted, conflicts
		changes := []opora.Change{{Field: "family_id", New: strconv.FormatInt(f.ID, 10)}, {Field: "kind", New: string(v.Kind)}}
		if v.Conflict {
			changes = append(changes, opora.Change{Field: "conflict", New: strings.Join(conflicts, ",")})
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "family_visit", EntityID: id,
			Changes: changes}); err != nil {
			return err
		}
		ev := []opora.Change{{Field: "visit_kind", New: string(v.Kind)}, {Field: "visited_on", New: dateString(day)}}
		for _, c := range conflicts {
			ev = append(ev, opora.Change{Field: "visit_conflict", New: c})
		}
		return s.addFamilyEvent(ctx, tx, f, opora.FamilyEventVisit, "", ev)
	})
	if err != nil && isUniqueViolation(err) {
		// The same visit, sent twice at once: the other request saved it.
		if ok, rerr := replayed(s.w); rerr != nil || ok {
			return res, rerr
		}
	}
	if opora.ErrorCode(err) == opora.ENOTFOUND {
		if lerr := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "family", EntityID: v.FamilyID,
			Section: "visit"}); lerr != nil {
			return res, lerr
		}
	}
	return res, err
}

// formerFamily reads a family the actor no longer reaches but did: they
// were its curator or created it, or their organisation held a grant for
// it (since revoked). ErrNotFound for any other family.
func (s *Store) formerFamily(ctx context.Context, q queryer, a *opora.Actor, id int64) (*opora.Family, error) {
	f, err := scanFamily(q.QueryRowContext(ctx, `SELECT `+familyColumns+familyFrom+` WHERE f.id = $1 AND (f.created_by = $2
		OR EXISTS (SELECT 1 FROM family_curators fc WHERE fc.family_id = f.id AND fc.curator_id = $2)
		OR EXISTS (SELECT 1 FROM subject_grants g WHERE g.subject_type = 'family' AND g.subject_id = f.id
			AND g.organisation_id = $3))`, id, a.UserID, a.OrganisationID))
	if err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// FamilyVisits lists a family's visits, newest first, with who was
// present; flagged visits say why. Needs family.read on the family;
// audit-logged as a view of the family's visits.
func (s *Store) FamilyVisits(ctx context.Context, familyID int64) ([]*opora.FamilyVisit, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	f, acc, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionVisits)
	if err != nil {
		return nil, err
	}
	members, err := s.familyMembers(ctx, s.r, f.ID)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT v.id, v.family_id, v.organisation_id, v.client_uuid, v.visited_at, v.recorded_at,
		v.author_id, COALESCE(u.full_name, ''), v.present_members, v.present_other, v.kind, v.observations, v.agreements,
		v.next_visit_on, v.conflict, v.conflict_reason, v.version FROM family_visits v LEFT JOIN users u ON u.id = v.author_id
		WHERE v.family_id = $1 ORDER BY v.visited_at DESC, v.id DESC`, f.ID)
	if err != nil {
		return nil, fmt.Errorf("store: family visits: %w", err)
	}
	defer rows.Close()
	var out []*opora.FamilyVisit
	for rows.Next() {
		v := &opora.FamilyVisit{}
		var visited, recorded sql.NullTime
		var pm, reason string
		if err := rows.Scan(&v.ID, &v.FamilyID, &v.OrganisationID, &v.ClientUUID, &visited, &recorded, &v.AuthorID,
			&v.AuthorName, &pm, &v.PresentOther, &v.Kind, &v.Observations, &v.Agreements, &v.NextVisitOn, &v.Conflict,
			&reason, &v.Version); err != nil {
			return nil, fmt.Errorf("store: family visits: %w", err)
		}
		v.VisitedAt, v.RecordedAt = timeOf(visited), timeOf(recorded)
		if reason != "" {
			v.Conflicts = strings.Split(reason, ",")
		}
		if pm != "" {
			if err := json.Unmarshal([]byte(pm), &v.Present); err != nil {
				return nil, fmt.Errorf("store: family visits: %w", err)
			}
		}
		for _, id := range v.Present {
			if i := slices.IndexFunc(members, func(m *opora.FamilyMember) bool { return m.ID == id }); i >= 0 {
				v.PresentNames = append(v.PresentNames, members[i].Client.FullName())
			}
		}
		sort.Strings(v.PresentNames)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: family visits: %w", err)
	}
	return out, s.logFamilyView(ctx, f, acc, "visits")
}
