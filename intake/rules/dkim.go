package rules

import (
	"bytes"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// LookupTXT returns the DNS TXT records of a name; tests inject one so
// they need no network (net.LookupTXT in the daemon).
type LookupTXT func(name string) ([]string, error)

// maxDKIMSignatures bounds the signatures checked per mail: each costs a
// DNS lookup and an RSA verification, and a sender chooses how many.
const maxDKIMSignatures = 5

// ownVerdict is seniorbot's own check ([trust] own_dkim_check) for a
// mailbox that stamps no Authentication-Results: verified when a DKIM
// signature (RFC 6376) of raw verifies with a d= aligned with the From
// domain (RFC 7489 §3.1.1, relaxed). It never says failed: without the
// connecting IP there is no SPF, so a DMARC fail cannot be told from an
// SPF-only pass. A mailbox that rewrites the MIME of a mail (Exchange
// over IMAP) breaks every signature: then everything stays unknown.
func ownVerdict(raw []byte, domain string, lookup LookupTXT) (string, string) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || lookup == nil {
		return AuthUnknown, ""
	}
	vs, _ := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: lookup, MaxVerifications: maxDKIMSignatures,
	})
	for _, v := range vs {
		if v.Err == nil && aligned(strings.ToLower(v.Domain), domain) {
			return AuthVerified, "dkim=pass for " + strings.ToLower(v.Domain) + " (seniorbot's own check)"
		}
	}
	return AuthUnknown, ""
}
