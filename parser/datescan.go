package parser

import (
	"regexp"
	"time"
	"unicode/utf8"
)

// The date expressions run on every sentence that holds a digit, and most
// such sentences hold phone numbers, not dates. An unanchored search
// tries the expression at every byte of the text; every match starts at
// an ASCII digit that follows no letter, digit or "_" (the \b before
// \d), so dateMatches looks only there, with a scan that reads what the
// expression reads at that start: each of them decides at every step
// without going back (the reasons are at each scan), and
// TestDateMatchesAgree and FuzzDateMatches compare them with the
// expressions' own search.

// dateExpr is a date expression and its scan: the submatch indexes of
// the expression's match starting at i in s (a digit after no word
// character), or nil.
type dateExpr struct {
	re    *regexp.Regexp
	match func(s string, i int) []int
}

var (
	isoDateExpr  = dateExpr{isoDateRe, isoDateAt}
	numDateExpr  = dateExpr{numDateRe, numDateAt}
	nameDateExpr = dateExpr{nameDateRe, nameDateAt}
)

// dateMatches is e.re.FindAllStringSubmatchIndex(s, -1).
func dateMatches(e dateExpr, s string) [][]int {
	var out [][]int
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' || i > 0 && isWordByte(s[i-1]) {
			continue
		}
		m := e.match(s, i)
		if m == nil {
			continue
		}
		out = append(out, m)
		i = m[1] - 1 // the next search starts where this match ends
	}
	return out
}

// afterDigits returns the index after the run of at most n ASCII digits
// at i in s.
func afterDigits(s string, i, n int) int {
	for k := 0; k < n && i < len(s) && s[i] >= '0' && s[i] <= '9'; k++ {
		i++
	}
	return i
}

// wordBoundaryAfter reports whether \b holds at j, after a digit.
func wordBoundaryAfter(s string, j int) bool {
	return j == len(s) || !isWordByte(s[j])
}

// afterReSpaces returns the index after the \s* at j.
func afterReSpaces(s string, j int) int {
	for j < len(s) && isReSpace(s[j]) {
		j++
	}
	return j
}

func isDateSep(c byte) bool { return c == '.' || c == '/' || c == '-' }

// isoDateAt scans \b(\d{4})-(\d{1,2})-(\d{1,2})\b. Fewer digits than a
// greedy \d{1,2} takes leave a digit where "-" or \b must be.
func isoDateAt(s string, i int) []int {
	a := afterDigits(s, i, 4)
	if a != i+4 || a == len(s) || s[a] != '-' {
		return nil
	}
	b := afterDigits(s, a+1, 2)
	if b == a+1 || b == len(s) || s[b] != '-' {
		return nil
	}
	c := afterDigits(s, b+1, 2)
	if c == b+1 || !wordBoundaryAfter(s, c) {
		return nil
	}
	return []int{i, c, i, a, a + 1, b, b + 1, c}
}

// numDateAt scans
// \b(\d{1,2})\s*[./\-]\s*(\d{1,2})(?:\s*[./\-]\s*(\d{4}|\d{2}))?\b.
// Fewer digits or spaces than the greedy ones take leave a digit or a
// space where a separator, a digit or \b must be; the optional year is
// taken when it ends on \b, else the date ends after the month.
func numDateAt(s string, i int) []int {
	a := afterDigits(s, i, 2)
	j := afterReSpaces(s, a)
	if j == len(s) || !isDateSep(s[j]) {
		return nil
	}
	m0 := afterReSpaces(s, j+1)
	m1 := afterDigits(s, m0, 2)
	if m1 == m0 {
		return nil
	}
	k := afterReSpaces(s, m1)
	if k < len(s) && isDateSep(s[k]) {
		y0 := afterReSpaces(s, k+1)
		for _, n := range []int{4, 2} {
			if y1 := afterDigits(s, y0, n); y1 == y0+n && wordBoundaryAfter(s, y1) {
				return []int{i, y1, i, a, m0, m1, y0, y1}
			}
		}
	}
	if !wordBoundaryAfter(s, m1) {
		return nil
	}
	return []int{i, m1, i, a, m0, m1, -1, -1}
}

// nameDateAt scans (?i)\b(\d{1,2})\.?\s*([a-zæøå]{3,9})\.?(?:\s+(\d{4}))?.
// Fewer digits, no "." or fewer spaces leave a digit, "." or space where
// a letter must be; with nothing after them to fail, the greedy letters,
// "." and year are the match.
func nameDateAt(s string, i int) []int {
	a := afterDigits(s, i, 2)
	j := a
	if j < len(s) && s[j] == '.' {
		j++
	}
	l0 := afterReSpaces(s, j)
	l1, n := l0, 0
	for n < 9 && l1 < len(s) {
		r, size := rune(s[l1]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[l1:])
		}
		if !isMonthLetter(r) {
			break
		}
		l1 += size
		n++
	}
	if n < 3 {
		return nil
	}
	end := l1
	if end < len(s) && s[end] == '.' {
		end++
	}
	if y0 := afterReSpaces(s, end); y0 > end {
		if y1 := afterDigits(s, y0, 4); y1 == y0+4 {
			return []int{i, y1, i, a, l0, l1, y0, y1}
		}
	}
	return []int{i, end, i, a, l0, l1, -1, -1}
}

// isMonthLetter is [a-zæøå] under (?i): the ASCII letters, æøå and their
// capitals, and the Kelvin sign, the long s and the Ångström sign, which
// fold to k, s and å.
func isMonthLetter(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		return true
	}
	switch r {
	case 'æ', 'ø', 'å', 'Æ', 'Ø', 'Å', '\u212a', '\u017f', '\u212b':
		return true
	}
	return false
}

// hasISODate is isoDateRe.MatchString(s).
func hasISODate(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' && (i == 0 || !isWordByte(s[i-1])) && isoDateAt(s, i) != nil {
			return true
		}
	}
	return false
}

// mayNameStorebaelt reports whether a word of s may fold to "storebaelt":
// s holds "stor", then "e" (or é, è, É, È, which fold to it), then "b",
// in either case. Only ASCII letters fold to s, t, o, r and b.
func mayNameStorebaelt(s string) bool {
	for {
		i := indexFoldASCII(s, "stor")
		if i < 0 {
			return false
		}
		s = s[i+4:]
		rest := s
		switch {
		case rest != "" && rest[0]|0x20 == 'e':
			rest = rest[1:]
		case len(rest) >= 2 && rest[0] == 0xc3 && (rest[1]|0x20 == 0xa9 || rest[1]|0x20 == 0xa8):
			rest = rest[2:] // é è É È
		default:
			continue
		}
		if rest != "" && rest[0]|0x20 == 'b' {
			return true
		}
	}
}

// dateOnly is t.Format(time.DateOnly) for the dates dayReader makes
// (years 1 to 9999).
func dateOnly(t time.Time) string {
	y, m, d := t.Date()
	b := []byte("0000-00-00")
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + y%10)
		y /= 10
	}
	b[5], b[6] = byte('0'+int(m)/10), byte('0'+int(m)%10)
	b[8], b[9] = byte('0'+d/10), byte('0'+d%10)
	return string(b)
}
