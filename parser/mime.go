package parser

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers charsets (iso-8859-1, windows-1252, ...)
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
)

// Limits that keep a hostile message from costing more than a normal one.
const (
	maxDepth        = 20  // multipart nesting
	maxParts        = 500 // parts per multipart
	maxAttachedMsgs = 3   // message/rfc822 nesting
	// A reply's text is a few kilobytes; a text part is read up to these
	// sizes and the rest skipped, so that a huge body costs no more.
	maxPlainBytes    = 1 << 20
	maxHTMLBytes     = 4 << 20
	maxDSNBytes      = 256 << 10
	maxAttachedBytes = 8 << 20
)

// address is a decoded mailbox.
type address struct {
	name, addr string
}

// mailMsg is what the parser keeps of a decoded message: headers and the
// text it could read. Attachments other than forwarded mails are skipped.
type mailMsg struct {
	header    mail.Header
	from      address
	mediaType string // of the top-level entity
	plain     string // first non-empty text/plain part
	// plainScan and htmlScan read the new text of the plain and the HTML
	// part as far as it is asked for (see newTextScan): the walk and
	// isStub ask for a few words, classify for all of it, and each line
	// is read once.
	plainScan, htmlScan *newTextScan
	// html holds the first text/html part whose text is not empty. Its
	// source is converted only when its text is asked for, and not read at
	// all after a plain part that says enough (see walk): most mails carry
	// a plain part that makes the HTML redundant, and reading and parsing
	// HTML was a fifth of the parse (issue 15).
	html     lazyHTML
	dsn      []string
	attached []*mailMsg   // message/rfc822 parts: forwarded mails
	docs     []attachment // attached documents that may hold the form
}

// decode reads raw into a mailMsg, reading at most budget bytes of bodies.
func decode(raw []byte, budget int64) (*mailMsg, error) {
	return decodeNested(raw, &budget, 0)
}

// decodeNested decodes a message or an attached message at depth nested.
func decodeNested(raw []byte, budget *int64, nested int) (*mailMsg, error) {
	e, err := readEntity(raw)
	if err != nil {
		return nil, err
	}
	m := &mailMsg{header: mail.Header{Header: e.Header}}
	m.mediaType, _, _ = e.Header.ContentType()
	m.from = parseFrom(m.header)
	w := walker{m: m, budget: budget, nested: nested}
	w.walk(e, 0)
	if nested == 0 && len(m.docs) < maxDocsPerMail {
		m.docs = append(m.docs, omittedDocuments(m.header)...)
	}
	return m, nil
}

// readEntity reads the header of raw. A header go-message rejects is
// retried with its malformed lines dropped, because real mail servers
// pass such mails on and a person should still see them parsed.
func readEntity(raw []byte) (*message.Entity, error) {
	raw = stripMboxLine(raw)
	e, err := message.Read(bytes.NewReader(raw))
	if err == nil || e != nil && (message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)) {
		if e.Header.Len() == 0 {
			return nil, fmt.Errorf("%w: empty header", ErrNotMail)
		}
		return e, nil
	}
	cleaned, ok := cleanHeader(raw)
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrNotMail, err)
	}
	e, err2 := message.Read(bytes.NewReader(cleaned))
	if e == nil || e.Header.Len() == 0 {
		return nil, fmt.Errorf("%w: %v", ErrNotMail, err2)
	}
	return e, nil
}

// stripMboxLine drops the "From sender date" envelope line that mbox
// files and some mail stores put before the header.
func stripMboxLine(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return raw
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[i+1:]
	}
	return raw
}

// headerFieldRe matches the start of a header field: "Name: value".
var headerFieldRe = regexp.MustCompile(`^[!-9;-~]+:`)

// cleanHeader keeps the well-formed fields of raw's header and its body.
// It fails when the first line is not a header field: then raw is text,
// not a mail.
func cleanHeader(raw []byte) ([]byte, bool) {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	first, keep := true, false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		switch {
		case headerFieldRe.MatchString(line):
			keep = true
		case (line[0] == ' ' || line[0] == '\t') && keep:
		default:
			if first {
				return nil, false
			}
			keep = false
		}
		if first && !keep {
			return nil, false
		}
		first = false
		if keep {
			out.WriteString(line)
			out.WriteString("\r\n")
		}
	}
	if first {
		return nil, false
	}
	out.WriteString("\r\n")
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		out.Write(raw[i+2:])
	} else if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		out.Write(raw[i+4:])
	}
	return out.Bytes(), true
}

