package intake_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

func kommuner() *parser.Directory { return parser.New(parser.Options{}).Kommuner() }

func TestReadRecipientsReportsEachBadLine(t *testing.T) {
	csv := "\uFEFFkommune;navn;email\n" +
		"0751;Anne Hansen;hr@aarhus.dk\n" +
		"Vejle;;chef@vejle.dk\n" +
		"\n" +
		"Aarhuus;X;x@example.org\n" +
		"101;Kim;kim\n" +
		";Bo;bo@example.org\n" +
		"Københavns Kommune;\"Hansen; Kim\";KIM@KK.DK\n"
	good, bad, err := ops.ReadRecipients(strings.NewReader(csv), kommuner())
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, r := range good {
		codes = append(codes, r.Kommune.Code)
	}
	if !slices.Equal(codes, []string{"0751", "0630", "0101"}) || good[2].Name != "Hansen; Kim" || good[2].Email != "kim@kk.dk" || good[2].Line != 8 {
		t.Errorf("good lines = %+v", good)
	}
	var lines []int
	for _, le := range bad {
		lines = append(lines, le.Line)
	}
	if !slices.Equal(lines, []int{5, 6, 7}) {
		t.Errorf("bad lines = %v, want 5, 6, 7: %v", lines, bad)
	}
	if len(bad) == 3 && (!strings.Contains(bad[0].Error(), `line 5: "Aarhuus" is not one of the 98 kommuner`) ||
		!strings.Contains(bad[1].Error(), `email "kim"`)) {
		t.Errorf("messages: %v", bad)
	}
	if _, _, err := ops.ReadRecipients(strings.NewReader("kommune,email\n0751,a@b.dk\n"), kommuner()); err == nil ||
		!strings.Contains(err.Error(), `lacks the column "navn"`) {
		t.Errorf("header without navn: %v", err)
	}
}

// movingClock starts at t and runs at the speed of the wall clock, so
// the rate limit's waits end.
func movingClock(t time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return t.Add(time.Since(start)) }
}

func newTestApp(t *testing.T, h *harness) *intake.App {
	t.Helper()
	app, err := intake.NewApp(context.Background(), h.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), h.clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// invite runs what `seniorbot invite` runs for csv and returns the plan.
func invite(t *testing.T, h *harness, csv string, again bool) []ops.PlannedInvitation {
	t.Helper()
	ctx := context.Background()
	recips, bad, err := ops.ReadRecipients(strings.NewReader(csv), kommuner())
	if err != nil || len(bad) > 0 {
		t.Fatalf("recipients: %v %v", err, bad)
	}
	app := newTestApp(t, h)
	plan, err := app.PlanInvitations(ctx, recips, again)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := app.QueueInvitations(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var settled int
	pending, err := app.SendQueued(ctx, queued, func(p ops.SendProgress) {
		settled++
		if p.State.Status != storage.OutboxSent || p.Done != settled || p.Total != len(queued) {
			t.Errorf("progress %+v", p)
		}
	})
	if err != nil || len(pending) > 0 || settled != len(queued) {
		t.Fatalf("SendQueued: %d settled of %d, pending %v, %v", settled, len(queued), pending, err)
	}
	return plan
}

const recipientsCSV = "kommune,navn,email\n0751,Anne Hansen,hr@aarhus.dk\nVejle,,chef@vejle.dk\n"

func TestInviteSendsRecordsAndResumes(t *testing.T) {
	h := newHarness(t)
	h.clock = movingClock(testNow)
	h.cfg.Invite.Rate.Duration = 150 * time.Millisecond
	start := time.Now()
	invite(t, h, recipientsCSV, false)
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("two invitations went out %s apart; the rate is 150ms", el)
	}
	if n := len(h.sink.messages()); n != 2 {
		t.Fatalf("sink got %d mails, want 2", n)
	}
	aarhus := h.sink.only(t, "hr@aarhus.dk")
	if !strings.HasSuffix(aarhus.subject, "– Aarhus Kommune [SP-0751]") || !strings.HasPrefix(aarhus.subject, "Invitation til Seniorpartnerskabet") {
		t.Errorf("subject %q", aarhus.subject)
	}
	if id := aarhus.header.Get("Message-Id"); !strings.HasPrefix(id, "<sp-0751.") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID %q does not carry the reference", id)
	}
	if as := aarhus.header.Get("Auto-Submitted"); as != "" {
		t.Errorf("the invitation is marked Auto-Submitted: %q", as)
	}
	aarhus.text = strings.ReplaceAll(aarhus.text, "\r\n", "\n")
	aarhus.expectText(t, "Kære Anne Hansen", "torsdag den 1. september 2022", "torsdag den 29. september 2022",
		"tirsdag den 11. oktober 2022",
		"--- TILMELDING TIL SENIORPARTNERSKABET ---\nKommune:\nForvaltning/område (kun hvis ikke hele kommunen):\n"+
			"Godkendt i HovedMED (ja/nej):\n"+
			"Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt):\n"+
			"Kontaktperson (navn, e-mail, telefon):\n"+
			"Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n1.\n2.\n3.\n4.\n--- SLUT ---")
	h.sink.only(t, "chef@vejle.dk").expectText(t, "Kære HovedMED")

	invs, err := h.db().Invitations(context.Background())
	if err != nil || len(invs) != 2 || invs[0].KommuneCode != "0630" || invs[1].Token != "SP-0751" ||
		invs[1].Status != storage.OutboxSent || invs[1].Recipients != `"Anne Hansen" <hr@aarhus.dk>` ||
		"<"+invs[1].MessageID+">" != aarhus.header.Get("Message-Id") {
		t.Fatalf("invitations = %+v, %v", invs, err)
	}

	// Again: everybody is skipped, nothing is sent.
	for _, pi := range invite(t, h, recipientsCSV, false) {
		if !strings.HasPrefix(pi.Skip, "invited before") {
			t.Errorf("%s not skipped: %q", pi.Kommune.Name, pi.Skip)
		}
	}
	if n := len(h.sink.messages()); n != 2 {
		t.Errorf("a second run sent %d mails more", n-2)
	}
	// --again invites once more.
	invite(t, h, recipientsCSV, true)
	if n := len(h.sink.messages()); n != 4 {
		t.Errorf("--again: sink has %d mails, want 4", n)
	}
}

