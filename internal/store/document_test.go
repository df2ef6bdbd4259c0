package store_test

import (
	"errors"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestIdentityDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		ctx := fx.Ctx()
		c := newClient(fx.Branch.ID)
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		passport := &opora.DictionaryItem{Dictionary: opora.DictDocumentType, Label: "  Паспорт   РФ "}
		if err := s.SaveDictionaryItem(ctx, passport); err != nil || passport.ID == 0 || passport.Label != "Паспорт РФ" {
			t.Fatalf("dictionary item: %v %+v", err, passport)
		}
		items, err := s.DictionaryItems(ctx, opora.DictDocumentType, false)
		if err != nil || len(items) == 0 || items[len(items)-1].ID != passport.ID {
			t.Fatalf("items %v %+v", err, items)
		}
		// Future issue dates and unknown types are refused per field.
		d := &opora.IdentityDocument{ClientID: c.ID, TypeID: passport.ID, Series: "4510", Number: "123456",
			IssuedOn: s.Today().AddDays(2)}
		if err := s.CreateIdentityDocument(ctx, d); opora.FieldErrors(err)["issued_on"] != "error.date_future" {
			t.Fatalf("future issue date: %v", err)
		}
		d.IssuedOn, d.TypeID = opora.NewDate(2010, 5, 4), 999999
		if err := s.CreateIdentityDocument(ctx, d); opora.FieldErrors(err)["type_id"] != "error.invalid_choice" {
			t.Fatalf("unknown type: %v", err)
		}
		d.TypeID, d.IssuedBy = passport.ID, "ОВД  Вологды"
		if err := s.CreateIdentityDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		d.Number = "654321"
		if err := s.UpdateIdentityDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		docs, err := s.IdentityDocuments(ctx, c.ID)
		if err != nil || len(docs) != 1 || docs[0].Number != "654321" || docs[0].TypeLabel != "Паспорт РФ" ||
			docs[0].IssuedBy != "ОВД Вологды" || !docs[0].IssuedOn.Equal(d.IssuedOn) || docs[0].CreatedByName != fx.Admin.FullName {
			t.Fatalf("documents %v %+v", err, docs)
		}
		// Another organisation sees nothing.
		other := storetest.AddOrg(t, s, fx.Ctx(), "Другая")
		if _, err := s.IdentityDocuments(other.Ctx(), c.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org list: %v", err)
		}
		if _, err := s.IdentityDocument(other.Ctx(), c.ID, d.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org read: %v", err)
		}
		if err := s.DeleteIdentityDocument(other.Ctx(), c.ID, d.ID); !errors.Is(err, opora.ErrNotFound) {
			t.Fatalf("other org delete: %v", err)
		}
		if err := s.DeleteIdentityDocument(ctx, c.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if docs, _ := s.IdentityDocuments(ctx, c.ID); len(docs) != 0 {
			t.Fatal("deleted document still listed")
		}
		events, err := s.Timeline(ctx, c.ID, []string{opora.EventDocument}, 0, 10)
		if err != nil || len(events) != 3 || events[0].Summary != "✕ Паспорт РФ" {
			t.Fatalf("timeline %v %+v", err, events)
		}
		audit, _, err := s.AuditEntries(ctx, opora.AuditFilter{Entity: "identity_document", EntityID: d.ID})
		if err != nil || len(audit) != 3 {
			t.Fatalf("audit %v %d", err, len(audit))
		}
	})
}
