package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// Learned hints (issue 23 item 2), computed in the background: the family
// cases observed long enough (opened at least opora.HintIntakeDays +
// opora.HintOutcomeDays ago, closed or not) get a profile row in
// hint_cases — their family's features on the profile day, their plan's
// task types and their outcomes — and the groups' counts in learned_hints
// are recounted from those rows (opora.LearnHints). A run recomputes only
// the cases whose family changed since the last run (meta
// hints_learned_at) and the cases new to the window; LearnHints(ctx, true)
// recomputes every case. No actor: it is the job runner's and the CLI's.

const (
	metaHintsLearnedAt = "hints_learned_at"
	metaHintMinGroup   = "hint_min_group"
)

// HintLearnReport is what a learning run did.
type HintLearnReport struct {
	Cases      int // cases learned from
	Recomputed int // of them, profiled in this run
	Removed    int // rows of cases that left (deleted)
	Hints      int // learned hints stored (groups and measures)
	MinGroup   int
	Took       time.Duration
}

// HintMinGroup is the least families a learned group needs to be stored
// and shown (meta hint_min_group, default opora.DefaultHintMinGroup).
func (s *Store) HintMinGroup(ctx context.Context) (int, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, metaHintMinGroup).Scan(&v)
	if err == sql.ErrNoRows {
		return opora.DefaultHintMinGroup, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: hint min group: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return opora.DefaultHintMinGroup, nil
	}
	return n, nil
}

// SetHintMinGroup sets the threshold (hints.manage); it applies from the
// next learning run.
func (s *Store) SetHintMinGroup(ctx context.Context, n int) error {
	if err := opora.ActorFrom(ctx).Require(opora.PermHintsManage); err != nil {
		return err
	}
	if n < 5 || n > 10000 {
		v := &opora.Validation{}
		v.Add("min_group", "hints.learned.error.min_group")
		return v.Err()
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaHintMinGroup, strconv.Itoa(n))
	if err != nil {
		return fmt.Errorf("store: hint min group: %w", err)
	}
	return nil
}

// hintCaseRef is a family case in the learning window.
type hintCaseRef struct {
	caseID, familyID int64
	opened           opora.Date
}

func (c hintCaseRef) profileOn() opora.Date { return c.opened.AddDays(opora.HintIntakeDays) }

