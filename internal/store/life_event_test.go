package store_test

import (
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestLifeEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newFamilyNet(t, s)
		f, mother := createFamily(t, s, n)
		today := s.Today()

		bad := &opora.LifeEvent{ClientID: mother.ID, Kind: opora.LifeEventJobLoss, OccurredOn: today.AddDays(1)}
		if err := s.CreateLifeEvent(n.secretary, bad); opora.FieldErrors(err)["occurred_on"] != "error.date_future" {
			t.Fatalf("future date: %v", err)
		}
		if err := s.CreateLifeEvent(n.secretary, &opora.LifeEvent{ClientID: mother.ID, Kind: "lottery", OccurredOn: today}); opora.FieldErrors(err)["kind"] == "" {
			t.Fatalf("unknown kind: %v", err)
		}
		e := &opora.LifeEvent{ClientID: mother.ID, Kind: opora.LifeEventJobLoss, OccurredOn: today.AddDays(-10), Note: "  сокращение  "}
		if err := s.CreateLifeEvent(n.secretary, e); err != nil {
			t.Fatal(err)
		}
		if e.FamilyID != f.ID || e.Note != "сокращение" {
			t.Fatalf("event: family %d (want %d), note %q", e.FamilyID, f.ID, e.Note)
		}
		// From the card: only a present member of it.
		if err := s.CreateLifeEvent(n.secretary, &opora.LifeEvent{ClientID: mother.ID, FamilyID: f.ID, Kind: opora.LifeEventBirth,
			OccurredOn: today}); err != nil {
			t.Fatal(err)
		}
		loner := addClient(t, s, n.secretary, n.kdn.Branch.ID, "Сидоров", "Олег", "", "01.02.1970")
		if err := s.CreateLifeEvent(n.secretary, &opora.LifeEvent{ClientID: loner.ID, Kind: opora.LifeEventDivorce, OccurredOn: today}); err != nil {
			t.Fatal(err)
		}

		if err := s.CreateLifeEvent(n.secretary, &opora.LifeEvent{ClientID: loner.ID, FamilyID: f.ID, Kind: opora.LifeEventBirth,
			OccurredOn: today}); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("not a member: %v", err)
		}
		got, err := s.ClientLifeEvents(n.secretary, mother.ID)
		if err != nil || len(got) != 2 || got[1].Kind != opora.LifeEventJobLoss || got[0].CreatedByName == "" || got[0].FamilyID != f.ID {
			t.Fatalf("client events: %v %+v", err, got)
		}
		fam, err := s.FamilyLifeEvents(n.secretary, f.ID)
		if err != nil || len(fam) != 2 || fam[0].ClientName != "Иванова Мария Петровна" {
			t.Fatalf("family events: %v %+v", err, fam)
		}
		tl, err := s.Timeline(n.secretary, mother.ID, []string{opora.EventLifeEvent}, 0, 10)
		if err != nil || len(tl) != 2 {
			t.Fatalf("client timeline: %v %d", err, len(tl))
		}
		ft, err := s.FamilyTimeline(n.secretary, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range ft {
			found = found || ev.Kind == opora.FamilyEventLifeEvent
		}
		if !found {
			t.Fatal("no life event on the family timeline")
		}

		// Another organisation reaches neither the client nor the family.
		other := storetest.AddAgency(t, s, n.net.Ctx(), "Другая КДН", opora.OrgKDN)
		_, stranger := other.AddUser(t, "stranger", "kdn_secretary")
		if _, err := s.ClientLifeEvents(stranger, mother.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("stranger reads: %v", err)
		}
		if err := s.CreateLifeEvent(stranger, &opora.LifeEvent{ClientID: mother.ID, Kind: opora.LifeEventDebt, OccurredOn: today}); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("stranger writes: %v", err)
		}
		if err := s.DeleteLifeEvent(stranger, e.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Fatalf("stranger deletes: %v", err)
		}

		if err := s.DeleteLifeEvent(n.secretary, e.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClientLifeEvents(n.secretary, mother.ID); len(got) != 1 {
			t.Fatalf("after delete: %d", len(got))
		}
	})
}
