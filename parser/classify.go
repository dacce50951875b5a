package parser

import (
	"strings"
	"unicode"
)

// classify fills r from the decoded message m.
func (p *Parser) classify(r *Reply, m *mailMsg) {
	if failed, status, ok := bounce(m); ok {
		r.Kind, r.FailedRecipients, r.Meta.FailedStatus = KindBounce, failed, status
		return
	}
	if isAutoReply(m, r.Meta.Subject) {
		r.Kind = KindAutoReply
		return
	}
	body := m.text()
	if p.isStaff(m.from.addr) {
		body = p.unwrapForward(r, m, body)
	}
	text := limitText(newText(body))
	r.Meta.NewText = text
	if isList(m) {
		return // a newsletter: leave it for a person as "other"
	}
	p.readContent(r, text)
}

// isStaff reports whether addr is in one of the staff domains.
func (p *Parser) isStaff(addr string) bool {
	_, dom, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	for _, s := range p.opts.StaffDomains {
		if dom == s || strings.HasSuffix(dom, "."+s) {
			return true
		}
	}
	return false
}

// unwrapForward handles a staff member's forward: the original sender
// becomes Reply.From, the staff member ForwardedBy, and the original's
// text is what is read. A mail without a forwarded original is returned
// as is (staff may also write themselves).
func (p *Parser) unwrapForward(r *Reply, m *mailMsg, body string) string {
	if len(m.attached) > 0 {
		inner := m.attached[0]
		if inner.from.addr != "" {
			r.From, r.ForwardedBy, r.Meta.FromName = inner.from.addr, m.from.addr, inner.from.name
		}
		return inner.text()
	}
	f, ok := findForward(body)
	if !ok {
		return body
	}
	if f.addr != "" && !p.isStaff(f.addr) {
		// Without an address (Outlook may show only a name) the staff
		// member stays the sender: the reply must go somewhere real.
		r.From, r.ForwardedBy, r.Meta.FromName = f.addr, m.from.addr, f.name
	}
	return f.body
}

// readContent reads the registration, cancellation or question in the
// new text of a reply.
func (p *Parser) readContent(r *Reply, text string) {
	f := readForm(text)
	prose := proseText(text, f)
	r.Kommune = p.readKommune(f, text, r.From)
	if r.Kommune == nil {
		r.Kommune = p.readReference(r, text)
	}
	r.Unit = readUnit(f.answers[fieldUnit])
	r.HovedMED = readHovedMED(f.answers[fieldHovedMED], false)
	if r.HovedMED == nil {
		r.HovedMED = readHovedMED(hovedMEDSentences(prose), true)
	}
	days := dayReader{east: p.east, west: p.west}
	if ans := f.answers[fieldDay]; ans != "" {
		r.Day = days.read(ans, false)
	} else {
		r.Day = days.read(prose, true)
	}
	r.Contact = parseContact(f.answers[fieldContact])
	r.Participants = readParticipants(f, prose)
	r.Question = questionText(prose)

	switch {
	case (f.present() && f.filled()) || (r.Kommune != nil && len(r.Participants) > 0):
		r.Kind = KindRegistration
		r.Missing = MissingFor(r.Kommune, r.HovedMED, r.Participants)
	case isCancellation(prose):
		r.Kind = KindCancellation
	case r.Question != "":
		r.Kind = KindQuestion
	default:
		r.Kind = KindOther
	}
}

// readReference names the kommune by the invitation's reference
// ("[SP-0751]") in the subject, the new text, or the Message-IDs the reply
// answers: the sender's text did not say which kommune it is.
func (p *Parser) readReference(r *Reply, text string) *KommuneRef {
	ids := strings.Join(append(append([]string{}, r.Meta.InReplyTo...), r.Meta.References...), " ")
	for _, s := range [][2]string{{r.Meta.Subject, text}, {"", ids}} {
		if code, ok := Reference(s[0], s[1]); ok {
			if k, ok := p.dir.ByCode(code); ok {
				return k.Ref()
			}
		}
	}
	return nil
}

// readKommune names the kommune: by the form's answer, else by a
// "… Kommune" mention in the text, else by the sender's domain.
func (p *Parser) readKommune(f *form, text, from string) *KommuneRef {
	if ans := f.answers[fieldKommune]; ans != "" {
		if k, ok := p.dir.Find(ans); ok {
			return k.Ref()
		}
		if k, ok := p.dir.FindApprox(ans); ok {
			return k.Ref()
		}
	}
	if k, ok := p.dir.findMention(text); ok {
		return k.Ref()
	}
	if k, ok := p.dir.findMisspeltMention(text); ok {
		return k.Ref()
	}
	if k, ok := p.dir.ByEmailDomain(from); ok {
		return k.Ref()
	}
	return nil
}

