package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/sqldb"
)

// subjectSQL says how one report subject maps onto tables. Every piece is a
// constant of this file; user input only ever arrives as $n parameters.
type subjectSQL struct {
	from      string // FROM … with the subject alias and "c" for its client
	where     string // always-on condition
	date      string // the column the period applies to
	timestamp bool   // date is a UTC timestamp (shifted to local time), not a DATE
	client    string // the client id expression
	branch    string
	worker    string
	amount    string // "" when the subject has no amount
	quantity  string // "" when the subject has no quantity
	sum       string // the column a count sums, for tables of counts
	option    string // the option column a choice-field dimension reads, for tables of counts
	dims      map[opora.Dimension]string
	// scope replaces the client scope for subjects whose rows need not
	// have a client record (check-in visits); c is then the person.
	scope func(a *opora.Actor, args []any) (string, []any, error)
	// personOnly marks subjects whose "c" has no client-only columns
	// (housing status).
	personOnly bool
	// birthDate marks subjects whose "c" has the birth date: the age on the
	// reference day counts whether the birthday has come. Without it only
	// the birth year is known (check-in persons), and the age is the
	// difference of years, as the client record shows for a birth year.
	birthDate bool
	// birthMD, when set, is the birth date's month and day as the number
	// MMDD (0: not known to the day), for tables that keep it instead of
	// the date (client_service_ranges).
	birthMD string
	// bare is from without the client join, with bareWhere and org (the
	// row's organisation column) instead: used when nothing of the query
	// needs the client (no client attribute filtered or grouped on, and an
	// organisation-wide scope, or a scope function on the row's columns).
	// A merge moves these rows to the surviving client, so none belongs to
	// a merged-away one; bareWhere leaves out deleted clients' rows.
	bare, bareWhere, org string
}

// deletedClients lists the organisation's ($1) deleted clients, whose rows
// no report counts (as new clients leave out a deleted client), for the bare
// subjects that do not join the client. Few clients are deleted; the
// clients_deleted index (migration 00030) holds just them.
const deletedClients = "SELECT d.id FROM clients d WHERE d.organisation_id = $1 AND d.deleted_at IS NOT NULL"

var reportSubjects = map[opora.ReportSubject]subjectSQL{
	opora.SubjectClients: {
		birthDate: true,
		from:      "clients c",
		where:     "c.deleted_at IS NULL AND c.merged_into IS NULL",
		date:      "c.created_at",
		timestamp: true,
		client:    "c.id",
		branch:    "c.branch_id",
		worker:    "c.responsible_id",
	},
	opora.SubjectServices: {
		birthDate: true,
		from:      "services s JOIN clients c ON c.id = s.client_id",
		where:     "s.deleted_at IS NULL AND c.deleted_at IS NULL AND c.merged_into IS NULL",
		bare:      "services s",
		bareWhere: "s.deleted_at IS NULL AND s.client_id NOT IN (" + deletedClients + ")",
		org:       "s.organisation_id",
		date:      "s.rendered_on",
		client:    "s.client_id",
		branch:    "s.branch_id",
		worker:    "s.worker_id",
		amount:    "s.amount_kopecks",
		quantity:  "s.quantity",
		dims:      map[opora.Dimension]string{opora.DimServiceType: "s.type_id"},
	},
	opora.SubjectVisits: {
		from:       "checkin_visits v JOIN checkin_persons c ON c.id = v.person_id",
		where:      "1 = 1",
		date:       "v.visited_on",
		client:     "v.person_id",
		branch:     "v.branch_id",
		worker:     "v.created_by",
		dims:       map[opora.Dimension]string{opora.DimPoint: "v.point_id", opora.DimItem: "v.item_id"},
		scope:      visitScope,
		personOnly: true,
		// The scope is on the visit's own columns; the person is joined
		// only for gender and age.
		bare:      "checkin_visits v",
		bareWhere: "1 = 1",
	},
	opora.SubjectCases: {
		birthDate: true,
		from:      "cases k JOIN clients c ON c.id = k.client_id",
		where:     "k.subject_type = 'client' AND c.deleted_at IS NULL AND c.merged_into IS NULL",
		bare:      "cases k",
		bareWhere: "k.subject_type = 'client' AND k.client_id NOT IN (" + deletedClients + ")",
		org:       "k.organisation_id",
		date:      "k.opened_on",
		client:    "k.client_id",
		branch:    "c.branch_id",
		worker:    "k.curator_id",
		dims: map[opora.Dimension]string{opora.DimCaseType: "k.type_id", opora.DimCaseStatus: "k.status",
			opora.DimOutcome: "k.outcome"},
	},
	opora.SubjectClosed: {
		birthDate: true,
		from:      "cases k JOIN clients c ON c.id = k.client_id",
		where:     "k.subject_type = 'client' AND k.status = 'closed' AND c.deleted_at IS NULL AND c.merged_into IS NULL",
		bare:      "cases k",
		bareWhere: "k.subject_type = 'client' AND k.status = 'closed' AND k.client_id NOT IN (" + deletedClients + ")",
		org:       "k.organisation_id",
		date:      "k.closed_on",
		client:    "k.client_id",
		branch:    "c.branch_id",
		worker:    "k.curator_id",
		dims: map[opora.Dimension]string{opora.DimCaseType: "k.type_id", opora.DimCaseStatus: "k.status",
			opora.DimOutcome: "k.outcome"},
	},
	opora.SubjectTasks: {
		birthDate: true,
		from:      "case_tasks t JOIN clients c ON c.id = t.client_id",
		where:     "t.status = 'done' AND c.deleted_at IS NULL AND c.merged_into IS NULL",
		bare:      "case_tasks t",
		bareWhere: "t.status = 'done' AND t.client_id IS NOT NULL AND t.client_id NOT IN (" + deletedClients + ")",
		org:       "t.organisation_id",
		date:      "t.done_on",
		client:    "t.client_id",
		branch:    "c.branch_id",
		worker:    "t.responsible_id",
		dims:      map[opora.Dimension]string{opora.DimTaskType: "t.type_id"},
	},
}

