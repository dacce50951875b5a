package intake

import (
	"context"
	"time"
)

// runSummaries is the scheduler: it checks at start (which sends a summary
// missed while the daemon was down) and every minute after, on the app's
// clock, until ctx ends; each minute it also sends the notice of open
// decisions when one is due (ops.SendNoticeIfDue).
func (a *App) runSummaries(ctx context.Context) {
	log := a.Log.With("stage", "summary")
	if len(a.Config.Campaign.Contacts) == 0 {
		log.Warn("no [campaign] contacts are configured: the nightly summary is not sent")
		return
	}
	tick := time.NewTicker(summaryCheckInterval)
	defer tick.Stop()
	for {
		if _, err := a.SendSummaryIfDue(ctx, a.Now()); err != nil && ctx.Err() == nil {
			log.Error("nightly summary not queued; trying again in a minute", "error", err)
		}
		// The notice of open decisions rides on the same minute: its
		// interval ([staff] notice_interval) is kept in the database.
		if _, err := a.SendNoticeIfDue(ctx, a.Now()); err != nil && ctx.Err() == nil {
			log.Error("decision notice not queued; trying again in a minute", "stage", "notice", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// summaryCheckInterval is how often the daemon checks whether the summary
// is due.
const summaryCheckInterval = time.Minute
