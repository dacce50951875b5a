package rules

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// storedTextBytes is how much of one text part a capped message keeps:
// what the parser reads of it (parser/mime.go).
const storedTextBytes = 1 << 20

// headerAndText is what is stored of a mail above [storage] max_raw_bytes:
// its header, and its text parts (not attachments), each decoded and cut
// to storedTextBytes, in a multipart/mixed body; an X-Seniorbot-Stored
// header says so. The whole mail stays in the mailbox's processed folder.
func headerAndText(raw []byte) []byte {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil && h.Len() == 0 {
		return raw[:min(len(raw), storedTextBytes)]
	}
	var texts []string
	if e, err := message.Read(bytes.NewReader(raw)); e != nil && (err == nil || message.IsUnknownCharset(err)) {
		_ = e.Walk(func(_ []int, part *message.Entity, _ error) error {
			ct, _, _ := part.Header.ContentType()
			disp, _, _ := part.Header.ContentDisposition()
			if (ct == "text/plain" || ct == "text/html") && disp != "attachment" {
				b, _ := io.ReadAll(io.LimitReader(part.Body, storedTextBytes))
				texts = append(texts, ct+"\x00"+string(b))
			}
			return nil
		})
	}
	var out bytes.Buffer
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding", "MIME-Version"} {
		h.Del(k)
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	boundary := "seniorbot-" + hex.EncodeToString(b[:])
	h.Set("X-Seniorbot-Stored", fmt.Sprintf("header and text parts only; the mail had %d bytes", len(raw)))
	h.Set("MIME-Version", "1.0")
	h.Set("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	_ = textproto.WriteHeader(&out, h)
	for _, t := range texts {
		ct, body, _ := strings.Cut(t, "\x00")
		fmt.Fprintf(&out, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", boundary, ct, body)
	}
	fmt.Fprintf(&out, "--%s--\r\n", boundary)
	return out.Bytes()
}
