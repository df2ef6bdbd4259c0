package reports

import (
	"reflect"

	"github.com/opora-project/opora/internal/opora"
)

// reportFeatures is what a report query uses beyond its subject, period
// and measure: its filters and groupings. A strategy that answers reports
// from a derived table (service_counts, active_client_months,
// client_service_ranges, client_counts, visit_counts) declares the features
// it supports and takes a query only when the query uses nothing else
// (supports), so a filter or grouping it does not know sends the query to
// the plain SQL instead of being ignored.
type reportFeatures uint32

const (
	featBranches reportFeatures = 1 << iota
	featWorkers
	featGender
	featHomeless
	featAge
	featServiceTypes
	featCaseTypes
	featCaseStatus
	featTaskTypes
	featFields
	// featUnknown is a field of opora.ReportQuery that reportQueryFeatures
	// does not know: no strategy supports it.
	featUnknown

	groupPeriod // month, quarter or year
	groupBranch
	groupWorker
	groupGender
	groupHomeless
	groupAgeBand
	groupServiceType
	groupPoint
	groupItem
	groupField // a questionnaire choice field
	groupOther // case and task types, case status, outcome
)

// reportQueryFields maps each field of opora.ReportQuery to the feature a
// non-zero value of it uses; the subject, period, groupings and measure
// are read by the strategies themselves (0). A field missing here counts as
// featUnknown.
var reportQueryFields = map[string]reportFeatures{
	"Subject":        0,
	"From":           0,
	"To":             0,
	"GroupBy":        0,
	"Measure":        0,
	"BranchIDs":      featBranches,
	"WorkerIDs":      featWorkers,
	"Gender":         featGender,
	"AgeMin":         featAge,
	"AgeMax":         featAge,
	"HomelessStatus": featHomeless,
	"ServiceTypeIDs": featServiceTypes,
	"CaseTypeIDs":    featCaseTypes,
	"CaseStatus":     featCaseStatus,
	"TaskTypeIDs":    featTaskTypes,
	"Fields":         featFields,
}

// dimensionFeatures maps the groupings to features; a field dimension is
// groupField.
var dimensionFeatures = map[opora.Dimension]reportFeatures{
	opora.DimMonth: groupPeriod, opora.DimQuarter: groupPeriod, opora.DimYear: groupPeriod,
	opora.DimBranch: groupBranch, opora.DimWorker: groupWorker, opora.DimGender: groupGender,
	opora.DimHomeless: groupHomeless, opora.DimAgeBand: groupAgeBand, opora.DimServiceType: groupServiceType,
	opora.DimPoint: groupPoint, opora.DimItem: groupItem,
	opora.DimCaseType: groupOther, opora.DimTaskType: groupOther, opora.DimCaseStatus: groupOther, opora.DimOutcome: groupOther,
}

// queryFeatures returns the features a query uses: every non-zero field of
// the query by reflection (so a field added to opora.ReportQuery is
// featUnknown until it is named here), and its groupings. The average age
// uses the ages.
func queryFeatures(q *opora.ReportQuery) reportFeatures {
	var f reportFeatures
	v := reflect.ValueOf(q).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			continue
		}
		feat, ok := reportQueryFields[v.Type().Field(i).Name]
		if !ok {
			feat = featUnknown
		}
		f |= feat
	}
	for _, d := range q.GroupBy {
		if feat, ok := dimensionFeatures[d]; ok {
			f |= feat
		} else if _, ok := d.FieldID(); ok {
			f |= groupField
		} else {
			f |= featUnknown
		}
	}
	if q.Measure == opora.MeasureAvgAge {
		f |= featAge
	}
	return f
}

// supports reports whether a query uses no feature outside the strategy's.
func (f reportFeatures) supports(q *opora.ReportQuery) bool {
	return queryFeatures(q)&^f == 0
}

// The features each derived table's strategy supports. The ages need the
// birth date, which no table of counts keeps (the ages on the period's last day).
const (
	// service_counts and service_type_counts: countedServices.
	serviceCountsFeatures = featBranches | featWorkers | featServiceTypes | groupPeriod | groupBranch | groupWorker | groupServiceType
	// active_client_months: activeClients (at most one grouping).
	activeClientsFeatures = featBranches | groupBranch
	// client_service_ranges: compileRanges.
	rangesFeatures = featBranches | featGender | featHomeless | featAge | groupBranch | groupGender | groupHomeless | groupAgeBand
	// client_counts, client_day_counts, client_answer_counts: countedClients.
	clientCountsFeatures = featBranches | featGender | featHomeless | groupPeriod | groupBranch | groupGender | groupHomeless |
		groupAgeBand | groupField
	// visit_counts: countedVisits.
	visitCountsFeatures = featBranches | featWorkers | groupPeriod | groupBranch | groupWorker | groupPoint | groupItem
)
