package parser

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// attributionEnd reports whether line i starts an attribution and
// returns the line that ends it (the one ending in "wrote:" or its kin).
func (q *quoteLines) attributionEnd(i int) (int, bool) {
	ln := q.at(i)
	t := ln.clean()
	if t == "" || !q.colonWithin(i, 6) || !ln.digitOrAt() && !hasAttributionLead(t) {
		return 0, false
	}
	// Wrapped over several lines, an attribution starts with its lead
	// word or its date; a line of prose with an address does not start one.
	single := !hasAttributionLead(t) && !startsWithDigit(t) && !(ln.at() && verbWordMatch(t))
	joined := ""
	for j := i; j < i+6 && q.has(j); j++ {
		l := q.cleanAt(j)
		if l == "" {
			continue
		}
		joined += " " + strings.TrimPrefix(l, ">")
		if len(joined) > 300 {
			return 0, false
		}
		// The cheap tests first: most lines ending in a colon are form
		// labels, which have no attribution verb.
		if strings.HasSuffix(l, ":") && hasDigitOrAt(joined) && hasVerbTail(joined) &&
			(attributionVerbMatch(l) || attributionMatch(cleanLine(joined))) {
			return j, !q.listedOrForm(i, j)
		}
		if single {
			return 0, false
		}
	}
	return 0, false
}

