package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func init() { auth.SetParamsForTests() }

func TestBenchRefusesADatabaseWithoutAGeneratorRun(t *testing.T) {
	dir := t.TempDir()
	st := storetest.OpenOptions(t, store.Options{DataDir: dir})
	storetest.SetupOrg(t, st, "Ночлежка")
	var out bytes.Buffer
	err := run(context.Background(), []string{"--data", dir, "--url", "http://127.0.0.1:1", "--smoke"}, &out, io.Discard)
	want := "this database was not filled by the generator: run `opora demo --clients 1000000` first"
	if err == nil || strings.Join(strings.Fields(err.Error()), " ") != want {
		t.Fatalf("bench on an ordinary database: %v", err)
	}
	err = run(context.Background(), []string{"--data", t.TempDir()}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no SQLite database at") {
		t.Fatalf("bench without a database: %v", err)
	}
	err = run(context.Background(), []string{"--data", dir, "--scenarios", "search,frobnicate"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `no scenario "frobnicate"`) {
		t.Fatalf("bench with an unknown scenario: %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("a refused bench printed a report: %q", out.String())
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &out, &errb); err == nil {
		t.Fatal("--help ran the bench")
	}
	for _, want := range []string{"Usage: go run ./cmd/opora-bench", "-url", "-concurrency", "-duration", "-smoke", "-out",
		"-data", "-database-url", "-scenarios", "-region", "board, curator, agenda, monitoring, mix", "-day", "-workers", "-think",
		"-memory-every", "-memory-csv"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, out.String())
		}
	}
	if errb.Len() != 0 {
		t.Errorf("--help wrote to standard error: %s", errb.String())
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

func TestRegionRefusesBadArguments(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"--region", "--families", "--data", t.TempDir()}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--families and --region are different runs") {
		t.Fatalf("bench with --region and --families: %v", err)
	}
	err = run(context.Background(), []string{"--region", "--data", t.TempDir(), "--scenarios", "board,frobnicate"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `no region scenario "frobnicate"`) {
		t.Fatalf("region bench with an unknown scenario: %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("a refused bench printed a report: %q", out.String())
	}
}

func TestDayRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--day", "--region"}, "--day is a run of its own"},
		{[]string{"--day", "--families"}, "--day is a run of its own"},
		{[]string{"--day", "--workers", "0"}, "--workers and --memory-every must be positive"},
		{[]string{"--day", "--memory-every", "0s"}, "--workers and --memory-every must be positive"},
		{[]string{"--day", "--think", "-1s"}, "--think not negative"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), append(tc.args, "--data", t.TempDir()), &out, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: a refused day printed a report: %q", tc.args, out.String())
		}
	}
	// A database the generator did not fill is refused as by the bench.
	var out bytes.Buffer
	err := run(context.Background(), []string{"--day", "--data", t.TempDir()}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no SQLite database at") {
		t.Fatalf("day without a database: %v", err)
	}
}
