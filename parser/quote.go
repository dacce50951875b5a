package parser

import (
	"regexp"
	"strings"
)

// Markers of the quoted original below a reply. They are matched against
// trimmed lines; each says why it is safe to cut there.
var (
	// Separator lines Outlook, Gmail and Apple Mail put above a quoted or
	// forwarded original.
	separatorRe = regexp.MustCompile(`(?i)^(-{2,}\s*(oprindelig meddelelse|original message|videresendt meddelelse|forwarded message|videresendt besked)\s*-*|begin forwarded message:|start på videresendt besked:|videresendt besked:|_{20,})\s*$`)
	// One field of the header block Outlook writes above the original,
	// in Danish or English, optionally bold ("*Fra:*") after HTML conversion.
	quoteHeaderRe = regexp.MustCompile(`(?i)^\*?(fra|from|sendt|sent|dato|date|til|to|cc|emne|subject|svar til|reply-to)\s*:\*?\s*(.*)$`)
	// quoteFromRe and quoteOtherRe also know the labels of the other
	// languages Outlook writes (German, French, Dutch, Swedish, Polish,
	// Spanish, Italian, Portuguese, Russian), since a kommune may use any.
	quoteFromRe  = regexp.MustCompile(`(?i)^\*?(fra|from|von|de|od|van|från|fran|expéditeur|mittente|remetente|от|від)\s*:\*?\s*\S`)
	quoteOtherRe = regexp.MustCompile(`(?i)^\*?(sendt|sent|dato|date|til|to|emne|subject|gesendet|an|betreff|datum|envoyé|envoye|à|objet|wysłano|wysłane|do|temat|verzonden|aan|onderwerp|skickat|ämne|oggetto|inviato|assunto|enviado|enviada|para|asunto|fecha|data|отправлено|кому|тема|дата)\s*:`)
	// Attribution lines: "Den tir. 28. jun. 2022 kl. 10.12 skrev Nanna <n@x>:"
	// and "On Tue, Jun 28, 2022 at 10:12 AM Nanna <n@x> wrote:".
	attributionRe = regexp.MustCompile(`(?i)^((den|on|am|le|el)\s.*\d.*\s(skrev|wrote|schrieb|a écrit|escribió)\b.*|.{1,120}\s(skrev|wrote)\s+(den|on)\s.*\d.*|.{0,200}\d.{0,200}\s(skrev|wrote|schrieb|schreef|a écrit|escribió|escreveu|scrisse|napisał|napisal|skrivit|kirjoitti|написал|написав|писал)(\s[^:]{0,40})?):\s*$`)
	// Mobile and webmail footers.
	mobileFooterRe = regexp.MustCompile(`(?i)^(sendt fra min|sent from my|sendt fra outlook|sent from outlook|sent from mail for windows|hent outlook til|get outlook for)\b`)
)

