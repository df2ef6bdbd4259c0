package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestDemoFillsAnEmptyDatabase(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		logins, err := Run(ctx, st, Options{Clients: 40, Seed: 7, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(logins) != 12 {
			t.Fatalf("%d logins", len(logins))
		}
		cand, err := st.UserForLogin(ctx, "ivanova")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := auth.Verify(Password, cand.PasswordHash); !ok {
			t.Fatal("demo password does not work")
		}
		admin, err := st.UserForLogin(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		actor, err := st.Actor(ctx, admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		actx := opora.WithActor(ctx, actor)
		q := &opora.ReportQuery{Subject: opora.SubjectClients, From: opora.DateOf(now.AddDate(-3, 0, 0)), To: opora.DateOf(now), Measure: opora.MeasureCount,
			GroupBy: []opora.Dimension{opora.DimGender}}
		res, err := st.RunReport(actx, q)
		if err != nil {
			t.Fatal(err)
		}
		men := 0.0
		for _, r := range res.Rows {
			if r.Keys[0] == "male" {
				men = r.Value
			}
		}
		if res.Total != 40 || men < 20 || men == 40 {
			t.Fatalf("clients %v, men %v", res.Total, men)
		}
		q = &opora.ReportQuery{Subject: opora.SubjectServices, From: opora.DateOf(now.AddDate(-3, 0, 0)), To: opora.DateOf(now), Measure: opora.MeasureCount}
		if res, err = st.RunReport(actx, q); err != nil || res.Total < 40 {
			t.Fatalf("services %v %v", res, err)
		}
		q = &opora.ReportQuery{Subject: opora.SubjectVisits, From: opora.DateOf(now.AddDate(0, 0, -30)), To: opora.DateOf(now), Measure: opora.MeasureCount}
		if res, err = st.RunReport(actx, q); err != nil || res.Total < 14*15 {
			t.Fatalf("check-in visits %v %v", res, err)
		}
		rooms, err := st.Rooms(actx, false)
		if err != nil || len(rooms) != 3 {
			t.Fatalf("rooms %d %v", len(rooms), err)
		}
		// A second run refuses: demo data goes only into an empty database.
		if _, err := Run(ctx, st, Options{Clients: 1}); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second run: %v", err)
		}
	})
}

func TestPatronymics(t *testing.T) {
	for father, want := range map[string][2]string{
		"Юрий": {"Юрьевич", "Юрьевна"}, "Анатолий": {"Анатольевич", "Анатольевна"}, "Сергей": {"Сергеевич", "Сергеевна"},
		"Николай": {"Николаевич", "Николаевна"}, "Пётр": {"Петрович", "Петровна"}, "Павел": {"Павлович", "Павловна"},
		"Иван": {"Иванович", "Ивановна"},
	} {
		if got := patronymic(father, true); got != want[0] {
			t.Errorf("%s: %s", father, got)
		}
		if got := patronymic(father, false); got != want[1] {
			t.Errorf("%s: %s", father, got)
		}
	}
}
