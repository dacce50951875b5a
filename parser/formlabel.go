package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The fast paths of the form's line tests. A form label is recognised by
// one of six regular expressions (labelRes); they are anchored at the
// start of the line, after an optional bullet or number, and every
// alternative of each starts with one of a few words. Those words are
// looked for first, with the expression's own case folding, so that the
// expressions run only on lines that start like a label: the result is
// the same (TestLabelFastPathsAgree), at a few byte comparisons a line.

// labelPrefixes are, for each of labelPatterns, words one of which every
// alternative of the pattern starts with.
var labelPrefixes = [][]string{
	{"kommune"},
	{"forvaltning", "omr", "enhed"},
	{"godkend", "hoved"},
	{"ønsket", "oensket", "første", "foerste", "udviklingsdag", "dato"},
	{"kontakt"},
	{"deltager"},
}

// labelStart returns where the label of a form line may start in t (a
// cleaned line): after the optional bullet or number of labelRes, or -1
// when no label can start the line. Every label starts with a letter, so
// the bullet, when there is one, is always taken, and the spaces after it
// too.
func labelStart(t string) int {
	if t == "" {
		return -1
	}
	p := 0
	switch c := t[0]; {
	case c >= '0' && c <= '9':
		switch {
		case len(t) > 1 && (t[1] == '.' || t[1] == ')'):
			p = 2
		case len(t) > 2 && t[1] >= '0' && t[1] <= '9' && (t[2] == '.' || t[2] == ')'):
			p = 3
		default:
			return -1
		}
	case c == '-' || c == '*':
		p = 1
	case c < utf8.RuneSelf:
		return 0
	default:
		p = bulletLen(t)
	}
	for p < len(t) && isReSpace(t[p]) {
		p++
	}
	return p
}

// bulletLen returns the length of the non-ASCII bullet ("•", "·", "▪",
// "–") starting t, or 0.
func bulletLen(t string) int {
	for _, b := range []string{"•", "·", "▪", "–"} {
		if strings.HasPrefix(t, b) {
			return len(b)
		}
	}
	return 0
}

