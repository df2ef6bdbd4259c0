package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/opora"
)

// scenario is one thing users do, sent over HTTP, with its raw-SQL floor.
type scenario struct {
	name string
	// request sends one request with the session and returns an error when
	// the answer is not a success.
	request func(ctx context.Context, s *session, rnd *rand.Rand) error
	// floor runs the scenario's statements once, straight on the database.
	floor func(ctx context.Context, f *floorDB, rnd *rand.Rand) error
	// get is the scenario's one request when it is always the same GET (the
	// dashboard, the reports, the export); its floor replays that request
	// as traced (f.gets).
	get string
	// form, when set, makes that one request a POST of form to get: the
	// services register names people, so its export is asked for with a
	// stated purpose (web/export.go).
	form url.Values
}

// Scenario names, in the order the report lists them.
const (
	ScenarioSearch       = "client search with a typo"
	ScenarioProfile      = "client profile"
	ScenarioService      = "record a service"
	ScenarioTick         = "check-in tick"
	ScenarioDashboard    = "dashboard, 12 months"
	ScenarioReportMonth  = "report: services by month × type, 1 year"
	ScenarioReportBranch = "report: clients by branch × gender, 5 years"
	ScenarioReportVisits = "report: check-in visits by point × month, 5 years"
	ScenarioExport       = "XLSX export of the services register (~100,000 rows)"
)

// scenarioKeys are the short names --scenarios takes, in the report's order.
var scenarioKeys = []struct{ key, name string }{
	{"search", ScenarioSearch}, {"profile", ScenarioProfile}, {"service", ScenarioService}, {"tick", ScenarioTick},
	{"dashboard", ScenarioDashboard}, {"report-month", ScenarioReportMonth}, {"report-branch", ScenarioReportBranch},
	{"report-visits", ScenarioReportVisits}, {"export", ScenarioExport},
}

// ScenarioNames lists every scenario the bench runs.
func ScenarioNames() []string {
	var out []string
	for _, k := range scenarioKeys {
		out = append(out, k.name)
	}
	return out
}

// ScenarioKeys lists the short names of the scenarios, for --scenarios.
func ScenarioKeys() []string {
	var out []string
	for _, k := range scenarioKeys {
		out = append(out, k.key)
	}
	return out
}

// selectScenarios returns the names of the scenarios the keys choose (all
// when there are none).
func selectScenarios(keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, k := range keys {
		found := false
		for _, sk := range scenarioKeys {
			if sk.key == strings.TrimSpace(k) {
				out[sk.name], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("bench: no scenario %q; the scenarios are %s", k, strings.Join(ScenarioKeys(), ", "))
		}
	}
	if len(out) == 0 {
		for _, sk := range scenarioKeys {
			out[sk.name] = true
		}
	}
	return out, nil
}

// ok turns an answer into an error unless it is 2xx or 3xx.
func ok(res *http.Response, body []byte, err error) error {
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		return &statusError{status: res.StatusCode, body: snippet(body)}
	}
	return nil
}

// typo changes one letter of a name (never the first) to another.
func typo(rnd *rand.Rand, name string) string {
	r := []rune(name)
	if len(r) < 3 {
		return name
	}
	const letters = "аеиоуыяклмнпрст"
	i := 1 + rnd.IntN(len(r)-1)
	for {
		c := []rune(letters)[rnd.IntN(len([]rune(letters)))]
		if c != r[i] {
			r[i] = c
			return string(r)
		}
	}
}

// newUUID makes a random tick id, as the phone does.
func newUUID(rnd *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", rnd.Uint32(), rnd.Uint32()&0xffff, rnd.Uint32()&0xfff,
		0x8000|rnd.Uint32()&0x3fff, rnd.Uint64()&0xffffffffffff)
}

func (d *data) client(rnd *rand.Rand) clientRef { return d.clients[rnd.IntN(len(d.clients))] }

// searchQuery is a generated client's surname with one letter changed, and
// their first name; name is the correct spelling of both.
func (d *data) searchQuery(rnd *rand.Rand) (q, name string) {
	c := d.typos[rnd.IntN(len(d.typos))]
	return strings.TrimSpace(typo(rnd, c.surname) + " " + c.first), c.surname + " " + c.first
}

// person is a check-in person ("p<id>") or a client ("c<id>"), half each.
func (d *data) person(rnd *rand.Rand) string {
	if len(d.persons) > 0 && rnd.IntN(2) == 0 {
		return "p" + strconv.FormatInt(d.persons[rnd.IntN(len(d.persons))], 10)
	}
	return "c" + strconv.FormatInt(d.client(rnd).id, 10)
}

