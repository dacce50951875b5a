package parser

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// The definitions the fast paths of text.go replaced; the fast paths must
// give the same answers on every line.
func foldRef(s string) string { return foldReplacer.Replace(strings.ToLower(s)) }

func cleanLineRef(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\ufeff' })
}

func firstEmailRef(s string) string { return strings.ToLower(emailRe.FindString(s)) }

func isSalutationRef(s string) bool { return salutationRe.MatchString(cleanLineRef(s)) }

// TestFastPathsAgree compares fold, cleanLine, firstEmail and isSalutation
// with their plain definitions on awkward strings and on every line and
// word of the benchmark corpus's decoded texts.
func TestFastPathsAgree(t *testing.T) {
	lines := []string{"", " ", "\t", "a", "A", "Æ", "æble", "ÅRHUS", "Med venlig hilsen", "med venlig hilsen,",
		"\u212aind regards", "KIND REGARDS", "Ĳ", " \u00a0Hilsen\u200b", "\ufeffMvh", "x\x7f", "\x01Vh.", "mvh.",
		"Bo@X.DK skriver", "a@b", "ab@cd.ef", "hej @ dig", "ÉN", "\u0085Regards\u0085", "Straße", "İstanbul", "K\u0301",
		"ÆBLE", "Ærø", "Øster Å", "MÜLLER", "Café", "HÉLÈNE", "Ångström", "á", "\xff", "Æ\xc3", "a\xe6b", "ǅ", "Σίσυφος", "ẞ"}
	p := corpusParser()
	for _, m := range benchCorpus()[:300] {
		msg, err := decode(m.Raw, p.opts.MaxMessageBytes)
		if err != nil {
			continue
		}
		lines = append(lines, strings.Split(msg.text(), "\n")...)
	}
	word := regexp.MustCompile(`\S+`)
	for _, l := range lines {
		if got, want := cleanLine(l), cleanLineRef(l); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", l, got, want)
		}
		if got, want := firstEmail(l), firstEmailRef(l); got != want {
			t.Errorf("firstEmail(%q) = %q, want %q", l, got, want)
		}
		if got, want := isSalutation(l), isSalutationRef(l); got != want {
			t.Errorf("isSalutation(%q) = %v, want %v", l, got, want)
		}
		for _, w := range append(word.FindAllString(l, -1), l) {
			if got, want := fold(w), foldRef(w); got != want {
				t.Errorf("fold(%q) = %q, want %q", w, got, want)
			}
		}
	}
}

// TestHTMLPartIsReadWhenNeeded checks the lazy HTML conversion: the
// first HTML part with text wins, even after an empty one, and a mail
// whose plain part says enough never has its HTML read.
func TestHTMLPartIsReadWhenNeeded(t *testing.T) {
	mixed := "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<html><body><img src=x></body></html>\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nxx\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<p>Kommune: Vejle</p><p>Deltagere:</p>\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<p>third part</p>\r\n--b--\r\n"
	m, err := decode([]byte(mixed), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.text(); got != "Kommune: Vejle\nDeltagere:" {
		t.Errorf("text = %q, want the second HTML part's", got)
	}

	long := strings.Repeat("Vi vil gerne deltage med hele kommunen og to fra hver side. ", 5)
	alt := "From: a@example.org\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\n" + long + "\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<p>" + long + "</p>\r\n--b--\r\n"
	m, err = decode([]byte(alt), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.text(); got != strings.TrimSpace(long) {
		t.Errorf("text = %q, want the plain part", got)
	}
	if m.html.converted || m.html.src != "" {
		t.Error("the HTML part was read although the plain part says enough")
	}

	stub := strings.Replace(alt, long+"\r\n--b\r\nContent-Type: text/html", "Se vedhæftede.\r\n--b\r\nContent-Type: text/html", 1)
	m, err = decode([]byte(stub), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.text(); got != strings.TrimSpace(long) {
		t.Errorf("stub plain part: text = %q, want the HTML part's", got)
	}
}

// TestNewTextWords checks that newTextWords counts the words of newText
// (up to its limit) on the test mails and the benchmark corpus: isStub
// relies on it instead of running newText in full.
func TestNewTextWords(t *testing.T) {
	raws, err := sampleRaws()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, raw := range raws {
		if msg, err := decode(raw, 1<<24); err == nil {
			texts = append(texts, msg.plain, msg.html.text())
		}
	}
	for _, s := range texts {
		full := len(strings.Fields(newText(s)))
		for _, limit := range []int{25, 1 << 30} {
			if got, want := newTextWords(s, limit), min(full, limit); min(got, limit) != want {
				t.Fatalf("newTextWords(…, %d) = %d, newText has %d words:\n%s", limit, got, full, s)
			}
		}
	}
}
