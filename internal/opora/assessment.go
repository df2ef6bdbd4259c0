package opora

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Diagnostic assessment of a family (Flow B). An assessment form is a form
// of kind FormKindAssessment: its sections are the domains, its choice
// fields the indicators, each option carries a score (0 none, 1 risk,
// 2 problem, 3 danger by default). A domain's score is the sum of its
// answers' scores, the total the sum of the domains; the form's levels
// (set by the region) map the total to a level. A completed assessment
// keeps the definition it was answered with (AssessmentDef, a snapshot),
// so it renders the same after the form changes.

// Form kinds (forms.kind).
const (
	FormKindClient     = "client"     // the questionnaire and the client's repeatable forms
	FormKindAssessment = "assessment" // a family's diagnostic assessment
)

// DefaultAssessmentKey is the key of the seeded assessment form.
const DefaultAssessmentKey = "family_assessment"

// Assessment statuses. Catalog key "assessment.status.<value>".
const (
	AssessmentDraft     = "draft"
	AssessmentCompleted = "completed"
)

// AssessmentLevel is one level of an assessment form: a total of at least
// MinScore reaches it.
type AssessmentLevel struct {
	ID       int64  `json:"id,omitempty"`
	Label    string `json:"label"`
	MinScore int    `json:"min"`
}

// AssessmentOption is an answer to an indicator with its score.
type AssessmentOption struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	Score int    `json:"score"`
}

// Indicator is one scored question.
type Indicator struct {
	ID      int64              `json:"id"`
	Label   string             `json:"label"`
	Hint    string             `json:"hint,omitempty"`
	Options []AssessmentOption `json:"options"`
}

// Option returns the indicator's option with the id, or nil.
func (x *Indicator) Option(id int64) *AssessmentOption {
	for i := range x.Options {
		if x.Options[i].ID == id {
			return &x.Options[i]
		}
	}
	return nil
}

// AssessmentDomain is a section of indicators.
type AssessmentDomain struct {
	ID         int64       `json:"id"`
	Title      string      `json:"title"`
	Indicators []Indicator `json:"indicators"`
}

// AssessmentDef is an assessment form as it is answered: its enabled
// domains, indicators (enabled choice fields) and options, and its levels
// from the lowest minimum up.
type AssessmentDef struct {
	FormID  int64              `json:"form_id"`
	Name    string             `json:"name"`
	Domains []AssessmentDomain `json:"domains"`
	Levels  []AssessmentLevel  `json:"levels"`
}

// AssessmentDefOf builds the definition of an assessment form: disabled
// sections, fields and options and fields that are not single choice are
// left out.
func AssessmentDefOf(f *Form, levels []AssessmentLevel) *AssessmentDef {
	d := &AssessmentDef{FormID: f.ID, Name: f.Name}
	for _, sec := range f.Sections {
		if sec.Disabled {
			continue
		}
		dom := AssessmentDomain{ID: sec.ID, Title: sec.Title}
		for _, x := range sec.Fields {
			if x.Disabled || x.Type != FieldChoice {
				continue
			}
			ind := Indicator{ID: x.ID, Label: x.Label, Hint: x.Hint}
			for _, o := range x.Options {
				if !o.Disabled {
					ind.Options = append(ind.Options, AssessmentOption{ID: o.ID, Label: o.Label, Score: o.Score})
				}
			}
			if len(ind.Options) > 0 {
				dom.Indicators = append(dom.Indicators, ind)
			}
		}
		if len(dom.Indicators) > 0 {
			d.Domains = append(d.Domains, dom)
		}
	}
	for _, l := range levels {
		d.Levels = append(d.Levels, AssessmentLevel{Label: l.Label, MinScore: l.MinScore})
	}
	slices.SortStableFunc(d.Levels, func(a, b AssessmentLevel) int { return a.MinScore - b.MinScore })
	return d
}

// Indicator returns the indicator with the id and its domain, or nils.
func (d *AssessmentDef) Indicator(id int64) (*Indicator, *AssessmentDomain) {
	for i := range d.Domains {
		for j := range d.Domains[i].Indicators {
			if d.Domains[i].Indicators[j].ID == id {
				return &d.Domains[i].Indicators[j], &d.Domains[i]
			}
		}
	}
	return nil, nil
}

// Indicators counts the definition's indicators.
func (d *AssessmentDef) Indicators() int {
	n := 0
	for _, dom := range d.Domains {
		n += len(dom.Indicators)
	}
	return n
}

