package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// BenchmarkFamilyHints measures the rule hints of one family card
// (FamilyHints: access, the rules, the facts, task types, plan and the
// user's verdicts) as the family's curator. On a generated region, given
// as OPORA_BENCH_MONITOR_DATA (an SQLite data folder) or
// OPORA_BENCH_MONITOR_URL (postgres://…) like BenchmarkMonitoringRegion,
// it takes a family with a current curator (one with a life event when
// there is one); otherwise it builds the small fixture of TestFamilyHints
// on each database (PostgreSQL when OPORA_TEST_POSTGRES is set):
//
//	go test ./internal/store -run '^$' -bench BenchmarkFamilyHints -benchtime 200x
func BenchmarkFamilyHints(b *testing.B) {
	o := store.Options{DataDir: os.Getenv("OPORA_BENCH_MONITOR_DATA"), DatabaseURL: os.Getenv("OPORA_BENCH_MONITOR_URL")}
	if o.DataDir != "" || o.DatabaseURL != "" {
		b.Run("region", func(b *testing.B) { benchHintsRegion(b, o) })
		return
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.Open(b, d)
			ctx, familyID := benchHintFixture(b, s)
			benchHints(b, s, ctx, familyID, 1)
		})
	}
}

func benchHints(b *testing.B, s *store.Store, ctx context.Context, familyID int64, want int) {
	l, err := s.FamilyHints(ctx, familyID) // warm
	if err != nil {
		b.Fatal(err)
	}
	if len(l.Hints) < want {
		b.Fatalf("hints: %d, want at least %d", len(l.Hints), want)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := s.FamilyHints(ctx, familyID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchHintsRegion(b *testing.B, o store.Options) {
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
	var familyID, curatorID int64
	q := `SELECT family_id, curator_id FROM family_curators WHERE to_on IS NULL %s ORDER BY family_id LIMIT 1`
	err = db.QueryRow(fmt.Sprintf(q, "AND family_id IN (SELECT family_id FROM life_events WHERE family_id IS NOT NULL)")).Scan(&familyID, &curatorID)
	if err == sql.ErrNoRows {
		err = db.QueryRow(fmt.Sprintf(q, "")).Scan(&familyID, &curatorID)
	}
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.Actor(ctx, curatorID)
	if err != nil {
		b.Fatal(err)
	}
	benchHints(b, s, opora.WithActor(ctx, a), familyID, 0)
}

// benchHintFixture is newHintFixture for a benchmark: the assessed Ивановы
// (missed school scored 2, the father's job lost 40 days ago) curated by
// the КЦСОН's curator, with the seeded rules.
func benchHintFixture(b *testing.B, s *store.Store) (context.Context, int64) {
	net := storetest.SetupOrg(b, s, "Сеть")
	kdn := storetest.AddAgency(b, s, net.Ctx(), "КДН района", opora.OrgKDN)
	kcson := storetest.AddAgency(b, s, net.Ctx(), "КЦСОН района", opora.OrgSocialService)
	_, sec := kdn.AddUser(b, "kdn-sec", "kdn_secretary")
	head, _ := kcson.AddUser(b, "kcson-head", "agency_head")
	cur, _ := kcson.AddUser(b, "curator-a", "curator")
	f := &opora.Family{Address: "ул. Ленина, 5", Members: []*opora.FamilyMember{
		{Client: &opora.Client{Surname: "Иванова", FirstName: "Мария"}, Role: opora.RoleMother},
		{Client: &opora.Client{Surname: "Иванов", FirstName: "Сергей"}, Role: opora.RoleFather},
		{Client: &opora.Client{Surname: "Иванов", FirstName: "Пётр"}, Role: opora.RoleChild}}}
	if err := s.CreateFamily(sec, f); err != nil {
		b.Fatal(err)
	}
	if err := s.GrantFamily(sec, f.ID, kcson.Org.ID, opora.GrantCuratorOrg); err != nil {
		b.Fatal(err)
	}
	if err := s.AssignCurator(storetest.CtxOf(b, s, head.ID), f.ID, cur.ID); err != nil {
		b.Fatal(err)
	}
	curator := storetest.CtxOf(b, s, cur.ID)
	forms, err := s.AssessmentForms(curator)
	if err != nil || len(forms) != 1 {
		b.Fatalf("forms: %v", err)
	}
	x, err := s.BlankAssessment(curator, f.ID, forms[0].ID)
	if err != nil {
		b.Fatal(err)
	}
	x.Answers = map[int64]int64{}
	for i, d := range x.Def.Domains {
		for j, ind := range d.Indicators {
			want := 0
			if i == 3 && j == 0 {
				want = 2
			}
			for _, o := range ind.Options {
				if o.Score == want {
					x.Answers[ind.ID] = o.ID
				}
			}
		}
	}
	x.AssessedOn = s.Today().AddDays(-3)
	if err := s.SaveAssessment(curator, x, true); err != nil {
		b.Fatal(err)
	}
	for _, m := range f.Members {
		if m.Role == opora.RoleFather {
			if _, err := storetest.RawDB(b, s).Exec(`INSERT INTO life_events (organisation_id, client_id, family_id, kind, occurred_on, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, kdn.Org.ID, m.ClientID, f.ID, opora.LifeEventJobLoss, s.Today().AddDays(-40), s.Now()); err != nil {
				b.Fatal(err)
			}
		}
	}
	return curator, f.ID
}
