package parser

import (
	"regexp"
)

// cueExpr is an unanchored expression of the prose readers whose every
// match starts with \b and one of a few ASCII words (starts, lower case,
// as the expression spells them; none holds "k" or "s" unless fallback
// is set). An unanchored search tries it at every byte of the sentence;
// find tries it, anchored, only at the starts of words that begin so
// (checkFormPrefilters).
type cueExpr struct {
	re, at *regexp.Regexp
	starts []string
}

func newCueExpr(re *regexp.Regexp, starts ...string) cueExpr {
	return cueExpr{re: re, at: anchoredRe(re), starts: starts}
}

// find is e.re.FindStringSubmatch(s).
func (e cueExpr) find(s string) []string {
	if hasFoldOddity(s) {
		return e.re.FindStringSubmatch(s)
	}
	for i := 0; i < len(s); i++ {
		if e.mayStart(s, i) {
			if m := e.at.FindStringSubmatch(s[i:]); m != nil {
				return m
			}
		}
	}
	return nil
}

// match is e.re.MatchString(s).
func (e cueExpr) match(s string) bool {
	if hasFoldOddity(s) {
		return e.re.MatchString(s)
	}
	for i := 0; i < len(s); i++ {
		if e.mayStart(s, i) && e.at.MatchString(s[i:]) {
			return true
		}
	}
	return false
}

// mayStart reports whether a match of e may start at i: a word starts
// there (\b before an ASCII letter) with one of e.starts.
func (e cueExpr) mayStart(s string, i int) bool {
	return isASCIILetterRune(rune(s[i])) && (i == 0 || !isWordByte(s[i-1])) && hasAnyPrefixFold(s[i:], e.starts)
}

// anchoredRe returns re anchored at the start of the text.
func anchoredRe(re *regexp.Regexp) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + re.String() + `)`)
}
