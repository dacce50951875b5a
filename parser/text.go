package parser

import (
	"regexp"
	"strings"
	"unicode"
)

// foldReplacer spells the Danish letters (and a few neighbours people type
// instead) the way they are written without a Danish keyboard, so that
// "Århus", "Aarhus" and "AARHUS" all fold to "aarhus".
var foldReplacer = strings.NewReplacer(
	"æ", "ae", "ø", "oe", "å", "aa",
	"ä", "ae", "ö", "oe", "ü", "ue",
	"é", "e", "è", "e", "á", "a",
)

// fold lower-cases s and spells æ/ø/å as ae/oe/aa.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return foldReplacer.Replace(strings.ToLower(s))
		}
	}
	return s // already folded: most words are, and this spares two copies
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
	return strings.ToLower(emailRe.FindString(s))
}

// cleanLine trims spaces, including non-breaking ones that HTML and
// Outlook leave behind.
func cleanLine(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' || r == '\u1427'
	})
}

// salutationRe matches the closing greeting that starts a signature.
// Lines from there on are never read as participants or questions.
var salutationRe = regexp.MustCompile(`(?i)^(med venlig hilsen|venlig hilsen|de bedste hilsner|bedste hilsner|bedste hilsen|mange hilsner|hilsen|mvh\.?|vh\.?|kind regards|best regards|regards)\b[,.!]*`)

// isSalutation reports whether line opens a signature.
func isSalutation(line string) bool {
	t := cleanLine(line)
	return startsWithAnyOf(t, "mvdbhkr") && salutationRe.MatchString(t)
}

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
