package parser

import (
	"regexp"
	"strings"
)

// readParticipants parses the form's participant lines or, without them,
// the participants written in the prose of the mail: one per line, in
// lists and pasted tables, under side headings ("Fra ledelsen:"), spread
// over a few lines (name / address / title), or several in a sentence.
// The same person given twice (by address) is one participant.
func readParticipants(f *form, prose, sender string) []Participant {
	out := []Participant{}
	var cols []column
	for _, line := range f.participants {
		if h := headerRow(line); h != nil {
			cols = h
			continue
		}
		if countEmails(line, 2) > 1 && !isColumnLine(line) {
			// several people in one answer: "HR-chef Anne (a@x) og TR Bo (b@x)"
			out = append(out, proseParticipants(line, true, "")...)
			continue
		}
		if p, ok := parseParticipantCols(line, false, cols); ok {
			out = append(out, p)
		}
	}
	if len(out) > 0 || len(f.participants) > 0 {
		return mergeParticipants(out)
	}
	var r proseReader
	for _, line := range regroupLines(strings.Split(prose, "\n"), sender) {
		r.line(line)
	}
	r.flush()
	return mergeParticipants(append(out, r.out...))
}

// proseReader reads participants line by line from the prose of a mail.
type proseReader struct {
	out     []Participant
	cols    []column // the columns of the last table heading
	heading string   // the side of the last side heading, or ""
	para    []string // lines of the paragraph being collected
}

// line reads one line of prose.
func (r *proseReader) line(line string) {
	t := cleanLine(line)
	if t == "" {
		r.flush()
		return
	}
	if side, rest, ok := sideHeading(t); ok {
		r.flush()
		r.heading = side
		if t = rest; t == "" {
			return
		}
	}
	if h := headerRow(t); h != nil {
		r.flush()
		r.cols = h
		return
	}
	listed := isListItem(t) || isColumnLine(t)
	if !listed && !isEntryLine(t) && (r.heading == "" || isSentence(t) || strings.Contains(t, "@")) {
		r.para = append(r.para, t) // prose, perhaps wrapped: read by paragraph
		return
	}
	r.flush()
	item := trimListItem(t)
	r.entry(t, item, listed)
}

// entry reads a line that lists participants (a list item, a table row,
// a line under a side heading, or one "name, address, title" line).
func (r *proseReader) entry(t, item string, listed bool) {
	n := countEmails(item, 2)
	switch {
	case n == 0:
		if listed || r.heading != "" {
			if p, ok := namedParticipant(item, r.heading); ok {
				r.out = append(r.out, p)
			}
		}
	case isColumnLine(t):
		if p, ok := parseParticipantCols(item, false, r.cols); ok {
			r.add(p, t)
		}
	case n > 1:
		r.out = append(r.out, proseParticipants(item, true, r.heading)...)
	default:
		p, ok := parseParticipant(item, false)
		if ok && (listed || r.heading != "" || sideOf(item) != "") {
			r.add(p, t)
		}
	}
}

// add appends p, read from line t, giving it the heading's side unless
// the line states its own.
func (r *proseReader) add(p Participant, t string) {
	if r.heading != "" && explicitSide(t) == "" {
		p.Side = r.heading
	}
	r.out = append(r.out, p)
}

// flush reads the paragraph collected so far.
func (r *proseReader) flush() {
	if len(r.para) > 0 {
		r.out = append(r.out, proseParticipants(strings.Join(r.para, " "), false, r.heading)...)
		r.para = r.para[:0]
	}
}

// sideHeading recognises a line that heads the participants of one side
// ("Fra ledelsen:", "Medarbejdersiden:", "For medarbejderne deltager:")
// and returns the side and what follows the colon.
func sideHeading(t string) (side, rest string, ok bool) {
	head, rest, found := strings.Cut(strings.TrimLeft(t, "-*•·▪– "), ":")
	if !found || strings.Contains(head, "@") || fieldCount(head, 6) > 5 {
		return "", "", false
	}
	head = strings.TrimSuffix(strings.TrimSpace(head), " deltager")
	if !isSideOnly(head) && !(containsFold(head, "repr") && sideHeadingTitleRe.MatchString(head)) {
		return "", "", false
	}
	if side = sideOf(head); side == "" {
		return "", "", false
	}
	return side, cleanLine(rest), true
}

// sideHeadingTitleRe matches headings that name the side by its
// representatives ("Ledelsesrepræsentanter", "Medarbejderrepræsentanter").
var sideHeadingTitleRe = regexp.MustCompile(`(?i)^(?:fra\s+|for\s+)?(?:ledelses|medarbejder)repræsentant(?:er|erne)?$`)

