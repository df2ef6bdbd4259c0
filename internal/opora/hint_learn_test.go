package opora

import (
	"math"
	"testing"
)

func TestWilsonInterval(t *testing.T) {
	// 61 of 100: the textbook interval is 0.512–0.700.
	lo, hi := Wilson(61, 100)
	if math.Abs(lo-0.512) > 0.002 || math.Abs(hi-0.700) > 0.002 {
		t.Errorf("Wilson(61, 100) = %.3f–%.3f", lo, hi)
	}
	if lo, hi := Wilson(0, 10); lo != 0 || hi < 0.27 || hi > 0.29 {
		t.Errorf("Wilson(0, 10) = %.3f–%.3f", lo, hi)
	}
}

func TestLearnHintsGroupsAndThreshold(t *testing.T) {
	var cases []HintCase
	for i := range 30 {
		c := HintCase{CaseID: int64(i + 1), FamilyID: int64(i + 1), ProfileOn: NewDate(2025, 1, 1+i%28),
			Features: []string{"event:job_loss", "signal:school"}, Crisis: 0, Improved: -1}
		if i < 18 {
			c.Crisis = 1
		}
		if i >= 25 { // five families with a third feature: a group too small
			c.Features = append(c.Features, "status:tzs")
		}
		cases = append(cases, c)
	}
	// The same family's later case does not count twice.
	cases = append(cases, HintCase{CaseID: 99, FamilyID: 1, ProfileOn: NewDate(2025, 6, 1),
		Features: []string{"event:job_loss"}, Crisis: 1, Improved: -1})
	hs := LearnHints(cases, 10)
	byKey := map[string]*LearnedHint{}
	for _, h := range hs {
		byKey[h.Key()] = h
	}
	h := byKey["event:job_loss|signal:school#"]
	if h == nil || h.N != 30 || h.K != 18 {
		t.Fatalf("pair group: %+v", h)
	}
	if byKey["event:job_loss|signal:school|status:tzs#"] != nil || byKey["status:tzs#"] != nil {
		t.Error("a group of 5 families is stored")
	}
	if e := byKey["#"]; e == nil || e.N != 30 {
		t.Errorf("every family: %+v", e)
	}
	bins := Calibrate([]float64{0.1, 0.9, 0.5, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.05}, []int{0, 1, 1, 0, 0, 0, 1, 1, 1, 0})
	if len(bins) != 10 || bins[0].Predicted != 0.05 || bins[9].Observed != 1 {
		t.Errorf("calibration %+v", bins)
	}
}
