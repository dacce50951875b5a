// Sending the summary: the window of mail it covers, the local day it is
// due, once a day across restarts, and `summary --send` now.

package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

func summaryLocation(cfg config.Config) (*time.Location, error) {
	loc, err := time.LoadLocation(cfg.Summary.Timezone)
	if err != nil {
		return nil, fmt.Errorf("[summary] timezone: %w", err)
	}
	return loc, nil
}

// summaryDay returns the local day of now (2006-01-02) and the moment the
// summary of that day is due.
func summaryDay(cfg config.Config, now time.Time) (day string, due time.Time, err error) {
	loc, err := summaryLocation(cfg)
	if err != nil {
		return "", time.Time{}, err
	}
	at, err := time.Parse("15:04", cfg.Summary.Time)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("[summary] time: want HH:MM, got %q", cfg.Summary.Time)
	}
	local := now.In(loc)
	y, m, d := local.Date()
	return local.Format(time.DateOnly), time.Date(y, m, d, at.Hour(), at.Minute(), 0, 0, loc), nil
}

// SummaryWindow is what a summary covers since the previous one: the
// changes made since Since, and the mails recorded after message
// AfterMessage up to UpToMessage. Mails go by the order they were
// recorded, not by when the server received them, so a mail that came in
// before a summary but was processed after it is in the next one.
type SummaryWindow struct {
	Since time.Time // zero: from the start
	// AfterMessage is the last message of the previous summary; -1 when
	// that summary did not record it (mails then go by time of receipt).
	AfterMessage int64
	// UpToMessage is the last message this summary covers; 0 chooses the
	// mails by time of receipt (at or after Since) instead.
	UpToMessage int64
}

// messages lists the mails of the window.
func (w SummaryWindow) messages(ctx context.Context, db *storage.DB) ([]storage.Message, error) {
	if w.UpToMessage > 0 && w.AfterMessage >= 0 {
		return db.MessagesBetween(ctx, w.AfterMessage, w.UpToMessage)
	}
	return db.MessagesSince(ctx, w.Since)
}

// nextSummaryWindow is what a summary built now covers: everything since
// the previous nightly summary; everything before the first.
func nextSummaryWindow(ctx context.Context, db *storage.DB) (SummaryWindow, error) {
	var w SummaryWindow
	run, err := db.LastSummaryRun(ctx)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return w, err
	default:
		w.Since, w.AfterMessage = run.SentAt, run.LastMessageID
	}
	w.UpToMessage, err = db.LastMessageID(ctx)
	return w, err
}

// errSummaryAlreadySent rolls back a summary whose day got its run from
// someone else (another process) meanwhile.
var errSummaryAlreadySent = errors.New("the summary of this day is already recorded")

// SendSummaryIfDue queues the nightly summary when it is due at now: the
// local time has reached [summary] time and the local day has no summary
// yet. The mail and the record of the day are written in one transaction,
// so it goes out once per day across crashes and restarts; then the sender
// is woken. It reports whether it queued the summary. With no contacts
// configured it logs a warning and records nothing.
func (o *Ops) SendSummaryIfDue(ctx context.Context, now time.Time) (sent bool, err error) {
	day, due, err := summaryDay(o.Config, now)
	if err != nil || now.Before(due) {
		return false, err
	}
	if _, err := o.DB.SummaryRunFor(ctx, day); err == nil {
		return false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	log := o.Log.With("stage", "summary", "day", day)
	if len(o.Config.Campaign.Contacts) == 0 {
		log.Warn("the nightly summary is due, but no [campaign] contacts are configured to receive it; nothing sent")
		return false, nil
	}
	win, err := nextSummaryWindow(ctx, o.DB)
	if err != nil {
		return false, err
	}
	m, err := o.summaryMail(ctx, win, now, false)
	if err != nil {
		return false, err
	}
	var outboxID int64
	err = o.DB.Tx(ctx, func(tx *storage.Tx) error {
		var err error
		if outboxID, err = enqueueSummary(ctx, tx, m, now); err != nil {
			return err
		}
		recorded, err := tx.RecordSummaryRun(ctx, day, now, outboxID, win.UpToMessage)
		if err == nil && !recorded {
			err = errSummaryAlreadySent
		}
		return err
	})
	if errors.Is(err, errSummaryAlreadySent) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue the summary of %s: %w", day, err)
	}
	log.Info("nightly summary queued", "outbox_id", outboxID, "to", len(m.To), "since", win.Since)
	o.wakeSender()
	return true, nil
}

