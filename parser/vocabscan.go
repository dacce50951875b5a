// The side vocabulary read in one pass over a text's words: the readers
// ask for the side of every field, title and capitalised word, so the
// entry-by-entry reading of vocab.go was a large part of their cost.
// Both are built from sideVocabulary (TestSideScansAgree compares them).

package parser

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// titleScan is sideVocabulary's title entries arranged for titleSideScan.
var titleScan = func() (ts struct {
	words    map[string]string // whole-word entries → side
	suffixes []sideWord        // suffix entries, text folded
	phrases  []titlePhrase
	exact    bool // every key is made of word characters (and spaces)
}) {
	ts.words = map[string]string{}
	ts.exact = true
	for i, w := range sideVocabulary {
		if w.explicit {
			continue
		}
		key := sideKeys[i]
		words := strings.Split(key, " ")
		for _, k := range words {
			if k == "" || len(sideWords(k)) != 1 || sideWords(k)[0] != k {
				ts.exact = false
			}
		}
		switch {
		case w.how == matchSuffix:
			ts.suffixes = append(ts.suffixes, sideWord{text: key, side: w.side})
		case len(words) == 1:
			if old, dup := ts.words[key]; dup && old != w.side {
				ts.exact = false
			}
			ts.words[key] = w.side
		default:
			ts.phrases = append(ts.phrases, titlePhrase{words, w.side})
		}
	}
	for _, p := range ts.phrases {
		if len(p.words) > 3 {
			ts.exact = false // titleSideScan keeps two words back
		}
	}
	return ts
}()

// titlePhrase is a phrase entry of the vocabulary, split into its words.
type titlePhrase struct {
	words []string
	side  string
}

// titleSideScan is titleSide in one pass over the folded words of text:
// the side of the title entries that match, "" for none or both.
func titleSideScan(text string) string {
	if !titleScan.exact {
		return titleSideRef(text)
	}
	var buf [128]byte
	return titleSideFolded(text, appendFold(buf[:0], text))
}

