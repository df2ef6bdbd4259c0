package opora

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Hints for the curator and early-crisis screening (issue 23). Everything
// that decides whether a hint appears is written here in terms of a
// family's facts, so that the reason shown to the curator is exactly what
// matched: conditions on the latest completed assessment's indicators, the
// family's status, recent signals (by the reporting agency's type) and
// recent life events of its members. Rule hints are edited by regional
// methodologists; learned hints are counted from the instance's own closed
// cases over the same conditions (HintCondition.Key names a feature).

// Life events of a family member or a client (life_events.kind). Catalog
// key "life_event.<kind>". The codes are fixed (not a dictionary) so that
// rules and learned hints mean the same thing in every organisation.
const (
	LifeEventJobLoss      = "job_loss"
	LifeEventDivorce      = "divorce"
	LifeEventChildIllness = "child_illness"
	LifeEventAdultIllness = "adult_illness"
	LifeEventDisability   = "disability"
	LifeEventBirth        = "birth"
	LifeEventDeath        = "death"
	LifeEventMoved        = "moved"
	LifeEventHousingLoss  = "housing_loss"
	LifeEventImprisonment = "imprisonment"
	LifeEventDebt         = "debt"
)

// LifeEventKinds lists the kinds in display order.
var LifeEventKinds = []string{LifeEventJobLoss, LifeEventDivorce, LifeEventChildIllness, LifeEventAdultIllness,
	LifeEventDisability, LifeEventBirth, LifeEventDeath, LifeEventMoved, LifeEventHousingLoss, LifeEventImprisonment,
	LifeEventDebt}

// LifeEvent is something that happened to a person that may lead to a
// crisis: a job lost, a divorce, a child's illness. FamilyID is set when
// the person was a member of a family card when it was recorded.
type LifeEvent struct {
	ID             int64
	OrganisationID int64
	ClientID       int64
	ClientName     string // filled when read
	FamilyID       int64
	Kind           string
	OccurredOn     Date
	Note           string
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
}

// Normalize trims the note.
func (e *LifeEvent) Normalize() { e.Note = strings.TrimSpace(e.Note) }

// Validate checks a life event on day today.
func (e *LifeEvent) Validate(today Date) error {
	var v Validation
	if !slices.Contains(LifeEventKinds, e.Kind) {
		v.Add("kind", "error.required")
	}
	if e.OccurredOn.IsZero() {
		v.Add("occurred_on", "error.required")
	} else if e.OccurredOn.After(today) {
		v.Add("occurred_on", "error.date_future")
	}
	checkText(&v, "note", e.Note, false, 1000)
	return v.Err()
}

// HintCondKind is what a hint condition looks at.
type HintCondKind string

const (
	// CondIndicator: the indicator (assessment field, by its label, as the
	// regional procedure names indicators) scored at least Min in the
	// family's latest completed assessment.
	CondIndicator HintCondKind = "indicator"
	// CondEvent: a member had a life event of kind Ref in the last Months.
	CondEvent HintCondKind = "event"
	// CondSignal: a signal about the family came from an agency of type Ref
	// ("" any reporter) in the last Months.
	CondSignal HintCondKind = "signal"
	// CondStatus: the family's status key is Ref.
	CondStatus HintCondKind = "status"
)

// HintCondKinds lists the condition kinds in display order.
var HintCondKinds = []HintCondKind{CondIndicator, CondEvent, CondSignal, CondStatus}

// DefaultHintMonths is the window of an event or signal condition that
// names none.
const DefaultHintMonths = 12

// HintCondition is one condition of a hint rule, or one feature of a
// family's profile for learned hints.
type HintCondition struct {
	Kind   HintCondKind `json:"kind"`
	Ref    string       `json:"ref"`
	Min    int          `json:"min,omitempty"`    // CondIndicator: the least score (1 risk, 2 problem, 3 danger)
	Months int          `json:"months,omitempty"` // CondEvent, CondSignal: the window; 0 = DefaultHintMonths
}

// Window returns the condition's window in months.
func (c HintCondition) Window() int {
	if c.Months <= 0 {
		return DefaultHintMonths
	}
	return c.Months
}

// Key names the condition as a feature: "indicator:<label>>=2",
// "event:job_loss", "signal:school", "signal:", "status:sop". The window
// is not part of the key (learned features use DefaultHintMonths).
func (c HintCondition) Key() string {
	if c.Kind == CondIndicator {
		return string(c.Kind) + ":" + c.Ref + ">=" + strconv.Itoa(max(c.Min, 1))
	}
	return string(c.Kind) + ":" + c.Ref
}

