package opora

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ReportSubject is what a report counts.
type ReportSubject string

const (
	SubjectClients  ReportSubject = "clients"  // new clients: records created in the period
	SubjectServices ReportSubject = "services" // services rendered in the period
	SubjectCases    ReportSubject = "cases"    // cases opened in the period
	SubjectClosed   ReportSubject = "closed"   // cases closed in the period (with outcomes)
	SubjectTasks    ReportSubject = "tasks"    // plan tasks done in the period
	SubjectVisits   ReportSubject = "visits"   // check-in visits (humanitarian help) in the period
)

// ReportSubjects lists the subjects in display order.
var ReportSubjects = []ReportSubject{SubjectClients, SubjectServices, SubjectVisits, SubjectCases, SubjectClosed, SubjectTasks}

// Dimension is one grouping of a report. Questionnaire fields are
// "field:<id>"; everything else is one of the constants.
type Dimension string

const (
	DimMonth       Dimension = "month"
	DimQuarter     Dimension = "quarter"
	DimYear        Dimension = "year"
	DimBranch      Dimension = "branch"
	DimWorker      Dimension = "worker"
	DimGender      Dimension = "gender"
	DimAgeBand     Dimension = "age_band"
	DimServiceType Dimension = "service_type"
	DimTaskType    Dimension = "task_type"
	DimCaseType    Dimension = "case_type"
	DimCaseStatus  Dimension = "case_status"
	DimOutcome     Dimension = "outcome"
	DimPoint       Dimension = "point" // check-in point
	DimItem        Dimension = "item"  // check-in item ("came" when 0)
	DimHomeless    Dimension = "homeless_status"
)

// FieldDimension groups by a questionnaire choice field.
func FieldDimension(fieldID int64) Dimension {
	return Dimension("field:" + strconv.FormatInt(fieldID, 10))
}

