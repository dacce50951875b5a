// Fetching message bodies: whole messages in bounded batches, and only
// the text parts of a message above large_message_bytes.

package mailbox

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// maxBatchBytes bounds the bytes fetched in one FETCH of whole messages, so
// a batch of big (but not large) messages cannot blow up the memory.
const maxBatchBytes = 8 << 20

// textPartBytes is how much of one text part of a large message is
// fetched: the parser reads no more than 1 MiB of a text part either
// (parser/mime.go), so a 30 MB HTML-only mail costs 1 MiB, not 30.
const textPartBytes = 1 << 20

// fetched is one message as handed to the handler.
type fetched struct {
	uid          imap.UID
	internalDate time.Time
	size         int64  // RFC822.SIZE on the server
	raw          []byte // the whole message, or the reduced one for a large message
	reduced      bool   // attachments were left on the server
	prepared     any    // the handler's work on it done ahead (inbox.Preparer)
}

type sizeInfo struct {
	size int64
	date time.Time
}

// fetchSizes asks for RFC822.SIZE and INTERNALDATE of uids: cheap for the
// server (cached), and it lets large messages be fetched part by part.
func (s *session) fetchSizes(uids []imap.UID) (map[imap.UID]sizeInfo, error) {
	if !s.arm() {
		return nil, context.Canceled
	}
	defer s.disarm()
	opts := &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}
	var msgs []*imapclient.FetchMessageBuffer
	err := s.step("UID FETCH", s.w.cmdTimeout, func() (err error) {
		msgs, err = s.c.Fetch(imap.UIDSetNum(uids...), opts).Collect()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[imap.UID]sizeInfo, len(msgs))
	for _, m := range msgs {
		if m.UID != 0 {
			out[m.UID] = sizeInfo{size: m.RFC822Size, date: m.InternalDate}
		}
	}
	return out, nil
}

// takeBatch returns how many of uids (at least one) to fetch in one go:
// up to batchSize, and no more than maxBatchBytes of whole messages.
func (s *session) takeBatch(uids []imap.UID, sizes map[imap.UID]sizeInfo) int {
	var total int64
	for i, u := range uids {
		if i == s.w.batchSize {
			return i
		}
		if sz := sizes[u].size; sz <= s.w.largeBytes() {
			total += sz
		}
		if total > maxBatchBytes && i > 0 {
			return i
		}
	}
	return len(uids)
}

func (w *Watcher) largeBytes() int64 {
	if w.cfg.LargeMessageBytes > 0 {
		return w.cfg.LargeMessageBytes
	}
	return 5 << 20
}

