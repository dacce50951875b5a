// Cheap tests that decide, exactly, when an expression of the
// participant readers cannot match, so that it runs only on the few
// texts that may hold what it looks for.

package parser

import "strings"

// listItemLen returns the length of the list number or bullet (with the
// spaces after it) that listItemRe matches at the start of t, or -1.
func listItemLen(t string) int {
	if t == "" {
		return -1
	}
	i := -1
	switch c := t[0]; {
	case '0' <= c && c <= '9':
		// \d{1,2}\s*[.):] — two digits are tried first, then one.
		for _, n := range []int{2, 1} {
			if n > len(t) || n == 2 && !isDigit(t[1]) {
				continue
			}
			j := n
			for j < len(t) && isRegexpSpace(t[j]) {
				j++
			}
			if j < len(t) && (t[j] == '.' || t[j] == ')' || t[j] == ':') {
				i = j + 1
				break
			}
		}
	case c == '-' || c == '*':
		i = 1
	default:
		for _, b := range []string{"•", "·", "▪", "–"} {
			if strings.HasPrefix(t, b) {
				i = len(b)
				break
			}
		}
	}
	if i < 0 {
		return -1
	}
	for i < len(t) && isRegexpSpace(t[i]) {
		i++
	}
	return i
}

// isListItem reports whether t starts with a list number or bullet
// (listItemRe.MatchString).
func isListItem(t string) bool { return listItemLen(t) >= 0 }

// trimListItem removes the list number or bullet starting t
// (listItemRe.ReplaceAllString(t, "")).
func trimListItem(t string) string {
	if n := listItemLen(t); n > 0 {
		return t[n:]
	}
	return t
}

// isDigit reports whether c is an ASCII digit (\d).
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isRegexpSpace reports whether c is what \s matches.
func isRegexpSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// hasFoldOddity reports whether s holds a rune that (?i) folds to an
// ASCII letter or to å besides their own cases: the Kelvin sign (k), the
// long s (s) and the Ångström sign (å). The cheap tests below compare
// ASCII letters only, so such a text goes to the expression.
func hasFoldOddity(s string) bool {
	if strings.IndexByte(s, 0xe2) < 0 && strings.IndexByte(s, 0xc5) < 0 {
		return false
	}
	return strings.Contains(s, "\u212a") || strings.Contains(s, "\u017f") || strings.Contains(s, "\u212b")
}

// wordSet is a set of words one of which every match of an expression
// holds, ignoring case, sorted by their first byte so that one pass over
// a text finds whether it holds any (containsAnyFold makes one pass per
// word).
type wordSet struct {
	subs    []string
	byFirst [256][]string
}

// newWordSet returns the set of subs (none empty). A sub may start
// outside ASCII when both cases of its first letter share their first
// UTF-8 byte, as æ/Æ, ø/Ø and å/Å do.
func newWordSet(subs ...string) *wordSet {
	fs := &wordSet{subs: subs}
	for _, s := range subs {
		c := lowerASCII(s[0])
		fs.byFirst[c] = append(fs.byFirst[c], s)
	}
	return fs
}

// lowerASCII lower-cases an ASCII letter.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// mayMatch reports whether s holds one of the set's words ignoring case
// (containsAnyFold) or a rune that folds to an ASCII letter besides its
// own cases: false means an expression guarded by the set cannot match.
func (fs *wordSet) mayMatch(s string) bool {
	for i := 0; i < len(s); i++ {
		for _, sub := range fs.byFirst[lowerASCII(s[i])] {
			if len(s)-i >= len(sub) && equalFoldAt(s[i:i+len(sub)], sub) {
				return true
			}
		}
	}
	return hasFoldOddity(s)
}

// holds reports whether s holds one of the set's words ignoring ASCII
// case: containsAnyFold for words and texts whose only letters beyond
// ASCII are no fold of an ASCII letter (folded text, say).
func (fs *wordSet) holds(s string) bool {
	for i := 0; i < len(s); i++ {
		for _, sub := range fs.byFirst[lowerASCII(s[i])] {
			if len(s)-i >= len(sub) && equalFoldAt(s[i:i+len(sub)], sub) {
				return true
			}
		}
	}
	return false
}

