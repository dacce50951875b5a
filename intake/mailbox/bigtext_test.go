package mailbox

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// htmlOnlyMail is an HTML-only mail of about size bytes: the form at the
// top, then padding (a newsletter pasted in, a huge signature).
func htmlOnlyMail(size int, multipart bool) []byte {
	var b bytes.Buffer
	b.WriteString("From: Anne <hr@aarhus.dk>\r\nTo: tilmelding@example.org\r\nSubject: Stor HTML\r\n" +
		"Message-ID: <big-html@aarhus.dk>\r\nMIME-Version: 1.0\r\n")
	if multipart {
		b.WriteString("Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n")
	}
	b.WriteString("Content-Type: text/html; charset=utf-8\r\n\r\n<p>Kommune: Aarhus Kommune</p>\r\n")
	line := "<p>" + strings.Repeat("fyld ", 30) + "</p>\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	if multipart {
		b.WriteString("--alt--\r\n")
	}
	return b.Bytes()
}

// TestLargeTextPartIsReadUpTo1MiB: a text part of a large mail is fetched
// up to the 1 MiB the parser reads, however big it is — as the only body
// and as a part — and the start of it (the form) is kept.
func TestLargeTextPartIsReadUpTo1MiB(t *testing.T) {
	for _, multipart := range []bool{false, true} {
		ts := newTestServer(t, capsFull, nil)
		big := htmlOnlyMail(6<<20, multipart)
		if _, err := ts.user.Append("INBOX", bytes.NewReader(big), &imap.AppendOptions{Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
		cfg := ts.config()
		cfg.LargeMessageBytes = 5 << 20
		h := &fakeHandler{}
		w := newTestWatcher(t, cfg, h, newMemState())
		if err := w.SyncOnce(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		got := h.handled()
		if len(got) != 1 {
			t.Fatalf("multipart %v: handled %d messages, want 1", multipart, len(got))
		}
		raw := got[0].Raw
		if len(raw) > textPartBytes+(64<<10) || len(raw) < textPartBytes {
			t.Errorf("multipart %v: fetched %d bytes, want about the 1 MiB a text part is read to", multipart, len(raw))
		}
		if !bytes.Contains(raw, []byte("Kommune: Aarhus Kommune")) {
			t.Errorf("multipart %v: the start of the text part is not kept", multipart)
		}
	}
}
