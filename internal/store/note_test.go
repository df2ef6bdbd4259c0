package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestNotesHistoryAndConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateNote(ctx, &opora.Note{ClientID: c.ID, Body: "  \r\n "}); opora.FieldErrors(err)["body"] == "" {
			t.Fatalf("empty note: %v", err)
		}
		imp := &opora.Note{ClientID: c.ID, Body: "Аллергия на пенициллин", Important: true}
		if err := s.CreateNote(ctx, imp); err != nil {
			t.Fatal(err)
		}
		s.Now = func() time.Time { return time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond) }
		plain := &opora.Note{ClientID: c.ID, Body: "Первая строка\r\nВторая строка"}
		if err := s.CreateNote(ctx, plain); err != nil {
			t.Fatal(err)
		}
		notes, err := s.ClientNotes(ctx, c.ID)
		if err != nil || len(notes) != 2 || notes[0].ID != imp.ID || notes[1].Body != "Первая строка\nВторая строка" {
			t.Fatalf("notes %v %+v", err, notes)
		}
		// The important notes alone, for the top of every tab; not for
		// another organisation.
		if pinned, err := s.ImportantNotes(ctx, c.ID); err != nil || len(pinned) != 1 || pinned[0].ID != imp.ID {
			t.Fatalf("important notes %v %+v", err, pinned)
		}
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		if _, err := s.ImportantNotes(other.Ctx(), c.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("another organisation's important notes: %v", err)
		}
		// Two people edit the same version: the second is told, nothing overwritten.
		first, second := *notes[1], *notes[1]
		first.Body = "Исправлено"
		if err := s.UpdateNote(ctx, &first); err != nil {
			t.Fatal(err)
		}
		second.Body = "Другое исправление"
		var oe *opora.Error
		if err := s.UpdateNote(ctx, &second); !errors.As(err, &oe) || oe.Code != opora.ECONFLICT || oe.Args["User"] != fx.Admin.FullName {
			t.Fatalf("second edit: %v", err)
		}
		got, err := s.Note(ctx, plain.ID)
		if err != nil || got.Body != "Исправлено" || got.Version != 2 || len(got.Revisions) != 1 ||
			got.Revisions[0].Body != "Первая строка\nВторая строка" || got.Revisions[0].EditedByName != fx.Admin.FullName {
			t.Fatalf("after edit %v %+v", err, got)
		}
		if err := s.DeleteNote(ctx, plain.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Note(ctx, plain.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("deleted note: %v", err)
		}
		events, err := s.Timeline(ctx, c.ID, []string{opora.EventNote}, 0, 10)
		if err != nil || len(events) != 4 {
			t.Fatalf("note events %v %d", err, len(events))
		}
		// Another organisation sees nothing.
		fb := storetest.AddOrg(t, s, ctx, "Другая")
		if _, err := s.Note(fb.Ctx(), imp.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org note: %v", err)
		}
		if err := s.CreateNote(fb.Ctx(), &opora.Note{ClientID: c.ID, Body: "x"}); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org create: %v", err)
		}
	})
}

func TestRestrictionsActive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
		s.Now = func() time.Time { return day(2, 10).Add(12 * time.Hour) }
		bad := &opora.Restriction{ClientID: c.ID, Kind: opora.RestrictionBan, Description: "x", StartsOn: opora.DateOf(day(2, 10)), EndsOn: opora.DateOf(day(2, 1))}
		if err := s.CreateRestriction(ctx, bad); opora.FieldErrors(err)["ends_on"] == "" {
			t.Fatalf("ends before start: %v", err)
		}
		r := &opora.Restriction{ClientID: c.ID, Kind: opora.RestrictionBan, Description: "Без ночлега до 1 марта",
			StartsOn: opora.DateOf(day(2, 10)), EndsOn: opora.DateOf(day(3, 1))}
		if err := s.CreateRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
		v := &opora.Restriction{ClientID: c.ID, Kind: opora.RestrictionViolation, Description: "Драка", StartsOn: opora.DateOf(day(2, 10))}
		if err := s.CreateRestriction(ctx, v); err != nil {
			t.Fatal(err)
		}
		active := func() int {
			t.Helper()
			m, err := s.ActiveRestrictions(ctx, []int64{c.ID})
			if err != nil {
				t.Fatal(err)
			}
			return len(m[c.ID])
		}
		if n := active(); n != 2 {
			t.Fatalf("active on 10.02: %d", n)
		}
		s.Now = func() time.Time { return day(3, 1).Add(23 * time.Hour) }
		if n := active(); n != 2 {
			t.Fatalf("active on the last day: %d", n)
		}
		s.Now = func() time.Time { return day(3, 2).Add(time.Hour) }
		if n := active(); n != 1 {
			t.Fatalf("active after the end: %d", n)
		}
		if err := s.LiftRestriction(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		if n := active(); n != 0 {
			t.Fatalf("active after lifting: %d", n)
		}
		// The duty role (check-in only) sees active restrictions at the door.
		s.Now = func() time.Time { return day(2, 20) }
		_, dutyCtx := fx.AddUser(t, "duty", "duty")
		m, err := s.ActiveRestrictions(dutyCtx, []int64{c.ID})
		if err != nil || len(m[c.ID]) != 1 || m[c.ID][0].Description != "Без ночлега до 1 марта" {
			t.Fatalf("duty: %v %+v", err, m)
		}
		if _, err := s.ClientRestrictions(dutyCtx, c.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("duty reads the list: %v", err)
		}
		fb := storetest.AddOrg(t, s, ctx, "Другая")
		if m, err := s.ActiveRestrictions(fb.Ctx(), []int64{c.ID}); err != nil || len(m) != 0 {
			t.Fatalf("other org: %v %+v", err, m)
		}
	})
}

