package intake_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"mime"
	"slices"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// The summary's time zone is Europe/Copenhagen (the default): in August
// 06:00 there is 04:00 UTC.
var copenhagen = mustLoadLocation("Europe/Copenhagen")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// local is a wall-clock time in Copenhagen.
func local(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, copenhagen)
}

// Mails of the summary scenario, besides those of e2e_test.go.
var (
	summaryKK = eml("hr@kk.dk", "Søren Ærø", "<kk-1@kk.dk>", "Tilmelding København", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Københavns Kommune
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): 29. september
Kontaktperson (navn, e-mail, telefon): Søren Ærø, hr@kk.dk, 33 66 33 66
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Søren Ærø, hr@kk.dk, HR-chef, ledelse
2. Åse Øster, aase@kk.dk, centerchef, ledelse
3. Bjørn Lærkesen, bjorn@kk.dk, fællestillidsrepræsentant, medarbejder
--- SLUT ---
`)
	summaryHorsens = eml("hr@horsens.dk", "Ida Holm", "<horsens-1@horsens.dk>", "Tilmelding", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Horsens Kommune
Godkendt i HovedMED (ja/nej): ja
--- SLUT ---
`)
	summaryGentofte = eml("hr@gentofte.dk", "Hanne Dahl", "<gentofte-1@gentofte.dk>", "Tilmelding", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Gentofte Kommune
Godkendt i HovedMED (ja/nej): ja
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Hanne Dahl, hr@gentofte.dk, centerchef, ledelse
2. Kim Lyng, kim@gentofte.dk, tillidsrepræsentant, medarbejder
--- SLUT ---
`)
	summaryGentofteCancel = eml("hr@gentofte.dk", "Hanne Dahl", "<gentofte-2@gentofte.dk>", "SV: Kvittering", "", `
Hej

Vi må desværre trække vores tilmelding tilbage.

Mvh Hanne
Gentofte Kommune
`)
	summaryNewsletter = []byte("From: Nyhedsbrev <news@example.com>\r\nTo: tilmelding@example.org\r\n" +
		"Subject: <b>Ugens</b> nyheder & tilbud\r\nDate: Mon, 01 Aug 2022 12:00:00 +0200\r\n" +
		"Message-ID: <news-1@example.com>\r\nList-Unsubscribe: <mailto:unsubscribe@example.com>\r\n" +
		"List-Id: Nyheder <news.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Har du læst vores nye guide? <script>alert(1)</script>\r\n")
	summaryForgedForward = eml("nv@kl.dk", "Nanna Vinkel", "<forged@kl.dk>", "Fwd: Tilmelding Gentofte",
		"Authentication-Results: mx.example.org; dkim=fail header.d=kl.dk; dmarc=fail header.from=kl.dk\r\n", `
Til registrering.

---------- Forwarded message ---------
From: Hanne Dahl <hada@gentofte.dk>
Subject: Tilmelding Gentofte
To: Nanna Vinkel <nv@kl.dk>

Kommune: Gentofte
Godkendt i HovedMED: ja
Deltagere:
1. Hanne Dahl, hada@gentofte.dk, Centerchef, ledelse
2. Kim Lyng, kily@gentofte.dk, Tillidsrepræsentant, medarbejder
`)
	summaryLateOdense = eml("hr@odense.dk", "Ole Dam", "<odense-1@odense.dk>", "Tilmelding Odense", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Odense Kommune
Godkendt i HovedMED (ja/nej): ja
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Ole Dam, hr@odense.dk, HR-chef, ledelse
2. Pia Berg, pia@odense.dk, tillidsrepræsentant, medarbejder
--- SLUT ---
`)
)

