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

// This file is the families' scale generator (opora demo --families N): a
// generated region of the network (Flow B) on an empty database. The
// region's municipalities each get their agencies, made by the store's own
// organisation path (roles and every seeder), their staff, and then, one
// bulk transaction per municipality, its families with their members,
// curators, grants and cases, three years of signals, assessments scored by
// the domain's own AssessmentDef.Score, and draft plan tasks.

// Proportions of the families' region (checked by its tests).
const (
	FamiliesPerMunicipality = 833  // 50,000 families: 60 municipalities
	OrgsPerMunicipality     = 25   // КДН, КЦСОН, 5 agencies, 10 schools, 8 kindergartens
	StaffPerMunicipality    = 360  // besides each organisation's administrator
	CuratorShare            = 0.85 // families with a curator (and a case, a grant to the КЦСОН)
	AssessedShare           = 0.70 // of families with a curator: completed assessments
	RepeatShare             = 0.30 // of assessed families: a second, later assessment
	DraftShare              = 0.10 // of families with a curator: an assessment left as a draft
	PlanShare               = 0.60 // of assessed families: a plan (draft tasks, or approved ones)
	ApprovedShare           = 0.50 // of plans: approved by the council, tasks in agencies' queues
	ClosedSignalShare       = 0.30 // closed signals per family
	NewSignalShare          = 0.05 // untriaged signals per family
	signalYears             = 3
)

// agencyKinds are a municipality's organisations besides КДН and КЦСОН,
// with their staff (the first an agency head, the rest specialists).
var agencyKinds = []struct {
	typ         opora.OrgType
	name, short string
	count       int
	staff       int
}{
	{opora.OrgPolice, "Отдел МВД", "ОМВД", 1, 20},
	{opora.OrgHealth, "Центральная районная больница", "ЦРБ", 1, 25},
	{opora.OrgGuardianship, "Отдел опеки и попечительства", "Опека", 1, 10},
	{opora.OrgEmployment, "Центр занятости населения", "ЦЗН", 1, 10},
	{opora.OrgSocialProtection, "Управление социальной защиты населения", "УСЗН", 1, 15},
	{opora.OrgSchool, "Средняя общеобразовательная школа", "СОШ", 10, 14},
	{opora.OrgKindergarten, "Детский сад", "Д/с", 8, 9},
}

const (
	kdnStaff      = 8  // secretaries
	centreHeads   = 5  // КЦСОН: heads (who assign curators)
	centreCurator = 50 // КЦСОН: curators
	centreOthers  = 5  // КЦСОН: specialists
)

var townNames = []string{"Лужский", "Гатчинский", "Кировский", "Тихвинский", "Выборгский", "Всеволожский", "Кингисеппский",
	"Волховский", "Приозерский", "Сланцевский", "Бокситогорский", "Подпорожский", "Лодейнопольский", "Тосненский",
	"Ломоносовский", "Волосовский", "Киришский"}

var streets = []string{"Ленина", "Советская", "Школьная", "Садовая", "Лесная", "Молодёжная", "Новая", "Заводская",
	"Мира", "Октябрьская", "Набережная", "Полевая", "Центральная", "Строителей", "Гагарина"}

// FamilyOptions size the families' region.
type FamilyOptions struct {
	Families int
	// Municipalities, when set, is how many municipalities share the
	// families (default: one per FamiliesPerMunicipality).
	Municipalities int
	Seed           uint64
	// Step, when not nil, hears each finishing step (store.BulkStep…).
	Step func(name string)
}

// municipality is one generated municipality and its agencies.
type municipality struct {
	index       int
	territory   *opora.Territory
	kdn, centre *regionOrg
	agencies    []*regionOrg // police … kindergartens
	schools     []*regionOrg
	gardens     []*regionOrg
	families    int
	orgTypes    map[int64]opora.OrgType // by organisation ID
}

// regionOrg is a generated organisation with its defaults and staff.
type regionOrg struct {
	org   *opora.Organisation
	slug  string
	def   *store.OrgDefaults
	staff []*opora.User // heads first
	heads int
}

func (o *regionOrg) name() string {
	if o.org.ShortName != "" {
		return o.org.ShortName
	}
	return o.org.Name
}

// GenerateFamilies fills an empty database with a generated region of
// o.Families families. Progress, when set, hears after every municipality.
func GenerateFamilies(ctx context.Context, st *store.Store, o FamilyOptions, progress func(done, target int)) ([]Login, error) {
	r, err := generateRegion(ctx, st, o, progress)
	if err != nil {
		return nil, err
	}
	m := r.ms[0]
	return []Login{{"admin", Password, "network_admin", adminName},
		{m.kdn.staff[0].Login, Password, "kdn_secretary", m.kdn.staff[0].FullName},
		{m.centre.staff[0].Login, Password, "agency_head", m.centre.staff[0].FullName},
		{m.centre.staff[centreHeads].Login, Password, "curator", m.centre.staff[centreHeads].FullName},
		{m.schools[0].staff[1].Login, Password, "agency_specialist", m.schools[0].staff[1].FullName}}, nil
}

