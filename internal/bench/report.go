package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is a bench run's outcome.
type Report struct {
	Date            time.Time
	Machine         Machine
	URL             string
	Database        string
	Clients         int64 // live clients of the generated organisation before the run
	Services        int64 // live services before the run
	GeneratorTarget int
	// Families of the region and their members, and the families of the
	// login's commission, for a run of the families' scenarios (0 otherwise).
	Families, FamilyMembers, CommissionFamilies int64
	ServerPID                                   int
	PIDSource                                   string
	Smoke                                       bool
	Duration                                    time.Duration
	Concurrency                                 []int
	Seed                                        uint64
	Results                                     []Result
	Floors                                      []Floor
	ExportRows                                  int // data rows of the exported sheet; -1 when no export succeeded
	ExportGrouping                              string
	// Searches is how many typo searches answered, SearchesFound how many
	// of them listed the misspelt surname and first name, correctly spelt,
	// on the first page.
	Searches, SearchesFound int64
	// Logins says who the region's scenarios logged in as (region.go; ""
	// otherwise).
	Logins string
}

// Errors counts failed requests over every scenario and level.
func (r *Report) Errors() int {
	n := 0
	for _, x := range r.Results {
		n += x.Errors
	}
	return n
}

func (r *Report) floor(name string) *Floor {
	for i := range r.Floors {
		if r.Floors[i].Scenario == name {
			return &r.Floors[i]
		}
	}
	return nil
}

// header lines: what, where, how big.
func (r *Report) header() [][2]string {
	m := r.Machine
	machine := fmt.Sprintf("%d cores, %s memory", m.Cores, fmtBytes(m.Memory))
	if m.CPU != "" {
		machine += ", " + m.CPU
	}
	machine += ", " + m.OS
	server := r.URL
	if r.ServerPID > 0 {
		server += fmt.Sprintf(", pid %d (%s)", r.ServerPID, r.PIDSource)
	} else {
		server += ", memory unknown: " + r.PIDSource
	}
	mode := fmt.Sprintf("%s per scenario and level", r.Duration)
	if r.Smoke {
		mode = fmt.Sprintf("smoke: %d requests per session", smokeRequests)
	}
	var levels []string
	for _, c := range r.Concurrency {
		levels = append(levels, strconv.Itoa(c))
	}
	export := "no export succeeded"
	if r.ExportRows >= 0 {
		export = fmt.Sprintf("%s, %s rows in the sheet", r.ExportGrouping, fmtInt(int64(r.ExportRows)))
	}
	search := "no search answered"
	if r.Searches > 0 {
		search = fmt.Sprintf("the correct surname and first name were on the first page of %d of %d typo searches (%.0f%%)", r.SearchesFound,
			r.Searches, 100*float64(r.SearchesFound)/float64(r.Searches))
	}
	if r.Families > 0 && r.Logins != "" {
		return [][2]string{
			{"date", r.Date.Format("2006-01-02 15:04 MST")},
			{"machine", machine},
			{"database", fmt.Sprintf("%s: %s families, %s members (generator target %s families)",
				r.Database, fmtInt(r.Families), fmtInt(r.FamilyMembers), fmtInt(int64(r.GeneratorTarget)))},
			{"logins", r.Logins},
			{"server", server},
			{"run", fmt.Sprintf("%s, concurrency %s, seed %d", mode, strings.Join(levels, ","), r.Seed)},
		}
	}
	if r.Families > 0 {
		return [][2]string{
			{"date", r.Date.Format("2006-01-02 15:04 MST")},
			{"machine", machine},
			{"database", fmt.Sprintf("%s: %s families, %s members (generator target %s families); the login's commission holds %s",
				r.Database, fmtInt(r.Families), fmtInt(r.FamilyMembers), fmtInt(int64(r.GeneratorTarget)), fmtInt(r.CommissionFamilies))},
			{"server", server},
			{"run", fmt.Sprintf("%s, concurrency %s, seed %d", mode, strings.Join(levels, ","), r.Seed)},
		}
	}
	return [][2]string{
		{"date", r.Date.Format("2006-01-02 15:04 MST")},
		{"machine", machine},
		{"database", fmt.Sprintf("%s: %s clients, %s services (generator target %s clients)", r.Database,
			fmtInt(r.Clients), fmtInt(r.Services), fmtInt(int64(r.GeneratorTarget)))},
		{"server", server},
		{"run", fmt.Sprintf("%s, concurrency %s, seed %d", mode, strings.Join(levels, ","), r.Seed)},
		{"export", export},
		{"search", search},
	}
}

