package bench

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one scenario at one concurrency level.
type Result struct {
	Scenario    string
	Concurrency int
	Requests    int
	Errors      int
	FirstError  string // the first failed request's status and body start
	P50         time.Duration
	P95         time.Duration
	P99         time.Duration
	Throughput  float64 // requests per second
	RSS         int64   // the server's largest resident memory seen, bytes; -1 unknown
}

// Floor is a scenario's raw-SQL floor.
type Floor struct {
	Scenario string
	Runs     int
	P50, P95 time.Duration
	Err      string
	// Rate is how many floors a second the database served with RateConc
	// replaying at once (profile and record a service on PostgreSQL; 0
	// otherwise): the database's own throughput on this machine with no
	// server in between, to read the server's requests per second against.
	Rate     float64
	RateConc int
}

// runLoad sends the scenario's requests from every session at once until
// the duration is over (smoke: a few requests per session), and measures.
func runLoad(ctx context.Context, sc scenario, sessions []*session, o Options, pid int, seed uint64) Result {
	res := Result{Scenario: sc.name, Concurrency: len(sessions)}
	stopRSS := sampleRSS(pid)
	lat := make([][]time.Duration, len(sessions))
	errs := make([]int, len(sessions))
	var mu sync.Mutex
	start := time.Now()
	deadline := start.Add(o.Duration)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, uint64(i)))
			for k := 0; ctx.Err() == nil; k++ {
				if o.Smoke && k >= smokeRequests || !o.Smoke && k > 0 && time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				err := sc.request(ctx, s, rnd)
				lat[i] = append(lat[i], time.Since(t0))
				if err != nil && ctx.Err() == nil {
					errs[i]++
					mu.Lock()
					if res.FirstError == "" {
						res.FirstError = errorText(err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.RSS = stopRSS()
	var all []time.Duration
	for i := range lat {
		all = append(all, lat[i]...)
		res.Errors += errs[i]
	}
	res.Requests = len(all)
	res.P50, res.P95, res.P99 = percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99)
	if elapsed > 0 {
		res.Throughput = float64(res.Requests) / elapsed.Seconds()
	}
	return res
}

// runFloor runs a scenario's floor sequentially: a few times in smoke mode,
// otherwise for the duration (at most 1000 runs, at least 3).
func runFloor(ctx context.Context, sc scenario, f *floorDB, o Options, seed uint64) Floor {
	out := Floor{Scenario: sc.name}
	rnd := rand.New(rand.NewPCG(seed, 99))
	var lat []time.Duration
	deadline := time.Now().Add(o.Duration)
	for k := 0; ctx.Err() == nil; k++ {
		if o.Smoke && k >= smokeFloorRuns || !o.Smoke && k >= 3 && (k >= 1000 || time.Now().After(deadline)) {
			break
		}
		t0 := time.Now()
		if err := sc.floor(ctx, f, rnd); err != nil {
			out.Err = snippet([]byte(err.Error()))
			break
		}
		lat = append(lat, time.Since(t0))
	}
	out.Runs = len(lat)
	out.P50, out.P95 = percentile(lat, 0.50), percentile(lat, 0.95)
	return out
}

// floorRate replays the scenario's floor from conc goroutines at once for
// the duration (smoke: a few each) and returns floors per second. The
// bench's SQLite connection is one, so this is for PostgreSQL.
func floorRate(ctx context.Context, sc scenario, f *floorDB, o Options, conc int, seed uint64) (float64, error) {
	f.db.SetMaxOpenConns(conc)
	defer f.db.SetMaxOpenConns(2)
	if f.replica != nil {
		f.replica.SetMaxOpenConns(conc)
		defer f.replica.SetMaxOpenConns(2)
	}
	var done atomic.Int64
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	deadline := start.Add(o.Duration)
	var wg sync.WaitGroup
	for i := range conc {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(seed, uint64(i)))
			for k := 0; ctx.Err() == nil; k++ {
				if o.Smoke && k >= smokeFloorRuns || !o.Smoke && time.Now().After(deadline) {
					return
				}
				if err := sc.floor(ctx, f, rnd); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), firstErr
}

// percentile is the nearest-rank percentile p (0…1) of the durations.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// sampleRSS watches a process's resident memory (VmRSS in
// /proc/PID/status) every 100 ms until the returned function is called,
// which returns the largest value seen in bytes, or -1 when unknown.
func sampleRSS(pid int) func() int64 {
	if pid <= 0 {
		return func() int64 { return -1 }
	}
	var mu sync.Mutex
	peak := int64(-1)
	read := func() {
		if v := readRSS(pid); v > 0 {
			mu.Lock()
			peak = max(peak, v)
			mu.Unlock()
		}
	}
	read()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
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
	return func() int64 {
		close(stop)
		<-done
		read()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// readRSS returns a process's VmRSS in bytes, or -1.
func readRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	return kbField(b, "VmRSS:")
}

// kbField reads a "Name:   123 kB" line of a /proc file, in bytes.
func kbField(b []byte, name string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == name {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return -1
			}
			return n << 10
		}
	}
	return -1
}

// findServerPID looks for the server process: a program whose name holds
// "opora" run with the argument "serve". It returns
// 0 when there is none, and says how it chose.
func findServerPID() (int, string) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var found []int
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(dir + "/cmdline")
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if strings.Contains(filepath.Base(args[0]), "opora") && slices.Contains(args[1:], "serve") {
			found = append(found, pid)
		}
	}
	switch len(found) {
	case 0:
		return 0, "no process with \"opora\" and \"serve\" in its command line (give --server-pid)"
	case 1:
		return found[0], "found in /proc"
	}
	slices.Sort(found)
	return found[0], "found in /proc; " + strconv.Itoa(len(found)) + " candidates, took the oldest (give --server-pid)"
}

// Machine describes where the bench ran.
type Machine struct {
	Cores  int
	Memory int64 // bytes, MemTotal
	CPU    string
	OS     string
}

func machineInfo() Machine {
	m := Machine{Cores: runtime.NumCPU(), Memory: -1, OS: runtime.GOOS + "/" + runtime.GOARCH + ", " + runtime.Version()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.Memory = kbField(b, "MemTotal:")
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
