package parser

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldReplacer spells the Danish letters (and a few neighbours people type
// instead) the way they are written without a Danish keyboard, so that
// "Århus", "Aarhus" and "AARHUS" all fold to "aarhus". It defines fold;
// foldRunes does the same in one pass (TestFastPathsAgree compares them).
var foldReplacer = strings.NewReplacer(
	"æ", "ae", "ø", "oe", "å", "aa",
	"ä", "ae", "ö", "oe", "ü", "ue",
	"é", "e", "è", "e", "á", "a",
)

// fold lower-cases s and spells æ/ø/å as ae/oe/aa.
func fold(s string) string {
	// Most words are ASCII, and most of those lower-case already: they
	// need neither strings.ToLower nor the replacer (every letter the
	// replacer knows is outside ASCII). fold runs once per word of every
	// text, so this path matters (issue 15).
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return foldRunes(s)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}

// foldRunes is fold for text outside ASCII: strings.ToLower and
// foldReplacer in one pass (the replacer's keys are single runes, so
// replacing rune by rune is the same). The generic replacer was most of
// fold's cost on words with Danish letters.
func foldRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	for _, r := range s {
		switch r = unicode.ToLower(r); r {
		case 'æ', 'ä':
			b.WriteString("ae")
		case 'ø', 'ö':
			b.WriteString("oe")
		case 'å':
			b.WriteString("aa")
		case 'ü':
			b.WriteString("ue")
		case 'é', 'è':
			b.WriteByte('e')
		case 'á':
			b.WriteByte('a')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// token is one word of a text, as written and folded.
type token struct {
	orig, folded string
}

// tokenize splits s into words of letters and digits. Hyphens and every
// other character separate words, so "Høje-Taastrup" is two words and
// "Vejlevej" stays one (and therefore never matches "Vejle").
func tokenize(s string) []token {
	var toks []token
	start := -1
	flush := func(end int) {
		if start >= 0 {
			w := s[start:end]
			toks = append(toks, token{orig: w, folded: fold(w)})
			start = -1
		}
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return toks
}

// foldedWords returns the folded words of s joined by single spaces; it is
// the key form for phrase look-ups.
func foldedWords(s string) string {
	toks := tokenize(s)
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.folded
	}
	return strings.Join(words, " ")
}

// emailRe finds an address anywhere in a line. It is deliberately simple:
// the parser only needs to lift addresses people typed, not validate them.
var emailRe = regexp.MustCompile(`(?i)[a-z0-9._%+\-æøå]+@[a-z0-9æøå](?:[a-z0-9\-æøå]*[a-z0-9æøå])?(?:\.[a-z0-9æøå](?:[a-z0-9\-æøå]*[a-z0-9æøå])?)+`)

// firstEmail returns the first address in s, lower-cased, or "".
func firstEmail(s string) string {
	start, end := nextEmail(s, 0) // emailRe's first match, by a byte scan
	if start < 0 {
		return ""
	}
	return strings.ToLower(s[start:end])
}

// cleanLine trims spaces, including non-breaking ones that HTML and
// Outlook leave behind.
func cleanLine(s string) string {
	if s == "" || isPlainEdge(s[0]) && isPlainEdge(s[len(s)-1]) {
		return s // nothing to trim: the usual case, decided on two bytes
	}
	return strings.TrimFunc(s, isLineSpace)
}

// isLineSpace is what cleanLine trims.
func isLineSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' || r == '\u1427'
}

// isPlainEdge reports whether byte c, at either end of a string, is an
// ASCII character cleanLine keeps (a byte of a multi-byte rune is not
// decided here).
func isPlainEdge(c byte) bool {
	return c < utf8.RuneSelf && c > ' ' && c != 0x7f
}

// salutationRe matches the closing greeting that starts a signature.
// Lines from there on are never read as participants or questions.
var salutationRe = regexp.MustCompile(`(?i)^(med venlig hilsen|venlig hilsen|de bedste hilsner|bedste hilsner|bedste hilsen|mange hilsner|hilsen|mvh\.?|vh\.?|kind regards|best regards|regards)\b[,.!]*`)

// isSalutation reports whether line opens a signature.
func isSalutation(line string) bool {
	t := cleanLine(line)
	if t == "" || t[0] < utf8.RuneSelf && strings.IndexByte(salutationStarts, t[0]) < 0 {
		return false // the expression is anchored: no greeting starts so
	}
	return salutationRe.MatchString(t)
}

// salutationStarts are the first letters of salutationRe's greetings, in
// either case; "k" also stands for the Kelvin sign, which (?i) folds to it
// and which is not ASCII, so any other first byte outside ASCII goes to
// the expression too.
const salutationStarts = "bdhkmrvBDHKMRV"

// startsWithAnyOf reports whether t starts with one of the ASCII letters
// in lower (either case): a cheap test before a per-line expression whose
// alternatives all start with one of them.
func startsWithAnyOf(t, lower string) bool {
	if t == "" {
		return false
	}
	c := t[0]
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return strings.IndexByte(lower, c) >= 0
}

// lowerTail returns the last bytes of s (at most len(buf)) in buf, with
// ASCII letters lower-cased, without allocating.
func lowerTail(s string, buf []byte) []byte {
	if len(s) > len(buf) {
		s = s[len(s)-len(buf):]
	}
	n := copy(buf, s)
	for i := range n {
		if c := buf[i]; c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf[:n]
}

// containsFold reports whether s contains sub, ignoring case, without
// allocating: the prose readers test every sentence for a cue word
// before running their regular expressions.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	lo, up := sub[0], sub[0]
	if lo >= 'a' && lo <= 'z' {
		up = lo - ('a' - 'A')
	} else if lo >= 'A' && lo <= 'Z' {
		lo = up + ('a' - 'A')
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		// Only a byte that may start sub is worth a comparison (for a
		// non-ASCII first letter both cases share the UTF-8 lead byte).
		if c := s[i]; (c == lo || c == up) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// containsAnyFold reports whether s contains one of subs, ignoring case.
func containsAnyFold(s string, subs ...string) bool {
	for _, sub := range subs {
		if containsFold(s, sub) {
			return true
		}
	}
	return false
}
