package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opora-project/opora/internal/opora"
)

// The facts hints are decided on (opora.FamilyFacts), read for many
// families at once as of a day: the rule hints of a family card (today),
// the early screening list (today, many families) and learning (as of the
// day each case opened). No access check here: the callers decide whose
// facts they may read and show.

// hintFactsBatch bounds the ids of one query.
const hintFactsBatch = 500

// hintFactsMonths is how far back signals and life events are read: the
// longest window a condition may have (opora.HintCondition validation).
const hintFactsMonths = 120

// HintFacts loads the facts of the families as of day asOf: the status key
// after the family's last creation or status change on or before asOf,
// the indicator scores of its latest assessment completed on or before
// asOf, its signals (duplicates aside) and its members' life events up to
// asOf. A family that did not exist on asOf is absent from the map.
func (s *Store) HintFacts(ctx context.Context, familyIDs []int64, asOf opora.Date) (map[int64]*opora.FamilyFacts, error) {
	out := make(map[int64]*opora.FamilyFacts, len(familyIDs))
	for start := 0; start < len(familyIDs); start += hintFactsBatch {
		ids := familyIDs[start:min(start+hintFactsBatch, len(familyIDs))]
		if err := s.hintFactsBatch(ctx, ids, asOf, out); err != nil {
			return nil, fmt.Errorf("store: hint facts: %w", err)
		}
	}
	return out, nil
}

