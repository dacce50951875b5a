package intake_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	gomail "github.com/emersion/go-message/mail"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// icsPart is the calendar attachment of a mail as the recipient's client
// sees it: its file name, the method of its content type, and the
// calendar parsed back by the iCalendar library's own decoder.
type icsPart struct {
	name, method string
	raw          []byte
	cal          *ical.Calendar
}

// calendarOf finds the text/calendar attachment of m; ok is false when
// it has none.
func calendarOf(t *testing.T, m sunk) (icsPart, bool) {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(m.raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			return icsPart{}, false
		}
		ah, ok := p.Header.(*gomail.AttachmentHeader)
		if !ok {
			continue
		}
		ct, params, _ := mime.ParseMediaType(ah.Get("Content-Type"))
		if ct != "text/calendar" {
			continue
		}
		var part icsPart
		part.name, _ = ah.Filename()
		part.method = params["method"]
		if part.raw, err = io.ReadAll(p.Body); err != nil {
			t.Fatal(err)
		}
		if part.cal, err = ical.NewDecoder(bytes.NewReader(part.raw)).Decode(); err != nil {
			t.Fatalf("the .ics does not parse: %v\n%s", err, part.raw)
		}
		for _, line := range strings.Split(string(part.raw), "\r\n") {
			if len(line) > 75 {
				t.Errorf("line longer than 75 octets (RFC 5545 §3.1): %q", line)
			}
		}
		return part, true
	}
}

// entry is one VEVENT as a calendar reads it.
type entry struct {
	uid, status, summary, location string
	seq                            int
	start, end                     time.Time
	allDay                         bool
}

func (p icsPart) calMethod(t *testing.T) string {
	t.Helper()
	m, err := p.cal.Props.Text(ical.PropMethod)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (p icsPart) entries(t *testing.T) []entry {
	t.Helper()
	var out []entry
	for _, ev := range p.cal.Events() {
		var e entry
		var err error
		e.uid, _ = ev.Props.Text(ical.PropUID)
		e.summary, _ = ev.Props.Text(ical.PropSummary)
		e.location, _ = ev.Props.Text(ical.PropLocation)
		st, _ := ev.Status()
		e.status = string(st)
		if seq := ev.Props.Get(ical.PropSequence); seq != nil {
			if e.seq, err = seq.Int(); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("entry %s has no SEQUENCE", e.uid)
		}
		if ev.Props.Get(ical.PropDateTimeStamp) == nil || ev.Props.Get(ical.PropOrganizer) == nil {
			t.Errorf("entry %s lacks DTSTAMP or ORGANIZER", e.uid)
		}
		if e.start, err = ev.DateTimeStart(time.UTC); err != nil {
			t.Fatal(err)
		}
		if e.end, err = ev.DateTimeEnd(time.UTC); err != nil {
			t.Fatal(err)
		}
		e.allDay = ev.Props.Get(ical.PropDateTimeStart).ValueType() == ical.ValueDate
		out = append(out, e)
	}
	return out
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The first development day as a calendar entry: in the confirmation,
// moved (same UID, higher SEQUENCE) when the kommune changes its day,
// unchanged when something else changes, and removed (METHOD:CANCEL) by
// the cancellation's mail. Mail in, the sink's attachments parsed back.
func TestCalendarEntryFollowsTheTilmelding(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v1@vejle.dk>", "SV: Invitation", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse",
		"Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder")))
	h.syncOnce()
	mails := h.sink.to("chef@vejle.dk")
	if len(mails) != 1 {
		t.Fatalf("%d mails to Vejle, want the confirmation", len(mails))
	}
	first, ok := calendarOf(t, mails[0])
	if !ok {
		t.Fatalf("the confirmation has no calendar attachment:\n%s", mails[0].raw)
	}
	if first.name != "udviklingsdag.ics" || first.method != "PUBLISH" || first.calMethod(t) != "PUBLISH" {
		t.Errorf("attachment %q, content type method %q, METHOD %q; want udviklingsdag.ics, PUBLISH",
			first.name, first.method, first.calMethod(t))
	}
	es := first.entries(t)
	if len(es) != 1 {
		t.Fatalf("%d entries, want the first development day only", len(es))
	}
	e := es[0]
	// Vejle stated no day: the default west of Storebælt, all day.
	if !e.allDay || !e.start.Equal(date(2022, 10, 11)) || !e.end.Equal(date(2022, 10, 12)) || e.seq != 0 ||
		e.status != "CONFIRMED" || !strings.Contains(e.summary, "1. udviklingsdag") {
		t.Errorf("entry %+v, want all day 11 October, SEQUENCE 0", e)
	}
	if !strings.HasSuffix(e.uid, "@example.org") || !strings.Contains(e.uid, "tilmelding-") {
		t.Errorf("UID %q: want one per tilmelding on the bot's domain", e.uid)
	}
	mails[0].expectText(t, "Vedhæftet er en kalenderaftale (udviklingsdag.ics)", "tirsdag den 11. oktober 2022",
		"Vil I hellere tale med en person, så skriv til Kontakt KL (kontakt-kl@example.org) eller Kontakt FF (kontakt-ff@example.com).")

	// The kommune moves to the east day: the same entry, moved.
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v2@vejle.dk>", "SV: Kvittering", "", `
Hej

