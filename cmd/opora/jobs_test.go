package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// "opora jobs run" on a fresh data folder migrates, runs the due work and
// says what it did; a missing subcommand is an error with the usage.
func TestJobsRun(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"jobs", "run", "--data", dir}, nil, &out, &errb); err != nil {
		t.Fatalf("jobs run: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "escalated 0, e-mailed 0 notifications") ||
		!strings.Contains(out.String(), "due for destruction 0, purged files 0") {
		t.Errorf("output: %q", out.String())
	}
	out.Reset()
	errb.Reset()
	if err := run(context.Background(), []string{"jobs"}, nil, &out, &errb); err == nil || !strings.Contains(errb.String(), "Usage: opora jobs run [flags]") {
		t.Errorf("jobs without run: %v %q", err, errb.String())
	}
}