// Score sums the answers' scores per domain (by domain id) and in all.
// Answers to indicators the definition lacks count for nothing.
func (d *AssessmentDef) Score(answers map[int64]int64) (map[int64]int, int) {
	scores := map[int64]int{}
	total := 0
	for _, dom := range d.Domains {
		sum := 0
		for _, x := range dom.Indicators {
			if o := x.Option(answers[x.ID]); o != nil {
				sum += o.Score
			}
		}
		scores[dom.ID] = sum
		total += sum
	}
	return scores, total
}

// Level returns the label of the highest level whose minimum the total
// reaches, "" when none.
func (d *AssessmentDef) Level(total int) string {
	label := ""
	for _, l := range d.Levels {
		if total >= l.MinScore {
			label = l.Label
		}
	}
	return label
}

// CheckAnswers validates answers against the definition: every option must
// belong to its indicator; with complete, every indicator must be
// answered. Field names are "f<indicator id>".
func (d *AssessmentDef) CheckAnswers(answers map[int64]int64, complete bool) error {
	var v Validation
	for id, opt := range answers {
		x, _ := d.Indicator(id)
		if x == nil || x.Option(opt) == nil {
			v.Add("f"+strconv.FormatInt(id, 10), "error.invalid_choice")
		}
	}
	if complete {
		for _, dom := range d.Domains {
			for _, x := range dom.Indicators {
				if answers[x.ID] == 0 {
					v.Add("f"+strconv.FormatInt(x.ID, 10), "assessment.error.unanswered")
				}
			}
		}
	}
	return v.Err()
}

// Assessment is one assessment of a family.
type Assessment struct {
	ID             int64
	OrganisationID int64
	FamilyID       int64
	FormID         int64
	FormName       string
	SnapshotID     int64
	Status         string
	AssessedOn     Date
	AssessorID     int64
	AssessorName   string
	Answers        map[int64]int64 // indicator (field) id → option id
	Scores         map[int64]int   // domain (section) id → score; completed only
	Total          int
	Level          string
	Version        int
	Def            *AssessmentDef // the snapshot (completed) or the current form (draft)
	UpdatedAt      time.Time
}

// Completed reports whether the assessment was completed and scored.
func (a *Assessment) Completed() bool { return a.Status == AssessmentCompleted }

// DomainScore returns a completed assessment's score in a domain, and
// whether it has one.
func (a *Assessment) DomainScore(domainID int64) (int, bool) {
	n, ok := a.Scores[domainID]
	return n, ok
}

// Validate checks the assessment's date; today is the current date.
func (a *Assessment) Validate(today Date) error {
	var v Validation
	if a.AssessedOn.IsZero() {
		v.Add("assessed_on", "error.date")
	} else if a.AssessedOn.After(today) {
		v.Add("assessed_on", "error.date_future")
	}
	return v.Err()
}

// Changes of a domain between two assessments. Catalog key "assessment.change.<value>".
const (
	ChangeBetter = "better"
	ChangeWorse  = "worse"
	ChangeSame   = "same"
)

// ScoreChange words a domain score's move: a lower score is better.
func ScoreChange(before, after int) string {
	switch {
	case after < before:
		return ChangeBetter
	case after > before:
		return ChangeWorse
	}
	return ChangeSame
}

// DraftTask is a task proposed for a family's help plan: what to do and
// why, which indicator it answers, which kind of agency should do it and
// by when. It is never assigned before the council approves the plan.
type DraftTask struct {
	ID                 int64
	CaseID             int64
	FamilyID           int64
	TypeID             int64
	TypeLabel          string
	What               string
	Reason             string
	IndicatorFieldID   int64
	IndicatorLabel     string
	ProposedAgencyType OrgType
	DueOn              Date
	Position           int
}

// Validate checks a draft task; today is the current date.
func (t *DraftTask) Validate(today Date) error {
	var v Validation
	t.What = strings.TrimSpace(t.What)
	t.Reason = strings.TrimSpace(t.Reason)
	if t.TypeID == 0 {
		v.Add("type_id", "error.required")
	}
	checkText(&v, "what", t.What, true, 2000)
	checkText(&v, "reason", t.Reason, false, 2000)
	if t.ProposedAgencyType != "" && !t.ProposedAgencyType.Valid() {
		v.Add("proposed_agency_type", "error.invalid_choice")
	}
	if !t.DueOn.IsZero() && t.DueOn.Before(today) {
		v.Add("due_on", "assessment.error.due_past")
	}
	return v.Err()
}