// fetchBodies fetches the messages of uids: small ones whole in one FETCH
// (BODY.PEEK[]), large ones part by part (fetchLarge). Messages that
// vanished meanwhile (expunged by another client) are skipped with a warning.
func (s *session) fetchBodies(uids []imap.UID, sizes map[imap.UID]sizeInfo) ([]fetched, error) {
	var small, large []imap.UID
	for _, u := range uids {
		info, ok := sizes[u]
		switch {
		case !ok:
			// No size: expunged meanwhile, or the server is odd; a whole
			// fetch finds out (and returns nothing if it is gone).
			small = append(small, u)
		case info.size > s.w.largeBytes():
			large = append(large, u)
		default:
			small = append(small, u)
		}
	}
	var out []fetched
	if len(small) > 0 {
		msgs, err := s.fetchWhole(small)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	for _, u := range large {
		m, err := s.fetchLarge(u, sizes[u])
		if err != nil {
			return nil, err
		}
		if m != nil {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b fetched) int { return cmp.Compare(a.uid, b.uid) })
	out = slices.CompactFunc(out, func(a, b fetched) bool { return a.uid == b.uid })
	if len(out) < len(uids) {
		s.log.Warn("some messages vanished before they could be fetched (expunged by another client)",
			"wanted", len(uids), "got", len(out))
	}
	return out, nil
}

var wholeMessage = &imap.FetchItemBodySection{Peek: true} // BODY.PEEK[]: never sets \Seen

// fetchWhole collects one batch completely before anything is handled, so
// the connection is never held while the handler works.
func (s *session) fetchWhole(uids []imap.UID) ([]fetched, error) {
	if !s.arm() {
		return nil, context.Canceled
	}
	defer s.disarm()
	opts := &imap.FetchOptions{
		UID:          true,
		InternalDate: true,
		RFC822Size:   true,
		BodySection:  []*imap.FetchItemBodySection{wholeMessage},
	}
	var msgs []*imapclient.FetchMessageBuffer
	err := s.step("UID FETCH", s.w.fetchTimeout, func() (err error) {
		msgs, err = s.c.Fetch(imap.UIDSetNum(uids...), opts).Collect()
		return err
	})
	if err != nil {
		return nil, err
	}
	want := imap.UIDSetNum(uids...)
	out := make([]fetched, 0, len(msgs))
	for _, m := range msgs {
		if m.UID == 0 || !want.Contains(m.UID) {
			continue
		}
		raw := m.FindBodySection(wholeMessage)
		if raw == nil {
			return nil, fmt.Errorf("imap UID FETCH: no body returned for uid %d", m.UID)
		}
		out = append(out, fetched{uid: m.UID, internalDate: m.InternalDate, size: m.RFC822Size, raw: raw})
	}
	return out, nil
}

// fetchLarge fetches a message above large_message_bytes without its
// attachments: BODYSTRUCTURE first, then only the header and the text
// parts (and forwarded messages small enough), from which it assembles a
// smaller multipart/mixed message for the parser and the database. The
// parts left on the server are named in X-Seniorbot-Omitted headers; the
// original stays in the mailbox (moved to the processed folder) for staff.
func (s *session) fetchLarge(uid imap.UID, info sizeInfo) (*fetched, error) {
	if !s.arm() {
		return nil, context.Canceled
	}
	defer s.disarm()
	w := s.w
	var bufs []*imapclient.FetchMessageBuffer
	err := s.step("UID FETCH", w.cmdTimeout, func() (err error) {
		bufs, err = s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
			UID: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		}).Collect()
		return err
	})
	if err != nil {
		return nil, err
	}
	var bs imap.BodyStructure
	for _, b := range bufs {
		if b.UID == uid {
			bs = b.BodyStructure
		}
	}
	if bs == nil {
		return nil, nil // expunged meanwhile
	}

	header := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader}
	sections := []*imap.FetchItemBodySection{header}
	type keptPart struct{ mimeSec, bodySec *imap.FetchItemBodySection }
	var kept []keptPart
	var omitted []string
	single, isSingle := bs.(*imap.BodyStructureSinglePart)
	if isSingle {
		// Not multipart: the body is the one part. Keep it when it is text
		// (up to the limit), else note it.
		if strings.HasPrefix(single.MediaType(), "text/") {
			sec := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierText,
				Partial: &imap.SectionPartial{Offset: 0, Size: min(w.largeBytes(), textPartBytes)}}
			sections = append(sections, sec)
			kept = append(kept, keptPart{bodySec: sec})
		} else {
			omitted = append(omitted, describePart([]int{1}, single))
		}
	} else {
		bs.Walk(func(path []int, part imap.BodyStructure) bool {
			p, ok := part.(*imap.BodyStructureSinglePart)
			if !ok {
				return true // multipart: look inside
			}
			if keepPart(p, w.largeBytes()) {
				m := &imap.FetchItemBodySection{Peek: true, Part: slices.Clone(path), Specifier: imap.PartSpecifierMIME}
				b := &imap.FetchItemBodySection{Peek: true, Part: slices.Clone(path)}
				if isText(p) {
					// At most what the parser reads of it (RFC 3501 §6.4.5 partial fetch).
					b.Partial = &imap.SectionPartial{Offset: 0, Size: textPartBytes}
				}
				sections = append(sections, m, b)
				kept = append(kept, keptPart{m, b})
			} else {
				omitted = append(omitted, describePart(path, p))
			}
			return true
		})
	}

	err = s.step("UID FETCH", w.fetchTimeout, func() (err error) {
		bufs, err = s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: sections}).Collect()
		return err
	})
	if err != nil {
		return nil, err
	}
	var buf *imapclient.FetchMessageBuffer
	for _, b := range bufs {
		if b.UID == uid {
			buf = b
		}
	}
	if buf == nil {
		return nil, nil
	}
	hdr := buf.FindBodySection(header)
	if hdr == nil {
		return nil, fmt.Errorf("imap UID FETCH: no header returned for uid %d", uid)
	}

	var out bytes.Buffer
	if isSingle {
		if len(kept) > 0 {
			out.Write(bytes.TrimRight(hdr, "\r\n"))
			out.WriteString("\r\n")
			writeOmitted(&out, omitted)
			out.WriteString("\r\n")
			out.Write(buf.FindBodySection(kept[0].bodySec))
		} else {
			writeHeaderWithout(&out, hdr, "Content-Type", "Content-Transfer-Encoding", "MIME-Version")
			writeOmitted(&out, omitted)
			out.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
		}
	} else {
		boundary := newBoundary()
		writeHeaderWithout(&out, hdr, "Content-Type", "Content-Transfer-Encoding", "MIME-Version")
		writeOmitted(&out, omitted)
		fmt.Fprintf(&out, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
		for _, k := range kept {
			fmt.Fprintf(&out, "--%s\r\n", boundary)
			out.Write(buf.FindBodySection(k.mimeSec)) // the part's header, blank line included
			out.Write(buf.FindBodySection(k.bodySec))
			out.WriteString("\r\n")
		}
		fmt.Fprintf(&out, "--%s--\r\n", boundary)
	}
	s.log.Info("large message: fetched the header and text parts only",
		"uid", uint32(uid), "size", info.size, "fetched", out.Len(), "omitted", len(omitted))
	return &fetched{uid: uid, internalDate: info.date, size: info.size, raw: out.Bytes(), reduced: true}, nil
}