// SendSummaryNow queues a summary at now (since the previous nightly one)
// and sends it at once through the outbox, for `seniorbot summary --send`.
// It does not count as the day's nightly summary, which still goes out at
// [summary] time and still reports everything since the previous nightly
// one. It reports whether the SMTP server accepted the mail; when it did
// not, the mail stays in the outbox and the daemon retries it.
func (o *Ops) SendSummaryNow(ctx context.Context, now time.Time) (sent bool, err error) {
	if len(o.Config.Campaign.Contacts) == 0 {
		return false, errors.New("no [campaign] contacts are configured to receive the summary")
	}
	win, err := nextSummaryWindow(ctx, o.DB)
	if err != nil {
		return false, err
	}
	m, err := o.summaryMail(ctx, win, now, true)
	if err != nil {
		return false, err
	}
	var id int64
	err = o.DB.Tx(ctx, func(tx *storage.Tx) error {
		var err error
		id, err = enqueueSummary(ctx, tx, m, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("queue the summary: %w", err)
	}
	// Send only this mail: the rest of the outbox is the daemon's.
	s := replies.NewSender(o.SenderConfig(), oneItemQueue{DB: o.DB, id: id}, o.Log.With("stage", "smtp"))
	s.Now = o.Now
	if _, err := s.SendDue(ctx); err != nil {
		return false, err
	}
	row, err := o.DB.OutboxEntry(ctx, id)
	if err != nil {
		return false, err
	}
	switch row.Status {
	case storage.OutboxSent:
		return true, nil
	case storage.OutboxFailed:
		return false, fmt.Errorf("the SMTP server refused the summary: %s", row.LastError)
	}
	return false, nil
}

// PreviewSummary renders the summary as it would go out at now (since the
// previous nightly summary), without sending or recording anything: the
// text body and the CSV attachment.
func PreviewSummary(ctx context.Context, db *storage.DB, cfg config.Config, now time.Time) (text string, csv replies.Attachment, err error) {
	renderer, err := replies.NewRenderer(cfg.Templates.Dir)
	if err != nil {
		return "", csv, fmt.Errorf("[templates] dir: %w", err)
	}
	win, err := nextSummaryWindow(ctx, db)
	if err != nil {
		return "", csv, err
	}
	s, err := BuildSummary(ctx, db, cfg, NewParser(cfg).Kommuner(), win, now)
	if err != nil {
		return "", csv, err
	}
	if text, _, err = renderer.RenderSummary(s); err != nil {
		return "", csv, err
	}
	csv, err = s.Attachment()
	return text, csv, err
}

// summaryMail builds and renders the summary mail to every contact.
func (o *Ops) summaryMail(ctx context.Context, win SummaryWindow, now time.Time, manual bool) (replies.Mail, error) {
	s, err := BuildSummary(ctx, o.DB, o.Config, o.Parser.Kommuner(), win, now)
	if err != nil {
		return replies.Mail{}, err
	}
	s.Manual = manual
	text, html, err := o.Processor.Renderer.RenderSummary(s)
	if err != nil {
		return replies.Mail{}, err
	}
	att, err := s.Attachment()
	if err != nil {
		return replies.Mail{}, err
	}
	from := o.Processor.From
	return replies.Mail{
		MessageID: replies.NewMessageID(rules.DomainOf(from.Email)),
		Date:      now,
		From:      from,
		To:        s.Campaign.Contacts,
		Subject:   s.Subject(),
		// The contacts asked for the summary: it is not an automatic
		// answer to anything (RFC 3834), so no Auto-Submitted.
		AutoReplied: false,
		Text:        text,
		HTML:        html,
		Attachments: []replies.Attachment{att},
	}, nil
}

func enqueueSummary(ctx context.Context, tx *storage.Tx, m replies.Mail, now time.Time) (int64, error) {
	data, err := m.Marshal()
	if err != nil {
		return 0, err
	}
	to := make([]string, 0, len(m.To))
	for _, ad := range m.To {
		to = append(to, ad.Email)
	}
	return tx.Enqueue(ctx, storage.NewOutboxMail{MessageID: m.MessageID, Kind: summaryKind,
		Recipients: strings.Join(to, ", "), Mail: data}, now)
}

// oneItemQueue is the outbox narrowed to one mail, so `summary --send`
// sends its summary and leaves the rest of the outbox to the daemon.
type oneItemQueue struct {
	*storage.DB
	id int64
}

// DueOutbox implements replies.Queue.
func (q oneItemQueue) DueOutbox(ctx context.Context, now time.Time, _ int) ([]storage.OutboxItem, error) {
	return q.DB.ClaimOutboxItem(ctx, q.id, now)
}