// isEntryLine reports whether t is one participant written on a line of
// its own ("Anne Hansen, ah@x.dk, HR-chef"): one address, with at most a
// name before it.
func isEntryLine(t string) bool {
	st, e := nextEmail(t, 0)
	if st < 0 || countEmails(t[e:], 1) > 0 {
		return false
	}
	return fieldCount(strings.Trim(t[:st], " ,;:(<[-–"), 5) <= 4 && !strings.HasSuffix(t, ".")
}

// namedParticipant reads a listed participant given without an address
// ("- Anne Hansen, HR-chef"): a participant whose address is missing, so
// that the kommune is asked for it. A line that names no person is not
// one.
func namedParticipant(item, heading string) (Participant, bool) {
	if isPlaceholder(item) || isSentence(item) {
		return Participant{}, false
	}
	p, ok := parseParticipant(item, false)
	if !ok || !isPersonName(p.Name) {
		return Participant{}, false
	}
	if heading != "" && explicitSide(item) == "" {
		p.Side = heading
	}
	if p.Side == "" && p.Title == "" {
		return Participant{}, false
	}
	return p, true
}

// isPersonName reports whether s looks like a person's name: two to four
// capitalised words.
func isPersonName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		if !isNameWord(w) {
			return false
		}
	}
	return true
}

// proseParticipants reads the people named with an address in a
// paragraph of prose, anchored on each address: the name and title
// before it ("skoleleder Lærke Sønderby (laso@x.dk)", "Maria Krogh
// (HR-chef, mkr@x.dk)") and the side after it ("… for ledelsen og …").
// Outside a list an address is a participant only with a title, a side
// or a word of taking part in its paragraph; a contact person or someone
// who will not come is not one.
func proseParticipants(para string, listed bool, heading string) []Participant {
	locs := emailSpans(para)
	var out []Participant
	start := 0
	takingPart := -1 // whether para speaks of taking part; -1: not yet asked
	for i, loc := range locs {
		next := len(para)
		if i+1 < len(locs) {
			next = locs[i+1][0]
		}
		end := loc[1] + personTail(para[loc[1]:next])
		lead, tail := para[start:loc[0]], para[loc[1]:end]
		start = end
		p, ok := anchoredParticipant(lead, para[loc[0]:loc[1]], tail, heading)
		if !ok || excludedAt(lead, clause(para[loc[1]:next])) {
			continue
		}
		if takingPart < 0 && !listed && p.Side == "" && p.Title == "" && p.Name != "" {
			takingPart = 0
			if takingPartSubs.mayMatch(para) && takingPartRe.MatchString(para) {
				takingPart = 1
			}
		}
		if listed || p.Side != "" || p.Title != "" || p.Name != "" && takingPart == 1 {
			out = append(out, p)
		}
	}
	return out
}

// takingPartRe matches the words of a paragraph about who takes part.
var takingPartRe = regexp.MustCompile(`(?i)\b(deltag\w*|tilmeld\w*|participa\w*|attend\w*|kommer|med fra os)\b`)

// personTail returns how much of after (the text between an address and
// the next) still describes the person of the address: a closing
// bracket, then the side or title chunks ("for ledelsen", ", FTR") up to
// the first chunk that starts the next person or the next sentence.
func personTail(after string) int {
	pos := 0
	if i := strings.IndexAny(after, ")>]"); i >= 0 && strings.TrimSpace(after[:i]) == "" {
		pos = i + 1
	}
	for pos < len(after) {
		rest := after[pos:]
		cut := chunkEnd(rest)
		chunk := strings.Trim(rest[:cut], " ,;()–-")
		if chunk == "" || strings.IndexAny(chunk[:1], ".?!") == 0 || !describesPerson(chunk) {
			break
		}
		pos += cut
	}
	return pos
}

// chunkSepRe separates the chunks personTail weighs.
var chunkSepRe = regexp.MustCompile(`(?i),\s|;\s|[.?!](?:\s|$)|\s(?:og|samt|and|&)\s|\s\(|\)`)

// chunkEnd returns where the first chunk of s ends (after its separator
// when the separator is a closing parenthesis, before it otherwise).
func chunkEnd(s string) int {
	loc := chunkSepIndex(s[1:]) // chunkSepRe.FindStringIndex
	if loc == nil {
		return len(s)
	}
	if s[1+loc[0]] == ')' {
		return 1 + loc[1]
	}
	return 1 + loc[0]
}

