package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// The families' region's resource map (issue 21, item 7): a few providers
// per municipality, through the store's own path — the network's
// kindergartens with their free places, the КЦСОН and the employment
// centre, and organisations outside the network (a family centre NGO, a
// food bank, a private kindergarten).

// ResourcesPerMunicipality is the number of services each municipality's map gets.
const ResourcesPerMunicipality = 7

// demoResource is one provider with one service.
type demoResource struct {
	org      string
	network  *regionOrg // nil: not in the network
	service  string
	terms    []string
	days     []string
	opens    string
	closes   string
	capacity int // 0: places are not counted
	who      string
	minAge   int
	maxAge   int // 0: no limit
}

func (m *municipality) resources() []demoResource {
	weekdays := []string{"MO", "TU", "WE", "TH", "FR"}
	var out []demoResource
	for i, g := range m.gardens {
		if i == 2 {
			break
		}
		out = append(out, demoResource{org: g.name(), network: g, service: "Группа полного дня",
			terms: []string{"kindergarten"}, days: weekdays, opens: "07:00", closes: "19:00", capacity: 120 + 20*i,
			who: "Дети от 1,5 до 7 лет, проживающие в районе", minAge: 1, maxAge: 7})
	}
	var employment *regionOrg
	for _, a := range m.agencies {
		if a.org.Type == opora.OrgEmployment {
			employment = a
		}
	}
	if employment != nil {
		out = append(out, demoResource{org: employment.name(), network: employment,
			service: "Подбор вакансий и переобучение для родителей", terms: []string{"employment"}, days: weekdays,
			opens: "09:00", closes: "17:00", who: "Безработные и ищущие работу родители", minAge: 16})
	}
	out = append(out,
		demoResource{org: m.centre.name(), network: m.centre, service: "Консультации семейного психолога",
			terms: []string{"psychologist", "parenting"}, days: weekdays, opens: "09:00", closes: "18:00",
			who: "Семьи с детьми в трудной жизненной ситуации, бесплатно"},
		demoResource{org: m.centre.name(), network: m.centre, service: "Социальное обслуживание на дому",
			terms: []string{"home_help"}, days: weekdays, opens: "08:00", closes: "17:00", capacity: 40,
			who: "Семьи с детьми-инвалидами, многодетные семьи"},
		demoResource{org: "АНО «Семейный центр «Очаг» (" + m.territory.Name + ")", service: "Школа родителей и кризисное консультирование",
			terms: []string{"parenting", "psychologist", "shelter"}, days: []string{"TU", "TH", "SA"}, opens: "10:00", closes: "20:00",
			capacity: 12, who: "Родители детей до 18 лет; кризисные места для мам с детьми"},
		demoResource{org: "Благотворительный фонд «Продуктовый дом» (" + m.territory.Name + ")",
			service: "Продуктовые наборы и детская одежда", terms: []string{"food", "clothes"}, days: []string{"WE", "SA"},
			opens: "11:00", closes: "16:00", who: "По направлению куратора или КДН"},
	)
	return out
}

// addResources puts each municipality's providers on the map.
func addResources(ctx context.Context, st *store.Store, ms []*municipality, seed uint64) error {
	terms, err := st.ResourceTerms(ctx)
	if err != nil {
		return err
	}
	termIDs := map[string]int64{}
	for _, t := range terms {
		termIDs[t.Code] = t.ID
	}
	for _, m := range ms {
		rnd := rand.New(rand.NewPCG(seed, uint64(2_000_000+m.index)))
		orgs := map[string]*opora.ResourceOrganization{}
		locs := map[string]*opora.ResourceLocation{}
		for _, r := range m.resources() {
			o := orgs[r.org]
			if o == nil {
				o = &opora.ResourceOrganization{Name: r.org, Phone: fmt.Sprintf("+7 813 %03d-%02d-%02d", rnd.IntN(1000), rnd.IntN(100), rnd.IntN(100))}
				if r.network != nil {
					o.NetworkOrgID = r.network.org.ID
				}
				if err := st.SaveResourceOrganization(ctx, o); err != nil {
					return fmt.Errorf("demo: resources: %w", err)
				}
				l := &opora.ResourceLocation{OrganizationID: o.ID, TerritoryID: m.territory.ID,
					Address1: fmt.Sprintf("ул. %s, %d", streets[rnd.IntN(len(streets))], 1+rnd.IntN(60)),
					City:     "пос. " + m.territory.Name}
				if err := st.SaveResourceLocation(ctx, l); err != nil {
					return fmt.Errorf("demo: resources: %w", err)
				}
				orgs[r.org], locs[r.org] = o, l
			}
			sv := &opora.ResourceService{OrganizationID: o.ID, LocationID: locs[r.org].ID, Name: r.service,
				EligibilityDescription: r.who, Hours: opora.ResourceHours{Days: r.days, OpensAt: r.opens, ClosesAt: r.closes}}
			for _, code := range r.terms {
				sv.TermIDs = append(sv.TermIDs, termIDs[code])
			}
			if r.minAge > 0 {
				sv.MinimumAge = &r.minAge
			}
			if r.maxAge > 0 {
				sv.MaximumAge = &r.maxAge
			}
			if r.capacity > 0 {
				capacity, free := r.capacity, rnd.IntN(6)
				sv.Capacity, sv.FreePlaces = &capacity, &free
				if free == 0 {
					sv.CapacityNote = "очередь, места с сентября"
				}
			}
			if err := st.SaveResourceService(ctx, sv); err != nil {
				return fmt.Errorf("demo: resources: %w", err)
			}
		}
	}
	return nil
}
