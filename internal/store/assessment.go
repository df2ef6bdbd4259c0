package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Diagnostic assessments of families (Flow B). An assessment form is a
// form of kind 'assessment' (forms.kind) edited in the questionnaire
// builder, with a score per option and the region's levels
// (assessment_levels). A family's assessment (family_assessments) saves
// its answers as {field id: option id}; a draft is never scored. Completing
// it needs every indicator answered, then stores the domain scores, the
// total and the level, and points at the snapshot of the definition it was
// answered with (assessment_snapshots: one row per distinct definition of
// a form, found by the hash of its JSON), so an old assessment renders the
// same questions and options after the form was edited. Access goes
// through familyScope: family.read to view, family.write to assess.

// assessmentForm reads an assessment form of an organisation.
func (s *Store) assessmentForm(ctx context.Context, q queryer, orgID, formID int64) (*opora.Form, error) {
	f, err := s.loadForm(ctx, q, orgID, formID)
	if err != nil {
		return nil, err
	}
	if f.Kind != opora.FormKindAssessment {
		return nil, opora.ErrNotFound
	}
	return f, nil
}

// assessmentLevels reads a form's levels, the lowest minimum first.
func (s *Store) assessmentLevels(ctx context.Context, q queryer, formID int64) ([]opora.AssessmentLevel, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, label, min_score FROM assessment_levels WHERE form_id = $1
		ORDER BY min_score, position, id`, formID)
	if err != nil {
		return nil, fmt.Errorf("store: assessment levels: %w", err)
	}
	defer rows.Close()
	var out []opora.AssessmentLevel
	for rows.Next() {
		var l opora.AssessmentLevel
		if err := rows.Scan(&l.ID, &l.Label, &l.MinScore); err != nil {
			return nil, fmt.Errorf("store: assessment levels: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// currentDef builds the current definition of an assessment form.
func (s *Store) currentDef(ctx context.Context, q queryer, orgID, formID int64) (*opora.AssessmentDef, *opora.Form, error) {
	f, err := s.assessmentForm(ctx, q, orgID, formID)
	if err != nil {
		return nil, nil, err
	}
	levels, err := s.assessmentLevels(ctx, q, formID)
	if err != nil {
		return nil, nil, err
	}
	return opora.AssessmentDefOf(f, levels), f, nil
}

// AssessmentForms lists the enabled assessment forms of the actor's
// organisation. Needs family.read or dictionary.manage.
func (s *Store) AssessmentForms(ctx context.Context) ([]*opora.Form, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermDictionaryManage) {
		if err := a.Require(opora.PermFamilyRead); err != nil {
			return nil, err
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, name FROM forms WHERE organisation_id = $1 AND kind = $2
		AND NOT disabled ORDER BY position, id`, a.OrganisationID, opora.FormKindAssessment)
	if err != nil {
		return nil, fmt.Errorf("store: assessment forms: %w", err)
	}
	defer rows.Close()
	var out []*opora.Form
	for rows.Next() {
		f := &opora.Form{Kind: opora.FormKindAssessment, OrganisationID: a.OrganisationID}
		if err := rows.Scan(&f.ID, &f.Name); err != nil {
			return nil, fmt.Errorf("store: assessment forms: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// AssessmentLevels returns an assessment form's levels. Needs dictionary.manage.
func (s *Store) AssessmentLevels(ctx context.Context, formID int64) ([]opora.AssessmentLevel, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return nil, err
	}
	if _, err := s.assessmentForm(ctx, s.r, a.OrganisationID, formID); err != nil {
		return nil, err
	}
	return s.assessmentLevels(ctx, s.r, formID)
}

// SaveAssessmentLevels replaces an assessment form's levels: rows with an
// empty label are dropped; each label needs a minimum score, distinct from
// the others. Field errors name "levels.<i>.label|min". Needs dictionary.manage.
func (s *Store) SaveAssessmentLevels(ctx context.Context, formID int64, levels []opora.AssessmentLevel) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	var v opora.Validation
	seen := map[int]bool{}
	var keep []opora.AssessmentLevel
	for i, l := range levels {
		if l.Label == "" {
			continue
		}
		p := "levels." + strconv.Itoa(i) + "."
		if len([]rune(l.Label)) > 100 {
			v.Add(p+"label", "error.too_long")
		}
		if l.MinScore < 0 || seen[l.MinScore] {
			v.Add(p+"min", "assessment.error.level_min")
		}
		seen[l.MinScore] = true
		keep = append(keep, l)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.assessmentForm(ctx, tx, a.OrganisationID, formID); err != nil {
			return err
		}
		old, err := s.assessmentLevels(ctx, tx, formID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM assessment_levels WHERE form_id = $1`, formID); err != nil {
			return fmt.Errorf("store: assessment levels: %w", err)
		}
		for i, l := range keep {
			if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_levels (organisation_id, form_id, label, min_score, position)
				VALUES ($1, $2, $3, $4, $5)`, a.OrganisationID, formID, l.Label, l.MinScore, i+1); err != nil {
				return fmt.Errorf("store: assessment levels: %w", err)
			}
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "form", EntityID: formID,
			Changes: opora.Diff(nil, "levels", levelsText(old), levelsText(keep))})
	})
}

