package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A client's record learns, with the client's row, which of the record's
// lists the client has anything in. A page then skips the queries of the
// empty ones, and lists exactly what it listed before for the others,
// deleted and ended rows left out as ever.
func TestClientPanelsSkipOnlyEmptyLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		bare := addClient(t, s, ctx, fx.Branch.ID, "Пустов", "Иван", "", "01.02.1975")
		full := addClient(t, s, ctx, fx.Branch.ID, "Полнов", "Пётр", "", "01.02.1975")
		gone := addClient(t, s, ctx, fx.Branch.ID, "Бывалов", "Олег", "", "1980")

		// full has one of each; gone has only rows a page does not list.
		if err := s.CreateNote(ctx, &opora.Note{ClientID: full.ID, Body: "Записка"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRestriction(ctx, &opora.Restriction{ClientID: full.ID, Kind: opora.RestrictionBan,
			Description: "Без приюта", StartsOn: s.Today()}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateReminder(ctx, &opora.Reminder{ClientID: full.ID, DueOn: s.Today(), Body: "Позвонить", ForAll: true}); err != nil {
			t.Fatal(err)
		}
		gn := &opora.Note{ClientID: gone.ID, Body: "Удалённая записка"}
		if err := s.CreateNote(ctx, gn); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteNote(ctx, gn.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRestriction(ctx, &opora.Restriction{ClientID: gone.ID, Kind: opora.RestrictionBan,
			Description: "Давний запрет", StartsOn: s.Today().AddDate(0, -2, 0), EndsOn: s.Today().AddDate(0, -1, 0)}); err != nil {
			t.Fatal(err)
		}
		db := storetest.RawDB(t, s)
		now := time.Now().UTC()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		var docType, form, room int64
		if err := db.QueryRow(`INSERT INTO dictionary_items (organisation_id, dictionary, label) VALUES ($1, 'document_type', 'Паспорт') RETURNING id`,
			fx.Org.ID).Scan(&docType); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT id FROM forms WHERE organisation_id = $1 ORDER BY id LIMIT 1`, fx.Org.ID).Scan(&form); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`INSERT INTO shelter_rooms (organisation_id, branch_id, name, capacity, created_at, updated_at)
			VALUES ($1, $2, 'Комната 1', 4, $3, $3) RETURNING id`, fx.Org.ID, fx.Branch.ID, now).Scan(&room); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO identity_documents (organisation_id, client_id, type_id, number, created_at, updated_at)
			VALUES ($1, $2, $3, '123456', $4, $4)`, fx.Org.ID, full.ID, docType, now)
		exec(`INSERT INTO files (organisation_id, client_id, kind, name, mime, size, sha256, storage_key, created_at)
			VALUES ($1, $2, 'scan', 'паспорт.pdf', 'application/pdf', 1, 'x', 'holdings-scan', $3)`, fx.Org.ID, full.ID, now)
		exec(`INSERT INTO form_fillings (organisation_id, client_id, form_id, filled_on, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, fx.Org.ID, full.ID, form, s.Today(), now)
		exec(`INSERT INTO shelter_stays (organisation_id, client_id, room_id, check_in, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, fx.Org.ID, full.ID, room, s.Today(), now)
		exec(`INSERT INTO shelter_medical_checks (organisation_id, client_id, check_type, done_on, next_due, created_at)
			VALUES ($1, $2, 'fluorography', $3, $4, $5)`, fx.Org.ID, full.ID, s.Today(), s.Today().AddDate(1, 0, 0), now)
		// gone's photo is a file, but not one the documents list shows.
		exec(`INSERT INTO files (organisation_id, client_id, kind, mime, size, sha256, storage_key, created_at)
			VALUES ($1, $2, 'photo', 'image/jpeg', 1, 'x', 'holdings-photo', $3)`, fx.Org.ID, gone.ID, now)

		// page reads what the profile page reads of the lists, with or
		// without a read memo, and the statements it ran.
		page := func(id int64, memo bool) (map[string]int, []string) {
			t.Helper()
			var ran []string
			c := store.WithTrace(ctx, &store.Trace{Statement: func(st store.TracedStatement) { ran = append(ran, st.SQL) }})
			if memo {
				c = store.WithReadMemo(c)
			}
			if _, err := s.ViewClient(c, id, "profile"); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			count := func(name string, n int, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got[name] = n
			}
			docs, err := s.IdentityDocuments(c, id)
			count("documents", len(docs), err)
			files, err := s.ClientFiles(c, id)
			count("files", len(files), err)
			notes, err := s.ClientNotes(c, id)
			count("notes", len(notes), err)
			reminders, err := s.ClientReminders(c, id)
			count("reminders", len(reminders), err)
			fillings, err := s.ClientFillings(c, id)
			count("fillings", len(fillings), err)
			stays, err := s.ClientStays(c, id)
			count("stays", len(stays), err)
			checks, err := s.MedicalChecks(c, id)
			count("medical checks", len(checks), err)
			rs, err := s.ActiveRestrictions(c, []int64{id})
			count("restrictions", len(rs[id]), err)
			return got, ran
		}
		for _, tc := range []struct {
			c    *opora.Client
			want int
		}{{full, 1}, {gone, 0}, {bare, 0}} {
			withMemo, ran := page(tc.c.ID, true)
			without, _ := page(tc.c.ID, false)
			for name, n := range withMemo {
				if n != tc.want || without[name] != tc.want {
					t.Errorf("%s: %s listed %d with the memo and %d without; want %d", tc.c.Surname, name, n, without[name], tc.want)
				}
			}
			if tc.c == bare {
				// The client's row and the view's audit row (three statements:
				// the chain's head read and moved, the row); nothing else.
				if len(ran) != 4 {
					t.Errorf("a client with empty lists ran %d statements, want 4:\n%s", len(ran), strings.Join(ran, "\n"))
				}
			}
			if tc.c == gone && len(ran) < 6 {
				t.Errorf("the lists that hold a deleted note, an ended ban and a photo were skipped: %d statements", len(ran))
			}
		}

		// A client of another organisation is still not found, memo or not.
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		if _, err := s.ClientNotes(store.WithReadMemo(other.Ctx()), full.ID); err == nil {
			t.Error("another organisation read the notes' list")
		}
	})
}
