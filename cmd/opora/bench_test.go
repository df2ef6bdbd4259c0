package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
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

// The scale generator says what it does after its last batch, which takes
// minutes at a million clients, and how long each step took.
func TestGeneratorAnnouncesItsFinishingSteps(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--data", dir, "--clients", "1200"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	at := 0
	for _, want := range []string{"1200 of 1200 clients", "building the indexes…", "writing the report counts…",
		"gathering the planner's statistics…", "done in "} {
		i := strings.Index(text[at:], want)
		if i < 0 {
			t.Fatalf("the generator's output lacks %q after %q:\n%s", want, text[:at], text)
		}
		at += i + len(want)
	}
	done := regexp.MustCompile(`done in \S+ \(clients \S+, indexes \S+, counts \S+, statistics \S+\)\. Demo accounts`)
	if !done.MatchString(text) {
		t.Fatalf("the last line does not split the time by step:\n%s", text)
	}
}