// newText returns the new part of a reply: the text above the quoted
// original, without lines quoted with ">" and without the signature.
// Quoted text is never data: the blank form is usually quoted below. A
// reply to one of the bot's own mails ends at its ReplyLine.
func newText(body string) string {
	body = beforeReplyLine(body)
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var kept []string
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t\r")
		if line == "--" || strings.TrimRight(lines[i], "\r") == "-- " {
			break // RFC 3676 signature delimiter
		}
		t := cleanLine(line)
		if strings.HasPrefix(t, ">") {
			continue // an inline answer may follow, so skip, don't stop
		}
		if startsQuote(lines, i) {
			break
		}
		kept = append(kept, line)
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// startsQuote reports whether lines[i] begins the quoted original or a
// footer.
func startsQuote(lines []string, i int) bool {
	t := cleanLine(lines[i])
	switch {
	case t == "":
		return false
	case separatorRe.MatchString(t), mobileFooterRe.MatchString(t):
		return true
	case endsInColon(t) && attributionRe.MatchString(t):
		return true
	case i+1 < len(lines) && attributionStart(t) && endsInColon(lines[i+1]) && attributionRe.MatchString(t+" "+cleanLine(lines[i+1])):
		return true // Gmail wraps long attributions onto a second line
	case quoteFromRe.MatchString(t):
		return headerBlockFollows(lines, i)
	}
	return attributionBeforeQuote(lines, i)
}

// endsInColon is what every attribution line ends in; checking it first
// spares most lines attributionRe, the parser's most expensive regexp.
func endsInColon(s string) bool {
	return strings.HasSuffix(cleanLine(s), ":")
}

// attributionBeforeQuote reports whether lines[i] starts an attribution
// that some client wrapped over up to four lines ("2016-10-24 15:36
// GMT+02:00 Foo bar <" / "info@foo.bar>:") and that is followed by ">"
// quoted lines: the lines end in ":" and carry a date or an address.
func attributionBeforeQuote(lines []string, i int) bool {
	var joined []string
	for j := i; j < len(lines) && j < i+4; j++ {
		t := cleanLine(lines[j])
		if t == "" {
			if j == i {
				return false
			}
			continue
		}
		if j == i && !strings.ContainsAny(t, "@0123456789") {
			return false // an attribution starts with its date or sender
		}
		if listItemRe.MatchString(t) || isFormLine(t) {
			return false
		}
		if strings.HasPrefix(t, ">") && !strings.HasPrefix(t, "> wrote:") && !strings.HasPrefix(t, ">:") {
			return false
		}
		joined = append(joined, t)
		if !strings.HasSuffix(t, ":") {
			continue
		}
		k := nextNonEmpty(lines, j+1)
		if k < 0 || !strings.HasPrefix(cleanLine(lines[k]), ">") {
			return false
		}
		s := strings.Join(joined, " ")
		return len(s) < 300 && (strings.ContainsAny(s, "@0123456789"))
	}
	return false
}

// attributionStart is a cheap test before joining two lines.
func attributionStart(t string) bool {
	l := strings.ToLower(t)
	return strings.HasPrefix(l, "den ") || strings.HasPrefix(l, "on ")
}

// headerBlockFollows reports whether a "Fra:" line at i is followed by
// another header field within a few lines, as in Outlook's block; a lone
// "Fra:" may be ordinary text.
func headerBlockFollows(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if quoteOtherRe.MatchString(cleanLine(lines[j])) {
			return true
		}
	}
	return false
}

// forwarded is a mail forwarded inline, as read from its header block.
type forwarded struct {
	name, addr, subject string
	body                string
}

// findForward finds an inline forwarded mail in body: a separator line or
// an Outlook header block, then the original's header fields, then its
// text.
func findForward(body string) (forwarded, bool) {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	for i := range lines {
		t := cleanLine(lines[i])
		start := -1
		switch {
		case separatorRe.MatchString(t):
			start = i + 1
		case quoteFromRe.MatchString(t) && headerBlockFollows(lines, i):
			start = i
		}
		if start >= 0 {
			if f, ok := readForwardHeader(lines[start:]); ok {
				return f, true
			}
		}
	}
	return forwarded{}, false
}

// readForwardHeader reads "Fra:/Sendt:/Til:/Emne:" fields until the blank
// line that ends them; the rest is the forwarded text.
func readForwardHeader(lines []string) (forwarded, bool) {
	var f forwarded
	seen, last := false, ""
	i := 0
	for ; i < len(lines); i++ {
		t := cleanLine(lines[i])
		if t == "" {
			if seen {
				break
			}
			continue
		}
		m := quoteHeaderRe.FindStringSubmatch(t)
		if m == nil {
			if !seen {
				return f, false
			}
			if (last == "til" || last == "to" || last == "cc") && strings.ContainsAny(t, "@;") {
				continue // a wrapped "Til:" list
			}
			break // text without a blank line after the fields
		}
		seen, last = true, strings.ToLower(m[1])
		switch last {
		case "fra", "from":
			f.name, f.addr = splitForwardFrom(m[2])
		case "emne", "subject":
			f.subject = m[2]
		}
	}
	if !seen {
		return f, false
	}
	if i < len(lines) {
		f.body = strings.Join(lines[i:], "\n")
	}
	return f, true
}

// splitForwardFrom reads "Navn <a@b>", "Navn [mailto:a@b]", "a@b" or a
// bare name (Outlook often shows only the name).
func splitForwardFrom(v string) (name, addr string) {
	addr = firstEmail(v)
	name = v
	if i := strings.IndexAny(name, "<["); i >= 0 {
		name = name[:i]
	} else if addr != "" && strings.Contains(name, addr) {
		name = ""
	}
	return safeName(strings.Trim(name, ` "'*`)), addr
}
