// The end-to-end harness of package intake: an in-memory IMAP server
// holding the bot's mailbox, an SMTP sink that keeps what the bot sends,
// and a configuration pointing at both. Tests deliver mail with
// appendMail, run the daemon with syncOnce, and read the database and the
// sink.
package intake_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// eml builds a UTF-8 quoted-printable-free mail with CRLF line endings.
func eml(from, name, msgID, subject, extraHeaders, body string) []byte {
	var b strings.Builder
	b.WriteString("From: " + name + " <" + from + ">\r\n")
	b.WriteString("To: Seniorpartnerskabet <" + botAddr + ">\r\n")
	b.WriteString("Subject: " + encodeSubject(subject) + "\r\n")
	b.WriteString("Date: Mon, 01 Aug 2022 10:00:00 +0200\r\n")
	b.WriteString("Message-ID: " + msgID + "\r\n")
	b.WriteString("In-Reply-To: <invitation-1@example.org>\r\n")
	b.WriteString("References: <invitation-1@example.org>\r\n")
	b.WriteString(extraHeaders)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(strings.TrimPrefix(body, "\n"), "\n", "\r\n"))
	return []byte(b.String())
}

func encodeSubject(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?q?" + qEncode(s) + "?="
		}
	}
	return s
}

func qEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c < 128 && c != '=' && c != '?' && c != '_':
			b.WriteByte(c)
		default:
			b.WriteString("=" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

// harness is one in-memory IMAP server and one SMTP sink on 127.0.0.1.
type harness struct {
	t        *testing.T
	user     *imapmemserver.User
	imapAddr string
	sink     *sink
	cfg      config.Config
	clock    func() time.Time // the App's clock; testNow unless a test moves it
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(botAddr, "pw")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	sk := startSink(t)
	cfg := config.DefaultConfig()
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port, "none"
	cfg.IMAP.Username, cfg.IMAP.Password = botAddr, "pw"
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = "127.0.0.1", sk.port, "none"
	cfg.SMTP.From = "Seniorpartnerskabet <" + botAddr + ">"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "seniorbot.db")
	cfg.Campaign.Contacts = []config.Contact{
		{Name: "Kontakt KL", Email: "kontakt-kl@example.org"},
		{Name: "Kontakt FF", Email: "kontakt-ff@example.com"},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, user: user, imapAddr: ln.Addr().String(), sink: sk, cfg: cfg,
		clock: func() time.Time { return testNow }}
}

// testNow is the clock of the tests: a month before the default deadline.
var testNow = time.Date(2022, 8, 1, 12, 0, 0, 0, time.UTC)

// appendMail delivers raw to the INBOX as received at testNow.
func (h *harness) appendMail(raw []byte) {
	h.t.Helper()
	h.appendMailAt(raw, testNow)
}

// appendMailAt delivers raw to the INBOX with the given INTERNALDATE, the
// time the server received it.
func (h *harness) appendMailAt(raw []byte, at time.Time) {
	h.t.Helper()
	if _, err := h.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: at}); err != nil {
		h.t.Fatal(err)
	}
}

// syncOnce runs one full pass of a freshly assembled App, as a restart of
// the daemon would, and closes it.
func (h *harness) syncOnce() {
	h.t.Helper()
	ctx := context.Background()
	app, err := intake.NewApp(ctx, h.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), h.clock)
	if err != nil {
		h.t.Fatal(err)
	}
	defer app.Close()
	if err := app.SyncOnce(ctx); err != nil {
		h.t.Fatalf("SyncOnce: %v", err)
	}
}

