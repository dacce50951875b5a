package parser

import (
	"bytes"
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
	mobileFooterRe = regexp.MustCompile(`(?i)^(sendt fra min|sent from my|sendt fra outlook|sent from outlook|sent from mail for windows|sent from windows mail|sent from mailbox|sent from yahoo mail|sent from typeapp|sent with airmail|sent via mobile|hent outlook til|get outlook for|envoyé depuis mon|envoye depuis mon|von meinem|gesendet von meinem|enviado desde mi|enviado do meu|verzonden vanaf mijn|verstuurd vanaf mijn|inviato dal mio|inviato da|skickat från min|lähetetty)`)
)

// newText returns the new part of a reply: the text above the quoted
// original, without lines quoted with ">" and without the signature.
// Quoted text is never data: the blank form is usually quoted below. An
// attribution ("On … wrote:") followed by ">" lines does not end the new
// text: what follows the quoted lines is the sender's own (bottom posting
// and answers typed between quoted lines). A reply to one of the bot's own
// mails ends at its ReplyLine.
func newText(body string) string {
	var kept []string
	scanNewText(body, func(line string) bool {
		kept = append(kept, line)
		return true
	})
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// scanNewText calls keep with each line of body's new text, in order,
// until keep returns false. newText collects the lines; isStub only counts
// a few words, so it can stop early. Both read through this one loop.
func scanNewText(body string, keep func(line string) bool) {
	body = beforeReplyLine(body)
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	empty := true // nothing but blank lines kept so far
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t\r")
		if line == "--" || strings.TrimRight(lines[i], "\r") == "-- " {
			return // RFC 3676 signature delimiter
		}
		t := cleanLine(line)
		if strings.HasPrefix(t, ">") {
			continue // an inline answer may follow, so skip, don't stop
		}
		if before, ok := sharedLineAttribution(lines, i); ok {
			keep(before)
			return
		}
		end, attribution := attributionEnd(lines, i)
		if attribution && quotedAfter(lines, end) {
			i = end // skip the attribution; its ">" lines are skipped above
			continue
		}
		if attribution || startsQuote(lines, i) {
			if empty && forwardSepRe.MatchString(t) {
				// Forwarded with nothing written above it: the forwarded
				// mail's own text, after its header, is what is sent.
				if f, ok := readForwardHeader(lines[i+1:]); ok {
					scanNewText(f.body, keep)
				}
			}
			return
		}
		if t == "" {
			line = "" // invisible marks (Gmail's "ᐧ") are blank too
		} else {
			empty = false
		}
		if !keep(line) {
			return
		}
	}
}

// forwardSepRe matches the separators that start a forwarded mail (not a
// quoted one).
var forwardSepRe = regexp.MustCompile(`(?i)(forwarded message|videresendt (meddelelse|besked)|begin forwarded message|start på videresendt|weitergeleitete nachricht|message transféré|doorgestuurd bericht|mensaje reenviado)`)

// quotedAfter reports whether the first line with text after lines[end]
// is quoted with ">".
func quotedAfter(lines []string, end int) bool {
	k := nextNonEmpty(lines, end+1)
	return k >= 0 && strings.HasPrefix(cleanLine(lines[k]), ">")
}

// attributionEnd reports whether lines[i] starts an attribution and
// returns the line that ends it (the one ending in "wrote:" or its kin).
func attributionEnd(lines []string, i int) (int, bool) {
	t := cleanLine(lines[i])
	if t == "" || !colonWithin(lines, i, 6) || !strings.ContainsAny(t, "@0123456789") && !hasAttributionLead(t) {
		return 0, false
	}
	// Wrapped over several lines, an attribution starts with its lead
	// word or its date; a line of prose with an address does not start one.
	single := !hasAttributionLead(t) && !startsWithDigit(t) && !verbWordRe.MatchString(t)
	joined := ""
	for j := i; j < len(lines) && j < i+6; j++ {
		l := cleanLine(lines[j])
		if l == "" {
			continue
		}
		joined += " " + strings.TrimPrefix(l, ">")
		if len(joined) > 300 {
			return 0, false
		}
		// The cheap tests first: most lines ending in a colon are form
		// labels, which have no attribution verb.
		if endsInColon(l) && strings.ContainsAny(joined, "@0123456789") && hasVerbTail(joined) &&
			(attributionVerbRe.MatchString(l) || attributionRe.MatchString(cleanLine(joined))) {
			return j, !listedOrForm(lines[i : j+1])
		}
		if single {
			return 0, false
		}
	}
	return 0, false
}

