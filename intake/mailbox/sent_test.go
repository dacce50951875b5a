package mailbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/mail"
)

// memSent is a SentStore in memory.
type memSent struct {
	mu       sync.Mutex
	copies   []SentCopy
	appended map[int64]bool
}

func (m *memSent) UnappendedSent(ctx context.Context, limit int) ([]SentCopy, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []SentCopy
	for _, c := range m.copies {
		if !m.appended[c.ID] && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memSent) MarkAppendTried(ctx context.Context, ids []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.copies {
		if slices.Contains(ids, m.copies[i].ID) {
			m.copies[i].Tried = true
		}
	}
	return nil
}

func (m *memSent) MarkAppended(ctx context.Context, ids []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		m.appended[id] = true
	}
	return nil
}

func sentMail(n int) []byte {
	return []byte(fmt.Sprintf("From: Seniorpartnerskabet <tilmelding@example.org>\r\n"+
		"To: k%d@example.com\r\n"+
		"Subject: Re: Tilmelding %d\r\n"+
		"Message-ID: <svar%d@example.org>\r\n"+
		"Date: Mon, 1 Aug 2022 10:05:00 +0200\r\n"+
		"\r\n"+
		"Tak for jeres tilmelding %d.\r\n", n, n, n, n))
}

func newMemSent(ids ...int) *memSent {
	m := &memSent{appended: map[int64]bool{}}
	for _, n := range ids {
		m.copies = append(m.copies, SentCopy{ID: int64(n), MessageID: fmt.Sprintf("svar%d@example.org", n), Raw: sentMail(n), Date: time.Now()})
	}
	return m
}

