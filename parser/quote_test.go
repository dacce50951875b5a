package parser

import (
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/seniorpartnerskabet/seniorbot/parser/internal/gencorpus"
)

// quoteBodies are the texts the quote cut reads in the benchmark corpus,
// a second generated corpus, the golden testdata and the shared corpus:
// every plain and HTML part, and the shared corpus's bare bodies.
var quoteBodies = sync.OnceValue(func() []string {
	var texts []string
	add := func(raw []byte) {
		m, err := decode(raw, 1<<24)
		if err != nil {
			return
		}
		texts = append(texts, m.plain, m.html.text())
		for _, a := range m.attached {
			texts = append(texts, a.plain, a.html.text())
		}
	}
	raws, _ := sampleRaws()
	for _, m := range gencorpus.Generate(1500, 2) {
		raws = append(raws, m.Raw)
	}
	for _, raw := range raws {
		add(raw)
	}
	_ = eachSharedMail(func(_, format string, raw []byte) { // without the shared corpus: the rest
		if format == "rfc822" {
			add(raw)
		} else {
			texts = append(texts, toUTF8(raw))
		}
	})
	return texts
})

// TestNewTextAgrees compares newText with newTextRef, the quote cut
// before it was made faster, on every known body and on variants of
// them (CRLF line ends, every line quoted, the lines shuffled by halves).
func TestNewTextAgrees(t *testing.T) {
	for _, s := range quoteBodies() {
		variants := []string{s, strings.ReplaceAll(s, "\n", "\r\n"), "> " + strings.ReplaceAll(s, "\n", "\n> ")}
		if lines := strings.Split(s, "\n"); len(lines) > 2 {
			h := len(lines) / 2
			variants = append(variants, strings.Join(append(append([]string{}, lines[h:]...), lines[:h]...), "\n"))
		}
		for _, v := range variants {
			if got, want := newText(v), newTextRef(v); got != want {
				t.Fatalf("newText(%q)\n= %q\nwant %q", v, got, want)
			}
			if f, ok := findForward(v); true {
				g, gok := findForwardRef(v)
				if ok != gok || f != g {
					t.Fatalf("findForward(%q) = %+v, %v; want %+v, %v", v, f, ok, g, gok)
				}
			}
		}
	}
}

// FuzzNewText checks that newText and findForward agree with their
// reference on any text.
func FuzzNewText(f *testing.F) {
	for _, s := range []string{"", "hej\n\nOn Tue, Jun 28, 2022 at 10:12 AM Nanna <n@x> wrote:\n> quoted",
		"Svar\n-----Original Message-----\nFra: A <a@b.dk>\nSendt: 1. maj\nTil: c@d.dk\nEmne: x\n\ntekst",
		"ja tak\nDen 28. jun. 2022 kl. 10.12 skrev Nanna\n<n@x.dk>:\n\n> a\n> b\nmere", "---------- Forwarded message ---------\nFrom: X <x@y.z>\nDate: now\nSubject: s\nTo: t@u.v\n\nbody",
		"2013/7/20 sam <s@x.org>\n> q", "Sendt fra min iPhone", "Kommune: Vejle\n## Skriv dit svar over denne linje ##\n> x",
		"reply On Wed, 1 Jan 2020 Bob wrote:\n> x", "\u017fent from my phone", "\u212a\u00a0\n-- \nsig"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := newText(s), newTextRef(s); got != want {
			t.Fatalf("newText(%q)\n= %q\nwant %q", s, got, want)
		}
		fw, ok := findForward(s)
		fr, rok := findForwardRef(s)
		if ok != rok || fw != fr {
			t.Fatalf("findForward(%q) = %+v, %v; want %+v, %v", s, fw, ok, fr, rok)
		}
	})
}

// BenchmarkNewText is the quote cut alone over every known body.
func BenchmarkNewText(b *testing.B) {
	texts := quoteBodies()
	b.ResetTimer()
	for range b.N {
		for _, s := range texts {
			newText(s)
		}
	}
}