// listedOrForm reports whether one of the lines of a would-be
// attribution is a list item or a form line: then it is the sender's
// text ("1. Anne Hansen, ah@x.dk" above "Deltagere:"), not an attribution.
func listedOrForm(lines []string) bool {
	for k, l := range lines {
		t := cleanLine(l)
		if t == "" {
			continue
		}
		if listItemRe.MatchString(t) && !(k == 0 && dateStartRe.MatchString(t)) || isFormLine(t) {
			return true
		}
	}
	return false
}

// dateStartRe matches a line starting with a numeric date ("02.04.2012"),
// which is not a numbered list item.
var dateStartRe = regexp.MustCompile(`^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}`)

// attributionVerbs are the verbs that end an attribution, lower-cased, as
// bytes to look for in the end of a line before the expressions run.
var attributionVerbs = [][]byte{[]byte("wrote"), []byte("skrev"), []byte("schrieb"), []byte("schreef"),
	[]byte("geschreven"), []byte("crit"), []byte("escribi"), []byte("escreveu"), []byte("scritto"),
	[]byte("scrisse"), []byte("napisa"), []byte("napsal"), []byte("skrivit"), []byte("kirjoitti"),
	[]byte("rta"), []byte("написа"), []byte("писал"), []byte("yazd")}

// hasVerbTail reports whether the end of s holds an attribution verb.
func hasVerbTail(s string) bool {
	var buf [80]byte
	tail := lowerTail(s, buf[:])
	for _, v := range attributionVerbs {
		if bytes.Contains(tail, v) {
			return true
		}
	}
	return false
}

// hasAttributionLead is attributionLeadRe without the expression: it
// runs on most lines.
func hasAttributionLead(t string) bool {
	return startsWithAnyOf(t, "doaleiwp") && attributionLeadRe.MatchString(t)
}

// colonWithin reports whether one of the n lines from i ends in a colon,
// as every attribution does: a cheap test before the expensive ones.
func colonWithin(lines []string, i, n int) bool {
	for j := i; j < len(lines) && j < i+n; j++ {
		if endsInColon(lines[j]) {
			return true
		}
	}
	return false
}

// startsWithDigit reports whether t starts with an ASCII digit.
func startsWithDigit(t string) bool {
	return t != "" && t[0] >= '0' && t[0] <= '9'
}

var (
	// attributionLeadRe matches how attribution lines start in the
	// languages of the corpus and of Danish mail clients.
	attributionLeadRe = regexp.MustCompile(`(?i)^(den|on|am|le|el|op|il|em|w dniu|dne|på|pa)\s`)
	// attributionVerbRe matches the verb that ends an attribution, in
	// many languages ("wrote:", "skrev:", "het volgende geschreven:",
	// "a écrit :", "napisał:").
	attributionVerbRe = regexp.MustCompile(`(?i)(wrote|skrev|schrieb|schreef|geschreven|a\s+écrit|a\s+ecrit|escribió|escribio|escreveu|ha\s+scritto|scrisse|napisał|napisal|napsal|skrivit|kirjoitti|írta|написал|написала|написав|писал|yazdı)(\s[^:]{0,40})?\s*:\s*$`)
	// verbWordRe finds an attribution verb after a sender's address on
	// the first line of a wrapped attribution ("Max <m@x> schrieb am Fr., 28.").
	verbWordRe = regexp.MustCompile(`(?i)@\S*\s+(wrote|skrev|schrieb|schreef|a\s+écrit|escribió|escreveu|ha\s+scritto|napisał|skrivit)\b`)
	// sharedLineRe matches an attribution that follows the reply on the
	// same line ("reply On Wed, … wrote:").
	sharedLineRe = regexp.MustCompile(`(?i)^(.*\S)\s*-*\s+((?:on|den|am|le|el|op)\s.*\d.*\s(?:wrote|skrev|schrieb|schreef|a écrit|escribió)\b[^:]{0,40}:)\s*$`)
)

// sharedLineAttribution reports whether lines[i] is a reply that ends in
// an attribution followed by ">" lines, and returns the reply's part.
func sharedLineAttribution(lines []string, i int) (string, bool) {
	t := cleanLine(lines[i])
	if !endsInColon(t) || !hasVerbTail(t) || hasAttributionLead(t) || startsWithDigit(t) {
		return "", false
	}
	m := sharedLineRe.FindStringSubmatch(t)
	if m == nil {
		return "", false
	}
	k := nextNonEmpty(lines, i+1)
	if k < 0 || !strings.HasPrefix(cleanLine(lines[k]), ">") {
		return "", false
	}
	return strings.TrimRight(m[1], "- "), true
}