// summaryBounce is a bounce of a mail to Bo Nielsen, a participant of
// Aarhus: the bot's mail with Message-ID sentID (with <>), returned with
// its headers (RFC 6522), so the bounce is believed.
func summaryBounce(sentID string) []byte {
	return []byte("From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n" +
		"To: tilmelding@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Date: Mon, 01 Aug 2022 13:00:00 +0200\r\nMessage-ID: <dsn-bo@mx.example.org>\r\nAuto-Submitted: auto-replied\r\n" +
		"Return-Path: <>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\n<bo.nielsen@aarhus.dk>: 550 5.1.1 User unknown\r\n\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n" +
		"Final-Recipient: rfc822; bo.nielsen@aarhus.dk\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: tilmelding@example.org\r\nTo: bo.nielsen@aarhus.dk\r\n" +
		"Message-ID: " + sentID + "\r\nSubject: Kvittering\r\n\r\n" +
		"--B--\r\n")
}

// summaryScenario fills a database through the whole intake: complete,
// incomplete (one without participants), cancelled and late tilmeldinger,
// a question, an out-of-office, a bounce, a newsletter and a forged staff
// forward. It returns the moment after the last mail.
func summaryScenario(t *testing.T, h *harness) time.Time {
	t.Helper()
	// The mailbox stamps Authentication-Results as mx.example.org, so the
	// forged staff forward fails; the kommuner's mails carry none, which
	// is enough with require_verified off.
	h.cfg.IMAP.AuthServID = "mx.example.org"
	h.cfg.Trust.RequireVerified = new(false)
	for _, m := range [][]byte{mailComplete, mailNoMedarbejder, mailQuestion, mailOutOfOffice, summaryKK,
		summaryHorsens, summaryGentofte, summaryNewsletter, summaryForgedForward} {
		h.appendMail(m)
	}
	h.syncOnce()
	h.appendMail(summaryBounce(h.sink.to("hr@aarhus.dk")[0].header.Get("Message-Id")))
	h.appendMail(summaryGentofteCancel)
	h.syncOnce()
	// After the deadline (1 September): Odense is late.
	late := time.Date(2022, 9, 5, 8, 0, 0, 0, time.UTC)
	h.clock = func() time.Time { return late }
	h.appendMailAt(summaryLateOdense, late)
	h.syncOnce()
	return late
}