// serviceCountsSubject reads service_counts (migration 00016) instead of
// services, for the queries countedServices allows; service_type_counts
// (00024, the same rows without the worker) when the query neither filters
// nor groups by worker.
var serviceCountsSubject = subjectSQL{
	from:   "service_counts s",
	where:  "1 = 1",
	date:   "s.day",
	branch: "s.branch_id",
	worker: "s.worker_id",
	amount: "s.amount_kopecks",
	sum:    "s.services",
	dims:   map[opora.Dimension]string{opora.DimServiceType: "s.type_id"},
	scope: func(a *opora.Actor, args []any) (string, []any, error) {
		args = append(args, a.OrganisationID)
		return "s.organisation_id = $" + strconv.Itoa(len(args)), args, nil
	},
}

// countedServices reports whether a services query can be answered from
// service_counts: a count or a sum, organisation-wide, filtered and grouped
// only by period, branch, worker and service type.
func countedServices(a *opora.Actor, q *opora.ReportQuery) bool {
	if q.Subject != opora.SubjectServices || (q.Measure != opora.MeasureCount && q.Measure != opora.MeasureSumAmount) {
		return false
	}
	if !sqldb.OrgWide(a, opora.PermReportRun) {
		return false
	}
	return serviceCountsFeatures.supports(q)
}

// byWorker reports whether a query filters or groups by worker.
func byWorker(q *opora.ReportQuery) bool {
	return len(q.WorkerIDs) > 0 || slices.Contains(q.GroupBy, opora.DimWorker)
}

// reportSubject returns the SQL of a subject, or false while the tables it
// needs do not exist in this version.
func reportSubject(subj opora.ReportSubject) (subjectSQL, bool) {
	def, ok := reportSubjects[subj]
	return def, ok
}

// localOffsetMinutes is the server's UTC offset, used to put timestamps into
// local days and months. Russia has no daylight saving time.
func localOffsetMinutes(t time.Time) int {
	_, off := t.In(time.Local).Zone()
	return off / 60
}

// compiledReport is a query ready to run.
type compiledReport struct {
	sql string
	// parts, when there are any, are run at once instead of sql, and their
	// rows added up (splitRanges).
	parts     []string
	partArgs  [][]any
	total     string
	args      []any
	totalArgs []any // when nil, the leading args the total uses
	columns   []opora.Dimension
}

// compileReport turns a validated query into SQL for the actor. It needs
// report.run; sensitive questionnaire fields need their own permission to
// be filters or dimensions.
func (s *Planner) compileReport(ctx context.Context, q *opora.ReportQuery) (*compiledReport, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if c, err := s.rangeClients(ctx, a, q); c != nil || err != nil {
		return c, err
	}
	if c := activeClients(a, q); c != nil {
		return c, nil
	}
	def, ok := reportSubject(q.Subject)
	if !ok {
		var v opora.Validation
		v.Add("subject", "error.subject_unavailable")
		return nil, v.Err()
	}
	if c, err := s.countedClients(ctx, a, q); c != nil || err != nil {
		return c, err
	}
	if countedServices(a, q) {
		def = serviceCountsSubject
		if !byWorker(q) {
			def.from = "service_type_counts s"
		}
	} else if countedVisits(q) {
		def = visitCountsSubject
	}
	p, err := s.reportParts(ctx, a, q, def, partsOptions{from: q.From.Time(), to: q.To.Time()})
	if err != nil {
		return nil, err
	}
	base := p.base()
	c := &compiledReport{args: p.args, columns: q.GroupBy}
	if q.Measure == opora.MeasureAvgAge {
		avgAgePerClient(c, p, def)
		return c, nil
	}
	if len(p.keys) == 0 {
		c.sql = "SELECT " + p.measure + base
	} else {
		var order []string
		for i := range p.keys {
			order = append(order, strconv.Itoa(i+1))
		}
		having := ""
		if def.sum != "" {
			// A table of counts keeps a row whose count fell to zero (a
			// service deleted or moved): the rows it sums would not exist.
			having = " HAVING SUM(" + def.sum + ") <> 0"
		}
		c.sql = "SELECT " + strings.Join(p.keys, ", ") + ", " + p.measure + base + " GROUP BY " + strings.Join(order, ", ") +
			having + " ORDER BY " + strings.Join(order, ", ")
	}
	// The total ignores the field joins, so multiple choices are not double-counted.
	totalMeasure := p.measure
	if q.Measure == opora.MeasureCount && def.sum == "" {
		totalMeasure = "COUNT(DISTINCT " + subjectID(def) + ")"
	}
	c.total = "SELECT " + totalMeasure + " FROM " + p.from + " WHERE " + strings.Join(p.where, " AND ")
	return c, nil
}

// avgAgePerClient compiles the average age of the clients of each group:
// one row per client and group (a client with ten services counts once),
// each client's age on the period's last day.
func avgAgePerClient(c *compiledReport, p *reportParts, def subjectSQL) {
	var sel, keys []string
	for i, k := range p.keys {
		keys = append(keys, fmt.Sprintf("k%d", i))
		sel = append(sel, k+" AS "+keys[i])
	}
	inner := "SELECT DISTINCT " + strings.Join(append(sel, def.client+" AS cl", p.age+" AS a"), ", ") + p.base()
	if len(keys) == 0 {
		c.sql = "SELECT AVG(a) FROM (" + inner + ") x"
		return
	}
	list := strings.Join(keys, ", ")
	c.sql = "SELECT " + list + ", AVG(a) FROM (" + inner + ") x GROUP BY " + list + " ORDER BY " + list
	// The total: every client of the period once, without the field joins.
	c.total = "SELECT AVG(a) FROM (SELECT DISTINCT " + def.client + " AS cl, " + p.age + " AS a FROM " + p.from +
		" WHERE " + strings.Join(p.where, " AND ") + ") x"
}

