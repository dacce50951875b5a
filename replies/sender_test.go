package replies

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	gomessagemail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

var testNow = time.Date(2022, 8, 15, 10, 30, 0, 0, time.UTC)

func newTestSender(t *testing.T, port int, q Queue, mutate func(*SenderConfig)) *Sender {
	t.Helper()
	cfg := SenderConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, HELO: "bot.example.org", Timeout: 5 * time.Second}
	if mutate != nil {
		mutate(&cfg)
	}
	s := NewSender(cfg, q, nil)
	s.Now = func() time.Time { return testNow }
	return s
}

// confirmationMail is a complete reply as the intake would queue it, with
// the text rendered from the real templates.
func confirmationMail(t *testing.T, local string) Mail {
	t.Helper()
	r, err := NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	v := testView()
	v.Day, v.DayIsDefault, v.DaySide = v.Campaign.EastDay, true, SideEast
	text, html, err := r.Render(TemplateConfirmation, v)
	if err != nil {
		t.Fatal(err)
	}
	return Mail{
		MessageID:   local + "@bot.example.org",
		Date:        testNow,
		From:        Address{Name: "Seniorpartnerskabet", Email: "tilmelding@example.org"},
		To:          []Address{{Name: "Søren Ærø Østergaard", Email: "soren@example.com"}},
		Cc:          []Address{{Name: "Staff, \"KL\"", Email: "staff@example.org"}},
		ReplyTo:     &Address{Name: "Tilmelding", Email: "tilmelding@example.org"},
		Subject:     ReplySubject("SV: Tilmelding – Århus Kommune"),
		InReplyTo:   "orig-2@example.com",
		References:  []string{"orig-1@example.com", "orig-2@example.com"},
		AutoReplied: true,
		Text:        text,
		HTML:        html,
		Attachments: []Attachment{{Filename: "original.eml", ContentType: "message/rfc822",
			Data: []byte("From: a@example.com\r\nSubject: hej\r\n\r\nhej\r\n")}},
	}
}