// walker collects text parts, delivery reports and attached messages.
type walker struct {
	m      *mailMsg
	budget *int64
	nested int
	parts  int
}

// walk visits e and its children.
func (w *walker) walk(e *message.Entity, depth int) {
	w.parts++
	if w.parts > maxParts || *w.budget <= 0 {
		return
	}
	if mr := e.MultipartReader(); mr != nil {
		if depth >= maxDepth {
			return
		}
		for {
			part, err := mr.NextPart()
			if err != nil && (part == nil || !(message.IsUnknownCharset(err) || message.IsUnknownEncoding(err))) {
				return // io.EOF or a broken structure: keep what we have
			}
			w.walk(part, depth+1)
		}
	}
	mt, params, _ := e.Header.ContentType()
	disp, dparams, _ := e.Header.ContentDisposition()
	if kind := attachmentKind(mt, partName(params, dparams)); kind != "" {
		w.document(e, kind, partName(params, dparams))
		return
	}
	switch {
	case mt == "message/rfc822" || mt == "message/global":
		w.attachedMessage(e)
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		w.m.dsn = append(w.m.dsn, w.readLines(e.Body, maxDSNBytes))
	case disp == "attachment":
		// Attachments are never read: they may be large and are not data.
	case mt == "text/plain" || mt == "":
		if w.m.plain == "" {
			text := w.readLines(e.Body, maxPlainBytes)
			if strings.EqualFold(params["format"], "flowed") {
				text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
			}
			w.m.plain = strings.TrimSpace(text)
		}
	case mt == "text/html":
		if w.m.plain != "" && w.m.plainWords() >= stubWords {
			// The plain part says enough: text would never use the HTML
			// one, and reading it (quoted-printable, a charset, two to
			// three times the plain text) was a tenth of the parse.
			return
		}
		// A later HTML part is read only when the earlier ones render to
		// nothing, as when each part was converted at once.
		if w.m.html.text() == "" {
			w.m.html = lazyHTML{src: w.read(e.Body, maxHTMLBytes)}
		}
	}
}

// document keeps an attached document that may hold the registration:
// the text of a .docx or .xlsx, the name of one the parser cannot read.
func (w *walker) document(e *message.Entity, kind, name string) {
	if len(w.m.docs) >= maxDocsPerMail {
		return
	}
	var b []byte
	if kind != docKindUnreadable {
		b = w.readBytes(e.Body, maxDocBytes)
	}
	w.m.docs = append(w.m.docs, readAttachment(kind, name, b))
}

// partName returns the file name of a part (Content-Disposition's
// filename, else Content-Type's name), with RFC 2047 words decoded.
func partName(ctParams, dispParams map[string]string) string {
	name := dispParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
		name = dec
	}
	return safeName(name)
}

// allDocs returns the documents attached to m and to the mails it
// forwards.
func (m *mailMsg) allDocs() []attachment {
	docs := m.docs
	for _, a := range m.attached {
		docs = append(docs, a.allDocs()...)
	}
	return docs
}

// attachedMessage decodes a message/rfc822 part (a forwarded mail).
func (w *walker) attachedMessage(e *message.Entity) {
	if w.nested >= maxAttachedMsgs {
		return
	}
	raw := w.readBytes(e.Body, maxAttachedBytes)
	if inner, err := decodeNested(raw, w.budget, w.nested+1); err == nil {
		w.m.attached = append(w.m.attached, inner)
	}
}

// readBytes reads at most limit bytes of r within the budget. A decoding
// error half-way (bad base64, say) keeps what was read so far.
func (w *walker) readBytes(r io.Reader, limit int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, min(max(*w.budget, 0), limit)))
	*w.budget -= int64(len(b))
	return b
}

// read reads a text body as UTF-8. go-message has already converted a
// known charset; bytes that are still not UTF-8 (no charset, an unknown
// one, or a lie) are read as Windows-1252, the usual culprit in Danish mail.
func (w *walker) read(r io.Reader, limit int64) string {
	return toUTF8(w.readBytes(r, limit))
}

