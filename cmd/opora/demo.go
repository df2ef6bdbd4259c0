package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/store"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("demo", stderr, &c)
	clients := fs.Int("clients", 500, "how many clients to create; above 1000 the scale generator fills the database in bulk")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same people")
	families := fs.Int("families", 0, "generate a region of the network with this many families (on an empty database; "+
		"not combined with --clients)")
	network := fs.Bool("network", false, "create the regional demo: three municipalities with their КДН, КЦСОН, schools, "+
		"kindergartens, police, employment, health and NGOs, workers of every role and families at every stage (on an empty database)")
	if err := parse(fs, args, 0); err != nil {
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
	if *network {
		return runNetwork(ctx, st, *seed, stdout)
	}
	if *families > 0 {
		return runFamilies(ctx, st, *families, *seed, stdout)
	}
	run, err := st.GeneratorRun(ctx)
	if err != nil {
		return err
	}
	if *clients > demo.DemoSize || run != nil {
		return runGenerator(ctx, st, *clients, *seed, stdout)
	}
	return runDemo(ctx, st, *clients, *seed, stdout)
}

// runGenerator fills (or goes on filling) a database with regional-size
// synthetic data and prints the rate as it goes.
func runGenerator(ctx context.Context, st *store.Store, clients int, seed uint64, out io.Writer) error {
	start, last := time.Now(), time.Now()
	first := -1
	fmt.Fprintf(out, "generating %d clients (about %d services each over five years)…\n", clients, demo.MeanServices)
	// After the last batch the generator builds indexes, writes counts and
	// gathers statistics: minutes at a million clients, so each step is
	// announced, and the last line says how long each took.
	steps := []generatorStep{{"clients", start}}
	step := func(name string) {
		steps = append(steps, generatorStep{name, time.Now()})
		fmt.Fprintf(out, "  %s…\n", stepLabels[name])
	}
	logins, err := demo.Generate(ctx, st, demo.Options{Clients: clients, Seed: seed, Step: step}, func(done, target int) {
		if first < 0 {
			first = done - min(done, demo.BatchClients)
		}
		if time.Since(last) < 10*time.Second && done < target {
			return
		}
		last = time.Now()
		rate := float64(done-first) / time.Since(start).Minutes()
		fmt.Fprintf(out, "  %d of %d clients, %.0f clients/min\n", done, target, rate)
	})
	if err != nil {
		return err
	}
	end := time.Now()
	var took []string
	for i, s := range steps {
		next := end
		if i+1 < len(steps) {
			next = steps[i+1].at
		}
		took = append(took, s.name+" "+next.Sub(s.at).Round(time.Second).String())
	}
	fmt.Fprintf(out, "done in %s (%s). Demo accounts (password for all: %s):\n", end.Sub(start).Round(time.Second),
		strings.Join(took, ", "), demo.Password)
	for _, l := range logins {
		fmt.Fprintf(out, "  %-12s %-14s %s\n", l.Login, l.Role, l.Name)
	}
	return nil
}

// runFamilies fills an empty database with a generated region of the
// network and prints the rate as it goes.
func runFamilies(ctx context.Context, st *store.Store, families int, seed uint64, out io.Writer) error {
	start, last := time.Now(), time.Now()
	fmt.Fprintf(out, "generating a region with %d families (municipalities of %d, their agencies and staff)…\n",
		families, demo.FamiliesPerMunicipality)
	steps := []generatorStep{{"organisations and families", start}}
	step := func(name string) {
		steps = append(steps, generatorStep{name, time.Now()})
		fmt.Fprintf(out, "  %s…\n", stepLabels[name])
	}
	logins, err := demo.GenerateFamilies(ctx, st, demo.FamilyOptions{Families: families, Seed: seed, Step: step},
		func(done, target int) {
			if time.Since(last) < 10*time.Second && done < target {
				return
			}
			last = time.Now()
			fmt.Fprintf(out, "  %d of %d families, %.0f families/min\n", done, target,
				float64(done)/time.Since(start).Minutes())
		})
	if err != nil {
		return err
	}
	end := time.Now()
	var took []string
	for i, s := range steps {
		next := end
		if i+1 < len(steps) {
			next = steps[i+1].at
		}
		took = append(took, s.name+" "+next.Sub(s.at).Round(time.Second).String())
	}
	fmt.Fprintf(out, "done in %s (%s), %.0f families/min. Demo accounts (password for all: %s):\n",
		end.Sub(start).Round(time.Second), strings.Join(took, ", "), float64(families)/end.Sub(start).Minutes(), demo.Password)
	for _, l := range logins {
		fmt.Fprintf(out, "  %-22s %-18s %s\n", l.Login, l.Role, l.Name)
	}
	return nil
}

// runNetwork fills an empty database with the regional demo and prints
// the logins by role.
func runNetwork(ctx context.Context, st *store.Store, seed uint64, out io.Writer) error {
	start := time.Now()
	fmt.Fprintf(out, "creating the regional demo: %d municipalities, their agencies, workers and families…\n",
		demo.NetworkMunicipalities)
	logins, err := demo.GenerateNetwork(ctx, st, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done in %s. Sign in as (password for all: %s):\n", time.Since(start).Round(time.Second), demo.Password)
	for _, l := range logins {
		fmt.Fprintf(out, "  %-22s %-18s %s\n", l.Login, l.Role, l.Name)
	}
	return nil
}

// generatorStep is a step of the scale generator and when it started.
type generatorStep struct {
	name string
	at   time.Time
}

// stepLabels announce the generator's finishing steps.
var stepLabels = map[string]string{
	store.BulkStepIndexes:    "building the indexes",
	store.BulkStepCounts:     "writing the report counts",
	store.BulkStepStatistics: "gathering the planner's statistics",
}

// runDemo fills an empty database and prints the demo logins.
func runDemo(ctx context.Context, st *store.Store, clients int, seed uint64, out io.Writer) error {
	start := time.Now()
	fmt.Fprintf(out, "creating the demo organisation with %d clients…\n", clients)
	logins, err := demo.Run(ctx, st, demo.Options{Clients: clients, Seed: seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done in %s. Demo accounts (password for all: %s):\n", time.Since(start).Round(time.Second), demo.Password)
	for _, l := range logins {
		fmt.Fprintf(out, "  %-12s %-14s %s\n", l.Login, l.Role, l.Name)
	}
	return nil
}
