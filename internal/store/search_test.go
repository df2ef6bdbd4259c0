package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestNameKeyFoldsSpellings(t *testing.T) {
	for _, group := range [][]string{
		{"Иванов", "иванов", "ИВАНОВ", "Ivanov", "иванофф", "Ivanoff", "Iwanow"},
		{"Пётр", "Петр", "Petr"},
		{"Ёлкин", "Елкин", "Elkin"},
		{"Дмитрий", "Dmitriy", "Dmitry", "Dmitrij"},
		{"Михаил", "Mikhail", "Mihail"},
		{"Алексей", "Aleksey", "Alexey", "Aleksei"},
		{"Анна", "Ana", "Anna"},
	} {
		want := store.NameKey(group[0])
		for _, v := range group[1:] {
			if got := store.NameKey(v); got != want {
				t.Errorf("NameKey(%q) = %q, want %q (as %q)", v, got, want, group[0])
			}
		}
	}
	if got := store.NameKey("  Иванов-Петров  Пётр "); got != "ivanov petrov petr" {
		t.Errorf("NameKey with a hyphen: %q", got)
	}
}

// searchIDs returns the ids found for a query, in order.
func searchIDs(t *testing.T, s *store.Store, ctx context.Context, f store.SearchFilter) []int64 {
	t.Helper()
	res, err := s.SearchClients(ctx, f)
	if err != nil {
		t.Fatalf("search %q: %v", f.Query, err)
	}
	var ids []int64
	for _, c := range res.Clients {
		ids = append(ids, c.ID)
	}
	return ids
}

func addClient(t *testing.T, s *store.Store, ctx context.Context, branchID int64, surname, first, patronymic string, birth string) *opora.Client {
	t.Helper()
	c := &opora.Client{BranchID: branchID, Surname: surname, FirstName: first, Patronymic: patronymic}
	if d, ok := opora.ParseDate(birth); ok {
		c.BirthPrecision, c.BirthDate = opora.BirthExact, d
	} else if birth != "" {
		c.BirthPrecision = opora.BirthYear
		fmt.Sscan(birth, &c.BirthYear)
	}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatalf("create %s: %v", surname, err)
	}
	return c
}