func TestRemindersPerWorker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return time.Date(2026, 4, d, 0, 0, 0, 0, time.UTC) }
		s.Now = func() time.Time { return day(10).Add(9 * time.Hour) }
		anna, annaCtx := fx.AddUser(t, "anna", "specialist")
		_, borisCtx := fx.AddUser(t, "boris", "specialist")
		other := &opora.Branch{Name: "Другой филиал"}
		if err := s.SaveBranch(ctx, other); err != nil {
			t.Fatal(err)
		}
		far := &opora.User{Login: "far", FullName: "Далёкий", BranchIDs: []int64{other.ID},
			RoleIDs: []int64{fx.Role(t, "specialist").ID}}
		if err := s.CreateUser(ctx, far, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		farCtx := storetest.CtxOf(t, s, far.ID)
		ctxs := map[string]context.Context{"anna": annaCtx, "boris": borisCtx, "far": farCtx}
		n := func(who string) int {
			t.Helper()
			k, err := s.CountDueReminders(ctxs[who])
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		// Nobody chosen: the reminder is for its author alone.
		self := &opora.Reminder{ClientID: c.ID, DueOn: opora.DateOf(day(10)), Body: "Себе"}
		if err := s.CreateReminder(annaCtx, self); err != nil {
			t.Fatalf("no recipients: %v", err)
		}
		if mine, err := s.MyReminders(annaCtx, 0); err != nil || len(mine) != 1 || mine[0].ID != self.ID ||
			len(mine[0].Recipients) != 1 || mine[0].Recipients[0] != anna.FullName {
			t.Fatalf("anna's reminder to herself: %v %+v", err, mine)
		}
		if k := n("boris"); k != 0 {
			t.Fatalf("boris counts anna's reminder to herself: %d", k)
		}
		if err := s.DeleteReminder(ctx, self.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateReminder(ctx, &opora.Reminder{ClientID: c.ID, DueOn: opora.DateOf(day(10)), Body: "x", RecipientIDs: []int64{far.ID}}); opora.FieldErrors(err)["recipients"] != "reminders.error.recipient_cannot_see" {
			t.Fatalf("recipient out of scope: %v", err)
		}
		named := &opora.Reminder{ClientID: c.ID, DueOn: opora.DateOf(day(9)), Body: "Позвонить в МФЦ", RecipientIDs: []int64{anna.ID}}
		if err := s.CreateReminder(ctx, named); err != nil {
			t.Fatal(err)
		}
		all := &opora.Reminder{ClientID: c.ID, DueOn: opora.DateOf(day(10)), Body: "Проверить документы", ForAll: true}
		if err := s.CreateReminder(ctx, all); err != nil {
			t.Fatal(err)
		}
		later := &opora.Reminder{ClientID: c.ID, DueOn: opora.DateOf(day(20)), Body: "Потом", ForAll: true}
		if err := s.CreateReminder(ctx, later); err != nil {
			t.Fatal(err)
		}
		if a, b, f := n("anna"), n("boris"), n("far"); a != 2 || b != 1 || f != 0 {
			t.Fatalf("counts anna %d boris %d far %d", a, b, f)
		}
		if err := s.MarkReminderRead(borisCtx, named.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("boris marks anna's reminder: %v", err)
		}
		if err := s.MarkReminderRead(annaCtx, all.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkReminderRead(annaCtx, all.ID); err != nil {
			t.Fatal(err)
		}
		if a, b := n("anna"), n("boris"); a != 1 || b != 1 {
			t.Fatalf("after read: anna %d boris %d", a, b)
		}
		mine, err := s.MyReminders(annaCtx, 0)
		if err != nil || len(mine) != 2 || mine[0].ID != named.ID || mine[0].ClientName != "Иванов Пётр Сергеевич" ||
			len(mine[0].Recipients) != 1 || mine[1].ID != later.ID {
			t.Fatalf("anna's list %v %+v", err, mine)
		}
		list, err := s.ClientReminders(annaCtx, c.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("client reminders for anna %v %d", err, len(list))
		}
		if err := s.DeleteReminder(ctx, named.ID); err != nil {
			t.Fatal(err)
		}
		if a := n("anna"); a != 0 {
			t.Fatalf("after delete: anna %d", a)
		}
	})
}
