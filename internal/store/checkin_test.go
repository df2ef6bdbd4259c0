package store_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func uuid(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// checkinSetup makes a warming point with food and tea, an open shift and a
// duty worker, and returns the duty worker's context.
func checkinSetup(t *testing.T, s *store.Store, fx *storetest.Fixture) (duty context.Context, sh *opora.CheckinShift, food, tea int64) {
	t.Helper()
	p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Обогрев на Боровой"}
	if err := s.SaveCheckinPoint(fx.Ctx(), p, []string{"Еда", "Чай"}); err != nil {
		t.Fatal(err)
	}
	pt, err := s.CheckinPoint(fx.Ctx(), p.ID)
	if err != nil || len(pt.Items) != 2 {
		t.Fatalf("point: %v %+v", err, pt)
	}
	_, duty = fx.AddUser(t, "duty", "duty")
	sh = &opora.CheckinShift{PointID: p.ID, Date: opora.DateOf(date("2026-01-15")), Starts: "21:00", Ends: "02:00"}
	if err := s.OpenCheckinShift(duty, sh); err != nil {
		t.Fatal(err)
	}
	return duty, sh, pt.Items[0].ID, pt.Items[1].ID
}

func newPerson(t testing.TB, surname string) (string, *opora.CheckinPerson) {
	uid := uuid(t)
	return "u" + uid, &opora.CheckinPerson{Surname: surname, FirstName: "Иван", BirthYear: 1970, Gender: opora.GenderMale}
}

func visitCount(t *testing.T, s *store.Store, ctx context.Context, shiftID int64) int {
	t.Helper()
	vs, err := s.ShiftVisits(ctx, shiftID)
	if err != nil {
		t.Fatal(err)
	}
	return len(vs)
}

func TestCheckinIdempotentReplay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, food, _ := checkinSetup(t, s, fx)
		key, np := newPerson(t, "Петров")
		client := &opora.Client{Surname: "Сидоров", FirstName: "Олег", BranchID: fx.Branch.ID}
		if err := s.CreateClient(fx.Ctx(), client); err != nil {
			t.Fatal(err)
		}
		batch := []opora.Tick{
			{ID: uuid(t), Person: key, Item: 0, New: np, DeviceAt: "2026-01-14T03:00:00Z"},
			{ID: uuid(t), Person: key, Item: food},
			{ID: uuid(t), Person: fmt.Sprintf("c%d", client.ID), Item: 0},
		}
		res, counts, err := s.RecordTicks(duty, sh.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != opora.TickAccepted {
				t.Fatalf("first send: %+v", res)
			}
		}
		if counts.People != 2 || counts.Items[0] != 2 || counts.Items[food] != 1 {
			t.Fatalf("counters %+v", counts)
		}
		// The same batch again, twice, and half of it once more: nothing new.
		for _, b := range [][]opora.Tick{batch, batch, batch[1:]} {
			res, _, err := s.RecordTicks(duty, sh.ID, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Status != opora.TickDuplicate {
					t.Fatalf("replay: %+v", res)
				}
			}
		}
		if n := visitCount(t, s, duty, sh.ID); n != 3 {
			t.Fatalf("%d visits after replays, want 3", n)
		}
		// Visits are dated by the shift, whatever the phone's clock said.
		vs, _ := s.ShiftVisits(duty, sh.ID)
		for _, v := range vs {
			if !v.VisitedOn.Equal(sh.Date) {
				t.Fatalf("visit dated %v, shift %v", v.VisitedOn, sh.Date)
			}
		}
		// The client's timeline shows the visit.
		events, err := s.Timeline(fx.Ctx(), client.ID, []string{opora.EventVisit}, 0, 10)
		if err != nil || len(events) != 1 || events[0].Summary != "Обогрев на Боровой" {
			t.Fatalf("timeline %v %+v", err, events)
		}
		// Another phone ticking the same person and item counts once.
		res, _, err = s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: fmt.Sprintf("c%d", client.ID), Item: 0}})
		if err != nil || res[0].Status != opora.TickDuplicate {
			t.Fatalf("second phone: %v %+v", err, res)
		}
		// Garbage is refused with a reason, not an error.
		res, _, err = s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: "x", Person: key}, {ID: uuid(t), Person: "p999999"},
			{ID: uuid(t), Person: key, Item: 987654}})
		if err != nil || res[0].Message != store.RefusedBadTick || res[1].Message != store.RefusedPerson || res[2].Message != store.RefusedItem {
			t.Fatalf("garbage: %v %+v", err, res)
		}
	})
}

