// People named by title and name in a sentence about taking part, without
// an address: participants whose address the bot asks for.

package parser

import (
	"regexp"
	"strings"
)

// namedInProse reads the people a sentence about taking part names by
// title and name without an address ("Vi deltager med HR-chef Anne
// Hansen og FTR Bo Jensen"): participants whose address is missing, so
// the kommune is asked for it. Someone who will not come, the contact
// person and a person already read (by name) are left out.
func namedInProse(stated []string, known []Participant) []Participant {
	var out []Participant
	for _, s := range stated {
		if !namesPart(s) || !containsFold(s, "de") && !containsAnyFold(s, "kommer", "tilmeld", "attend", "partic", "take part") {
			continue
		}
		for _, cl := range clauses(s) {
			// The person first, then whether the clause rules her out:
			// few clauses name one.
			p, ok := titledName(cl)
			if !ok || hasName(known, p.Name) || hasName(out, p.Name) {
				continue
			}
			if isExcluded(cl) || isReplaced(cl) || notPartSubs.mayMatch(cl) && notPartRe.MatchString(cl) {
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

var (
	// namedPartRe matches the verbs of a sentence that names who takes
	// part ("deltager", not "deltagelsen", which HovedMED approves).
	namedPartRe = regexp.MustCompile(`(?i)\b(deltager|deltage|deltagere|tilmelder|tilmeldes|kommer|attend\w*|participants?|take\s+part)\b`)
	// notPartRe matches a clause about someone who is talked with, not
	// someone who takes part.
	notPartRe = regexp.MustCompile(`(?i)\b(talt|snakket|drøftet|aftalt|spurgt|hørt|godkendt|godkender|besluttet|udpeget|udpeger|udvalgt|vælger)\b`)
)

// clauseSepRe separates the clauses of a sentence that may each name a
// person.
var clauseSepRe = regexp.MustCompile(`,\s+|\s+(?:og|samt|and|men|but)\s+|;\s+`)

// clauses splits a sentence into its clauses.
func clauses(s string) []string {
	return splitClauses(strings.TrimRight(s, ".!"))
}

// splitClauses is clauseSepRe.Split(s, -1) by a scan: the separators are
// ", " and "; " (with all the spaces after them) and a joining word
// between spaces (" og ", " samt ", " and ", " men ", " but ").
func splitClauses(s string) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	beg := 0
	for i := 0; i < len(s); {
		end := clauseSepAt(s, i)
		if end < 0 {
			i++
			continue
		}
		out = append(out, s[beg:i])
		beg, i = end, end
	}
	return append(out, s[beg:])
}

// clauseSepAt returns the end of clauseSepRe's match starting at i, or
// -1.
func clauseSepAt(s string, i int) int {
	spacesFrom := func(j int) int {
		for j < len(s) && isRegexpSpace(s[j]) {
			j++
		}
		return j
	}
	switch c := s[i]; {
	case c == ',' || c == ';':
		if j := spacesFrom(i + 1); j > i+1 {
			return j
		}
	case isRegexpSpace(c):
		j := spacesFrom(i)
		for _, w := range []string{"og", "samt", "and", "men", "but"} {
			if strings.HasPrefix(s[j:], w) {
				if k := spacesFrom(j + len(w)); k > j+len(w) {
					return k
				}
			}
		}
	}
	return -1
}

// titledName reads "HR-chef Anne Hansen (for ledelsen)" in a clause: a
// title of the side vocabulary right before two to four name words.
func titledName(cl string) (Participant, bool) {
	if strings.Contains(cl, "@") {
		return Participant{}, false // an address is read by proseParticipants
	}
	words := strings.Fields(cl)
	for i := 0; i < len(words); i++ {
		first := i // where the title starts
		if i+2 < len(words) && isCommitteeTitle(words[i:i+3]) {
			i += 2 // "næstformand i HovedMED Bo Jensen"
		} else if !isTitleOnly(strings.Trim(words[i], ",;:()")) {
			continue
		}
		n := i + 1
		for n < len(words) && n-i <= 4 && isNameWord(words[n]) {
			n++
		}
		name := strings.Trim(strings.Join(words[i+1:n], " "), ",;:().")
		if !isPersonName(name) {
			continue
		}
		t := first
		for t > 0 && first-t < 2 && isTitleWord(strings.Trim(words[t-1], ",;:()")) {
			t--
		}
		title := strings.Trim(strings.Join(words[t:i+1], " "), ",;:()")
		side := explicitSide(strings.Join(words[n:], " "))
		if side == "" {
			side = explicitSide(strings.Join(words[:t], " "))
		}
		if side == "" {
			side = sideOf(title)
		}
		return Participant{Name: name, Title: title, Side: side}, true
	}
	return Participant{}, false
}

// hasName reports whether one of ps is named name.
func hasName(ps []Participant, name string) bool {
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}
