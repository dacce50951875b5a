package replies

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/storage"
	"github.com/wneessen/go-mail"
)

// Queue is the outbox as the Sender needs it; storage implements it.
// Items stay due until marked, so a crash between sending and marking
// resends at most that one message.
type Queue interface {
	// DueOutbox returns up to limit unsent items whose next attempt is due
	// at now, oldest first.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]storage.OutboxItem, error)
	// MarkOutboxSent records that the server accepted the item.
	// messageID is the item's MessageID.
	MarkOutboxSent(ctx context.Context, id int64, messageID string, at time.Time, serverResponse string) error
	// LogSent notes at once, without waiting for the database, that the
	// server accepted a mail, so it is never sent again; MarkOutboxSentMany
	// then marks a batch of such mails in the outbox in one write.
	LogSent(m storage.SentMark) error
	MarkOutboxSentMany(ctx context.Context, marks []storage.SentMark) error
	// LogSending notes that the item's final "." goes out next, and
	// LogRefused that the server refused it at that point; with them a
	// mail whose attempt was cut off in between is flagged when it is sent
	// again (storage/sentlog.go).
	LogSending(id int64, messageID string) error
	LogRefused(id int64, messageID string) error
	// MarkOutboxRetry records a failed attempt (Attempts+1) and when to try again.
	MarkOutboxRetry(ctx context.Context, id int64, next time.Time, errText string) error
	// MarkOutboxFailed gives the item up for good.
	MarkOutboxFailed(ctx context.Context, id int64, errText string) error
	// ReleaseOutbox makes a claimed item due again at once, without
	// counting an attempt: the sender stopped before trying it.
	ReleaseOutbox(ctx context.Context, id int64) error
}

// TLS modes of SenderConfig.TLS.
const (
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSStartTLS = "starttls" // STARTTLS required (port 587)
	TLSNone     = "none"     // plain text; refused unless the host is loopback
)

// SenderConfig says how to reach the SMTP server.
type SenderConfig struct {
	Host string
	Port int    // 0: 465 for TLSImplicit, 587 for TLSStartTLS, 25 for TLSNone
	TLS  string // TLSImplicit, TLSStartTLS ("" means this) or TLSNone
	// Username turns on AUTH PLAIN; empty means no authentication.
	Username, Password string
	HELO               string        // empty: the machine's host name
	Timeout            time.Duration // dial timeout and per-message deadline; 0: 30s
	BatchSize          int           // items per connection; 0: 20
	// TLSConfig overrides the TLS settings (tests use it to trust a
	// throw-away certificate); nil verifies Host against the system roots.
	TLSConfig *tls.Config
	// OAuth2, if set, authenticates Username with XOAUTH2 and the token it
	// returns, asked for once per connection (intake/config/oauth.go).
	OAuth2 func() (token string, err error)
}

// Defaults of SenderConfig.
const (
	DefaultBatchSize   = 20
	DefaultSMTPTimeout = 30 * time.Second
)

// Sender sends due outbox items by SMTP in batches; the batches of one
// round share a connection (link.go).
type Sender struct {
	cfg SenderConfig
	q   Queue
	log *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// OnSent, if set, is called after a batch in which the server accepted
	// at least one mail (the app uses it to have copies put in Sent).
	OnSent func(sent int)
}

// NewSender returns a Sender for cfg that takes its work from q and logs
// to log (nil: discard). The configuration is checked when sending, so a
// bad one shows up in the log on every attempt instead of stopping the bot.
func NewSender(cfg SenderConfig, q Queue, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	return &Sender{cfg: cfg, q: q, log: log.With("component", "sender"), Now: time.Now}
}

// Run sends due mail whenever wake fires or every interval, until ctx is
// done. Each round drains the outbox batch by batch; errors are logged
// and the next round tries again.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		for s.drain(ctx) && ctx.Err() == nil {
			// The round stopped at its cap with mail still due and sent:
			// go on now, not at the next wake or tick (a backlog's last
			// replies waited up to the interval for it).
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}

