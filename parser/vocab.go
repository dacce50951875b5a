package parser

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
	{"ledelsesrepræsentanter", SideLedelse, matchWord, true},
	{"ledersiden", SideLedelse, matchWord, true},
	{"arbejdsgiversiden", SideLedelse, matchWord, true},
	{"medarbejder", SideMedarbejder, matchWord, true},
	{"medarbejdere", SideMedarbejder, matchWord, true},
	{"medarbejderne", SideMedarbejder, matchWord, true},
	{"medarbejdersiden", SideMedarbejder, matchWord, true},
	{"medarbejderside", SideMedarbejder, matchWord, true},
	{"medarbejderrepræsentanter", SideMedarbejder, matchWord, true},
	// English, as the odd English-writing HR department puts it.
	{"management", SideLedelse, matchWord, true},
	{"employees", SideMedarbejder, matchWord, true},
	{"staff", SideMedarbejder, matchWord, true},

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
	{"union representative", SideMedarbejder, matchPhrase, false},
	{"shop steward", SideMedarbejder, matchPhrase, false},
	{"employee representative", SideMedarbejder, matchPhrase, false},
	{"director", SideLedelse, matchSuffix, false},
	{"manager", SideLedelse, matchSuffix, false},
	{"head of", SideLedelse, matchPhrase, false},
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
	var buf [256]byte
	f := appendFold(buf[:0], text) // folded once for both readings
	if mayHoldExplicitFoldedBytes(f) {
		if s := explicitSideOf(text); s != "" {
			return s
		}
	}
	return titleSideFolded(text, f)
}

// titleHeads are explicit side words that also end a job title:
// "administrativ medarbejder" is a job, "medarbejder" alone a side.
var titleHeads = map[string]bool{"medarbejder": true, "medarbejdere": true, "ledelse": true, "employees": true, "staff": true}

// cueLeads are the words that may stand before a side word without
// making it part of a title ("for ledelsen", "fra medarbejdersiden").
var cueLeads = map[string]bool{
	"for": true, "fra": true, "som": true, "paa": true, "i": true, "af": true,
	"repraesenterer": true, "repraesentant": true, "side": true, "og": true,
	"deltager": true, "deltagende": true, "er": true, "til": true, "the": true,
	"on": true, "of": true, "from": true,
}

// explicitSide returns the side an explicit side word in text states, or
// "" when there is none or both sides are stated. Text is read in
// segments (between punctuation and addresses); a word such as
// "medarbejder" that ends a longer title in its segment ("administrativ
// medarbejder", "chef for 200 medarbejdere") is the title, not the side.
func explicitSide(text string) string {
	if !mayHoldExplicitWord(text) {
		return "" // the usual case, decided without splitting text
	}
	return explicitSideOf(text)
}

// explicitSideOf is explicitSide for a text that may hold an explicit
// side word: its words are read in one pass, each with the one before
// it in its segment (explicitSideRef splits the segments first).
func explicitSideOf(text string) string {
	if strings.IndexByte(text, '@') >= 0 {
		text = replaceEmails(text, ",")
	}
	found := ""
	prev := "" // the word before, as written
	i := 0     // the word's index in its segment
	var buf [64]byte
	for pos := 0; ; i++ {
		start, end, cue := nextWord(text, pos)
		if start < 0 {
			return found
		}
		if cue {
			i = 0
		}
		w := text[start:end]
		pos = end
		if !mayFoldToExplicit(w) {
			prev = w
			continue
		}
		folded := appendFold(buf[:0], w) // looked up, not kept
		side := explicitWords[string(folded)]
		if side != "" && !(titleHeads[string(folded)] && i > 0 && titleQualifies(token{prev, fold(prev)}, i-1 == 0)) {
			if found != "" && found != side {
				return ""
			}
			found = side
		}
		prev = w
	}
}

// explicitWords maps the folded explicit entries of sideVocabulary to
// their side.
var explicitWords = func() map[string]string {
	m := map[string]string{}
	for _, w := range sideVocabulary {
		if w.explicit {
			m[fold(w.text)] = w.side
		}
	}
	return m
}()

// explicitWord returns the side an explicit vocabulary word names.
func explicitWord(folded string) string { return explicitWords[folded] }

// isTitleQualifier reports whether toks[i] makes the side word after it
// part of a title: any word but a cue lead or a name ("Bo Jensen
// medarbejder"; a capitalised first word of the segment is the title's:
// "Administrativ medarbejder").
func isTitleQualifier(toks []token, i int) bool {
	return titleQualifies(toks[i], i == 0)
}

// titleQualifies is isTitleQualifier for word t, first in its segment
// or not.
func titleQualifies(t token, first bool) bool {
	if cueLeads[t.folded] {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t.orig)
	capital := t.orig != "" && unicode.IsUpper(r)
	return !capital || first
}

// isCueBoundary separates the segments explicitSide reads.
func isCueBoundary(r rune) bool {
	return strings.ContainsRune(cueBoundaries, r)
}

// cueBoundaries are the runes isCueBoundary separates at.
const cueBoundaries = ",;()[]/|:\t\n<>"

// sideFillers may accompany a side word in a field that only states the
// side ("for ledelsen", "ledelse side", "repr. for medarbejderne").
var sideFillers = map[string]bool{
	"for": true, "fra": true, "side": true, "siden": true, "repraesentant": true,
	"repr": true, "paa": true, "som": true, "i": true, "rep": true, "x": true,
	"the": true, "on": true, "of": true, "representing": true, "repraesenterer": true,
	"deltager": true, "deltagere": true, "deltagerne": true, "repraesentanter": true,
}

// isSideOnly reports whether field only states a side ("Ledelse", "for
// medarbejdersiden"), so that it is not taken for a title.
func isSideOnly(field string) bool {
	if !mayHoldExplicitWord(field) {
		return false
	}
	cue := false
	for pos := 0; ; {
		start, end, _ := nextWord(field, pos)
		if start < 0 {
			return cue
		}
		pos = end
		var buf [64]byte
		switch w := appendFold(buf[:0], field[start:end]); {
		case explicitWords[string(w)] != "":
			cue = true
		case !sideFillers[string(w)]:
			return false
		}
	}
}

// titleSide returns the side the titles in text imply (the vocabulary's
// title entries; explicitSide reads the explicit ones). Words are split
// at spaces and punctuation but not hyphens, so that "HR-chef" is one
// word and "HR-medarbejder" is not the side word.
func titleSide(text string) string {
	return titleSideScan(text)
}

// titleSideRef is titleSide as the vocabulary defines it, entry by entry
// (TestSideScansAgree compares titleSideScan with it).
func titleSideRef(text string) string {
	words := sideWords(text)
	joined := " " + strings.Join(words, " ") + " "
	found := ""
	for i, w := range sideVocabulary {
		if w.explicit || !w.matches(sideKeys[i], words, joined) {
			continue
		}
		if found != "" && found != w.side {
			return "" // both sides named: a person must decide
		}
		found = w.side
	}
	return found
}

// sideKeys are the folded texts of sideVocabulary, by index.
var sideKeys = func() []string {
	keys := make([]string, len(sideVocabulary))
	for i, w := range sideVocabulary {
		keys[i] = fold(w.text)
	}
	return keys
}()

// matches reports whether the entry, folded to key, occurs in the words.
func (w sideWord) matches(key string, words []string, joined string) bool {
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
