package parser

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	// autoSubjectRe: subjects that only auto-replies use.
	autoSubjectRe = regexp.MustCompile(`(?i)^\s*(automatisk svar|fraværende|out of office|autosvar|automatic reply|auto-reply|autoreply)\b`)
	// oooSubjectRe: subjects that suggest absence; only trusted together
	// with X-Auto-Response-Suppress, which Outlook also sets on normal mail.
	oooSubjectRe = regexp.MustCompile(`(?i)(fravær|ferie|out of office|ikke på kontoret|ikke til stede|vacation|away)`)
	// cancelRe: phrases that withdraw the kommune's registration.
	cancelRe = regexp.MustCompile(`(?i)(træk\S*\s+(?:\S+\s+){0,6}?tilmelding\S*\s+(?:\S+\s+){0,3}?tilbage|tilbagetræk\S*|træk\S*\s+os\b|afmeld\S*|framel\S*|kan\s+alligevel\s+ikke\s+(?:\S+\s+){0,2}?deltage|melde\S*\s+(?:os\s+)?fra\b|ønsker\s+(?:alligevel\s+)?ikke\s+at\s+deltage|deltager\s+alligevel\s+ikke)`)
)

// isAutoReply applies RFC 3834 and the de-facto headers of Exchange and
// vacation responders.
func isAutoReply(m *mailMsg, subject string) bool {
	h := m.header
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if v := strings.ToLower(strings.TrimSpace(h.Get(k))); v != "" && v != "no" {
			return true
		}
	}
	// Precedence: bulk, junk or list marks newsletters and list mail as
	// much as vacation notices; only together with another cue (the
	// subject) is it an auto-reply, and isBulk leaves the rest as other.
	if strings.EqualFold(strings.TrimSpace(h.Get("Precedence")), "auto_reply") {
		return true
	}
	if autoSubjectRe.MatchString(subject) {
		return true
	}
	return h.Has("X-Auto-Response-Suppress") && oooSubjectRe.MatchString(subject)
}

// isList reports whether m came through a mailing list or is other bulk
// mail (a newsletter): List-Id, List-Unsubscribe or Precedence: bulk,
// junk or list.
func isList(m *mailMsg) bool {
	switch strings.ToLower(strings.TrimSpace(m.header.Get("Precedence"))) {
	case "bulk", "junk", "list":
		return true
	}
	return m.header.Has("List-Id") || m.header.Has("List-Unsubscribe")
}

// bounce reports whether m is a delivery failure report and which
// addresses failed.
func bounce(m *mailMsg) ([]string, map[string]string, bool) {
	daemon := isDaemon(m.from)
	if len(m.dsn) == 0 && !daemon {
		return nil, nil, false
	}
	failed := []string{}
	status := map[string]string{}
	for _, d := range m.dsn {
		failed = append(failed, dsnFailed(d, status)...)
	}
	if len(m.dsn) == 0 {
		failed = append(failed, textFailed(m)...)
		if code := textStatusRe.FindString(m.text()); code != "" {
			for _, a := range failed {
				status[a] = code
			}
		}
	}
	return dedupe(failed), status, true
}

// isDaemon reports whether a sender is a mail system.
func isDaemon(a address) bool {
	local, _, _ := strings.Cut(a.addr, "@")
	switch local {
	case "mailer-daemon", "postmaster":
		return true
	}
	n := strings.ToLower(a.name)
	return strings.Contains(n, "mail delivery") || strings.Contains(n, "mailer-daemon")
}

// dsnFailed reads the per-recipient blocks of a message/delivery-status
// body (RFC 3464) and returns the Final-Recipient of those with Action:
// failed.
func dsnFailed(body string, status map[string]string) []string {
	var out []string
	for _, block := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		fields := dsnFields(block)
		rcpt := fields["final-recipient"]
		if rcpt == "" {
			rcpt = fields["original-recipient"]
		}
		if rcpt == "" || strings.ToLower(fields["action"]) != "failed" {
			continue
		}
		if _, v, ok := strings.Cut(rcpt, ";"); ok {
			rcpt = v
		}
		a := firstEmail(rcpt)
		if a == "" {
			a = strings.ToLower(strings.Trim(strings.TrimSpace(rcpt), "<>"))
		}
		if a != "" {
			out = append(out, a)
			if s := strings.Fields(fields["status"]); len(s) > 0 {
				status[a] = s[0]
			}
		}
	}
	return out
}

