package parser

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

// prefilterCases are awkward strings for the participant readers' cheap
// tests.
var prefilterCases = []string{
	"", " ", "1.", "12.", "123.", "1 .", "1\t)", "12 :x", "1 2.", "-", "- x", "*x", "• a", "·b", "▪ c", "– d", "—e", "x",
	"a  b  c", "a \u00a0b  c", "a\u00a0\u00a0b\u00a0 c", "a   b", "  ", "a  ", "\u00a0\u00a0", "a\tb", "a  b, c  d",
	"Kontaktperson: Bo", "\u212aontakt: Bo", "ſlet Anne Hansen (", "Udskift Anne Hansen <", "instead of Bo Dam (",
	"kan desværre ikke", "CC: x", "kopi til", "deltager ikke", "vi har talt med", "HØRT", "drøftet", "VÆLGER",
	"Vi deltager med HR-chef Anne Hansen", "TAKE part", "næstformand i HovedMED", "formand for hovedmed",
	"Næstformand I HOVED-MED", "formand for\u212a", "chef for 200 medarbejdere", "administrativ medarbejder",
	"HR-chef", "hr chef", "Skoleleder", "FTR", "tr", "TR-repræsentant", "union representative", "Head of HR",
	"head  of", "employee representative for staff", "Ledelsen", "LEDELSE", "lédelse", "medarbejder\u212a",
	"Fællestillidsrepræsentant", "kommunaldirektør", "KOMMUNALDIREKTØR", "direktør—chef", "a\xffchef", "chef\xff",
	"Ledelsesrepræsentanter", "for medarbejdersiden", "x-leder", "-leder", "leder-", "amir", "AMR/TR", "director",
	"ledersiden", "arbejdsgiversiden", "management", "Employees", "STAFF", "ſtaff",
	"deltagere", "Deltager.", "deltagerne", "_deltager", "xdeltage", "deltage_", "tilmeldes", "tilmeldet", "kommer!", "kommers",
	"attending", "xattend", "participants", "participantsx", "take  part", "take part_", "take\tparts", "TAKE PART",
	"kontakt :", "kontaktpersonen", "kan  desværre ikke", "kan DESVÆRRE\tikke", "kan ikke", "kanikke", "cc :", "kopi til",
	"ikke  deltage", "deltager ikke", "contact person", "a, b", "a,b", "a.", "a.b", "a. b", "a og b", "a OG b", "a & b",
	"a (b", "a) b", "x samt y", "x and  y", "x &y", "?", "!x", "a ;\tb",
	"(a,b)", "((a,b))", "(a,b)(c;d)", "(a)(b,c)", "(a,(b,c)", "(a,b", "a,b)", "()", "(,)", "(\x00)", "x (y, z) w (v) (u;t)",
	"(a\nb,c)", "((", "))", "(a,b))(", "( , )",
	"Navn, E-mail, Stilling", "Navn;Mail", "navn|x", ",Navn,Mail", "Navn,", "1. Navn, 2. Mail", "Navn\tMail", "Navn  Mail  Side",
	"20 30 40 50", "+45 20304050", "+4520-30-40-50", "+ 45 20 30 40 50", "+45  20304050", "2030405", "203040506", "a20304050",
	"20304050x", "20304050_", "2030 4050", "20--30405060", "+46 20304050", "++4520304050", "1+4520304050", "20 30 40 5 0",
	"Navn: Bo", "ſide: x", "Tlf: 20 30 40 50", "20-30-40-50-", "mobil 2030405 0", "Fra ledelsesrepræsentanter", "medarbejderREPRÆSENTANT", "Stilling:", "Tlf: 20 30 40 50",
	"\t", "\t\t", "a\t\tb", "a \tb", "a  \t  b", " ", "a \u00a0b", "a\u00a0\u00a0\u00a0b", "\u00a0", "a \u00a0", "a\xc2 b", "a  ",
	"Bo (\x00)", "Bo < mailto: \x00 >", "[mailto:\x00]", "(x, \x00)", "(\x00 x)", "\x00)", "(\x00", "a,,b;<c>[d]/e/",
}

// prefilterLines returns the awkward strings and every line, field and
// word of the benchmark corpus's decoded texts, each once.
func prefilterLines(t *testing.T) []string {
	return prefilterCorpus()
}

