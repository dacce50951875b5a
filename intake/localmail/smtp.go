package localmail

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// backend creates SMTP sessions that deliver into the in-memory mailboxes.
type backend struct{ srv *Server }

// NewSession starts a session for one SMTP connection.
func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if nc := c.Conn(); nc != nil {
		remote = nc.RemoteAddr().String()
	}
	return &smtpSession{srv: b.srv, conn: c, remote: remote}, nil
}

// smtpSession is one SMTP connection. Authentication is offered (PLAIN, with
// the shared password) so that clients configured with credentials work, but
// it is never required.
type smtpSession struct {
	srv    *Server
	conn   *smtp.Conn
	remote string

	from    string
	hasFrom bool
	to      []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

// AuthMechanisms lists the SASL mechanisms offered: PLAIN.
func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth accepts any user name with the shared password.
func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, password string) error {
		if subtle.ConstantTimeCompare([]byte(password), []byte(ss.srv.password)) != 1 {
			return smtp.ErrAuthFailed
		}
		return nil
	}), nil
}

// Mail starts a transaction from the envelope sender.
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.hasFrom, ss.to = from, true, nil
	return nil
}

// Rcpt adds an envelope recipient; any syntactically valid address is
// accepted and gets a mailbox on delivery.
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	addr := strings.ToLower(strings.TrimSpace(to))
	if !validAddress(addr) {
		return &smtp.SMTPError{
			Code:         553,
			EnhancedCode: smtp.EnhancedCode{5, 1, 3},
			Message:      "Recipient address is not a mailbox address",
		}
	}
	ss.to = append(ss.to, addr)
	return nil
}

// Data reads the message and stores one copy, with trace headers, in the
// INBOX of every recipient.
func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return err
		}
		return fmt.Errorf("localmail: read message data: %w", err)
	}
	if !ss.hasFrom || len(ss.to) == 0 {
		return &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "Need MAIL and RCPT first"}
	}
	at := ss.srv.now()
	id := queueID()
	body := toCRLF(data)
	for _, rcpt := range ss.to {
		stored := append(ss.traceHeaders(rcpt, id, at), body...)
		if err := ss.srv.appendTo(rcpt, "INBOX", stored, nil, at); err != nil {
			ss.srv.log.Error("localmail: deliver", "to", rcpt, "err", err)
			return &smtp.SMTPError{
				Code:         451,
				EnhancedCode: smtp.EnhancedCode{4, 3, 0},
				Message:      "Mailbox temporarily unavailable",
			}
		}
	}
	d := Delivery{From: ss.from, To: append([]string(nil), ss.to...), Data: data, At: at}
	ss.srv.log.Info("localmail: delivered", "id", id, "from", d.From, "to", d.To, "bytes", len(data))
	ss.srv.recordDelivery(d)
	return nil
}

// traceHeaders returns the Return-Path, Delivered-To and Received headers
// prepended to the copy stored for rcpt.
func (ss *smtpSession) traceHeaders(rcpt, id string, at time.Time) []byte {
	helo := sanitizeHeader(ss.conn.Hostname())
	if helo == "" {
		helo = "unknown"
	}
	ip := ss.remote
	if host, _, err := net.SplitHostPort(ss.remote); err == nil {
		ip = host
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", sanitizeHeader(ss.from))
	fmt.Fprintf(&b, "Delivered-To: %s\r\n", rcpt)
	fmt.Fprintf(&b, "Received: from %s ([%s])\r\n\tby localhost (seniorbot localmail) with ESMTP id %s\r\n\tfor <%s>; %s\r\n",
		helo, ip, id, rcpt, at.In(copenhagen()).Format(time.RFC1123Z))
	return b.Bytes()
}

// Reset aborts the current transaction.
func (ss *smtpSession) Reset() { ss.from, ss.hasFrom, ss.to = "", false, nil }

// Logout ends the session.
func (ss *smtpSession) Logout() error { return nil }

// queueID returns a random identifier for the Received header and the log.
func queueID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// sanitizeHeader drops control characters and angle brackets from a value
// supplied by the client before it goes into a header.
func sanitizeHeader(v string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '<' || r == '>' {
			return -1
		}
		return r
	}, v)
}

// toCRLF turns bare LF (and bare CR) line endings into CRLF, as IMAP
// requires; CRLF is left alone.
func toCRLF(b []byte) []byte {
	if !bytes.ContainsAny(b, "\r\n") {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/32)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}
