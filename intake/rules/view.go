package rules

import (
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// View builds what the templates show about tilmelding t (nil for a mail
// that concerns none) and the reply r that caused the answer.
func (p *Processor) View(t *storage.Tilmelding, r *parser.Reply) replies.View {
	v := replies.View{
		Campaign:        p.CampaignView(),
		Question:        r.Question,
		OriginalText:    r.Meta.NewText,
		SenderName:      r.Meta.FromName,
		SenderEmail:     r.From,
		OriginalSubject: r.Meta.Subject,
		StatedDay:       r.DayText,
	}
	if r.Kommune != nil {
		v.KommuneName = r.Kommune.Name
	}
	if t == nil {
		v.Unit, v.HovedMED, v.Contact, v.Participants = r.Unit, r.HovedMED, r.Contact, r.Participants
		if r.Day != nil {
			v.Day, _ = time.Parse(time.DateOnly, *r.Day)
		}
		return v
	}
	v.Unit, v.HovedMED, v.Contact = t.Unit, t.HovedMED, t.Contact
	v.Participants, v.Missing = t.Participants, t.Missing
	v.DaySide = p.Side(t.KommuneCode)
	v.Day, v.DayIsDefault = p.Day(t.Day, v.DaySide)
	return v
}

// Day is the first development day of a tilmelding: the stated one, or
// the default for the kommune's side of Storebælt.
func (p *Processor) Day(stated, side string) (day time.Time, isDefault bool) {
	if d, err := time.Parse(time.DateOnly, stated); err == nil {
		return d, false
	}
	switch side {
	case replies.SideEast:
		return p.Campaign.EastDay.Time, true
	case replies.SideWest:
		return p.Campaign.WestDay.Time, true
	}
	return time.Time{}, false
}

// Side is the kommune's side of Storebælt ("øst" or "vest"), "" if unknown.
func (p *Processor) Side(code string) string {
	if k, ok := p.Parser.Kommuner().ByCode(code); ok {
		return k.Side
	}
	return ""
}

func (p *Processor) CampaignView() replies.Campaign {
	return replies.Campaign{
		Name:     p.Campaign.Name,
		Deadline: p.Campaign.Deadline.Time,
		EastDay:  p.Campaign.EastDay.Time,
		WestDay:  p.Campaign.WestDay.Time,
		Contacts: p.contacts(),
		// The cap counts here so the mail can say how many may come.
		MaxParticipants: p.Campaign.MaxParticipantsPerKommune,
	}
}

func (p *Processor) contacts() []replies.Address {
	out := make([]replies.Address, 0, len(p.Campaign.Contacts))
	for _, c := range p.Campaign.Contacts {
		out = append(out, replies.Address{Name: c.Name, Email: c.Email})
	}
	return out
}

// NewMail starts a mail from the bot with a fresh Message-ID on its domain.
func (p *Processor) NewMail(to []replies.Address, subject, text, html string) replies.Mail {
	return replies.Mail{
		MessageID:   replies.NewMessageID(DomainOf(p.From.Email)),
		Date:        p.Now(),
		From:        p.From,
		To:          to,
		Subject:     subject,
		AutoReplied: true,
		Text:        text,
		HTML:        html,
	}
}
