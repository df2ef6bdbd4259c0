package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// This file is the scale generator: regional-size synthetic data written
// through the store's bulk path, batch by batch, each batch one transaction
// that also records the progress. A batch's people come from a random
// source seeded by (seed, batch number) alone, so an interrupted run that
// is started again writes exactly what the uninterrupted one would have.

// BatchClients is how many clients one generator transaction writes.
const BatchClients = 2000

// DemoSize is the largest client count the ordinary demo makes through the
// store's methods; larger counts go to the scale generator.
const DemoSize = 1000

// Proportions the generator aims at (checked by its tests).
const (
	MeanServices = 20   // services per client, over five years
	CaseShare    = 0.20 // clients with a case
	MeanTasks    = 5    // tasks per case
	TwinShare    = 0.02 // near-duplicate persons
	VisitorShare = 0.15 // clients who come to check-in points
	years        = 5
)

// Generate fills the database with Options.Clients synthetic clients, or
// goes on with an interrupted or smaller earlier run. It refuses a database
// that holds other data. Progress, when set, hears after every batch.
func Generate(ctx context.Context, st *store.Store, o Options, progress func(done, target int)) ([]Login, error) {
	if o.Clients <= 0 {
		return nil, errors.New("demo: say how many clients to generate")
	}
	run, err := st.GeneratorRun(ctx)
	if err != nil {
		return nil, err
	}
	hash, err := auth.Hash(Password)
	if err != nil {
		return nil, err
	}
	if run == nil {
		if need, err := st.NeedsSetup(ctx); err != nil {
			return nil, err
		} else if !need {
			return nil, ErrNotEmpty
		}
		orgID, err := createOrganisation(ctx, st, hash)
		if err != nil {
			return nil, err
		}
		run = &store.GeneratorRun{OrganisationID: orgID, Seed: o.Seed, Target: o.Clients}
	}
	actx, branches, workers, logins, err := ensureStaff(ctx, st, run.OrganisationID, hash)
	if err != nil {
		return nil, err
	}
	if run.Target < o.Clients || run.StartedAt.IsZero() {
		run.Target = max(run.Target, o.Clients)
		if err := st.StartGeneratorRun(actx, run); err != nil {
			return nil, err
		}
	}
	if run, err = st.GeneratorRun(ctx); err != nil {
		return nil, err
	}
	g, err := newScale(actx, st, run, branches, workers)
	if err != nil {
		return nil, err
	}
	// Count deltas stay in memory until FinishBulk (a stopped earlier run's
	// stale counts are rebuilt first, while the indexes are still there).
	counts, err := st.BulkCounts(actx)
	if err != nil {
		return nil, err
	}
	if run.Done < run.Target {
		if err := st.DeferIndexes(actx); err != nil {
			return nil, err
		}
	}
	// The next batch is made while the database writes the current one.
	type made struct {
		b        *store.BulkBatch
		from, to int
	}
	next := make(chan made, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(next)
		for done := run.Done; done < run.Target; {
			n := min(BatchClients-done%BatchClients, run.Target-done)
			b := g.batch(done, n)
			b.ClientsDone, b.Finished, b.Counts = done+n, done+n == run.Target, counts
			select {
			case next <- made{b, done, done + n}:
			case <-stop:
				return
			}
			done += n
		}
	}()
	for m := range next {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("demo: stopped after %d of %d clients; run the same command again to go on: %w",
				m.from, run.Target, err)
		}
		if err := st.BulkLoad(actx, m.b); err != nil {
			return nil, fmt.Errorf("demo: clients %d–%d: %w", m.from+1, m.to, err)
		}
		if progress != nil {
			progress(m.to, run.Target)
		}
	}
	if err := st.FinishBulk(actx, counts, o.Step); err != nil {
		return nil, err
	}
	if run.Done < run.Target {
		if err := st.LogAudit(actx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "generator_run", EntityID: 1,
			Changes: []opora.Change{{Field: "clients", Old: strconv.Itoa(run.Done), New: strconv.Itoa(run.Target)}}}); err != nil {
			return nil, err
		}
	}
	return logins, nil
}