// maxBatchesPerRound bounds one round of Run, so a queue that keeps
// returning the same items cannot spin forever.
const maxBatchesPerRound = 50

// drain sends batches until fewer than a full batch were due. It reports
// whether it stopped at maxBatchesPerRound having sent mail, that is with
// more probably due and the server taking it.
func (s *Sender) drain(ctx context.Context) (more bool) {
	var l link
	defer s.hangUp(&l)
	sent := 0
	for range maxBatchesPerRound {
		taken, n, err := s.sendBatch(ctx, &l)
		sent += n
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("sending outbox", "error", err)
			}
			return false
		}
		if taken < s.cfg.BatchSize || ctx.Err() != nil {
			return false
		}
	}
	return sent > 0
}

// SendDue sends one batch of due outbox items over one SMTP connection and
// returns how many the server accepted. Each item ends marked sent, retry
// or failed; items not reached because ctx ended stay due, untouched.
func (s *Sender) SendDue(ctx context.Context) (sent int, err error) {
	var l link
	defer s.hangUp(&l)
	_, sent, err = s.sendBatch(ctx, &l)
	return sent, err
}

// job is an outbox item ready to send.
type job struct {
	item storage.OutboxItem
	msg  *mail.Msg
}

// SendAllDue sends every due outbox item, batch by batch (bounded like a
// round of Run), and returns how many the server accepted.
func (s *Sender) SendAllDue(ctx context.Context) (sent int, err error) {
	var l link
	defer s.hangUp(&l)
	for range maxBatchesPerRound {
		taken, n, err := s.sendBatch(ctx, &l)
		sent += n
		if err != nil || taken < s.cfg.BatchSize || ctx.Err() != nil {
			return sent, err
		}
	}
	return sent, nil
}

// sendBatch is SendDue over l, also returning how many items were due.
func (s *Sender) sendBatch(ctx context.Context, l *link) (taken, sent int, err error) {
	items, err := s.q.DueOutbox(ctx, s.Now(), s.cfg.BatchSize)
	if err != nil {
		return 0, 0, fmt.Errorf("reading due outbox: %w", err)
	}
	if len(items) == 0 {
		return 0, 0, nil
	}
	jobs, markErr := s.prepare(ctx, items)
	if len(jobs) == 0 {
		return len(items), 0, markErr
	}
	sent, err = s.deliver(ctx, jobs, l)
	if sent > 0 && s.OnSent != nil {
		s.OnSent(sent)
	}
	return len(items), sent, errors.Join(markErr, err)
}

// prepare builds the messages. An item that cannot be built will never
// build, so it is failed at once rather than retried.
func (s *Sender) prepare(ctx context.Context, items []storage.OutboxItem) ([]job, error) {
	jobs := make([]job, 0, len(items))
	var errs []error
	for _, it := range items {
		msg, err := buildItem(it)
		if err == nil {
			jobs = append(jobs, job{item: it, msg: msg})
			continue
		}
		s.log.Error("outbox item cannot be built; giving up", "outbox_id", it.ID, "message_id", it.MessageID, "error", err)
		if mErr := s.q.MarkOutboxFailed(context.WithoutCancel(ctx), it.ID, err.Error()); mErr != nil {
			errs = append(errs, fmt.Errorf("marking outbox %d failed: %w", it.ID, mErr))
		}
	}
	return jobs, errors.Join(errs...)
}

// buildItem decodes the stored Mail and builds its message.
func buildItem(it storage.OutboxItem) (*mail.Msg, error) {
	m, err := UnmarshalMail(it.Mail)
	if err != nil {
		return nil, fmt.Errorf("decoding stored mail: %w", err)
	}
	msg, err := BuildMsg(m)
	if err != nil {
		return nil, fmt.Errorf("building mail: %w", err)
	}
	return msg, nil
}

