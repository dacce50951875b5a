// Package calendar decides the calendar entries a mail about a tilmelding
// carries (issue 13, item 3): which of the programme's dates the kommune
// goes to, their UIDs (stable per tilmelding), and their SEQUENCE, kept in
// the database so a changed day moves the entry Outlook already has and a
// cancellation removes it. replies writes the .ics; the rules and `seniorbot
// resend` ask Entries for it while they queue the mail, in the same
// transaction.
package calendar

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Programme is the campaign's dates as calendar entries are made of them.
type Programme struct {
	Campaign config.CampaignConfig
	// Zone is the time zone the configured times are local to.
	Zone *time.Location
	// Organizer is the bot: RFC 5546 wants an organizer, and nobody is
	// asked to answer it (the method is PUBLISH).
	Organizer replies.Address
}

// Attachment returns the calendar attachment for a mail about tilmelding
// id whose first development day is day, and records what it sends in tx:
// for a confirmation (cancel false) every known date, each with the
// SEQUENCE it had, or one higher when it changed since it was last sent;
// for a cancellation (cancel true) a CANCEL of every entry sent before.
// ok is false when there is nothing to attach: no day known yet, or a
// cancellation of a tilmelding that never had an entry. The entries'
// titles, for the mail's text, come with it.
func (p Programme) Attachment(ctx context.Context, tx *storage.Tx, id int64, day time.Time, cancel bool, now time.Time) (att replies.Attachment, titles []string, ok bool, err error) {
	if id == 0 || day.IsZero() {
		return att, nil, false, nil
	}
	prev, err := tx.CalendarEntries(ctx, id)
	if err != nil {
		return att, nil, false, err
	}
	sent := map[string]storage.CalendarEntry{}
	for _, e := range prev {
		sent[e.UID] = e
	}
	method := replies.CalendarPublish
	var events []replies.CalendarEvent
	for _, ev := range p.Events(id, day) {
		e, known := sent[ev.UID]
		fp := ev.Fingerprint()
		switch {
		case cancel && (!known || e.Cancelled):
			continue // nothing in their calendar to remove
		case cancel:
			ev.Sequence, e.Cancelled = e.Sequence+1, true
		case !known:
			ev.Sequence, e = 0, storage.CalendarEntry{UID: ev.UID, TilmeldingID: id}
		case e.Cancelled || e.Fingerprint != fp:
			// Moved, or back after a cancellation: a new version.
			ev.Sequence, e.Cancelled = e.Sequence+1, false
		default:
			ev.Sequence = e.Sequence // the same entry again: Outlook keeps it as it is
		}
		e.Sequence, e.Fingerprint = ev.Sequence, fp
		if err := tx.SaveCalendarEntry(ctx, e, now); err != nil {
			return att, nil, false, err
		}
		events = append(events, ev)
		titles = append(titles, ev.Summary+", "+dateText(ev))
	}
	if cancel {
		method = replies.CalendarCancel
	}
	if len(events) == 0 {
		return att, nil, false, nil
	}
	att, err = replies.CalendarAttachment(method, p.Organizer, now, events)
	return att, titles, err == nil, err
}

// Events are the calendar entries of tilmelding id whose first
// development day is day: that day, then every further date of the
// programme that is known, on the side of Storebælt whose first day the
// kommune chose. Sequences are 0; Attachment sets them.
func (p Programme) Events(id int64, day time.Time) []replies.CalendarEvent {
	c := p.Campaign
	east := sameDate(day, c.EastDay.Time)
	if !east && !sameDate(day, c.WestDay.Time) {
		// A day the campaign does not know: the parser marks it missing,
		// so no confirmation carries it; without a side, nothing fits.
		return nil
	}
	first := c.FirstDay
	out := []replies.CalendarEvent{p.event(id, "udviklingsdag-1", "1. udviklingsdag", day, first.Start, first.End,
		pick(east, first.EastLocation, first.WestLocation))}
	for _, pd := range c.Programme {
		d := pd.Day.Time
		if d.IsZero() {
			d = pick(east, pd.EastDay, pd.WestDay).Time
		}
		if d.IsZero() {
			continue // not known yet
		}
		where := pd.Location
		if where == "" {
			where = pick(east, pd.EastLocation, pd.WestLocation)
		}
		out = append(out, p.event(id, "programme-"+replies.Slug(pd.Title), pd.Title, d, pd.Start, pd.End, where))
	}
	return out
}

// event makes one entry; start and end are "15:04" local times or both
// empty for an all-day entry (config.Validate checks them).
func (p Programme) event(id int64, key, title string, day time.Time, start, end, location string) replies.CalendarEvent {
	name := p.Campaign.Name
	if name == "" {
		name = "Seniorpartnerskabet"
	}
	ev := replies.CalendarEvent{
		UID:      fmt.Sprintf("%s-tilmelding-%d-%s@%s", replies.Slug(name), id, key, domainOf(p.Organizer.Email)),
		Summary:  name + ": " + title,
		Location: location,
		Day:      day,
		Description: name + " – " + title + ". Tilmeldingen er registreret af " + name +
			"s tilmeldingsbot; ændringer sendes som svar på bekræftelsen.",
	}
	s, err1 := time.Parse("15:04", start)
	e, err2 := time.Parse("15:04", end)
	if err1 == nil && err2 == nil {
		zone := p.Zone
		if zone == nil {
			zone = time.UTC
		}
		at := func(t time.Time) time.Time {
			return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, zone)
		}
		ev.Start, ev.End = at(s), at(e)
	}
	return ev
}

func dateText(ev replies.CalendarEvent) string {
	if ev.AllDay() {
		return replies.DanishDate(ev.Day)
	}
	return replies.DanishDate(ev.Start) + " kl. " + ev.Start.Format("15.04") + "–" + ev.End.Format("15.04")
}

func pick[T any](east bool, e, w T) T {
	if east {
		return e
	}
	return w
}

func sameDate(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return false
	}
	return a.Year() == b.Year() && a.Month() == b.Month() && a.Day() == b.Day()
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return strings.ToLower(d)
	}
	return "seniorbot.invalid"
}