func TestSummaryContent(t *testing.T) {
	h := newHarness(t)
	late := summaryScenario(t, h)
	// KL and FF set a cap after the tilmeldinger came in: the next
	// summary lists who is over it.
	h.cfg.Campaign.MaxParticipantsPerKommune = 2
	now := local(2022, 9, 6, 6, 0)
	ctx := context.Background()
	db := h.db()
	dir := parser.New(parser.Options{}).Kommuner()
	s, err := ops.BuildSummary(ctx, db, h.cfg, dir, ops.SummaryWindow{}, now)
	if err != nil {
		t.Fatal(err)
	}

	want := replies.SummaryTotals{AllKommuner: 98, Kommuner: 5, KommunerComplete: 2, KommunerIncomplete: 2, KommunerLate: 1,
		Tilmeldinger: 6, Complete: 2, Incomplete: 2, Late: 1, Cancelled: 1, Ledelse: 6, Medarbejder: 3}
	if s.Totals != want {
		t.Errorf("totals\n got %+v\nwant %+v", s.Totals, want)
	}
	east, west := time.Date(2022, 9, 29, 0, 0, 0, 0, time.UTC), time.Date(2022, 10, 11, 0, 0, 0, 0, time.UTC)
	wantDays := []replies.DayCount{
		{Day: east, Side: "øst", Tilmeldinger: 1, Participants: 3},                // København, stated
		{Day: west, Side: "vest", Tilmeldinger: 4, Participants: 6, Defaulted: 3}, // Aarhus stated; Vejle, Horsens, Odense by default
	}
	if !slices.EqualFunc(s.Days, wantDays, func(a, b replies.DayCount) bool { return a == b }) {
		t.Errorf("days\n got %+v\nwant %+v", s.Days, wantDays)
	}

	if got := kommuneNames(s.Incomplete); !slices.Equal(got, []string{"Vejle Kommune", "Horsens Kommune"}) {
		t.Errorf("incomplete = %v", got)
	}
	vejle := s.Incomplete[0]
	if texts := strings.Join(vejle.MissingTexts(), " "); !strings.Contains(texts, "medarbejdersiden") {
		t.Errorf("Vejle lacks %q", texts)
	}
	if wantAge := now.Sub(testNow); vejle.Age != wantAge || vejle.AgeText() != "35 dage" {
		t.Errorf("Vejle has waited %v (%s), want %v", vejle.Age, vejle.AgeText(), wantAge)
	}
	if got := kommuneNames(s.Late); !slices.Equal(got, []string{"Odense Kommune"}) {
		t.Errorf("late = %v", got)
	}
	if len(s.OverCap) != 1 || s.OverCap[0].KommuneName != "Københavns Kommune" || s.OverCap[0].Participants != 3 {
		t.Errorf("over the cap = %+v, want København with 3", s.OverCap)
	}
	if len(s.Questions) != 1 || s.Questions[0].KommuneName != "Roskilde Kommune" ||
		!strings.Contains(s.Questions[0].Question, "Hvor mange deltagere") {
		t.Errorf("questions = %+v", s.Questions)
	}
	if len(s.Bounced) != 1 || s.Bounced[0].Address != "bo.nielsen@aarhus.dk" ||
		s.Bounced[0].KommuneName != "Aarhus Kommune" || s.Bounced[0].Role != "deltager Bo Nielsen" || !s.Bounced[0].New {
		t.Errorf("bounced = %+v, want Bo Nielsen of Aarhus", s.Bounced)
	}
	var flags []string
	for _, g := range s.Attention {
		flags = append(flags, g.Flag)
		if strings.HasPrefix(g.Label, "Andet") {
			t.Errorf("flag %q has no Danish label", g.Flag)
		}
	}
	if w := []string{rules.AttentionLate, rules.AttentionUnverifiedStaff, rules.AttentionOther}; !slices.Equal(flags, w) {
		t.Errorf("attention groups %v, want %v", flags, w)
	}
	if s.Received() != 12 || len(s.Changes) < 7 {
		t.Errorf("received %d mails, %d changes; want 12 mails and a change per registration", s.Received(), len(s.Changes))
	}

	renderer, err := replies.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	text, html, err := renderer.RenderSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"Daglig status for Seniorpartnerskabet – tirsdag den 6. september 2022",
		"Dette er den første status",
		"Kommuner tilmeldt: 5 af 98", "komplette: 2", "mangler oplysninger: 2", "sene, venter på beslutning: 1", "afmeldte: 1",
		"ledelse 6, medarbejdere 3",
		"torsdag den 29. september 2022, kommuner øst for Storebælt: 1 tilmelding, 3 deltagere",
		"tirsdag den 11. oktober 2022, kommuner vest for Storebælt: 4 tilmeldinger, 6 deltagere (3 uden ønsket dato)",
		"SPØRGSMÅL (1)", "Hvor mange deltagere må vi tilmelde",
		"Vejle Kommune (hele kommunen), tilmeldt 1. august kl. 14.00 – har ventet i 35 dage",
		"Der mangler mindst én deltager fra medarbejdersiden",
		"Odense Kommune (hele kommunen): 2 deltagere",
		"OVER LOFTET PÅ 2 DELTAGERE PR. KOMMUNE (1)", "Københavns Kommune: 3 deltagere",
		"bo.nielsen@aarhus.dk: Aarhus Kommune, deltager Bo Nielsen", "[NY]",
		"ikke bestod afsenderkontrollen", "fra hada@gentofte.dk (Gentofte Kommune), videresendt af nv@kl.dk",
		"Andre mails", "<b>Ugens</b> nyheder & tilbud",
		"seniorpartnerskabet-2022-09-06.csv",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
	if strings.Contains(html, "<b>Ugens</b>") || !strings.Contains(html, "&lt;b&gt;Ugens&lt;/b&gt; nyheder &amp; tilbud") {
		t.Errorf("the HTML does not escape a subject from a mail")
	}
	if !strings.Contains(html, "Københavns Kommune") || !strings.Contains(html, "Der mangler mindst én deltager fra medarbejdersiden") {
		t.Errorf("the HTML lacks the lists")
	}

	// The next summary, a day later with nothing new, is short and says so.
	s2, err := ops.BuildSummary(ctx, db, h.cfg, dir, ops.SummaryWindow{Since: now}, now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !s2.NothingNew() || len(s2.Changes) != 0 || len(s2.Questions) != 0 || len(s2.Attention) != 0 || s2.Bounced[0].New {
		t.Errorf("a day without news: %+v", s2)
	}
	text2, _, err := renderer.RenderSummary(s2)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Nyt siden sidste status (tirsdag den 6. september 2022 kl. 06.00). Intet nyt siden da.",
		"Kommuner tilmeldt: 5 af 98"} {
		if !strings.Contains(text2, w) {
			t.Errorf("the quiet day's summary lacks %q:\n%s", w, text2)
		}
	}
	if strings.Contains(text2, "SPØRGSMÅL") || strings.Contains(text2, "[NY]") {
		t.Errorf("the quiet day's summary repeats old news:\n%s", text2)
	}
	_ = late
}