func levelsText(levels []opora.AssessmentLevel) string {
	b, _ := json.Marshal(levels)
	return string(b)
}

// BlankAssessment returns a new assessment of a family with the current
// definition of the form. Needs family.write on the family.
func (s *Store) BlankAssessment(ctx context.Context, familyID, formID int64) (*opora.Assessment, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return nil, err
	}
	if _, err := s.loadFamily(ctx, s.r, opora.PermFamilyWrite, familyID); err != nil {
		return nil, err
	}
	def, f, err := s.currentDef(ctx, s.r, a.OrganisationID, formID)
	if err != nil {
		return nil, err
	}
	if f.Disabled {
		return nil, opora.ErrNotFound
	}
	return &opora.Assessment{FamilyID: familyID, FormID: f.ID, FormName: f.Name, Status: opora.AssessmentDraft,
		AssessedOn: s.Today(), AssessorID: a.UserID, Answers: map[int64]int64{}, Def: def}, nil
}

const assessmentColumns = `fa.id, fa.organisation_id, fa.family_id, fa.form_id, fm.name, COALESCE(fa.snapshot_id, 0), fa.status,
	fa.assessed_on, COALESCE(fa.assessor_id, 0), COALESCE(u.full_name, ''), fa.answers, fa.domain_scores,
	COALESCE(fa.total_score, 0), fa.level_label, fa.version, fa.updated_at`

const assessmentFrom = ` FROM family_assessments fa JOIN forms fm ON fm.id = fa.form_id LEFT JOIN users u ON u.id = fa.assessor_id`

func scanAssessment(row interface{ Scan(...any) error }) (*opora.Assessment, error) {
	x := &opora.Assessment{}
	var answers, scores string
	var updated sql.NullTime
	if err := row.Scan(&x.ID, &x.OrganisationID, &x.FamilyID, &x.FormID, &x.FormName, &x.SnapshotID, &x.Status,
		&x.AssessedOn, &x.AssessorID, &x.AssessorName, &answers, &scores, &x.Total, &x.Level, &x.Version, &updated); err != nil {
		return nil, err
	}
	x.UpdatedAt = timeOf(updated)
	x.Answers, x.Scores = map[int64]int64{}, map[int64]int{}
	if err := json.Unmarshal([]byte(answers), &x.Answers); err != nil {
		return nil, fmt.Errorf("store: assessment answers: %w", err)
	}
	if x.Completed() {
		if err := json.Unmarshal([]byte(scores), &x.Scores); err != nil {
			return nil, fmt.Errorf("store: assessment scores: %w", err)
		}
	}
	return x, nil
}

