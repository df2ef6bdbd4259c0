package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// The early screening list (issue 23, item 3): per municipality, the
// families and the persons without a family card who have no open case
// and whose recent data match an early-crisis rule (hint_rules with
// early_crisis, enabled, no broken condition), for prevention work — an
// offer of help, not a sanction. A worker records what was done
// (screening_actions); after «declined» or «not relevant» the row leaves
// the default list for opora.ScreenQuietDays.
//
// Who sees what: family.read. Families come through
// sqldb.ScreenFamilyScope (held by the actor's organisation or granted to
// it other than through a task, narrowed by the scope of family.read) —
// the municipality's КДН holds its families, so it sees the whole
// municipality; a centre the families it was sent. Persons come through
// ClientScope with client.read (the organisation's own clients), a person
// being of the municipality of their client record's branch (else of the
// organisation). Candidates are chosen in SQL — a life event or a signal
// in the last twelve months, no open case, in the municipality — and only
// they get their facts loaded and the rules evaluated in Go.

// screenMonths is how recent a candidate's life event or signal must be.
const screenMonths = 12

// ScreeningChoices are the municipalities the actor may choose on the
// list: the organisation's own (Fixed) when it sits in one, else those
// of its region (or all, for an organisation without a territory).
type ScreeningChoices struct {
	Municipalities []*opora.Territory
	Fixed          bool
}

