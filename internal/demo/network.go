package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// This file is the regional demo (opora demo --network, issue 21): a small
// region a ministry can try the whole families flow on in five minutes.
// Three municipalities come from the families' generator (their КДН,
// КЦСОН, police, health, guardianship, employment, social protection,
// schools and kindergartens, workers of every role, families at every
// stage: new signals, families waiting for a curator, assessed families
// with draft plans); then the live part goes through the store's own
// paths as the people who would do it, on a clock set back in time: tasks
// given to agencies and worked on (accepted, in progress, done, overdue),
// and the kindergarten example of DOMAIN.md ready for its next step.

// Network demo sizes.
const (
	NetworkMunicipalities          = 3
	NetworkFamiliesPerMunicipality = 40
	networkLiveFamilies            = 8 // per municipality: families whose plans the agencies work on
)

// GenerateNetwork fills an empty database with the regional demo and
// returns the logins to try it with, one per role.
func GenerateNetwork(ctx context.Context, st *store.Store, seed uint64) ([]Login, error) {
	r, err := generateRegion(ctx, st, FamilyOptions{Families: NetworkMunicipalities * NetworkFamiliesPerMunicipality,
		Municipalities: NetworkMunicipalities, Seed: seed}, nil)
	if err != nil {
		return nil, err
	}
	now := st.Now
	defer func() { st.Now = now }()
	var showcase []*networkShowcase
	for _, m := range r.ms {
		sc, err := liveMunicipality(ctx, st, r, m, now())
		if err != nil {
			return nil, fmt.Errorf("demo: network %s: %w", m.territory.Name, err)
		}
		showcase = append(showcase, sc)
	}
	st.Now = now
	analyst, err := networkAnalyst(r, st)
	if err != nil {
		return nil, err
	}
	if err := networkNGOs(r, st); err != nil {
		return nil, err
	}
	m, sc := r.ms[0], showcase[0]
	who := func(o *regionOrg, i int) *opora.User { return o.staff[min(i, len(o.staff)-1)] }
	police, health, employment := m.agencyOf(opora.OrgPolice), m.agencyOf(opora.OrgHealth), m.agencyOf(opora.OrgEmployment)
	logins := []Login{
		{"admin", Password, "network_admin", adminName},
		{analyst.Login, Password, "regional_analyst", analyst.FullName},
		{m.kdn.staff[0].Login, Password, "kdn_secretary", m.kdn.staff[0].FullName},
		{m.centre.staff[0].Login, Password, "agency_head", m.centre.staff[0].FullName + " (КЦСОН)"},
		{sc.curator.Login, Password, "curator", sc.curator.FullName},
		{who(m.gardens[0], 0).Login, Password, "agency_head", who(m.gardens[0], 0).FullName + " (детский сад)"},
		{who(m.gardens[0], 1).Login, Password, "agency_specialist", who(m.gardens[0], 1).FullName + " (детский сад)"},
		{who(m.schools[0], 0).Login, Password, "agency_head", who(m.schools[0], 0).FullName + " (школа)"},
		{who(employment, 0).Login, Password, "agency_head", who(employment, 0).FullName + " (центр занятости)"},
		{who(police, 1).Login, Password, "agency_specialist", who(police, 1).FullName + " (полиция)"},
		{who(health, 1).Login, Password, "agency_specialist", who(health, 1).FullName + " (больница)"},
	}
	return logins, nil
}

// networkShowcase is what a municipality's live part made.
type networkShowcase struct {
	curator *opora.User // the curator of the kindergarten example
	family  int64
}

// agencyOf returns the municipality's first agency of a type.
func (m *municipality) agencyOf(t opora.OrgType) *regionOrg {
	for _, o := range m.agencies {
		if o.org.Type == t {
			return o
		}
	}
	return m.agencies[0]
}

// asUser is a context acting as a generated worker.
func asUser(ctx context.Context, st *store.Store, id int64) (context.Context, error) {
	a, err := st.Actor(ctx, id)
	if err != nil {
		return nil, err
	}
	return opora.WithActor(ctx, a), nil
}