// startsQuote reports whether lines[i] begins the quoted original or a
// footer. (newText tests for an attribution, attributionEnd, first.)
func startsQuote(lines []string, i int) bool {
	t := cleanLine(lines[i])
	switch {
	case t == "":
		return false
	case separatorRe.MatchString(t), isMobileFooter(t), isFramedSeparator(t):
		return true
	case (t[0] == '-' || t[0] == '_') && ruleLineRe.MatchString(t):
		return headerBlockFollows(lines, i) || strings.HasPrefix(t, "__")
	case endsInColon(t) && hasVerbTail(t) && attributionRe.MatchString(t):
		return true
	case i+1 < len(lines) && attributionStart(t) && endsInColon(lines[i+1]) && attributionRe.MatchString(t+" "+cleanLine(lines[i+1])):
		return true // Gmail wraps long attributions onto a second line
	case headerField(t) != "":
		return headerBlockAt(lines, i)
	case startsWithDigit(t) && datedSenderRe.MatchString(t):
		return true
	}
	return attributionBeforeQuote(lines, i)
}

var (
	// framedRe matches a separator framed by dashes, in any language:
	// "-----Ursprüngliche Nachricht-----", "---- John wrote ----",
	// "*-------- Original Message --------*".
	framedRe = regexp.MustCompile(`^\*?-{3,}\s*([^-\s].*?)\s*-{3,}\*?$`)
	// ruleLineRe matches a line that is only a rule of dashes or
	// underscores.
	ruleLineRe = regexp.MustCompile(`^(-{10,}|_{2,})$`)
	// datedSenderRe matches Gmail's old attribution without a verb: a
	// date, then the sender with an address ("2013/7/20 sam <s@x.org>").
	datedSenderRe = regexp.MustCompile(`^\d{4}[-/]\d{1,2}[-/]\d{1,2}\s(.{0,120}<[^<>\s]+@[^<>\s]+>:?|\d{1,2}:\d{2}\sGMT[+-]\d{1,2}:\d{2}\s\S.{0,80})$`)
)

// isFramedSeparator reports whether t is a separator framed by dashes;
// the form's own markers ("--- TILMELDING …", "--- SLUT ---") and a
// framed form label are not.
func isFramedSeparator(t string) bool {
	if !strings.HasPrefix(t, "--") && !strings.HasPrefix(t, "*-") {
		return false
	}
	m := framedRe.FindStringSubmatch(t)
	if m == nil || startMarkerRe.MatchString(t) || endMarkerRe.MatchString(t) {
		return false
	}
	_, label := matchLabel(m[1])
	return !label
}

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
	label := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(t[:i], "*")))
	rest := strings.TrimPrefix(t[i+1:], "*")
	if !headerLabels[label] || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return ""
	}
	return headerRole(label)
}

// headerBlockAt reports whether lines[i] starts a quoted header block:
// at least two fields within a few lines, naming the sender or the date
// and the recipient or subject. A lone "Til:" or "Dato:" line in a reply
// is not one.
func headerBlockAt(lines []string, i int) bool {
	seen := map[string]bool{}
	for j := i; j < len(lines) && j <= i+4; j++ {
		if role := headerField(cleanLine(lines[j])); role != "" {
			seen[role] = true
		}
	}
	return len(seen) >= 2 && (seen["from"] || seen["date"] && (seen["to"] || seen["subject"]))
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

// isMobileFooter reports whether t is a mail app's footer ("Sendt fra
// min iPhone"): a short line, not a sentence that starts alike ("Sent
// from my desk, is much easier …").
func isMobileFooter(t string) bool {
	return startsWithAnyOf(t, "shgevil") && mobileFooterRe.MatchString(t) && len(strings.Fields(t)) <= 8 && !strings.Contains(t, ",")
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
		if j == i && !startsWithDigit(t) && !attributionLeadRe.MatchString(t) && !verbWordRe.MatchString(t) && !strings.HasSuffix(t, ":") {
			return false // prose with an address or a number does not start one
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
			if (last == "emne" || last == "subject") && i+1 < len(lines) && quoteHeaderRe.MatchString(cleanLine(lines[i+1])) {
				continue // a wrapped subject, with more fields after it
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