var prefilterCorpus = sync.OnceValue(func() []string {
	lines := append([]string{}, prefilterCases...)
	p := corpusParser()
	for _, m := range benchCorpus()[:600] {
		msg, err := decode(m.Raw, p.opts.MaxMessageBytes)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(msg.text(), "\n") {
			lines = append(lines, l, cleanLine(l))
			lines = append(lines, splitFields(l)...)
			lines = append(lines, strings.Fields(l)...)
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
})

// checkPrefilters compares the cheap tests with the expressions and
// definitions they stand in for on s.
func checkPrefilters(t *testing.T, s string) {
	t.Helper()
	if got, want := isListItem(s), listItemRe.MatchString(s); got != want {
		t.Fatalf("isListItem(%q) = %v, want %v", s, got, want)
	}
	if got, want := trimListItem(s), listItemRe.ReplaceAllString(s, ""); got != want {
		t.Fatalf("trimListItem(%q) = %q, want %q", s, got, want)
	}
	if !strings.Contains(s, "\t") {
		if got, want := spaceRuns(s, 2), len(cellSepRe.FindAllStringIndex(s, 2)); got != want {
			t.Fatalf("spaceRuns(%q) = %d, want %d", s, got, want)
		}
	}
	if got, want := string(appendFold(nil, s)), fold(s); got != want {
		t.Fatalf("appendFold(%q) = %q, want %q", s, got, want)
	}
	if got, want := string(appendFoldedWords(nil, s)), foldedWords(s); got != want {
		t.Fatalf("appendFoldedWords(%q) = %q, want %q", s, got, want)
	}
	if got, want := titleSideScan(s), titleSideRef(s); got != want {
		t.Fatalf("titleSideScan(%q) = %q, want %q", s, got, want)
	}
	if !mayHoldExplicitWord(s) {
		for _, tok := range tokenize(s) {
			if explicitWord(tok.folded) != "" {
				t.Fatalf("mayHoldExplicitWord(%q) = false, but it holds %q", s, tok.orig)
			}
		}
	}
	if !mayBracketAddr(s) && bracketedAddrRe.MatchString(s) {
		t.Fatalf("bracketedAddrRe matches %q, mayBracketAddr says it cannot", s)
	}
	if m := replaceEmails(s, "\x00"); !mayBracketAddr(m) && bracketedAddrRe.MatchString(m) {
		t.Fatalf("bracketedAddrRe matches %q, mayBracketAddr says it cannot", m)
	}
	if got, want := splitAtBytes(s, fieldSeps), strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",;<>[]/", r) }); strings.Join(got, "\x01") != strings.Join(want, "\x01") || len(got) != len(want) {
		t.Fatalf("splitAtBytes(%q) = %q, want %q", s, got, want)
	}
	if got, want := splitClauses(s), clauseSepRe.Split(s, -1); strings.Join(got, "\x01") != strings.Join(want, "\x01") || len(got) != len(want) {
		t.Fatalf("splitClauses(%q) = %q, want %q", s, got, want)
	}
	for _, limit := range []int{0, 1, 5, 7, 100} {
		if got, want := fieldCount(s, limit), min(len(strings.Fields(s)), limit); got != want {
			t.Fatalf("fieldCount(%q, %d) = %d, want %d", s, limit, got, want)
		}
	}
	for _, m := range []string{s, replaceEmails(s, "\x00")} {
		if got, want := replaceListParens(m), listParenRe.ReplaceAllString(m, ",$1,"); got != want {
			t.Fatalf("replaceListParens(%q) = %q, want %q", m, got, want)
		}
	}
	if got, want := splitAtCellSeps(s), cellSepRe.Split(s, -1); !reflect.DeepEqual(got, want) {
		t.Fatalf("splitAtCellSeps(%q) = %q, want %q", s, got, want)
	}
	if got, want := headerRow(s), headerRowRef(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("headerRow(%q) = %v, want %v", s, got, want)
	}
	if got, want := findPhone(s), phoneRe.FindString(s); got != want {
		t.Fatalf("findPhone(%q) = %q, want %q", s, got, want)
	}
	if got, want := hasPhone(s), phoneRe.MatchString(s); got != want {
		t.Fatalf("hasPhone(%q) = %v, want %v", s, got, want)
	}
	if !containsFold(s, "repr") && sideHeadingTitleRe.MatchString(s) {
		t.Fatalf("sideHeadingTitleRe matches %q without \"repr\"", s)
	}
	if c := cleanLine(s); !(c != "" && (isDigit(c[len(c)-1]) || c[len(c)-1] == '-')) && cardPhoneRe.MatchString(c) {
		t.Fatalf("cardPhoneRe matches %q, the card prefilter says it cannot", c)
	}
	if strings.IndexByte(s, ':') >= 0 && !(startsWithAnyOf(s, "nemstjfr") || strings.HasPrefix(s, "\u017f")) && cardLabelRe.MatchString(s) {
		t.Fatalf("cardLabelRe matches %q, the card prefilter says it cannot", s)
	}
	if got, want := namesPart(s), namedPartRe.MatchString(s); got != want {
		t.Fatalf("namesPart(%q) = %v, want %v", s, got, want)
	}
	if got, want := excludes(s), excludeRe.MatchString(s); got != want {
		t.Fatalf("excludes(%q) = %v, want %v", s, got, want)
	}
	if got, want := chunkSepIndex(s), chunkSepRe.FindStringIndex(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("chunkSepIndex(%q) = %v, want %v", s, got, want)
	}
	if got, want := isExcluded(s), excludeRe.MatchString(s); got != want {
		t.Fatalf("isExcluded(%q) = %v, want %v", s, got, want)
	}
	if got, want := isReplaced(s), replacedRe.MatchString(s); got != want {
		t.Fatalf("isReplaced(%q) = %v, want %v", s, got, want)
	}
	if !notPartSubs.mayMatch(s) && notPartRe.MatchString(s) {
		t.Fatalf("notPartRe matches %q without notPartSubs", s)
	}
	if !takingPartSubs.mayMatch(s) && takingPartRe.MatchString(s) {
		t.Fatalf("takingPartRe matches %q without takingPartSubs", s)
	}
	for _, fs := range []*wordSet{excludeSubs, replacedSubs, notPartSubs, takingPartSubs} {
		if got, want := fs.mayMatch(s), mayMatchFold(s, fs.subs...); got != want {
			t.Fatalf("wordSet%q.mayMatch(%q) = %v, containsAnyFold says %v", fs.subs, s, got, want)
		}
	}
	if words := strings.Fields(s); len(words) >= 3 {
		for i := 0; i+3 <= len(words); i++ {
			if got, want := isCommitteeTitle(words[i:i+3]), committeeRe.MatchString(strings.Join(words[i:i+3], " ")); got != want {
				t.Fatalf("isCommitteeTitle(%q) = %v, want %v", words[i:i+3], got, want)
			}
		}
	}
}

