package parser

import (
	"regexp"
	"strings"
	"time"
)

// readDay reads the wished first development day: one of the campaign's
// days, "øst"/"vest", or "den første dato" (the day of the kommune's own
// side of Storebælt). Any other date is not a day: it is kept in
// DayText, and "day" is missing, so the workflow asks with the
// campaign's days. Dates in questions never fill the day (quoted text is
// already gone).
func (p *Parser) readDay(r *Reply, f *form, stated []string) {
	days := dayReader{east: p.east, west: p.west}
	if ans := f.answers[fieldDay]; ans != "" {
		switch d := days.read(ans, false); {
		case d != nil && p.isCampaignDay(*d):
			r.Day = d
		case d != nil:
			r.DayText = ans
		case ownSideRe.MatchString(ans):
			r.Day = p.sideDay(r.Kommune)
		}
		return
	}
	if mayStateDay(stated) {
		if r.Day = days.read(strings.Join(stated, "\n"), true); r.Day != nil {
			return
		}
	}
	for _, s := range stated {
		if !dayCues.holds(s) {
			continue // neither a day, a date nor a side: spare the expressions
		}
		if m := sideWishRe.FindStringSubmatch(s); m != nil {
			r.Day = days.read(m[1]+" for storebælt", true)
			return
		}
		switch {
		case !dayTopicRe.MatchString(s):
		case ownSideRe.MatchString(s):
			r.Day = p.sideDay(r.Kommune)
			return
		case len(days.dates(s)) > 0:
			r.DayText = firstDateText(s)
			return
		}
	}
}