// describesPerson reports whether a chunk after an address is the
// person's side or title ("for ledelsen", "HR-chef", "(ledelse)") rather
// than the next person or a sentence.
func describesPerson(chunk string) bool {
	words := strings.Fields(chunk)
	if len(words) > 5 || sideOf(chunk) == "" {
		return false
	}
	for _, w := range words {
		if isNameWord(w) {
			return false
		}
	}
	return true
}

// excludeRe matches what makes an address next to it no participant: the
// contact person, someone who will not come, a copy.
var excludeRe = regexp.MustCompile(`(?i)(kontaktperson\w*|kontakt\s*:|contact person|ikke\s+deltage|deltager\s+ikke|kan\s+(?:desværre\s+)?ikke|cc\s*:|kopi\s+til)`)

// clause returns the start of s up to the end of its clause.
func clause(s string) string {
	end := len(s)
	for _, sep := range []string{". ", "; ", " men ", " but ", "\n"} {
		if i := strings.Index(s, sep); i >= 0 && i < end {
			end = i
		}
	}
	return s[:end]
}

// excludedAt reports whether the words next to an address make it no
// participant: in its tail, or in the last few words of its lead.
func excludedAt(lead, tail string) bool {
	for _, sep := range []string{". ", "; ", " men ", " but "} {
		if i := strings.LastIndex(lead, sep); i >= 0 {
			lead = lead[i+len(sep):]
		}
	}
	w := strings.Fields(lead)
	near := strings.Join(w[max(0, len(w)-8):], " ")
	return isExcluded(near) || isExcluded(tail) || isReplaced(lead)
}

// replacedRe matches the lead of the person an amendment removes or
// replaces ("udskift Anne Hansen (", "Bo erstatter Anne Hansen <"): she
// is leaving, not joining; the intake reads the amendment itself.
var replacedRe = regexp.MustCompile(`(?i)\b(?:udskift\w*|erstat\w*|fjern\w*|slet\w*|afmeld\w*|i\s+stedet\s+for|replace\w*|instead\s+of)\s+(?:deltager(?:en)?\s+)?(?:\S+\s+){0,3}?\S*\s*[(<\[]?\s*$`)

// anchoredParticipant reads one person from the text before an address
// (lead), the address and the text after it (tail). An explicit side in
// the tail wins, then one in the lead's title, then the heading's side,
// then the side the title implies.
func anchoredParticipant(lead, email, tail, heading string) (Participant, bool) {
	p, ok := proseParticipant(lead + email)
	if !ok {
		return p, false
	}
	var titles []string
	for _, f := range splitFields(tail) {
		if f = cleanField(strings.Trim(f, "() ")); f != "" && !isSideOnly(f) {
			titles = append(titles, f)
		}
	}
	if len(titles) > 0 {
		p.Title = strings.Trim(strings.Join(append([]string{p.Title}, titles...), ", "), ", ")
	}
	switch s, l := explicitSide(tail), explicitSide(leadClause(lead)); {
	case s != "":
		p.Side = s
	case l != "":
		p.Side = l // "og fra medarbejdersiden næstformand i HovedMED Ulla Bruun"
	case explicitSide(p.Title) == "" && heading != "":
		p.Side = heading
	case p.Side == "":
		p.Side = sideOf(p.Title)
	}
	return p, true
}

// leadClause returns the last clause of the text before an address: the
// words that belong to its person ("… og fra medarbejdersiden TR Bo
// Dam").
func leadClause(lead string) string {
	lead = strings.TrimRight(lead, " ,;:(<[")
	start := 0
	for _, sep := range []string{". ", "; ", ", ", " og ", " samt ", " and ", "\n"} {
		if i := strings.LastIndex(lead, sep); i >= 0 && i+len(sep) > start {
			start = i + len(sep)
		}
	}
	return lead[start:]
}

// mergeParticipants keeps one participant per address (the first
// mention, with blanks filled from later ones); participants without an
// address are kept once per name.
func mergeParticipants(in []Participant) []Participant {
	out := []Participant{}
	seen := map[string]int{}
	for _, p := range in {
		key := p.Email
		if key == "" {
			key = "name:" + fold(p.Name)
		}
		i, dup := seen[key]
		if !dup {
			seen[key] = len(out)
			out = append(out, p)
			continue
		}
		q := &out[i]
		if q.Name == "" {
			q.Name = p.Name
		}
		if q.Title == "" {
			q.Title = p.Title
		}
		if q.Side == "" {
			q.Side = p.Side
		}
	}
	return out
}
