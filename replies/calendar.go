// Calendar entries (issue 13, item 3): the programme's dates as an .ics
// attachment to the confirmation, so a kommune's people can put them in
// Outlook with one click, and a later mail moves or removes them.

package replies

import (
	"bytes"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// The iCalendar methods (RFC 5546) a calendar attachment carries.
//
// PUBLISH, not REQUEST: the bot informs, it does not invite. Outlook shows
// a REQUEST as a meeting invitation with Accept/Decline buttons and mails
// each answer to the organizer — the bot's own mailbox, where every
// "Accepteret:" would land as a mail for a person. A PUBLISH with no
// attendees is added as an ordinary appointment with no answer asked for,
// and a later PUBLISH with the same UID and a higher SEQUENCE updates it in
// place. CANCEL with the same UID removes it.
const (
	CalendarPublish = "PUBLISH"
	CalendarCancel  = "CANCEL"
)

// CalendarContentType is the content type of the attachment for method.
// The method parameter is what makes Outlook treat the file as an update
// of an entry it knows (RFC 6047 §2.4).
func CalendarContentType(method string) string {
	return "text/calendar; charset=utf-8; method=" + method
}

// calendarProdID names the program that made the file (RFC 5545 §3.7.3).
const calendarProdID = "-//KL og Forhandlingsfællesskabet//seniorbot//DA"

// CalendarEvent is one date of the programme as a calendar entry.
type CalendarEvent struct {
	// UID is stable per tilmelding and date, so an update or a
	// cancellation reaches the entry an earlier mail created.
	UID string
	// Sequence counts the versions of the entry sent: 0 first, one more
	// each time its date, time or place changes, and for the cancellation.
	Sequence    int
	Summary     string
	Description string
	Location    string
	// Day is the date of an all-day entry (its year, month and day count).
	Day time.Time
	// Start and End make it a timed entry instead; both zero: all day.
	Start, End time.Time
}

// AllDay reports whether the entry is an all-day one.
func (e CalendarEvent) AllDay() bool { return e.Start.IsZero() }

// Fingerprint is what a recipient's calendar shows of the entry: when it
// changes, the entry must go out again with a higher Sequence.
func (e CalendarEvent) Fingerprint() string {
	if e.AllDay() {
		return fmt.Sprintf("%s|%s|%s", e.Day.Format(time.DateOnly), e.Summary, e.Location)
	}
	return fmt.Sprintf("%s|%s|%s|%s", e.Start.UTC().Format(time.RFC3339), e.End.UTC().Format(time.RFC3339), e.Summary, e.Location)
}

// CalendarAttachment writes events as one iCalendar file with method
// (CalendarPublish or CalendarCancel), stamped at stamp, with the bot as
// organizer (RFC 5546 asks for one in PUBLISH and CANCEL; with no
// attendees nobody is asked to answer it).
func CalendarAttachment(method string, organizer Address, stamp time.Time, events []CalendarEvent) (Attachment, error) {
	data, err := calendarFile(method, organizer, stamp, events)
	if err != nil {
		return Attachment{}, err
	}
	name := "udviklingsdag.ics"
	if method == CalendarCancel {
		name = "aflysning.ics"
	}
	return Attachment{Filename: name, ContentType: CalendarContentType(method), Data: data}, nil
}

func calendarFile(method string, organizer Address, stamp time.Time, events []CalendarEvent) ([]byte, error) {
	if method != CalendarPublish && method != CalendarCancel {
		return nil, fmt.Errorf("calendar: unknown method %q", method)
	}
	if len(events) == 0 {
		return nil, errors.New("calendar: no events")
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, calendarProdID)
	cal.Props.SetText(ical.PropMethod, method)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	for _, e := range events {
		if e.UID == "" {
			return nil, errors.New("calendar: an event without UID")
		}
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, e.UID)
		ev.Props.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
		seq := ical.NewProp(ical.PropSequence)
		seq.Value = fmt.Sprint(e.Sequence)
		ev.Props.Set(seq)
		ev.Props.SetText(ical.PropSummary, e.Summary)
		if e.Description != "" {
			ev.Props.SetText(ical.PropDescription, e.Description)
		}
		if e.Location != "" {
			ev.Props.SetText(ical.PropLocation, e.Location)
		}
		if organizer.Email != "" {
			org := ical.NewProp(ical.PropOrganizer)
			org.Value = "mailto:" + organizer.Email
			if organizer.Name != "" {
				org.Params.Set(ical.ParamCommonName, organizer.Name)
			}
			ev.Props.Set(org)
		}
		if e.AllDay() {
			if e.Day.IsZero() {
				return nil, fmt.Errorf("calendar: event %s has no date", e.UID)
			}
			day := time.Date(e.Day.Year(), e.Day.Month(), e.Day.Day(), 0, 0, 0, 0, time.UTC)
			ev.Props.SetDate(ical.PropDateTimeStart, day)
			ev.Props.SetDate(ical.PropDateTimeEnd, day.AddDate(0, 0, 1)) // DTEND of a date is exclusive
			// Outlook's own marker of an all-day appointment; without it
			// some versions show a date-only entry as midnight to midnight.
			allDay := ical.NewProp("X-MICROSOFT-CDO-ALLDAYEVENT")
			allDay.Value = "TRUE" // set raw: SetText would add VALUE=TEXT, which Outlook does not expect here
			ev.Props.Set(allDay)
		} else {
			if !e.End.After(e.Start) {
				return nil, fmt.Errorf("calendar: event %s ends before it starts", e.UID)
			}
			// In UTC: the file then needs no VTIMEZONE, and every calendar
			// shows the time in its own zone.
			ev.Props.SetDateTime(ical.PropDateTimeStart, e.Start.UTC())
			ev.Props.SetDateTime(ical.PropDateTimeEnd, e.End.UTC())
		}
		if method == CalendarCancel {
			ev.SetStatus(ical.EventCancelled)
		} else {
			ev.SetStatus(ical.EventConfirmed)
			// The day is busy time in the participants' calendars.
			ev.Props.SetText(ical.PropTransparency, "OPAQUE")
		}
		cal.Children = append(cal.Children, ev.Component)
	}
	var b bytes.Buffer
	if err := ical.NewEncoder(&b).Encode(cal); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return foldLines(b.Bytes()), nil
}

// foldLines folds the content lines longer than 75 octets, as RFC 5545
// §3.1 asks (the encoder writes each property on one line): a CRLF and a
// space before the 76th octet, never inside a UTF-8 character. Readers
// unfold by removing every CRLF followed by a space.
func foldLines(data []byte) []byte {
	const limit = 75
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\r\n")) {
		body, ended := bytes.CutSuffix(line, []byte("\r\n"))
		width := limit
		for len(body) > width {
			cut := width
			for cut > 0 && !utf8.RuneStart(body[cut]) {
				cut--
			}
			out.Write(body[:cut])
			out.WriteString("\r\n ")
			body = body[cut:]
			width = limit - 1 // the leading space counts
		}
		out.Write(body)
		if ended {
			out.WriteString("\r\n")
		}
	}
	return out.Bytes()
}
