package rules

import (
	"context"

	"github.com/seniorpartnerskabet/seniorbot/intake/calendar"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Programme is the campaign's dates as calendar entries; the bot is their
// organizer, and configured times are local to the campaign's time zone.
func (p *Processor) Programme() calendar.Programme {
	return calendar.Programme{Campaign: p.Campaign, Zone: p.Location(), Organizer: p.From}
}

// Calendar returns the calendar attachment of the answer tmpl about
// tilmelding id (issue 13): the programme's dates for a confirmation, the
// removal of the entries sent before for a cancellation, nothing for any
// other answer. It records the entries' SEQUENCE in tx, the transaction
// that queues the answer, and notes them in view for the mail's text, so
// call it before rendering.
func (p *Processor) Calendar(ctx context.Context, tx *storage.Tx, tmpl replies.Template, view *replies.View, id int64) ([]replies.Attachment, error) {
	if p.Replay != nil { // a replay sends nothing, so it moves no entry
		return nil, nil
	}
	var cancel bool
	switch tmpl {
	case replies.TemplateConfirmation:
	case replies.TemplateCancellation:
		cancel = true
	default:
		return nil, nil
	}
	att, titles, ok, err := p.Programme().Attachment(ctx, tx, id, view.Day, cancel, p.Now())
	if err != nil || !ok {
		return nil, err
	}
	view.CalendarMethod, view.CalendarEntries = replies.CalendarPublish, titles
	if cancel {
		view.CalendarMethod = replies.CalendarCancel
	}
	return []replies.Attachment{att}, nil
}
