package parser

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// matchLabelRef is matchLabel as it was before its fast path: every
// expression on every line that holds a label word.
func matchLabelRef(line string) (label, bool) {
	t := cleanLine(line)
	if !mayBeLabel(t) {
		return label{}, false
	}
	for i, re := range labelRes {
		m := re.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		return labelOf(i, m), true
	}
	return label{}, false
}

// formFastLines are awkward lines and every line of the benchmark corpus
// and the test mails.
func formFastLines(t testing.TB) []string {
	lines := []string{"", " ", "-", "--", "1", "1.", "12)", "123. Kommune: x", "1 2. Kommune:", "1 . Kommune: x",
		"Kommune", "kommune:", "KOMMUNE: Vejle", "\u212aommune: Vejle", "\u212aontakt: Bo dag", "- Kommune: Vejle",
		"•  Deltagere:", "· Dato: 29/9", "▪ Enhed", "– Område: By", "—Kommune: x", "*\tKontakt\tBo", "Ønsket dato: øst",
		"ØNSKET FØRSTE UDVIKLINGSDAG (øst/vest): vest", "oensket  dag", "Foerste udviklingsdag", "Godkendt i HovedMED: ja",
		"Hoved-MED godkendelse: ja", "godkendelse i hovedmed", "Deltager nr. 3: Bo", "deltager 12 Bo", "deltagerex", "Deltagere",
		"Forvaltning / område: Social", "forvaltning eller omraade", "Kommunens navn: Vejle", "Kommunenavn: x",
		"Kommune navn: x", "Dato\t29/9", "Dato (dd/mm):", "Dato(x)(y): z", "ſ", "Kommunens navn:", "kommunens  navn: x", "ønsket  dato: 1", "Deltager:", "deltagere:x", "Hoved-MED:ja", "HOVEDMED: nej",
		"kontaktperson:", "Godkendt: ja", "Ønsket første udviklingsdag: øst", "OENSKET DAG:", "Dato:\n1", "Enhed: :- x", "\u212aontaktperson: x",
		"Deltager 3: Bo", "Deltager nr. 2: x", "Kommune (navn): x", "Kommune:\t x", "Udviklingsdag:", "Forvaltning/område: x", "Kommü Kommune",
		"Deltagere (én pr. linje: navn, titel, e-mail)", "Deltager (x) 3", "Deltager\t3", "Deltager (x)\t3", "Kommune (x) (y):z", "Kommune (x) (y",
		"Kommune (x) y", "Vi deltager kun fra Social og Sundhed.", "Kun Børne- og Ungeforvaltningen deltager", "x\u212aun Social og Sundhed deltager",
		"\u212aun Social og Sundhed deltager", "sp-0751", "SP-", "xS\u0050-", "-sp-", "ſp-1234", "Sp-1234 x", "Erstat: vi deltager fra Teknik og Miljø", "vi_deltager fra X og Y", "Jeg deltager selv som HR-chef", "I will attend myself (CEO)", "xi will attend", "Vi kan desværre ikke deltage",
		"Kommunen melder fra", "vi vil gerne deltage", "Hermed vores tilmelding", "Navne følger", "we would like to join", "We\u212a will join", "Forvaltning og område (x): y", "forvaltning (x) og område", "Forvaltning / område", "Hovedmed-godkendelse (ja/nej)",
		"Godkendt af hoved-med: ja", "Godkendelse i HovedMED (ja)\tja", "hovedmed (x)-y", "Ønsket første udviklingsdag (øst/vest)",
		"Kontakt (x):", "Kommune ()", "Kommune()x", "Kommune(", "deltagere (a) (b) c", "Godkendt i HovedMED (ja/nej): ja", "Vejle Komüne", "Storébælt", "STORÈBÆLT", "storÉb", "vest for Storebælt", "øst for STORE BÆLT", "storeb", "ſtorebælt", "stor e b", "høvedmed", "HOVEDMED", "vi \u212aan ikke deltage", "Trækker", "1. N.N.", "N.N.", "nn", "n n", "n\tn.", "xx", "x", "???", "?x", "-x", "Følger senere", "Mangler", "ikke udpeget", "Maria", "TBD", "Ukendt", "Eftersendes", "foelger", "\u212aommer senere", "12 ) Bo", "Med venlig hilsen", "m hej", "mvhx", "vh.", "Vh.x", "Hilsenx", "hilsen_", "Regardsø", "de bedste  hilsner", "Bedste hilſner", "MVH,", "vh", "Mvh", "\u212aind regards", "Område:" + strings.Repeat(" ", 100) + "x",
		"ønsket" + strings.Repeat(" ", 100) + "dato: 1", "\xffKommune:", "Kommune\xff:", "1)Kontakt: a@b.dk",
		"--- TILMELDING ---", "-- slut --", "--\ttilmelding", "-- TILMELDINGx", "-- tilmelding\nx", "-- tilmelding_", "-- tilmeldingø",
		"--- slut \n", "-- ſlut --", "--SLUT-- -", "--slut\n-", "-- \u212aommune", "---", "--slu", "---SLUT", "--tilmeldingen", "-Kommune", "12 : x", "1:", "9)", "x.",
		"\u00a0Kommune:\u00a0Vejle\u00a0", "Kontaktperson: Bo Ek, bo@vejle.dk"}
	raws, err := sampleRaws()
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		if msg, err := decode(raw, 1<<24); err == nil {
			lines = append(lines, strings.Split(msg.text(), "\n")...)
		}
	}
	return lines
}