// isReSpace reports whether c is in \s of Go's regular expressions.
func isReSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// sameFold reports whether a and b are in one orbit of unicode.SimpleFold.
func sameFold(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return lowerASCIIRune(a) == lowerASCIIRune(b) && isASCIILetterRune(a)
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

func lowerASCIIRune(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func isASCIILetterRune(r rune) bool {
	r = lowerASCIIRune(r)
	return r >= 'a' && r <= 'z'
}

// labelSpellings are, for each of labelPatterns, spellings of the label
// (single spaces between words) that labelRes[i] reads as the label itself
// whenever the line goes on with ":", a hint in parentheses, or nothing:
// each alternative tried before it in the expression needs another letter,
// word or digit there (TestLabelFastPathsAgree). fastLabel reads such
// lines without the expression.
var labelSpellings = [][]string{
	{"kommunens navn", "kommunenavn", "kommune"},
	{"forvaltning/område", "forvaltning/omraade", "forvaltning / område", "forvaltning / omraade",
		"forvaltning eller område", "forvaltning eller omraade", "forvaltning og område", "forvaltning og omraade",
		"forvaltning", "område", "omraade", "enhed"},
	{"godkendt i hovedmed", "godkendt i hoved-med", "godkendt af hovedmed", "godkendt af hoved-med",
		"hovedmed-godkendelse", "hovedmed godkendelse", "hoved-med-godkendelse", "hoved-med godkendelse",
		"godkendelse i hovedmed", "godkendelse i hoved-med", "hoved-med", "hovedmed", "godkendt"},
	{"ønsket første udviklingsdag", "oensket første udviklingsdag", "ønsket foerste udviklingsdag",
		"oensket foerste udviklingsdag", "første udviklingsdag", "foerste udviklingsdag", "udviklingsdag",
		"ønsket dato", "ønsket dag", "oensket dato", "oensket dag", "dato"},
	{"kontaktperson", "kontakt"},
	{"deltagere", "deltager"},
}

// matchLabel recognises a form label at the start of line.
func matchLabel(line string) (label, bool) {
	t := cleanLine(line)
	p := labelStart(t)
	if p < 0 {
		return label{}, false
	}
	rest, checked := t[p:], false
	if rest == "" || rest[0] < utf8.RuneSelf && strings.IndexByte(labelFirstBytes, rest[0]) < 0 {
		return label{}, false // no label word starts so
	}
	fields := allLabelFields
	if c := rest[0]; c < utf8.RuneSelf {
		fields = labelFieldsBy[c|0x20]
	}
	for _, i := range fields {
		w, n := prefixFoldAny(rest, labelPrefixes[i])
		if n < 0 {
			continue
		}
		if !checked {
			// mayBeLabel holds when the word read is in ASCII within its
			// reach and holds a label word; else it is asked.
			if !(isAllASCII(rest[:n]) && p+n <= 96 && w != "oensket" && w != "foerste") && !mayBeLabel(t) {
				return label{}, false
			}
			checked = true
		}
		if lb, ok := fastLabel(t, rest, i); ok {
			return lb, true
		}
		m := labelRes[i].FindStringSubmatch(t)
		if m == nil {
			continue
		}
		return labelOf(i, m), true
	}
	return label{}, false
}

// fastLabel reads the label of pattern i at the start of rest (the end
// of t) when it is one of labelSpellings followed by ":", by hints and
// then ":", a tab, a space or the end, or by nothing: what labelRes[i]
// reads there, without running it (its first try succeeds: the most
// hints, no spaces, then the separator). Anything else, and a line with
// a newline ((.*)$ stops at one), is left to the expression.
func fastLabel(t, rest string, i int) (label, bool) {
	if strings.IndexByte(t, '\n') >= 0 {
		return label{}, false
	}
	for _, w := range labelSpellings[i] {
		n := prefixFoldLen(rest, w)
		if n < 0 {
			continue
		}
		end := hintsEnd(rest, n)
		hinted := strings.TrimSpace(rest[n:end]) != ""
		if end == len(rest) {
			return label{field: labelPatterns[i].field, strong: hinted}, true
		}
		c := rest[end]
		if c != ':' && !(hinted && isReSpace(c)) {
			continue
		}
		answer := strings.TrimLeft(rest[end+1:], " \t\n\f\r")
		answer = strings.TrimLeft(cleanLine(answer), ":-–= \t")
		return label{field: labelPatterns[i].field, strong: true, answer: cleanLine(answer)}, true
	}
	return label{}, false
}

// hintsEnd returns where the hints in parentheses that follow position i
// of s end: the greedy ((?:\s*\([^)]*\))*) of labelRes.
func hintsEnd(s string, i int) int {
	for {
		j := i
		for j < len(s) && isReSpace(s[j]) {
			j++
		}
		if j == len(s) || s[j] != '(' {
			return i
		}
		k := strings.IndexByte(s[j+1:], ')')
		if k < 0 {
			return i
		}
		i = j + 1 + k + 1
	}
}

// prefixFoldLen returns the length of the prefix of s that matches prefix
// under (?i)'s case folding, or -1.
func prefixFoldLen(s, prefix string) int {
	n := 0
	for _, want := range prefix {
		if n >= len(s) {
			return -1
		}
		r, size := rune(s[n]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[n:])
		}
		if r != want && !sameFold(r, want) {
			return -1
		}
		n += size
	}
	return n
}

// hasPrefixFold reports whether s starts with prefix under the simple
// case folding of (?i) in Go's regular expressions (so the Kelvin sign
// counts as "k").
func hasPrefixFold(s, prefix string) bool { return prefixFoldLen(s, prefix) >= 0 }

// labelFirstBytes are the ASCII bytes that start a word of labelPrefixes
// (other first letters of theirs are outside ASCII: "ø", the Kelvin sign).
const labelFirstBytes = "kfoeghudKFOEGHUD"

// allLabelFields are the indexes of labelPatterns, and labelFieldsBy
// those whose words may start with a lower-case ASCII letter (in either
// case: the index is the byte with 0x20 set).
var allLabelFields, labelFieldsBy = func() ([]int, [128][]int) {
	var all []int
	var by [128][]int
	for i, prefixes := range labelPrefixes {
		all = append(all, i)
		for c := byte('a'); c <= 'z'; c++ {
			for _, p := range prefixes {
				if p[0] == c {
					by[c] = append(by[c], i)
					break
				}
			}
		}
	}
	return all, by
}()

// prefixFoldAny returns the first of prefixes that s starts with (see
// hasPrefixFold) and its length in s, or "", -1.
func prefixFoldAny(s string, prefixes []string) (string, int) {
	for _, p := range prefixes {
		if asciiPairMiss(s, p) {
			continue
		}
		if n := prefixFoldLen(s, p); n >= 0 {
			return p, n
		}
	}
	return "", -1
}

// asciiPairMiss reports whether the first two bytes of s, both ASCII,
// cannot start p under (?i)'s folding: p's first letter is lower-case
// ASCII and its second rune is a lower-case ASCII letter or one that no
// ASCII letter folds to (TestCueWordsFoldSafely), so each is matched
// only by itself or its capital.
func asciiPairMiss(s, p string) bool {
	return len(s) >= 2 && s[0] < utf8.RuneSelf && s[1] < utf8.RuneSelf && p[0] < utf8.RuneSelf &&
		(s[0]|0x20 != p[0] || s[1]|0x20 != p[1])
}

// isAllASCII reports whether s is all ASCII.
func isAllASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasAnyPrefixFold reports whether s starts with one of prefixes (see
// hasPrefixFold).
func hasAnyPrefixFold(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if hasPrefixFold(s, p) {
			return true
		}
	}
	return false
}

// isFormStartMarker reports whether t (a cleaned line) is the form's start
// marker ("--- TILMELDING ---"); both marker expressions need the line to
// start with "--".
func isFormStartMarker(t string) bool {
	rest, ok := afterMarkerDashes(t)
	if !ok {
		return false
	}
	n := prefixFoldLen(rest, "tilmelding")
	return n >= 0 && (n == len(rest) || !isWordByte(rest[n])) && strings.IndexByte(rest, '\n') < 0
}

// afterMarkerDashes returns t after the "-{2,}\s*" that starts both
// marker expressions, and whether t starts so.
func afterMarkerDashes(t string) (string, bool) {
	if !strings.HasPrefix(t, "--") {
		return "", false
	}
	i := 2
	for i < len(t) && t[i] == '-' {
		i++
	}
	for i < len(t) && isReSpace(t[i]) {
		i++
	}
	return t[i:], true
}

// isFormEndMarker reports whether t is the form's end marker ("--- SLUT ---").
func isFormEndMarker(t string) bool {
	rest, ok := afterMarkerDashes(t)
	if !ok {
		return false
	}
	n := prefixFoldLen(rest, "slut")
	if n < 0 {
		return false
	}
	for n < len(rest) && isReSpace(rest[n]) {
		n++
	}
	for n < len(rest) && rest[n] == '-' {
		n++
	}
	return n == len(rest)
}

// isFormListItem is listItemRe.MatchString(t): a number of one or two
// digits, spaces, then ".", ")" or ":"; or a bullet.
func isFormListItem(t string) bool {
	if t == "" {
		return false
	}
	c := t[0]
	if c == '-' || c == '*' {
		return true
	}
	if c >= utf8.RuneSelf {
		return bulletLen(t) > 0
	}
	if c < '0' || c > '9' {
		return false
	}
	i := 1
	if i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	for i < len(t) && isReSpace(t[i]) {
		i++
	}
	return i < len(t) && (t[i] == '.' || t[i] == ')' || t[i] == ':')
}

// stripFormListItem is listItemRe.ReplaceAllString(t, ""): t without its
// list number or bullet and the spaces after it.
func stripFormListItem(t string) string {
	if !isFormListItem(t) {
		return t
	}
	i := 1
	if c := t[0]; c >= utf8.RuneSelf {
		i = bulletLen(t)
	} else if c >= '0' && c <= '9' {
		if t[i] >= '0' && t[i] <= '9' {
			i++
		}
		for isReSpace(t[i]) {
			i++
		}
		i++ // the ".", ")" or ":" isFormListItem saw
	}
	for i < len(t) && isReSpace(t[i]) {
		i++
	}
	return t[i:]
}

// maybeSalutation is isSalutation for a cleaned line, by a scan: the
// line starts with one of salutationRe's greetings (under (?i)'s
// folding) and no word character follows it. The optional "." of "mvh."
// and "vh." never decides (without it the greeting ends before a "."),
// nor does the punctuation after \b.
func maybeSalutation(t string) bool {
	if t == "" || t[0] < utf8.RuneSelf && strings.IndexByte(salutationStarts, t[0]) < 0 {
		return false
	}
	gs := greetings
	if t[0] < utf8.RuneSelf {
		gs = greetingsBy[t[0]|0x20]
	}
	for _, g := range gs {
		if asciiPairMiss(t, g) {
			continue
		}
		if n := prefixFoldLen(t, g); n >= 0 && (n == len(t) || !isWordByte(t[n])) {
			return true
		}
	}
	return false
}

// greetings are the greetings of salutationRe, and greetingsBy those
// that start with each lower-case ASCII letter (by the letter's byte
// with 0x20 set).
var greetings = []string{"med venlig hilsen", "venlig hilsen", "de bedste hilsner", "bedste hilsner", "bedste hilsen",
	"mange hilsner", "hilsen", "mvh", "vh", "kind regards", "best regards", "regards"}

var greetingsBy = func() (by [128][]string) {
	for _, g := range greetings {
		by[g[0]] = append(by[g[0]], g)
	}
	return by
}()

// labelOf is the label labelRes[i]'s match m reads.
func labelOf(i int, m []string) label {
	answer := strings.TrimLeft(cleanLine(m[3]), ":-–= \t")
	return label{
		field:  labelPatterns[i].field,
		strong: m[2] == ":" || m[2] == "\t" || strings.TrimSpace(m[1]) != "",
		answer: cleanLine(answer),
	}
}
