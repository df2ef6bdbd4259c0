package store_test

import (
	"context"
	"os"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// BenchmarkMonitoringRegion measures the monitoring of a whole generated
// region (opora demo --families 50000) as the demo's network administrator
// ("admin", the ministry: the region's aggregated view), the default period
// of twelve months. It needs the generated database, given as
// OPORA_BENCH_MONITOR_DATA (an SQLite data folder) or
// OPORA_BENCH_MONITOR_URL (postgres://…), and skips without one:
//
//	OPORA_BENCH_MONITOR_DATA=/tmp/region go test ./internal/store -run '^$' -bench BenchmarkMonitoringRegion -benchtime 20x
//
// It reports the median and the slowest run besides the mean.
func BenchmarkMonitoringRegion(b *testing.B) {
	o := store.Options{DataDir: os.Getenv("OPORA_BENCH_MONITOR_DATA"), DatabaseURL: os.Getenv("OPORA_BENCH_MONITOR_URL")}
	if o.DataDir == "" && o.DatabaseURL == "" {
		b.Skip("OPORA_BENCH_MONITOR_DATA or OPORA_BENCH_MONITOR_URL names no generated region")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	login := os.Getenv("OPORA_BENCH_MONITOR_LOGIN")
	if login == "" {
		login = "admin"
	}
	cand, err := s.UserForLogin(ctx, login)
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.Actor(ctx, cand.User.ID)
	if err != nil {
		b.Fatal(err)
	}
	actx := opora.WithActor(ctx, a)
	flt := opora.DefaultMonitorFilter(s.Today())
	m, err := s.Monitoring(actx, flt) // warm
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("scope %s, %d task rows, tasks on time %d, families with signals %d, reassessed %d, months %d",
		m.Scope.Level, len(m.Tasks), m.TasksTotal.OnTime.N, m.Repeats.Families.N, m.Levels.Families.N, len(m.Months))
	var took []time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := s.Monitoring(actx, flt); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	// The process's CPU time (the database work, on SQLite): on a shared
	// machine the wall time also holds the waits for a core.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "ms-cpu")
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "ms-max")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