// ParseHintKey reads a key written by Key (window DefaultHintMonths).
func ParseHintKey(key string) (HintCondition, bool) {
	kind, ref, ok := strings.Cut(key, ":")
	if !ok || !slices.Contains(HintCondKinds, HintCondKind(kind)) {
		return HintCondition{}, false
	}
	c := HintCondition{Kind: HintCondKind(kind), Ref: ref}
	if c.Kind == CondIndicator {
		i := strings.LastIndex(ref, ">=")
		if i < 0 {
			return HintCondition{}, false
		}
		n, err := strconv.Atoi(ref[i+2:])
		if err != nil || n < 1 {
			return HintCondition{}, false
		}
		c.Ref, c.Min = ref[:i], n
	}
	return c, true
}

// Validate checks a condition; field names the form field for errors.
func (c HintCondition) validate(v *Validation, field string) {
	switch c.Kind {
	case CondIndicator:
		if strings.TrimSpace(c.Ref) == "" {
			v.Add(field, "hints.error.indicator")
		}
		if c.Min < 1 || c.Min > 3 {
			v.Add(field, "hints.error.min")
		}
	case CondEvent:
		if !slices.Contains(LifeEventKinds, c.Ref) {
			v.Add(field, "hints.error.event")
		}
	case CondSignal:
		if c.Ref != "" && !OrgType(c.Ref).Valid() {
			v.Add(field, "hints.error.agency")
		}
	case CondStatus:
		if strings.TrimSpace(c.Ref) == "" {
			v.Add(field, "hints.error.status")
		}
	default:
		v.Add(field, "hints.error.kind")
	}
	if c.Months < 0 || c.Months > 120 {
		v.Add(field, "hints.error.months")
	}
}

// FamilyFacts is what hints are decided on: a family's (or a person's)
// data as of a day. Indicators are the latest completed assessment's
// scores by indicator label.
type FamilyFacts struct {
	FamilyID   int64
	ClientID   int64 // a person without a family card (screening)
	StatusKey  string
	AssessedOn Date
	Indicators map[string]int
	Signals    []FactSignal
	Events     []FactEvent
}

// FactSignal is a signal about the family.
type FactSignal struct {
	ReceivedOn Date
	AgencyType OrgType // the reporting organisation's type; "" for a person or anonymous
}

// FactEvent is a member's life event.
type FactEvent struct {
	Kind       string
	OccurredOn Date
	Member     string // the member's name as the card shows it (for the reason)
}

// Because is why a condition holds: the condition and the fact that meets
// it (the indicator's score, the event or signal with its date).
type Because struct {
	Cond   HintCondition
	Score  int    // CondIndicator
	On     Date   // CondEvent, CondSignal: the latest matching date; CondIndicator: the assessment's date
	Member string // CondEvent
	Count  int    // CondSignal: how many signals in the window
}

// Eval reports whether the condition holds for the facts on day today and
// why.
func (c HintCondition) Eval(f *FamilyFacts, today Date) (Because, bool) {
	b := Because{Cond: c}
	since := today.AddMonths(-c.Window())
	switch c.Kind {
	case CondIndicator:
		s, ok := f.Indicators[c.Ref]
		if !ok || s < max(c.Min, 1) {
			return b, false
		}
		b.Score, b.On = s, f.AssessedOn
		return b, true
	case CondEvent:
		for _, e := range f.Events {
			if e.Kind == c.Ref && !e.OccurredOn.Before(since) && !e.OccurredOn.After(today) && e.OccurredOn.Compare(b.On) >= 0 {
				b.On, b.Member = e.OccurredOn, e.Member
			}
		}
		return b, !b.On.IsZero()
	case CondSignal:
		for _, sg := range f.Signals {
			if (c.Ref == "" || string(sg.AgencyType) == c.Ref) && !sg.ReceivedOn.Before(since) && !sg.ReceivedOn.After(today) {
				b.Count++
				if sg.ReceivedOn.After(b.On) {
					b.On = sg.ReceivedOn
				}
			}
		}
		return b, b.Count > 0
	case CondStatus:
		return b, f.StatusKey != "" && f.StatusKey == c.Ref
	}
	return b, false
}

