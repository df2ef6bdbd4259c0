package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/opora-project/opora/internal/demo"
	"github.com/opora-project/opora/internal/store"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlags("demo", stderr, &c)
	clients := fs.Int("clients", 500, "how many clients to create")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same people")
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
	return runDemo(ctx, st, *clients, *seed, stdout)
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