// generatedRegion is what generateRegion made: the network administrator's
// context, the committee's organisation and the municipalities.
type generatedRegion struct {
	admin     context.Context
	committee int64
	ms        []*municipality
	anchor    time.Time
	hash      string // the demo password's hash
}

func generateRegion(ctx context.Context, st *store.Store, o FamilyOptions, progress func(done, target int)) (*generatedRegion, error) {
	if o.Families <= 0 {
		return nil, errors.New("demo: say how many families to generate")
	}
	if run, err := st.GeneratorRun(ctx); err != nil {
		return nil, err
	} else if run != nil {
		return nil, ErrNotEmpty
	}
	if need, err := st.NeedsSetup(ctx); err != nil {
		return nil, err
	} else if !need {
		return nil, ErrNotEmpty
	}
	hash, err := auth.Hash(Password)
	if err != nil {
		return nil, err
	}
	token := auth.NewToken()
	if err := st.SetSetupToken(ctx, auth.HashToken(token)); err != nil {
		return nil, err
	}
	ministry := &store.NewOrganisation{
		Organisation: &opora.Organisation{Name: "Комитет по социальной политике демо-области", ShortName: "Комитет",
			Type: opora.OrgSocialProtection, Head: adminName},
		BranchName:   "Комитет",
		Admin:        &opora.User{Login: "admin", FullName: adminName, Position: "Администратор сети", Locale: "ru"},
		PasswordHash: hash,
	}
	if err := st.CompleteSetup(ctx, auth.HashToken(token), ministry); err != nil {
		return nil, fmt.Errorf("demo: region: %w", err)
	}
	admin, err := st.Actor(ctx, ministry.Admin.ID)
	if err != nil {
		return nil, err
	}
	actx := opora.WithActor(ctx, admin)
	anchor := time.Now().UTC().Truncate(24 * time.Hour)
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Демо-область"}
	if err := st.SaveTerritory(actx, region); err != nil {
		return nil, fmt.Errorf("demo: region: %w", err)
	}
	count := (o.Families + FamiliesPerMunicipality - 1) / FamiliesPerMunicipality
	if o.Municipalities > 0 {
		count = o.Municipalities
	}
	ms := make([]*municipality, count)
	// The organisations go through the store's own path (roles, every
	// seeder), one transaction per municipality, one after another: the
	// version rows their triggers move would make parallel ones wait.
	for i := range count {
		m, err := makeMunicipality(actx, st, region, i, hash)
		if err != nil {
			return nil, err
		}
		m.families = o.Families / count
		if i < o.Families%count {
			m.families++
		}
		ms[i] = m
	}
	// The resource map: a few providers per municipality (resources.go).
	if err := addResources(actx, st, ms, o.Seed); err != nil {
		return nil, err
	}
	// The staff, in one bulk transaction; their IDs are real after it.
	staff := &store.BulkBatch{OrganisationID: admin.OrganisationID, PasswordHash: hash}
	for _, m := range ms {
		rnd := rand.New(rand.NewPCG(o.Seed, uint64(1_000_000+m.index)))
		for _, org := range m.all() {
			staff.Users = append(staff.Users, org.makeStaff(rnd, anchor, len(staff.Users))...)
		}
	}
	if err := st.BulkLoad(actx, staff); err != nil {
		return nil, fmt.Errorf("demo: staff: %w", err)
	}
	if err := st.StartGeneratorRun(actx, &store.GeneratorRun{OrganisationID: admin.OrganisationID, Seed: o.Seed,
		Target: o.Families}); err != nil {
		return nil, err
	}
	counts, err := st.BulkCounts(actx)
	if err != nil {
		return nil, err
	}
	if err := st.DeferIndexes(actx); err != nil {
		return nil, err
	}
	// The next municipality is made while the database writes the current one.
	type made struct {
		b    *store.BulkBatch
		done int
	}
	next := make(chan made, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(next)
		done := 0
		for _, m := range ms {
			b := m.batch(o.Seed, anchor)
			done += m.families
			b.ClientsDone, b.Finished, b.Counts = done, done == o.Families, counts
			select {
			case next <- made{b, done}:
			case <-stop:
				return
			}
		}
	}()
	for x := range next {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := st.BulkLoad(actx, x.b); err != nil {
			return nil, fmt.Errorf("demo: families: %w", err)
		}
		if progress != nil {
			progress(x.done, o.Families)
		}
	}
	if err := st.FinishBulk(actx, counts, o.Step); err != nil {
		return nil, err
	}
	if err := st.LogAudit(actx, &opora.AuditEntry{Action: opora.ActionCreate, Entity: "generator_run", EntityID: 1,
		Changes: []opora.Change{{Field: "families", New: strconv.Itoa(o.Families)}}}); err != nil {
		return nil, err
	}
	return &generatedRegion{admin: actx, committee: admin.OrganisationID, ms: ms, anchor: anchor, hash: hash}, nil
}

