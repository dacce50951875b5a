package replies

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// ---- SMTP sink (LIBRARY-NOTES B) ----

type sunk struct {
	From string
	To   []string
	Data []byte
}

type sink struct {
	mu       sync.Mutex
	msgs     []sunk
	sessions int
	got      chan sunk
	// rcptErr makes RCPT TO for an address fail; the error is removed
	// after failing rcptErrTimes[addr] times when that is > 0.
	rcptErr      map[string]error
	rcptErrTimes map[string]int
	requireAuth  bool
	conns        []*smtp.Conn
}

func (s *sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return &sinkSession{s: s}, nil
}

func (s *sink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// dropConnections closes every connection from the server's side, as a
// server does that times an idle client out.
func (s *sink) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

func (s *sink) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *sink) setRcptErr(addr string, err error, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rcptErr == nil {
		s.rcptErr, s.rcptErrTimes = map[string]error{}, map[string]int{}
	}
	s.rcptErr[addr], s.rcptErrTimes[addr] = err, times
}

type sinkSession struct {
	s      *sink
	cur    sunk
	authed bool
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "bot" || pass != "pw" {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.requireAuth && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.cur = sunk{From: from}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	err := ss.s.rcptErr[to]
	if err != nil && ss.s.rcptErrTimes[to] > 0 {
		ss.s.rcptErrTimes[to]--
		if ss.s.rcptErrTimes[to] == 0 {
			delete(ss.s.rcptErr, to)
		}
	}
	ss.s.mu.Unlock()
	if err != nil {
		return err
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.Data = b
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	ss.s.mu.Unlock()
	select {
	case ss.s.got <- ss.cur:
	default:
	}
	return nil
}

func (ss *sinkSession) Reset()        { ss.cur = sunk{} }
func (ss *sinkSession) Logout() error { return nil }

// startSink runs a go-smtp server on 127.0.0.1:0. With tlsMode TLSStartTLS
// it offers STARTTLS, with TLSImplicit it speaks TLS from the start; the
// returned config trusts its throw-away certificate.
func startSink(t *testing.T, tlsMode string) (*sink, int, *tls.Config) {
	t.Helper()
	be := &sink{got: make(chan sunk, 16)}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var clientTLS *tls.Config
	if tlsMode != TLSNone {
		serverTLS, ct := testCert(t)
		clientTLS = ct
		srv.TLSConfig = serverTLS
		if tlsMode == TLSImplicit {
			ln = tls.NewListener(ln, serverTLS)
		}
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return be, ln.Addr().(*net.TCPAddr).Port, clientTLS
}

// testCert makes a self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// freePort returns a port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// ---- in-memory Queue ----

type fakeItem struct {
	item     storage.OutboxItem
	state    string // "queued", "sent", "failed"
	next     time.Time
	response string
	lastErr  string
	sentAt   time.Time
}

type fakeQueue struct {
	mu    sync.Mutex
	items []*fakeItem
	// sentLog has the LogSending and LogRefused calls, e.g. "sending 1".
	sentLog []string
}

func (q *fakeQueue) add(t *testing.T, m Mail) int64 {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	id := int64(len(q.items) + 1)
	q.items = append(q.items, &fakeItem{item: storage.OutboxItem{ID: id, MessageID: m.MessageID, Mail: b}, state: "queued"})
	return id
}

func (q *fakeQueue) get(id int64) fakeItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.items[id-1]
}

func (q *fakeQueue) DueOutbox(_ context.Context, now time.Time, limit int) ([]storage.OutboxItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []storage.OutboxItem
	for _, it := range q.items {
		if it.state == "queued" && !it.next.After(now) && len(out) < limit {
			out = append(out, it.item)
		}
	}
	return out, nil
}

func (q *fakeQueue) find(id int64) (*fakeItem, error) {
	if id < 1 || int(id) > len(q.items) {
		return nil, errors.New("no such item")
	}
	it := q.items[id-1]
	if it.state != "queued" {
		return nil, errors.New("item already " + it.state)
	}
	return it, nil
}

func (q *fakeQueue) MarkOutboxSent(_ context.Context, id int64, _ string, at time.Time, resp string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.find(id)
	if err != nil {
		return err
	}
	it.state, it.sentAt, it.response = "sent", at, resp
	return nil
}

// LogSent and MarkOutboxSentMany do together what MarkOutboxSent does:
// the fake has no log to fold, so the mark is kept until the batch's.
func (q *fakeQueue) LogSent(m storage.SentMark) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sentLog = append(q.sentLog, fmt.Sprintf("sent %d", m.ID))
	return nil
}

func (q *fakeQueue) MarkOutboxSentMany(ctx context.Context, marks []storage.SentMark) error {
	for _, m := range marks {
		if err := q.MarkOutboxSent(ctx, m.ID, m.MessageID, m.At, m.Response); err != nil {
			return err
		}
	}
	return nil
}

func (q *fakeQueue) LogSending(id int64, _ string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sentLog = append(q.sentLog, fmt.Sprintf("sending %d", id))
	return nil
}

func (q *fakeQueue) LogRefused(id int64, _ string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sentLog = append(q.sentLog, fmt.Sprintf("refused %d", id))
	return nil
}

func (q *fakeQueue) logged() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return strings.Join(q.sentLog, ", ")
}

func (q *fakeQueue) MarkOutboxRetry(_ context.Context, id int64, next time.Time, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.find(id)
	if err != nil {
		return err
	}
	it.item.Attempts++
	it.next, it.lastErr = next, errText
	return nil
}

func (q *fakeQueue) ReleaseOutbox(_ context.Context, id int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.find(id)
	if err != nil {
		return err
	}
	it.next = time.Time{}
	return nil
}

func (q *fakeQueue) MarkOutboxFailed(_ context.Context, id int64, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.find(id)
	if err != nil {
		return err
	}
	it.state, it.lastErr = "failed", errText
	return nil
}