// TestPrefiltersAgree compares the participant readers' cheap tests
// with the expressions they guard on awkward strings and on the
// benchmark corpus.
func TestPrefiltersAgree(t *testing.T) {
	for _, s := range prefilterLines(t) {
		checkPrefilters(t, s)
	}
}

// FuzzPrefilters compares the participant readers' cheap tests with the
// expressions they guard.
func FuzzPrefilters(f *testing.F) {
	for _, s := range prefilterCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPrefilters(t, s)
		checkHovedMED(t, s)
	})
}

// isSideOnlyRef is isSideOnly as first written.
func isSideOnlyRef(field string) bool {
	cue := false
	for _, t := range tokenize(field) {
		switch {
		case explicitWord(t.folded) != "":
			cue = true
		case !sideFillers[t.folded]:
			return false
		}
	}
	return cue
}

// TestSideScansAgree compares the one-pass readings of the side
// vocabulary with their definitions.
func TestSideScansAgree(t *testing.T) {
	for _, s := range prefilterLines(t) {
		checkSideScans(t, s)
	}
}

// checkSideScans compares the side readings with their definitions on s.
func checkSideScans(t *testing.T, s string) {
	t.Helper()
	if got, want := explicitSide(s), explicitSideRef(s); got != want {
		t.Fatalf("explicitSide(%q) = %q, want %q", s, got, want)
	}
	if got, want := isSideOnly(s), isSideOnlyRef(s); got != want {
		t.Fatalf("isSideOnly(%q) = %v, want %v", s, got, want)
	}
	want := explicitSideRef(s)
	if want == "" {
		want = titleSideRef(s)
	}
	if got := sideOf(s); got != want {
		t.Fatalf("sideOf(%q) = %q, want %q", s, got, want)
	}
}

// FuzzSideScans compares the side readings with their definitions.
func FuzzSideScans(f *testing.F) {
	for _, s := range prefilterCases {
		f.Add(s)
	}
	f.Add("Administrativ medarbejder, for ledelsen")
	f.Add("Bo Jensen medarbejder (x) ledelse/medarbejder")
	f.Fuzz(func(t *testing.T, s string) { checkSideScans(t, s) })
}

