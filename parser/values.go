package parser

import (
	"regexp"
	"strings"
	"unicode"
)

// phoneRe finds a Danish phone number: eight digits, spaced as people
// like, optionally with +45.
var phoneRe = regexp.MustCompile(`(?:\+\s?45[\s\-]?)?\d{2}[\s\-]?\d{2}[\s\-]?\d{2}[\s\-]?\d{2}\b`)

// contactLabelRe strips the words people put before each detail.
var contactLabelRe = regexp.MustCompile(`(?i)^(navn|e-?mail|mail|tlf\.?|tel\.?|telefon|mobil|mob\.?)\s*[:.]?\s*`)

// parseContact reads "navn, e-mail, telefon" in any order and separation.
func parseContact(s string) Contact {
	c := Contact{Email: firstEmail(s)}
	rest := replaceEmails(s, ",")
	if ph := findPhone(rest); ph != "" { // phoneRe.FindString
		c.Phone = strings.TrimSpace(ph)
		rest = strings.Replace(rest, ph, ",", 1)
	}
	for _, f := range splitFields(rest) {
		if startsWithAnyOf(f, "emnt") {
			f = contactLabelRe.ReplaceAllString(f, "")
		}
		f = cleanLine(f)
		if hasLetter(f) && !(startsWithAnyOf(f, "emnt") && contactLabelRe.MatchString(f+" ")) {
			c.Name = f
			break
		}
	}
	return c
}

// splitFields splits a line of details into fields, with the addresses
// taken out: at tabs or runs of spaces for a line of columns (see
// isColumnLine), else at commas, semicolons, slashes, angle brackets and
// spaced dashes. A parenthesis stays with its field ("Tillidsrepræsentant
// (3F)") unless it only names a side or title after a name ("Bo Jensen
// (FTR)").
func splitFields(s string) []string {
	if isColumnLine(s) {
		var out []string
		for _, c := range splitCells(s) {
			if c = cleanField(replaceEmails(c, "")); c != "" {
				out = append(out, c)
			}
		}
		return out
	}
	s = replaceEmails(s, "\x00")
	if mayBracketAddr(s) {
		s = bracketedAddrRe.ReplaceAllString(s, ",")
	}
	s = replaceListParens(s)               // listParenRe.ReplaceAllString(s, ",$1,")
	s = strings.ReplaceAll(s, "\x00", ",") // no NUL is left for splitDashes
	var out []string
	add := func(h string) {
		if h = cleanField(h); h != "" {
			out = append(out, h)
		}
	}
	addParts := func(g string) {
		if !strings.HasSuffix(cleanLine(g), ")") {
			add(g) // splitParen(g) is g alone: the usual case
			return
		}
		for _, h := range splitParen(g) {
			add(h)
		}
	}
	for _, f := range splitAtBytes(s, fieldSeps) {
		if !hasSpacedDash(f) {
			addParts(f) // splitDashes(f) is f alone
			continue
		}
		for _, g := range splitDashes(f) {
			addParts(g)
		}
	}
	return out
}

// spacedDashes are where splitDashes splits.
var spacedDashes = []string{" - ", " – ", " — ", " | "}

// hasSpacedDash reports whether s holds one of spacedDashes.
func hasSpacedDash(s string) bool {
	for _, d := range spacedDashes {
		if strings.Contains(s, d) {
			return true
		}
	}
	return false
}

var (
	// bracketedAddrRe matches what is left of "(a@b)", "<a@b>" or
	// "[mailto:a@b]" once the address is taken out (marked by NUL).
	bracketedAddrRe = regexp.MustCompile(`[(<\[]\s*(?:mailto:)?\s*\x00\s*[)>\]]`)
	// listParenRe matches a parenthesis holding a list: "(HR-chef, a@b)".
	listParenRe = regexp.MustCompile(`\(([^()]*[,;\x00][^()]*)\)`)
	// cellSepRe separates the cells of a line of columns: a tab, or a run
	// of two or more spaces.
	cellSepRe = regexp.MustCompile(`\t|[ \x{00a0}]{2,}`)
	// trailingParenRe matches a parenthesis ending a field.
	trailingParenRe = regexp.MustCompile(`^(.*?)\s*\(([^()]*)\)\s*$`)
)