// deliver sends the jobs one by one over l's connection (dialling one if
// l has none fit for use), each as its own transaction (transaction.go)
// with the full Timeout. A connection that breaks is closed.
func (s *Sender) deliver(ctx context.Context, jobs []job, l *link) (sent int, err error) {
	conn, err := s.open(ctx, l)
	if err != nil {
		var dialErr *dialError
		switch {
		case !errors.As(err, &dialErr):
			return 0, err // a configuration error: leave the items due, untouched
		case ctx.Err() != nil:
			// Shutting down: not the items' fault; give them back.
			return 0, errors.Join(ctx.Err(), s.release(ctx, jobs))
		default:
			return 0, errors.Join(err, s.retryAll(ctx, jobs, "connecting: "+dialErr.err.Error()))
		}
	}
	var errs []error
	// Accepted mails, in the sent log already; marked in the outbox
	// together when the batch is done.
	var accepted []storage.SentMark
	defer func() {
		if mErr := s.q.MarkOutboxSentMany(context.WithoutCancel(ctx), accepted); mErr != nil {
			// The sent log has them: the next claim marks them; none is sent again.
			err = errors.Join(err, fmt.Errorf("marking %d outbox mails sent (the sent log has them): %w", len(accepted), mErr))
		}
	}()
	start := time.Now()
	for i, j := range jobs {
		// Stop on shutdown, or before the claim on the items runs out and
		// another sender could take them: what is left is released, due
		// again at once, not left hidden until the claim expires.
		if ctx.Err() != nil || time.Since(start) > storage.ClaimLease/2 {
			errs = append(errs, s.release(ctx, jobs[i:]))
			break
		}
		o := transact(conn, j.msg, s.cfg.Timeout, func() {
			if err := s.q.LogSending(j.item.ID, j.item.MessageID); err != nil {
				s.log.Warn("sent log", "outbox_id", j.item.ID, "error", err)
			}
		})
		if o.refusedAtDot {
			if err := s.q.LogRefused(j.item.ID, j.item.MessageID); err != nil {
				s.log.Warn("sent log", "outbox_id", j.item.ID, "error", err)
			}
		}
		ok, mErr := s.settle(ctx, j, o, &accepted)
		if ok {
			sent++
		}
		errs = append(errs, mErr)
		l.used++
		if o.broken {
			s.hangUp(l)
			errs = append(errs, s.retryAll(ctx, jobs[i+1:], "connection lost after an earlier mail: "+o.detail))
			break
		}
	}
	return sent, errors.Join(errs...)
}

// release gives back claimed jobs the sender did not try.
func (s *Sender) release(ctx context.Context, jobs []job) error {
	var errs []error
	for _, j := range jobs {
		if err := s.q.ReleaseOutbox(context.WithoutCancel(ctx), j.item.ID); err != nil {
			errs = append(errs, fmt.Errorf("releasing outbox %d: %w", j.item.ID, err))
		}
	}
	return errors.Join(errs...)
}

// retryAll schedules every job again after a failure that touched none
// of them.
func (s *Sender) retryAll(ctx context.Context, jobs []job, errText string) error {
	var errs []error
	for _, j := range jobs {
		errs = append(errs, s.markRetry(ctx, j.item, errText))
	}
	return errors.Join(errs...)
}

// settle records the outcome of one transaction and reports whether the
// mail was delivered. An accepted mail goes to the sent log before anything
// else is done, logging included: until then, a crash means sending it
// again. Its outbox mark waits for the end of the batch (*accepted); should
// the sent log fail, the outbox is marked at once instead. The marks use a
// context that outlives cancellation for the same reason.
func (s *Sender) settle(ctx context.Context, j job, o outcome, accepted *[]storage.SentMark) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	switch o.verdict {
	case verdictSent:
		m := storage.SentMark{ID: j.item.ID, MessageID: j.item.MessageID, At: s.Now(), Response: o.detail}
		if s.q.LogSent(m) == nil {
			s.log.Info("mail sent", "outbox_id", j.item.ID, "message_id", j.item.MessageID, "smtp_response", o.detail)
			*accepted = append(*accepted, m)
			return true, nil
		}
		err := s.q.MarkOutboxSent(ctx, j.item.ID, j.item.MessageID, m.At, o.detail)
		s.log.Info("mail sent", "outbox_id", j.item.ID, "message_id", j.item.MessageID, "smtp_response", o.detail)
		if err != nil {
			return true, fmt.Errorf("marking outbox %d sent: %w", j.item.ID, err)
		}
		return true, nil
	case verdictFailed:
		s.log.Error("mail refused permanently", "outbox_id", j.item.ID, "message_id", j.item.MessageID, "error", o.detail)
		if err := s.q.MarkOutboxFailed(ctx, j.item.ID, o.detail); err != nil {
			return false, fmt.Errorf("marking outbox %d failed: %w", j.item.ID, err)
		}
		return false, nil
	default:
		return false, s.markRetry(ctx, j.item, o.detail)
	}
}

