package parser

import (
	"reflect"
	"strings"
	"testing"
)

// emailScanCases are awkward addresses for the scan that replaced emailRe.
var emailScanCases = []string{
	"", "@", "a@", "@b.c", "a@b", "a@b.c", "a@b.c.", "a@b.-c", "a@b-.c", "a@b.c-", "a@b.c-d", "a@b.c--",
	"a@b.c-.d", "a@b..c", "a@@b.c", "a@b@c.d", "x a@b.c.d@e.f y", "ah@x.dk, bo@y.dk", "(ah@x.dk)", "<mailto:ah@x.dk>",
	"Æble.Ø@Å.dk", "ſ@K.Å", "\u212aelvin@\u212b.dk", "å\xc3@b.dk", "\xc3\xa6@b.dk", "\xe2\x84\xaa@b.dk", "\x84\xaa@b.dk",
	"ä@b.dk", "Ä@b.dk", "xÄ@b.dk", "a@b.dk.", "a@b.dk.-", "a.@.b.c", "-a@b-c.d-e", "a@1.2", "a@b.c@d.e", "a@b.cæ",
	"a%b+c@d.e f@g.h", "@@a@b.c", "a@b.c\x00d@e.f", "ah@x.dk.\n", "a@b_c.d", "a@b.c_d", "a_b@c.d_e.f",
}

// checkEmailScan compares the scan with emailRe on s.
func checkEmailScan(t *testing.T, s string) {
	t.Helper()
	want := emailRe.FindAllStringIndex(s, -1)
	if got := emailSpans(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("emailSpans(%q) = %v, want %v", s, got, want)
	}
	for _, n := range []int{1, 2} {
		if got, want := countEmails(s, n), len(emailRe.FindAllStringIndex(s, n)); got != want {
			t.Fatalf("countEmails(%q, %d) = %d, want %d", s, n, got, want)
		}
	}
	if got, want := replaceEmails(s, "\x00"), emailRe.ReplaceAllString(s, "\x00"); got != want {
		t.Fatalf("replaceEmails(%q) = %q, want %q", s, got, want)
	}
	if got, want := hasEmail(s), emailRe.MatchString(s); got != want {
		t.Fatalf("hasEmail(%q) = %v, want %v", s, got, want)
	}
}

// TestEmailScanAgrees compares the address scan with emailRe on awkward
// strings and on every line of the benchmark corpus's decoded texts.
func TestEmailScanAgrees(t *testing.T) {
	for _, s := range emailScanCases {
		checkEmailScan(t, s)
		checkEmailScan(t, "Anne "+s+" x")
	}
	p := corpusParser()
	for _, m := range benchCorpus()[:1000] {
		msg, err := decode(m.Raw, p.opts.MaxMessageBytes)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(msg.text(), "\n") {
			checkEmailScan(t, l)
		}
	}
}

// FuzzEmailScan compares the address scan with emailRe.
func FuzzEmailScan(f *testing.F) {
	for _, s := range emailScanCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkEmailScan(t, s) })
}
