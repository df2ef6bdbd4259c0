package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The server binary carries neither the benchmark nor the test tools:
// internal/bench (with its spreadsheet reader, excelize) is cmd/opora-bench,
// and chromedp drives browsers in tests only.
func TestServerDoesNotLinkTheBenchmark(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		// The README's test command is go test: the go tool is there.
		t.Fatalf("no go tool on PATH to list the server's dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !contains(deps, "github.com/opora-project/opora/internal/web") {
		t.Fatalf("go list -deps listed no server dependencies: %q", out)
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/opora-project/opora/internal/bench", "github.com/xuri/excelize", "github.com/chromedp/"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("the server binary links %s", d)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestBenchCommandSaysWhereTheBenchmarkIs(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"bench", "--smoke"}, nil, &out, &errb)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "go run ./cmd/opora-bench") {
		t.Fatalf("opora bench: %v", err)
	}
	_ = run(context.Background(), []string{"--help"}, nil, &out, io.Discard)
	if strings.Contains(out.String(), "\n  bench ") {
		t.Errorf("the command list still offers bench:\n%s", out.String())
	}
}
