package parser

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// and "On Tue, Jun 28, 2022 at 10:12 AM Nanna <n@x> wrote:". The
	// quote cut asks attributionMatch, which decides the same faster.
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
	return newScan(body).finish()
}

// newTextScan reads the new text of a body line by line, and can stop
// and go on: isStub only asks whether the plain part's new text has a
// few words, and classify later reads the rest of the same scan (reading
// it twice was an eighth of the parse).
type newTextScan struct {
	q       quoteLines
	i       int  // the next line to look at
	empty   bool // nothing but blank lines kept so far
	done    bool
	words   int // how many words the first counted kept lines hold
	counted int
	text    string // the new text, once finished
	ended   bool
	// The kept lines: while verbatim, the first vLines lines of the text
	// as written, which end at vEnd (the usual case: a reply above a
	// quote), and they are not copied one by one; else kept.
	verbatim     bool
	vLines, vEnd int
	kept         []string
}

// newScan starts reading the new text of body.
func newScan(body string) *newTextScan {
	s := &newTextScan{verbatim: true}
	s.start(body)
	return s
}

// start (re)starts the scan on body.
func (s *newTextScan) start(body string) {
	if s.verbatim && s.vLines > 0 {
		s.copyKept() // the lines kept so far are of the text left
	}
	body = beforeReplyLine(body)
	s.q = splitLines(strings.ReplaceAll(body, "\r\n", "\n"))
	s.i, s.empty = 0, true
}

// copyKept ends verbatim: the kept lines are copied to kept.
func (s *newTextScan) copyKept() {
	s.kept = make([]string, s.vLines, s.vLines+8)
	for k := range s.kept {
		s.kept[k] = s.q.lines[k].raw
	}
	s.verbatim = false
}

// next keeps the next line of the new text; false when there is none.
func (s *newTextScan) next() bool {
	line, ok := s.nextLine()
	if !ok {
		return false
	}
	if i := s.i - 1; s.verbatim && i == s.vLines && line == s.q.lines[i].raw {
		if i > 0 {
			s.vEnd++ // the "\n" before it
		}
		s.vLines, s.vEnd = i+1, s.vEnd+len(line)
		return true
	}
	if s.verbatim {
		s.copyKept()
	}
	s.kept = append(s.kept, line)
	return true
}

// keptLines is how many lines are kept; keptLine is the k-th.
func (s *newTextScan) keptLines() int {
	if s.verbatim {
		return s.vLines
	}
	return len(s.kept)
}

func (s *newTextScan) keptLine(k int) string {
	if s.verbatim {
		return s.q.lines[k].raw
	}
	return s.kept[k]
}

// wordsUpTo reads until the kept lines hold limit words or the new text
// ends, and returns how many words they hold.
func (s *newTextScan) wordsUpTo(limit int) int {
	for s.words < limit {
		if s.counted == s.keptLines() && !s.next() {
			break
		}
		s.words += countFields(s.keptLine(s.counted))
		s.counted++
	}
	return s.words
}

// finish reads the rest and returns the new text.
func (s *newTextScan) finish() string {
	if !s.ended {
		for s.next() {
		}
		if s.verbatim {
			s.text = strings.TrimSpace(s.q.src[:s.vEnd])
			if len(s.text) < len(s.q.src)/2 {
				// A copy, so that the reply's NewText does not keep the
				// long quote below it alive.
				s.text = strings.Clone(s.text)
			}
		} else {
			s.text = strings.TrimSpace(strings.Join(s.kept, "\n"))
		}
		s.ended = true
	}
	return s.text
}

// nextLine returns the next line of the new text.
func (s *newTextScan) nextLine() (string, bool) {
	q := &s.q
	for !s.done {
		i := s.i
		if !q.has(i) {
			break
		}
		s.i++
		raw := q.lines[i].raw
		line := trimLineEnd(raw)
		if line == "--" || strings.HasPrefix(raw, "-- ") && strings.TrimRight(raw, "\r") == "-- " {
			break // RFC 3676 signature delimiter
		}
		t := q.cleanAt(i)
		if strings.HasPrefix(t, ">") {
			continue // an inline answer may follow, so skip, don't stop
		}
		if before, ok := q.sharedLineAttribution(i); ok {
			s.done = true
			return before, true
		}
		end, attribution := q.attributionEnd(i)
		if attribution && q.quotedAfter(end) {
			s.i = end + 1 // skip the attribution; its ">" lines are skipped above
			continue
		}
		if attribution || q.startsQuote(i) {
			if s.empty && forwardSepRe.MatchString(t) {
				// Forwarded with nothing written above it: the forwarded
				// mail's own text, after its header, is what is sent.
				if f, ok := q.readForwardHeader(i + 1); ok {
					s.start(f.body)
					continue
				}
			}
			break
		}
		if t == "" {
			line = "" // invisible marks (Gmail's "ᐧ") are blank too
		} else {
			s.empty = false
		}
		return line, true
	}
	s.done = true
	return "", false
}

// trimLineEnd is strings.TrimRight(s, " \t\r").
func trimLineEnd(s string) string {
	n := len(s)
	for n > 0 && (s[n-1] == ' ' || s[n-1] == '\t' || s[n-1] == '\r') {
		n--
	}
	return s[:n]
}

