// Scans that stand in for the participant readers' most used
// expressions: each finds what its expression finds (TestPrefiltersAgree
// and FuzzPrefilters compare them), and a text holding a rune that (?i)
// folds to an ASCII letter goes to the expression itself.

package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hasFoldAt reports whether s holds lit (ASCII, lower-case) at i,
// ignoring case.
func hasFoldAt(s string, i int, lit string) bool {
	if len(s)-i < len(lit) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		if lowerASCII(s[i+k]) != lit[k] {
			return false
		}
	}
	return true
}

// isWordByte reports whether c is a word character of \b and \w (ASCII
// letters, digits and '_'; no byte of a longer rune is one).
func isWordByte(c byte) bool {
	return isAlnumASCII(c) || c == '_'
}

// wordEndAt reports whether \b holds at i after a word character: the
// text ends there or a non-word character follows.
func wordEndAt(s string, i int) bool {
	return i >= len(s) || !isWordByte(s[i])
}

// spacesAt returns the end of the run of \s characters starting at i.
func spacesAt(s string, i int) int {
	for i < len(s) && isRegexpSpace(s[i]) {
		i++
	}
	return i
}

// namesPart is namedPartRe.MatchString(s): a verb of taking part
// ("deltager", "tilmelder", "kommer", "attending", "participants", "take
// part") as a whole word.
func namesPart(s string) bool {
	if hasFoldOddity(s) {
		return namedPartRe.MatchString(s)
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && isWordByte(s[i-1]) {
			continue // \b before the word
		}
		switch lowerASCII(s[i]) {
		case 'd':
			if hasFoldAt(s, i, "deltage") {
				j := i + len("deltage")
				if wordEndAt(s, j) || hasFoldAt(s, j, "r") && (wordEndAt(s, j+1) || hasFoldAt(s, j+1, "e") && wordEndAt(s, j+2)) {
					return true
				}
			}
		case 't':
			if hasFoldAt(s, i, "tilmelde") {
				j := i + len("tilmelde")
				if (hasFoldAt(s, j, "r") || hasFoldAt(s, j, "s")) && wordEndAt(s, j+1) {
					return true
				}
			}
			if hasFoldAt(s, i, "take") {
				if j := spacesAt(s, i+4); j > i+4 && hasFoldAt(s, j, "part") && wordEndAt(s, j+4) {
					return true
				}
			}
		case 'k':
			if hasFoldAt(s, i, "kommer") && wordEndAt(s, i+6) {
				return true
			}
		case 'a':
			if hasFoldAt(s, i, "attend") {
				return true // attend\w*\b: the word's end is always a boundary
			}
		case 'p':
			if hasFoldAt(s, i, "participant") {
				j := i + len("participant")
				if wordEndAt(s, j) || hasFoldAt(s, j, "s") && wordEndAt(s, j+1) {
					return true
				}
			}
		}
	}
	return false
}

// excludes is excludeRe.MatchString(s): a contact person, someone who
// will not take part, a copy.
func excludes(s string) bool {
	if hasFoldOddity(s) {
		return excludeRe.MatchString(s)
	}
	for i := 0; i < len(s); i++ {
		switch lowerASCII(s[i]) {
		case 'k':
			if hasFoldAt(s, i, "kontakt") {
				if j := i + len("kontakt"); hasFoldAt(s, j, "person") {
					return true
				} else if j = spacesAt(s, j); j < len(s) && s[j] == ':' {
					return true
				}
			}
			if hasFoldAt(s, i, "kan") {
				if j := spacesAt(s, i+3); j > i+3 {
					if hasFoldAt(s, j, "ikke") {
						return true
					}
					if len(s)-j >= len("desværre") && strings.EqualFold(s[j:j+len("desværre")], "desværre") {
						if k := spacesAt(s, j+len("desværre")); k > j+len("desværre") && hasFoldAt(s, k, "ikke") {
							return true
						}
					}
				}
			}
			if hasFoldAt(s, i, "kopi") {
				if j := spacesAt(s, i+4); j > i+4 && hasFoldAt(s, j, "til") {
					return true
				}
			}
		case 'c':
			if hasFoldAt(s, i, "contact person") {
				return true
			}
			if hasFoldAt(s, i, "cc") {
				if j := spacesAt(s, i+2); j < len(s) && s[j] == ':' {
					return true
				}
			}
		case 'i':
			if hasFoldAt(s, i, "ikke") {
				if j := spacesAt(s, i+4); j > i+4 && hasFoldAt(s, j, "deltage") {
					return true
				}
			}
		case 'd':
			if hasFoldAt(s, i, "deltager") {
				if j := spacesAt(s, i+8); j > i+8 && hasFoldAt(s, j, "ikke") {
					return true
				}
			}
		}
	}
	return false
}