// Features lists the facts' features (HintCondition.Key values) on day
// today with the default window, indicators at each score they reach:
// an indicator scored 2 gives ">=1" and ">=2". Sorted.
func (f *FamilyFacts) Features(today Date) []string {
	var out []string
	for label, s := range f.Indicators {
		for m := 1; m <= min(s, 3); m++ {
			out = append(out, HintCondition{Kind: CondIndicator, Ref: label, Min: m}.Key())
		}
	}
	if f.StatusKey != "" {
		out = append(out, HintCondition{Kind: CondStatus, Ref: f.StatusKey}.Key())
	}
	for _, k := range LifeEventKinds {
		if _, ok := (HintCondition{Kind: CondEvent, Ref: k}).Eval(f, today); ok {
			out = append(out, HintCondition{Kind: CondEvent, Ref: k}.Key())
		}
	}
	seen := map[string]bool{}
	for _, sg := range f.Signals {
		c := HintCondition{Kind: CondSignal, Ref: string(sg.AgencyType)}
		if seen[c.Ref] {
			continue
		}
		if _, ok := c.Eval(f, today); ok {
			seen[c.Ref] = true
			out = append(out, c.Key())
		}
	}
	slices.Sort(out)
	return out
}

// HintMeasure is a recommended measure: a task type (its key, the same in
// every agency) and the type of agency responsible for it.
type HintMeasure struct {
	TaskTypeKey string  `json:"task_type"`
	AgencyType  OrgType `json:"agency_type,omitempty"`
}

// HintRule is a rule hint: when all its conditions hold, the family likely
// has the difficulty, and the measures are recommended. Source cites the
// regional procedure's section. EarlyCrisis rules also feed the early
// screening list.
type HintRule struct {
	ID          int64
	Difficulty  string
	Conditions  []HintCondition
	Measures    []HintMeasure
	Source      string
	EarlyCrisis bool
	Disabled    bool
	Version     int
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedBy   int64
	UpdatedAt   time.Time
	// Filled when read for the editor: conditions naming an indicator no
	// enabled assessment field has any more (by position in Conditions).
	Broken []int
}

// MaxHintConditions bounds a rule's conditions.
const MaxHintConditions = 8

// Normalize trims the rule's texts and drops blank measures.
func (r *HintRule) Normalize() {
	r.Difficulty = strings.Join(strings.Fields(r.Difficulty), " ")
	r.Source = strings.TrimSpace(r.Source)
	for i := range r.Conditions {
		r.Conditions[i].Ref = strings.TrimSpace(r.Conditions[i].Ref)
	}
	r.Measures = slices.DeleteFunc(r.Measures, func(m HintMeasure) bool { return strings.TrimSpace(m.TaskTypeKey) == "" })
}

// Validate checks a rule: a difficulty, one to MaxHintConditions valid
// conditions, at least one measure (condition errors are named
// "conditions.<i>", measure errors "measures.<i>").
func (r *HintRule) Validate() error {
	var v Validation
	checkText(&v, "difficulty", r.Difficulty, true, 300)
	checkText(&v, "source", r.Source, false, 500)
	if len(r.Conditions) == 0 {
		v.Add("conditions", "hints.error.no_conditions")
	} else if len(r.Conditions) > MaxHintConditions {
		v.Add("conditions", "hints.error.too_many")
	}
	for i, c := range r.Conditions {
		c.validate(&v, "conditions."+strconv.Itoa(i))
	}
	if len(r.Measures) == 0 {
		v.Add("measures", "hints.error.no_measures")
	}
	for i, m := range r.Measures {
		if m.AgencyType != "" && !m.AgencyType.Valid() {
			v.Add("measures."+strconv.Itoa(i), "hints.error.agency")
		}
	}
	return v.Err()
}

// Match reports whether every condition of the rule holds for the facts on
// day today, with the reason of each. A disabled rule never matches.
func (r *HintRule) Match(f *FamilyFacts, today Date) ([]Because, bool) {
	if r.Disabled || len(r.Conditions) == 0 {
		return nil, false
	}
	out := make([]Because, 0, len(r.Conditions))
	for _, c := range r.Conditions {
		b, ok := c.Eval(f, today)
		if !ok {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}

// Hint feedback verdicts (hint_feedback.verdict). Catalog key
// "hints.verdict.<value>".
const (
	HintUseful    = "useful"
	HintNotUseful = "not_useful"
	HintWrong     = "wrong"
)

// HintVerdicts lists the verdicts in display order.
var HintVerdicts = []string{HintUseful, HintNotUseful, HintWrong}

// Hint kinds (hint_feedback.hint_kind).
const (
	HintKindRule    = "rule"
	HintKindLearned = "learned"
)

// Screening outcomes: what a worker did about a family or person on the
// early screening list (screening_actions.outcome). Catalog key
// "screening.outcome.<value>".
const (
	ScreenContacted   = "contacted"
	ScreenOffered     = "offered"
	ScreenDeclined    = "declined"
	ScreenNotRelevant = "not_relevant"
)

// ScreenOutcomes lists the outcomes in display order.
var ScreenOutcomes = []string{ScreenContacted, ScreenOffered, ScreenDeclined, ScreenNotRelevant}
