package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// cmdHints runs the learned hints' work by hand (issue 23): "opora hints
// learn [--full]" is the nightly learning once; "opora hints evaluate
// [--families N --seed S] [--split DATE]" splits the cases by time, learns
// on the past and reports on the held-out future. With --families it
// first generates a region with planted relationships into the empty
// database (the same seed gives the same numbers) and compares the
// planted rates with the learned ones.
func cmdHints(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	if len(args) == 0 || (args[0] != "learn" && args[0] != "evaluate") {
		newFlags("hints", stderr, &c).Usage()
		return errors.New(`opora hints: the subcommand is "learn" or "evaluate"`)
	}
	sub := args[0]
	fs := newFlags("hints "+sub, stderr, &c)
	full := fs.Bool("full", false, "learn: recompute every case, not only the changed ones")
	families := fs.Int("families", 0, "evaluate: first generate a region with this many families (empty database)")
	seed := fs.Uint64("seed", 1, "evaluate: the generator's seed with --families")
	split := fs.String("split", "", "evaluate: the split day, YYYY-MM-DD (default: halfway, so the learning and held-out periods are as long)")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if sub == "learn" {
		r, err := st.LearnHints(ctx, *full)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "learned from %d cases (%d recomputed, %d removed): %d hints in groups of at least %d families, %s\n",
			r.Cases, r.Recomputed, r.Removed, r.Hints, r.MinGroup, r.Took.Round(time.Millisecond))
		return nil
	}
	var o store.HintEvalOptions
	if *split != "" {
		t, err := time.Parse(time.DateOnly, *split)
		if err != nil {
			return fmt.Errorf("opora hints evaluate: --split: %w", err)
		}
		o.Split = opora.DateOf(t)
	}
	if *families > 0 {
		start := time.Now()
		if _, err := demo.GenerateFamilies(ctx, st, demo.FamilyOptions{Families: *families, Seed: *seed}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "generated %d families with seed %d in %s\n", *families, *seed, time.Since(start).Round(time.Second))
	}
	start := time.Now()
	ev, err := st.EvaluateHints(ctx, o)
	if msg, ok := store.HintEvalTooLittleText(err); ok {
		return errors.New("opora hints evaluate: " + msg)
	}
	if err != nil {
		return err
	}
	printEvaluation(stdout, ev, *families > 0)
	fmt.Fprintf(stdout, "took %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func printEvaluation(out io.Writer, ev *store.HintEvaluation, planted bool) {
	fmt.Fprintf(out, "split at %s: learned on %d cases profiled %s…%s, judged on %d cases profiled %s…%s\n",
		ev.Split, ev.TrainCases, ev.TrainFrom, ev.TrainTo, ev.TestCases, ev.TestFrom, ev.TestTo)
	fmt.Fprintf(out, "held-out crisis rate within a year: %.1f %% (%d of %d); groups of at least %d families\n",
		100*ev.TestCrisisRate, ev.TestPositives, ev.TestCases, ev.MinGroup)
	fmt.Fprintf(out, "screening list (%d early-crisis rules): flagged %d, precision %.1f %%, recall %.1f %%\n",
		ev.EarlyRules, ev.Screening.Flagged, 100*ev.Screening.Precision, 100*ev.Screening.Recall)
	fmt.Fprintf(out, "learned crisis rate ≥ %.0f %%: flagged %d, precision %.1f %%, recall %.1f %%\n",
		100*store.LearnedScreenRate, ev.LearnedScreen.Flagged, 100*ev.LearnedScreen.Precision, 100*ev.LearnedScreen.Recall)
	fmt.Fprintln(out, "calibration of the learned crisis rates (held-out cases by decile of prediction):")
	fmt.Fprintln(out, "  decile  cases  predicted  observed")
	for _, b := range ev.Calibration {
		fmt.Fprintf(out, "  %6d  %5d  %8.1f %%  %7.1f %%\n", b.Decile, b.N, 100*b.Predicted, 100*b.Observed)
	}
	for _, m := range ev.MeasureChecks {
		fmt.Fprintf(out, "measure %s: improved %.1f %% with vs %.1f %% without (learned, %d/%d plans); held-out %.1f %% vs %.1f %% (%d/%d)\n",
			m.Measure, 100*m.TrainWith, 100*m.TrainWithout, m.TrainNWith, m.TrainNWithout, 100*m.TestWith, 100*m.TestWithout,
			m.TestNWith, m.TestNWithout)
	}
	if !planted {
		return
	}
	fmt.Fprintln(out, "planted relationships vs learned on the training cases:")
	for _, p := range demo.PlantedRelationships {
		i := slices.IndexFunc(ev.Hints, func(h *opora.LearnedHint) bool {
			return slices.Equal(h.Features, p.Features) && h.Measure == p.Measure
		})
		if i < 0 {
			fmt.Fprintf(out, "  %s: planted %.0f %%, no learned group (too small)\n", p.Name, 100*p.With)
			continue
		}
		h := ev.Hints[i]
		lo, hi := h.CI()
		fmt.Fprintf(out, "  %s: planted %.0f %% vs %.0f %%; learned %.1f %% (95 %% CI %.1f–%.1f, %d/%d)\n", p.Name,
			100*p.With, 100*p.Without, 100*h.Rate(), 100*lo, 100*hi, h.K, h.N)
	}
}
