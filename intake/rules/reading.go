package rules

import (
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// What the rules do with the parser's doubts (docs/DESIGN.md, the parse
// contract): a day that is not one of the campaign's, kommuner that strong
// signals disagree on, and a registration held in an attachment the parser
// cannot read. In each case the bot asks, or leaves the mail for a person;
// it never guesses.

// unreadAttachment reports whether the mail's registration is in an
// attached document the parser could not read (a PDF, say): the mail's
// text gave no participants, so asking for them would be wrong — they are
// in the attachment. A person reads it.
func unreadAttachment(r *parser.Reply) bool {
	return len(r.UnreadAttachments) > 0 && len(r.Participants) == 0 &&
		(r.Kind == parser.KindRegistration || r.Kind == parser.KindOther)
}

// dayNotUnderstood adds the missing day to t when the reply stated a day
// that is not one of the campaign's and t has none it could keep; the
// note says so in the history.
func dayNotUnderstood(t *storage.Tilmelding, r *parser.Reply) (note string) {
	if r.DayText == "" || r.Day != nil || t.Day != "" {
		return ""
	}
	t.Missing = append(t.Missing, parser.MissingDay)
	return "dag ikke forstået: »" + r.DayText + "«"
}

// readFrom is the history note of a registration read from an attachment.
func readFrom(r *parser.Reply) string {
	if r.FormAttachment == "" {
		return ""
	}
	return "læst fra vedhæftet " + r.FormAttachment
}

// signalTexts say in Danish where the bot saw a kommune named, for the
// question asked when strong signals disagree.
var signalTexts = map[string]string{
	parser.SignalForm:         "svaret i skemaet",
	parser.SignalReference:    "invitationens reference",
	parser.SignalSenderDomain: "jeres mailadresse",
	parser.SignalSignature:    "underskriften",
	parser.SignalSubject:      "emnefeltet",
	parser.SignalParticipants: "deltagernes mailadresser",
	parser.SignalMention:      "teksten",
}

// conflictText names the kommuner strong signals disagree on, each with
// where it was seen: "Vejle Kommune (svaret i skemaet) og Aarhus Kommune
// (jeres mailadresse, invitationens reference)"; "" when they agree.
func conflictText(cands []parser.KommuneCandidate) string {
	var named []string
	for _, c := range cands {
		var why []string
		for _, w := range c.Why {
			if t, ok := signalTexts[w]; ok {
				why = append(why, t)
			}
		}
		s := c.Name
		if len(why) > 0 {
			s += " (" + strings.Join(why, ", ") + ")"
		}
		named = append(named, s)
	}
	switch len(named) {
	case 0, 1:
		return ""
	}
	return strings.Join(named[:len(named)-1], ", ") + " og " + named[len(named)-1]
}