func (h *harness) db() *storage.DB {
	h.t.Helper()
	db, err := storage.Open(context.Background(), h.cfg.Storage.Path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

// expectProcessedUnseen checks that n messages were moved to the processed
// folder without the \Seen flag: staff still see them as unread.
func (h *harness) expectProcessedUnseen(n int) {
	h.t.Helper()
	c := h.imapClient()
	defer c.Close()
	inbox, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		h.t.Fatal(err)
	}
	if inbox.NumMessages != 0 {
		h.t.Errorf("INBOX still has %d messages", inbox.NumMessages)
	}
	sel, err := c.Select(h.cfg.IMAP.ProcessedFolder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		h.t.Fatalf("select the processed folder: %v", err)
	}
	if int(sel.NumMessages) != n {
		h.t.Errorf("processed folder has %d messages, want %d", sel.NumMessages, n)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(seqRange(sel.NumMessages)...), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range msgs {
		if slices.Contains(m.Flags, imap.FlagSeen) {
			h.t.Errorf("message %d is marked \\Seen", m.SeqNum)
		}
	}
}

func seqRange(n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i + 1)
	}
	return out
}

// sink is an SMTP server that keeps what it receives.
type sink struct {
	port int
	mu   sync.Mutex
	got  []sunk
}

// sunk is one received mail, decoded for assertions.
type sunk struct {
	rcpt    []string
	raw     []byte
	header  gomail.Header
	subject string
	text    string
}

func startSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.port = ln.Addr().(*net.TCPAddr).Port
	return s
}

type sinkSession struct {
	s    *sink
	rcpt []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := sunk{rcpt: ss.rcpt, raw: raw}
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	m.header = mr.Header
	m.subject, _ = mr.Header.Subject()
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if h, ok := p.Header.(*gomail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" && m.text == "" {
				b, _ := io.ReadAll(p.Body)
				m.text = string(b)
			}
		}
	}
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, m)
	ss.s.mu.Unlock()
	return nil
}
func (ss *sinkSession) Reset()        { ss.rcpt = nil }
func (ss *sinkSession) Logout() error { return nil }

func (s *sink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.got...)
}

func (s *sink) to(addr string) []sunk {
	var out []sunk
	for _, m := range s.messages() {
		if slices.Contains(m.rcpt, addr) {
			out = append(out, m)
		}
	}
	return out
}

func (s *sink) only(t *testing.T, addr string) sunk {
	t.Helper()
	ms := s.to(addr)
	if len(ms) != 1 {
		t.Fatalf("%d mails to %s, want 1", len(ms), addr)
	}
	return ms[0]
}

func (m sunk) expectReplyTo(t *testing.T, msgID string) {
	t.Helper()
	if got := m.header.Get("In-Reply-To"); got != "<"+msgID+">" {
		t.Errorf("mail %q: In-Reply-To = %q, want <%s>", m.subject, got, msgID)
	}
	if !strings.Contains(m.header.Get("References"), "<"+msgID+">") {
		t.Errorf("mail %q: References = %q lacks <%s>", m.subject, m.header.Get("References"), msgID)
	}
	if !strings.HasPrefix(m.subject, "Re: ") && !strings.HasPrefix(m.subject, "SV: ") {
		t.Errorf("subject %q is not a reply subject", m.subject)
	}
	if got := m.header.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("mail %q: Auto-Submitted = %q", m.subject, got)
	}
	if id := m.header.Get("Message-Id"); !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("mail %q: Message-ID %q is not on the bot's domain", m.subject, id)
	}
}

func (m sunk) expectText(t *testing.T, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(m.text, p) {
			t.Errorf("mail %q to %v lacks %q:\n%s", m.subject, m.rcpt, p, m.text)
		}
	}
}

func recipientsOf(ms []sunk) [][]string {
	var out [][]string
	for _, m := range ms {
		out = append(out, m.rcpt)
	}
	return out
}

// imapClient is a client logged in to the bot's mailbox, as staff's
// Outlook would be; the caller closes it.
func (h *harness) imapClient() *imapclient.Client {
	h.t.Helper()
	c, err := imapclient.DialInsecure(h.imapAddr, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := c.Login(botAddr, "pw").Wait(); err != nil {
		c.Close()
		h.t.Fatal(err)
	}
	return c
}

// inboxCount is how many messages wait in the INBOX.
func (h *harness) inboxCount() uint32 {
	h.t.Helper()
	c := h.imapClient()
	defer c.Close()
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		h.t.Fatal(err)
	}
	return sel.NumMessages
}
