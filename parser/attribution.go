package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The attribution expressions (attributionRe, attributionVerbRe,
// attributionLeadRe) are the parser's most expensive: their counted
// repetitions (".{0,200}", "[^:]{0,40}") make the regexp package search
// every start of a line with a large program, some 30–40 µs a line. The
// matchers here decide exactly the same by a scan over the line's runes;
// TestAttributionMatchersAgree and FuzzAttributionMatchers compare them
// with the expressions. They follow the expressions' semantics: (?i)
// matches a letter by its Unicode simple case-folding orbit ('s' also
// matches 'ſ', 'k' the Kelvin sign), \s is [\t\n\f\r ], \d is [0-9],
// \b is an ASCII word boundary, "." is any rune but '\n', and a byte that
// is not UTF-8 is one rune U+FFFD.

// foldLit is a literal of a case-insensitive expression as runes;
// spaceRun stands for \s+.
type foldLit []rune

const spaceRun = -1

// foldLits turns literals into foldLits, `\s+` into spaceRun.
func foldLits(lits ...string) []foldLit {
	out := make([]foldLit, len(lits))
	for i, l := range lits {
		var f foldLit
		for _, part := range strings.SplitAfter(l, `\s+`) {
			word, run := strings.CutSuffix(part, `\s+`)
			f = append(f, []rune(word)...)
			if run {
				f = append(f, spaceRun)
			}
		}
		out[i] = f
	}
	return out
}

// foldSet is a set of foldLits with the ones that may match at a rune
// found by the rune's ASCII letter: most runes of a line start no
// literal and cost one look-up.
type foldSet struct {
	lits    []foldLit
	byASCII [utf8.RuneSelf][]int // literals whose first rune matches this ASCII rune
	other   []int                // literals whose first rune matches some rune outside ASCII
}

func newFoldSet(lits ...string) *foldSet {
	s := &foldSet{lits: foldLits(lits...)}
	for i, l := range s.lits {
		other := l[0] >= utf8.RuneSelf
		for r := range rune(utf8.RuneSelf) {
			if foldEq(r, l[0]) {
				s.byASCII[r] = append(s.byASCII[r], i)
			}
		}
		for f := unicode.SimpleFold(l[0]); f != l[0]; f = unicode.SimpleFold(f) {
			other = other || f >= utf8.RuneSelf
		}
		if other {
			s.other = append(s.other, i)
		}
	}
	return s
}

// candidates returns the literals that may match at rune r.
func (s *foldSet) candidates(r rune) []int {
	if r >= 0 && r < utf8.RuneSelf {
		return s.byASCII[r]
	}
	return s.other
}

// foldEq reports whether rune r matches the literal rune c under (?i):
// r is in c's simple case-folding orbit.
func foldEq(r, c rune) bool {
	if r == c {
		return true
	}
	if r < utf8.RuneSelf && c < utf8.RuneSelf {
		// Within ASCII the orbits are the two cases of a letter.
		return 'A' <= c && c <= 'Z' && r == c+'a'-'A' || 'a' <= c && c <= 'z' && r == c-('a'-'A')
	}
	for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}

// matchAt matches lit at rs[at:] and returns the index after it.
func (lit foldLit) matchAt(rs []rune, at int) (int, bool) {
	j := at
	for _, c := range lit {
		if c == spaceRun {
			// Greedy, and exact: in every literal a letter follows.
			if j >= len(rs) || !isSpaceRE(rs[j]) {
				return 0, false
			}
			for j < len(rs) && isSpaceRE(rs[j]) {
				j++
			}
			continue
		}
		if j >= len(rs) || !foldEq(rs[j], c) {
			return 0, false
		}
		j++
	}
	return j, true
}

// isSpaceRE is \s; isDigitRE is \d; isWordRE is a word rune of \b.
func isSpaceRE(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
}

func isDigitRE(r rune) bool { return '0' <= r && r <= '9' }

func isWordRE(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_'
}

// runesOf decodes s as the regexp package does, into buf when it fits.
func runesOf(s string, buf []rune) []rune {
	rs := buf[:0]
	for _, r := range s {
		rs = append(rs, r)
	}
	return rs
}

// beforeFinalColon splits s at its last ':' when only \s follows it, as
// in every attribution ("… wrote:"): the part before, as runes.
func beforeFinalColon(s string, buf []rune) ([]rune, bool) {
	c := strings.LastIndexByte(s, ':')
	if c < 0 {
		return nil, false
	}
	for i := c + 1; i < len(s); i++ {
		if !isSpaceRE(rune(s[i])) {
			return nil, false
		}
	}
	return runesOf(s[:c], buf), true
}

var (
	// The alternatives of attributionRe, in its three branches.
	attrLeadsA = newFoldSet("den", "on", "am", "le", "el")
	attrVerbsA = newFoldSet("skrev", "wrote", "schrieb", "a écrit", "escribió")
	attrVerbsB = newFoldSet("skrev", "wrote")
	attrLeadsB = newFoldSet("den", "on")
	attrVerbsC = newFoldSet("skrev", "wrote", "schrieb", "schreef", "a écrit", "escribió", "escreveu", "scrisse", "napisał", "napisal", "skrivit", "kirjoitti", "написал", "написав", "писал")
	// attributionVerbRe's verbs.
	attrVerbs = newFoldSet("wrote", "skrev", "schrieb", "schreef", "geschreven", `a\s+écrit`, `a\s+ecrit`, "escribió", "escribio", "escreveu", `ha\s+scritto`, "scrisse", "napisał", "napisal", "napsal", "skrivit", "kirjoitti", "írta", "написал", "написала", "написав", "писал", "yazdı")
	// attributionLeadRe's words.
	attrLeads = newFoldSet("den", "on", "am", "le", "el", "op", "il", "em", "w dniu", "dne", "på", "pa")
	// verbWordRe's verbs.
	wordVerbs = newFoldSet("wrote", "skrev", "schrieb", "schreef", `a\s+écrit`, "escribió", "escreveu", `ha\s+scritto`, "napisał", "skrivit")
	// mobileFooterRe's openings.
	mobileFooters = newFoldSet("sendt fra min", "sent from my", "sendt fra outlook", "sent from outlook", "sent from mail for windows", "sent from windows mail", "sent from mailbox", "sent from yahoo mail", "sent from typeapp", "sent with airmail", "sent via mobile", "hent outlook til", "get outlook for", "envoyé depuis mon", "envoye depuis mon", "von meinem", "gesendet von meinem", "enviado desde mi", "enviado do meu", "verzonden vanaf mijn", "verstuurd vanaf mijn", "inviato dal mio", "inviato da", "skickat från min", "lähetetty")
)

// verbWordMatch is verbWordRe.MatchString(t): `@\S*\s+(verbs)\b`
// anywhere in t. \S* runs to the next \s and \s+ to the next other
// rune, so after each '@' there is one place a verb may start.
func verbWordMatch(t string) bool {
	for at := strings.IndexByte(t, '@'); at >= 0; {
		e := at + 1
		for e < len(t) && !isSpaceRE(rune(t[e])) {
			e++ // \S*: a byte of a rune outside ASCII is never \s
		}
		f := e
		for f < len(t) && isSpaceRE(rune(t[f])) {
			f++
		}
		if f > e && f < len(t) && wordVerbs.verbAt(t[f:]) {
			return true
		}
		next := strings.IndexByte(t[e:], '@')
		if next < 0 {
			break
		}
		at = e + next
	}
	return false
}

// verbAt reports whether one of s's literals opens t and ends at a word
// boundary (\b), decoding only as far as the literals go.
func (s *foldSet) verbAt(t string) bool {
	first, _ := utf8.DecodeRuneInString(t)
	for _, i := range s.candidates(first) {
		if end, last, ok := s.lits[i].prefixOf(t); ok {
			next := rune(-1) // the end of the text is no word rune
			if end < len(t) {
				next, _ = utf8.DecodeRuneInString(t[end:])
			}
			if isWordRE(last) != isWordRE(next) {
				return true
			}
		}
	}
	return false
}

// prefixOf matches lit at the start of t: the byte index after it and
// the last rune it matched.
func (lit foldLit) prefixOf(t string) (end int, last rune, ok bool) {
	for _, c := range lit {
		if c == spaceRun {
			if end >= len(t) || !isSpaceRE(rune(t[end])) {
				return 0, 0, false
			}
			for end < len(t) && isSpaceRE(rune(t[end])) {
				end++
			}
			last = rune(t[end-1])
			continue
		}
		if end >= len(t) {
			return 0, 0, false
		}
		r, w := utf8.DecodeRuneInString(t[end:])
		if !foldEq(r, c) {
			return 0, 0, false
		}
		end, last = end+w, r
	}
	return end, last, true
}

// mobileFooterMatch is mobileFooterRe.MatchString(t): t opens with one
// of the footers.
func mobileFooterMatch(t string) bool {
	return mobileFooters.opens(t)
}

// opens reports whether t starts with one of s's literals, decoding
// only as far as they match.
func (s *foldSet) opens(t string) bool {
	if t == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(t)
	for _, i := range s.candidates(first) {
		if _, _, ok := s.lits[i].prefixOf(t); ok {
			return true
		}
	}
	return false
}

// matchesAt reports whether one of s's literals matches at rs[at:] and
// ok(end) holds for the index after it.
func (s *foldSet) matchesAt(rs []rune, at int, ok func(end int) bool) bool {
	if at >= len(rs) {
		return false
	}
	for _, i := range s.candidates(rs[at]) {
		if end, m := s.lits[i].matchAt(rs, at); m && ok(end) {
			return true
		}
	}
	return false
}

// attributionMatch is attributionRe.MatchString(s).
func attributionMatch(s string) bool {
	if strings.IndexByte(s, '\n') >= 0 {
		return attributionRe.MatchString(s) // "." stops at a line end: never so in a line
	}
	var buf [256]rune
	rs, ok := beforeFinalColon(s, buf[:])
	return ok && (attributionA(rs) || attributionB(rs) || attributionC(rs))
}

// attributionA is `^(den|on|am|le|el)\s.*\d.*\s(skrev|wrote|schrieb|a écrit|escribió)\b.*$`
// on the part before the final colon (whose ':' follows it for \b).
func attributionA(rs []rune) bool {
	return attrLeadsA.matchesAt(rs, 0, func(k int) bool {
		if k >= len(rs) || !isSpaceRE(rs[k]) {
			return false
		}
		d := k + 1
		for d < len(rs) && !isDigitRE(rs[d]) {
			d++
		}
		for w := d + 1; w < len(rs); w++ {
			if isSpaceRE(rs[w]) && attrVerbsA.matchesAt(rs, w+1, func(e int) bool {
				after := rune(':')
				if e < len(rs) {
					after = rs[e]
				}
				return isWordRE(rs[e-1]) != isWordRE(after)
			}) {
				return true
			}
		}
		return false
	})
}

// attributionB is `^.{1,120}\s(skrev|wrote)\s+(den|on)\s.*\d.*$`.
func attributionB(rs []rune) bool {
	for w := 1; w <= 120 && w < len(rs); w++ {
		if isSpaceRE(rs[w]) && attrVerbsB.matchesAt(rs, w+1, func(e int) bool {
			f := e
			for f < len(rs) && isSpaceRE(rs[f]) {
				f++
			}
			return f > e && attrLeadsB.matchesAt(rs, f, func(g int) bool {
				if g >= len(rs) || !isSpaceRE(rs[g]) {
					return false
				}
				for _, r := range rs[g+1:] {
					if isDigitRE(r) {
						return true
					}
				}
				return false
			})
		}) {
			return true
		}
	}
	return false
}

// attributionC is `^.{0,200}\d.{0,200}\s(verbs)(\s[^:]{0,40})?$`.
func attributionC(rs []rune) bool {
	for w := 1; w < len(rs); w++ {
		if isSpaceRE(rs[w]) && attrVerbsC.matchesAt(rs, w+1, func(e int) bool {
			if rest := rs[e:]; len(rest) > 0 && (!isSpaceRE(rest[0]) || len(rest) > 41 || containsRune(rest, ':')) {
				return false
			}
			// A digit with at most 200 runes before it and at most 200
			// between it and the space before the verb.
			for d := max(0, w-201); d <= min(200, w-1); d++ {
				if isDigitRE(rs[d]) {
					return true
				}
			}
			return false
		}) {
			return true
		}
	}
	return false
}

// attributionVerbMatch is attributionVerbRe.MatchString(s):
// `(verbs)(\s[^:]{0,40})?\s*:\s*$` anywhere in s.
func attributionVerbMatch(s string) bool {
	var buf [256]rune
	rs, ok := beforeFinalColon(s, buf[:])
	if !ok {
		return false
	}
	// After the verb: \s*, or \s, at most 40 runes and \s*; never a ':'.
	end := len(rs)
	for end > 0 && isSpaceRE(rs[end-1]) {
		end--
	}
	tailOK := func(e int) bool {
		rest := rs[e:]
		if e >= end {
			return true // only \s
		}
		return isSpaceRE(rest[0]) && end-e-1 <= 40 && !containsRune(rest, ':')
	}
	for p := range rs {
		if attrVerbs.matchesAt(rs, p, tailOK) {
			return true
		}
	}
	return false
}

// attributionLead is attributionLeadRe.MatchString(t):
// `^(den|on|am|le|el|op|il|em|w dniu|dne|på|pa)\s`.
func attributionLead(t string) bool {
	var buf [8]rune
	rs := buf[:0]
	for _, r := range t {
		if rs = append(rs, r); len(rs) == len(buf) {
			break // the longest lead and its space are 7 runes
		}
	}
	return attrLeads.matchesAt(rs, 0, func(e int) bool { return e < len(rs) && isSpaceRE(rs[e]) })
}

// containsRune reports whether rs holds r.
func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