// equalFoldAt is strings.EqualFold(w, sub) for w as long as sub: a byte
// comparison when sub is ASCII (a window holding a longer rune then has
// fewer runes than sub, so it cannot be equal).
func equalFoldAt(w, sub string) bool {
	for i := 0; i < len(sub); i++ {
		if sub[i] >= 0x80 {
			return strings.EqualFold(w, sub)
		}
	}
	for i := 0; i < len(sub); i++ {
		if lowerASCII(w[i]) != lowerASCII(sub[i]) {
			return false
		}
	}
	return true
}

// mayMatchFold reports whether s may match an expression every match of
// which holds one of subs, ignoring case: false means it cannot.
func mayMatchFold(s string, subs ...string) bool {
	return containsAnyFold(s, subs...) || hasFoldOddity(s)
}

// The words the expressions of the participant readers need.
var (
	excludeSubs    = newWordSet("kontakt", "contact", "ikke", "cc", "kopi")
	replacedSubs   = newWordSet("udskift", "erstat", "fjern", "slet", "afmeld", "stedet", "replace", "instead")
	notPartSubs    = newWordSet("talt", "snakket", "drøftet", "spurgt", "hørt", "godkend", "besluttet", "udpege", "udvalgt", "vælger")
	takingPartSubs = newWordSet("deltag", "tilmeld", "participa", "attend", "kommer", "med fra os")
)

// isExcluded is excludeRe.MatchString(s).
func isExcluded(s string) bool {
	return excludes(s)
}

// isReplaced is replacedRe.MatchString(s).
func isReplaced(s string) bool {
	return replacedSubs.mayMatch(s) && replacedRe.MatchString(s)
}

// isCommitteeTitle reports whether three words read as a title ending in
// the committee's name ("næstformand i HovedMED"): committeeRe on the
// words joined by spaces. The words hold no spaces, so the middle word
// must be "i" or "for".
func isCommitteeTitle(w []string) bool {
	if !strings.EqualFold(w[1], "i") && !strings.EqualFold(w[1], "for") {
		return false
	}
	return committeeRe.MatchString(strings.Join(w, " "))
}

// mayBracketAddr reports whether s may match bracketedAddrRe: an address
// marker (NUL) with a closing bracket after it and an opening bracket or
// "mailto:" before it, spaces between.
func mayBracketAddr(s string) bool {
	for i := strings.IndexByte(s, 0); i >= 0; {
		j := i + 1
		for j < len(s) && isRegexpSpace(s[j]) {
			j++
		}
		k := i - 1
		for k >= 0 && isRegexpSpace(s[k]) {
			k--
		}
		if j < len(s) && strings.IndexByte(")>]", s[j]) >= 0 && k >= 0 && strings.IndexByte("(<[:", s[k]) >= 0 {
			return true
		}
		next := strings.IndexByte(s[i+1:], 0)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// byteSet is a set of bytes.
type byteSet [256]bool

// newByteSet returns the set of the bytes of s.
func newByteSet(s string) *byteSet {
	var set byteSet
	for i := 0; i < len(s); i++ {
		set[s[i]] = true
	}
	return &set
}

// The separators of fields (splitFields) and of heading cells
// (headerRow).
var (
	fieldSeps   = newByteSet(",;<>[]/")
	headingSeps = newByteSet(",;|")
)

// splitAtBytes splits s at any of the ASCII bytes in sep, dropping
// empty fields: strings.FieldsFunc with those runes as separators (no
// byte of a longer or invalid UTF-8 sequence is ASCII).
func splitAtBytes(s string, sep *byteSet) []string {
	n := 0 // count the fields first: one allocation
	for i := 0; i < len(s); i++ {
		if !sep[s[i]] && (i == 0 || sep[s[i-1]]) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	start := -1
	for i := 0; i < len(s); i++ {
		if sep[s[i]] {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}