// familyAssessments lists a family's assessments, newest first; with def,
// each with the definition it renders with.
func (s *Store) familyAssessments(ctx context.Context, q queryer, familyID int64, completedOnly, def bool) ([]*opora.Assessment, error) {
	query := `SELECT ` + assessmentColumns + assessmentFrom + ` WHERE fa.family_id = $1`
	if completedOnly {
		query += ` AND fa.status = 'completed'`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY fa.assessed_on DESC, fa.id DESC`, familyID)
	if err != nil {
		return nil, fmt.Errorf("store: assessments: %w", err)
	}
	var out []*opora.Assessment
	for rows.Next() {
		x, err := scanAssessment(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: assessments: %w", err)
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: assessments: %w", err)
	}
	if def {
		for _, x := range out {
			if err := s.assessmentDef(ctx, q, x); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// assessmentDef fills in the definition an assessment renders with: its
// snapshot when completed, the form as it is now when a draft.
func (s *Store) assessmentDef(ctx context.Context, q queryer, x *opora.Assessment) error {
	if x.SnapshotID == 0 {
		def, _, err := s.currentDef(ctx, q, x.OrganisationID, x.FormID)
		x.Def = def
		return err
	}
	var body string
	if err := q.QueryRowContext(ctx, `SELECT definition FROM assessment_snapshots WHERE id = $1`, x.SnapshotID).Scan(&body); err != nil {
		return fmt.Errorf("store: assessment snapshot: %w", err)
	}
	x.Def = &opora.AssessmentDef{}
	if err := json.Unmarshal([]byte(body), x.Def); err != nil {
		return fmt.Errorf("store: assessment snapshot: %w", err)
	}
	return nil
}

// FamilyAssessments lists a family's assessments (drafts too), newest
// first, without their definitions. Needs family.read on the family.
func (s *Store) FamilyAssessments(ctx context.Context, familyID int64) ([]*opora.Assessment, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	if _, _, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionAssessments); err != nil {
		return nil, err
	}
	return s.familyAssessments(ctx, s.r, familyID, false, false)
}

// FamilyAssessment returns one assessment of a family with its definition
// and writes the view audit row. Needs family.read on the family.
func (s *Store) FamilyAssessment(ctx context.Context, familyID, id int64) (*opora.Assessment, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	f, acc, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionAssessments)
	if err != nil {
		return nil, err
	}
	x, err := scanAssessment(s.r.QueryRowContext(ctx, `SELECT `+assessmentColumns+assessmentFrom+
		` WHERE fa.id = $1 AND fa.family_id = $2`, id, familyID))
	if err != nil {
		return nil, notFound(err)
	}
	if err := s.assessmentDef(ctx, s.r, x); err != nil {
		return nil, err
	}
	return x, s.logFamilyView(ctx, f, acc, "assessment")
}

// snapshot returns the id of the snapshot holding def, adding one when the
// form's definition changed since its last.
func (s *Store) snapshot(ctx context.Context, tx *sql.Tx, orgID int64, def *opora.AssessmentDef) (int64, error) {
	body, err := json.Marshal(def)
	if err != nil {
		return 0, fmt.Errorf("store: assessment snapshot: %w", err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM assessment_snapshots WHERE form_id = $1 AND hash = $2`, def.FormID, hash).Scan(&id)
	if err == nil {
		return id, nil
	}
	if err != sql.ErrNoRows {
		return 0, fmt.Errorf("store: assessment snapshot: %w", err)
	}
	id, err = insertID(ctx, tx, `INSERT INTO assessment_snapshots (organisation_id, form_id, hash, definition, created_at)
		VALUES ($1, $2, $3, $4, $5)`, orgID, def.FormID, hash, string(body), s.Now())
	if err != nil {
		return 0, fmt.Errorf("store: assessment snapshot: %w", err)
	}
	return id, nil
}