func TestSendDueDeliversExactMail(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	m := confirmationMail(t, "c1")
	id := q.add(t, m)

	sent, err := newTestSender(t, port, q, nil).SendDue(context.Background())
	if err != nil || sent != 1 {
		t.Fatalf("SendDue = %d, %v; want 1, nil", sent, err)
	}
	if it := q.get(id); it.state != "sent" || !it.sentAt.Equal(testNow) {
		t.Fatalf("item = %+v; want sent at %v", it, testNow)
	}
	msgs := sk.messages()
	if len(msgs) != 1 {
		t.Fatalf("sink got %d mails, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "tilmelding@example.org" {
		t.Errorf("MAIL FROM = %q", got.From)
	}
	if want := []string{"soren@example.com", "staff@example.org"}; !slices.Equal(got.To, want) {
		t.Errorf("RCPT TO = %v, want %v", got.To, want)
	}
	checkHeaders(t, got.Data)
	checkParts(t, got.Data, m)
}

func checkHeaders(t *testing.T, data []byte) {
	t.Helper()
	mr, err := gomessagemail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := mr.Header
	wantAddr(t, &h, "From", "Seniorpartnerskabet <tilmelding@example.org>")
	wantAddr(t, &h, "To", "Søren Ærø Østergaard <soren@example.com>")
	wantAddr(t, &h, "Cc", `Staff, "KL" <staff@example.org>`)
	wantAddr(t, &h, "Reply-To", "Tilmelding <tilmelding@example.org>")
	if s, _ := h.Subject(); s != "Re: Tilmelding – Århus Kommune" {
		t.Errorf("Subject = %q", s)
	}
	if id, _ := h.MessageID(); id != "c1@bot.example.org" {
		t.Errorf("Message-ID = %q", id)
	}
	if ids, _ := h.MsgIDList("In-Reply-To"); !slices.Equal(ids, []string{"orig-2@example.com"}) {
		t.Errorf("In-Reply-To = %v", ids)
	}
	if ids, _ := h.MsgIDList("References"); !slices.Equal(ids, []string{"orig-1@example.com", "orig-2@example.com"}) {
		t.Errorf("References = %v", ids)
	}
	if refs := h.Values("References"); len(refs) != 1 || strings.Contains(refs[0], ",") {
		t.Errorf("References must be one space-separated header, got %q", refs)
	}
	if d, _ := h.Date(); !d.Equal(testNow) {
		t.Errorf("Date = %v, want %v", d, testNow)
	}
	for k, want := range map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All",
		"User-Agent": "", "X-Mailer": ""} {
		if v := h.Get(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}

func wantAddr(t *testing.T, h *gomessagemail.Header, key, want string) {
	t.Helper()
	list, err := h.AddressList(key)
	if err != nil || len(list) != 1 {
		t.Errorf("%s: %v, %v", key, list, err)
		return
	}
	if got := list[0].Name + " <" + list[0].Address + ">"; got != want && `"`+list[0].Name+`" <`+list[0].Address+">" != want {
		t.Errorf("%s = %q, want %q", key, got, want)
	}
}

func checkParts(t *testing.T, data []byte, m Mail) {
	t.Helper()
	mr, err := gomessagemail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomessagemail.InlineHeader:
			ct, _, _ := h.ContentType()
			seen[ct] = string(body)
		case *gomessagemail.AttachmentHeader:
			ct, _, _ := h.ContentType()
			name, _ := h.Filename()
			seen[ct+" "+name] = string(body)
		}
	}
	// SMTP carries CRLF line ends.
	if got := strings.ReplaceAll(seen["text/plain"], "\r\n", "\n"); got != m.Text {
		t.Errorf("text/plain part differs:\n%s\nwant\n%s", got, m.Text)
	}
	if got := strings.ReplaceAll(seen["text/html"], "\r\n", "\n"); got != m.HTML {
		t.Errorf("text/html part differs")
	}
	for _, want := range []string{"Søren", "torsdag den 29. september 2022", "standarddato", "Ledelsessiden"} {
		if !strings.Contains(seen["text/plain"], want) {
			t.Errorf("text/plain lacks %q", want)
		}
	}
	if got := seen["message/rfc822 original.eml"]; strings.TrimRight(got, "\r\n") != strings.TrimRight(string(m.Attachments[0].Data), "\r\n") {
		t.Errorf("attachment = %q (parts: %v)", got, keys(seen))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSendDueRetriesTemporaryThenSends(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	sk.setRcptErr("soren@example.com", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}, 1)
	q := &fakeQueue{}
	id := q.add(t, plainMail("r1", "soren@example.com"))
	s := newTestSender(t, port, q, nil)

	if sent, err := s.SendDue(context.Background()); err != nil || sent != 0 {
		t.Fatalf("first SendDue = %d, %v; want 0, nil", sent, err)
	}
	it := q.get(id)
	if it.state != "queued" || it.item.Attempts != 1 || !it.next.Equal(testNow.Add(time.Minute)) || !strings.Contains(it.lastErr, "451") {
		t.Fatalf("after 451: %+v; want retry in 1m", it)
	}
	// Not due yet: nothing happens.
	if sent, _ := s.SendDue(context.Background()); sent != 0 || len(sk.messages()) != 0 {
		t.Fatal("sent before the retry was due")
	}
	s.Now = func() time.Time { return testNow.Add(time.Minute) }
	if sent, err := s.SendDue(context.Background()); err != nil || sent != 1 {
		t.Fatalf("second SendDue = %d, %v; want 1, nil", sent, err)
	}
	if q.get(id).state != "sent" || len(sk.messages()) != 1 {
		t.Fatalf("want sent once, got %+v and %d mails", q.get(id), len(sk.messages()))
	}
}

func TestSendDuePermanentFailureAndOneConnection(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	sk.setRcptErr("nobody@example.com", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, 0)
	q := &fakeQueue{}
	bad := q.add(t, plainMail("p1", "nobody@example.com"))
	good := q.add(t, plainMail("p2", "soren@example.com"))

	sent, err := newTestSender(t, port, q, nil).SendDue(context.Background())
	if err != nil || sent != 1 {
		t.Fatalf("SendDue = %d, %v; want 1, nil", sent, err)
	}
	if it := q.get(bad); it.state != "failed" || !strings.Contains(it.lastErr, "550") {
		t.Errorf("550 item = %+v; want failed", it)
	}
	if it := q.get(good); it.state != "sent" {
		t.Errorf("good item = %+v; want sent", it)
	}
	if n := sk.sessionCount(); n != 1 {
		t.Errorf("%d SMTP sessions for one batch, want 1", n)
	}
}

func TestSendDueConnectionFailureRetriesAll(t *testing.T) {
	q := &fakeQueue{}
	a := q.add(t, plainMail("f1", "soren@example.com"))
	b := q.add(t, plainMail("f2", "soren@example.com"))
	q.items[1].item.Attempts = 7 // long-failing: capped backoff

	sent, err := newTestSender(t, freePort(t), q, nil).SendDue(context.Background())
	if err == nil || sent != 0 {
		t.Fatalf("SendDue = %d, %v; want 0 and an error", sent, err)
	}
	if it := q.get(a); it.state != "queued" || it.item.Attempts != 1 || !it.next.Equal(testNow.Add(time.Minute)) {
		t.Errorf("item a = %+v", it)
	}
	if it := q.get(b); it.item.Attempts != 8 || !it.next.Equal(testNow.Add(time.Hour)) {
		t.Errorf("item b = %+v; want retry in 1h", it)
	}
}

func TestSendDueBatchSize(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	for i := range 3 {
		q.add(t, plainMail("b"+string(rune('a'+i)), "soren@example.com"))
	}
	s := newTestSender(t, port, q, func(c *SenderConfig) { c.BatchSize = 2 })
	if sent, err := s.SendDue(context.Background()); err != nil || sent != 2 {
		t.Fatalf("SendDue = %d, %v; want 2", sent, err)
	}
	if sent, _ := s.SendDue(context.Background()); sent != 1 || len(sk.messages()) != 3 || sk.sessionCount() != 2 {
		t.Fatalf("second batch: sent %d, %d mails, %d sessions", sent, len(sk.messages()), sk.sessionCount())
	}
}

func TestSendDueAuthAndTLS(t *testing.T) {
	for _, mode := range []string{TLSNone, TLSStartTLS, TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			sk, port, clientTLS := startSink(t, mode)
			sk.requireAuth = true
			q := &fakeQueue{}
			id := q.add(t, plainMail("a1", "soren@example.com"))
			s := newTestSender(t, port, q, func(c *SenderConfig) {
				c.TLS, c.Username, c.Password, c.TLSConfig = mode, "bot", "pw", clientTLS
			})
			if sent, err := s.SendDue(context.Background()); err != nil || sent != 1 {
				t.Fatalf("SendDue = %d, %v", sent, err)
			}
			if q.get(id).state != "sent" {
				t.Fatal("not marked sent")
			}
		})
	}
}

