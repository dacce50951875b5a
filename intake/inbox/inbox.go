// Package inbox is the hand-off between the mailbox watcher and what records a
// mail: the fetched message, and what the watcher asks of its handler. It
// stands apart so that the rules need not import the IMAP client to
// receive a message, nor the watcher the rules to hand one over.
package inbox

import (
	"context"
	"time"
)

// Message is one mail fetched from the mailbox.
type Message struct {
	Mailbox      string
	UIDValidity  uint32
	UID          uint32
	Raw          []byte // the whole message, fetched with BODY.PEEK[]
	InternalDate time.Time
	// Reduced is set for a message above [imap] large_message_bytes: Raw
	// then holds only its header and text parts; the attachments stayed on
	// the server and are named in X-Seniorbot-Omitted header fields.
	Reduced bool
	// Prepared is what the handler's PrepareMessages worked out from Raw
	// ahead of HandleMessages (the parse), opaque to the watcher; nil when
	// nothing was. It is handed over once: a batch handled again (one by
	// one, after the batch failed) goes without it.
	Prepared any
}

// Handler records one message durably. It returns nil once the message is
// recorded (or was already recorded: handlers dedupe by Message-ID); only
// then does the watcher advance its state and move the message. An error
// means the message could not be recorded (database unavailable, disk
// full): the watcher stops and retries later, leaving the message in place.
type Handler interface {
	HandleMessage(ctx context.Context, m Message) error
}

// StateStore keeps the per-mailbox sync state: the UIDVALIDITY seen last
// and the highest UID that was handled under it.
type StateStore interface {
	MailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error)
	SetMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error
}

// StateRecorder is implemented by a Handler that records the mailbox state
// (the message's UIDVALIDITY and UID) in the same transaction as the
// message itself. The watcher then does not save it separately, which
// saves one durable commit per message and leaves no window in which a
// message is recorded but its UID is not.
type StateRecorder interface {
	RecordsMailboxState() bool
}

// Quarantiner is implemented by a Handler that can record a message as it
// is, without acting on it. The watcher asks for that when the handler has
// failed on the same message QuarantineAfter times in a row while a
// recording still works: then the fault is in that message's handling (a
// bug), and without this it would hold up every message behind it.
type Quarantiner interface {
	Quarantine(ctx context.Context, m Message, cause error) error
}

// QuarantineAfter is how many failures in a row of one message lead the
// watcher to quarantine it. With the reconnect backoff (1 s, 2 s, 4 s, …)
// the first five take about half a minute: long enough for a locked
// database or a full disk to show as such (they fail the quarantine too).
const QuarantineAfter = 5

// BatchHandler is implemented by a Handler that can record the messages of
// one fetch together (one transaction for the batch). It follows the
// Handler contract for the batch as a whole: nil once every message is
// recorded, an error (and nothing recorded) otherwise.
type BatchHandler interface {
	HandleMessages(ctx context.Context, ms []Message) error
}

// Preparer is implemented by a BatchHandler that can do ahead the part of
// its work that reads nothing but the messages (parsing them): the
// watcher prepares the next batch while the current one is recorded, and
// hands it over with each Message.Prepared set. PrepareMessages must not
// write anything, and must stand a message it cannot read (the handler
// then reads it again and fails on it as it would have).
type Preparer interface {
	PrepareMessages(ms []Message)
}
