package intake

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/mailbox"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// outboxSent adapts the database's outbox to SentStore: it rebuilds each
// sent mail from its stored form (same Message-ID, Date, headers and body
// as sent) for the copy in the Sent folder.
type outboxSent struct {
	db  *storage.DB
	log *slog.Logger
	now func() time.Time
	// held is when the copies began to wait for due replies (zero: they
	// do not wait); only the watcher's goroutine reads and sets it.
	held time.Time
}

// sentHoldMax bounds how long copies wait for due replies, so an outbox
// that never empties (a sender that cannot reach its server keeps its mail
// due) does not keep the copies of earlier replies out of Sent.
const sentHoldMax = 2 * time.Minute

// UnappendedSent gives the copies to append now. Replies come first: while
// the outbox has mail due, the copies wait (at most sentHoldMax). Copying
// a reply costs the daemon and the IMAP server about what sending it does,
// and in a backlog the replies still to go out are what people wait for.
// The sender nudges the watcher after every batch, so the copies go in as
// soon as the last replies are taken.
func (o *outboxSent) UnappendedSent(ctx context.Context, limit int) ([]mailbox.SentCopy, error) {
	due, err := o.db.HasDueOutbox(ctx, o.now())
	if err != nil {
		return nil, err
	}
	switch {
	case !due:
		o.held = time.Time{}
	case o.held.IsZero():
		o.held = o.now()
		return nil, nil
	case o.now().Sub(o.held) < sentHoldMax:
		return nil, nil
	}
	rows, err := o.db.UnappendedSent(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]mailbox.SentCopy, 0, len(rows))
	var broken []int64
	for _, r := range rows {
		raw, date, err := rebuild(r.Mail)
		if err != nil {
			// It was sent, so it built then; if it no longer does, a copy
			// is not worth stopping for: note it and never try again.
			o.log.Error("cannot rebuild a sent mail for the Sent folder; no copy", "outbox_id", r.ID, "message_id", r.MessageID, "err", err)
			broken = append(broken, r.ID)
			continue
		}
		if date.IsZero() {
			date = r.SentAt
		}
		out = append(out, mailbox.SentCopy{ID: r.ID, MessageID: r.MessageID, Raw: raw, Date: date, Tried: r.Tried})
	}
	if len(broken) > 0 {
		if err := o.MarkAppended(ctx, broken); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func rebuild(stored []byte) ([]byte, time.Time, error) {
	m, err := replies.UnmarshalMail(stored)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("decoding stored mail: %w", err)
	}
	msg, err := replies.BuildMsg(m)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("building mail: %w", err)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, time.Time{}, fmt.Errorf("writing mail: %w", err)
	}
	return buf.Bytes(), m.Date, nil
}

func (o *outboxSent) MarkAppendTried(ctx context.Context, ids []int64) error {
	return o.db.MarkAppendTried(ctx, ids, o.now())
}

func (o *outboxSent) MarkAppended(ctx context.Context, ids []int64) error {
	return o.db.MarkAppended(ctx, ids, o.now())
}
