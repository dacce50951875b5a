package replies

import (
	"context"
	"fmt"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// maxPerConnection is how many mails one SMTP connection carries before
// the sender hangs up and dials again, so no server's per-connection
// limit is ever met and a long backlog is spread over fresh sessions.
const maxPerConnection = 100

// link is the SMTP connection a round of sending keeps open across its
// batches. A new connection per batch of 20 cost a TCP handshake, the
// greeting, EHLO (and on a real server STARTTLS and AUTH) and, on Postfix,
// a share of a new smtpd process: in a backlog, the sender's batches were
// slower than the intake that filled the outbox.
type link struct {
	client *mail.Client
	conn   *smtp.Client
	used   int // transactions tried over conn
}

// dialError is a failure to connect, as against a configuration that
// cannot work: the items are retried after it, not left untouched.
type dialError struct {
	addr string
	err  error
}

func (e *dialError) Error() string { return fmt.Sprintf("connecting to %s: %v", e.addr, e.err) }
func (e *dialError) Unwrap() error { return e.err }

// open returns l's connection if it is still good, else dials a new one.
// A connection kept from an earlier batch answers a NOOP first: the server
// may have dropped it meanwhile, and a batch must not be put off for a
// minute because of a stale connection.
func (s *Sender) open(ctx context.Context, l *link) (*smtp.Client, error) {
	if l.conn != nil && l.used < maxPerConnection {
		// The last transaction's deadline may have passed while the
		// claim waited; the NOOP gets a fresh one.
		if err := l.conn.UpdateDeadline(s.cfg.Timeout); err == nil && l.conn.Noop() == nil {
			return l.conn, nil
		}
		s.log.Debug("SMTP connection kept from the last batch is gone; dialling again")
	}
	s.hangUp(l)
	client, err := s.newClient()
	if err != nil {
		return nil, err
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, &dialError{addr: client.ServerAddr(), err: err}
	}
	l.client, l.conn, l.used = client, conn, 0
	return conn, nil
}

// hangUp says QUIT and closes l's connection, if it has one.
func (s *Sender) hangUp(l *link) {
	if l.conn == nil {
		return
	}
	if err := l.client.CloseWithSMTPClient(l.conn); err != nil {
		s.log.Debug("closing SMTP connection", "error", err)
		l.conn.Close()
	}
	l.client, l.conn, l.used = nil, nil, 0
}