var columns = []string{"scenario", "conc", "requests", "errors", "p50", "p95", "p99", "req/s", "server RSS", "floor p95", "p95 ÷ floor"}

func (r *Report) rows() [][]string {
	var out [][]string
	for _, x := range r.Results {
		floor, ratio := "—", "—"
		if f := r.floor(x.Scenario); f != nil && f.Err == "" && f.P95 > 0 {
			floor = fmtDur(f.P95)
			ratio = fmt.Sprintf("%.1f", float64(x.P95)/float64(f.P95))
		}
		rss := "unknown"
		if x.RSS > 0 {
			rss = fmtBytes(x.RSS)
		}
		out = append(out, []string{x.Scenario, strconv.Itoa(x.Concurrency), strconv.Itoa(x.Requests), strconv.Itoa(x.Errors),
			fmtDur(x.P50), fmtDur(x.P95), fmtDur(x.P99), fmt.Sprintf("%.1f", x.Throughput), rss, floor, ratio})
	}
	return out
}

func (r *Report) floorRows() [][]string {
	var out [][]string
	for _, f := range r.Floors {
		p50, p95 := fmtDur(f.P50), fmtDur(f.P95)
		if f.Err != "" {
			p50, p95 = "failed", "failed"
		}
		rate := "—"
		if f.Rate > 0 {
			rate = fmt.Sprintf("%.1f at c = %d", f.Rate, f.RateConc)
		}
		out = append(out, []string{f.Scenario, strconv.Itoa(f.Runs), p50, p95, rate})
	}
	return out
}

func (r *Report) problems() []string {
	var out []string
	for _, x := range r.Results {
		if x.Errors > 0 {
			out = append(out, fmt.Sprintf("%s, concurrency %d: %d of %d failed; first: %s", x.Scenario, x.Concurrency,
				x.Errors, x.Requests, x.FirstError))
		}
	}
	for _, f := range r.Floors {
		if f.Err != "" {
			out = append(out, fmt.Sprintf("floor of %s failed: %s", f.Scenario, f.Err))
		}
	}
	return out
}

// WriteText writes the report as aligned plain-text tables.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Opora bench")
	for _, h := range r.header() {
		fmt.Fprintf(tw, "%s:\t%s\n", h[0], h[1])
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, strings.Join(columns, "\t"))
	for _, row := range r.rows() {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if len(r.Floors) > 0 { // the region's scenarios have none
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "raw-SQL floor (the statements the server runs for the scenario, straight on the database, sequential):")
		fmt.Fprintln(tw, "scenario\truns\tp50\tp95\tfloors/s at once")
		for _, row := range r.floorRows() {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p := r.problems(); len(p) > 0 {
		fmt.Fprintln(w, "\nerrors:")
		for _, s := range p {
			fmt.Fprintln(w, "  "+s)
		}
	}
	return nil
}

// WriteMarkdown writes the report as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## Opora bench, " + r.Date.Format("2006-01-02") + "\n\n")
	for _, h := range r.header() {
		fmt.Fprintf(&b, "- **%s:** %s\n", h[0], mdEscape(h[1]))
	}
	b.WriteString("\n")
	mdTable(&b, columns, r.rows())
	if len(r.Floors) > 0 {
		b.WriteString("\nRaw-SQL floor: the statements the server runs for the scenario, sent straight to the database, one after another " +
			"(floors/s at once: the same replayed from as many goroutines as the highest level's sessions, PostgreSQL).\n\n")
		mdTable(&b, []string{"scenario", "runs", "p50", "p95", "floors/s at once"}, r.floorRows())
	}
	if p := r.problems(); len(p) > 0 {
		b.WriteString("\nErrors:\n\n")
		for _, s := range p {
			b.WriteString("- " + mdEscape(s) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdTable(b *strings.Builder, head []string, rows [][]string) {
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for i := range head {
		if i == 0 {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdEscape(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// fmtDur prints a latency in milliseconds with sensible precision.
func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "—"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 10000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f s", ms/1000)
}

func fmtBytes(n int64) string {
	switch {
	case n < 0:
		return "unknown"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

// fmtInt groups thousands with commas.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