// FieldID returns the questionnaire field of a field dimension.
func (d Dimension) FieldID() (int64, bool) {
	s, ok := strings.CutPrefix(string(d), "field:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// Measure is what a report computes per group.
type Measure string

const (
	MeasureCount           Measure = "count"
	MeasureDistinctClients Measure = "distinct_clients"
	MeasureSumAmount       Measure = "sum_amount"
	MeasureSumQuantity     Measure = "sum_quantity" // services: the quantities (a food parcel ×5 counts 5)
	MeasureAvgAge          Measure = "avg_age"
)

// Measures lists the measures in display order.
var Measures = []Measure{MeasureCount, MeasureSumQuantity, MeasureDistinctClients, MeasureSumAmount, MeasureAvgAge}

// AgeBands are the age groups reports use: [from, to] inclusive; -1 = open.
var AgeBands = [][2]int{{0, 17}, {18, 29}, {30, 39}, {40, 49}, {50, 59}, {60, -1}}

// FieldFilter keeps rows whose client answered the field with any of the options.
type FieldFilter struct {
	FieldID   int64
	OptionIDs []int64
}

// MaxGroupings is how many dimensions a query may group by: the builder
// offers two, the dashboard counts new clients by month × gender × age band
// at once and takes each breakdown as a marginal.
const MaxGroupings = 3

// ReportQuery is the whitelisted model of a report: every part is a known
// name or an id, never SQL text.
type ReportQuery struct {
	Subject        ReportSubject
	From, To       Date // days, both inclusive
	BranchIDs      []int64
	WorkerIDs      []int64
	Gender         Gender
	AgeMin, AgeMax int // 0 = open
	HomelessStatus HomelessStatus
	ServiceTypeIDs []int64
	CaseTypeIDs    []int64
	CaseStatus     string
	TaskTypeIDs    []int64
	Fields         []FieldFilter
	GroupBy        []Dimension // at most two
	Measure        Measure
}

// Validate checks the shape of a query (the store checks ids and visibility).
func (q *ReportQuery) Validate() error {
	var v Validation
	known := false
	for _, s := range ReportSubjects {
		known = known || s == q.Subject
	}
	if !known {
		v.Add("subject", "error.invalid_choice")
	}
	if q.From.IsZero() {
		v.Add("from", "error.date")
	}
	if q.To.IsZero() {
		v.Add("to", "error.date")
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		v.Add("to", "error.period_reversed")
	}
	if len(q.GroupBy) > MaxGroupings {
		v.Add("group_by", "error.too_many_groups")
	}
	for i, d := range q.GroupBy {
		if slices.Contains(q.GroupBy[:i], d) {
			v.Add("group_by", "error.same_group")
			break
		}
	}
	measureKnown := false
	for _, m := range Measures {
		measureKnown = measureKnown || m == q.Measure
	}
	if !measureKnown {
		v.Add("measure", "error.invalid_choice")
	}
	if q.AgeMin < 0 || q.AgeMax < 0 || (q.AgeMax > 0 && q.AgeMax < q.AgeMin) {
		v.Add("age", "error.age_range")
	}
	if q.Gender != "" && q.Gender != GenderMale && q.Gender != GenderFemale {
		v.Add("gender", "error.invalid_choice")
	}
	return v.Err()
}

// ReportRow is one group of a report result. Keys hold the group values
// (display labels), Value the measure.
type ReportRow struct {
	Keys  []string // raw group values: codes, ids or date buckets ("" = not recorded)
	Value float64
}

// ReportResult is a computed report.
type ReportResult struct {
	Query   ReportQuery
	Columns []Dimension
	Rows    []ReportRow
	// Labels maps, per column, raw keys to display labels where the store
	// knows them (branch, worker and type names, option labels).
	Labels []map[string]string
	// Ranks gives, per column, the place of a key in its catalog's order
	// (service, case and task types, choice options) where the store knows
	// it; the rows come in that order.
	Ranks []map[string]int
	Total float64 // the measure over all rows (distinct where the measure is distinct)
}

// CompareKeys orders two keys of column col: by the catalog's order where
// the column has one, numbers (ids) by value, the rest as text; "" (not
// recorded) first.
func (r *ReportResult) CompareKeys(col int, a, b string) int {
	if a == b {
		return 0
	}
	if a == "" || b == "" {
		return strings.Compare(a, b)
	}
	if col < len(r.Ranks) && r.Ranks[col] != nil {
		x, okA := r.Ranks[col][a]
		y, okB := r.Ranks[col][b]
		switch {
		case okA && okB:
			return x - y
		case okA:
			return -1
		case okB:
			return 1
		}
	}
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// Marginal sums a result of an additive measure (a count or a sum, grouped
// by single-valued dimensions) over every grouping but column col: services
// by month × type gives services by month and services by type without
// counting them again. Rows come in key order (CompareKeys).
func (r *ReportResult) Marginal(col int) *ReportResult {
	out := &ReportResult{Query: r.Query, Columns: []Dimension{r.Columns[col]}, Total: r.Total}
	out.Query.GroupBy = out.Columns
	if col < len(r.Labels) {
		out.Labels = []map[string]string{r.Labels[col]}
	}
	if col < len(r.Ranks) {
		out.Ranks = []map[string]int{r.Ranks[col]}
	}
	at := map[string]int{}
	for _, row := range r.Rows {
		k := row.Keys[col]
		i, ok := at[k]
		if !ok {
			i = len(out.Rows)
			at[k] = i
			out.Rows = append(out.Rows, ReportRow{Keys: []string{k}})
		}
		out.Rows[i].Value += row.Value
	}
	sort.SliceStable(out.Rows, func(i, j int) bool {
		return out.CompareKeys(0, out.Rows[i].Keys[0], out.Rows[j].Keys[0]) < 0
	})
	return out
}

// SavedReport is a builder report kept under a name, private to its author
// or shared within the organisation.
type SavedReport struct {
	ID             int64
	OrganisationID int64
	Name           string
	Query          string // the builder's parameters, URL-encoded
	Shared         bool
	CreatedBy      int64
	CreatedByName  string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks a saved report before saving.
func (r *SavedReport) Validate() error {
	var v Validation
	r.Name = strings.TrimSpace(r.Name)
	checkText(&v, "name", r.Name, true, 200)
	if len(r.Query) > 4000 {
		v.Add("query", "error.too_long")
	}
	return v.Err()
}