// dsnFields reads one header-like block, unfolding continuation lines.
func dsnFields(block string) map[string]string {
	fields := map[string]string{}
	last := ""
	for _, line := range strings.Split(block, "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') && last != "" {
			fields[last] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = strings.ToLower(strings.TrimSpace(k))
		fields[last] = strings.TrimSpace(v)
	}
	return fields
}

// textStatusRe finds an enhanced status code (RFC 3463) in a bounce text.
var textStatusRe = regexp.MustCompile(`\b[45]\.\d{1,3}\.\d{1,3}\b`)

// textFailed guesses the failed addresses of a non-standard bounce: the
// addresses in its first text that are not the daemon's or the bot's.
func textFailed(m *mailMsg) []string {
	own := map[string]bool{m.from.addr: true}
	if to, err := m.header.AddressList("To"); err == nil {
		for _, a := range to {
			own[strings.ToLower(a.Address)] = true
		}
	}
	var out []string
	for _, a := range emailRe.FindAllString(newText(m.text()), 20) {
		if a = strings.ToLower(a); !own[a] {
			out = append(out, a)
		}
	}
	return out
}

// dedupe removes repeated strings, keeping order; never nil.
func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// sentences splits text into trimmed sentences. The lines of a paragraph
// are joined first (mail clients wrap long lines), except lines that are
// list items or form lines; a "." after a number ("29. september") or an
// abbreviation ("pr.", "f.eks.") does not end a sentence.
func sentences(text string) []string {
	return sentencesIn(strings.Split(text, "\n"), false)
}

// sentencesIn is sentences of the text of lines; noFormLines says that
// the caller knows none of them is a form line (the prose of a form's
// text, from which they were taken out).
func sentencesIn(lines []string, noFormLines bool) []string {
	var out []string
	for _, para := range paragraphs(lines, noFormLines) {
		out = append(out, splitSentences(para)...)
	}
	return out
}

// paragraphs joins the wrapped lines of text into paragraphs.
func paragraphs(lines []string, noFormLines bool) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			if len(cur) == 1 {
				out = append(out, cur[0])
			} else {
				out = append(out, strings.Join(cur, " "))
			}
			cur = cur[:0]
		}
	}
	for _, line := range lines {
		t := cleanLine(line)
		switch {
		case t == "":
			flush()
		case isFormListItem(t) || strings.HasSuffix(t, ":") || !noFormLines && isFormLine(t):
			flush()
			cur = append(cur, t)
			if strings.HasSuffix(t, ":") && !isFormListItem(t) {
				continue // "Spørgsmål:" may lead its text on the next line
			}
			flush()
		default:
			cur = append(cur, t)
		}
	}
	flush()
	return out
}

// abbreviations end with a "." that does not end a sentence.
var abbreviations = map[string]bool{
	"pr": true, "ca": true, "kl": true, "d": true, "nr": true, "tlf": true, "evt": true,
	"f.eks": true, "bl.a": true, "mht": true, "vedr": true, "jf": true, "inkl": true,
	"ekskl": true, "mv": true, "osv": true, "dvs": true, "hhv": true, "iflg": true,
	"ift": true, "jan": true, "feb": true, "aug": true, "sep": true, "sept": true,
	"okt": true, "nov": true, "dec": true, "man": true, "tir": true, "ons": true,
	"tor": true, "fre": true, "lør": true, "søn": true, "e.g": true, "i.e": true,
	"mr": true, "mrs": true, "dr": true,
}

// sentenceEnd returns the next match of sentenceEndRe in p from i on, as
// its start and end, or -1, -1: a run of ".", "!" and "?" followed by a
// space or the end of p (the space is part of the match).
func sentenceEnd(p string, i int) (int, int) {
	for ; i < len(p); i++ {
		if !isSentencePunct(p[i]) {
			continue
		}
		j := i + 1
		for j < len(p) && isSentencePunct(p[j]) {
			j++
		}
		switch {
		case j == len(p):
			return i, j
		case isReSpace(p[j]):
			return i, j + 1
		}
		i = j // a run inside a word ("f.eks", "1.5"): no end
	}
	return -1, -1
}

func isSentencePunct(c byte) bool { return c == '.' || c == '!' || c == '?' }

