// Package intake assembles the daemon: it reads the configuration, opens
// the database, and wires the mailbox watcher (package mailbox) to the
// rules (package rules), the outbox sender (replies), the summary
// scheduler, the staff operations (package ops) and the HTTP endpoint
// (package status). It holds no rules of its own; see docs/ARCHITECTURE.md.
package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/mailbox"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/intake/status"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// App is seniorbot assembled from a Config: the database, the parser and
// rules, the IMAP watcher, the outbox sender, the summary scheduler and
// the HTTP endpoint. It embeds the staff operations (package ops), which
// the commands call on it.
type App struct {
	*ops.Ops
	Watcher *mailbox.Watcher
	Sender  *replies.Sender
	Metrics *status.Metrics  // counters for /metrics
	HTTP    *status.Endpoint // /healthz and /metrics, when [http] listen is set

	wake chan struct{} // wakes the sender when mail was queued
}

// NewApp opens the database and wires the stages together. now is the
// clock (time.Now outside tests).
func NewApp(ctx context.Context, cfg config.Config, log *slog.Logger, now func() time.Time) (*App, error) {
	// The app talks to the mail servers: it asks for the secrets that
	// config.LoadConfig leaves unread.
	if err := cfg.ResolveSecrets(); err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, fmt.Errorf("[smtp] from: %w", err)
	}
	renderer, err := replies.NewRenderer(cfg.Templates.Dir)
	if err != nil {
		return nil, fmt.Errorf("[templates] dir: %w", err)
	}
	loc, err := time.LoadLocation(cfg.Summary.Timezone)
	if err != nil {
		return nil, fmt.Errorf("[summary] timezone: %w", err)
	}
	db, err := storage.Open(ctx, cfg.Storage.Path)
	if err != nil {
		return nil, explainOpenError(cfg.Storage.Path, err)
	}
	a := &App{Ops: &ops.Ops{Config: cfg, DB: db, Log: log}, wake: make(chan struct{}, 1)}
	a.Wake = a.wakeSender
	a.Parser = ops.NewParser(cfg)
	if cfg.UsesOAuth2() {
		a.OAuth2 = cfg.OAuth2.NewTokenSource()
	}
	a.Processor = &rules.Processor{
		DB: db, Parser: a.Parser, Renderer: renderer, Campaign: cfg.Campaign,
		From: replies.Address{Name: from.Name, Email: from.Address},
		Now:  now, Log: log.With("stage", "rules"),
		Zone: loc, AuthServID: cfg.IMAP.AuthServID, AuthMode: cfg.IMAP.AuthResultsMode(),
		RequireVerified: cfg.VerifiedRequired(), Trust: cfg.Trust, MaxRawBytes: cfg.Storage.MaxRawBytes,
		OwnDKIM: cfg.Trust.OwnDKIMCheck, LookupTXT: net.LookupTXT,
		Queued: a.wakeSender,
	}
	a.Watcher = mailbox.NewWatcher(cfg.IMAP, a.Processor, db, log.With("stage", "imap"))
	if cfg.IMAP.Auth == config.AuthXOAUTH2 {
		a.Watcher.OAuth2 = a.OAuth2
	}
	a.Sender = replies.NewSender(a.SenderConfig(), db, log.With("stage", "smtp"))
	a.Sender.Now = now
	if cfg.IMAP.AppendSent {
		a.Watcher.Sent = &outboxSent{db: db, log: log.With("stage", "imap"), now: now}
		// The watcher goroutine owns the IMAP connection; the sender only
		// tells it that copies are waiting.
		a.Sender.OnSent = func(int) { a.Watcher.Nudge() }
	}
	a.Metrics = status.NewMetrics(now())
	a.HTTP = &status.Endpoint{
		Config: cfg.HTTP, HealthWindow: imapHealthWindow(cfg.IMAP),
		DB: db, Metrics: a.Metrics, Log: log, Now: a.Now,
	}
	a.instrument()
	return a, nil
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// Run is the daemon: it watches the mailbox and sends the outbox until ctx
// is cancelled, then finishes the message in hand and returns.
func (a *App) Run(ctx context.Context) error {
	stopHTTP, err := a.HTTP.Start() // /healthz and /metrics, when [http] listen is set
	if err != nil {
		return err
	}
	defer stopHTTP()
	// Mail a killed daemon had claimed goes out now, not after the claim
	// lease: with the daemon lock held, no other daemon is alive to send it.
	switch n, err := a.DB.TakeOverClaims(ctx, a.Now()); {
	case errors.Is(err, storage.ErrDaemonRunning):
		a.Log.Warn("another seniorbot daemon uses this database; mail it claimed waits for its claim to run out", "err", err)
	case err != nil:
		a.Log.Warn("could not take over the claims of a stopped daemon; they are sent when their claim runs out", "err", err)
	case n > 0:
		a.Log.Info("took over outbox mail a stopped daemon had claimed", "count", n)
	}
	var wg sync.WaitGroup
	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	// Several connections send at once: the outbox claims each mail for
	// one of them, and the SMTP server's own per-mail fsync, not our side,
	// limits one connection.
	for range a.Config.SMTP.Connections {
		wg.Go(func() { a.Sender.Run(sendCtx, a.wake, 30*time.Second) })
	}
	wg.Go(func() { a.runSummaries(sendCtx) }) // the nightly summary (schedule.go); stops with the sender
	err = a.Watcher.Run(ctx)
	// The watcher has finished the message in hand. Stop the sender loop
	// first — two senders must never work the outbox at once — then give
	// what that message queued a moment to go out.
	stopSender()
	wg.Wait()
	flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, ferr := a.Sender.SendDue(flush); ferr != nil {
		a.Log.Warn("outbox not fully sent before exit; it is sent at the next start", "err", ferr)
	}
	return err
}

