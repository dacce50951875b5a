package rules

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// bouncedIDs are the Message-IDs a bounce says it is about: that of the
// returned mail in a DSN's message/rfc822 or text/rfc822-headers part
// (RFC 3464 §2, RFC 6522; message/global and message/global-headers of
// RFC 6533 too), and the bounce's own In-Reply-To and References. A bounce
// is believed only when one of them is in the outbox.
func bouncedIDs(raw []byte, r *parser.Reply) []string {
	ids := append(append([]string{}, r.Meta.InReplyTo...), r.Meta.References...)
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return ids
	}
	_ = e.Walk(func(_ []int, part *message.Entity, _ error) error {
		ct, _, _ := part.Header.ContentType()
		switch strings.ToLower(ct) {
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
		default:
			return nil
		}
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(part.Body, 256<<10)))
		if err != nil && h.Len() == 0 {
			return nil
		}
		if id := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"); id != "" {
			ids = append(ids, id)
		}
		return nil
	})
	return ids
}