// titleSideFolded is titleSideScan for text folded to f.
func titleSideFolded(text string, f []byte) string {
	if !titleScan.exact {
		return titleSideRef(text)
	}
	found, both := "", false
	note := func(side string) {
		if found == "" {
			found = side
		} else if found != side {
			both = true
		}
	}
	var prev1, prev2 []byte // the two words before the current one
	for i := 0; i < len(f); {
		if !isSideWordByte(f[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(f) && isSideWordByte(f[j]) {
			j++
		}
		w := f[i:j]
		i = j
		if side, ok := titleScan.words[string(w)]; ok {
			note(side)
		}
		for _, s := range titleScan.suffixes {
			if len(w) >= len(s.text) && string(w[len(w)-len(s.text):]) == s.text {
				note(s.side)
			}
		}
		for _, p := range titleScan.phrases {
			n := len(p.words)
			if p.words[n-1] == string(w) && (n < 2 || p.words[n-2] == string(prev1)) && (n < 3 || p.words[n-3] == string(prev2)) {
				note(p.side)
			}
		}
		prev2, prev1 = prev1, w
	}
	if both {
		return ""
	}
	return found
}

// isSideWordByte reports whether byte c of folded text belongs to a word
// of sideWords: a letter, digit or hyphen, or any byte of a rune beyond
// ASCII (an invalid byte decodes to U+FFFD, beyond ASCII too).
func isSideWordByte(c byte) bool {
	return c == '-' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= 0x80
}

// explicitAnchorStrings are short pieces of the folded explicit entries of
// the vocabulary: every explicit entry holds one of them (entries that
// hold none of the chosen ones are anchors themselves), so that a text
// whose folded form holds none states no side.
var explicitAnchorStrings = func() []string {
	anchors := []string{"lede", "arbejd", "manag", "employ", "staff"}
	for k := range explicitWords {
		held := false
		for _, a := range anchors {
			held = held || strings.Contains(k, a)
		}
		if !held {
			anchors = append(anchors, k)
		}
	}
	return anchors
}()

// explicitAnchors are explicitAnchorStrings as bytes.
var explicitAnchors = func() [][]byte {
	out := make([][]byte, len(explicitAnchorStrings))
	for i, a := range explicitAnchorStrings {
		out[i] = []byte(a)
	}
	return out
}()

// mayHoldExplicitWord reports whether text may hold an explicit side word
// ("ledelsen", "medarbejdersiden"): a word of text folded to one holds a
// stem in the folded text. A text without one states no side, so the
// readers need not split it into tokens.
func mayHoldExplicitWord(text string) bool {
	var buf [256]byte
	return mayHoldExplicitFoldedBytes(appendFold(buf[:0], text))
}

// mayHoldExplicitFoldedBytes is mayHoldExplicitFolded for a buffer.
func mayHoldExplicitFoldedBytes(f []byte) bool {
	for _, a := range explicitAnchors {
		if bytes.Contains(f, a) {
			return true
		}
	}
	return false
}

// nextWord returns where the next word of s from pos starts and ends (a
// run of letters and digits, as tokenize splits), and whether a cue
// boundary (isCueBoundary) lies before it; start is -1 when there is
// none.
func nextWord(s string, pos int) (start, end int, cue bool) {
	start = -1
	for i := pos; i < len(s); {
		var word, isCue bool
		n := 1
		if c := s[i]; c < utf8.RuneSelf {
			word, isCue = isAlnumASCII(c), asciiCues[c]
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			word = unicode.IsLetter(r) || unicode.IsDigit(r) // no cue boundary is beyond ASCII
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			return start, i, cue
		case !word && isCue:
			cue = true
		}
		i += n
	}
	return start, len(s), cue
}

// asciiCues are the runes isCueBoundary separates at, all ASCII.
var asciiCues = func() (set [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		set[c] = isCueBoundary(rune(c))
	}
	return set // TestCueBoundariesAreASCII: nextWord looks no further
}()

// appendFold appends fold(s) to dst: ASCII byte by byte, the rest as
// foldRunes spells it (TestPrefiltersAgree compares them), so that a
// caller can fold into a buffer of its own.
func appendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return appendFoldRunes(dst, s[i:])
		}
		dst = append(dst, lowerASCII(c))
	}
	return dst
}

// appendFoldRunes is foldRunes appending to dst.
func appendFoldRunes(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, lowerASCII(c)) // unicode.ToLower in ASCII
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r = unicode.ToLower(r); r {
		case 'æ', 'ä':
			dst = append(dst, "ae"...)
		case 'ø', 'ö':
			dst = append(dst, "oe"...)
		case 'å':
			dst = append(dst, "aa"...)
		case 'ü':
			dst = append(dst, "ue"...)
		case 'é', 'è':
			dst = append(dst, 'e')
		case 'á':
			dst = append(dst, 'a')
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// appendFoldedWords appends foldedWords(s) to dst: the folded words of
// s (as tokenize splits them) joined by single spaces.
func appendFoldedWords(dst []byte, s string) []byte {
	first := true
	for pos := 0; ; {
		start, end, _ := nextWord(s, pos)
		if start < 0 {
			return dst
		}
		if !first {
			dst = append(dst, ' ')
		}
		first = false
		dst = appendFold(dst, s[start:end])
		pos = end
	}
}

// explicitFirsts are the first bytes of the folded explicit entries.
var explicitFirsts = func() (set [256]bool) {
	for k := range explicitWords {
		set[k[0]] = true
	}
	return set
}()

// mayFoldToExplicit reports whether word w may fold to an explicit entry:
// a word starting with an ASCII byte keeps it, lower-cased, first.
func mayFoldToExplicit(w string) bool {
	return w[0] >= utf8.RuneSelf || explicitFirsts[lowerASCII(w[0])]
}