// liveMunicipality gives the agencies of a municipality their tasks and
// works on them, moving the store's clock from five weeks ago to now.
func liveMunicipality(ctx context.Context, st *store.Store, r *generatedRegion, m *municipality, now time.Time) (*networkShowcase, error) {
	kdn, err := asUser(ctx, st, m.kdn.staff[0].ID)
	if err != nil {
		return nil, err
	}
	all, err := st.FamiliesByStatus(kdn, m.territory.ID, 0)
	if err != nil {
		return nil, err
	}
	var families []*opora.Family
	for _, f := range all {
		if f.CuratorID != 0 && len(families) < networkLiveFamilies {
			families = append(families, f)
		}
	}
	if len(families) < networkLiveFamilies {
		return nil, fmt.Errorf("only %d families with a curator", len(families))
	}
	types := map[string]int64{}
	for _, t := range m.centre.def.TaskTypes {
		types[t.Key] = t.ID
	}
	at := func(daysAgo int) { st.Now = func() time.Time { return now.AddDate(0, 0, -daysAgo) } }
	type step struct {
		daysAgo int
		status  opora.TaskStatus
	}
	type plan struct {
		family   int
		typ      string
		agency   *regionOrg
		what     string
		givenAgo int // days ago the task was given
		dueIn    int // days after it was given
		steps    []step
	}
	garden, school := m.gardens[0], m.schools[0]
	plans := []plan{
		// The kindergarten example: the parents need a job, so the youngest
		// needs a kindergarten place; education found it two days ago.
		{0, "job_search", m.agencyOf(opora.OrgEmployment), "Подобрать вакансии матери, записать на собеседования", 20, 30,
			[]step{{18, opora.TaskAccepted}, {15, opora.TaskInProgress}}},
		{0, "kindergarten_place", garden, "Место в детском саду для младшего ребёнка", 20, 21,
			[]step{{19, opora.TaskAccepted}, {12, opora.TaskInProgress}, {2, opora.TaskDone}}},
		{1, "school_attendance", school, "Составить план посещения школы, ежедневный контроль", 3, 14, nil},
		{2, "medical_exam", m.agencyOf(opora.OrgHealth), "Диспансеризация детей", 10, 30, []step{{8, opora.TaskAccepted}}},
		{3, "benefits", m.agencyOf(opora.OrgSocialProtection), "Оформить пособие на детей", 34, 20,
			[]step{{33, opora.TaskAccepted}, {30, opora.TaskInProgress}, {16, opora.TaskDone}}},
		{4, "preventive_talk", m.agencyOf(opora.OrgPolice), "Профилактическая беседа с отцом", 30, 10, nil}, // overdue
		{5, "psychologist", m.centre, "Консультации психолога для матери и старшего сына", 25, 40,
			[]step{{24, opora.TaskAccepted}, {22, opora.TaskInProgress}}},
		{6, "after_school", school, "Записать сына в секцию", 12, 14, []step{{11, opora.TaskAccepted}}}, // overdue, accepted
		{7, "living_conditions_check", m.agencyOf(opora.OrgGuardianship), "Обследование условий жизни", 6, 10, nil},
	}
	for _, p := range plans {
		f := families[p.family]
		cur, err := asUser(ctx, st, f.CuratorID)
		if err != nil {
			return nil, err
		}
		at(p.givenAgo)
		t := &opora.Task{TypeID: types[p.typ], Description: p.what, ResponsibleOrg: p.agency.org.ID,
			DueOn: st.Today().AddDays(p.dueIn)}
		if err := st.AddFamilyTask(cur, f.ID, t); err != nil {
			return nil, fmt.Errorf("task %s: %w", p.typ, err)
		}
		head, err := asUser(ctx, st, p.agency.staff[0].ID)
		if err != nil {
			return nil, err
		}
		for _, s := range p.steps {
			at(s.daysAgo)
			var err error
			switch s.status {
			case opora.TaskAccepted:
				err = st.AcceptTask(head, t.ID, 0)
			case opora.TaskInProgress:
				err = st.StartTask(head, t.ID, 0)
			case opora.TaskDone:
				err = st.CompleteTask(head, t.ID, 0, opora.TaskReport{Text: "Выполнено: " + p.what, DoneOn: st.Today()}, nil)
			}
			if err != nil {
				return nil, fmt.Errorf("task %s → %s: %w", p.typ, s.status, err)
			}
		}
	}
	st.Now = func() time.Time { return now }
	curator := &opora.User{}
	for _, o := range []*regionOrg{m.centre} {
		for _, u := range o.staff {
			if u.ID == families[0].CuratorID {
				curator = u
			}
		}
	}
	return &networkShowcase{curator: curator, family: families[0].ID}, nil
}

// networkAnalyst adds the region's analyst to the committee.
func networkAnalyst(r *generatedRegion, st *store.Store) (*opora.User, error) {
	d, err := st.OrganisationDefaults(r.admin, r.committee)
	if err != nil {
		return nil, err
	}
	u := &opora.User{Login: "analyst", FullName: "Соколова Ирина Викторовна", Position: "Аналитик", Locale: "ru",
		BranchIDs: []int64{d.BranchID}, RoleIDs: []int64{d.Roles["regional_analyst"]}}
	if err := st.CreateUser(r.admin, u, r.hash); err != nil {
		return nil, fmt.Errorf("demo: analyst: %w", err)
	}
	return u, nil
}

// networkNGOs adds a charity to each municipality: an organisation of the
// network outside the prevention system.
func networkNGOs(r *generatedRegion, st *store.Store) error {
	var news []*store.NewOrganisation
	for i, m := range r.ms {
		short := "Фонд «Семья рядом» (" + m.territory.Name + ")"
		news = append(news, &store.NewOrganisation{
			Organisation: &opora.Organisation{Name: "Благотворительный фонд «Семья рядом»", ShortName: short,
				Type: opora.OrgNGO, TerritoryID: m.territory.ID},
			BranchName:   m.territory.Name,
			Admin:        &opora.User{Login: fmt.Sprintf("m%02d-ngo-admin", i+1), FullName: "Администратор фонда", Locale: "ru"},
			PasswordHash: r.hash})
	}
	return st.CreateOrganisations(r.admin, news)
}