// values are the builder's parameters for a report.
func (r reportSpec) values() url.Values {
	v := url.Values{"subject": {string(r.subject)}, "measure": {string(r.measure)},
		"from": {r.from.Format("2006-01-02")}, "to": {r.to.Format("2006-01-02")}}
	for i, dim := range r.dims {
		name := "group"
		if i == 1 {
			name = "group2"
		}
		v.Set(name, string(dim))
	}
	return v
}

// scenarios builds the bench's scenarios over the discovered data.
func scenarios(d *data) []scenario {
	today := d.today
	yearAgo, fiveYears := today.AddDate(-1, 0, 1), today.AddDate(-5, 0, 1)
	// get is a scenario of one fixed GET, answered with a success, whose
	// floor replays it as traced.
	get := func(name, path string, check func(res *http.Response, body []byte) error) scenario {
		return scenario{name: name, get: path,
			request: func(ctx context.Context, s *session, _ *rand.Rand) error {
				res, body, err := s.do(ctx, s.get(ctx, path))
				if err := ok(res, body, err); err != nil || check == nil {
					return err
				}
				return check(res, body)
			},
			floor: func(ctx context.Context, f *floorDB, _ *rand.Rand) error { return f.replay(ctx, f.gets[name]) },
		}
	}
	report := func(name string, spec reportSpec) scenario {
		v := spec.values()
		v.Set("run", "1")
		return get(name, "/reports/builder?"+v.Encode(), nil)
	}
	dash := url.Values{"from": {yearAgo.Format("2006-01-02")}, "to": {today.Format("2006-01-02")}}
	exportValues := d.export.values()
	exportValues.Set("format", "xlsx")
	exportValues.Set("reason", "нагрузочный тест")
	// post is a scenario of one fixed POST of a form, like get.
	post := func(name, path string, form url.Values, check func(res *http.Response, body []byte) error) scenario {
		sc := get(name, path, check)
		sc.form = form
		sc.request = func(ctx context.Context, s *session, _ *rand.Rand) error {
			res, body, err := s.do(ctx, s.form(ctx, path, form))
			if err := ok(res, body, err); err != nil {
				return err
			}
			return check(res, body)
		}
		return sc
	}

	return []scenario{
		{name: ScenarioSearch,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				q, name := d.searchQuery(rnd)
				res, body, err := s.do(ctx, s.get(ctx, searchPath(q)))
				if err := ok(res, body, err); err != nil {
					return err
				}
				// Found: the first page lists someone of that (correct)
				// surname and first name; with common names it need not be
				// the very client the query was made from.
				d.searches.Add(1)
				if bytes.Contains(body, []byte(html.EscapeString(name))) {
					d.searchesFound.Add(1)
				}
				return nil
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				return f.replay(ctx, &f.searches[rnd.IntN(len(f.searches))])
			},
		},
		{name: ScenarioProfile,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				return ok(s.do(ctx, s.get(ctx, "/clients/"+strconv.FormatInt(d.client(rnd).id, 10))))
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				return f.replay(ctx, &f.pages[rnd.IntN(len(f.pages))])
			},
		},
		{name: ScenarioService,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				c, t := d.client(rnd), d.types[rnd.IntN(len(d.types))]
				res, body, err := s.do(ctx, s.form(ctx, "/clients/"+strconv.FormatInt(c.id, 10)+"/services", serviceForm(t, today)))
				if err := ok(res, body, err); err != nil {
					return err
				}
				if res.StatusCode != http.StatusSeeOther {
					return &statusError{status: res.StatusCode, body: "expected a redirect after recording: " + snippet(body)}
				}
				return nil
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				return f.replay(ctx, &f.records[rnd.IntN(len(f.records))])
			},
		},
		{name: ScenarioTick,
			request: func(ctx context.Context, s *session, rnd *rand.Rand) error {
				person, item := d.tickTarget(rnd)
				res, body, err := s.do(ctx, s.json(ctx, tickPath(d), tickBody(newUUID(rnd), person, item)))
				if err := ok(res, body, err); err != nil {
					return err
				}
				st, err := tickStatus(body)
				if err != nil {
					return &statusError{status: res.StatusCode, body: err.Error()}
				}
				if st != string(opora.TickAccepted) && st != string(opora.TickDuplicate) {
					return &statusError{status: res.StatusCode, body: "tick " + st}
				}
				return nil
			},
			floor: func(ctx context.Context, f *floorDB, rnd *rand.Rand) error {
				return f.replay(ctx, &f.ticks[rnd.IntN(len(f.ticks))])
			},
		},
		get(ScenarioDashboard, "/dashboard?"+dash.Encode(), nil),
		report(ScenarioReportMonth, reportSpec{subject: opora.SubjectServices, measure: opora.MeasureCount,
			dims: []opora.Dimension{opora.DimMonth, opora.DimServiceType}, from: yearAgo, to: today}),
		report(ScenarioReportBranch, reportSpec{subject: opora.SubjectServices, measure: opora.MeasureDistinctClients,
			dims: []opora.Dimension{opora.DimBranch, opora.DimGender}, from: fiveYears, to: today}),
		report(ScenarioReportVisits, reportSpec{subject: opora.SubjectVisits, measure: opora.MeasureCount,
			dims: []opora.Dimension{opora.DimPoint, opora.DimMonth}, from: fiveYears, to: today}),
		post(ScenarioExport, "/reports/register/export", exportValues, func(res *http.Response, body []byte) error {
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") || !isWorkbook(body) {
				return &statusError{status: res.StatusCode, body: "not an XLSX file: " + ct}
			}
			d.keepExport(body)
			return nil
		}),
	}
}