Vi vil hellere deltage den 29. september.

Mvh Carl
`))
	h.syncOnce()
	// A change that does not touch the day: the entry is sent as it was.
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v3@vejle.dk>", "SV: Kvittering", "", `
Hej

Vi vil gerne tilføje Dorte Lund, dorte@vejle.dk, HR-chef, ledelse.

Mvh Carl
`))
	h.syncOnce()
	mails = h.sink.to("chef@vejle.dk")
	if len(mails) != 3 {
		t.Fatalf("%d mails to Vejle, want 3 confirmations", len(mails))
	}
	moved, ok := calendarOf(t, mails[1])
	if !ok {
		t.Fatal("the confirmation of the new day has no calendar attachment")
	}
	if m := moved.entries(t)[0]; m.uid != e.uid || m.seq != 1 || !m.start.Equal(date(2022, 9, 29)) || moved.method != "PUBLISH" {
		t.Errorf("after the day change: %+v (method %s), want UID %s, SEQUENCE 1, 29 September", m, moved.method, e.uid)
	}
	same, ok := calendarOf(t, mails[2])
	if !ok {
		t.Fatal("the third confirmation has no calendar attachment")
	}
	if s := same.entries(t)[0]; s.uid != e.uid || s.seq != 1 || !s.start.Equal(date(2022, 9, 29)) {
		t.Errorf("after a change of participants: %+v, want the entry unchanged (SEQUENCE 1)", s)
	}

	// The cancellation removes it.
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v4@vejle.dk>", "SV: Kvittering", "", `
Hej

Vi må desværre trække vores tilmelding tilbage.

Mvh Carl
Vejle Kommune
`))
	h.syncOnce()
	mails = h.sink.to("chef@vejle.dk")
	if len(mails) != 4 {
		t.Fatalf("%d mails to Vejle, want the cancellation's confirmation too", len(mails))
	}
	cancel, ok := calendarOf(t, mails[3])
	if !ok {
		t.Fatalf("the cancellation has no calendar attachment:\n%s", mails[3].text)
	}
	c := cancel.entries(t)
	if cancel.method != "CANCEL" || cancel.calMethod(t) != "CANCEL" || cancel.name != "aflysning.ics" || len(c) != 1 ||
		c[0].uid != e.uid || c[0].seq != 2 || c[0].status != "CANCELLED" {
		t.Errorf("cancellation: method %s/%s, %q, entries %+v; want CANCEL of UID %s with SEQUENCE 2",
			cancel.method, cancel.calMethod(t), cancel.name, c, e.uid)
	}
	mails[3].expectText(t, "Vedhæftet er en aflysning (aflysning.ics)")

	// Registering again after the cancellation puts the entry back.
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v5@vejle.dk>", "SV: Kvittering", "", `
Hej

Vi vil alligevel gerne deltage, som tilmeldt.