// partsOptions are what a report's SQL is compiled with besides the query:
// the parameters already taken (numbering goes on after them) and the
// period, from and to inclusive dates, or with stamps a range [from, to) of
// UTC instants on a timestamp column.
type partsOptions struct {
	args     []any
	from, to time.Time
	stamps   bool
	// period, when set, gives the period's conditions instead (parameters
	// through arg).
	period func(arg func(any) string) []string
}

// reportParts is one report query's SQL before assembly: the group key
// expressions, the measure, the FROM with its joins, the conditions and
// the parameters.
type reportParts struct {
	keys []string
	// groups are the keys' expressions as they are, before the cast to
	// text and the NULL → '' of keys.
	groups  []string
	measure string
	// age is each row's client's age on the period's last day (NULL when
	// unknown), for the average age.
	age   string
	from  string
	joins []string
	where []string
	args  []any
}

// base is the FROM … WHERE … of the parts.
func (p *reportParts) base() string {
	return " FROM " + p.from + " " + strings.Join(p.joins, " ") + " WHERE " + strings.Join(p.where, " AND ")
}

// reportParts compiles a validated query for the actor over one subject's
// tables.
func (s *Planner) reportParts(ctx context.Context, a *opora.Actor, q *opora.ReportQuery, def subjectSQL, o partsOptions) (*reportParts, error) {
	scope := def.scope
	if def.scope == nil {
		scope = func(a *opora.Actor, args []any) (string, []any, error) {
			return clientScope(a, opora.PermReportRun, args)
		}
	}
	cond, args, err := scope(a, o.args)
	if err != nil {
		return nil, err
	}
	if def.personOnly && q.HomelessStatus != "" {
		var v opora.Validation
		v.Add("homeless", "error.filter_not_for_subject")
		return nil, v.Err()
	}
	where := []string{cond, def.where}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// The period: dates with both ends inclusive, or instants [from, to).
	switch {
	case o.period != nil:
		where = append(where, o.period(arg)...)
	case o.stamps:
		where = append(where, def.date+" >= "+arg(o.from), def.date+" < "+arg(o.to))
	case def.timestamp:
		from := time.Date(o.from.Year(), o.from.Month(), o.from.Day(), 0, 0, 0, 0, time.Local).UTC()
		to := time.Date(o.to.Year(), o.to.Month(), o.to.Day(), 0, 0, 0, 0, time.Local).AddDate(0, 0, 1).UTC()
		where = append(where, def.date+" >= "+arg(from), def.date+" < "+arg(to))
	default:
		where = append(where, def.date+" >= "+arg(nullDate(o.from)), def.date+" <= "+arg(nullDate(o.to)))
	}
	age := ageOn(s.dialect, def, q.To.Time())
	if len(q.BranchIDs) > 0 {
		in, a2 := inList(args, q.BranchIDs)
		args = a2
		where = append(where, def.branch+" IN ("+in+")")
	}
	if len(q.WorkerIDs) > 0 {
		in, a2 := inList(args, q.WorkerIDs)
		args = a2
		where = append(where, def.worker+" IN ("+in+")")
	}
	if q.Gender != "" {
		where = append(where, "c.gender = "+arg(string(q.Gender)))
	}
	if q.HomelessStatus != "" {
		where = append(where, "c.homeless_status = "+arg(string(q.HomelessStatus)))
	}
	if q.AgeMin > 0 {
		where = append(where, "c.birth_year IS NOT NULL AND "+age+" >= "+arg(q.AgeMin))
	}
	if q.AgeMax > 0 {
		where = append(where, "c.birth_year IS NOT NULL AND "+age+" <= "+arg(q.AgeMax))
	}
	if len(q.ServiceTypeIDs) > 0 {
		col, ok := def.dims[opora.DimServiceType]
		if !ok {
			var v opora.Validation
			v.Add("service_type", "error.filter_not_for_subject")
			return nil, v.Err()
		}
		in, a2 := inList(args, q.ServiceTypeIDs)
		args = a2
		where = append(where, col+" IN ("+in+")")
	}
	for _, tf := range []struct {
		ids   []int64
		dim   opora.Dimension
		field string
	}{{q.CaseTypeIDs, opora.DimCaseType, "case_type"}, {q.TaskTypeIDs, opora.DimTaskType, "task_type"}} {
		if len(tf.ids) == 0 {
			continue
		}
		col, ok := def.dims[tf.dim]
		if !ok {
			var v opora.Validation
			v.Add(tf.field, "error.filter_not_for_subject")
			return nil, v.Err()
		}
		in, a2 := inList(args, tf.ids)
		args = a2
		where = append(where, col+" IN ("+in+")")
	}
	if q.CaseStatus != "" {
		col, ok := def.dims[opora.DimCaseStatus]
		if !ok {
			var v opora.Validation
			v.Add("case_status", "error.filter_not_for_subject")
			return nil, v.Err()
		}
		where = append(where, col+" = "+arg(q.CaseStatus))
	}
	for i, f := range q.Fields {
		if _, err := s.reportField(ctx, a, f.FieldID); err != nil {
			return nil, err
		}
		if len(f.OptionIDs) == 0 {
			continue
		}
		alias := fmt.Sprintf("ff%d", i)
		in, a2 := inList(args, f.OptionIDs)
		args = a2
		where = append(where, fmt.Sprintf("EXISTS (SELECT 1 FROM answers %s WHERE %s.client_id = %s AND %s.filling_id IS NULL AND %s.field_id = %s AND %s.option_id IN (%s))",
			alias, alias, def.client, alias, alias, arg(f.FieldID), alias, in))
	}
	// Group keys.
	var keys, groups, joins []string
	shift := 0
	if def.timestamp {
		shift = localOffsetMinutes(q.To.Time())
	}
	for i, d := range q.GroupBy {
		var expr string
		switch d {
		case opora.DimMonth, opora.DimQuarter, opora.DimYear:
			expr = s.dialect.Bucket(string(d), def.date, shift)
		case opora.DimBranch:
			expr = def.branch
		case opora.DimWorker:
			expr = def.worker
		case opora.DimGender:
			expr = "c.gender"
		case opora.DimHomeless:
			if def.personOnly {
				var v opora.Validation
				v.Add("group_by", "error.group_not_for_subject")
				return nil, v.Err()
			}
			expr = "c.homeless_status"
		case opora.DimAgeBand:
			var b strings.Builder
			b.WriteString("CASE WHEN c.birth_year IS NULL THEN ''")
			for _, band := range opora.AgeBands {
				if band[1] < 0 {
					fmt.Fprintf(&b, " WHEN %s >= %d THEN '%d+'", age, band[0], band[0])
				} else {
					fmt.Fprintf(&b, " WHEN %s BETWEEN %d AND %d THEN '%d-%d'", age, band[0], band[1], band[0], band[1])
				}
			}
			b.WriteString(" ELSE '' END")
			expr = b.String()
		default:
			if fid, ok := d.FieldID(); ok {
				if _, err := s.reportField(ctx, a, fid); err != nil {
					return nil, err
				}
				if def.option != "" {
					expr = def.option
					break
				}
				alias := fmt.Sprintf("fd%d", i)
				joins = append(joins, fmt.Sprintf("LEFT JOIN answers %s ON %s.client_id = %s AND %s.filling_id IS NULL AND %s.field_id = %s",
					alias, alias, def.client, alias, alias, arg(fid)))
				expr = alias + ".option_id"
			} else if col, ok := def.dims[d]; ok {
				expr = col
			} else {
				var v opora.Validation
				v.Add("group_by", "error.group_not_for_subject")
				return nil, v.Err()
			}
		}
		keys = append(keys, "COALESCE(CAST("+expr+" AS TEXT), '')")
		groups = append(groups, expr)
	}
	var measure string
	switch q.Measure {
	case opora.MeasureCount:
		measure = "COUNT(*)"
		if def.sum != "" {
			measure = "COALESCE(SUM(" + def.sum + "), 0)"
		}
		if len(joins) > 0 {
			// A multiple-choice dimension repeats rows; count each subject row once per group.
			measure = "COUNT(DISTINCT " + subjectID(def) + ")"
		}
	case opora.MeasureDistinctClients:
		measure = "COUNT(DISTINCT " + def.client + ")"
	case opora.MeasureSumAmount:
		if def.amount == "" {
			var v opora.Validation
			v.Add("measure", "error.measure_not_for_subject")
			return nil, v.Err()
		}
		measure = "COALESCE(SUM(" + def.amount + "), 0)"
		if len(joins) > 0 {
			var v opora.Validation
			v.Add("measure", "error.sum_with_choice_group")
			return nil, v.Err()
		}
	case opora.MeasureSumQuantity:
		if def.quantity == "" {
			var v opora.Validation
			v.Add("measure", "error.measure_not_for_subject")
			return nil, v.Err()
		}
		measure = "COALESCE(SUM(" + def.quantity + "), 0)"
		if len(joins) > 0 {
			var v opora.Validation
			v.Add("measure", "error.sum_with_choice_group")
			return nil, v.Err()
		}
	case opora.MeasureAvgAge:
		// Per client: compileReport averages one row per client and group.
		measure = "AVG(a)"
	}
	ageCase := "CASE WHEN c.birth_year IS NOT NULL THEN " + age + " END"
	reads := measure
	if q.Measure == opora.MeasureAvgAge {
		reads = ageCase
	}
	from := def.from
	if def.bare != "" && !usesClient(where[2:], keys, joins, reads) {
		if def.scope != nil {
			if !usesClient(where[:2], nil, nil, "") {
				// The subject's own scope reads the row alone.
				from, where[1] = def.bare, def.bareWhere
			}
		} else if sqldb.OrgWide(a, opora.PermReportRun) && len(o.args) == 0 {
			// The client join only checked the organisation: the row says it.
			from, where[0], where[1] = def.bare, def.org+" = $1", def.bareWhere
		}
	}
	return &reportParts{keys: keys, groups: groups, measure: measure, from: from, joins: joins, where: where, args: args,
		age: ageCase}, nil
}

