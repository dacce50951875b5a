package replies

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func TestCalendarAttachmentParsesBack(t *testing.T) {
	stamp := time.Date(2022, 8, 1, 12, 0, 0, 0, time.UTC)
	events := []CalendarEvent{
		{UID: "a@example.org", Sequence: 2, Summary: "Seniorpartnerskabet: 1. udviklingsdag", Day: time.Date(2022, 9, 29, 0, 0, 0, 0, time.UTC),
			Location:    "Et meget langt stednavn, med komma; og semikolon, som skal foldes over flere linjer i filen æøå æøå æøå",
			Description: "linje 1\nlinje 2"},
		{UID: "b@example.org", Summary: "Møde", Start: time.Date(2022, 11, 24, 12, 0, 0, 0, time.UTC), End: time.Date(2022, 11, 24, 13, 30, 0, 0, time.UTC)},
	}
	att, err := CalendarAttachment(CalendarPublish, Address{Name: "Seniorpartnerskabet", Email: "bot@example.org"}, stamp, events)
	if err != nil {
		t.Fatal(err)
	}
	if att.ContentType != "text/calendar; charset=utf-8; method=PUBLISH" || att.Filename != "udviklingsdag.ics" {
		t.Errorf("attachment %q %q", att.Filename, att.ContentType)
	}
	for _, line := range strings.Split(string(att.Data), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	cal, err := ical.NewDecoder(bytes.NewReader(att.Data)).Decode()
	if err != nil {
		t.Fatalf("%v\n%s", err, att.Data)
	}
	evs := cal.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	loc, _ := evs[0].Props.Text(ical.PropLocation)
	desc, _ := evs[0].Props.Text(ical.PropDescription)
	if loc != events[0].Location || desc != events[0].Description {
		t.Errorf("location %q, description %q: not what was written", loc, desc)
	}
	if seq, _ := evs[0].Props.Get(ical.PropSequence).Int(); seq != 2 {
		t.Errorf("SEQUENCE %d", seq)
	}
	if !strings.Contains(string(att.Data), "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE\r\n") || !strings.Contains(string(att.Data), "DTSTART;VALUE=DATE:20220929\r\n") {
		t.Errorf("all-day entry:\n%s", att.Data)
	}
	if !strings.Contains(string(att.Data), "DTSTART:20221124T120000Z\r\n") {
		t.Errorf("timed entry not in UTC:\n%s", att.Data)
	}
	if _, err := CalendarAttachment("REPLY", Address{}, stamp, events); err == nil {
		t.Error("an unknown method was accepted")
	}
	if _, err := CalendarAttachment(CalendarPublish, Address{}, stamp, []CalendarEvent{{UID: "x", Start: stamp, End: stamp}}); err == nil {
		t.Error("an entry ending when it starts was accepted")
	}
}