// SaveAssessment saves a new assessment (x.ID 0, of form x.FormID of the
// actor's organisation) or a draft's date and answers. Without complete it
// stays a draft, however few answers it has, and is not scored; with
// complete every indicator must be answered (errors "f<field id>"), and
// the scores, the level and the snapshot of the definition are stored. A
// completed assessment cannot change (conflict). Needs family.write on the
// family.
func (s *Store) SaveAssessment(ctx context.Context, x *opora.Assessment, complete bool) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyWrite); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		fam, err := s.loadFamily(ctx, tx, opora.PermFamilyWrite, x.FamilyID)
		if err != nil {
			return err
		}
		orgID := a.OrganisationID
		var old *opora.Assessment
		if x.ID != 0 {
			if old, err = scanAssessment(tx.QueryRowContext(ctx, `SELECT `+assessmentColumns+assessmentFrom+
				` WHERE fa.id = $1 AND fa.family_id = $2`, x.ID, x.FamilyID)); err != nil {
				return notFound(err)
			}
			if old.Completed() {
				return &opora.Error{Code: opora.ECONFLICT, Message: "assessment.error.completed"}
			}
			orgID, x.FormID = old.OrganisationID, old.FormID
		}
		def, f, err := s.currentDef(ctx, tx, orgID, x.FormID)
		if err != nil {
			return err
		}
		if old == nil && f.Disabled {
			return opora.ErrNotFound
		}
		x.Def, x.FormName, x.OrganisationID = def, f.Name, orgID
		// Answers to indicators removed from the form since the draft was
		// saved are dropped; the rest must fit.
		for id := range x.Answers {
			if x.Answers[id] == 0 {
				delete(x.Answers, id)
			}
		}
		err = mergeInvalid(x.Validate(s.Today()), def.CheckAnswers(x.Answers, complete))
		if err != nil {
			return err
		}
		answers, err := json.Marshal(x.Answers)
		if err != nil {
			return fmt.Errorf("store: assessment: %w", err)
		}
		x.Status, x.Scores, x.Total, x.Level, x.SnapshotID = opora.AssessmentDraft, map[int64]int{}, 0, "", 0
		var total any
		if complete {
			x.Status = opora.AssessmentCompleted
			x.Scores, x.Total = def.Score(x.Answers)
			x.Level = def.Level(x.Total)
			total = x.Total
			if x.SnapshotID, err = s.snapshot(ctx, tx, orgID, def); err != nil {
				return err
			}
		}
		scores, err := json.Marshal(x.Scores)
		if err != nil {
			return fmt.Errorf("store: assessment: %w", err)
		}
		now := s.Now()
		if old == nil {
			x.AssessorID = a.UserID
			x.ID, err = insertID(ctx, tx, `INSERT INTO family_assessments (organisation_id, family_id, form_id, snapshot_id,
				status, assessed_on, assessor_id, answers, domain_scores, total_score, level_label, version, created_by,
				created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $7, $12, $7, $12)`,
				orgID, x.FamilyID, x.FormID, nullID(x.SnapshotID), x.Status, x.AssessedOn, nullID(a.UserID), string(answers),
				string(scores), total, x.Level, now)
			if err != nil {
				return fmt.Errorf("store: create assessment: %w", err)
			}
		} else {
			if _, err := tx.ExecContext(ctx, `UPDATE family_assessments SET snapshot_id = $1, status = $2, assessed_on = $3,
				answers = $4, domain_scores = $5, total_score = $6, level_label = $7, version = version + 1, updated_by = $8,
				updated_at = $9 WHERE id = $10`, nullID(x.SnapshotID), x.Status, x.AssessedOn, string(answers), string(scores),
				total, x.Level, nullID(a.UserID), now, x.ID); err != nil {
				return fmt.Errorf("store: update assessment: %w", err)
			}
		}
		ch := []opora.Change{{Field: "status", New: x.Status}, {Field: "assessed_on", New: dateString(x.AssessedOn)}}
		if complete {
			ch = append(ch, opora.Change{Field: "total_score", New: strconv.Itoa(x.Total)})
		}
		action := opora.ActionUpdate
		if old == nil {
			action = opora.ActionCreate
		}
		if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "family_assessment", EntityID: x.ID,
			Changes: ch}); err != nil {
			return err
		}
		if complete {
			return s.addFamilyEvent(ctx, tx, fam, "assessment", x.FormName, []opora.Change{
				{Field: "total_score", New: strconv.Itoa(x.Total)}, {Field: "level", New: x.Level}})
		}
		return nil
	})
}

