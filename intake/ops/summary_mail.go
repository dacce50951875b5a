// The summary's list of mails: what came in since the last summary, by
// kind and outcome, the ones that need a person (with the Danish labels,
// one place for each), bounced addresses and mails that failed or may
// have gone twice.

package ops

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// kindLabels are the kinds of mail in Danish, singular and plural, in the
// order the summary counts them. "" is a mail that could not be read.
var kindLabels = []struct{ kind, one, many string }{
	{string(parser.KindRegistration), "tilmelding", "tilmeldinger"},
	{string(parser.KindCancellation), "afmelding", "afmeldinger"},
	{string(parser.KindQuestion), "spørgsmål", "spørgsmål"},
	{string(parser.KindAutoReply), "autosvar", "autosvar"},
	{string(parser.KindBounce), "returmail", "returmails"},
	{string(parser.KindOther), "anden mail", "andre mails"},
	{"", "ulæselig mail", "ulæselige mails"},
}

// outcomeTexts say in Danish what the bot did with a mail.
var outcomeTexts = map[string]string{
	rules.OutcomeConfirmed:         "bekræftet over for afsenderen",
	rules.OutcomeMissingRequested:  "afsenderen er bedt om det, der mangler",
	rules.OutcomeQuestionForwarded: "sendt videre til kontaktpersonerne; spørgeren har fået kvittering",
	rules.OutcomeAutoReplyNoted:    "autosvar, ikke besvaret",
	rules.OutcomeBounceNoted:       "returmail noteret",
	rules.OutcomeOwnMail:           "botens egen mail, ignoreret",
	rules.OutcomeLeftForPerson:     "ikke besvaret – venter på en person",
	rules.OutcomeLatePassedOn:      "sen tilmelding, sendt videre til kontaktpersonerne",
	rules.OutcomeCancelled:         "afmeldt og bekræftet over for afsenderen",
	rules.OutcomeNotAnswered:       "ikke besvaret",
	rules.OutcomeParseFailed:       "kunne ikke læses",
	rules.OutcomeProcessingFailed:  "programmet fejlede på den – gemt uændret, ikke besvaret",
	rules.OutcomeHeld:              "holdt tilbage – intet ændret, afsenderen har fået en neutral kvittering",
	rules.OutcomeApplied:           "holdt tilbage, siden gennemført af jer",
	rules.OutcomeRejected:          "holdt tilbage, siden afvist af jer – intet ændret",
	rules.OutcomeDecisionMail:      "jeres beslutningsmail (Godkend/Afvis/Besvaret) – udført, afsenderen har fået kvittering",
}

func outcomeText(outcome string) string {
	if t, ok := outcomeTexts[outcome]; ok {
		return t
	}
	return outcome
}

