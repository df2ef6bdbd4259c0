package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// Triage of a signal by its КДН: accept it (link an existing family or
// create one from the signal, optionally send the family to the
// social-service centre of the municipality), send an accepted signal's
// family later, or close it with a reason. Each is one transaction with
// its audit rows and the family's timeline.

// SignalAccept is a triage decision that accepts a signal.
type SignalAccept struct {
	SignalID   int64
	Version    int
	FamilyID   int64         // an existing family the КДН reaches with family.write, or
	NewFamily  *opora.Family // a new family (members as CreateFamily takes them)
	RouteOrgID int64         // optional: the social-service centre to send the family to
}

// triageSignal loads a signal of the actor's inbox for a triage step,
// checking the version the user saw when it is not 0.
func (s *Store) triageSignal(ctx context.Context, tx *sql.Tx, id int64, version int) (*opora.Signal, error) {
	cond, args, err := signalInbox(opora.ActorFrom(ctx), []any{id})
	if err != nil {
		return nil, err
	}
	sg, err := scanSignal(tx.QueryRowContext(ctx, `SELECT `+signalColumns+signalFrom+` WHERE sg.id = $1 AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	if version != 0 && sg.Version != version {
		return nil, conflictError(sg.TriagedByName, sg.TriagedAt, nil)
	}
	return sg, nil
}

// AcceptSignal accepts a new signal: links it to an existing family or
// creates the family from it, writes the signal on the family's timeline,
// and sends the family to the chosen social-service centre. Needs
// signal.triage and family.write.
func (s *Store) AcceptSignal(ctx context.Context, t *SignalAccept) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermSignalTriage); err != nil {
		return err
	}
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	var v opora.Validation
	if t.NewFamily != nil {
		f := t.NewFamily
		f.Normalize()
		if err := f.Validate(s.Today()); err != nil {
			v.Fields = opora.FieldErrors(err)
		}
		if len(f.Members) == 0 {
			v.Add("members", errNoMembers)
		}
		validateMembers(&v, s.Now(), f.Members, memberPrefix)
	} else if t.FamilyID == 0 {
		v.Add("family_id", "error.required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		sg, err := s.triageSignal(ctx, tx, t.SignalID, t.Version)
		if err != nil {
			return err
		}
		if sg.Status != opora.SignalNew {
			return &opora.Error{Code: opora.ECONFLICT, Message: "signal.error.triaged"}
		}
		var f *opora.Family
		if t.NewFamily != nil {
			f = t.NewFamily
			if f.TerritoryID == 0 {
				f.TerritoryID = sg.TerritoryID
			}
			if err := s.createFamily(ctx, tx, a, f); err != nil {
				return err
			}
		} else if f, err = s.loadFamily(ctx, tx, opora.PermFamilyWrite, t.FamilyID); err != nil {
			if opora.ErrorCode(err) == opora.ENOTFOUND {
				v.Add("family_id", "error.invalid_choice")
				return v.Err()
			}
			return err
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE signals SET status = 'accepted', family_id = $1, triaged_by = $2,
			triaged_at = $3, version = version + 1 WHERE id = $4`, f.ID, nullID(a.UserID), now, sg.ID); err != nil {
			return fmt.Errorf("store: accept signal: %w", err)
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "signal", EntityID: sg.ID,
			Section: "triage", Changes: []opora.Change{{Field: "status", Old: sg.Status, New: opora.SignalAccepted},
				{Field: "family_id", New: idText(f.ID)}}}); err != nil {
			return err
		}
		if err := s.addFamilyEvent(ctx, tx, f, opora.FamilyEventSignal, "№"+idText(sg.ID), []opora.Change{
			{Field: "received_at", New: sg.ReceivedAt.Format("2006-01-02")}, {Field: "urgency", New: sg.Urgency}}); err != nil {
			return err
		}
		if t.RouteOrgID != 0 {
			sg.FamilyID = f.ID
			return s.routeSignal(ctx, tx, a, sg, f, t.RouteOrgID)
		}
		return nil
	})
}

// RouteSignal sends the family of an accepted signal to a social-service
// centre of the signal's municipality (or above it), which then sees the
// family among its new families without a curator. Needs signal.triage
// and family.write.
func (s *Store) RouteSignal(ctx context.Context, signalID, orgID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermSignalTriage); err != nil {
		return err
	}
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		sg, err := s.triageSignal(ctx, tx, signalID, 0)
		if err != nil {
			return err
		}
		if sg.Status != opora.SignalAccepted || sg.FamilyID == 0 {
			return &opora.Error{Code: opora.ECONFLICT, Message: "signal.error.not_accepted"}
		}
		f, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, sg.FamilyID)
		if err != nil {
			return err
		}
		return s.routeSignal(ctx, tx, a, sg, f, orgID)
	})
}