var (
	// ownSideRe matches the answers that mean the day of the kommune's
	// own side of Storebælt.
	ownSideRe = regexp.MustCompile(`(?i)\b(den\s+første\s+dato|første\s+dato|den\s+foerste\s+dato|vores\s+(?:egen\s+)?side(?:\s+af\s+storebælt)?|vores\s+landsdel|som\s+foreslået|the\s+first\s+date)\b`)
	// sideWishRe matches a wish for a side of Storebælt without the
	// words "for Storebælt" ("Vi ønsker vest", "vi vælger øst").
	sideWishRe = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:ønsker|oensker|vælger|vaelger|tager|foretrækker|gerne)\s+(?:\S+\s+){0,2}?(øst|oest|vest)\b`)
	// dayTopicRe matches sentences about the development day.
	dayTopicRe = regexp.MustCompile(`(?i)(udviklingsdag|ønske\S*\s+(?:\S+\s+){0,2}?(?:dato|dag)|dato\S*|development\s+day|first\s+day)`)
)

// firstDateText returns the first date written in s, as written.
func firstDateText(s string) string {
	best := []int(nil)
	for _, re := range []*regexp.Regexp{isoDateRe, nameDateRe, numDateRe} {
		for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
			if re == nameDateRe {
				if _, ok := months[fold(s[loc[4]:loc[5]])]; !ok {
					continue
				}
			}
			if best == nil || loc[0] < best[0] {
				best = loc[:2]
			}
			break
		}
	}
	if best == nil {
		return s
	}
	return strings.TrimRight(s[best[0]:best[1]], " .,")
}

// isCampaignDay reports whether day ("2006-01-02") is one of the
// campaign's first development days.
func (p *Parser) isCampaignDay(day string) bool {
	return day == dateOnly(p.east) || day == dateOnly(p.west)
}

// sideDay returns the day of the kommune's side of Storebælt, or nil
// when the kommune is not known.
func (p *Parser) sideDay(ref *KommuneRef) *string {
	if ref == nil {
		return nil
	}
	k, ok := p.dir.ByCode(ref.Code)
	if !ok {
		return nil
	}
	day := p.east
	if k.Side == "vest" {
		day = p.west
	}
	s := day.Format(time.DateOnly)
	return &s
}

// statements returns the sentences that are not questions.
func statements(sents []string) []string {
	var out []string
	for _, s := range sents {
		if !strings.HasSuffix(s, "?") {
			out = append(out, s)
		}
	}
	return out
}

// cancelWeRe matches a withdrawal in plain words with the kommune as its
// subject ("Vi kan desværre ikke deltage alligevel", "vi må melde fra"),
// so that "direktøren kan desværre ikke deltage" is no cancellation.
var cancelWeRe = regexp.MustCompile(`(?i)\b(?:vi|kommunen|we)\b[^.?!]{0,40}?\b(?:ikke\s+(?:\S+\s+){0,3}?(?:deltage|deltager|være\s+med|participate|attend|take\s+part)|(?:not|unable\s+to|cannot|can't)\s+(?:\S+\s+){0,2}?(?:participate|attend|take\s+part|join)|melde\S*\s+(?:os\s+)?fra|sige\S*\s+fra|trække\S*\s+os|afstå\S*\s+fra|springer\s+over|withdraw\S*|cancel\S*)`)

// unitCueRes find the forvaltning or område a kommune takes part from in
// prose: "Kun Børne- og Ungeforvaltningen deltager", "vi deltager fra
// Social og Sundhed".
var unitCueRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(?:kun|alene|udelukkende)\s+([^.,;:!?]{3,80}?)\s+(?:deltager|deltage|er\s+med|tilmelder)`),
	regexp.MustCompile(`(?i)\b(?:deltager|deltage|tilmelder\s+(?:os|sig)|er\s+med|take\s+part|participate)\s+(?:vi\s+|os\s+|we\s+)?(?:kun\s+|alene\s+|only\s+)?(?:fra|for|from)\s+(?:forvaltningen\s+|området\s+|afdelingen\s+)?([^.,;:!?]{3,80})`),
}

// unitCueExprs are unitCueRes tried only at the words that start them.
var unitCueExprs = []cueExpr{
	newCueExpr(unitCueRes[0], "kun", "alene", "udelukkende"),
	newCueExpr(unitCueRes[1], "deltage", "tilmelder", "er", "take", "participate"),
}

// unitCueWords are, for each of unitCueRes, two lists of words: every
// match holds one of each ("kun" holds "un", "er med" holds "med", "fra"
// and "from" hold "fr"). None holds k or s (TestCueWordsFoldSafely).
var unitCueWords = [][2][]string{
	{{"un", "alene", "udelu"}, {"delta", "med", "tilmeld"}},
	{{"delta", "tilmeld", "med", "part"}, {"fr", "for"}},
}

// unitWordRe matches the words that name a part of a kommune.
var unitWordRe = regexp.MustCompile(`(?i)(forvaltning|område|omraade|center|afdeling|direktørområde|sekretariat|stab)`)

// proseUnit returns the unit the prose names, or "".
func proseUnit(stated []string, d *Directory) string {
	for _, s := range stated {
		if !unitCues.holds(s) {
			continue
		}
		for i, e := range unitCueExprs {
			if !unitCueSets[i][0].holds(s) || !unitCueSets[i][1].holds(s) {
				continue
			}
			m := e.find(s)
			if m == nil {
				continue
			}
			if u := unitName(m[1]); u != "" {
				if _, isKommune := d.Find(u); !isKommune {
					return u
				}
			}
		}
	}
	return ""
}

// unitName returns the leading run of capitalised words of s, joined by
// "og", "&" or hyphens ("Børne- og Ungeforvaltningen", "Social og
// Sundhed"), when it names a unit: it has a unit word or joins two
// capitalised words. A title or a person's name is not a unit.
func unitName(s string) string {
	words := strings.Fields(s)
	n := 0
	for n < len(words) {
		w := words[n]
		if w == "og" || w == "&" || isCapitalised(w) || w == "for" && n+1 < len(words) && isCapitalised(words[n+1]) {
			n++
			continue
		}
		break
	}
	for n > 0 && (words[n-1] == "og" || words[n-1] == "&" || words[n-1] == "for") {
		n--
	}
	u := strings.Join(words[:n], " ")
	switch {
	case n == 0 || isTitleOnly(u) || explicitSide(u) != "":
		return ""
	case unitWordRe.MatchString(u):
		return u
	case n >= 3 && (strings.Contains(u, " og ") || strings.Contains(u, " & ")):
		return u
	}
	return ""
}

// isCapitalised reports whether w starts with an upper-case letter.
func isCapitalised(w string) bool {
	for _, r := range w {
		return r >= 'A' && r <= 'Z' || r == 'Æ' || r == 'Ø' || r == 'Å' || r == 'É' || r == 'Ü' || r == 'Ö' || r == 'Ä'
	}
	return false
}

// contactCueRes find the contact person in prose: "Kontaktperson er
// Bjørn Grønbæk, tlf. 49 28 28 28", "Bjørn Grønbæk er kontaktperson".
var contactCueRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(?:kontaktperson(?:en)?|kontakt|contact(?:\s+person)?)\s+(?:for\s+\S+\s+|hos\s+os\s+|i\s+kommunen\s+)?(?:er|bliver|vil\s+være|is)\s+(.{3,200})`),
	regexp.MustCompile(`(?i)^(.{3,120}?)\s+(?:er|bliver|is)\s+(?:vores\s+|our\s+|the\s+)?(?:kontaktperson|contact)`),
}

