package web

import (
	"net/http"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The home page shows each user what to do next, by what their roles let
// them do: their reminders due and tasks overdue and the clients they
// opened lately (client.read), the open check-in shifts they can join
// (checkin.use), the signals waiting in the КДН's inbox (signal.triage),
// families without a curator (family.assign) and their own families
// (family.read), the reports saved for them (report.run); then the
// organisation and their roles.

// homeListSize is how many lines each list of the home page shows.
const homeListSize = 5

// homePage is the home page's .Data.
type homePage struct {
	Organisation *opora.Organisation
	Branches     []string
	Roles        []string
	Reminders    []*opora.Reminder // due today or earlier
	Tasks        []*opora.Task     // mine, overdue
	Recent       []*opora.Client
	Shifts       []*opora.CheckinShift // open, today or yesterday (a night's shift)
	Reports      []*opora.SavedReport
	// Flow B: the КДН's inbox (signal.triage), the families without a
	// curator (family.assign), the curator's own families (family.read).
	SignalsNew, SignalsOverdue int
	Unassigned                 []*opora.Family
	Families                   []*opora.Family
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := opora.ActorFrom(ctx)
	org, err := s.store.Organisation(ctx, a.OrganisationID)
	if err != nil {
		return err
	}
	branches, err := s.store.Branches(ctx)
	if err != nil {
		return err
	}
	d := &homePage{Organisation: org}
	for _, b := range branches {
		for _, id := range a.BranchIDs {
			if b.ID == id {
				d.Branches = append(d.Branches, b.Name)
			}
		}
	}
	// Everybody may see their own roles; the full list needs admin rights.
	roles, err := s.store.OwnRoles(ctx)
	if err != nil {
		return err
	}
	l := s.loc(r)
	for _, ro := range roles {
		d.Roles = append(d.Roles, roleName(l.T, ro))
	}
	today := s.store.Today()
	if a.Can(opora.PermClientRead) {
		// Both lists come soonest first, so the due and overdue lead.
		reminders, err := s.store.MyReminders(ctx, homeListSize+1)
		if err != nil {
			return err
		}
		for _, m := range reminders {
			if m.DueBy(today) {
				d.Reminders = append(d.Reminders, m)
			}
		}
		tasks, err := s.store.MyTasks(ctx, store.TaskFilter{Queue: store.QueueMine, Limit: homeListSize + 1})
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if t.Overdue(today) {
				d.Tasks = append(d.Tasks, t)
			}
		}
		if d.Recent, err = s.store.RecentlyViewed(ctx, homeListSize); err != nil {
			return err
		}
	}
	if a.Can(opora.PermCheckin) {
		shifts, err := s.store.CheckinShifts(ctx, today.AddDate(0, 0, -1), today, 100)
		if err != nil {
			return err
		}
		for _, sh := range shifts {
			if sh.Open() {
				d.Shifts = append(d.Shifts, sh)
			}
		}
	}
	if a.Can(opora.PermSignalTriage) {
		if d.SignalsNew, d.SignalsOverdue, err = s.store.SignalInboxCounts(ctx); err != nil {
			return err
		}
	}
	if a.Can(opora.PermFamilyAssign) {
		if d.Unassigned, err = s.store.FamiliesWithoutCurator(ctx); err != nil {
			return err
		}
	}
	if a.Can(opora.PermFamilyRead) {
		if d.Families, err = s.store.MyFamilies(ctx); err != nil {
			return err
		}
	}
	if a.Can(opora.PermReportRun) {
		if d.Reports, err = s.store.SavedReports(ctx); err != nil {
			return err
		}
	}
	d.Reminders, d.Tasks = firstLines(d.Reminders), firstLines(d.Tasks)
	d.Shifts, d.Reports = firstLines(d.Shifts), firstLines(d.Reports)
	d.Unassigned, d.Families = firstLines(d.Unassigned), firstLines(d.Families)
	v := s.newView(r, "nav.home")
	v.Nav = "home"
	v.Data = d
	return s.render(w, r, http.StatusOK, "home", v)
}

// firstLines keeps the first homeListSize lines of a list; each list links
// to its own page for the rest.
func firstLines[T any](list []T) []T {
	return list[:min(len(list), homeListSize)]
}