// SyncOnce processes every message waiting in the mailbox and then sends
// every mail that is due.
func (a *App) SyncOnce(ctx context.Context) error {
	if err := a.Watcher.SyncOnce(ctx); err != nil {
		return err
	}
	if _, err := a.Sender.SendAllDue(ctx); err != nil {
		return err
	}
	if a.Watcher.Sent == nil {
		return nil
	}
	// What was just sent gets its copy in Sent: one more short session
	// (it finds no new mail, appends the copies and logs out).
	pending, err := a.DB.UnappendedSent(ctx, 1)
	if err != nil || len(pending) == 0 {
		return err
	}
	return a.Watcher.SyncOnce(ctx)
}

// explainOpenError adds the likely cause to a failed database open: SQLite
// only says "unable to open database file" when the folder is read-only or
// full (WAL mode must create its -wal and -shm files next to the database).
func explainOpenError(path string, err error) error {
	f, werr := os.CreateTemp(filepath.Dir(path), ".seniorbot-write-check-*")
	if werr != nil {
		return fmt.Errorf("%w (the database folder cannot be written: %v; nothing was processed, no mail was moved)", err, werr)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return err
}

// instrument hooks the metrics into the app's stages, chaining any hook
// already set.
func (a *App) instrument() {
	m := a.Metrics
	if prev := a.Processor.Processed; prev != nil {
		a.Processor.Processed = func(kind, outcome string) { m.MessageProcessed(kind, outcome); prev(kind, outcome) }
	} else {
		a.Processor.Processed = m.MessageProcessed
	}
	prevSent := a.Sender.OnSent
	a.Sender.OnSent = func(n int) {
		m.RepliesSent(n)
		if prevSent != nil {
			prevSent(n)
		}
	}
	prevSync := a.Watcher.AfterSync
	a.Watcher.AfterSync = func(n int) {
		m.Synced(a.Now())
		if prevSync != nil {
			prevSync(n)
		}
	}
}

// wakeSender tells the sender goroutine that mail was queued.
func (a *App) wakeSender() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// imapHealthWindow is how long after the last complete sync the IMAP
// connection still counts as healthy: the watcher resyncs at least every
// idle_cycle (IDLE) or poll_interval (polling).
func imapHealthWindow(c config.IMAPConfig) time.Duration {
	return 2*max(c.IdleCycle.Duration, c.PollInterval.Duration) + time.Minute
}
