package replies

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// startRsetFailServer is a scripted SMTP server that accepts the first
// message, then answers RSET with 421 and hangs up: the mail is delivered,
// yet go-mail reports an error for it.
func startRsetFailServer(t *testing.T) (port int, delivered <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	got := make(chan struct{}, 4)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		serveScript(conn, got)
	}()
	return ln.Addr().(*net.TCPAddr).Port, got
}

func serveScript(conn net.Conn, got chan<- struct{}) {
	r := bufio.NewReader(conn)
	say := func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
	say("220 localhost ESMTP scripted")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO", "HELO":
			say("250-localhost\r\n250 ENHANCEDSTATUSCODES")
		case "NOOP", "MAIL", "RCPT":
			say("250 2.0.0 OK")
		case "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
			}
			say("250 2.0.0 Ok: queued as ABC123")
			got <- struct{}{}
		case "RSET":
			say("421 4.3.0 closing")
			return
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 unknown")
		}
	}
}

func TestSendDueCountsAcceptedMailDespiteRsetError(t *testing.T) {
	port, delivered := startRsetFailServer(t)
	q := &fakeQueue{}
	first := q.add(t, plainMail("x1", "soren@example.com"))
	second := q.add(t, plainMail("x2", "soren@example.com"))

	sent, err := newTestSender(t, port, q, nil).SendDue(context.Background())
	if err != nil || sent != 1 {
		t.Fatalf("SendDue = %d, %v; want 1, nil", sent, err)
	}
	if len(delivered) != 1 {
		t.Fatalf("server accepted %d mails, want 1", len(delivered))
	}
	if it := q.get(first); it.state != "sent" || !strings.Contains(it.response, "ABC123") {
		t.Errorf("accepted item = %+v; want sent with the queue id", it)
	}
	// The connection is gone after the failed RSET: the second item was
	// not sent and must be retried, not failed.
	if it := q.get(second); it.state != "queued" || it.item.Attempts != 1 {
		t.Errorf("second item = %+v; want a retry", it)
	}
}

func TestJudge(t *testing.T) {
	msg, err := BuildMsg(plainMail("j1", "soren@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	// Never sent (the connection check before it failed): retry.
	if v, detail := judge(msg, errors.New("connection lost")); v != verdictRetry || detail != "connection lost" {
		t.Errorf("unsent message: %v %q; want retry", v, detail)
	}
	if v, _ := judge(msg, nil); v != verdictRetry {
		t.Errorf("unsent message without error: %v; want retry", v)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for attempts, w := range want {
		if got := Backoff(attempts); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, w)
		}
	}
	if Backoff(-1) != time.Minute || Backoff(1000) != time.Hour {
		t.Error("Backoff out of range")
	}
}
