package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

var (
	benchSurnames = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
		"Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
		"Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев",
		"Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв"}
	benchFirst = []string{"Александр", "Сергей", "Владимир", "Андрей", "Алексей", "Дмитрий", "Николай", "Михаил", "Евгений",
		"Юрий", "Игорь", "Олег", "Виктор", "Павел", "Пётр", "Иван", "Роман", "Василий", "Анатолий", "Геннадий"}
	benchPatronymic = []string{"Александрович", "Сергеевич", "Владимирович", "Андреевич", "Алексеевич", "Петрович",
		"Иванович", "Николаевич", "Михайлович", "Викторович"}
)

// seedSearchClients inserts n clients with random names (a surname suffix
// makes most surnames distinct, as in real data) in one transaction.
func seedSearchClients(b *testing.B, s *store.Store, orgID, branchID int64, n int) {
	b.Helper()
	db := storetest.RawDB(b, s)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	suffixes := []string{"", "ский", "ин", "ченко", "ых", "ец", "ук", "енко"}
	for i := 0; i < n; i++ {
		sur := benchSurnames[r.IntN(len(benchSurnames))] + suffixes[r.IntN(len(suffixes))] + strconv.Itoa(r.IntN(50))
		first, pat := benchFirst[r.IntN(len(benchFirst))], benchPatronymic[r.IntN(len(benchPatronymic))]
		birth := time.Date(1940+r.IntN(65), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		if _, err := tx.Exec(`INSERT INTO clients (organisation_id, branch_id, surname, first_name, patronymic, birth_date, birth_year,
			birth_precision, search_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'date', $8, $9, $9)`,
			orgID, branchID, sur, first, pat, birth, birth.Year(), store.NameKey(sur+" "+first+" "+pat), now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSearch measures searches over OPORA_BENCH_CLIENTS (default
// 20000) clients: a typo, a full name with a year, a partial word and a
// birth date. Run with
//
//	go test ./internal/store -run '^$' -bench BenchmarkSearch -benchtime 200x
func BenchmarkSearch(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("OPORA_BENCH_CLIENTS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.Open(b, d)
			fx := storetest.SetupOrg(b, s, "Ночлежка")
			seedSearchClients(b, s, fx.Org.ID, fx.Branch.ID, n)
			addBenchClient(b, s, fx.Ctx(), fx.Branch.ID)
			for _, q := range []string{"Ивонов Петр", "Иванов Пётр 1975", "ivanov petr", "иван", "01.02.1975", "Кузнецовскй"} {
				b.Run(q, func(b *testing.B) {
					ctx := fx.Ctx()
					for i := 0; i < b.N; i++ {
						res, err := s.SearchClients(ctx, store.SearchFilter{Query: q})
						if err != nil {
							b.Fatal(err)
						}
						if i == 0 && res.Total == 0 {
							b.Fatalf("%q found nobody", q)
						}
					}
				})
			}
		})
	}
}

func addBenchClient(b *testing.B, s *store.Store, ctx context.Context, branchID int64) {
	b.Helper()
	c := newClient(branchID)
	if err := s.CreateClient(ctx, c); err != nil {
		b.Fatal(fmt.Errorf("bench client: %w", err))
	}
}

// BenchmarkCheckinSearch measures the duty page's online search over
// OPORA_BENCH_CLIENTS (default 20000) clients and as many check-in
// persons, the name-word dictionary filled by Migrate. Run with
//
//	go test ./internal/store -run '^$' -bench BenchmarkCheckinSearch -benchtime 20x
func BenchmarkCheckinSearch(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("OPORA_BENCH_CLIENTS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			s := storetest.Open(b, d)
			fx := storetest.SetupOrg(b, s, "Ночлежка")
			seedSearchClients(b, s, fx.Org.ID, fx.Branch.ID, n)
			db := storetest.RawDB(b, s)
			if _, err := db.Exec(`INSERT INTO checkin_persons (organisation_id, branch_id, surname, first_name, search_key, created_at)
				SELECT organisation_id, branch_id, surname || 'а', first_name, search_key || 'a', created_at FROM clients`); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec(`UPDATE search_state SET key_version = 0`); err != nil {
				b.Fatal(err)
			}
			if err := s.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Обогрев"}
			if err := s.SaveCheckinPoint(fx.Ctx(), p, []string{"Еда"}); err != nil {
				b.Fatal(err)
			}
			sh := &opora.CheckinShift{PointID: p.ID, Date: s.Today(), Starts: "20:00", Ends: "08:00"}
			if err := s.OpenCheckinShift(fx.Ctx(), sh); err != nil {
				b.Fatal(err)
			}
			// The main search with the same dictionary, for comparison.
			b.Run("clients/Ивонов", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := s.SearchClients(fx.Ctx(), store.SearchFilter{Query: "Ивонов"}); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, q := range []string{"Ивонов", "ivanov", "Кузнецовскй", "иван"} {
				b.Run(q, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						rows, err := s.SearchCheckinPeople(fx.Ctx(), sh.ID, q)
						if err != nil {
							b.Fatal(err)
						}
						if i == 0 && len(rows) == 0 {
							b.Fatalf("%q found nobody", q)
						}
					}
				})
			}
		})
	}
}