func (m *municipality) all() []*regionOrg {
	return append([]*regionOrg{m.kdn, m.centre}, m.agencies...)
}

// makeMunicipality makes a municipality's territory and organisations,
// through the store's own path, in one transaction.
func makeMunicipality(ctx context.Context, st *store.Store, region *opora.Territory, i int, hash string) (*municipality, error) {
	name := townNames[i%len(townNames)] + " район"
	if i >= len(townNames) {
		name = fmt.Sprintf("%s район № %d", townNames[i%len(townNames)], i/len(townNames)+1)
	}
	t := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: name}
	if err := st.SaveTerritory(ctx, t); err != nil {
		return nil, fmt.Errorf("demo: municipality: %w", err)
	}
	m := &municipality{index: i, territory: t}
	var news []*store.NewOrganisation
	add := func(typ opora.OrgType, full, short, slug string) *regionOrg {
		o := &regionOrg{slug: fmt.Sprintf("m%02d-%s", i+1, slug), org: &opora.Organisation{Name: full + " (" + name + ")",
			ShortName: short, Type: typ, TerritoryID: t.ID}}
		news = append(news, &store.NewOrganisation{Organisation: o.org, BranchName: name,
			Admin: &opora.User{Login: o.slug + "-admin", FullName: "Администратор " + short, Locale: "ru"}, PasswordHash: hash})
		return o
	}
	m.kdn = add(opora.OrgKDN, "Комиссия по делам несовершеннолетних и защите их прав", "КДН "+name, "kdn")
	m.centre = add(opora.OrgSocialService, "Комплексный центр социального обслуживания населения", "КЦСОН "+name, "kcson")
	for _, k := range agencyKinds {
		for j := range k.count {
			short, slug := k.short+" "+name, string(k.typ)
			if k.count > 1 {
				short, slug = fmt.Sprintf("%s № %d (%s)", k.short, j+1, name), fmt.Sprintf("%s%02d", k.typ, j+1)
			}
			o := add(k.typ, k.name, short, slug)
			m.agencies = append(m.agencies, o)
			switch k.typ {
			case opora.OrgSchool:
				m.schools = append(m.schools, o)
			case opora.OrgKindergarten:
				m.gardens = append(m.gardens, o)
			}
		}
	}
	if err := st.CreateOrganisations(ctx, news); err != nil {
		return nil, fmt.Errorf("demo: organisations: %w", err)
	}
	m.orgTypes = map[int64]opora.OrgType{}
	for _, o := range m.all() {
		m.orgTypes[o.org.ID] = o.org.Type
		d, err := st.OrganisationDefaults(ctx, o.org.ID)
		if err != nil {
			return nil, err
		}
		o.def = d
	}
	return m, nil
}

// makeStaff makes an organisation's staff users (local IDs from base+1).
func (o *regionOrg) makeStaff(rnd *rand.Rand, anchor time.Time, base int) []*opora.User {
	type group struct {
		role, position string
		n              int
	}
	var groups []group
	switch o.org.Type {
	case opora.OrgKDN:
		groups = []group{{"kdn_secretary", "Ответственный секретарь", kdnStaff}}
	case opora.OrgSocialService:
		groups = []group{{"agency_head", "Заведующий отделением", centreHeads}, {"curator", "Специалист по социальной работе",
			centreCurator}, {"agency_specialist", "Психолог", centreOthers}}
	default:
		n := 0
		for _, k := range agencyKinds {
			if k.typ == o.org.Type {
				n = k.staff
			}
		}
		groups = []group{{"agency_head", "Руководитель", 1}, {"agency_specialist", "Специалист", n - 1}}
	}
	var out []*opora.User
	for _, g := range groups {
		for range g.n {
			male := rnd.IntN(4) == 0
			sur, first, patr := regionalName(rnd, male)
			u := &opora.User{ID: int64(base + len(out) + 1), OrganisationID: o.org.ID,
				Login:    fmt.Sprintf("%s-%d", o.slug, len(o.staff)+len(out)+1),
				FullName: sur + " " + first + " " + patr, Position: g.position, Locale: "ru",
				BranchIDs: []int64{o.def.BranchID}, RoleIDs: []int64{o.def.Roles[g.role]},
				CreatedAt: anchor.AddDate(-signalYears, 0, -30)}
			out = append(out, u)
			if g.role == "agency_head" {
				o.heads++
			}
		}
	}
	o.staff = append(o.staff, out...)
	return out
}

// pick returns a random element.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// familySurname draws a family's surname in both forms.
func familySurname(r *rand.Rand) (male, female string) {
	if r.IntN(3) == 0 {
		s := pick(r, maleSurnames)
		return s, s + "а"
	}
	root := pick(r, surnameRoots) + pick(r, surnameMiddles)
	e := pick(r, surnameEndings)
	return root + e.male, root + e.female
}

