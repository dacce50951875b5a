package replies

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptServer is an SMTP server on 127.0.0.1 whose answers a test
// scripts: answer gets each command verb (MAIL, RCPT, DATA, and "." for
// the end of the data) with how often that verb came before, and returns
// the reply, or "" to hang up without one. It records the verbs it saw.
type scriptServer struct {
	mu    sync.Mutex
	verbs []string
}

func startScriptServer(t *testing.T, answer func(verb string, n int) string) (*scriptServer, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &scriptServer{}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn, answer)
		}
	}()
	return s, ln.Addr().(*net.TCPAddr).Port
}

func (s *scriptServer) serve(conn net.Conn, answer func(string, int) string) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	say := func(reply string) bool {
		if reply == "" {
			return false
		}
		_, err := conn.Write([]byte(reply + "\r\n"))
		return err == nil
	}
	seen := map[string]int{}
	step := func(verb, def string) bool {
		s.mu.Lock()
		s.verbs = append(s.verbs, verb)
		s.mu.Unlock()
		reply := answer(verb, seen[verb])
		seen[verb]++
		if reply == "-" {
			reply = def
		}
		return say(reply)
	}
	say("220 localhost ESMTP scripted")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			say("250-localhost\r\n250 ENHANCEDSTATUSCODES")
		case "QUIT":
			say("221 bye")
			return
		case "DATA":
			if !step("DATA", "354 go ahead") {
				return
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if !step(".", "250 2.0.0 Ok: queued as ABC123") {
				return
			}
		default:
			if !step(verb, "250 2.0.0 OK") {
				return
			}
		}
	}
}

func (s *scriptServer) saw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.verbs, " ")
}

// sendTwo queues two mails, sends them in one batch and returns them.
func sendTwo(t *testing.T, port int) (q *fakeQueue, first, second fakeItem, sent int) {
	t.Helper()
	q = &fakeQueue{}
	a := q.add(t, plainMail("x1", "soren@example.com"))
	b := q.add(t, plainMail("x2", "soren@example.com"))
	sent, _ = newTestSender(t, port, q, nil).SendDue(context.Background())
	return q, q.get(a), q.get(b), sent
}

// Accepted mails are counted at the server's answer to the final ".":
// no NOOP before a mail and no RSET after one — the RSET's round trip
// was a window in which a crash sent a mail twice.
func TestTransactionsWithoutNoopOrRset(t *testing.T) {
	srv, port := startScriptServer(t, func(string, int) string { return "-" })
	q, first, second, sent := sendTwo(t, port)
	if sent != 2 || first.state != "sent" || second.state != "sent" {
		t.Fatalf("sent %d: %+v %+v; want both sent", sent, first, second)
	}
	if !strings.Contains(first.response, "ABC123") {
		t.Errorf("response %q, want the server's queue id", first.response)
	}
	if got, want := srv.saw(), "MAIL RCPT DATA . MAIL RCPT DATA ."; got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
	if got, want := q.logged(), "sending 1, sent 1, sending 2, sent 2"; got != want {
		t.Errorf("sent log %q, want %q", got, want)
	}
}

// A refused recipient fails that mail for good (5xx), a busy server (4xx)
// has it tried again; either way RSET clears the transaction and the next
// mail goes out on the same connection.
func TestRefusedCommandsAndTheNextMail(t *testing.T) {
	for _, tc := range []struct {
		name, verb, reply, state string
		logged                   string // the sent log: a refusal at "." is noted there
	}{
		{"5xx recipient", "RCPT", "550 5.1.1 no such user", "failed", "sending 2, sent 2"},
		{"4xx sender", "MAIL", "451 4.3.0 try later", "queued", "sending 2, sent 2"},
		{"5xx data", ".", "554 5.7.1 rejected as spam", "failed", "sending 1, refused 1, sending 2, sent 2"},
		{"4xx data", ".", "451 4.7.1 try again later", "queued", "sending 1, refused 1, sending 2, sent 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, port := startScriptServer(t, func(verb string, n int) string {
				if verb == tc.verb && n == 0 {
					return tc.reply
				}
				return "-"
			})
			q, first, second, sent := sendTwo(t, port)
			if got := q.logged(); got != tc.logged {
				t.Errorf("sent log %q, want %q", got, tc.logged)
			}
			if first.state != tc.state || !strings.Contains(first.lastErr, tc.reply[:3]) {
				t.Errorf("first: state %q error %q; want %s with %q", first.state, first.lastErr, tc.state, tc.reply)
			}
			if sent != 1 || second.state != "sent" {
				t.Errorf("second: %+v (sent %d); want it sent on the same connection", second, sent)
			}
			if !strings.Contains(srv.saw(), "RSET") {
				t.Errorf("no RSET after the refusal: %s", srv.saw())
			}
		})
	}
}

// The connection lost at the end of the data: the mail may or may not
// have been taken, so it is tried again (nothing lost), and so is the
// rest of the batch, without counting it as refused.
func TestConnectionLostAtTheEndOfData(t *testing.T) {
	_, port := startScriptServer(t, func(verb string, n int) string {
		if verb == "." && n == 0 {
			return ""
		}
		return "-"
	})
	q, first, second, sent := sendTwo(t, port)
	if sent != 0 {
		t.Fatalf("sent %d, want 0", sent)
	}
	// Whether the server took it is unknown: the "sending" line stays
	// unanswered, so the resend will be flagged.
	if got := q.logged(); got != "sending 1" {
		t.Errorf("sent log %q, want only %q", got, "sending 1")
	}
	for _, it := range []fakeItem{first, second} {
		if it.state != "queued" || it.item.Attempts != 1 || it.lastErr == "" {
			t.Errorf("%s: %+v; want a retry with the error", it.item.MessageID, it)
		}
	}
}

// 421 means the server is closing: the rest of the batch is retried
// later, not sent into a dead connection.
func TestServerClosing(t *testing.T) {
	srv, port := startScriptServer(t, func(verb string, n int) string {
		if verb == "MAIL" && n == 0 {
			return "421 4.3.2 shutting down"
		}
		return "-"
	})
	_, first, second, _ := sendTwo(t, port)
	if first.state != "queued" || second.state != "queued" || second.item.Attempts != 1 {
		t.Errorf("after 421: %+v %+v; want both retried", first, second)
	}
	if got := srv.saw(); got != "MAIL" {
		t.Errorf("server saw %q after its 421, want only the MAIL", got)
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