// routeSignal grants the family to the centre and notes it on the signal.
func (s *Store) routeSignal(ctx context.Context, tx *sql.Tx, a *opora.Actor, sg *opora.Signal, f *opora.Family, orgID int64) error {
	centres, err := s.socialServicesOf(ctx, tx, sg.TerritoryID)
	if err != nil {
		return err
	}
	ok := false
	for _, c := range centres {
		ok = ok || c.ID == orgID
	}
	if !ok {
		var v opora.Validation
		v.Add("route_org_id", "error.invalid_choice")
		return v.Err()
	}
	if err := s.grantFamily(ctx, tx, a, f, orgID, opora.GrantCuratorOrg); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE signals SET routed_org_id = $1, version = version + 1 WHERE id = $2`,
		orgID, sg.ID); err != nil {
		return fmt.Errorf("store: route signal: %w", err)
	}
	if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "signal", EntityID: sg.ID,
		Section: "triage", Changes: []opora.Change{{Field: "routed_org_id", Old: idText(sg.RoutedOrgID), New: idText(orgID)}}}); err != nil {
		return err
	}
	return s.notifyFamilyRouted(ctx, tx, f.ID, orgID)
}

// socialServicesOf lists the social-service centres (КЦСОН) of a
// territory and the territories above it, nearest first.
func (s *Store) socialServicesOf(ctx context.Context, q queryer, territoryID int64) ([]OrgRef, error) {
	chain, err := s.territoryChain(ctx, q, territoryID)
	if err != nil {
		return nil, err
	}
	var out []OrgRef
	for _, id := range chain {
		rows, err := q.QueryContext(ctx, `SELECT id, name FROM organisations WHERE type = $1 AND territory_id = $2
			ORDER BY name, id`, opora.OrgSocialService, id)
		if err != nil {
			return nil, fmt.Errorf("store: social services: %w", err)
		}
		for rows.Next() {
			var o OrgRef
			if err := rows.Scan(&o.ID, &o.Name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: social services: %w", err)
			}
			out = append(out, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: social services: %w", err)
		}
	}
	return out, nil
}

// SignalCentres lists the social-service centres a signal's family may be
// sent to. Needs signal.triage on the signal.
func (s *Store) SignalCentres(ctx context.Context, signalID int64) ([]OrgRef, error) {
	cond, args, err := signalInbox(opora.ActorFrom(ctx), []any{signalID})
	if err != nil {
		return nil, err
	}
	var territoryID int64
	if err := s.r.QueryRowContext(ctx, `SELECT sg.territory_id FROM signals sg WHERE sg.id = $1 AND `+cond, args...).
		Scan(&territoryID); err != nil {
		return nil, notFound(err)
	}
	return s.socialServicesOf(ctx, s.r, territoryID)
}

// CloseSignal closes a new signal with a reason (opora.CloseReasons): a
// duplicate names an earlier signal of the same inbox; not our competence
// says where it was forwarded. Needs signal.triage.
func (s *Store) CloseSignal(ctx context.Context, c *opora.Signal) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermSignalTriage); err != nil {
		return err
	}
	c.Normalize()
	if c.CloseReason != opora.CloseDuplicate {
		c.DuplicateOf = 0
	}
	if c.CloseReason != opora.CloseNotCompetent {
		c.ForwardedTo = ""
	}
	if err := c.ValidateClose(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		sg, err := s.triageSignal(ctx, tx, c.ID, c.Version)
		if err != nil {
			return err
		}
		if sg.Status != opora.SignalNew {
			return &opora.Error{Code: opora.ECONFLICT, Message: "signal.error.triaged"}
		}
		if c.DuplicateOf != 0 {
			if _, err := s.triageSignal(ctx, tx, c.DuplicateOf, 0); err != nil {
				if opora.ErrorCode(err) == opora.ENOTFOUND {
					var v opora.Validation
					v.Add("duplicate_of", "error.invalid_choice")
					return v.Err()
				}
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signals SET status = 'closed', close_reason = $1, duplicate_of = $2,
			forwarded_to = $3, triaged_by = $4, triaged_at = $5, version = version + 1 WHERE id = $6`,
			c.CloseReason, nullID(c.DuplicateOf), c.ForwardedTo, nullID(a.UserID), s.Now(), sg.ID); err != nil {
			return fmt.Errorf("store: close signal: %w", err)
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "signal", EntityID: sg.ID,
			Section: "triage", Changes: []opora.Change{{Field: "status", Old: sg.Status, New: opora.SignalClosed},
				{Field: "close_reason", New: c.CloseReason}, {Field: "duplicate_of", New: idText(c.DuplicateOf)}}})
	})
}

// FamiliesWithoutCurator lists the families sent to the actor's
// organisation as their social-service centre that have no curator yet
// («Новые семьи без куратора»). Needs family.assign.
func (s *Store) FamiliesWithoutCurator(ctx context.Context) ([]*opora.Family, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyAssign); err != nil {
		return nil, err
	}
	cond, args, err := familyScope(a, opora.PermFamilyAssign, nil)
	if err != nil {
		return nil, err
	}
	args = append(args, a.OrganisationID, opora.GrantCuratorOrg)
	n := len(args)
	return s.familyList(ctx, cond+fmt.Sprintf(` AND f.curator_id IS NULL AND EXISTS (SELECT 1 FROM subject_grants g2
		WHERE g2.subject_type = 'family' AND g2.subject_id = f.id AND g2.organisation_id = $%d AND g2.reason = $%d
		AND g2.revoked_at IS NULL) ORDER BY f.id DESC LIMIT 200`, n-1, n), args)
}