// isColumnLine reports whether s is a row of a table pasted as text: it
// has a tab, or at least two runs of two or more spaces and no commas or
// semicolons (a sloppy double space in a comma list is not a column).
func isColumnLine(s string) bool {
	s = cleanLine(s)
	if strings.Contains(s, "\t") {
		return true
	}
	return !strings.ContainsAny(s, ",;") && spaceRuns(s, 2) >= 2
}

// spaceRuns counts the runs of two or more spaces or non-breaking spaces
// in s, up to n: the matches of cellSepRe in a line without tabs.
func spaceRuns(s string, n int) int {
	runs, k := 0, 0 // k: length of the current run, in characters
	for i := 0; i < len(s) && runs < n; {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0:
			i += 2
		default:
			if k >= 2 {
				runs++
			}
			k = 0
			i++
			continue
		}
		k++
	}
	if k >= 2 && runs < n {
		runs++
	}
	return runs
}

// splitCells splits a line of columns into its cells. Cells between two
// tabs may be empty, so that the cells line up with a header row.
func splitCells(s string) []string {
	s = cleanLine(s)
	cells := splitAtCellSeps(s) // cellSepRe.Split(s, -1)
	for i, c := range cells {
		cells[i] = cleanLine(c)
	}
	return cells
}

// splitDashes splits "Anne Hansen - HR-chef – ledelse | x" at spaced dashes
// and bars; hyphens inside words ("HR-chef") stay.
func splitDashes(s string) []string {
	for _, dash := range spacedDashes {
		s = strings.ReplaceAll(s, dash, "\x00")
	}
	return strings.Split(s, "\x00")
}

// splitParen splits "Bo Jensen (FTR)" into name and title; a parenthesis
// after a title or one that says something else ("(FOA)", "(3F)") stays.
func splitParen(s string) []string {
	c := cleanLine(s)
	if !strings.HasSuffix(c, ")") {
		return []string{s} // the expression needs the closing bracket last
	}
	m := trailingParenRe.FindStringSubmatch(c)
	if m == nil {
		return []string{s}
	}
	rest, inner := cleanLine(m[1]), cleanLine(m[2])
	switch {
	case inner == "":
		return []string{rest}
	case rest == "":
		return []string{inner}
	case isSideOnly(inner):
		return []string{rest, inner} // "(medarbejdersiden)"
	case sideOf(inner) != "" && !isTitleOnly(rest):
		return []string{rest, inner}
	}
	return []string{s}
}

// cleanField trims quotes, stars, stray punctuation and "mailto:".
func cleanField(f string) string {
	f = strings.Trim(cleanLine(f), `"'*.:`)
	f = strings.TrimPrefix(f, "mailto:")
	return strings.Trim(cleanLine(f), "-–|,;:. ")
}

// hasLetter reports whether s contains a letter.
func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// column is what a column of a pasted participant table holds.
type column int

// Columns of a participant table.
const (
	colOther column = iota
	colName
	colEmail
	colTitle
	colSide
)

// headerColumns maps the folded column headings people use to columns.
var headerColumns = map[string]column{
	"navn": colName, "name": colName, "fulde navn": colName, "deltager": colName,
	"e mail": colEmail, "email": colEmail, "mail": colEmail, "e mail adresse": colEmail,
	"mailadresse": colEmail, "e mailadresse": colEmail, "emailadresse": colEmail,
	"stilling": colTitle, "titel": colTitle, "funktion": colTitle, "rolle": colTitle, "jobtitel": colTitle,
	"side": colSide, "ledelse medarbejder": colSide, "ledelse eller medarbejder": colSide,
	"ledelse medarbejderside": colSide, "repraesenterer": colSide,
	"tlf": colOther, "telefon": colOther, "mobil": colOther,
}