// DomainChange is one domain's scores across assessments, oldest first.
type DomainChange struct {
	ID    int64
	Title string
	Cells []DomainCell
}

// DomainCell is a domain's score in one assessment and its change from the
// previous one that scored the domain ("" for the first).
type DomainCell struct {
	Score  int
	Has    bool
	Change string
}

// AssessmentComparison lays a family's completed assessments side by side.
type AssessmentComparison struct {
	Assessments []*opora.Assessment // oldest first
	Domains     []DomainChange
	Totals      []DomainCell
}

// CompareAssessments lays out a family's completed assessments (drafts are
// never compared), oldest first, per domain with the change from the
// previous assessment: a lower score is better. Domains are matched by
// their section of the form, titled as in the newest assessment. Writes
// the view audit row. Needs family.read on the family.
func (s *Store) CompareAssessments(ctx context.Context, familyID int64) (*AssessmentComparison, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermFamilyRead); err != nil {
		return nil, err
	}
	f, acc, err := s.loadFamilySection(ctx, s.r, familyID, opora.SectionAssessments)
	if err != nil {
		return nil, err
	}
	list, err := s.familyAssessments(ctx, s.r, familyID, true, true)
	if err != nil {
		return nil, err
	}
	out := &AssessmentComparison{}
	for i := len(list) - 1; i >= 0; i-- {
		out.Assessments = append(out.Assessments, list[i])
	}
	titles := map[int64]string{}
	order := map[int64]int{}
	var ids []int64
	for _, x := range out.Assessments {
		for i, d := range x.Def.Domains {
			if _, ok := titles[d.ID]; !ok {
				ids = append(ids, d.ID)
			}
			titles[d.ID], order[d.ID] = d.Title, i
		}
	}
	sort.SliceStable(ids, func(i, j int) bool { return order[ids[i]] < order[ids[j]] })
	for _, id := range ids {
		row := DomainChange{ID: id, Title: titles[id]}
		prev, hasPrev := 0, false
		for _, x := range out.Assessments {
			n, ok := x.DomainScore(id)
			c := DomainCell{Score: n, Has: ok}
			if ok && hasPrev {
				c.Change = opora.ScoreChange(prev, n)
			}
			if ok {
				prev, hasPrev = n, true
			}
			row.Cells = append(row.Cells, c)
		}
		out.Domains = append(out.Domains, row)
	}
	for i, x := range out.Assessments {
		c := DomainCell{Score: x.Total, Has: true}
		if i > 0 {
			c.Change = opora.ScoreChange(out.Assessments[i-1].Total, x.Total)
		}
		out.Totals = append(out.Totals, c)
	}
	return out, s.logFamilyView(ctx, f, acc, "assessment_compare")
}

// ScoredIndicator is an indicator of a completed assessment with its score.
type ScoredIndicator struct {
	FieldID int64
	Label   string
	Domain  string
	Score   int
}

// latestIndicators lists the indicators of the family's latest completed
// assessment, the highest score first (then in the form's order).
func (s *Store) latestIndicators(ctx context.Context, q queryer, familyID int64) ([]ScoredIndicator, error) {
	list, err := s.familyAssessments(ctx, q, familyID, true, false)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	x := list[0]
	if err := s.assessmentDef(ctx, q, x); err != nil {
		return nil, err
	}
	var out []ScoredIndicator
	for _, d := range x.Def.Domains {
		for _, ind := range d.Indicators {
			si := ScoredIndicator{FieldID: ind.ID, Label: ind.Label, Domain: d.Title}
			if o := ind.Option(x.Answers[ind.ID]); o != nil {
				si.Score = o.Score
			}
			out = append(out, si)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}
