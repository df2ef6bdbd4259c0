// Command opora runs the Opora case-management server and its maintenance
// commands: serve, migrate, user, demo, backup, restore, files, jobs, audit,
// resources, org, version. The benchmark is a command of its own (cmd/opora-bench), not
// linked in here.
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

// command is one line of the command list.
type command struct {
	name, args, help string
}

// commands is what "opora help" lists, in this order.
var commands = []command{
	{"serve", "[flags]", "run the web server (default :8080, data in ./opora-data)"},
	{"migrate", "[flags]", "bring the database schema up to date"},
	{"user", "create|set-password|disable|enable [flags]", "add an account or rescue one"},
	{"demo", "[--clients N] [--seed S]", "fill an EMPTY database with a demo organisation (try-out only)"},
	{"backup", "[flags] [FILE]", "write a backup archive (database + uploaded files)"},
	{"restore", "[flags] FILE", "restore a backup into an empty data folder / database; --verify-only FILE|FOLDER: the backup drill"},
	{"files", "encrypt|decrypt [flags]", "encrypt the stored files with --files-key-file, or decrypt them again"},
	{"jobs", "run [flags]", "run the due background work once: overdue escalations, notification e-mail"},
	{"import", "mks [flags]", "move an organisation in from МКС (its MySQL database or a dump)"},
	{"org", "export|import [flags] FILE", "move an organisation out of this instance, or into it (docs/EXPORT.md)"},
	{"audit", "verify|anchor [flags]", "check the audit log's hash chain, or print its anchor"},
	{"hints", "learn|evaluate [flags]", "learn the hints from the cases now, or evaluate them on a time split"},
	{"resources", "export|import [flags]", "the resource map as Open Referral HSDS 3.0 JSON, out or in"},
	{"version", "", "print the version"},
	{"help", "[COMMAND]", "print this list, or a command's flags"},
}

// usage is the command list.
func usage() string {
	var b strings.Builder
	b.WriteString("Opora — case management for social work.\n\nUsage: opora COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.help)
	}
	b.WriteString(`
Without a command, opora serves. Every flag has an OPORA_* environment
variable fallback (--database-url ↔ OPORA_DATABASE_URL). Run
"opora COMMAND --help" for a command's flags.
`)
	return b.String()
}

// errBenchMoved answers "opora bench": the benchmark is its own command,
// so that the server binary carries neither it nor its spreadsheet reader.
var errBenchMoved = errors.New("the benchmark is its own command now: go run ./cmd/opora-bench --help (see docs/PERFORMANCE.md)")

// errUnknownCommand: the first argument names no command (exit status 2).
var errUnknownCommand = errors.New("unknown command")

// exitCode is the process's exit status for what run returned: 0 for
// success and for a help that was asked for, 2 for a command that does
// not exist, 1 for anything else.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUnknownCommand):
		return 2
	}
	return 1
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// wantsHelp reports whether a command's arguments ask for its help
// before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code := exitCode(err); code != 0 {
		fmt.Fprintln(os.Stderr, "opora:", oneLine(err.Error()))
		os.Exit(code)
	}
}

// oneLine keeps a startup failure to a single readable line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && isHelp(args[0]) {
		if len(args) == 1 {
			fmt.Fprint(stdout, usage())
			return nil
		}
		args = []string{args[1], "--help"} // opora help COMMAND
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	errOut := stderr
	if wantsHelp(args) {
		stderr = stdout // the flags asked for go to standard output
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
	case "files":
		return cmdFiles(ctx, args, stdout, stderr)
	case "jobs":
		return cmdJobs(ctx, args, stdout, stderr)
	case "import":
		return cmdImport(ctx, args, stdout, stderr)
	case "org":
		return cmdOrg(ctx, args, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args, stdout, stderr)
	case "hints":
		return cmdHints(ctx, args, stdout, stderr)
	case "resources":
		return cmdResources(ctx, args, stdout, stderr)
	case "bench":
		return errBenchMoved
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "opora", version)
		return nil
	default:
		fmt.Fprint(errOut, usage())
		return fmt.Errorf("%w %q", errUnknownCommand, cmd)
	}
}
