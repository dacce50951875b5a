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

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const botAddr = "tilmelding@example.org"

// The replies of the end-to-end test, as the kommuner would send them.
var (
	mailComplete = eml("hr@aarhus.dk", "Anne Hansen", "<aarhus-1@aarhus.dk>", "Re: Invitation til Seniorpartnerskabet", "", `
Hej

Hermed vores tilmelding.

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Aarhus Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): 11. oktober
Kontaktperson (navn, e-mail, telefon): Anne Hansen, hr@aarhus.dk, 87 13 00 00
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse
2. Bo Nielsen, bo.nielsen@aarhus.dk, fællestillidsrepræsentant, medarbejder
3.
4.
--- SLUT ---

Venlig hilsen
Anne
`)
	mailNoMedarbejder = eml("chef@vejle.dk", "Carl Jensen", "<vejle-1@vejle.dk>", "SV: Invitation til Seniorpartnerskabet", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Vejle Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt):
Kontaktperson (navn, e-mail, telefon): Carl Jensen, chef@vejle.dk, 76 81 00 00
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Carl Jensen, chef@vejle.dk, direktør, ledelse
2. Dorte Lund, dorte.lund@vejle.dk, HR-chef, ledelse
3.
4.
--- SLUT ---
`)
	mailQuestion = eml("hr@roskilde.dk", "Eva Holm", "<roskilde-1@roskilde.dk>", "Spørgsmål om Seniorpartnerskabet", "", `
Hej

Hvor mange deltagere må vi tilmelde fra Roskilde Kommune?

Mvh Eva
`)
	mailOutOfOffice = eml("ferie@kk.dk", "Frede Olsen", "<kk-ooo-1@kk.dk>", "Automatisk svar: Invitation til Seniorpartnerskabet",
		"Auto-Submitted: auto-replied\r\n", `
Jeg er på ferie og læser ikke mails før 15. august.
`)
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
	cfg      intake.Config
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
	cfg := intake.DefaultConfig()
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port, "none"
	cfg.IMAP.Username, cfg.IMAP.Password = botAddr, "pw"
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = "127.0.0.1", sk.port, "none"
	cfg.SMTP.From = "Seniorpartnerskabet <" + botAddr + ">"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "seniorbot.db")
	cfg.Campaign.Contacts = []intake.Contact{
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

func TestEndToEnd(t *testing.T) {
	h := newHarness(t)
	for _, m := range [][]byte{mailComplete, mailNoMedarbejder, mailQuestion, mailOutOfOffice} {
		h.appendMail(m)
	}
	h.syncOnce()

	// Mails at the sink: one confirmation, one request for the missing
	// medarbejder, the question forwarded to both contacts, one
	// acknowledgement; nothing to the out-of-office.
	got := h.sink.messages()
	if len(got) != 4 {
		t.Fatalf("sink got %d mails, want 4: %v", len(got), recipientsOf(got))
	}
	aarhus := h.sink.only(t, "hr@aarhus.dk")
	aarhus.expectReplyTo(t, "aarhus-1@aarhus.dk")
	aarhus.expectText(t, "Aarhus Kommune", "Anne Hansen", "Bo Nielsen", "11. oktober")
	if strings.Contains(aarhus.text, "mangler") {
		t.Errorf("the confirmation speaks of something missing:\n%s", aarhus.text)
	}

	vejle := h.sink.only(t, "chef@vejle.dk")
	vejle.expectReplyTo(t, "vejle-1@vejle.dk")
	vejle.expectText(t, "Vejle Kommune", "medarbejdersiden", "--- TILMELDING TIL SENIORPARTNERSKABET ---", "Carl Jensen, chef@vejle.dk")

	fwd := h.sink.only(t, "kontakt-kl@example.org")
	if !slices.Equal(fwd.rcpt, []string{"kontakt-kl@example.org", "kontakt-ff@example.com"}) {
		t.Errorf("question forwarded to %v, want both contacts", fwd.rcpt)
	}
	if rt := fwd.header.Get("Reply-To"); !strings.Contains(rt, "hr@roskilde.dk") {
		t.Errorf("forward Reply-To = %q, want the asker", rt)
	}
	fwd.expectText(t, "Hvor mange deltagere må vi tilmelde")
	ack := h.sink.only(t, "hr@roskilde.dk")
	ack.expectReplyTo(t, "roskilde-1@roskilde.dk")
	for _, m := range got {
		if slices.Contains(m.rcpt, "ferie@kk.dk") {
			t.Errorf("the out-of-office was answered: %s", m.subject)
		}
	}

	// Rows in the database.
	db := h.db()
	ctx := context.Background()
	ts, err := db.Tilmeldinger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("%d tilmeldinger, want 2 (Aarhus, Vejle): %+v", len(ts), ts)
	}
	byCode := map[string]storage.Tilmelding{}
	for _, tl := range ts {
		byCode[tl.KommuneCode] = tl
	}
	if a := byCode["0751"]; a.Status != storage.StatusComplete || a.Day != "2022-10-11" || len(a.Participants) != 2 {
		t.Errorf("Aarhus = %+v, want complete with 2 participants on 2022-10-11", a)
	}
	if v := byCode["0630"]; v.Status != storage.StatusIncomplete || !slices.Equal(v.Missing, []string{"medarbejder"}) {
		t.Errorf("Vejle = %+v, want incomplete missing [medarbejder]", v)
	}
	msgs, err := db.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{}
	for _, m := range msgs {
		outcomes[m.Key] = m.Outcome
	}
	want := map[string]string{
		"aarhus-1@aarhus.dk":     intake.OutcomeConfirmed,
		"vejle-1@vejle.dk":       intake.OutcomeMissingRequested,
		"roskilde-1@roskilde.dk": intake.OutcomeQuestionForwarded,
		"kk-ooo-1@kk.dk":         intake.OutcomeAutoReplyNoted,
	}
	for k, w := range want {
		if outcomes[k] != w {
			t.Errorf("outcome of %s = %q, want %q", k, outcomes[k], w)
		}
	}
	h.expectProcessedUnseen(4)
	// The UID of each message is committed with the message itself.
	if _, last, err := db.MailboxState(ctx, "INBOX"); err != nil || last != 4 {
		t.Errorf("mailbox state: last UID %d, %v; want 4", last, err)
	}

	// A restart on the same database and mailbox processes and sends
	// nothing again — even when the same mail shows up in the INBOX again.
	h.appendMail(mailNoMedarbejder)
	h.syncOnce()
	if n := len(h.sink.messages()); n != 4 {
		t.Errorf("after the restart the sink has %d mails, want still 4", n)
	}
	if msgs2, _ := db.Messages(ctx); len(msgs2) != 4 {
		t.Errorf("after the restart %d messages are recorded, want still 4", len(msgs2))
	}
}

func TestAmendmentCompletesTilmelding(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailNoMedarbejder)
	h.syncOnce()
	amendment := eml("chef@vejle.dk", "Carl Jensen", "<vejle-2@vejle.dk>", "SV: Invitation til Seniorpartnerskabet", "", `
Hej igen

Vi tilføjer vores tillidsrepræsentant:

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Vejle Kommune
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Gitte Berg, gitte.berg@vejle.dk, tillidsrepræsentant, medarbejder
--- SLUT ---
`)
	h.appendMail(amendment)
	h.syncOnce()

	ts, err := h.db().Tilmeldinger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d tilmeldinger, want the one amended", len(ts))
	}
	if v := ts[0]; v.Status != storage.StatusComplete || len(v.Participants) != 3 {
		t.Errorf("Vejle after the amendment = %+v, want complete with 3 participants", v)
	}
	msgs := h.sink.to("chef@vejle.dk")
	if len(msgs) != 2 {
		t.Fatalf("Vejle got %d mails, want 2 (missing, then confirmation)", len(msgs))
	}
	msgs[1].expectReplyTo(t, "vejle-2@vejle.dk")
	// The confirmation repeats the whole delegation, not just the change,
	// and says the day is the default for their side of Storebælt.
	msgs[1].expectText(t, "Carl Jensen", "Dorte Lund", "Gitte Berg", "11. oktober")
}

// expectProcessedUnseen checks that n messages were moved to the processed
// folder without the \Seen flag: staff still see them as unread.
func (h *harness) expectProcessedUnseen(n int) {
	h.t.Helper()
	c, err := imapclient.DialInsecure(h.imapAddr, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(botAddr, "pw").Wait(); err != nil {
		h.t.Fatal(err)
	}
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