func TestCheckinConcurrentTicks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, food, tea := checkinSetup(t, s, fx)
		// Ten people added on one phone; eight phones send overlapping ticks
		// for them at once, each with its own tick ids.
		var keys []string
		var people []*opora.CheckinPerson
		for i := range 10 {
			k, p := newPerson(t, fmt.Sprintf("Человек%d", i))
			keys, people = append(keys, k), append(people, p)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for phone := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var batch []opora.Tick
				for i, k := range keys {
					np := *people[i]
					for _, item := range []int64{0, food, tea} {
						batch = append(batch, opora.Tick{ID: uuid(t), Person: k, Item: item, New: &np})
					}
				}
				if phone%2 == 1 { // the other order
					for i, j := 0, len(batch)-1; i < j; i, j = i+1, j-1 {
						batch[i], batch[j] = batch[j], batch[i]
					}
				}
				if _, _, err := s.RecordTicks(duty, sh.ID, batch); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := visitCount(t, s, duty, sh.ID); n != 30 {
			t.Fatalf("%d visits, want 30", n)
		}
		counts, err := s.CheckinCounters(duty, sh.ID)
		if err != nil || counts.People != 10 || counts.Items[tea] != 10 {
			t.Fatalf("counters %v %+v", err, counts)
		}
	})
}

func TestCheckinMergeWithPendingTicks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, food, _ := checkinSetup(t, s, fx)
		// The same man was added twice on two phones.
		k1, p1 := newPerson(t, "Иванов")
		k2, p2 := newPerson(t, "Иванoв")
		_, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: k1, New: p1}, {ID: uuid(t), Person: k2, New: p2}})
		if err != nil {
			t.Fatal(err)
		}
		people, err := s.CheckinPeople(duty, sh.ID)
		if err != nil || len(people) != 2 {
			t.Fatalf("people %v %d", err, len(people))
		}
		persons, _, err := s.CheckinPersons(fx.Ctx(), "", true, 0, 10)
		if err != nil || len(persons) != 2 {
			t.Fatalf("persons %v %d", err, len(persons))
		}
		from, into := persons[0], persons[1]
		// A social worker merges them and links the survivor to a client.
		if err := s.MergeCheckinPersons(fx.Ctx(), from.ID, into.ID); err != nil {
			t.Fatal(err)
		}
		if n := visitCount(t, s, duty, sh.ID); n != 1 {
			t.Fatalf("%d visits after merge, want 1 (came once)", n)
		}
		c, err := s.CreateClientFromCheckinPerson(fx.Ctx(), into.ID, fx.Branch.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A phone still holds ticks for the merged-away person, both by the
		// uid it made and by the person number it downloaded.
		fromKey := "u" + from.UID
		res, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{
			{ID: uuid(t), Person: fromKey, Item: food},
			{ID: uuid(t), Person: fmt.Sprintf("p%d", from.ID), Item: 0},
		})
		if err != nil || res[0].Status != opora.TickAccepted || res[1].Status != opora.TickDuplicate {
			t.Fatalf("pending ticks after merge: %v %+v", err, res)
		}
		vs, err := s.ShiftVisits(duty, sh.ID)
		if err != nil || len(vs) != 2 {
			t.Fatalf("visits %v %d", err, len(vs))
		}
		for _, v := range vs {
			if v.PersonID != into.ID || v.ClientID != c.ID {
				t.Fatalf("visit %+v not on the survivor %d / client %d", v, into.ID, c.ID)
			}
		}
		events, err := s.Timeline(fx.Ctx(), c.ID, []string{opora.EventVisit}, 0, 10)
		if err != nil || len(events) != 2 {
			t.Fatalf("timeline %v %d", err, len(events))
		}
		// Linking another person to the same client merges them.
		k3, p3 := newPerson(t, "Иванов")
		if _, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: k3, New: p3}}); err != nil {
			t.Fatal(err)
		}
		persons, _, _ = s.CheckinPersons(fx.Ctx(), "", true, 0, 10)
		if len(persons) != 1 {
			t.Fatalf("unlinked persons %d", len(persons))
		}
		if err := s.LinkCheckinPerson(fx.Ctx(), persons[0].ID, c.ID); err != nil {
			t.Fatal(err)
		}
		if n := visitCount(t, s, duty, sh.ID); n != 2 {
			t.Fatalf("%d visits after linking a duplicate, want 2", n)
		}
		// The duty worker may not link or merge.
		if err := s.LinkCheckinPerson(duty, persons[0].ID, c.ID); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Fatalf("duty link: %v", err)
		}
		checkVisitCounts(t, s, fx)
	})
}

func TestCheckinClosedShiftAndScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, _, _ := checkinSetup(t, s, fx)
		if err := s.SetCheckinShiftStatus(duty, sh.ID, opora.ShiftClosed); err != nil {
			t.Fatal(err)
		}
		k, p := newPerson(t, "Поздний")
		res, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: k, New: p}})
		if err != nil || res[0].Status != opora.TickRefused || res[0].Message != store.RefusedClosed {
			t.Fatalf("closed shift: %v %+v", err, res)
		}
		if n := visitCount(t, s, duty, sh.ID); n != 0 {
			t.Fatalf("%d visits at a closed shift", n)
		}
		// Only a manager reopens.
		if err := s.SetCheckinShiftStatus(duty, sh.ID, opora.ShiftOpen); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Fatalf("duty reopen: %v", err)
		}
		if err := s.SetCheckinShiftStatus(fx.Ctx(), sh.ID, opora.ShiftOpen); err != nil {
			t.Fatal(err)
		}
		// Another organisation sees nothing.
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if _, err := s.CheckinShift(other.Ctx(), sh.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other org shift: %v", err)
		}
		if _, _, err := s.RecordTicks(other.Ctx(), sh.ID, []opora.Tick{{ID: uuid(t), Person: k, New: p}}); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other org ticks: %v", err)
		}
		// A duty worker of another branch does not reach the shift.
		b := &opora.Branch{Name: "Москва"}
		if err := s.SaveBranch(fx.Ctx(), b); err != nil {
			t.Fatal(err)
		}
		u := &opora.User{Login: "duty2", FullName: "Duty Two", BranchIDs: []int64{b.ID}, RoleIDs: []int64{fx.Role(t, "duty").ID}}
		if err := s.CreateUser(fx.Ctx(), u, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckinShift(storetest.CtxOf(t, s, u.ID), sh.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other branch: %v", err)
		}
		// Shifts are listed by date.
		list, err := s.CheckinShifts(duty, opora.DateOf(date("2026-01-01")), opora.DateOf(date("2026-01-31")), 10)
		if err != nil || len(list) != 1 || list[0].PointName != "Обогрев на Боровой" {
			t.Fatalf("shifts %v %+v", err, list)
		}
		_ = time.Now
	})
}

