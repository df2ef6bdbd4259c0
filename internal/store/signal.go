package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/search"
)

// Signals (Flow B): registering a signal at one window, reading it, the
// lists (the КДН's inbox, overdue signals, the reporter's own). Access is
// decided by signal_scope.go; triage is in signal_triage.go, the match on
// earlier signals and families in signal_match.go, the regions' deadlines
// in signal_deadlines.go.

const signalColumns = `sg.id, sg.organisation_id, o.name, o.short_name, sg.territory_id, t.name, sg.reporter_kind,
	COALESCE(sg.reporter_org_id, 0), COALESCE(ro.name, ''), COALESCE(ro.short_name, ''), COALESCE(sg.reporter_user_id, 0),
	sg.reporter_name, sg.reporter_contact, sg.received_at, sg.channel, sg.description, sg.address, sg.surname, sg.urgency,
	sg.due_at, sg.status, COALESCE(sg.family_id, 0), COALESCE(sg.routed_org_id, 0), COALESCE(rt.name, ''),
	COALESCE(rt.short_name, ''), sg.close_reason, COALESCE(sg.duplicate_of, 0), sg.forwarded_to, COALESCE(sg.triaged_by, 0),
	COALESCE(tu.full_name, ''), sg.triaged_at, sg.version, COALESCE(sg.created_by, 0), sg.created_at`

const signalFrom = ` FROM signals sg JOIN organisations o ON o.id = sg.organisation_id
	JOIN territories t ON t.id = sg.territory_id LEFT JOIN organisations ro ON ro.id = sg.reporter_org_id
	LEFT JOIN organisations rt ON rt.id = sg.routed_org_id LEFT JOIN users tu ON tu.id = sg.triaged_by`

func scanSignal(row interface{ Scan(...any) error }) (*opora.Signal, error) {
	sg := &opora.Signal{}
	var oName, oShort, roName, roShort, rtName, rtShort string
	var received, due, triaged, created sql.NullTime
	if err := row.Scan(&sg.ID, &sg.OrganisationID, &oName, &oShort, &sg.TerritoryID, &sg.TerritoryName, &sg.ReporterKind,
		&sg.ReporterOrgID, &roName, &roShort, &sg.ReporterUserID, &sg.ReporterName, &sg.ReporterContact, &received,
		&sg.Channel, &sg.Description, &sg.Address, &sg.Surname, &sg.Urgency, &due, &sg.Status, &sg.FamilyID,
		&sg.RoutedOrgID, &rtName, &rtShort, &sg.CloseReason, &sg.DuplicateOf, &sg.ForwardedTo, &sg.TriagedBy,
		&sg.TriagedByName, &triaged, &sg.Version, &sg.CreatedBy, &created); err != nil {
		return nil, err
	}
	sg.OrgName, sg.ReporterOrgName, sg.RoutedOrgName = displayName(oName, oShort), displayName(roName, roShort), displayName(rtName, rtShort)
	sg.ReceivedAt, sg.DueAt, sg.TriagedAt, sg.CreatedAt = timeOf(received), timeOf(due), timeOf(triaged), timeOf(created)
	return sg, nil
}

// signalKey is a signal's search key: its surname, address and children's
// names, folded by NameKey.
func signalKey(sg *opora.Signal) string {
	var children []string
	for _, c := range sg.Children {
		children = append(children, c.Name)
	}
	return search.SignalKey(sg.Surname, sg.Address, children)
}