// TestClausesAgree compares splitClauses with clauseSepRe.Split.
func TestClausesAgree(t *testing.T) {
	lines := append(prefilterLines(t), "a og b", "a  og  b", "a og", "og b", " og ", "a,b", "a, b", "a ,  b", "a; ;  b",
		"a  samt\tb", "a sammen b", "a and  but c", "a ogsaa b", "a\tog\nb", "a og og b", "a  men", ", ", ";\t", " and and b")
	for _, s := range lines {
		got, want := splitClauses(s), clauseSepRe.Split(s, -1)
		if strings.Join(got, "\x01") != strings.Join(want, "\x01") || len(got) != len(want) {
			t.Fatalf("splitClauses(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestHovedMEDAgrees compares readHovedMED with its first definition.
func TestHovedMEDAgrees(t *testing.T) {
	lines := append(prefilterLines(t), "ja/nej", "Ja", "nej", "nej, behandles på næste møde", "HovedMED har givet grønt lys",
		"sagt ja", "sagt  ja.", "ja nej", "nej ja", "ikke godkendt", "godkendt", "Godkendt i HovedMED: ja", "næste møde", "yes")
	for _, s := range lines {
		checkHovedMED(t, s)
	}
}

// checkHovedMED compares readHovedMED with its first definition on s.
func checkHovedMED(t *testing.T, s string) {
	t.Helper()
	for _, prose := range []bool{false, true} {
		got, want := readHovedMED(s, prose), readHovedMEDRef(s, prose)
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Fatalf("readHovedMED(%q, %v) = %v, want %v", s, prose, got, want)
		}
	}
}

// readHovedMEDRef is readHovedMED as first written, with the folded
// words as one string (TestHovedMEDAgrees compares them).
func readHovedMEDRef(s string, prose bool) *bool {
	w := " " + foldedWords(s) + " "
	no := append([]string{" nej "}, hovedMEDNo...)
	yes := formApprovals
	if prose {
		yes = proseYes
	}
	if strings.Contains(w, " ja nej ") {
		return nil // the hint "(ja/nej)" copied as the answer
	}
	for _, n := range no {
		if strings.Contains(w, n) && !(prose && n == " nej ") {
			return boolPtr(false)
		}
	}
	for _, y := range yes {
		if strings.Contains(w, y) {
			return boolPtr(true)
		}
	}
	return nil
}

// explicitSideRef is explicitSide as first written, segment by segment
// (TestSideScansAgree compares explicitSide with it).
func explicitSideRef(text string) string {
	if strings.IndexByte(text, '@') >= 0 {
		text = replaceEmails(text, ",")
	}
	found := ""
	for _, seg := range strings.FieldsFunc(text, isCueBoundary) {
		toks := tokenize(seg)
		for i, t := range toks {
			side := explicitWord(t.folded)
			if side == "" || titleHeads[t.folded] && i > 0 && isTitleQualifier(toks, i-1) {
				continue
			}
			if found != "" && found != side {
				return ""
			}
			found = side
		}
	}
	return found
}

// headerRowRef is headerRow as first written.
func headerRowRef(line string) []column {
	var cells []string
	if isColumnLine(line) {
		cells = splitCells(line)
	} else {
		cells = strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(",;|", r) })
	}
	if len(cells) < 2 {
		return nil
	}
	for _, c := range cells {
		if len(c) > 40 || strings.IndexByte(c, '@') >= 0 {
			return nil
		}
	}
	var cols []column
	named := 0
	for _, c := range cells {
		c = cleanField(listItemRe.ReplaceAllString(cleanLine(c), ""))
		if c == "" {
			cols = append(cols, colOther)
			continue
		}
		col, ok := headerColumns[foldedWords(c)]
		if !ok {
			return nil
		}
		cols = append(cols, col)
		named++
	}
	if named < 2 {
		return nil
	}
	return cols
}

// TestCueBoundariesAreASCII checks what nextWord assumes: every cue
// boundary is ASCII, so a rune beyond ASCII never is one.
func TestCueBoundariesAreASCII(t *testing.T) {
	for _, r := range cueBoundaries {
		if r >= 0x80 {
			t.Errorf("cue boundary %q is beyond ASCII: nextWord must decode it", r)
		}
	}
}