// attentionLabels say in Danish why a person should look at a flagged
// mail, in the order the summary groups them. A flag without a label is
// still listed, under its code.
var attentionLabels = []struct{ flag, label string }{
	{rules.AttentionLate, "Sene tilmeldinger – venter på jeres beslutning"},
	{rules.AttentionUnverifiedSender, "Afsender ikke bekræftet – ændringen er IKKE foretaget og venter på jer (Godkend/Afvis under »Venter på jeres beslutning«, eller seniorbot decide NR apply|reject); afsenderen har kun fået en neutral kvittering"},
	{rules.AttentionUnverifiedStaff, "Videresendt fra en KL/FF-adresse, som ikke bestod afsenderkontrollen (SPF/DKIM/DMARC) – ikke behandlet som tilmelding"},
	{rules.AttentionFlood, "Ikke besvaret: afsenderen har fået dagens største antal automatiske svar (mulig mail-løkke) – mailen er gemt"},
	{rules.AttentionUndeliverable, "Ikke besvaret: afsenderens adresse har tidligere givet en returmail"},
	{rules.AttentionUnknownKommune, "Afmeldinger, der ikke passer til nogen tilmelding"},
	{rules.AttentionNoContacts, "Spørgsmål, der ikke kunne sendes videre (ingen kontaktpersoner sat op)"},
	{rules.AttentionProcessingError, "Mails, som seniorbot gentagne gange fejlede på (en programfejl, se loggen) – gemt uændret og ikke besvaret; behandl dem i hånden, eller videresend dem til postkassen, når fejlen er rettet"},
	{rules.AttentionAttachment, "Tilmeldinger i en vedhæftet fil, som ikke kan læses automatisk (fx PDF) – ikke besvaret; læs filen og registrér i hånden"},
	{rules.AttentionKommuneConflict, "Mails, der nævner flere kommuner – afsenderen er spurgt, hvilken kommune tilmeldingen gælder"},
	{rules.AttentionUnreadable, "Mails, der ikke kunne læses"},
	{rules.AttentionUnprovenBounce, "Ligner en returmail, men henviser ikke til en mail fra seniorbot – ingen adresse er markeret som ubrugelig"},
	{rules.AttentionNullSender, "Ikke besvaret: tom afsenderadresse (Return-Path: <>), som automatisk post – mailen er gemt"},
	{rules.AttentionUnreadableSender, "Ikke besvaret: afsenderfeltet (From) kan ikke læses som én adresse"},
	{rules.AttentionQuestionDigest, "Spørgsmål ud over dagens grænse for videresendelser – se dem under Spørgsmål her"},
	{rules.AttentionOther, "Andre mails (hverken tilmelding, afmelding eller spørgsmål)"},
}

// parsedFacts is what the summary reads from a message's parse JSON.
type parsedFacts struct {
	Kommune     *parser.KommuneRef `json:"kommune"`
	Question    string             `json:"question"`
	ForwardedBy string             `json:"forwarded_by"`
}

