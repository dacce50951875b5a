package intake_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// TestPurgeLeavesNoPersonalTextInTheFiles: past the retention, a marker
// written in a mail's subject and text (a question, and a registration's
// greeting) is gone from the database file and its WAL, byte for byte,
// while the tilmelding stays.
func TestPurgeLeavesNoPersonalTextInTheFiles(t *testing.T) {
	const marker = "QXZMARKER7731"
	h := newHarness(t)
	h.appendMail(eml("someone@example.com", "Some One", "<p-1@example.com>", "Spørgsmål "+marker, "",
		"Hej\n\nHvor mange må vi tilmelde? "+marker+"\n"))
	h.appendMail([]byte(strings.Replace(string(mailComplete), "Hermed vores tilmelding.", "Hermed vores tilmelding. "+marker, 1)))
	h.syncOnce()
	files := []string{h.cfg.Storage.Path, h.cfg.Storage.Path + "-wal"}
	found := func() []string {
		var in []string
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if bytes.Contains(b, []byte(marker)) {
				in = append(in, f)
			}
		}
		return in
	}
	if len(found()) == 0 {
		t.Fatal("the marker is in no file before the purge: the test proves nothing")
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, h.cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Purge(ctx, testNow.Add(24*time.Hour), testNow.Add(200*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if res.Messages != 2 {
		t.Errorf("purged %+v, want both messages", res)
	}
	if in := found(); len(in) > 0 {
		t.Errorf("the marker is still in %v after the purge", in)
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete || len(tl.Participants) != 2 {
		t.Errorf("the purge lost the tilmelding: %+v", tl)
	}
}

// TestRawStoredPerMessageIsCapped: a mail above [storage] max_raw_bytes is
// stored as its header and text parts, and the row says how big it was;
// the registration in it is recorded all the same.
func TestRawStoredPerMessageIsCapped(t *testing.T) {
	h := newHarness(t)
	h.cfg.Storage.MaxRawBytes = 1 << 20
	h.cfg.IMAP.LargeMessageBytes = 16 << 20 // fetched whole, so the cap is what limits it
	var b strings.Builder
	b.WriteString("From: Carl Jensen <chef@vejle.dk>\r\nTo: " + botAddr + "\r\nSubject: Tilmelding med bilag\r\n" +
		"Message-ID: <cap-1@vejle.dk>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(vejleForm("Carl Jensen, chef@vejle.dk, direktør, ledelse",
		"Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder"), "\n", "\r\n"))
	b.WriteString("\r\n--B\r\nContent-Type: application/pdf; name=\"bilag.pdf\"\r\nContent-Disposition: attachment; filename=\"bilag.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	for b.Len() < 3<<20 {
		b.WriteString(strings.Repeat("QUJD", 19) + "\r\n")
	}
	b.WriteString("--B--\r\n")
	h.appendMail([]byte(b.String()))
	h.syncOnce()
	if tl := h.tilmelding("0630"); tl.Status != storage.StatusComplete {
		t.Errorf("the registration in a big mail: %+v", tl)
	}
	msgs, _ := h.db().Messages(context.Background())
	m, err := h.db().MessageByID(context.Background(), msgs[0].ID)
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	if m.RawCutFrom != int64(b.Len()) || len(m.Raw) > 64<<10 {
		t.Errorf("stored %d bytes, cut from %d; want the header and text of a %d-byte mail", len(m.Raw), m.RawCutFrom, b.Len())
	}
	for _, w := range []string{"X-Seniorbot-Stored: header and text parts only", "Subject: Tilmelding med bilag", "Bo Nielsen, bo@vejle.dk"} {
		if !strings.Contains(string(m.Raw), w) {
			t.Errorf("the stored mail lacks %q", w)
		}
	}
}
