package parser

import (
	"strings"
	"unicode/utf8"
)

// The header block Outlook and others write above a quoted or forwarded
// original ("Fra: … / Sendt: … / Til: … / Emne: …").

// headerLabels are the field names of a quoted header block, in the
// languages Outlook writes.
var headerLabels = map[string]bool{"fra": true, "from": true, "von": true, "de": true, "od": true, "van": true, "från": true, "fran": true, "expéditeur": true, "mittente": true, "remetente": true, "da": true, "от": true, "від": true, "sendt": true, "sent": true, "dato": true, "date": true, "til": true, "to": true, "emne": true, "subject": true, "gesendet": true, "an": true, "betreff": true, "datum": true, "envoyé": true, "envoye": true, "à": true, "objet": true, "wysłano": true, "wysłane": true, "do": true, "temat": true, "verzonden": true, "aan": true, "onderwerp": true, "skickat": true, "ämne": true, "oggetto": true, "inviato": true, "risposta": true, "assunto": true, "enviado": true, "enviada": true, "para": true, "asunto": true, "fecha": true, "data": true, "a": true, "cc": true, "отправлено": true, "кому": true, "тема": true, "дата": true}

// headerField returns the role (headerRole) of the header field t
// starts with ("Fra: …", "*Gesendet:* …"), or "" when t is no such
// field. It is quoteAnyRe as a look-up: it runs on every line.
func headerField(t string) string {
	i := strings.IndexByte(t, ':')
	if i <= 0 || i > 24 {
		return ""
	}
	if rest := strings.TrimPrefix(t[i+1:], "*"); rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return ""
	}
	label := strings.TrimSpace(strings.TrimPrefix(t[:i], "*"))
	var buf [24]byte
	if lower, ok := lowerASCIIInto(label, buf[:]); ok {
		if !headerLabels[string(lower)] {
			return "" // most lines: decided without a lower-cased copy
		}
		return headerRole(string(lower))
	}
	label = strings.ToLower(label)
	if !headerLabels[label] {
		return ""
	}
	return headerRole(label)
}

// lowerASCIIInto lower-cases s into buf when s is ASCII and fits.
func lowerASCIIInto(s string, buf []byte) ([]byte, bool) {
	if len(s) > len(buf) {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(s)], true
}

// headerBlockAt reports whether line i starts a quoted header block:
// at least two fields within a few lines, naming the sender or the date
// and the recipient or subject. A lone "Til:" or "Dato:" line in a reply
// is not one.
func (q *quoteLines) headerBlockAt(i int) bool {
	seen := 0
	for j := i; j <= i+4 && q.has(j); j++ {
		if ln := q.at(j); ln.colon > 0 && ln.colon <= 24 { // (headerField's first test)
			seen |= roleBit(headerField(ln.clean()))
		}
	}
	roles := 0
	for b := seen; b != 0; b &= b - 1 {
		roles++
	}
	return roles >= 2 && (seen&roleFrom != 0 || seen&roleDate != 0 && seen&(roleTo|roleSubject) != 0)
}

// The roles of header fields as bits, for headerBlockAt.
const (
	roleFrom = 1 << iota
	roleDate
	roleTo
	roleSubject
	roleReplyTo
)

// roleBit is the bit of a headerRole, 0 for "".
func roleBit(role string) int {
	switch role {
	case "from":
		return roleFrom
	case "date":
		return roleDate
	case "to":
		return roleTo
	case "subject":
		return roleSubject
	case "reply-to":
		return roleReplyTo
	}
	return 0
}

// headerRole groups headerLabels by what they name.
func headerRole(label string) string {
	switch label {
	case "fra", "from", "von", "de", "od", "van", "från", "fran", "expéditeur", "mittente", "remetente", "da", "от", "від":
		return "from"
	case "sendt", "sent", "dato", "date", "gesendet", "datum", "envoyé", "envoye", "wysłano", "wysłane", "verzonden", "skickat", "inviato", "enviado", "enviada", "fecha", "data", "отправлено", "дата":
		return "date"
	case "emne", "subject", "betreff", "objet", "temat", "onderwerp", "ämne", "oggetto", "assunto", "asunto", "тема":
		return "subject"
	case "risposta":
		return "reply-to"
	}
	return "to"
}

// headerBlockFollows reports whether a "Fra:" line at i is followed by
// another header field within a few lines, as in Outlook's block; a lone
// "Fra:" may be ordinary text.
func (q *quoteLines) headerBlockFollows(i int) bool {
	for j := i + 1; j <= i+4 && q.has(j); j++ {
		if quoteOtherRe.MatchString(q.cleanAt(j)) {
			return true
		}
	}
	return false
}
