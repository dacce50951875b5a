// Finding addresses without running emailRe: a byte scan that finds the
// same matches (TestEmailScanAgrees and FuzzEmailScan compare them). The
// participant readers look for addresses in every line they weigh, often
// several times; the expression was most of their cost.

package parser

import "strings"

// nextEmail returns where the first match of emailRe in s at or after
// from starts and ends, or -1, -1. A match is a run of local characters
// ending at an '@' and a domain of two or more labels after it.
func nextEmail(s string, from int) (start, end int) {
	for from < len(s) {
		i := strings.IndexByte(s[from:], '@')
		if i < 0 {
			break
		}
		at := from + i
		if st := localStart(s, from, at); st < at {
			if e := domainEnd(s, at+1); e > 0 {
				return st, e
			}
		}
		from = at + 1
	}
	return -1, -1
}

// hasEmail reports whether s holds an address (emailRe.MatchString).
func hasEmail(s string) bool {
	st, _ := nextEmail(s, 0)
	return st >= 0
}

// countEmails returns how many addresses s holds, counting up to n
// (len(emailRe.FindAllStringIndex(s, n))).
func countEmails(s string, n int) int {
	k := 0
	for from := 0; k < n; k++ {
		_, e := nextEmail(s, from)
		if e < 0 {
			break
		}
		from = e
	}
	return k
}

// emailSpans returns the start and end of every address in s
// (emailRe.FindAllStringIndex(s, -1)).
func emailSpans(s string) [][]int {
	var out [][]int
	for from := 0; ; {
		st, e := nextEmail(s, from)
		if st < 0 {
			return out
		}
		out = append(out, []int{st, e})
		from = e
	}
}

// replaceEmails returns s with every address replaced by repl
// (emailRe.ReplaceAllString(s, repl) for a repl without '$').
func replaceEmails(s, repl string) string {
	st, e := nextEmail(s, 0)
	if st < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for st >= 0 {
		b.WriteString(s[last:st])
		b.WriteString(repl)
		last = e
		st, e = nextEmail(s, e)
	}
	b.WriteString(s[last:])
	return b.String()
}

// localStart returns where the run of local characters (letters, digits,
// "._%+-") ending at at begins, not before lo; at when there is none.
func localStart(s string, lo, at int) int {
	i := at
	for i > lo {
		c := s[i-1]
		if c < 0x80 {
			if !isLocalASCII(c) {
				break
			}
			i--
			continue
		}
		n := wideAlnumBefore(s, lo, i)
		if n == 0 {
			break
		}
		i -= n
	}
	return i
}

// isLocalASCII reports whether c may stand in the local part.
func isLocalASCII(c byte) bool {
	return isAlnumASCII(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// isAlnumASCII reports whether c is an ASCII letter or digit.
func isAlnumASCII(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// The letters beyond ASCII that emailRe's classes hold: æ, ø and å in
// either case, and what (?i) folds to k, s and å (the Kelvin sign, the
// long s and the Ångström sign).
var wideAlnums = []string{"æ", "ø", "å", "Æ", "Ø", "Å", "\u212a", "\u017f", "\u212b"}

// wideAlnumBefore returns the length of the wide letter of emailRe's
// classes that ends s[:i] (not before lo), or 0. A lead byte never
// continues a sequence, so a valid sequence ending at i is the rune that
// forward decoding reads there too.
func wideAlnumBefore(s string, lo, i int) int {
	for _, w := range wideAlnums {
		if i-len(w) >= lo && s[i-len(w):i] == w {
			return len(w)
		}
	}
	return 0
}

// alnumAt returns the length of the letter or digit of emailRe's domain
// class at s[i], or 0.
func alnumAt(s string, i int) int {
	c := s[i]
	if c < 0x80 {
		if isAlnumASCII(c) {
			return 1
		}
		return 0
	}
	for _, w := range wideAlnums {
		if strings.HasPrefix(s[i:], w) {
			return len(w)
		}
	}
	return 0
}

// labelRun returns the end of the run of domain letters, digits and
// hyphens from i, and the end of its last letter or digit (i when it has
// none).
func labelRun(s string, i int) (run, lastAlnum int) {
	lastAlnum = i
	for i < len(s) {
		if s[i] == '-' {
			i++
			continue
		}
		n := alnumAt(s, i)
		if n == 0 {
			break
		}
		i += n
		lastAlnum = i
	}
	return i, lastAlnum
}

// domainEnd returns the end of emailRe's domain starting at i, or -1: a
// label (a letter or digit, then letters, digits and hyphens, ending in a
// letter or digit), then one or more dotted labels, as many as the
// expression's greedy loops take.
func domainEnd(s string, i int) int {
	if i >= len(s) || alnumAt(s, i) == 0 {
		return -1
	}
	run, last := labelRun(s, i)
	if last != run || run >= len(s) || s[run] != '.' {
		return -1 // the first label must be followed by a dot
	}
	end := -1
	for run < len(s) && s[run] == '.' && run+1 < len(s) && alnumAt(s, run+1) > 0 {
		run, last = labelRun(s, run+1)
		end = last
		if last != run {
			break // the label ends before a hyphen: no dot can follow
		}
	}
	return end
}
