package intake

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

// BatchHandler is implemented by a Handler that can record the messages of
// one fetch together (one transaction for the batch). It follows the
// Handler contract for the batch as a whole: nil once every message is
// recorded, an error (and nothing recorded) otherwise.
type BatchHandler interface {
	HandleMessages(ctx context.Context, ms []Message) error
}