// scale holds what every batch draws on.
type scale struct {
	seed      uint64
	orgID     int64
	anchor    time.Time // the day the run started: "today" for every batch
	creator   int64
	branches  []*opora.Branch
	workers   []*opora.User
	types     []*opora.ServiceType
	weights   []int // of types, summed
	caseTypes []store.DictItem
	taskTypes []store.DictItem
	form      *opora.Form
	points    []*opora.CheckinPoint
	shifts    map[int64][]int64 // point → shift id by day number (0 = five years ago)
}

func newScale(ctx context.Context, st *store.Store, run *store.GeneratorRun, branches []*opora.Branch,
	workers []*opora.User) (*scale, error) {
	y, m, d := run.StartedAt.Date()
	g := &scale{seed: run.Seed, orgID: run.OrganisationID, anchor: time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		creator: opora.ActorFrom(ctx).UserID, branches: branches, workers: workers}
	var err error
	if g.types, err = st.ServiceTypes(ctx, true); err != nil {
		return nil, err
	}
	if len(g.types) == 0 {
		return nil, errors.New("demo: the organisation has no service types")
	}
	total := 0
	for i := range g.types {
		// The first types of the catalog (food, hygiene, clothes) are the everyday ones.
		total += max(1, 12-i)
		g.weights = append(g.weights, total)
	}
	if g.caseTypes, err = st.CaseDictionary(ctx, "case_type", false); err != nil {
		return nil, err
	}
	if g.taskTypes, err = st.CaseDictionary(ctx, "task_type", false); err != nil {
		return nil, err
	}
	if len(g.caseTypes) == 0 || len(g.taskTypes) == 0 {
		return nil, errors.New("demo: the organisation has no case or task types")
	}
	forms, err := st.Forms(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range forms {
		if f.Key == opora.ProfileFormKey {
			if g.form, err = st.EditorForm(ctx, f.ID); err != nil {
				return nil, err
			}
		}
	}
	if g.form == nil {
		return nil, errors.New("demo: the organisation has no questionnaire")
	}
	if err := g.ensureCheckin(ctx, st); err != nil {
		return nil, err
	}
	return g, nil
}

// ensureCheckin makes a night bus and a warming point with five years of
// closed daily shifts, unless an earlier run made them.
func (g *scale) ensureCheckin(ctx context.Context, st *store.Store) error {
	want := []struct {
		kind   opora.PointKind
		name   string
		branch int
		items  []string
	}{
		{opora.PointNightBus, "Ночной автобус: Московский вокзал", 0, []string{"Горячая еда", "Чай", "Одежда"}},
		{opora.PointWarming, "Пункт обогрева на Боровой", len(g.branches) - 1, []string{"Горячий обед", "Душ", "Стирка"}},
	}
	have, err := st.CheckinPoints(ctx, true)
	if err != nil {
		return err
	}
	for _, w := range want {
		i := slices.IndexFunc(have, func(p *opora.CheckinPoint) bool { return p.Name == w.name })
		var p *opora.CheckinPoint
		if i >= 0 {
			p = have[i]
		} else {
			p = &opora.CheckinPoint{BranchID: g.branches[w.branch].ID, Kind: w.kind, Name: w.name}
			if err := st.SaveCheckinPoint(ctx, p, w.items); err != nil {
				return fmt.Errorf("demo: check-in point: %w", err)
			}
		}
		if p, err = st.CheckinPoint(ctx, p.ID); err != nil {
			return err
		}
		g.points = append(g.points, p)
	}
	first := g.anchor.AddDate(-years, 0, 0)
	days := int(g.anchor.Sub(first).Hours() / 24)
	list := func() ([]*opora.CheckinShift, error) {
		return st.CheckinShifts(ctx, opora.DateOf(first), opora.DateOf(g.anchor.AddDate(0, 0, -1)), days*len(g.points)+10)
	}
	shifts, err := list()
	if err != nil {
		return err
	}
	if len(shifts) == 0 {
		b := &store.BulkBatch{OrganisationID: g.orgID}
		for _, p := range g.points {
			for d := 0; d < days; d++ {
				day := first.AddDate(0, 0, d)
				b.Shifts = append(b.Shifts, &opora.CheckinShift{ID: int64(len(b.Shifts) + 1), BranchID: p.BranchID,
					PointID: p.ID, Date: opora.DateOf(day), Starts: "20:00", Ends: "02:00", Status: opora.ShiftClosed,
					OpenedBy: g.creator, OpenedAt: day.Add(19 * time.Hour), ClosedBy: g.creator, ClosedAt: day.Add(26 * time.Hour)})
			}
		}
		if err := st.BulkLoad(ctx, b); err != nil {
			return fmt.Errorf("demo: shifts: %w", err)
		}
		if shifts, err = list(); err != nil {
			return err
		}
	}
	g.shifts = map[int64][]int64{}
	for _, p := range g.points {
		g.shifts[p.ID] = make([]int64, days)
	}
	for _, sh := range shifts {
		d := sh.Date.DaysSince(opora.DateOf(first))
		if ids := g.shifts[sh.PointID]; ids != nil && d >= 0 && d < days {
			ids[d] = sh.ID
		}
	}
	return nil
}

// batchState collects one batch's rows with their local IDs.
type batchState struct {
	*store.BulkBatch
	rnd *rand.Rand
}

func (b *batchState) pick(n int) int { return b.rnd.IntN(n) }

func (b *batchState) event(e *opora.ClientEvent) { b.Events = append(b.Events, e) }

// batch makes clients number from … from+n-1 (counted from 0 over the run).
func (g *scale) batch(from, n int) *store.BulkBatch {
	k := from / BatchClients
	b := &batchState{BulkBatch: &store.BulkBatch{OrganisationID: g.orgID}, rnd: rand.New(rand.NewPCG(g.seed, uint64(k)+1))}
	// Clients already made in this batch before from (a batch is always
	// made whole from its start, so a resumed run repeats the same draws).
	start := k * BatchClients
	for i := start; i < from+n; i++ {
		c := g.client(b, i)
		if i < from {
			b.drop(c)
		}
	}
	return b.BulkBatch
}

// drop forgets every row of the client just made (used to skip the part
// of a batch an earlier, differently sized run already wrote). Its rows are
// the last of every list, so the local IDs stay dense.
func (b *batchState) drop(c *opora.Client) {
	id := c.ID
	b.Clients = b.Clients[:len(b.Clients)-1]
	b.Answers = slices.DeleteFunc(b.Answers, func(a *store.BulkAnswer) bool { return a.ClientID == id })
	b.Notes = slices.DeleteFunc(b.Notes, func(x *opora.Note) bool { return x.ClientID == id })
	b.Services = slices.DeleteFunc(b.Services, func(x *opora.Service) bool { return x.ClientID == id })
	b.Cases = slices.DeleteFunc(b.Cases, func(x *opora.Case) bool { return x.ClientID == id })
	b.Tasks = slices.DeleteFunc(b.Tasks, func(x *opora.Task) bool { return x.ClientID == id })
	b.Persons = slices.DeleteFunc(b.Persons, func(x *opora.CheckinPerson) bool { return x.ClientID == id })
	b.Visits = slices.DeleteFunc(b.Visits, func(x *store.BulkVisit) bool { return x.ClientID == id })
	b.Events = slices.DeleteFunc(b.Events, func(x *opora.ClientEvent) bool { return x.ClientID == id })
}

// client makes one person with five years' worth of history at most.
func (g *scale) client(b *batchState, index int) *opora.Client {
	daysBack := 1 + b.pick(years*365)
	first := g.anchor.AddDate(0, 0, -daysBack)
	created := first.Add(time.Duration(9*60+b.pick(9*60)) * time.Minute)
	male := b.pick(100) < 78
	c := &opora.Client{ID: int64(len(b.Clients) + 1), BranchID: g.branches[0].ID, Gender: opora.GenderFemale,
		HomelessStatus: opora.Homeless, HomelessSince: opora.DateOf(first), CreatedBy: g.creator, CreatedAt: created}
	if len(g.branches) > 1 && b.pick(10) < 3 {
		c.BranchID = g.branches[1+b.pick(len(g.branches)-1)].ID
	}
	if male {
		c.Gender = opora.GenderMale
	}
	c.Surname, c.FirstName, c.Patronymic = regionalName(b.rnd, male)
	if len(b.Clients) > 10 && b.rnd.Float64() < TwinShare {
		twinOf(b.rnd, c, b.Clients[b.pick(len(b.Clients))])
	} else {
		birth(b.rnd, c, first, 1945, 60)
	}
	if b.pick(5) == 0 {
		c.HomelessStatus = opora.AtRiskOfLoss
	} else if b.pick(12) == 0 {
		c.HomelessStatus = opora.Housed
	}
	c.ResponsibleID = g.workers[b.pick(len(g.workers))].ID
	b.Clients = append(b.Clients, c)
	b.event(&opora.ClientEvent{ClientID: c.ID, At: created, UserID: g.creator, Kind: opora.EventProfile, Entity: "client",
		EntityID: c.ID, Summary: "created"})
	g.questionnaire(b, c)
	if b.pick(6) == 0 {
		n := &opora.Note{ID: int64(len(b.Notes) + 1), ClientID: c.ID, Body: notes[b.pick(len(notes))], Important: b.pick(3) == 0,
			CreatedBy: c.ResponsibleID, CreatedAt: created.Add(20 * time.Minute)}
		b.Notes = append(b.Notes, n)
		b.event(&opora.ClientEvent{ClientID: c.ID, At: n.CreatedAt, UserID: n.CreatedBy, Kind: opora.EventNote, Entity: "note",
			EntityID: n.ID, Summary: firstLine(n.Body)})
	}
	g.services(b, c, first, daysBack)
	if b.rnd.Float64() < CaseShare {
		g.kase(b, c, first)
	}
	if b.rnd.Float64() < VisitorShare {
		g.visits(b, c, index, first, daysBack)
	}
	return c
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// serviceCount draws how many services a client gets: many come a few
// times, some for months, a few almost daily; the mean is MeanServices.
func serviceCount(b *batchState) int {
	switch r := b.pick(10); {
	case r < 4:
		return 1 + b.pick(5) // 3
	case r < 8:
		return 10 + b.pick(21) // 20
	default:
		return 30 + b.pick(51) // 55
	}
}

func (g *scale) serviceType(b *batchState) *opora.ServiceType {
	r := b.pick(g.weights[len(g.weights)-1])
	i, _ := slices.BinarySearch(g.weights, r+1)
	return g.types[i]
}

// services spreads a client's services over visit days since the first contact.
func (g *scale) services(b *batchState, c *opora.Client, first time.Time, daysBack int) {
	n := serviceCount(b)
	day := 0
	for made := 0; made < n && day < daysBack; {
		on := first.AddDate(0, 0, day)
		var seen []int64
		for k := 0; k < 1+b.pick(3) && made < n; k++ {
			t := g.serviceType(b)
			if slices.Contains(seen, t.ID) {
				continue
			}
			seen = append(seen, t.ID)
			worker := c.ResponsibleID
			if b.pick(10) < 3 {
				worker = g.workers[b.pick(len(g.workers))].ID
			}
			sv := &opora.Service{ID: int64(len(b.Services) + 1), BranchID: c.BranchID, ClientID: c.ID, TypeID: t.ID,
				RenderedOn: opora.DateOf(on), Quantity: 1, WorkerID: worker, CreatedAt: on.Add(time.Duration(10*60+b.pick(8*60)) * time.Minute),
				TypeName: t.Name}
			if t.HasQuantity {
				sv.Quantity = 1 + b.pick(3)
			}
			if t.HasAmount {
				sv.HasAmount, sv.Amount = true, int64(50+b.pick(1500))*100
			}
			if t.CommentRequired {
				sv.Comment = "по просьбе клиента"
			}
			b.Services = append(b.Services, sv)
			b.event(&opora.ClientEvent{ClientID: c.ID, At: sv.CreatedAt, UserID: worker, Kind: opora.EventService,
				Entity: "service", EntityID: sv.ID, Summary: sv.Summary()})
			made++
		}
		// The next visit: spread the rest over the time left, with jitter.
		left := max(1, n-made)
		gap := max(1, (daysBack-day)/(left+1))
		day += 1 + b.pick(2*gap)
	}
}

// kase opens a support programme with a plan; older ones are mostly closed.
func (g *scale) kase(b *batchState, c *opora.Client, first time.Time) {
	opened := first.AddDate(0, 0, 7+b.pick(50))
	if !opened.Before(g.anchor) {
		return
	}
	ct := g.caseTypes[b.pick(len(g.caseTypes))]
	k := &opora.Case{ID: int64(len(b.Cases) + 1), SubjectType: opora.SubjectClient, SubjectID: c.ID, ClientID: c.ID,
		TypeID: ct.ID, TypeLabel: ct.Label, CuratorID: c.ResponsibleID, OpenedOn: opora.DateOf(opened), Status: opora.CaseOpen,
		CreatedBy: c.ResponsibleID, CreatedAt: opened.Add(11 * time.Hour)}
	k.UpdatedAt = k.CreatedAt
	if closed := opened.AddDate(0, 3+b.pick(16), 0); closed.Before(g.anchor) && b.pick(4) > 0 {
		k.Status, k.ClosedOn, k.Outcome = opora.CaseClosed, opora.DateOf(closed), opora.CaseOutcomes[b.pick(len(opora.CaseOutcomes))]
		k.UpdatedAt = closed.Add(16 * time.Hour)
	}
	b.Cases = append(b.Cases, k)
	b.event(&opora.ClientEvent{ClientID: c.ID, At: k.CreatedAt, UserID: k.CuratorID, Kind: opora.EventCase, Entity: "case",
		EntityID: k.ID, Summary: k.TypeLabel + " — " + k.OpenedOn.Format("02.01.2006")})
	end := g.anchor
	if k.Status == opora.CaseClosed {
		end = k.ClosedOn.Time()
		b.event(&opora.ClientEvent{ClientID: c.ID, At: k.UpdatedAt, UserID: k.CuratorID, Kind: opora.EventCase, Entity: "case",
			EntityID: k.ID, Summary: k.TypeLabel + " — closed " + k.ClosedOn.Format("02.01.2006") + " (" + string(k.Outcome) + ")"})
	}
	tasks := MeanTasks - 2 + b.pick(5)
	for j := 0; j < tasks; j++ {
		tt := g.taskTypes[b.pick(len(g.taskTypes))]
		t := &opora.Task{ID: int64(len(b.Tasks) + 1), CaseID: k.ID, ClientID: c.ID, TypeID: tt.ID, TypeLabel: tt.Label,
			ResponsibleID: c.ResponsibleID, StartOn: opora.DateOf(opened.AddDate(0, 0, 7*j)), Status: opora.TaskPlanned, Position: j + 1,
			CreatedAt: k.CreatedAt}
		t.DueOn = t.StartOn.AddDate(0, 1+b.pick(6), 0)
		t.UpdatedAt = t.CreatedAt
		span := int(end.Sub(t.StartOn.Time()).Hours()/24) - 1
		switch r := b.pick(20); {
		case span < 1:
		case k.Status == opora.CaseClosed && r < 3:
			t.Status = opora.TaskCancelled
		case k.Status == opora.CaseClosed && r < 5:
			t.Status, t.FailReason = opora.TaskFailed, "клиент перестал приходить"
		case k.Status == opora.CaseClosed || r < 12:
			t.Status, t.DoneOn = opora.TaskDone, t.StartOn.AddDate(0, 0, 1+b.pick(span))
		case r < 16:
			t.Status = opora.TaskInProgress
		}
		if !t.DoneOn.IsZero() {
			t.UpdatedAt = t.DoneOn.Time().Add(15 * time.Hour)
			b.event(&opora.ClientEvent{ClientID: c.ID, At: t.UpdatedAt, UserID: c.ResponsibleID, Kind: opora.EventTask,
				Entity: "task", EntityID: t.ID, Summary: t.Title() + ": planned → done"})
		}
		b.Tasks = append(b.Tasks, t)
	}
}

// visits makes the client a check-in regular with visits on distinct nights.
// Tick ids are made from the client's number in the run and the visit's
// number, so they stay unique whatever a batch skips.
func (g *scale) visits(b *batchState, c *opora.Client, index int, first time.Time, daysBack int) {
	p := &opora.CheckinPerson{ID: int64(len(b.Persons) + 1), BranchID: c.BranchID, Surname: c.Surname, FirstName: c.FirstName,
		BirthYear: c.BirthYear, Gender: c.Gender, ClientID: c.ID, CreatedBy: g.creator, CreatedAt: c.CreatedAt}
	if !c.BirthDate.IsZero() {
		p.BirthYear = c.BirthDate.Year()
	}
	b.Persons = append(b.Persons, p)
	pt := g.points[0]
	if b.pick(10) < 3 {
		pt = g.points[len(g.points)-1]
	}
	ids := g.shifts[pt.ID]
	total := len(ids)
	n := 2 + b.pick(17)
	seen := map[int]bool{}
	tick := 0
	for v := 0; v < n; v++ {
		d := total - 1 - b.pick(min(daysBack, total))
		if seen[d] || ids[d] == 0 {
			continue
		}
		seen[d] = true
		on := g.anchor.AddDate(0, 0, d-total)
		at := on.Add(21 * time.Hour)
		items := []int64{0}
		if len(pt.Items) > 0 && b.pick(3) > 0 {
			items = append(items, pt.Items[b.pick(len(pt.Items))].ID)
		}
		for _, item := range items {
			tick++
			vis := &store.BulkVisit{BranchID: pt.BranchID, CheckinVisit: opora.CheckinVisit{ID: int64(len(b.Visits) + 1),
				ShiftID: ids[d], PointID: pt.ID, PersonID: p.ID, ClientID: c.ID, ItemID: item, VisitedOn: opora.DateOf(on),
				TickID: fmt.Sprintf("00000000-%04x-4000-8000-%012x", tick, index), CreatedBy: g.creator,
				CreatedAt: at}}
			b.Visits = append(b.Visits, vis)
			itemName := ""
			for _, it := range pt.Items {
				if it.ID == item {
					itemName = it.Name
				}
			}
			summary := pt.Name
			if itemName != "" {
				summary += ": " + itemName
			}
			b.event(&opora.ClientEvent{ClientID: c.ID, At: at, UserID: g.creator, Kind: opora.EventVisit,
				Entity: "checkin_visit", EntityID: vis.ID, Summary: summary})
		}
	}
}

// questionnaire answers every field the form shows for the answers given,
// as a worker filling the whole questionnaire at the first meeting would.
func (g *scale) questionnaire(b *batchState, c *opora.Client) {
	// The client signs the consent to services and statistics for every
	// category at the first meeting: the basis of the sensitive answers.
	b.Consents = append(b.Consents, &opora.Consent{ID: int64(len(b.Consents) + 1), ClientID: c.ID,
		Subject: opora.SubjectSelf, Purposes: []opora.ConsentPurpose{opora.PurposeServices, opora.PurposeStatistics},
		Categories: slices.Clone(opora.DataCategories), From: opora.DateOf(c.CreatedAt), TakenBy: c.CreatedBy, CreatedAt: c.CreatedAt})
	answers := map[int64]*opora.Answer{}
	var ordinary []string
	sensitive := map[opora.Sensitivity][]string{}
	for _, x := range g.form.Fields() {
		if x.Disabled || x.Type == opora.FieldFile || !g.form.FieldShown(x, answers) {
			continue
		}
		ans := g.answer(b, c, x)
		if ans == nil {
			continue
		}
		answers[x.ID] = ans
		if x.Type.HasOptions() {
			for _, id := range ans.OptionIDs {
				b.Answers = append(b.Answers, &store.BulkAnswer{ClientID: c.ID, FieldID: x.ID, OptionID: id})
			}
		} else {
			b.Answers = append(b.Answers, &store.BulkAnswer{ClientID: c.ID, FieldID: x.ID, Text: ans.Text, Num: ans.Num,
				HasNum: ans.HasNum, Date: ans.Date})
		}
		if x.Sensitivity == opora.Ordinary {
			ordinary = append(ordinary, x.Label)
		} else {
			sensitive[x.Sensitivity] = append(sensitive[x.Sensitivity], x.Label)
		}
	}
	at := c.CreatedAt.Add(10 * time.Minute)
	if len(ordinary) > 0 {
		b.event(&opora.ClientEvent{ClientID: c.ID, At: at, UserID: c.CreatedBy, Kind: opora.EventQuestionnaire, Entity: "form",
			EntityID: g.form.ID, Summary: strings.Join(ordinary, ", ")})
	}
	for _, s := range opora.Sensitivities {
		if labels := sensitive[s]; len(labels) > 0 {
			b.event(&opora.ClientEvent{ClientID: c.ID, At: at, UserID: c.CreatedBy, Kind: opora.EventQuestionnaire,
				Entity: "form", EntityID: g.form.ID, Sensitivity: s, Summary: strings.Join(labels, ", ")})
		}
	}
}

var (
	professions = []string{"строитель", "водитель", "повар", "слесарь", "грузчик", "сварщик", "продавец", "охранник",
		"электрик", "маляр", "нет", "разнорабочий", "бухгалтер", "медсестра"}
	jobs = []string{"стройка в Купчино", "склад на Парнасе", "автосервис", "столовая при заводе", "рынок «Юнона»",
		"не работал", "частная охрана", "типография", "вахта на севере"}
	texts = []string{"нет", "не помнит", "уточнить", "со слов клиента", "см. заметки"}
)

// answer draws a plausible answer for one field; nil leaves it empty.
func (g *scale) answer(b *batchState, c *opora.Client, x *opora.FormField) *opora.Answer {
	a := &opora.Answer{FieldID: x.ID}
	switch x.Type {
	case opora.FieldChoice, opora.FieldMultiChoice:
		var live []*opora.FieldOption
		for _, o := range x.Options {
			if !o.Disabled {
				live = append(live, o)
			}
		}
		if len(live) == 0 {
			return nil
		}
		// Earlier options are the more common answers.
		o := live[min(b.pick(len(live)), b.pick(len(live)))]
		a.OptionIDs = []int64{o.ID}
		if x.Type == opora.FieldMultiChoice {
			if o2 := live[b.pick(len(live))]; o2.ID != o.ID && (b.pick(3) == 0 || o.NotAlone) {
				a.OptionIDs = append(a.OptionIDs, o2.ID)
			}
			if len(a.OptionIDs) == 1 && o.NotAlone {
				return nil
			}
		}
	case opora.FieldYesNo:
		a.Text = opora.YesNoValues[min(b.pick(3), b.pick(3))]
	case opora.FieldNumber:
		a.Num, a.HasNum = float64(b.pick(20)), true
	case opora.FieldDate:
		a.Date = opora.DateOf(c.CreatedAt.AddDate(0, 0, -b.pick(3000)))
	case opora.FieldMonth:
		d := c.CreatedAt.AddDate(0, -b.pick(120), 0)
		a.Date = opora.NewDate(d.Year(), d.Month(), 1)
	case opora.FieldText, opora.FieldLongText:
		switch x.Key {
		case "registration_place", "last_registration_place":
			a.Text = places[b.pick(len(places))]
		case "profession":
			a.Text = professions[b.pick(len(professions))]
		case "last_job":
			a.Text = jobs[b.pick(len(jobs))]
		case "contacts", "relatives_contacts":
			a.Text = fmt.Sprintf("+7 9%02d %03d-%02d-%02d", b.pick(100), b.pick(1000), b.pick(100), b.pick(100))
		default:
			a.Text = texts[b.pick(len(texts))]
		}
	default:
		return nil
	}
	return a
}

// Surnames beyond the common ones, so that a region's million people do
// not share a few dozen names: roots, optional middles and endings.
var (
	surnameRoots = []string{"Бел", "Сер", "Крас", "Чер", "Бог", "Вол", "Мед", "Гор", "Лес", "Пол", "Руд", "Сад", "Тих",
		"Мал", "Вел", "Доб", "Ром", "Жук", "Кол", "Гал", "Мир", "Слав", "Свет", "Ястреб", "Сок", "Ворон", "Щеглов",
		"Ключ", "Камен", "Берез", "Лип", "Дуб", "Остр", "Бор", "Глад", "Мох", "Рыб", "Жар", "Тур", "Марк", "Луг",
		"Зим", "Лет", "Ось", "Нов", "Стар", "Кудр", "Рус", "Чиж", "Гуз"}
	surnameMiddles = []string{"", "", "ан", "ен", "ор", "ил", "уш", "ик", "ач", "ол", "ар", "ец", "от", "ын"}
	surnameEndings = []struct{ male, female string }{{"ов", "ова"}, {"ев", "ева"}, {"ин", "ина"}, {"ский", "ская"},
		{"енко", "енко"}, {"ук", "ук"}, {"ых", "ых"}, {"цев", "цева"}}
)

// regionalName returns a name with a realistic spread of surnames: a third
// are the most common ones, the rest thousands of rarer ones.
func regionalName(r *rand.Rand, male bool) (string, string, string) {
	sur, first, patr := name(r, male)
	if r.IntN(3) == 0 {
		return sur, first, patr
	}
	e := surnameEndings[r.IntN(len(surnameEndings))]
	end := e.female
	if male {
		end = e.male
	}
	return surnameRoots[r.IntN(len(surnameRoots))] + surnameMiddles[r.IntN(len(surnameMiddles))] + end, first, patr
}
