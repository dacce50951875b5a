package replies

import (
	"errors"
	"fmt"
	"net/textproto"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Why seniorbot drives the SMTP transaction itself, on go-mail's smtp
// client: go-mail's Send checks the connection with NOOP before each
// message and sends RSET after it. The RSET stands between the server's
// "250 queued" and the moment the outbox can say so — a process killed
// while waiting for the RSET's answer sends the reply again. Here the
// outcome is returned as soon as the server has answered the final ".",
// and the sender records it before it says anything else to the server.
// It also costs two round trips less per mail. Dialling, STARTTLS, AUTH
// (XOAUTH2 included) and building the message stay go-mail's.

// outcome is what one SMTP transaction came to.
type outcome struct {
	verdict verdict
	// detail is the server's answer to the final "." when the mail was
	// accepted, else the error.
	detail string
	// broken: the connection cannot carry another transaction.
	broken bool
	// refusedAtDot: the server answered the final "." with an error, so
	// it certainly did not take the mail.
	refusedAtDot bool
}

// transact sends m over c as one transaction: MAIL FROM, RCPT TO for each
// recipient, DATA. A refused command (the server answered with an error)
// is followed by RSET so the connection can go on; a 5xx answer is
// permanent, anything else is worth another try later. beforeDot runs
// just before the final ".", from which on the server may take the mail.
func transact(c *smtp.Client, m *mail.Msg, timeout time.Duration, beforeDot func()) outcome {
	from, err := m.GetSender(false)
	if err != nil {
		return outcome{verdict: verdictFailed, detail: fmt.Sprintf("no envelope sender: %v", err)}
	}
	rcpts, err := m.GetRecipients()
	if err != nil {
		return outcome{verdict: verdictFailed, detail: fmt.Sprintf("no recipients: %v", err)}
	}
	if err := c.UpdateDeadline(timeout); err != nil {
		return outcome{verdict: verdictRetry, detail: err.Error(), broken: true}
	}
	if err := c.Mail(from); err != nil {
		return refused(c, "MAIL FROM", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return refused(c, "RCPT TO:<"+r+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return refused(c, "DATA", err)
	}
	if _, err := m.WriteTo(w); err != nil {
		// The message is cut short; the server never sees its final ".".
		return outcome{verdict: verdictRetry, detail: fmt.Sprintf("writing the message: %v", err), broken: true}
	}
	beforeDot()
	if err := w.Close(); err != nil {
		// A lost connection here leaves it open whether the server took
		// the mail: retrying may send it twice (same Message-ID), not
		// retrying may lose it. Nothing lost wins; the sent log's
		// "sending" line has the resend flagged.
		o := refused(c, "end of DATA", err)
		var tp *textproto.Error
		o.refusedAtDot = errors.As(err, &tp)
		return o
	}
	response := "250"
	if dc, ok := w.(*smtp.DataCloser); ok {
		response = dc.ServerResponse()
	}
	return outcome{verdict: verdictSent, detail: response}
}

// refused turns the error of command into an outcome: with an SMTP reply
// code the server is still talking (RSET clears the transaction); without
// one the connection is gone.
func refused(c *smtp.Client, command string, err error) outcome {
	detail := fmt.Sprintf("%s: %v", command, err)
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		return outcome{verdict: verdictRetry, detail: detail, broken: true}
	}
	o := outcome{verdict: verdictRetry, detail: detail}
	if tp.Code >= 500 && tp.Code < 600 {
		o.verdict = verdictFailed
	}
	if tp.Code == 421 || c.Reset() != nil {
		o.broken = true // 421: the server is closing the connection
	}
	return o
}