func (s *Store) hintFactsBatch(ctx context.Context, ids []int64, asOf opora.Date, out map[int64]*opora.FamilyFacts) error {
	next := asOf.AddDays(1).Time()
	since := asOf.AddMonths(-hintFactsMonths)

	// The families that existed on asOf, with their current status key (for
	// families whose history has no status key).
	in, args := inList([]any{next}, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, COALESCE(d.key, '') FROM families f
		LEFT JOIN dictionary_items d ON d.id = f.status_id
		WHERE f.created_at < $1 AND f.id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	current := map[int64]string{}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return err
		}
		out[id] = &opora.FamilyFacts{FamilyID: id, Indicators: map[string]int{}}
		current[id] = key
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// The status key as of asOf: the last creation or status change.
	rows, err = s.r.QueryContext(ctx, `SELECT e.family_id, e.status_key FROM family_events e
		WHERE e.kind IN ('created', 'status') AND e.at < $1 AND e.family_id IN (`+in+`)
		ORDER BY e.family_id, e.at, e.id`, args...)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return err
		}
		if f := out[id]; f != nil {
			f.StatusKey, seen[id] = key, true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := s.Today()
	for id, f := range out {
		if !seen[id] && !asOf.Before(today) {
			f.StatusKey = current[id]
		}
	}

	// The latest completed assessment on or before asOf, scored by the
	// definition it was completed with.
	in, args = inList([]any{asOf}, ids)
	rows, err = s.r.QueryContext(ctx, `SELECT fa.family_id, fa.snapshot_id, fa.answers, fa.assessed_on
		FROM family_assessments fa WHERE fa.status = 'completed' AND fa.snapshot_id IS NOT NULL
		AND fa.assessed_on <= $1 AND fa.family_id IN (`+in+`)
		ORDER BY fa.family_id, fa.assessed_on DESC, fa.id DESC`, args...)
	if err != nil {
		return err
	}
	type scored struct {
		snapshot int64
		answers  map[int64]int64
	}
	latest := map[int64]scored{}
	snapshots := map[int64]*opora.AssessmentDef{}
	for rows.Next() {
		var id, snap int64
		var answers string
		var on opora.Date
		if err := rows.Scan(&id, &snap, &answers, &on); err != nil {
			rows.Close()
			return err
		}
		f := out[id]
		if f == nil || !f.AssessedOn.IsZero() {
			continue
		}
		f.AssessedOn = on
		x := scored{snapshot: snap}
		if err := json.Unmarshal([]byte(answers), &x.answers); err != nil {
			rows.Close()
			return fmt.Errorf("assessment answers: %w", err)
		}
		latest[id] = x
		snapshots[snap] = nil
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(snapshots) > 0 {
		snapIDs := make([]int64, 0, len(snapshots))
		for id := range snapshots {
			snapIDs = append(snapIDs, id)
		}
		sin, sargs := inList(nil, snapIDs)
		rows, err = s.r.QueryContext(ctx, `SELECT id, definition FROM assessment_snapshots WHERE id IN (`+sin+`)`, sargs...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var body string
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return err
			}
			def := &opora.AssessmentDef{}
			if err := json.Unmarshal([]byte(body), def); err != nil {
				rows.Close()
				return fmt.Errorf("assessment snapshot: %w", err)
			}
			snapshots[id] = def
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for id, x := range latest {
		def := snapshots[x.snapshot]
		if def == nil {
			continue
		}
		f := out[id]
		for _, dom := range def.Domains {
			for _, ind := range dom.Indicators {
				if o := ind.Option(x.answers[ind.ID]); o != nil && o.Score > f.Indicators[ind.Label] {
					f.Indicators[ind.Label] = o.Score
				}
			}
		}
	}

	// Signals about the family, by the reporting agency's type.
	in, args = inList([]any{since.Time(), next}, ids)
	rows, err = s.r.QueryContext(ctx, `SELECT sg.family_id, sg.received_at,
		CASE WHEN sg.reporter_kind = 'agency' THEN COALESCE(o.type, '') ELSE '' END
		FROM signals sg LEFT JOIN organisations o ON o.id = sg.reporter_org_id
		WHERE sg.close_reason <> 'duplicate' AND sg.received_at >= $1 AND sg.received_at < $2 AND sg.family_id IN (`+in+`)
		ORDER BY sg.family_id, sg.received_at, sg.id`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var at time.Time
		var typ string
		if err := rows.Scan(&id, &at, &typ); err != nil {
			rows.Close()
			return err
		}
		if f := out[id]; f != nil {
			f.Signals = append(f.Signals, opora.FactSignal{ReceivedOn: opora.DateOf(at), AgencyType: opora.OrgType(typ)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// The members' life events (while they were members).
	in, args = inList([]any{since, asOf}, ids)
	rows, err = s.r.QueryContext(ctx, `SELECT m.family_id, e.kind, e.occurred_on, c.surname, c.first_name
		FROM life_events e JOIN family_members m ON m.client_id = e.client_id JOIN clients c ON c.id = e.client_id
		WHERE e.occurred_on >= $1 AND e.occurred_on <= $2 AND (m.left_on IS NULL OR m.left_on >= e.occurred_on)
		AND m.family_id IN (`+in+`) ORDER BY m.family_id, e.occurred_on, e.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ev opora.FactEvent
		var surname, first string
		if err := rows.Scan(&id, &ev.Kind, &ev.OccurredOn, &surname, &first); err != nil {
			return err
		}
		if f := out[id]; f != nil {
			ev.Member = shortName(surname, first)
			f.Events = append(f.Events, ev)
		}
	}
	return rows.Err()
}

// PersonHintFacts loads the life events of persons (clients, as on the
// early screening list for people without a family card) up to asOf; the
// facts carry ClientID and no family. A person with no life event in the
// window is absent from the map.
func (s *Store) PersonHintFacts(ctx context.Context, clientIDs []int64, asOf opora.Date) (map[int64]*opora.FamilyFacts, error) {
	out := make(map[int64]*opora.FamilyFacts, len(clientIDs))
	since := asOf.AddMonths(-hintFactsMonths)
	for start := 0; start < len(clientIDs); start += hintFactsBatch {
		ids := clientIDs[start:min(start+hintFactsBatch, len(clientIDs))]
		in, args := inList([]any{since, asOf}, ids)
		rows, err := s.r.QueryContext(ctx, `SELECT e.client_id, e.kind, e.occurred_on, c.surname, c.first_name
			FROM life_events e JOIN clients c ON c.id = e.client_id
			WHERE e.occurred_on >= $1 AND e.occurred_on <= $2 AND e.client_id IN (`+in+`)
			ORDER BY e.client_id, e.occurred_on, e.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: person hint facts: %w", err)
		}
		for rows.Next() {
			var id int64
			var ev opora.FactEvent
			var surname, first string
			if err := rows.Scan(&id, &ev.Kind, &ev.OccurredOn, &surname, &first); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: person hint facts: %w", err)
			}
			f := out[id]
			if f == nil {
				f = &opora.FamilyFacts{ClientID: id, Indicators: map[string]int{}}
				out[id] = f
			}
			ev.Member = shortName(surname, first)
			f.Events = append(f.Events, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: person hint facts: %w", err)
		}
	}
	return out, nil
}

// shortName is "Иванова М.": the surname and the first name's initial.
func shortName(surname, first string) string {
	r, _ := utf8.DecodeRuneInString(first)
	if first == "" || r == utf8.RuneError {
		return surname
	}
	return strings.TrimSpace(surname + " " + string(r) + ".")
}
