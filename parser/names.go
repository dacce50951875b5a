// Telling a person's name from her title in prose: which words start a
// name, which are titles, and which are neither.

package parser

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// notNameWords are capitalised words that start sentences, not names.
var notNameWords = map[string]bool{
	"vi": true, "fra": true, "hermed": true, "med": true, "og": true, "det": true,
	"der": true, "den": true, "de": true, "deltagere": true, "deltager": true,
	"kontaktperson": true, "kommune": true, "i": true, "hej": true, "samt": true,
	"it": true, "hr": true, "os": true, "er": true, "kommer": true, "for": true,
	"and": true, "we": true, "our": true, "the": true, "from": true, "jeg": true,
	"undertegnede": true, "desuden": true, "endvidere": true, "ogsaa": true,
	"derudover": true, "herudover": true, "mvh": true, "tlf": true, "mail": true,
	"email": true, "e-mail": true, "navn": true, "stilling": true, "mobil": true,
	"hovedmed": true, "hmu": true, "amr": true,
}

// proseParticipant reads one segment of prose ending in an address.
func proseParticipant(seg string) (Participant, bool) {
	st, e := nextEmail(seg, 0)
	if st < 0 {
		return Participant{}, false
	}
	p := Participant{Email: strings.ToLower(seg[st:e])}
	before := seg[:st]
	var titles []string
	if i := strings.LastIndex(before, "("); i >= 0 && !strings.Contains(before[i:], ")") {
		// "Maria Krogh (HR-chef, mk@x.dk)"
		titles = append(titles, splitFields(before[i+1:])...)
		before = before[:i]
	}
	words := strings.Fields(strings.TrimRight(before, " ,;:<[-–(\t"))
	n := len(words)
	for n > 0 && len(words)-n < 4 && isNameWord(words[n-1]) {
		n--
		if n >= 2 && nameParticles[words[n-1]] && isNameWord(words[n-2]) {
			n-- // "Pieter de Vries"
		}
	}
	p.Name = strings.Trim(strings.Join(words[n:], " "), ",;:")
	t := n
	for t > 0 && n-t < 3 && isTitleWord(strings.Trim(words[t-1], ",;:()")) {
		t--
		if t >= 2 && words[t-1] == "og" && strings.HasSuffix(words[t-2], "-") {
			t -= 2 // "kultur- og fritidschef"
		}
	}
	if t == n && t >= 3 && isCommitteeTitle(words[t-3:t]) {
		t -= 3 // "næstformand i HovedMED"
	}
	if t < n {
		titles = append([]string{strings.Trim(strings.Join(words[t:n], " "), ",;:()")}, titles...)
	}
	var kept []string
	for _, f := range titles {
		if !isSideOnly(f) {
			kept = append(kept, f)
		}
	}
	p.Title = strings.Join(kept, ", ")
	p.Side = sideOf(strings.Join(titles, " , "))
	return p, true
}

// nameParticles are the lower-case words inside names ("de Vries").
var nameParticles = map[string]bool{"de": true, "van": true, "von": true, "der": true, "la": true, "le": true, "du": true, "af": true, "da": true}

// committeeRe matches a title that ends in the committee's name, which
// is capitalised like a name: "næstformand i HovedMED".
var committeeRe = regexp.MustCompile(`(?i)^\S+\s+(?:i|for)\s+(?:hoved-?med|med|hmu|med-udvalget)$`)

// titleStopWords end the title read backwards from a name: "vi
// deltager med administrativ medarbejder Sara Bech" has the title
// "administrativ medarbejder".
var titleStopWords = map[string]bool{
	"med": true, "og": true, "samt": true, "er": true, "deltager": true, "deltage": true,
	"tilmelder": true, "vi": true, "af": true, "fra": true, "for": true, "som": true,
	"i": true, "paa": true, "til": true, "os": true, "at": true, "and": true, "with": true,
	"the": true, "de": true, "den": true, "det": true, "der": true, "kommer": true,
	"bliver": true, "ved": true, "hos": true, "ogsaa": true, "nemlig": true, "vores": true,
	"our": true, "is": true, "are": true, "will": true, "plus": true, "desuden": true,
	"deltagere": true, "tilmeldes": true, "tilmeldt": true, "hedder": true, "her": true,
	"kan": true, "vil": true, "skal": true, "en": true, "et": true, "a": true, "an": true,
	"men": true, "but": true, "eller": true, "or": true, "hvor": true, "which": true,
}

// isTitleWord reports whether w, before a name, belongs to the person's
// title: a word of the side vocabulary, or a lower-case word that is not
// a sentence word.
func isTitleWord(w string) bool {
	var buf [64]byte
	f := appendFold(buf[:0], w) // folded once for the vocabulary and the stop words
	if titleSideFolded(w, f) != "" {
		return true // isTitleOnly(w)
	}
	if len(w) >= 2 && len(w) <= 4 && strings.ToUpper(w) == w && hasLetter(w) && strings.IndexFunc(w, unicode.IsDigit) < 0 {
		return true // an acronym in a title: "HR Director", "IT-chef"
	}
	r, _ := utf8.DecodeRuneInString(w)
	if utf8.RuneCountInString(w) < 3 || !unicode.IsLower(r) || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return false
	}
	return !titleStopWords[string(f)] && strings.IndexAny(w, ".:!?") < 0
}

// isNameWord reports whether w can be part of a person's name: a
// capitalised word that is neither a title, a side word nor a sentence
// word.
func isNameWord(w string) bool {
	if strings.HasSuffix(w, ":") {
		return false // "Participants:" leads a list
	}
	w = strings.Trim(w, ",;:()\"'.")
	if w == "" {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
		return false
	}
	var buf [64]byte
	f := appendFold(buf[:0], w) // folded once for the three look-ups
	if notNameWords[string(f)] || explicitWords[string(f)] != "" {
		return false
	}
	return titleSideFolded(w, f) == "" && strings.IndexFunc(w, unicode.IsDigit) < 0 && !strings.Contains(w, "@")
}
