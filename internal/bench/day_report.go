package bench

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// sampleMemory reads the server process's memory now and every interval
// until the returned function is called, which reads it once more and
// returns the samples (none when the process is unknown).
func sampleMemory(pid int, every time.Duration) func() []MemorySample {
	if pid <= 0 {
		return func() []MemorySample { return nil }
	}
	start := time.Now()
	var mu sync.Mutex
	var out []MemorySample
	read := func() {
		if s, ok := readMemory(pid); ok {
			s.At = time.Since(start)
			mu.Lock()
			out = append(out, s)
			mu.Unlock()
		}
	}
	read()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() []MemorySample {
		close(stop)
		<-done
		read()
		mu.Lock()
		defer mu.Unlock()
		return out
	}
}

// readMemory reads a process's resident memory and threads from
// /proc/PID/status and counts its open file descriptors.
func readMemory(pid int) (MemorySample, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/status")
	if err != nil {
		return MemorySample{}, false
	}
	s := MemorySample{RSS: kbField(b, "VmRSS:"), FDs: -1}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			s.Threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if fds, err := os.ReadDir(dir + "/fd"); err == nil {
		s.FDs = len(fds)
	}
	return s, s.RSS > 0
}

// MemoryVerdict says whether the server's memory stayed flat over the
// run: after the warm-up (the first minute, or the first sixth of a
// shorter run: the logins' password hashes leave memory the runtime gives
// back over the next seconds), the median RSS of the last third of the
// samples against the first third's, and the least-squares slope over the
// last two thirds.
type MemoryVerdict struct {
	Known                   bool
	WarmUp                  time.Duration // samples before this are left out
	FirstMedian, LastMedian int64         // bytes
	Growth                  int64         // LastMedian − FirstMedian
	Allowed                 int64         // the growth still called flat
	Slope                   float64       // MiB a minute over the last two thirds
	Flat                    bool
}

// flatMargin is the growth still called flat: a tenth of the first
// third's median, at least 16 MiB (Go's heap and SQLite's page cache move
// by that much with the mix of the moment).
func flatMargin(first int64) int64 { return max(first/10, 16<<20) }

// warmUp is the start of a run of that length left out of the verdict.
func warmUp(run time.Duration) time.Duration { return min(time.Minute, run/6) }

func memoryVerdict(all []MemorySample, warm time.Duration) MemoryVerdict {
	v := MemoryVerdict{WarmUp: warm}
	var s []MemorySample
	for _, x := range all {
		if x.At >= warm {
			s = append(s, x)
		}
	}
	if len(s) < 6 {
		return v
	}
	third := len(s) / 3
	median := func(part []MemorySample) int64 {
		r := make([]int64, len(part))
		for i, x := range part {
			r[i] = x.RSS
		}
		slices.Sort(r)
		return r[len(r)/2]
	}
	v.Known = true
	v.FirstMedian, v.LastMedian = median(s[:third]), median(s[len(s)-third:])
	v.Growth, v.Allowed = v.LastMedian-v.FirstMedian, flatMargin(v.FirstMedian)
	v.Flat = v.Growth <= v.Allowed
	// Least squares of RSS (MiB) on time (minutes) over the last two thirds.
	tail := s[third:]
	var sx, sy, sxx, sxy float64
	for _, x := range tail {
		t, m := x.At.Minutes(), float64(x.RSS)/(1<<20)
		sx, sy, sxx, sxy = sx+t, sy+m, sxx+t*t, sxy+t*m
	}
	n := float64(len(tail))
	if den := n*sxx - sx*sx; den > 0 {
		v.Slope = (n*sxy - sx*sy) / den
	}
	return v
}

func (v MemoryVerdict) String() string {
	if !v.Known {
		return "unknown (too few samples, or the server's process was not found)"
	}
	word := "FLAT"
	if !v.Flat {
		word = "GROWING"
	}
	return fmt.Sprintf("%s: after the first %s, median RSS %s in the first third of the run, %s in the last (%+.0f MiB; flat up to +%.0f MiB); "+
		"slope over the last two thirds %+.1f MiB a minute", word, fmtClock(v.WarmUp), fmtBytes(v.FirstMedian), fmtBytes(v.LastMedian),
		float64(v.Growth)/(1<<20), float64(v.Allowed)/(1<<20), v.Slope)
}

// memoryRows picks the samples the report lists: the first, the one
// nearest each whole minute (each 10 s in a run under three minutes),
// and the last.
func (r *DayReport) memoryRows() [][]string {
	if len(r.Memory) == 0 {
		return nil
	}
	step := time.Minute
	if r.Elapsed < 3*time.Minute {
		step = 10 * time.Second
	}
	var picked []MemorySample
	picked = append(picked, r.Memory[0])
	for mark := step; mark < r.Memory[len(r.Memory)-1].At-step/4; mark += step {
		best := r.Memory[0]
		for _, s := range r.Memory {
			if (s.At - mark).Abs() < (best.At - mark).Abs() {
				best = s
			}
		}
		if best.At != picked[len(picked)-1].At {
			picked = append(picked, best)
		}
	}
	if last := r.Memory[len(r.Memory)-1]; last.At != picked[len(picked)-1].At {
		picked = append(picked, last)
	}
	var out [][]string
	for i, s := range picked {
		label := fmtClock(s.At)
		switch {
		case i == 0:
			label += " (start)"
		case i == len(picked)-1:
			label += " (end)"
		}
		out = append(out, []string{label, fmtBytes(s.RSS), strconv.Itoa(s.Threads), strconv.Itoa(s.FDs)})
	}
	return out
}