func kommuneNames(ts []replies.SummaryTilmelding) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.KommuneName)
	}
	return out
}

func TestSummaryCSV(t *testing.T) {
	h := newHarness(t)
	summaryScenario(t, h)
	s, err := ops.BuildSummary(context.Background(), h.db(), h.cfg, parser.New(parser.Options{}).Kommuner(),
		ops.SummaryWindow{}, local(2022, 9, 6, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	att, err := s.Attachment()
	if err != nil {
		t.Fatal(err)
	}
	if att.Filename != "seniorpartnerskabet-2022-09-06.csv" || att.ContentType != "text/csv; charset=utf-8" {
		t.Errorf("attachment %q (%s)", att.Filename, att.ContentType)
	}
	rows := parseSummaryCSV(t, att.Data)
	wantHeader := []string{"kommunekode", "kommune", "region", "side af Storebælt", "forvaltning/område", "status",
		"første udviklingsdag", "dag er standard", "godkendt i HovedMED", "navn", "e-mail", "stilling", "side"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("header %q", rows[0])
	}
	// One row per participant (2+2+3+0+2+2), and one for Horsens, which has none.
	if len(rows) != 1+12 {
		t.Errorf("%d data rows, want 12", len(rows)-1)
	}
	find := func(name string) []string {
		for _, r := range rows[1:] {
			if r[9] == name {
				return r
			}
		}
		t.Fatalf("no row for %q in %q", name, rows)
		return nil
	}
	if got, w := find("Søren Ærø"), []string{"0101", "Københavns Kommune", "Region Hovedstaden", "øst", "", "komplet",
		"2022-09-29", "nej", "ja", "Søren Ærø", "hr@kk.dk", "HR-chef", "ledelse"}; !slices.Equal(got, w) {
		t.Errorf("København row\n got %q\nwant %q", got, w)
	}
	if got := find("Bjørn Lærkesen"); got[11] != "fællestillidsrepræsentant" || got[12] != "medarbejder" {
		t.Errorf("row %q", got)
	}
	if got := find("Carl Jensen"); got[1] != "Vejle Kommune" || got[6] != "2022-10-11" || got[7] != "ja" || got[5] != "mangler oplysninger" {
		t.Errorf("Vejle row %q: want the default day marked as such", got)
	}
	if got := find("Kim Lyng"); got[5] != "afmeldt" {
		t.Errorf("Gentofte row %q, want afmeldt", got)
	}
	if got := find(""); got[1] != "Horsens Kommune" || got[10] != "" {
		t.Errorf("the tilmelding without participants: %q", got)
	}
}

// parseSummaryCSV checks the byte order mark and reads the CSV back as
// Excel with Danish settings would.
func parseSummaryCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if !ok {
		t.Fatalf("the CSV does not start with the UTF-8 byte order mark: % x", data[:min(8, len(data))])
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("the CSV lines do not end in CRLF")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("empty CSV")
	}
	return rows
}

// newSummaryApp assembles the App as the daemon does, on the harness's
// database, with the clock at *now.
func newSummaryApp(t *testing.T, h *harness, now *time.Time) *intake.App {
	t.Helper()
	app, err := intake.NewApp(context.Background(), h.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// checkSummary asks app whether the summary is due at now, sends the
// outbox, and reports what SendSummaryIfDue said.
func checkSummary(t *testing.T, app *intake.App, now time.Time) bool {
	t.Helper()
	ctx := context.Background()
	sent, err := app.SendSummaryIfDue(ctx, now)
	if err != nil {
		t.Fatalf("SendSummaryIfDue at %v: %v", now, err)
	}
	if _, err := app.Sender.SendAllDue(ctx); err != nil {
		t.Fatal(err)
	}
	return sent
}

// summaries are the summary mails that reached the SMTP sink.
func summaries(h *harness) []sunk {
	var out []sunk
	for _, m := range h.sink.messages() {
		if strings.Contains(m.subject, "daglig status") {
			out = append(out, m)
		}
	}
	return out
}

func summaryRuns(t *testing.T, h *harness) []storage.SummaryRun {
	t.Helper()
	runs, err := h.db().SummaryRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func TestSummarySentOnceAcrossRestart(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailComplete)
	h.appendMail(mailNoMedarbejder)
	h.syncOnce()

	now := local(2022, 8, 2, 5, 59)
	app := newSummaryApp(t, h, &now)
	if checkSummary(t, app, now) {
		t.Error("sent before [summary] time")
	}
	if n := len(summaries(h)); n != 0 || len(summaryRuns(t, h)) != 0 {
		t.Fatalf("before 06:00: %d summaries sent, runs %v", n, summaryRuns(t, h))
	}

	now = local(2022, 8, 2, 6, 0)
	if !checkSummary(t, app, now) {
		t.Fatal("not sent at 06:00")
	}
	now = now.Add(time.Minute)
	if checkSummary(t, app, now) {
		t.Error("sent a second time the same day")
	}
	app.Close()

	// A restart on the same database, later the same day.
	now = local(2022, 8, 2, 14, 30)
	app = newSummaryApp(t, h, &now)
	if checkSummary(t, app, now) {
		t.Error("sent again after a restart")
	}

	got := summaries(h)
	if len(got) != 1 {
		t.Fatalf("%d summaries reached the sink, want 1", len(got))
	}
	m := got[0]
	if !slices.Equal(m.rcpt, []string{"kontakt-kl@example.org", "kontakt-ff@example.com"}) {
		t.Errorf("summary sent to %v, want both contacts", m.rcpt)
	}
	if m.subject != "Seniorpartnerskabet: daglig status 2. august 2022" {
		t.Errorf("subject %q", m.subject)
	}
	if m.header.Get("Auto-Submitted") != "" {
		t.Errorf("the summary is marked Auto-Submitted: %q", m.header.Get("Auto-Submitted"))
	}
	if from := m.header.Get("From"); !strings.Contains(from, botAddr) {
		t.Errorf("From %q", from)
	}
	m.expectText(t, "Dette er den første status", "Kommuner tilmeldt: 2 af 98", "Vejle Kommune", "medarbejdersiden")
	name, ctype, data := summaryAttachment(t, m.raw)
	if name != "seniorpartnerskabet-2022-08-02.csv" || ctype != "text/csv" {
		t.Errorf("attachment %q (%s)", name, ctype)
	}
	rows := parseSummaryCSV(t, data)
	if len(rows) != 1+4 || !slices.ContainsFunc(rows, func(r []string) bool { return r[9] == "Bo Nielsen" }) {
		t.Errorf("attached CSV %q", rows)
	}

	runs := summaryRuns(t, h)
	if len(runs) != 1 || runs[0].Day != "2022-08-02" || !runs[0].SentAt.Equal(local(2022, 8, 2, 6, 0)) || runs[0].OutboxID == 0 {
		t.Fatalf("summary runs %+v, want one for 2022-08-02 at 06:00", runs)
	}
	row, err := h.db().OutboxEntry(context.Background(), runs[0].OutboxID)
	if err != nil || row.Kind != "summary" || row.Status != storage.OutboxSent {
		t.Errorf("the run's outbox row: %+v, %v", row, err)
	}

	// The next day's summary reports what changed since the first.
	h.clock = func() time.Time { return local(2022, 8, 2, 15, 0) }
	h.appendMailAt(mailQuestion, local(2022, 8, 2, 15, 0))
	h.syncOnce()
	now = local(2022, 8, 3, 6, 0)
	if !checkSummary(t, app, now) {
		t.Fatal("the next day's summary was not sent")
	}
	app.Close()
	got = summaries(h)
	if len(got) != 2 {
		t.Fatalf("%d summaries, want 2", len(got))
	}
	got[1].expectText(t, "Nyt siden sidste status (tirsdag den 2. august 2022 kl. 06.00)", "SPØRGSMÅL (1)",
		"Hvor mange deltagere")
	if strings.Contains(got[1].text, "ÆNDRINGER I TILMELDINGERNE") {
		t.Errorf("the second summary repeats the first one's changes:\n%s", got[1].text)
	}
	if runs := summaryRuns(t, h); len(runs) != 2 || runs[1].Day != "2022-08-03" {
		t.Errorf("runs %+v", runs)
	}
}

func TestSummaryLocalDay(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2022, 8, 1, 22, 30, 0, 0, time.UTC) // 00:30 on 2 August in Copenhagen
	app := newSummaryApp(t, h, &now)
	defer app.Close()
	if checkSummary(t, app, now) {
		t.Error("sent at 00:30 local time")
	}
	now = time.Date(2022, 8, 2, 4, 0, 0, 0, time.UTC) // 06:00 in Copenhagen
	if !checkSummary(t, app, now) {
		t.Fatal("not sent at 06:00 local time")
	}
	if runs := summaryRuns(t, h); len(runs) != 1 || runs[0].Day != "2022-08-02" {
		t.Errorf("runs %+v, want the local day 2022-08-02", runs)
	}
	// An empty database still gets its (short) summary.
	if got := summaries(h); len(got) != 1 {
		t.Fatalf("%d summaries", len(got))
	} else {
		got[0].expectText(t, "Kommuner tilmeldt: 0 af 98", "Tilmeldinger i alt: 0")
	}
}

func TestSummaryCaughtUpAfterDowntime(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailComplete)
	h.syncOnce()

	// The daemon was down at 06:00 and starts at 11:37: the check at start
	// sends the day's summary at once.
	now := local(2022, 8, 2, 11, 37)
	app := newSummaryApp(t, h, &now)
	defer app.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	// Wait until the sender has recorded the summary as sent: stopping
	// the daemon between the server's acceptance and that record is a
	// separate matter (see the shutdown flush in App.Run).
	deadline := time.Now().Add(15 * time.Second)
	for !summarySent(t, h) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(summaries(h)); n != 1 {
		t.Fatalf("%d summaries reached the sink after the late start, want 1", n)
	}
	runs := summaryRuns(t, h)
	if len(runs) != 1 || runs[0].Day != "2022-08-02" || !runs[0].SentAt.Equal(now) {
		t.Errorf("runs %+v, want 2022-08-02 sent at 11:37", runs)
	}
	rows, err := h.db().Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(slices.DeleteFunc(rows, func(r storage.OutboxRow) bool { return r.Kind != "summary" })); n != 1 {
		t.Errorf("%d summaries in the outbox, want 1", n)
	}
	// Later checks that day send nothing more.
	now = local(2022, 8, 2, 23, 59)
	if checkSummary(t, app, now) || len(summaries(h)) != 1 {
		t.Error("sent twice on the day it was caught up")
	}
}

// summarySent reports whether a summary is recorded as sent in the outbox.
func summarySent(t *testing.T, h *harness) bool {
	t.Helper()
	rows, err := h.db().Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(rows, func(r storage.OutboxRow) bool {
		return r.Kind == "summary" && r.Status == storage.OutboxSent
	})
}

func TestSummaryWithoutContactsRecordsNothing(t *testing.T) {
	h := newHarness(t)
	h.cfg.Campaign.Contacts = nil
	now := local(2022, 8, 2, 7, 0)
	app := newSummaryApp(t, h, &now)
	defer app.Close()
	if checkSummary(t, app, now) {
		t.Error("sent without contacts")
	}
	if runs := summaryRuns(t, h); len(runs) != 0 {
		t.Errorf("runs %+v recorded without contacts", runs)
	}
	if rows, _ := h.db().Outbox(context.Background()); len(rows) != 0 {
		t.Errorf("%d outbox rows queued without contacts", len(rows))
	}
}

func TestSummarySendNowDoesNotCountAsTheNightlyRun(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailComplete)
	h.syncOnce()
	now := local(2022, 8, 2, 5, 0)
	app := newSummaryApp(t, h, &now)
	defer app.Close()
	sent, err := app.SendSummaryNow(context.Background(), now)
	if err != nil || !sent {
		t.Fatalf("SendSummaryNow: %v, %v", sent, err)
	}
	got := summaries(h)
	if len(got) != 1 {
		t.Fatalf("%d summaries", len(got))
	}
	got[0].expectText(t, "(sendt på forespørgsel)", "Aarhus Kommune")
	if runs := summaryRuns(t, h); len(runs) != 0 {
		t.Errorf("--send recorded a nightly run: %+v", runs)
	}
	now = local(2022, 8, 2, 6, 0)
	if !checkSummary(t, app, now) || len(summaries(h)) != 2 {
		t.Error("the nightly summary did not go out after a manual one")
	}
	summaries(h)[1].expectText(t, "Dette er den første status")
}