// RegisterSignal saves a new signal with its children in one transaction.
// A specialist of any agency (signal.register) reports for their own
// organisation: the signal goes to the inbox of the КДН of the chosen
// municipality (the nearest КДН up the territory tree; none is a field
// error on territory_id). A КДН worker who may triage (signal.triage)
// registers into the own inbox, naming the reporter (an agency, a person
// or anonymous). due_at is received_at plus the region's deadline for the
// urgency. Needs signal.register.
func (s *Store) RegisterSignal(ctx context.Context, sg *opora.Signal) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermSignalRegister); err != nil {
		return err
	}
	now := s.Now()
	var children []*opora.SignalChild
	for _, c := range sg.Children {
		if strings.TrimSpace(c.Name) != "" || !c.BirthDate.IsZero() {
			children = append(children, c)
		}
	}
	sg.Children = children
	return s.tx(ctx, func(t *sql.Tx) error {
		tx := traced(ctx, t) // the bench's floor replays this transaction
		var ownType string
		if err := tx.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, a.OrganisationID).Scan(&ownType); err != nil {
			return fmt.Errorf("store: register signal: %w", err)
		}
		direct := a.Can(opora.PermSignalTriage) && ownType == string(opora.OrgKDN)
		if !direct {
			sg.ReporterKind, sg.ReporterOrgID, sg.ReporterUserID = opora.ReporterAgency, a.OrganisationID, a.UserID
			if sg.ReporterName == "" {
				sg.ReporterName = a.FullName
			}
		} else if sg.ReporterKind != opora.ReporterAgency {
			sg.ReporterOrgID = 0
		}
		if sg.ReporterKind == opora.ReporterAnonymous {
			sg.ReporterName, sg.ReporterContact = "", ""
		}
		sg.Normalize()
		var v opora.Validation
		if err := sg.Validate(now); err != nil {
			v.Fields = opora.FieldErrors(err)
		}
		if sg.TerritoryID != 0 {
			chain, err := s.territoryChain(ctx, tx, sg.TerritoryID)
			if err != nil {
				return err
			}
			if len(chain) == 0 {
				v.Add("territory_id", "error.invalid_choice")
			} else if direct {
				sg.OrganisationID = a.OrganisationID
			} else if sg.OrganisationID, err = s.kdnOf(ctx, tx, chain); err != nil {
				return err
			} else if sg.OrganisationID == 0 {
				v.Add("territory_id", "signal.error.no_kdn")
			}
		}
		if direct && sg.ReporterOrgID != 0 {
			if err := checkOrganisation(ctx, tx, sg.ReporterOrgID, "reporter_org_id"); err != nil {
				for f, k := range opora.FieldErrors(err) {
					v.Add(f, k)
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		d, err := s.deadlinesFor(ctx, tx, sg.TerritoryID)
		if err != nil {
			return err
		}
		sg.DueAt = sg.ReceivedAt.Add(time.Duration(d.Hours(sg.Urgency)) * time.Hour)
		sg.Status, sg.Version, sg.CreatedBy, sg.CreatedAt = opora.SignalNew, 1, a.UserID, now
		sg.ID, err = insertID(ctx, tx, `INSERT INTO signals (organisation_id, territory_id, reporter_kind, reporter_org_id,
			reporter_user_id, reporter_name, reporter_contact, received_at, channel, description, address, surname, urgency,
			due_at, status, search_key, version, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'new', $15, 1, $16, $17)`,
			sg.OrganisationID, sg.TerritoryID, sg.ReporterKind, nullID(sg.ReporterOrgID), nullID(sg.ReporterUserID),
			sg.ReporterName, sg.ReporterContact, sg.ReceivedAt, sg.Channel, sg.Description, sg.Address, sg.Surname,
			sg.Urgency, sg.DueAt, signalKey(sg), nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: register signal: %w", err)
		}
		for _, c := range sg.Children {
			c.SignalID = sg.ID
			if c.ID, err = insertID(ctx, tx, `INSERT INTO signal_children (signal_id, name, birth_date) VALUES ($1, $2, $3)`,
				sg.ID, c.Name, c.BirthDate); err != nil {
				return fmt.Errorf("store: signal child: %w", err)
			}
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "signal", EntityID: sg.ID,
			Changes: []opora.Change{{Field: "organisation_id", New: idText(sg.OrganisationID)},
				{Field: "territory_id", New: idText(sg.TerritoryID)}, {Field: "urgency", New: sg.Urgency},
				{Field: "reporter_kind", New: sg.ReporterKind}, {Field: "children", New: fmt.Sprint(len(sg.Children))}}}); err != nil {
			return err
		}
		if err := s.webhookSignal(ctx, t, sg); err != nil {
			return err
		}
		return s.notifySignal(ctx, t, sg)
	})
}

