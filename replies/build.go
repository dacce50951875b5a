package replies

import (
	"bytes"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// Headers go-mail has no constant for.
const (
	headerAutoSubmitted mail.Header = "Auto-Submitted" // RFC 3834 §5
)

// errHeaderInjection reports a line break or other control character in a
// value that ends up in a header: a name or subject taken from a message
// must never be able to add headers of its own.
var errHeaderInjection = errors.New("control character (line break) in header value")

// BuildMsg turns a Mail into a go-mail message ready to send: addresses,
// subject (RFC 2047-encoded by go-mail when not ASCII), the fixed Message-ID
// and Date, threading headers, the auto-reply markers when m.AutoReplied,
// text with an HTML alternative, and attachments. It sets no User-Agent.
// A value with a line break in a header is rejected, not cleaned, so a
// broken outbox item is noticed.
func BuildMsg(m Mail) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := setAddresses(msg, m); err != nil {
		return nil, err
	}
	if err := setHeaders(msg, m); err != nil {
		return nil, err
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	for i, a := range m.Attachments {
		if err := attach(msg, a); err != nil {
			return nil, fmt.Errorf("attachment %d: %w", i+1, err)
		}
	}
	return msg, nil
}

// setAddresses sets From, To, Cc and Reply-To.
func setAddresses(msg *mail.Msg, m Mail) error {
	from, err := netAddress(m.From)
	if err != nil {
		return fmt.Errorf("from: %w", err)
	}
	msg.FromMailAddress(from)
	if len(m.To) == 0 {
		return errors.New("to: no recipient")
	}
	to, err := netAddresses(m.To)
	if err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.ToMailAddress(to...)
	if len(m.Cc) > 0 {
		cc, err := netAddresses(m.Cc)
		if err != nil {
			return fmt.Errorf("cc: %w", err)
		}
		msg.CcMailAddress(cc...)
	}
	if m.ReplyTo != nil {
		rt, err := netAddress(*m.ReplyTo)
		if err != nil {
			return fmt.Errorf("reply-to: %w", err)
		}
		msg.ReplyToMailAddress(rt)
	}
	return nil
}

// setHeaders sets the subject, identity, threading and auto-reply headers.
func setHeaders(msg *mail.Msg, m Mail) error {
	if err := checkHeaderText(m.Subject); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	msg.Subject(m.Subject)
	id, err := checkMsgID(m.MessageID)
	if err != nil {
		return fmt.Errorf("message-id: %w", err)
	}
	if !strings.Contains(id, "@") {
		return fmt.Errorf("message-id %q: no @domain", id)
	}
	msg.SetMessageIDWithValue(id)
	// The Date is fixed when the mail is queued so a retry sends the same
	// message; a zero Date (an item queued without one) falls back to now
	// rather than failing a reply someone is waiting for.
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	if err := setThreading(msg, m); err != nil {
		return err
	}
	if m.AutoReplied {
		msg.SetGenHeader(headerAutoSubmitted, "auto-replied")
		// Keeps Exchange out-of-office replies from answering the bot.
		msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	}
	return nil
}

// setThreading sets In-Reply-To and References.
func setThreading(msg *mail.Msg, m Mail) error {
	if m.InReplyTo != "" {
		id, err := checkMsgID(m.InReplyTo)
		if err != nil {
			return fmt.Errorf("in-reply-to: %w", err)
		}
		msg.SetGenHeader(mail.HeaderInReplyTo, quoteID(id))
	}
	refs := make([]string, 0, len(m.References))
	for _, r := range m.References {
		if strings.TrimSpace(r) == "" {
			continue
		}
		id, err := checkMsgID(r)
		if err != nil {
			return fmt.Errorf("references: %w", err)
		}
		refs = append(refs, quoteID(id))
	}
	if len(refs) > 0 {
		// One value, space-separated: go-mail joins several values with
		// ", ", which is wrong for a msg-id list. Its writer folds at spaces.
		msg.SetGenHeader(mail.HeaderReferences, strings.Join(refs, " "))
	}
	return nil
}

// attach adds one attachment. A message/* attachment that is plain 7-bit
// text with short lines is sent unencoded, because RFC 2046 does not
// allow base64 for message/rfc822; anything else is base64.
func attach(msg *mail.Msg, a Attachment) error {
	if err := checkHeaderText(a.Filename); err != nil {
		return fmt.Errorf("filename: %w", err)
	}
	if err := checkHeaderText(a.ContentType); err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	opts := []mail.FileOption{mail.WithFileContentType(mail.ContentType(ct))}
	if strings.HasPrefix(strings.ToLower(ct), "message/") && is7bitText(a.Data) {
		// go-mail writes a NoEncoding part unchanged, labelled "8bit";
		// that label is also correct for 7-bit data.
		opts = append(opts, mail.WithFileEncoding(mail.NoEncoding))
	}
	if err := msg.AttachReader(a.Filename, bytes.NewReader(a.Data), opts...); err != nil {
		return fmt.Errorf("%s: %w", a.Filename, err)
	}
	return nil
}

// is7bitText reports whether b is 7-bit text with lines of at most 998
// octets, the limit of RFC 5322, so it can travel unencoded.
func is7bitText(b []byte) bool {
	lineLen := 0
	for _, c := range b {
		switch {
		case c == '\n':
			lineLen = 0
			continue
		case c == 0 || c >= 0x80:
			return false
		}
		lineLen++
		if lineLen > 998 {
			return false
		}
	}
	return true
}

// netAddress validates a and returns it in net/mail form, which go-mail
// writes with the display name quoted or encoded as needed.
func netAddress(a Address) (*netmail.Address, error) {
	if err := checkHeaderText(a.Name); err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	if err := checkHeaderText(a.Email); err != nil {
		return nil, fmt.Errorf("address: %w", err)
	}
	parsed, err := netmail.ParseAddress(a.Email)
	if err != nil || parsed.Name != "" {
		return nil, fmt.Errorf("invalid address %q", a.Email)
	}
	return &netmail.Address{Name: strings.TrimSpace(a.Name), Address: parsed.Address}, nil
}

// netAddresses converts a list with netAddress.
func netAddresses(list []Address) ([]*netmail.Address, error) {
	out := make([]*netmail.Address, 0, len(list))
	for _, a := range list {
		na, err := netAddress(a)
		if err != nil {
			return nil, err
		}
		out = append(out, na)
	}
	return out, nil
}

// checkHeaderText rejects control characters other than tab.
func checkHeaderText(s string) error {
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return errHeaderInjection
		}
	}
	return nil
}

// checkMsgID accepts a Message-ID with or without angle brackets and
// returns it without; it may contain no blanks, brackets or control
// characters.
func checkMsgID(id string) (string, error) {
	id = unquoteID(id)
	if id == "" {
		return "", errors.New("empty")
	}
	if err := checkHeaderText(id); err != nil {
		return "", err
	}
	if strings.ContainsAny(id, "<> \t") {
		return "", fmt.Errorf("%q: blank or angle bracket inside", id)
	}
	return id, nil
}

// UsableMsgID reports whether id (with or without <>) can go into
// In-Reply-To or References: a sender's Message-ID with blanks or angle
// brackets inside is left out there, and the answer is still sent.
func UsableMsgID(id string) bool {
	_, err := checkMsgID(id)
	return err == nil
}