// famBatch is one municipality's rows being made.
type famBatch struct {
	*store.BulkBatch
	m      *municipality
	rnd    *rand.Rand
	prnd   *rand.Rand // the planted draws (planted.go)
	anchor time.Time
}

func (b *famBatch) between(from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(b.rnd.Int64N(int64(span))))
}

// batch makes a municipality's families, signals, assessments and plans.
func (m *municipality) batch(seed uint64, anchor time.Time) *store.BulkBatch {
	b := &famBatch{BulkBatch: &store.BulkBatch{OrganisationID: m.kdn.org.ID}, m: m,
		rnd: rand.New(rand.NewPCG(seed, uint64(m.index)+1)), prnd: plantedRand(seed, m), anchor: anchor}
	start := anchor.AddDate(-signalYears, 0, 0)
	var familySignals []*opora.Signal // an accepted signal of each family, for duplicates
	for range m.families {
		familySignals = append(familySignals, b.family(start))
	}
	// Signals closed at triage: not confirmed, duplicates of a family's
	// signal, or not this commission's (forwarded).
	for range int(float64(m.families)*ClosedSignalShare + 0.5) {
		received := b.between(start, anchor.Add(-48*time.Hour))
		sg := b.signal(received, "", "", nil)
		switch r := b.rnd.IntN(20); {
		case r < 12:
			sur, _ := familySurname(b.rnd)
			sg.Surname, sg.Address, sg.CloseReason = sur, b.address(), opora.CloseNotConfirmed
		case r < 17 && len(familySignals) > 0:
			of := pick(b.rnd, familySignals)
			sg.Surname, sg.Address, sg.CloseReason, sg.DuplicateOf = of.Surname, of.Address, opora.CloseDuplicate, of.ID
			sg.Children = cloneChildren(of.Children)
			if of.ReceivedAt.After(received) {
				sg.ReceivedAt = of.ReceivedAt.Add(time.Duration(1+b.rnd.IntN(72)) * time.Hour)
				sg.DueAt = sg.ReceivedAt.Add(sg.DueAt.Sub(received))
			}
		default:
			sur, _ := familySurname(b.rnd)
			sg.Surname, sg.Address, sg.CloseReason = sur, "Санкт-Петербург, ул. "+pick(b.rnd, streets)+", д. "+
				strconv.Itoa(1+b.rnd.IntN(90)), opora.CloseNotCompetent
			sg.ForwardedTo = "КДН Санкт-Петербурга"
		}
		sg.Status = opora.SignalClosed
		b.triage(sg)
	}
	// Signals not triaged yet: the last two days, a few overdue.
	for range int(float64(m.families)*NewSignalShare + 0.5) {
		sur, _ := familySurname(b.rnd)
		sg := b.signal(b.between(anchor.Add(-48*time.Hour), anchor), sur, b.address(), nil)
		b.Signals = append(b.Signals, sg)
	}
	return b.BulkBatch
}

func cloneChildren(cs []*opora.SignalChild) []*opora.SignalChild {
	var out []*opora.SignalChild
	for _, c := range cs {
		out = append(out, &opora.SignalChild{Name: c.Name, BirthDate: c.BirthDate})
	}
	return out
}

func (b *famBatch) address() string {
	return fmt.Sprintf("%s, ул. %s, д. %d, кв. %d", b.m.territory.Name, pick(b.rnd, streets), 1+b.rnd.IntN(120),
		1+b.rnd.IntN(200))
}

// signal makes a new signal received at a time, from an agency, a person
// or anonymously.
func (b *famBatch) signal(received time.Time, surname, address string, children []*opora.SignalChild) *opora.Signal {
	m := b.m
	kdn := pick(b.rnd, m.kdn.staff)
	sg := &opora.Signal{ID: int64(len(b.Signals) + 1), OrganisationID: m.kdn.org.ID, TerritoryID: m.territory.ID,
		ReceivedAt: received, Surname: surname, Address: address, Urgency: opora.UrgencyOrdinary, Status: opora.SignalNew,
		Version: 1, Children: children, CreatedAt: received.Add(time.Duration(5+b.rnd.IntN(120)) * time.Minute)}
	switch r := b.rnd.IntN(10); {
	case r < 7:
		org := pick(b.rnd, m.agencies)
		u := pick(b.rnd, org.staff)
		sg.ReporterKind, sg.ReporterOrgID, sg.ReporterUserID, sg.ReporterName = opora.ReporterAgency, org.org.ID, u.ID, u.FullName
		sg.Channel, sg.CreatedBy = opora.ChannelSystem, u.ID
		if b.rnd.IntN(3) == 0 {
			sg.Channel, sg.CreatedBy = opora.ChannelLetter, kdn.ID
		}
		sg.Description = pick(b.rnd, agencyConcerns)
	case r < 9:
		sur, first, patr := regionalName(b.rnd, b.rnd.IntN(3) == 0)
		sg.ReporterKind, sg.ReporterName = opora.ReporterPerson, sur+" "+first+" "+patr
		sg.ReporterContact = fmt.Sprintf("+7 9%02d %03d-%02d-%02d", b.rnd.IntN(100), b.rnd.IntN(1000), b.rnd.IntN(100), b.rnd.IntN(100))
		sg.Channel, sg.CreatedBy = pick(b.rnd, []string{opora.ChannelPhone, opora.ChannelInPerson}), kdn.ID
		sg.Description = pick(b.rnd, personConcerns)
	default:
		sg.ReporterKind, sg.Channel, sg.CreatedBy = opora.ReporterAnonymous, opora.ChannelPhone, kdn.ID
		sg.Description = pick(b.rnd, personConcerns)
	}
	if b.rnd.IntN(10) == 0 {
		sg.Urgency = opora.UrgencyImmediate
	}
	hours := opora.DefaultOrdinaryHours
	if sg.Immediate() {
		hours = opora.DefaultImmediateHours
	}
	sg.DueAt = received.Add(time.Duration(hours) * time.Hour)
	return sg
}

