package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Finding "<name> Kommune" in free text (Directory.findMention) looks at
// every word of a signature or a whole prose text, but a match needs a
// kommune word at its end or right after it. findMentionIn folds only the
// words it must and looks phrases up only where such a word is; it reads
// what find(text, true) reads (TestFindMentionAgrees).

// wordSpans returns the words of s as tokenize splits them, unfolded.
func wordSpans(s string) []token {
	w := wordReader{s: s}
	w.fill(len(s) + 1)
	return w.toks
}

// wordReader splits s into words as tokenize does, unfolded, as far as
// they are asked for.
type wordReader struct {
	s    string
	pos  int
	toks []token
}

// fill reads words until there are n, or s ends.
func (w *wordReader) fill(n int) {
	s, start := w.s, -1
	for len(w.toks) < n && w.pos < len(s) {
		i := w.pos
		c, size := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordRune(c) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			w.toks = append(w.toks, token{orig: s[start:i]})
			start = -1
		}
		w.pos += size
	}
	if start >= 0 { // s ended in a word
		w.toks = append(w.toks, token{orig: s[start:]})
	}
}

// isWordRune is tokenize's test for a rune of a word.
func isWordRune(c rune) bool {
	if c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	return unicode.IsLetter(c) || unicode.IsDigit(c)
}

// wordsBack returns the start of the n-th word before the word at or
// around byte i of s (the start of that word itself for n = 0), or 0.
func wordsBack(s string, i, n int) int {
	back := func(word bool) {
		for i > 0 {
			c, size := utf8.DecodeLastRuneInString(s[:i])
			if isWordRune(c) != word {
				return
			}
			i -= size
		}
	}
	back(true)
	for range n {
		back(false)
		back(true)
	}
	return i
}

// mentionWords returns the words of text from where a kommune mention may
// start: maxWords words before the first word with "ommun" (a kommune
// word holds it, and a mention ends at or right before one), as a
// wordReader to read on from.
func (d *Directory) mentionWords(text string) *wordReader {
	at := indexFoldASCII(text, "ommun")
	if at < 0 {
		return &wordReader{s: ""}
	}
	return &wordReader{s: text[wordsBack(text, at, d.maxWords):]}
}

// indexFoldASCII is the index of the first place containsFold(s, sub) finds.
func indexFoldASCII(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0]|0x20 && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// findMentionIn is find(text, true) on the words w reads of text.
func (d *Directory) findMentionIn(w *wordReader) (Kommune, bool) {
	folded := func(j int) string {
		toks := w.toks
		if toks[j].folded == "" {
			toks[j].folded = fold(toks[j].orig)
		}
		return toks[j].folded
	}
	// kommuneWord reports whether word j folds to one of words; every
	// kommune word holds "ommun", which only ASCII letters fold to.
	kommuneWord := func(j int, words ...string) bool {
		if !containsFold(w.toks[j].orig, "ommun") {
			return false
		}
		f := folded(j)
		for _, w := range words {
			if f == w {
				return true
			}
		}
		return false
	}
	var key []byte
	for i := 0; ; i++ {
		w.fill(i + d.maxWords + 1) // the words a phrase at i reads
		toks := w.toks
		if i >= len(toks) {
			break
		}
		for n := min(d.maxWords, len(toks)-i); n >= 1; n-- {
			last, next := i+n-1, i+n
			// matchAt's kommune word: the phrase's last word, or the next.
			if !kommuneWord(last, "kommune", "regionskommune", "kommunes") &&
				!(next < len(toks) && kommuneWord(next, "kommune", "kommunes", "kommunen")) {
				continue
			}
			key = key[:0]
			for j := i; j <= last; j++ {
				if j > i {
					key = append(key, ' ')
				}
				key = append(key, folded(j)...)
			}
			e, ok := d.byPhrase[string(key)]
			if !ok {
				continue
			}
			if next < len(toks) {
				folded(next)
			}
			if k, ok := d.matchAt(toks, i, n, e, true); ok {
				return k, true
			}
		}
	}
	return Kommune{}, false
}
