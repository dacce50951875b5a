package parser

import (
	"strings"
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
	body, text := m.text(), ""
	if p.isStaff(m.from.addr) {
		body = p.unwrapForward(r, m, body)
		text = newText(body)
	} else {
		text = m.newText() // the scan isStub began, read on
	}
	text = limitText(text)
	r.Meta.NewText = text
	if isList(m) {
		return // a newsletter: leave it for a person as "other"
	}
	base := *r
	f := p.readContent(r, text)
	p.readQuotedForm(r, base, body, text, f)
	if docs := m.allDocs(); len(docs) > 0 && len(r.Participants) == 0 {
		p.readDocuments(r, base, docs, text)
	}
}

// readDocuments reads the registration from attached documents when the
// mail's own text gave no participants ("se vedhæftede"): the first
// .docx or .xlsx that yields participants is read together with the
// text. Documents the parser cannot read (PDF, .doc) are named in
// UnreadAttachments so a person looks at them: such a mail is never
// answered as if nothing had been sent.
func (p *Parser) readDocuments(r *Reply, base Reply, docs []attachment, text string) {
	for _, d := range docs {
		if d.kind == docKindUnreadable {
			continue
		}
		alt := base
		p.readContent(&alt, d.text+"\n\n"+text)
		if len(alt.Participants) > 0 {
			alt.FormAttachment = d.name
			*r = alt
			return
		}
	}
	for _, d := range docs {
		if d.kind == docKindUnreadable {
			r.UnreadAttachments = append(r.UnreadAttachments, d.name)
		}
	}
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
// new text of a reply, and returns the form it read there.
func (p *Parser) readContent(r *Reply, text string) *form {
	f := readForm(text)
	prose, proseLines, signature := proseParts(f)
	sents := sentencesIn(proseLines, true) // read once; every prose reader below uses them
	stated := statements(sents)
	r.Participants = readParticipants(f, prose, r.From)
	if !f.present() {
		if me, ok := selfParticipant(stated, r); ok {
			r.Participants = mergeParticipants(append(r.Participants, me))
		}
		r.Participants = append(r.Participants, namedInProse(stated, r.Participants)...)
	}
	p.weighKommune(r, f, prose, signature)
	r.Unit = readUnit(f.answers[fieldUnit])
	if r.Unit == "" && f.answers[fieldUnit] == "" {
		r.Unit = proseUnit(stated, p.dir)
	}
	r.HovedMED = readHovedMED(f.answers[fieldHovedMED], false)
	if r.HovedMED == nil {
		r.HovedMED = readHovedMED(hovedMEDSentences(sents), true)
	}
	p.readDay(r, f, stated)
	r.Contact = parseContact(f.answers[fieldContact])
	if r.Contact == (Contact{}) {
		r.Contact = proseContact(stated, r)
	}
	r.Question = questionsIn(sents)

	switch {
	case (f.present() && f.filled()) || ((r.Kommune != nil || r.KommuneConflict != nil) && (len(r.Participants) > 0 || wantsToRegister(stated) && !cancels(sents))):
		r.Kind = KindRegistration
		r.Missing = MissingFor(r.Kommune, r.HovedMED, r.Participants)
		if r.DayText != "" {
			r.Missing = append(r.Missing, MissingDay)
		}
	case cancels(sents):
		r.Kind = KindCancellation
	case r.Question != "":
		r.Kind = KindQuestion
	default:
		r.Kind = KindOther
	}
	return f
}

// proseText returns the lines of text that are neither form labels nor
// part of the signature: the free text in which prose answers are sought.
// f is readForm(text).
func proseText(text string, f *form) string {
	prose, _, _ := proseParts(f)
	return prose
}

// proseParts returns the prose of the form's text (see proseText), as
// text and as cleaned lines, and the signature: the lines from the
// closing greeting on.
func proseParts(f *form) (prose string, lines []string, signature string) {
	out := make([]string, 0, len(f.lines))
	lines = make([]string, 0, len(f.lines))
	for i, line := range f.lines {
		in := &f.info[i]
		if maybeSalutation(in.clean) {
			signature = strings.Join(f.lines[i:], "\n")
			break
		}
		if f.labelLines[i] || in.formLine() {
			continue
		}
		out = append(out, line)
		lines = append(lines, in.clean)
	}
	return strings.Join(out, "\n"), lines, signature
}

// hovedMEDSentences returns the sentences of text that mention HovedMED.
func hovedMEDSentences(sents []string) string {
	var out []string
	for _, s := range sents {
		if !containsFold(s, "hov") {
			continue // only H, O and V fold to h, o and v: no fold(s) needed
		}
		if f := fold(s); strings.Contains(f, "hovedmed") || strings.Contains(f, "hoved-med") || strings.Contains(f, "hovedudvalg") {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
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
