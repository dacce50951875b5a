package parser

import "strings"

// sideVocabulary is THE list of words that tell a participant's side
// (docs/DESIGN.md, "Side vocabulary"). Keep every side word here and nowhere else.
//
// explicit entries are the words "ledelse"/"medarbejder" themselves and
// their forms; they win over titles. The other entries are titles: a word
// entry matches a whole word, a suffix entry the end of a word (Danish
// compounds: "sundhedschef", "skoleleder", "kommunaldirektør"), a phrase
// entry a run of whole words.
var sideVocabulary = []sideWord{
	// Explicit side words.
	{"ledelse", SideLedelse, matchWord, true},
	{"ledelsen", SideLedelse, matchWord, true},
	{"ledelsessiden", SideLedelse, matchWord, true},
	{"ledelsesside", SideLedelse, matchWord, true},
	{"ledelsesrepræsentant", SideLedelse, matchWord, true},
	{"medarbejder", SideMedarbejder, matchWord, true},
	{"medarbejdersiden", SideMedarbejder, matchWord, true},
	{"medarbejderside", SideMedarbejder, matchWord, true},

	// Titles, ledelse.
	{"formand for hovedmed", SideLedelse, matchPhrase, false},
	{"leder", SideLedelse, matchSuffix, false}, // afdelingsleder, skoleleder
	{"chef", SideLedelse, matchSuffix, false},  // HR-chef, centerchef
	{"direktør", SideLedelse, matchSuffix, false},
	{"hr-chef", SideLedelse, matchWord, false},
	{"centerchef", SideLedelse, matchWord, false},
	{"afdelingsleder", SideLedelse, matchWord, false},

	// Titles, medarbejder.
	{"næstformand i hovedmed", SideMedarbejder, matchPhrase, false},
	{"medarbejderrepræsentant", SideMedarbejder, matchWord, false},
	{"tr", SideMedarbejder, matchWord, false},
	{"tillidsrepræsentant", SideMedarbejder, matchSuffix, false}, // fællestillidsrepræsentant
	{"ftr", SideMedarbejder, matchWord, false},
	{"amir", SideMedarbejder, matchWord, false},
	{"amr", SideMedarbejder, matchWord, false},
	{"arbejdsmiljørepræsentant", SideMedarbejder, matchWord, false},
}

// How a sideWord is matched against a title.
const (
	matchWord = iota
	matchSuffix
	matchPhrase
)

// sideWord is one entry of sideVocabulary.
type sideWord struct {
	text     string
	side     string
	how      int
	explicit bool
}

// sideOf returns the side the text says: an explicit side word wins over
// titles; no match, or titles of both sides, is "" (unknown: ask).
func sideOf(text string) string {
	if s := matchSide(text, true); s != "" {
		return s
	}
	return matchSide(text, false)
}

// matchSide matches the explicit or the title entries of the vocabulary.
// Words are split at spaces and punctuation but not hyphens, so that
// "HR-chef" is one word and "HR-medarbejder" is not the side word.
func matchSide(text string, explicit bool) string {
	words := sideWords(text)
	joined := " " + strings.Join(words, " ") + " "
	found := ""
	for _, w := range sideVocabulary {
		if w.explicit != explicit || !w.matches(words, joined) {
			continue
		}
		if found != "" && found != w.side {
			return "" // both sides named: a person must decide
		}
		found = w.side
	}
	return found
}

// matches reports whether the entry occurs in the words.
func (w sideWord) matches(words []string, joined string) bool {
	key := fold(w.text)
	switch w.how {
	case matchPhrase:
		return strings.Contains(joined, " "+key+" ")
	case matchSuffix:
		for _, word := range words {
			if strings.HasSuffix(word, key) {
				return true
			}
		}
		return false
	default:
		return strings.Contains(joined, " "+key+" ")
	}
}

// sideWords folds text and splits it into words, keeping hyphens inside
// words.
func sideWords(text string) []string {
	return strings.FieldsFunc(fold(text), func(r rune) bool {
		return !(r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
}

// SideOf returns the side a title or phrase tells ("kommunaldirektør" →
// ledelse, "TR for medarbejderne" → medarbejder), by the one vocabulary;
// "" when it tells none or both. The rules use it for a participant named
// outside the form (an amendment's replacement).
func SideOf(text string) string { return sideOf(text) }