`+vejleForm("Carl Jensen, chef@vejle.dk, direktør, ledelse", "Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder")))
	h.syncOnce()
	mails = h.sink.to("chef@vejle.dk")
	back, ok := calendarOf(t, mails[len(mails)-1])
	if !ok || len(mails) != 5 {
		t.Fatalf("%d mails; the registration after the cancellation has a calendar: %v", len(mails), ok)
	}
	if b := back.entries(t)[0]; back.method != "PUBLISH" || b.uid != e.uid || b.seq != 3 || b.status != "CONFIRMED" {
		t.Errorf("back after the cancellation: %s %+v, want PUBLISH of UID %s with SEQUENCE 3", back.method, b, e.uid)
	}
}

// A reply that is not a confirmation (here: what is missing) carries no
// calendar entry, and records none.
func TestNoCalendarWithoutConfirmation(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailNoMedarbejder)
	h.syncOnce()
	if _, ok := calendarOf(t, h.sink.only(t, "chef@vejle.dk")); ok {
		t.Error("the request for what is missing carries a calendar")
	}
}

// With the time and place of the first development day and the further
// programme dates in the campaign configuration, the confirmation carries
// every known date, timed and placed, on the side of Storebælt whose first
// day the kommune chose; a date not known yet is left out.
func TestCalendarCarriesTheKnownProgramme(t *testing.T) {
	h := newHarness(t)
	h.cfg.Campaign.FirstDay = config.FirstDayConfig{Start: "09:30", End: "15:30",
		EastLocation: "Øst-huset, København", WestLocation: "Vest-huset, Middelfart"}
	h.cfg.Campaign.Programme = []config.ProgrammeDate{
		{Title: "2. udviklingsdag", EastDay: config.Date{Time: date(2023, 2, 2)}, WestDay: config.Date{Time: date(2023, 2, 9)},
			EastLocation: "Øst-huset, København", WestLocation: "Vest-huset, Middelfart"},
		{Title: "1. digitale møde", Day: config.Date{Time: date(2022, 11, 24)}, Start: "13:00", End: "14:30",
			Location: "Online (link følger)"},
		{Title: "3. udviklingsdag"}, // not known yet
	}
	if err := h.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h.appendMail(mailComplete) // Aarhus, west, chose 11 October
	h.syncOnce()
	part, ok := calendarOf(t, h.sink.only(t, "hr@aarhus.dk"))
	if !ok {
		t.Fatal("no calendar attachment")
	}
	es := part.entries(t)
	if len(es) != 3 {
		t.Fatalf("%d entries, want the first day, the 2nd day and the digital meeting: %+v", len(es), es)
	}
	// 09:30 in Copenhagen in October (summer time) is 07:30 UTC.
	if es[0].allDay || !es[0].start.Equal(time.Date(2022, 10, 11, 7, 30, 0, 0, time.UTC)) ||
		!es[0].end.Equal(time.Date(2022, 10, 11, 13, 30, 0, 0, time.UTC)) || es[0].location != "Vest-huset, Middelfart" {
		t.Errorf("first day %+v, want 09.30–15.30 local in Middelfart", es[0])
	}
	if !es[1].allDay || !es[1].start.Equal(date(2023, 2, 9)) || !strings.Contains(es[1].summary, "2. udviklingsdag") ||
		es[1].location != "Vest-huset, Middelfart" {
		t.Errorf("2nd day %+v, want all day 9 February in the west", es[1])
	}
	// 13:00 in November (winter time) is 12:00 UTC.
	if es[2].allDay || !es[2].start.Equal(time.Date(2022, 11, 24, 12, 0, 0, 0, time.UTC)) || es[2].location != "Online (link følger)" {
		t.Errorf("digital meeting %+v", es[2])
	}
	uids := map[string]bool{}
	for _, e := range es {
		if uids[e.uid] {
			t.Errorf("UID %s twice", e.uid)
		}
		uids[e.uid] = true
	}
	if !strings.Contains(string(part.raw), "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE") {
		t.Error("the all-day entry lacks Outlook's all-day marker")
	}
	h.sink.only(t, "hr@aarhus.dk").expectText(t, "datoerne i jeres kalender", "1. digitale møde, torsdag den 24. november 2022 kl. 13.00–14.30")

}

// `seniorbot resend` of a confirmation carries the same entry again: same
// UID, same SEQUENCE, since nothing about it changed.
func TestResendCarriesTheSameCalendarEntry(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailComplete)
	h.syncOnce()
	now := testNow.Add(time.Hour)
	app := newSummaryApp(t, h, &now)
	defer app.Close()
	res, err := app.Resend(context.Background(), ops.ResendRequest{KommuneCode: "0751"})
	if err != nil || len(res) != 1 || res[0].Status != storage.OutboxSent {
		t.Fatalf("resend: %+v, %v", res, err)
	}
	mails := h.sink.to("hr@aarhus.dk")
	if len(mails) != 2 {
		t.Fatalf("%d mails to Aarhus, want the confirmation twice", len(mails))
	}
	a, okA := calendarOf(t, mails[0])
	b, okB := calendarOf(t, mails[1])
	if !okA || !okB {
		t.Fatalf("calendar in the confirmation: %v, in the resent one: %v", okA, okB)
	}
	ea, eb := a.entries(t)[0], b.entries(t)[0]
	if ea.uid != eb.uid || eb.seq != 0 || !eb.start.Equal(date(2022, 10, 11)) {
		t.Errorf("resent entry %+v, first %+v: want the same UID and SEQUENCE 0", eb, ea)
	}
}
