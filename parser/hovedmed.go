// HovedMED's approval read by its phrases in one pass over the folded
// words of the answer, instead of a substring search per phrase.

package parser

import "strings"

// The kinds of phrase readHovedMED looks for, as bits.
const (
	phraseJaNej    = 1 << iota // "ja nej": the hint copied
	phraseNej                  // "nej": no, but not in prose
	phraseNo                   // the other refusals
	phraseFormYes              // formApprovals
	phraseProseYes             // proseYes
)

// hovedMEDPhrase is a phrase's words after its first, and its kinds.
type hovedMEDPhrase struct {
	rest  []string
	kinds int
}

// hovedMEDPhrases maps each phrase's first word to the phrases.
var hovedMEDPhrases = func() map[string][]hovedMEDPhrase {
	m := map[string][]hovedMEDPhrase{}
	add := func(kind int, phrases ...string) {
		for _, p := range phrases {
			words := strings.Fields(p)
			m[words[0]] = append(m[words[0]], hovedMEDPhrase{words[1:], kind})
		}
	}
	add(phraseJaNej, " ja nej ")
	add(phraseNej, " nej ")
	add(phraseNo, hovedMEDNo...)
	add(phraseFormYes, formApprovals...)
	add(phraseProseYes, proseYes...)
	return m
}()

// hovedMEDPhrasesIn returns the kinds of the phrases that stand in w,
// folded words joined by single spaces: a phrase stands there when its
// words are consecutive words of w (strings.Contains(" "+w+" ", " "+
// phrase+" ")).
func hovedMEDPhrasesIn(w []byte) int {
	var spans [64][2]int
	words := spans[:0]
	for i := 0; i < len(w); {
		j := i
		for j < len(w) && w[j] != ' ' {
			j++
		}
		words = append(words, [2]int{i, j})
		i = j + 1
	}
	found := 0
	for k, sp := range words {
		for _, p := range hovedMEDPhrases[string(w[sp[0]:sp[1]])] {
			if k+len(p.rest) >= len(words) {
				continue
			}
			ok := true
			for r, want := range p.rest {
				next := words[k+1+r]
				if string(w[next[0]:next[1]]) != want {
					ok = false
					break
				}
			}
			if ok {
				found |= p.kinds
			}
		}
	}
	return found
}
