package parser

import (
	"regexp"
	"strings"
	"unicode"
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
		if len(emailRe.FindAllStringIndex(line, 2)) > 1 && !isColumnLine(line) {
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
	listed := listItemRe.MatchString(t) || isColumnLine(t)
	if !listed && !isEntryLine(t) && (r.heading == "" || isSentence(t) || strings.Contains(t, "@")) {
		r.para = append(r.para, t) // prose, perhaps wrapped: read by paragraph
		return
	}
	r.flush()
	item := listItemRe.ReplaceAllString(t, "")
	r.entry(t, item, listed)
}

// entry reads a line that lists participants (a list item, a table row,
// a line under a side heading, or one "name, address, title" line).
func (r *proseReader) entry(t, item string, listed bool) {
	n := len(emailRe.FindAllStringIndex(item, 2))
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
	if !found || strings.Contains(head, "@") || len(strings.Fields(head)) > 5 {
		return "", "", false
	}
	head = strings.TrimSuffix(strings.TrimSpace(head), " deltager")
	if !isSideOnly(head) && !sideHeadingTitleRe.MatchString(head) {
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
	locs := emailRe.FindAllStringIndex(t, 2)
	if len(locs) != 1 {
		return false
	}
	before := strings.Fields(strings.Trim(t[:locs[0][0]], " ,;:(<[-–"))
	return len(before) <= 4 && !strings.HasSuffix(t, ".")
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
	locs := emailRe.FindAllStringIndex(para, -1)
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
			if takingPartRe.MatchString(para) {
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
	loc := chunkSepRe.FindStringIndex(s[1:])
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
	return excludeRe.MatchString(near) || excludeRe.MatchString(tail) || replacedRe.MatchString(lead)
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
	loc := emailRe.FindStringIndex(seg)
	if loc == nil {
		return Participant{}, false
	}
	p := Participant{Email: strings.ToLower(seg[loc[0]:loc[1]])}
	before := seg[:loc[0]]
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
	if t == n && t >= 3 && committeeRe.MatchString(strings.Join(words[t-3:t], " ")) {
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
	if isTitleOnly(w) {
		return true
	}
	if len(w) >= 2 && len(w) <= 4 && strings.ToUpper(w) == w && hasLetter(w) && strings.IndexFunc(w, unicode.IsDigit) < 0 {
		return true // an acronym in a title: "HR Director", "IT-chef"
	}
	r := []rune(w)
	if len(r) < 3 || !unicode.IsLower(r[0]) || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return false
	}
	return !titleStopWords[fold(w)] && strings.IndexAny(w, ".:!?") < 0
}

// isNameWord reports whether w can be part of a person's name: a
// capitalised word that is neither a title, a side word nor a sentence
// word.
func isNameWord(w string) bool {
	if strings.HasSuffix(w, ":") {
		return false // "Participants:" leads a list
	}
	w = strings.Trim(w, ",;:()\"'.")
	r := []rune(w)
	if len(r) == 0 || !unicode.IsUpper(r[0]) || notNameWords[fold(w)] || explicitWord(fold(w)) != "" {
		return false
	}
	return !isTitleOnly(w) && strings.IndexFunc(w, unicode.IsDigit) < 0 && !strings.Contains(w, "@")
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

// regroupLines rewrites two shapes of prose into one line per
// participant before they are read: Outlook's plain-text rendering of a
// table (each cell on its own line under the heading cells) and cards
// of a few short lines (name, address, title on lines of their own). A
// last block holding the sender's own address is her signature, not a
// card.
func regroupLines(lines []string, sender string) []string {
	lines = joinVerticalTable(lines)
	return joinCards(lines, sender)
}

// joinVerticalTable turns a table whose cells stand one per line under
// heading cells one per line ("Navn" / "E-mail" / "Stilling" / "Anne
// Hansen" / …) into tab-separated rows. Rows are taken while the
// address column holds an address, so a misaligned table stops early
// rather than mixing people up.
func joinVerticalTable(lines []string) []string {
	var out []string
	for i := 0; i < len(lines); i++ {
		cols := headingCells(lines[i:])
		if len(cols) < 2 {
			out = append(out, lines[i])
			continue
		}
		heads := make([]string, len(cols))
		for k := range cols {
			heads[k] = cleanLine(lines[i+k])
		}
		out = append(out, strings.Join(heads, "\t"))
		j := i + len(cols)
		for {
			row, next := nextCells(lines, j, len(cols))
			if row == nil || !rowFits(row, cols) {
				break
			}
			out = append(out, strings.Join(row, "\t"))
			j = next
		}
		i = j - 1
	}
	return out
}

// headingCells returns the columns of the heading cells that start
// lines, one per line.
func headingCells(lines []string) []column {
	var cols []column
	for _, l := range lines {
		c := cleanLine(l)
		if c == "" || len(c) > 30 {
			break
		}
		col, ok := headerColumns[foldedWords(c)]
		if !ok {
			break
		}
		cols = append(cols, col)
	}
	return cols
}

// nextCells returns the next n non-blank lines from j and the index
// after them, or nil when the text ends or leaves the table first.
func nextCells(lines []string, j, n int) ([]string, int) {
	var row []string
	for ; j < len(lines) && len(row) < n; j++ {
		c := cleanLine(lines[j])
		if c == "" {
			continue
		}
		if isSalutation(c) || isFormLine(c) || isSentence(c) {
			return nil, j
		}
		row = append(row, c)
	}
	if len(row) < n {
		return nil, j
	}
	return row, j
}

// rowFits reports whether a row's address column holds an address (a
// table without one must give each row a name with letters).
func rowFits(row []string, cols []column) bool {
	for k, col := range cols {
		if col == colEmail {
			return firstEmail(row[k]) != ""
		}
	}
	return hasLetter(row[0])
}

// joinCards joins the lines of each card in the blocks of text (lines
// between blank lines) made only of cards: a card is two to five short
// lines with exactly one address, such as "Anne Hansen" / "ah@x.dk" /
// "HR-chef", and the block's cards all put the address at the same
// place. A joined card is written as a list item.
func joinCards(lines []string, sender string) []string {
	var out []string
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && cleanLine(lines[j]) != "" {
			j++
		}
		if j == i {
			out = append(out, lines[i])
			i++
			continue
		}
		block := lines[i:j]
		if strings.HasSuffix(cleanLine(block[0]), ":") {
			out = append(out, block[0]) // a lead-in: "Vi deltager med:"
			block = block[1:]
		}
		if cards := splitCards(block); cards != nil && !(len(cards) == 1 && isSignatureBlock(block, lines[:i], lines[j:], sender)) {
			for _, c := range cards {
				out = append(out, "• "+strings.Join(c, ", "))
			}
		} else {
			out = append(out, block...)
		}
		i = j
	}
	return out
}

// isSignatureBlock reports whether block, between before and rest, is
// the sender's signature: the last block of the text, holding her
// address, and not introduced as a list ("Vi deltager med:").
func isSignatureBlock(block, before, rest []string, sender string) bool {
	if sender == "" || nextNonEmpty(rest, 0) >= 0 || strings.HasSuffix(cleanLine(block[0]), ":") {
		return false
	}
	for k := len(before) - 1; k >= 0; k-- {
		if t := cleanLine(before[k]); t != "" {
			if strings.HasSuffix(t, ":") {
				return false
			}
			break
		}
	}
	for _, l := range block {
		if strings.Contains(strings.ToLower(l), sender) {
			return true
		}
	}
	return false
}

// cardPhoneRe matches a line that only gives a phone number.
var cardPhoneRe = regexp.MustCompile(`(?i)^(?:tlf|telefon|mobil|mob|tel|phone|m|t)?\.?:?\s*(?:\+\s?45[\s\-]?)?[\d\s\-]{8,}$`)

// cardLabelRe matches a labelled line of a card ("Navn: Anne Hansen",
// "Stilling: HR-chef").
var cardLabelRe = regexp.MustCompile(`(?i)^(?:navn|name|e-?mail|mail|mailadresse|stilling|titel|title|jobtitel|funktion|rolle|side|repræsenterer)\s*:\s*(\S.*)$`)

// splitCards returns the cards of a block, or nil when the block is not
// made of cards.
func splitCards(block []string) [][]string {
	var lines []string
	var at []int // indexes of address lines in lines
	for _, l := range block {
		t := cleanLine(l)
		if m := cardLabelRe.FindStringSubmatch(t); m != nil {
			t = cleanLine(m[1]) // "Navn: Anne Hansen" → "Anne Hansen"
		}
		if cardPhoneRe.MatchString(t) {
			continue
		}
		if len(strings.Fields(t)) > 6 || strings.HasSuffix(t, ".") || strings.HasSuffix(t, "?") ||
			strings.HasSuffix(t, ":") || listItemRe.MatchString(t) || isColumnLine(t) ||
			containsFold(t, "kommune") {
			return nil
		}
		switch n := len(emailRe.FindAllStringIndex(t, 2)); {
		case n > 1:
			return nil
		case n == 1:
			at = append(at, len(lines))
		}
		lines = append(lines, t)
	}
	if len(at) == 0 || len(lines)%len(at) != 0 {
		return nil
	}
	size := len(lines) / len(at)
	if size < 2 || size > 5 {
		return nil
	}
	var cards [][]string
	for k, a := range at {
		if a-k*size != at[0] {
			return nil
		}
		cards = append(cards, lines[k*size:(k+1)*size])
	}
	return cards
}

// namedInProse reads the people a sentence about taking part names by
// title and name without an address ("Vi deltager med HR-chef Anne
// Hansen og FTR Bo Jensen"): participants whose address is missing, so
// the kommune is asked for it. Someone who will not come, the contact
// person and a person already read (by name) are left out.
func namedInProse(stated []string, known []Participant) []Participant {
	var out []Participant
	for _, s := range stated {
		if !containsFold(s, "de") && !containsAnyFold(s, "kommer", "tilmeld", "attend", "partic", "take part") || !namedPartRe.MatchString(s) {
			continue
		}
		for _, cl := range clauses(s) {
			if excludeRe.MatchString(cl) || replacedRe.MatchString(cl) || notPartRe.MatchString(cl) {
				continue
			}
			if p, ok := titledName(cl); ok && !hasName(known, p.Name) && !hasName(out, p.Name) {
				out = append(out, p)
			}
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
	return clauseSepRe.Split(strings.TrimRight(s, ".!"), -1)
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
		if i+2 < len(words) && committeeRe.MatchString(strings.Join(words[i:i+3], " ")) {
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
