// Command opora runs the Opora case-management server and its maintenance
// commands: serve, migrate, user, demo, backup, restore, bench, version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Opora — case management for social work.

Usage:
  opora serve    [flags]   run the web server (default :8080, data in ./opora-data)
  opora migrate  [flags]   bring the database schema up to date
  opora user     create|set-password|disable|enable [flags]
  opora demo     [--clients N]   fill an EMPTY database with a demo organisation (try-out only)
  opora backup   [flags] [FILE]   write a backup archive (database + uploaded files)
  opora restore  [flags] FILE     restore a backup into an empty data folder / database
  opora bench    [flags]   measure a running server on a generated database (see docs/PERFORMANCE.md)
  opora version            print the version

Every flag has an OPORA_* environment variable fallback (--database-url ↔
OPORA_DATABASE_URL). Run "opora COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "opora:", oneLine(err.Error()))
		}
		os.Exit(1)
	}
}

// oneLine keeps a startup failure to a single readable line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr)
	case "user":
		return cmdUser(ctx, args, stdin, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args, stdout, stderr)
	case "bench":
		return cmdBench(ctx, args, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "opora", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