// listedOrForm reports whether one of the lines i to j of a would-be
// attribution is a list item or a form line: then it is the sender's
// text ("1. Anne Hansen, ah@x.dk" above "Deltagere:"), not an attribution.
func (q *quoteLines) listedOrForm(i, j int) bool {
	for k := i; k <= j; k++ {
		t := q.cleanAt(k)
		if t == "" {
			continue
		}
		if isListItem(t) && !(k == i && dateStartRe.MatchString(t)) || isFormLine(t) {
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
	for k, c := range tail {
		for _, v := range verbsByFirst[c] {
			if bytes.HasPrefix(tail[k:], v) {
				return true
			}
		}
	}
	return false
}

// verbsByFirst are attributionVerbs by their first byte: hasVerbTail
// looks at each byte of the tail once.
var verbsByFirst = func() (by [256][][]byte) {
	for _, v := range attributionVerbs {
		by[v[0]] = append(by[v[0]], v)
	}
	return by
}()

// hasAttributionLead is attributionLeadRe without the expression: it
// runs on most lines.
func hasAttributionLead(t string) bool {
	return startsWithAnyOf(t, "doaleiwp") && attributionLead(t)
}

// colonWithin reports whether one of the n lines from i ends in a colon,
// as every attribution does: a cheap test before the expensive ones.
func (q *quoteLines) colonWithin(i, n int) bool {
	for j := i; j < i+n && q.has(j); j++ {
		if q.at(j).endsInColon() {
			return true
		}
	}
	return false
}

// hasDigitOrAt is strings.ContainsAny(t, "@0123456789"): an attribution
// holds a date or an address.
func hasDigitOrAt(t string) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i]; c == '@' || '0' <= c && c <= '9' {
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
	// languages of the corpus and of Danish mail clients (the quote cut
	// asks attributionLead, which decides the same faster).
	attributionLeadRe = regexp.MustCompile(`(?i)^(den|on|am|le|el|op|il|em|w dniu|dne|på|pa)\s`)
	// attributionVerbRe matches the verb that ends an attribution, in
	// many languages ("wrote:", "skrev:", "het volgende geschreven:",
	// "a écrit :", "napisał:"); attributionVerbMatch decides the same.
	attributionVerbRe = regexp.MustCompile(`(?i)(wrote|skrev|schrieb|schreef|geschreven|a\s+écrit|a\s+ecrit|escribió|escribio|escreveu|ha\s+scritto|scrisse|napisał|napisal|napsal|skrivit|kirjoitti|írta|написал|написала|написав|писал|yazdı)(\s[^:]{0,40})?\s*:\s*$`)
	// verbWordRe finds an attribution verb after a sender's address on
	// the first line of a wrapped attribution ("Max <m@x> schrieb am Fr., 28.").
	verbWordRe = regexp.MustCompile(`(?i)@\S*\s+(wrote|skrev|schrieb|schreef|a\s+écrit|escribió|escreveu|ha\s+scritto|napisał|skrivit)\b`)
	// sharedLineRe matches an attribution that follows the reply on the
	// same line ("reply On Wed, … wrote:").
	sharedLineRe = regexp.MustCompile(`(?i)^(.*\S)\s*-*\s+((?:on|den|am|le|el|op)\s.*\d.*\s(?:wrote|skrev|schrieb|schreef|a écrit|escribió)\b[^:]{0,40}:)\s*$`)
)

// sharedLineAttribution reports whether line i is a reply that ends in
// an attribution followed by ">" lines, and returns the reply's part.
func (q *quoteLines) sharedLineAttribution(i int) (string, bool) {
	ln := q.at(i)
	t := ln.clean()
	if !ln.endsInColon() || !ln.hasVerbTail() || hasAttributionLead(t) || startsWithDigit(t) {
		return "", false
	}
	m := sharedLineRe.FindStringSubmatch(t)
	if m == nil {
		return "", false
	}
	k := q.nextNonEmpty(i + 1)
	if k < 0 || !strings.HasPrefix(q.cleanAt(k), ">") {
		return "", false
	}
	return strings.TrimRight(m[1], "- "), true
}

// startsQuote reports whether lines[i] begins the quoted original or a
// footer.
func startsQuote(lines []string, i int) bool {
	q := linesOf(lines[i:])       // it looks only at the lines from i on
	q.lines = make([]qline, 0, 8) // as many as it reads, as a rule
	return q.has(0) && q.startsQuote(0)
}

// startsQuote reports whether line i begins the quoted original or a
// footer. (newText tests for an attribution, attributionEnd, first.)
func (q *quoteLines) startsQuote(i int) bool {
	ln := q.at(i)
	t := ln.clean()
	switch {
	case t == "":
		return false
	case isSeparator(t), !ln.comma() && isMobileFooter(t), isFramedSeparator(t):
		return true
	case (t[0] == '-' || t[0] == '_') && ruleLineRe.MatchString(t):
		return q.headerBlockFollows(i) || strings.HasPrefix(t, "__")
	case ln.endsInColon() && ln.hasVerbTail() && attributionMatch(t):
		return true
	case attributionStart(t) && q.has(i+1) && q.at(i+1).endsInColon() && attributionMatch(t+" "+q.cleanAt(i+1)):
		return true // Gmail wraps long attributions onto a second line
	case ln.colon > 0 && ln.colon <= 24 && headerField(t) != "":
		return q.headerBlockAt(i)
	case startsWithDigit(t) && datedSenderRe.MatchString(t):
		return true
	}
	return q.attributionBeforeQuote(i)
}

// isSeparator is separatorRe.MatchString(t) after a test of the first
// bytes: its separators are a rule of 20 underscores, dashes before a
// phrase that starts with 'o', 'f' or 'v', or words ending in a colon
// that start with 'b', 's' (or 'ſ', which (?i) folds to it) or 'v'.
func isSeparator(t string) bool {
	if t == "" {
		return false
	}
	switch c := t[0]; {
	case c == '-':
		i := 0
		for i < len(t) && t[i] == '-' {
			i++
		}
		for i < len(t) && isSpaceRE(rune(t[i])) {
			i++
		}
		if !strings.HasPrefix(t, "--") || i == len(t) || strings.IndexByte("oOfFvV", t[i]) < 0 {
			return false
		}
	case c == '_':
		if len(t) < 20 || strings.TrimLeft(t[:20], "_") != "" {
			return false
		}
	case (strings.IndexByte("bBsSvV", c) >= 0 || c == 0xc5) && endsInColonRE(t): // 'ſ' is C5 BF
	default:
		return false
	}
	return separatorRe.MatchString(t)
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

// isStartMarker is startMarkerRe.MatchString(t):
// `(?i)^-{2,}\s*tilmelding\b.*$`.
func isStartMarker(t string) bool {
	if strings.IndexByte(t, '\n') >= 0 {
		return startMarkerRe.MatchString(t) // "." stops at a line end
	}
	k := afterDashes(t)
	if k < 0 || !hasPrefixFoldASCII(t[k:], "tilmelding") { // no rune outside ASCII folds to its letters
		return false
	}
	k += len("tilmelding")
	return k == len(t) || !isWordRE(rune(t[k])) // \b after the 'g'
}

// isEndMarker is endMarkerRe.MatchString(t): `(?i)^-{2,}\s*slut\s*-*$`.
func isEndMarker(t string) bool {
	k := afterDashes(t)
	if k < 0 {
		return false
	}
	var buf [8]rune
	rs := buf[:0]
	for _, r := range t[k:] {
		if rs = append(rs, r); len(rs) == len(buf) {
			break
		}
	}
	e, ok := slutWord[0].matchAt(rs, 0)
	if !ok {
		return false
	}
	// the rest: \s* then -* to the end, in bytes from where "slut" ends
	rest := t[k:]
	for _, r := range rs[:e] {
		rest = rest[utf8.RuneLen(r):]
	}
	rest = strings.TrimLeft(rest, " \t\n\f\r")
	return strings.TrimLeft(rest, "-") == ""
}

// slutWord is "slut" under (?i) ('ſ' too).
var slutWord = foldLits("slut")

// afterDashes returns the index after `^-{2,}\s*` in t, or -1.
func afterDashes(t string) int {
	k := 0
	for k < len(t) && t[k] == '-' {
		k++
	}
	if k < 2 {
		return -1
	}
	for k < len(t) && isSpaceRE(rune(t[k])) {
		k++
	}
	return k
}

// endsInColonRE reports whether t ends in ':' and \s.
func endsInColonRE(t string) bool {
	n := len(t)
	for n > 0 && isSpaceRE(rune(t[n-1])) {
		n--
	}
	return n > 0 && t[n-1] == ':'
}

// isFramedSeparator reports whether t is a separator framed by dashes;
// the form's own markers ("--- TILMELDING …", "--- SLUT ---") and a
// framed form label are not.
func isFramedSeparator(t string) bool {
	if !strings.HasPrefix(t, "--") && !strings.HasPrefix(t, "*-") || !strings.HasSuffix(strings.TrimSuffix(t, "*"), "---") {
		return false // framedRe's frame
	}
	if isStartMarker(t) || isEndMarker(t) {
		return false // the form's markers, the usual framed lines, first
	}
	m := framedRe.FindStringSubmatch(t)
	if m == nil {
		return false
	}
	_, label := matchLabel(m[1])
	return !label
}

// isMobileFooter reports whether t is a mail app's footer ("Sendt fra
// min iPhone"): a short line, not a sentence that starts alike ("Sent
// from my desk, is much easier …"). The expression runs last.
func isMobileFooter(t string) bool {
	return startsWithAnyOf(t, "shgevil") && mobileFooterMatch(t) && !strings.Contains(t, ",") && countFields(t) <= 8
}

// endsInColon is what every attribution line ends in; checking it first
// spares most lines attributionRe, the parser's most expensive regexp.
func endsInColon(s string) bool {
	return strings.HasSuffix(cleanLine(s), ":")
}

// attributionBeforeQuote reports whether line i starts an attribution
// that some client wrapped over up to four lines ("2016-10-24 15:36
// GMT+02:00 Foo bar <" / "info@foo.bar>:") and that is followed by ">"
// quoted lines: the lines end in ":" and carry a date or an address.
func (q *quoteLines) attributionBeforeQuote(i int) bool {
	size := -1 // of the lines joined by spaces
	for j := i; j < i+4 && q.has(j); j++ {
		ln := q.at(j)
		t := ln.clean()
		if t == "" {
			if j == i {
				return false
			}
			continue
		}
		if j == i && !ln.digitOrAt() {
			return false // an attribution starts with its date or sender
		}
		if j == i && !startsWithDigit(t) && !ln.endsInColon() && !attributionLead(t) && !(ln.at() && verbWordMatch(t)) {
			return false // prose with an address or a number does not start one
		}
		if isListItem(t) || isFormLine(t) {
			return false
		}
		if strings.HasPrefix(t, ">") && !strings.HasPrefix(t, "> wrote:") && !strings.HasPrefix(t, ">:") {
			return false
		}
		size += 1 + len(t)
		if !strings.HasSuffix(t, ":") {
			continue
		}
		k := q.nextNonEmpty(j + 1)
		if k < 0 || !strings.HasPrefix(q.cleanAt(k), ">") {
			return false
		}
		// The first line holds a digit or an address (tested above).
		return size < 300
	}
	return false
}

// attributionStart is a cheap test before joining two lines: t starts
// with "den " or "on " in any case (strings.ToLower(t) would; no other
// rune lower-cases to these letters).
func attributionStart(t string) bool {
	return hasPrefixFoldASCII(t, "den ") || hasPrefixFoldASCII(t, "on ")
}

// hasPrefixFoldASCII reports whether s starts with the lower-case ASCII
// prefix, ASCII letters of s compared in either case.
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
