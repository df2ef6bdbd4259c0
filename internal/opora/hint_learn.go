package opora

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// Learned hints (issue 23 item 2): what happened in families like this one,
// counted from the instance's own cases. A case's profile is its family's
// features (FamilyFacts.LearnFeatures) on the day it opened plus
// HintIntakeDays; its outcomes are whether the family's status worsened
// within a year of that day (a crisis) and whether the next completed
// assessment within that year scored lower than the one before (an
// improvement), and its measures are the task types of its plan. A group is
// a combination of up to MaxHintGroup features; its counts are over the
// families whose profile has them all.

// HintIntakeDays is when a case's indicator profile is taken for learned
// hints: its facts on the day it opened plus these days.
const HintIntakeDays = 45

// HintOutcomeDays is how long after the profile day the outcomes are
// watched; a case is learned from once they have passed.
const HintOutcomeDays = 365

// MaxHintGroup is the most features a learned group combines.
const MaxHintGroup = 3

// DefaultHintMinGroup is the least families a learned group must have to
// be stored and shown.
const DefaultHintMinGroup = 10

// HintFeatureSep joins a group's features in its key.
const HintFeatureSep = "|"

// statusSeverity orders the family statuses a crisis is counted on.
var statusSeverity = map[string]int{DefaultFamilyStatus: 0, "tzs": 1, "sop": 2}

// StatusSeverity is a family status key's severity (early 0, ТЖС 1, СОП 2)
// and whether the key is one of them.
func StatusSeverity(key string) (int, bool) {
	s, ok := statusSeverity[key]
	return s, ok
}

// LearnFeatures lists the facts' features learned over on day today: the
// status, members' life events and signals by reporter type within the
// default window, and the indicators scored at least 2 (a problem). Sorted.
func (f *FamilyFacts) LearnFeatures(today Date) []string {
	var out []string
	for _, k := range f.Features(today) {
		if c, ok := ParseHintKey(k); ok && c.Kind == CondIndicator && c.Min != 2 {
			continue
		}
		out = append(out, k)
	}
	return out
}

// HintCase is a case learned from: its family, profile day, features,
// measures (task type keys of its plan, sorted, distinct) and outcomes:
// Crisis -1 when the status could not worsen (or is unknown), else 0/1;
// Improved -1 without two assessments to compare, else 0/1.
type HintCase struct {
	CaseID    int64
	FamilyID  int64
	ProfileOn Date
	Features  []string
	Measures  []string
	Crisis    int
	Improved  int
}

// LearnedHint is one learned group's counts. Measure "" is the crisis
// outcome: N families of the group whose status could worsen, K of them
// did. With a measure: N plans of the group with an assessment to compare
// contained it, K of them improved; NWithout, KWithout the plans without it.
type LearnedHint struct {
	ID         int64
	Features   []string
	Measure    string
	N, K       int
	NWithout   int
	KWithout   int
	From, To   Date // the profile days the counts are over (to: the last profile day + HintOutcomeDays)
	Disabled   bool
	MeasureLbl string // filled for display
}

// Key is the learned hint's stable key: the features joined, then the
// measure after "#".
func (h *LearnedHint) Key() string {
	return HintGroupKey(h.Features) + "#" + h.Measure
}

// HintGroupKey joins sorted features.
func HintGroupKey(features []string) string { return strings.Join(features, HintFeatureSep) }

// SplitHintGroup splits a group key.
func SplitHintGroup(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, HintFeatureSep)
}

// Rate is K/N.
func (h *LearnedHint) Rate() float64 { return ratio(h.K, h.N) }

// RateWithout is KWithout/NWithout.
func (h *LearnedHint) RateWithout() float64 { return ratio(h.KWithout, h.NWithout) }

// CI is the 95 % Wilson interval of Rate.
func (h *LearnedHint) CI() (lo, hi float64) { return Wilson(h.K, h.N) }

