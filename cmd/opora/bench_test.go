package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestBenchRefusesADatabaseWithoutAGeneratorRun(t *testing.T) {
	dir, _ := setupDataDir(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "--data", dir, "--url", "http://127.0.0.1:1", "--smoke"}, nil, &out, io.Discard)
	want := "this database was not filled by the generator: run `opora demo --clients 1000000` first"
	if err == nil || oneLine(err.Error()) != want {
		t.Fatalf("bench on an ordinary database: %v", err)
	}
	err = run(context.Background(), []string{"bench", "--data", t.TempDir()}, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no SQLite database at") {
		t.Fatalf("bench without a database: %v", err)
	}
	err = run(context.Background(), []string{"bench", "--data", dir, "--scenarios", "search,frobnicate"}, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `no scenario "frobnicate"`) {
		t.Fatalf("bench with an unknown scenario: %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("a refused bench printed a report: %q", out.String())
	}
}

func TestParseLevels(t *testing.T) {
	if got, err := parseLevels(" 1, 10,50"); err != nil || !slices.Equal(got, []int{1, 10, 50}) {
		t.Fatalf("parseLevels: %v %v", got, err)
	}
	for _, bad := range []string{"", "0", "1,x", "-2"} {
		if _, err := parseLevels(bad); err == nil {
			t.Errorf("parseLevels(%q) accepted", bad)
		}
	}
}
