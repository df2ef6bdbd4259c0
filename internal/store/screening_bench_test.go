package store_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// BenchmarkScreeningRegion measures one page of the early screening list
// of a municipality of a generated region (opora demo --families 50000,
// with life events) as its КДН secretary (m01-kdn-1 unless
// OPORA_BENCH_SCREEN_LOGIN says), with the enabled early-crisis rules.
// It needs the generated database as OPORA_BENCH_SCREEN_DATA (an SQLite
// data folder) or OPORA_BENCH_SCREEN_URL (postgres://…), and skips
// without one:
//
//	OPORA_BENCH_SCREEN_DATA=/tmp/region go test ./internal/store -run '^$' -bench BenchmarkScreeningRegion -benchtime 10x
func BenchmarkScreeningRegion(b *testing.B) {
	o := store.Options{DataDir: os.Getenv("OPORA_BENCH_SCREEN_DATA"), DatabaseURL: os.Getenv("OPORA_BENCH_SCREEN_URL")}
	if o.DataDir == "" && o.DatabaseURL == "" {
		b.Skip("OPORA_BENCH_SCREEN_DATA or OPORA_BENCH_SCREEN_URL names no generated region")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	login := os.Getenv("OPORA_BENCH_SCREEN_LOGIN")
	if login == "" {
		login = "m01-kdn-1"
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
	ch, err := s.ScreeningChoices(actx)
	if err != nil || len(ch.Municipalities) == 0 {
		b.Fatalf("choices: %v", err)
	}
	flt := opora.ScreenFilter{TerritoryID: ch.Municipalities[0].ID}
	p, err := s.Screening(actx, flt) // warm
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d rows listed, %d on the first page", ch.Municipalities[0].Name, p.Total, len(p.Rows))
	var took []time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := s.Screening(actx, flt); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "ms-cpu")
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "ms-max")
}