// TestQuoteFastPathsAgree compares the line tests of the quote cut with
// the expressions and library calls they stand for, on every line of the
// known bodies and on awkward lines.
func TestQuoteFastPathsAgree(t *testing.T) {
	lines := []string{"", "-", "--", "---", "--- x ---", "*--- x ---*", "--- SLUT ---", "--- TILMELDING ---", "---x---**", "----",
		"_____", strings.Repeat("_", 20), "-- Original Message --", "Begin forwarded message:", "ſtart på videresendt besked:",
		"Start på videresendt besked: ", "Videresendt besked:", "sendt fra min iPhone", "Sent from my iPhone, yes", "ſent from my phone",
		"1. a", "12) b", "• c", "· d", "▪ e", "– f", "-g", "*h", "İon 5", "\u212aon", "Den 5", "ON x", "on\tx", "de:", "Fra: a", "*Fra:* a",
		"FRÅN: x", "Från:x", "ОТ: x", "a@b skrev x", "a@b wrote", "x DENNE LINJE", "denne linjE", "dennе linje", "j", "Jdenne linje",
		"\u00a0x\u00a0 y", "a\u0085b", "a\u2028b \xff c",
		"x@y  wrote", "x@y wrote_", "x@y a   écrit", "x@y A ÉCRIT:", "@ escribió", "@ escribiób", "@ napisał!", "@ napisałx", "a@b@c \tſkrev",
		"x@y\nwrote", "x @y skrev", "@\xffskrev", "@ HA  SCRITTO", "Sendt fra min", "SENT FROM MY", "ſent from my", "lähetetty", "LÄHETETTY x",
		"--  original message", "-- \tForwarded message", "--x original message", "____________________", "___________________",
		"--- tilmelding", "--TILMELDINGx", "-- tilmelding_", "-- tilmelding-", "-- tilmelding\nx", "--- slut", "--- ſlut --", "--- SLUT - -", "--slut  \t--", "--slutt",
		"-slut", "--- slut\n", "1.", "12 )", "123.", "1 x", "9:", "•", "– x", "▪", "·x"}
	for _, s := range quoteBodies() {
		for _, l := range strings.Split(s, "\n") {
			lines = append(lines, l, cleanLine(l))
		}
	}
	for _, l := range lines {
		if got, want := isSeparator(l), separatorRe.MatchString(l); got != want {
			t.Errorf("isSeparator(%q) = %v, want %v", l, got, want)
		}
		if got, want := isFramedSeparator(l), isFramedSeparatorRef(l); got != want {
			t.Errorf("isFramedSeparator(%q) = %v, want %v", l, got, want)
		}
		if got, want := isMobileFooter(l), isMobileFooterRef(l); got != want {
			t.Errorf("isMobileFooter(%q) = %v, want %v", l, got, want)
		}
		if got, want := headerField(l), headerFieldRef(l); got != want {
			t.Errorf("headerField(%q) = %q, want %q", l, got, want)
		}
		if got, want := attributionStart(l), attributionStartRef(l); got != want {
			t.Errorf("attributionStart(%q) = %v, want %v", l, got, want)
		}
		if got, want := verbWordMatch(l), verbWordRe.MatchString(l); got != want {
			t.Errorf("verbWordMatch(%q) = %v, want %v", l, got, want)
		}
		if got, want := mobileFooterMatch(l), mobileFooterRe.MatchString(l); got != want {
			t.Errorf("mobileFooterMatch(%q) = %v, want %v", l, got, want)
		}
		if got, want := hasDigitOrAt(l), strings.ContainsAny(l, "@0123456789"); got != want {
			t.Errorf("hasDigitOrAt(%q) = %v, want %v", l, got, want)
		}
		if got, want := isStartMarker(l), startMarkerRe.MatchString(l); got != want {
			t.Errorf("isStartMarker(%q) = %v, want %v", l, got, want)
		}
		if got, want := isEndMarker(l), endMarkerRe.MatchString(l); got != want {
			t.Errorf("isEndMarker(%q) = %v, want %v", l, got, want)
		}
		if got, want := isListItem(l), listItemRe.MatchString(l); got != want {
			t.Errorf("isListItem(%q) = %v, want %v", l, got, want)
		}
		if got, want := hasVerbTail(l), hasVerbTailRef(l); got != want {
			t.Errorf("hasVerbTail(%q) = %v, want %v", l, got, want)
		}
		if got, want := endsInColonRE(l), strings.HasSuffix(strings.TrimRight(l, " \t\n\f\r"), ":"); got != want {
			t.Errorf("endsInColonRE(%q) = %v, want %v", l, got, want)
		}
		if ln := newQline(l); ln.clean() != cleanLine(l) || ln.digitOrAt() != strings.ContainsAny(ln.clean(), "@0123456789") ||
			ln.comma() != strings.Contains(ln.clean(), ",") || int(ln.colon) != strings.IndexByte(ln.clean(), ':') {
			t.Errorf("newQline(%q) = %+v", l, ln)
		}
		if got, want := countFields(l), len(strings.Fields(l)); got != want {
			t.Errorf("countFields(%q) = %v, want %v", l, got, want)
		}
		if got, want := mayHoldReplyLine(l), containsFold(l, "denne linje"); got != want {
			t.Errorf("mayHoldReplyLine(%q) = %v, want %v", l, got, want)
		}
		if got, want := hasAttributionLead(l), attributionLeadRe.MatchString(l); got != want {
			t.Errorf("hasAttributionLead(%q) = %v, want %v", l, got, want)
		}
	}
	for k, s := range quoteBodies() {
		ls := strings.Split(s, "\n")
		for i := range ls {
			if k%3 != 0 {
				break // startsQuoteRef is slow: every third body
			}
			if got, want := startsQuote(ls, i), startsQuoteRef(ls, i); got != want {
				t.Fatalf("startsQuote(…, %d) = %v, want %v:\n%s", i, got, want, s)
			}
		}
		if got, want := mayHoldReplyLine(s), containsFold(s, "denne linje"); got != want {
			t.Errorf("mayHoldReplyLine(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestFirstBytePrefilters checks the assumptions of the first-byte
// tests: which runes (?i) folds to the letters they look for, and which
// runes strings.ToLower turns into the letters attributionStart wants.
func TestFirstBytePrefilters(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r < utf8.RuneSelf {
			continue
		}
		if l := unicode.ToLower(r); l < utf8.RuneSelf && strings.ContainsRune("deno ", l) {
			t.Errorf("strings.ToLower turns %U into %q: attributionStart must see it", r, l)
		}
	}
	for _, c := range "bBsSvVdoaleiwpfhgtmnguDOALEIWPFHGTMNGU" {
		for r := unicode.SimpleFold(c); r != c; r = unicode.SimpleFold(r) {
			if r >= utf8.RuneSelf && !(c|0x20 == 's' && r == 'ſ') {
				t.Errorf("(?i) folds %U to %q: a first-byte test must let it through", r, c)
			}
		}
	}
}

// BenchmarkNewTextOfCorpus is the quote cut of what Parse reads of each
// mail of the benchmark corpus (m.text(), the plain part as a rule), by
// newText and by newTextRef, in CPU time per mail.
func BenchmarkNewTextOfCorpus(b *testing.B) {
	var texts []string
	for _, m := range benchCorpus() {
		if msg, err := decode(m.Raw, 1<<24); err == nil {
			texts = append(texts, msg.text())
		}
	}
	for _, bc := range []struct {
		name string
		cut  func(string) string
	}{{"new", newText}, {"ref", newTextRef}} {
		b.Run(bc.name, func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				for _, s := range texts {
					bc.cut(s)
				}
			}
			cpu = processCPU() - cpu
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(texts)), "cpu-ns/mail")
		})
	}
}

