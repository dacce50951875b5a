package parser

import (
	"regexp"
	"strconv"
	"strings"
	"time"
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
	rest := emailRe.ReplaceAllString(s, ",")
	if ph := phoneRe.FindString(rest); ph != "" {
		c.Phone = strings.TrimSpace(ph)
		rest = strings.Replace(rest, ph, ",", 1)
	}
	for _, f := range splitFields(rest) {
		f = cleanLine(contactLabelRe.ReplaceAllString(f, ""))
		if hasLetter(f) && !contactLabelRe.MatchString(f+" ") {
			c.Name = f
			break
		}
	}
	return c
}

// splitFields splits a line of details at tabs, or else at commas,
// semicolons, slashes, parentheses and angle brackets.
func splitFields(s string) []string {
	sep := func(r rune) bool { return strings.ContainsRune(",;()<>[]/", r) }
	if strings.Contains(s, "\t") {
		sep = func(r rune) bool { return strings.ContainsRune("\t()<>[]", r) }
	}
	var out []string
	for _, f := range strings.FieldsFunc(s, sep) {
		f = strings.Trim(cleanLine(f), `"'*.:`)
		f = strings.TrimPrefix(f, "mailto:")
		if f = cleanLine(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 1 {
		// "Anne Hansen - HR-chef - ledelse"
		for _, dash := range []string{" - ", " – ", " | "} {
			if strings.Contains(out[0], dash) {
				return splitFieldsBy(out[0], dash)
			}
		}
	}
	return out
}

// splitFieldsBy splits s at sep and trims the fields.
func splitFieldsBy(s, sep string) []string {
	var out []string
	for _, f := range strings.Split(s, sep) {
		if f = cleanLine(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// hasLetter reports whether s contains a letter.
func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// participantHeaderWords are the column headings of a pasted table.
var participantHeaderWords = map[string]bool{
	"navn": true, "e mail": true, "email": true, "mail": true, "stilling": true,
	"titel": true, "side": true, "ledelse medarbejder": true, "ledelse eller medarbejder": true,
}

// isHeaderRow reports whether fields are the headings of a table.
func isHeaderRow(fields []string) bool {
	return len(fields) >= 2 && participantHeaderWords[foldedWords(fields[0])] && participantHeaderWords[foldedWords(fields[1])]
}

// parseParticipant reads one participant line: name, e-mail, title and
// side in any order, split by tabs or commas; the address may be anywhere.
// prose trims sentence words before the name ("og Bo Jensen").
func parseParticipant(line string, prose bool) (Participant, bool) {
	email := firstEmail(line)
	var fields []string
	for _, f := range splitFields(line) {
		f = strings.Trim(cleanLine(emailRe.ReplaceAllString(f, "")), "-–|,;:. ")
		if f != "" {
			fields = append(fields, f)
		}
	}
	if isHeaderRow(fields) || (len(fields) == 0 && email == "") {
		return Participant{}, false
	}
	var p Participant
	p.Email = email
	var titles []string
	for _, f := range fields {
		switch {
		case phoneRe.MatchString(f) && !hasLetter(f):
			// participants' phones are not asked for
		case matchSide(f, true) != "" && len(sideWords(f)) <= 2:
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

// isTitleOnly reports whether a field is a job title rather than a name,
// so that "FTR, Bo Jensen" still finds the name.
func isTitleOnly(f string) bool {
	return matchSide(f, false) != ""
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
	w := " " + foldedWords(s) + " "
	no := []string{" nej ", " ikke ", " behandles ", " afventer ", " naeste moede ", " endnu ", " mangler ", " no "}
	yes := []string{" ja ", " godkendt ", " godkendte ", " godkender ", " yes ", " jep ", " tiltraadt "}
	if prose {
		yes = yes[1:]
	}
	if strings.Contains(w, " ja nej ") {
		return nil // the hint "(ja/nej)" copied as the answer
	}
	for _, n := range no {
		if strings.Contains(w, n) && !(prose && n == " nej ") {
			return boolPtr(false)
		}
	}
	for _, y := range yes {
		if strings.Contains(w, y) {
			return boolPtr(true)
		}
	}
	return nil
}

// boolPtr returns a pointer to a copy of b.
func boolPtr(b bool) *bool { return &b }

// months maps folded Danish (and English) month names to numbers.
var months = map[string]time.Month{
	"jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2,
	"mar": 3, "marts": 3, "march": 3, "apr": 4, "april": 4, "maj": 5, "may": 5,
	"jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
	"okt": 10, "oct": 10, "oktober": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
}

var (
	// isoDateRe: 2022-09-29.
	isoDateRe = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	// numDateRe: 29/9, 29.09.2022, 29-9-22.
	numDateRe = regexp.MustCompile(`\b(\d{1,2})\s*[./\-]\s*(\d{1,2})(?:\s*[./\-]\s*(\d{4}|\d{2}))?\b`)
	// nameDateRe: "29. september", "11 okt. 2022".
	nameDateRe = regexp.MustCompile(`(?i)\b(\d{1,2})\.?\s*([a-zæøå]{3,9})\.?(?:\s+(\d{4}))?`)
)

// dayReader reads the wished first development day against the
// campaign's two days.
type dayReader struct {
	east, west time.Time
}

// read returns the day s states as "2006-01-02", or nil. A date without a
// year is in the campaign's year; "øst"/"vest" name the campaign days.
// prose accepts only the campaign days themselves, since free text is
// full of other dates (a HovedMED meeting, the deadline).
func (d dayReader) read(s string, prose bool) *string {
	var days []time.Time
	for _, t := range d.dates(s) {
		if !prose || t.Equal(d.east) || t.Equal(d.west) {
			days = append(days, t)
		}
	}
	w := " " + foldedWords(s) + " "
	sides := map[string]bool{}
	for _, side := range []string{"oest", "vest"} {
		if strings.Contains(w, " "+side+" ") && (!prose || strings.Contains(w, " "+side+" for storebaelt ")) {
			sides[side] = true
		}
	}
	if len(sides) == 2 && len(days) != 1 {
		return nil // the form's own hint, copied: both sides named
	}
	if len(days) == 0 {
		switch {
		case sides["oest"] && !sides["vest"]:
			days = append(days, d.east)
		case sides["vest"] && !sides["oest"]:
			days = append(days, d.west)
		}
	}
	if len(days) == 0 {
		return nil
	}
	out := days[0].Format(time.DateOnly)
	return &out
}

// dates finds the dates written in s, in order.
func (d dayReader) dates(s string) []time.Time {
	type hit struct {
		at int
		t  time.Time
	}
	var hits []hit
	add := func(at int, day, month, year string) {
		if t, ok := d.date(day, month, year); ok {
			hits = append(hits, hit{at, t})
		}
	}
	for _, m := range isoDateRe.FindAllStringSubmatchIndex(s, -1) {
		add(m[0], s[m[6]:m[7]], s[m[4]:m[5]], s[m[2]:m[3]])
	}
	for _, m := range numDateRe.FindAllStringSubmatchIndex(s, -1) {
		if isoDateRe.MatchString(s[max(0, m[0]-5):min(len(s), m[1]+3)]) {
			continue
		}
		year := ""
		if m[6] >= 0 {
			year = s[m[6]:m[7]]
		}
		add(m[0], s[m[2]:m[3]], s[m[4]:m[5]], year)
	}
	for _, m := range nameDateRe.FindAllStringSubmatchIndex(s, -1) {
		mon, ok := months[fold(s[m[4]:m[5]])]
		if !ok {
			continue
		}
		year := ""
		if m[6] >= 0 {
			year = s[m[6]:m[7]]
		}
		add(m[0], s[m[2]:m[3]], strconv.Itoa(int(mon)), year)
	}
	// Order by position so that the first date written wins.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].at < hits[j-1].at; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	out := make([]time.Time, len(hits))
	for i, h := range hits {
		out[i] = h.t
	}
	return out
}

// date builds a valid date; a missing year is the campaign's.
func (d dayReader) date(day, month, year string) (time.Time, bool) {
	dd, err1 := strconv.Atoi(day)
	mm, err2 := strconv.Atoi(month)
	if err1 != nil || err2 != nil || mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return time.Time{}, false
	}
	yy := d.east.Year()
	if year != "" {
		y, err := strconv.Atoi(year)
		if err != nil {
			return time.Time{}, false
		}
		if y < 100 {
			y += 2000
		}
		yy = y
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd {
		return time.Time{}, false // 31/9 is not a date
	}
	return t, true
}

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
