package rules

import "testing"

func TestSenderAuth(t *testing.T) {
	const body = "From: a@kl.dk\r\nSubject: x\r\n\r\nhej\r\n"
	cases := []struct {
		name, headers, servID, domain, want string
	}{
		{"dmarc pass", "Authentication-Results: mx.example.org; dmarc=pass (p=reject) header.from=kl.dk\r\n", "", "kl.dk", AuthPass},
		{"dkim pass", "Authentication-Results: mx.example.org; spf=fail; dkim=pass header.d=kl.dk header.s=s1\r\n", "", "kl.dk", AuthPass},
		{"dmarc fail", "Authentication-Results: mx.example.org; dmarc=fail header.from=kl.dk\r\n", "", "kl.dk", AuthFail},
		{"other domain passes", "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example.com; dmarc=fail header.from=kl.dk\r\n", "", "kl.dk", AuthFail},
		{"no header", "", "", "kl.dk", AuthNone},
		{"only topmost counts without servid",
			"Authentication-Results: mx.example.org; dmarc=fail header.from=kl.dk\r\nAuthentication-Results: forged.example.com; dmarc=pass header.from=kl.dk\r\n",
			"", "kl.dk", AuthFail},
		{"servid picks ours",
			"Authentication-Results: forged.example.com; dmarc=pass header.from=kl.dk\r\nAuthentication-Results: mx.example.org; dmarc=fail header.from=kl.dk\r\n",
			"mx.example.org", "kl.dk", AuthFail},
		{"servid ignores others",
			"Authentication-Results: forged.example.com; dmarc=pass header.from=kl.dk\r\n", "mx.example.org", "kl.dk", AuthNone},
		{"case-insensitive", "Authentication-Results: MX.example.org; DMARC=Pass header.from=KL.dk\r\n", "mx.example.org", "kl.dk", AuthPass},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := senderAuth([]byte(tc.headers+body), tc.servID, tc.domain); got != tc.want {
				t.Errorf("senderAuth = %q, want %q", got, tc.want)
			}
		})
	}
}