// unflowRef and dropCRsRef are unflow and the CRLF removal of readLines
// before they were made faster.
func unflowRef(s string, delSp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out strings.Builder
	out.Grow(len(s))
	open := false
	depth := 0
	for _, l := range lines {
		d := 0
		for d < len(l) && l[d] == '>' {
			d++
		}
		content := strings.TrimPrefix(l[d:], " ")
		if open && d != depth {
			out.WriteByte('\n')
			open = false
		}
		if !open {
			if d > 0 {
				out.WriteString(strings.Repeat(">", d) + " ")
			}
			depth = d
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delSp {
			content = content[:len(content)-1]
		}
		out.WriteString(content)
		if open = soft; !open {
			out.WriteByte('\n')
		}
	}
	return strings.TrimSuffix(out.String(), "\n")
}

func dropCRsRef(b []byte) []byte {
	if i := strings.Index(string(b), "\r\n"); i >= 0 {
		n := i
		for ; i < len(b); i++ {
			if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
				continue
			}
			b[n] = b[i]
			n++
		}
		b = b[:n]
	}
	return b
}

// TestReadingAgrees compares unflow and dropCRs with their references.
func TestReadingAgrees(t *testing.T) {
	texts := []string{"", "\r", "\n", "\r\n", "\r\r\n", "a\r\nb", "a\r\n", "\r\na", "a\r\n\r\nb\r", "> a \r\n>> b \r\nc", " -- \r\n", "x \n y \n\n>z  \n-- "}
	for _, s := range quoteBodies()[:400] {
		texts = append(texts, s, strings.ReplaceAll(s, "\n", "\r\n"), strings.ReplaceAll(s, "\n", " \r\n"))
	}
	for _, s := range texts {
		checkReading(t, s)
	}
}

