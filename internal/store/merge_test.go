package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestMergeClients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		a := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Пётр", "Сергеевич", "01.02.1975")
		b := addClient(t, s, ctx, fx.Branch.ID, "Иванов", "Петр", "", "01.02.1975")
		// B's history: a note, a restriction, a reminder, an identity
		// document and a file; answers in the main questionnaire.
		if err := s.CreateNote(ctx, &opora.Note{ClientID: b.ID, Body: "Записка Б", Important: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRestriction(ctx, &opora.Restriction{ClientID: b.ID, Kind: opora.RestrictionBan, Description: "Без приюта",
			StartsOn: s.Today()}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateReminder(ctx, &opora.Reminder{ClientID: b.ID, DueOn: s.Today(), Body: "Позвонить", ForAll: true}); err != nil {
			t.Fatal(err)
		}
		db := storetest.RawDB(t, s)
		now := time.Now().UTC()
		var docType int64
		if err := db.QueryRow(`INSERT INTO dictionary_items (organisation_id, dictionary, label) VALUES ($1, 'document_type', 'Паспорт') RETURNING id`,
			fx.Org.ID).Scan(&docType); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO identity_documents (organisation_id, client_id, type_id, number, created_at, updated_at)
			VALUES ($1, $2, $3, '123456', $4, $4)`, fx.Org.ID, b.ID, docType, now); err != nil {
			t.Fatal(err)
		}
		var photo int64
		if err := db.QueryRow(`INSERT INTO files (organisation_id, client_id, kind, mime, size, sha256, storage_key, created_at)
			VALUES ($1, $2, 'photo', 'image/jpeg', 1, 'x', 'merge-test-photo', $3) RETURNING id`, fx.Org.ID, b.ID, now).Scan(&photo); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE clients SET photo_id = $1 WHERE id = $2`, photo, b.ID); err != nil {
			t.Fatal(err)
		}
		edu, school, college := questionnaireField(t, s, fx.Org.ID, "Образование", "")
		work, yes, _ := questionnaireField(t, s, fx.Org.ID, "Работает", "")
		answer(t, s, fx.Org.ID, a.ID, edu, school)
		answer(t, s, fx.Org.ID, b.ID, edu, college) // A keeps its own
		answer(t, s, fx.Org.ID, b.ID, work, yes)    // A has none: B's moves

		// A specialist may not merge.
		_, spec := fx.AddUser(t, "spec", "specialist")
		if err := s.MergeClients(spec, a.ID, b.ID); !errors.Is(err, opora.ErrForbidden) {
			t.Fatalf("specialist merge: %v", err)
		}
		if err := s.MergeClients(ctx, a.ID, a.ID); opora.ErrorCode(err) != opora.EINVALID {
			t.Fatalf("merge with itself: %v", err)
		}
		// Another organisation's client is not found.
		other := storetest.AddOrg(t, s, ctx, "Другая НКО")
		foreign := addClient(t, s, other.Ctx(), other.Branch.ID, "Иванов", "Пётр", "", "1975")
		if err := s.MergeClients(ctx, a.ID, foreign.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("merge another organisation's client: %v", err)
		}

		if err := s.MergeClients(ctx, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, table := range []string{"notes", "restrictions", "reminders", "identity_documents", "files"} {
			if n := count(`SELECT COUNT(*) FROM `+table+` WHERE client_id = $1`, a.ID); n != 1 {
				t.Errorf("%s of the survivor: %d", table, n)
			}
			if n := count(`SELECT COUNT(*) FROM `+table+` WHERE client_id = $1`, b.ID); n != 0 {
				t.Errorf("%s left on the merged-away client: %d", table, n)
			}
		}
		if n := count(`SELECT COUNT(*) FROM answers WHERE client_id = $1 AND field_id = $2 AND option_id = $3`, a.ID, edu, school); n != 1 {
			t.Errorf("survivor's own answer: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM answers WHERE client_id = $1 AND field_id = $2`, a.ID, edu); n != 1 {
			t.Errorf("answers of one field on the survivor: %d", n)
		}
		if n := count(`SELECT COUNT(*) FROM answers WHERE client_id = $1 AND field_id = $2 AND option_id = $3`, a.ID, work, yes); n != 1 {
			t.Errorf("merged-away client's answer where the survivor had none: %d", n)
		}
		// B's events (created, note, …) are now on A's timeline, with the merge.
		events, err := s.Timeline(ctx, a.ID, nil, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range events {
			kinds[e.Kind]++
		}
		if kinds[opora.EventMerge] != 1 || kinds[opora.EventNote] != 1 || kinds[opora.EventProfile] < 2 {
			t.Errorf("survivor's timeline kinds: %v", kinds)
		}
		gotA, err := s.Client(ctx, a.ID)
		if err != nil || gotA.PhotoID != photo {
			t.Errorf("survivor took the photo: %v %+v", err, gotA)
		}
		gotB, err := s.Client(ctx, b.ID)
		if err != nil || gotB.MergedInto != a.ID {
			t.Fatalf("merged-away client: %v %+v", err, gotB)
		}
		// Merged away: no longer in search or lists, no second merge.
		if ids := searchIDs(t, s, ctx, store.SearchFilter{Query: "иванов"}); len(ids) != 1 || ids[0] != a.ID {
			t.Errorf("search after merge: %v", ids)
		}
		if err := s.MergeClients(ctx, a.ID, b.ID); opora.ErrorCode(err) != opora.EINVALID {
			t.Errorf("second merge: %v", err)
		}
		for _, id := range []int64{a.ID, b.ID} {
			rows, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "client", EntityID: id, Action: opora.ActionUpdate, Limit: 10})
			if err != nil || len(rows) != 1 || rows[0].Section != "merge" {
				t.Errorf("merge audit of %d: %v %+v", id, err, rows)
			}
		}
	})
}