// territoryChain returns a territory's id and its ancestors' ids, the
// territory first; empty when it does not exist.
func (s *Store) territoryChain(ctx context.Context, q queryer, id int64) ([]int64, error) {
	var chain []int64
	for id != 0 && len(chain) < 5 {
		t, err := s.territory(ctx, q, id)
		if err != nil {
			if opora.ErrorCode(err) == opora.ENOTFOUND {
				break
			}
			return nil, err
		}
		chain = append(chain, t.ID)
		id = t.ParentID
	}
	return chain, nil
}

// kdnOf returns the КДН nearest to a territory up its chain (the first
// by id when a territory has several), 0 when there is none.
func (s *Store) kdnOf(ctx context.Context, q queryer, chain []int64) (int64, error) {
	for _, id := range chain {
		var org int64
		err := q.QueryRowContext(ctx, `SELECT id FROM organisations WHERE type = $1 AND territory_id = $2 ORDER BY id LIMIT 1`,
			opora.OrgKDN, id).Scan(&org)
		if err == nil {
			return org, nil
		}
		if err != sql.ErrNoRows {
			return 0, fmt.Errorf("store: signal КДН: %w", err)
		}
	}
	return 0, nil
}

// canReadSignals reports whether the actor holds either signal permission.
func canReadSignals(a *opora.Actor) error {
	if a.Can(opora.PermSignalTriage) {
		return nil
	}
	return a.Require(opora.PermSignalRegister)
}

// Signal returns one signal with its children and writes the view audit
// row. The inbox reads it whole; the reporter's organisation reads it
// Limited (signal_scope.go). A signal out of reach is ErrNotFound and the
// attempt is audit-logged as denied. Needs signal.register or signal.triage.
func (s *Store) Signal(ctx context.Context, id int64) (*opora.Signal, error) {
	a := opora.ActorFrom(ctx)
	if err := canReadSignals(a); err != nil {
		return nil, err
	}
	sg, err := s.loadSignal(ctx, s.r, id)
	if err != nil {
		if opora.ErrorCode(err) == opora.ENOTFOUND {
			if lerr := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: "signal", EntityID: id}); lerr != nil {
				return nil, lerr
			}
		}
		return nil, err
	}
	if sg.Children, err = s.signalChildren(ctx, s.r, sg.ID); err != nil {
		return nil, err
	}
	limitSignal(a, sg)
	if err := s.logView(ctx, "signal", sg.ID, "card"); err != nil {
		return nil, err
	}
	return sg, nil
}

// loadSignal reads a signal the actor reaches, without children.
func (s *Store) loadSignal(ctx context.Context, q queryer, id int64) (*opora.Signal, error) {
	cond, args, err := signalScope(opora.ActorFrom(ctx), []any{id})
	if err != nil {
		return nil, err
	}
	sg, err := scanSignal(q.QueryRowContext(ctx, `SELECT `+signalColumns+signalFrom+` WHERE sg.id = $1 AND `+cond, args...))
	if err != nil {
		return nil, notFound(err)
	}
	return sg, nil
}

