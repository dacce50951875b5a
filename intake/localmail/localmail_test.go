package localmail

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// fixedNow is a Wednesday afternoon, Copenhagen time.
var fixedNow = time.Date(2026, time.March, 11, 14, 30, 0, 0, copenhagen())

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startTest(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(testLogWriter{t}, nil))
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func login(t *testing.T, s *Server, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
	if err != nil {
		t.Fatalf("dial IMAP: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, s.Password()).Wait(); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

// fetchAll returns the raw messages of a mailbox, in UID order, fetched with
// BODY.PEEK[].
func fetchAll(t *testing.T, c *imapclient.Client, mailbox string) [][]byte {
	t.Helper()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var seq imap.SeqSet
	seq.AddRange(1, sel.NumMessages)
	msgs, err := c.Fetch(seq, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", mailbox, err)
	}
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		out[i] = m.FindBodySection(section)
	}
	return out
}

func TestSeedAndReadOverIMAP(t *testing.T) {
	s := startTest(t, Options{})
	if err := s.Seed(); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	c := login(t, s, s.BotAddress())

	caps := c.Caps()
	for _, cp := range []imap.Cap{imap.CapIMAP4rev1, imap.CapIMAP4rev2, imap.CapIdle, imap.CapSpecialUse, imap.CapMove, imap.CapUIDPlus} {
		if !caps.Has(cp) {
			t.Errorf("capability %s not advertised (have %v)", cp, caps)
		}
	}

	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatalf("LIST: %v", err)
	}
	folders := map[string][]imap.MailboxAttr{}
	for _, l := range list {
		folders[l.Mailbox] = l.Attrs
	}
	if len(folders) != 2 {
		t.Errorf("bot folders = %v, want INBOX and Sent only", folders)
	}
	if _, ok := folders["Behandlet"]; ok {
		t.Errorf("Behandlet must not be pre-created")
	}
	hasSent := false
	for _, a := range folders["Sent"] {
		hasSent = hasSent || a == imap.MailboxAttrSent
	}
	if !hasSent {
		t.Errorf("Sent attrs = %v, want \\Sent", folders["Sent"])
	}

	sent := fetchAll(t, c, "Sent")
	if len(sent) != 1 {
		t.Fatalf("Sent holds %d messages, want 1 (the invitation)", len(sent))
	}
	inv, err := mail.CreateReader(bytes.NewReader(sent[0]))
	if err != nil {
		t.Fatalf("parse invitation: %v", err)
	}
	invID, err := inv.Header.MessageID()
	if err != nil || !strings.HasSuffix(invID, "@example.org") {
		t.Fatalf("invitation Message-ID = %q, %v", invID, err)
	}
	invText := readText(t, inv)
	camp := s.Campaign()
	for _, want := range []string{
		"--- TILMELDING TIL SENIORPARTNERSKABET ---",
		"Ønsket første udviklingsdag (" + danishDate(camp.EastDay) + " øst for Storebælt / " + danishDate(camp.WestDay) + " vest for Storebælt):",
		"Tilmeldingsfristen er " + danishLongDate(camp.Deadline),
		"HovedMED",
	} {
		if !strings.Contains(invText, want) {
			t.Errorf("invitation lacks %q", want)
		}
	}

	inbox := fetchAll(t, c, "INBOX")
	wantFrom := []string{"mekj@aarhus.dk", "laho@odense.dk", "bilu@vejle.dk", "jensd@roskilde.dk", "ansoe@kk.dk", "bilu@vejle.dk"}
	if len(inbox) != len(wantFrom) {
		t.Fatalf("INBOX holds %d messages, want %d", len(inbox), len(wantFrom))
	}
	var prevDate time.Time
	for i, raw := range inbox {
		if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("message %d has bare LF line endings", i)
		}
		mr, err := mail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message %d: parse: %v", i, err)
		}
		from, err := mr.Header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != wantFrom[i] {
			t.Errorf("message %d: From = %v, %v; want %s", i, from, err, wantFrom[i])
		}
		irt, err := mr.Header.MsgIDList("In-Reply-To")
		if err != nil || len(irt) != 1 || irt[0] != invID {
			t.Errorf("message %d: In-Reply-To = %v, %v; want %s", i, irt, err, invID)
		}
		id, err := mr.Header.MessageID()
		domain := wantFrom[i][strings.IndexByte(wantFrom[i], '@')+1:]
		if err != nil || !strings.HasSuffix(id, "@"+domain) {
			t.Errorf("message %d: Message-ID = %q, %v; want one at %s", i, id, err, domain)
		}
		date, err := mr.Header.Date()
		if err != nil {
			t.Errorf("message %d: Date: %v", i, err)
		}
		if !date.Before(fixedNow) || fixedNow.Sub(date) > 12*time.Hour || date.Before(prevDate) {
			t.Errorf("message %d: Date %v not a few hours before now (%v) and after the previous one", i, date, fixedNow)
		}
		prevDate = date
		text := readText(t, mr)
		if text == "" {
			t.Errorf("message %d: no readable text", i)
		}
		switch i {
		case 0:
			if !strings.Contains(text, "\n> --- TILMELDING TIL SENIORPARTNERSKABET ---") ||
				!strings.Contains(text, "Godkendt i HovedMED (ja/nej): ja") {
				t.Errorf("Aarhus: want a filled form and the quoted invitation, got\n%s", text)
			}
		case 1:
			if !strings.Contains(text, "<table") || !strings.Contains(text, danishDate(camp.EastDay)) {
				t.Errorf("Odense: want an HTML table choosing the east day, got\n%s", text)
			}
		case 3:
			if !strings.Contains(text, "Hvor mange deltagere må vi tilmelde?") {
				t.Errorf("Roskilde: question missing in\n%s", text)
			}
		case 4:
			subj, _ := mr.Header.Subject()
			if mr.Header.Get("Auto-Submitted") != "auto-replied" || subj != "Automatisk svar: Invitation til Seniorpartnerskabet" {
				t.Errorf("kk.dk auto-reply: Auto-Submitted %q, Subject %q", mr.Header.Get("Auto-Submitted"), subj)
			}
		case 5:
			if !strings.Contains(text, "toha@vejle.dk") || !strings.Contains(text, "medarbejder") {
				t.Errorf("Vejle amendment lacks the medarbejder in\n%s", text)
			}
		}
	}

	// The bot creates its folder and moves a message there.
	if err := c.Create("Behandlet", nil).Wait(); err != nil {
		t.Fatalf("CREATE Behandlet: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	if _, err := c.Move(imap.UIDSetNum(1), "Behandlet").Wait(); err != nil {
		t.Fatalf("MOVE: %v", err)
	}
	st, err := c.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
	if err != nil {
		t.Fatalf("LIST STATUS: %v", err)
	}
	counts := map[string]uint32{}
	for _, l := range st {
		if l.Status != nil && l.Status.NumMessages != nil {
			counts[l.Mailbox] = *l.Status.NumMessages
		}
	}
	if counts["INBOX"] != 5 || counts["Behandlet"] != 1 || counts["Sent"] != 1 {
		t.Errorf("counts after MOVE = %v", counts)
	}
}