// TestLabelFastPathsAgree compares matchLabel, isFormListItem and the marker
// tests with their expressions.
func TestLabelFastPathsAgree(t *testing.T) {
	for _, l := range formFastLines(t) {
		checkLabelFastPaths(t, l)
	}
}

func checkLabelFastPaths(t *testing.T, l string) {
	t.Helper()
	gl, gok := matchLabel(l)
	wl, wok := matchLabelRef(l)
	if gl != wl || gok != wok {
		t.Errorf("matchLabel(%q) = %+v, %v; want %+v, %v", l, gl, gok, wl, wok)
	}
	c := cleanLine(l)
	if got, want := isFormListItem(c), listItemRe.MatchString(c); got != want {
		t.Errorf("isFormListItem(%q) = %v, want %v", c, got, want)
	}
	if got, want := isFormStartMarker(c), startMarkerRe.MatchString(c); got != want {
		t.Errorf("isFormStartMarker(%q) = %v, want %v", c, got, want)
	}
	if got, want := isFormEndMarker(c), endMarkerRe.MatchString(c); got != want {
		t.Errorf("isFormEndMarker(%q) = %v, want %v", c, got, want)
	}
	if got, want := stripFormListItem(c), listItemRe.ReplaceAllString(c, ""); got != want {
		t.Errorf("stripFormListItem(%q) = %q, want %q", c, got, want)
	}
	if got, want := maybeSalutation(c), isSalutation(c); got != want {
		t.Errorf("maybeSalutation(%q) = %v, want %v", c, got, want)
	}
	if got, want := isPlaceholder(l), firstEmail(l) == "" && placeholderRe.MatchString(c); got != want {
		t.Errorf("isPlaceholder(%q) = %v, want %v", l, got, want)
	}
	checkFormPrefilters(t, l)
}

