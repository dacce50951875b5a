package replies

import (
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"strings"
	"time"
)

// DefaultReplySubject is the subject of a reply to a mail without one.
const DefaultReplySubject = "Re: Tilmelding til Seniorpartnerskabet"

// replyPrefix matches one reply prefix at the start of a subject: Re, SV
// (Danish/Norwegian/Swedish "svar") and AW (German "Antwort"), in any case,
// optionally counted as Outlook and others do ("Re[2]:", "RE(3):") and with
// a blank before the colon. Forward prefixes (Fwd, VS, WG) are kept: the
// reply is to the forward.
var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|sv|aw)\s*(\[\d+\]|\(\d+\))?\s*:\s*`)

// ReplySubject is the subject of a reply to a mail with subject orig:
// exactly one "Re: " in front, however many reply prefixes orig had. Line
// breaks are folded to spaces so a subject can never inject a header.
func ReplySubject(orig string) string {
	s := strings.Join(strings.Fields(orig), " ")
	for {
		loc := replyPrefix.FindStringIndex(s)
		if loc == nil {
			break
		}
		s = s[loc[1]:]
	}
	if s == "" {
		return DefaultReplySubject
	}
	return "Re: " + s
}

// idEncoding spells the random part of a Message-ID in lower-case letters
// and digits only, which every mail system keeps intact.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewMessageID returns a new, globally unique Message-ID on domain, without
// angle brackets, e.g. "20220901T101500.k3x…@example.org". The timestamp
// helps staff read logs; the 128 random bits make it unique. An empty
// domain yields "localhost" rather than an invalid ID.
func NewMessageID(domain string) string {
	domain = strings.Trim(strings.TrimSpace(domain), "<>@")
	if domain == "" {
		domain = "localhost"
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error (Go 1.24+)
	stamp := time.Now().UTC().Format("20060102T150405")
	return stamp + "." + idEncoding.EncodeToString(b[:]) + "@" + domain
}

// quoteID puts a Message-ID in angle brackets.
func quoteID(id string) string { return "<" + id + ">" }

// unquoteID strips angle brackets a caller may have left on.
func unquoteID(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}