func ratio(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// Wilson is the 95 % Wilson score interval of k successes in n.
func Wilson(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return max(0, centre-half), min(1, centre+half)
}

// HintSubsets calls fn with every combination of 1..MaxHintGroup of the
// sorted features (each combination sorted), and the empty one first when
// withEmpty.
func HintSubsets(features []string, withEmpty bool, fn func(group []string)) {
	if withEmpty {
		fn(nil)
	}
	buf := make([]string, 0, MaxHintGroup)
	var rec func(start int)
	rec = func(start int) {
		for i := start; i < len(features); i++ {
			buf = append(buf, features[i])
			fn(buf)
			if len(buf) < MaxHintGroup {
				rec(i + 1)
			}
			buf = buf[:len(buf)-1]
		}
	}
	rec(0)
}

type hintAcc struct {
	n, k     int
	nImp     int // with an assessment to compare
	kImp     int
	from, to Date
	measures map[string]*[2]int // with the measure: n, k
}

// LearnHints counts the groups of the cases: one case a family (its
// earliest profile), groups of up to MaxHintGroup features and the empty
// group (every family). Groups with fewer than minGroup families whose
// crisis is known are dropped; a measure's row needs minGroup plans both
// with and without it. Sorted by key.
func LearnHints(cases []HintCase, minGroup int) []*LearnedHint {
	minGroup = max(minGroup, 1)
	byFamily := make(map[int64]*HintCase, len(cases))
	for i := range cases {
		c := &cases[i]
		if o := byFamily[c.FamilyID]; o == nil || c.ProfileOn.Before(o.ProfileOn) ||
			(c.ProfileOn == o.ProfileOn && c.CaseID < o.CaseID) {
			byFamily[c.FamilyID] = c
		}
	}
	groups := map[string]*hintAcc{}
	for _, c := range byFamily {
		HintSubsets(c.Features, true, func(g []string) {
			key := HintGroupKey(g)
			a := groups[key]
			if a == nil {
				a = &hintAcc{from: c.ProfileOn, to: c.ProfileOn}
				groups[key] = a
			}
			if c.ProfileOn.Before(a.from) {
				a.from = c.ProfileOn
			}
			if c.ProfileOn.After(a.to) {
				a.to = c.ProfileOn
			}
			if c.Crisis >= 0 {
				a.n++
				a.k += c.Crisis
			}
			if c.Improved >= 0 {
				a.nImp++
				a.kImp += c.Improved
				if a.measures == nil {
					a.measures = map[string]*[2]int{}
				}
				for _, m := range c.Measures {
					x := a.measures[m]
					if x == nil {
						x = &[2]int{}
						a.measures[m] = x
					}
					x[0]++
					x[1] += c.Improved
				}
			}
		})
	}
	var out []*LearnedHint
	for key, a := range groups {
		if a.n < minGroup {
			continue
		}
		fs := SplitHintGroup(key)
		to := a.to.AddDays(HintOutcomeDays)
		out = append(out, &LearnedHint{Features: fs, N: a.n, K: a.k, From: a.from, To: to})
		for m, x := range a.measures {
			if x[0] < minGroup || a.nImp-x[0] < minGroup {
				continue
			}
			out = append(out, &LearnedHint{Features: fs, Measure: m, N: x[0], K: x[1], NWithout: a.nImp - x[0],
				KWithout: a.kImp - x[1], From: a.from, To: to})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// HintPrediction is the crisis rate predicted for a profile: the learned
// group matching it with the most features (then the most families).
func HintPrediction(features []string, crisis map[string]*LearnedHint) (*LearnedHint, bool) {
	var best *LearnedHint
	HintSubsets(features, true, func(g []string) {
		h := crisis[HintGroupKey(g)]
		if h == nil || h.Disabled {
			return
		}
		if best == nil || len(h.Features) > len(best.Features) ||
			(len(h.Features) == len(best.Features) && h.N > best.N) {
			best = h
		}
	})
	return best, best != nil
}

// HintPriorFamilies is the weight, in families, of the every-family rate
// a group's rate is pulled toward when predicting: a group of 10 families
// moves a third of the way, one of 400 hardly at all.
const HintPriorFamilies = 20

// PredictedRate is the group's crisis rate pulled toward base (the rate of
// every family) by HintPriorFamilies: (K + m·base) / (N + m).
func PredictedRate(h *LearnedHint, base float64) float64 {
	return (float64(h.K) + HintPriorFamilies*base) / float64(h.N+HintPriorFamilies)
}

// CalibrationBin is one decile of predictions: how many, the mean
// predicted rate and the observed one.
type CalibrationBin struct {
	Decile    int
	N         int
	Predicted float64
	Observed  float64
}

// Calibrate sorts (predicted, observed 0/1) pairs by prediction and splits
// them into ten bins of (nearly) equal size, in order; ties keep their
// input order.
func Calibrate(predicted []float64, observed []int) []CalibrationBin {
	idx := make([]int, len(predicted))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case predicted[a] < predicted[b]:
			return -1
		case predicted[a] > predicted[b]:
			return 1
		}
		return 0
	})
	var out []CalibrationBin
	n := len(idx)
	for d := range 10 {
		lo, hi := d*n/10, (d+1)*n/10
		if hi <= lo {
			continue
		}
		b := CalibrationBin{Decile: d + 1, N: hi - lo}
		var sp float64
		var so int
		for _, i := range idx[lo:hi] {
			sp += predicted[i]
			so += observed[i]
		}
		b.Predicted, b.Observed = sp/float64(b.N), float64(so)/float64(b.N)
		out = append(out, b)
	}
	return out
}