func TestCheckinPeopleShowRestrictions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, _, _ := checkinSetup(t, s, fx)
		s.Now = func() time.Time { return time.Date(2026, 1, 15, 20, 0, 0, 0, time.UTC) }
		c := &opora.Client{Surname: "Буянов", FirstName: "Пётр", BranchID: fx.Branch.ID}
		if err := s.CreateClient(fx.Ctx(), c); err != nil {
			t.Fatal(err)
		}
		r := &opora.Restriction{ClientID: c.ID, Kind: opora.RestrictionBan, Description: "Не пускать до 1 февраля",
			StartsOn: opora.DateOf(date("2026-01-10")), EndsOn: opora.DateOf(date("2026-02-01"))}
		if err := s.CreateRestriction(fx.Ctx(), r); err != nil {
			t.Fatal(err)
		}
		// The duty worker finds the client by the first letters (also in Latin).
		for _, q := range []string{"Буя", "buya"} {
			rows, err := s.SearchCheckinPeople(duty, sh.ID, q)
			if err != nil || len(rows) != 1 || rows[0].Key != fmt.Sprintf("c%d", c.ID) {
				t.Fatalf("search %q: %v %+v", q, err, rows)
			}
			if len(rows[0].Flags) != 1 || rows[0].Flags[0].Text != "Не пускать до 1 февраля" || rows[0].Thumb != "" {
				t.Fatalf("flags %+v", rows[0])
			}
		}
		if _, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: fmt.Sprintf("c%d", c.ID)}}); err != nil {
			t.Fatal(err)
		}
		rows, err := s.CheckinPeople(duty, sh.ID)
		if err != nil || len(rows) != 1 || len(rows[0].Flags) != 1 || len(rows[0].Ticked) != 1 || !rows[0].Profile {
			t.Fatalf("people %v %+v", err, rows)
		}
		// Now the search answers with the check-in row, not the client twice.
		found, err := s.SearchCheckinPeople(duty, sh.ID, "буянов")
		if err != nil || len(found) != 1 || found[0].Key != rows[0].Key {
			t.Fatalf("search after visit %v %+v", err, found)
		}
	})
}

// The duty worker finds people with typos and in Latin letters, as the main
// search does: check-in persons added at the door and clients alike.
func TestCheckinSearchTypos(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, _, _ := checkinSetup(t, s, fx)
		key, np := newPerson(t, "Сидоров")
		if _, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: key, New: np}}); err != nil {
			t.Fatal(err)
		}
		people, err := s.CheckinPeople(duty, sh.ID)
		if err != nil || len(people) != 1 {
			t.Fatalf("people %v %+v", err, people)
		}
		client := &opora.Client{Surname: "Кузнецова", FirstName: "Мария", BranchID: fx.Branch.ID}
		if err := s.CreateClient(fx.Ctx(), client); err != nil {
			t.Fatal(err)
		}
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if err := s.CreateClient(other.Ctx(), &opora.Client{Surname: "Сидоров", FirstName: "Пётр", BranchID: other.Branch.ID}); err != nil {
			t.Fatal(err)
		}
		names := func(rows []*store.CheckinRow) []string {
			var out []string
			for _, r := range rows {
				out = append(out, r.Key+" "+r.Surname+" "+r.FirstName)
			}
			return out
		}
		for _, c := range []struct{ q, want string }{
			{"сидар", people[0].Key}, {"sidorov", people[0].Key}, {"Сидров Иван", people[0].Key}, {"СИДОРОВ", people[0].Key},
			{"кузнецва", fmt.Sprintf("c%d", client.ID)}, {"kuznetsova mar", fmt.Sprintf("c%d", client.ID)},
		} {
			rows, err := s.SearchCheckinPeople(duty, sh.ID, c.q)
			if err != nil || len(rows) != 1 || rows[0].Key != c.want {
				t.Errorf("search %q: %v %v", c.q, err, names(rows))
			}
		}
		rows, err := s.SearchCheckinPeople(duty, sh.ID, "петров")
		if err != nil || len(rows) != 0 {
			t.Errorf("search петров: %v %v", err, names(rows))
		}
	})
}

