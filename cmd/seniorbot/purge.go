package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

const purgeHelp = `Usage: seniorbot --config FILE purge [--older-than 180d]

Deletes personal data the bot no longer needs, from before the retention
period — [storage] retention (default 180d), or --older-than: of each
received message its raw bytes, sender, subject and the names, addresses
and text of its parse result; of each sent (or failed) mail its subject,
text, HTML and attachments. The tilmeldinger, their participants and
history, and one row per message (kind, kommune, outcome: what the
summary counts) and per mail (kind, recipients, status) are kept. Mail still waiting to be sent is never touched. The database is
compacted afterwards so the deleted data does not linger in the file.
Prints what was deleted. Safe while the daemon runs; run it from a timer,
e.g. weekly.

Flags:
`

func cmdPurge(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "purge", purgeHelp)
	olderThan := fs.String("older-than", "", "retention `period`, e.g. 180d or 720h (default: [storage] retention)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{errors.New("takes no arguments")}
	}
	cfg, err := requireConfig(e)
	if err != nil {
		return err
	}
	retention := cfg.Storage.Retention
	if *olderThan != "" {
		d, err := config.ParseDays(*olderThan)
		if err != nil {
			return usageError{fmt.Errorf("--older-than: %w", err)}
		}
		retention = config.Days{Duration: d}
	}
	if retention.Duration < 24*time.Hour {
		return usageError{errors.New("--older-than: keep at least one day (\"1d\")")}
	}
	db, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	cutoff := now.Add(-retention.Duration)
	res, err := db.Purge(ctx, cutoff, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Purged what is older than %s (before %s): the personal text of %d received message(s) "+
		"and the bodies of %d sent mail(s). Tilmeldinger and their history are kept.\n",
		retention, cutoff.Format("2006-01-02 15:04"), res.Messages, res.Outbox)
	return nil
}