// proseContact reads the contact person from the prose, filling an
// address the prose does not give from the participant or sender of the
// same name.
func proseContact(stated []string, r *Reply) Contact {
	for _, s := range stated {
		if !contactCues.holds(s) {
			continue
		}
		for _, re := range contactCueRes {
			m := re.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			c := parseContact(strings.TrimRight(m[1], ".!"))
			c.Name = trailingName(leadingName(c.Name))
			if !isPersonName(c.Name) {
				continue
			}
			if c.Email == "" {
				c.Email = addressOf(c.Name, r)
			}
			return c
		}
	}
	return Contact{}
}

// leadingName returns the run of capitalised words starting s.
func leadingName(s string) string {
	words := strings.Fields(s)
	n := 0
	for n < len(words) && n < 4 && isNameWord(words[n]) {
		n++
	}
	if n == 0 {
		return s
	}
	return strings.Join(words[:n], " ")
}

// addressOf returns the address of the participant or sender named name.
func addressOf(name string, r *Reply) string {
	for _, p := range r.Participants {
		if strings.EqualFold(p.Name, name) && p.Email != "" {
			return p.Email
		}
	}
	if strings.EqualFold(displayName(r.Meta.FromName), name) {
		return r.From
	}
	return ""
}

// displayName turns Outlook's "Efternavn, Fornavn" into "Fornavn
// Efternavn".
func displayName(s string) string {
	if last, first, ok := strings.Cut(s, ","); ok && !strings.Contains(first, ",") {
		return cleanLine(cleanLine(first) + " " + cleanLine(last))
	}
	return cleanLine(s)
}

// selfRe matches the sender taking part herself: "Jeg deltager selv som
// HR-chef", "undertegnede deltager for ledelsen", "I will attend myself".
var selfRe = regexp.MustCompile(`(?i)(?:\bjeg\s+(?:deltager|kommer|tilmelder\s+mig)(?:\s+(?:selv|også|gerne))*|\bundertegnede(?:\s+(?:deltager|kommer))?|\bI\s+(?:will|shall)\s+(?:attend|participate|take\s+part)(?:\s+myself)?)\b(.*)`)

// selfTitleRe reads the title after "som"/"as" in the rest of the
// sentence.
var selfTitleRe = regexp.MustCompile(`(?i)^\s*(?:\(|,)?\s*(?:som|as|i\s+egenskab\s+af)\s+([^,;().]+)|^\s*\(([^)]+)\)`)

// selfParticipant returns the sender as a participant when the prose
// says she takes part herself.
func selfParticipant(stated []string, r *Reply) (Participant, bool) {
	if r.From == "" {
		return Participant{}, false
	}
	for _, s := range stated {
		if !selfCues.holds(s) {
			continue
		}
		m := selfExpr.find(s)
		if m == nil || excludeRe.MatchString(s) {
			continue
		}
		p := Participant{Name: displayName(r.Meta.FromName), Email: r.From}
		rest := ownClause(m[1])
		if t := selfTitleRe.FindStringSubmatch(rest); t != nil {
			p.Title = cleanField(t[1] + t[2])
		}
		before := leadClause(s[:strings.Index(s, m[0])])
		if p.Side = explicitSide(before); p.Side == "" {
			p.Side = sideOf(rest)
		}
		if isSideOnly(p.Title) {
			p.Title = ""
		}
		return p, true
	}
	return Participant{}, false
}