// hintWindowCases lists the family cases observed long enough by asOf, of
// families not merged into another.
func (s *Store) hintWindowCases(ctx context.Context, asOf opora.Date) ([]hintCaseRef, error) {
	last := asOf.AddDays(-(opora.HintIntakeDays + opora.HintOutcomeDays))
	rows, err := s.r.QueryContext(ctx, `SELECT k.id, k.subject_id, k.opened_on FROM cases k
		JOIN families f ON f.id = k.subject_id AND f.merged_into IS NULL
		WHERE k.subject_type = 'family' AND k.opened_on <= $1 ORDER BY k.id`, last)
	if err != nil {
		return nil, fmt.Errorf("store: hint cases: %w", err)
	}
	defer rows.Close()
	var out []hintCaseRef
	for rows.Next() {
		var c hintCaseRef
		if err := rows.Scan(&c.caseID, &c.familyID, &c.opened); err != nil {
			return nil, fmt.Errorf("store: hint cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// profileHintCases computes the cases' profiles and outcomes; keep, when
// set, hears each case's facts on its profile day (the evaluation).
func (s *Store) profileHintCases(ctx context.Context, cases []hintCaseRef,
	keep func(c *opora.HintCase, f *opora.FamilyFacts)) ([]opora.HintCase, error) {
	// By profile day: one HintFacts a day and batch.
	byDay := map[opora.Date][]hintCaseRef{}
	var fams []int64
	seenFam := map[int64]bool{}
	for _, c := range cases {
		byDay[c.profileOn()] = append(byDay[c.profileOn()], c)
		if !seenFam[c.familyID] {
			seenFam[c.familyID] = true
			fams = append(fams, c.familyID)
		}
	}
	statuses, assessments, err := s.hintHistories(ctx, fams)
	if err != nil {
		return nil, err
	}
	measures, err := s.hintMeasures(ctx, cases)
	if err != nil {
		return nil, err
	}
	days := make([]opora.Date, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	out := make([]opora.HintCase, 0, len(cases))
	for _, day := range days {
		cs := byDay[day]
		ids := make([]int64, 0, len(cs))
		for _, c := range cs {
			ids = append(ids, c.familyID)
		}
		facts, err := s.HintFacts(ctx, ids, day)
		if err != nil {
			return nil, err
		}
		end := day.AddDays(opora.HintOutcomeDays)
		for _, c := range cs {
			f := facts[c.familyID]
			if f == nil {
				f = &opora.FamilyFacts{FamilyID: c.familyID, Indicators: map[string]int{}}
			}
			hc := opora.HintCase{CaseID: c.caseID, FamilyID: c.familyID, ProfileOn: day, Features: f.LearnFeatures(day),
				Crisis: -1, Improved: -1}
			// A crisis: the status worse than on the profile day within the year.
			if s0, ok := opora.StatusSeverity(f.StatusKey); ok && s0 < 2 {
				hc.Crisis = 0
				for _, e := range statuses[c.familyID] {
					if on := opora.DateOf(e.at); on.After(day) && !on.After(end) {
						if s1, ok := opora.StatusSeverity(e.key); ok && s1 > s0 {
							hc.Crisis = 1
							break
						}
					}
				}
			}
			// An improvement: the next completed assessment within the year
			// scored lower than the latest one on the profile day.
			var before, next *hintAssessment
			for i := range assessments[c.familyID] {
				x := &assessments[c.familyID][i]
				if !x.on.After(day) {
					before = x
				} else if !x.on.After(end) && next == nil {
					next = x
				}
			}
			upTo := end
			if before != nil && next != nil {
				hc.Improved = 0
				if next.total < before.total {
					hc.Improved = 1
				}
				upTo = next.on
			}
			seen := map[string]bool{}
			for _, m := range measures[c.caseID] {
				if !m.on.After(upTo) && !seen[m.key] {
					seen[m.key] = true
					hc.Measures = append(hc.Measures, m.key)
				}
			}
			sort.Strings(hc.Measures)
			if keep != nil {
				keep(&hc, f)
			}
			out = append(out, hc)
		}
	}
	return out, nil
}

type hintStatus struct {
	at  time.Time
	key string
}

type hintAssessment struct {
	on    opora.Date
	total int
}

type hintMeasure struct {
	key string
	on  opora.Date
}

// hintHistories reads the families' status changes and completed
// assessments' totals, in order.
func (s *Store) hintHistories(ctx context.Context, fams []int64) (map[int64][]hintStatus, map[int64][]hintAssessment, error) {
	statuses := map[int64][]hintStatus{}
	assessments := map[int64][]hintAssessment{}
	for start := 0; start < len(fams); start += hintFactsBatch {
		in, args := inList(nil, fams[start:min(start+hintFactsBatch, len(fams))])
		rows, err := s.r.QueryContext(ctx, `SELECT family_id, at, status_key FROM family_events
			WHERE kind = 'status' AND family_id IN (`+in+`) ORDER BY family_id, at, id`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("store: hint statuses: %w", err)
		}
		for rows.Next() {
			var id int64
			var x hintStatus
			if err := rows.Scan(&id, &x.at, &x.key); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("store: hint statuses: %w", err)
			}
			statuses[id] = append(statuses[id], x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		rows, err = s.r.QueryContext(ctx, `SELECT family_id, assessed_on, COALESCE(total_score, 0) FROM family_assessments
			WHERE status = 'completed' AND family_id IN (`+in+`) ORDER BY family_id, assessed_on, id`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("store: hint assessments: %w", err)
		}
		for rows.Next() {
			var id int64
			var x hintAssessment
			if err := rows.Scan(&id, &x.on, &x.total); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("store: hint assessments: %w", err)
			}
			assessments[id] = append(assessments[id], x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return statuses, assessments, nil
}

// hintMeasures reads the task types of the cases' plans: tasks not
// cancelled and draft plan tasks, with the day each was made.
func (s *Store) hintMeasures(ctx context.Context, cases []hintCaseRef) (map[int64][]hintMeasure, error) {
	out := map[int64][]hintMeasure{}
	ids := make([]int64, 0, len(cases))
	for _, c := range cases {
		ids = append(ids, c.caseID)
	}
	for start := 0; start < len(ids); start += hintFactsBatch {
		in, args := inList(nil, ids[start:min(start+hintFactsBatch, len(ids))])
		rows, err := s.r.QueryContext(ctx, `SELECT t.case_id, d.key, t.created_at FROM case_tasks t
			JOIN dictionary_items d ON d.id = t.type_id WHERE t.status <> 'cancelled' AND t.case_id IN (`+in+`)
			UNION ALL SELECT t.case_id, d.key, t.created_at FROM draft_plan_tasks t
			JOIN dictionary_items d ON d.id = t.type_id WHERE t.case_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: hint measures: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			var at time.Time
			if err := rows.Scan(&id, &key, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: hint measures: %w", err)
			}
			if key != "" {
				out[id] = append(out[id], hintMeasure{key: key, on: opora.DateOf(at)})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// hintChangedFamilies lists the families with anything learned from
// changed since t: timeline lines (status, members, signals, life events
// deleted), assessments, tasks, draft tasks, life events, signals, cases.
func (s *Store) hintChangedFamilies(ctx context.Context, t time.Time, lastEvent int64) (map[int64]bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT family_id FROM family_events WHERE at > $1 OR id > $2
		UNION SELECT family_id FROM family_assessments WHERE updated_at > $1
		UNION SELECT family_id FROM case_tasks WHERE family_id IS NOT NULL AND updated_at > $1
		UNION SELECT family_id FROM draft_plan_tasks WHERE updated_at > $1
		UNION SELECT m.family_id FROM life_events e JOIN family_members m ON m.client_id = e.client_id WHERE e.created_at > $1
		UNION SELECT family_id FROM signals WHERE family_id IS NOT NULL AND (created_at > $1 OR triaged_at > $1)
		UNION SELECT subject_id FROM cases WHERE subject_type = 'family' AND updated_at > $1`, t, lastEvent)
	if err != nil {
		return nil, fmt.Errorf("store: hint changes: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: hint changes: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// LearnHints runs the learning: the changed and new cases' profiles (every
// case's when full), then the groups' counts from all profiles.
func (s *Store) LearnHints(ctx context.Context, full bool) (*HintLearnReport, error) {
	began := time.Now()
	started := s.Now()
	today := s.Today()
	// The family timeline's last row: a line written with an earlier time
	// still marks its family changed.
	var lastEvent int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM family_events`).Scan(&lastEvent); err != nil {
		return nil, fmt.Errorf("store: learn hints: %w", err)
	}
	minGroup, err := s.HintMinGroup(ctx)
	if err != nil {
		return nil, err
	}
	rep := &HintLearnReport{MinGroup: minGroup}
	window, err := s.hintWindowCases(ctx, today)
	if err != nil {
		return nil, err
	}
	rep.Cases = len(window)
	stored := map[int64]bool{}
	rows, err := s.r.QueryContext(ctx, `SELECT case_id FROM hint_cases`)
	if err != nil {
		return nil, fmt.Errorf("store: hint cases: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		stored[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var changed map[int64]bool
	if !full {
		var last string
		err := s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, metaHintsLearnedAt).Scan(&last)
		switch {
		case err == sql.ErrNoRows:
			full = true
		case err != nil:
			return nil, fmt.Errorf("store: hints learned at: %w", err)
		default:
			at, id, _ := strings.Cut(last, " ")
			t, perr := time.Parse(time.RFC3339Nano, at)
			lastEvent, ierr := strconv.ParseInt(id, 10, 64)
			if perr != nil || ierr != nil {
				full = true
			} else if changed, err = s.hintChangedFamilies(ctx, t, lastEvent); err != nil {
				return nil, err
			}
		}
	}
	var todo []hintCaseRef
	inWindow := map[int64]bool{}
	for _, c := range window {
		inWindow[c.caseID] = true
		if full || !stored[c.caseID] || changed[c.familyID] {
			todo = append(todo, c)
		}
	}
	var gone []int64
	for id := range stored {
		if !inWindow[id] || full {
			if !inWindow[id] {
				rep.Removed++
			}
			gone = append(gone, id)
		}
	}
	profiled, err := s.profileHintCases(ctx, todo, nil)
	if err != nil {
		return nil, err
	}
	rep.Recomputed = len(profiled)
	now := s.Now()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if full {
			if _, err := tx.ExecContext(ctx, `DELETE FROM hint_cases`); err != nil {
				return err
			}
		} else {
			drop := gone
			for _, c := range todo {
				if stored[c.caseID] {
					drop = append(drop, c.caseID)
				}
			}
			for start := 0; start < len(drop); start += hintFactsBatch {
				in, args := inList(nil, drop[start:min(start+hintFactsBatch, len(drop))])
				if _, err := tx.ExecContext(ctx, `DELETE FROM hint_cases WHERE case_id IN (`+in+`)`, args...); err != nil {
					return err
				}
			}
		}
		cols := []string{"case_id", "family_id", "profile_on", "features", "measures", "crisis", "improved", "computed_at"}
		const per = 400
		for start := 0; start < len(profiled); start += per {
			part := profiled[start:min(start+per, len(profiled))]
			args := make([]any, 0, len(part)*len(cols))
			for _, c := range part {
				args = append(args, c.CaseID, c.FamilyID, c.ProfileOn, opora.HintGroupKey(c.Features),
					opora.HintGroupKey(c.Measures), c.Crisis, c.Improved, now)
			}
			if _, err := tx.ExecContext(ctx, rowsInsert("hint_cases", cols, len(part)), args...); err != nil {
				return err
			}
		}
		all, err := readHintCases(ctx, tx)
		if err != nil {
			return err
		}
		hints := opora.LearnHints(all, minGroup)
		rep.Hints = len(hints)
		if _, err := tx.ExecContext(ctx, `DELETE FROM learned_hints`); err != nil {
			return err
		}
		cols = []string{"features", "measure", "n", "k", "n_without", "k_without", "rate", "ci_low", "ci_high",
			"period_from", "period_to", "computed_at"}
		for start := 0; start < len(hints); start += per {
			part := hints[start:min(start+per, len(hints))]
			args := make([]any, 0, len(part)*len(cols))
			for _, h := range part {
				lo, hi := h.CI()
				args = append(args, opora.HintGroupKey(h.Features), h.Measure, h.N, h.K, h.NWithout, h.KWithout, h.Rate(),
					lo, hi, h.From, h.To, now)
			}
			if _, err := tx.ExecContext(ctx, rowsInsert("learned_hints", cols, len(part)), args...); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, metaHintsLearnedAt,
			started.UTC().Format(time.RFC3339Nano)+" "+strconv.FormatInt(lastEvent, 10))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: learn hints: %w", err)
	}
	rep.Took = time.Since(began)
	return rep, nil
}

// readHintCases reads every profile row.
func readHintCases(ctx context.Context, q queryer) ([]opora.HintCase, error) {
	rows, err := q.QueryContext(ctx, `SELECT case_id, family_id, profile_on, features, measures, crisis, improved
		FROM hint_cases ORDER BY case_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []opora.HintCase
	for rows.Next() {
		var c opora.HintCase
		var fs, ms string
		if err := rows.Scan(&c.CaseID, &c.FamilyID, &c.ProfileOn, &fs, &ms, &c.Crisis, &c.Improved); err != nil {
			return nil, err
		}
		c.Features, c.Measures = opora.SplitHintGroup(fs), opora.SplitHintGroup(ms)
		out = append(out, c)
	}
	return out, rows.Err()
}

// LearnedHintRows reads the stored learned hints (every one, for the
// admin page and tests), with whether each is switched off; measure "" is
// the crisis row. Ordered by features and measure.
func (s *Store) LearnedHintRows(ctx context.Context) ([]*opora.LearnedHint, error) {
	return s.learnedHints(ctx, s.r, "", nil)
}

func (s *Store) learnedHints(ctx context.Context, q queryer, where string, args []any) ([]*opora.LearnedHint, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.features, h.measure, h.n, h.k, h.n_without, h.k_without,
		h.period_from, h.period_to, CASE WHEN o.features IS NULL THEN 0 ELSE 1 END
		FROM learned_hints h LEFT JOIN learned_hints_off o ON o.features = h.features AND o.measure = h.measure
		`+where+` ORDER BY h.features, h.measure`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: learned hints: %w", err)
	}
	defer rows.Close()
	var out []*opora.LearnedHint
	for rows.Next() {
		h := &opora.LearnedHint{}
		var fs string
		var off int
		if err := rows.Scan(&h.ID, &fs, &h.Measure, &h.N, &h.K, &h.NWithout, &h.KWithout, &h.From, &h.To, &off); err != nil {
			return nil, fmt.Errorf("store: learned hints: %w", err)
		}
		h.Features, h.Disabled = opora.SplitHintGroup(fs), off == 1
		out = append(out, h)
	}
	return out, rows.Err()
}

// SwitchLearnedHint switches a learned hint (by its key: features "#"
// measure) off or back on (hints.manage).
func (s *Store) SwitchLearnedHint(ctx context.Context, key string, off bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermHintsManage); err != nil {
		return err
	}
	i := strings.LastIndex(key, "#")
	if i < 0 {
		return opora.ErrNotFound
	}
	features, measure := key[:i], key[i+1:]
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM learned_hints WHERE features = $1 AND measure = $2`,
			features, measure).Scan(&n); err != nil {
			return err
		}
		if n == 0 && off {
			return opora.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM learned_hints_off WHERE features = $1 AND measure = $2`,
			features, measure); err != nil {
			return err
		}
		if off {
			if _, err := tx.ExecContext(ctx, `INSERT INTO learned_hints_off (features, measure, disabled_by, disabled_at)
				VALUES ($1, $2, $3, $4)`, features, measure, a.UserID, s.Now()); err != nil {
				return err
			}
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "learned_hint",
			Changes: []opora.Change{{Field: "key", New: key}, {Field: "disabled", New: strconv.FormatBool(off)}}})
	})
}

// LearnedGroup is a learned group shown for a family: the crisis row and
// the measures' rows of the same group, each enabled.
type LearnedGroup struct {
	Crisis   *opora.LearnedHint
	Measures []*opora.LearnedHint // MeasureLbl filled; the largest gain first
}

// MaxLearnedGroups bounds the groups a family card shows.
const MaxLearnedGroups = 3

// maxLearnedMeasures bounds the measures shown under a group.
const maxLearnedMeasures = 2

// FamilyLearnedHints returns what happened in families like this one: the
// enabled learned groups matching the family's features today — the most
// features first, then the most families — with their measures. Features
// naming what a section closed to the reader holds are left out of the
// profile (as rule hints are), so a group never reveals them. A family
// the actor may not reach is ErrNotFound. Needs family.read.
func (s *Store) FamilyLearnedHints(ctx context.Context, familyID int64) ([]*LearnedGroup, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	_, acc, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionPlan)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	facts, err := s.HintFacts(ctx, []int64{familyID}, today)
	if err != nil {
		return nil, err
	}
	f := facts[familyID]
	if f == nil {
		return nil, nil
	}
	var features []string
feature:
	for _, k := range f.LearnFeatures(today) {
		c, ok := opora.ParseHintKey(k)
		if !ok {
			continue
		}
		for _, sec := range hintSections(c) {
			if !acc.Can(sec) {
				continue feature
			}
		}
		features = append(features, k)
	}
	var keys []string
	opora.HintSubsets(features, false, func(g []string) { keys = append(keys, opora.HintGroupKey(g)) })
	if len(keys) == 0 {
		return nil, nil
	}
	// The threshold again: it may have been raised since the last run.
	minGroup, err := s.HintMinGroup(ctx)
	if err != nil {
		return nil, err
	}
	// The groups' crisis rows first; the measures of the shown ones after.
	var out []*LearnedGroup
	for start := 0; start < len(keys); start += hintFactsBatch {
		in, args := inList([]any{minGroup}, keys[start:min(start+hintFactsBatch, len(keys))])
		part, err := s.learnedHints(ctx, s.r, `WHERE o.features IS NULL AND h.measure = '' AND h.n >= $1
			AND h.features IN (`+in+`)`, args)
		if err != nil {
			return nil, err
		}
		for _, h := range part {
			out = append(out, &LearnedGroup{Crisis: h})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i].Crisis, out[j].Crisis
		if len(x.Features) != len(y.Features) {
			return len(x.Features) > len(y.Features)
		}
		if x.N != y.N {
			return x.N > y.N
		}
		return opora.HintGroupKey(x.Features) < opora.HintGroupKey(y.Features)
	})
	out = out[:min(len(out), MaxLearnedGroups)]
	if len(out) == 0 {
		return nil, nil
	}
	shown := map[string]*LearnedGroup{}
	var shownKeys []string
	for _, g := range out {
		k := opora.HintGroupKey(g.Crisis.Features)
		shown[k] = g
		shownKeys = append(shownKeys, k)
	}
	in, args := inList([]any{minGroup}, shownKeys)
	ms, err := s.learnedHints(ctx, s.r, `WHERE o.features IS NULL AND h.measure <> '' AND h.n >= $1 AND h.n_without >= $1
		AND h.features IN (`+in+`)`, args)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if g := shown[opora.HintGroupKey(m.Features)]; g != nil {
			g.Measures = append(g.Measures, m)
		}
	}
	var measureKeys []string
	for _, g := range out {
		sort.Slice(g.Measures, func(i, j int) bool {
			x, y := g.Measures[i], g.Measures[j]
			dx, dy := x.Rate()-x.RateWithout(), y.Rate()-y.RateWithout()
			if dx != dy {
				return dx > dy
			}
			return x.Measure < y.Measure
		})
		g.Measures = g.Measures[:min(len(g.Measures), maxLearnedMeasures)]
		for _, m := range g.Measures {
			measureKeys = append(measureKeys, m.Measure)
		}
	}
	labels, err := s.taskTypeLabels(ctx, a.OrganisationID, measureKeys)
	if err != nil {
		return nil, err
	}
	for _, g := range out {
		for _, m := range g.Measures {
			m.MeasureLbl = labels[m.Measure]
			if m.MeasureLbl == "" {
				m.MeasureLbl = m.Measure
			}
		}
	}
	return out, nil
}

// taskTypeLabels reads the task types' labels by key: the organisation's
// own, else the regional procedure's (ProcedureTaskTypes).
func (s *Store) taskTypeLabels(ctx context.Context, orgID int64, keys []string) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range ProcedureTaskTypes() {
		out[t[0]] = t[1]
	}
	if len(keys) == 0 {
		return out, nil
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	in, args := inList([]any{orgID, opora.DictTaskType}, keys)
	rows, err := s.r.QueryContext(ctx, `SELECT key, label FROM dictionary_items
		WHERE organisation_id = $1 AND dictionary = $2 AND key IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: task type labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, label string
		if err := rows.Scan(&key, &label); err != nil {
			return nil, fmt.Errorf("store: task type labels: %w", err)
		}
		out[key] = label
	}
	return out, rows.Err()
}
