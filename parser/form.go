package parser

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// formField names a question of the reply form (docs/DESIGN.md).
type formField int

// The questions of the form, in its order.
const (
	fieldNone formField = iota
	fieldKommune
	fieldUnit
	fieldHovedMED
	fieldDay
	fieldContact
	fieldParticipants
)

// labelPatterns are the leading words of each form label, longest first
// (Go's alternation is leftmost-first). They are matched case-insensitively
// at the start of a line, so people may shorten, re-case or bullet them.
var labelPatterns = []struct {
	field   formField
	pattern string
}{
	{fieldKommune, `kommunens\s+navn|kommunenavn|kommune`},
	{fieldUnit, `forvaltning\s*(?:/|eller|og)\s*(?:område|omraade)|forvaltning|område|omraade|enhed`},
	{fieldHovedMED, `godkendt\s+(?:i|af)\s+hoved-?med|hoved-?med[- ]godkendelse|godkendelse\s+i\s+hoved-?med|hoved-?med|godkendt`},
	{fieldDay, `(?:ønsket|oensket)\s+(?:første|foerste)\s+udviklingsdag|(?:første|foerste)\s+udviklingsdag|udviklingsdag|(?:ønsket|oensket)\s+(?:dato|dag)|dato`},
	{fieldContact, `kontaktperson|kontakt`},
	{fieldParticipants, `deltagere|deltager(?:\s+nr\.?)?(?:\s*\d{1,2}\b)?`},
}

// labelRes are labelPatterns compiled into whole-line expressions:
// optional bullet or number, the label, optional hint in parentheses, then
// ":" or a tab (a strong label) or a space or the end (a weak one), then
// the answer.
var labelRes = func() []*regexp.Regexp {
	res := make([]*regexp.Regexp, len(labelPatterns))
	for i, lp := range labelPatterns {
		res[i] = regexp.MustCompile(`(?i)^(?:[-*•·▪–]\s*|\d{1,2}[.)]\s*)?(?:` + lp.pattern + `)((?:\s*\([^)]*\))*)\s*?(:|\t|\s|$)\s*(.*)$`)
	}
	return res
}()

var (
	// startMarkerRe and endMarkerRe match "--- TILMELDING ... ---" and "--- SLUT ---".
	startMarkerRe = regexp.MustCompile(`(?i)^-{2,}\s*tilmelding\b.*$`)
	endMarkerRe   = regexp.MustCompile(`(?i)^-{2,}\s*slut\s*-*$`)
	// listItemRe strips a list number or bullet from a participant line.
	listItemRe = regexp.MustCompile(`^(?:\d{1,2}\s*[.):]|[-*•·▪–])\s*`)
)

// label is a recognised form label on one line.
type label struct {
	field  formField
	strong bool // followed by ":", a tab or a hint: certainly a label
	answer string
}

// labelWords are words one of which every label holds near the start of
// its line; a line without any is no label, so that the regular
// expressions below run only on the few lines that may be one.
var labelWords = [][]byte{[]byte("kommune"), []byte("forvaltning"), []byte("omr"), []byte("enhed"),
	[]byte("godkend"), []byte("hoved"), []byte("dag"), []byte("dato"), []byte("kontakt"), []byte("deltager")}

