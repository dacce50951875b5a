package replies

import (
	"regexp"
	"strings"
)

// Decisions by mail (issue 13, item 1): an item waiting for staff carries
// action links whose subject is the verb and the item's token. Scripts
// outside the project rely on the exact form `Godkend [SP-A-<token>]`, so
// the form is made and read here only.

// The verbs of an action mail's subject.
const (
	VerbApprove  = "Godkend"  // a late registration or a held change: record or apply it
	VerbReject   = "Afvis"    // a late registration or a held change: refuse it, with the reason written
	VerbAnswered = "Besvaret" // a forwarded question: it has been answered, close it
)

// DecisionItem is one item waiting for staff, as the notice and the
// summary list it: what happened in a sentence, and its actions.
type DecisionItem struct {
	What    string
	Actions []DecisionAction
}

// DecisionAction is one action link: its verb, the exact subject a person
// may also type by hand, and the mailto: URL that opens that mail.
type DecisionAction struct {
	Verb    string
	Subject string
	Mailto  string
}

// ActionSubject is the subject of the action mail for verb and token.
func ActionSubject(verb, token string) string { return verb + " [SP-A-" + token + "]" }

// NewDecisionAction is the action verb on token, mailed to the bot at botAddr.
func NewDecisionAction(verb, token, botAddr string) DecisionAction {
	s := ActionSubject(verb, token)
	return DecisionAction{Verb: verb, Subject: s, Mailto: Mailto(botAddr, s)}
}

// Mailto is a mailto: URL (RFC 6068) to addr with subject: every octet of
// the subject but the unreserved ones is percent-encoded, blanks as %20
// (not "+", which a mail client would keep), so "[" and "]" survive.
func Mailto(addr, subject string) string {
	return "mailto:" + pctEncode(addr, "@") + "?subject=" + pctEncode(subject, "")
}

func pctEncode(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// actionSubject finds the verb and token in a subject: the verb, then the
// bracketed token, anywhere in it ("SV: Godkend [SP-A-…]" still counts);
// case is folded, as a person may type it.
var actionSubject = regexp.MustCompile(`(?i)\b(godkend|afvis|besvaret)\s*\[\s*SP-A-([A-Z2-7]{16,64})\s*\]`)

// ReadActionSubject returns the verb (one of the Verb* constants) and the
// token (upper case) of an action mail's subject; ok is false when the
// subject holds none.
func ReadActionSubject(subject string) (verb, token string, ok bool) {
	m := actionSubject.FindStringSubmatch(subject)
	if m == nil {
		return "", "", false
	}
	for _, v := range []string{VerbApprove, VerbReject, VerbAnswered} {
		if strings.EqualFold(m[1], v) {
			verb = v
		}
	}
	return verb, strings.ToUpper(m[2]), true
}
