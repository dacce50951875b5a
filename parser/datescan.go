package parser

import (
	"regexp"
	"unicode/utf8"
)

// The date expressions run on every sentence that holds a digit, and most
// such sentences hold phone numbers, not dates. An unanchored search
// tries the expression at every byte of the text; every match starts at
// an ASCII digit that follows no letter, digit or "_" (the \b before
// \d), so dateMatches tries only there, anchored, on a window that holds
// all a match there can read (TestDateMatchesAgree).

// A date expression anchored at the start, and how far from a start a
// match of it may read.
type dateExpr struct {
	re, at *regexp.Regexp
	window func(s string, i int) int
	may    func(s string, i int) bool // a match may start at i
}

func anchored(re *regexp.Regexp) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + re.String() + `)`)
}

var (
	isoDateExpr  = dateExpr{isoDateRe, anchored(isoDateRe), isoDateWindow, isoDateMay}
	numDateExpr  = dateExpr{numDateRe, anchored(numDateRe), numDateWindow, numDateMay}
	nameDateExpr = dateExpr{nameDateRe, anchored(nameDateRe), nameDateWindow, nameDateMay}
)

// dateMatches is e.re.FindAllStringSubmatchIndex(s, -1).
func dateMatches(e dateExpr, s string) [][]int {
	var out [][]int
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' || i > 0 && isWordByte(s[i-1]) || !e.may(s, i) {
			continue
		}
		m := e.at.FindStringSubmatchIndex(s[i:e.window(s, i)])
		if m == nil {
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += i
			}
		}
		out = append(out, m)
		i = m[1] - 1 // the next search starts where this match ends
	}
	return out
}

// isWordByte reports whether c is an ASCII word character of \b (a byte
// of a rune outside ASCII is none).
func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isoDateWindow: a match is at most 10 bytes; the \b after it reads one
// rune more.
func isoDateWindow(s string, i int) int {
	return min(len(s), i+10+utf8.UTFMax)
}

// numDateWindow: a match holds only digits, spaces, ".", "/" and "-";
// the \b after it reads the rune that ends them.
func numDateWindow(s string, i int) int {
	j := i
	for j < len(s) && isNumDateByte(s[j]) {
		j++
	}
	return min(len(s), j+utf8.UTFMax)
}

func isNumDateByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == '/' || c == '-' || isRESpace(c)
}

// nameDateWindow: at most two digits, ".", spaces, nine letters, ".",
// spaces and four digits, and a rune read past them.
func nameDateWindow(s string, i int) int {
	j := i
	for k := 0; k < 2 && j < len(s) && s[j] >= '0' && s[j] <= '9'; k++ {
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	for j < len(s) && isRESpace(s[j]) {
		j++
	}
	for k := 0; k < 9 && j < len(s); k++ {
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	}
	if j < len(s) && s[j] == '.' {
		j++
	}
	for j < len(s) && isRESpace(s[j]) {
		j++
	}
	return min(len(s), j+4+2*utf8.UTFMax)
}

// afterDigits returns the index after the run of at most n ASCII digits
// at i in s.
func afterDigits(s string, i, n int) int {
	for k := 0; k < n && i < len(s) && s[i] >= '0' && s[i] <= '9'; k++ {
		i++
	}
	return i
}

// isoDateMay: four digits and "-".
func isoDateMay(s string, i int) bool {
	j := afterDigits(s, i, 4)
	return j == i+4 && j < len(s) && s[j] == '-'
}

// numDateMay: one or two digits, spaces, then ".", "/" or "-" (with one
// digit before them when a second digit fails).
func numDateMay(s string, i int) bool {
	j := afterDigits(s, i, 2)
	for j < len(s) && isRESpace(s[j]) {
		j++
	}
	return j < len(s) && (s[j] == '.' || s[j] == '/' || s[j] == '-')
}

// nameDateMay: one or two digits, ".", spaces, then a letter (ASCII, or
// a rune outside ASCII that (?i) may fold to one of [a-zæøå]).
func nameDateMay(s string, i int) bool {
	j := afterDigits(s, i, 2)
	if j < len(s) && s[j] == '.' {
		j++
	}
	for j < len(s) && isRESpace(s[j]) {
		j++
	}
	return j < len(s) && (s[j] >= utf8.RuneSelf || isASCIILetter(rune(s[j])))
}