// ageOn is the SQL of the age of client c on day ref: the difference of
// years, less one when the birth date is known and its month and day come
// after ref's (born 20.12.1996: 29 on 04.12.2026), as opora.Client.Age.
func ageOn(d Dialect, def subjectSQL, ref time.Time) string {
	if def.birthMD != "" {
		return fmt.Sprintf("(%d - c.birth_year - CASE WHEN %s > %s THEN 1 ELSE 0 END)", ref.Year(), def.birthMD,
			strings.TrimLeft(ref.Format("0102"), "0"))
	}
	if !def.birthDate {
		return fmt.Sprintf("(%d - c.birth_year)", ref.Year())
	}
	return fmt.Sprintf("(%d - c.birth_year - CASE WHEN %s > '%s' THEN 1 ELSE 0 END)", ref.Year(),
		d.MonthDay("c.birth_date"), ref.Format("0102"))
}

// clientColumn finds a column of the client alias c in SQL text.
var clientColumn = regexp.MustCompile(`(^|[^A-Za-z0-9_])c\.`)

// usesClient reports whether any part of a compiled report reads the
// client row (alias c).
func usesClient(where, keys, joins []string, measure string) bool {
	for _, list := range [][]string{where, keys, joins, {measure}} {
		for _, part := range list {
			if clientColumn.MatchString(part) {
				return true
			}
		}
	}
	return false
}

// subjectID is the id column of the subject's main table.
func subjectID(def subjectSQL) string {
	alias := strings.Fields(def.from)[1]
	return alias + ".id"
}