func TestSendDueRefusesPlainTextToRemoteHost(t *testing.T) {
	q := &fakeQueue{}
	id := q.add(t, plainMail("n1", "soren@example.com"))
	s := newTestSender(t, 25, q, func(c *SenderConfig) { c.Host = "smtp.example.org" })
	if _, err := s.SendDue(context.Background()); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v; want a loopback-only error", err)
	}
	if it := q.get(id); it.state != "queued" || it.item.Attempts != 0 {
		t.Errorf("item touched by a configuration error: %+v", it)
	}
}

func TestSendDueUnbuildableItemFails(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	m := plainMail("i1", "soren@example.com")
	m.Subject = "Hej\r\nBcc: evil@example.com"
	id := q.add(t, m)
	if sent, err := newTestSender(t, port, q, nil).SendDue(context.Background()); err != nil || sent != 0 {
		t.Fatalf("SendDue = %d, %v", sent, err)
	}
	if it := q.get(id); it.state != "failed" || !strings.Contains(it.lastErr, "subject") {
		t.Errorf("item = %+v; want failed naming the subject", it)
	}
	if sk.sessionCount() != 0 {
		t.Error("dialled for nothing")
	}
}

func TestRunSendsOnWakeAndStops(t *testing.T) {
	sk, port, _ := startSink(t, TLSNone)
	q := &fakeQueue{}
	s := newTestSender(t, port, q, nil)
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() { s.Run(ctx, wake, time.Hour); close(done) }()

	q.add(t, plainMail("w1", "soren@example.com"))
	wake <- struct{}{}
	select {
	case <-sk.got:
	case <-time.After(5 * time.Second):
		t.Fatal("no mail after wake")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func plainMail(local, to string) Mail {
	return Mail{
		MessageID: local + "@bot.example.org", Date: testNow,
		From:    Address{Name: "Seniorpartnerskabet", Email: "tilmelding@example.org"},
		To:      []Address{{Email: to}},
		Subject: "Re: Tilmelding", AutoReplied: true, Text: "Tak.\n",
	}
}

// testView is a registration as the intake would describe it.
func testView() View {
	yes := true
	return View{
		Campaign: Campaign{
			Name:     "Seniorpartnerskabet",
			Deadline: time.Date(2022, 9, 1, 0, 0, 0, 0, time.UTC),
			EastDay:  time.Date(2022, 9, 29, 0, 0, 0, 0, time.UTC),
			WestDay:  time.Date(2022, 10, 11, 0, 0, 0, 0, time.UTC),
			Contacts: []Address{{Name: "Nanna Eksempel", Email: "nanna@example.org"}, {Name: "Martin Eksempel", Email: "martin@example.org"}},
		},
		KommuneName: "Aarhus Kommune",
		HovedMED:    &yes,
		Contact:     parser.Contact{Name: "Søren Ærø Østergaard", Email: "soren@example.com", Phone: "12345678"},
		Participants: []parser.Participant{
			{Name: "Lone Leder", Email: "lone@example.com", Title: "HR-chef", Side: parser.SideLedelse},
			{Name: "Tina Tillid", Email: "tina@example.com", Title: "FTR", Side: parser.SideMedarbejder},
			{Name: "Ukendt Person", Email: "ukendt@example.com", Title: "konsulent"},
			{Name: "Carl Chef", Email: "carl@example.com", Title: "centerchef", Side: parser.SideLedelse},
		},
	}
}

func TestSenderConfigValidate(t *testing.T) {
	good := []SenderConfig{
		{Host: "smtp.example.org"},
		{Host: "smtp.example.org", TLS: TLSImplicit},
		{Host: "localhost", TLS: TLSNone},
		{Host: "::1", TLS: TLSNone},
	}
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := []SenderConfig{{}, {Host: "smtp.example.org", TLS: TLSNone}, {Host: "smtp.example.org", TLS: "ssl"}}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}
