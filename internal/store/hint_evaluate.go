package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/opora-project/opora/internal/opora"
)

// The evaluation of hints that anyone can rerun (issue 23 item 5, `opora
// hints evaluate`): the family cases observed long enough are split by
// time; the learned hints are counted on the past (cases whose year of
// outcomes ended by the split day) and judged on the held-out future
// (cases profiled after it): the early screening list's precision and
// recall (an enabled early-crisis rule matching the facts on the profile
// day flags the family; a crisis within the year is the truth), the same
// for the learned crisis rate at LearnedScreenRate, and the calibration of
// the learned rates by decile. A family's predicted rate is its most
// specific matching group's, pulled toward every family's rate
// (opora.PredictedRate). Nothing is written.

// Evaluation minimums: fewer cases and it refuses.
const (
	HintEvalMinTrain = 200 // cases with a known crisis outcome before the split
	HintEvalMinTest  = 100 // after it
	// LearnedScreenRate is the learned crisis rate from which a family
	// counts as flagged by the learned hints.
	LearnedScreenRate = 0.30
)

// HintEvalOptions choose the split (zero: halfway between the first
// profile day plus a year and the last profile day, so the training and
// held-out periods are as long).
type HintEvalOptions struct {
	Split opora.Date
}

// HintScreenResult is a screening's confusion counts.
type HintScreenResult struct {
	Flagged, TruePositive int
	Precision, Recall     float64
}

func (r *HintScreenResult) finish(positives int) {
	r.Precision, r.Recall = ratioOf(r.TruePositive, r.Flagged), ratioOf(r.TruePositive, positives)
}

