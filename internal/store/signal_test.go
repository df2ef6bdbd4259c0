package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// signalNet is a region with two municipalities, each with its КДН and
// КЦСОН, and a school in the first, with a worker of each.
type signalNet struct {
	region, north, south    int64
	kdn, kdnSouth, kcson    *storetest.Fixture
	school                  *storetest.Fixture
	secCtx, headCtx, tchCtx context.Context
	netCtx                  context.Context
	head                    *opora.User
}

func newSignalNet(t *testing.T, s *store.Store) *signalNet {
	t.Helper()
	fx := storetest.SetupOrg(t, s, "Сеть")
	ctx := fx.Ctx()
	n := &signalNet{netCtx: ctx}
	terr := func(kind opora.TerritoryKind, parent int64, name string) int64 {
		tr := &opora.Territory{Kind: kind, ParentID: parent, Name: name}
		if err := s.SaveTerritory(ctx, tr); err != nil {
			t.Fatal(err)
		}
		return tr.ID
	}
	n.region = terr(opora.TerritoryRegion, 0, "Новосибирская область")
	n.north = terr(opora.TerritoryMunicipality, n.region, "Северный район")
	n.south = terr(opora.TerritoryMunicipality, n.region, "Южный район")
	n.kdn = storetest.AddAgencyIn(t, s, ctx, "КДН Северного района", opora.OrgKDN, n.north)
	n.kdnSouth = storetest.AddAgencyIn(t, s, ctx, "КДН Южного района", opora.OrgKDN, n.south)
	n.kcson = storetest.AddAgencyIn(t, s, ctx, "КЦСОН Северного района", opora.OrgSocialService, n.north)
	n.school = storetest.AddAgencyIn(t, s, ctx, "Школа №5", opora.OrgSchool, n.north)
	_, n.secCtx = n.kdn.AddUser(t, "sec", "kdn_secretary")
	n.head, n.headCtx = n.kcson.AddUser(t, "head", "agency_head")
	_, n.tchCtx = n.school.AddUser(t, "teacher", "agency_specialist")
	return n
}

func schoolSignal(s *store.Store, territory int64) *opora.Signal {
	return &opora.Signal{TerritoryID: territory, ReceivedAt: s.Now().Add(-2 * time.Hour), Channel: opora.ChannelSystem,
		Urgency: opora.UrgencyOrdinary, Description: "Не ходит в школу две недели", Surname: "Сидоровы",
		Address: "ул. Ленина, 7", Children: []*opora.SignalChild{{Name: "Петя", BirthDate: opora.DateOf(time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC))}}}
}