func TestSentCopiesAppendedOnceAndSeen(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	cfg := ts.config()
	cfg.SentFolder = "Sent"
	w := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
	w.Sent = newMemSent(1, 2, 3)

	for range 2 { // the second pass finds nothing left to copy
		if err := w.SyncOnce(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	sent := ts.list("Sent")
	if len(sent) != 3 {
		t.Fatalf("Sent holds %d messages, want 3", len(sent))
	}
	for i, m := range sent {
		if !hasFlag(m.Flags, imap.FlagSeen) {
			t.Errorf("copy %d is not \\Seen: %v", i+1, m.Flags)
		}
		if want := fmt.Sprintf("<svar%d@example.org>", i+1); !strings.Contains(m.Body, want) {
			t.Errorf("copy %d does not hold %s", i+1, want)
		}
	}
	if got := len(ts.list("INBOX")); got != 0 {
		t.Errorf("INBOX still holds %d messages", got)
	}
}

// A copy whose APPEND was started but never confirmed (the bot died) is
// looked up in Sent by Message-ID: appended again only if it is not there.
// The inbox is selected again afterwards and new mail is still handled.
func TestSentCopyAfterCrashNotDuplicated(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	if err := ts.user.Create("Sent", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.user.Append("Sent", bytes.NewReader(sentMail(1)), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	cfg := ts.config()
	cfg.SentFolder = "Sent"
	h := &fakeHandler{}
	w := newTestWatcher(t, cfg, h, newMemState())
	store := newMemSent(1, 2, 3)
	store.copies[0].Tried = true // reached Sent, not marked
	store.copies[1].Tried = true // never reached Sent
	w.Sent = store
	ts.appendMail("INBOX", 1)

	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	sent := ts.list("Sent")
	var ids []string
	for _, m := range sent {
		for n := 1; n <= 3; n++ {
			if strings.Contains(m.Body, fmt.Sprintf("<svar%d@example.org>", n)) {
				ids = append(ids, fmt.Sprint(n))
			}
		}
	}
	slices.Sort(ids)
	if got := strings.Join(ids, ","); got != "1,2,3" {
		t.Errorf("Sent holds copies %s, want 1,2,3 (each once)", got)
	}
	for _, id := range []int64{1, 2, 3} {
		if !store.appended[id] {
			t.Errorf("copy %d not marked appended", id)
		}
	}
	// The mailbox is selected again: new mail is handled.
	ts.appendMail("INBOX", 2)
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := subjects(h.handled()); !slices.Equal(got, []string{"Tilmelding 1", "Tilmelding 2"}) {
		t.Errorf("handled %v", got)
	}
}

// largeMail is a reply with a text part, an HTML part and a big PDF.
func largeMail(attachment int) []byte {
	var b bytes.Buffer
	b.WriteString("From: HR <hr@example.com>\r\nTo: tilmelding@example.org\r\nSubject: Tilmelding med bilag\r\n" +
		"Message-ID: <stor@example.com>\r\nDate: Mon, 1 Aug 2022 10:00:00 +0200\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"ydre\"\r\n\r\n" +
		"--ydre\r\nContent-Type: multipart/alternative; boundary=\"indre\"\r\n\r\n" +
		"--indre\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Kommune: Testkommune =C3=B8st\r\n" +
		"--indre\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Kommune: Testkommune</p>\r\n" +
		"--indre--\r\n" +
		"--ydre\r\nContent-Type: application/pdf; name=\"deltagere.pdf\"\r\nContent-Disposition: attachment; filename=\"deltagere.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len() < attachment {
		b.WriteString(line)
	}
	b.WriteString("--ydre--\r\n")
	return b.Bytes()
}

func TestLargeMessageFetchesOnlyTextParts(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	big := largeMail(2 << 20)
	if _, err := ts.user.Append("INBOX", bytes.NewReader(big), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ts.appendMail("INBOX", 1) // a small one in the same batch
	cfg := ts.config()
	cfg.LargeMessageBytes = 1 << 20
	h := &fakeHandler{}
	w := newTestWatcher(t, cfg, h, newMemState())
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	got := h.handled()
	if len(got) != 2 {
		t.Fatalf("handled %d messages, want 2", len(got))
	}
	m := got[0]
	if !m.Reduced || got[1].Reduced {
		t.Errorf("Reduced = %v, %v; want true for the large one only", m.Reduced, got[1].Reduced)
	}
	if len(m.Raw) > 10<<10 {
		t.Errorf("the large message was fetched with %d bytes; the attachment should have stayed on the server", len(m.Raw))
	}
	r, err := mail.CreateReader(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatalf("reduced message does not parse: %v\n%s", err, m.Raw)
	}
	if s, _ := r.Header.Subject(); s != "Tilmelding med bilag" {
		t.Errorf("subject %q", s)
	}
	if o := r.Header.Get("X-Seniorbot-Omitted"); !strings.Contains(o, "deltagere.pdf") || !strings.Contains(o, "application/pdf") {
		t.Errorf("X-Seniorbot-Omitted = %q, want the PDF named", o)
	}
	var texts []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading parts: %v\n%s", err, m.Raw)
		}
		b, _ := io.ReadAll(p.Body)
		texts = append(texts, string(b))
	}
	if len(texts) != 2 || !strings.Contains(texts[0], "Testkommune øst") || !strings.Contains(texts[1], "<p>") {
		t.Errorf("parts = %q, want the decoded text and the HTML", texts)
	}
	if n := len(ts.list("INBOX")); n != 0 {
		t.Errorf("%d messages left in INBOX; the large one should be moved like any other", n)
	}
}

// Messages handled before a crash but never moved (UID at or below the
// saved state) are moved at the next start, without being handled again.
func TestLeftoversFromACrashAreMovedNotHandled(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	for i := 1; i <= 3; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	st.SetMailboxState(context.Background(), "INBOX", ts.uidValidity("INBOX"), 2)
	h := &fakeHandler{}
	w := newTestWatcher(t, ts.config(), h, st)
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := subjects(h.handled()); !slices.Equal(got, []string{"Tilmelding 3"}) {
		t.Errorf("handled %v, want only Tilmelding 3", got)
	}
	if n := len(ts.list("INBOX")); n != 0 {
		t.Errorf("%d messages left in INBOX", n)
	}
	if n := len(ts.list(testProcessed)); n != 3 {
		t.Errorf("%d messages in the processed folder, want 3", n)
	}
}

// A document the parser reads the form from (.docx, .xlsx) is fetched
// even from a large message; the PDF beside it stays on the server.
func TestLargeMessageKeepsAFormDocument(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	big := largeMail(2 << 20)
	docx := "--ydre\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"Tilmelding.docx\"\r\n" +
		"Content-Disposition: attachment; filename=\"Tilmelding.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBERPQ1g=\r\n"
	big = bytes.Replace(big, []byte("--ydre--\r\n"), []byte(docx+"--ydre--\r\n"), 1)
	if _, err := ts.user.Append("INBOX", bytes.NewReader(big), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	cfg := ts.config()
	cfg.LargeMessageBytes = 1 << 20
	h := &fakeHandler{}
	if err := newTestWatcher(t, cfg, h, newMemState()).SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	got := h.handled()
	if len(got) != 1 || !got[0].Reduced {
		t.Fatalf("handled %+v, want the large message, reduced", got)
	}
	raw := string(got[0].Raw)
	if !strings.Contains(raw, "UEsDBERPQ1g=") || !strings.Contains(raw, "Tilmelding.docx") {
		t.Errorf("the .docx was not fetched:\n%.2000s", raw)
	}
	if strings.Contains(raw, strings.Repeat("QUJD", 19)) || !strings.Contains(raw, "X-Seniorbot-Omitted: part 2; deltagere.pdf") {
		t.Errorf("the PDF was fetched, or not named as omitted:\n%.2000s", raw)
	}
}