// chunkSepIndex is chunkSepRe.FindStringIndex(s): the first ", " or
// "; ", end of sentence, joining word between spaces (" og ", " & "),
// opening bracket after a space, or closing bracket.
func chunkSepIndex(s string) []int {
	if hasFoldOddity(s) {
		return chunkSepRe.FindStringIndex(s)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ',' || c == ';':
			if i+1 < len(s) && isRegexpSpace(s[i+1]) {
				return []int{i, i + 2}
			}
		case c == '.' || c == '?' || c == '!':
			if i+1 == len(s) {
				return []int{i, i + 1}
			}
			if isRegexpSpace(s[i+1]) {
				return []int{i, i + 2}
			}
		case isRegexpSpace(c):
			for _, w := range []string{"og", "samt", "and", "&"} {
				if j := i + 1 + len(w); hasFoldAt(s, i+1, w) && j < len(s) && isRegexpSpace(s[j]) {
					return []int{i, j + 1}
				}
			}
			if i+1 < len(s) && s[i+1] == '(' {
				return []int{i, i + 2}
			}
		case c == ')':
			return []int{i, i + 1}
		}
	}
	return nil
}

// fieldCount returns len(strings.Fields(s)), counting up to limit,
// without making the fields.
func fieldCount(s string, limit int) int {
	n, in := 0, false
	for i := 0; i < len(s) && n < limit+1; {
		r, size := rune(s[i]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if space := unicode.IsSpace(r); space {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return min(n, limit)
}

// replaceListParens is listParenRe.ReplaceAllString(s, ",$1,"): a
// parenthesis holding a comma, semicolon or address marker (NUL) is
// opened into the list around it ("Bo (HR-chef, \x00)" → "Bo ,HR-chef,
// \x00,").
func replaceListParens(s string) string {
	var b strings.Builder
	last := 0
	for p := strings.IndexByte(s, '('); p >= 0; {
		q := p + 1 // the next bracket after p
		for q < len(s) && s[q] != '(' && s[q] != ')' {
			q++
		}
		if q < len(s) && s[q] == ')' && strings.ContainsAny(s[p+1:q], ",;\x00") {
			if b.Len() == 0 {
				b.Grow(len(s) + 8)
			}
			b.WriteString(s[last:p])
			b.WriteByte(',')
			b.WriteString(s[p+1 : q])
			b.WriteByte(',')
			last = q + 1
		}
		// The next '(' lies beyond q: a match ends before it.
		next := strings.IndexByte(s[p+1:], '(')
		if next < 0 {
			break
		}
		p += 1 + next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// findPhone is phoneRe.FindString(s): a Danish phone number, eight
// digits in pairs with optional spaces or hyphens between them, perhaps
// after "+45", and no word character right after it.
func findPhone(s string) string {
	for p := 0; p < len(s); p++ {
		if e := phoneAt(s, p); e >= 0 {
			return s[p:e]
		}
	}
	return ""
}

// hasPhone is phoneRe.MatchString(s).
func hasPhone(s string) bool {
	for p := 0; p < len(s); p++ {
		if phoneAt(s, p) >= 0 {
			return true
		}
	}
	return false
}

// phoneAt returns the end of phoneRe's match starting at p, or -1. Every
// optional part is followed by what it cannot be, so the first way that
// fits is the only one.
func phoneAt(s string, p int) int {
	i := p
	if s[i] == '+' {
		i++
		if i < len(s) && isRegexpSpace(s[i]) {
			i++
		}
		if !strings.HasPrefix(s[i:], "45") {
			return -1 // with "+", the prefix must fit; a '+' is no digit
		}
		i += 2
		if i < len(s) && (isRegexpSpace(s[i]) || s[i] == '-') {
			i++
		}
	}
	for pair := 0; pair < 4; pair++ {
		if pair > 0 && i < len(s) && (isRegexpSpace(s[i]) || s[i] == '-') {
			i++
		}
		if i+2 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
			return -1
		}
		i += 2
	}
	if i < len(s) && isWordByte(s[i]) {
		return -1 // \b after the last digit
	}
	return i
}

// splitAtCellSeps is cellSepRe.Split(s, -1): s split at each tab and
// each run of two or more spaces or non-breaking spaces.
func splitAtCellSeps(s string) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	beg := 0
	for i := 0; i < len(s); {
		if s[i] == '\t' {
			out = append(out, s[beg:i])
			i++
			beg = i
			continue
		}
		j, n := i, 0 // the run of spaces from i, n characters long
		for j < len(s) {
			if s[j] == ' ' {
				j++
			} else if s[j] == 0xc2 && j+1 < len(s) && s[j+1] == 0xa0 {
				j += 2
			} else {
				break
			}
			n++
		}
		if n >= 2 {
			out = append(out, s[beg:i])
			beg = j
			i = j
			continue
		}
		i = max(j, i+1)
	}
	return append(out, s[beg:])
}
