package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/mail"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/webhook"
)

// cmdJobs runs the background work that is due once (escalations of
// overdue tasks, notification e-mail, once a day the retention listing
// and purge of deleted files): "opora jobs run", for a cron job
// or to try the mail settings; "opora serve" runs the same on a ticker.
func cmdJobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	if len(args) == 0 || (args[0] != "run" && !isHelp(args[0])) {
		newFlags("jobs", stderr, &c).Usage()
		return errors.New(`opora jobs: the subcommand is "run"`)
	}
	if args[0] == "run" {
		args = args[1:]
	}
	fs := newFlags("jobs", stderr, &c)
	fs.StringVar(&c.BaseURL, "base-url", env("BASE_URL", ""), "public address the e-mail's links start with (OPORA_BASE_URL)")
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
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	st.UseFiles(files.New(c.DataDir))
	st.UseWebhooks(webhook.New(10 * time.Second))
	r, err := st.RunDueJobs(ctx, mail.New(cat, jobsBaseURL(&c)))
	fmt.Fprintf(stdout, "due for destruction %d, purged files %d, removed from disk %d, purged acts %d\n",
		r.Retention.Due, r.Retention.FilesPurged, r.Retention.DiskRemoved, r.Retention.ActsPurged)
	fmt.Fprintf(stdout, "escalated %d, e-mailed %d notifications, skipped %d, failed for %d users\n",
		r.Escalated, r.Emailed, r.Skipped, len(r.FailedUsers))
	fmt.Fprintf(stdout, "webhooks: sent %d, failed attempts %d\n", r.WebhooksSent, r.WebhooksFailed)
	return err
}

// jobsBaseURL is the address e-mail links start with.
func jobsBaseURL(c *config) string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return "http://localhost:8080"
}

// runJobs runs the due jobs every interval until ctx ends. Failures are
// logged with user ids only.
func runJobs(ctx context.Context, st *store.Store, m store.Mailer, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r, err := st.RunDueJobs(ctx, m)
			if err != nil && ctx.Err() == nil {
				log.Error("background jobs", "err", err, "failed_users", r.FailedUsers)
			}
			if r.Escalated > 0 || r.Emailed > 0 || r.WebhooksSent > 0 || r.WebhooksFailed > 0 {
				log.Info("background jobs", "escalated", r.Escalated, "emailed", r.Emailed,
					"webhooks_sent", r.WebhooksSent, "webhooks_failed", r.WebhooksFailed)
			}
		}
	}
}
