package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The evaluation on two regions generated with the same seed gives the
// same numbers; the planted profile makes the learned screening better
// than chance and the calibration follows the planted rates; too early a
// split refuses and says how much is needed.
func TestEvaluateHintsReproducible(t *testing.T) {
	auth.SetParamsForTests()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			var evs []*store.HintEvaluation
			for range 2 {
				st := storetest.Open(t, d)
				if _, err := demo.GenerateFamilies(ctx, st, demo.FamilyOptions{Families: 3000, Seed: 41}, nil); err != nil {
					t.Fatal(err)
				}
				ev, err := st.EvaluateHints(ctx, store.HintEvalOptions{})
				if err != nil {
					t.Fatal(err)
				}
				evs = append(evs, ev)
				if len(evs) == 1 {
					// Too early a split: nothing to learn from.
					_, err := st.EvaluateHints(ctx, store.HintEvalOptions{Split: ev.TrainFrom})
					msg, ok := store.HintEvalTooLittleText(err)
					if !ok || !strings.Contains(msg, "at least 200 needed") || !strings.Contains(msg, "0 cases with a known outcome before it") {
						t.Errorf("too early a split: %v / %q", err, msg)
					}
				}
			}
			a, b := evs[0], evs[1]
			if !reflect.DeepEqual(a, b) {
				t.Errorf("two evaluations with one seed differ:\n%+v\n%+v", a, b)
			}
			t.Logf("split %s: train %d, test %d (crisis %.2f); rules %d: precision %.2f recall %.2f; learned: precision %.2f recall %.2f",
				a.Split, a.TrainCases, a.TestCases, a.TestCrisisRate, a.EarlyRules, a.Screening.Precision, a.Screening.Recall,
				a.LearnedScreen.Precision, a.LearnedScreen.Recall)
			for _, c := range a.Calibration {
				t.Logf("decile %d: n %d predicted %.2f observed %.2f", c.Decile, c.N, c.Predicted, c.Observed)
			}
			if a.TrainCases < store.HintEvalMinTrain || a.TestCases < store.HintEvalMinTest || len(a.Calibration) != 10 {
				t.Fatalf("evaluation: %+v", a)
			}
			if a.LearnedScreen.Precision < a.TestCrisisRate+0.1 {
				t.Errorf("learned screening precision %.2f is no better than the base rate %.2f", a.LearnedScreen.Precision, a.TestCrisisRate)
			}
			// The deciles separate (the planted profiles on top), and the
			// predictions are right on the whole.
			top, bottom := a.Calibration[9], a.Calibration[0]
			if top.Observed < bottom.Observed+0.2 || top.Predicted <= a.TestCrisisRate {
				t.Errorf("calibration: top decile %+v, bottom %+v", top, bottom)
			}
			var n int
			var pred, obs float64
			for _, c := range a.Calibration {
				n += c.N
				pred += c.Predicted * float64(c.N)
				obs += c.Observed * float64(c.N)
			}
			if d := (pred - obs) / float64(n); d > 0.06 || d < -0.06 {
				t.Errorf("mean predicted %.3f vs observed %.3f", pred/float64(n), obs/float64(n))
			}
		})
	}
}
