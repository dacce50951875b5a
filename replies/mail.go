// Package replies renders the bot's Danish mails from templates and sends
// them from the outbox by SMTP.
package replies

import (
	"encoding/json"
	"time"
)

// Mail is one outgoing mail, complete except for transport. It is stored
// as JSON in the outbox, so the Message-ID and Date are fixed when the mail
// is queued and a retry sends the very same message.
type Mail struct {
	MessageID  string    `json:"message_id"`            // without <>, on the bot's own domain
	Date       time.Time `json:"date"`                  // when it was queued
	From       Address   `json:"from"`                  // the bot's address
	To         []Address `json:"to"`                    // at least one
	Cc         []Address `json:"cc,omitempty"`          // e.g. the staff member of a forward
	ReplyTo    *Address  `json:"reply_to,omitempty"`    // e.g. the asker of a forwarded question
	Subject    string    `json:"subject"`               // plain text, encoded when sent
	InReplyTo  string    `json:"in_reply_to,omitempty"` // without <>
	References []string  `json:"references,omitempty"`  // without <>, oldest first
	// AutoReplied marks an automatic response (Auto-Submitted: auto-replied,
	// RFC 3834); false for mails a person asked for, such as the summary.
	AutoReplied bool         `json:"auto_replied"`
	Text        string       `json:"text"`           // text/plain body
	HTML        string       `json:"html,omitempty"` // text/html alternative
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// Attachment is a file attached to a Mail.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"` // e.g. "message/rfc822", "text/csv; charset=utf-8"
	Data        []byte `json:"data"`
}

// Marshal encodes m for the outbox.
func (m Mail) Marshal() ([]byte, error) { return json.Marshal(m) }

// UnmarshalMail decodes a mail stored by Marshal.
func UnmarshalMail(data []byte) (Mail, error) {
	var m Mail
	err := json.Unmarshal(data, &m)
	return m, err
}