// mayBeLabel reports whether t holds a label word near its start. It
// lower-cases ASCII into a buffer on the stack: it runs on every line.
func mayBeLabel(t string) bool {
	var buf [96]byte
	n := copy(buf[:], t)
	for i := range n {
		if c := buf[i]; c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	for _, w := range labelWords {
		if bytes.Contains(buf[:n], w) {
			return true
		}
	}
	return false
}

// form is what was read from the reply form in a text.
type form struct {
	markers      bool // "--- TILMELDING" seen
	labels       int  // strong labels seen
	answers      map[formField]string
	contactLines []string
	participants []string // raw participant lines
	labelLines   map[int]bool
	strong       map[formField]bool // the answer came from a label with a colon
	contactSeen  int                // contactLines tested by contactHasEmail
	contactEmail bool               // one of them holds an address

	// The lines of the text, and what readForm learnt of each, so that
	// the prose readers need not split, clean and match them again.
	lines []string
	info  []lineInfo
}

// lineInfo is what readForm learnt of one line of its text.
type lineInfo struct {
	clean   string // cleanLine of the line
	lb      label
	isLabel bool
	start   bool // the form's start marker
	end     bool // the form's end marker
}

// formLine is isFormLine of the line.
func (l *lineInfo) formLine() bool { return l.start || l.end || l.isLabel && l.lb.strong }

// present reports whether the text holds the form rather than prose that
// happens to use a label word.
func (f *form) present() bool { return f.markers || f.labels >= 2 }

// readForm reads the form answers in text (the new text of a reply).
func readForm(text string) *form {
	lines := strings.Split(text, "\n")
	f := &form{answers: map[formField]string{}, labelLines: map[int]bool{}, strong: map[formField]bool{},
		lines: lines, info: make([]lineInfo, len(lines))}
	for i, l := range lines {
		in := &f.info[i]
		in.clean = cleanLine(l)
		in.start, in.end = isFormStartMarker(in.clean), isFormEndMarker(in.clean)
		in.lb, in.isLabel = matchLabel(in.clean)
		if in.start {
			f.markers = true
		}
		if in.isLabel && in.lb.strong {
			f.labels++
		}
	}
	for i := 0; i < len(lines); i++ {
		in := &f.info[i]
		if in.end || in.start {
			continue
		}
		lb := in.lb
		if !in.isLabel || (!lb.strong && !f.weakLabelAt(i, lb)) {
			continue
		}
		if _, done := f.answers[lb.field]; done && lb.field != fieldParticipants {
			// The first answer wins, except that a label with a colon beats
			// one without: "HovedMED i sidste uge" above the form is prose.
			if !lb.strong || f.strong[lb.field] {
				continue
			}
		}
		f.labelLines[i] = true
		if lb.strong {
			f.strong[lb.field] = true
		}
		i = f.take(i, lb)
	}
	return f
}

// weakLabelAt reports whether a label without a colon on line i is the
// form's (the form is present, and the line starts its own paragraph or
// follows another label) rather than a line of prose that starts with a
// label word ("HovedMED i sidste uge.", "deltager I på datoen").
func (f *form) weakLabelAt(i int, lb label) bool {
	if !f.present() {
		return false
	}
	if strings.HasSuffix(lb.answer, ".") && len(strings.Fields(lb.answer)) > 3 {
		return false // a sentence
	}
	if i == 0 {
		return true
	}
	prev := &f.info[i-1]
	if prev.clean == "" || prev.start || strings.HasSuffix(prev.clean, ":") {
		return true
	}
	return prev.isLabel || f.labelLines[i-1] || isFormListItem(prev.clean)
}

// filled reports whether anything was answered in the form: the blank
// form (the invitation itself, or a reply that only quotes it) is not a
// registration.
func (f *form) filled() bool {
	for _, a := range f.answers {
		if a != "" {
			return true
		}
	}
	return len(f.participants) > 0
}

// take stores the answer of the label on line i and returns the last
// line it consumed.
func (f *form) take(i int, lb label) int {
	switch lb.field {
	case fieldParticipants:
		if lb.answer != "" && !isPlaceholder(lb.answer) {
			f.participants = append(f.participants, lb.answer)
		}
		return f.takeParticipants(i + 1)
	case fieldContact:
		f.contactLines = append(f.contactLines, lb.answer)
		end := i
		// The details may continue on the next lines ("navn" / "e-mail" /
		// "telefon" each on a line); stop once an address is read.
		for j := i + 1; j < len(f.lines) && j <= i+3 && !f.contactHasEmail(); j++ {
			t := f.info[j].clean
			if t == "" || f.info[j].formLine() || maybeSalutation(t) {
				break
			}
			if firstEmail(t) == "" && !phoneRe.MatchString(t) && !(lb.answer == "" && j == i+1) {
				break
			}
			f.contactLines = append(f.contactLines, t)
			end = j
		}
		f.answers[fieldContact] = strings.Join(f.contactLines, ", ")
		return end
	}
	if lb.answer != "" {
		f.answers[lb.field] = lb.answer
		return i
	}
	// The answer may be on the next line.
	if j := f.nextNonEmpty(i + 1); j >= 0 && !f.info[j].formLine() && !maybeSalutation(f.info[j].clean) {
		f.answers[lb.field] = f.info[j].clean
		return j
	}
	f.answers[lb.field] = ""
	return i
}

// takeParticipants collects participant lines from line i on, until the
// next label, the end marker, the closing greeting or prose.
func (f *form) takeParticipants(i int) int {
	last := i - 1
	for ; i < len(f.lines); i++ {
		t := f.info[i].clean
		if t == "" {
			continue
		}
		if f.info[i].formLine() || maybeSalutation(t) {
			break
		}
		item := cleanLine(stripFormListItem(t))
		isItem := item != t
		switch {
		case item == "" || isPlaceholder(item):
			// an unfilled "3." of the form, or "2. følger senere"
		case isItem || firstEmail(t) != "" || isColumnLine(t) || headerRow(t) != nil:
			f.participants = append(f.participants, item)
		case strings.ContainsAny(t, ",;") && !isSentence(t):
			f.participants = append(f.participants, item)
		default:
			return last
		}
		last = i
	}
	return last
}

// placeholderRe matches participant lines that name nobody yet.
var placeholderRe = regexp.MustCompile(`(?i)^(ukendt|følger|foelger|kommer senere|eftersendes|tbd|n\.?\s?n\.?|x+|\?+|-+|mangler|ikke udpeget)\b`)

// isPlaceholder reports whether a participant line names nobody.
func isPlaceholder(item string) bool {
	t := cleanLine(item)
	if t == "" || t[0] < utf8.RuneSelf && strings.IndexByte(placeholderStarts, t[0]) < 0 {
		return false // the expression is anchored: no placeholder starts so
	}
	if len(t) >= 2 && t[0] < utf8.RuneSelf && t[1] < utf8.RuneSelf {
		// Both first characters in ASCII: they must start an alternative
		// ("fø" and "ik" with the Kelvin sign have one outside ASCII).
		c0, c1 := t[0]|0x20, t[1]|0x20
		if c0 != 'x' && c0 != '?'|0x20 && c0 != '-'|0x20 && !(c0 == 'n' && (c1 == '.' || c1 == 'n' || isReSpace(t[1]))) &&
			!strings.Contains(placeholderPairs, string([]byte{c0, c1})) {
			return false
		}
	}
	return firstEmail(item) == "" && placeholderRe.MatchString(t)
}

// placeholderStarts are the first characters of placeholderRe's
// alternatives in either case ("k" also stands for the Kelvin sign,
// which is not ASCII and so goes to the expression).
const placeholderStarts = "ufketnx?-miUFKETNXMI"

// placeholderPairs are the first two letters of placeholderRe's words,
// each followed by "|".
const placeholderPairs = "uk|fo|ko|ef|tb|ma|ik|"

// isSentence reports whether t reads as a sentence of prose rather than
// a list of details: it ends with a full stop and has many words.
func isSentence(t string) bool {
	return (strings.HasSuffix(t, ".") || strings.HasSuffix(t, "!")) && len(strings.Fields(t)) > 5
}

// isFormLine reports whether t is a strong label or a form marker.
func isFormLine(t string) bool {
	if isFormStartMarker(t) || isFormEndMarker(t) {
		return true
	}
	lb, ok := matchLabel(t)
	return ok && lb.strong
}

// nextNonEmpty returns the index of the next non-blank line from i, or -1.
func (f *form) nextNonEmpty(i int) int {
	for ; i < len(f.lines); i++ {
		if f.info[i].clean != "" {
			return i
		}
	}
	return -1
}

// nextNonEmpty returns the index of the next non-blank line from i, or -1.
func nextNonEmpty(lines []string, i int) int {
	for ; i < len(lines); i++ {
		if cleanLine(lines[i]) != "" {
			return i
		}
	}
	return -1
}

// contactHasEmail is firstEmail(strings.Join(f.contactLines, " ")) != "":
// whether one of the lines holds an address (emailRe matches no space,
// so no address runs from one line into the next). Each line is tested
// once, as the lines come.
func (f *form) contactHasEmail() bool {
	for ; f.contactSeen < len(f.contactLines); f.contactSeen++ {
		f.contactEmail = f.contactEmail || firstEmail(f.contactLines[f.contactSeen]) != ""
	}
	return f.contactEmail
}