// TestSignalTriagePaths: a school registers signals that go to its
// municipality's КДН; the КДН accepts one into a new family and sends it
// to the КЦСОН, links another to that family, closes one as a duplicate
// and one as not its competence; the КЦСОН head sees the new family, the
// school sees only the outcome.
func TestSignalTriagePaths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		first := schoolSignal(s, n.north)
		if err := s.RegisterSignal(n.tchCtx, first); err != nil {
			t.Fatal(err)
		}
		if first.OrganisationID != n.kdn.Org.ID || first.ReporterOrgID != n.school.Org.ID {
			t.Fatalf("routed to %d, reporter %d", first.OrganisationID, first.ReporterOrgID)
		}
		if want := first.ReceivedAt.Add(24 * time.Hour); !first.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", first.DueAt, want)
		}
		inbox, err := s.SignalInbox(n.secCtx, false)
		if err != nil || len(inbox) != 1 {
			t.Fatalf("inbox: %v %d", err, len(inbox))
		}
		// The school sees it, but the КДН of the other municipality does not.
		if _, err := s.Signal(n.kdnSouth.Ctx(), first.ID); opora.ErrorCode(err) != opora.EFORBIDDEN && opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("another КДН's admin: %v", err)
		}
		_, otherSec := n.kdnSouth.AddUser(t, "sec2", "kdn_secretary")
		if _, err := s.Signal(otherSec, first.ID); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("another КДН: %v", err)
		}
		// The match finds nothing yet; the second signal finds the first.
		second := schoolSignal(s, n.north)
		second.Surname = "Сидорова"
		if err := s.RegisterSignal(n.tchCtx, second); err != nil {
			t.Fatal(err)
		}
		m, err := s.MatchSignal(n.secCtx, store.SignalMatch{Address: "Ленина 7", Exclude: second.ID})
		if err != nil || len(m.Signals) != 1 || m.Signals[0].ID != first.ID {
			t.Fatalf("match: %v %+v", err, m)
		}
		if _, err := s.MatchSignal(n.tchCtx, store.SignalMatch{Address: "Ленина"}); opora.ErrorCode(err) != opora.EFORBIDDEN {
			t.Errorf("a school specialist sees the match: %v", err)
		}
		// Path 1: a new family, sent to the КЦСОН.
		fam := &opora.Family{Address: first.Address, Members: []*opora.FamilyMember{{Role: opora.RoleChild,
			Client: &opora.Client{Surname: "Сидоров", FirstName: "Петя", BirthPrecision: opora.BirthExact, BirthDate: first.Children[0].BirthDate}}}}
		if err := s.AcceptSignal(n.secCtx, &store.SignalAccept{SignalID: first.ID, Version: 1, NewFamily: fam, RouteOrgID: n.kcson.Org.ID}); err != nil {
			t.Fatal(err)
		}
		waiting, err := s.FamiliesWithoutCurator(n.headCtx)
		if err != nil || len(waiting) != 1 || waiting[0].ID != fam.ID {
			t.Fatalf("КЦСОН's new families: %v %d", err, len(waiting))
		}
		if err := s.AssignCurator(n.headCtx, fam.ID, n.head.ID); err != nil {
			t.Fatal(err)
		}
		if waiting, _ = s.FamiliesWithoutCurator(n.headCtx); len(waiting) != 0 {
			t.Errorf("the family still waits for a curator")
		}
		// Path 2: an existing family.
		if err := s.AcceptSignal(n.secCtx, &store.SignalAccept{SignalID: second.ID, FamilyID: fam.ID}); err != nil {
			t.Fatal(err)
		}
		sigs, err := s.FamilySignals(n.headCtx, fam.ID)
		if err != nil || len(sigs) != 2 {
			t.Fatalf("family signals: %v %d", err, len(sigs))
		}
		events, err := s.FamilyTimeline(n.secCtx, fam.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range events {
			kinds[e.Kind]++
		}
		if kinds[opora.FamilyEventSignal] != 2 || kinds[opora.FamilyEventGrant] != 1 {
			t.Errorf("timeline: %v", kinds)
		}
		// Path 3: closed as a duplicate; path 4: forwarded, not our competence.
		third := schoolSignal(s, n.north)
		fourth := schoolSignal(s, n.north)
		for _, sg := range []*opora.Signal{third, fourth} {
			if err := s.RegisterSignal(n.tchCtx, sg); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CloseSignal(n.secCtx, &opora.Signal{ID: third.ID, CloseReason: opora.CloseDuplicate}); opora.FieldErrors(err)["duplicate_of"] == "" {
			t.Errorf("a duplicate without the earlier signal: %v", err)
		}
		if err := s.CloseSignal(n.secCtx, &opora.Signal{ID: third.ID, CloseReason: opora.CloseDuplicate, DuplicateOf: first.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseSignal(n.secCtx, &opora.Signal{ID: fourth.ID, CloseReason: opora.CloseNotCompetent, ForwardedTo: "ОВД"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseSignal(n.secCtx, &opora.Signal{ID: fourth.ID, CloseReason: opora.CloseNotConfirmed}); opora.ErrorCode(err) != opora.ECONFLICT {
			t.Errorf("closing twice: %v", err)
		}
		// The school sees the outcomes and nothing more.
		mine, err := s.ReportedSignals(n.tchCtx)
		if err != nil || len(mine) != 4 {
			t.Fatalf("reported: %v %d", err, len(mine))
		}
		for _, sg := range mine {
			if !sg.Limited || sg.FamilyID != 0 || sg.DuplicateOf != 0 || sg.RoutedOrgName != "" {
				t.Errorf("the school learns too much of signal %d: %+v", sg.ID, sg)
			}
		}
		got, err := s.Signal(n.tchCtx, first.ID)
		if err != nil || got.Status != opora.SignalAccepted || !got.Routed || got.FamilyID != 0 {
			t.Errorf("the school's view of its signal: %v %+v", err, got)
		}
		if _, err := s.Family(n.school.Ctx(), fam.ID); err == nil {
			t.Errorf("the school reads the family")
		}
		if inbox, _ = s.SignalInbox(n.secCtx, false); len(inbox) != 0 {
			t.Errorf("the inbox keeps %d triaged signals", len(inbox))
		}
	})
}

// TestSignalRegisterRefusals: bad input is refused with field errors and
// nothing saved; a municipality without a КДН is a field error; the
// overdue list follows the region's deadlines and the clock.
func TestSignalRegisterRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		start := time.Now()
		s.Now = func() time.Time { return start }
		n := newSignalNet(t, s)
		noKDN := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: n.region, Name: "Без КДН"}
		if err := s.SaveTerritory(n.netCtx, noKDN); err != nil {
			t.Fatal(err)
		}
		cases := map[string]struct {
			edit  func(*opora.Signal)
			field string
		}{
			"no identity":    {func(sg *opora.Signal) { sg.Surname, sg.Address, sg.Children = "", "", nil }, "identity"},
			"future birth":   {func(sg *opora.Signal) { sg.Children[0].BirthDate = opora.DateOf(s.Now().AddDate(1, 0, 0)) }, "children.0.birth_date"},
			"future receipt": {func(sg *opora.Signal) { sg.ReceivedAt = s.Now().Add(3 * time.Hour) }, "received_at"},
			"danger unsaid":  {func(sg *opora.Signal) { sg.Urgency, sg.Description = opora.UrgencyImmediate, "" }, "description"},
			"no КДН":         {func(sg *opora.Signal) { sg.TerritoryID = noKDN.ID }, "territory_id"},
		}
		for name, c := range cases {
			sg := schoolSignal(s, n.north)
			c.edit(sg)
			err := s.RegisterSignal(n.tchCtx, sg)
			if opora.FieldErrors(err)[c.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		if mine, _ := s.ReportedSignals(n.tchCtx); len(mine) != 0 {
			t.Fatalf("refused signals were saved: %d", len(mine))
		}
		fx := n.netCtx
		if err := s.SaveSignalDeadlines(fx, &opora.SignalDeadlines{RegionID: n.region, OrdinaryHours: 48, ImmediateHours: 2}); err != nil {
			t.Fatal(err)
		}
		sg := schoolSignal(s, n.north)
		danger := schoolSignal(s, n.north)
		danger.Urgency, danger.ReceivedAt = opora.UrgencyImmediate, start.Add(-90*time.Minute)
		for _, x := range []*opora.Signal{sg, danger} {
			if err := s.RegisterSignal(n.tchCtx, x); err != nil {
				t.Fatal(err)
			}
		}
		if over, _ := s.SignalInbox(n.secCtx, true); len(over) != 0 {
			t.Errorf("overdue at once: %d", len(over))
		}
		s.Now = func() time.Time { return start.Add(time.Hour) }
		over, err := s.SignalInbox(n.secCtx, true)
		if err != nil || len(over) != 1 || over[0].ID != danger.ID {
			t.Errorf("overdue after an hour: %v %d", err, len(over))
		}
		s.Now = func() time.Time { return start.Add(47 * time.Hour) }
		if over, _ = s.SignalInbox(n.secCtx, true); len(over) != 2 || over[0].ID != danger.ID {
			t.Errorf("overdue after 47 hours: %d", len(over))
		}
		if fresh, late, err := s.SignalInboxCounts(n.secCtx); err != nil || fresh != 2 || late != 2 {
			t.Errorf("counts: %d %d %v", fresh, late, err)
		}
	})
}
