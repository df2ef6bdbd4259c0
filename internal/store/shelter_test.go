package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func shelterClient(t *testing.T, st *store.Store, ctx context.Context, fx *storetest.Fixture, surname string) *opora.Client {
	t.Helper()
	c := &opora.Client{Surname: surname, FirstName: "Иван", BranchID: fx.Branch.ID}
	if err := st.CreateClient(ctx, c); err != nil {
		t.Fatalf("create client %s: %v", surname, err)
	}
	return c
}

func shelterRoom(t *testing.T, st *store.Store, fx *storetest.Fixture, name string, capacity int) *opora.Room {
	t.Helper()
	r := &opora.Room{BranchID: fx.Branch.ID, Name: name, Capacity: capacity}
	if err := st.SaveRoom(fx.Ctx(), r); err != nil {
		t.Fatalf("save room: %v", err)
	}
	return r
}

func shelterDay(s string) opora.Date {
	d, ok := opora.ParseDate(s)
	if !ok {
		panic(s)
	}
	return d
}

func TestShelterConcurrentCheckIns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Приют")
		ctx := fx.Ctx()
		// Several rounds: the first also opens the connection pool, so later
		// rounds really run their transactions side by side.
		for round := 0; round < 4; round++ {
			room := shelterRoom(t, st, fx, "Комната "+strconv.Itoa(round), 2)
			first := shelterClient(t, st, ctx, fx, "Первый"+strconv.Itoa(round))
			if err := st.CheckIn(ctx, &opora.Stay{ClientID: first.ID, RoomID: room.ID, CheckIn: st.Today()}); err != nil {
				t.Fatal(err)
			}
			const n = 8
			clients := make([]*opora.Client, n)
			for i := range clients {
				clients[i] = shelterClient(t, st, ctx, fx, "Претендент"+string(rune('А'+i))+strconv.Itoa(round))
			}
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range clients {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					errs[i] = st.CheckIn(ctx, &opora.Stay{ClientID: clients[i].ID, RoomID: room.ID, CheckIn: st.Today()})
				}(i)
			}
			close(start)
			wg.Wait()
			wins := 0
			winner := ""
			for i, err := range errs {
				if err == nil {
					wins++
					winner = clients[i].FullName()
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d check-ins won the last bed, want exactly 1: %v", round, wins, errs)
			}
			for _, err := range errs {
				if err == nil {
					continue
				}
				if !store.IsRoomFull(err) {
					t.Fatalf("loser got %v, want room full", err)
				}
				var e *opora.Error
				errors.As(err, &e)
				if !strings.Contains(e.Args["Names"], first.FullName()) || !strings.Contains(e.Args["Names"], winner) {
					t.Fatalf("room full names %q, want %q and %q", e.Args["Names"], first.FullName(), winner)
				}
			}
			r, err := st.Room(ctx, room.ID)
			if err != nil {
				t.Fatal(err)
			}
			rooms, err := st.Rooms(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range rooms {
				if x.ID == r.ID && (len(x.Occupants) != 2 || x.Free() != 0) {
					t.Fatalf("room after the race: %+v", x)
				}
			}
		}
	})
}

func TestShelterCheckInRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Приют")
		ctx := fx.Ctx()
		single := shelterRoom(t, st, fx, "Одиночная", 1)
		double := shelterRoom(t, st, fx, "Двухместная", 2)
		a := shelterClient(t, st, ctx, fx, "Андреев")
		b := shelterClient(t, st, ctx, fx, "Борисов")
		if err := st.CheckIn(ctx, &opora.Stay{ClientID: a.ID, RoomID: single.ID, CheckIn: st.Today()}); err != nil {
			t.Fatal(err)
		}
		// Full room: refused, naming the resident.
		err := st.CheckIn(ctx, &opora.Stay{ClientID: b.ID, RoomID: single.ID, CheckIn: st.Today()})
		var e *opora.Error
		if !store.IsRoomFull(err) || !errors.As(err, &e) || e.Args["Names"] != a.FullName() {
			t.Fatalf("full room: %v", err)
		}
		// A specialist of another branch does not see the resident's name.
		other := &opora.Branch{Name: "Другой филиал"}
		if err := st.SaveBranch(ctx, other); err != nil {
			t.Fatal(err)
		}
		spec := &opora.User{Login: "spec2", FullName: "Специалист", BranchIDs: []int64{other.ID},
			RoleIDs: []int64{fx.Role(t, "specialist").ID}}
		if err := st.CreateUser(ctx, spec, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		sctx := storetest.CtxOf(t, st, spec.ID)
		c := &opora.Client{Surname: "Своих", BranchID: other.ID}
		if err := st.CreateClient(sctx, c); err != nil {
			t.Fatal(err)
		}
		err = st.CheckIn(sctx, &opora.Stay{ClientID: c.ID, RoomID: single.ID, CheckIn: st.Today()})
		if !errors.As(err, &e) || e.Message != "shelter.error.room_full_hidden_only" || strings.Contains(e.Args["Names"], "Андреев") {
			t.Fatalf("full room for an outsider: %v %v", err, e.Args)
		}
		rooms, err := st.Rooms(sctx, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rooms {
			for _, o := range r.Occupants {
				if !o.Hidden || o.Name != "" || o.ClientID != 0 {
					t.Fatalf("out-of-scope occupant shown: %+v", o)
				}
			}
		}
		// A second open stay is refused.
		err = st.CheckIn(ctx, &opora.Stay{ClientID: a.ID, RoomID: double.ID, CheckIn: st.Today()})
		if !errors.As(err, &e) || e.Message != "shelter.error.already_living" {
			t.Fatalf("second open stay: %v", err)
		}
		// Capacity cannot drop below the residents; a room with residents cannot be archived.
		single.Capacity = 0
		if err := st.SaveRoom(ctx, single); opora.ErrorCode(err) != opora.EINVALID {
			t.Fatalf("capacity 0: %v", err)
		}
		if err := st.ArchiveRoom(ctx, single.ID, true); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Fatalf("archive occupied: %v", err)
		}
		// A specialist may not edit rooms.
		_, specCtx := fx.AddUser(t, "spec", "specialist")
		if err := st.SaveRoom(specCtx, &opora.Room{BranchID: fx.Branch.ID, Name: "X", Capacity: 1}); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist edits rooms: %v", err)
		}
		// Another organisation sees neither the room nor the stay.
		fb := storetest.AddOrg(t, st, ctx, "Другая")
		if _, err := st.Room(fb.Ctx(), single.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org room: %v", err)
		}
		oc := shelterClient(t, st, fb.Ctx(), fb, "Чужой")
		if err := st.CheckIn(fb.Ctx(), &opora.Stay{ClientID: oc.ID, RoomID: double.ID, CheckIn: st.Today()}); opora.ErrorCode(err) != opora.EINVALID {
			t.Fatalf("check-in into another org's room: %v", err)
		}
		if _, err := st.ClientStays(fb.Ctx(), a.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org stays: %v", err)
		}
		stays, _ := st.ClientStays(ctx, a.ID)
		if err := st.CheckOut(fb.Ctx(), &opora.Stay{ID: stays[0].ID, Status: opora.StayLeft, CheckOut: st.Today()}); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org check-out: %v", err)
		}
	})
}

func TestShelterCheckOutReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		st.Now = func() time.Time { return time.Date(2025, 12, 2, 12, 0, 0, 0, time.UTC) }
		fx := storetest.SetupOrg(t, st, "Приют")
		ctx := fx.Ctx()
		room := shelterRoom(t, st, fx, "Комната", 3)
		c := shelterClient(t, st, ctx, fx, "Уехавший")
		stay := &opora.Stay{ClientID: c.ID, RoomID: room.ID, CheckIn: shelterDay("01.09.2025")}
		if err := st.CheckIn(ctx, stay); err != nil {
			t.Fatal(err)
		}
		// Eviction needs a reason; check-out before check-in is refused.
		err := st.CheckOut(ctx, &opora.Stay{ID: stay.ID, Status: opora.StayEvicted, CheckOut: shelterDay("30.11.2025")})
		if opora.FieldErrors(err)["reason"] == "" {
			t.Fatalf("eviction without reason: %v", err)
		}
		err = st.CheckOut(ctx, &opora.Stay{ID: stay.ID, Status: opora.StayLeft, CheckOut: shelterDay("31.08.2025")})
		if opora.FieldErrors(err)["check_out"] == "" {
			t.Fatalf("check-out before check-in: %v", err)
		}
		if err := st.CheckOut(ctx, &opora.Stay{ID: stay.ID, Status: opora.StayEvicted, CheckOut: shelterDay("30.11.2025"),
			Reason: "пьянство"}); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckOut(ctx, &opora.Stay{ID: stay.ID, Status: opora.StayLeft, CheckOut: shelterDay("30.11.2025")}); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Fatalf("second check-out: %v", err)
		}
		rows, err := storetest.RawDB(t, st).Query(`SELECT due_on, for_all, body FROM reminders WHERE client_id = $1 ORDER BY due_on`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var due time.Time
			var forAll bool
			var body string
			if err := rows.Scan(&due, &forAll, &body); err != nil {
				t.Fatal(err)
			}
			if !forAll || body == "" {
				t.Errorf("reminder %s: for_all %v body %q", due, forAll, body)
			}
			got = append(got, due.Format("2006-01-02"))
		}
		want := "2026-02-28 2026-05-30 2026-11-30 2027-11-30"
		if strings.Join(got, " ") != want {
			t.Fatalf("follow-up reminders %v, want %s", got, want)
		}
		// The room is free again; the timeline tells the story.
		rooms, _ := st.Rooms(ctx, false)
		if len(rooms[0].Occupants) != 0 {
			t.Fatalf("still occupied: %+v", rooms[0].Occupants)
		}
		events, err := st.Timeline(ctx, c.ID, []string{opora.EventStay, opora.EventReminder}, 0, 10)
		if err != nil || len(events) != 3 || !strings.Contains(events[1].Summary, "пьянство") && !strings.Contains(events[0].Summary, "пьянство") {
			t.Fatalf("timeline: %v %+v", err, events)
		}
	})
}

func TestShelterMedicalChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		st.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
		fx := storetest.SetupOrg(t, st, "Приют")
		ctx := fx.Ctx()
		room := shelterRoom(t, st, fx, "Комната", 3)
		c := shelterClient(t, st, ctx, fx, "Больной")
		if err := st.CheckIn(ctx, &opora.Stay{ClientID: c.ID, RoomID: room.ID, CheckIn: st.Today()}); err != nil {
			t.Fatal(err)
		}
		// Fluorography a year ago: next due filled in (12 months), now overdue.
		fl := &opora.MedicalCheck{ClientID: c.ID, Type: opora.CheckFluorography, DoneOn: shelterDay("01.03.2025")}
		if err := st.AddMedicalCheck(ctx, fl); err != nil {
			t.Fatal(err)
		}
		if fl.NextDue.Format("2006-01-02") != "2026-03-01" {
			t.Fatalf("fluorography next due %s", fl.NextDue)
		}
		// Hepatitis: the next due date must be typed.
		hep := &opora.MedicalCheck{ClientID: c.ID, Type: opora.CheckHepatitis, DoneOn: shelterDay("01.03.2026")}
		if err := st.AddMedicalCheck(ctx, hep); opora.FieldErrors(err)["next_due"] == "" {
			t.Fatalf("hepatitis without next due: %v", err)
		}
		hep.NextDue = shelterDay("01.04.2026")
		if err := st.AddMedicalCheck(ctx, hep); err != nil {
			t.Fatal(err)
		}
		typ := &opora.MedicalCheck{ClientID: c.ID, Type: opora.CheckTyphus, DoneOn: shelterDay("01.03.2026")}
		if err := st.AddMedicalCheck(ctx, typ); err != nil || typ.NextDue.Format("2006-01-02") != "2029-03-01" {
			t.Fatalf("typhus: %v %s", err, typ.NextDue)
		}
		rooms, err := st.Rooms(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		due := rooms[0].Occupants[0].Medical
		if len(due) != 2 || due[0].Type != opora.CheckFluorography || due[0].Due(st.Today()) != opora.DueOverdue ||
			due[1].Type != opora.CheckHepatitis || due[1].Due(st.Today()) != opora.DueSoon {
			t.Fatalf("due checks: %+v", due)
		}
		// A specialist without the health permission sees none of it.
		_, sctx := fx.AddUser(t, "spec", "specialist")
		if _, err := st.MedicalChecks(sctx, c.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist reads medical checks: %v", err)
		}
		if err := st.AddMedicalCheck(sctx, &opora.MedicalCheck{ClientID: c.ID, Type: opora.CheckTyphus, DoneOn: st.Today()}); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist adds a medical check: %v", err)
		}
		rooms, _ = st.Rooms(sctx, false)
		if o := rooms[0].Occupants[0]; o.Hidden || len(o.Medical) != 0 {
			t.Fatalf("specialist sees medical data on the occupancy: %+v", o)
		}
		events, _ := st.Timeline(sctx, c.ID, nil, 0, 50)
		for _, e := range events {
			if e.Kind == opora.EventMedical {
				t.Fatalf("specialist sees a medical event: %+v", e)
			}
		}
		all, err := st.MedicalChecks(ctx, c.ID)
		if err != nil || len(all) != 3 {
			t.Fatalf("medical checks: %v %d", err, len(all))
		}
		if err := st.DeleteMedicalCheck(ctx, c.ID, fl.ID); err != nil {
			t.Fatal(err)
		}
		if all, _ = st.MedicalChecks(ctx, c.ID); len(all) != 2 {
			t.Fatalf("after delete: %d", len(all))
		}
	})
}

func TestAddMonthsFollowUp(t *testing.T) {
	got := opora.FollowUpDates(shelterDay("31.08.2025"))
	want := []string{"2025-11-30", "2026-02-28", "2026-08-31", "2027-08-31"}
	for i := range want {
		if got[i].Format("2006-01-02") != want[i] {
			t.Fatalf("follow-up %d: %s, want %s", i, got[i].Format("2006-01-02"), want[i])
		}
	}
}
