package rules

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// Amendments a reply can make besides adding participants (which merge
// does): removing a participant ("X kan ikke deltage", "fjern X") and
// replacing one ("udskift X med Y", "Y erstatter X").
var (
	// removeBefore matches a removal phrase before the name.
	removeBefore = regexp.MustCompile(`(?i)(?:fjern(?:e|er)?|slet(?:te|ter)?|afmeld(?:e|er)?|framelde?r?)\s+(?:venligst\s+)?(?:deltager(?:en)?\s+)?$`)
	// removeAfter matches a removal phrase after the name.
	removeAfter = regexp.MustCompile(`(?i)^\s*(?:\([^)]*\)\s*)?(?:kan\s+(?:alligevel\s+|desværre\s+)*ikke\s+(?:længere\s+)?deltage|deltager\s+(?:alligevel\s+)?ikke|skal\s+ikke\s+(?:længere\s+)?deltage|udgår|melder\s+(?:desværre\s+)?afbud|har\s+(?:desværre\s+)?(?:fået\s+)?forfald|er\s+stoppet|er\s+fratrådt)`)
	// replaceWith matches "udskift X med Y": the name comes before " med".
	replaceBefore = regexp.MustCompile(`(?i)(?:udskift(?:e|er)?|erstat(?:te|ter)?)\s+(?:venligst\s+)?(?:deltager(?:en)?\s+)?$`)
	replaceAfter  = regexp.MustCompile(`(?i)^\s*(?:\([^)]*\)\s*)?(?:med|af)\s+([^;\n]+?)(?:\.\s|\.$|[;\n]|$)`)
	// sentenceEnd ends a sentence, but not the dot inside an address.
	sentenceEnd = regexp.MustCompile(`[.!?:](?:\s|$)|\n`)
	// trailingVerb is the verb between the new person and "i stedet for".
	trailingVerb = regexp.MustCompile(`(?i)\s+(?:deltager|kommer|skal\s+deltage)\s*$`)
	// insteadOf matches "Y erstatter X", "Y i stedet for X", "Y deltager i stedet for X".
	insteadOf = regexp.MustCompile(`(?i)(?:erstatter|i\s+stedet\s+for)\s+$`)
)

// amendment is one participant removed, and possibly who takes the place.
type amendment struct {
	removed     int                 // index in the tilmelding's participants
	replacement *parser.Participant // nil for a plain removal
}

// readAmendments finds, in the new text of a reply, which of the current
// participants are removed or replaced. A participant is named by full
// name or e-mail address; a first name alone is too ambiguous to act on.
func readAmendments(text string, current []parser.Participant) []amendment {
	var out []amendment
	for i, p := range current {
		for _, name := range namesOf(p) {
			if a, ok := amendmentFor(text, name, i); ok {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func namesOf(p parser.Participant) []string {
	var out []string
	if n := strings.TrimSpace(p.Name); len(strings.Fields(n)) >= 2 {
		out = append(out, n)
	}
	if p.Email != "" {
		out = append(out, p.Email)
	}
	return out
}

// amendmentFor looks at every place name occurs in text.
func amendmentFor(text, name string, index int) (amendment, bool) {
	lower, lname := strings.ToLower(text), strings.ToLower(name)
	for from := 0; ; {
		at := strings.Index(lower[from:], lname)
		if at < 0 {
			return amendment{}, false
		}
		at += from
		before, after := text[:at], text[at+len(name):]
		switch {
		case replaceBefore.MatchString(before):
			if m := replaceAfter.FindStringSubmatch(after); m != nil {
				return amendment{removed: index, replacement: participantFrom(m[1])}, true
			}
			return amendment{removed: index}, true
		case removeBefore.MatchString(before) || removeAfter.MatchString(after):
			return amendment{removed: index}, true
		case insteadOf.MatchString(before):
			if y := nameBefore(before); y != "" {
				return amendment{removed: index, replacement: participantFrom(y)}, true
			}
			return amendment{removed: index}, true
		}
		from = at + len(lname)
	}
}

// nameBefore returns the words of the sentence before "erstatter"/"i
// stedet for", e.g. "Gitte Berg (gitte@vejle.dk) deltager" → "Gitte Berg (gitte@vejle.dk)".
func nameBefore(before string) string {
	s := insteadOf.ReplaceAllString(before, "")
	if ends := sentenceEnd.FindAllStringIndex(s, -1); len(ends) > 0 {
		s = s[ends[len(ends)-1][1]:]
	}
	s = trailingVerb.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// participantFrom reads "Gitte Berg, gitte@vejle.dk" or "Gitte Berg
// (gitte@vejle.dk), kommunaldirektør" into a participant. A title written
// after the name or address is the new person's, and so is the side it
// tells; only what the reply leaves out is inherited from the person
// replaced (applyAmendments).
func participantFrom(s string) *parser.Participant {
	s = strings.TrimSpace(s)
	p := &parser.Participant{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' || r == '<' || r == '>' }) {
		if a, err := mail.ParseAddress(f); err == nil && strings.Contains(f, "@") {
			p.Email = a.Address
			break
		}
	}
	name, rest := s, ""
	if i := strings.IndexAny(name, ",(<"); i >= 0 {
		name, rest = name[:i], name[i:]
	}
	if p.Email != "" {
		name = strings.ReplaceAll(name, p.Email, "")
		rest = strings.ReplaceAll(rest, p.Email, "")
	}
	p.Name = strings.TrimSpace(name)
	p.Title = titleAfter(rest)
	p.Side = parser.SideOf(p.Title)
	if p.Name == "" && p.Email == "" {
		return nil
	}
	return p
}

// titleAfter is what follows a replacement's name and address: "(…),
// kommunaldirektør" or ", som HR-chef" → the title; "" when nothing is
// left once the address's brackets and separators are gone.
func titleAfter(rest string) string {
	t := strings.TrimSpace(strings.NewReplacer("()", "", "<>", "", "( )", "", "< >", "").Replace(rest))
	t = strings.TrimSpace(strings.TrimLeft(t, " ,;:–-()<>"))
	if strings.HasSuffix(t, ")") && !strings.Contains(t, "(") {
		t = strings.TrimSpace(strings.TrimSuffix(t, ")"))
	}
	if low := strings.ToLower(t); strings.HasPrefix(low, "som ") {
		t = strings.TrimSpace(t[len("som "):])
	}
	return strings.TrimRight(t, " .,;")
}

// applyAmendments removes and replaces participants of t as the reply
// says, before merge adds what the reply lists. It returns a description
// for the history, or "" when nothing changed.
func applyAmendments(ps []parser.Participant, listed []parser.Participant, amends []amendment) ([]parser.Participant, []string) {
	if len(amends) == 0 {
		return ps, nil
	}
	removed := map[int]bool{}
	var notes []string
	var added []parser.Participant
	for _, a := range amends {
		old := ps[a.removed]
		removed[a.removed] = true
		if a.replacement == nil {
			notes = append(notes, old.Name+" fjernet")
			continue
		}
		nw := *a.replacement
		if i := indexOfParticipant(listed, nw); i >= 0 {
			nw = mergeParticipant(nw, listed[i])
		}
		if nw.Side == "" {
			nw.Side = old.Side
		}
		if nw.Title == "" {
			nw.Title = old.Title
		}
		added = append(added, nw)
		notes = append(notes, old.Name+" udskiftet med "+nw.Name)
	}
	out := make([]parser.Participant, 0, len(ps))
	for i, p := range ps {
		if !removed[i] {
			out = append(out, p)
		}
	}
	return append(out, added...), notes
}
