package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
)

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
