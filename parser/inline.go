package parser

import "strings"

// Answers typed into the quoted form. People answer the invitation (or a
// missing-information mail) inline: Gmail users type under each quoted
// label ("> Kommune:" then "Aarhus Kommune"), Outlook users type into the
// unprefixed copy of the bot's mail below their reply. Quoted text is
// never data, but a form line of the bot's own mail that carries an
// answer is the sender's: the bot's form is blank but for what the bot
// itself understood before, so anything written after a label there is
// either the sender's answer or the bot's own reading of an earlier one.
//
// Only the bot's own mail is read so (its address, Options.OwnAddress,
// stands in the quote header or attribution): a quoted earlier mail of
// the kommune's own holds answers that later mails may have changed.

// quoteHeaderLines is how many lines from the start of a quote its header
// (or attribution) may take.
const quoteHeaderLines = 8

// quotedForm returns the form of the bot's own quoted mail as the sender
// filled it in, with Gmail's inline answers joined to their quoted labels,
// or "" when the first quoted mail is not the bot's or holds no form.
func quotedForm(body, own string) string {
	if own == "" {
		return ""
	}
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	start := firstQuote(lines)
	if start < 0 || !namesAddress(lines[start:min(start+quoteHeaderLines, len(lines))], own) {
		return ""
	}
	var out []string
	inForm, formQuoted, label := false, false, -1
	for _, raw := range lines[start+1:] {
		quoted := strings.HasPrefix(strings.TrimSpace(raw), ">")
		l := cleanLine(strings.TrimLeft(strings.TrimSpace(raw), "> "))
		if replyLineAt(l) >= 0 {
			break // below it is the rest of the bot's mail, then older mail
		}
		if !inForm {
			if startMarkerRe.MatchString(l) {
				inForm, formQuoted = true, quoted
				out = append(out, l)
			}
			continue
		}
		if endMarkerRe.MatchString(l) {
			return strings.Join(append(out, l), "\n")
		}
		if formQuoted && !quoted && label >= 0 && l != "" {
			out[label] += " " + l // Gmail: the answer typed under the quoted label
			continue
		}
		out = append(out, l)
		if lb, ok := matchLabel(l); ok && lb.strong && lb.answer == "" && quoted {
			label = len(out) - 1
		} else {
			label = -1
		}
	}
	return "" // no end marker: not the bot's form, or cut off
}

// firstQuote is the index of the line that starts the first quoted mail
// (an attribution or a header block), or -1.
func firstQuote(lines []string) int {
	q := linesOf(lines) // one reading of the lines for every start tested
	for i := 0; q.has(i); i++ {
		if !strings.HasPrefix(q.cleanAt(i), ">") && q.startsQuote(i) {
			return i
		}
	}
	return -1
}

// namesAddress reports whether the quote's sender is addr: the From
// field of its header block, or its attribution line ("… skrev Navn
// <addr>:"). An address in To or Cc does not count.
func namesAddress(lines []string, addr string) bool {
	addr = strings.ToLower(addr)
	for _, l := range lines {
		t := cleanLine(l)
		if quoteFromRe.MatchString(t) || attributionMatch(t) {
			return strings.Contains(strings.ToLower(t), addr)
		}
	}
	return false
}

// readQuotedForm reads the answers typed into the bot's quoted form when
// the new text has no filled form of its own (f, as readContent read it):
// the whole reading is redone on the new text and that form together, so
// the new text's own statements still count.
func (p *Parser) readQuotedForm(r *Reply, base Reply, body, text string, f *form) {
	own := p.opts.OwnAddress
	if own == "" || f.present() && f.filled() || !containsFold(body, own) {
		return // the cheap tests first
	}
	form := quotedForm(body, own)
	if form == "" || !readForm(form).filled() {
		return
	}
	alt := base
	p.readContent(&alt, text+"\n\n"+form)
	if alt.Kind == KindRegistration {
		*r = alt
	}
}