// headerRow returns the columns of a table's heading line, or nil when
// line is not one: every cell (at least two) must be a known heading.
func headerRow(line string) []column {
	if strings.IndexByte(line, '@') >= 0 {
		return nil // a cell would hold the address
	}
	var cells []string
	if isColumnLine(line) {
		cells = splitCells(line)
	} else {
		if !strings.ContainsAny(line, ",;|") {
			return nil // one cell
		}
		// Any cell that is no heading makes the line none: the first
		// decides most lines before they are split.
		if i := strings.IndexAny(line, ",;|"); i > 0 && isNoHeading(line[:i]) {
			return nil
		}
		cells = splitAtBytes(line, headingSeps)
	}
	if len(cells) < 2 {
		return nil
	}
	for _, c := range cells {
		if len(c) > 40 || strings.IndexByte(c, '@') >= 0 {
			return nil // no heading is that long or holds an address
		}
	}
	var cols []column
	named := 0
	for _, c := range cells {
		c = cleanField(trimListItem(cleanLine(c)))
		if c == "" {
			cols = append(cols, colOther)
			continue
		}
		col, ok := headingColumn(c)
		if !ok {
			return nil
		}
		cols = append(cols, col)
		named++
	}
	if named < 2 {
		return nil
	}
	return cols
}

// headingColumn returns the column the cleaned cell c heads, if any.
func headingColumn(c string) (column, bool) {
	var buf [64]byte
	col, ok := headerColumns[string(appendFoldedWords(buf[:0], c))] // foldedWords(c), not kept
	return col, ok
}

// isNoHeading reports whether cell c of a line makes headerRow reject
// the line: it is too long, holds an address, or, cleaned, is neither
// empty nor a known heading.
func isNoHeading(c string) bool {
	if len(c) > 40 || strings.IndexByte(c, '@') >= 0 {
		return true
	}
	c = cleanField(trimListItem(cleanLine(c)))
	if c == "" {
		return false
	}
	_, ok := headingColumn(c)
	return !ok
}

// parseParticipant reads one participant line: name, e-mail, title and
// side in any order, split by tabs, runs of spaces or commas; the address
// may be anywhere. prose trims sentence words before the name ("og Bo
// Jensen").
func parseParticipant(line string, prose bool) (Participant, bool) {
	return parseParticipantCols(line, prose, nil)
}

// parseParticipantCols is parseParticipant for a row under a heading
// line whose columns are cols (nil: no heading).
func parseParticipantCols(line string, prose bool, cols []column) (Participant, bool) {
	if headerRow(line) != nil {
		return Participant{}, false
	}
	if cols != nil && isColumnLine(line) {
		if p, ok := participantFromCells(line, cols); ok {
			return p, true
		}
	}
	email := firstEmail(line)
	fields := splitFields(line)
	if len(fields) == 0 && email == "" {
		return Participant{}, false
	}
	var p Participant
	p.Email = email
	var titles []string
	for _, f := range fields {
		switch {
		case !hasLetter(f) && hasPhone(f):
			// participants' phones are not asked for
		case isSideOnly(f):
			// a field that only states the side
		case p.Name == "" && !isTitleOnly(f):
			p.Name = f
		default:
			titles = append(titles, f)
		}
	}
	if prose {
		p.Name = trailingName(p.Name)
	}
	p.Title = strings.Join(titles, ", ")
	p.Side = sideOf(strings.Join(fields, " , ") + " " + strings.Replace(line, p.Name, "", 1))
	if p.Name == "" && p.Email == "" {
		return Participant{}, false
	}
	return p, true
}

// participantFromCells reads a table row by its heading's columns.
func participantFromCells(line string, cols []column) (Participant, bool) {
	cells := splitCells(line)
	var p Participant
	var titles, sides []string
	for i, c := range cells {
		if c == "" {
			continue
		}
		col := colOther
		if i < len(cols) {
			col = cols[i]
		}
		switch {
		case col == colEmail || firstEmail(c) != "" && cleanField(replaceEmails(c, "")) == "":
			if p.Email == "" {
				p.Email = firstEmail(c)
			}
		case col == colName && p.Name == "":
			p.Name = cleanField(c)
		case col == colSide:
			sides = append(sides, c)
		case !hasLetter(c) && hasPhone(c):
		default:
			titles = append(titles, cleanField(c))
		}
	}
	if p.Name == "" && p.Email == "" {
		return Participant{}, false
	}
	p.Title = strings.Join(titles, ", ")
	p.Side = explicitSide(strings.Join(sides, " , "))
	if p.Side == "" {
		p.Side = sideOf(strings.Join(sides, " , ") + " , " + p.Title)
	}
	return p, true
}