// readLines is read with CRLF line ends made LF in place: every reader of
// plain text and delivery reports does that, and doing it on the bytes
// saves copying the text once more.
func (w *walker) readLines(r io.Reader, limit int64) string {
	return toUTF8(dropCRs(w.readBytes(r, limit)))
}

// dropCRs removes, in place, every '\r' that a '\n' follows, moving the
// text between them a line at a time.
func dropCRs(b []byte) []byte {
	crlf := []byte("\r\n")
	i := bytes.Index(b, crlf)
	if i < 0 {
		return b
	}
	n := i
	for {
		i++ // past the '\r'; b[i] is its '\n'
		j := bytes.Index(b[i+1:], crlf)
		if j < 0 {
			n += copy(b[n:], b[i:])
			return b[:n]
		}
		n += copy(b[n:], b[i:i+1+j])
		i += 1 + j
	}
}

// toUTF8 returns b as valid UTF-8.
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if s, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
		return string(s)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// parseFrom reads the From header, falling back to digging an address out
// of a header that is not RFC 5322.
func parseFrom(h mail.Header) address {
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		return address{name: safeName(list[0].Name), addr: strings.ToLower(list[0].Address)}
	}
	text, err := h.Text("From")
	if err != nil {
		text = h.Get("From")
	}
	addr := firstEmail(text)
	name := text
	if i := strings.IndexByte(name, '<'); i >= 0 {
		name = name[:i]
	} else if addr != "" {
		name = ""
	}
	return address{name: safeName(strings.Trim(name, ` "'`)), addr: addr}
}

// safeName removes control characters (a CR/LF in a display name is a
// header injection attempt once the name is put in a reply) and trims.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// text returns the readable text of m: the plain part, or the HTML part
// converted when there is no plain part, it is empty, or it is a stub
// (Outlook and some web clients send a plain part of a line or two while
// the HTML part holds the form).
func (m *mailMsg) text() string {
	t := m.plain
	if m.usesHTML() {
		t = m.html.text()
	}
	return strings.ReplaceAll(t, "\r\n", "\n")
}

// newText is newText(m.text()), read by the scan that isStub began.
func (m *mailMsg) newText() string {
	if m.usesHTML() {
		return m.htmlNew().finish()
	}
	return m.plainNew().finish()
}

// usesHTML reports whether text is the HTML part's.
func (m *mailMsg) usesHTML() bool {
	return strings.TrimSpace(m.plain) == "" || m.isStub()
}

// plainNew and htmlNew are the scans of the new text of the plain and
// the HTML part, begun on first use.
func (m *mailMsg) plainNew() *newTextScan {
	if m.plainScan == nil {
		m.plainScan = newScan(strings.ReplaceAll(m.plain, "\r\n", "\n"))
	}
	return m.plainScan
}

func (m *mailMsg) htmlNew() *newTextScan {
	if m.htmlScan == nil {
		m.htmlScan = newScan(strings.ReplaceAll(m.html.text(), "\r\n", "\n"))
	}
	return m.htmlScan
}

// stubWords is the size of new text below which a plain part may be a
// stub of its HTML alternative.
const stubWords = 25

// isStub reports whether the new text of the plain part is a few words
// while that of the HTML part says much more. The HTML is looked at only
// when the plain part is short, so that a mail with a real plain part
// never has its HTML parsed.
func (m *mailMsg) isStub() bool {
	p := m.plainWords()
	if p >= stubWords {
		return false
	}
	if m.html.text() == "" {
		return false
	}
	return m.htmlNew().wordsUpTo(2*p+11) > 2*p+10
}

// plainWords is newTextWords(m.plain, stubWords): both the walk (to
// skip an HTML part) and text ask.
func (m *mailMsg) plainWords() int {
	return m.plainNew().wordsUpTo(stubWords)
}

// newTextWords counts the words of newText(body), stopping at limit.
// isStub only asks whether the new text has a few words.
func newTextWords(body string, limit int) int {
	return newScan(body).wordsUpTo(limit)
}

// lazyHTML is an HTML body converted to text on first use.
type lazyHTML struct {
	src       string
	converted bool
	txt       string
}

// text returns the HTML body as text (see htmlToText), trimmed.
func (h *lazyHTML) text() string {
	if !h.converted && h.src != "" {
		h.txt, h.converted = strings.TrimSpace(htmlToText(h.src)), true
		h.src = ""
	}
	return h.txt
}
