// Tests of connecting and logging in: TLS modes and refused logins.

package mailbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

func TestTLSNoneRefusedForRemoteHost(t *testing.T) {
	cfg := config.IMAPConfig{Host: "imap.example.org", Port: 143, TLS: "none", Mailbox: "INBOX", ProcessedFolder: testProcessed}
	w := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
	err := w.Run(ctxT(t))
	if err == nil || !isPermanent(err) {
		t.Fatalf("Run = %v, want a permanent error", err)
	}
}

func TestSyncOnceCancelledBeforeStart(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := &fakeHandler{}
	if err := newTestWatcher(t, ts.config(), h, newMemState()).SyncOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("SyncOnce = %v, want context.Canceled", err)
	}
	if len(h.handled()) != 0 {
		t.Errorf("handled %d", len(h.handled()))
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "imap.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
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
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestSyncOnceOverTLS(t *testing.T) {
	for _, tc := range []struct {
		mode     string
		implicit bool
	}{{"tls", true}, {"starttls", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			conf, pool := selfSigned(t)
			ts := newTestServerTLS(t, capsFull, nil, conf, tc.implicit)
			ts.appendMail("INBOX", 1)
			cfg := ts.config()
			cfg.TLS = tc.mode
			h := &fakeHandler{}
			w := newTestWatcher(t, cfg, h, newMemState())
			w.rootCAs = pool
			if err := w.SyncOnce(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if n := len(h.handled()); n != 1 {
				t.Errorf("handled %d, want 1", n)
			}

			// Without the private root the certificate is refused.
			w2 := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
			var ce *tls.CertificateVerificationError
			if err := w2.SyncOnce(ctxT(t)); !errors.As(err, &ce) {
				t.Errorf("untrusted certificate: SyncOnce = %v, want a verification error", err)
			}
		})
	}
}

// A server that only allows LOGIN over TLS advertises LOGINDISABLED on a
// plain connection: that is a permanent configuration error, not a retry.
func TestLoginDisabledIsPermanent(t *testing.T) {
	conf, _ := selfSigned(t)
	ts := newTestServerTLS(t, capsFull, nil, conf, false)
	w := newTestWatcher(t, ts.config(), &fakeHandler{}, newMemState()) // tls = "none"
	err := w.Run(ctxT(t))
	if err == nil || !isPermanent(err) || !strings.Contains(err.Error(), "LOGINDISABLED") {
		t.Fatalf("Run = %v, want a permanent LOGINDISABLED error", err)
	}
}