func ratioOf(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// HintEvaluation is what an evaluation found.
type HintEvaluation struct {
	Split          opora.Date
	TrainFrom      opora.Date // the training cases' profile days
	TrainTo        opora.Date
	TestFrom       opora.Date // the held-out cases' profile days
	TestTo         opora.Date
	TrainCases     int // with a known crisis outcome
	TestCases      int
	TestPositives  int
	MinGroup       int
	EarlyRules     int
	Screening      HintScreenResult // the early-crisis rules
	LearnedScreen  HintScreenResult // learned crisis rate ≥ LearnedScreenRate
	Calibration    []opora.CalibrationBin
	Hints          []*opora.LearnedHint // learned on the training cases
	TrainImproved  int                  // training cases with an assessment to compare
	TestImproved   int
	MeasureChecks  []HintMeasureCheck // the largest measures' rates, train vs held-out
	TestCrisisRate float64
}

// HintMeasureCheck compares a measure's learned improvement rates (every
// family) with the held-out cases'.
type HintMeasureCheck struct {
	Measure                   string
	TrainWith, TrainWithout   float64
	TestWith, TestWithout     float64
	TestNWith, TestNWithout   int
	TrainNWith, TrainNWithout int
}

// ErrHintEvalTooLittle is returned when the data are too few to evaluate;
// the message says how many cases there are and how many are needed.
func hintEvalTooLittle(train, test int, split opora.Date) error {
	return &opora.Error{Code: opora.EINVALID, Message: "hints.evaluate.too_little",
		Args: map[string]string{"Train": fmt.Sprint(train), "Test": fmt.Sprint(test), "NeedTrain": fmt.Sprint(HintEvalMinTrain),
			"NeedTest": fmt.Sprint(HintEvalMinTest), "Split": split.Format("02.01.2006")}}
}

// HintEvalTooLittleText words the refusal in English for the CLI.
func HintEvalTooLittleText(err error) (string, bool) {
	e, ok := err.(*opora.Error)
	if !ok || e.Message != "hints.evaluate.too_little" {
		return "", false
	}
	a := e.Args
	return fmt.Sprintf("too little data to evaluate with the split at %s: %s cases with a known outcome before it (at least %s needed) "+
		"and %s after it (at least %s needed); generate or wait for more cases, or move --split",
		a["Split"], a["Train"], a["NeedTrain"], a["Test"], a["NeedTest"]), true
}

// EvaluateHints splits, learns and judges; see the file's comment.
func (s *Store) EvaluateHints(ctx context.Context, o HintEvalOptions) (*HintEvaluation, error) {
	today := s.Today()
	window, err := s.hintWindowCases(ctx, today)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(window, func(i, j int) bool { return window[i].opened.Before(window[j].opened) })
	split := o.Split
	if split.IsZero() {
		if len(window) == 0 {
			return nil, hintEvalTooLittle(0, 0, today)
		}
		// Halfway through what can be split: training cases need their
		// year of outcomes before the split, held-out ones come after.
		first, last := window[0].profileOn(), window[len(window)-1].profileOn()
		split = first.AddDays((last.DaysSince(first) + opora.HintOutcomeDays) / 2)
	}
	var train, test []hintCaseRef
	for _, c := range window {
		switch p := c.profileOn(); {
		case !p.AddDays(opora.HintOutcomeDays).After(split):
			train = append(train, c)
		case p.After(split):
			test = append(test, c)
		}
	}
	if len(train) < HintEvalMinTrain || len(test) < HintEvalMinTest {
		return nil, hintEvalTooLittle(len(train), len(test), split)
	}
	minGroup, err := s.HintMinGroup(ctx)
	if err != nil {
		return nil, err
	}
	ev := &HintEvaluation{Split: split, MinGroup: minGroup}
	trainCases, err := s.profileHintCases(ctx, train, nil)
	if err != nil {
		return nil, err
	}
	facts := map[int64]*opora.FamilyFacts{}
	testCases, err := s.profileHintCases(ctx, test, func(c *opora.HintCase, f *opora.FamilyFacts) { facts[c.CaseID] = f })
	if err != nil {
		return nil, err
	}
	for _, c := range trainCases {
		if c.Crisis >= 0 {
			ev.TrainCases++
		}
	}
	if ev.TrainCases < HintEvalMinTrain {
		return nil, hintEvalTooLittle(ev.TrainCases, len(test), split)
	}
	ev.TrainFrom, ev.TrainTo = trainCases[0].ProfileOn, trainCases[len(trainCases)-1].ProfileOn
	ev.TestFrom, ev.TestTo = testCases[0].ProfileOn, testCases[len(testCases)-1].ProfileOn
	ev.Hints = opora.LearnHints(trainCases, minGroup)
	crisis := map[string]*opora.LearnedHint{}
	for _, h := range ev.Hints {
		if h.Measure == "" {
			crisis[opora.HintGroupKey(h.Features)] = h
		}
	}
	var base float64
	if all := crisis[""]; all != nil {
		base = all.Rate()
	}
	rules, err := s.hintRules(ctx, s.r, false, 0, map[string]bool{})
	if err != nil {
		return nil, err
	}
	if err := s.markBrokenRules(ctx, s.r, rules); err != nil {
		return nil, err
	}
	var early []*opora.HintRule
	for _, r := range rules {
		if r.EarlyCrisis && len(r.Broken) == 0 {
			early = append(early, r)
		}
	}
	ev.EarlyRules = len(early)
	var predicted []float64
	var observed []int
	for _, c := range testCases {
		if c.Crisis < 0 {
			continue
		}
		ev.TestCases++
		ev.TestPositives += c.Crisis
		for _, r := range early {
			if _, ok := r.Match(facts[c.CaseID], c.ProfileOn); ok {
				ev.Screening.Flagged++
				ev.Screening.TruePositive += c.Crisis
				break
			}
		}
		if h, ok := opora.HintPrediction(c.Features, crisis); ok {
			p := opora.PredictedRate(h, base)
			predicted = append(predicted, p)
			observed = append(observed, c.Crisis)
			if p >= LearnedScreenRate {
				ev.LearnedScreen.Flagged++
				ev.LearnedScreen.TruePositive += c.Crisis
			}
		}
	}
	if ev.TestCases < HintEvalMinTest {
		return nil, hintEvalTooLittle(ev.TrainCases, ev.TestCases, split)
	}
	ev.TestCrisisRate = ratioOf(ev.TestPositives, ev.TestCases)
	ev.Screening.finish(ev.TestPositives)
	ev.LearnedScreen.finish(ev.TestPositives)
	ev.Calibration = opora.Calibrate(predicted, observed)
	// The measures learned over every family, against the held-out cases.
	held := opora.LearnHints(testCases, 1)
	heldBy := map[string]*opora.LearnedHint{}
	for _, h := range held {
		if len(h.Features) == 0 && h.Measure != "" {
			heldBy[h.Measure] = h
		}
	}
	for _, c := range trainCases {
		if c.Improved >= 0 {
			ev.TrainImproved++
		}
	}
	for _, c := range testCases {
		if c.Improved >= 0 {
			ev.TestImproved++
		}
	}
	for _, h := range ev.Hints {
		if len(h.Features) != 0 || h.Measure == "" {
			continue
		}
		t := heldBy[h.Measure]
		if t == nil {
			continue
		}
		ev.MeasureChecks = append(ev.MeasureChecks, HintMeasureCheck{Measure: h.Measure, TrainWith: h.Rate(),
			TrainWithout: h.RateWithout(), TrainNWith: h.N, TrainNWithout: h.NWithout, TestWith: t.Rate(),
			TestWithout: t.RateWithout(), TestNWith: t.N, TestNWithout: t.NWithout})
	}
	return ev, nil
}