// checkFormPrefilters checks that the cheap tests before the prose readers'
// expressions and look-ups are necessary conditions on s.
func checkFormPrefilters(t *testing.T, s string) {
	t.Helper()
	d := testDirectory
	if !containsFold(s, "ommun") {
		if k, ok := d.find(s, true); ok {
			t.Errorf("find(%q) = %s without \"ommun\"", s, k.Name)
		}
	}
	checkMention(t, s)
	for _, c := range []*wordSet{dayCues, unitCues, contactCues, selfCues, intentLeadCues, intentCues, cancelCues,
		unitCueSets[0][0], unitCueSets[0][1], unitCueSets[1][0], unitCueSets[1][1]} {
		if got, want := c.holds(s), containsAnyFold(s, c.subs...); got != want {
			t.Errorf("wordSet%q.holds(%q) = %v, want %v", c.subs, s, got, want)
		}
	}
	if !containsFold(s, "omm") && !containsFold(s, "omu") {
		if k, ok := d.findMisspeltMention(s); ok {
			t.Errorf("findMisspeltMention(%q) = %s without \"omm\" or \"omu\"", s, k.Name)
		}
	}
	if f := fold(s); !containsFold(s, "hov") && strings.Contains(f, "hov") {
		t.Errorf("fold(%q) has \"hov\", %q does not", s, s)
	}
	if f := fold(s); !mayNameStorebaelt(s) && strings.Contains(f, "storeb") {
		t.Errorf("fold(%q) has \"storeb\", mayNameStorebaelt(%q) is false", s, s)
	}
	if !containsAnyFold(s, cancelWords...) && (cancelRe.MatchString(s) || cancelWeRe.MatchString(s)) {
		t.Errorf("%q cancels without a cancel word", s)
	}
	for i, re := range unitCueRes {
		if re.MatchString(s) && (!containsAnyFold(s, unitCueWords[i][0]...) || !containsAnyFold(s, unitCueWords[i][1]...)) {
			t.Errorf("%q matches unitCueRes[%d] without its cue words", s, i)
		}
	}
	for i, e := range unitCueExprs {
		if got, want := e.find(s), unitCueRes[i].FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("unitCueExprs[%d].find(%q) = %q, want %q", i, s, got, want)
		}
	}
	for _, e := range []cueExpr{cancelWeExpr, selfExpr, intentExpr} {
		if got, want := e.find(s), e.re.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("cueExpr(%s).find(%q) = %q, want %q", e.re, s, got, want)
		}
		if got, want := e.match(s), e.re.MatchString(s); got != want {
			t.Errorf("cueExpr(%s).match(%q) = %v, want %v", e.re, s, got, want)
		}
	}
	if got, want := hasReferencePrefix(s), containsFold(s, ReferencePrefix); got != want || ReferencePrefix != "SP-" {
		t.Errorf("hasReferencePrefix(%q) = %v, want %v", s, got, want)
	}
	if intentRe.MatchString(s) && !containsAnyFold(s, intentWords...) {
		t.Errorf("%q matches intentRe without an intent word", s)
	}
	if !hasASCIIDigit(s) && (isoDateRe.MatchString(s) || numDateRe.MatchString(s) || nameDateRe.MatchString(s)) {
		t.Errorf("%q has a date without a digit", s)
	}
}

var testDirectory = newDirectory(kommunerCSV)

// TestCueWordsFoldSafely checks that no cue word that containsFold looks
// for before an (?i) expression holds a letter that (?i) folds to a rune
// of another length: containsFold would miss that spelling. The words
// looked for before fold (ommun, omm, omu, hov, stor) have no k or i and
// the letters of fold's replacements only after "o" or alone: only their
// own ASCII letters, in either case, fold to them.
func TestCueWordsFoldSafely(t *testing.T) {
	words := append(append([]string{}, cancelWords...), intentWords...)
	for _, ws := range unitCueWords {
		words = append(append(words, ws[0]...), ws[1]...)
	}
	for _, w := range words {
		for _, r := range w {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if utf8.RuneLen(f) != utf8.RuneLen(r) {
					t.Errorf("cue word %q: %q folds to %q", w, r, f)
				}
			}
			if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) != utf8.RuneLen(r) {
				t.Errorf("cue word %q: %q lowers to %q", w, r, l)
			}
		}
	}
	// prefixFoldAny compares the first two bytes of a label word with two
	// ASCII bytes of the line: the second letter must be lower-case ASCII
	// or a rune that no ASCII letter folds to.
	for _, ps := range append(append([][]string{}, labelPrefixes...), greetings) {
		for _, p := range ps {
			r, _ := utf8.DecodeRuneInString(p[1:])
			if p[0] >= 'A' && p[0] <= 'Z' || p[1] >= 'A' && p[1] <= 'Z' || r == '\u212a' || r == '\u017f' {
				t.Errorf("label word %q: its second letter cannot be compared so", p)
			}
		}
	}
	// Only ASCII letters fold (fold, ToLower) to the ASCII letters of the
	// cue words but k and i.
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if l := unicode.ToLower(r); l < utf8.RuneSelf && l != 'k' && l != 'i' {
			t.Errorf("%U lowers to %q", r, l)
		}
	}
}

