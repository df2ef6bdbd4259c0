package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/auth"
)

// "opora hints learn" on a fresh data folder learns from nothing and says
// so; "opora hints evaluate" there refuses and says how much is needed;
// on a generated region it prints the numbers and the planted rates.
func TestHintsCommands(t *testing.T) {
	auth.SetParamsForTests()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"hints", "learn", "--data", dir}, nil, &out, &errb); err != nil {
		t.Fatalf("hints learn: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "learned from 0 cases (0 recomputed, 0 removed): 0 hints in groups of at least 10 families") {
		t.Errorf("learn output: %q", out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"hints", "evaluate", "--data", dir}, nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "too little data to evaluate") || !strings.Contains(err.Error(), "at least 200 needed") {
		t.Errorf("evaluate on nothing: %v", err)
	}
	dir = t.TempDir()
	out.Reset()
	if err := run(context.Background(), []string{"hints", "evaluate", "--data", dir, "--families", "3000", "--seed", "41"}, nil,
		&out, &errb); err != nil {
		t.Fatalf("evaluate: %v\n%s", err, errb.String())
	}
	for _, want := range []string{"generated 3000 families with seed 41", "screening list (5 early-crisis rules)",
		"calibration of the learned crisis rates", "planted relationships vs learned",
		"job loss and school absence signals → СОП within a year: planted 60 % vs 12 %; learned"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("evaluate output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"hints"}, nil, &out, &errb); err == nil {
		t.Error("hints without a subcommand")
	}
}