// countFields is len(strings.Fields(s)) without the slice.
func countFields(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		space := false
		if c < utf8.RuneSelf {
			space = asciiSpace(c)
			i++
		} else {
			r, w := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			i += w
		}
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// asciiSpace is unicode.IsSpace within ASCII.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// forwardSepRe matches the separators that start a forwarded mail (not a
// quoted one).
var forwardSepRe = regexp.MustCompile(`(?i)(forwarded message|videresendt (meddelelse|besked)|begin forwarded message|start på videresendt|weitergeleitete nachricht|message transféré|doorgestuurd bericht|mensaje reenviado)`)

// quoteLines are the lines of a text as the quote cut reads them, each
// cleaned and looked at once (every test of a line looks at a few lines
// around it, and cleaned and searched them again). A text is split only
// as far as it is read: the quoted original below the new text, often
// most of a mail, is never split.
type quoteLines struct {
	lines []qline
	given []string // the lines, when they were given split (see linesOf)
	src   string   // the text, when split from one
	rest  string   // the text after the lines split so far
	done  bool     // every line is split
}

// qline is one line of a quoteLines: as written, where its cleanLine
// lies in it, and what the tests of a line ask of it most.
type qline struct {
	raw      string
	cs, ce   int32 // cleanLine(raw) is raw[cs:ce]
	colon    int32 // the index of the first ':' in the cleaned line, or -1
	bytes    uint8 // which of the lineBytes classes the cleaned line holds
	verbTail int8  // hasVerbTail of the cleaned line once known: 1 false, 2 true
}

// newQline reads one line.
func newQline(raw string) qline {
	l := qline{raw: raw, ce: int32(len(raw)), colon: -1}
	if raw != "" && !(isPlainEdge(raw[0]) && isPlainEdge(raw[len(raw)-1])) {
		// cleanLine's trim, as offsets
		left := strings.TrimLeftFunc(raw, isLineSpace)
		l.cs = int32(len(raw) - len(left))
		l.ce = l.cs + int32(len(strings.TrimRightFunc(left, isLineSpace)))
	}
	clean := l.clean()
	var f uint8
	for i := 0; i < len(clean); i++ {
		f |= lineBytes[clean[i]]
	}
	if f&byteColon != 0 {
		l.colon = int32(strings.IndexByte(clean, ':'))
	}
	l.bytes = f
	return l
}

// clean is cleanLine(l.raw).
func (l *qline) clean() string {
	return l.raw[l.cs:l.ce]
}

// digitOrAt, at and comma report whether the cleaned line holds an ASCII
// digit or an '@', an '@', a ','.
func (l *qline) digitOrAt() bool { return l.bytes&(byteAt|byteDigit) != 0 }
func (l *qline) at() bool        { return l.bytes&byteAt != 0 }
func (l *qline) comma() bool     { return l.bytes&byteComma != 0 }

// lineBytes classes the bytes newQline looks for.
var lineBytes = [256]uint8{':': byteColon, '@': byteAt, ',': byteComma,
	'0': byteDigit, '1': byteDigit, '2': byteDigit, '3': byteDigit, '4': byteDigit,
	'5': byteDigit, '6': byteDigit, '7': byteDigit, '8': byteDigit, '9': byteDigit}

const (
	byteColon = 1 << iota
	byteAt
	byteComma
	byteDigit
)

// endsInColon reports whether the cleaned line ends in ':', as every
// attribution does.
func (l *qline) endsInColon() bool {
	return l.ce > l.cs && l.raw[l.ce-1] == ':'
}

// hasVerbTail is hasVerbTail(l.clean), computed once.
func (l *qline) hasVerbTail() bool {
	if l.verbTail == 0 {
		l.verbTail = 1
		if hasVerbTail(l.clean()) {
			l.verbTail = 2
		}
	}
	return l.verbTail == 2
}

// splitLines returns the lines of s (strings.Split(s, "\n")), split as
// they are asked for.
func splitLines(s string) quoteLines {
	return quoteLines{src: s, rest: s, lines: make([]qline, 0, 32)}
}

// linesOf wraps lines already split; they are read as they are asked for.
func linesOf(lines []string) quoteLines {
	return quoteLines{given: lines, done: len(lines) == 0}
}

// has reports whether line j exists, reading up to it.
func (q *quoteLines) has(j int) bool {
	return j < len(q.lines) || q.split(j)
}

// split reads lines up to line j and reports whether it exists.
func (q *quoteLines) split(j int) bool {
	for j >= len(q.lines) && !q.done {
		var line string
		if q.given != nil {
			line = q.given[len(q.lines)]
			q.done = len(q.lines)+1 == len(q.given)
		} else if k := strings.IndexByte(q.rest, '\n'); k >= 0 {
			line, q.rest = q.rest[:k], q.rest[k+1:]
		} else {
			line, q.rest, q.done = q.rest, "", true
		}
		q.lines = append(q.lines, newQline(line))
	}
	return j < len(q.lines)
}

// at is line j, which exists (has(j)).
func (q *quoteLines) at(j int) *qline {
	return &q.lines[j]
}

// cleanAt is cleanLine of line j, which exists.
func (q *quoteLines) cleanAt(j int) string {
	return q.lines[j].clean()
}

// from returns the text from line j on (strings.Join(lines[j:], "\n")),
// j an existing line.
func (q *quoteLines) from(j int) string {
	if q.given != nil {
		return strings.Join(q.given[j:], "\n")
	}
	off := 0
	for _, l := range q.lines[:j] {
		off += len(l.raw) + 1
	}
	return q.src[off:]
}

// nextNonEmpty returns the index of the next non-blank line from j, or -1.
func (q *quoteLines) nextNonEmpty(j int) int {
	for ; q.has(j); j++ {
		if q.cleanAt(j) != "" {
			return j
		}
	}
	return -1
}

// quotedAfter reports whether the first line with text after line end
// is quoted with ">".
func (q *quoteLines) quotedAfter(end int) bool {
	k := q.nextNonEmpty(end + 1)
	return k >= 0 && strings.HasPrefix(q.cleanAt(k), ">")
}