// markRetry schedules the next attempt of it after a temporary failure.
func (s *Sender) markRetry(ctx context.Context, it storage.OutboxItem, errText string) error {
	next := s.Now().Add(Backoff(it.Attempts))
	s.log.Warn("mail not sent; will retry", "outbox_id", it.ID, "message_id", it.MessageID,
		"attempt", it.Attempts+1, "next_attempt", next, "error", errText)
	if err := s.q.MarkOutboxRetry(context.WithoutCancel(ctx), it.ID, next, errText); err != nil {
		return fmt.Errorf("marking outbox %d for retry: %w", it.ID, err)
	}
	return nil
}

// Backoff is the wait after a failed attempt, given the attempts that
// failed before it: 1m, 2m, 4m … capped at one hour.
func Backoff(attempts int) time.Duration {
	const maxShift = 6 // 1m << 6 = 64m, past the cap
	if attempts < 0 {
		attempts = 0
	}
	if attempts >= maxShift {
		return time.Hour
	}
	return min(time.Minute<<attempts, time.Hour)
}

// verdict is what to do with an outbox item after one transaction.
type verdict int

const (
	verdictRetry verdict = iota
	verdictSent
	verdictFailed
)

// Validate reports a configuration the Sender would refuse: no host, an
// unknown TLS mode, or plain text to a host that is not loopback. The
// program can call it at start-up; sending checks it again.
func (c SenderConfig) Validate() error {
	if c.Host == "" {
		return errors.New("smtp: no host configured")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	_, err := tlsOptions(c)
	return err
}

// newClient configures a go-mail client from the SenderConfig.
func (s *Sender) newClient() (*mail.Client, error) {
	cfg := s.cfg
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts, err := tlsOptions(cfg)
	if err != nil {
		return nil, err
	}
	opts = append(opts,
		mail.WithTimeout(cfg.Timeout),
		// Exchange answers "502 5.3.3" to MAIL FROM … SMTPUTF8 (go-mail#545);
		// the bot's headers are MIME-encoded, so SMTPUTF8 is never needed.
		mail.WithoutSMTPUTF8(),
	)
	if cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(cfg.HELO))
	}
	if cfg.OAuth2 != nil {
		tok, err := cfg.OAuth2()
		if err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthXOAUTH2), mail.WithUsername(cfg.Username), mail.WithPassword(tok))
	} else if cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	c, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", cfg.Host, err)
	}
	return c, nil
}

// tlsOptions maps the TLS mode to go-mail options, never with a fallback to
// plain text: credentials and personal data must not travel unencrypted.
func tlsOptions(cfg SenderConfig) ([]mail.Option, error) {
	var opts []mail.Option
	port := cfg.Port
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
		port = cmp.Or(port, 465)
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		port = cmp.Or(port, 587)
	case TLSNone:
		if !isLoopback(cfg.Host) {
			return nil, fmt.Errorf("smtp: tls = %q is allowed only for a loopback host, not %q", TLSNone, cfg.Host)
		}
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		port = cmp.Or(port, 25)
	default:
		return nil, fmt.Errorf("smtp: unknown tls mode %q (want %q, %q or %q)", cfg.TLS, TLSImplicit, TLSStartTLS, TLSNone)
	}
	opts = append(opts, mail.WithPort(port))
	if cfg.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(cfg.TLSConfig.Clone()))
	}
	return opts, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
