package storage

import "time"

// OutboxItem is one queued outgoing mail. Mail holds the JSON of a
// replies.Mail; storage keeps it opaque so it does not depend on replies.
type OutboxItem struct {
	ID        int64
	MessageID string // without <>
	Mail      []byte // JSON of replies.Mail
	Attempts  int    // failed sending attempts so far
	CreatedAt time.Time
}