// proseText returns the lines of text that are neither form labels nor
// part of the signature: the free text in which prose answers are sought.
func proseText(text string, f *form) string {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		if isSalutation(line) {
			break
		}
		if f.labelLines[i] || isFormLine(cleanLine(line)) {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// hovedMEDSentences returns the sentences of text that mention HovedMED.
func hovedMEDSentences(text string) string {
	var out []string
	for _, s := range sentences(text) {
		if strings.Contains(fold(s), "hovedmed") {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// readParticipants parses the form's participant lines or, without them,
// the lines of prose that carry an address and a title, side or list mark.
// A heading line ("Navn  E-mail  Stilling  Ledelse/medarbejder") maps the
// columns of the rows under it.
func readParticipants(f *form, prose string) []Participant {
	out := []Participant{}
	var cols []column
	for _, line := range f.participants {
		if h := headerRow(line); h != nil {
			cols = h
			continue
		}
		if p, ok := parseParticipantCols(line, false, cols); ok {
			out = append(out, p)
		}
	}
	if len(out) > 0 || len(f.participants) > 0 {
		return out
	}
	cols = nil
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, proseParticipants(strings.Join(para, " "))...)
			para = para[:0]
		}
	}
	for _, line := range strings.Split(prose, "\n") {
		t := cleanLine(line)
		if t == "" {
			flush()
			continue
		}
		if h := headerRow(t); h != nil {
			flush()
			cols = h
			continue
		}
		listed := listItemRe.MatchString(t) || isColumnLine(t)
		if !listed && !isEntryLine(t) {
			para = append(para, t) // prose, perhaps wrapped: read by paragraph
			continue
		}
		flush()
		if firstEmail(t) == "" {
			continue
		}
		item := listItemRe.ReplaceAllString(t, "")
		if isColumnLine(t) {
			if p, ok := parseParticipantCols(item, false, cols); ok {
				out = append(out, p)
			}
			continue
		}
		for _, seg := range splitAtEmails(item) {
			if !listed && sideOf(seg) == "" {
				continue // an address in a sentence is not a participant
			}
			if p, ok := parseParticipant(seg, false); ok {
				out = append(out, p)
			}
		}
	}
	flush()
	return out
}

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

// proseParticipants reads the people named with an address in a
// paragraph of prose: "Vi deltager med HR-chef Lotte Bæk (lb@x.dk) og FTR
// Steen Mølgaard, sm@x.dk" or "Maria Krogh (HR-chef, mk@x.dk)". An address
// without a title or side next to it is not a participant.
func proseParticipants(para string) []Participant {
	var out []Participant
	for _, seg := range splitAtEmails(para) {
		if sideOf(seg) == "" {
			continue
		}
		if p, ok := proseParticipant(seg); ok {
			out = append(out, p)
		}
	}
	return out
}

// notNameWords are capitalised words that start sentences, not names.
var notNameWords = map[string]bool{
	"vi": true, "fra": true, "hermed": true, "med": true, "og": true, "det": true,
	"der": true, "den": true, "de": true, "deltagere": true, "deltager": true,
	"kontaktperson": true, "kommune": true, "i": true, "hej": true, "samt": true,
	"it": true, "hr": true, "os": true, "er": true, "kommer": true,
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
	}
	p.Name = strings.Trim(strings.Join(words[n:], " "), ",;:")
	t := n
	for t > 0 && n-t < 3 && isTitleOnly(strings.Trim(words[t-1], ",;:()")) {
		t--
	}
	if t < n {
		titles = append([]string{strings.Trim(strings.Join(words[t:n], " "), ",;:()")}, titles...)
	}
	var kept []string
	for _, f := range titles {
		if matchSide(f, true) != "" && len(sideWords(f)) <= 2 {
			continue // "(ledelse)": a side, not a title
		}
		kept = append(kept, f)
	}
	p.Title = strings.Join(kept, ", ")
	p.Side = sideOf(strings.Join(titles, " , "))
	if p.Side == "" {
		p.Side = sideOf(seg)
	}
	return p, true
}

// isNameWord reports whether w can be part of a person's name: a
// capitalised word that is neither a title nor a sentence word.
func isNameWord(w string) bool {
	w = strings.Trim(w, ",;:()\"'")
	r := []rune(w)
	if len(r) == 0 || !unicode.IsUpper(r[0]) || notNameWords[fold(w)] {
		return false
	}
	return !isTitleOnly(w) && strings.IndexFunc(w, unicode.IsDigit) < 0
}

// splitAtEmails cuts a line that names several people ("Anne (HR-chef,
// a@x) og Bo (FTR, b@x)") into one segment per address.
func splitAtEmails(line string) []string {
	locs := emailRe.FindAllStringIndex(line, -1)
	if len(locs) <= 1 {
		return []string{line}
	}
	var out []string
	start := 0
	for i, loc := range locs {
		end := loc[1]
		if i == len(locs)-1 {
			end = len(line)
		} else if j := strings.IndexAny(line[end:min(end+3, len(line))], ");,"); j >= 0 {
			end += j + 1
		}
		seg := strings.TrimSpace(line[start:end])
		for _, w := range []string{"og ", "samt ", "and ", ", ", "; "} {
			seg = strings.TrimPrefix(seg, w)
		}
		out = append(out, seg)
		start = end
	}
	return out
}

// maxTextBytes bounds the new text that is read for answers. A real reply
// is a few kilobytes; the bound keeps a hostile one from costing more.
const maxTextBytes = 64 << 10

// limitText cuts text to maxTextBytes at a line boundary.
func limitText(text string) string {
	if len(text) <= maxTextBytes {
		return text
	}
	text = text[:maxTextBytes]
	if i := strings.LastIndexByte(text, '\n'); i > 0 {
		text = text[:i]
	}
	return strings.ToValidUTF8(text, "")
}