func FuzzLabel(f *testing.F) {
	for _, s := range []string{"Kommune: Vejle", "1. Deltagere:", "• Ønsket dato", "--- TILMELDING ---", "12 ) x",
		"Deltagere (én pr. linje: navn)", "Forvaltning/område (kun hvis): x", "Godkendt i HovedMED (ja/nej): ja",
		"Ønsket første udviklingsdag (øst/vest) vest", "Kontaktperson (navn, e-mail, tlf.):", "Deltager nr. 3 (x): y", "hovedmed godkendelse\tja"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLabelFastPaths(t, s)
	})
}

// sentenceEndRe is what sentenceEnd scans for.
var sentenceEndRe = regexp.MustCompile(`[.!?]+(\s|$)`)

// splitSentencesRef is splitSentences on sentenceEndRe.
func splitSentencesRef(p string) []string {
	var out []string
	start := 0
	for _, loc := range sentenceEndRe.FindAllStringIndex(p, -1) {
		if p[loc[0]] == '.' && !strings.ContainsAny(p[loc[0]:loc[1]], "!?") {
			word := p[start:loc[0]]
			if i := strings.LastIndexAny(word, " \t(/"); i >= 0 {
				word = word[i+1:]
			}
			lw := strings.ToLower(word)
			if word != "" && (isDigits(word) || abbreviations[lw] || len([]rune(word)) == 1) {
				continue
			}
		}
		if s := cleanLine(p[start:loc[1]]); s != "" {
			out = append(out, s)
		}
		start = loc[1]
	}
	if s := cleanLine(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// TestSentencesFastPathAgree compares splitSentences with its expression.
func TestSentencesFastPathAgree(t *testing.T) {
	paras := []string{"", ".", "a.", "a. b", "a.b. c", "Hej!! Hvordan?! ok... x", "29. september kl. 10. Tak", "e\u212askl. x",
		"\u212al. 10", "f.eks. at. Tak.\tx", "?", "a .", "a\r\n.b"}
	for _, l := range formFastLines(t) {
		paras = append(paras, l)
	}
	pr := corpusParser()
	for _, m := range benchCorpus()[:500] {
		if msg, err := decode(m.Raw, pr.opts.MaxMessageBytes); err == nil {
			paras = append(paras, sentences(newText(msg.text()))...)
		}
	}
	for _, p := range paras {
		checkSentences(t, p)
		checkFormPrefilters(t, p)
	}
}

func checkSentences(t *testing.T, p string) {
	t.Helper()
	if got, want := splitSentences(p), splitSentencesRef(p); !slices.Equal(got, want) {
		t.Errorf("splitSentences(%q) = %q, want %q", p, got, want)
	}
}

func FuzzSentences(f *testing.F) {
	for _, s := range []string{"Hej. Vi kommer d. 29. sept. kl. 10!", "a?! b.c. d"} {
		f.Add(s)
	}
	f.Fuzz(checkSentences)
}

// TestDateMatchesAgree compares dateMatches with the expressions' own
// search on awkward strings and on the benchmark corpus's texts.
func TestDateMatchesAgree(t *testing.T) {
	texts := []string{"", "1", "29/9", "29 / 9 - 2022x", "a29/9", "_1/2", "ø1/2", "2022-09-29", "12022-09-29", "2022-9-1x",
		"29. september 2022", "29.sept.    2022", "1 \u212aan", "11 okt.\n\n 2022", "1/2/3/4/5", "tlf. 12 34 56 78, 29.09.22",
		"1." + strings.Repeat(" ", 40) + "abcdefghijk", "3 æøåæøåæøå. 2022", "10-10-10-10", "\xff1/2", "1/2\xff",
		"3 ſep", "3 \u212bugust", "3.\u212aan.  2022", "1/2-2022", "1/2-202", "1/2 - 22x", "1/2 . 22", "1 / 2 /2022", "12/123", "123/12",
		"2022-12-123", "2022-1-1_", "1.jan2022", "1 januarx 2022", "1 abcdefghijkl", "1 ab", "1\n.\n2", "29 sept.\t2022"}
	texts = append(texts, formFastLines(t)...)
	p := corpusParser()
	for _, m := range benchCorpus()[:300] {
		if msg, err := decode(m.Raw, p.opts.MaxMessageBytes); err == nil {
			texts = append(texts, msg.text())
		}
	}
	for _, s := range texts {
		checkDateMatches(t, s)
	}
}

func checkDateMatches(t *testing.T, s string) {
	t.Helper()
	if got, want := hasISODate(s), isoDateRe.MatchString(s); got != want {
		t.Errorf("hasISODate(%q) = %v, want %v", s, got, want)
	}
	for _, e := range []dateExpr{isoDateExpr, numDateExpr, nameDateExpr} {
		if got, want := dateMatches(e, s), e.re.FindAllStringSubmatchIndex(s, -1); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("dateMatches(%s, %q) = %v, want %v", e.re, s, got, want)
		}
	}
}

func FuzzDateMatches(f *testing.F) {
	for _, s := range []string{"29/9 2022", "den 29. sept. 2022 kl. 10", "2022-09-29", "11 okt 2022"} {
		f.Add(s)
	}
	f.Fuzz(checkDateMatches)
}

// checkMention compares findMention's word spans and search with
// tokenize and find(text, true).
func checkMention(t *testing.T, s string) {
	t.Helper()
	toks, spans := tokenize(s), wordSpans(s)
	if len(toks) != len(spans) {
		t.Fatalf("wordSpans(%q): %d words, tokenize %d", s, len(spans), len(toks))
	}
	for i := range toks {
		if toks[i].orig != spans[i].orig {
			t.Fatalf("wordSpans(%q)[%d] = %q, want %q", s, i, spans[i].orig, toks[i].orig)
		}
	}
	gk, gok := testDirectory.findMention(s)
	wk, wok := testDirectory.find(s, true)
	if gok != wok || gk.Code != wk.Code {
		t.Errorf("findMention(%q) = %s, %v; want %s, %v", s, gk.Name, gok, wk.Name, wok)
	}
}

// TestFindMentionAgrees compares findMention with find on whole texts.
func TestFindMentionAgrees(t *testing.T) {
	texts := []string{"Vejle Kommune", "KK Kommune", "kk kommune", "Vejen kommunes", "Lyngby-Taarbæk Kommune", "Høje-Taastrup Kommunen",
		"Bornholms Regionskommune", "Mors", "Vi bor i Vejen. Kommunen", "x\u212aommune Vejle Kommune", "Århus\xffKommune", "AARHUS KOMMUNE",
		"Kommunalt samarbejde med Ringkøbing-Skjern Kommune", "Det er Lyngby-Taarbæk   -- Kommune", "ø.Vejle.kommunes", "a b c d e f kommune", "\xe2\x84Vejle Kommune"}
	p := corpusParser()
	for _, m := range benchCorpus()[:300] {
		if msg, err := decode(m.Raw, p.opts.MaxMessageBytes); err == nil {
			texts = append(texts, msg.text(), msg.header.Get("Subject"))
		}
	}
	for _, s := range texts {
		checkMention(t, s)
	}
}

// TestDateOnly compares dateOnly with time.Format.
func TestDateOnly(t *testing.T) {
	for _, y := range []int{1, 9, 10, 99, 100, 999, 1000, 2022, 9999} {
		for m := time.January; m <= time.December; m++ {
			for _, d := range []int{1, 9, 10, 28, 31} {
				tm := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
				if got, want := dateOnly(tm), tm.Format(time.DateOnly); got != want {
					t.Errorf("dateOnly(%v) = %s, want %s", tm, got, want)
				}
			}
		}
	}
}
