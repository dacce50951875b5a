package rules

import (
	"bufio"
	"bytes"
	"net/mail"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	gomail "github.com/emersion/go-message/mail"
)

// sender is who a mail is from, read strictly from its own header.
type sender struct {
	// addr is the address in From, lower-cased; for a From that does not
	// parse, the address in its angle brackets, if any (for the record only).
	addr string
	// unparsable says why From could not be read as one address; such a
	// mail is left for a person and never answered.
	unparsable string
	// nullReturnPath: the envelope sender was null (Return-Path: <>), as
	// for bounces and other automatic mail; RFC 3834 §2 forbids an
	// automatic answer to it.
	nullReturnPath bool
}

// angleAddr finds the address in the last <…> of a From that does not parse.
var angleAddr = regexp.MustCompile(`<([^<>\s]+@[^<>\s]+)>\s*$`)

// readSender reads From as an address list with go-message (RFC 5322, RFC
// 2047 encoded words decoded in the display name only). The sender is the
// address of the one mailbox in it, never an address found in the display
// name: `From: "chef@kl.dk" <x@example.com>` and `From:
// =?utf-8?q?chef@kl.dk?= <x@example.com>` are both from x@example.com. A
// From that does not parse (`From: chef@kl.dk <x@example.com>`, an
// unquoted "@" in the name) or names no or several mailboxes is unparsable:
// the parser's lenient reading may have picked the address in the name.
func readSender(raw []byte) sender {
	var s sender
	th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil && th.Len() == 0 {
		s.unparsable = "mailens header kan ikke læses"
		return s
	}
	h := gomail.Header{Header: message.Header{Header: th}}
	s.nullReturnPath = isNullPath(h.Get("Return-Path"))
	list, err := h.AddressList("From")
	switch {
	case err != nil:
		s.unparsable = "afsenderfeltet (From) kan ikke læses som en adresse"
	case len(list) != 1:
		s.unparsable = "afsenderfeltet (From) nævner ikke præcis én adresse"
	case !strings.Contains(list[0].Address, "@"):
		s.unparsable = "afsenderfeltet (From) har ingen adresse med domæne"
	default:
		s.addr = strings.ToLower(list[0].Address)
		return s
	}
	if m := angleAddr.FindStringSubmatch(h.Get("From")); m != nil {
		if a, err := mail.ParseAddress("<" + m[1] + ">"); err == nil {
			s.addr = strings.ToLower(a.Address)
		}
	}
	return s
}

// isNullPath reports whether a Return-Path is the null path "<>" (RFC
// 5321 §4.1.1.2), with or without blanks inside.
func isNullPath(v string) bool {
	v = strings.Join(strings.Fields(v), "")
	return v == "<>"
}