// keepPart says whether a part of a large message is fetched: text that is
// not an attachment (its first textPartBytes, however big it is),
// forwarded messages (staff forwards) when below the limit, and attached
// documents the parser reads the form from (.docx, .xlsx: "se
// vedhæftede") up to what it reads of one.
func keepPart(p *imap.BodyStructureSinglePart, limit int64) bool {
	switch {
	case isText(p):
		return true
	case p.MediaType() == "message/rfc822":
		return int64(p.Size) <= limit
	}
	return parser.ReadsDocument(p.MediaType(), p.Filename()) && int64(p.Size) <= parser.MaxDocumentBytes
}

// isText reports whether p is a text part a person wrote (not an attachment).
func isText(p *imap.BodyStructureSinglePart) bool {
	switch p.MediaType() {
	case "text/plain", "text/html":
		d := p.Disposition()
		return d == nil || !strings.EqualFold(d.Value, "attachment") || p.Filename() == ""
	}
	return false
}

func describePart(path []int, p *imap.BodyStructureSinglePart) string {
	nums := make([]string, len(path))
	for i, n := range path {
		nums[i] = fmt.Sprint(n)
	}
	name := p.Filename()
	if name == "" {
		name = "(no name)"
	}
	return fmt.Sprintf("part %s; %s; %s; %d bytes", strings.Join(nums, "."), mime.QEncoding.Encode("utf-8", name), p.MediaType(), p.Size)
}

func writeOmitted(out *bytes.Buffer, omitted []string) {
	for _, o := range omitted {
		fmt.Fprintf(out, "X-Seniorbot-Omitted: %s\r\n", o)
	}
}

// writeHeaderWithout copies a raw header (without its final blank line),
// leaving out the named fields with their continuation lines.
func writeHeaderWithout(out *bytes.Buffer, hdr []byte, drop ...string) {
	skipping := false
	for line := range bytes.Lines(hdr) {
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			break // end of header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !skipping {
				out.Write(trimmed)
				out.WriteString("\r\n")
			}
			continue
		}
		skipping = slices.ContainsFunc(drop, func(name string) bool { return hasHeaderPrefix(trimmed, name) })
		if !skipping {
			out.Write(trimmed)
			out.WriteString("\r\n")
		}
	}
}

func newBoundary() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "seniorbot-" + hex.EncodeToString(b[:])
}