func TestSearchClients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		ivanov := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		addClient(t, s, ctx, fx.Branch.ID, "Петров", "Иван", "Ильич", "1980")
		addClient(t, s, ctx, fx.Branch.ID, "Сидорова", "Анна", "", "03.04.1990")
		addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "", "1999")
		for _, q := range []string{"иванофф", "ivanov", "Иванов 1975", "ИВАНОВ", "Пётр Иванов", "иван", "01.02.1975",
			"Ивонов Петр", "Ivanov Pyotr 1975", "иванов петр сергеевич", "Ианов 1975", "Иваонв 01.02.1975", "Сергеевич", "1975"} {
			ids := searchIDs(t, s, ctx, store.SearchFilter{Query: q})
			if len(ids) == 0 || ids[0] != ivanov.ID && !contains(ids, ivanov.ID) {
				t.Errorf("search %q: got %v, want %d among them", q, ids, ivanov.ID)
			}
		}
		// The more precise query puts the right man first.
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "Иванов 1975"}); len(ids) != 1 || ids[0] != ivanov.ID {
			t.Errorf("Иванов 1975: %v", ids)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "01.02.1975"}); len(ids) != 1 || ids[0] != ivanov.ID {
			t.Errorf("birth date: %v", ids)
		}
		// A client number, bare or with №.
		for _, q := range []string{fmt.Sprint(ivanov.ID), "№" + fmt.Sprint(ivanov.ID), "№ " + fmt.Sprint(ivanov.ID)} {
			if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: q}); len(ids) != 1 || ids[0] != ivanov.ID {
				t.Errorf("number %q: %v", q, ids)
			}
		}
		// "иван" finds Иванов and Петров Иван, not Сидорова.
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иван"}); len(ids) != 3 {
			t.Errorf("иван: %v", ids)
		}
		// Injection-looking input is just text that matches nobody.
		for _, q := range []string{`'; DROP TABLE clients; --`, `" OR 1=1 --`, `Иванов" OR "a`, `*`, `NEAR(a b)`, `%`, `_`, `\`, `(((`,
			`"`, `'`, `AND`, `-- `} {
			res, err := s.SearchClients(ctx, store.SearchFilter{Query: q})
			if err != nil {
				t.Errorf("search %q: %v", q, err)
				continue
			}
			for _, c := range res.Clients {
				if !strings.Contains(q, "Иванов") && q != "AND" {
					t.Errorf("search %q found %s", q, c.FullName())
				}
			}
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: `Иванов" OR "a`}); contains(ids, 0) {
			t.Error("impossible")
		}
		// Nobody outside the results: another organisation, another branch for a specialist.
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		addClient(t, s, other.Ctx(), other.Branch.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "Иванов Пётр Сергеевич"}); len(ids) != 1 || ids[0] != ivanov.ID {
			t.Errorf("other organisation leaked: %v", ids)
		}
		b2 := &opora.Branch{Name: "Второй филиал"}
		if err := s.SaveBranch(ctx, b2); err != nil {
			t.Fatal(err)
		}
		far := addClient(t, s, ctx, b2.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		_, spec := fx.AddUser(t, "spec", "specialist")
		if ids := searchIDs(t, s, spec, store.SearchFilter{Query: "иванов"}); contains(ids, far.ID) || !contains(ids, ivanov.ID) {
			t.Errorf("specialist sees another branch: %v", ids)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иванов", BranchID: b2.ID}); len(ids) != 1 || ids[0] != far.ID {
			t.Errorf("branch filter: %v", ids)
		}
		// Deleted and merged-away clients are not found.
		if err := s.DeleteClient(ctx, far.ID, "ошибка"); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иванов", BranchID: b2.ID}); len(ids) != 0 {
			t.Errorf("deleted found: %v", ids)
		}
		// Filters without a name: gender, age, homeless status.
		if ids := searchIDs(t, s, ctx, store.SearchFilter{AgeMin: 30, AgeMax: 40}); len(ids) != 1 {
			t.Errorf("age 30-40 (only Сидорова, born 1990, in %d): %v", s.Today().Year(), ids)
		}
		res, err := s.SearchClients(ctx, store.SearchFilter{Limit: 2})
		if err != nil || res.Total != 4 || len(res.Clients) != 2 {
			t.Errorf("paging: %v %+v", err, res)
		}
	})
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// questionnaireField adds a choice field with two options to the
// organisation's main questionnaire (the questionnaire feature's store may
// not exist yet, so raw SQL) and returns the field and option ids.
func questionnaireField(t *testing.T, s *store.Store, orgID int64, label, sensitivity string) (field, opt1, opt2 int64) {
	t.Helper()
	db := storetest.RawDB(t, s)
	var form, section int64
	err := db.QueryRow(`SELECT id FROM forms WHERE organisation_id = $1 AND key = 'profile'`, orgID).Scan(&form)
	if err == sql.ErrNoRows {
		err = db.QueryRow(`INSERT INTO forms (organisation_id, key, name) VALUES ($1, 'profile', 'Анкета') RETURNING id`, orgID).Scan(&form)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`INSERT INTO form_sections (organisation_id, form_id, title, position) VALUES ($1, $2, 'Тест', 99) RETURNING id`,
		orgID, form).Scan(&section); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`INSERT INTO form_fields (organisation_id, section_id, label, type, sensitivity) VALUES ($1, $2, $3, 'choice', $4) RETURNING id`,
		orgID, section, label, sensitivity).Scan(&field); err != nil {
		t.Fatal(err)
	}
	for i, o := range []*int64{&opt1, &opt2} {
		if err := db.QueryRow(`INSERT INTO field_options (field_id, label, position) VALUES ($1, $2, $3) RETURNING id`,
			field, fmt.Sprintf("%s %d", label, i+1), i).Scan(o); err != nil {
			t.Fatal(err)
		}
	}
	return field, opt1, opt2
}