// ownClause returns the start of s up to where another clause begins
// ("som HR-chef, og fra medarbejdersiden deltager …" → "som HR-chef").
func ownClause(s string) string {
	end := len(s)
	for _, sep := range []string{", og ", " og ", "; ", ". ", ", men ", " men "} {
		if i := strings.Index(s, sep); i >= 0 && i < end {
			end = i
		}
	}
	if i := strings.Index(s, ","); i >= 0 && i < end && !strings.Contains(s[:i], "(") {
		end = i
	}
	return s[:end]
}

// intentRe matches the wish to register with the details to follow
// ("Ja tak, vi vil gerne deltage – navne følger").
var intentRe = regexp.MustCompile(`(?i)(\bvi\s+(?:vil|ønsker|oensker)\s+(?:\S+\s+){0,2}?(?:deltage|være\s+med|tilmelde)|\bvi\s+tilmelder\s+(?:os|hermed|kommunen)|\bhermed\s+(?:vores\s+)?tilmelding|\b(?:navne|deltagere|deltagerne|names)\s+(?:følger|foelger|kommer|eftersendes|to\s+follow|will\s+follow)|\bwe\s+would\s+(?:like|love)\s+to\s+(?:take\s+part|participate|join)|\bwe\s+(?:will|want\s+to)\s+(?:take\s+part|participate|join))`)

// intentWords are words one of which every match of intentRe holds:
// "delta" (deltage, deltagere), "være", "tilmeld", "navne", "name",
// "part" (take part, participate), "join". None holds k or s.
var intentWords = []string{"delta", "være", "tilmeld", "navne", "name", "part", "join"}

// wantsToRegister reports whether the prose states the wish to take part
// in a sentence that is neither a question nor a negation.
func wantsToRegister(stated []string) bool {
	for _, s := range stated {
		if !intentLeadCues.holds(s) {
			continue
		}
		if !intentCues.holds(s) {
			continue
		}
		if intentExpr.match(s) && !cancelWeExpr.match(s) {
			return true
		}
	}
	return false
}

// The cue words the prose readers look for before their expressions, as
// wordSets (one pass over a sentence for all words of a list).
var (
	dayCues        = newWordSet("dag", "dato", "day", "øst", "oest", "vest")
	unitCues       = newWordSet("deltag", "tilmeld", "er med", "take part", "particip")
	contactCues    = newWordSet("kontakt", "contact")
	selfCues       = newWordSet("jeg ", "undertegnede", "i will", "i shall")
	intentLeadCues = newWordSet("vi ", "hermed", "navne", "deltagere", "names", "we ")
	intentCues     = newWordSet(intentWords...)
	unitCueSets    = [][2]*wordSet{
		{newWordSet(unitCueWords[0][0]...), newWordSet(unitCueWords[0][1]...)},
		{newWordSet(unitCueWords[1][0]...), newWordSet(unitCueWords[1][1]...)},
	}
)

// selfExpr and intentExpr are selfRe and intentRe tried only at the words
// that start them.
var (
	selfExpr   = newCueExpr(selfRe, "jeg", "undertegnede", "i")
	intentExpr = newCueExpr(intentRe, "vi", "hermed", "navne", "deltagere", "names", "we")
)

// mayStateDay reports whether dayReader.read may find a day in the
// statements in prose: a date needs a digit, a side "for Storebælt"
// (whose folded word needs "stor"); neither spans two statements.
func mayStateDay(stated []string) bool {
	for _, s := range stated {
		if hasASCIIDigit(s) || mayNameStorebaelt(s) {
			return true
		}
	}
	return false
}
