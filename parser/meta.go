package parser

import (
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// msgIDRe finds <id> tokens in Message-ID lists that go-message rejects.
var msgIDRe = regexp.MustCompile(`<([^<>\s]+)>`)

// msgIDs reads a list of message ids leniently.
func msgIDs(h mail.Header, key string) []string {
	if ids, err := h.MsgIDList(key); err == nil {
		return ids
	}
	var ids []string
	for _, m := range msgIDRe.FindAllStringSubmatch(h.Get(key), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// rfc5322Date is the Date field as nearly every mail client writes it
// ("Tue, 5 Jul 2022 11:00:00 +0200").
const rfc5322Date = "Mon, 2 Jan 2006 15:04:05 -0700"

// headerDate is h.Date() with the usual form read by one time.Parse:
// net/mail's lenient reading tries up to 48 layouts (those without a day
// of the week first) and was 4 % of the parse. For a value in this form
// the first of its layouts that fits is this one, so the time is the same.
func headerDate(h mail.Header) (time.Time, error) {
	if t, err := time.Parse(rfc5322Date, h.Get("Date")); err == nil {
		return t, nil
	}
	return h.Date()
}

// meta returns the header facts of m.
func (m *mailMsg) meta() Meta {
	id, err := m.header.MessageID()
	if err != nil || id == "" {
		id = strings.Trim(strings.TrimSpace(m.header.Get("Message-Id")), "<>")
	}
	subj, err := m.header.Subject()
	if err != nil {
		subj = m.header.Get("Subject")
	}
	date, err := headerDate(m.header)
	if err != nil {
		date = time.Time{}
	}
	return Meta{
		MessageID:  id,
		InReplyTo:  msgIDs(m.header, "In-Reply-To"),
		References: msgIDs(m.header, "References"),
		Subject:    safeName(subj),
		FromName:   m.from.name,
		Date:       date,
	}
}
