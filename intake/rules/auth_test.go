package rules

import (
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

// Real-shaped Authentication-Results headers, as each receiving side
// writes them (addresses and IPs changed to documentation ones).
const (
	// Exchange Online: no authserv-id, stray tokens after smtp.mailfrom
	// and header.d, compauth.
	exchangePass = "Authentication-Results: spf=pass (sender IP is 192.0.2.10)\r\n" +
		" smtp.mailfrom=aarhus.dk; dkim=pass (signature was verified)\r\n" +
		" header.d=aarhus.dk;dmarc=pass action=none header.from=aarhus.dk;compauth=pass\r\n reason=100\r\n"
	exchangeStray = "Authentication-Results: spf=pass (sender IP is 192.0.2.10)\r\n" +
		" smtp.mailfrom=aarhus.dk; aarhuskommune.dk; dkim=pass (signature was verified)\r\n" +
		" header.d=aarhus.dk;aarhuskommune.dk; dmarc=pass action=none\r\n header.from=aarhus.dk;compauth=pass reason=100\r\n"
	exchangeSpoof = "Authentication-Results: spf=fail (sender IP is 198.51.100.7)\r\n" +
		" smtp.mailfrom=evil.example.com; dkim=none (message not signed)\r\n" +
		" header.d=none;dmarc=fail action=quarantine header.from=aarhus.dk;compauth=fail\r\n reason=000\r\n"
	exchangeCompauthFail = "Authentication-Results: spf=none (sender IP is 198.51.100.7)\r\n" +
		" smtp.mailfrom=aarhus.dk; dkim=none (message not signed) header.d=none;dmarc=none\r\n" +
		" action=none header.from=aarhus.dk;compauth=fail reason=601\r\n"
	// Gmail.
	gmailPass = "Authentication-Results: mx.google.com;\r\n" +
		"       dkim=pass header.i=@aarhus.dk header.s=selector1 header.b=AbCdEf12;\r\n" +
		"       spf=pass (google.com: domain of hr@aarhus.dk designates 192.0.2.10 as permitted sender) smtp.mailfrom=hr@aarhus.dk;\r\n" +
		"       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=aarhus.dk\r\n"
	// Postfix with OpenDKIM and OpenDMARC, each writing its own header.
	openDKIM  = "Authentication-Results: mx.example.org; dkim=pass (2048-bit key; unprotected) header.d=aarhus.dk header.i=@aarhus.dk header.b=\"AbCdEf12\";\r\n\tdkim-atps=neutral\r\n"
	openDMARC = "Authentication-Results: mx.example.org; dmarc=fail (p=reject dis=none) header.from=aarhus.dk\r\n"
	// rspamd.
	rspamd = "Authentication-Results: mx.example.org;\r\n" +
		"\tdkim=pass header.d=aarhus.dk header.s=s1 header.b=AbC;\r\n" +
		"\tdmarc=pass (policy=reject) header.from=aarhus.dk;\r\n" +
		"\tspf=pass (mx.example.org: domain of hr@aarhus.dk designates 192.0.2.10 as permitted sender) smtp.mailfrom=hr@aarhus.dk\r\n"
	// What a sender writes itself to look verified.
	forgedPass = "Authentication-Results: mx.example.org; dmarc=pass header.from=aarhus.dk\r\n"
)

func TestVerdict(t *testing.T) {
	const body = "From: hr@aarhus.dk\r\nSubject: x\r\n\r\nhej\r\n"
	const rfc, exo, off = config.AuthResultsRFC8601, config.AuthResultsExchange, config.AuthResultsOff
	cases := []struct {
		name, headers, mode, servID, want string
	}{
		{"exchange pass", exchangePass, exo, "", AuthVerified},
		{"exchange stray tokens", exchangeStray, exo, "", AuthVerified},
		{"exchange spoof", exchangeSpoof, exo, "", AuthFailed},
		{"exchange compauth fail", exchangeCompauthFail, exo, "", AuthFailed},
		{"exchange: only the topmost header", exchangeSpoof + exchangePass, exo, "", AuthFailed},
		{"exchange: a lower header proves nothing", "X-Other: 1\r\n" + exchangePass, exo, "", AuthVerified},
		{"gmail pass", gmailPass, rfc, "mx.google.com", AuthVerified},
		{"gmail header, other servid", gmailPass, rfc, "mx.example.org", AuthUnknown},
		{"postfix: an aligned dkim pass is verified", openDKIM + openDMARC, rfc, "mx.example.org", AuthVerified},
		{"postfix opendmarc fail alone", openDMARC, rfc, "mx.example.org", AuthFailed},
		{"rspamd pass", rspamd, rfc, "mx.example.org", AuthVerified},
		{"rspamd, servid case-insensitive", rspamd, rfc, "MX.Example.ORG", AuthVerified},
		{"forged header under ours", openDMARC + "Received: from evil.example.com by mx.example.org\r\n" + forgedPass, rfc, "mx.example.org", AuthFailed},
		{"forged header with another id", "Authentication-Results: forged.example.com; dmarc=pass header.from=aarhus.dk\r\n", rfc, "mx.example.org", AuthUnknown},
		{"other domain passes", "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example.com; dmarc=fail header.from=aarhus.dk\r\n", rfc, "mx.example.org", AuthFailed},
		{"bare tld never aligned", "Authentication-Results: mx.example.org; dkim=pass header.d=dk\r\n", rfc, "mx.example.org", AuthUnknown},
		{"no header", "", rfc, "mx.example.org", AuthUnknown},
		{"off reads nothing", rspamd, off, "", AuthUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Verdict([]byte(tc.headers+body), tc.mode, tc.servID, "aarhus.dk")
			if got != tc.want {
				t.Errorf("Verdict = %q (%s), want %q", got, why, tc.want)
			}
		})
	}
}

func TestExchangeMethodsSkipsStrayTokens(t *testing.T) {
	ms := exchangeMethods("spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=a.dk; b.dk; dkim=pass header.d=a.dk;b.dk; dmarc=pass action=none header.from=a.dk;compauth=pass reason=100")
	var names []string
	for _, m := range ms {
		names = append(names, m.name+"="+m.result)
	}
	want := []string{"spf=pass", "dkim=pass", "dmarc=pass", "compauth=pass"}
	if len(names) != len(want) {
		t.Fatalf("methods = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("methods = %v, want %v", names, want)
		}
	}
}

func TestReadSender(t *testing.T) {
	cases := []struct {
		from, want string
		unparsable bool
	}{
		{"Anne Hansen <hr@aarhus.dk>", "hr@aarhus.dk", false},
		{`"chef@kl.dk" <attacker@evil.example.com>`, "attacker@evil.example.com", false},
		{"=?utf-8?q?chef=40kl.dk?= <attacker@evil.example.com>", "attacker@evil.example.com", false},
		{"chef@kl.dk <attacker@evil.example.com>", "attacker@evil.example.com", true},
		{"a@aarhus.dk, b@evil.example.com", "", true},
		{"nobody", "", true},
	}
	for _, tc := range cases {
		s := readSender([]byte("From: " + tc.from + "\r\nReturn-Path: < >\r\nSubject: x\r\n\r\nhej\r\n"))
		if s.addr != tc.want || (s.unparsable != "") != tc.unparsable || !s.nullReturnPath {
			t.Errorf("From: %s → %+v, want %q unparsable=%v null path", tc.from, s, tc.want, tc.unparsable)
		}
	}
}
