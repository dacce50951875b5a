package rules

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// signed returns msg signed by domain with a fresh ed25519 key (RFC 8463),
// and a resolver that publishes the key at s1._domainkey.domain.
func signed(t *testing.T, msg, domain string) ([]byte, LookupTXT) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{Domain: domain, Selector: "s1", Signer: priv}); err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) ([]string, error) {
		if name == "s1._domainkey."+domain {
			return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
		}
		return nil, errors.New("no such record (test resolver)")
	}
	return out.Bytes(), lookup
}

func TestOwnVerdict(t *testing.T) {
	const msg = "From: Anne Hansen <hr@aarhus.dk>\r\nTo: tilmelding@example.org\r\nSubject: Tilmelding\r\n" +
		"Message-ID: <dkim-1@aarhus.dk>\r\n\r\nHermed vores tilmelding.\r\n"
	raw, lookup := signed(t, msg, "aarhus.dk")
	if got, why := ownVerdict(raw, "aarhus.dk", lookup); got != AuthVerified {
		t.Errorf("an aligned valid signature: %q (%s), want verified", got, why)
	}
	// The body changed on the way (a mailbox rewriting MIME): unknown, not failed.
	tampered := bytes.Replace(raw, []byte("Hermed"), []byte("Hermed IKKE"), 1)
	if got, _ := ownVerdict(tampered, "aarhus.dk", lookup); got != AuthUnknown {
		t.Errorf("a broken signature: %q, want unknown", got)
	}
	// Signed by another domain than From's: not aligned.
	other, otherLookup := signed(t, msg, "evil.example.com")
	if got, _ := ownVerdict(other, "aarhus.dk", otherLookup); got != AuthUnknown {
		t.Errorf("a signature of another domain: %q, want unknown", got)
	}
	if got, _ := ownVerdict([]byte(msg), "aarhus.dk", lookup); got != AuthUnknown {
		t.Errorf("no signature: %q, want unknown", got)
	}
}