// reportField checks a questionnaire field may be used by the actor in a
// report: the organisation's field, a choice type, a visible category.
func (s *Planner) reportField(ctx context.Context, a *opora.Actor, fieldID int64) (string, error) {
	var typ, sens string
	err := s.r.QueryRowContext(ctx, `SELECT f.type, f.sensitivity FROM form_fields f WHERE f.id = $1 AND f.organisation_id = $2`,
		fieldID, a.OrganisationID).Scan(&typ, &sens)
	if err == sql.ErrNoRows {
		var v opora.Validation
		v.Add("field", "error.unknown_field")
		return "", v.Err()
	}
	if err != nil {
		return "", fmt.Errorf("store: report field: %w", err)
	}
	// Ordinary fields are fine for anyone with report.run (aggregates only);
	// sensitive ones need their category's permission.
	if sv := opora.Sensitivity(sens); sv != opora.Ordinary && !a.CanSee(sv) {
		var v opora.Validation
		v.Add("field", "error.field_not_allowed")
		return "", v.Err()
	}
	if typ != "choice" && typ != "multichoice" && typ != "yesno" {
		var v opora.Validation
		v.Add("field", "error.field_not_choice")
		return "", v.Err()
	}
	return typ, nil
}

// maxReportRows caps what one report returns to the screen; exports stream.
const maxReportRows = 10000