func checkReading(t *testing.T, s string) {
	t.Helper()
	for _, delSp := range []bool{false, true} {
		if got, want := unflow(s, delSp), unflowRef(s, delSp); got != want {
			t.Fatalf("unflow(%q, %v) = %q, want %q", s, delSp, got, want)
		}
	}
	if got, want := string(dropCRs([]byte(s))), string(dropCRsRef([]byte(s))); got != want {
		t.Fatalf("dropCRs(%q) = %q, want %q", s, got, want)
	}
}

func FuzzReading(f *testing.F) {
	f.Add("a \r\n>> b\r\r\n")
	f.Fuzz(checkReading)
}

// textRef is htmlRenderer.text before it found fields in place.
func (r *htmlRenderer) textRef(s string) {
	for i, f := range strings.FieldsFunc(s, isHTMLSpace) {
		if (i > 0 || r.space || startsWithSpace(s)) && !r.atLineStart() {
			r.WriteByte(' ')
		}
		r.WriteString(f)
		r.space = false
	}
	if s != "" && strings.TrimRightFunc(s, isHTMLSpace) != s {
		r.space = true
	}
}

// TestRendererAgrees compares the renderer's text and cell joining with
// their definitions, from every state a renderer may be in.
func TestRendererAgrees(t *testing.T) {
	texts := []string{"", " ", "\u00a0", "a", " a ", "a\u00a0b", "\ta\n\nb\r", "a\u2003b", "\xffx y\xc3", "é ü\u0085x", "\u3000"}
	for _, s := range quoteBodies()[:300] {
		texts = append(texts, strings.Split(s, "\n")...)
		texts = append(texts, s)
	}
	for _, s := range texts {
		checkRenderer(t, s)
	}
}

func checkRenderer(t *testing.T, s string) {
	t.Helper()
	for _, before := range []string{"", "x", "x\n", "x\t", "x "} {
		for _, space := range []bool{false, true} {
			var got, want htmlRenderer
			got.WriteString(before)
			want.WriteString(before)
			got.space, want.space = space, space
			got.text(s)
			want.textRef(s)
			if got.String() != want.String() || got.space != want.space {
				t.Fatalf("text(%q) after %q, space %v: %q %v, want %q %v", s, before, space, got.String(), got.space, want.String(), want.space)
			}
		}
	}
	var j htmlRenderer
	j.writeJoined(s)
	if want := strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " "); j.String() != want {
		t.Fatalf("writeJoined(%q) = %q, want %q", s, j.String(), want)
	}
}

func FuzzRenderer(f *testing.F) {
	f.Add(" a\u00a0b \t")
	f.Fuzz(checkRenderer)
}