func TestIdleSeesSMTPDelivery(t *testing.T) {
	s := startTest(t, Options{})
	exists := make(chan uint32, 4)
	c, err := imapclient.DialInsecure(s.IMAPAddr(), &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case exists <- *d.NumMessages:
					default:
					}
				}
			},
		},
	})
	if err != nil {
		t.Fatalf("dial IMAP: %v", err)
	}
	defer c.Close()
	if err := c.Login(s.BotAddress(), s.Password()).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select: %v", err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	msg := "From: x@example.com\r\nTo: " + s.BotAddress() + "\r\nSubject: hej\r\n\r\nhej\r\n"
	sc, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatalf("dial SMTP: %v", err)
	}
	defer sc.Close()
	if err := sc.SendMail("x@example.com", []string{s.BotAddress()}, strings.NewReader(msg)); err != nil {
		t.Fatalf("send: %v", err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d, want 1", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no EXISTS during IDLE after an SMTP delivery")
	}
	if err := idle.Close(); err != nil {
		t.Fatalf("close IDLE: %v", err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE: %v", err)
	}
}

// readText returns the decoded text of every inline part, joined.
func readText(t *testing.T, mr *mail.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		if _, ok := p.Header.(*mail.InlineHeader); ok {
			body, err := io.ReadAll(p.Body)
			if err != nil {
				t.Fatalf("read part: %v", err)
			}
			b.Write(body)
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestSMTPDelivery(t *testing.T) {
	var mu sync.Mutex
	var seen []Delivery
	s := startTest(t, Options{OnDeliver: func(d Delivery) {
		mu.Lock()
		seen = append(seen, d)
		mu.Unlock()
	}})

	c, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatalf("dial SMTP: %v", err)
	}
	defer c.Close()
	msg := "From: Seniorpartnerskabet <tilmelding@example.org>\r\n" +
		"To: hr@aarhus.dk\r\n" +
		"Subject: Kvittering\r\n" +
		"Message-ID: <kvit-1@example.org>\r\n" +
		"\r\n" +
		"Tak for jeres tilmelding.\r\n"
	if err := c.SendMail("tilmelding@example.org", []string{"HR@Aarhus.dk"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("send to hr@aarhus.dk: %v", err)
	}
	reply := "From: hr@aarhus.dk\r\nTo: tilmelding@example.org\r\nSubject: Tilmelding\r\nMessage-ID: <svar-1@aarhus.dk>\r\n\r\nKommune: Aarhus\r\n"
	if err := c.SendMail("hr@aarhus.dk", []string{s.BotAddress()}, strings.NewReader(reply)); err != nil {
		t.Fatalf("send to bot: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatalf("quit: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := s.WaitDelivered(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].From != "tilmelding@example.org" || len(ds[0].To) != 1 || ds[0].To[0] != "hr@aarhus.dk" ||
		string(ds[0].Data) != msg || !ds[0].At.Equal(fixedNow) {
		t.Errorf("first delivery = %+v", ds[0])
	}
	mu.Lock()
	if len(seen) != 2 {
		t.Errorf("OnDeliver called %d times, want 2", len(seen))
	}
	mu.Unlock()

	// The recipient reads it over IMAP with the shared password.
	hr := fetchAll(t, login(t, s, "hr@aarhus.dk"), "INBOX")
	if len(hr) != 1 {
		t.Fatalf("hr@aarhus.dk INBOX holds %d messages, want 1", len(hr))
	}
	if !bytes.HasPrefix(hr[0], []byte("Return-Path: <tilmelding@example.org>\r\nDelivered-To: hr@aarhus.dk\r\nReceived: from ")) ||
		!bytes.HasSuffix(hr[0], []byte(msg)) {
		t.Errorf("stored copy =\n%s", hr[0])
	}

	// Mail to the bot lands in the bot's INBOX.
	bot := fetchAll(t, login(t, s, s.BotAddress()), "INBOX")
	if len(bot) != 1 || !bytes.HasSuffix(bot[0], []byte(reply)) {
		t.Errorf("bot INBOX = %q", bot)
	}
}

func TestSMTPAuthOptional(t *testing.T) {
	s := startTest(t, Options{Password: "hemmelig"})
	c, err := smtp.Dial(s.SMTPAddr())
	if err != nil {
		t.Fatalf("dial SMTP: %v", err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", s.BotAddress(), "forkert")); err == nil {
		t.Errorf("AUTH with a wrong password succeeded")
	}
	if err := c.Auth(sasl.NewPlainClient("", s.BotAddress(), "hemmelig")); err != nil {
		t.Errorf("AUTH with the password: %v", err)
	}
	if err := c.Rcpt("not an address", nil); err == nil {
		t.Errorf("RCPT without MAIL or with a bad address succeeded")
	}
}

func TestIMAPLogin(t *testing.T) {
	s := startTest(t, Options{})
	c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
	if err != nil {
		t.Fatalf("dial IMAP: %v", err)
	}
	defer c.Close()
	if err := c.Login(s.BotAddress(), "wrong").Wait(); err == nil {
		t.Errorf("login with a wrong password succeeded")
	}
	if err := c.Login("no-at-sign", s.Password()).Wait(); err == nil {
		t.Errorf("login with a non-address succeeded")
	}
	// Any address gets an (empty) mailbox with the shared password.
	if got := fetchAll(t, login(t, s, "Nobody@Example.COM"), "INBOX"); len(got) != 0 {
		t.Errorf("new mailbox holds %d messages", len(got))
	}
}

func TestAppendToBot(t *testing.T) {
	s := startTest(t, Options{BotAddress: "Bot@Example.org"})
	if s.BotAddress() != "bot@example.org" {
		t.Errorf("BotAddress = %q", s.BotAddress())
	}
	raw := []byte("From: a@example.com\r\nSubject: x\r\n\r\nhej\r\n")
	if err := s.AppendToBot(raw); err != nil {
		t.Fatal(err)
	}
	got := fetchAll(t, login(t, s, "bot@example.org"), "INBOX")
	if len(got) != 1 || !bytes.Equal(got[0], raw) {
		t.Errorf("bot INBOX = %q", got)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	if s, err := Start(Options{Addr: "0.0.0.0"}); err == nil {
		s.Close()
		t.Fatal("Start on 0.0.0.0 succeeded")
	}
}

func TestDemoCampaign(t *testing.T) {
	start := time.Date(2025, time.December, 31, 23, 30, 0, 0, time.UTC) // already 1 January in Copenhagen
	for d := 0; d < 400; d++ {
		today := start.AddDate(0, 0, d)
		c := DemoCampaign(today)
		if c.Name != DefaultCampaignName {
			t.Fatalf("Name = %q", c.Name)
		}
		if !today.Before(c.Deadline) || !c.Deadline.Before(c.EastDay) || !c.EastDay.Before(c.WestDay) {
			t.Fatalf("today %v: deadline %v, east %v, west %v not ascending", today, c.Deadline, c.EastDay, c.WestDay)
		}
		for _, day := range []time.Time{c.Deadline, c.EastDay, c.WestDay} {
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Fatalf("today %v: %v falls on a %v", today, day, wd)
			}
			if day.Location().String() != "Europe/Copenhagen" || day.Hour() != 0 || day.Minute() != 0 {
				t.Fatalf("today %v: %v is not midnight in Copenhagen", today, day)
			}
		}
	}
	// The zero campaign in Options becomes the demo campaign.
	if got, want := (Campaign{}).withDefaults(fixedNow), DemoCampaign(fixedNow); got.Name != want.Name ||
		!got.Deadline.Equal(want.Deadline) || !got.EastDay.Equal(want.EastDay) || !got.WestDay.Equal(want.WestDay) {
		t.Errorf("withDefaults = %+v, want %+v", got, want)
	}
}

func TestDanishDates(t *testing.T) {
	d := time.Date(2022, time.September, 29, 0, 0, 0, 0, copenhagen())
	if got := danishDate(d); got != "29. september" {
		t.Errorf("danishDate = %q", got)
	}
	if got := danishLongDate(d); got != "torsdag den 29. september 2022" {
		t.Errorf("danishLongDate = %q", got)
	}
}

func TestSamplesAreFresh(t *testing.T) {
	a, err := Samples(Campaign{}, "", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Samples(Campaign{}, "", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 7 || a[0].Name != "invitation" || a[0].Mailbox != "Sent" {
		t.Fatalf("samples = %d, first %q in %q", len(a), a[0].Name, a[0].Mailbox)
	}
	for i := range a {
		if a[i].MessageID == b[i].MessageID {
			t.Errorf("sample %s: same Message-ID twice", a[i].Name)
		}
	}
}

func TestConnectionHelp(t *testing.T) {
	s := startTest(t, Options{})
	h := s.ConnectionHelp()
	for _, want := range []string{s.IMAPAddr()[:strings.LastIndexByte(s.IMAPAddr(), ':')], "swaks --server " + s.SMTPAddr(), "--to " + s.BotAddress(), `"demo"`} {
		if !strings.Contains(h, want) {
			t.Errorf("ConnectionHelp lacks %q:\n%s", want, h)
		}
	}
}