// RunReport computes a report: the groups with their values, the total and
// display labels for ids. Analysts get aggregates only; no names of clients
// ever appear in a result.
func (s *Planner) RunReport(ctx context.Context, q *opora.ReportQuery) (*opora.ReportResult, error) {
	c, err := s.compileReport(ctx, q)
	if err != nil {
		return nil, err
	}
	st := c.statements(q.Measure)
	res := &opora.ReportResult{Query: *q, Columns: c.columns}
	// A total that is not the sum of the groups is counted on another
	// connection meanwhile: the two scans take about as long.
	var total sql.NullFloat64
	totalErr := make(chan error, 1)
	if len(c.columns) > 0 && st.Total != "" {
		go func() { totalErr <- s.r.QueryRowContext(ctx, st.Total, st.TotalArgs...).Scan(&total) }()
	} else {
		totalErr <- nil
	}
	n := len(c.columns)
	if len(st.Parts) > 0 {
		if res.Rows, err = s.runReportParts(ctx, st, n); err != nil {
			return nil, err
		}
	} else if res.Rows, err = s.reportRows(ctx, st.Query, st.Args, n); err != nil {
		return nil, err
	}
	if n == 0 && len(res.Rows) > 0 {
		res.Total = res.Rows[0].Value
	}
	if n > 0 && st.Total == "" {
		// Every subject row falls in exactly one group: the total is the sum,
		// and the table need not be scanned again.
		for _, r := range res.Rows {
			res.Total += r.Value
		}
	} else if n > 0 {
		if err := <-totalErr; err != nil {
			return nil, fmt.Errorf("store: report total: %w", err)
		}
		res.Total = total.Float64
	}
	if res.Labels, err = s.reportLabels(ctx, c.columns, res.Rows); err != nil {
		return nil, err
	}
	if res.Ranks, err = s.reportRanks(ctx, c.columns); err != nil {
		return nil, err
	}
	// Every path returns the rows in one order: the catalogs' where the
	// column has one, not the text of the ids (1, 13, 16, 4).
	slices.SortStableFunc(res.Rows, func(x, y opora.ReportRow) int {
		for i := range x.Keys {
			if c := res.CompareKeys(i, x.Keys[i], y.Keys[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	return res, nil
}

// reportRanks gives the catalog order of the columns that have one:
// service types, case and task types, a choice field's options.
func (s *Planner) reportRanks(ctx context.Context, cols []opora.Dimension) ([]map[string]int, error) {
	a := opora.ActorFrom(ctx)
	out := make([]map[string]int, len(cols))
	for i, d := range cols {
		var query string
		args := []any{a.OrganisationID}
		switch d {
		case opora.DimServiceType:
			query = `SELECT id FROM service_types WHERE organisation_id = $1 ORDER BY position, id`
		case opora.DimCaseType, opora.DimTaskType:
			query = `SELECT id FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2 ORDER BY position, id`
			args = append(args, string(d))
		default:
			fid, ok := d.FieldID()
			if !ok {
				continue
			}
			query = `SELECT o.id FROM field_options o JOIN form_fields f ON f.id = o.field_id
				WHERE f.organisation_id = $1 AND f.id = $2 ORDER BY o.position, o.id`
			args = append(args, fid)
		}
		rows, err := s.r.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("store: report order: %w", err)
		}
		out[i] = map[string]int{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: report order: %w", err)
			}
			out[i][strconv.FormatInt(id, 10)] = len(out[i])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: report order: %w", err)
		}
	}
	return out, nil
}

// reportRows reads a report query's rows: n keys and a value each.
func (s *Planner) reportRows(ctx context.Context, query string, args []any, n int) ([]opora.ReportRow, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	defer rows.Close()
	var out []opora.ReportRow
	for rows.Next() {
		keys := make([]string, n)
		var val sql.NullFloat64
		dest := make([]any, 0, n+1)
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &val)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		out = append(out, opora.ReportRow{Keys: keys, Value: val.Float64})
		if len(out) > maxReportRows {
			var v opora.Validation
			v.Add("group_by", "error.report_too_big")
			return nil, v.Err()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	return out, nil
}

// runReportParts runs a split report's parts at once, each on its own
// connection, and adds up the values of equal keys, in the keys' order
// (SQLite's, byte by byte, as the whole query's ORDER BY).
func (s *Planner) runReportParts(ctx context.Context, st *ReportSQL, n int) ([]opora.ReportRow, error) {
	parts := make([][]opora.ReportRow, len(st.Parts))
	errs := make([]error, len(st.Parts))
	var wg sync.WaitGroup
	for i := range st.Parts {
		wg.Go(func() { parts[i], errs[i] = s.reportRows(ctx, st.Parts[i], st.PartArgs[i], n) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	at := map[string]int{}
	var out []opora.ReportRow
	for _, rows := range parts {
		for _, r := range rows {
			k := strings.Join(r.Keys, "\x00")
			if i, ok := at[k]; ok {
				out[i].Value += r.Value
				continue
			}
			at[k] = len(out)
			out = append(out, r)
		}
	}
	if len(out) > maxReportRows {
		var v opora.Validation
		v.Add("group_by", "error.report_too_big")
		return nil, v.Err()
	}
	slices.SortFunc(out, func(a, b opora.ReportRow) int { return slices.Compare(a.Keys, b.Keys) })
	return out, nil
}

// ReportSQL is what RunReport sends to the database for a query: the
// grouped query and, when the total does not add up from the groups, the
// total query with its parameters (Total is "" otherwise). The benchmark's
// raw-SQL floor runs it, so the floor always measures the server's SQL.
type ReportSQL struct {
	Query     string
	Args      []any
	Total     string
	TotalArgs []any
	// Parts, when there are any, are sent at once instead of Query, each
	// with its PartArgs, and the counts of equal keys added up.
	Parts    []string
	PartArgs [][]any
}

// CompileReport compiles a query for the actor as RunReport would.
func (s *Planner) CompileReport(ctx context.Context, q *opora.ReportQuery) (*ReportSQL, error) {
	c, err := s.compileReport(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.statements(q.Measure), nil
}

// statements are the compiled report's SQL as RunReport sends it.
func (c *compiledReport) statements(m opora.Measure) *ReportSQL {
	out := &ReportSQL{Query: c.sql, Args: c.args, Parts: c.parts, PartArgs: c.partArgs}
	if len(c.columns) > 0 && !additive(m, c.columns) {
		out.Total, out.TotalArgs = c.total, c.totalArgs
		if c.totalArgs == nil {
			out.TotalArgs = c.args[:countArgs(c.total)]
		}
	}
	return out
}

// additive reports whether a measure's total is the sum of its groups: a
// count or a sum, grouped by single-valued dimensions only (a multiple-choice
// answer puts one client in several groups).
func additive(m opora.Measure, dims []opora.Dimension) bool {
	if m != opora.MeasureCount && m != opora.MeasureSumAmount && m != opora.MeasureSumQuantity {
		return false
	}
	for _, d := range dims {
		if _, ok := d.FieldID(); ok {
			return false
		}
	}
	return true
}

// countArgs returns how many leading $n parameters a SQL text uses, so the
// total query (which has no field joins) gets just the ones it needs.
func countArgs(q string) int {
	max := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(q[i+1 : j]); err == nil && n > max {
			max = n
		}
	}
	return max
}

// reportLabels resolves ids in group keys to names.
func (s *Planner) reportLabels(ctx context.Context, cols []opora.Dimension, rows []opora.ReportRow) ([]map[string]string, error) {
	a := opora.ActorFrom(ctx)
	out := make([]map[string]string, len(cols))
	for i, d := range cols {
		ids := map[string]bool{}
		for _, r := range rows {
			if r.Keys[i] != "" {
				ids[r.Keys[i]] = true
			}
		}
		var list []int64
		for k := range ids {
			if id, err := strconv.ParseInt(k, 10, 64); err == nil {
				list = append(list, id)
			}
		}
		sort.Slice(list, func(x, y int) bool { return list[x] < list[y] })
		var query string
		switch {
		case d == opora.DimBranch:
			query = `SELECT id, name FROM branches WHERE organisation_id = $1 AND id IN (%s)`
		case d == opora.DimWorker:
			query = `SELECT id, full_name FROM users WHERE organisation_id = $1 AND id IN (%s)`
		case d == opora.DimCaseType || d == opora.DimTaskType:
			query = `SELECT id, label FROM dictionary_items WHERE organisation_id = $1 AND id IN (%s)`
		case d == opora.DimPoint:
			query = `SELECT id, name FROM checkin_points WHERE organisation_id = $1 AND id IN (%s)`
		case d == opora.DimItem:
			query = `SELECT i.id, i.name FROM checkin_items i JOIN checkin_points p ON p.id = i.point_id
				WHERE p.organisation_id = $1 AND i.id IN (%s)`
		case d == opora.DimServiceType:
			query = `SELECT id, name FROM service_types WHERE organisation_id = $1 AND id IN (%s)`
		default:
			if _, ok := d.FieldID(); ok {
				query = `SELECT o.id, o.label FROM field_options o JOIN form_fields f ON f.id = o.field_id
					WHERE f.organisation_id = $1 AND o.id IN (%s)`
			}
		}
		if query == "" || len(list) == 0 {
			continue
		}
		in, args := inList([]any{a.OrganisationID}, list)
		rs, err := s.r.QueryContext(ctx, fmt.Sprintf(query, in), args...)
		if err != nil {
			return nil, fmt.Errorf("store: report labels: %w", err)
		}
		out[i] = map[string]string{}
		for rs.Next() {
			var id int64
			var name string
			if err := rs.Scan(&id, &name); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: report labels: %w", err)
			}
			out[i][strconv.FormatInt(id, 10)] = name
		}
		rs.Close()
	}
	return out, nil
}

// ReportChoice is a named id for report filters.
type ReportChoice struct {
	ID    int64
	Label string
}

// ReportField is a questionnaire choice field usable in reports.
type ReportField struct {
	ID      int64
	Key     string
	Label   string
	Options []ReportChoice
}

// ReportOptions lists what the report builder offers the actor: choice
// fields of the main questionnaire they may see (with options), and the
// organisation's service, case and task types.
type ReportOptions struct {
	Fields       []ReportField
	ServiceTypes []ReportChoice
	CaseTypes    []ReportChoice
	TaskTypes    []ReportChoice
}

// ReportOptions loads the builder's choices. Needs report.run.
func (s *Planner) ReportOptions(ctx context.Context) (*ReportOptions, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	out := &ReportOptions{}
	var vis []string
	for _, v := range a.VisibleSensitivities() {
		vis = append(vis, string(v))
	}
	vis = append(vis, string(opora.Ordinary)) // aggregates of ordinary fields are fine for report.run
	in, args := inList([]any{a.OrganisationID}, vis)
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, f.key, f.label, o.id, o.label FROM form_fields f
		JOIN form_sections sec ON sec.id = f.section_id JOIN forms fm ON fm.id = sec.form_id
		JOIN field_options o ON o.field_id = f.id
		WHERE f.organisation_id = $1 AND fm.key = 'profile' AND NOT f.disabled AND NOT sec.disabled
		AND f.type IN ('choice', 'multichoice') AND f.sensitivity IN (`+in+`)
		ORDER BY sec.position, sec.id, f.position, f.id, o.position, o.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: report fields: %w", err)
	}
	for rows.Next() {
		var fid, oid int64
		var key, label, olabel string
		if err := rows.Scan(&fid, &key, &label, &oid, &olabel); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: report fields: %w", err)
		}
		if n := len(out.Fields); n == 0 || out.Fields[n-1].ID != fid {
			out.Fields = append(out.Fields, ReportField{ID: fid, Key: key, Label: label})
		}
		f := &out.Fields[len(out.Fields)-1]
		f.Options = append(f.Options, ReportChoice{ID: oid, Label: olabel})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report fields: %w", err)
	}
	load := func(query string, dst *[]ReportChoice, args ...any) error {
		rs, err := s.r.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: report choices: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var c ReportChoice
			if err := rs.Scan(&c.ID, &c.Label); err != nil {
				return fmt.Errorf("store: report choices: %w", err)
			}
			*dst = append(*dst, c)
		}
		return rs.Err()
	}
	if err := load(`SELECT id, name FROM service_types WHERE organisation_id = $1 ORDER BY position, id`, &out.ServiceTypes, a.OrganisationID); err != nil {
		return nil, err
	}
	if err := load(`SELECT id, label FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2 ORDER BY position, id`,
		&out.CaseTypes, a.OrganisationID, "case_type"); err != nil {
		return nil, err
	}
	if err := load(`SELECT id, label FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2 ORDER BY position, id`,
		&out.TaskTypes, a.OrganisationID, "task_type"); err != nil {
		return nil, err
	}
	return out, nil
}

// DurationBand counts ongoing cases by how long they have lasted.
type DurationBand struct {
	Key   string // "lt3", "3to6", "gt6"
	Count int
}

// OngoingSupport counts client cases open on q.To (opened on or before it,
// not closed by then) by duration in calendar months, as the case page's
// traffic light (opora.PlanLight): under 3, 3 to exactly 6, over 6. Branch
// and worker (curator) filters apply. Needs report.run.
func (s *Planner) OngoingSupport(ctx context.Context, q *opora.ReportQuery) ([]DurationBand, int, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, 0, err
	}
	cond, args, err := clientScope(a, opora.PermReportRun, nil)
	if err != nil {
		return nil, 0, err
	}
	args = append(args, q.To)
	n := len(args)
	where := cond + fmt.Sprintf(` AND k.subject_type = 'client' AND c.deleted_at IS NULL AND c.merged_into IS NULL AND k.opened_on <= $%d
		AND (k.closed_on IS NULL OR k.closed_on > $%d)`, n, n)
	if len(q.BranchIDs) > 0 {
		var in string
		in, args = inList(args, q.BranchIDs)
		where += " AND c.branch_id IN (" + in + ")"
	}
	if len(q.WorkerIDs) > 0 {
		var in string
		in, args = inList(args, q.WorkerIDs)
		where += " AND k.curator_id IN (" + in + ")"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT k.opened_on FROM cases k JOIN clients c ON c.id = k.client_id WHERE `+where, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: ongoing support: %w", err)
	}
	defer rows.Close()
	bands := []DurationBand{{Key: "lt3"}, {Key: "3to6"}, {Key: "gt6"}}
	total := 0
	for rows.Next() {
		var opened sql.NullTime
		if err := rows.Scan(&opened); err != nil {
			return nil, 0, fmt.Errorf("store: ongoing support: %w", err)
		}
		// The bands are the case page's traffic light on q.To.
		switch opora.PlanLight(opora.DateOf(dateOf(opened)), q.To) {
		case opora.LightGreen:
			bands[0].Count++
		case opora.LightYellow:
			bands[1].Count++
		default:
			bands[2].Count++
		}
		total++
	}
	return bands, total, rows.Err()
}

// Sociodemographics summarises the clients created in the period.
type Sociodemographics struct {
	Total, Men, Women, GenderUnknown int
	AvgAge                           float64 // on the period's last day, over clients with a known birth year
	AvgYearsHomeless                 float64 // over homeless clients with a known date
	WithProfession, NoProfession     int
	Fields                           []FieldCounts
}

// FieldCounts is the number of distinct clients per option of a choice field.
type FieldCounts struct {
	Field    ReportField
	Counts   map[int64]int
	Answered int
}

// SociodemographicSummary computes the socio-demographic summary of new
// clients for the period with branch and worker (responsible) filters.
// profession names the text field whose answer means "has a profession".
func (s *Planner) SociodemographicSummary(ctx context.Context, q *opora.ReportQuery, professionKey string) (*Sociodemographics, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, err
	}
	cond, args, err := clientScope(a, opora.PermReportRun, nil)
	if err != nil {
		return nil, err
	}
	from := time.Date(q.From.Year(), q.From.Month(), q.From.Day(), 0, 0, 0, 0, time.Local).UTC()
	to := time.Date(q.To.Year(), q.To.Month(), q.To.Day(), 0, 0, 0, 0, time.Local).AddDate(0, 0, 1).UTC()
	args = append(args, from, to)
	where := cond + fmt.Sprintf(" AND c.deleted_at IS NULL AND c.merged_into IS NULL AND c.created_at >= $%d AND c.created_at < $%d",
		len(args)-1, len(args))
	if len(q.BranchIDs) > 0 {
		var in string
		in, args = inList(args, q.BranchIDs)
		where += " AND c.branch_id IN (" + in + ")"
	}
	if len(q.WorkerIDs) > 0 {
		var in string
		in, args = inList(args, q.WorkerIDs)
		where += " AND c.responsible_id IN (" + in + ")"
	}
	out := &Sociodemographics{}
	rows, err := s.r.QueryContext(ctx, `SELECT c.gender, c.birth_year, c.birth_precision, c.birth_date, c.homeless_status,
		c.homeless_since FROM clients c WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: sociodemographics: %w", err)
	}
	var ageSum, ageN, homelessSum float64
	var homelessN int
	for rows.Next() {
		var gender, status, precision string
		var year sql.NullInt64
		var birth, since sql.NullTime
		if err := rows.Scan(&gender, &year, &precision, &birth, &status, &since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: sociodemographics: %w", err)
		}
		out.Total++
		switch opora.Gender(gender) {
		case opora.GenderMale:
			out.Men++
		case opora.GenderFemale:
			out.Women++
		default:
			out.GenderUnknown++
		}
		// The age on the period's last day.
		born := opora.Client{BirthYear: int(year.Int64), BirthPrecision: opora.BirthPrecision(precision), BirthDate: opora.DateOf(dateOf(birth))}
		if born.BirthPrecision != opora.BirthExact || !birth.Valid {
			born.BirthPrecision = opora.BirthYear // the year alone, as the report's SQL
		}
		if age, ok := born.Age(q.To.Time()); ok {
			ageSum += float64(age)
			ageN++
		}
		if opora.HomelessStatus(status) == opora.Homeless && since.Valid {
			m, _ := opora.PlanMonths(opora.DateOf(dateOf(since)), q.To)
			homelessSum += float64(m) / 12
			homelessN++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sociodemographics: %w", err)
	}
	if ageN > 0 {
		out.AvgAge = ageSum / ageN
	}
	if homelessN > 0 {
		out.AvgYearsHomeless = homelessSum / float64(homelessN)
	}
	// Profession: a non-empty answer to the profession field.
	var prof int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT c.id) FROM clients c JOIN answers an ON an.client_id = c.id
		AND an.filling_id IS NULL AND an.value_text <> ''
		JOIN form_fields f ON f.id = an.field_id AND f.key = $`+strconv.Itoa(len(args)+1)+` WHERE `+where,
		append(args, professionKey)...).Scan(&prof); err != nil {
		return nil, fmt.Errorf("store: sociodemographics profession: %w", err)
	}
	out.WithProfession, out.NoProfession = prof, out.Total-prof
	opts, err := s.ReportOptions(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range opts.Fields {
		fc := FieldCounts{Field: f, Counts: map[int64]int{}}
		rs, err := s.r.QueryContext(ctx, `SELECT an.option_id, COUNT(DISTINCT c.id) FROM clients c JOIN answers an ON an.client_id = c.id
			AND an.filling_id IS NULL AND an.field_id = $`+strconv.Itoa(len(args)+1)+` WHERE `+where+` GROUP BY an.option_id`,
			append(args, f.ID)...)
		if err != nil {
			return nil, fmt.Errorf("store: sociodemographics field: %w", err)
		}
		for rs.Next() {
			var oid sql.NullInt64
			var n int
			if err := rs.Scan(&oid, &n); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: sociodemographics field: %w", err)
			}
			if oid.Valid {
				fc.Counts[oid.Int64] = n
			}
		}
		rs.Close()
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT c.id) FROM clients c JOIN answers an ON an.client_id = c.id
			AND an.filling_id IS NULL AND an.field_id = $`+strconv.Itoa(len(args)+1)+` WHERE `+where, append(args, f.ID)...).Scan(&fc.Answered); err != nil {
			return nil, fmt.Errorf("store: sociodemographics field: %w", err)
		}
		out.Fields = append(out.Fields, fc)
	}
	return out, nil
}