func (b *summaryBuilder) messages(msgs []storage.Message) {
	counts := map[string]int{}
	groups := map[string]*replies.AttentionGroup{}
	for _, m := range msgs {
		counts[m.Kind]++
		var facts parsedFacts
		if m.ParseJSON != "" {
			_ = json.Unmarshal([]byte(m.ParseJSON), &facts) // best effort: the summary still lists the mail
		}
		sm := replies.SummaryMessage{
			At: m.ReceivedAt.In(b.loc), Sender: oneLine(m.Sender, 200), ForwardedBy: oneLine(facts.ForwardedBy, 200),
			Subject:     oneLine(m.Subject, 200),
			KommuneName: b.kommuneOf(m, facts), Outcome: outcomeText(m.Outcome),
		}
		if q := strings.TrimSpace(facts.Question); q != "" || m.Kind == string(parser.KindQuestion) {
			sm.Question = clip(strings.ReplaceAll(q, "\r\n", "\n"), 2000)
			if m.Kind != string(parser.KindQuestion) {
				sm.Outcome = "stillet i en mail om tilmelding; sendt videre til kontaktpersonerne"
			}
			b.s.Questions = append(b.s.Questions, sm)
			sm.Question = ""
		}
		if m.AttentionReason != "" {
			// Which mail, for seniorbot decide, and why it was held.
			sm.Note = fmt.Sprintf("nr. %d: %s", m.ID, oneLine(m.AttentionReason, 300))
		}
		if m.Attention != "" {
			g := groups[m.Attention]
			if g == nil {
				g = &replies.AttentionGroup{Flag: m.Attention, Label: "Andet: " + m.Attention}
				groups[m.Attention] = g
			}
			g.Messages = append(g.Messages, sm)
		}
	}
	for _, k := range kindLabels {
		if n := counts[k.kind]; n > 0 {
			label := k.many
			if n == 1 {
				label = k.one
			}
			b.s.Kinds = append(b.s.Kinds, replies.KindCount{Kind: k.kind, Label: label, N: n})
			delete(counts, k.kind)
		}
	}
	for _, kind := range sortedKeys(counts) { // a kind added to the parser later
		b.s.Kinds = append(b.s.Kinds, replies.KindCount{Kind: kind, Label: "mails af typen " + kind, N: counts[kind]})
	}
	for _, a := range attentionLabels {
		if g := groups[a.flag]; g != nil {
			g.Label = a.label
			b.s.Attention = append(b.s.Attention, *g)
			delete(groups, a.flag)
		}
	}
	for _, flag := range sortedKeys(groups) {
		b.s.Attention = append(b.s.Attention, *groups[flag])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// kommuneOf names the kommune a message concerns: the one the parser
// read, the tilmelding it changed, or the sender's domain.
func (b *summaryBuilder) kommuneOf(m storage.Message, facts parsedFacts) string {
	if facts.Kommune != nil && facts.Kommune.Name != "" {
		return facts.Kommune.Name
	}
	if t, ok := b.byID[m.TilmeldingID]; ok {
		return t.KommuneName
	}
	if k, ok := b.dir.ByEmailDomain(m.Sender); ok {
		return k.Name
	}
	return ""
}

// bounced lists every undeliverable address with the kommune it belongs
// to: the tilmelding that names it (as participant, contact person or the
// address answered), else the kommune owning its domain.
func (b *summaryBuilder) bounced(list []storage.Undeliverable) {
	for _, u := range list {
		ba := replies.BouncedAddress{Address: oneLine(u.Address, 200), Status: oneLine(u.Status, 20),
			FirstSeen: u.FirstSeen.In(b.loc), New: b.since.IsZero() || !u.FirstSeen.Before(b.since)}
		ba.KommuneName, ba.Role = b.owner(u.Address)
		b.s.Bounced = append(b.s.Bounced, ba)
	}
}

func (b *summaryBuilder) owner(addr string) (kommune, role string) {
	for _, t := range b.s.Tilmeldinger {
		name := t.KommuneName
		if t.Unit != "" {
			name += " (" + t.Unit + ")"
		}
		for _, p := range t.Participants {
			if strings.EqualFold(p.Email, addr) {
				return name, "deltager" + withName(p.Name)
			}
		}
		if strings.EqualFold(t.Contact.Email, addr) {
			return name, "kontaktperson" + withName(t.Contact.Name)
		}
		if strings.EqualFold(t.ReplyTo, addr) {
			return name, "afsender af tilmeldingen"
		}
	}
	if k, ok := b.dir.ByEmailDomain(addr); ok {
		return k.Name, ""
	}
	return "", ""
}

func withName(name string) string {
	if name = oneLine(name, 100); name != "" {
		return " " + name
	}
	return ""
}

func (b *summaryBuilder) failed(rows []storage.OutboxRow) {
	for _, r := range rows {
		f := replies.FailedMail{CreatedAt: r.CreatedAt.In(b.loc), Kind: r.Kind,
			Recipients: oneLine(r.Recipients, 300), Error: oneLine(r.LastError, 300)}
		if m, err := replies.UnmarshalMail(r.Mail); err == nil {
			f.Subject = oneLine(m.Subject, 200)
		}
		b.s.Failed = append(b.s.Failed, f)
	}
}

func (b *summaryBuilder) maybeTwice(rows []storage.OutboxRow) {
	for _, r := range rows {
		m := replies.RepeatedMail{SentAt: r.SentAt.In(b.loc), Recipients: oneLine(r.Recipients, 300)}
		if mail, err := replies.UnmarshalMail(r.Mail); err == nil {
			m.Subject = oneLine(mail.Subject, 200)
		}
		b.s.MaybeTwice = append(b.s.MaybeTwice, m)
	}
}

// oneLine makes text from a mail safe for one line of the summary: control
// characters and line breaks become spaces, runs of blanks one, and it is
// cut at limit runes.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	return clip(s, limit)
}

// clip cuts s at limit runes, marking the cut with "…".
func clip(s string, limit int) string {
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}