// isTitleOnly reports whether a field is a job title rather than a name,
// so that "FTR, Bo Jensen" still finds the name.
func isTitleOnly(f string) bool {
	return titleSide(f) != ""
}

// trailingName returns the run of capitalised words ending s ("Deltagere
// er Anne Hansen" → "Anne Hansen"), or s when there is none.
func trailingName(s string) string {
	words := strings.Fields(s)
	i := len(words)
	for i > 0 && len(words)-i < 4 {
		r := []rune(words[i-1])
		if len(r) == 0 || !unicode.IsUpper(r[0]) {
			break
		}
		i--
	}
	if i == len(words) {
		return s
	}
	return strings.Join(words[i:], " ")
}

// readHovedMED reads whether HovedMED has approved. nil: not stated.
// prose is true for free text, where a bare "ja" or "nej" means nothing.
func readHovedMED(s string, prose bool) *bool {
	var buf [256]byte
	found := hovedMEDPhrasesIn(appendFoldedWords(buf[:0], s))
	yes := phraseFormYes
	if prose {
		yes = phraseProseYes
	}
	switch {
	case found&phraseJaNej != 0:
		return nil // the hint "(ja/nej)" copied as the answer
	case found&phraseNo != 0 || !prose && found&phraseNej != 0:
		return boolPtr(false)
	case found&yes != 0:
		return boolPtr(true)
	}
	return nil
}

// hovedMEDNo are the folded answers that say HovedMED has not approved
// (besides "nej", which in prose means nothing).
var hovedMEDNo = []string{" ikke ", " behandles ", " afventer ", " naeste moede ", " endnu ", " mangler ", " no "}

// formApprovals are the folded answers that approve in the form.
var formApprovals = []string{" ja ", " godkendt ", " godkendte ", " godkender ", " yes ", " jep ", " tiltraadt "}

// proseYes are the folded phrasings of an approval in prose: the form's
// but a bare "ja", and proseApprovals.
var proseYes = append(append([]string{}, formApprovals[1:]...), proseApprovals...)

// proseApprovals are the folded phrasings of a HovedMED approval in
// prose besides "godkendt": "HovedMED bakker op", "HovedMED har besluttet
// at vi tilmelder os", "har sagt ja".
var proseApprovals = []string{
	" bakker op ", " bakket op ", " opbakning ", " besluttet ", " beslutning ", " besluttede ",
	" sagt ja ", " siger ja ", " enige ", " tilslutning ", " tilsluttet ", " tilslutter ",
	" anbefaler ", " anbefalet ", " positive ", " positiv ", " approved ", " agreed ", " supports ",
	" endorsed ", " vedtaget ", " vedtog ", " givet groent lys ", " grønt lys ", " groent lys ",
}

// boolPtr returns a pointer to a copy of b.
func boolPtr(b bool) *bool { return &b }

// emptyUnitWords are answers to "Forvaltning/område" that mean none.
var emptyUnitWords = []string{"", "hele kommunen", "hele", "alle", "ingen", "nej", "n a", "na", "ikke relevant", "ej relevant", "hele organisationen", "alle forvaltninger", "alle omraader", "x"}

// readUnit returns the forvaltning/område, or "" when the answer means the
// whole kommune.
func readUnit(s string) string {
	s = strings.Trim(cleanLine(s), "-–.,")
	w := foldedWords(s)
	for _, e := range emptyUnitWords {
		if w == e || strings.HasPrefix(w, "hele kommunen") {
			return ""
		}
	}
	return s
}
