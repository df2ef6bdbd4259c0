// Package demo fills an empty database with a small, realistic organisation
// so a newcomer sees a living system at once. It goes through the store's
// public methods, so every record carries its audit rows and timeline.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Options size the demo.
type Options struct {
	Clients int    // default 500
	Seed    uint64 // the same seed gives the same people
	Now     time.Time
	// Step, when not nil, hears each step the scale generator takes after
	// its last batch (store.BulkStep…) as it starts.
	Step func(name string)
}

// Login is a demo account to print.
type Login struct {
	Login, Password, Role, Name string
}

// ErrNotEmpty is returned when the database already holds an organisation.
var ErrNotEmpty = errors.New("demo: the database already has an organisation; demo data goes only into an empty one")

// Password is shared by all demo accounts; the demo is for trying, not for real data.
const Password = "demo-password-2026"

// Run creates the demo organisation and returns its logins.
func Run(ctx context.Context, st *store.Store, o Options) ([]Login, error) {
	if need, err := st.NeedsSetup(ctx); err != nil {
		return nil, err
	} else if !need {
		return nil, ErrNotEmpty
	}
	if o.Clients <= 0 {
		o.Clients = 500
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	rnd := rand.New(rand.NewPCG(o.Seed, 2026))
	realNow := st.Now
	defer func() { st.Now = realNow }()
	at := func(t time.Time) { st.Now = func() time.Time { return t } }
	at(o.Now.AddDate(-2, 0, -1))

	hash, err := auth.Hash(Password)
	if err != nil {
		return nil, err
	}
	orgID, err := createOrganisation(ctx, st, hash)
	if err != nil {
		return nil, err
	}
	actx, branches, workers, logins, err := ensureStaff(ctx, st, orgID, hash)
	if err != nil {
		return nil, err
	}
	admin := opora.ActorFrom(actx)
	g := &gen{st: st, ctx: actx, rnd: rnd, now: o.Now, at: at, branches: branches, workers: workers, admin: admin}
	if err := g.prepare(); err != nil {
		return nil, err
	}
	for i := 0; i < o.Clients; i++ {
		if err := g.client(i); err != nil {
			return nil, fmt.Errorf("demo: client %d: %w", i, err)
		}
	}
	if err := g.shelter(); err != nil {
		return nil, fmt.Errorf("demo: shelter: %w", err)
	}
	if err := g.checkin(); err != nil {
		return nil, fmt.Errorf("demo: check-in: %w", err)
	}
	return logins, nil
}

// staff are the demo accounts besides the administrator.
var staff = []struct{ login, name, position, role string }{
	{"ivanova", "Иванова Мария Петровна", "Социальный работник", "specialist"},
	{"smirnov", "Смирнов Олег Викторович", "Социальный работник", "specialist"},
	{"kuznetsova", "Кузнецова Елена Андреевна", "Психолог", "specialist"},
	{"popov", "Попов Дмитрий Игоревич", "Юрист", "specialist"},
	{"sokolova", "Соколова Ирина Николаевна", "Руководитель отдела", "supervisor"},
	{"lebedev", "Лебедев Артём Сергеевич", "Социальный работник", "specialist"},
	{"kozlova", "Козлова Ольга Владимировна", "Социальный работник", "specialist"},
	{"novikov", "Новиков Павел Алексеевич", "Волонтёр ночного автобуса", "duty"},
	{"morozova", "Морозова Татьяна Юрьевна", "Дежурная пункта обогрева", "duty"},
	{"volkov", "Волков Игорь Дмитриевич", "Аналитик", "analyst"},
	{"fedorova", "Фёдорова Наталья Олеговна", "Аудитор", "auditor"},
}

const adminName = "Петрова Анна Сергеевна"

// createOrganisation sets up the empty database with the demo organisation
// and its administrator "admin", and returns the organisation's id.
func createOrganisation(ctx context.Context, st *store.Store, hash string) (int64, error) {
	token := auth.NewToken()
	if err := st.SetSetupToken(ctx, auth.HashToken(token)); err != nil {
		return 0, err
	}
	n := &store.NewOrganisation{
		Organisation: &opora.Organisation{Name: "Благотворительная организация «Опора-демо»", ShortName: "Опора-демо",
			Type: opora.OrgNGO, Address: "Санкт-Петербург, ул. Боровая, 112Б", Phone: "+7 812 000-00-00", Head: adminName},
		BranchName:   "Санкт-Петербург",
		Admin:        &opora.User{Login: "admin", FullName: adminName, Position: "Директор", Locale: "ru"},
		PasswordHash: hash,
	}
	if err := st.CompleteSetup(ctx, auth.HashToken(token), n); err != nil {
		return 0, fmt.Errorf("demo: organisation: %w", err)
	}
	return n.Organisation.ID, nil
}

// ensureStaff makes the second branch and the demo accounts that do not
// exist yet (so an interrupted generator run can go on), and returns the
// administrator's context, the branches, the workers who serve clients and
// the logins to print.
func ensureStaff(ctx context.Context, st *store.Store, orgID int64, hash string) (context.Context, []*opora.Branch,
	[]*opora.User, []Login, error) {
	adm, err := st.UserForLogin(ctx, "admin")
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("demo: administrator: %w", err)
	}
	admin, err := st.Actor(ctx, adm.User.ID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if admin.OrganisationID != orgID {
		return nil, nil, nil, nil, ErrNotEmpty
	}
	actx := opora.WithActor(ctx, admin)
	branches, err := st.Branches(actx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if len(branches) < 2 {
		if err := st.SaveBranch(actx, &opora.Branch{OrganisationID: orgID, Name: "Москва"}); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("demo: branch: %w", err)
		}
		if branches, err = st.Branches(actx); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	allRoles, err := st.Roles(actx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	roleID := map[string]int64{}
	for _, r := range allRoles {
		roleID[r.Key] = r.ID
	}
	logins := []Login{{"admin", Password, "administrator", adminName}}
	var workers []*opora.User
	for i, s := range staff {
		var u *opora.User
		if have, err := st.UserForLogin(ctx, s.login); err == nil {
			u = have.User
		} else if errors.Is(err, opora.ErrNotFound) {
			u = &opora.User{Login: s.login, FullName: s.name, Position: s.position, Locale: "ru",
				BranchIDs: []int64{branches[i%len(branches)].ID}, RoleIDs: []int64{roleID[s.role]}}
			if err := st.CreateUser(actx, u, hash); err != nil {
				return nil, nil, nil, nil, fmt.Errorf("demo: user %s: %w", s.login, err)
			}
		} else {
			return nil, nil, nil, nil, err
		}
		logins = append(logins, Login{s.login, Password, s.role, s.name})
		if s.role == "specialist" || s.role == "supervisor" {
			workers = append(workers, u)
		}
	}
	return actx, branches, workers, logins, nil
}

// shelter makes three rooms and stays: most past ones ended, a few people live there now.
func (g *gen) shelter() error {
	g.at(g.now.AddDate(-2, 0, 0))
	var rooms []*opora.Room
	for i, capacity := range []int{4, 6, 8} {
		r := &opora.Room{BranchID: g.branches[0].ID, Name: fmt.Sprintf("Комната %d", i+1), Capacity: capacity}
		if err := g.st.SaveRoom(g.ctx, r); err != nil {
			return err
		}
		rooms = append(rooms, r)
	}
	living := map[int64]int{}
	for i, c := range g.made {
		if i%10 != 3 || c.BranchID != g.branches[0].ID {
			continue
		}
		in := g.day(c.CreatedAt.AddDate(0, 0, 3))
		out := in.AddDate(0, 0, 30+g.pick(150))
		room := rooms[g.pick(len(rooms))]
		if !out.Before(g.day(g.now)) && living[room.ID] >= room.Capacity {
			continue
		}
		g.at(in.Add(14 * time.Hour))
		st := &opora.Stay{ClientID: c.ID, RoomID: room.ID, CheckIn: opora.DateOf(in)}
		if err := g.st.CheckIn(g.ctx, st); err != nil {
			continue // the room is full on that day: the person stayed elsewhere
		}
		if !out.Before(g.day(g.now)) {
			living[room.ID]++
			continue
		}
		g.at(out.Add(11 * time.Hour))
		end := &opora.Stay{ID: st.ID, ClientID: c.ID, RoomID: room.ID, CheckOut: opora.DateOf(out), Status: opora.StayLeft}
		if g.pick(8) == 0 {
			end.Status, end.Reason = opora.StayEvicted, "нарушение правил проживания"
		}
		if err := g.st.CheckOut(g.ctx, end); err != nil {
			return err
		}
	}
	return nil
}

// checkin makes a night-bus point with two weeks of shifts and ticks.
func (g *gen) checkin() error {
	g.at(g.now.AddDate(0, 0, -15))
	p := &opora.CheckinPoint{BranchID: g.branches[0].ID, Kind: opora.PointNightBus, Name: "Ночной автобус: Московский вокзал"}
	if err := g.st.SaveCheckinPoint(g.ctx, p, []string{"Горячая еда", "Чай", "Одежда"}); err != nil {
		return err
	}
	pt, err := g.st.CheckinPoint(g.ctx, p.ID)
	if err != nil {
		return err
	}
	tick := 0
	for d := 14; d >= 1; d-- {
		day := g.day(g.now.AddDate(0, 0, -d))
		g.at(day.Add(19 * time.Hour))
		sh := &opora.CheckinShift{PointID: p.ID, Date: opora.DateOf(day), Starts: "20:00", Ends: "02:00"}
		if err := g.st.OpenCheckinShift(g.ctx, sh); err != nil {
			return err
		}
		var ticks []opora.Tick
		for k := 0; k < 15+g.pick(25); k++ {
			c := g.made[g.pick(len(g.made))]
			person := "c" + strconv.FormatInt(c.ID, 10)
			tick++
			ticks = append(ticks, opora.Tick{ID: uuid(tick, 0), Person: person})
			if g.pick(3) > 0 {
				ticks = append(ticks, opora.Tick{ID: uuid(tick, 1), Person: person, Item: pt.Items[g.pick(len(pt.Items))].ID})
			}
		}
		if g.pick(2) == 0 {
			tick++
			sur, first, _ := name(g.rnd, true)
			ticks = append(ticks, opora.Tick{ID: uuid(tick, 2), Person: "u" + uuid(tick, 3),
				New: &opora.CheckinPerson{Surname: sur, FirstName: first, Gender: opora.GenderMale, BirthYear: 1960 + g.pick(40)}})
		}
		if _, _, err := g.st.RecordTicks(g.ctx, sh.ID, ticks); err != nil {
			return err
		}
		g.at(day.Add(26 * time.Hour))
		if err := g.st.SetCheckinShiftStatus(g.ctx, sh.ID, opora.ShiftClosed); err != nil {
			return err
		}
	}
	return nil
}

// uuid makes a well-formed, deterministic tick id.
func uuid(n, k int) string {
	return fmt.Sprintf("00000000-0000-4000-8%03d-%012d", k, n)
}

// gen makes people and their histories.
type gen struct {
	st       *store.Store
	ctx      context.Context
	rnd      *rand.Rand
	now      time.Time
	at       func(time.Time)
	branches []*opora.Branch
	workers  []*opora.User
	admin    *opora.Actor
	types    []*opora.ServiceType
	caseType int64
	taskType []int64
	made     []*opora.Client
}

func (g *gen) prepare() error {
	var err error
	if g.types, err = g.st.ServiceTypes(g.ctx, true); err != nil {
		return err
	}
	ct, err := g.st.CaseDictionary(g.ctx, "case_type", false)
	if err != nil || len(ct) == 0 {
		return fmt.Errorf("demo: case types: %v", err)
	}
	g.caseType = ct[0].ID
	tt, err := g.st.CaseDictionary(g.ctx, "task_type", false)
	if err != nil {
		return err
	}
	for _, t := range tt {
		g.taskType = append(g.taskType, t.ID)
	}
	return nil
}

func (g *gen) pick(n int) int { return g.rnd.IntN(n) }

func (g *gen) day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// client makes one person with a history spread over the last two years.
func (g *gen) client(i int) error {
	ctx := g.ctx
	first := g.now.AddDate(0, 0, -730+g.pick(700))
	g.at(first.Add(time.Duration(9+g.pick(9)) * time.Hour))
	male := g.pick(100) < 78 // most clients of homeless services are men
	c := &opora.Client{BranchID: g.branches[g.pick(len(g.branches))].ID, Gender: opora.GenderFemale,
		HomelessStatus: opora.Homeless}
	if male {
		c.Gender = opora.GenderMale
	}
	c.Surname, c.FirstName, c.Patronymic = name(g.rnd, male)
	// Some near-duplicates and typos, as happen at a busy desk.
	if len(g.made) > 10 && g.pick(50) == 0 {
		twinOf(g.rnd, c, g.made[g.pick(len(g.made))])
	} else {
		birth(g.rnd, c, first, 1950, 55)
	}
	if g.pick(5) == 0 {
		c.HomelessStatus = opora.AtRiskOfLoss
	}
	c.ResponsibleID = g.workers[g.pick(len(g.workers))].ID
	if err := g.st.CreateClient(ctx, c); err != nil {
		return err
	}
	g.made = append(g.made, c)
	if err := g.questionnaire(c); err != nil {
		return err
	}
	if g.pick(6) == 0 {
		g.at(first.Add(time.Hour * 11))
		if err := g.st.CreateNote(ctx, &opora.Note{ClientID: c.ID, Body: notes[g.pick(len(notes))], Important: g.pick(3) == 0}); err != nil {
			return err
		}
	}
	// Visits with services: a few to many, over the months after the first.
	visits := 1 + g.pick(8)
	if g.pick(5) == 0 {
		visits += 10 + g.pick(20)
	}
	for v := 0; v < visits; v++ {
		d := first.AddDate(0, 0, v*(3+g.pick(20)))
		if d.After(g.now) {
			break
		}
		g.at(d.Add(12 * time.Hour))
		var items []*opora.Service
		for k := 0; k < 1+g.pick(3); k++ {
			t := g.types[g.pick(len(g.types))]
			sv := &opora.Service{TypeID: t.ID, Quantity: 1}
			if t.HasAmount {
				sv.HasAmount, sv.Amount = true, int64(50+g.pick(400))*100
			}
			if t.CommentRequired {
				sv.Comment = "по просьбе клиента"
			}
			dup := false
			for _, it := range items {
				dup = dup || it.TypeID == t.ID
			}
			if !dup {
				items = append(items, sv)
			}
		}
		if err := g.st.RecordServices(ctx, c.ID, opora.DateOf(g.day(d)), items); err != nil {
			return err
		}
	}
	// One client in five gets a support programme with a plan.
	if g.pick(5) == 0 && len(g.taskType) > 0 {
		opened := first.AddDate(0, 0, 7)
		if opened.After(g.now) {
			return nil
		}
		g.at(opened.Add(10 * time.Hour))
		k := &opora.Case{SubjectType: opora.SubjectClient, SubjectID: c.ID, ClientID: c.ID, TypeID: g.caseType,
			CuratorID: c.ResponsibleID, OpenedOn: opora.DateOf(g.day(opened))}
		if err := g.st.CreateCase(ctx, k, 0); err != nil {
			return err
		}
		for j := 0; j < 3+g.pick(4); j++ {
			t := &opora.Task{CaseID: k.ID, TypeID: g.taskType[g.pick(len(g.taskType))], ResponsibleID: c.ResponsibleID,
				StartOn: opora.DateOf(g.day(opened)), DueOn: opora.DateOf(g.day(opened.AddDate(0, 1+g.pick(6), 0)))}
			if err := g.st.AddTask(ctx, t); err != nil {
				return err
			}
			if done := opened.AddDate(0, 0, 10+g.pick(120)); done.Before(g.now) && g.pick(3) > 0 {
				g.at(done.Add(15 * time.Hour))
				if err := g.st.SetTaskStatus(ctx, t.ID, opora.TaskDone, ""); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// questionnaire answers a few choice fields of the main questionnaire.
func (g *gen) questionnaire(c *opora.Client) error {
	qa, err := g.st.Questionnaire(g.ctx, c.ID)
	if err != nil {
		return err
	}
	raw := map[int64][]string{}
	for _, sec := range qa.Form.Sections {
		for _, f := range sec.Fields {
			if f.Disabled || f.ShowIfFieldID != 0 || len(f.Options) == 0 || g.pick(4) == 0 {
				continue
			}
			if f.Type == opora.FieldChoice {
				raw[f.ID] = []string{strconv.FormatInt(f.Options[g.pick(len(f.Options))].ID, 10)}
			}
		}
	}
	return g.st.SaveQuestionnaire(g.ctx, c.ID, raw)
}