// splitSentences splits one paragraph into sentences.
func splitSentences(p string) []string {
	var out []string
	start := 0
	for at := 0; ; {
		lo, hi := sentenceEnd(p, at)
		if lo < 0 {
			break
		}
		at = hi
		if p[lo] == '.' && !strings.ContainsAny(p[lo:hi], "!?") {
			word := p[start:lo]
			if i := strings.LastIndexAny(word, " \t(/"); i >= 0 {
				word = word[i+1:]
			}
			if word != "" && (isDigits(word) || utf8.RuneCountInString(word) == 1 || isAbbreviation(word)) {
				continue
			}
		}
		if s := cleanLine(p[start:hi]); s != "" {
			out = append(out, s)
		}
		start = hi
	}
	if s := cleanLine(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// isAbbreviation reports whether word, lower-cased, is one of the
// abbreviations. None is longer than 5 bytes, and lower-casing shrinks a
// rune to no less than a third (the Kelvin sign is "k").
func isAbbreviation(word string) bool {
	if len(word) > 18 {
		return false
	}
	return abbreviations[strings.ToLower(word)]
}

// isDigits reports whether s is all ASCII digits.
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// cancels reports whether the sentences withdraw the registration. A
// phrase inside a question ("hvordan afmelder vi en deltager?") is not a
// cancellation.
func cancels(sents []string) bool {
	for _, s := range sents {
		if strings.HasSuffix(s, "?") || !cancelCues.holds(s) {
			continue
		}
		if cancelRe.MatchString(s) || cancelWeExpr.match(s) && !partialRe.MatchString(s) {
			return true
		}
	}
	return false
}

// cancelWords are words one of which every match of cancelRe and of
// cancelWeRe holds: "træ" (trække, tilbagetrække), "afmeld", "framel",
// "alligevel", "melde", "delta" (deltage), "være", "part" (participate,
// take part), "attend", "join", "fra" (sige fra, afstå fra), "pringer"
// (springer over), "withdraw", "cancel". None holds k or s, whose case
// folding (?i) extends to runes of another length (the Kelvin sign, the
// long s) that containsFold would miss (TestCueWordsFoldSafely).
var cancelWords = []string{"træ", "afmeld", "framel", "alligevel", "melde", "delta", "være", "part", "attend",
	"join", "fra", "pringer", "withdraw", "cancel"}

var cancelCues = newWordSet(cancelWords...)

// cancelWeExpr is cancelWeRe tried only at the words that start it.
var cancelWeExpr = newCueExpr(cancelWeRe, "vi", "kommunen", "we")

// partialRe matches what makes "vi kan ikke deltage …" about one day or
// one person rather than the whole registration: a date, a day, or a
// "men" that offers something else ("men gerne den 11. oktober").
var partialRe = regexp.MustCompile(`(?i)(\d|januar|februar|marts|april|\bmaj\b|juni|juli|august|september|oktober|november|december|udviklingsdag|\bdag(?:en)?\b|\bday\b|\bmen\b|\bbut\b)`)

// maxQuestion bounds the question text forwarded to the contacts.
const maxQuestion = 2000

// questionLeadRe matches what leads a question after a colon: "vi har
// et spørgsmål: Hvor mange …?" keeps only "Hvor mange …?".
var questionLeadRe = regexp.MustCompile(`(?i)^.*\b(spørgsmål|spoergsmaal|question|spørge|undrer|undre)\b[^:?]*:\s*`)

// amendRequestRe matches a change asked for politely as a question.
var amendRequestRe = regexp.MustCompile(`(?i)\b(udskift\w*|erstat\w*|fjern\w*|slet\w*|replace\w*|remove\w*)\b`)

// questionLabelRe matches a line that states a question without "?":
// "Spørgsmål: kan vi tilmelde to forvaltninger".
var questionLabelRe = regexp.MustCompile(`(?i)^(spørgsmål|spoergsmaal|question)\s*:\s*(\S.*)$`)

// questionsIn returns the questions asked in the sentences: those ending
// in "?" (without a lead-in such as "vi har et spørgsmål:"), or what a
// "Spørgsmål:" line asks. It is never the whole text.
func questionsIn(sents []string) string {
	var qs []string
	for _, s := range sents {
		question := strings.HasSuffix(s, "?")
		if !question && strings.IndexByte(s, ':') >= 0 {
			if m := questionLabelRe.FindStringSubmatch(s); m != nil {
				qs = append(qs, cleanLine(m[2]))
				continue
			}
		}
		if !question || strings.Contains(s, "@") && amendRequestRe.MatchString(s) {
			continue // "Vil I udskifte X med Y (y@…)?" asks for a change, not an answer
		}
		if strings.IndexByte(s, ':') < 0 {
			// questionLeadRe ends at a ":": it would leave s as it is
		} else if q := questionLeadRe.ReplaceAllString(s, ""); len(strings.Fields(q)) >= 2 {
			s = q
		}
		qs = append(qs, s)
	}
	q := strings.Join(qs, " ")
	if r := []rune(q); len(r) > maxQuestion {
		q = string(r[:maxQuestion])
	}
	return q
}