// signalChildren lists the children of signals, in order.
func (s *Store) signalChildren(ctx context.Context, q queryer, ids ...int64) ([]*opora.SignalChild, error) {
	in, args := inList(nil, ids)
	rows, err := q.QueryContext(ctx, `SELECT id, signal_id, name, birth_date FROM signal_children
		WHERE signal_id IN (`+in+`) ORDER BY signal_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: signal children: %w", err)
	}
	defer rows.Close()
	var out []*opora.SignalChild
	for rows.Next() {
		c := &opora.SignalChild{}
		if err := rows.Scan(&c.ID, &c.SignalID, &c.Name, &c.BirthDate); err != nil {
			return nil, fmt.Errorf("store: signal children: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// signalList reads the signals matching a condition (on sg) with their
// children, each limited for the actor.
func (s *Store) signalList(ctx context.Context, where string, args []any) ([]*opora.Signal, error) {
	a := opora.ActorFrom(ctx)
	rows, err := s.r.QueryContext(ctx, `SELECT `+signalColumns+signalFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: signals: %w", err)
	}
	var out []*opora.Signal
	byID := map[int64]*opora.Signal{}
	var ids []int64
	for rows.Next() {
		sg, err := scanSignal(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: signals: %w", err)
		}
		out = append(out, sg)
		byID[sg.ID] = sg
		ids = append(ids, sg.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: signals: %w", err)
	}
	if len(ids) > 0 {
		children, err := s.signalChildren(ctx, s.r, ids...)
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			byID[c.SignalID].Children = append(byID[c.SignalID].Children, c)
		}
	}
	for _, sg := range out {
		limitSignal(a, sg)
	}
	return out, nil
}

// SignalInbox lists the new signals of the actor's organisation's inbox:
// overdue first, then immediate danger, then by deadline. overdueOnly
// keeps those past their deadline. Needs signal.triage.
func (s *Store) SignalInbox(ctx context.Context, overdueOnly bool) ([]*opora.Signal, error) {
	cond, args, err := signalInbox(opora.ActorFrom(ctx), nil)
	if err != nil {
		return nil, err
	}
	args = append(args, s.Now())
	n := len(args)
	cond += " AND sg.status = 'new'"
	if overdueOnly {
		cond += fmt.Sprintf(" AND sg.due_at < $%d", n)
	}
	return s.signalList(ctx, cond+fmt.Sprintf(` ORDER BY CASE WHEN sg.due_at < $%d THEN 0 ELSE 1 END,
		CASE WHEN sg.urgency = 'immediate' THEN 0 ELSE 1 END, sg.due_at, sg.id LIMIT 500`, n), args)
}

// SignalInboxCounts counts the new and the overdue signals of the actor's
// inbox; zeros without signal.triage.
func (s *Store) SignalInboxCounts(ctx context.Context) (fresh, overdue int, err error) {
	cond, args, err := signalInbox(opora.ActorFrom(ctx), nil)
	if err != nil {
		return 0, 0, nil
	}
	args = append(args, s.Now())
	err = s.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN sg.due_at < $%d THEN 1 ELSE 0 END), 0)
		FROM signals sg WHERE sg.status = 'new' AND `+cond, len(args)), args...).Scan(&fresh, &overdue)
	if err != nil {
		return 0, 0, fmt.Errorf("store: signal counts: %w", err)
	}
	return fresh, overdue, nil
}

// ReportedSignals lists the signals the actor's organisation reported (own
// scope: the actor), newest first, each Limited unless the organisation is
// also its inbox. Needs signal.register.
func (s *Store) ReportedSignals(ctx context.Context) ([]*opora.Signal, error) {
	cond, args, err := signalReported(opora.ActorFrom(ctx), nil)
	if err != nil {
		return nil, err
	}
	return s.signalList(ctx, cond+` ORDER BY sg.received_at DESC, sg.id DESC LIMIT 200`, args)
}

// FamilySignals lists the signals linked to a family, newest first, for
// the family card. A reader outside the signal's inbox gets it without the
// reporter's name and contact. Needs family.read on the family.
func (s *Store) FamilySignals(ctx context.Context, familyID int64) ([]*opora.Signal, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, _, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionSignals); err != nil {
		return nil, err
	}
	out, err := s.signalList(ctx, `sg.family_id = $1 ORDER BY sg.received_at DESC, sg.id DESC`, []any{familyID})
	if err != nil {
		return nil, err
	}
	for _, sg := range out {
		if sg.Limited {
			sg.ReporterName, sg.ReporterContact, sg.ReporterUserID = "", "", 0
		}
	}
	return out, nil
}