// summaryAttachment returns the first attachment of a raw mail.
func summaryAttachment(t *testing.T, raw []byte) (name, contentType string, data []byte) {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if ah, ok := p.Header.(*gomail.AttachmentHeader); ok {
			name, _ = ah.Filename()
			ct, params, _ := mime.ParseMediaType(ah.Get("Content-Type"))
			if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") {
				t.Errorf("attachment charset %q", cs)
			}
			data, err = io.ReadAll(p.Body)
			if err != nil {
				t.Fatal(err)
			}
			return name, ct, data
		}
	}
	t.Fatal("the mail has no attachment")
	return "", "", nil
}

// A mail the server received before a summary but that was processed only
// after it (the daemon was down overnight) is in the next summary.
func TestSummaryListsMailProcessedAfterTheSummary(t *testing.T) {
	h := newHarness(t)
	now := local(2022, 8, 2, 6, 0)
	app := newSummaryApp(t, h, &now)
	if !checkSummary(t, app, now) {
		t.Fatal("the first summary was not sent")
	}
	app.Close()
	// Received at 05:00, processed at 09:00.
	h.appendMailAt(mailQuestion, local(2022, 8, 2, 5, 0))
	h.clock = func() time.Time { return local(2022, 8, 2, 9, 0) }
	h.syncOnce()

	now = local(2022, 8, 3, 6, 0)
	app = newSummaryApp(t, h, &now)
	defer app.Close()
	if !checkSummary(t, app, now) {
		t.Fatal("the second summary was not sent")
	}
	got := summaries(h)
	if len(got) != 2 {
		t.Fatalf("%d summaries, want 2", len(got))
	}
	got[1].expectText(t, "SPØRGSMÅL (1)", "Hvor mange deltagere")
	if runs := summaryRuns(t, h); len(runs) != 2 || runs[1].LastMessageID != 1 {
		t.Errorf("runs %+v, want the second to cover message 1", runs)
	}
}
