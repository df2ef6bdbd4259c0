package store_test

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// BenchmarkFamilyLearnedHints measures the learned hints of a family card
// (FamilyLearnedHints: access, the facts, the groups looked up) as the
// family's curator, over the first 50 families with a curator and a life
// event of a generated region with learned hints, given as
// OPORA_BENCH_MONITOR_DATA (an SQLite data folder) or
// OPORA_BENCH_MONITOR_URL (postgres://…); it reports the median:
//
//	opora hints evaluate --data DIR --families 50000 && opora hints learn --data DIR
//	OPORA_BENCH_MONITOR_DATA=DIR go test ./internal/store -run '^$' -bench BenchmarkFamilyLearnedHints -benchtime 500x
func BenchmarkFamilyLearnedHints(b *testing.B) {
	o := store.Options{DataDir: os.Getenv("OPORA_BENCH_MONITOR_DATA"), DatabaseURL: os.Getenv("OPORA_BENCH_MONITOR_URL")}
	if o.DataDir == "" && o.DatabaseURL == "" {
		b.Skip("set OPORA_BENCH_MONITOR_DATA or OPORA_BENCH_MONITOR_URL to a generated region with learned hints")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var db *sql.DB
	if o.IsPostgres() {
		db, err = sql.Open("pgx", o.DatabaseURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+o.SQLitePath()+"?mode=ro&_time_format=sqlite")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT family_id, curator_id FROM family_curators WHERE to_on IS NULL
		AND family_id IN (SELECT family_id FROM life_events WHERE family_id IS NOT NULL) ORDER BY family_id LIMIT 50`)
	if err != nil {
		b.Fatal(err)
	}
	type subject struct {
		ctx    context.Context
		family int64
	}
	var subjects []subject
	for rows.Next() {
		var fam, cur int64
		if err := rows.Scan(&fam, &cur); err != nil {
			b.Fatal(err)
		}
		a, err := s.Actor(ctx, cur)
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, subject{opora.WithActor(ctx, a), fam})
	}
	rows.Close()
	shown := 0
	for _, x := range subjects { // warm, and the families do get hints
		gs, err := s.FamilyLearnedHints(x.ctx, x.family)
		if err != nil {
			b.Fatal(err)
		}
		if len(gs) > 0 {
			shown++
		}
	}
	if shown == 0 {
		b.Fatal("no family shows a learned hint: run opora hints learn first")
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		x := subjects[i%len(subjects)]
		start := time.Now()
		if _, err := s.FamilyLearnedHints(x.ctx, x.family); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(shown), "families-with-hints")
}