// Counts returns the number of clients who chose an option of the field.
func (sd *Sociodemographics) Counts(f FieldCounts, optionID int64) int { return f.Counts[optionID] }

// LeaverCount is the number of shelter leavers with one way of leaving and
// one plan result.
type LeaverCount struct {
	Status string // left, evicted
	Result string // a case outcome, "open" (support goes on) or "none" (no case)
	Count  int
}

// ShelterLeavers counts clients who left the shelter in the period (check-out
// date inside it, both ends inclusive) by how they left and the result of
// their support plan: the outcome of their latest case opened before they
// left, "open" when it goes on, "none" without a case. Branch filter applies
// to the room's branch. Needs report.run.
func (s *Planner) ShelterLeavers(ctx context.Context, q *opora.ReportQuery) ([]LeaverCount, int, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermReportRun); err != nil {
		return nil, 0, err
	}
	cond, args, err := clientScope(a, opora.PermReportRun, nil)
	if err != nil {
		return nil, 0, err
	}
	args = append(args, q.From, q.To)
	where := cond + fmt.Sprintf(` AND c.deleted_at IS NULL AND st.status IN ('left', 'evicted') AND st.check_out >= $%d
		AND st.check_out <= $%d`,
		len(args)-1, len(args))
	if len(q.BranchIDs) > 0 {
		var in string
		in, args = inList(args, q.BranchIDs)
		where += " AND r.branch_id IN (" + in + ")"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT st.status,
		COALESCE((SELECT CASE WHEN k.status = 'open' THEN 'open' ELSE k.outcome END FROM cases k
		          WHERE k.client_id = st.client_id AND k.opened_on <= st.check_out
		          ORDER BY k.opened_on DESC, k.id DESC LIMIT 1), 'none')
		FROM shelter_stays st JOIN clients c ON c.id = st.client_id JOIN shelter_rooms r ON r.id = st.room_id
		WHERE `+where, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: shelter leavers: %w", err)
	}
	defer rows.Close()
	counts := map[[2]string]int{}
	total := 0
	for rows.Next() {
		var status, result string
		if err := rows.Scan(&status, &result); err != nil {
			return nil, 0, fmt.Errorf("store: shelter leavers: %w", err)
		}
		counts[[2]string{status, result}]++
		total++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: shelter leavers: %w", err)
	}
	var out []LeaverCount
	for k, n := range counts {
		out = append(out, LeaverCount{Status: k[0], Result: k[1], Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Status != out[j].Status {
			return out[i].Status < out[j].Status
		}
		return out[i].Result < out[j].Result
	})
	return out, total, nil
}