func answer(t *testing.T, s *store.Store, orgID, clientID, field, option int64) {
	t.Helper()
	storetest.Tampered(s) // the answer counts do not see it
	if _, err := storetest.RawDB(t, s).Exec(`INSERT INTO answers (organisation_id, client_id, field_id, option_id, updated_at, basis)
		VALUES ($1, $2, $3, $4, $5, 'not_required')`, orgID, clientID, field, option, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
}

func TestSearchChoiceFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		a := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "", "1975")
		b := addClient(t, s, ctx, fx.Branch.ID, "Иванова", "Мария", "", "1980")
		edu, school, college := questionnaireField(t, s, fx.Org.ID, "Образование", "")
		hiv, hivYes, _ := questionnaireField(t, s, fx.Org.ID, "ВИЧ-статус", "health")
		answer(t, s, fx.Org.ID, a.ID, edu, school)
		answer(t, s, fx.Org.ID, b.ID, edu, college)
		answer(t, s, fx.Org.ID, b.ID, hiv, hivYes)

		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иванов", Options: map[int64][]int64{edu: {college}}}); len(ids) != 1 || ids[0] != b.ID {
			t.Errorf("choice filter: %v", ids)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Options: map[int64][]int64{edu: {school, college}}}); len(ids) != 2 {
			t.Errorf("choice filter, two options: %v", ids)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Options: map[int64][]int64{hiv: {hivYes}}}); len(ids) != 1 || ids[0] != b.ID {
			t.Errorf("administrator's health filter: %v", ids)
		}
		// A specialist is not offered the health field and may not filter by it.
		_, spec := fx.AddUser(t, "spec", "specialist")
		fields, err := s.SearchFields(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			if f.ID == hiv {
				t.Error("health field offered to a specialist")
			}
		}
		if len(fields) == 0 || !hasField(fields, edu) {
			t.Errorf("ordinary field not offered: %+v", fields)
		}
		if _, err := s.SearchClients(spec, store.SearchFilter{Options: map[int64][]int64{hiv: {hivYes}}}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("specialist health filter: %v", err)
		}
		// Another organisation's field is refused too.
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		if _, err := s.SearchClients(other.Ctx(), store.SearchFilter{Options: map[int64][]int64{edu: {school}}}); !errors.Is(err, opora.ErrForbidden) {
			t.Errorf("other organisation's field: %v", err)
		}
	})
}

func hasField(fs []store.SearchField, id int64) bool {
	for _, f := range fs {
		if f.ID == id {
			return true
		}
	}
	return false
}

func TestLikelyDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		ivanov := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "", "03.03.1988")
		byYear := addClient(t, s, ctx, fx.Branch.ID, "Ivanov", "Petr", "", "1975")
		d, _ := opora.ParseDate("01.02.1975")
		for _, c := range []*opora.Client{
			{Surname: "Иванов", FirstName: "Петр", BirthPrecision: opora.BirthExact, BirthDate: d},
			{Surname: "Ивановв", FirstName: "Петр", BirthPrecision: opora.BirthExact, BirthDate: d},
			{Surname: "Иванофф", FirstName: "Пётр", BirthPrecision: opora.BirthYear, BirthYear: 1975},
		} {
			dups, err := s.LikelyDuplicates(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, x := range dups {
				ids = append(ids, x.ID)
			}
			if !contains(ids, ivanov.ID) || !contains(ids, byYear.ID) || len(ids) != 2 {
				t.Errorf("duplicates of %s %s: %v (want %d and %d, not the one born 1988)", c.Surname, c.FirstName, ids, ivanov.ID, byYear.ID)
			}
		}
		dups, err := s.LikelyDuplicates(ctx, &opora.Client{Surname: "Сидоров", FirstName: "Пётр", BirthPrecision: opora.BirthExact, BirthDate: d})
		if err != nil || len(dups) != 0 {
			t.Errorf("unrelated: %v %v", err, dups)
		}
	})
}

func TestRekeyClientsAtMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "", "1975")
		db := storetest.RawDB(t, s)
		// Keys from an older NameKey, and the state saying so.
		if _, err := db.Exec(`UPDATE clients SET search_key = 'zzz' WHERE id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE search_state SET key_version = 0`); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иванов"}); len(ids) != 0 {
			t.Fatalf("stale key still found: %v", ids)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иванов"}); len(ids) != 1 {
			t.Fatalf("after re-keying: %v", ids)
		}
	})
}

// A database from before the name-word dictionary gets it filled at
// Migrate, so typo search finds its existing clients.
func TestMigrateFillsTheNameWordDictionary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := addClient(t, s, ctx, fx.Branch.ID, "Кузнецов", "Геннадий", "", "1975")
		db := storetest.RawDB(t, s)
		for _, q := range []string{`DELETE FROM name_word_grams`, `DELETE FROM name_words`, `UPDATE search_state SET key_version = 1`} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "Кузнецв Генадий"}); len(ids) != 0 {
			t.Fatalf("typo search without the dictionary found %v", ids)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "Кузнецв Генадий"}); len(ids) != 1 || ids[0] != c.ID {
			t.Fatalf("after Migrate: %v, want [%d]", ids, c.ID)
		}
	})
}