// fmtClock prints a moment of the run as m:ss.
func fmtClock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

var dayColumns = []string{"action", "count", "errors", "p50", "p95", "p99", "per second"}

func (r *DayReport) actionRows() [][]string {
	var out [][]string
	total, errs := 0, 0
	for _, a := range r.Actions {
		out = append(out, []string{a.Action, strconv.Itoa(a.Count), strconv.Itoa(a.Errors), fmtDur(a.P50), fmtDur(a.P95),
			fmtDur(a.P99), fmt.Sprintf("%.2f", a.PerSecond)})
		total += a.Count
		errs += a.Errors
	}
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(total) / r.Elapsed.Seconds()
	}
	return append(out, []string{"all actions", strconv.Itoa(total), strconv.Itoa(errs), "", "", "", fmt.Sprintf("%.2f", rate)})
}

// Errors counts the day's failed actions.
func (r *DayReport) Errors() int {
	n := 0
	for _, a := range r.Actions {
		n += a.Errors
	}
	return n
}

func (r *DayReport) dayHeader() [][2]string {
	h := r.header()
	var kinds []string
	for _, k := range kindNames {
		if n := r.Workers[k]; n == 1 {
			kinds = append(kinds, "1 "+k)
		} else if n > 1 {
			kinds = append(kinds, fmt.Sprintf("%d %ss", n, k))
		}
	}
	n := 0
	for _, c := range r.Workers {
		n += c
	}
	mode := fmt.Sprintf("%s (ran %s), think time %s on average (uniform %s–%s), memory every %s, seed %d", r.Duration,
		r.Elapsed.Round(time.Second), r.Think, r.Think/2, r.Think*3/2, r.Every, r.Seed)
	if r.Smoke {
		mode = fmt.Sprintf("smoke: each action of each worker's mix once, no think time, seed %d", r.Seed)
	}
	out := [][2]string{h[0], h[1], h[2],
		{"workers", fmt.Sprintf("%d, each a user of their own (%s)", n, strings.Join(kinds, ", "))}, h[3],
		{"run", mode}}
	return out
}

// WriteText writes the day's report as aligned plain-text tables.
func (r *DayReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Opora: a day of load")
	for _, h := range r.dayHeader() {
		fmt.Fprintf(tw, "%s:\t%s\n", h[0], h[1])
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, strings.Join(dayColumns, "\t"))
	for _, row := range r.actionRows() {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "server memory\tRSS\tthreads\topen files")
	for _, row := range r.memoryRows() {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "memory:", r.Verdict)
	if len(r.Failures) > 0 {
		fmt.Fprintln(w, "\nerrors (action, status, reason: count):")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s, %s, %s: %d\n", f.Action, statusText(f.Status), f.Reason, f.Count)
		}
	}
	return nil
}

// WriteMarkdown writes the day's report as Markdown.
func (r *DayReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## Opora: a day of load, " + r.Date.Format("2006-01-02") + "\n\n")
	for _, h := range r.dayHeader() {
		fmt.Fprintf(&b, "- **%s:** %s\n", h[0], mdEscape(h[1]))
	}
	b.WriteString("\n")
	mdTable(&b, dayColumns, r.actionRows())
	b.WriteString("\n")
	mdTable(&b, []string{"server memory", "RSS", "threads", "open files"}, r.memoryRows())
	b.WriteString("\n**Memory:** " + mdEscape(r.Verdict.String()) + "\n")
	if len(r.Failures) > 0 {
		b.WriteString("\nErrors:\n\n")
		var rows [][]string
		for _, f := range r.Failures {
			rows = append(rows, []string{f.Action, statusText(f.Status), f.Reason, strconv.Itoa(f.Count)})
		}
		mdTable(&b, []string{"action", "status", "reason", "count"}, rows)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMemoryCSV writes every memory sample: seconds since the start,
// RSS in MiB, threads, open files.
func (r *DayReport) WriteMemoryCSV(w io.Writer) error {
	var b strings.Builder
	b.WriteString("seconds,rss_mib,threads,open_files\n")
	for _, s := range r.Memory {
		fmt.Fprintf(&b, "%.1f,%.1f,%d,%d\n", s.At.Seconds(), float64(s.RSS)/(1<<20), s.Threads, s.FDs)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func statusText(status int) string {
	if status == 0 {
		return "no answer"
	}
	return strconv.Itoa(status)
}
