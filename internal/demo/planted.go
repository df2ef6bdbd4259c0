package demo

import (
	"math/rand/v2"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Planted relationships (issue 23 item 5): the families' generator writes
// members' life events and a status history over time, and plants known
// relationships between a family's facts at intake, a later crisis and the
// measures of its plan, so that learned hints and their evaluation can be
// checked against a known truth. The planted draws use their own random
// stream (PlantedSeedOffset), so the rest of the region is what it was.

// Planted shares: of families, how many get the planted facts.
const (
	JobLossShare       = 0.25 // an adult lost their job (life event)
	SchoolAbsenceShare = 0.25 // of families with a child at school: two school signals about absences
	DivorceShare       = 0.15 // of families without the job-loss-and-school profile: the parents divorced
	JobSearchShare     = 0.30 // of plans: «Подбор вакансий» added to the plan
	CrisisBaseline     = 0.12 // the status worsens within a year without a planted profile
	// HintIntakeDays is when a case's profile is taken (the same as the
	// learner's opora.HintIntakeDays).
	plantedIntakeDays = opora.HintIntakeDays
)

// Planted outcomes.
const (
	PlantedCrisis   = "crisis"   // the family's status worsened within a year of intake + HintIntakeDays
	PlantedImproved = "improved" // the next completed assessment scored lower than the one before
)

// PlantedRelationship is one relationship the generator plants: families
// whose profile has Features (opora.HintCondition keys; empty: every
// family) reach Outcome at rate With; the others at Without. Measure is a
// task type key for PlantedImproved: With is the rate of plans containing
// it, Without of plans without it.
type PlantedRelationship struct {
	Name     string
	Features []string
	Measure  string
	Outcome  string
	With     float64
	Without  float64
}

// PlantedRelationships are the relationships the generator plants.
var PlantedRelationships = []PlantedRelationship{
	{Name: "job loss and school absence signals → СОП within a year", Features: []string{"event:job_loss", "signal:school"},
		Outcome: PlantedCrisis, With: 0.60, Without: CrisisBaseline},
	{Name: "plans with job search → improved next assessment", Measure: "job_search", Outcome: PlantedImproved,
		With: 0.50, Without: 0.30},
	{Name: "divorce → ТЖС-level crisis within a year", Features: []string{"event:divorce"}, Outcome: PlantedCrisis,
		With: 0.40, Without: CrisisBaseline},
}

// plantedSeedOffset moves the planted draws' stream off the municipality's.
const plantedSeedOffset = 3_000_000

func plantedRand(seed uint64, m *municipality) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(plantedSeedOffset+m.index)))
}

// plantedFamily is what plant needs of a generated family.
type plantedFamily struct {
	fam      *store.BulkFamily
	adults   []*opora.Client // local IDs
	schooled bool            // a child at a school
	signals  []*opora.Signal // linked to the family
	created  time.Time
	status   string
	// With a case: the day the curator was assigned and who.
	assigned time.Time
	curator  *opora.User
}