var agencyConcerns = []string{"Ребёнок систематически пропускает занятия, родители на связь не выходят.",
	"Ребёнок пришёл с синяками, объяснить не может.", "Мать в состоянии опьянения забирала ребёнка из сада.",
	"Семья задолжала за жильё, грозит выселение.", "Дети остаются без присмотра в вечернее время.",
	"Вызов на семейный конфликт, в квартире несовершеннолетние."}

var personConcerns = []string{"Соседи: дети плачут ночами, взрослые кричат.", "В квартире шумные компании, дети голодные.",
	"Бабушка просит помочь: дочь не занимается детьми.", "Дети просят еду у соседей."}

// triage closes or accepts a signal a few hours after it came, mostly
// within its deadline.
func (b *famBatch) triage(sg *opora.Signal) {
	lag := time.Duration(float64(sg.DueAt.Sub(sg.ReceivedAt)) * (0.2 + b.rnd.Float64()))
	sg.TriagedAt, sg.TriagedBy, sg.Version = sg.ReceivedAt.Add(lag), pick(b.rnd, b.m.kdn.staff).ID, 2
	b.Signals = append(b.Signals, sg)
}

// family makes a family with its members, signals, curator, case,
// assessments and draft plan; it returns its first signal.
func (b *famBatch) family(start time.Time) *opora.Signal {
	m, r := b.m, b.rnd
	male, female := familySurname(r)
	address := b.address()
	received := b.between(start, b.anchor.Add(-72*time.Hour))
	// Members: children first drawn, then the adults.
	type member struct {
		c      *opora.Client
		role   opora.MemberRole
		school *regionOrg
	}
	var members []member
	children := 1
	switch x := r.IntN(20); {
	case x >= 19:
		children = 4
	case x >= 16:
		children = 3
	case x >= 9:
		children = 2
	}
	person := func(boy bool, surname string, born opora.Date, role opora.MemberRole) *opora.Client {
		_, first, patr := name(r, boy)
		c := &opora.Client{ID: int64(len(b.Clients) + 1), BranchID: m.kdn.def.BranchID, Surname: surname, FirstName: first,
			Patronymic: patr, Gender: opora.GenderFemale, BirthPrecision: opora.BirthExact, BirthDate: born,
			BirthYear: born.Year(), CreatedBy: m.kdn.staff[0].ID}
		if boy {
			c.Gender = opora.GenderMale
		}
		b.Clients = append(b.Clients, c)
		members = append(members, member{c: c, role: role})
		return c
	}
	today := opora.DateOf(b.anchor)
	var kids []*opora.SignalChild
	for range children {
		boy := r.IntN(2) == 0
		sur := female
		if boy {
			sur = male
		}
		born := today.AddDate(0, 0, -(1 + r.IntN(17*365)))
		c := person(boy, sur, born, opora.RoleChild)
		age := int(today.DaysSince(born) / 365)
		switch {
		case age >= 7 && len(m.schools) > 0:
			members[len(members)-1].school = pick(r, m.schools)
		case age >= 3 && len(m.gardens) > 0:
			members[len(members)-1].school = pick(r, m.gardens)
		}
		kids = append(kids, &opora.SignalChild{Name: c.FirstName + " " + c.Surname, BirthDate: born})
	}
	parentBorn := func() opora.Date { return opora.NewDate(1972+r.IntN(28), time.Month(1+r.IntN(12)), 1+r.IntN(28)) }
	if r.IntN(20) < 17 {
		person(false, female, parentBorn(), opora.RoleMother)
	}
	if r.IntN(10) < 3 || len(members) == children {
		role := opora.RoleFather
		if r.IntN(5) == 0 {
			role = opora.RoleStepParent
		}
		person(true, male, parentBorn(), role)
	}
	if r.IntN(20) == 0 {
		person(false, female, opora.NewDate(1950+r.IntN(20), time.Month(1+r.IntN(12)), 1+r.IntN(28)), opora.RoleGrandparent)
	}
	// The card lists adults first, then children from the eldest (the
	// store's familyMembers order); the key follows it.
	slices.SortStableFunc(members, func(x, y member) int {
		if (x.role == opora.RoleChild) != (y.role == opora.RoleChild) {
			if x.role == opora.RoleChild {
				return 1
			}
			return -1
		}
		return x.c.BirthDate.Compare(y.c.BirthDate)
	})
	// The first signal, accepted into a new family a few hours later.
	first := b.signal(received, male, address, kids)
	first.Status = opora.SignalAccepted
	b.triage(first)
	secretary := first.TriagedBy
	created := first.TriagedAt
	fam := &store.BulkFamily{Family: opora.Family{ID: int64(len(b.Families) + 1), OrganisationID: m.kdn.org.ID,
		TerritoryID: m.territory.ID, Address: address, Housing: pick(r, housings), Income: pick(r, incomes),
		CreatedBy: secretary, CreatedAt: created, UpdatedBy: secretary, UpdatedAt: created, Version: 1}}
	status := opora.DefaultFamilyStatus
	switch x := r.IntN(20); {
	case x >= 17:
		status = "sop"
	case x >= 10:
		status = "tzs"
	}
	st := m.kdn.def.FamilyStatuses[status]
	fam.StatusID, fam.StatusSince = st.ID, opora.DateOf(created)
	first.FamilyID = fam.ID
	for _, x := range members {
		x.c.CreatedAt, x.c.CreatedBy = created, secretary
		fm := &opora.FamilyMember{ClientID: x.c.ID, Client: x.c, Role: x.role}
		if x.school != nil {
			fm.SchoolOrgID, fm.SchoolName = x.school.org.ID, x.school.name()
		}
		fam.Members = append(fam.Members, fm)
		b.Events = append(b.Events, &opora.ClientEvent{ClientID: x.c.ID, At: created, UserID: secretary,
			Kind: opora.EventProfile, Entity: "client", EntityID: x.c.ID, Summary: "created"})
	}
	b.Families = append(b.Families, fam)
	b.event(fam, created, secretary, opora.FamilyEventCreated, st.Label)
	b.FamilyEvents[len(b.FamilyEvents)-1].StatusKey = status
	// Later signals about the same family, linked to it.
	extra := 0
	if x := r.IntN(20); x >= 18 {
		extra = 2
	} else if x >= 13 {
		extra = 1
	}
	p := &plantedFamily{fam: fam, signals: []*opora.Signal{first}, created: created, status: status}
	for _, x := range members {
		if x.role != opora.RoleChild {
			p.adults = append(p.adults, x.c)
		} else if x.school != nil && x.school.org.Type == opora.OrgSchool {
			p.schooled = true
		}
	}
	for range extra {
		at := b.between(created, b.anchor.Add(-48*time.Hour))
		sg := b.signal(at, male, address, cloneChildren(kids))
		sg.Status, sg.FamilyID = opora.SignalAccepted, fam.ID
		b.triage(sg)
		b.event(fam, sg.TriagedAt, sg.TriagedBy, opora.FamilyEventSignal, "")
		p.signals = append(p.signals, sg)
	}
	if r.Float64() >= CuratorShare {
		b.plant(p)
		return first
	}
	// Routed to the КЦСОН, whose head assigns a curator within days; the
	// curator opens the family's case.
	centre := m.centre
	first.RoutedOrgID = centre.org.ID
	b.Grants = append(b.Grants, &opora.SubjectGrant{SubjectType: opora.SubjectFamily, SubjectID: fam.ID,
		OrganisationID: centre.org.ID, Reason: opora.GrantCuratorOrg, GrantedBy: secretary, GrantedAt: created})
	head := centre.staff[r.IntN(centre.heads)]
	curator := centre.staff[centre.heads+r.IntN(centreCurator)]
	assigned := created.Add(time.Duration(24+r.IntN(24*10)) * time.Hour)
	if assigned.After(b.anchor) {
		assigned = created.Add(time.Hour)
	}
	fam.CuratorID, fam.CuratorOrgID, fam.UpdatedBy, fam.UpdatedAt, fam.Version = curator.ID, centre.org.ID, head.ID, assigned, 2
	b.Curators = append(b.Curators, &opora.FamilyCurator{FamilyID: fam.ID, CuratorID: curator.ID,
		OrganisationID: centre.org.ID, AssignedBy: head.ID, AssignedAt: assigned, FromOn: opora.DateOf(assigned)})
	b.event(fam, assigned, head.ID, opora.FamilyEventCurator, curator.FullName)
	k := &opora.Case{ID: int64(len(b.FamilyCases) + 1), OrganisationID: centre.org.ID, SubjectType: opora.SubjectFamily,
		SubjectID: fam.ID, TypeID: centre.def.FamilyCaseType, CuratorID: curator.ID, OpenedOn: opora.DateOf(assigned),
		Status: opora.CaseOpen, CreatedBy: head.ID, CreatedAt: assigned, UpdatedAt: assigned}
	b.FamilyCases = append(b.FamilyCases, k)
	b.assess(fam, k, curator, assigned, status)
	p.assigned, p.curator = assigned, curator
	b.plant(p)
	return first
}