func TestInviteResumesAnInterruptedRun(t *testing.T) {
	h := newHarness(t)
	h.cfg.Invite.Rate.Duration = 0 // the test clock stands still
	ctx := context.Background()
	recips, _, _ := ops.ReadRecipients(strings.NewReader(recipientsCSV), kommuner())
	app := newTestApp(t, h)
	plan, _ := app.PlanInvitations(ctx, recips, false)
	if _, err := app.QueueInvitations(ctx, plan); err != nil { // queued, then "killed" before sending
		t.Fatal(err)
	}
	pending, err := app.PendingInvitations(ctx)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending invitations = %v, %v", pending, err)
	}
	if _, err := app.SendQueued(ctx, pending, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(h.sink.messages()); n != 2 {
		t.Errorf("resumed run sent %d, want 2", n)
	}
	if p, _ := app.PendingInvitations(ctx); len(p) != 0 {
		t.Errorf("still pending: %v", p)
	}
}

// replyTo is a reply to the invitation with the message id inReplyTo ("" for none).
func replyTo(from, msgID, subject, inReplyTo, body string) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\nTo: " + botAddr + "\r\nSubject: " + encodeSubject(subject) + "\r\n")
	b.WriteString("Date: Mon, 01 Aug 2022 10:00:00 +0200\r\nMessage-ID: " + msgID + "\r\n")
	if inReplyTo != "" {
		b.WriteString("In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.TrimPrefix(body, "\n"), "\n", "\r\n"))
	return []byte(b.String())
}

const formWithoutKommune = `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune:
Godkendt i HovedMED (ja/nej): ja
Kontaktperson (navn, e-mail, telefon): Anne Hansen, anne@example.com, 12345678
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, anne@example.com, HR-chef, ledelse
2. Bo Nielsen, bo@example.com, tillidsrepræsentant, medarbejder
--- SLUT ---
`

func TestReplyIsMatchedByTheInvitationsReference(t *testing.T) {
	h := newHarness(t)
	h.cfg.Invite.Rate.Duration = 0 // the test clock stands still
	invite(t, h, recipientsCSV, false)
	invs, _ := h.db().Invitations(context.Background())
	var aarhusID string
	for _, inv := range invs {
		if inv.KommuneCode == "0751" {
			aarhusID = inv.MessageID
		}
	}
	// The kommuner answer from domains the kommuner data does not know,
	// named in [trust.kommune_domains]: without that, a stranger naming
	// a kommune's invitation would be held (trust_test.go).
	h.cfg.Trust.KommuneDomains = map[string][]string{"0751": {"example.com"}, "0461": {"example.net"}}
	// From a private address, the kommune named nowhere in the text: the
	// In-Reply-To names the Aarhus invitation.
	h.appendMail(replyTo("Anne Hansen <anne@example.com>", "<ref-1@example.com>", "SV: Invitation til Seniorpartnerskabet", aarhusID, formWithoutKommune))
	// No In-Reply-To at all, but the reference in the subject: Odense.
	h.appendMail(replyTo("Per <per@example.net>", "<ref-2@example.net>", "Tilmelding [SP-0461]", "", formWithoutKommune))
	h.syncOnce()

	ts, err := h.db().Tilmeldinger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tl := range ts {
		got[tl.KommuneCode] = tl.Status
	}
	if got["0751"] != storage.StatusComplete || got["0461"] != storage.StatusComplete || len(got) != 2 {
		t.Errorf("tilmeldinger by kommune = %v, want 0751 and 0461 complete", got)
	}
	h.sink.only(t, "anne@example.com").expectText(t, "Aarhus Kommune")
	h.sink.only(t, "per@example.net").expectText(t, "Odense Kommune")
}

func TestRemindBeforeTheDeadline(t *testing.T) {
	h := newHarness(t)
	// Three days before the deadline (1 September 2022), reminders go out
	// (remind_days_before is 7 by default).
	h.clock = movingClock(time.Date(2022, 8, 29, 10, 0, 0, 0, time.UTC))
	h.cfg.Invite.Rate.Duration = 0
	invite(t, h, recipientsCSV+"Odense,Ole,hr@odense.dk\n", false)
	h.appendMail(mailComplete)      // Aarhus: complete
	h.appendMail(mailNoMedarbejder) // Vejle: incomplete
	h.syncOnce()
	before := len(h.sink.messages()) // 3 invitations, 2 answers

	ctx := context.Background()
	app := newTestApp(t, h)
	plan, err := app.PlanReminders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := app.QueueReminders(ctx, plan)
	if err != nil || len(queued) != 2 {
		t.Fatalf("queued %v, %v; want Odense and Vejle", queued, err)
	}
	if _, err := app.SendQueued(ctx, queued, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(h.sink.messages()) - before; n != 2 {
		t.Fatalf("%d reminders sent, want 2", n)
	}
	invs, _ := h.db().Invitations(ctx)
	invID := map[string]string{}
	for _, inv := range invs {
		invID[inv.KommuneCode] = inv.MessageID
	}
	for _, m := range h.sink.messages()[before:] {
		switch {
		case slices.Contains(m.rcpt, "hr@odense.dk"):
			if m.header.Get("In-Reply-To") != "<"+invID["0461"]+">" || !strings.Contains(m.subject, "Påmindelse") ||
				!strings.HasSuffix(m.subject, "[SP-0461]") {
				t.Errorf("Odense reminder: subject %q, In-Reply-To %q", m.subject, m.header.Get("In-Reply-To"))
			}
			m.expectText(t, "Kære Ole", "endnu ikke modtaget en tilmelding fra Odense Kommune", "torsdag den 1. september 2022",
				"Kommune: Odense Kommune")
		case slices.Contains(m.rcpt, "chef@vejle.dk"):
			if m.header.Get("In-Reply-To") != "<"+invID["0630"]+">" || !strings.HasSuffix(m.subject, "[SP-0630]") {
				t.Errorf("Vejle reminder: subject %q, In-Reply-To %q", m.subject, m.header.Get("In-Reply-To"))
			}
			m.expectText(t, "medarbejdersiden", "1. Carl Jensen, chef@vejle.dk, direktør, ledelse")
		default:
			t.Errorf("reminder to %v: %q", m.rcpt, m.subject)
		}
	}

	// The same day again: nobody.
	plan, err = app.PlanReminders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range plan {
		if pr.Skip != "already reminded today" {
			t.Errorf("%s: skip %q, want already reminded today", pr.Kommune.Name, pr.Skip)
		}
	}

	// Before the window: nothing at all.
	h.clock = func() time.Time { return testNow }
	if _, err := newTestApp(t, h).PlanReminders(ctx); !errors.Is(err, ops.ErrOutsideReminderWindow) {
		t.Errorf("a month before the deadline: %v, want ErrOutsideReminderWindow", err)
	}
}