// plant gives a family its members' life events, school absence signals
// and, with a case, its status history: worse within a year of intake by
// the planted rates.
func (b *famBatch) plant(p *plantedFamily) {
	r, m := b.prnd, b.m
	last := b.anchor.AddDate(0, 0, -1)
	when := func() time.Time {
		t := b.betweenR(r, p.created.AddDate(0, 0, -150), p.created.AddDate(0, 0, 30))
		if t.After(last) {
			t = last
		}
		return t
	}
	lifeEvent := func(c *opora.Client, kind string) {
		on := when()
		b.LifeEvents = append(b.LifeEvents, &opora.LifeEvent{OrganisationID: m.kdn.org.ID, ClientID: c.ID, FamilyID: p.fam.ID,
			Kind: kind, OccurredOn: opora.DateOf(on), CreatedBy: p.fam.CreatedBy, CreatedAt: maxTime(on, p.created)})
	}
	job := len(p.adults) > 0 && r.Float64() < JobLossShare
	if job {
		lifeEvent(p.adults[r.IntN(len(p.adults))], opora.LifeEventJobLoss)
	}
	if p.schooled && r.Float64() < SchoolAbsenceShare {
		school := pick(r, m.schools)
		for range 2 {
			at := b.betweenR(r, p.created.Add(time.Hour), p.created.AddDate(0, 0, 40))
			if at.After(b.anchor.Add(-48 * time.Hour)) {
				at = b.anchor.Add(-48 * time.Hour)
			}
			u := pick(r, school.staff)
			sg := &opora.Signal{ID: int64(len(b.Signals) + 1), OrganisationID: m.kdn.org.ID, TerritoryID: m.territory.ID,
				ReceivedAt: at, Surname: p.fam.Members[0].Client.Surname, Address: p.fam.Address, Urgency: opora.UrgencyOrdinary,
				Status: opora.SignalAccepted, Version: 1, FamilyID: p.fam.ID, CreatedAt: at.Add(10 * time.Minute),
				ReporterKind: opora.ReporterAgency, ReporterOrgID: school.org.ID, ReporterUserID: u.ID, ReporterName: u.FullName,
				Channel: opora.ChannelSystem, CreatedBy: u.ID,
				Description: "Ребёнок пропустил более 10 дней занятий без уважительной причины."}
			sg.DueAt = at.Add(time.Duration(opora.DefaultOrdinaryHours) * time.Hour)
			b.triage(sg)
			p.signals = append(p.signals, sg)
			b.event(p.fam, sg.TriagedAt, sg.TriagedBy, opora.FamilyEventSignal, "")
		}
	}
	var profile time.Time
	if p.curator != nil {
		profile = p.assigned.AddDate(0, 0, plantedIntakeDays)
	}
	// The school signals within the window before the profile day.
	schoolSignal := false
	for _, sg := range p.signals {
		if m.orgTypes[sg.ReporterOrgID] == opora.OrgSchool && sg.ReporterKind == opora.ReporterAgency &&
			!sg.ReceivedAt.After(profile) && !sg.ReceivedAt.Before(profile.AddDate(-1, 0, 0)) {
			schoolSignal = true
		}
	}
	severe := job && schoolSignal
	divorce := !severe && len(p.adults) > 0 && r.Float64() < DivorceShare
	if divorce {
		mother := p.adults[0]
		for _, a := range p.adults {
			if a.Gender == opora.GenderFemale {
				mother = a
			}
		}
		lifeEvent(mother, opora.LifeEventDivorce)
	}
	if p.curator == nil || p.status == "sop" {
		return
	}
	rate, to := CrisisBaseline, worse(p.status)
	switch {
	case severe:
		rate, to = PlantedRelationships[0].With, "sop"
	case divorce:
		rate = PlantedRelationships[2].With
	}
	if r.Float64() >= rate {
		return
	}
	at := profile.AddDate(0, 0, 1+r.IntN(364)).Add(time.Duration(9+r.IntN(8)) * time.Hour)
	if !at.Before(b.anchor) {
		return
	}
	st := m.kdn.def.FamilyStatuses[to]
	p.fam.StatusID, p.fam.StatusSince, p.fam.UpdatedAt, p.fam.UpdatedBy = st.ID, opora.DateOf(at), at, p.curator.ID
	b.event(p.fam, at, p.curator.ID, opora.FamilyEventStatus, st.Label)
	b.FamilyEvents[len(b.FamilyEvents)-1].StatusKey = to
}

// worse is the next worse family status.
func worse(status string) string {
	if status == opora.DefaultFamilyStatus {
		return "tzs"
	}
	return "sop"
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (b *famBatch) betweenR(r *rand.Rand, from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(r.Int64N(int64(span))))
}

// plantedPlan is the planted part of a plan: «Подбор вакансий» added to
// a share of plans, and whether the next assessment improves.
func (b *famBatch) plantedImproves(types []string) bool {
	rate := PlantedRelationships[1].Without
	for _, t := range types {
		if t == PlantedRelationships[1].Measure {
			rate = PlantedRelationships[1].With
		}
	}
	return b.prnd.Float64() < rate
}

// secondAssessment answers the next assessment from the first: improved
// lowers one to three scored answers a step, otherwise one answer rises a
// step (or stays when none can).
func (b *famBatch) secondAnswers(def *opora.AssessmentDef, first map[int64]int64, improved bool) map[int64]int64 {
	r := b.prnd
	out := make(map[int64]int64, len(first))
	type pos struct {
		x *opora.Indicator
		i int
	}
	var all []pos
	for _, d := range def.Domains {
		for i := range d.Indicators {
			x := &d.Indicators[i]
			out[x.ID] = first[x.ID]
			for j, o := range x.Options {
				if o.ID == first[x.ID] {
					all = append(all, pos{x, j})
				}
			}
		}
	}
	if len(all) == 0 {
		return out
	}
	if improved {
		steps := 1 + r.IntN(3)
		for _, k := range r.Perm(len(all)) {
			p := all[k]
			if p.i > 0 && p.x.Options[p.i-1].Score < p.x.Options[p.i].Score {
				out[p.x.ID] = p.x.Options[p.i-1].ID
				if steps--; steps == 0 {
					break
				}
			}
		}
		return out
	}
	for _, k := range r.Perm(len(all)) {
		p := all[k]
		if p.i+1 < len(p.x.Options) {
			out[p.x.ID] = p.x.Options[p.i+1].ID
			break
		}
	}
	return out
}