var housings = []string{"Двухкомнатная квартира, муниципальная", "Комната в общежитии", "Частный дом без удобств",
	"Съёмная однокомнатная квартира", "Квартира бабушки"}
var incomes = []string{"Пособия на детей", "Зарплата матери, алименты не платятся", "Случайные заработки отца",
	"Пенсия бабушки и пособия", "Зарплата обоих родителей, долги по кредитам"}

func (b *famBatch) event(f *store.BulkFamily, at time.Time, user int64, kind, summary string) {
	b.FamilyEvents = append(b.FamilyEvents, &store.BulkFamilyEvent{FamilyEvent: opora.FamilyEvent{FamilyID: f.ID, At: at,
		UserID: user, Kind: kind, Summary: summary}, OrganisationID: f.OrganisationID})
}

// assess gives a family with a curator its assessments (scored by the
// form's definition, as completing one in the store scores it), a draft
// sometimes, and draft plan tasks for its worst indicators.
func (b *famBatch) assess(fam *store.BulkFamily, k *opora.Case, curator *opora.User, assigned time.Time, status string) {
	r, centre := b.rnd, b.m.centre
	def := centre.def.Assessment
	if def == nil {
		return
	}
	// Worse families answer higher scores.
	risk := map[string]int{opora.DefaultFamilyStatus: 25, "tzs": 45, "sop": 65}[status]
	answer := func(x *opora.Indicator) int64 {
		i := 0
		for i < len(x.Options)-1 && r.IntN(100) < risk {
			i++
		}
		return x.Options[i].ID
	}
	completed := func(on time.Time, answers map[int64]int64) *opora.Assessment {
		x := &opora.Assessment{OrganisationID: centre.org.ID, FamilyID: fam.ID, FormID: def.FormID,
			SnapshotID: centre.def.SnapshotID, Status: opora.AssessmentCompleted, AssessedOn: opora.DateOf(on),
			AssessorID: curator.ID, Answers: answers, UpdatedAt: on.Add(14 * time.Hour)}
		x.Scores, x.Total = def.Score(x.Answers)
		x.Level = def.Level(x.Total)
		b.Assessments = append(b.Assessments, x)
		b.event(fam, x.UpdatedAt, curator.ID, "assessment", def.Name)
		return x
	}
	// The first assessment; the second one, later, follows the plan's
	// planted effect (planted.go).
	var last *opora.Assessment
	var second time.Time
	if r.Float64() < AssessedShare {
		n := 1
		if r.Float64() < RepeatShare {
			n = 2
		}
		if on := assigned.AddDate(0, 0, 7+r.IntN(21)); on.Before(b.anchor) {
			answers := map[int64]int64{}
			for _, d := range def.Domains {
				for i := range d.Indicators {
					answers[d.Indicators[i].ID] = answer(&d.Indicators[i])
				}
			}
			last = completed(on, answers)
			if next := on.AddDate(0, 3+r.IntN(6), 0); n == 2 && next.Before(b.anchor) {
				second = next
			}
		}
	}
	var types []string
	defer func() {
		// A family scored 0 everywhere cannot improve: no second
		// assessment, so the planted rates hold exactly.
		if !second.IsZero() && last.Total > 0 {
			completed(second, b.secondAnswers(def, last.Answers, b.plantedImproves(types)))
		}
	}()
	if r.Float64() < DraftShare {
		on := b.between(assigned, b.anchor)
		x := &opora.Assessment{OrganisationID: centre.org.ID, FamilyID: fam.ID, FormID: def.FormID,
			Status: opora.AssessmentDraft, AssessedOn: opora.DateOf(on), AssessorID: curator.ID, Answers: map[int64]int64{},
			UpdatedAt: on}
		for _, d := range def.Domains[:len(def.Domains)/2] {
			for i := range d.Indicators {
				x.Answers[d.Indicators[i].ID] = answer(&d.Indicators[i])
			}
		}
		b.Assessments = append(b.Assessments, x)
	}
	if last == nil || r.Float64() >= PlanShare || len(centre.def.TaskTypes) == 0 {
		return
	}
	// The worst-scored indicators of the latest assessment.
	type scored struct {
		x     *opora.Indicator
		score int
	}
	var worst []scored
	for _, d := range def.Domains {
		for i := range d.Indicators {
			x := &d.Indicators[i]
			if o := x.Option(last.Answers[x.ID]); o != nil && o.Score > 0 {
				worst = append(worst, scored{x, o.Score})
			}
		}
	}
	slices.SortStableFunc(worst, func(a, b scored) int { return b.score - a.score })
	n := min(len(worst), 2+r.IntN(4))
	approved := last.AssessedOn.Time().AddDate(0, 0, 14+r.IntN(21))
	approve := r.Float64() < ApprovedShare && approved.Before(b.anchor.AddDate(0, 0, -1))
	ts := make([]store.DictItem, n)
	for i := range ts {
		ts[i] = pick(r, centre.def.TaskTypes)
	}
	if n > 0 && b.prnd.Float64() < JobSearchShare {
		for _, t := range centre.def.TaskTypes {
			if t.Key == PlantedRelationships[1].Measure {
				ts[0] = t
			}
		}
	}
	for _, t := range ts {
		types = append(types, t.Key)
	}
	if approve {
		b.approve(fam, k, curator, approved, ts)
		return
	}
	for i := range n {
		t := ts[i]
		b.DraftTasks = append(b.DraftTasks, &store.BulkDraftTask{DraftTask: opora.DraftTask{CaseID: k.ID, FamilyID: fam.ID,
			TypeID: t.ID, TypeLabel: t.Label, What: t.Label, Reason: "По итогам оценки: " + worst[i].x.Label,
			IndicatorFieldID: worst[i].x.ID, IndicatorLabel: worst[i].x.Label,
			ProposedAgencyType: pick(r, proposedAgencies), DueOn: last.AssessedOn.AddDate(0, 1+r.IntN(3), 0), Position: i + 1},
			OrganisationID: centre.org.ID, CreatedAt: last.AssessedOn})
	}
}

