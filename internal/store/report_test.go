package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestReportNewClients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		// Clients created on known days (noon local time), with known genders and birth years.
		made := []struct {
			at     time.Time
			gender opora.Gender
			year   int
		}{
			{day(2025, 12, 31), opora.GenderMale, 1970},
			{day(2026, 1, 1), opora.GenderFemale, 1990},
			{day(2026, 1, 31), opora.GenderMale, 1980},
			{day(2026, 2, 28), opora.GenderMale, 0},
			{day(2026, 3, 1), opora.GenderFemale, 2000},
		}
		now := s.Now
		defer func() { s.Now = now }()
		for _, m := range made {
			at := time.Date(m.at.Year(), m.at.Month(), m.at.Day(), 12, 0, 0, 0, time.Local).UTC()
			s.Now = func() time.Time { return at }
			c := &opora.Client{BranchID: fx.Branch.ID, Surname: "Тестов", Gender: m.gender}
			if m.year != 0 {
				c.BirthPrecision, c.BirthYear = opora.BirthYear, m.year
			}
			if err := s.CreateClient(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		s.Now = now
		q := &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 2, 28),
			GroupBy: []opora.Dimension{opora.DimMonth, opora.DimGender}, Measure: opora.MeasureCount}
		res, err := s.RunReport(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// The end date is inclusive; the day before the start is out.
		if res.Total != 3 {
			t.Fatalf("total %v, want 3", res.Total)
		}
		want := map[string]float64{"2026-01|female": 1, "2026-01|male": 1, "2026-02|male": 1}
		if len(res.Rows) != len(want) {
			t.Fatalf("rows %+v", res.Rows)
		}
		for _, r := range res.Rows {
			if want[r.Keys[0]+"|"+r.Keys[1]] != r.Value {
				t.Fatalf("row %v = %v", r.Keys, r.Value)
			}
		}
		// Average age counts only known birth years: (2026-1990 + 2026-1980) / 2 = 41.
		q = &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31), Measure: opora.MeasureAvgAge}
		if res, err = s.RunReport(ctx, q); err != nil || res.Total != (36+46+26)/3.0 {
			t.Fatalf("avg age %v %v", res, err)
		}
		// No matches gives zero, not everyone.
		q = &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 12, 31),
			Measure: opora.MeasureCount, AgeMin: 90}
		if res, err = s.RunReport(ctx, q); err != nil || res.Total != 0 {
			t.Fatalf("no matches: %v %v", res, err)
		}
		// Age bands.
		q = &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2025, 1, 1), To: opora.NewDate(2026, 12, 31),
			GroupBy: []opora.Dimension{opora.DimAgeBand}, Measure: opora.MeasureCount}
		if res, err = s.RunReport(ctx, q); err != nil {
			t.Fatal(err)
		}
		bands := map[string]float64{}
		for _, r := range res.Rows {
			bands[r.Keys[0]] = r.Value
		}
		if bands["18-29"] != 1 || bands["30-39"] != 1 || bands["40-49"] != 1 || bands["50-59"] != 1 || bands[""] != 1 {
			t.Fatalf("age bands %v", bands)
		}
	})
}

func TestReportBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		q := &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2026, 2, 1), To: opora.NewDate(2026, 1, 1), Measure: opora.MeasureCount}
		if _, err := s.RunReport(fx.Ctx(), q); opora.FieldErrors(err)["to"] != "error.period_reversed" {
			t.Fatalf("reversed period: %v", err)
		}
		q = &opora.ReportQuery{Subject: "clients; DROP TABLE clients", From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 1, 2), Measure: opora.MeasureCount}
		if _, err := s.RunReport(fx.Ctx(), q); opora.FieldErrors(err)["subject"] == "" {
			t.Fatalf("unknown subject: %v", err)
		}
		q = &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.NewDate(2026, 1, 1), To: opora.NewDate(2026, 1, 2), Measure: opora.MeasureCount,
			GroupBy: []opora.Dimension{opora.FieldDimension(999999)}}
		if _, err := s.RunReport(fx.Ctx(), q); opora.FieldErrors(err)["field"] != "error.unknown_field" {
			t.Fatalf("unknown field: %v", err)
		}
		_, spec := fx.AddUser(t, "spec", "specialist")
		q.GroupBy = nil
		if _, err := s.RunReport(spec, q); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist without report.run: %v", err)
		}
	})
}
