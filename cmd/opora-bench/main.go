// Command opora-bench measures a running Opora server on a database the
// scale generator filled (`opora demo --clients N`): every scenario over
// HTTP at several concurrency levels, each beside its raw-SQL floor. It is
// a command of its own so that the server binary (cmd/opora) carries
// neither the benchmark nor its spreadsheet reader; see docs/PERFORMANCE.md.
//
//	go run ./cmd/opora-bench --data /srv/bench --url http://127.0.0.1:8080 --out bench.md
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opora-project/opora/internal/bench"
	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/envconf"
	"github.com/opora-project/opora/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "opora-bench:", strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(1)
	}
}

// run runs the benchmark suite against a running server whose database
// the scale generator filled.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("opora-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout) // the flags asked for go to standard output
		}
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "opora-bench: measure a running Opora server on a database the scale generator filled\n"+
			"(see docs/PERFORMANCE.md)\n\nUsage: go run ./cmd/opora-bench [flags]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var o store.Options
	fs.StringVar(&o.DataDir, "data", env("DATA", "./opora-data"), "the server's data folder, for SQLite (OPORA_DATA)")
	fs.StringVar(&o.DatabaseURL, "database-url", env("DATABASE_URL", ""),
		"the server's database: empty for SQLite in --data, sqlite:PATH, or postgres://… (OPORA_DATABASE_URL)")
	fs.StringVar(&o.DatabaseURL, "database", env("DATABASE_URL", ""), "same as --database-url")
	fs.StringVar(&o.ReadDatabaseURL, "database-read-url", env("DATABASE_READ_URL", ""),
		"the server's read replica, when it runs with --database-read-url (PostgreSQL only): the floors of the reads the server sends there "+
			"(reports, register, monitoring, exports) replay there (OPORA_DATABASE_READ_URL)")
	url := fs.String("url", env("BENCH_URL", "http://127.0.0.1:8080"), "address of the RUNNING server to measure (OPORA_BENCH_URL)")
	login := fs.String("login", env("BENCH_LOGIN", "admin"), "login of the sessions (OPORA_BENCH_LOGIN)")
	password := fs.String("password", env("BENCH_PASSWORD", demo.Password), "their password (OPORA_BENCH_PASSWORD, or OPORA_BENCH_PASSWORD_FILE)")
	levels := fs.String("concurrency", env("BENCH_CONCURRENCY", "1,10,50"), "concurrency levels, comma-separated (OPORA_BENCH_CONCURRENCY)")
	duration := fs.Duration("duration", envDuration("BENCH_DURATION", 20*time.Second),
		"how long each scenario runs at each level; also the time budget of each raw-SQL floor (OPORA_BENCH_DURATION)")
	pid := fs.Int("server-pid", envInt("BENCH_SERVER_PID", 0),
		"the server's process id, for its memory; default: the process running \"opora … serve\" (OPORA_BENCH_SERVER_PID)")
	smoke := fs.Bool("smoke", envBool("BENCH_SMOKE"), "short run for CI: a few requests per scenario at concurrency 1 and 2 (OPORA_BENCH_SMOKE)")
	only := fs.String("scenarios", env("BENCH_SCENARIOS", ""), "run only these scenarios, comma-separated: "+
		strings.Join(bench.ScenarioKeys(), ", ")+" (OPORA_BENCH_SCENARIOS; default all)")
	families := fs.Bool("families", envBool("BENCH_FAMILIES"), "run the families' scenarios instead ("+
		strings.Join(bench.FamilyScenarioKeys(), ", ")+") on a database filled by opora demo --families, logged in as a "+
		"КДН secretary (default login "+bench.DefaultFamilyLogin+") (OPORA_BENCH_FAMILIES)")
	region := fs.Bool("region", envBool("BENCH_REGION"), "run the region's scenarios instead ("+
		strings.Join(bench.RegionScenarioKeys(), ", ")+") on a database filled by opora demo --families, logged in as the "+
		"region's КДН secretaries, curators, agency heads and specialists; --login is then the monitoring's (default: analyst, "+
		"else admin) (OPORA_BENCH_REGION)")
	day := fs.Bool("day", envBool("BENCH_DAY"), "run a day of load instead: --workers workers of the generated organisation, each "+
		"logged in as a user of their own (day-001…, made on first use), doing the daily mix with think time for --duration "+
		"(default 10m here), while the server's memory is sampled (OPORA_BENCH_DAY)")
	workers := fs.Int("workers", envInt("BENCH_WORKERS", 200), "--day: how many workers (OPORA_BENCH_WORKERS)")
	think := fs.Duration("think", envDuration("BENCH_THINK", 6*time.Second),
		"--day: a worker's mean think time between two actions, drawn evenly from half to one and a half of it (OPORA_BENCH_THINK)")
	memEvery := fs.Duration("memory-every", envDuration("BENCH_MEMORY_EVERY", 5*time.Second),
		"--day: how often the server's memory is sampled (OPORA_BENCH_MEMORY_EVERY)")
	memCSV := fs.String("memory-csv", env("BENCH_MEMORY_CSV", ""), "--day: also write every memory sample to this CSV file (OPORA_BENCH_MEMORY_CSV)")
	out := fs.String("out", env("BENCH_OUT", ""), "also write the report as Markdown to this file (OPORA_BENCH_OUT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	conc, err := parseLevels(*levels)
	if err != nil {
		return err
	}
	bo := bench.Options{URL: *url, Store: o, Login: *login, Password: *password,
		Concurrency: conc, Duration: *duration, Smoke: *smoke, ServerPID: *pid, Scenarios: scenarioList(*only), Progress: stderr}
	if *day {
		if *families || *region {
			return errors.New("--day is a run of its own: give it without --families or --region")
		}
		if *workers <= 0 || *think < 0 || *memEvery <= 0 {
			return errors.New("--day: --workers and --memory-every must be positive, --think not negative")
		}
		bo.Workers, bo.Think, bo.MemoryEvery = *workers, *think, *memEvery
		if !flagGiven(fs, "duration") && env("BENCH_DURATION", "") == "" {
			bo.Duration = 10 * time.Minute
		}
		return runDay(ctx, bo, *out, *memCSV, stdout)
	}
	runBench := bench.Run
	switch {
	case *families && *region:
		return errors.New("--families and --region are different runs: give one")
	case *families:
		runBench = bench.RunFamilies
	case *region:
		runBench = bench.RunRegion
	}
	rep, err := runBench(ctx, bo)
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := rep.WriteMarkdown(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if n := rep.Errors(); n > 0 {
		return fmt.Errorf("bench: %d requests failed (see the errors above)", n)
	}
	for _, f := range rep.Floors {
		if f.Err != "" {
			return fmt.Errorf("bench: the raw-SQL floor of %q failed (see above): its statements no longer run on the database", f.Scenario)
		}
	}
	return nil
}

// runDay runs a day of load and writes its report (and the memory
// samples); it fails when any action failed.
func runDay(ctx context.Context, bo bench.Options, out, memCSV string, stdout io.Writer) error {
	rep, err := bench.RunDay(ctx, bo)
	if rep == nil {
		return err
	}
	// An interrupted day still reports what it measured.
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	write := func(path string, f func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		w, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := f(w); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	}
	if err := write(out, rep.WriteMarkdown); err != nil {
		return err
	}
	if err := write(memCSV, rep.WriteMemoryCSV); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	if n := rep.Errors(); n > 0 {
		return fmt.Errorf("day: %d actions failed (see the errors above)", n)
	}
	return nil
}

// flagGiven reports whether the command line set the flag.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// The OPORA_* fallbacks of the flags (internal/envconf).
var (
	env         = envconf.String
	envBool     = envconf.Bool
	envDuration = envconf.Duration
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(env(name, "")); err == nil {
		return n
	}
	return def
}

// parseLevels reads "1,10,50".
func parseLevels(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 1000 {
			return nil, fmt.Errorf("--concurrency: %q is not a list of numbers from 1 to 1000", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// scenarioList splits --scenarios; empty means all.
func scenarioList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
