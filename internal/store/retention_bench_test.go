package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// BenchmarkRetention measures the daily listing over a generated
// organisation (OPORA_BENCH_CLIENTS clients, 20,000 by default) where every
// client is due, and the destruction of one client with its services,
// cases and timeline. Run: go test ./internal/store -run '^$'
// -bench Retention -benchtime 1x.
func BenchmarkRetention(b *testing.B) {
	auth.SetParamsForTests()
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("OPORA_BENCH_CLIENTS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			if d == store.Postgres {
				storetest.SkipUnlessPostgres(b)
			}
			st := storetest.Open(b, d)
			ctx := context.Background()
			if _, err := demo.Generate(ctx, st, demo.Options{Clients: n, Seed: 1}, nil); err != nil {
				b.Fatal(err)
			}
			db := storetest.RawDB(b, st)
			var admin int64
			if err := db.QueryRow(`SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
				WHERE r.key = 'administrator' ORDER BY u.id LIMIT 1`).Scan(&admin); err != nil {
				b.Fatal(err)
			}
			actx := storetest.CtxOf(b, st, admin)
			if err := st.SaveRetentionRule(actx, &opora.RetentionRule{Name: "5 лет после последнего обращения",
				Trigger: opora.TriggerLastActivity, Amount: 1, Unit: opora.UnitYears, Action: opora.ActionAnonymise, Active: true}); err != nil {
				b.Fatal(err)
			}
			st.Now = func() time.Time { return time.Now().UTC().AddDate(10, 0, 0) }
			b.ResetTimer()
			var listing, destroy time.Duration
			destroyed := 0
			for range b.N {
				t0 := time.Now()
				due, err := st.FindDueDestructions(ctx)
				if err != nil {
					b.Fatal(err)
				}
				listing += time.Since(t0)
				list, err := st.DueDestructions(actx)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(due), "due")
				for _, x := range list[:min(len(list), 200)] {
					t0 := time.Now()
					_, err := st.DestroyClient(actx, x.ClientID, "Истёк срок", nil)
					if opora.ErrorCode(err) == opora.EINVALID {
						continue // a family member: refused
					}
					if err != nil {
						b.Fatal(err)
					}
					destroy += time.Since(t0)
					destroyed++
				}
			}
			b.ReportMetric(float64(listing.Milliseconds())/float64(b.N), "listing-ms")
			if destroyed > 0 {
				b.ReportMetric(float64(destroy.Milliseconds())/float64(destroyed), "destroy-ms/client")
			}
		})
	}
}
