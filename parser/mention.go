package parser

import (
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
	var toks []token
	start := -1
	for i := 0; i < len(s); {
		c, n := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, n = utf8.DecodeRuneInString(s[i:])
		}
		var word bool
		if c < utf8.RuneSelf {
			word = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		} else {
			word = unicode.IsLetter(c) || unicode.IsDigit(c)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			toks = append(toks, token{orig: s[start:i]})
			start = -1
		}
		i += n
	}
	if start >= 0 {
		toks = append(toks, token{orig: s[start:]})
	}
	return toks
}

// findMentionIn is find(text, true) on the words of text from wordSpans.
func (d *Directory) findMentionIn(toks []token) (Kommune, bool) {
	folded := func(j int) string {
		if toks[j].folded == "" {
			toks[j].folded = fold(toks[j].orig)
		}
		return toks[j].folded
	}
	// kommuneWord reports whether word j folds to one of words; every
	// kommune word holds "ommun", which only ASCII letters fold to.
	kommuneWord := func(j int, words ...string) bool {
		if !containsFold(toks[j].orig, "ommun") {
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
	for i := range toks {
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
