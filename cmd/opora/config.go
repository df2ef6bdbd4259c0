package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/envconf"
	"github.com/opora-project/opora/internal/store"
)

// config holds the settings shared by the commands.
type config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	ReadDatabaseURL string // serve only
	BaseURL         string
	TLSCert         string
	TLSKey          string
	SecureCookies   bool
	TrustProxy      bool
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	LogFormat       string
	SecretKeyFile   string
	FilesKeyFile    string
}

// The OPORA_* fallbacks of the flags (internal/envconf).
var (
	env         = envconf.String
	envBool     = envconf.Bool
	envDuration = envconf.Duration
)

// newFlags declares the flags every command shares: where the data is.
func newFlags(name string, stderr io.Writer, c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("opora "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		cmd, _, _ := strings.Cut(name, " ")
		for _, c := range commands {
			if c.name == cmd {
				args := c.args
				if strings.Contains(name, " ") { // "user create": the action is named already
					_, args, _ = strings.Cut(args, " ")
				}
				fmt.Fprintf(fs.Output(), "opora %s: %s\n\nUsage: opora %s %s\n\nFlags:\n", cmd, c.help, name, args)
			}
		}
		fs.PrintDefaults()
	}
	fs.StringVar(&c.DataDir, "data", env("DATA", "./opora-data"), "data folder: SQLite database and uploaded files (OPORA_DATA)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""),
		"postgres://user:pass@host/db for PostgreSQL; empty for SQLite in the data folder (OPORA_DATABASE_URL)")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", env("SECRET_KEY_FILE", ""),
		"key file sealing the secrets kept in the database (the SMTP password); created on first use, mode 0600; "+
			"instances sharing a database must share it (OPORA_SECRET_KEY_FILE; default secret.key in the data folder)")
	fs.StringVar(&c.FilesKeyFile, "files-key-file", env("FILES_KEY_FILE", ""),
		"key file encrypting the uploaded files at rest (32 random bytes, or their base64 or hex); must lie outside the data folder; "+
			"once files are encrypted the server starts only with it (OPORA_FILES_KEY_FILE; default: files stored plain)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "text"), "log format: text or json (OPORA_LOG_FORMAT)")
	return fs
}

func (c *config) storeOptions() store.Options {
	return store.Options{DatabaseURL: c.DatabaseURL, DataDir: c.DataDir, SecretKey: c.SecretKeyFile, ReadDatabaseURL: c.ReadDatabaseURL}
}

func (c *config) logger(w io.Writer) *slog.Logger {
	if strings.EqualFold(c.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// parse parses flags and refuses stray arguments beyond max.
func parse(fs *flag.FlagSet, args []string, max int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > max {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return nil
}