// Municipality returns the name of choice id, "" when not offered.
func (c *ScreeningChoices) Municipality(id int64) string {
	for _, t := range c.Municipalities {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

// ScreeningChoices returns the municipalities the actor may screen. Needs
// family.read.
func (s *Store) ScreeningChoices(ctx context.Context) (*ScreeningChoices, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	var territory, parent int64
	var kind string
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(o.territory_id, 0), COALESCE(t.kind, ''), COALESCE(t.parent_id, 0)
		FROM organisations o LEFT JOIN territories t ON t.id = o.territory_id WHERE o.id = $1`,
		a.OrganisationID).Scan(&territory, &kind, &parent); err != nil {
		return nil, fmt.Errorf("store: screening choices: %w", err)
	}
	c := &ScreeningChoices{}
	q := `SELECT id, COALESCE(parent_id, 0), kind, name FROM territories WHERE kind = 'municipality'`
	var args []any
	switch opora.TerritoryKind(kind) {
	case opora.TerritoryMunicipality:
		q, args, c.Fixed = q+` AND id = $1`, []any{territory}, true
	case opora.TerritoryDistrict:
		q, args, c.Fixed = q+` AND id = $1`, []any{parent}, true
	case opora.TerritoryRegion:
		q, args = q+` AND parent_id = $1`, []any{territory}
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: screening choices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := &opora.Territory{}
		if err := rows.Scan(&t.ID, &t.ParentID, &t.Kind, &t.Name); err != nil {
			return nil, fmt.Errorf("store: screening choices: %w", err)
		}
		t.Path = t.Name
		c.Municipalities = append(c.Municipalities, t)
	}
	return c, rows.Err()
}

// inMunicipality is the condition that a territory column lies in the
// municipality in parameter $n (the municipality or one of its districts).
func inMunicipality(col string, n int) string {
	return fmt.Sprintf("%s IN (SELECT tr.id FROM territories tr WHERE tr.id = $%d OR tr.parent_id = $%d)", col, n, n)
}

// screenCandidates returns the families and the persons of the
// municipality that the actor reaches, without an open case, with a life
// event or a signal since since.
func (s *Store) screenCandidates(ctx context.Context, a *opora.Actor, municipality int64, since, today opora.Date) (families, persons []int64, err error) {
	cond, args, err := sqldb.ScreenFamilyScope(a, []any{municipality, since.Time(), since, today})
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT f.id FROM families f WHERE f.merged_into IS NULL AND `+inMunicipality("f.territory_id", 1)+`
		AND NOT EXISTS (SELECT 1 FROM cases cs WHERE cs.subject_type = 'family' AND cs.subject_id = f.id AND cs.status = 'open')
		AND (EXISTS (SELECT 1 FROM signals sg WHERE sg.family_id = f.id AND sg.received_at >= $2 AND sg.close_reason <> 'duplicate')
			OR EXISTS (SELECT 1 FROM family_members m JOIN life_events le ON le.client_id = m.client_id
				WHERE m.family_id = f.id AND le.occurred_on >= $3 AND le.occurred_on <= $4
				AND (m.left_on IS NULL OR m.left_on >= le.occurred_on)))
		AND `+cond+` ORDER BY f.id`, args...)
	if families, err = scanIDs(rows, err); err != nil {
		return nil, nil, fmt.Errorf("store: screening families: %w", err)
	}
	if !a.Can(opora.PermClientRead) {
		return families, nil, nil
	}
	cond, args, err = clientScope(a, opora.PermClientRead, []any{municipality, since, today})
	if err != nil {
		return nil, nil, err
	}
	rows, err = s.r.QueryContext(ctx, `SELECT c.id FROM clients c JOIN branches b ON b.id = c.branch_id
		JOIN organisations o ON o.id = c.organisation_id
		WHERE c.deleted_at IS NULL AND c.merged_into IS NULL AND `+inMunicipality("COALESCE(b.territory_id, o.territory_id)", 1)+`
		AND EXISTS (SELECT 1 FROM life_events le WHERE le.client_id = c.id AND le.occurred_on >= $2 AND le.occurred_on <= $3)
		AND NOT EXISTS (SELECT 1 FROM family_members m JOIN families mf ON mf.id = m.family_id
			WHERE m.client_id = c.id AND m.left_on IS NULL AND mf.merged_into IS NULL)
		AND NOT EXISTS (SELECT 1 FROM cases cs WHERE cs.subject_type = 'client' AND cs.subject_id = c.id AND cs.status = 'open')
		AND `+cond+` ORDER BY c.id`, args...)
	if persons, err = scanIDs(rows, err); err != nil {
		return nil, nil, fmt.Errorf("store: screening persons: %w", err)
	}
	return families, persons, nil
}

func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// screenRules are the enabled early-crisis rules with no broken condition
// (an indicator no enabled assessment field carries any more: such a rule
// does not fire, as on the family card). Whether a label is carried is
// asked per label the rules name (the first field found answers), not by
// reading every organisation's labels (hintIndicatorLabels: most of a
// region's list's time).
func (s *Store) screenRules(ctx context.Context) ([]*opora.HintRule, error) {
	all, err := s.hintRules(ctx, s.r, false, 0, map[string]bool{})
	if err != nil {
		return nil, err
	}
	carried := map[string]bool{}
	var out []*opora.HintRule
rules:
	for _, r := range all {
		if !r.EarlyCrisis || r.Disabled {
			continue
		}
		r.Broken = nil
		for i, c := range r.Conditions {
			if c.Kind != opora.CondIndicator {
				continue
			}
			ok, seen := carried[c.Ref]
			if !seen {
				var n int
				if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM form_fields ff
					JOIN form_sections fs ON fs.id = ff.section_id JOIN forms f ON f.id = fs.form_id
					WHERE ff.label = $1 AND f.kind = $2 AND f.disabled = FALSE AND fs.disabled = FALSE AND ff.disabled = FALSE
					LIMIT 1) x`, c.Ref, opora.FormKindAssessment).Scan(&n); err != nil {
					return nil, fmt.Errorf("store: screening rules: %w", err)
				}
				ok = n > 0
				carried[c.Ref] = ok
			}
			if !ok {
				r.Broken = append(r.Broken, i)
				continue rules
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// screenMatch evaluates the rules on the facts: the matches and the
// latest date among their reasons.
func screenMatch(rules []*opora.HintRule, f *opora.FamilyFacts, today opora.Date) ([]opora.ScreenMatch, opora.Date) {
	var out []opora.ScreenMatch
	var latest opora.Date
	for _, r := range rules {
		because, ok := r.Match(f, today)
		if !ok {
			continue
		}
		out = append(out, opora.ScreenMatch{RuleID: r.ID, Difficulty: r.Difficulty, Because: because})
		for _, b := range because {
			if b.On.After(latest) {
				latest = b.On
			}
		}
	}
	return out, latest
}

// ScreenPerPage is the list's page size.
const ScreenPerPage = 50

// Screening returns one page of the early screening list of the filter's
// municipality (one of ScreeningChoices; else a field error "territory"),
// the latest fact first, and writes a view audit row of every family and
// person on the page. Needs family.read.
func (s *Store) Screening(ctx context.Context, flt opora.ScreenFilter) (*opora.ScreenPage, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	choices, err := s.ScreeningChoices(ctx)
	if err != nil {
		return nil, err
	}
	var v opora.Validation
	if choices.Municipality(flt.TerritoryID) == "" {
		v.Add("territory", "screening.error.territory")
	}
	if !slices.Contains(opora.ScreenFilters, flt.Outcome) {
		v.Add("outcome", "error.invalid_choice")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if flt.PerPage <= 0 {
		flt.PerPage = ScreenPerPage
	}
	flt.Page = max(flt.Page, 1)
	today := s.Today()
	families, persons, err := s.screenCandidates(ctx, a, flt.TerritoryID, today.AddMonths(-screenMonths), today)
	if err != nil {
		return nil, err
	}
	page := &opora.ScreenPage{}
	if len(families) == 0 && len(persons) == 0 {
		return page, nil
	}
	rules, err := s.screenRules(ctx)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return page, nil
	}
	var rows []*opora.ScreenRow
	ffacts, err := s.HintFacts(ctx, families, today)
	if err != nil {
		return nil, err
	}
	for _, id := range families {
		if f := ffacts[id]; f != nil {
			if m, latest := screenMatch(rules, f, today); len(m) > 0 {
				rows = append(rows, &opora.ScreenRow{FamilyID: id, Matches: m, LatestFact: latest})
			}
		}
	}
	pfacts, err := s.PersonHintFacts(ctx, persons, today)
	if err != nil {
		return nil, err
	}
	for _, id := range persons {
		if f := pfacts[id]; f != nil {
			if m, latest := screenMatch(rules, f, today); len(m) > 0 {
				rows = append(rows, &opora.ScreenRow{ClientID: id, Matches: m, LatestFact: latest})
			}
		}
	}
	if err := s.lastScreenActions(ctx, a, rows); err != nil {
		return nil, err
	}
	quietSince := today.AddDays(-opora.ScreenQuietDays)
	rows = slices.DeleteFunc(rows, func(r *opora.ScreenRow) bool {
		switch flt.Outcome {
		case opora.ScreenFilterNone:
			return r.Last != nil
		case opora.ScreenFilterDone:
			return r.Last == nil
		case opora.ScreenFilterAll:
			return false
		}
		return r.Last != nil && opora.ScreenQuiets(r.Last.Outcome) && r.Last.ActedOn.After(quietSince)
	})
	slices.SortFunc(rows, func(x, y *opora.ScreenRow) int {
		if c := y.LatestFact.Compare(x.LatestFact); c != 0 {
			return c
		}
		if c := cmp.Compare(x.FamilyID, y.FamilyID); c != 0 {
			return c
		}
		return cmp.Compare(x.ClientID, y.ClientID)
	})
	page.Total = len(rows)
	from := min((flt.Page-1)*flt.PerPage, len(rows))
	to := min(from+flt.PerPage, len(rows))
	page.Rows, page.More = rows[from:to], to < len(rows)
	if err := s.screenNames(ctx, page.Rows); err != nil {
		return nil, err
	}
	return page, s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range page.Rows {
			e := &opora.AuditEntry{Action: opora.ActionView, Entity: "family", EntityID: r.FamilyID, Section: "screening"}
			if r.ClientID != 0 {
				e.Entity, e.EntityID = "client", r.ClientID
			}
			if err := s.insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

const screenActionColumns = `sa.id, sa.organisation_id, COALESCE(sa.family_id, 0), COALESCE(sa.client_id, 0), sa.outcome, sa.comment,
	sa.acted_on, COALESCE(sa.created_by, 0), COALESCE(u.full_name, ''), sa.created_at`

func scanScreenAction(row interface{ Scan(...any) error }) (*opora.ScreeningAction, error) {
	x := &opora.ScreeningAction{}
	var on sql.NullTime
	if err := row.Scan(&x.ID, &x.OrganisationID, &x.FamilyID, &x.ClientID, &x.Outcome, &x.Comment, &on,
		&x.CreatedBy, &x.CreatedByName, &x.CreatedAt); err != nil {
		return nil, err
	}
	x.ActedOn, x.CreatedAt = opora.DateOf(dateOf(on)), x.CreatedAt.UTC()
	return x, nil
}

// lastScreenActions fills each row's latest action, by any organisation
// (so that two agencies do not call the same family twice); the comment
// only of the actor's organisation's actions.
func (s *Store) lastScreenActions(ctx context.Context, a *opora.Actor, rows []*opora.ScreenRow) error {
	byFamily, byClient := map[int64]*opora.ScreenRow{}, map[int64]*opora.ScreenRow{}
	var fids, cids []int64
	for _, r := range rows {
		if r.FamilyID != 0 {
			byFamily[r.FamilyID], fids = r, append(fids, r.FamilyID)
		} else {
			byClient[r.ClientID], cids = r, append(cids, r.ClientID)
		}
	}
	read := func(col string, ids []int64, by map[int64]*opora.ScreenRow) error {
		for start := 0; start < len(ids); start += hintFactsBatch {
			in, args := inList(nil, ids[start:min(start+hintFactsBatch, len(ids))])
			q, err := s.r.QueryContext(ctx, `SELECT `+screenActionColumns+` FROM screening_actions sa
				LEFT JOIN users u ON u.id = sa.created_by WHERE sa.`+col+` IN (`+in+`)
				ORDER BY sa.acted_on, sa.created_at, sa.id`, args...)
			if err != nil {
				return fmt.Errorf("store: screening actions: %w", err)
			}
			for q.Next() {
				x, err := scanScreenAction(q)
				if err != nil {
					q.Close()
					return fmt.Errorf("store: screening actions: %w", err)
				}
				if x.OrganisationID != a.OrganisationID {
					x.Comment = ""
				}
				id := x.FamilyID
				if col == "client_id" {
					id = x.ClientID
				}
				if r := by[id]; r != nil {
					r.Last = x // ordered oldest first: the last one stays
				}
			}
			q.Close()
			if err := q.Err(); err != nil {
				return fmt.Errorf("store: screening actions: %w", err)
			}
		}
		return nil
	}
	if err := read("family_id", fids, byFamily); err != nil {
		return err
	}
	return read("client_id", cids, byClient)
}

// screenNames fills the rows' names: a family's present members (short
// names, adults first as the card lists them) and address, a person's
// full name.
func (s *Store) screenNames(ctx context.Context, rows []*opora.ScreenRow) error {
	byFamily, byClient := map[int64]*opora.ScreenRow{}, map[int64]*opora.ScreenRow{}
	var fids, cids []int64
	for _, r := range rows {
		if r.FamilyID != 0 {
			byFamily[r.FamilyID], fids = r, append(fids, r.FamilyID)
		} else {
			byClient[r.ClientID], cids = r, append(cids, r.ClientID)
		}
	}
	if len(fids) > 0 {
		in, args := inList(nil, fids)
		q, err := s.r.QueryContext(ctx, `SELECT f.id, f.address, c.surname, c.first_name FROM families f
			JOIN family_members m ON m.family_id = f.id AND m.left_on IS NULL JOIN clients c ON c.id = m.client_id
			WHERE f.id IN (`+in+`) ORDER BY f.id, CASE WHEN m.role = 'child' THEN 1 ELSE 0 END, m.id`, args...)
		if err != nil {
			return fmt.Errorf("store: screening names: %w", err)
		}
		names := map[int64][]string{}
		for q.Next() {
			var id int64
			var addr, surname, first string
			if err := q.Scan(&id, &addr, &surname, &first); err != nil {
				q.Close()
				return fmt.Errorf("store: screening names: %w", err)
			}
			byFamily[id].Address = addr
			names[id] = append(names[id], shortName(surname, first))
		}
		q.Close()
		if err := q.Err(); err != nil {
			return fmt.Errorf("store: screening names: %w", err)
		}
		for id, n := range names {
			byFamily[id].Name = strings.Join(n, ", ")
		}
	}
	if len(cids) > 0 {
		in, args := inList(nil, cids)
		q, err := s.r.QueryContext(ctx, `SELECT c.id, TRIM(c.surname || ' ' || c.first_name || ' ' || c.patronymic)
			FROM clients c WHERE c.id IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("store: screening names: %w", err)
		}
		defer q.Close()
		for q.Next() {
			var id int64
			var name string
			if err := q.Scan(&id, &name); err != nil {
				return fmt.Errorf("store: screening names: %w", err)
			}
			byClient[id].Name = name
		}
		return q.Err()
	}
	return nil
}

// RecordScreening records what a worker did about a family or a person of
// the list, dated today. The subject must be one the actor reaches as the
// list does (else not found, audit-logged as denied). Needs family.read.
func (s *Store) RecordScreening(ctx context.Context, x *opora.ScreeningAction) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return err
	}
	x.Normalize()
	if err := x.Validate(); err != nil {
		return err
	}
	entity, subject := "family", x.FamilyID
	if x.ClientID != 0 {
		entity, subject = "client", x.ClientID
	}
	var n int
	var err error
	if x.FamilyID != 0 {
		cond, args, serr := sqldb.ScreenFamilyScope(a, []any{x.FamilyID})
		if serr != nil {
			return serr
		}
		err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM families f WHERE f.id = $1 AND f.merged_into IS NULL AND `+cond, args...).Scan(&n)
	} else {
		cond, args, serr := clientScope(a, opora.PermClientRead, []any{x.ClientID})
		if serr != nil {
			return serr
		}
		err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM clients c WHERE c.id = $1 AND c.deleted_at IS NULL
			AND c.merged_into IS NULL AND `+cond, args...).Scan(&n)
	}
	if err != nil {
		return fmt.Errorf("store: screening action: %w", err)
	}
	if n == 0 {
		if err := s.LogAudit(ctx, &opora.AuditEntry{Action: opora.ActionDenied, Entity: entity, EntityID: subject,
			Section: "screening"}); err != nil {
			return err
		}
		return opora.ErrNotFound
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		x.OrganisationID, x.ActedOn, x.CreatedBy, x.CreatedByName, x.CreatedAt = a.OrganisationID, s.Today(), a.UserID, a.FullName, now
		id, err := insertID(ctx, tx, `INSERT INTO screening_actions (organisation_id, family_id, client_id, outcome, comment,
			acted_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			x.OrganisationID, nullID(x.FamilyID), nullID(x.ClientID), x.Outcome, x.Comment, x.ActedOn, nullID(a.UserID), now)
		if err != nil {
			return fmt.Errorf("store: screening action: %w", err)
		}
		x.ID = id
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "screening_action", EntityID: id,
			Section: entity + " " + strconv.FormatInt(subject, 10),
			Changes: []opora.Change{{Field: "outcome", New: x.Outcome}, {Field: "comment", Sensitive: true}}})
	})
}