// A tick made by mistake is taken back from the phone: the visit and its
// count go, a replayed undo removes nothing more, and a fresh tick after
// it stays.
func TestCheckinUndoTick(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, food, tea := checkinSetup(t, s, fx)
		key, np := newPerson(t, "Сидоров")
		other, op := newPerson(t, "Петров")
		came, gotFood, gotTea := uuid(t), uuid(t), uuid(t)
		if _, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: came, Person: key, New: np}, {ID: gotFood, Person: key, Item: food},
			{ID: uuid(t), Person: other, New: op}, {ID: gotTea, Person: other, Item: tea}}); err != nil {
			t.Fatal(err)
		}
		undo := []opora.Untick{{ID: uuid(t), Tick: gotFood}}
		res, counts, err := s.UndoTicks(duty, sh.ID, undo)
		if err != nil || len(res) != 1 || res[0].Status != opora.TickAccepted {
			t.Fatalf("undo: %v %+v", err, res)
		}
		if counts.Items[food] != 0 || counts.Items[opora.ItemCame] != 2 || counts.People != 2 {
			t.Fatalf("counts after undo %+v", counts)
		}
		if n := visitCount(t, s, duty, sh.ID); n != 3 {
			t.Fatalf("visits after undo: %d", n)
		}
		checkVisitCounts(t, s, fx)
		// Sent again: nothing more goes.
		res, _, err = s.UndoTicks(duty, sh.ID, undo)
		if err != nil || res[0].Status != opora.TickDuplicate {
			t.Fatalf("replayed undo: %v %+v", err, res)
		}
		// Food given after all, then the old undo replayed: the new tick stays.
		again := uuid(t)
		if res, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: again, Person: key, Item: food}}); err != nil ||
			res[0].Status != opora.TickAccepted {
			t.Fatalf("tick again: %v %+v", err, res)
		}
		if _, counts, err = s.UndoTicks(duty, sh.ID, undo); err != nil || counts.Items[food] != 1 {
			t.Fatalf("old undo after a new tick: %v %+v", err, counts)
		}
		// A duplicate tick answers with the tick the shift holds.
		if res, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: key, Item: food}}); err != nil ||
			res[0].Status != opora.TickDuplicate || res[0].Tick != again {
			t.Fatalf("duplicate tick: %v %+v", err, res)
		}
		people, err := s.CheckinPeople(duty, sh.ID)
		if err != nil || len(people) != 2 || len(people[1].TickIDs) != 2 || people[1].TickIDs[1] != again {
			t.Fatalf("people %v %+v", err, people)
		}
		checkVisitCounts(t, s, fx)
		// Another organisation cannot reach the shift.
		otherOrg := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if _, _, err := s.UndoTicks(otherOrg.Ctx(), sh.ID, []opora.Untick{{ID: uuid(t), Tick: came}}); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("other organisation: %v", err)
		}
		// A closed shift keeps its visits.
		if err := s.SetCheckinShiftStatus(duty, sh.ID, opora.ShiftClosed); err != nil {
			t.Fatal(err)
		}
		res, _, err = s.UndoTicks(duty, sh.ID, []opora.Untick{{ID: uuid(t), Tick: came}})
		if err != nil || res[0].Status != opora.TickRefused {
			t.Fatalf("undo at a closed shift: %v %+v", err, res)
		}
		if n := visitCount(t, s, duty, sh.ID); n != 4 {
			t.Fatalf("visits at the closed shift: %d", n)
		}
	})
}

// Check-in persons added before their words went into the name-word
// dictionary are found with typos after Migrate.
func TestMigrateAddsCheckinPersonWords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		duty, sh, _, _ := checkinSetup(t, s, fx)
		key, np := newPerson(t, "Сидоров")
		if _, _, err := s.RecordTicks(duty, sh.ID, []opora.Tick{{ID: uuid(t), Person: key, New: np}}); err != nil {
			t.Fatal(err)
		}
		db := storetest.RawDB(t, s)
		for _, q := range []string{`DELETE FROM name_word_grams`, `DELETE FROM name_words`, `UPDATE search_state SET key_version = 2`} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if rows, err := s.SearchCheckinPeople(duty, sh.ID, "сидар"); err != nil || len(rows) != 0 {
			t.Fatalf("typo search without the dictionary: %v %d rows", err, len(rows))
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rows, err := s.SearchCheckinPeople(duty, sh.ID, "сидар"); err != nil || len(rows) != 1 || rows[0].Surname != "Сидоров" {
			t.Fatalf("after Migrate: %v %+v", err, rows)
		}
	})
}