// searchPath is the search scenario's request for a query.
func searchPath(q string) string { return "/clients/search?" + url.Values{"q": {q}}.Encode() }

// tickPath is where the check-in page sends ticks of the bench's shift.
func tickPath(d *data) string { return "/checkin/" + strconv.FormatInt(d.shiftID, 10) + "/ticks" }

// tickTarget is a random check-in person or client and a random item.
func (d *data) tickTarget(rnd *rand.Rand) (person string, item int64) {
	return d.person(rnd), d.items[rnd.IntN(len(d.items))]
}

// tickBody is one tick as the check-in page sends it.
func tickBody(id, person string, item int64) []byte {
	type tick struct {
		ID     string `json:"id"`
		Person string `json:"person"`
		Item   int64  `json:"item"`
		At     string `json:"at"`
	}
	body, _ := json.Marshal(map[string]any{"persons": []any{}, "ticks": []tick{{ID: id, Person: person, Item: item,
		At: time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}}})
	return body
}

// tickStatus reads the status of the one tick (or undo) of an answer.
func tickStatus(body []byte) (string, error) {
	var out struct {
		Results []struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Results) != 1 {
		return "", fmt.Errorf("unreadable answer: %s", snippet(body))
	}
	if m := out.Results[0].Message; m != "" {
		return out.Results[0].Status + ": " + m, nil
	}
	return out.Results[0].Status, nil
}

// isWorkbook reports whether a file is a zip archive holding a worksheet,
// from the archive's directory alone (cheap enough for every answer).
func isWorkbook(body []byte) bool {
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return false
	}
	for _, f := range z.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			return true
		}
	}
	return false
}

// keepExport keeps the first exported file. Its rows are counted after the
// run: reading a sheet of 100,000 rows takes the bench seconds that must
// not count as the server's.
func (d *data) keepExport(body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.exportFile == nil {
		d.exportFile = body
	}
}

// exportRowCount reads the kept file's data rows (the sheet is a header
// row and the data rows); -1 when no export succeeded.
func (d *data) exportRowCount() (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.exportFile == nil {
		return -1, nil
	}
	f, err := excelize.OpenReader(bytes.NewReader(d.exportFile))
	if err != nil {
		return -1, fmt.Errorf("unreadable XLSX: %w", err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return -1, fmt.Errorf("unreadable XLSX: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Error(); err != nil {
		return -1, fmt.Errorf("unreadable XLSX: %w", err)
	}
	return max(n-1, 0), nil
}

// serviceForm is the form the scenario posts to record a service of a type
// on a day: quantity 1, and an amount and a comment when the type asks for
// them.
func serviceForm(t *opora.ServiceType, day time.Time) url.Values {
	v := url.Values{"rendered_on": {day.Format("2006-01-02")}, "service_type": {strconv.FormatInt(t.ID, 10)}}
	if t.HasQuantity {
		v.Set(opora.ServiceField("quantity", t.ID), "1")
	}
	if t.HasAmount {
		v.Set(opora.ServiceField("amount", t.ID), "500")
	}
	if t.CommentRequired {
		v.Set(opora.ServiceField("comment", t.ID), "bench")
	}
	return v
}