// approve gives a family's plan, approved by the council, as n tasks to
// the municipality's agencies, worked on as far as their age allows: done
// (some late), returned, or still open (some overdue).
func (b *famBatch) approve(fam *store.BulkFamily, k *opora.Case, curator *opora.User, approved time.Time, ts []store.DictItem) {
	r, m := b.rnd, b.m
	granted := map[int64]bool{m.centre.org.ID: true}
	for i, t := range ts {
		agency := m.centre
		switch x := r.IntN(10); {
		case x < 2:
			agency = pick(r, m.gardens)
		case x < 4:
			agency = pick(r, m.schools)
		case x < 8:
			agency = pick(r, m.agencies[:5]) // police, health, guardianship, employment, social protection
		}
		given := approved.Add(time.Duration(r.IntN(48)) * time.Hour)
		due := opora.DateOf(given).AddDays(30 + r.IntN(60))
		x := &store.BulkFamilyTask{Task: opora.Task{OrganisationID: m.centre.org.ID, CaseID: k.ID, FamilyID: fam.ID,
			TypeID: t.ID, Description: t.Label, ResponsibleOrg: agency.org.ID, StartOn: opora.DateOf(given), DueOn: due,
			Status: opora.TaskPlanned, Position: i + 1, CreatedAt: given, UpdatedAt: given, StatusChangedAt: given},
			CreatedBy: curator.ID}
		changed := b.between(given, b.anchor)
		overdue := due.Time().Before(b.anchor)
		switch y := r.IntN(100); {
		case overdue && y < 70, !overdue && y < 15:
			x.Status, x.Report = opora.TaskDone, "Выполнено: "+strings.ToLower(t.Label)
			done := b.between(given.AddDate(0, 0, 5), due.Time().AddDate(0, 0, 15))
			if done.After(b.anchor) {
				done = b.anchor.Add(-time.Hour)
			}
			changed, x.DoneOn = done, opora.DateOf(done)
		case overdue && y < 75, !overdue && y < 20:
			x.Status, x.ReturnReason, x.ReturnComment = opora.TaskReturned, "family_refused", "Семья отказалась от помощи"
		case y < 45:
			x.Status = opora.TaskAccepted
		case y < 80:
			x.Status = opora.TaskInProgress
		}
		if x.Status != opora.TaskPlanned && len(agency.staff) > agency.heads {
			x.AssigneeID = agency.staff[agency.heads+r.IntN(len(agency.staff)-agency.heads)].ID
		}
		if x.Status != opora.TaskPlanned {
			x.StatusChangedAt, x.UpdatedAt = changed, changed
		}
		b.FamilyTasks = append(b.FamilyTasks, x)
		b.event(fam, given, curator.ID, "task", t.Label)
		if !granted[agency.org.ID] {
			granted[agency.org.ID] = true
			b.Grants = append(b.Grants, &opora.SubjectGrant{SubjectType: opora.SubjectFamily, SubjectID: fam.ID,
				OrganisationID: agency.org.ID, Reason: opora.GrantTask, GrantedBy: curator.ID, GrantedAt: given})
		}
	}
}

var proposedAgencies = []opora.OrgType{opora.OrgSocialService, opora.OrgHealth, opora.OrgEmployment, opora.OrgSchool,
	opora.OrgGuardianship, opora.OrgSocialProtection}
